#!/usr/bin/env bash
# rc-reshard: the target of a move dies mid-way and its replica takes over.
# The slots left open point at a node that is gone (or a replica now): fix
# finishes them on the successor, no key is lost, and the cluster is clean.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=15500
cluster_up $BASE 3 1 2000 >/dev/null || bail_file "no cluster"

NKEYS=30000
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
# The replica of the second master: it takes over when its master dies.
succ=$(rcli $BASE cluster nodes | awk -v m="$M1" '$4 == m { split($2, a, "[:@]"); print a[2] }')
[[ -n $succ ]] || bail_file "no replica for the second master"

ok "load $NKEYS keys" load_keys

# 1. A move whose target goes away mid-way and fails over.  A graceful stop
# (Redis 7 waits for the replica to catch up): a crash can lose what the
# replica had not received yet, migrated keys included, a Redis limit that
# no tool can repair; part 2 crashes a target after WAIT says its replica
# has everything.
timeout 20 rc-reshard --timeout 1 move --from "$M0" --to "$M1" --slots 3000 \
	>"$T/move.out" 2>"$T/move.err" &
pid=$!
sleep 0.2
cluster_cmd stop $((BASE + 1)) >/dev/null
wait $pid
note "move exited $? after $(wc -l <"$T/move.out") slots: $(tail -n1 "$T/move.err")"
promoted() { rcli "$succ" role | head -n1 | grep -qx master; }
ok "the target's replica takes over" retry 30 promoted
ok "the stopped node comes back" cluster_cmd start $((BASE + 1))
back() { rcli $((BASE + 1)) role | head -n1 | grep -qx slave; }
ok "as a replica of its successor" retry 30 back
ok "fix -y repairs what the move left" rc-reshard -y fix
ok "check is clean" retry 20 rc-reshard check
ok "every key there, once, with its value" verify_keys

# 2. The same, made exactly: slots half moved to a master that then dies.
# The source still says MIGRATING to the dead node's id (Valkey: to its
# successor); the keys that had moved are on its replica, a master now.
M1=$(id_of "$succ")
succ2=$(rcli $BASE cluster nodes | awk -v m="$M1" '$4 == m { split($2, a, "[:@]"); print a[2] }')
[[ -n $succ2 ]] || bail_file "no replica for $succ"
half_move $BASE "$succ" 3 >"$T/half"
moved=$(cat "$T/half")
slots=("${HALF[@]}")
is "$moved" 3 "a key of each of 3 slots moved by hand to $succ"
is "$(rcli "$succ" WAIT 1 5000)" 1 "its replica has them"
exit_is 1 "check reports the open slots" rc-reshard check
ok "the half-way target is killed" cluster_cmd kill "$succ"
promoted2() { rcli "$succ2" role | head -n1 | grep -qx master; }
ok "its replica takes over" retry 30 promoted2
# The dead node comes back saying "importing from the source": the slots
# stay with the source (rolled back), which keeps claiming them, so that
# Valkey 8 never lets the returning node take them (tests/cli/reshard-return.t).
ok "fix -y with the target gone" rc-reshard -y fix
is "$(grep -c $'\trolled-back\t' <<<"$OUT")" 3 "rolls the 3 slots back to the source"
for s in "${slots[@]}"; do
	is "$(rcli "$succ2" cluster countkeysinslot "$s") $(rcli $BASE cluster countkeysinslot "$s" | sed 's/^[1-9][0-9]*$/some/')" \
		"0 some" "slot $s: its keys are back on the source"
done
ok "the dead node comes back" cluster_cmd start "$succ"
back2() { rcli "$succ" role | head -n1 | grep -qx slave; }
ok "as a replica" retry 30 back2
# Valkey keeps the returning node's importing state (it was demoted within
# its shard): fix closes it through its master once it is in sync.
synced2() { rcli "$succ" info replication | grep -q '^master_link_status:up'; }
ok "in sync with its master" retry 60 synced2
ok "fix -y closes what it kept open" rc-reshard -y fix
ok "check is clean" retry 20 rc-reshard check
ok "redis-cli agrees" bash -c "! redis-cli -p $BASE --cluster check 127.0.0.1:$BASE | grep -q -E 'ERR|WARNING'"
ok "every key still there" verify_keys

done_testing
