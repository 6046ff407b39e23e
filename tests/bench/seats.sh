#!/usr/bin/env bash
# rc-seats load on one event (3 masters on 20700-20702), side by side with the
# server's own benchmark (redis-benchmark or valkey-benchmark: RC_SERVER picks)
#   redis-benchmark -c USERS EVAL <read two seats, write them, bump a counter>
# with the same number of clients, against the node that owns the event's
# slot, the keys under the event's hash tag.  Every user's reservation is
# cancelled again (--confirm 0 --cancel 100) so the event never sells out and
# every call writes, as the anchor's does.  Best of RUNS (default 3) each.
# Rows: SERVER:name, ours, anchor, ratio = ours/anchor (throughput: >= 0.9 is the
# target; p99 in ms: < 1 means our tail is shorter).
#
# Then an event's history: HISTORY (default 1000000) holds reserved and
# cancelled through the real scripts (rc-seats load --cancel 100), and on
# that event audit's total time and the longest stall of its master
# (LATENCY LATEST, threshold 1 ms), and the master's memory with the
# history, and after the retention ran out (shortened to 1 s in the event's
# meta, then rc-seats sweep).  Rows: name, value, unit.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_server
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${BENCH_SEATS_PORT:-20700}
users=${BENCH_SEATS_USERS:-50}
secs=${BENCH_SEATS_SECONDS:-5}
runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-seats.XXXXXX")
export RC_LAB_PORT=$port RC_LAB_DIR=$work/lab RC_CLUSTER=127.0.0.1:$port
cleanup() {
	"$root/labs/cluster" clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
PATH=$root/bin:$PATH

"$root/labs/cluster" up -m 3 -r 0 -t 5000 >/dev/null
rc-seats create-event --name Bench --rows 50 --seats 100 --price 10 --id bench >/dev/null
node=$(rc-slot -n '{event:bench}:meta' | cut -f3)

anchor_script="local a = redis.call('HGET', KEYS[1], 'A1')
local b = redis.call('HGET', KEYS[1], 'A2')
redis.call('HSET', KEYS[1], 'A1', 'x', 'A2', 'y')
return redis.call('HINCRBY', KEYS[2], 'n', 1)"

# anchor: prints "rps p99_ms".  It runs about as long as ours (SECS): at
# ~100k calls/s on the 2-core machine, SECS x 100000 calls (ANCHOR_N).
anchor_n=${BENCH_SEATS_ANCHOR_N:-$((secs * 100000))}
anchor() {
	"$BENCHMARK" -h "${node%:*}" -p "${node##*:}" -c "$users" -n "$anchor_n" --csv \
		EVAL "$anchor_script" 2 '{event:bench}:anchor' '{event:bench}:anchorstats' |
		tail -n 1 | awk -F'","' '{ gsub(/"/, "", $7); printf "%d %s\n", $2, $7 }'
}
# ours: prints "ops_per_sec p99_ms"
ours() {
	rc-seats load --event bench --users "$users" --seats 2 --duration "$secs" \
		--confirm 0 --cancel 100 |
		awk -F'\t' '$1 == "ops_per_sec" { o = $2 } $1 == "p99_ms" { p = $2 }
			END { printf "%d %s\n", o, p }'
}

best_o=0 best_op=0 best_a=0 best_ap=0
for ((i = 0; i < runs; i++)); do
	read -r o op <<<"$(ours)"
	read -r a ap <<<"$(anchor)"
	if ((o > best_o)); then best_o=$o best_op=$op; fi
	if ((a > best_a)); then best_a=$a best_ap=$ap; fi
done
rc-seats audit bench >/dev/null || {
	echo "bench: audit of the bench event failed" >&2
	exit 1
}
row "seats_load_ops_per_sec_${users}u-vs-$BENCHMARK" "$best_o" "$best_a" "$(ratio "$best_o" "$best_a")"
row "seats_load_p99_ms_${users}u-vs-$BENCHMARK" "$best_op" "$best_ap" "$(ratio "$best_op" "$best_ap")"

# --- a long history: audit's stall and the memory the retention bounds -------------
history=${BENCH_SEATS_HISTORY:-1000000}
rc-seats create-event --name History --rows 100 --seats 1000 --price 10 --id hist \
	--retention 86400 >/dev/null
hnode=$(rc-slot -n '{event:hist}:meta' | cut -f3)
hp=${hnode##*:}
hcli() { "$CLI" -p "$hp" "$@"; }
used() { hcli INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }
mem0=$(used)
n=0
while ((n < history)); do
	rc-seats load --event hist --users 200 --threads 2 --seats 1 --random \
		--requests $((history - n < 200000 ? history - n : 200000)) \
		--confirm 0 --cancel 100 >/dev/null || true
	n=$(hcli ZCARD '{event:hist}:done')
done
mem1=$(used)
hcli CONFIG SET latency-monitor-threshold 1 >/dev/null
hcli LATENCY RESET >/dev/null
t=$(timed "$work/audit.out" rc-seats audit hist)
stall=$(hcli LATENCY LATEST | awk 'NR % 4 == 0 { if ($1 > m) m = $1 } END { print m + 0 }')
grep -q $'^violations\t0$' "$work/audit.out" || {
	echo "bench: audit of the history event failed" >&2
	exit 1
}
hcli HSET '{event:hist}:meta' retention 1 >/dev/null
sleep 2
hcli LATENCY RESET >/dev/null
ts=$(timed /dev/null rc-seats sweep hist)
sstall=$(hcli LATENCY LATEST | awk 'NR % 4 == 0 { if ($1 > m) m = $1 } END { print m + 0 }')
mem2=$(used)
printf '%s:seats_history_finished\t%s\trecords\n' "$RC_SERVER" "$n"
printf '%s:seats_history_audit_total\t%s\ts\n' "$RC_SERVER" "$t"
printf '%s:seats_history_audit_max_stall\t%s\tms\n' "$RC_SERVER" "$stall"
printf '%s:seats_history_sweep_total\t%s\ts\n' "$RC_SERVER" "$ts"
printf '%s:seats_history_sweep_max_stall\t%s\tms\n' "$RC_SERVER" "$sstall"
printf '%s:seats_history_memory_before\t%s\tMB\n' "$RC_SERVER" "$(ratio "$((mem1 - mem0))" 1048576)"
printf '%s:seats_history_memory_after_retention\t%s\tMB\n' "$RC_SERVER" "$(ratio "$((mem2 - mem0))" 1048576)"
printf '%s:seats_history_records_after\t%s\trecords\n' "$RC_SERVER" "$(hcli HLEN '{event:hist}:res')"
