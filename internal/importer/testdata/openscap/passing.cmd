# tool: OpenSCAP command line tool (oscap) 1.3.7
# generated: 2026-12-05T08:49:26Z by testdata/regen.sh
oscap xccdf eval --profile xccdf_eu.evident.test_profile_baseline --rule xccdf_eu.evident.test_rule_passwd_present --results passing.xml content/tsp-host-xccdf.xml >/dev/null
