#!/usr/bin/env bash
# rc-hotkey on a 3-master cluster (20900-20902):
#   top over Zipf(1.1) traffic on 100k keys: recall of the true top 10
#     (key:0..key:9) and the seconds of sample it needed;
#   gen's throughput while top samples MONITOR, against gen alone (what
#     the sample costs the servers);
#   top - over 10M keys against sort | uniq -c | sort -rn | head (the same
#     top 10; ratio sort/ours, target >= 5) and its peak memory.
# Rows: name, ours, anchor, ratio.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${BENCH_HOTKEY_PORT:-20900}
n=${BENCH_HOTKEY_KEYS:-10000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-hotkey.XXXXXX")
export RC_LAB_PORT=$port RC_LAB_DIR=$work/lab RC_CLUSTER=127.0.0.1:$port
genpid=
cleanup() {
	[ -z "$genpid" ] || kill -INT "$genpid" 2>/dev/null || true
	"$root/labs/cluster" clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
PATH=$root/bin:$PATH
"$root/labs/cluster" up -m 3 -r 0 -t 5000 >/dev/null

# ops_s FILE: gen's total ops/s.
ops_s() { awk -F'\t' '$1 == "total" { print $3 }' "$1"; }

# Recall of the top 10 and the shortest sample that finds all of them.
rc-hotkey gen -d 60 --zipf 1.1 --keys 100000 >"$work/gen.z" 2>/dev/null &
genpid=$!
until [ -s "$work/gen.z" ]; do sleep 0.1; done
for d in 0.5 1 2 4; do
	rc-hotkey top -T -k 10 -d "$d" 2>/dev/null >"$work/top.z" || true
	recall=$(cut -f1 "$work/top.z" | grep -c '^key:[0-9]$' || true)
	[ "$recall" -lt 10 ] || break
done
kill -INT "$genpid"
wait "$genpid" 2>/dev/null || true
genpid=
printf 'top -k 10, Zipf(1.1) over 100k keys: recall of the true top 10 (ours) in SECS of sample (anchor)\t%s\t%s\t-\n' \
	"$recall/10" "$d"

# What sampling costs: gen alone, then gen while top samples for as long.
rc-hotkey gen -T -d 6 --zipf 1.1 --keys 100000 >"$work/alone" 2>/dev/null
rc-hotkey gen -T -d 6 --zipf 1.1 --keys 100000 >"$work/sampled" 2>/dev/null &
genpid=$!
sleep 0.5
rc-hotkey top -d 5 >/dev/null 2>&1 || true
wait "$genpid" || true
genpid=
alone=$(ops_s "$work/alone")
sampled=$(ops_s "$work/sampled")
printf 'gen ops/s while top samples MONITOR (ours) vs alone (anchor): kept\t%s\t%s\t%s\n' \
	"$sampled" "$alone" "$(ratio "$sampled" "$alone")"

# top - over n keys, Zipf-like: every key i appears with weight ~1/i.
awk -v n="$n" 'BEGIN { srand(7); for (i = 1; i <= n; i++) {
	u = rand(); printf "user:%d\n", int(exp(u * log(200000))) } }' >"$work/keys"
ours=$(best_out "$work/ours" sh -c "'$root/bin/rc-hotkey' top -T -k 10 - < '$work/keys'")
anchor=$(RUNS=1 best_out "$work/sort" sh -c "LC_ALL=C sort '$work/keys' | uniq -c | sort -rn | head -n 10")
same=$(diff <(cut -f1 "$work/ours" | sort) <(awk '{ print $2 }' "$work/sort" | sort) >/dev/null && echo same || echo different)
mem=$(command time -f %M "$root/bin/rc-hotkey" top -T -k 10 - <"$work/keys" 2>&1 >/dev/null | tail -n1)
printf 'top - over %d keys vs sort | uniq -c | sort -rn | head (sort/ours, want >= 5; top 10 %s, %s KB peak)\t%s\t%s\t%s\n' \
	"$n" "$same" "$mem" "$ours" "$anchor" "$(ratio "$anchor" "$ours")"
