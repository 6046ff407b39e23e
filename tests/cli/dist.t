#!/usr/bin/env bash
# rc-dist against a real 3+3 cluster: nodes, info, slots, keys (live, SCAN,
# a sample, stdin), hot, watch, pretty output, bad input, open, half-moved and
# unassigned slots, a hung, a password-protected and a failed replica, and a
# master that is down.  Ports 15200-15205 (15210 for a plain server).
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15200
cluster_up $BASE 3 1 5000 >/dev/null || bail_file "no cluster"
ok "the cluster is ok" cluster_wait_ok 30

# load FILE: SET every key of FILE (one a line) on its master, one --pipe each;
# FILE.tsv keeps rc-slot -n's rows.
load() {
	local port
	rc-slot -n <"$1" >"$1.tsv" || return 1
	for port in $(cluster_ports); do
		awk -F'\t' -v a="127.0.0.1:$port" '$3 == a {
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", length($1), $1 }' \
			"$1.tsv" | rcli "$port" --pipe >/dev/null || return 1
	done
}
field() { awk -F'\t' -v f="$1" '{ print $f }'; }
masters() { rcli $BASE CLUSTER NODES | awk '$3 ~ /master/ { a = $2; sub(/@.*/, "", a); print a }' | sort; }
dbsize() { rcli "${1##*:}" DBSIZE; }
dbsizes() {
	local m t=0
	for m in $(masters); do t=$((t + $(dbsize "$m"))); done
	echo "$t"
}
# keys_are_dbsize ROWS: every master's keys column is its DBSIZE ("" if so);
# other lines (the unassigned row, warnings) are passed over.
keys_are_dbsize() {
	local addr n bad=
	while IFS=$'\t' read -r addr _ n _; do
		[[ $addr =~ ^127\.0\.0\.1:[0-9]+$ ]] || continue
		[[ $n == "$(dbsize "$addr")" ]] || bad+=" $addr:$n!=$(dbsize "$addr")"
	done <<<"$1"
	echo "$bad"
}
sum_keys() { awk -F'\t' '{ s += $3 } END { print s + 0 }' <<<"$1"; }
info_field() { rcli "$1" CLUSTER INFO | tr -d '\r' | sed -n "s/^$2://p"; }

# --- usage and bad input ----------------------------------------------------
exit_is 0 "-h exits 0" rc-dist -h
like "$OUT" "^usage: rc-dist" "and prints usage"
exit_is 0 "-V exits 0" rc-dist -V
like "$OUT" "^rc-dist [0-9]" "and prints the version"
exit_is 2 "no view is a usage error" rc-dist
like "$OUT" "rc-dist: no view given" "saying a view is missing"
exit_is 2 "an unknown view is a usage error" rc-dist frobnicate
like "$OUT" "rc-dist: unknown view 'frobnicate'" "naming the view"
like "$OUT" "usage: rc-dist" "with the usage"
exit_is 2 "an unknown option is a usage error" rc-dist --frobnicate nodes
like "$OUT" "usage: rc-dist" "with the usage"
exit_is 2 "-w 0 is a usage error" rc-dist -w 0 nodes
exit_is 2 "-m on the slots view is a usage error" rc-dist -m 'x*' slots
exit_is 2 "stdin cannot be watched" rc-dist -w 1 keys -
exit_is 2 "stdin takes no keys -n" rc-dist -n 5 keys -
exit_is 2 "hot -m with a slot is a usage error" rc-dist hot -m 'x*' 100
like "$OUT" "rc-dist: hot: -m cannot go with a slot" "saying GETKEYSINSLOT takes no pattern"
exit_is 2 "nodes takes no argument" rc-dist nodes extra
exit_is 3 "an unreachable seed exits 3" rc-dist -c 127.0.0.1:15299 nodes
like "$OUT" "^rc-dist: cannot read the cluster: 127\.0\.0\.1:15299: Connection refused" "with a clear message"

