# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026), under libfaketime 0.9.10-2.1
# generated: 2026-12-06T04:52:09Z by testdata/regen.sh
cp $WORK/pki/crl-0.pem daily.crl && openssl ca -config $WORK/pki/crl.cnf -cert $WORK/pki/root.crt -keyfile $WORK/pki/root.key -gencrl -crl_lastupdate 20261102000000Z -crl_nextupdate 20261103000000Z 2>/dev/null >> daily.crl && openssl ca -config $WORK/pki/crl.cnf -cert $WORK/pki/root.crt -keyfile $WORK/pki/root.key -gencrl -crl_lastupdate 20261103000000Z -crl_nextupdate 20261104000000Z 2>/dev/null >> daily.crl
