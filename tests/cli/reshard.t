#!/usr/bin/env bash
# rc-reshard: create from empty nodes, check, move, plan | apply, rebalance,
# fix of slots left open by hand, BUSYKEY, and bad input.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=15400
lab_use $BASE
# labs/cluster add reads the node timeout from lab.env, which only an "up"
# writes; a lab made by rc-reshard create has none yet.
mkdir -p "$LAB_DIR" && printf 'NODE_TIMEOUT=5000\n' >"$LAB_DIR/lab.env"
for p in $((BASE)) $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)) $((BASE + 5)); do
	cluster_cmd add "$p" >/dev/null || bail_file "cannot start node $p"
done
addrs=()
for p in $((BASE)) $((BASE + 1)) $((BASE + 2)) $((BASE + 3)) $((BASE + 4)) $((BASE + 5)); do
	addrs+=("127.0.0.1:$p")
done

# --- create --------------------------------------------------------------------

exit_is 2 "create refuses a replica count the nodes cannot meet" \
	rc-reshard create -r 6 "${addrs[@]}"
ok "create 3 masters + 3 replicas" rc-reshard create -r 1 "${addrs[@]}"
create_out=$OUT
is "$(grep -c $'\tmaster\t' <<<"$create_out")" 3 "three masters"
is "$(grep -c $'\treplica\t' <<<"$create_out")" 3 "three replicas"
is "$(awk -F'\t' '$3 == "master" { print $5 }' <<<"$create_out" | paste -sd' ')" \
	"0-5460 5461-10922 10923-16383" "even ranges, as redis-cli makes them"
ok "redis-cli --cluster check agrees" rcli $BASE --cluster check 127.0.0.1:$BASE
unlike "$OUT" '\[ERR\]|\[WARNING\]' "redis-cli --cluster check is clean"
is "$(rcli $((BASE + 3)) cluster info | tr -d '\r' | grep cluster_state)" \
	"cluster_state:ok" "a replica reports cluster_state:ok"
exit_is 2 "create refuses nodes that are already in a cluster" \
	rc-reshard create "${addrs[@]:0:3}"

# --- keys ----------------------------------------------------------------------

NKEYS=20000

ok "load $NKEYS keys" load_keys
ok "all keys there to begin with" verify_keys
ok "check: a clean cluster exits 0" rc-reshard check
is "$OUT" "" "check: nothing to report"

M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
M2=$(id_of $((BASE + 2)))
R3=$(id_of $((BASE + 3)))

# --- plan, apply, move -----------------------------------------------------------

ok "plan move" rc-reshard plan move --from $M0 --to 127.0.0.1:$((BASE + 1)) --slots 100
plan=$OUT
is "$(wc -l <<<"$plan")" 100 "plan: one row per slot"
like "$(head -1 <<<"$plan")" "^[0-9]+"$'\t'"$M0"$'\t'"$M1\$" "plan: slot, from-id, to-id"
is "$(rcli $BASE cluster countkeysinslot 0)" "$(rcli $BASE cluster countkeysinslot 0)" "no change yet"
is "$(rcli $BASE cluster nodes | grep myself | grep -c -- '0-5460')" 1 "plan changes nothing"
printf '%s\n' "$plan" >"$T/plan"
ok "apply --dry-run" rc-reshard apply --dry-run <"$T/plan"
is "$OUT" "$plan" "dry run prints the plan"
ok "apply the plan" rc-reshard apply <"$T/plan"
applied=$OUT
is "$(wc -l <<<"$applied")" 100 "apply: a row per slot"
like "$(head -1 <<<"$applied")" "^[0-9]+"$'\t'"$M0"$'\t'"$M1"$'\t'"[0-9]+"$'\t'"[0-9]+\$" \
	"apply rows: slot, from, to, keys, ms"
keys_moved=$(awk -F'\t' '{ k += $4 } END { print k }' <<<"$applied")
isnt "$keys_moved" 0 "apply moved keys ($keys_moved)"
is "$(rcli $((BASE + 1)) cluster countkeysinslot "$(head -1 <<<"$applied" | cut -f1)")" \
	"$(head -1 <<<"$applied" | cut -f4)" "the target holds the slot's keys"
