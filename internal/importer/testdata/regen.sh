#!/usr/bin/env bash
# regen.sh rebuilds the importer fixtures by running the real tools against
# targets it starts on 127.0.0.1, and writes the exact command and the tool
# version beside each output (<name>.cmd). Run it as root on Debian:
#
#   bash internal/importer/testdata/regen.sh            # all formats
#   bash internal/importer/testdata/regen.sh nmap tsr   # only some
#
# Then refresh the golden files: go test ./internal/importer/... -update
#
# Fixtures are evidence of what the real tools print, so nothing here is
# written by hand: a tool that fails stops the script, and trivy, which may
# not build, leaves its fixtures alone and says so.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# Ports of the local targets; high numbers so nothing else is likely there.
HTTP_PORT=18080
WEAK_PORT=14443
STRONG_PORT=15443
ROGUE_PORT=12323
NTP_PORT=11123
CMD_PORT=11323

log() { echo "regen: $*" >&2; }

# record FORMAT NAME VERSION COMMAND: writes the provenance note. Temporary
# paths are shown as $WORK and fixtures under testdata/ so the note reads the
# same on every machine.
record() {
	local dir="$here/$1" name=$2 version=$3 cmd=$4
	mkdir -p "$dir"
	{
		echo "# tool: $version"
		echo "# generated: $(date -u +%Y-%m-%dT%H:%M:%SZ) by testdata/regen.sh"
		cmd=${cmd//$WORK/\$WORK}
		echo "${cmd//$here/testdata}"
	} >"$dir/$name.cmd"
}

# run FORMAT NAME VERSION COMMAND: runs the command through bash in the
# format's fixture directory, so outputs are named relative to it and no
# machine path ends up inside them, and records it.
run() {
	log "$1/$2: $4"
	mkdir -p "$here/$1"
	(cd "$here/$1" && bash -c "$4")
	record "$@"
}

install_tools() {
	export DEBIAN_FRONTEND=noninteractive
	if ! command -v nmap >/dev/null || ! command -v testssl >/dev/null || ! command -v oscap >/dev/null ||
		! command -v lynis >/dev/null || ! command -v chronyd >/dev/null || ! command -v faketime >/dev/null; then
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends nmap testssl.sh openscap-scanner \
			lynis chrony openssl faketime procps python3 >/dev/null
	fi
	command -v zlint >/dev/null || go install github.com/zmap/zlint/v3/cmd/zlint@v3.7.3
	command -v gosec >/dev/null || go install github.com/securego/gosec/v2/cmd/gosec@v2.30.0
	command -v trivy >/dev/null || GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0 ||
		log "trivy could not be built; trivy fixtures left as they are"
}

wait_port() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	log "nothing listens on 127.0.0.1:$1"
	return 1
}

