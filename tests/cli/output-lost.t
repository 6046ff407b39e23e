#!/usr/bin/env bash
# Done, but output lost: every command that changes the cluster, run with its
# stdout on a full disk (/dev/full) or a closed pipe, makes its change, exits
# 4 and says on stderr what the lost output held; read-only commands keep
# "write error", exit 2.  Each change is checked on the cluster itself.
# Ports 16880-16886.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16880
lab_use $BASE
# labs/cluster add reads the node timeout from lab.env, which only an "up"
# writes; a lab made by rc-reshard create has none yet.
mkdir -p "$LAB_DIR" && printf 'NODE_TIMEOUT=2000\n' >"$LAB_DIR/lab.env"
addrs=()
for p in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)) $((BASE + 5)); do
	cluster_cmd add "$p" >/dev/null || bail_file "cannot start node $p"
	addrs+=("127.0.0.1:$p")
done
export RC_CLUSTER=127.0.0.1:$BASE

# lost CMD...: CMD with stdout on /dev/full, stderr in $OUT, exit status in $RC.
lost() {
	RC=0
	OUT=$("$@" 2>&1 >/dev/full) || RC=$?
}
# lost_ok DESC CMD...: exit 4, the write error named, "done, but output lost".
lost_ok() {
	local desc=$1
	shift
	lost "$@"
	is "$RC" 4 "$desc: exit 4" || diag "$OUT"
	like "$OUT" "write error on stdout: No space left on device" "$desc: the write error is named"
	like "$OUT" "done, but output lost: " "$desc: stderr says it was done"
}
# the text after "done, but output lost: "
what() { sed -n 's/.*done, but output lost: //p' <<<"$OUT"; }
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
role() { rcli "$1" ROLE 2>/dev/null | head -n1; }
# slots_of PORT: the slots the node owns by its own word, space-separated
slots_of() {
	rcli "$1" CLUSTER NODES | tr -d '\r' |
		awk '/myself/ { for (i = 9; i <= NF; i++) print $i }' | paste -sd' '
}
# keys_in LO-HI PORT [all]: keys of those slots on the node (all: in the cluster)
keys_in() {
	local lo=${1%-*} hi=${1#*-} s n=0 p
	for ((s = lo; s <= hi; s++)); do
		if [[ ${3:-} == all ]]; then
			for p in $BASE $((BASE + 1)) $((BASE + 2)); do
				n=$((n + $(rcli "$p" CLUSTER COUNTKEYSINSLOT "$s")))
			done
		else
			n=$((n + $(rcli "$2" CLUSTER COUNTKEYSINSLOT "$s")))
		fi
	done
	echo "$n"
}

# --- rc-reshard create ---------------------------------------------------------------
lost_ok "create" rc-reshard create -r 1 "${addrs[@]}"
like "$(what)" "cluster created: 3 masters, 3 replicas; 127.0.0.1:$BASE 0-5460" \
	"create: stderr names the masters and their slots"
is "$(rcli $BASE CLUSTER INFO | tr -d '\r' | grep cluster_state)" "cluster_state:ok" \
	"create: the cluster was made"

# --- read-only commands keep their exit status ----------------------------------------
lost rc-dist slots
is "$RC" 2 "rc-dist slots to a full disk: exit 2, as before"
unlike "$OUT" "done, but" "and no 'done'"
lost rc-slot foo
is "$RC" 2 "rc-slot to a full disk: exit 2"
lost rc-reshard -H check
is "$RC" 2 "rc-reshard check to a full disk: exit 2"

# --- rc-seats -------------------------------------------------------------------------
lost_ok "create-event" rc-seats create-event --name Gig --rows 1 --seats 2 --price 10 --id gig
like "$(what)" "^event gig created \(slot [0-9]+, 127\.0\.0\.1:[0-9]+\)$" "create-event: stderr has the id, slot and node"
ok "create-event: the event exists" rc-seats availability gig
is "$(field available "$OUT")" 2 "create-event: with its 2 seats"

lost_ok "reserve" rc-seats reserve --event gig --user alice --seats A1,A2
res=$(what | grep -oE 'gig\.[0-9a-f]+' | head -n1)
like "$res" '^gig\.[0-9a-f]+$' "reserve: stderr carries the reservation id"
like "$(what)" "holds A1,A2 of event gig" "reserve: and the seats"
ok "reserve: the hold exists" rc-seats show "$res"
is "$(field status "$OUT")" held "reserve: it is held"
is "$(field user "$OUT")" alice "reserve: by alice"

lost rc-seats show "$res"
is "$RC" 2 "show to a full disk: exit 2 (it changes nothing)"
lost rc-seats availability gig
is "$RC" 2 "availability to a full disk: exit 2"

lost_ok "waitlist join" rc-seats waitlist join --event gig --user bob
like "$(what)" "bob is on the waitlist of gig at position 1" "waitlist join: stderr has the position"
ok "waitlist join: bob waits" rc-seats waitlist list gig
like "$OUT" $'^1\tbob\t1' "waitlist join: bob is first"

lost_ok "cancel" rc-seats cancel "$res"
like "$(what)" "^$res released \(seats A1,A2\); offered to bob: gig\.[0-9a-z]+ \(seats A[12]\)$" \
	"cancel: stderr has the release and the waitlist offer"
offer=$(what | grep -oE 'offered to bob: gig\.[0-9a-z]+' | sed 's/.* //')
ok "cancel: the offer exists" rc-seats show "$offer"
is "$(field user "$OUT")/$(field status "$OUT")" bob/held "cancel: held for bob"
ok "cancel: alice's reservation is cancelled" rc-seats show "$res"
is "$(field status "$OUT")" cancelled "cancel: status cancelled"

lost_ok "confirm" rc-seats confirm "$offer"
is "$(what)" "$offer confirmed" "confirm: stderr names it"
ok "confirm: sold" rc-seats show "$offer"
is "$(field status "$OUT")" confirmed "confirm: status confirmed"

ok "waitlist join carol" rc-seats waitlist join --event gig --user carol
# leave prints nothing (not even with -H): nothing to lose, exit 0.
lost rc-seats -H waitlist leave --event gig --user carol
is "$RC/$OUT" 0/ "waitlist leave to a full disk: nothing to lose, exit 0"
ok "waitlist leave: carol is gone" rc-seats waitlist list gig
unlike "$OUT" carol "waitlist leave: not on the list"

lost_ok "sweep" rc-seats sweep gig
like "$(what)" "^swept gig: released 0, offered 0, aged 0$" "sweep: stderr has its row"

lost_ok "load" rc-seats load --event gig --users 2 --requests 4
like "$(what)" "^load on event gig: 4 requests" "load: stderr has the summary"

# --- rc-reshard move, apply, fix, add-node, del-node ------------------------------------
id0=$(id_of $BASE) id1=$(id_of $((BASE + 1)))
# keys in slots 0-19, which the moves below carry
seq 1 200000 | sed 's/^/k:/' | rc-slot | awk -F'\t' '$2 < 20 { print "SET", $1, "v" }' >"$T/keys"
rcli $BASE <"$T/keys" >/dev/null
nkeys=$(wc -l <"$T/keys")
lost_ok "move" rc-reshard move --from 127.0.0.1:$BASE --to 127.0.0.1:$((BASE + 1)) --slots 10
like "$(what)" "^moved 10 slots \(0-9\), [0-9]+ keys moved$" "move: stderr names the slots and keys moved"
like "$(slots_of $((BASE + 1)))" "(^| )0-9( |$)" "move: node 2 owns 0-9 by its own word"
is "$(keys_in 0-9 $((BASE + 1)))" "$(keys_in 0-9 $((BASE + 1)) all)" "move: every key of 0-9 is on node 2"
isnt "$(keys_in 0-9 $((BASE + 1)))" 0 "move: and there are some"
ok "move: check is clean" rc-reshard check

# A closed pipe: the move goes on to the end (no SIGPIPE half-way), exit 4.
# closed CMD...: CMD with stdout a pipe whose reader is gone before it starts.
closed() {
	perl -e 'pipe(R, W) or die; close R; open STDOUT, ">&", \*W or die; exec @ARGV' "$@"
}
rc=0
closed rc-reshard move --from 127.0.0.1:$BASE --to 127.0.0.1:$((BASE + 1)) --slots 10 \
	2>"$T/pipe.err" || rc=$?
is "$rc" 4 "move into a closed pipe: exit 4"
like "$(<"$T/pipe.err")" "done, but output lost: moved 10 slots \(10-19\)" "and stderr names the slots"
like "$(slots_of $((BASE + 1)))" "(^| )0-19( |$)" "the move was finished: node 2 owns 0-19"

printf '%d\t%s\t%s\n' 0 "$id1" "$id0" 1 "$id1" "$id0" >"$T/plan"
lost_ok "apply" rc-reshard apply <"$T/plan"
like "$(what)" "^moved 2 slots \(0-1\)" "apply: stderr names the slots"
like "$(slots_of $BASE)" "(^| )0-1( |$)" "apply: node 1 owns 0-1 again"

rcli $BASE CLUSTER SETSLOT 2 IMPORTING "$id1" >/dev/null
lost_ok "fix" rc-reshard -y fix
like "$(what)" "(rolled-back|finished) 1 slot \(2\)" "fix: stderr names the slot repaired"
ok "fix: check is clean" retry 20 rc-reshard check
is "$(keys_in 0-19 - all)" "$nkeys" "every key of slots 0-19 is still there, once"

cluster_cmd add $((BASE + 6)) >/dev/null || bail_file "cannot start node $((BASE + 6))"
lost_ok "add-node" rc-reshard add-node 127.0.0.1:$((BASE + 6))
id6=$(id_of $((BASE + 6)))
is "$(what)" "127.0.0.1:$((BASE + 6)) ($id6) joined the cluster as a master" "add-node: stderr names it"
like "$(rcli $BASE CLUSTER NODES)" "$id6" "add-node: the cluster knows it"
ok "give it 5 slots" rc-reshard move --from 127.0.0.1:$BASE --to 127.0.0.1:$((BASE + 6)) --slots 5
lost_ok "del-node" rc-reshard -y del-node 127.0.0.1:$((BASE + 6))
like "$(what)" "^moved [0-9]+ slots \([0-9,-]+\)(, [0-9]+ keys moved)?; 127\.0\.0\.1:$((BASE + 6)) \($id6\) removed from the cluster$" \
	"del-node: stderr names the drained slots and the removal"
unlike "$(rcli $BASE CLUSTER NODES)" "$id6" "del-node: the cluster forgot it"

# --- rc-failover promote, rc-hotkey gen -------------------------------------------------
rport=$(rcli $BASE INFO replication | tr -d '\r' | sed -n 's/^slave0:.*port=\([0-9]*\),.*/\1/p')
lost_ok "promote" rc-failover promote 127.0.0.1:"$rport"
like "$(what)" "^failover of 127\.0\.0\.1:$rport agreed" "promote: stderr has the last step"
is "$(role "$rport")" master "promote: the replica is a master"

lost_ok "gen" rc-hotkey gen -d 1 --keys 100 --reads 50
like "$(what)" "^gen ran [0-9]+ operations, [0-9]+ of them writes$" "gen: stderr has the totals"
lost rc-hotkey gen -d 1 --keys 100 --reads 100
is "$RC" 2 "gen without writes changes nothing: exit 2"

done_testing
