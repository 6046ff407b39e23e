#!/usr/bin/env bash
# rc-reshard fix on a bad day: keys stranded on masters that do not own
# their slot (check names every such master, fix gathers the keys onto one
# owner, a key on two masters with different values is kept twice, named,
# and fix exits 1); a source master SIGKILLed in the middle of a move, its
# replica promoted: fix from the target finishes or rolls back every open
# slot through the new master, every live node ends ok, every key once.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=16240
cluster_up $BASE 3 1 2000 >/dev/null || bail_file "no cluster"

# --- keys stranded in an unowned slot ----------------------------------------------
PA=$(owner_port a1)
PB=$(other_master "$PA")
S1=$(rc-slot "{a1}" | cut -f2)
for i in 1 2 3 4 5; do rcli_c $BASE set "{a1}x$i" "vx$i" >/dev/null; done
on_foreign "$PB" "$S1" "$(id_of "$PA")" "SET {a1}y1 vy1" "SET {a1}y2 vy2" "SET {a1}y3 vy3" \
	"SET {a1}x1 vx1"
is "$(rcli "$PB" cluster countkeysinslot "$S1")" 4 "4 keys of slot $S1 on $PB, which does not own it"
# Its owner lets go first: a ping it sent while it still claimed the slot
# would give it back to it in the view of a node that had let go already.
# The seed's map (rc-dist's) is waited for: such a ping may still be on its
# way when the seed lets go.
for p in "$PA" $(masters | grep -vx "$PA"); do rcli "$p" cluster delslots "$S1" >/dev/null 2>&1; done
seed_lets_go() {
	rcli $BASE cluster delslots "$S1" >/dev/null 2>&1
	[[ $(rc-slot -n "{a1}" | cut -f3) == - ]]
}
ok "no owner of slot $S1 in the seed's map" retry 10 seed_lets_go
exit_is 1 "check fails" rc-reshard check
like "$OUT" "stranded"$'\t'"127.0.0.1:$PA"$'\t'"5 keys of slot $S1" "names the old owner's keys"
like "$OUT" "stranded"$'\t'"127.0.0.1:$PB"$'\t'"4 keys of slot $S1" "and the other master's"
exit_is 1 "rc-dist keys exits 1 (a slot no master owns)" rc-dist keys
like "$OUT" "127.0.0.1:$PA holds 5 keys of slots no master owns: $S1" "rc-dist names the same masters"
like "$OUT" "127.0.0.1:$PB holds 4 keys of slots no master owns: $S1" "both"
ok "fix --dry-run" rc-reshard fix --dry-run
DRY=$OUT
like "$DRY" "^$S1"$'\t'"assigned"$'\t-\t'"$(id_of "$PA")"$'\t'"5" "the plan: the master with most keys owns it"
like "$DRY" "$S1"$'\t'"gathered"$'\t'"$(id_of "$PB")"$'\t'"$(id_of "$PA")"$'\t'"4" "and gets the other's keys"
ok "fix -y" rc-reshard -y fix
is "$OUT" "$DRY" "fix did what --dry-run said"
is "$(rcli "$PB" cluster countkeysinslot "$S1")" 0 "no key of the slot left on $PB"
is "$(rcli "$PA" cluster countkeysinslot "$S1")" 8 "the 8 distinct keys on the owner (the equal copy once)"
ok "check clean" retry 30 rc-reshard check
is "$(rcli_c $BASE mget "{a1}x1" "{a1}x5" "{a1}y1" "{a1}y3" | tr '\n' ' ')" "vx1 vx5 vy1 vy3 " \
	"every key readable through the cluster"

# A key on two masters with different values: both kept, named, exit 1.
PC=$(owner_port c2)
PD=$(other_master "$PC")
S2=$(rc-slot "{c2}" | cut -f2)
rcli_c $BASE set "{c2}z" one >/dev/null
on_foreign "$PD" "$S2" "$(id_of "$PC")" "SET {c2}z two"
exit_is 1 "check: a stranded key in an owned slot" rc-reshard check
like "$OUT" "stranded"$'\t'"127.0.0.1:$PD"$'\t'"1 keys of slot $S2, which it does not own \\(127.0.0.1:$PC\\)" \
	"names the master and the owner"
exit_is 1 "fix exits 1 when two copies differ" rc-reshard -y fix
like "$OUT" "key \"\\{c2\\}z\" is on 127.0.0.1:$PD and on 127.0.0.1:$PC with different values" \
	"names the key and both nodes"
is "$(rcli "$PD" cluster countkeysinslot "$S2")" 1 "the other copy is kept"
is "$(rcli_c $BASE get "{c2}z")" one "the owner's copy is untouched"
exit_is 1 "check still fails" rc-reshard check
on_foreign "$PD" "$S2" "$(id_of "$PC")" "DEL {c2}z"
ok "clean once the wrong copy is deleted" retry 30 rc-reshard check
for k in "{a1}x1" "{a1}x2" "{a1}x3" "{a1}x4" "{a1}x5" "{a1}y1" "{a1}y2" "{a1}y3" "{c2}z"; do
	rcli_c $BASE del "$k" >/dev/null
