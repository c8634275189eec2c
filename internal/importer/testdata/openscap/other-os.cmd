# tool: OpenSCAP command line tool (oscap) 1.3.7
# generated: 2026-12-05T08:49:28Z by testdata/regen.sh
oscap xccdf eval --profile xccdf_eu.evident.test_profile_baseline --results other-os.xml content/other-os-xccdf.xml >/dev/null
