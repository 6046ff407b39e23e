#!/usr/bin/env bash
# rc-reshard check and the agreement waits on a bad day: a frozen replica
# (SIGSTOP, a node timeout too long for anyone to flag it) is named and the
# wait exits 1; a slot left open is no agreement; two masters that each name
# the other as a slot's owner leave it uncovered, and fix --dry-run says
# exactly what fix then does; add-node killed while the new node's
# cluster-node-timeout is lowered: put back on SIGTERM and SIGHUP, reported
# by check and put back by fix after SIGKILL.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16200
# 100000 ms: six digits, which the port guard does not take for a port.
cluster_up $BASE 3 1 100000 >/dev/null || bail_file "no cluster"

M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
# A replica of the source, by its own word.
REP=
for p in $((BASE + 3)) $((BASE + 4)) $((BASE + 5)); do
	[[ $(rcli $p role | sed -n 1p) == slave && $(rcli $p role | sed -n 3p) == "$BASE" ]] &&
		{ REP=$p; break; }
done
[[ -n $REP ]] || bail_file "no replica of $BASE found"

# --- a frozen replica ------------------------------------------------------------------
cluster_cmd pause $REP >/dev/null
if server_is valkey; then
	# Valkey 8 waits for every replica of a primary to take a slot change:
	# the frozen replica of the source blocks them all, and nothing moves.
	exit_is 1 "move with a frozen replica of the source exits 1" \
		rc-reshard --timeout 1 --wait 5 move --from "$M0" --to "$M1" --slots 10
	like "$OUT" "127.0.0.1:$BASE did not hear from every replica in time \(its replicas: 127.0.0.1:$REP\)" \
		"and names the replica that blocks it"
	is "$(grep -c $'\t' <<<"$OUT")" 0 "no slot moved"
else
	exit_is 1 "move with a frozen replica exits 1" \
		rc-reshard --timeout 1 --wait 5 move --from "$M0" --to "$M1" --slots 10
	like "$OUT" "could not confirm 127.0.0.1:$REP" "and names the node it could not confirm"
	is "$(grep -c $'\t' <<<"$OUT")" 10 "the 10 slots moved all the same"
fi
exit_is 1 "settled --wait 2 with the replica frozen" \
	rc-reshard --timeout 1 --wait 2 settled
like "$OUT" "127.0.0.1:$REP" "names it too"
cluster_cmd resume $REP >/dev/null
ok "settled once it is back" retry 60 rc-reshard settled

# --- an open slot is no agreement ---------------------------------------------------------
S=$(rcli $BASE cluster nodes | grep myself | awk '{ print $9 }')
S=${S%%-*}
rcli $BASE cluster setslot "$S" migrating "$M1" >/dev/null
exit_is 1 "settled while a slot is open" rc-reshard --wait 2 settled
like "$OUT" "slot $S open" "says which slot"
rcli $BASE cluster setslot "$S" stable >/dev/null
ok "settled once it is closed" retry 30 rc-reshard settled

# --- a replica left with a slot open (Valkey 8) ----------------------------------------
# A slot change the primary was refused (NOREPLICAS: its replica slept)
# still reaches the replica when it wakes: open there, on no master. Made by
# hand here, as a run killed before it could undo it would leave it.
if server_is valkey; then
	cluster_cmd pause $REP >/dev/null
	like "$(rcli $BASE cluster setslot "$S" migrating "$M1" timeout 200)" NOREPLICAS \
		"the primary is refused MIGRATING while its replica sleeps"
	cluster_cmd resume $REP >/dev/null
	stale_open() { rcli $REP cluster nodes | grep myself | grep -q "\[$S->-"; }
	ok "the replica has the slot open all the same" retry 10 stale_open
	exit_is 1 "check names it" rc-reshard check
	like "$OUT" "open"$'\t'"127.0.0.1:$REP"$'\t'"slot $S migrating" "on the replica"
	ok "fix --dry-run" rc-reshard fix --dry-run
	like "$OUT" "^$S"$'\t'"cleared"$'\t' "says it would clear it"
	ok "fix -y" rc-reshard -y fix
	like "$OUT" "^$S"$'\t'"cleared"$'\t'"$(id_of $REP)"$'\t'"$M0" "clears it through the primary"
	ok "check is clean" retry 10 rc-reshard check
