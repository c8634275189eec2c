# tool: lynis 3.0.8
# generated: 2026-11-27T10:39:22Z by testdata/regen.sh
lynis audit system --quick --no-colors --quiet --no-log --report-file report.raw >/dev/null && grep -v -E '^(deleted_file\[\]|open_empty_log_file\[\]|binary_paths|network_(mac|ipv4|ipv6)_address\[\]|network_listen\[\]|installed_packages_array|home_directory\[\])=' report.raw > report.dat && rm report.raw
