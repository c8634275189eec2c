# The test command of the README and of CI. `make test` runs everything a
# change must pass: vet, the Go suite with the race detector against SQLite
# and PostgreSQL, a short fuzzing pass over every parser, and the browser
# tests. Benchmarks are separate (`make bench`), as they measure, not check.

GO ?= go
EVIDENT_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export EVIDENT_TEST_POSTGRES
FUZZTIME ?= 20000x

.PHONY: all build test vet gotest fuzz e2e bench serve demo tools

all: build

build:
	$(GO) build -o bin/evident ./cmd/evident

serve:
	$(GO) run ./cmd/evident serve

demo:
	$(GO) run ./cmd/evident serve --demo

test: vet gotest fuzz e2e

vet:
	$(GO) vet ./...

# tools installs the real servers the tests start (a mail catcher), once.
tools:
	sh scripts/tools.sh

gotest: tools
	$(GO) test -race -count=1 -timeout 30m ./...

fuzz:
	FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

e2e:
	sh e2e/run.sh

bench:
	sh bench/run.sh
