#!/usr/bin/env bash
# The course labs on sizing and tuning (16, 17, 28, 58) run non-interactively
# against a cluster of their own, as `make check` runs them; each must leave
# the keys, the slot map, the nodes and every setting as it found them.
# Ports 17400-17405, node timeout 2000 ms; 17406 for the node labs 17 and 28
# add; lab 16's standalone server takes the first free port from 17440.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17400
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
# shellcheck source=tests/cli/ha-labs.sh
. "$(dirname "$0")/ha-labs.sh"

KNOBS='cluster-node-timeout cluster-replica-validity-factor repl-ping-replica-period cluster-migration-barrier cluster-allow-replica-migration cluster-require-full-coverage cluster-allow-reads-when-down'
# state: what every lab must leave as it found it: the keys on the masters,
# the nodes with their roles and slot ranges, and the settings of every node
# of the cluster.  (L holds the output of the last lab: ok and is overwrite OUT.)
state() {
	local p k t=0
	# (rc-failover status deletes its heartbeat keys: every key counts.)
	for p in $BASE $((BASE + 1)) $((BASE + 2)); do
		t=$((t + $(rcli "$p" DBSIZE)))
	done
	echo "keys $t"
	lab_map
	for p in $PORTS; do
		for k in $KNOBS; do echo "$p $k $(rcli "$p" CONFIG GET "$k" | sed -n 2p)"; done
	done
}
PORTS=$(cluster_ports)
start=$(state)
# back N: the cluster is as the lab found it.
back() { is "$(state)" "$start" "$1: keys, slot map, nodes and settings as the lab found them"; }
# num TEXT REGEX: the first group of REGEX in TEXT.
num() { [[ $1 =~ $2 ]] && echo "${BASH_REMATCH[1]}"; }

lab 16-cluster-vs-single-node
L=$OUT
like "$L" "== Lab 16: cluster vs single node ==" "16: the title"
like "$L" $'\\$ nproc\n'"$(nproc)"$'\n' "16: prints the machine's cores"
is "$(grep -c '^"SET","[0-9.]*"' <<<"$L")" 2 "16: a SET row for the single node and one for the cluster"
is "$(grep -c '^"GET","[0-9.]*"' <<<"$L")" 2 "16: and a GET row each"
like "$L" $'\nredis_version:' "16: the standalone server says what it is"
# The side-by-side table and the ratio said under it agree.
read -r _ _ sset sget < <(grep -E '^single node +[0-9]+ +[0-9]+$' <<<"$L")
read -r _ _ _ kset kget < <(grep -E '^cluster \(3 m\) +[0-9]+ +[0-9]+$' <<<"$L")
ratio=$(awk -v a="${kset:-0}" -v b="${sset:-1}" 'BEGIN { printf "%.2f", a / b }')
rget=$(awk -v a="${kget:-0}" -v b="${sget:-1}" 'BEGIN { printf "%.2f", a / b }')
like "$L" "the cluster did ${ratio}x the single node's SETs and ${rget}x its GETs" \
	"16: the ratios said are the table's ($kset / $sset, $kget / $sget)"
met() { ((${1:-0} >= 100000)) && echo met || echo 'NOT met'; }
like "$L" "target of 100,000 operations a second, by the cluster: $(met "$kset") for SET, $(met "$kget") for GET" \
	"16: the 100k target, met or not, as the table says"
is "$(grep -cE '^  127\.0\.0\.1:1740[0-5] +(master|replica) +[0-9.]+ s$' <<<"$L")" 6 "16: the CPU seconds of every node of the cluster"
is "$(grep -cE '^  (other processes|idle) +- +[0-9.]+ s$' <<<"$L")" 4 "16: and of the rest of the machine, for each run"
# What the lab concludes follows from its table: idle under 15% of the
# core-seconds is CPU-bound.
cap=$(num "$L" $'\ncluster run: [0-9.]+ s wall, ([0-9.]+) core-seconds on '"$(nproc)"' cores')
idle=$(grep -E '^  idle +- +[0-9.]+ s$' <<<"$L" | tail -n1 | awk '{ print $3 }')
if awk -v i="${idle:-0}" -v c="${cap:-1}" 'BEGIN { exit !(i < 0.15 * c) }'; then
	like "$L" "the cores were busy almost all the time: on this machine CPU is the limit" "16: CPU-bound, as the table says ($idle of $cap s idle)"
else
	like "$L" "the cores were idle $(awk -v i="$idle" -v c="$cap" 'BEGIN { printf "%.0f", 100 * i / c }')% of the time" \
		"16: not CPU-bound, as the table says ($idle of $cap s idle)"
fi
sp=$(num "$L" 'A standalone [a-z-]+ on port ([0-9]+)')
like "$sp" '^174[4-5][0-9]$' "16: the standalone server took a port from 17440 ($sp)"
ok "16: and it is stopped" eval "! (exec 3<>/dev/tcp/127.0.0.1/${sp:-17440}) 2>/dev/null"
like "$L" "unlinked [1-9][0-9]* keys matching key:\\*" "16: deletes the benchmark's keys"
back 16