ok "apply again: nothing left to do" rc-reshard apply <"$T/plan"
is "$OUT" "" "apply is idempotent"
ok "keys intact after apply" verify_keys
ok "cluster clean after apply" cluster_clean

ok "move 50 slots from all masters to one" rc-reshard move --from all --to $M2 --slots 50
is "$(wc -l <<<"$OUT")" 50 "50 rows"
is "$(cut -f2 <<<"$OUT" | sort -u | wc -l)" 2 "taken from both other masters"
ok "keys intact after move" verify_keys

ok "plan rebalance" rc-reshard plan rebalance
isnt "$OUT" "" "unbalanced: the plan has moves"
ok "rebalance" rc-reshard rebalance
ok "rebalanced: plan is empty now" rc-reshard plan rebalance
is "$OUT" "" "nothing left to move"
like "$(rcli $BASE cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }')" \
	"^546[12]\$" "master 0 back to 5461 or 5462 slots"
ok "rebalance with weights" rc-reshard rebalance --weight $M0=2 --weight "127.0.0.1:$((BASE + 1))=1"
ok "weighted: master 0 has about half" bash -c "n=\$(redis-cli -p $BASE cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { split(\$i, r, \"-\"); n += (r[2] == \"\" ? 1 : r[2] - r[1] + 1) } print n }'); ((n > 8000 && n < 8400))"
ok "rebalance --by keys" rc-reshard rebalance --by keys --threshold 1
ok "keys intact after rebalances" verify_keys
ok "cluster clean after rebalances" cluster_clean

# --- bad input -------------------------------------------------------------------

exit_is 2 "unknown node id" rc-reshard move --from deadbeefdead --to $M1 --slots 1
like "$OUT" "unknown node 'deadbeefdead'" "names the unknown node"
exit_is 2 "more slots than the source holds" rc-reshard move --from $M0 --to $M1 --slots 16000
like "$OUT" "holds [0-9]+ slots, cannot move 16000" "says how many it holds"
exit_is 2 "a weight that does not parse" rc-reshard plan rebalance --weight $M0=heavy
like "$OUT" "not a weight" "says so"
exit_is 2 "a replica as target" rc-reshard move --from $M0 --to $R3 --slots 1
like "$OUT" "is a replica" "says the target is a replica"
exit_is 2 "apply: a slot that is not the source's" bash -c "printf '0\t$M2\t$M1\n' | rc-reshard apply"
like "$OUT" "<stdin>:1:" "names the input line"
exit_is 2 "apply: garbage" bash -c "printf 'x\ty\n' | rc-reshard apply"
exit_is 2 "unknown subcommand" rc-reshard frobnicate
ok "nothing left open by bad input" rc-reshard check

# --- fix ------------------------------------------------------------------------------

