#!/usr/bin/env bash
# Keys where clients do not look: rc-reshard check and rc-dist keys find
# them by the same scan (lib's rc_node_strays) and name the same masters; a
# slot that only its importing side has open, with keys on that side, stays
# with its owner: fix moves the importing node's keys back (a key only there
# moves, an equal copy is dropped, a different one is kept on both, named,
# and fix exits 1), as redis-cli does, and never hands the slot over.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17650
cluster_up $BASE 3 0 2000 >/dev/null || bail_file "no cluster"

slot_of() { rc-slot "{$1}" | cut -f2; }

# (1) Slot S1: two keys on a master that does not own it, the slot closed on
# it (a move whose last step was lost).
P1=$(owner_port s1)
Q1=$(other_master "$P1")
S1=$(slot_of s1)
for k in a b c; do rcli_c $BASE set "{s1}$k" "v$k" >/dev/null; done
on_foreign "$Q1" "$S1" "$(id_of "$P1")" "SET {s1}x vx" "SET {s1}y vy"
# (2) Slot S2: its owner migrating it to a master that does not import it
# (and holds one of its keys): a client sent there is sent back, so that key
# is stranded too, although the slot is open.
P2=$(owner_port s2)
Q2=$(other_master "$P2")
S2=$(slot_of s2)
rcli_c $BASE set "{s2}a" va >/dev/null
on_foreign "$Q2" "$S2" "$(id_of "$P2")" "SET {s2}x vx"
rcli "$P2" cluster setslot "$S2" migrating "$(id_of "$Q2")" >/dev/null
# (3) Slot S3: only importing on Q3 (its owner P3 not migrating: a move cut
# short, or rolled back on the source alone), with three keys on Q3: one
# only there, one equal to the owner's copy, one different.
P3=$(owner_port s3)
Q3=$(other_master "$P3")
S3=$(slot_of s3)
for k in own same diff; do rcli_c $BASE set "{s3}$k" "v$k" >/dev/null; done
rcli "$Q3" cluster setslot "$S3" importing "$(id_of "$P3")" >/dev/null
asking "$Q3" "SET {s3}only vonly" "SET {s3}same vsame" "SET {s3}diff other"
is "$(rcli "$Q3" cluster countkeysinslot "$S3")" 3 "3 keys of slot $S3 on $Q3, which imports it"

# --- check and rc-dist keys see the same keys ------------------------------------------
exit_is 1 "check fails" rc-reshard check
CHECK=$OUT
like "$CHECK" "stranded"$'\t'"127.0.0.1:$Q1"$'\t'"2 keys of slot $S1, which it does not own \\(127.0.0.1:$P1\\)" \
	"check names the master holding keys of a slot it does not own"
like "$CHECK" "stranded"$'\t'"127.0.0.1:$Q2"$'\t'"1 keys of slot $S2, which it does not own \\(127.0.0.1:$P2\\)" \
	"and the one a migrating owner points at but which does not import"
like "$CHECK" "open"$'\t'"127.0.0.1:$Q3"$'\t'"slot $S3 importing from $(id_of "$P3") \\(holds 3 keys of it\\)" \
	"and the importing node with the keys it holds"
exit_is 0 "rc-dist keys exits 0" rc-dist -T keys
like "$OUT" "127.0.0.1:$Q1 holds [0-9]+ keys of slots it does not own: ([0-9,-]+,)?$S1(,|-| |$)" \
	"rc-dist keys names the same master for slot $S1"
like "$OUT" "127.0.0.1:$Q2 holds [0-9]+ keys of slots it does not own: ([0-9,-]+,)?$S2(,|-| |$)" \
	"and for slot $S2"
dbsize_rows() {
	local p
	for p in $(masters); do printf '127.0.0.1:%s\t%s\n' "$p" "$(rcli "$p" dbsize)"; done | sort
}
is "$(grep '^127\.0\.0\.1:' <<<"$OUT" | cut -f1,3 | sort)" "$(dbsize_rows)" \
	"each master's count is its DBSIZE (the importing node's keys count for it)"

# --- fix -------------------------------------------------------------------------------
# row OUT SLOT: fix's row for SLOT, without the slot.
row() { awk -F'\t' -v s="$2" '$1 == s' <<<"$1" | cut -f2-; }
ok "fix --dry-run" rc-reshard fix --dry-run
is "$(row "$OUT" "$S3")" "rolled-back"$'\t'"$(id_of "$P3")"$'\t'"$(id_of "$Q3")"$'\t'3 \
	"the plan: slot $S3 stays with its owner, the importing node's 3 keys come back"
exit_is 1 "fix -y exits 1: a key has two different copies" rc-reshard -y fix
FIX=$OUT
is "$(row "$FIX" "$S3")" "rolled-back"$'\t'"$(id_of "$P3")"$'\t'"$(id_of "$Q3")"$'\t'2 \
	"slot $S3 rolled back: the key only on $Q3 moved, its equal copy dropped"
like "$FIX" "key \"\\{s3\\}diff\" is on 127.0.0.1:$Q3 and on 127.0.0.1:$P3 with different values" \
	"the different copy is named with both nodes"
is "$(row "$FIX" "$S1")" "gathered"$'\t'"$(id_of "$Q1")"$'\t'"$(id_of "$P1")"$'\t'2 \
	"slot $S1's stray keys gathered onto its owner"
is "$(row "$FIX" "$S2" | cut -f1-3)" "finished"$'\t'"$(id_of "$P2")"$'\t'"$(id_of "$Q2")" \
	"slot $S2's move finished"
is "$(owner_port s3)" "$P3" "slot $S3 is still $P3's"
is "$(rcli "$P3" cluster countkeysinslot "$S3")" 4 "its owner holds own, same, diff and only"
is "$(rcli_c $BASE mget "{s3}own" "{s3}same" "{s3}diff" "{s3}only" | tr '\n' ' ')" \
	"vown vsame vdiff vonly " "every key readable through the cluster; the owner's copy of diff untouched"
is "$(rcli "$Q3" cluster countkeysinslot "$S3")" 1 "the other copy of diff is kept on $Q3"
exit_is 1 "check still fails while a copy is stranded" rc-reshard check
like "$OUT" "stranded"$'\t'"127.0.0.1:$Q3"$'\t'"1 keys of slot $S3" "and names it"
unlike "$OUT" $'\topen\t' "no slot is open any more"
on_foreign "$Q3" "$S3" "$(id_of "$P3")" "DEL {s3}diff"
ok "clean once the wrong copy is deleted" retry 30 rc-reshard check
is "$(for k in "{s1}a" "{s1}x" "{s1}y" "{s2}a" "{s2}x"; do rcli_c $BASE get "$k"; done | tr '\n' ' ')" \
	"va vx vy va vx " \
	"the other slots' keys readable through the cluster"
ok "redis-cli agrees" cluster_clean

done_testing