# pki makes a small test PKI: a root CA, a server certificate, an expired
# 1024-bit server certificate for the weak TLS server and a TSA certificate.
pki() {
	[ -f "$WORK/pki/root.crt" ] && return 0
	local d="$WORK/pki"
	mkdir -p "$d/db" && touch "$d/db/index" && echo 1000 >"$d/db/serial"
	cat >"$d/ca.cnf" <<-EOF
		[ca]
		default_ca = ca
		[ca]
		dir = $d
		database = $d/db/index
		serial = $d/db/serial
		new_certs_dir = $d/db
		default_md = sha256
		policy = any
		unique_subject = no
		copy_extensions = none
		[any]
		commonName = supplied
		organizationName = optional
		countryName = optional
		[root]
		basicConstraints = critical,CA:true
		keyUsage = critical,keyCertSign,cRLSign
		subjectKeyIdentifier = hash
		[server]
		basicConstraints = critical,CA:false
		keyUsage = critical,digitalSignature,keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:localhost,IP:127.0.0.1
		authorityKeyIdentifier = keyid
		subjectKeyIdentifier = hash
		[tsa]
		basicConstraints = critical,CA:false
		keyUsage = critical,digitalSignature
		extendedKeyUsage = critical,timeStamping
		authorityKeyIdentifier = keyid
		subjectKeyIdentifier = hash
	EOF
	openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 3650 \
		-subj "/C=EU/O=Evident Test/CN=Evident Test Root" -keyout "$d/root.key" -out "$d/root.crt" \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	issue() { # name keyspec ext start end
		openssl req -new -nodes -newkey "$2" -subj "/O=Evident Test/CN=$1" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
		openssl ca -batch -config "$d/ca.cnf" -cert "$d/root.crt" -keyfile "$d/root.key" -extensions "$3" \
			-startdate "$4" -enddate "$5" -in "$d/$1.csr" -out "$d/$1.crt" -notext 2>/dev/null
	}
	local now end
	now=$(date -u +%Y%m%d%H%M%SZ)
	end=$(date -u -d '+397 days' +%Y%m%d%H%M%SZ)
	issue strong ec:<(openssl ecparam -name prime256v1) server "$now" "$end"
	issue weak rsa:1024 server 20200101000000Z 20210101000000Z
	issue tsa ec:<(openssl ecparam -name prime256v1) tsa "$now" "$(date -u -d '+3650 days' +%Y%m%d%H%M%SZ)"
}

targets() {
	pki
	local d="$WORK/pki"
	# Relative names keep machine paths out of what nmap reads from s_server.
	cd "$d"
	python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT" >/dev/null 2>&1 &
	pids+=($!)
	# The weak server offers TLS 1.0 to 1.2 with every cipher OpenSSL still has.
	openssl s_server -quiet -www -accept "127.0.0.1:$WEAK_PORT" -cert weak.crt -key weak.key \
		-min_protocol TLSv1 -max_protocol TLSv1.2 -cipher 'ALL:@SECLEVEL=0' >/dev/null 2>&1 &
	pids+=($!)
	openssl s_server -quiet -www -accept "127.0.0.1:$STRONG_PORT" -cert strong.crt -key strong.key \
		-cert_chain root.crt -min_protocol TLSv1.2 -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20' >/dev/null 2>&1 &
	pids+=($!)
	cd "$here"
	wait_port "$HTTP_PORT" && wait_port "$WEAK_PORT" && wait_port "$STRONG_PORT"
}

gen_nmap() {
	targets
	local v ports="$HTTP_PORT,$WEAK_PORT,$STRONG_PORT,$ROGUE_PORT"
	v=$(nmap --version | head -1)
	run nmap baseline "$v" "nmap -sT -sV --version-light -Pn -p $ports -oX baseline.xml 127.0.0.1 >/dev/null"
	# A service appears on a port the zone does not allow, as a forgotten
	# debug listener would.
	python3 -m http.server --bind 127.0.0.1 "$ROGUE_PORT" >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$ROGUE_PORT"
	run nmap new-port "$v" "nmap -sT -sV --version-light -Pn -p $ports -oX new-port.xml 127.0.0.1 >/dev/null"
}

# gen_nmap_edge records runs the verdict must not count as a clean scan:
# one where no host answered (203.0.113.254 is in TEST-NET-3, which nobody
# answers for; host discovery by ICMP echo only, -PE, because some networks
# answer TCP probes for any address), and a scan of three loopback hosts,
# large enough that its first 3000 bytes are a cut-off file (see README).
gen_nmap_edge() {
	targets
	local v ports="$HTTP_PORT,$WEAK_PORT,$STRONG_PORT,$ROGUE_PORT"
	v=$(nmap --version | head -1)
	run nmap no-host-up "$v" "nmap -PE -sT -p $ports -oX no-host-up.xml 203.0.113.254 >/dev/null"
	run nmap three-hosts "$v" "nmap -sT -sV --version-light -Pn -p $ports -oX three-hosts.xml 127.0.0.1 127.0.0.2 127.0.0.3 >/dev/null"
}

