#!/usr/bin/env bash
# Lab 26: a cluster built from bare nodes by hand - CLUSTER MEET, config
# epochs, ADDSLOTSRANGE, REPLICATE - then CLUSTER SLOTS, CLUSTER SHARDS,
# COUNTKEYSINSLOT and GETKEYSINSLOT on it; then the same in one command with
# rc-reshard create.  Six nodes of its own, on the ports 20-25 after the lab's
# base port; the lab cluster itself is not touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-dist rc-repl redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
a=$((base + 20)) b=$((base + 21)) c=$((base + 22))
ra=$((base + 23)) rb=$((base + 24)) rcp=$((base + 25))
nodes="$a $b $c $ra $rb $rcp"

# bare PORT: the node started if it is not running, then emptied and made to
# forget any cluster it knew (an earlier run's).
bare() {
	if ! redis-cli -h "$host" -p "$1" PING >/dev/null 2>&1; then
		"$LAB_CLUSTER" add "$1" >/dev/null 2>&1 || "$LAB_CLUSTER" start "$1" >/dev/null
	fi
	redis-cli -h "$host" -p "$1" FLUSHALL >/dev/null 2>&1 || true
	redis-cli -h "$host" -p "$1" CLUSTER RESET HARD >/dev/null
	redis-cli -h "$host" -p "$1" FLUSHALL >/dev/null
}
# all_know N: every node knows N nodes, in handshake with none, and its
# links to the others are up (a link comes up a moment after a node is known).
all_know() {
	local p
	for p in $nodes; do
		redis-cli -h "$host" -p "$p" CLUSTER INFO | grep -q "^cluster_known_nodes:$1" || return 1
		redis-cli -h "$host" -p "$p" CLUSTER NODES |
			awk '$3 ~ /handshake/ || ($3 !~ /myself/ && $8 != "connected") { bad = 1 }
				END { exit bad }' || return 1
	done
}
all_ok() {
	local p
	for p in $nodes; do
		redis-cli -h "$host" -p "$p" CLUSTER INFO | grep -q '^cluster_state:ok' || return 1
	done
}
# all_see N: every node's CLUSTER NODES lists N replicas.
all_see() {
	local p
	for p in $nodes; do
		[ "$(redis-cli -h "$host" -p "$p" CLUSTER NODES | grep -c slave)" = "$1" ] || return 1
	done
}
synced() {
	redis-cli -h "$host" -p "$1" INFO replication | grep -q '^master_link_status:up'
}
finish() {
	local p
	for p in $nodes; do bare "$p"; done
}
trap finish EXIT

title "Lab 26: a cluster built from bare nodes"
say "redis-cli --cluster create and rc-reshard create hide a handful of commands." \
	"Here they are, one at a time, on six nodes of this lab's own:" \
	"$host:$a, $host:$b and $host:$c will be masters, $host:$ra, $host:$rb and $host:$rcp their replicas." \
	"Three masters at least: a failover needs a majority of the masters to vote, and with two, one left alone is no majority."
for p in $nodes; do bare "$p"; done
say "1. A bare node: cluster-enabled yes in its config, but it knows only itself and serves no slot."
run "redis-cli -h $host -p $a CLUSTER INFO | grep -E '^cluster_(state|slots_assigned|known_nodes|current_epoch)'"
run "redis-cli -h $host -p $a CLUSTER NODES"
run "redis-cli -h $host -p $a SET k v"
observe "CLUSTERDOWN: a node serves keys only once every one of the 16384 slots has a master (cluster-require-full-coverage)."
pause

say "2. Config epochs. Each master's configEpoch settles who wins when two claim the same slot: the higher one." \
	"Fresh nodes all have 0; Redis would tell the tie apart by itself after a while, and the creators give each master" \
	"its own epoch first. CLUSTER SET-CONFIG-EPOCH works only on a node that knows no other and has epoch 0."
run "redis-cli -h $host -p $a CLUSTER SET-CONFIG-EPOCH 1"
run "redis-cli -h $host -p $b CLUSTER SET-CONFIG-EPOCH 2"
run "redis-cli -h $host -p $c CLUSTER SET-CONFIG-EPOCH 3"
pause

say "3. CLUSTER MEET introduces one node to another over the cluster bus (port + 10000); gossip then tells everyone else." \
	"Five MEETs, each to $host:$a, make a cluster of six. (The lab waits until every node knows all six.)"
