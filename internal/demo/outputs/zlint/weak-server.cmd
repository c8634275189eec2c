# tool: zlint v3.7.3 (go install)
# generated: 2026-11-27T10:05:51Z by testdata/regen.sh
zlint -pretty weak-server.pem > weak-server.json