gen_testssl() {
	targets
	local v
	v="testssl $(testssl --version 2>/dev/null | grep -o '3\.[0-9.]*' | head -1) with $(openssl version)"
	rm -f "$here/testssl/"*.json
	# testssl exits non-zero for reasons other than failure (the count of
	# some findings), so success is a written report.
	run testssl weak-tls10 "$v" "testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --jsonfile weak-tls10.json 127.0.0.1:$WEAK_PORT >/dev/null; test -s weak-tls10.json"
	run testssl strong "$v" "testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --jsonfile-pretty strong.json 127.0.0.1:$STRONG_PORT >/dev/null; test -s strong.json"
}

# gen_testssl_csv records the same scans in testssl's CSV form
# (--csvfile), which many users keep. CSV has no end marker, so the
# importer reads its findings but never lets it pass (see the package).
gen_testssl_csv() {
	targets
	local v
	v="testssl $(testssl --version 2>/dev/null | grep -o '3\.[0-9.]*' | head -1) with $(openssl version)"
	rm -f "$here/testssl/"*.csv
	run testssl weak-tls10-csv "$v" "testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --csvfile weak-tls10-csv.csv 127.0.0.1:$WEAK_PORT >/dev/null; test -s weak-tls10-csv.csv"
	run testssl strong-csv "$v" "testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --csvfile strong-csv.csv 127.0.0.1:$STRONG_PORT >/dev/null; test -s strong-csv.csv"
	# The same scan stopped after 20 s, as a killed job or a full disk would
	# stop it: the file ends after a whole row and looks finished.
	run testssl strong-cut-csv "$v" "timeout 20 testssl --quiet --color 0 --warnings off --sneaky -p -S -s -U --csvfile strong-cut-csv.csv 127.0.0.1:$STRONG_PORT >/dev/null; test -s strong-cut-csv.csv"
}

# gen_testssl_edge records scans that could not connect (nothing listens on
# the port): testssl reports a scanProblem and "Scan interrupted" in both
# JSON forms, and exits non-zero.
gen_testssl_edge() {
	local v closed=$((WEAK_PORT + 999))
	v="testssl $(testssl --version 2>/dev/null | grep -o '3\.[0-9.]*' | head -1) with $(openssl version)"
	rm -f "$here/testssl/scan-problem"*.json
	run testssl scan-problem "$v" "testssl --quiet --color 0 --warnings off --sneaky -p --jsonfile scan-problem.json 127.0.0.1:$closed >/dev/null; test -s scan-problem.json"
	run testssl scan-problem-pretty "$v" "testssl --quiet --color 0 --warnings off --sneaky -p --jsonfile-pretty scan-problem-pretty.json 127.0.0.1:$closed >/dev/null; test -s scan-problem-pretty.json"
}

gen_openscap() {
	local v
	v=$(oscap --version | head -1)
	# The SCAP Security Guide in Debian 12 only has content for Debian 10 and
	# 11, whose platform checks make every rule "notapplicable" here, and its
	# result files run to megabytes. A five-rule benchmark kept beside the
	# fixtures (content/) gives the real scanner something to pass, fail and
	# leave unchecked. oscap exits 2 when a rule fails.
	local args="xccdf eval --profile xccdf_eu.evident.test_profile_baseline"
	run openscap xccdf-results "$v" "oscap $args --results xccdf-results.xml content/tsp-host-xccdf.xml >/dev/null || [ \$? = 2 ]"
	run openscap arf "$v" "oscap $args --results-arf arf.xml content/tsp-host-xccdf.xml >/dev/null || [ \$? = 2 ]"
}

