# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T04:34:34Z by testdata/regen.sh
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $WORK/ceremony/ca.key && openssl pkey -in $WORK/ceremony/ca.key -pubout -out key.pem && openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -d' ' -f1 > key.sha256
