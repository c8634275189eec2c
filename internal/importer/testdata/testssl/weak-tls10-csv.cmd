# tool: testssl 3.0.8 with OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T07:43:37Z by testdata/regen.sh
testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --csvfile weak-tls10-csv.csv 127.0.0.1:14443 >/dev/null; test -s weak-tls10-csv.csv
