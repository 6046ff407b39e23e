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
for round in 1 2 3 4 5; do
	forth >"$T/plan"
	ok "round $round: the plan runs every way at once" \
		rc-reshard -c $A -y --parallel 8 --chunk 8 apply <"$T/plan"
	is "$(keys)" $N "round $round: every key is there"
	ok "round $round: check is clean" rc-reshard -c $A check
	back >"$T/plan"
	ok "round $round: and back" rc-reshard -c $A -y --parallel 8 --chunk 8 apply <"$T/plan"
	is "$(keys)" $N "round $round: every key is there after the way back"
done
ok "check is clean at the end" rc-reshard -c $A check
is "$(rcli_c $BASE GET cycle:4242)" v4242 "a key reads through the cluster"

done_testing
