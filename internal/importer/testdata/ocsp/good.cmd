# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T04:13:26Z by testdata/regen.sh
openssl ocsp -index $WORK/pki/db/index -CA $WORK/pki/root.crt -rsigner $WORK/pki/root.crt -rkey $WORK/pki/root.key -reqin $WORK/pki/strong.req -ndays 4 -respout good.der 2>/dev/null
