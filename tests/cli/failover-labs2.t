#!/usr/bin/env bash
# The high-availability labs 53, 54 and 56 run non-interactively against a
# cluster of their own (labs 50-52 are failover-labs.t, which can run at the
# same time).  Ports 16700-16705, node timeout 2000 ms.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16700
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
# shellcheck source=tests/cli/ha-labs.sh
. "$(dirname "$0")/ha-labs.sh"
A='127\.0\.0\.1:167[0-9]{2}'

lab 53-chaos-under-load
like "$OUT" "== Chaos under load ==" "53: the title"
like "$OUT" "($A took over from $A; $A is back, as its replica\.[^=]*){3}" "53: each of the three masters crashed, replaced, back as a replica"
like "$OUT" $'\nviolations\t0\n' "53: the audit finds no seat sold twice"
like "$OUT" $'\navailability\t[0-9.]+\n' "53: the probe's availability"
like "$OUT" "the seeds' 99\.99% was (met|NOT met)" "53: set against 99.99%"
ok "53: the cluster is whole after the lab" retry 60 whole

lab 54-rolling-upgrade
like "$OUT" "(Shard of $A done: $A \(restarted\) is its master[^=]*){3}" "54: every shard restarted and switched"
like "$OUT" $'\nlost\t0\n' "54: no write lost"
# No failed write is the target; on a loaded machine a restart can still
# cost a short CLUSTERDOWN window, so the lab must say which it was, truly.
errs=$(awk -F'\t' '$1 == "errors" { print $2; exit }' <<<"$OUT")
if [[ $errs == 0 ]]; then
	like "$OUT" "errors 0, lost 0: no write failed" "54: no failed write, and it says so"
else
	like "$OUT" "errors $errs, lost 0: the target of no failed write was NOT met" \
		"54: $errs failed writes, and it says the target was not met"
fi
ok "54: the cluster is whole after the lab" retry 60 whole

lab 56-replica-reads
like "$OUT" "MOVED [0-9]+ $A" "56: without READONLY the replica redirects"
like "$OUT" "served [1-9][0-9]* GETs \(INFO commandstats\)" "56: rc-repl :readonly reads from the replica"
like "$OUT" "is [0-9.]+ ms behind" "56: the lag in ms from status"
like "$OUT" "The replica says v1, the master v2: the replica's read is stale" "56: a stale read"
like "$OUT" "Unpaused, $A caught up: v2" "56: then it catches up"
ok "56: the cluster is whole after the lab" retry 60 whole

done_testing
