# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026), under libfaketime 0.9.10-2.1
# generated: 2026-12-06T04:52:10Z by testdata/regen.sh
openssl ca -config $WORK/pki/crl.cnf -cert $WORK/pki/root.crt -keyfile $WORK/pki/root.key -gencrl -crl_lastupdate 20261102000000Z -crl_nextupdate 20261103000000Z 2>/dev/null | openssl crl -outform DER -out revoked.crl
