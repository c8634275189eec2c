# tool: OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)
# generated: 2026-12-06T04:42:45Z by testdata/regen.sh
openssl ts -query -data stamped.txt -sha256 -cert -out $WORK/pki/future.tsq && openssl ts -reply -config $WORK/pki/ts.cnf -queryfile $WORK/pki/future.tsq -inkey $WORK/pki/tsa-future.key -signer $WORK/pki/tsa-future.crt -out future-tsu.tsr 2>/dev/null
