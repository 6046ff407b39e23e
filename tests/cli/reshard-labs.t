#!/usr/bin/env bash
# The rc-reshard labs (labs/20-29), run non-interactively against a private
# cluster, in order: each must exit 0 and show what it teaches.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15460
cluster_up $BASE 3 1 5000 >/dev/null || bail_file "no cluster"

run_lab() {
	RC_CLUSTER=127.0.0.1:$BASE RC_LAB_PORT=$BASE RC_LAB_DIR=$LAB_DIR RC_LAB_NONINTERACTIVE=1 \
		"$ROOT/labs/$1" </dev/null
}
slots_of() {
	rcli "$1" cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }'
}

ok "lab 20: scale up" run_lab 20-scale-up.sh
like "$OUT" "127.0.0.1:$((BASE + 6))"$'\t'"4096 slots" "lab 20 shows the new master with 4096 slots"
like "$OUT" $'\nclean\n' "lab 20 ends clean"
is "$(slots_of $((BASE + 6)))" 4096 "the new master really has 4096 slots"
is "$(slots_of $BASE)" 4096 "and so has the first"

ok "lab 21: a replica for the new master" run_lab 21-add-replica.sh
like "$OUT" "role:slave" "lab 21 shows the replica's role"
like "$(rcli $((BASE + 7)) cluster nodes | grep myself)" "slave $(rcli $((BASE + 6)) cluster myid | tr -d '\r')" \
	"the replica follows the new master"

ok "lab 22: scale down" run_lab 22-scale-down.sh
like "$OUT" "cluster_known_nodes:1" "lab 22 shows the removed node reset"
is "$(rcli $BASE cluster nodes | grep -c master)" 3 "three masters again"
unlike "$(rcli $BASE cluster nodes)" ":$((BASE + 6))@" "the removed node is forgotten"

ok "lab 23: manual resharding" run_lab 23-manual-reshard.sh
like "$OUT" "100 slots, [0-9]+ keys" "lab 23 shows slots and keys moved"
like "$OUT" "holds [0-9]+ slots, cannot move 16000" "lab 23 shows bad input refused"

ok "lab 24: the migration demo" run_lab 24-migration-demo.sh
like "$OUT" "ASK [0-9]+ 127.0.0.1:" "lab 24 shows an ASK"
like "$OUT" "MOVED [0-9]+ 127.0.0.1:" "lab 24 shows a MOVED"
like "$OUT" "migrating to" "lab 24 shows the open slot"
like "$OUT" "finished" "lab 24 shows fix finishing the slot"

ok "lab 25: the walk-through" run_lab 25-reshard-walkthrough.sh
like "$OUT" "slots moved, [0-9]+ keys" "lab 25 shows the rebalance"

ok "the cluster is clean after the labs" rc-reshard check
ok "redis-cli agrees" bash -c "! redis-cli -p $BASE --cluster check 127.0.0.1:$BASE | grep -q -E 'ERR|WARNING'"

done_testing
