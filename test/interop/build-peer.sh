#!/usr/bin/env bash
# Builds our Go interop peer (test/interop/peer, our own code) against Debian's
# HashiCorp memberlist, offline, in GOPATH mode. Nothing of memberlist's is
# copied or committed: the package is used in place from /usr/share/gocode.
#
# Output: test/interop/bin/peer (written atomically, so concurrent builds are safe)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gocode=/usr/share/gocode
src="$gocode/src/github.com/hashicorp/memberlist"
if ! command -v go >/dev/null 2>&1; then
  echo "build-peer: 'go' not found; install golang-go and golang-github-hashicorp-memberlist-dev (apt-get install)" >&2
  exit 2
fi
if [ ! -d "$src" ]; then
  echo "build-peer: $src not found; install golang-github-hashicorp-memberlist-dev (apt-get install)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The build cache lives beside the binary (gitignored) so rebuilds are quick.
cache="$here/bin/.gocache"
mkdir -p "$work/gopath/src/peer" "$cache" "$here/bin"
cp "$here"/peer/*.go "$work/gopath/src/peer/"
cd "$work/gopath/src/peer"
GOPATH="$work/gopath:$gocode" GO111MODULE=off GOFLAGS=-mod=mod GOCACHE="$cache" \
  go build -o "$work/peer" .
mv -f "$work/peer" "$here/bin/peer"
echo "built $here/bin/peer"