# A slot with keys, opened and half moved by hand, as a crashed tool leaves it.
own=$(rcli $BASE cluster nodes | grep myself | awk '{ print $9 }')
slot=${own%%-*}
while [[ $(rcli $BASE cluster countkeysinslot "$slot") -lt 2 ]]; do slot=$((slot + 1)); done
nk=$(rcli $BASE cluster countkeysinslot "$slot")
rcli $((BASE + 1)) cluster setslot "$slot" importing "$M0" >/dev/null
rcli $BASE cluster setslot "$slot" migrating "$M1" >/dev/null
k1=$(rcli $BASE cluster getkeysinslot "$slot" 1)
rcli $BASE migrate 127.0.0.1 $((BASE + 1)) "$k1" 0 5000 >/dev/null
# A second slot only importing, with no keys on the importing side: rolled back.
slot2=$((slot + 1))
rcli $((BASE + 2)) cluster setslot "$slot2" importing "$M0" >/dev/null
exit_is 1 "check reports open slots" rc-reshard check
like "$OUT" "error"$'\t'"open"$'\t'"127.0.0.1:$BASE"$'\t'"slot $slot migrating to $M1" "the migrating side"
like "$OUT" "open"$'\t'"127.0.0.1:$((BASE + 2))"$'\t'"slot $slot2 importing from $M0" "the importing side"
exit_is 1 "move refuses to start with slots open" rc-reshard move --from $M0 --to $M1 --slots 1
like "$OUT" "rc-reshard fix" "and says what to do"
exit_is 2 "fix needs -y off a terminal" rc-reshard fix </dev/null
ok "fix --dry-run lists them" rc-reshard fix --dry-run
is "$(wc -l <<<"$OUT")" 2 "two open slots"
ok "fix -y" rc-reshard -y fix
like "$OUT" "$slot"$'\t'"finished"$'\t'"$M0"$'\t'"$M1"$'\t'"$((nk - 1))" "the half-moved slot is finished"
like "$OUT" "$slot2"$'\t'"rolled-back" "the empty import is rolled back"
ok "clean after fix" rc-reshard check
ok "redis-cli agrees after fix" cluster_clean
is "$(rcli $((BASE + 1)) cluster countkeysinslot "$slot")" "$nk" "every key of the slot on its new owner"
ok "keys intact after fix" verify_keys

# An uncovered slot.
owner2=$(rc-slot -n "{x}" | cut -f3)
xs=$(rc-slot "{x}" | cut -f2)
rcli "${owner2##*:}" cluster delslots "$xs" >/dev/null
for p in $(masters); do rcli "$p" cluster delslots "$xs" >/dev/null 2>&1; done
exit_is 1 "check reports an uncovered slot" rc-reshard check
like "$OUT" "uncovered" "uncovered"
ok "fix covers it" rc-reshard -y fix
like "$OUT" "^$xs"$'\t'"assigned" "assigned"
retry 20 rc-reshard check >/dev/null
ok "clean again" rc-reshard check

# --- BUSYKEY ---------------------------------------------------------------------
own=$(rcli $((BASE + 2)) cluster nodes | grep myself | awk '{ print $9 }')
slot=${own%%-*}
while [[ $(rcli $((BASE + 2)) cluster countkeysinslot "$slot") -lt 1 ]]; do slot=$((slot + 1)); done
bk=$(rcli $((BASE + 2)) cluster getkeysinslot "$slot" 1)
# The same key on the target, behind the cluster's back (DEBUG-free: import it).
rcli $BASE cluster setslot "$slot" importing "$M2" >/dev/null
printf 'ASKING\nSET %s intruder\n' "$bk" | rcli $BASE >/dev/null
rcli $BASE cluster setslot "$slot" stable >/dev/null
printf '%s\t%s\t%s\n' "$slot" "$M2" "$M0" >"$T/busy"
exit_is 1 "a key that exists on the target is not overwritten" rc-reshard apply <"$T/busy"
like "$OUT" "key '$bk' already exists" "the busy key is named"
like "$OUT" "replace" "and the way out"
is "$(rcli $((BASE + 2)) get "$bk")" "v${bk#k}" "the source keeps its value"
ok "--replace moves it" rc-reshard --replace apply <"$T/busy"
is "$(rcli $BASE get "$bk")" "v${bk#k}" "the target has the source's value"
ok "clean after BUSYKEY" rc-reshard check
ok "keys intact at the end" verify_keys

# --- a MIGRATE whose reply was lost: the key on both sides ---------------------------
# (the target ran the RESTORE, the source never heard back: MIGRATE ... COPY
# leaves exactly that).  The same value on both sides is finished; a different
# value is a real conflict and stays where it is.
slot=$((slot + 1))
while [[ $(rcli $((BASE + 2)) cluster countkeysinslot "$slot") -lt 2 ]]; do slot=$((slot + 1)); done
mapfile -t two < <(rcli $((BASE + 2)) cluster getkeysinslot "$slot" 2)
rcli $BASE cluster setslot "$slot" importing "$M2" >/dev/null
rcli $((BASE + 2)) cluster setslot "$slot" migrating "$M0" >/dev/null
is "$(rcli $((BASE + 2)) migrate 127.0.0.1 $BASE "" 0 5000 COPY KEYS "${two[0]}")" OK \
	"a copy of ${two[0]} on the target, as a lost MIGRATE reply leaves it"
