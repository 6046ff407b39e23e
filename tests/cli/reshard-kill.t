#!/usr/bin/env bash
# rc-reshard: SIGKILL in the middle of a migration, then the same command again
# or fix: the cluster is clean and no key is lost.  A node that stops
# answering mid-move: exit 3, a clear message, and fix repairs it after.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=15440
cluster_up $BASE 3 0 5000 >/dev/null || bail_file "no cluster"

NKEYS=40000
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
M2=$(id_of $((BASE + 2)))

ok "load $NKEYS keys" load_keys

# Slow settings (one thread, small chunks and batches), so that the kill
# lands mid-way.
SLOW=(--parallel 1 --chunk 2 --batch 3)

# 1. Killed, then the same plan applied again.
ok "plan 3000 slots" rc-reshard plan move --from $M0 --to $M1 --slots 3000
printf '%s\n' "$OUT" >"$T/plan1"
rc-reshard "${SLOW[@]}" apply <"$T/plan1" >"$T/apply1.out" 2>&1 &
pid=$!
sleep 0.7
kill -KILL $pid
wait $pid 2>/dev/null
done1=$(wc -l <"$T/apply1.out")
note "killed after $done1 of 3000 slots"
ok "killed mid-way" test "$done1" -lt 3000
ok "the same plan again finishes the job" rc-reshard apply <"$T/plan1"
ok "apply --dry-run of the plan" rc-reshard apply --dry-run <"$T/plan1"
is "$OUT" "" "every slot of the plan is on its target"
ok "no open slot left" rc-reshard check
ok "redis-cli --cluster check is clean" cluster_clean
ok "every key there, once, with its value" verify_keys

# 2. Killed, then fix.
ok "plan 4000 slots the other way" rc-reshard plan move --from $M1 --to $M2 --slots 4000
printf '%s\n' "$OUT" >"$T/plan2"
rc-reshard "${SLOW[@]}" --chunk 4 apply <"$T/plan2" >"$T/apply2.out" 2>&1 &
pid=$!
sleep 0.3
kill -KILL $pid
wait $pid 2>/dev/null
done2=$(wc -l <"$T/apply2.out")
note "killed after $done2 of 4000 slots"
ok "killed mid-way again" test "$done2" -lt 4000
rc-reshard check >"$T/check2" 2>&1
note "check after the kill: $(grep -c open "$T/check2") open slot reports"
ok "fix -y" rc-reshard -y fix
ok "no open slot left after fix" rc-reshard check
ok "redis-cli agrees" cluster_clean
ok "every key there after fix" verify_keys
ok "the plan, applied again, does the rest" rc-reshard apply <"$T/plan2"
ok "clean" cluster_clean
ok "every key there" verify_keys

# 3. A target that stops answering mid-move.
ok "plan 2000 slots to a node we will pause" rc-reshard plan move --from $M2 --to $M0 --slots 2000
printf '%s\n' "$OUT" >"$T/plan3"
rc-reshard --timeout 1 "${SLOW[@]}" apply <"$T/plan3" >"$T/apply3.out" 2>"$T/apply3.err" &
pid=$!
sleep 0.5
cluster_cmd pause $BASE >/dev/null
wait $pid
rc=$?
cluster_cmd resume $BASE >/dev/null
is "$rc" 3 "exit 3 when a node stops answering"
like "$(cat "$T/apply3.err")" "127.0.0.1:$BASE" "the message names the node"
retry 30 rc-reshard check >/dev/null
rc-reshard check >"$T/check3" 2>&1
note "after resume: $(grep -c open "$T/check3") open slot reports"
ok "fix after the node is back" rc-reshard -y fix
retry 30 rc-reshard check >/dev/null
ok "no open slot left" rc-reshard check
ok "redis-cli agrees" cluster_clean
ok "every key there" verify_keys

