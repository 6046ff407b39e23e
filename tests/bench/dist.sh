#!/usr/bin/env bash
# rc-dist on a 1M-key cluster (3 masters on 20200-20202), side by side with
#   redis-cli --cluster info                    (keys per master, by DBSIZE)
#   redis-cli --scan --pattern P | wc -l        (per master, all at once)
# Rows: name, ours (s), anchor (s), ratio = anchor/ours (> 1: we are faster).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${BENCH_DIST_PORT:-20200}
n=${BENCH_DIST_KEYS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-dist.XXXXXX")
export RC_LAB_PORT=$port RC_LAB_DIR=$work/lab RC_CLUSTER=127.0.0.1:$port
cleanup() {
	"$root/labs/cluster" clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
PATH=$root/bin:$PATH

"$root/labs/cluster" up -m 3 -r 0 -t 5000 >/dev/null

# Load: rc-slot -n says where each key goes; one redis-cli --pipe per master.
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
	if (i % 10 == 0) printf "user:%d\n", i; else printf "order:%d\n", i }' |
	rc-slot -n >"$work/keys.tsv"
for m in $(rc-dist -T slots | cut -f1); do
	LC_ALL=C awk -F'\t' -v a="$m" '$3 == a {
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", length($1), $1 }' \
		"$work/keys.tsv" | redis-cli -h "${m%:*}" -p "${m##*:}" --pipe >/dev/null &
done
wait
rm -f "$work/keys.tsv"
got=$(rc-dist -T info | cut -f11)
[ "$got" = "$n" ] || { echo "bench: loaded $got keys, not $n" >&2; exit 1; }

scan_all() {
	local m
	for m in $(rc-dist -T slots | cut -f1); do
		redis-cli -h "${m%:*}" -p "${m##*:}" --scan --pattern "$1" | wc -l >"$work/scan.${m##*:}" &
	done
	wait
	cat "$work"/scan.*
}

# The same answers, or the speed means nothing.
ours_sum=$(rc-dist -T keys -m 'user:*' | awk -F'\t' '{ s += $3 } END { print s }')
cli_sum=$(scan_all 'user:*' | awk '{ s += $1 } END { print s }')
[ "$ours_sum" = "$cli_sum" ] || echo "bench: rc-dist keys -m says $ours_sum, redis-cli --scan $cli_sum" >&2

ours=$(best rc-dist -T keys)
anchor=$(best redis-cli --cluster info "$RC_CLUSTER")
printf 'rc-dist keys, exact per slot, %d keys vs redis-cli --cluster info (DBSIZE)\t%s\t%s\t%s\n' \
	"$n" "$ours" "$anchor" "$(ratio "$anchor" "$ours")"

ours=$(best rc-dist -T nodes)
printf 'rc-dist nodes (INFO of every node) vs redis-cli --cluster info\t%s\t%s\t%s\n' \
	"$ours" "$anchor" "$(ratio "$anchor" "$ours")"

ours=$(best rc-dist -T hot -n 10)
printf 'rc-dist hot -n 10 (exact per slot) vs redis-cli --cluster info\t%s\t%s\t%s\n' \
	"$ours" "$anchor" "$(ratio "$anchor" "$ours")"

ours=$(best rc-dist -T keys -m '*')
anchor=$(best scan_all '*')
printf 'rc-dist keys -m "*" (%s keys/s) vs redis-cli --scan | wc -l per master\t%s\t%s\t%s\n' \
	"$(echo "$n / $ours" | bc)" "$ours" "$anchor" "$(ratio "$anchor" "$ours")"

ours=$(best rc-dist -T keys -m 'user:*')
anchor=$(best scan_all 'user:*')
printf 'rc-dist keys -m "user:*" (1 key in 10 matches) vs redis-cli --scan --pattern\t%s\t%s\t%s\n' \
	"$ours" "$anchor" "$(ratio "$anchor" "$ours")"

# Memory: O(slots + rows), not O(keys).
if [ -x /usr/bin/time ]; then
	rss=$(/usr/bin/time -f %M rc-dist -T keys -m '*' 2>&1 >/dev/null | tail -n1)
	echo "bench: rc-dist keys -m '*' over $n keys: max RSS ${rss} KB" >&2
fi
