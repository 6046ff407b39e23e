#!/usr/bin/env bash
# tests/bench/keycmp.sh: comparing a 200k-field hash on two nodes by content
# (lib/keycmp.c, through tests/cli/keycmp-probe) beside what moving it costs:
# a MIGRATE COPY of the same hash (DUMP, transfer, RESTORE).  Two plain
# redis-servers on ports 20500-20501; the target's copy comes from the
# MIGRATE, so the two DUMPs differ and the comparison walks the whole key.
# Rows: name<TAB>ours<TAB>anchor<TAB>ratio (anchor / ours), in ms:
#   keycmp-hash-200k-ms               the whole comparison, against the MIGRATE
#   keycmp-hash-200k-longest-call-ms  the slowest single call of the comparison
#                                     (round trip), against the time the MIGRATE
#                                     held the source (its SLOWLOG duration)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/bench/lib.sh"
PROBE=$ROOT/tests/cli/keycmp-probe
A=${BENCH_KEYCMP_PORT:-20500}
B=$((A + 1))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-keycmp.XXXXXX")
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in $A $B; do
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$WORK" --dbfilename "$p.rdb" --logfile "$WORK/$p.log" &
	pids+=("$!")
done
for p in $A $B; do
	until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done
done

cli() { redis-cli -p "$@"; }
cli "$A" eval "for i = 1, 200000 do redis.call('hset', KEYS[1], 'field:' .. i, 'value-' .. i) end" 1 h >/dev/null
cli "$A" config set slowlog-log-slower-than 0 >/dev/null
cli "$A" slowlog reset >/dev/null
t=$(timed /dev/null cli "$A" migrate 127.0.0.1 "$B" h 0 60000 COPY)
mig_ms=$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')
# SLOWLOG GET 1: id, time, duration in microseconds, the command...
held_ms=$(cli "$A" slowlog get 1 | sed -n 3p | awk '{ printf "%.1f", $1 / 1000 }')
[[ $(cli "$B" hlen h) == 200000 ]] || { echo "keycmp bench: no copy on $B" >&2; exit 1; }

best=999999 longest=999999
for _ in 1 2 3; do
	s=$(date +%s%N)
	out=$("$PROBE" "127.0.0.1:$A" "127.0.0.1:$B" h)
	e=$(date +%s%N)
	[[ $out == equal* ]] || { echo "keycmp bench: $out" >&2; exit 1; }
	best=$(awk -v s="$s" -v e="$e" -v b="$best" 'BEGIN { t = (e - s) / 1e6; printf "%.1f", t < b ? t : b }')
	m=${out##*max_ms=}
	longest=$(awk -v m="$m" -v b="$longest" 'BEGIN { printf "%.1f", m < b ? m : b }')
done
printf 'keycmp-hash-200k-ms\t%s\t%s\t%s\n' "$best" "$mig_ms" "$(ratio "$mig_ms" "$best")"
printf 'keycmp-hash-200k-longest-call-ms\t%s\t%s\t%s\n' "$longest" "$held_ms" \
	"$(ratio "$held_ms" "$longest")"
