#!/usr/bin/env bash
# rc-dist's labs (labs/1[0-9]-*.sh) run non-interactively against a cluster of
# their own, as `make check` runs them; then labs 26 and 27, and the series'
# first half (00-19) twice (series-labs.t runs the second half).  Ports
# 15220-15225, 15226-15227 for the nodes labs 17, 20-22 add, 15240-15245 for
# lab 26's, 15260 for lab 16's server, 15280 for lab 19's node, 15290-15295 for
# lab 18's cluster.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15220
cluster_up $BASE 3 1 5000 >/dev/null || bail_file "no cluster"
ok "the cluster is ok" cluster_wait_ok 30

state() { lab_state; }
start=$(state)

lab() { run_lab "$@"; }

lab 10-understanding-the-cluster
like "$OUT" "== Understanding the cluster ==" "10: the title"
like "$OUT" $'\n *3 master\n *3 replica' "10: counts 3 masters and 3 replicas"
like "$OUT" $'\nok\t16384\t16384\t0\t0\t6\t3\t3\t3\t0\t' "10: the info row says ok"
like "$OUT" "all nodes healthy" "10: the exit status check passes"

lab 11-slot-distribution
like "$OUT" "0-5460" "11: shows the first master's range"
like "$OUT" "█" "11: draws the bars"
like "$OUT" "16384 slots assigned" "11: the slots add up"
owner=$(rc-slot -n foo | cut -f3)
is "$(grep -A1 'print \$1 } }' <<<"$OUT" | tail -n1)" "$owner" "11: awk over the ranges finds foo's master"

lab 12-key-to-slot
like "$OUT" $'\\{user:1001\\}:profile\t[0-9]+\tuser:1001' "12: the hash tag is shown"
slot=$(rc-slot '{user:lab12}' | cut -f2)
is "$(grep -c $'^{user:lab12}:[a-z]*\t'"$slot"$'\t' <<<"$OUT")" 3 "12: hot SLOT finds the three keys"
is "$(rcli_c $BASE EXISTS '{user:lab12}:cart')" 0 "12: and the lab removed them"

lab 13-analyzing-key-distribution
eslot=$(rc-slot '{event:1}' | cut -f2)
like "$OUT" "13000 keys; " "13: counts the 13000 keys written"
like "$OUT" $'\n *'"$eslot +200[0-9] +127" "13: the event's slot is the hottest, with 2000 keys"
like "$OUT" $'\n1000 keys found by SCAN' "13: SCAN MATCH to the end counts the 1000 users"
like "$OUT" $'\nabout [0-9]+ keys, estimated from [0-9]+ found by SCAN in [0-9]+% of each master\'s keys' \
	"13: a sample (-n 500: SCAN stops past 500) says its counts are an estimate"
est=$(sed -n 's/^about \([0-9]*\) keys, estimated from .*/\1/p' <<<"$OUT")
# 500 of 1000 users found among 13000 keys: the estimate of the total has
# a standard error of about 3%; 15% is five of them.
ok "13: the sample estimates about 1000 users (got $est)" test "${est:-0}" -ge 850 -a "${est:-0}" -le 1150
total=0
for p in $BASE $((BASE + 1)) $((BASE + 2)); do total=$((total + $(rcli "$p" DBSIZE))); done
is "$total" 0 "13: the lab's keys are removed at the end"

lab 14-sharding-patterns
like "$OUT" "100000 keys from stdin; balanced" "14: sequential keys spread evenly"
like "$OUT" "30000 keys from stdin; balanced" "14: UUIDs spread evenly"
like "$OUT" "3000 keys from stdin; balanced" "14: many entity tags spread evenly"
like "$OUT" "10000 keys from stdin; skewed" "14: one big tenant skews"
like "$OUT" $'\n *[0-9]+ +9000 ' "14: hot - shows the tenant's slot with 9000 keys"

lab 15-monitoring-and-alerts
is "$(grep -c $'^1[0-9]{9}\tok\t16384' <<<"$OUT")" 0 "15: (sanity) grep without -E finds nothing"
is "$(grep -Ec $'^1[0-9]{9}\tok\t16384\t' <<<"$OUT")" 3 "15: three timestamped info rows"
is "$(grep -Ec '^ +2 ALERT 127\.0\.0\.1:[0-9]+ memory' <<<"$OUT")" 6 "15: a memory alert per node, twice"
rep=$(sed -n 's/.*pause \([0-9]*\)$/\1/p' <<<"$OUT")
like "$rep" '^[0-9]+$' "15: a replica is hung ($rep)"
like "$OUT" "ALERT node 127\.0\.0\.1:$rep is down" "15: the node alert fires for it"
like "$OUT" "ALERT replica 127\.0\.0\.1:$rep lag ([2-9]|[1-9][0-9]+)s" "15: and the lag alert, over 1 s"
like "$OUT" "ALERT 127\.0\.0\.1:$BASE cluster state ok -> fail" "15: the seed's state change fires when it loses a slot"
like "$OUT" "ALERT 127\.0\.0\.1:$BASE cluster state fail -> ok" "15: and again when it has it back"
unlike "$OUT" "cluster state [a-z]* -> -" "15: a node that does not answer raises no state change"
like "$OUT" $'\nhealthy' "15: the exit status says healthy"
ok "15: the cluster is healthy after the lab" rc-dist info

