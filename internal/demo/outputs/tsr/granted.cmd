# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-11-27T10:05:50Z by testdata/regen.sh
openssl ts -query -data stamped.txt -sha256 -cert -out $WORK/pki/granted.tsq && openssl ts -reply -config $WORK/pki/ts.cnf -queryfile $WORK/pki/granted.tsq -inkey $WORK/pki/tsa.key -signer $WORK/pki/tsa.crt -out granted.tsr 2>/dev/null
