#!/usr/bin/env bash
# rc-dist at the edges: a key with a malformed escape on stdin, a node in
# handshake, a node without an address, and TSV fields far longer than any
# fixed buffer (thousands of single-slot ranges, hundreds of open slots).
# Ports 16320-16323; 16329 is where nothing listens.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16320
DEAD=16329
# A long node timeout: a handshake that never completes lasts that long.
cluster_up $BASE 3 0 10000 >/dev/null || bail_file "no cluster"
ok "the cluster is ok" cluster_wait_ok 30
exit_is 0 "nodes exits 0 on a healthy cluster" rc-dist nodes

# --- keys -: escapes are checked as every TSV reader checks them --------------------

printf 'a\t15495\na\\q\t1\n' >"$T/bad"
exit_is 2 "keys - refuses a key with a malformed escape" sh -c "rc-dist keys - <'$T/bad'"
like "$OUT" '<stdin>:2: malformed escape' "the message names the line"
printf 'a\\tb\\\\\t1\n\\#c\t2\n' >"$T/good"
exit_is 0 "keys - takes the escapes it knows" sh -c "rc-dist keys - <'$T/good'"

# --- a node in handshake ---------------------------------------------------------------

# shown WORD ARGS...: a CLUSTER MEET of a port where nothing listens (again,
# in case the last one timed out), then rc-dist ARGS once; its output and exit
# status are kept in SHOWN and SHOWN_RC, and it passes when WORD is in the
# output.
shown() {
	local want=$1
	shift
	rcli $((BASE + 1)) CLUSTER MEET 127.0.0.1 "$DEAD" >/dev/null || return 1
	SHOWN_RC=0
	SHOWN=$(rc-dist "$@" 2>&1) || SHOWN_RC=$?
	[[ $SHOWN == *"$want"* ]]
}
ok "nodes shows a node in handshake" retry 30 shown $'\thandshake' -T nodes
like "$SHOWN" "127\.0\.0\.1:$DEAD	[0-9a-f]{40}	-	-	0	-	-	-	-	-	-	handshake" \
	"its row: address, id, no role, its flags"
like "$SHOWN" "127\.0\.0\.1:$DEAD \([0-9a-f]{12}\) is in handshake" "and it is named on stderr"
is "$SHOWN_RC" 1 "nodes exits 1"
ok "info counts it" retry 30 shown 'in handshake' -T info
like "$SHOWN" $'^ok\t16384\t16384\t0\t0\t[0-9]+\t3\t3\t0\t1\t0\t'"$RC_SERVER"$' [0-9.]+\n' \
	"info: one node not ok"
is "$SHOWN_RC" 1 "info exits 1"
ok "info on a terminal names it" retry 30 shown '1 in handshake, 0 without address, 1 not ok' -p info

forgotten() { ! rcli "$1" CLUSTER NODES | grep -q handshake; }
ok "the handshake times out" retry 60 forgotten $((BASE + 1))

# --- a node without an address ---------------------------------------------------------

# A node that all know is wiped and started again on its port: the others
# get an answer with another id there, and keep the old id without an address.
NEW=$((BASE + 3))
ok "a fresh node" cluster_cmd add $NEW
ok "it meets the cluster" rcli $BASE CLUSTER MEET 127.0.0.1 $NEW
knows_all() { [[ $(rcli "$1" CLUSTER NODES | grep -c ' connected') == 4 ]]; }
ok "every node knows it" retry 30 knows_all $BASE
ok "every node knows it" retry 30 knows_all $((BASE + 1))
ok "every node knows it" retry 30 knows_all $((BASE + 2))
old=$(id_of $NEW)
ok "it is killed" cluster_cmd kill $NEW
rm -f "$LAB_DIR/$NEW/nodes.conf"
ok "and started again with a new id" cluster_cmd start $NEW
noaddr() { rcli "$BASE" CLUSTER NODES | grep -q "^$old .*noaddr"; }
ok "the seed keeps the old id without an address" retry 60 noaddr
exit_is 1 "nodes exits 1" rc-dist -T nodes
like "$OUT" $'(^|\n)-\t'"$old"$'\tmaster\t-\t0\t-\t-\t-\t-\t-\t-\t(fail,|pfail,)?noaddr\t-\t-\n' \
	"its row: no address, not asked (no 'down'), flagged noaddr"