redis-server --port 15210 --bind 127.0.0.1 --save '' --appendonly no --dir "$T" \
	--logfile "$T/plain.log" </dev/null >/dev/null 2>&1 &
plain=$!
disown "$plain"
at_exit "kill -KILL $plain"
plain_up() { [[ $(rcli 15210 PING 2>/dev/null) == PONG ]]; }
ok "a plain redis-server runs on 15210" retry 10 plain_up
exit_is 3 "a plain redis-server exits 3" rc-dist -c 127.0.0.1:15210 slots
like "$OUT" "is not a cluster node" "saying it is not a cluster"

# --- data: 3000 sequential keys, 200 under one tenant tag, 100 users -------
seq 1 3000 | sed 's/^/order:/' >"$T/keys"
seq 1 200 | sed 's/^/{tenant:acme}:item:/' >>"$T/keys"
seq 1 100 | sed 's/^/user:/' >>"$T/keys"
ok "3300 keys loaded" load "$T/keys"
total=0
for m in $(masters); do total=$((total + $(dbsize "$m"))); done
is "$total" 3300 "the masters hold 3300 keys"

# --- nodes ------------------------------------------------------------------
exit_is 0 "nodes exits 0 on a healthy cluster" rc-dist nodes
nodes=$OUT
is "$(grep -c . <<<"$nodes")" 6 "nodes has a row per node"
is "$(awk -F'\t' 'NF != 14' <<<"$nodes")" "" "each with 14 columns"
is "$(field 3 <<<"$nodes" | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" "3 master 3 replica " "3 masters and 3 replicas"
is "$(awk -F'\t' '$3 == "master" { print $1 }' <<<"$nodes" | sort)" "$(masters)" "the masters are the cluster's masters"
is "$(awk -F'\t' '{ s += $5 } END { print s }' <<<"$nodes")" 16384 "their slots add up to 16384"
bad=
while IFS=$'\t' read -r addr id role master _ keys _; do
	[[ $id == "$(rcli "${addr##*:}" CLUSTER MYID)" ]] || bad+=" id:$addr"
	[[ $keys == "$(dbsize "$addr")" ]] || bad+=" keys:$addr"
	if [[ $role == replica ]]; then
		grep -q "^$master"$'\t[0-9a-f]*\tmaster\t' <<<"$nodes" || bad+=" master:$addr"
	fi
done <<<"$nodes"
is "$bad" "" "ids, key counts and masters agree with the nodes themselves"
is "$(field 11 <<<"$nodes" | sort -u)" ok "every node says cluster_state ok"
is "$(field 12 <<<"$nodes" | sort -u)" ok "every node's flags are ok"
like "$(awk -F'\t' '$3 == "replica" { print $9 }' <<<"$nodes" | sort -u | tr '\n' ' ')" '^([0-9]+ )+$' "replicas show their lag in bytes"
is "$(awk -F'\t' '$3 == "master" { print $9 $10 }' <<<"$nodes" | sort -u)" "--" "masters have no lag"
ok "-H adds a header" rc-dist -H nodes
is "$(head -n1 <<<"$OUT")" $'#addr\tid\trole\tmaster\tslots\tkeys\tmemory\tops\tlag\tlag_s\tstate\tflags\tserver\tversion' "the header names the columns"
ok "-p prints a table" rc-dist -p nodes
like "$OUT" "NODE +ID +ROLE" "with a header row"
like "$OUT" "cluster: ok, slots 16384 assigned, 16384 ok" "and the cluster's state under it"

# --- info -------------------------------------------------------------------
exit_is 0 "info exits 0" rc-dist info
like "$OUT" $'^ok\t16384\t16384\t0\t0\t6\t3\t3\t3\t0\t3300\t'"$RC_SERVER"' [0-9.]+$' "info: state, slots, nodes, keys, the server"

# --- slots ------------------------------------------------------------------
exit_is 0 "slots exits 0" rc-dist slots
slots=$OUT
is "$(grep -c . <<<"$slots")" 3 "slots has a row per master"
bad=
while IFS=$'\t' read -r addr id n pct ranges open flags; do
	want=$(rcli "${addr##*:}" CLUSTER NODES | awk '/myself/ { r = ""; for (i = 9; i <= NF; i++) r = r (r ? "," : "") $i; print r }')
	[[ $ranges == "$want" ]] || bad+=" $addr:$ranges!=$want"
	[[ $open == - && $flags == ok ]] || bad+=" $addr:$open:$flags"
	[[ $id == "$(rcli "${addr##*:}" CLUSTER MYID)" ]] || bad+=" $addr:id"
	[[ $pct == "$(awk -v n="$n" 'BEGIN { printf "%.1f", 100 * n / 16384 }')" ]] || bad+=" $addr:pct"
done <<<"$slots"
is "$bad" "" "ranges, ids and percentages are the masters' own"
ok "-p slots draws bars" rc-dist -p slots
like "$OUT" "█" "with bar blocks"

# --- keys: live -------------------------------------------------------------
exit_is 0 "keys exits 0" rc-dist keys
keys=$OUT
is "$(awk -F'\t' 'NF != 7' <<<"$keys")" "" "keys rows have 7 columns"
is "$(keys_are_dbsize "$keys")" "" "live counts equal each master's DBSIZE"
is "$(awk -F'\t' '{ s += $3; p += $4 } END { print s, (p > 99.8 && p < 100.2) }' <<<"$keys")" "3300 1" "they add up to 3300 and 100%"
dev_sum=$(awk -F'\t' '{ s += $5 } END { printf "%.0f", s }' <<<"$keys")
like "$dev_sum" '^-?[01]$|^-0$' "deviations from even add up to about 0"

# --- keys: SCAN MATCH and LIMIT ------------------------------------------------
exit_is 0 "keys -m user:* exits 0" rc-dist keys -m 'user:*'
bad=
while IFS=$'\t' read -r addr _ n _; do
	want=$(rcli "${addr##*:}" --scan --pattern 'user:*' | wc -l)
	[[ $n == "$want" ]] || bad+=" $addr:$n!=$want"
done <<<"$OUT"
is "$bad" "" "pattern counts equal redis-cli --scan on each master"
is "$(awk -F'\t' '{ s += $3 } END { print s }' <<<"$OUT")" 100 "100 users in all"

# --- keys -: rc-slot rows from stdin --------------------------------------------
seq 1 1000 | sed 's/^/order:/' | rc-slot -n >"$T/plan"
ok "rc-slot | rc-dist keys - exits 0" sh -c "cut -f1,2 '$T/plan' | rc-dist keys -"
is "$(cut -f1,3 <<<"$OUT" | sort)" "$(cut -f3 "$T/plan" | sort | uniq -c | awk '{ print $2 "\t" $1 }')" \
	"stdin counts match rc-slot -n's owners"
ok "one tag puts everything on one master" sh -c "seq 1 500 | sed 's/^/{tenant:big}:/' | rc-slot | rc-dist keys -"
is "$(awk -F'\t' '$3 == 500 { print $4 }' <<<"$OUT")" "100.0" "500 keys, 100% on one master"
is "$(awk -F'\t' '$3 == 0' <<<"$OUT" | grep -c .)" 2 "none on the others"
exit_is 2 "a slot out of range is bad input" sh -c "printf 'a\t1\nb\t16384\n' | rc-dist keys -"
like "$OUT" "^rc-dist: <stdin>:2: slot '16384' is not a number in 0\.\.16383" "naming the line"
exit_is 2 "a slot that is no number is bad input" sh -c "printf '# c\n\na\tx1\n' | rc-dist keys -"
like "$OUT" "^rc-dist: <stdin>:3: slot 'x1'" "counting comments and blank lines"
exit_is 2 "a row without a slot is bad input" sh -c "printf 'order:1\n' | rc-dist keys -"
like "$OUT" "^rc-dist: <stdin>:1: expected key<TAB>slot" "saying what was expected"

# --- hot ----------------------------------------------------------------------
hslot=$(rc-slot '{tenant:acme}' | cut -f2)
hn=$(rcli $BASE CLUSTER COUNTKEYSINSLOT "$hslot")
exit_is 0 "hot exits 0" rc-dist hot -n 3
# Valkey 8 has SLOT-STATS with its cpu and network statistics off: said on
# stderr (servers.t tests it with them on).
if server_is valkey; then
	like "$OUT" "statistics are off on 3 of 3 masters" "valkey: the statistics are off, said on stderr"
	OUT=$(grep -v '^rc-dist:' <<<"$OUT")
else
	unlike "$OUT" "rc-dist:" "redis: nothing on stderr"
fi
is "$(grep -c . <<<"$OUT")" 3 "-n 3 gives 3 rows"
is "$(head -n1 <<<"$OUT" | cut -f1,2)" "$hslot"$'\t'"$hn" "the tenant's slot is the hottest"
owner=$(rc-slot -n '{tenant:acme}' | cut -f3)
is "$(head -n1 <<<"$OUT" | cut -f3-)" "$owner"$'\t-\t-\t-' "with its owner (no cpu or network figures)"
ok "hot SLOT samples keys" rc-dist hot -n 5 "$hslot"
is "$(grep -c . <<<"$OUT")" 5 "5 keys"
is "$(cut -f2,3 <<<"$OUT" | sort -u)" "$hslot"$'\t'"$owner" "all from that slot and its owner"
is "$(cut -f1 <<<"$OUT" | grep -vc '^{tenant:acme}:item:')" 0 "and they are the tenant's keys"
m=$(masters | head -n1)
ok "hot NODE samples keys" rc-dist hot -n 4 "$m"
is "$(grep -c . <<<"$OUT")" 4 "4 keys"
is "$(cut -f1 <<<"$OUT" | rc-slot -n | cut -f3 | sort -u)" "$m" "all owned by that node"
exit_is 2 "hot of no such node is a usage error" rc-dist hot 127.0.0.1:1
ok "hot - ranks stdin" sh -c "cut -f1,2 '$T/keys.tsv' | rc-dist hot -n 1 -"
is "$(cut -f1,2 <<<"$OUT")" "$hslot"$'\t'"$hn" "stdin finds the same hot slot"

# --- keys -n: a sample of an uneven cluster ----------------------------------------
# skew:N keys: every one that lands on the first master, one in four of the
# others'; with the 3300 keys above the first master holds about half of all
# keys and two thirds of skew:*.  A sample must estimate that spread, not
# give every master the same share of it.
m1=$(masters | head -n1)
seq 1 6000 | sed 's/^/skew:/' | rc-slot -n |
	awk -F'\t' -v a="$m1" '$3 == a || NR % 4 == 0 { print $1 }' >"$T/skew"
ok "$(grep -c . "$T/skew") skew keys loaded" load "$T/skew"
ok "exact live counts" rc-dist keys
exact=$OUT
like "$(awk -F'\t' -v a="$m1" '$1 == a { print $4 }' <<<"$exact")" '^(4[5-9]|5[0-5])\.' \
	"the first master holds about half of the keys"
ok "keys -n 600: a sample" rc-dist keys -n 600
is "$(keys_are_dbsize "$OUT")" "" "without -m every key matches: the estimate is each master's DBSIZE"
is "$(cut -f1,3,4 <<<"$OUT")" "$(cut -f1,3,4 <<<"$exact")" "so its counts and percentages are the exact ones"
ok "keys -m skew:* to the end" rc-dist keys -m 'skew:*'
exact=$OUT
like "$(awk -F'\t' -v a="$m1" '$1 == a { print $4 }' <<<"$exact")" '^(6[0-9]|7[0-3])\.' \
	"the first master holds about two thirds of skew:*"
ok "keys -m skew:* -n 900: a sample" rc-dist keys -m 'skew:*' -n 900
sample=$OUT
# Each master's share is estimated from 150 to 600 keys found; its standard
# error is under 2 points, so 5 points is well outside chance, while equal
# shares from every master (the old sampling) were 15 points or more off here.
is "$(join -t $'\t' <(cut -f1,4 <<<"$exact" | sort) <(cut -f1,4 <<<"$sample" | sort) |
	awk -F'\t' '{ d = $2 - $3; if (d > 5 || d < -5) print $1, $2, $3 }')" "" \
	"each master's sampled percentage is within 5 points of the exact one"
is "$(join -t $'\t' <(cut -f1,3 <<<"$exact" | sort) <(cut -f1,3 <<<"$sample" | sort) |
	awk -F'\t' '{ d = $3 / $2 - 1; if (d > 0.25 || d < -0.25) print $1, $2, $3 }')" "" \
	"and its estimated count within 25% of the exact one"
ok "-p says the counts are an estimate" rc-dist -p keys -m 'skew:*' -n 900
like "$OUT" "about [0-9]+ keys, estimated from (9[0-9][0-9]|1[0-9]{3}) found by SCAN in [0-9]+% of each master's keys" \
	"and from what"
ok "a limit above the matches scans to the end" rc-dist -p keys -m 'user:*' -n 1000
like "$OUT" $'\n100 keys found by SCAN' "exact again"

# --- watch ------------------------------------------------------------------
now=$(date +%s)
ok "-w 0.2 --count 3 info" rc-dist -H -w 0.2 --count 3 info
is "$(grep -c '^#ts'$'\t''state' <<<"$OUT")" 1 "one header"
is "$(grep -vc '^#' <<<"$OUT")" 3 "three rows"
is "$(grep -v '^#' <<<"$OUT" | awk -F'\t' -v t="$now" '$1 >= t && $1 < t + 60 && $2 == "ok" && NF == 13' | grep -c .)" 3 \
	"each starts with a unix time"
ok "-p -w redraws in place" rc-dist -p -w 0.2 --count 2 slots
is "$(grep -o $'\033\[H' <<<"$OUT" | grep -c .)" 2 "two frames, each from the top"
like "$OUT" "Every 0.2s: rc-dist slots" "under a heading"
exit_is 2 "--count without -w is a usage error" rc-dist --count 2 nodes

# --- stdout is checked --------------------------------------------------------
exit_is 2 "a full disk is an error" sh -c 'rc-dist nodes >/dev/full'
like "$OUT" "write error" "that is reported"

# --- open and unassigned slots -----------------------------------------------
owner0=$(rc-slot -n '{tenant:acme}' | cut -f3)
other=$(masters | grep -vx "$owner0" | head -n1)
oid=$(rcli "${other##*:}" CLUSTER MYID)
sid=$(rcli "${owner0##*:}" CLUSTER MYID)
hn=$(rcli "${owner0##*:}" CLUSTER COUNTKEYSINSLOT "$hslot")
total=$(dbsizes)
# Half a move by hand, as rc-reshard does it: importing on the target,
# migrating on the source, then 50 of the slot's keys MIGRATEd.
migrate() { # migrate FROM TO N: N keys of slot $hslot, FROM -> TO
	local k
	mapfile -t k < <(rcli "${1##*:}" CLUSTER GETKEYSINSLOT "$hslot" "$3")
	[[ ${#k[@]} -eq $3 ]] || return 1
	# The importing side serves the slot only after ASKING.
	printf '%s\n' ASKING "MIGRATE ${2%:*} ${2##*:} \"\" 0 5000 KEYS ${k[*]}" |
		rcli "${1##*:}" | tail -n1 | grep -qx OK
}
# setslot NODE STATE: CLUSTER SETSLOT $hslot STATE [peer] on NODE.
setslot() { rcli "${1##*:}" CLUSTER SETSLOT "$hslot" "${@:2}" | grep -qx OK; }
ok "slot $hslot importing on $other" setslot "$other" IMPORTING "$sid"
ok "slot $hslot migrating on $owner0" setslot "$owner0" MIGRATING "$oid"
ok "50 keys of slot $hslot moved" migrate "$owner0" "$other" 50
is "$(rcli "${other##*:}" CLUSTER COUNTKEYSINSLOT "$hslot")" 50 "the target holds 50 of them"
ok "slots with an open slot" rc-dist slots
like "$(grep "^$owner0"$'\t' <<<"$OUT" | cut -f6)" "^$hslot>$other\$" "shows it migrating to its peer"
like "$(grep "^$other"$'\t' <<<"$OUT" | cut -f6)" "^$hslot<$owner0\$" "and importing on the peer"
like "$OUT" "has open slots" "and warns"
exit_is 0 "keys during the move exits 0" rc-dist keys
keys=$OUT
is "$(keys_are_dbsize "$keys")" "" "each master's count is its DBSIZE: the moved keys count for the target"
is "$(sum_keys "$keys")" "$total" "and they add up to the masters' DBSIZE"
like "$OUT" "the keys of an open slot are counted for the node that holds them" "saying so"
ok "hot during the move" rc-dist hot -n 0
is "$(awk -F'\t' -v s="$hslot" '$1 == s { print $2 "\t" $3 }' <<<"$OUT")" "$hn"$'\t'"$owner0" \
	"the slot's keys are counted on both sides, for its owner"
ok "the source is stable again" setslot "$owner0" STABLE
ok "the 50 keys moved back" migrate "$other" "$owner0" 50
ok "the target is stable again" setslot "$other" STABLE
is "$(rcli "${owner0##*:}" CLUSTER COUNTKEYSINSLOT "$hslot")" "$hn" "the slot is whole again"
# Keys left on a node that no longer owns their slot (a move whose last step
# was lost) are found by its DBSIZE.
strand() {
	setslot "$other" IMPORTING "$sid" && setslot "$owner0" MIGRATING "$oid" &&
		migrate "$owner0" "$other" 5 && setslot "$owner0" STABLE && setslot "$other" STABLE
}
ok "5 keys moved, and the slot closed on both sides" strand
exit_is 0 "keys with stray keys exits 0" rc-dist keys
is "$(keys_are_dbsize "$OUT")" "" "the stray keys count for the node that holds them"
like "$OUT" "rc-dist: $other holds 5 keys of slots it does not own: $hslot" "and are named"
# They go back the way they came: importing again, then MIGRATE with ASKING.
unstrand() { setslot "$other" IMPORTING "$sid" && migrate "$other" "$owner0" 5 && setslot "$other" STABLE; }
ok "the stray keys moved back" unstrand
is "$(rcli "${owner0##*:}" CLUSTER COUNTKEYSINSLOT "$hslot")" "$hn" "the slot is whole again"

# The seed gives up a slot of its own and takes it back: same node, same epoch.
is "$(rc-dist -T slots | awk -F'\t' '$5 ~ /^0-/ { print $1 }')" "127.0.0.1:$BASE" "the seed owns slot 0"
ok "slot 0 deleted on the seed" rcli $BASE CLUSTER DELSLOTS 0
exit_is 1 "slots exits 1 with an unassigned slot" rc-dist slots
like "$OUT" $'\n-\t-\t1\t0\\.0\t0\t-\tunassigned' "with a row for it"
like "$OUT" "1 slots are not assigned to any master: 0" "and a warning"
ok "slot 0 given back" rcli $BASE CLUSTER ADDSLOTS 0
state_ok() { [[ $(info_field $BASE cluster_state) == ok ]]; }
ok "the seed is ok again" retry 20 state_ok
ok "slots is healthy again" rc-dist slots
# Now a slot that holds keys.
kslot=$(rc-dist -T hot -n 0 | awk -F'\t' -v a="127.0.0.1:$BASE" '$3 == a { print $1; exit }')
kn=$(rcli $BASE CLUSTER COUNTKEYSINSLOT "$kslot")
ok "slot $kslot ($kn keys) deleted on the seed" rcli $BASE CLUSTER DELSLOTS "$kslot"
exit_is 1 "keys exits 1 with an unassigned slot" rc-dist keys
keys=$OUT
like "$keys" $'\n-\t-\t'"$kn"$'\t[0-9.]+\t-\t1\tunassigned' "its keys have a row of their own"
like "$keys" "1 slots are not assigned to any master: $kslot" "and a warning"
is "$(sum_keys "$keys")" "$total" "the counts still add up to the masters' DBSIZE"
exit_is 1 "keys -m '*' exits 1 too" rc-dist keys -m '*'
like "$OUT" $'\n-\t-\t'"$kn"$'\t[0-9.]+\t-\t1\tunassigned' "with the same row"
exit_is 1 "hot exits 1 too" rc-dist hot
like "$OUT" "1 slots are not assigned to any master: $kslot" "with the warning"
ok "slot $kslot given back" rcli $BASE CLUSTER ADDSLOTS "$kslot"
ok "the seed is ok again" retry 20 state_ok

# --- replicas: hung, behind a password, failed ----------------------------------
rep=$(rcli $BASE CLUSTER NODES | awk '$3 ~ /slave/ { a = $2; sub(/@.*/, "", a); print a; exit }')
ok "replica $rep paused" cluster_cmd pause "${rep##*:}"
exit_is 1 "nodes with a hung replica exits 1" rc-dist --timeout 0.5 nodes
like "$OUT" "rc-dist: $rep: no reply within 0.5 s \\(timeout\\)" "naming it once, as a timeout"
unlike "$OUT" "$rep: $rep" "not twice"
ok "replica $rep resumed" cluster_cmd resume "${rep##*:}"
# PFAIL is one node's suspicion, which only CLUSTER NODES shows: with a 1 s
# node timeout on the seed alone, the seed suspects a paused replica after
# 1 s while the others (5 s) cannot yet agree on FAIL.
ok "replica $rep resumed and known ok" retry 20 rc-dist nodes
ok "the seed's node timeout at 1 s" rcli $BASE CONFIG SET cluster-node-timeout 1000
at_exit "rcli $BASE CONFIG SET cluster-node-timeout 5000 >/dev/null 2>&1"
ok "replica $rep paused again" cluster_cmd pause "${rep##*:}"
rep_pfail() { rcli $BASE CLUSTER NODES | awk -v a="$rep" 'index($2, a "@") == 1 && $3 ~ /fail\?/' | grep -q .; }
ok "the seed suspects it" retry 4 rep_pfail
exit_is 1 "nodes exits 1" rc-dist --timeout 0.3 nodes
like "$(awk -F'\t' -v a="$rep" '$1 == a { print $12 }' <<<"$OUT")" "pfail" "and shows the replica's pfail flag"
ok "replica $rep resumed" cluster_cmd resume "${rep##*:}"
ok "the seed's node timeout back at 5 s" rcli $BASE CONFIG SET cluster-node-timeout 5000
ok "replica $rep ok again" retry 20 rc-dist nodes
ok "a password on replica $rep" rcli "${rep##*:}" CONFIG SET requirepass lab-secret
exit_is 3 "a seed that wants a password exits 3" rc-dist -c "$rep" nodes
like "$OUT" "NOAUTH.*\(the password comes from RC_AUTH or --askpass, the user from RC_USER\)" \
	"saying where the password comes from"
exit_is 3 "nodes exits 3: the replica refused" rc-dist nodes
like "$OUT" "rc-dist: $rep wants a password \(NOAUTH .*\): the password comes from RC_AUTH" "with the same hint"
unlike "$OUT" "marked down" "not called down"
unpass() { RC_AUTH=lab-secret rcli "${rep##*:}" CONFIG SET requirepass ''; }
ok "no password on replica $rep" unpass
ok "replica $rep killed" cluster_cmd kill "${rep##*:}"
# FAIL, not PFAIL ("fail?"): CLUSTER SHARDS, where the topology comes from,
# says only the former.
rep_failed() { rcli $BASE CLUSTER NODES | awk -v a="$rep" 'index($2, a "@") == 1 && $3 ~ /(^|,)fail(,|$)/' | grep -q .; }
ok "and flagged fail" retry 30 rep_failed
for v in slots keys hot; do
	exit_is 1 "$v exits 1 with a failed replica" rc-dist "$v"
	like "$OUT" "rc-dist: replica $rep \(of 127\.0\.0\.1:[0-9]+\) is flagged fail" "naming it"
done
ok "replica $rep started" cluster_cmd start "${rep##*:}"
ok "the cluster is ok again" cluster_wait_ok 30
all_ok() { rc-dist slots >/dev/null 2>&1 && rc-dist keys >/dev/null 2>&1; }
ok "slots and keys are healthy again" retry 30 all_ok

# --- an ACL user that may not run CLUSTER SHARDS: the topology comes from NODES
acl_all() {
	local p
	for p in $(cluster_ports); do
		rcli "$p" ACL SETUSER "$@" >/dev/null || return 1
	done
}
ok "user noshards on every node" acl_all noshards on '>pw' '+@all' '-cluster|shards' '~*'
at_exit "for p in \$(cluster_ports); do rcli \$p ACL DELUSER noshards; done >/dev/null 2>&1"
exit_is 0 "nodes as that user" env RC_USER=noshards RC_AUTH=pw rc-dist nodes
is "$(grep -c . <<<"$OUT")" 6 "all six nodes, from CLUSTER NODES"
ok "users gone" acl_all noshards off

# --- a master down ------------------------------------------------------------
victim=$(masters | tail -n1)
ok "kill master $victim" cluster_cmd kill "${victim##*:}"
exit_is 1 "nodes exits 1 with a master down" rc-dist -T nodes
like "$OUT" "rc-dist: $victim: Connection refused \(marked down\)" "warns, naming it"
like "$OUT" "$victim"$'\t[0-9a-f]+\tmaster\t-\t[0-9]+\t-\t-\t-\t-\t-\t-\tdown\t-\t-\n' "its row is marked down, its server unknown"
is "$(grep -c $'\tok\tok\t[a-z]\+\t[0-9.]\+$' <<<"$OUT")" 5 "the other 5 nodes still answer"
exit_is 1 "keys exits 1 with a master down" rc-dist keys
is "$(grep -c $'\tok$' <<<"$OUT")" 2 "the other masters are counted"
like "$OUT" "$victim"$'\t[0-9a-f]+\t-\t-\t-' "the down one has no count"
like "$OUT" "the deviations are from an even share among the 2 masters that answered, not all 3" \
	"and the deviations are among the others, as a warning says"
exit_is 1 "info exits 1" rc-dist info
like "$(head -n1 <<<"$OUT")" $'\t1\t[0-9]+\t'"$RC_SERVER"' [0-9.]+$' "counting one node not ok"
exit_is 1 "slots exits 1" rc-dist slots
like "$OUT" "$victim"$'\t.*\tdown' "marking it"
exit_is 1 "watching nodes as TSV with a master down exits 1" rc-dist -T -w 0.2 --count 3 nodes
is "$(grep -c "^rc-dist: $victim: Connection refused" <<<"$OUT")" 1 "the warning is given once, not every round"
# Its flags may grow (down,pfail then down,fail) as gossip catches up; its
# server and version are not known.
is "$(grep -Ec "^[0-9]+"$'\t'"$victim"$'\t.*\tdown(,[a-z]+)*\t-\t-$' <<<"$OUT")" 3 \
	"the node is marked down in every round"
ok "watching as a table" sh -c 'rc-dist -p -w 0.2 --count 2 nodes 2>&1; true'
is "$(grep -c "^! $victim: Connection refused (marked down)" <<<"$OUT")" 2 "shows the warning inside each frame"

done_testing
