# tool: gosec Version: dev
# generated: 2026-11-27T10:05:58Z by testdata/regen.sh
cd src && gosec -quiet -fmt sarif -out ../gosec.sarif ./... || [ $? = 1 ]