printf 'ASKING\nSET %s other\n' "${two[1]}" | rcli $BASE >/dev/null
exit_is 1 "fix stops at the key whose value differs" rc-reshard -y fix
like "$OUT" "key '${two[1]}' already exists" "and names it"
unlike "$OUT" "key '${two[0]}' already exists" "the identical copy is not a conflict"
printf 'ASKING\nDEL %s\n' "${two[1]}" | rcli $BASE >/dev/null
ok "with the conflict removed, fix finishes" rc-reshard -y fix
retry 20 rc-reshard check >/dev/null
ok "clean after the lost reply" rc-reshard check
ok "every key there with its value" verify_keys

# --- a replica leaves and comes back -------------------------------------------------
ok "del-node a replica" rc-reshard -y del-node $R3
is "$(rcli $BASE cluster nodes | grep -c "^$R3 ")" 0 "its master forgot it"
is "$(rcli $((BASE + 3)) cluster info | tr -d '\r' | grep cluster_known_nodes)" \
	"cluster_known_nodes:1" "it was reset"
ok "add-node --replica: to the master with the fewest replicas" \
	rc-reshard add-node 127.0.0.1:$((BASE + 3)) --replica
like "$OUT" $'\t'"replica"$'\t'"$M0\$" "the master that had lost its replica gets it"
ok "clean at the end" rc-reshard check
unlike "$OUT" "no-replica" "every master has a replica again"

# --- options that do not belong to a command; del-node --dry-run -------------------
exit_is 2 "add-node does not take --dry-run" rc-reshard add-node 127.0.0.1:$((BASE + 6)) --dry-run
like "$OUT" "add-node does not take --dry-run" "and says so"
exit_is 2 "check does not take --yes" rc-reshard -y check
exit_is 2 "--replica and --replica-of together" \
	rc-reshard add-node 127.0.0.1:$((BASE + 6)) --replica --replica-of $M0
nslots=$(rcli $BASE cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }')
ok "del-node --dry-run of a master with slots" rc-reshard -y del-node --dry-run 127.0.0.1:$BASE
is "$(grep -c "$M0" <<<"$OUT")" "$nslots" "prints its drain plan: every one of its $nslots slots"
is "$(rcli $((BASE + 1)) cluster nodes | grep -c "^$M0 ")" 1 "and the node is still known"
ok "and the cluster untouched" rc-reshard check

# --- add-node shortens the new node's join delay, and always puts it back ----------
# A paused master keeps the join from completing: add-node gives up after
# --wait (well inside the node timeout, so nothing fails over).
cluster_cmd add $((BASE + 6)) >/dev/null || bail_file "cannot start node $((BASE + 6))"
is "$(rcli $((BASE + 6)) config get cluster-node-timeout | tail -1)" 5000 "a spare node with timeout 5000"
ok "a password on it" rcli $((BASE + 6)) CONFIG SET requirepass sec
exit_is 3 "create without the password exits 3" rc-reshard create 127.0.0.1:$((BASE + 6))
like "$OUT" "NOAUTH.*the password comes from RC_AUTH" "and says where the password comes from"
ok "no password again" bash -c "redis-cli -a sec --no-auth-warning -p $((BASE + 6)) CONFIG SET requirepass ''"
cluster_cmd pause $((BASE + 2)) >/dev/null
exit_is 3 "add-node gives up when a node does not answer" \
	rc-reshard --timeout 0.5 --wait 1 add-node 127.0.0.1:$((BASE + 6))
cluster_cmd resume $((BASE + 2)) >/dev/null
like "$OUT" "add-node: .*after 1 s" "and says why"
is "$(rcli $((BASE + 6)) config get cluster-node-timeout | tail -1)" 5000 \
	"the new node's cluster-node-timeout is put back after the failure"

done_testing
