#!/usr/bin/env bash
# rc-reshard and the change lease: one operator at a time.  A second command
# is refused naming the first, or waits with --wait-lock; a dry run takes no
# lease; fix --break-lease ends a frozen holder's; two moves started together
# from one master, 20 times over, never lose a key.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis
PROBE=${RC_PROBES:-$ROOT/tests/cli}/lease-probe
[[ -x $PROBE ]] || bail_file "lease-probe is not built (make probes)"
BASE=16520
NKEYS=20000
cluster_up $BASE 3 0 2000 >"$T/up.log" 2>&1 || bail_file "no cluster: $(cat "$T/up.log")"
SEED=127.0.0.1:$BASE # lease_hold takes it there
export SEED
A=127.0.0.1:$BASE B=127.0.0.1:$((BASE + 1)) C=127.0.0.1:$((BASE + 2))
ok "load $NKEYS keys" load_keys

# slots_of ADDR: how many slots the master at ADDR owns, as the seed says.
slots_of() { rc-dist -T nodes | awk -F'\t' -v a="$1" '$1 == a { print $5 }'; }

ok "another operator holds the lease" lease_hold other
OTHER=$HOLDER OTHER_IN=$HOLD_IN
before=$(slots_of "$A")
exit_is 1 "a move while it is held is refused with exit 1" \
	rc-reshard -y move --from "$A" --to "$B" --slots 10
like "$OUT" "move: another operator is changing the cluster: other by pid $OTHER" \
	"naming the holder's command and pid"
like "$OUT" "nothing done" "and saying nothing was done"
like "$OUT" "--wait-lock" "and how to wait"
is "$(slots_of "$A")" "$before" "no slot moved"
for cmd in "fix" "rebalance" "del-node $C"; do
	# shellcheck disable=SC2086
	exit_is 1 "$cmd is refused too" rc-reshard -y $cmd
done
exit_is 1 "add-node is refused too" rc-reshard add-node "127.0.0.1:$((BASE + 9))"
exit_is 1 "apply is refused too" sh -c "printf '0\t%s\t%s\n' '$A' '$B' | rc-reshard -y apply"
ok "a dry run takes no lease" rc-reshard move --from "$A" --to "$B" --slots 10 --dry-run
ok "check reads while it is held" rc-reshard check

# --wait-lock waits for the holder to end.
( sleep 1; exec {OTHER_IN}>&- ) &
exec {OTHER_IN}>&-
ok "--wait-lock 30 waits for it, then moves" \
	rc-reshard -y --wait-lock 30 move --from "$A" --to "$B" --slots 10
wait "$OTHER"
is "$(slots_of "$A")" "$((before - 10))" "the 10 slots moved"

# A frozen holder keeps the lease; fix --break-lease ends it.
ok "a holder that is then frozen" lease_hold frozen
FROZEN=$HOLDER
kill -STOP "$FROZEN"
at_exit "kill -CONT $FROZEN 2>/dev/null; kill -9 $FROZEN 2>/dev/null"
exit_is 1 "a frozen holder keeps it" rc-reshard -y move --from "$A" --to "$B" --slots 10
like "$OUT" "frozen by pid $FROZEN" "and is named"
ok "fix --break-lease ends its lease and fixes" rc-reshard -y fix --break-lease
like "$OUT" "ended the lease of frozen by pid $FROZEN" "saying whose lease it ended"
ok "then a move goes ahead" rc-reshard -y move --from "$B" --to "$A" --slots 20
ok "every key is there once, with its value" verify_keys

# Two operators at once, the case that lost keys before the lease: two
# moves from one master started together.  One holds the lease and moves;
# the other is refused (exit 1) or, with --wait-lock, goes after it.
lost=0 both_failed=0
for i in $(seq 1 20); do
	rc-reshard -y move --from "$A" --to "$B" --slots 30 >"$T/m1" 2>&1 &
	m1=$!
	rc-reshard -y move --from "$A" --to "$C" --slots 30 >"$T/m2" 2>&1 &
	m2=$!
	wait "$m1"; r1=$?
	wait "$m2"; r2=$?
	if ((r1 != 0 && r2 != 0)); then
		both_failed=$((both_failed + 1))
		diag "round $i: $(cat "$T/m1" "$T/m2")"
	fi
	for r in $r1 $r2; do
		((r == 0 || r == 1)) || diag "round $i: exit $r: $(cat "$T/m1" "$T/m2")"
	done
	verify_keys || lost=$((lost + 1))
done
is "$lost" 0 "20 rounds of two moves at once: no key lost or doubled"
is "$both_failed" 0 "and in each round one of them moved"
ok "the cluster is clean" cluster_clean
ok "rc-reshard check agrees" rc-reshard check
done_testing
