#!/usr/bin/env bash
# One plan that moves slots every way at once (A -> B, B -> C, C -> A, and
# back), with keys, on a cluster with replicas: each master is a source in
# one pair and a target in another.  A target takes its slots with a new
# config epoch; were a source to become a target elsewhere while it still
# claims a slot it hands over, its claim would win back the slot from its
# own target, both would name each other and the server would delete the
# keys of the slot it lost.  The engine never runs a pair whose source is
# another running pair's target (lib/migrate.c next_job).  Five round trips:
# every run ends agreed, check is clean, every key is there.  Ports
# 17900-17905.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17900
cluster_up $BASE 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
A=127.0.0.1:$BASE B=127.0.0.1:$((BASE + 1)) C=127.0.0.1:$((BASE + 2))
N=20000
seq 1 $N | awk '{ print "SET cycle:" $1 " v" $1 }' | rc-repl -c $A >/dev/null
keys() {
	local p t=0
	for p in $BASE $((BASE + 1)) $((BASE + 2)); do t=$((t + $(rcli "$p" DBSIZE))); done
	echo "$t"
}
is "$(keys)" $N "$N keys written"

# plan FROM TO FIRST LAST: rows moving slots FIRST..LAST from FROM to TO.
plan() { seq "$3" "$4" | awk -v f="$1" -v t="$2" '{ print $1 "\t" f "\t" t }'; }
forth() { plan "$A" "$B" 0 299; plan "$B" "$C" 5461 5760; plan "$C" "$A" 10923 11222; }
back() { plan "$B" "$A" 0 299; plan "$C" "$B" 5461 5760; plan "$A" "$C" 10923 11222; }
# owners: who owns slots 0, 5461 and 10923 (one of each pair's), as every
# master sees it: "PORT PORT PORT" per master, a line each.
owners() {
	local p s
	for p in $BASE $((BASE + 1)) $((BASE + 2)); do
		for s in 0 5461 10923; do
			rcli "$p" CLUSTER NODES | awk -v s=$s '{ for (i = 9; i <= NF; i++) {
				n = split($i, r, "-"); lo = r[1]; hi = (n == 2 ? r[2] : r[1])
				if ($i !~ /^\[/ && s >= lo && s <= hi) { sub(/@.*/, "", $2); sub(/.*:/, "", $2); print $2 } } }'
		done | paste -s -d ' '
	done
}
moved="$((BASE + 1)) $((BASE + 2)) $BASE"
home="$BASE $((BASE + 1)) $((BASE + 2))"
for round in 1 2 3 4 5; do
	forth >"$T/plan"
	ok "round $round: the plan runs every way at once" \
		rc-reshard -c $A -y --parallel 8 --chunk 8 apply <"$T/plan"
	is "$(grep -c . <<<"$OUT")" 900 "round $round: a row for each of the 900 slots"
	is "$(owners)" "$moved"$'\n'"$moved"$'\n'"$moved" "round $round: every master sees each slot at its target"
	is "$(keys)" $N "round $round: every key is there"
	ok "round $round: check is clean" rc-reshard -c $A check
	back >"$T/plan"
	ok "round $round: and back" rc-reshard -c $A -y --parallel 8 --chunk 8 apply <"$T/plan"
	is "$(owners)" "$home"$'\n'"$home"$'\n'"$home" "round $round: and back home, as every master sees it"
	is "$(keys)" $N "round $round: every key is there after the way back"
done
ok "check is clean at the end" rc-reshard -c $A check
is "$(rcli_c $BASE GET cycle:4242)" v4242 "a key reads through the cluster"

done_testing
