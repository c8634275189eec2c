# tool: lynis 3.0.8
# generated: 2026-12-05T08:55:00Z by testdata/regen.sh
lynis audit system --tests NONE-0000 --quick --no-colors --quiet --no-log --report-file no-tests.raw >/dev/null && grep -v -E '^(deleted_file\[\]|open_empty_log_file\[\]|binary_paths|network_(mac|ipv4|ipv6)_address\[\]|network_listen\[\]|installed_packages_array|home_directory\[\])=' no-tests.raw > no-tests.dat && rm no-tests.raw
