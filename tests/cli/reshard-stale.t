#!/usr/bin/env bash
# rc-reshard against another operator: the engine reads each slot's owner and
# state again right before it opens it and before it hands it to its target,
# and checks every SETSLOT/MIGRATE reply.  (a) a plan gone stale while apply
# ran (another tool moved its slots): its lines are refused with the reason,
# no key is lost (20 times); (b) a move the other way in progress between the
# same two masters: refused at once, nothing lost; (c) a CLUSTERDOWN from the
# target through MIGRATE gets its own hint, not "key too large".
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=16480
cluster_up $BASE 3 0 5000 >/dev/null || bail_file "no cluster"

NKEYS=20000
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
M2=$(id_of $((BASE + 2)))
FIFO=$T/plan.fifo
mkfifo "$FIFO"

ok "load $NKEYS keys" load_keys

# total_keys: DBSIZE summed over the masters.
total_keys() {
	local p n=0
	for p in 0 1 2; do
		n=$((n + $(rcli $((BASE + p)) dbsize)))
	done
	echo "$n"
}

# reading_stdin PID: the process waits on its plan (a fifo), so it has read
# the cluster's map already and not yet any line.
reading_stdin() { [[ $(cat "/proc/$1/wchan" 2>/dev/null) == *pipe_read* ]]; }

# held_apply PLAN CMD...: runs rc-reshard apply on the plan; CMD runs after
# apply has read the cluster (and taken the lease) but before it reads the
# plan, as another operator's tool would at the worst moment.  Apply's exit
# status in $APPLY_RC, its stderr in $T/apply.err.
held_apply() {
	local plan=$1 pid
	shift
	rc-reshard apply <"$FIFO" >"$T/apply.out" 2>"$T/apply.err" &
	pid=$!
	exec 7>"$FIFO"
	retry 30 reading_stdin $pid || { exec 7>&-; wait $pid; APPLY_RC=99; return 1; }
	"$@"
	cat "$plan" >&7
	exec 7>&-
	APPLY_RC=0
	wait $pid || APPLY_RC=$?
}

# (a0) the same slots moved by another rc-reshard move (finished) after the
# plan was made: the stale plan is refused, nothing moves.
ok "plan 4 slots $BASE -> $((BASE + 1))" rc-reshard plan move --from $M0 --to $M1 --slots 4
printf '%s\n' "$OUT" >"$T/plan0"
ok "another operator moves the same slots to $((BASE + 2))" \
	rc-reshard move --from $M0 --to $M2 --slots 4
rc-reshard apply <"$T/plan0" >/dev/null 2>"$T/apply0.err"
rc=$?
ok "the stale plan is refused (exit $rc)" test $rc -ne 0
like "$(cat "$T/apply0.err")" "127.0.0.1:$((BASE + 2))" "the refusal names the owner"
is "$(total_keys)" $NKEYS "no key lost"

# (a) the slots moved by redis-cli --cluster while apply holds the lease and
# has read the map: only the engine can see it.  Before the engine read the
# owners again, the target was told SETSLOT NODE, took the slot with a new
# epoch, and the master holding its keys deleted them.
lost=0 refused=0 named=0
for i in $(seq 1 20); do
	rc-reshard plan move --from $M0 --to $M1 --slots 3 >"$T/plan" 2>/dev/null
	held_apply "$T/plan" rcli $BASE --cluster reshard 127.0.0.1:$BASE \
		--cluster-from "$M0" --cluster-to "$M2" --cluster-slots 3 --cluster-yes >/dev/null
	[[ $APPLY_RC == 1 ]] && refused=$((refused + 1))
	[[ $(grep -c "^rc-reshard: slot [0-9]* (.*): the source no longer owns it (owned by 127.0.0.1:$((BASE + 2))): another operator moved it? line refused" "$T/apply.err") == 3 ]] &&
		named=$((named + 1))
	n=$(total_keys)
	if [[ $n != "$NKEYS" ]]; then
		lost=$((lost + NKEYS - n))
		diag "round $i: $n keys; apply said: $(head -3 "$T/apply.err")"
	fi
	[[ $i == 1 ]] && note "round 1, apply said: $(head -1 "$T/apply.err")"
done
is "$refused" 20 "apply of the stale plan exits 1, 20 of 20 rounds"
is "$named" 20 "each of its lines refused with the reason and the owner, 20 of 20"
is "$lost" 0 "no key lost in 20 rounds"
ok "rc-reshard check is clean" rc-reshard check
ok "redis-cli --cluster check is clean" cluster_clean
ok "every key readable, once, with its value" verify_keys
ok "rc-dist keys counts them all through the cluster" rc-dist keys
is "$(awk -F'\t' '{ n += $3 } END { print n }' <<<"$OUT")" $NKEYS "$NKEYS keys by rc-dist"

