#!/usr/bin/env bash
# Regenerates test/internal/wire/fixtures/security/ from real Go code: Debian's
# HashiCorp memberlist (encryptPayload, compressPayload, encryptLocalState, the
# CRC framing) and Go's compress/lzw, through our oracle. Label headers follow
# upstream hashicorp/memberlist label.go (0.2.2 has none).
#
# Encryption nonces are random in Go, so every run rewrites the encrypted
# fixtures with new bytes; the plaintexts, keys and LZW outputs stay the same.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../internal/wire/fixtures/security"
bash "$here/build-oracle.sh"
rm -rf "$out"
mkdir -p "$out"
"$here/bin/oracle" security-fixtures "$out"
du -sh "$out"
