#!/usr/bin/env bash
# Runs before `npm test` (the `pretest` script): makes sure what the whole suite needs is here, so
# nothing is skipped.
#
# - Debian packages: Go and HashiCorp memberlist build our wire oracle and the Go peer of the
#   interop tests; dnsmasq serves DNS to the discovery tests; iproute2 (`ip netns`, veth, bridge)
#   builds the private network of the host fault suite (test/hosts); chromium renders the live cluster
#   view in a real browser. Missing ones are installed with
#   apt-get when we are root on a machine that has it; otherwise this fails with one line naming
#   them.
# - Then it builds the two Go programs (test/interop/bin/oracle and test/interop/bin/peer).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/hashicorp/memberlist ] || missing+=(golang-github-hashicorp-memberlist-dev)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: the tests need these Debian packages: ${missing[*]} (run as root on Debian/Ubuntu to have them installed, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "test-deps: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash test/interop/build-oracle.sh
bash test/interop/build-peer.sh
