#!/usr/bin/env bash
# Three agents on loopback that find each other through a members file, driven
# from this script through their stdin: no seed is known when they start; the
# script writes the first agent's address into the file, the others (alone, so
# rediscovering every two probe intervals) read it and join; then it asks for
# the members, broadcasts, and stops them all.
#
#   bash examples/agents.sh            # from the repository (runs the CLI's sources)
#   AGENT="effect-memberlist agent" bash examples/agents.sh   # an installed CLI
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
read -r -a agent <<<"${AGENT:-node --import tsx $root/packages/cli/src/main.ts agent}"
timeout_s=${TIMEOUT:-60}
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

members="$dir/members.txt"
printf '# seeds, one HOST:PORT per line; the agents re-read this file\n' >"$members"

# Waits until FILE has a line matching PATTERN; prints it.
wait_for() {
  local file=$1 pattern=$2 deadline=$((SECONDS + timeout_s))
  until grep -m1 -- "$pattern" "$file" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "no line matching $pattern in $file within ${timeout_s}s" >&2
      cat "$dir"/*.err >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

# Starts agent NAME on a free loopback port, its stdin a FIFO this script keeps open.
start() {
  local name=$1
  mkfifo "$dir/$name.in"
  "${agent[@]}" --name "$name" --bind 127.0.0.1:0 --preset local --members-file "$members" --json \
    <"$dir/$name.in" >"$dir/$name.out" 2>"$dir/$name.err" &
  pids+=("$!")
  # Opening the FIFO for writing lets the agent's open for reading complete.
  eval "exec {fd_$name}>\"$dir/$name.in\""
}
# Sends one command line to agent NAME.
say() { local fd="fd_$1"; printf '%s\n' "$2" >&"${!fd}"; }

for name in a b c; do start "$name"; done
for name in a b c; do wait_for "$dir/$name.out" '"event":"ready"' >/dev/null; done

address=$(wait_for "$dir/a.out" '"event":"ready"' | sed -E 's/.*"address":"([^"]+)".*/\1/')
echo "a listens on $address; adding it to the members file"
printf '%s   # a\n' "$address" >>"$members"

wait_for "$dir/b.out" '"event":"join","name":"a"' >/dev/null
wait_for "$dir/c.out" '"event":"join","name":"a"' >/dev/null
wait_for "$dir/c.out" '"event":"join","name":"b"' >/dev/null
say c members
wait_for "$dir/c.out" '"command":"members"' | sed -E 's/.*"members":(.*)\}$/members seen by c: \1/'

say a 'broadcast {"hello":"from a"}'
wait_for "$dir/b.out" '"event":"message"' | sed -E 's/^/b received: /'
wait_for "$dir/c.out" '"event":"message"' | sed -E 's/^/c received: /'

for name in a b c; do say "$name" quit; done
for pid in "${pids[@]}"; do wait "$pid"; done
pids=()
echo "all three agents left and exited"