done

# --- the source dies mid-move ---------------------------------------------------------
NKEYS=30000
ok "load $NKEYS keys" load_keys
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
# A slot of the source with 20000 keys, moved first and one key a MIGRATE,
# so that the kill lands inside it.
BIG=b0
while [[ $(owner_port $BIG) != "$BASE" ]]; do BIG=b$((${BIG#b} + 1)); done
BIGSLOT=$(rc-slot "{$BIG}" | cut -f2)
seq 1 20000 | awk -v t="$BIG" '{ k = "{" t "}" $1; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nx\r\n", length(k), k }' |
	rcli $BASE --pipe >/dev/null
BIGN=$(rcli $BASE cluster countkeysinslot "$BIGSLOT")
ok "20000 keys in slot $BIGSLOT (and a few k keys)" test "$BIGN" -ge 20000
for p in $(masters); do rcli "$p" wait 1 5000 >/dev/null; done
R0=$(rcli $BASE cluster nodes | awk -v m="$M0" '$4 == m { split($2, a, "[:@]"); print a[2] }')
[[ -n $R0 ]] || bail_file "no replica of $BASE"
{
	printf '%s\t%s\t%s\n' "$BIGSLOT" "$M0" "$M1"
	rc-reshard plan move --from "$M0" --to "$M1" --slots 300 | awk -v s="$BIGSLOT" '$1 != s'
} >"$T/plan"
rc-reshard --parallel 1 --chunk 1 --batch 1 apply <"$T/plan" >"$T/move.out" 2>"$T/move.err" &
pid=$!
midway() { (($(rcli $((BASE + 1)) cluster countkeysinslot "$BIGSLOT") > 100)); }
ok "the big slot is half moved" retry 60 midway
# The source and the tool die together (one machine, say): the target is
# left importing from a dead node.
kill -KILL $pid
cluster_cmd kill $BASE >/dev/null
wait $pid 2>/dev/null
note "killed with $(rcli $((BASE + 1)) cluster countkeysinslot "$BIGSLOT") keys of slot $BIGSLOT on the target"
promoted() { [[ $(rcli "$R0" role | head -1) == master ]]; }
ok "the source's replica takes over" retry 60 promoted
# From here on, the cluster as the target sees it.
masters() {
	rcli $((BASE + 1)) cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 {
		split($2, a, "[:@]"); print a[2] }'
}
rc-reshard -c 127.0.0.1:$((BASE + 1)) check >"$T/check.out" 2>&1
note "after the kill: $(cut -f2,3,4 "$T/check.out" | sort | uniq -c | sort -rn | head -8)"
# Valkey 8 points the import at the source's successor by itself; Redis 7
# keeps the dead source.
like "$(cat "$T/check.out")" $'\topen\t127.0.0.1:'$((BASE + 1))$'\tslot '"$BIGSLOT importing from ($M0|$(id_of "$R0"))" \
	"the target is left importing from the dead source (or its successor)"
ok "fix -y from the target" rc-reshard -c 127.0.0.1:$((BASE + 1)) -y fix
rc-reshard -c 127.0.0.1:$((BASE + 1)) check >"$T/check2.out" 2>&1
is "$(grep -cE $'\t(open|uncovered|conflict|stranded)\t' "$T/check2.out")" 0 \
	"no open, uncovered or stranded slot left"
all_ok() {
	local p
	for p in $(cluster_ports); do
		[[ $p == "$BASE" ]] && continue
		rcli "$p" cluster info | grep -q '^cluster_state:ok' || return 1
	done
}
ok "every live node reports cluster_state ok" retry 30 all_ok
ok "every key there, once, with its value" verify_keys
big=0
for p in $(masters); do big=$((big + $(rcli "$p" cluster countkeysinslot "$BIGSLOT"))); done
is "$big" "$BIGN" "the big slot's $BIGN keys, once"
is "$(rcli_c $((BASE + 1)) get "{$BIG}1")$(rcli_c $((BASE + 1)) get "{$BIG}20000")" xx \
	"readable through the cluster"

# The dead source comes back, empty, its nodes.conf saying "master, migrating
# the slot": it follows its successor, and fix closes what it kept open
# (Valkey keeps a demoted node's open slots within its shard).
ok "the dead source comes back" cluster_cmd start $BASE
back() { [[ $(rcli $BASE role | head -1) == slave ]]; }
ok "as a replica" retry 60 back
synced() { rcli $BASE info replication | grep -q '^master_link_status:up'; }
ok "in sync with its successor" retry 60 synced
ok "fix -y once it is back" rc-reshard -y fix
ok "check is clean" retry 30 rc-reshard check
ok "every key there, once, with its value" verify_keys
big=0
for p in $(masters); do big=$((big + $(rcli "$p" cluster countkeysinslot "$BIGSLOT"))); done
is "$big" "$BIGN" "the big slot's $BIGN keys, once"

done_testing
