#!/usr/bin/env bash
# Lab 21: the new master gets a replica, so that a failure of it is survived.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
master=$((base + 6))
replica=$((base + 7))

title "Lab 21: a replica for the new master"
say "A master without a replica is a single point of failure: if it dies, its slots are down. rc-reshard check lists such masters as warnings."
run "rc-reshard check || true"
pause

if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$replica@" >/dev/null; then
	say "Node $replica is a member already (an earlier run); it is removed first."
	run "rc-reshard -y del-node $host:$replica >/dev/null"
fi
if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$master@" | grep master >/dev/null; then
	target="--replica-of $host:$master"
	say "Node $master (the master of lab 20) gets the new replica."
else
	target="--replica"
	say "There is no master on $master (lab 20 not run), so the replica goes to the master with the fewest replicas."
fi
run "\"$LAB_CLUSTER\" add $replica >/dev/null 2>&1 || redis-cli -h $host -p $replica ping"
run "rc-reshard add-node $host:$replica $target"
observe "columns: address, id, role, master id; add-node waited until every node sees it as that master's replica"
run "redis-cli -h $host -p $replica cluster nodes | grep myself"
run "redis-cli -h $host -p $replica info replication | grep -E 'role|master_port'"
pause
run "rc-reshard check || true"
observe "no no-replica warning for that master any more"
