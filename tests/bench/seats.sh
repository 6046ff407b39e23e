#!/usr/bin/env bash
# rc-seats load on one event (3 masters on 20700-20702), side by side with
#   redis-benchmark -c USERS EVAL <read two seats, write them, bump a counter>
# with the same number of clients, against the node that owns the event's
# slot, the keys under the event's hash tag.  Every user's reservation is
# cancelled again (--confirm 0 --cancel 100) so the event never sells out and
# every call writes, as the anchor's does.  Best of RUNS (default 3) each.
# Rows: name, ours, anchor, ratio = ours/anchor (throughput: >= 0.7 is the
# target; p99 in ms: < 1 means our tail is shorter).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
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

# anchor: prints "rps p99_ms"
anchor() {
	redis-benchmark -h "${node%:*}" -p "${node##*:}" -c "$users" -n $((users * 2000)) --csv \
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
printf 'seats_load_ops_per_sec_%du\t%s\t%s\t%s\n' "$users" "$best_o" "$best_a" "$(ratio "$best_o" "$best_a")"
printf 'seats_load_p99_ms_%du\t%s\t%s\t%s\n' "$users" "$best_op" "$best_ap" "$(ratio "$best_op" "$best_ap")"
