#!/usr/bin/env bash
# Lab 22: scale down - drain a master (its slots and keys spread over the
# others), re-home its replica, forget it everywhere, reset it; then the slot
# map is put back as the lab found it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard redis-cli rc-repl

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
gone=$((base + 6))

slots_per_master() {
	redis-cli -h "$host" -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {
		n = 0
		for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) }
		sub(/@.*/, "", $2); printf "%s\t%d slots\n", $2, n }' | sort
}

title "Lab 22: scale down"
lab_snapshot
if ! redis-cli -h "$host" -p "$port" cluster nodes | grep ":$gone@" | grep master >/dev/null; then
	say "First a fourth master to remove, as lab 20 makes one: an empty node on $gone joins and the rebalance gives it its share of the slots."
	run "\"$LAB_CLUSTER\" add $gone >/dev/null 2>&1 || redis-cli -h $host -p $gone ping"
	run "rc-reshard add-node $host:$gone >/dev/null"
	run "rc-reshard rebalance --use-empty | wc -l"
fi
say "And keys, so that draining it moves data: 2000 keys written through the cluster."
run "seq 1 2000 | awk '{ print \"SET lab22:\" \$1 \" v\" \$1 }' | rc-repl | sort | uniq -c"
run slots_per_master
run "redis-cli -h $host -p $gone dbsize"
observe "the master on $gone holds slots and keys"
pause

say "del-node drains it first: a rebalance with its weight at 0 moves every slot (and key) to the other masters. Then its replicas follow other masters, every node forgets it, and it is reset. It is destructive, so off a terminal it needs -y."
expect_fail "rc-reshard del-node $host:$gone </dev/null"
run "rc-reshard -y del-node $host:$gone | wc -l"
observe "one row per slot drained"
run slots_per_master
observe "back to three masters"
run "redis-cli -h $host -p $gone cluster info | grep -E 'cluster_known_nodes|cluster_slots_assigned'"
observe "the removed node knows only itself"
run "rc-reshard check && echo clean"
run "redis-cli -c -h $host -p $port GET lab22:1234"
observe "the key moved with its slot"
pause

say "Put the cluster back as the lab found it: the lab's keys are deleted, and the slots the drain spread over the masters go back to the masters that had them before the lab (one plan for rc-reshard apply)."
run "seq 1 2000 | awk '{ print \"DEL lab22:\" \$1 }' | rc-repl | awk '\$1 == 1 { n++ } END { print n + 0 \" keys deleted\" }'"
lab_restore
run slots_per_master
