#!/usr/bin/env bash
# The change lease (lib/lease.c) on a real cluster, through lease-probe: one
# holder at a time, the holder named, a dead holder's lease gone at once, a
# frozen holder's lease kept until broken, nothing in the keyspace.
. "$(dirname "$0")/lib.sh"
require_redis
PROBE=${RC_PROBES:-$ROOT/tests/cli}/lease-probe
[[ -x $PROBE ]] || bail_file "lease-probe is not built (make probes)"
BASE=16160
cluster_up $BASE 3 0 2000 >"$T/up.log" 2>&1 || bail_file "no cluster: $(cat "$T/up.log")"
SEED=127.0.0.1:$BASE

ok "a probe takes the lease" lease_hold first
FIRST=$HOLDER
FIRST_IN=$HOLD_IN
is "$(rcli $BASE CLIENT LIST | grep -c 'name=rc-lease/')" 1 "one named connection on a master"
for p in $BASE $((BASE + 1)) $((BASE + 2)); do
	is "$(rcli $p DBSIZE)" 0 "no key on $p"
done
exit_is 1 "a second one is refused" "$PROBE" "$SEED" second 0
like "$OUT" "first by pid $FIRST on host" "naming the holder's command and pid"
like "$OUT" "since [0-9-]+ [0-9:]+" "and since when"

# Released when the holder ends normally.
exec {FIRST_IN}>&-
wait "$FIRST"
is "$?" 0 "the holder exits 0 after releasing"
ok "then it can be taken again" lease_hold again
AGAIN=$HOLDER

# A holder killed with SIGKILL leaves nothing behind.
kill -9 "$AGAIN"
wait "$AGAIN" 2>/dev/null
ok "a killed holder's lease is free at once" retry 5 bash -c '"$1" "$2" third 0 </dev/null' _ "$PROBE" "$SEED"

# A frozen holder keeps it; waiting does not help; breaking it does.
ok "a probe takes the lease" lease_hold frozen
FROZEN=$HOLDER
kill -STOP "$FROZEN"
at_exit "kill -CONT $FROZEN 2>/dev/null; kill -9 $FROZEN 2>/dev/null"
t0=$(date +%s)
exit_is 1 "a frozen holder keeps it, even for one who waits 2 s" "$PROBE" "$SEED" waiter 2
like "$OUT" "frozen by pid $FROZEN" "and names the frozen holder"
t1=$(date +%s)
ok "the waiter waited about 2 s" test $((t1 - t0)) -ge 2 -a $((t1 - t0)) -le 10

# Two takers at once, many times: never both.  Each holds until its input
# closes, so a second holder would have to overlap the first.
# race I: 1 when both probes of round I said "held".
race() {
	local i=$1 a b ia ib na=0 nb=0
	mkfifo "$T/ra$i" "$T/rb$i"
	"$PROBE" "$SEED" a$i 0 <"$T/ra$i" >"$T/oa$i" 2>&1 &
	a=$!
	"$PROBE" "$SEED" b$i 0 <"$T/rb$i" >"$T/ob$i" 2>&1 &
	b=$!
	exec {ia}>"$T/ra$i" {ib}>"$T/rb$i"
	# Each either holds ("held") or has given up (exited).
	retry 20 bash -c '{ grep -qx held "$1" || ! kill -0 "$2"; } 2>/dev/null &&
		{ grep -qx held "$3" || ! kill -0 "$4"; } 2>/dev/null' _ \
		"$T/oa$i" "$a" "$T/ob$i" "$b"
	grep -qx held "$T/oa$i" && na=1
	grep -qx held "$T/ob$i" && nb=1
	exec {ia}>&- {ib}>&-
	wait "$a" "$b" 2>/dev/null
	echo $((na + nb))
}
kill -9 "$FROZEN" 2>/dev/null
kill -CONT "$FROZEN" 2>/dev/null
wait "$FROZEN" 2>/dev/null
# The frozen holder's connections go with its process.
ok "the lease is free again" retry 5 bash -c '"$1" "$2" free 0 </dev/null' _ "$PROBE" "$SEED"
both=0 none=0
for i in $(seq 1 20); do
	n=$(race "$i")
	((n == 2)) && both=$((both + 1))
	((n == 0)) && none=$((none + 1))
done
is "$both" 0 "20 races of two takers: never two holders"
is "$none" 0 "and never none: two that met try again"
done_testing
