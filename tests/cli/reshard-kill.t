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
masters() { rcli $BASE cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { split($2, a, "[:@]"); print a[2] }'; }
cluster_clean() {
	local out
	out=$(rcli $BASE --cluster check 127.0.0.1:$BASE 2>&1)
	[[ $out != *'[ERR]'* && $out != *'[WARNING]'* ]] || {
		diag "$(grep -E 'ERR|WARN' <<<"$out" | head -5)"
		return 1
	}
}
id_of() { rcli "$1" cluster myid | tr -d '\r'; }
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

done_testing
