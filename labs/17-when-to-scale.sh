#!/usr/bin/env bash
# Lab 17: when to scale, and how many masters - memory and operations per
# master as the signals (rc-dist nodes), and why a majority of masters
# matters: failure detection and failover need one, so 4 masters survive one
# failed master, as 3 do; the arithmetic from the cluster's own figures, a
# 4th master that counts (and votes) once it owns a slot, and then 2 of the 4
# paused: the other 2 are no majority, and the whole cluster stops serving.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-hotkey rc-reshard redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
new=$((base + 6))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab17.XXXXXX")
gen='' paused='' other=''
cleanup() {
	[ -n "$gen" ] && kill -INT "$gen" 2>/dev/null && wait "$gen" 2>/dev/null
	# A lab stopped while two masters are paused resumes them.
	if [ -n "$paused" ]; then
		"$LAB_CLUSTER" resume "$new" >/dev/null 2>&1 || true
		[ -n "$other" ] && "$LAB_CLUSTER" resume "${other##*:}" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# size / known: cluster_size (the masters that own slots) and
# cluster_known_nodes, as the seed counts them.
info_field() {
	redis-cli -h "$host" -p "$port" CLUSTER INFO | awk -F'[:\r]' -v f="$1" '$1 == f { print $2 }'
}
size() { info_field cluster_size; }
known() { info_field cluster_known_nodes; }

title "Lab 17: when to scale, and how many masters"
say "Two things run out on a master: memory (every key of its slots lives in its RAM)" \
	"and CPU (it runs the commands of its slots on one thread). Scale out when one of" \
	"them nears its limit. First a workload to look at: rc-hotkey gen writes and reads" \
	"over 20000 key names (lab17:0 to lab17:19999) at 3000 operations a second, in the" \
	"background, for 6 s."
lab_snapshot
run "rc-hotkey gen --prefix lab17: --keys 20000 --reads 50 -r 3000 -d 6 --value-size 512 >'$tmp/gen' 2>&1 &"
gen=$!
# It runs once it has printed its first second.
lab_until 30 grep -q '^[0-9]' "$tmp/gen"
say "While it runs, three rounds of rc-dist nodes a second apart (-w 1 --count 3); the last" \
	"round, cut to address, role, slots, keys, memory (bytes) and ops (a second):"
run "rc-dist -T -w 1 --count 3 nodes >'$tmp/nodes' 2>/dev/null || true"
last=$(awk -F'\t' 'END { print $1 }' "$tmp/nodes")
awk -F'\t' -v t="$last" '$1 == t' "$tmp/nodes" | cut -f2- >"$tmp/now"
run "cut -f1,3,5,6,7,8 '$tmp/now'"
run "wait $gen || true"
gen=
run "grep '^total' '$tmp/gen'"
pause

# The masters' figures.
read -r nm keys ops busiest bops bigmem bigaddr < <(awk -F'\t' '$3 == "master" && $5 > 0 {
	n++; k += $6; o += $8
	if ($8 >= bo) { bo = $8; b = $1 }
	if ($7 >= bm) { bm = $7; ba = $1 } }
	END { printf "%d %d %d %s %d %d %s\n", n, k, o, b, bo, bm, ba }' "$tmp/now")
share=$(awk -v a="$bops" -v o="$ops" 'BEGIN { printf "%.0f", o ? 100 * a / o : 0 }')
observe "$nm masters did $ops operations a second in all; the busiest, $busiest, $bops ($share%)."
maxmem=$(redis-cli -h "${bigaddr%:*}" -p "${bigaddr##*:}" CONFIG GET maxmemory | sed -n 2p)
ram=$(awk '$1 == "MemTotal:" { printf "%d\n", $2 / 1024 }' /proc/meminfo)
say "Memory: the largest master, and its limit (CONFIG GET maxmemory; 0 means none, and then" \
	"the limit is the machine's RAM, shared with every other process):"
run "redis-cli -h ${bigaddr%:*} -p ${bigaddr##*:} CONFIG GET maxmemory"
if [ "$maxmem" = 0 ]; then
	run "grep MemTotal /proc/meminfo"
	observe "$bigaddr uses $((bigmem / 1048576)) MB with no maxmemory: only the RAM ($ram MB) stops it," \
		"and every node of this machine shares that RAM. Set maxmemory, and watch memory against it."
else
	observe "$bigaddr uses $((bigmem / 1048576)) MB of its maxmemory of $((maxmem / 1048576)) MB:" \
		"$(awk -v a="$bigmem" -v b="$maxmem" 'BEGIN { printf "%.0f", 100 * a / b }')%."
fi
observe "with 1/$((nm + 1)) of the slots moved to one more master, each of $((nm + 1)) would hold about" \
	"$((keys / (nm + 1))) of the $keys keys (now about $((keys / nm)) each), and about $((ops / (nm + 1)))" \
	"of the $ops operations a second: memory and load spread by slots."
pause

say "How many masters? The seeds say (004, Mistake 5) to use an even number of primaries." \
	"The cluster says otherwise. A master is declared FAIL only when a majority of the" \
	"masters that own slots have seen it unreachable, and its replica takes over only" \
	"with the votes of a majority of them. The cluster counts those masters itself:"
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_(size|known_nodes)'"
n=$(size) k0=$(known)
observe "cluster_size $n: the masters that own slots, the voters; a majority is $((n / 2 + 1))."
say "The arithmetic, for 1 to 7 masters: the votes a failover needs (size / 2 + 1), and how" \
	"many masters may be down at once while the rest still make that majority:"
run "for m in 1 2 3 4 5 6 7; do printf 'masters %d  majority %d  failures survived %d\n' \$m \$((m / 2 + 1)) \$((m - m / 2 - 1)); done"
observe "3 masters survive 1 failed master, and so do 4: the fourth adds memory and throughput," \
	"not safety. 5 survive 2. An odd number gives the most safety for its masters; an even one" \
	"is never safer than one master fewer. (Replicas do not vote: they only take over.)"
pause

say "A master counts only once it owns a slot. A fresh node on $new joins as an empty master:"
if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$new@" >/dev/null; then
	run "rc-reshard -y del-node $host:$new >/dev/null"
fi
run "\"$LAB_CLUSTER\" add $new >/dev/null 2>&1 || redis-cli -h $host -p $new ping"
run "rc-reshard add-node $host:$new"
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_(size|known_nodes)'"
n1=$(size) k1=$(known)
observe "$((k1 - k0)) more node known, and cluster_size $n1: an empty master does not count (nor vote), and a majority is $((n1 / 2 + 1))."
src=$(rc-dist -T slots | awk -F'\t' '$1 != "-" && $1 != h { print $1; exit }' h="$host:$new")
say "Give it one slot, from $src:"
run "rc-reshard move --from $src --to $host:$new --slots 1"
run "rc-reshard settled --wait 60 >/dev/null"
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_(size|known_nodes)'"
n2=$(size)
observe "cluster_size $n2: with one slot of 16384 it counts and votes like the others; a failover now" \
	"needs $((n2 / 2 + 1)) votes, and $((n2 - n2 / 2 - 1)) master(s) may be down at once, against $((n - n / 2 - 1)) with $n."
pause

# Two masters that are not the seed: the new one and another.
other=$(rc-dist -T slots | awk -F'\t' '$1 != "-" && $1 != s && $1 != h { print $1; exit }' \
	s="$host:$port" h="$host:$new")
say "Now the claim itself, on the live cluster: pause two of the $n2 masters ($host:$new and" \
	"$other: SIGSTOP, a hung node) and ask the seed what the other $((n2 - 2)) can do."
run "\"\$LAB_CLUSTER\" pause $new && \"\$LAB_CLUSTER\" pause ${other##*:}"
paused=1
# A master sees the others unreachable after the node timeout; with too few
# masters reachable it stops serving.
lab_until 60 sh -c "redis-cli -h $host -p $port CLUSTER INFO | grep -q '^cluster_state:fail'"
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_(state|size)'"
show_status "redis-cli -h $host -p $port SET lab17:down x"
run "redis-cli -h $host -p $port CLUSTER NODES | awk '{ print \$2, \$3 }' | sort"
observe "$((n2 - 2)) of $n2 masters answer: not a majority ($((n2 / 2 + 1))). They suspect the paused two (fail?)" \
	"but cannot mark them failed (fail needs a majority's reports), so no replica takes over (the" \
	"roles above are unchanged), and they refuse every query" \
	"(CLUSTERDOWN) though their own slots are fine: 4 masters did not survive 2 failures." \
	"With 5, the 3 left would be a majority: the paused masters' replicas would take over."
say "Resume both; the cluster comes back once every master answers again:"
run "\"\$LAB_CLUSTER\" resume $new && \"\$LAB_CLUSTER\" resume ${other##*:}"
paused=
lab_until 60 sh -c "redis-cli -h $host -p $port CLUSTER INFO | grep -q '^cluster_state:ok'"
run "rc-reshard settled --wait 60 >/dev/null"
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_state'"
pause

say "Put the cluster back as the lab found it: the keys deleted, the slot moved back, the node removed."
lab_unlink_matching 'lab17:*'
lab_restore
run "redis-cli -h $host -p $port CLUSTER INFO | grep -E '^cluster_(size|known_nodes)'"