lab 17-when-to-scale
L=$OUT
like "$L" "== Lab 17: when to scale, and how many masters ==" "17: the title"
like "$L" $'\ntotal\t[1-9][0-9]*\t[0-9.]+\t[0-9]+\t[0-9]+\t0' "17: the workload ran without an error"
like "$L" "3 masters did [1-9][0-9]* operations a second in all" "17: ops per master, added up"
like "$L" "uses [0-9]+ MB (with no maxmemory|of its maxmemory)" "17: memory against its limit"
like "$L" $'cluster_size:3\r?\n' "17: the seed counts 3 voting masters"
like "$L" "masters 3  majority 2  failures survived 1" "17: 3 masters survive 1 failure"
like "$L" "masters 4  majority 3  failures survived 1" "17: 4 masters survive 1 failure, the same"
like "$L" "masters 5  majority 3  failures survived 2" "17: 5 survive 2"
like "$L" "1 more node known, and cluster_size 3: an empty master does not count" "17: an empty master does not count"
like "$L" "cluster_size 4: with one slot of 16384 it counts and votes like the others; a failover now needs 3 votes, and 1 master\\(s\\) may be down at once, against 1 with 3" \
	"17: with one slot it counts: 3 votes needed, still 1 failure survived"
like "$L" $'\ncluster_state:fail\r?\ncluster_size:4' "17: 2 of 4 masters paused: the seed says the cluster is down"
like "$L" $'\nCLUSTERDOWN ' "17: and refuses a write"
is "$(grep -cE '^127\.0\.0\.1:[0-9]+@[0-9]+ master,fail\?$' <<<"$L")" 2 "17: the paused two only suspected (fail?)"
is "$(grep -cE '^127\.0\.0\.1:[0-9]+@[0-9]+ slave$' <<<"$L")" 3 "17: no replica took over"
like "$L" "2 of 4 masters answer: not a majority \\(3\\)" "17: not a majority, it says"
like "$L" $'\ncluster_state:ok' "17: resumed, the cluster serves again"
like "$L" "unlinked [1-9][0-9]* keys matching lab17:\\*" "17: deletes its keys"
is "$(rcli $((BASE + 6)) CLUSTER INFO | tr -d '\r' | grep '^cluster_known_nodes:')" "cluster_known_nodes:1" "17: the node it added is bare again"
back 17

lab 28-scale-under-load
L=$OUT
like "$L" "== Lab 28: scaling while an application runs ==" "28: the title"
eslot=$(num "$L" $'\nlab28-[0-9]+\t([0-9]+)\t')
like "$L" $'\n'"$eslot"$'\t[0-9a-f]{40}\t[0-9a-f]{40}\t[0-9]+\t' "28: the event's slot $eslot moved under the buyers"
like "$L" $'\n4096 slots moved, [0-9]+ keys with them' "28: 4096 slots moved to the new master"
like "$L" "the master on $((BASE + 6)) owns 4096 slots now" "28: and it owns them"
like "$L" "three masters again, and 4096 slots moved back to where they were" "28: 4096 slots moved back"
like "$L" "[1-9][0-9]* rounds 0.2 s apart; in [1-9][0-9]* of them a slot was open" "28: the watch saw slots open"
peak=$(num "$L" 'peaked at ([0-9]+) slots')
ok "28: the new master's slot count, sampled, rose above 0 and stayed within 4096 ($peak)" test "${peak:-0}" -gt 0 -a "${peak:-0}" -le 4096
like "$L" $'\nerrors\t0\n' "28: the buyers saw no error"
like "$L" "[1-9][0-9]* rounds, no error" "28: and it says so"
like "$L" $'\nrequests\t[1-9][0-9]*\nok\t[1-9][0-9]*\n' "28: the buyers got holds"
like "$L" $'\ntotal\t[1-9][0-9]*\t[0-9.]+\t[0-9]+\t[0-9]+\t0' "28: the readers saw no error"
like "$L" $'\nviolations\t0\n' "28: a clean audit"
like "$L" "unlinked [1-9][0-9]* keys matching lab28:\\*" "28: deletes the readers' keys"
like "$L" "deleted the 1 events this lab made" "28: and its event"
like "$L" $'check && echo clean\nclean' "28: the cluster checks clean"
is "$(rcli $((BASE + 6)) CLUSTER INFO | tr -d '\r' | grep '^cluster_known_nodes:')" "cluster_known_nodes:1" "28: the node it added is bare again"
back 28

lab 58-tuning-knobs
L=$OUT
like "$L" "== Lab 58: tuning knobs ==" "58: the title"
is "$(grep -cE '^ +6 cluster-[a-z-]+	|^ +6 repl-ping-replica-period	' <<<"$L")" 7 "58: each setting, one value on all 6 nodes"
f1=$(num "$L" 'every master had it FAIL ([0-9]+) ms after it, with a node timeout of 2000 ms')
f2=$(num "$L" 'FAIL on every master after ([0-9]+) ms, against [0-9]+ ms with 2000 ms')
# Nobody flags a node before its timeout (less a ping in flight).
ok "58: FAIL after the 2000 ms timeout ($f1 ms)" test "${f1:-0}" -ge 1800
ok "58: FAIL after the 4000 ms timeout ($f2 ms)" test "${f2:-0}" -ge 3800
is "$(grep -cE $'^127\\.0\\.0\\.1:1740[0-5]\tfail\\? at (-|[0-9]+) ms\tfail at [0-9]+ ms$' <<<"$L")" 6 "58: each of 3 masters flagged it, twice"
like "$L" "here: 2000 ms x 10 \\+ 10 s = 30000 ms" "58: the validity arithmetic from the settings"
like "$L" "no master has more than 1 replica\\(s\\): none can give one away" "58: no spare replica to migrate"
like "$L" "full coverage is required here" "58: full coverage"
like "$L" $'\nno setting changed$' "58: every setting is back"
ok "58: the cluster is whole after the lab" retry 60 whole
back 58

done_testing
