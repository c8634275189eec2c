# tool: testssl 3.0.8 with OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-05T08:48:34Z by testdata/regen.sh
testssl --quiet --color 0 --warnings off --sneaky -p --jsonfile-pretty scan-problem-pretty.json 127.0.0.1:15442 >/dev/null; test -s scan-problem-pretty.json
