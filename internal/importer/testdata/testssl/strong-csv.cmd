# tool: testssl 3.0.8 with OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T07:45:13Z by testdata/regen.sh
testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --csvfile strong-csv.csv 127.0.0.1:15443 >/dev/null; test -s strong-csv.csv