# gen_openscap_edge records a passing run (one rule that holds on any
# Debian host), and two runs that check nothing: without a profile every
# rule of the benchmark is notselected, and content for another platform
# (content/other-os-xccdf.xml) makes every rule notapplicable.
gen_openscap_edge() {
	local v
	v=$(oscap --version | head -1)
	local args="xccdf eval --profile xccdf_eu.evident.test_profile_baseline"
	run openscap passing "$v" "oscap $args --rule xccdf_eu.evident.test_rule_passwd_present --results passing.xml content/tsp-host-xccdf.xml >/dev/null"
	run openscap nothing-selected "$v" "oscap xccdf eval --results nothing-selected.xml content/tsp-host-xccdf.xml >/dev/null"
	run openscap other-os "$v" "oscap $args --results other-os.xml content/other-os-xccdf.xml >/dev/null"
}

gen_lynis() {
	local v
	v="lynis $(lynis --version)"
	# The report lists the build machine's open deleted files, addresses,
	# listening sockets, PATH and package list; those lines describe whoever
	# ran regen.sh, not a fixture, and are dropped.
	local drop='^(deleted_file\[\]|open_empty_log_file\[\]|binary_paths|network_(mac|ipv4|ipv6)_address\[\]|network_listen\[\]|installed_packages_array|home_directory\[\])='
	run lynis report "$v" "lynis audit system --quick --no-colors --quiet --no-log --report-file report.raw >/dev/null && grep -v -E '$drop' report.raw > report.dat && rm report.raw"
}

# gen_lynis_edge records an audit that ran no test (a test id that does not
# exist): Lynis still writes a complete report, with lynis_tests_done=0.
gen_lynis_edge() {
	local v
	v="lynis $(lynis --version)"
	local drop='^(deleted_file\[\]|open_empty_log_file\[\]|binary_paths|network_(mac|ipv4|ipv6)_address\[\]|network_listen\[\]|installed_packages_array|home_directory\[\])='
	run lynis no-tests "$v" "lynis audit system --tests NONE-0000 --quick --no-colors --quiet --no-log --report-file no-tests.raw >/dev/null && grep -v -E '$drop' no-tests.raw > no-tests.dat && rm no-tests.raw"
}

gen_chrony() {
	local v d="$WORK/chrony"
	v=$(chronyd --version)
	mkdir -p "$d"
	# A local reference (the system clock served at stratum 8) and a client
	# that synchronises to it over loopback; neither touches the clock (-x).
	cat >"$d/ref.conf" <<-EOF
		local stratum 8
		port $NTP_PORT
		bindaddress 127.0.0.1
		allow 127.0.0.1
		cmdport 0
		pidfile $d/ref.pid
	EOF
	cat >"$d/client.conf" <<-EOF
		server 127.0.0.1 port $NTP_PORT iburst minpoll -2 maxpoll -2
		port 0
		cmdport $CMD_PORT
		bindcmdaddress 127.0.0.1
		pidfile $d/client.pid
	EOF
	# A second client whose only server does not answer never synchronises:
	# that is the bad case, as when the NTP source is unreachable.
	cat >"$d/lost.conf" <<-EOF
		server 127.0.0.1 port $((NTP_PORT + 1)) iburst minpoll -2 maxpoll -2
		port 0
		cmdport $((CMD_PORT + 1))
		bindcmdaddress 127.0.0.1
		pidfile $d/lost.pid
	EOF
	for c in ref client lost; do
		chronyd -x -u root -f "$d/$c.conf" -d >"$d/$c.log" 2>&1 &
		pids+=($!)
	done
	sleep 8
	run chrony unsynchronised "$v" "chronyc -h 127.0.0.1 -p $((CMD_PORT + 1)) tracking > unsynchronised.txt"
	run chrony unsynchronised-csv "$v" "chronyc -c -h 127.0.0.1 -p $((CMD_PORT + 1)) tracking > unsynchronised-csv.txt"
	for _ in $(seq 60); do
		chronyc -h 127.0.0.1 -p "$CMD_PORT" tracking | grep -q 'Leap status     : Normal' && break
		sleep 1
	done
	sleep 5
	run chrony synced "$v" "chronyc -h 127.0.0.1 -p $CMD_PORT tracking > synced.txt"
	run chrony synced-csv "$v" "chronyc -c -h 127.0.0.1 -p $CMD_PORT tracking > synced-csv.txt"
}

