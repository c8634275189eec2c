#!/bin/sh
# Checks the release build is reproducible: builds the binaries twice, the
# second time from a copy of the tree at another path and with a cold
# linker output, and compares every SHA-256. Also checks the binary is
# static (all but evident-pkcs11, which needs cgo). Usage:
# scripts/release-check.sh [PLATFORMS] (default linux/amd64).
set -eu
cd "$(dirname "$0")/.."
platforms=${1:-linux/amd64}
work=$(mktemp -d "${TMPDIR:-/tmp}/evident-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
export VERSION=${VERSION:-check} SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1780000000}
EVIDENT_RELEASE_SIGNER= sh scripts/release.sh "$work/a" "$platforms" >"$work/a.log" 2>&1 || { cat "$work/a.log" >&2; exit 1; }
mkdir "$work/tree"
git ls-files -z | xargs -0 tar cf - | (cd "$work/tree" && tar xf -)
cp -r .git "$work/tree/.git"
(cd "$work/tree" && EVIDENT_RELEASE_SIGNER= sh scripts/release.sh "$work/b" "$platforms" >"$work/b.log" 2>&1) || { cat "$work/b.log" >&2; exit 1; }
if ! diff "$work/a/SHA256SUMS" "$work/b/SHA256SUMS"; then
	echo "release-check: two builds of one tree differ" >&2
	exit 1
fi
for f in "$work"/a/evident-*-linux-*; do
	# evident-pkcs11 loads PKCS#11 libraries with dlopen, so it links libc.
	case "$f" in *.json | */evident-pkcs11-*) continue ;; esac
	if ldd "$f" >/dev/null 2>&1; then
		echo "release-check: $f is dynamically linked" >&2
		exit 1
	fi
done
echo "release-check: $(grep -c . "$work/a/SHA256SUMS") artefacts identical across two builds; linux binaries static (but evident-pkcs11, which needs cgo)"
