# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026), under libfaketime 0.9.10-2.1
# generated: 2026-12-06T04:52:06Z by testdata/regen.sh
faketime '2026-11-01 00:30:00' openssl ocsp -index $WORK/pki/db/index -CA $WORK/pki/root.crt -rsigner $WORK/pki/root.crt -rkey $WORK/pki/root.key -reqin $WORK/pki/a.req -ndays 14 -respout long.der 2>/dev/null