# 3b. A key too big for --migrate-timeout (in milliseconds): MIGRATE times
# out, yet the target may go on and store the copy.  Either the move ends
# with the key on the target only, or the key is named with what to do;
# never a conflict with itself.
BIGP=$(rc-slot -n big | cut -f3)
BIGP=${BIGP##*:}
BIGSLOT=$(rc-slot big | cut -f2)
rcli_c $BASE eval "local s = string.rep('x', 10000)
	for i = 1, 1000 do redis.call('rpush', KEYS[1], s) end
	return redis.call('llen', KEYS[1])" 1 big >/dev/null
is "$(rcli_c $BASE llen big)" 1000 "a 10 MB list"
BIGTO=$M0
[[ $BIGP == "$BASE" ]] && BIGTO=$M1
printf '%s\t%s\t%s\n' "$BIGSLOT" "$(id_of "$BIGP")" "$BIGTO" >"$T/plan-big"
rc-reshard --migrate-timeout 1 apply <"$T/plan-big" >"$T/big.out" 2>"$T/big.err"
rc=$?
note "rc $rc: $(head -c 300 "$T/big.err")"
unlike "$(cat "$T/big.err")" "already exists" "no conflict with its own copy"
if [[ $rc == 0 ]]; then
	is "$(rcli_c $BASE llen big)" 1000 "moved: the list is whole"
	is "$(rcli "$BIGP" cluster countkeysinslot "$BIGSLOT")" 0 "and gone from the source"
else
	like "$(cat "$T/big.err")" "key 'big' timed out after 1 ms.*raise --migrate-timeout" \
		"or the key is named, with what to do"
	# MIGRATE deletes the source's copy only when it succeeds: the key
	# is still whole where it was.
	is "$(rcli "$BIGP" llen big)" 1000 "not moved: the list is whole on its source"
fi
ok "fix" rc-reshard -y fix
rcli_c $BASE del big >/dev/null
ok "no open slot left" rc-reshard check

# 3c. A paused target must not freeze the source: MIGRATEs are not queued
# up on it (each would block it for --migrate-timeout), so once the tool
# gives up the source answers at once, while the target is still paused.
ok "plan 2000 slots to a node we will pause" rc-reshard plan move --from $M2 --to $M0 --slots 2000
printf '%s\n' "$OUT" >"$T/plan3c"
timeout 60 "$BIN/rc-reshard" --timeout 1 --migrate-timeout 2000 --batch 1 \
	apply <"$T/plan3c" >"$T/apply3c.out" 2>"$T/apply3c.err" &
pid=$!
sleep 0.2
cluster_cmd pause $BASE >/dev/null
wait $pid
rc=$?
is "$(timeout 3 redis-cli -p $((BASE + 2)) ping)" PONG "the source answers while the target is paused"
cluster_cmd resume $BASE >/dev/null
note "moved $(wc -l <"$T/apply3c.out") of 2000 slots"
is "$rc" 3 "exit 3"
# Paused before the engine starts (a slow, sanitized build), the tool stops
# while reading the cluster: it names the node then, without "target".
like "$(tail -1 "$T/apply3c.err")" "127.0.0.1:$BASE" "the target is named"
unlike "$(tail -1 "$T/apply3c.err")" "127.0.0.1:$((BASE + 2))" "not the source"
retry 30 rc-reshard check >/dev/null
ok "fix after the node is back" rc-reshard -y fix
retry 30 rc-reshard check >/dev/null
ok "no open slot left" rc-reshard check
ok "redis-cli agrees" cluster_clean
ok "every key there" verify_keys

# 4. A target killed mid-move (last: a killed node comes back empty).  A
# refused connection is not worth retrying: the move stops at once, not
# after minutes of per-slot retries (the timeout is only a bound), exit 3,
# and the message names the target, not the source.
ok "plan 3000 slots to a node we will kill" rc-reshard plan move --from $M2 --to $M1 --slots 3000
printf '%s\n' "$OUT" >"$T/plan4"
timeout 60 "$BIN/rc-reshard" --timeout 2 --wait 5 --parallel 1 --chunk 32 --batch 1 \
	apply <"$T/plan4" \
	>"$T/apply4.out" 2>"$T/apply4.err" &
pid=$!
sleep 0.2
cluster_cmd kill $((BASE + 1)) >/dev/null
wait $pid
rc=$?
note "moved $(wc -l <"$T/apply4.out") of 3000 slots before the kill"
is "$rc" 3 "exit 3 soon after the target dies (124: still retrying after 60 s)"
like "$(tail -1 "$T/apply4.err")" "127.0.0.1:$((BASE + 1))" \
	"the last message names the target and why"
unlike "$(cat "$T/apply4.err")" "127.0.0.1:$((BASE + 2))" "nor blames the source"
# Right after a restart the target answers CLUSTERDOWN (wrapped by MIGRATE
# in "ERR Target instance replied with error: CLUSTERDOWN"): retried.
cluster_cmd start -y $((BASE + 1)) >/dev/null # no replica: it comes back empty (-y)
ok "fix right after the target restarts" rc-reshard -y fix
retry 30 rc-reshard check >/dev/null
ok "no open slot left" rc-reshard check

done_testing