fi

# --- masters that name each other ---------------------------------------------------------
# $BASE hands slot S (no keys) to M1 without an epoch bump: M1 never hears
# that it owns it and still names $BASE.  Nobody serves the slot.
is "$(rcli $BASE cluster countkeysinslot "$S")" 0 "slot $S is empty"
rcli $BASE cluster setslot "$S" node "$M1" >/dev/null
exit_is 1 "check: no master claims the slot" rc-reshard check
like "$OUT" "uncovered"$'\t-\t'"slot $S: no master claims it" "reported as uncovered"
ok "fix --dry-run" rc-reshard fix --dry-run
DRY=$OUT
like "$DRY" "^$S"$'\t'"assigned"$'\t-\t' "the plan assigns it"
ok "fix -y" rc-reshard -y fix
is "$OUT" "$DRY" "fix prints the rows --dry-run said it would"
ok "check clean after fix" retry 30 rc-reshard check
ok "redis-cli agrees" cluster_clean

# --- a long map: views that differ past the first 4 KB of a master's ranges -------------
# Every odd slot of $BASE's moves to M1: both masters then list ~2730
# ranges (over 13 KB each).  settled prints them whole, and a difference at
# the end of the lists is no agreement (the views were once compared cut at
# 4 KB, and these two compared equal).
seq 1 2 5459 | awk -v f="$M0" -v t="$M1" '{ print $1 "\t" f "\t" t }' >"$T/odd"
ok "2730 empty slots move" rc-reshard apply <"$T/odd"
ok "settled" retry 30 rc-reshard settled
mine() { rcli "$1" cluster nodes | awk -v id="$2" '$1 == id { r = ""; for (i = 9; i <= NF; i++) r = r (i > 9 ? "," : "") $i; print r }'; }
LONG=$(awk -F'\t' -v id="$M0" '$2 == id { print $5 }' <<<"$OUT")
is "$LONG" "$(mine $BASE "$M0")" "settled prints the master's 2731 ranges whole"
ok "over 13 KB of them" test "${#LONG}" -gt 13000
# $BASE alone hands its last slot to M1 (no epoch bump: nobody else hears of it).
rcli $BASE cluster setslot 5460 node "$M1" >/dev/null
exit_is 1 "settled: one view differs only at the end of the lists" rc-reshard --wait 2 settled
like "$OUT" "view of the slots differs" "and says so"
ok "fix -y" rc-reshard -y fix
ok "settled after fix" retry 30 rc-reshard settled
seq 1 2 5459 | awk -v f="$M0" -v t="$M1" '{ print $1 "\t" t "\t" f }' >"$T/back"
ok "the odd slots go back" rc-reshard apply <"$T/back"
ok "check clean" retry 30 rc-reshard check

