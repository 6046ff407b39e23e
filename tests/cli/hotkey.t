#!/usr/bin/env bash
# rc-hotkey: gen's bounds, top finds a generated hot set and the top 10 of
# a Zipf workload, finds no confident hot key in uniform traffic, leaves no
# MONITOR running (after the sample, after SIGINT); top - over stdin; slots;
# bad input, an unreachable seed, a wrong password, a user without
# +monitor.  Ports 16560-16565; node timeout 5000 ms.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16560
cluster_up $BASE 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30

# monitors: MONITOR clients on every node (0 when none is left).
monitors() {
	local p n=0
	for p in $(cluster_ports); do
		n=$((n + $(rcli "$p" CLIENT LIST | grep -c 'cmd=monitor')))
	done
	echo "$n"
}
# bg_gen ARGS...: gen in the background until stop_gen; waits until its
# first second of traffic is done, so a sample sees it.
bg_gen() {
	rc-hotkey gen -d 120 "$@" >"$T/gen.out" 2>"$T/gen.err" &
	# shellcheck disable=SC2034 # stop_gen (lib.sh) reads it
	GEN=$!
	# The header comes at once; the first row after a second of traffic.
	retry 30 grep -q '^[0-9]' "$T/gen.out"
}
at_exit stop_gen
top_rows() { rc-hotkey top -T "$@" 2>"$T/top.err"; }

# --- usage -------------------------------------------------------------------
exit_is 2 "-k 0 is refused" rc-hotkey top -k 0
like "$OUT" "-k: '0' is not a number in 1-10000" "  with the range"
exit_is 2 "-k 10001 is refused" rc-hotkey top -k 10001
exit_is 2 "top takes only '-' as operand" rc-hotkey top foo
exit_is 2 "gen takes no -k" rc-hotkey gen -k 3
exit_is 2 "--zipf -1 is refused" rc-hotkey gen --zipf -1
exit_is 3 "an unreachable seed exits 3" rc-hotkey -c 127.0.0.1:16599 top -d 1

# --- gen -----------------------------------------------------------------------
ok "gen --count 5000 stops after 5000 operations" rc-hotkey gen -T --count 5000 --reads 50
like "$OUT" $'\ntotal\t5000\t[0-9]+\t[0-9]+\t[0-9]+\t0' "  the total row: 5000 operations, no errors"
like "$OUT" "5000 operations in [0-9.]+ s: [0-9]+ ops/s \\(uniform over 100000 keys, 50% reads" \
	"  the summary on stderr"
keys=0
for p in $(masters); do keys=$((keys + $(rcli "$p" DBSIZE))); done
ok "  the writes landed on the masters ($keys keys)" test "$keys" -gt 1000
ok "gen -d 2 -r 500 keeps the rate" rc-hotkey gen -T -d 2 -r 500
tot=$(awk -F'\t' '$1 == "total" { print $2 }' <<<"$OUT")
ok "  about 1000 operations in 2 s at 500/s ($tot)" test "${tot:-0}" -ge 900 -a "${tot:-0}" -le 1001

# --- top: a named hot set --------------------------------------------------
HOT=hk:a,hk:b,hk:c,hk:d,hk:e,hk:f,hk:g,hk:h,hk:i,hk:j
bg_gen --hot "$HOT" --hot-share 50 --keys 100000
ok "top -d 3 ranks the keys" top_rows -d 3 -k 10
stop_gen
rows=$OUT
found=$(cut -f1 <<<"$rows" | grep -c '^hk:[a-j]$')
is "$found" 10 "the 10 hot keys are the top 10 (recall 10/10)"
is "$(awk -F'\t' '$8 == "hot"' <<<"$rows" | grep -c '^hk:')" 10 "  each flagged hot"
row=$(grep $'^hk:a\t' <<<"$rows")
is "$(cut -f2 <<<"$row")" "$(rc-slot hk:a | cut -f2)" "  with its slot"
is "$(cut -f3 <<<"$row")" "$(rc-slot -n hk:a | cut -f3)" "  and its master"
is "$(cut -f9 <<<"$row")" monitor "  the source is named"
like "$(<"$T/top.err")" "MONITOR on 3 nodes.*costs" "  stderr says what MONITOR costs"
is "$(monitors)" 0 "no MONITOR is left after the sample"

# --- top: Zipf(1.1) over 100k keys -----------------------------------------
bg_gen --zipf 1.1 --keys 100000
ok "top over Zipf(1.1) traffic" top_rows -d 3 -k 10
stop_gen
rows=$OUT
recall=$(cut -f1 <<<"$rows" | grep -c '^key:[0-9]$')
diag "recall of the true top 10: $recall/10"
ok "  the top 10 ranks hold at least 9 of key:0..key:9 ($recall)" test "$recall" -ge 9
like "$rows" $'^key:0\t' "  key:0 first"