gen_zlint() {
	pki
	local d="$WORK/pki"
	mkdir -p "$here/zlint"
	cp "$d/strong.crt" "$here/zlint/strong-server.pem"
	cp "$d/weak.crt" "$here/zlint/weak-server.pem"
	run zlint strong-server "zlint v3.7.3 (go install)" "zlint -pretty strong-server.pem > strong-server.json"
	run zlint weak-server "zlint v3.7.3 (go install)" "zlint -pretty weak-server.pem > weak-server.json"
}

# ts_conf writes the openssl ts configuration of the test TSA into $1.
ts_conf() {
	local d=$1
	cat >"$d/ts.cnf" <<-EOF
		[tsa]
		default_tsa = tsa
		[tsa]
		dir = $d
		serial = $d/tsaserial
		signer_digest = sha256
		default_policy = 1.3.6.1.4.1.99999.1
		other_policies = 1.3.6.1.4.1.99999.2
		digests = sha256, sha384, sha512
		accuracy = secs:1
		ordering = no
		tsa_name = yes
		ess_cert_id_chain = no
		ess_cert_id_alg = sha256
	EOF
	echo 01 >"$d/tsaserial"
}

gen_tsr() {
	pki
	local v d="$WORK/pki" t="$here/tsr"
	v=$(openssl version)
	mkdir -p "$t"
	ts_conf "$d"
	cp "$d/root.crt" "$t/root.pem"
	cp "$d/tsa.crt" "$t/tsa.pem"
	printf 'evidence pack checkpoint 42\n' >"$t/stamped.txt"
	run tsr granted "$v" "openssl ts -query -data stamped.txt -sha256 -cert -out $d/granted.tsq && openssl ts -reply -config $d/ts.cnf -queryfile $d/granted.tsq -inkey $d/tsa.key -signer $d/tsa.crt -out granted.tsr 2>/dev/null"
	# The query leaves the TSA certificate out: the verifier must bring it.
	run tsr granted-nocert "$v" "openssl ts -query -data stamped.txt -sha256 -out $d/nocert.tsq && openssl ts -reply -config $d/ts.cnf -queryfile $d/nocert.tsq -inkey $d/tsa.key -signer $d/tsa.crt -out granted-nocert.tsr 2>/dev/null"
	# A policy the TSA does not serve gives a real rejection response.
	run tsr rejected "$v" "openssl ts -query -data stamped.txt -sha256 -tspolicy 1.3.6.1.4.1.99999.77 -out $d/rej.tsq && openssl ts -reply -config $d/ts.cnf -queryfile $d/rej.tsq -inkey $d/tsa.key -signer $d/tsa.crt -out rejected.tsr 2>/dev/null"
	openssl ts -verify -in "$t/granted.tsr" -data "$t/stamped.txt" -CAfile "$t/root.pem" >/dev/null
}

