#!/usr/bin/env bash
# rc-reshard fix, then the dead target of a half-done move comes back.
# Slots are half moved from a master to a second one, which is then killed;
# its replica takes over with the moved keys, and fix repairs the cluster
# while the killed node is still down.  The killed node restarts empty, its
# nodes.conf still saying "master, importing those slots from the source".
# Valkey 8 lets such a node take a slot it imports once the source stops
# claiming it (with an epoch of its own, no vote): had fix finished the
# slots on the successor, the returning node would win them, the successor
# would follow it as a replica and flush its keys.  fix rolls the slots back
# to the source instead, so the source keeps claiming them.  The successor is
# paused (SIGSTOP) while the dead node returns, so that the source's word
# reaches the returning node before the successor's, which makes the race
# go the bad way every time; then the node, a replica now, keeps its
# importing state (Valkey keeps it for a node demoted within its shard): fix
# clears it through its primary.  No key is lost, on Redis and on Valkey.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=16760
# A node timeout well above the pause below (a loaded machine starts a node
# slowly), so that the paused successor is never failed over.
cluster_up $BASE 3 1 15000 >/dev/null || bail_file "no cluster"

NKEYS=10000
ok "load $NKEYS keys" load_keys
M0=$(id_of $BASE)
TGT=$((BASE + 1))
M1=$(id_of $TGT)
# replica_of ID: the port of ID's replica, as $BASE sees it.
replica_of() {
	rcli $BASE cluster nodes | awk -v m="$1" '$4 == m { split($2, a, "[:@]"); print a[2] }'
}
SUCC=$(replica_of "$M1")
[[ -n $SUCC ]] || bail_file "no replica of $TGT"

# Three slots of the source with keys, one key each moved by hand to the
# target (the state a move killed half-way leaves).
half_move $BASE $TGT 3 >"$T/half"
moved=$(cat "$T/half")
slots=("${HALF[@]}")
declare -A before
for s in "${slots[@]}"; do
	before[$s]=$(($(rcli $BASE cluster countkeysinslot "$s") + $(rcli $TGT cluster countkeysinslot "$s")))
done
is "$moved" 3 "a key of each of slots ${slots[*]} moved by hand to $TGT"
is "$(rcli $TGT WAIT 1 5000)" 1 "its replica $SUCC has them"
ok "the target is killed" cluster_cmd kill $TGT
promoted() { [[ $(rcli "$SUCC" role | head -n1) == master ]]; }
ok "its replica takes over" retry 120 promoted
# fix reads the masters' own views: wait until the source's names the
# successor, as the target's replica would after any failover.
knows() { rcli $BASE cluster nodes | grep "^$(id_of "$SUCC") " | grep -q master; }
ok "the source knows the successor" retry 30 knows

ok "fix -y while the target is down" rc-reshard -y fix
for s in "${slots[@]}"; do
	is "$(grep -c "^$s"$'\trolled-back\t'"$M0"$'\t' <<<"$OUT")" 1 "slot $s is rolled back to the source"
	is "$(rcli $BASE cluster countkeysinslot "$s") $(rcli "$SUCC" cluster countkeysinslot "$s")" \
		"${before[$s]} 0" "slot $s: its ${before[$s]} keys back on the source"
done
src_open() { rcli $BASE cluster nodes | grep myself | grep -c '\[' || true; }
is "$(src_open)" 0 "the source has no slot open"
ok "every key there, once, with its value" verify_keys

# The dead target comes back while its successor is paused.
ok "the successor is paused" cluster_cmd pause "$SUCC"
ok "the dead target starts again" cluster_cmd start $TGT
# Its peers tell it that the successor owns its old slots now (an UPDATE
# from each, the successor being paused), so it follows the successor; a
# node that had taken a slot would stay a master.  Waited for within the
# node timeout, so that nobody fails the paused successor over.
back() { [[ $(rcli $TGT role | head -n1) == slave ]]; }
ok "it becomes a replica while the successor is paused" retry 8 back
ok "the successor resumes" cluster_cmd resume "$SUCC"
still() { [[ $(rcli "$SUCC" role | head -n1) == master ]]; }
ok "the successor is still the master" retry 10 still
synced() { rcli $TGT info replication | grep -q '^master_link_status:up'; }
ok "the returning node syncs from its successor" retry 120 synced

# Valkey: the returning node keeps its importing state as a replica; fix
# clears it through its primary.  Redis closes a demoted node's slots.
tgt_open() { rcli $TGT cluster nodes | grep myself | grep -o '\[[0-9]*-<-' | sort -u | wc -l; }
stale=$(tgt_open)
note "the returning node has $stale slots open after its return"
ok "fix -y again" rc-reshard -y fix
is "$(grep -c $'\tcleared\t'"$(id_of $TGT)"$'\t' <<<"$OUT")" "$stale" "clears what the returning node had open"
ok "check is clean" retry 30 rc-reshard check
is "$(tgt_open)" 0 "the returning node has no slot open"
ok "redis-cli agrees" bash -c "! redis-cli -p $BASE --cluster check 127.0.0.1:$BASE | grep -q -E 'ERR|WARNING'"
ok "every key there, once, with its value" verify_keys

done_testing