# --- top: uniform traffic ----------------------------------------------------
bg_gen --keys 100000
exit_is 1 "uniform traffic: no hot key, exit 1" top_rows -d 2
stop_gen
unlike "$OUT" $'\thot\t' "  no row flagged hot"
like "$(<"$T/top.err")" "no hot key" "  and stderr says so"

# --- slots: one hot key makes one slot and one master hot ---------------------
bg_gen --hot hk:one --hot-share 60 --keys 100000
ok "slots -k 3" rc-hotkey slots -T -d 2 -k 3
stop_gen
OUT=$(grep -v '^rc-hotkey:' <<<"$OUT")
slot=$(rc-slot hk:one | cut -f2)
like "$OUT" $'^slot\t'"$slot"$'\t[^\t]+\t[0-9]+\t(5[0-9]|6[0-9])\\.[0-9]+\t[0-9]+\thk:one\t(99|100)\\.' \
	"  the hottest slot is hk:one's, ~60% of all, the key ~100% of it"
owner=$(rc-slot -n hk:one | cut -f3)
like "$OUT" $'\nmaster\t[0-9a-f]{8}\t'"$owner"$'\t[0-9]+\t(6|7)[0-9]\\.' "  its master carries 60-79% of all"

# --- nothing left running after SIGINT ------------------------------------------
rc-hotkey top -d 60 >/dev/null 2>&1 &
pid=$!
# Counted again on every try (a $(monitors) argument would be counted once).
three_monitors() { (($(monitors) == 3)); }
ok "a sample's MONITOR connections are open" retry 20 three_monitors
kill -INT $pid
wait $pid
rc=$?
ok "top ends on SIGINT (exit $rc)" test $rc -le 1
is "$(monitors)" 0 "  and no MONITOR is left"

# --- top - -------------------------------------------------------------------
printf 'x\t1\ny\nx\n# a comment\n\nz\\tq\nx\nz\\tq\n' >"$T/keys"
ok "top - counts the first field" rc-hotkey top -T - <"$T/keys"
is "$(head -n2 <<<"$OUT")" "x	$(rc-slot x | cut -f2)	-	3	0	50.00	-	hot	stdin
z\\tq	$(rc-slot $'z\tq' | cut -f2)	-	2	0	33.33	-	hot	stdin" \
	"  exact counts, escapes decoded and written again, no node without -n"
ok "top -n - adds the live owner" rc-hotkey top -T -n - <"$T/keys"
is "$(head -n1 <<<"$OUT" | cut -f3)" "$(rc-slot -n x | cut -f3)" "  x's master"
exit_is 2 "a malformed escape on stdin exits 2" rc-hotkey top - <<<$'a\nb\\q\n'
like "$OUT" "<stdin>:2: malformed escape" "  naming the line"
seq 1 200000 | awk '{ print ($1 % 2 ? "hot" : "k" $1) }' >"$T/many"
ok "100000 distinct keys through 1000 counters" rc-hotkey top -T -k 1 --counters 1000 - <"$T/many"
like "$OUT" $'^hot\t[0-9]+\t-\t10[0-9]{4}\t[0-9]+\t' "  the hot key, count within its bound"

# --- --replicas: a replica's MONITOR shows its master's writes again --------
rc-hotkey top -T --replicas -k 3 -d 6 >"$T/rtop" 2>"$T/rtop.err" &
pid=$!
six_monitors() { (($(monitors) == 6)); }
ok "top --replicas: MONITOR open on all 6 nodes" retry 30 six_monitors
ok "5000 SETs of hk:w while it samples" rc-hotkey gen --hot hk:w --hot-share 100 \
	--reads 0 --count 5000