for p in $b $c $ra $rb $rcp; do
	run "redis-cli -h $host -p $p CLUSTER MEET $host $a"
done
until_true 30 all_know 6
run "redis-cli -h $host -p $ra CLUSTER NODES | cut -d' ' -f2,3,7,8"
observe "Six masters (columns: address, flags, config epoch, link), none with a slot: the cluster still says fail."
pause

say "4. Slots. ADDSLOTSRANGE gives a node ranges of slots (ADDSLOTS takes single slots). A third to each master:"
run "redis-cli -h $host -p $a CLUSTER ADDSLOTSRANGE 0 5460"
run "redis-cli -h $host -p $b CLUSTER ADDSLOTSRANGE 5461 10922"
run "redis-cli -h $host -p $c CLUSTER ADDSLOTSRANGE 10923 16383"
until_true 30 all_ok
run "redis-cli -h $host -p $rcp CLUSTER INFO | grep -E '^cluster_(state|slots_assigned|size)'"
observe "All 16384 slots assigned: cluster_state ok, cluster_size 3 (masters with slots), on every node."
pause

say "5. Replicas. CLUSTER REPLICATE, sent to a node, makes it a replica of the node with that id:"
ida=$(redis-cli -h "$host" -p "$a" CLUSTER MYID)
idb=$(redis-cli -h "$host" -p "$b" CLUSTER MYID)
idc=$(redis-cli -h "$host" -p "$c" CLUSTER MYID)
run "redis-cli -h $host -p $ra CLUSTER REPLICATE $ida"
run "redis-cli -h $host -p $rb CLUSTER REPLICATE $idb"
run "redis-cli -h $host -p $rcp CLUSTER REPLICATE $idc"
for p in $ra $rb $rcp; do until_true 30 synced "$p"; done
until_true 30 all_see 3
run "redis-cli -h $host -p $ra INFO replication | grep -E '^(role|master_port|master_link_status)'"
run "rc-dist -c $host:$a nodes | cut -f1,3,4,5"
observe "Three masters with 5461 or 5462 slots, and a replica under each."
pause

say "6. How a client learns the map. CLUSTER SLOTS: one entry per range, the master first, then its replicas:"
run "rc-repl -p -c $host:$a -e 'CLUSTER SLOTS' | sed -n 1,16p"
observe "rc-repl -p shows the reply as redis-cli does on a terminal: a range's first and last slot, then its master's host, port and id, then each replica's."
say "CLUSTER SHARDS (Redis 7): one entry per shard, its ranges and every node with its role and health:"
run "rc-repl -p -c $host:$a -e 'CLUSTER SHARDS' | sed -n 1,26p"
pause

say "7. Keys of a slot. Three keys with one hash tag, then ask the slot's master:"
run "redis-cli -c -h $host -p $a MSET '{lab26}:a' 1 '{lab26}:b' 2 '{lab26}:c' 3"
slot=$(redis-cli -h "$host" -p "$a" CLUSTER KEYSLOT '{lab26}')
owner=$a
[ "$slot" -ge 5461 ] && owner=$b
[ "$slot" -ge 10923 ] && owner=$c
run "redis-cli -h $host -p $a CLUSTER KEYSLOT '{lab26}'"
run "redis-cli -h $host -p $owner CLUSTER COUNTKEYSINSLOT $slot"
run "redis-cli -h $host -p $owner CLUSTER GETKEYSINSLOT $slot 10"
observe "COUNTKEYSINSLOT and GETKEYSINSLOT answer for the node's own keys: rc-reshard uses them to move a slot's keys with MIGRATE."
pause

say "8. The same in one command. Every node bare again, then rc-reshard create with one replica per master:" \
	"it checks the nodes are empty, sets the epochs, MEETs, assigns the slots evenly, REPLICATEs, and waits until every node agrees."
for p in $nodes; do bare "$p"; done
run "rc-reshard create -r 1 $host:$a $host:$b $host:$c $host:$ra $host:$rb $host:$rcp"
run "rc-dist -c $host:$a nodes | cut -f1,3,4,5"
run "rc-reshard -c $host:$a check && echo clean"
pause

say "Put things back as the lab found them: the six nodes are emptied and forget their cluster (CLUSTER RESET HARD); the lab cluster was never touched."
finish
trap - EXIT
run "redis-cli -h $host -p $a CLUSTER INFO | grep -E '^cluster_(state|known_nodes)'"
