#!/bin/sh
# Browser tests of the web UI: playwright-core (npm) drives Debian's
# Chromium, headless, against `evident serve --demo` on a free port.
# Installs what it needs on first run; screenshots land in test-artifacts/.
# E2E_ONLY=FILE runs one test file (make screenshots runs ui.test.mjs).
# The timeout bounds each file as well as each test: ui.test.mjs opens
# every page for every role, which takes minutes on a busy machine.
set -eu
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# A syntax error in the one script stops every page's script, and the
# browser tests would only see its symptoms.
node --check internal/web/static/app.js
go build -o bin/evident ./cmd/evident
mkdir -p test-artifacts

cd e2e
npm ci --no-audit --no-fund --loglevel=error
EVIDENT_BIN="$(cd .. && pwd)/bin/evident" \
ARTIFACTS="$(cd .. && pwd)/test-artifacts" \
CHROMIUM="$CHROMIUM" \
	node --test --test-concurrency=1 --test-timeout=1800000 ./${E2E_ONLY:-*.test.mjs}