# Lab 26 builds a cluster of its own from six bare nodes, on 15240-15245.
lab 26-build-from-bare-nodes
A='127\.0\.0\.1:1524[0-5]'
like "$OUT" $'\nCLUSTERDOWN Hash slot not served\n' "26: a bare node serves no key"
is "$(grep -c 'CLUSTER MEET 127\.0\.0\.1 15240$' <<<"$OUT")" 5 "26: five MEETs"
like "$OUT" $'(\n'"$A"$'@[0-9]+ (myself,)?master [0-9] connected){6}' "26: six masters know each other, none with slots"
like "$OUT" $'\ncluster_state:ok\r?\ncluster_slots_assigned:16384\r?\ncluster_size:3\r?\n' "26: ADDSLOTSRANGE makes the cluster ok"
like "$OUT" $'role:slave\r?\nmaster_port:15240\r?\nmaster_link_status:up' "26: REPLICATE makes a replica that syncs"
like "$OUT" $'1\) 1\) \(integer\) 0\n   2\) \(integer\) 5460\n   3\) 1\) "127\.0\.0\.1"\n      2\) \(integer\) 15240' "26: CLUSTER SLOTS names the master of 0-5460"
like "$OUT" '"health"' "26: CLUSTER SHARDS is shown"
slot=$(rc-slot '{lab26}' | cut -f2)
like "$OUT" "COUNTKEYSINSLOT $slot"$'\n3\n' "26: COUNTKEYSINSLOT counts the tag's 3 keys"
like "$OUT" $'GETKEYSINSLOT [0-9]+ 10\n(\\{lab26\\}:[abc]\n){3}' "26: GETKEYSINSLOT lists them"
is "$(sed -n '/-> Three masters/q; /^\$ rc-dist -c/,$p' <<<"$OUT" | grep -cE "^$A"$'\treplica\t'"$A"$'\t0$')" 3 "26: by hand: a replica under each master"
is "$(sed -n '/^\$ rc-reshard create/,$p' <<<"$OUT" | grep -cE "^$A"$'\treplica\t'"$A"$'\t0$')" 3 "26: rc-reshard create makes the same shape"
like "$OUT" $'check && echo clean\nclean\n' "26: and it checks clean"
for p in 15240 15241 15242 15243 15244 15245; do
	is "$(rcli $p CLUSTER INFO | tr -d '\r' | grep -E '^cluster_known_nodes:' )$(rcli $p DBSIZE)" "cluster_known_nodes:10" "26: node $p is bare again"
done

# The server's own default (1 MB on Redis 7.0, 10 MB on Valkey 8.0).
backlog0=$(rcli $BASE CONFIG GET repl-backlog-size | sed -n 2p)
lab 27-replica-sync
like "$OUT" $'\nslave0:ip=127\.0\.0\.1,port=1522[3-5],state=online,offset=[0-9]+,lag=[0-9]+' "27: the master's view of its replica"
like "$OUT" $'WAIT 1 1000\n1\n' "27: WAIT says one replica has the writes"
like "$OUT" $'\nmaster ([0-9]+) replica \\1\n' "27: the offsets are equal"
read -r p0 p1 < <(sed -n 's/^-> sync_partial_ok went from \([0-9]*\) to \([0-9]*\);.*/\1 \2/p' <<<"$OUT")
is "$((${p1:-0} - ${p0:-0}))" 1 "27: the link cut costs one partial resync ($p0 -> $p1)"
read -r f0 f1 < <(sed -n 's/^-> sync_full went from \([0-9]*\) to \([0-9]*\),.*/\1 \2/p' <<<"$OUT")
is "$((${f1:-0} - ${f0:-0}))" 1 "27: the gap past the backlog costs one full resync ($f0 -> $f1)"
is "$(rcli $BASE CONFIG GET repl-backlog-size | sed -n 2p)" "$backlog0" "27: the backlog size is set back"

# The first half of the series (labs 00-19; series-labs.t runs 20-49),
# twice in a row on this one cluster: every lab runs again and in any order
# because each leaves the cluster as it found it.  The first pass goes on
# from 10-15 above; 16-19 run once, in the second pass (course-labs.t and
# course-labs2.t run each of them on a cluster of their own, checking that it
# is left as found).
series() {
	local l
	for l in "$ROOT"/labs/[01][0-9]-*.sh; do
		l=${l##*/}
		l=${l%.sh}
		case $1:$l in pass1:1[0-9]-*) continue ;; esac
		lab "$l"
	done
}
series pass1
is "$(state)" "$start" "after one pass of labs 00-19: the keys, slot map and nodes it found"
series pass2
is "$(state)" "$start" "after a second pass: the same"

done_testing
