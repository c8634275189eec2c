# tool: OpenSCAP command line tool (oscap) 1.3.7
# generated: 2026-12-05T08:49:27Z by testdata/regen.sh
oscap xccdf eval --results nothing-selected.xml content/tsp-host-xccdf.xml >/dev/null
