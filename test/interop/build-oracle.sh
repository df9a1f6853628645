#!/usr/bin/env bash
# Builds our Go oracle against Debian's HashiCorp memberlist, offline.
#
# The oracle needs memberlist's unexported encoder, decoder and security
# functions, so we copy Debian's memberlist package into a private GOPATH and
# drop our own small export files (test/interop/oracle/overlay/*.go, package
# memberlist) beside it. Nothing of memberlist's is committed here.
#
# Output: test/interop/bin/oracle
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/share/gocode/src/github.com/hashicorp/memberlist
if [ ! -d "$src" ] || ! command -v go >/dev/null; then
  echo "build-oracle: needs golang-go and golang-github-hashicorp-memberlist-dev (apt-get install)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gopath/src/github.com/hashicorp" "$work/gopath/src/oracle" "$work/cache"
cp -r "$src" "$work/gopath/src/github.com/hashicorp/memberlist"
cp "$here"/oracle/overlay/*.go "$work/gopath/src/github.com/hashicorp/memberlist/"
cp "$here"/oracle/*.go "$work/gopath/src/oracle/"
mkdir -p "$here/bin"
cd "$work/gopath/src/oracle"
GOPATH="$work/gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS=-mod=mod GOCACHE="$work/cache" \
  go build -o "$work/oracle" .
# Moved into place in one step, so test workers building at once never see half a binary.
mv -f "$work/oracle" "$here/bin/oracle"
echo "built $here/bin/oracle"
