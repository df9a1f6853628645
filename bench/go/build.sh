#!/usr/bin/env bash
# Builds bench/go (our benchmark driver for HashiCorp memberlist) against
# Debian's memberlist, offline, in GOPATH mode, as test/interop/build-peer.sh
# builds the interop peer. Nothing of memberlist's is copied or committed.
#
# Output: bench/go/bin/vsmemberlist (git-ignored, written atomically)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gocode=/usr/share/gocode
src="$gocode/src/github.com/hashicorp/memberlist"
if ! command -v go >/dev/null 2>&1 || [ ! -d "$src" ]; then
  echo "bench/go/build.sh: needs golang-go and golang-github-hashicorp-memberlist-dev (apt-get install)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cache="$here/bin/.gocache"
mkdir -p "$work/gopath/src/vsmemberlist" "$cache" "$here/bin"
cp "$here"/*.go "$work/gopath/src/vsmemberlist/"
cd "$work/gopath/src/vsmemberlist"
GOPATH="$work/gopath:$gocode" GO111MODULE=off GOFLAGS=-mod=mod GOCACHE="$cache" \
  go build -o "$work/vsmemberlist" .
mv -f "$work/vsmemberlist" "$here/bin/vsmemberlist"
echo "built $here/bin/vsmemberlist" >&2