like "$OUT" "node ${old:0:12} has no address" "it is named on stderr"
exit_is 1 "info exits 1" rc-dist -p info
like "$OUT" '0 in handshake, 1 without address, 1 not ok' "info counts one node without an address"

# --- TSV fields are never cut ------------------------------------------------------------

# Every odd slot unassigned: each master owns ~2730 single-slot ranges, and
# the unassigned row has 8192 of them.  Each master drops its own first, so
# that none claims them any more when the others drop them from their views.
is "$(rc-dist slots 2>/dev/null | grep '^127' | cut -f5 | paste -sd' ')" "0-5460 5461-10922 10923-16383" \
	"three masters with their ranges"
# delslots PORT FIRST LAST...: PORT forgets the odd slots of FIRST..LAST.
delslots() {
	local p=$1
	shift
	{
		printf 'CLUSTER DELSLOTS'
		while (($#)); do
			printf ' %d' $(seq $(($1 | 1)) 2 "$2")
			shift 2
		done
		echo
	} | rcli "$p" | grep -qx OK
}
ok "$BASE drops its odd slots" delslots $BASE 0 5460
ok "$((BASE + 1)) drops its odd slots" delslots $((BASE + 1)) 5461 10922
ok "$((BASE + 2)) drops its odd slots" delslots $((BASE + 2)) 10923 16383
ok "$BASE drops the others'" delslots $BASE 5461 16383
ok "$((BASE + 1)) drops the others'" delslots $((BASE + 1)) 0 5460 10923 16383
ok "$((BASE + 2)) drops the others'" delslots $((BASE + 2)) 0 10922
odd_gone() { [[ $(rcli "$BASE" CLUSTER INFO | tr -d '\r' | grep slots_assigned) == cluster_slots_assigned:8192 ]]; }
ok "the seed sees 8192 slots assigned" retry 30 odd_gone
# 500 of the seed's slots migrating: an open column of ~10 KB.
mig=$(rcli $((BASE + 1)) CLUSTER MYID)
open_many() {
	[[ $(seq 0 2 998 | sed "s/.*/CLUSTER SETSLOT & MIGRATING $mig/" |
		rcli "$BASE" | grep -c OK) == 500 ]]
}
ok "500 slots open" open_many
# same GOT WANT DESC: is, for strings too long to show whole.
same() {
	[[ $1 == "$2" ]] && {
		pass "$3"
		return
	}
	fail "$3"
	diag "  got ${#1} bytes ending '${1: -30}'"
	diag "  expected ${#2} bytes ending '${2: -30}'"
}
rc-dist -T slots >"$T/slots" 2>"$T/slots.err"
row=$(grep "^127.0.0.1:$BASE	" "$T/slots")
same "$(cut -f5 <<<"$row")" "$(seq -s, 0 2 5460)" "the seed's ranges, whole ($(seq -s, 0 2 5460 | wc -c) bytes)"
want=$(seq 0 2 998 | sed "s/\$/>127.0.0.1:$((BASE + 1))/" | paste -sd,)
same "$(cut -f6 <<<"$row")" "$want" "its open slots, whole (${#want} bytes)"
same "$(grep '^-	-	' "$T/slots" | cut -f5)" "$(seq -s, 1 2 16383)" "the unassigned ranges, whole"
unlike "$(cat "$T/slots")" '\.\.\.' "no field ends in '...'"
rc-dist -p slots >"$T/pretty" 2>/dev/null
like "$(cat "$T/pretty")" '\.\.\.' "the pretty form may cut them"
like "$(cat "$T/slots.err")" 'open slots.*\.\.\.' "and so may a message"

done_testing
