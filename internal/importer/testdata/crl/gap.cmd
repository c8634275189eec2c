# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T04:13:29Z by testdata/regen.sh
cp $WORK/pki/crl-0.pem gap.crl && openssl ca -config $WORK/pki/crl.cnf -cert $WORK/pki/root.crt -keyfile $WORK/pki/root.key -gencrl -crl_lastupdate 20261207040000Z -crl_nextupdate 20261208040000Z 2>/dev/null >> gap.crl && openssl ca -config $WORK/pki/crl.cnf -cert $WORK/pki/root.crt -keyfile $WORK/pki/root.key -gencrl -crl_lastupdate 20261208160000Z -crl_nextupdate 20261209160000Z 2>/dev/null >> gap.crl
