#!/bin/sh
# Installs the tools built from source that interoperability tests run
# against into the Go bin directory, unless already there, and prints the
# path of each. `sh scripts/tools.sh witness` installs only the witness.
#
#   witness  the transparency-dev omniwitness, a public implementation of
#            c2sp.org/tlog-witness (pinned pseudo-version; its own SQLite
#            state, and no outbound calls without its bastion, distributor
#            or public-config flags)
#   mailpit  a mail catcher: the notifier's tests send through its SMTP
#            server and read messages back through its HTTP API
#   softhsm  SoftHSM2, a PKCS#11 token in files (Debian package softhsm2):
#            the PKCS#11 signer's tests make their tokens on it; installed
#            with apt-get (through sudo when not root) only when missing
#   caddy    Caddy (Debian package caddy), the TLS proxy docs/deploy.md puts
#            in front of the replicas: the deploy test runs its Caddyfile;
#            installed with apt-get (through sudo when not root) only when
#            missing
#   s3       rclone, whose `serve s3` is the S3-compatible server the S3
#            blob store's tests and benchmarks run against (a plain
#            go install; the build takes minutes, so only when missing)
#   seaweedfs  SeaweedFS's weed, a faster S3-compatible server for the
#            S3 benchmark only (bench/s3.sh with S3_BENCH_SERVER=seaweedfs);
#            not installed by default: its build takes many minutes
set -eu
bindir=$(go env GOBIN)
[ -n "$bindir" ] || bindir=$(go env GOPATH)/bin

install_tool() { # name package@version
	if [ ! -x "$bindir/$1" ]; then
		echo "installing $2" >&2
		# Outside any module, so the tool's own go.mod decides its
		# dependencies and ours is not touched.
		(cd / && GOFLAGS= go install "$2")
	fi
	echo "$bindir/$1"
}

# SeaweedFS's go.mod has a replace directive, which go install refuses, so
# weed is built from a throwaway module that repeats it. The binary is
# named by version, so a new pin builds anew and an old one is reused.
seaweedfs_version=v0.0.0-20261109003541-7506e5f91cd6
install_seaweedfs() {
	bin=$bindir/weed-$seaweedfs_version
	if [ ! -x "$bin" ]; then
		echo "building github.com/seaweedfs/seaweedfs/weed@$seaweedfs_version" >&2
		mod=$(mktemp -d)
		trap 'rm -rf "$mod"' EXIT
		cat >"$mod/go.mod" <<-EOF
			module seaweedfs-weed

			go 1.26

			require github.com/seaweedfs/seaweedfs $seaweedfs_version

			replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
		EOF
		printf '//go:build tools\n\npackage main\n\nimport _ "github.com/seaweedfs/seaweedfs/weed"\n' >"$mod/tools.go"
		(cd "$mod" && GOFLAGS=-mod=mod go mod tidy >&2 &&
			GOFLAGS=-mod=mod go build -o "$bin.tmp" github.com/seaweedfs/seaweedfs/weed >&2)
		mv "$bin.tmp" "$bin"
	fi
	echo "$bin"
}

install_softhsm() {
	lib=/usr/lib/softhsm/libsofthsm2.so
	if [ ! -e "$lib" ] || ! command -v softhsm2-util >/dev/null; then
		echo "installing softhsm2" >&2
		sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq softhsm2 >&2
	fi
	echo "$lib"
}

install_caddy() {
	if ! command -v caddy >/dev/null; then
		echo "installing caddy" >&2
		sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq caddy >&2
	fi
	command -v caddy
}

for tool in ${*:-witness mailpit softhsm s3 caddy}; do
	case $tool in
	witness) install_tool omniwitness github.com/transparency-dev/witness/cmd/omniwitness@v0.0.0-20260720115447-2e1c6971d19e ;;
	mailpit) install_tool mailpit github.com/axllent/mailpit@v1.33.1 ;;
	softhsm) install_softhsm ;;
	s3) install_tool rclone github.com/rclone/rclone@v1.76.0 ;;
	seaweedfs) install_seaweedfs ;;
	caddy) install_caddy ;;
	*) echo "unknown tool $tool (want: witness, mailpit, softhsm, s3, seaweedfs, caddy)" >&2; exit 2 ;;
	esac
done
