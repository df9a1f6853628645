#!/usr/bin/env bash
# Regenerates the wire codec fixtures from real memberlist (Debian 0.2.2, labels
# per upstream label.go) through our Go oracle. CI does not need to run this:
# the fixtures are committed. Encrypted fixtures use random nonces, so their
# bytes change on every run (their decoded values do not).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/build-oracle.sh"
out="$here/../internal/wire/fixtures/codec"
rm -rf "$out"
"$here/bin/oracle" fixtures "$out"
echo "wrote $out"
