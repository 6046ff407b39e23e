#!/usr/bin/env bash
# Lab 21: a master with no replica gets one, so that a failure of it is
# survived; then the cluster is put back as the lab found it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
master=$((base + 6))
replica=$((base + 7))

title "Lab 21: a replica for a master that has none"
lab_snapshot
say "A master without a replica is a single point of failure: if it dies, its slots are down. rc-reshard check lists such masters as warnings."
for n in $replica $master; do
	if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$n@" >/dev/null; then
		say "Node $n is a member already (an interrupted run); it is removed first."
		run "rc-reshard -y del-node $host:$n >/dev/null"
	fi
done
say "Every master of a fresh lab cluster has a replica, so make one that has none: an empty node joins on $master as a master and takes 300 slots (lab 20 does this at length)."
run "\"$LAB_CLUSTER\" add $master >/dev/null 2>&1 || redis-cli -h $host -p $master ping"
run "rc-reshard add-node $host:$master >/dev/null"
run "rc-reshard move --from all --to $host:$master --slots 300 | wc -l"
run "rc-reshard check || true"
observe "a warning: the master on $master has no replica"
pause

say "Start one more node, on $replica, and let it join as the replica of $master."
run "\"$LAB_CLUSTER\" add $replica >/dev/null 2>&1 || redis-cli -h $host -p $replica ping"
run "rc-reshard add-node $host:$replica --replica-of $host:$master"
observe "columns: address, id, role, master id; add-node waited until every node sees it as that master's replica"
run "redis-cli -h $host -p $replica cluster nodes | grep myself"
run "redis-cli -h $host -p $replica info replication | grep -E 'role|master_port|master_link_status'"
pause
run "rc-reshard check && echo clean"
observe "no no-replica warning any more"
pause

say "Put the cluster back as the lab found it: the 300 slots go back to the masters that had them, and rc-reshard del-node forgets both new nodes on every node and resets them."
lab_restore
run "rc-reshard check && echo clean"
