#!/usr/bin/env bash
# rc-failover: a default-mode promote under probe load (failed writes,
# target 0; ms until every node agrees, against the seeds' 15 s), and the
# probe's own cost (CPU seconds per second of probing at 200 ops/s), on a
# private 3+1 cluster on ports 21100-21105, node timeout 5000 ms.  Rows:
# name, ours, anchor (the target), ratio.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-failover.XXXXXX")
base=21100
fo() { RC_CLUSTER=127.0.0.1:$base "$root/bin/rc-failover" "$@"; }
lab() { RC_LAB_PORT=$base RC_LAB_DIR=$work/lab RC_BIN=$root/bin "$root/labs/cluster" "$@"; }
cleanup() {
	lab clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
lab up -m 3 -r 1 -t 5000 >/dev/null 2>&1 || {
	echo "bench: no cluster on $base" >&2
	exit 1
}

# The replica of the first master, promoted while the probe runs.
rep=$(fo -T status | awk -F'\t' '$2 == "replica" { print $3; exit }')
fo probe -d 6 -r 200 >"$work/probe" &
probe=$!
sleep 2
fo promote "$rep" >"$work/promote"
wait "$probe" || true
errors=$(awk -F'\t' '$1 == "errors" { print $2 }' "$work/probe")
lost=$(awk -F'\t' '$1 == "lost" { print $2 }' "$work/probe")
agreed=$(awk -F'\t' '$2 == "agreed" { print $1 }' "$work/promote")
printf 'rc-failover promote (default) under probe: failed ops (target 0)\t%s\t0\t-\n' "${errors:-?}"
printf 'rc-failover promote (default) under probe: acked writes lost (target 0)\t%s\t0\t-\n' "${lost:-?}"
printf 'rc-failover promote (default): ms until agreed (target/ours, seeds: 15000)\t%s\t15000\t%s\n' \
	"${agreed:-?}" "$(ratio 15000 "${agreed:-0}")"

# The probe's cost: CPU seconds it uses per second of probing.
TIMEFORMAT='%U %S'
cpu=$( { time "$root/bin/rc-failover" -c 127.0.0.1:$base probe -d 5 -r 200 >/dev/null 2>&1; } 2>&1 |
	awk 'END { printf "%.3f", ($1 + $2) / 5 }')
printf 'rc-failover probe at 200 ops/s: CPU s per s (share of one core)\t%s\t-\t-\n' "$cpu"