# (b) a move the other way between the same two masters, open when the
# engine gets there (M1 -> M0 on one slot, as redis-cli or a run cut short
# leaves it; here the plan itself finishes it, after the M0 -> M1 lines, one
# job at a time): MIGRATE both ways at once blocks both servers until one
# times out, so the M0 -> M1 lines are refused at once instead.
opp=$(rcli $((BASE + 1)) cluster nodes | awk '/myself/ { split($9, r, "-"); print r[1] }')
ok "plan 6 slots $BASE -> $((BASE + 1))" rc-reshard plan move --from $M0 --to $M1 --slots 6
printf '%s\n%s\t%s\t%s\n' "$OUT" "$opp" "$M1" "$M0" >"$T/planb"
rcli $BASE cluster setslot "$opp" importing "$M1" >/dev/null
rcli $((BASE + 1)) cluster setslot "$opp" migrating "$M0" >/dev/null
t0=$SECONDS
rc-reshard --parallel 1 apply <"$T/planb" >"$T/apply.out" 2>"$T/apply.err"
rc=$?
note "apply took $((SECONDS - t0)) s (MIGRATE timeout 10 s); it said: $(head -1 "$T/apply.err")"
is "$rc" 1 "apply exits 1"
is "$(grep -c "^rc-reshard: slot [0-9]* (.*): an opposite move 127.0.0.1:$((BASE + 1)) -> 127.0.0.1:$BASE is in progress (slot $opp open)" "$T/apply.err")" 6 \
	"each of the 6 lines $BASE -> $((BASE + 1)) refused: a move the other way is open"
is "$(cut -f1 "$T/apply.out")" "$opp" "the move the other way is finished"
is "$(total_keys)" $NKEYS "no key lost"
ok "the plan again: the 6 lines go through" sh -c 'rc-reshard apply <"$1" >"$2"' _ "$T/planb" "$T/again.out"
is "$(wc -l <"$T/again.out" | tr -d ' ')" 6 "6 slots moved"
ok "clean after" rc-reshard check
ok "every key there" verify_keys

# (c) the target's cluster is down (a slot without a master, and the target
# requires full coverage; the source does not): MIGRATE passes the target's
# CLUSTERDOWN on, wrapped.  Its hint says so; no "key too large".
for p in 0 2; do rcli $((BASE + p)) config set cluster-require-full-coverage no >/dev/null; done
rcli $((BASE + 1)) config set cluster-require-full-coverage yes >/dev/null
hole=$(rcli $((BASE + 2)) cluster nodes | awk '/myself/ { split($NF, r, "-"); print r[2] }')
for s in $(seq "$hole" -1 $((hole - 200))); do
	[[ $(rcli $((BASE + 2)) cluster countkeysinslot "$s") == 0 ]] && { hole=$s; break; }
done
# The owner lets go first: were it still claiming the slot when another
# master drops it, its next ping would hand it back there (Valkey 8 does).
for p in 2 0 1; do rcli $((BASE + p)) cluster delslots "$hole" >/dev/null; done
down() { rcli $((BASE + 1)) cluster info | grep -q 'cluster_state:fail'; }
ok "the target says its cluster is down" retry 30 down
rc-reshard move --from $M0 --to $M1 --slots 2 >/dev/null 2>"$T/down.err"
rc=$?
note "$(head -1 "$T/down.err")"
is "$rc" 1 "the move fails with 1"
like "$(cat "$T/down.err")" "the target says the cluster is down" "the hint says the target's cluster is down"
unlike "$(cat "$T/down.err")" "too large" "not a key too large"
rcli $((BASE + 2)) cluster addslots "$hole" >/dev/null
up() { rcli $((BASE + 1)) cluster info | grep -q 'cluster_state:ok'; }
ok "the slot has its master again" retry 30 up
# No key moved, so the move rolled its slot back: nothing is left open.  Check
# is clean once every node has the hole's master from gossip (the target
# first: only it was waited for; a check at once saw another disagree once).
ok "check is clean once every node sees the slot's master" retry 30 rc-reshard check
is "$(rc-reshard -y fix 2>&1)" "" "fix finds nothing to do"
ok "clean at the end" rc-reshard check
is "$(total_keys)" $NKEYS "no key lost"
ok "every key there at the end" verify_keys

done_testing