# gen_revocation makes the CRL and OCSP fixtures from the test PKI's root
# at fixed dates in November 2026 (faketime sets the clock of the openssl
# runs that take theirs from it: issuance, revocation, OCSP producedAt; the
# CRLs' thisUpdate is set with -crl_lastupdate): two subscriber
# certificates issued on 1 October, an OCSP answer for one on 1 November
# 00:30, both revoked on 1 November 06:00 (keyCompromise, superseded), an
# OCSP answer after that, and two CRL series (PEM bundles, oldest first):
# daily.crl at 1, 2 and 3 November 00:00, gap.crl at 1 and 2 November 00:00
# and 3 November 12:00 (36 h). Only the first CRL of each series predates
# the revocations.
gen_revocation() {
	pki
	local v d="$WORK/pki" c="$here/crl" o="$here/ocsp"
	v="$(openssl version), under libfaketime $(dpkg-query -W -f='${Version}' faketime 2>/dev/null)"
	mkdir -p "$c" "$o"
	cp "$d/root.crt" "$c/issuer.pem"
	cp "$d/root.crt" "$o/issuer.pem"
	echo 1000 >"$d/db/crlnumber"
	cat >"$d/crl.cnf" <<-EOF
		[ca]
		default_ca = crlca
		[crlca]
		database = $d/db/index
		crlnumber = $d/db/crlnumber
		default_md = sha256
		default_crl_hours = 24
	EOF
	issue subscriber-a ec:<(openssl ecparam -name prime256v1) server 20261001000000Z 20271001000000Z
	issue subscriber-b ec:<(openssl ecparam -name prime256v1) server 20261001000000Z 20271001000000Z
	local ca="openssl ca -config $d/crl.cnf -cert $d/root.crt -keyfile $d/root.key"
	local ocsp="openssl ocsp -index $d/db/index -CA $d/root.crt -rsigner $d/root.crt -rkey $d/root.key"
	openssl ocsp -issuer "$d/root.crt" -cert "$d/subscriber-a.crt" -no_nonce -reqout "$d/a.req" 2>/dev/null
	run ocsp good "$v" "faketime '2026-11-01 00:30:00' $ocsp -reqin $d/a.req -ndays 4 -respout good.der 2>/dev/null"
	run ocsp long "$v" "faketime '2026-11-01 00:30:00' $ocsp -reqin $d/a.req -ndays 14 -respout long.der 2>/dev/null"
	run ocsp short "$v" "faketime '2026-11-01 00:30:00' $ocsp -reqin $d/a.req -nmin 240 -respout short.der 2>/dev/null"
	$ca -gencrl -crl_lastupdate 20261101000000Z -crl_nextupdate 20261102000000Z -out "$d/crl-0.pem" 2>/dev/null
	faketime '2026-11-01 06:00:00' $ca -revoke "$d/subscriber-a.crt" -crl_reason keyCompromise 2>/dev/null
	faketime '2026-11-01 06:00:00' $ca -revoke "$d/subscriber-b.crt" -crl_reason superseded 2>/dev/null
	run ocsp revoked "$v" "faketime '2026-11-01 07:00:00' $ocsp -reqin $d/a.req -ndays 4 -respout revoked.der 2>/dev/null"
	run crl daily "$v" "cp $d/crl-0.pem daily.crl && $ca -gencrl -crl_lastupdate 20261102000000Z -crl_nextupdate 20261103000000Z 2>/dev/null >> daily.crl && $ca -gencrl -crl_lastupdate 20261103000000Z -crl_nextupdate 20261104000000Z 2>/dev/null >> daily.crl"
	run crl gap "$v" "cp $d/crl-0.pem gap.crl && $ca -gencrl -crl_lastupdate 20261102000000Z -crl_nextupdate 20261103000000Z 2>/dev/null >> gap.crl && $ca -gencrl -crl_lastupdate 20261103120000Z -crl_nextupdate 20261104120000Z 2>/dev/null >> gap.crl"
	run crl revoked "$v" "$ca -gencrl -crl_lastupdate 20261102000000Z -crl_nextupdate 20261103000000Z 2>/dev/null | openssl crl -outform DER -out revoked.crl"
}

