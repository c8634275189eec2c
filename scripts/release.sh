#!/bin/sh
# Builds Evident's release: static binaries (CGO_ENABLED=0) for each
# platform, reproducibly, with SHA256SUMS, a CycloneDX SBOM of the module
# graph, and SHA256SUMS signed as a signed note when a signer key is given.
# Beside them, for linux/amd64 when building on it, evident-pkcs11: the
# build with cgo and the pkcs11 tag that signs with a key on an HSM
# (docs/hsm.md). It is dynamically linked to the host's libc.
#
# Usage: scripts/release.sh [OUT] [PLATFORMS]
#   OUT        output directory (default dist)
#   PLATFORMS  space-separated GOOS/GOARCH list (default the four released)
# Environment (besides the below): PKCS11=0 leaves out evident-pkcs11.
# Environment:
#   VERSION                 the version to stamp (default: git describe)
#   SOURCE_DATE_EPOCH       the time stamped into archives (default: the
#                           commit time), so two builds of one commit match
#   EVIDENT_RELEASE_SIGNER  file holding the note signer key; without it
#                           SHA256SUMS is left unsigned and the script says so
#
# Reproducible: -trimpath drops the build directory, -buildid= an empty
# build id, the VCS stamp records the commit and its time (not the build
# time), and no cgo means no host C toolchain in the binary.
set -eu
cd "$(dirname "$0")/.."
out=${1:-dist}
platforms=${2:-"linux/amd64 linux/arm64 darwin/arm64 windows/amd64"}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH

rm -rf "$out"
mkdir -p "$out"
for p in $platforms; do
	os=${p%/*}
	arch=${p#*/}
	ext=""
	[ "$os" = windows ] && ext=.exe
	bin="$out/evident-$version-$os-$arch$ext"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS=-buildvcs=true \
		go build -trimpath -ldflags "-buildid= -s -w -X main.version=$version" -o "$bin" ./cmd/evident
	touch -d "@$SOURCE_DATE_EPOCH" "$bin"
done

# The PKCS#11 build needs cgo, so only the host's own platform, and only
# linux/amd64 is released. -trimpath and the empty build id keep it
# reproducible on one build machine image.
if [ "${PKCS11:-1}" != 0 ] && [ "$(go env GOOS)/$(go env GOARCH)" = linux/amd64 ] && echo "$platforms" | grep -q linux/amd64; then
	bin="$out/evident-pkcs11-$version-linux-amd64"
	CGO_ENABLED=1 GOFLAGS=-buildvcs=true \
		go build -tags pkcs11 -trimpath -ldflags "-buildid= -s -w -X main.version=$version" -o "$bin" ./cmd/evident
	touch -d "@$SOURCE_DATE_EPOCH" "$bin"
fi

# The SBOM generator is built once from the Go module proxy into the
# tools directory and reused while present.
tools=${EVIDENT_TOOLS:-$(go env GOPATH)/bin}
if [ ! -x "$tools/cyclonedx-gomod" ]; then
	GOBIN="$tools" GOFLAGS= go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0
fi
# No serial number and no timestamp: the SBOM is a function of the module
# graph only, so two builds of one commit give the same file.
"$tools/cyclonedx-gomod" mod -licenses=false -noserial -notimestamp -json -output "$out/evident-$version.cdx.json" . 2>/dev/null

(cd "$out" && sha256sum evident-* >SHA256SUMS)
if [ -n "${EVIDENT_RELEASE_SIGNER:-}" ]; then
	go run ./scripts/signsums -key "$EVIDENT_RELEASE_SIGNER" "$out/SHA256SUMS" >"$out/SHA256SUMS.note"
	echo "signed $out/SHA256SUMS.note"
else
	echo "EVIDENT_RELEASE_SIGNER not set: SHA256SUMS is not signed" >&2
fi
cat "$out/SHA256SUMS"
