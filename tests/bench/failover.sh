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

# Automatic failover (node timeout 5000): the first master is killed while
# the probe runs and, beside it, an independent client (redis-cli, one SET
# every 10 ms on a key of that master, through another master) records its
# own first failure and its first success after the last one.  The probe's
# window for that master (first failed op to the next one that succeeded)
# must agree with the independent one within 500 ms.
m=$(fo -T status | awk -F'\t' '$2 == "master" { print $3; exit }')
other=$(fo -T status | awk -F'\t' -v m="$m" '$2 == "master" && $3 != m { print $3; exit }')
tag=
for i in $(seq 1 1000); do
	[[ $(RC_CLUSTER=127.0.0.1:$base "$root/bin/rc-slot" -n "{b$i}" | cut -f3) == "$m" ]] && { tag=b$i; break; }
done
# independent SECS: "ms OK|ERR" a line, ms since the epoch.
independent() {
	local end=$((SECONDS + $1)) r t
	while ((SECONDS < end)); do
		t=${EPOCHREALTIME/./}
		r=$(timeout 1 redis-cli -c -h "${other%:*}" -p "${other##*:}" SET "bench:{$tag}" "$t" 2>&1 || true)
		[[ $r == OK ]] && echo "$((t / 1000)) OK" || echo "$((t / 1000)) ERR"
		sleep 0.01
	done
}
independent 22 >"$work/indep" &
indep=$!
t0=$(( ${EPOCHREALTIME/./} / 1000 ))
fo probe -d 20 -r 200 >"$work/auto" &
probe=$!
sleep 2
lab kill "${m##*:}" >/dev/null
wait "$probe" || true
wait "$indep" || true
# The probe's window for m: its first start to its last end, in ms since t0
# (the probe's own clock starts a few ms after t0: its setup is in the error).
read -r pstart pend < <(awk -F'\t' -v m="$m" '$1 == "window" && $5 == m { if (s == "" || $2 < s) s = $2; if ($3 > e) e = $3 } END { printf "%d %d\n", s, e }' "$work/auto")
read -r istart iend < <(awk -v t0="$t0" '$2 == "ERR" { if (s == "") s = $1; e = "" } $2 == "OK" && s != "" && e == "" { e = $1 } END { printf "%d %d\n", s - t0, e - t0 }' "$work/indep")
[[ -n ${RC_BENCH_KEEP:-} ]] && cp "$work/indep" "$work/auto" "$RC_BENCH_KEEP"
pwin=$((pend - pstart)) iwin=$((iend - istart))
diff=$((pwin > iwin ? pwin - iwin : iwin - pwin))
printf 'automatic failover (node timeout 5000): probe window ms (%s-%s)\t%s\t-\t-\n' "$pstart" "$pend" "$pwin"
printf 'automatic failover (node timeout 5000): independent client window ms (%s-%s)\t%s\t-\t-\n' "$istart" "$iend" "$iwin"
printf 'automatic failover: |probe - independent| ms (target <= 500)\t%s\t500\t%s\n' "$diff" "$(ratio 500 "$diff")"