# gen_ceremony writes key ceremony reports for a P-384 key that openssl
# generates here: the public key and its SHA-256 fingerprint in the report
# are the real ones. complete.json has two people in trusted roles and every
# phase done; one-trusted.json has one, and a phase not completed.
gen_ceremony() {
	local v d="$WORK/ceremony" c="$here/ceremony"
	v=$(openssl version)
	mkdir -p "$d" "$c"
	run ceremony key "$v" "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $d/ca.key && openssl pkey -in $d/ca.key -pubout -out key.pem && openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -d' ' -f1 > key.sha256"
	local fp pemjson
	fp=$(cat "$c/key.sha256")
	pemjson=$(awk '{printf "%s\\n", $0}' "$c/key.pem")
	report() { # name trusted2 phase3done
		cat >"$c/$1.json" <<-EOF
			{
			  "key_ceremony": "Issuing CA 2026 key generation",
			  "date": "2026-11-20T09:00:00Z",
			  "location": "Secure room A",
			  "hsm": {"id": "HSM-0042", "model": "Test HSM 7", "firmware": "7.8.4"},
			  "participants": [
			    {"name": "Alex Admin", "role": "CA administrator", "trusted_role": true},
			    {"name": "Kim Custodian", "role": "key custodian", "trusted_role": $2},
			    {"name": "Wes Witness", "role": "independent witness", "trusted_role": false}
			  ],
			  "phases": [
			    {"name": "preparation", "completed": true},
			    {"name": "key generation", "completed": true},
			    {"name": "backup and closing", "completed": $3}
			  ],
			  "generation": {"algorithm": "ECDSA P-384", "parameters": "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384", "script": "ceremony script v3"},
			  "keys": [{"label": "issuing-ca-2026", "public_key_sha256": "$fp", "public_key_pem": "$pemjson"}]
			}
		EOF
	}
	report complete true true
	report one-trusted false false
}

# gen_tsr_edge makes a token signed by a TSU whose certificate is not yet
# valid (it starts in a year): the token's genTime lies outside the TSU
# certificate's validity. The certificate and its root are kept beside it.
gen_tsr_edge() {
	pki
	local v d="$WORK/pki" t="$here/tsr"
	v=$(openssl version)
	ts_conf "$d"
	[ -f "$t/stamped.txt" ] || printf 'evidence pack checkpoint 42\n' >"$t/stamped.txt"
	issue tsa-future ec:<(openssl ecparam -name prime256v1) tsa "$(date -u -d '+365 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '+3650 days' +%Y%m%d%H%M%SZ)"
	cp "$d/root.crt" "$t/future-root.pem"
	cp "$d/tsa-future.crt" "$t/future-tsu.pem"
	run tsr future-tsu "$v" "openssl ts -query -data stamped.txt -sha256 -cert -out $d/future.tsq && openssl ts -reply -config $d/ts.cnf -queryfile $d/future.tsq -inkey $d/tsa-future.key -signer $d/tsa-future.crt -out future-tsu.tsr 2>/dev/null"
}

gen_sarif() {
	local v src="$here/sarif/src"
	v="gosec $(gosec -version 2>/dev/null | grep -i version | head -1)"
	[ -n "${v#gosec }" ] || v="gosec v2.30.0 (go install)"
	# gosec scans a tiny module kept beside the fixture, with known weaknesses.
	run sarif gosec "$v" "cd src && gosec -quiet -fmt sarif -out ../gosec.sarif ./... || [ \$? = 1 ]"
}

gen_trivy() {
	command -v trivy >/dev/null || { log "trivy not available"; return 0; }
	local v src="$here/trivy/src"
	# Built with go install, trivy reports its version as "dev".
	v="trivy v0.74.0 (go install, GOEXPERIMENT=jsonv2; reports $(trivy --version 2>/dev/null | head -1))"
	# The vulnerability database cannot be fetched offline; the misconfiguration
	# and secret scanners use checks built into the binary. The throwaway key
	# is not named "test": trivy's secret scanner skips such files.
	run trivy config "$v" "trivy config --quiet --skip-check-update --format json --output config.json src"
	run trivy secret "$v" "trivy fs --quiet --scanners secret --skip-db-update --format json --output secret.json src"
}

export PATH="$PATH:$(go env GOPATH)/bin"
# SKIP_INSTALL=1 reuses the tools already on the machine.
[ -n "${SKIP_INSTALL:-}" ] || install_tools
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(nmap nmap_edge testssl testssl_csv testssl_edge openscap openscap_edge lynis lynis_edge chrony zlint tsr tsr_edge revocation ceremony sarif trivy)
for f in "${formats[@]}"; do
	"gen_$f"
done
log "done; now run: go test ./internal/importer/... -update"
