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

# map: every master's address and slot ranges, from the seed.
map() { rcli $BASE cluster nodes | awk '$3 ~ /master/ { $1 = $3 = $4 = $5 = $6 = $7 = $8 = ""; print }' | sort; }
start=$(map)
keys() { local p t=0; for p in $BASE $((BASE + 1)) $((BASE + 2)); do t=$((t + $(rcli "$p" DBSIZE))); done; echo "$t"; }

ok "lab 20: scale up" run_lab 20-scale-up.sh
like "$OUT" "127.0.0.1:$((BASE + 6))"$'\t'"4096 slots" "lab 20 shows the new master with 4096 slots"
like "$OUT" "(127\.0\.0\.1:1546[0-6]"$'\t'"4096 slots"$'\n'"){4}" "lab 20 shows four masters with 4096 each"
like "$OUT" $'\nclean\n' "lab 20 ends clean"
like "$OUT" $'\n2000 keys deleted\n' "lab 20 deletes its keys"
like "$OUT" "removed the node the lab added: 127\.0\.0\.1:$((BASE + 6))"$'\nslot map as the lab found it: 4096 slots moved back' \
	"lab 20 moves the slots back and removes its master"
is "$(map)" "$start" "after lab 20 the slot map is as it was"
unlike "$(rcli $BASE cluster nodes)" ":$((BASE + 6))@" "the new master is forgotten"

ok "lab 21: a replica for a master that has none" run_lab 21-add-replica.sh
like "$OUT" "127\.0\.0\.1:$((BASE + 6))[^\n]*no replica" "lab 21 shows the warning for its master"
like "$OUT" "role:slave[[:space:]]+master_port:$((BASE + 6))" "lab 21 shows the replica following it"
like "$OUT" $'\nclean\n' "and the warning gone"
like "$OUT" "removed the node the lab added: 127\.0\.0\.1:$((BASE + 7))"$'\n'"removed the node the lab added: 127\.0\.0\.1:$((BASE + 6))" \
	"lab 21 removes both its nodes, the replica first"
is "$(map)" "$start" "after lab 21 the slot map is as it was"

ok "lab 22: scale down" run_lab 22-scale-down.sh
like "$OUT" "cluster_known_nodes:1" "lab 22 shows the removed node reset"
like "$OUT" $'v1234\n-> the key moved with its slot' "lab 22: the key is still there after the drain"
like "$OUT" "slot map as the lab found it: [1-9][0-9]* slots moved back" "lab 22 puts the drained slots back"
is "$(rcli $BASE cluster nodes | grep -c master)" 3 "three masters again"
unlike "$(rcli $BASE cluster nodes)" ":$((BASE + 6))@" "the removed node is forgotten"
is "$(map)" "$start" "after lab 22 the slot map is as it was"

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
like "$OUT" $'\n3000 keys deleted\n' "lab 25 deletes the {hot} keys"
like "$OUT" $'\n6000 keys deleted\n' "and the plain ones"
is "$(map)" "$start" "after labs 23-25 the slot map is as it was"
is "$(keys)" 0 "and no key is left"

ok "the cluster is clean after the labs" rc-reshard check
ok "redis-cli agrees" bash -c "! redis-cli -p $BASE --cluster check 127.0.0.1:$BASE | grep -q -E 'ERR|WARNING'"

done_testing
