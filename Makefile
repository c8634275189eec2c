# The test command of the README and of CI. `make test` runs everything a
# change must pass: vet, the Go suite with the race detector against SQLite
# and PostgreSQL, a short fuzzing pass over every parser, and the browser
# tests. Benchmarks are separate (`make bench`), as they measure, not check.

GO ?= go
EVIDENT_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export EVIDENT_TEST_POSTGRES
FUZZTIME ?= 20000x

.PHONY: all build build-pkcs11 test test-long vet gotest gotest-pkcs11 fuzz e2e bench serve demo release release-check tools screenshots

all: build

# A static binary: no cgo, so no libc to match on the target machine.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/evident ./cmd/evident

# The second build: with cgo and the pkcs11 tag, so the ledger can sign
# with a key on a PKCS#11 token (EVIDENT_SIGNER; see docs/hsm.md). It
# links the C library loader and so needs the target's libc.
build-pkcs11:
	CGO_ENABLED=1 $(GO) build -tags pkcs11 -trimpath -o bin/evident-pkcs11 ./cmd/evident

serve:
	$(GO) run ./cmd/evident serve

demo:
	$(GO) run ./cmd/evident serve --demo

test: vet gotest gotest-pkcs11 fuzz e2e

vet:
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) vet -tags pkcs11 ./internal/hsm/... ./cmd/evident

# Tools the interoperability tests run against, built from source once.
tools:
	sh scripts/tools.sh

gotest: tools
	$(GO) test -race -count=1 -timeout 45m ./...

# The PKCS#11 signer against SoftHSM2 tokens (installed by tools): the
# signer itself, and the CLI with two replicas sharing one token.
gotest-pkcs11: tools
	CGO_ENABLED=1 $(GO) test -tags pkcs11 -race -count=1 -timeout 10m ./internal/hsm/...
	CGO_ENABLED=1 $(GO) test -tags pkcs11 -race -count=1 -timeout 10m -run 'SoftHSM' ./cmd/evident

fuzz:
	FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

e2e:
	sh e2e/run.sh

bench:
	sh bench/run.sh

# The screenshots docs/web.md shows, refreshed from the browser test that
# photographs every page (tests themselves never change tracked files).
SHOTS = dashboard-1440 controls-390 incidents-1440 risks-390
screenshots:
	E2E_ONLY=ui.test.mjs sh e2e/run.sh
	mkdir -p docs/screenshots
	for s in $(SHOTS); do cp test-artifacts/ui/$$s.png docs/screenshots/; done

# Before a release: the whole suite with ten times the fuzzing, and the
# release built twice to check it is reproducible and static.
test-long:
	$(MAKE) test FUZZTIME=200000x
	sh scripts/release-check.sh

# Static, reproducible binaries for the released platforms in dist/, with
# SHA256SUMS, a CycloneDX SBOM and, given EVIDENT_RELEASE_SIGNER, the
# checksums signed as a signed note (see README, "Verifying a release").
release:
	sh scripts/release.sh dist

release-check:
	sh scripts/release-check.sh