wport=$(rc-slot -n hk:w | cut -f3)
ok "  the replica has them (WAIT 1)" test "$(rcli "${wport##*:}" WAIT 1 5000)" -ge 1
wait $pid
like "$(<"$T/rtop")" $'^hk:w\t[0-9]+\t[^\t]+\t5000\t0\t' \
	"  hk:w counted 5000 times, once: not again from its replica's link to the master"
like "$(<"$T/rtop.err")" "not counted: [0-9]+ commands the replicas ran from their masters'" \
	"  stderr says what it left out"

# get_calls PORT: the GETs a node has run.
get_calls() {
	rcli "$1" INFO commandstats | tr -d '\r' |
		sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}
owner=$(rc-slot -n hk:r | cut -f3)
mport=${owner##*:}
rport=$(rcli "$mport" INFO replication | tr -d '\r' | sed -n 's/^slave0:.*port=\([0-9]*\),.*/\1/p')
m0=$(get_calls "$mport")
r0=$(get_calls "$rport")
ok "gen --replicas: 5000 GETs of hk:r" rc-hotkey gen --replicas --hot hk:r --hot-share 100 \
	--reads 100 --count 5000
m1=$(get_calls "$mport")
r1=$(get_calls "$rport")
is "$((r1 - r0))" 5000 "  its master's replica ($rport) ran them"
ok "  its master ($mport) ran none of them ($((m1 - m0)))" test $((m1 - m0)) -lt 100

# --- gen --cache-ms: a local copy takes reads off the server, for a stale window ---
cport=$(rc-slot -n hk:c | cut -f3)
cport=${cport##*:}
rcli "$cport" SET hk:c v1 >/dev/null
c0=$(get_calls "$cport")
ok "gen: 5000 GETs of hk:c without a local copy" rc-hotkey gen --hot hk:c --hot-share 100 \
	--reads 100 --count 5000
c1=$(get_calls "$cport")
is "$((c1 - c0))" 5000 "  its master ran all 5000"
ok "gen --cache-ms 60000: the same 5000 GETs" rc-hotkey gen -T --cache-ms 60000 --hot hk:c \
	--hot-share 100 --reads 100 --count 5000
cached=$OUT
c2=$(get_calls "$cport")
ok "  its master ran a handful ($((c2 - c1)))" test $((c2 - c1)) -ge 1 -a $((c2 - c1)) -le 64
like "$cached" $'\ntotal\t5000\t[0-9]+\t5000\t0\t0\t49[3-9][0-9](\n|$)' "  the hits column counts the rest"
like "$cached" "local copy \\(60000 ms\\): 49[0-9][0-9] of 5000 reads" "  and stderr says so"
c3=$(get_calls "$cport")
bg_gen --cache-ms 1500 --hot hk:c --hot-share 100 --reads 100 -r 200
# The server must have answered gen's first GET (v1) before the value
# changes: a slow start (a sanitized build) could otherwise read v2 first.
read_once() { (($(get_calls "$cport") > c3)); }
ok "gen has read hk:c once" retry 20 read_once
rcli "$cport" SET hk:c v2 >/dev/null
ok "a value changed on the server is read again" \
	retry 10 grep -q "hk:c changed: 'v1' -> 'v2'" "$T/gen.err"
age=$(sed -n "s/.*hk:c changed: 'v1' -> 'v2', the local copy read for \([0-9]*\) ms.*/\1/p" "$T/gen.err")
ok "  after the copy's 1500 ms, not before ($age ms)" test "${age:-0}" -ge 1500 -a "${age:-0}" -le 4000
stop_gen

# --- top --lfu: OBJECT FREQ over SCAN, only where every master keeps LFU counters ---
exit_is 3 "top --lfu under noeviction exits 3" rc-hotkey top --lfu
like "$OUT" "maxmemory-policy is noeviction, not an LFU one" "  saying which master and policy"
exit_is 2 "top --lfu takes no '-'" rc-hotkey top --lfu - </dev/null
for p in $(masters); do rcli "$p" FLUSHALL >/dev/null; done
set_policy() {
	local p
	for p in $(masters); do rcli "$p" CONFIG SET maxmemory-policy "$1" >/dev/null; done
}
set_policy allkeys-lfu
one=$(masters | head -n1)
rcli "$one" CONFIG SET maxmemory-policy volatile-lru >/dev/null
exit_is 3 "one master not LFU (volatile-lru): exit 3" rc-hotkey top --lfu
like "$OUT" "127.0.0.1:$one's maxmemory-policy is volatile-lru" "  naming that master"
set_policy allkeys-lfu
rc-hotkey gen --hot hk:lfu --hot-share 50 --keys 2000 --reads 50 --count 40000 >/dev/null 2>&1
ok "top --lfu under allkeys-lfu" top_rows --lfu -k 3 --min-share 0.3
row=$(head -n1 <<<"$OUT")
like "$row" $'^hk:lfu	'"$(rc-slot hk:lfu | cut -f2)"$'	'"$(rc-slot -n hk:lfu | cut -f3)"$'	[0-9]+	0	' 	"  the hot key first, with its slot and master, exact (err 0)"
like "$row" $'	-	hot	lfu$' "  no ops/s (counters, not operations), the source named"
keys=0
for p in $(masters); do keys=$((keys + $(rcli "$p" DBSIZE))); done
like "$(<"$T/top.err")" "OBJECT FREQ, $keys keys" "  every key walked ($keys)"
set_policy noeviction
is "$(rcli "$one" CONFIG GET maxmemory-policy | tail -n1)" noeviction "the policy set back"

# --- auth --------------------------------------------------------------------
for p in $(cluster_ports); do
	rcli "$p" ACL SETUSER nomon on '>pw' '~*' '&*' +@all -monitor >/dev/null
done
exit_is 3 "a wrong password exits 3" env RC_USER=nomon RC_AUTH=bad rc-hotkey top -d 1
like "$OUT" "WRONGPASS|invalid username-password" "  saying so"
exit_is 3 "a user without +monitor: exit 3" env RC_USER=nomon RC_AUTH=pw rc-hotkey top -d 1
like "$OUT" "refused MONITOR.*\\+monitor" "  with what to grant"
is "$(monitors)" 0 "  and nothing left open"

done_testing
