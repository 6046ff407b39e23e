#!/usr/bin/env bash
# Lab 22: scale down - drain a master (its slots and keys spread over the
# others), re-home its replica, forget it everywhere, reset it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard redis-cli

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
if ! redis-cli -h "$host" -p "$port" cluster nodes | grep ":$gone@" | grep master >/dev/null; then
	say "There is no master on $gone (lab 20 not run): one is added and given slots first."
	run "\"$LAB_CLUSTER\" add $gone >/dev/null 2>&1 || redis-cli -h $host -p $gone ping"
	run "rc-reshard add-node $host:$gone"
	run "rc-reshard rebalance --use-empty | wc -l"
fi
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
