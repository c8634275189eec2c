# tool: OpenSCAP command line tool (oscap) 1.3.7
# generated: 2026-11-27T10:11:59Z by testdata/regen.sh
oscap xccdf eval --profile xccdf_eu.evident.test_profile_baseline --results-arf arf.xml content/tsp-host-xccdf.xml >/dev/null || [ $? = 2 ]