# --- a target that has not heard of the source's epoch ------------------------------------
# M1's cluster bus is cut (clients still reach every node) and M0 takes a new
# config epoch M1 cannot hear of.  Closed now, M1 would take the slots with an
# epoch lower than M0's, and a claim M0 sent before it was told SETSLOT NODE
# that reached M1 after its close would hand them back to M0: the two would
# name each other for good (seen under load, the 2730-slot move above right
# after fix's BUMPEPOCH).  The move waits until M1 has heard of the epoch.
if command -v nft >/dev/null; then
	# M1 with its replica: Valkey 8 makes SETSLOT wait for the replicas.
	R1=$(rcli $((BASE + 1)) cluster nodes | awk -v m="$M1" '$4 == m { split($2, a, "[:@]"); print a[2]; exit }')
	ok "cut M1 (and its replica $R1) off" cluster_cmd partition $((BASE + 1)) $R1
	# M0 bumps only when its epoch is not the highest: the third master's first.
	ep() { rcli "$1" cluster info | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }
	rcli $((BASE + 2)) cluster bumpepoch >/dev/null
	heard() { (($(ep $BASE cluster_current_epoch) >= $(ep $((BASE + 2)) cluster_my_epoch))); }
	retry 30 heard
	like "$(rcli $BASE cluster bumpepoch)" "BUMPED" "M0 takes a new config epoch"
	ok "M1 has not heard of it" test "$(ep $((BASE + 1)) cluster_current_epoch)" -lt "$(ep $BASE cluster_my_epoch)"
	printf '%s\t%s\t%s\n' 5000 "$M0" "$M1" 5001 "$M0" "$M1" 5002 "$M0" "$M1" >"$T/three"
	rc-reshard --wait 60 apply <"$T/three" >"$T/three.out" 2>&1 &
	mv=$!
	sleep 3
	ok "the move waits" kill -0 $mv
	unlike "$(rcli $((BASE + 1)) cluster nodes | grep myself)" " 5000(-[0-9]+)?( |$)" \
		"M1 has not taken slot 5000"
	ok "heal" cluster_cmd heal
	wait $mv
	is "$?" 0 "the move ends once M1 heard of the epoch: exit 0"
	is "$(cut -f1 "$T/three.out" | tr '\n' ' ')" "5000 5001 5002 " "three slots moved"
	ok "settled" retry 30 rc-reshard settled
	is "$(awk -F'\t' -v id="$M1" '$2 == id { print $5 }' <<<"$OUT" | tr , '\n' | grep -cx 5000-5002)" 1 \
		"every node names M1 the owner of 5000-5002"
	printf '%s\t%s\t%s\n' 5000 "$M1" "$M0" 5001 "$M1" "$M0" 5002 "$M1" "$M0" | rc-reshard apply >/dev/null
	ok "check clean" retry 30 rc-reshard check
else
	skip "nft not installed: the cut-off target is not tried" 11
fi

# --- add-node interrupted ------------------------------------------------------------------
# A fresh node for each signal: an interrupted join goes on by gossip.
nt() { rcli "$1" config get cluster-node-timeout | tail -1; }
lowered() { [[ $(nt "$1") == 500 ]]; }
NEW=$((BASE + 6))
for sig in TERM HUP KILL; do
	cluster_cmd add $NEW >/dev/null 2>&1
	is "$(nt $NEW)" 100000 "the new node's timeout ($sig)"
	# A frozen replica keeps add-node waiting for every node to know it.
	cluster_cmd pause $REP >/dev/null
	rc-reshard --timeout 1 --wait 60 add-node 127.0.0.1:$NEW >"$T/add.$sig" 2>&1 &
	pid=$!
	ok "add-node lowered the timeout ($sig)" retry 30 lowered $NEW
	kill -$sig $pid
	wait $pid 2>/dev/null
	note "exit $?: $(head -c 200 "$T/add.$sig")"
	cluster_cmd resume $REP >/dev/null
	[[ $sig == KILL ]] && break
	is "$(nt $NEW)" 100000 "SIG$sig: the timeout is back"
	NEW=$((NEW + 1))
done
is "$(nt $NEW)" 500 "SIGKILL leaves it at 500"
retry 30 rc-reshard settled >/dev/null 2>&1
exit_is 1 "check reports it" rc-reshard check
like "$OUT" "error"$'\t'"timeout"$'\t'"127.0.0.1:$NEW"$'\t'"cluster-node-timeout is 500, the others have 100000" \
	"naming the node and both values"
ok "fix --dry-run" rc-reshard fix --dry-run
DRY=$OUT
ok "fix -y" rc-reshard -y fix
like "$OUT" "^-"$'\t'"timeout"$'\t'"127.0.0.1:$NEW"$'\t'"100000" "fix puts it back"
is "$OUT" "$DRY" "as --dry-run said"
is "$(nt $NEW)" 100000 "the new node's timeout is back"
ok "check clean" retry 30 rc-reshard check

done_testing
