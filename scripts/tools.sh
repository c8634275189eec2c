#!/bin/sh
# Installs the tools the tests start as real parts (a mail catcher for the
# notifier's SMTP tests) into the Go bin directory, once: a binary already
# there is kept, so CI and repeated runs do not rebuild it.
set -eu
bin=$(go env GOBIN)
[ -n "$bin" ] || bin=$(go env GOPATH)/bin

install() { # name module@version
	if [ -x "$bin/$1" ]; then
		return
	fi
	echo "installing $2"
	go install "$2"
}

install mailpit github.com/axllent/mailpit@v1.33.1
