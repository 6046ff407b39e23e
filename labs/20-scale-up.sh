#!/usr/bin/env bash
# Lab 20: scale up - a 4th master joins and takes its share of the slots
# (5461/5462/5461 -> 4096 each), while the keys move with their slots; then
# the cluster is put back as the lab found it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-slot redis-cli rc-repl

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
new=$((base + 6))

# slots_per_master: address and slot count of every master, one a line.
slots_per_master() {
	redis-cli -h "$host" -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {
		n = 0
		for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) }
		sub(/@.*/, "", $2); printf "%s\t%d slots\n", $2, n }' | sort
}

title "Lab 20: scale up to four masters"
say "A Redis Cluster grows sideways: a new master joins empty, then slots move to it, each with its keys. rc-reshard does both steps and waits until every node agrees."
pause

lab_snapshot
say "First some data, so that there is something to move: 2000 keys written through the cluster."
run "seq 1 2000 | awk '{ print \"SET lab20:\" \$1 \" v\" \$1 }' | redis-cli -c -h $host -p $port >/dev/null"
run "redis-cli -c -h $host -p $port GET lab20:1234"
say "Today's shape:"
run slots_per_master
observe "three masters sharing the 16384 slots (5461, 5462 and 5461 on a fresh lab cluster)"
pause

if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$new@" >/dev/null; then
	say "Node $new is a member already (an earlier run of this lab); it is removed first."
	run "rc-reshard -y del-node $host:$new >/dev/null"
fi
say "Start a fresh, empty node on port $new and let it join as a master. add-node returns only when every node knows it and it reports cluster_state:ok, so the next step cannot race it."
run "\"$LAB_CLUSTER\" add $new >/dev/null 2>&1 || redis-cli -h $host -p $new ping"
run "rc-reshard add-node $host:$new"
run slots_per_master
observe "the new master holds no slot yet: no key can live there"
pause

say "The plan first: which slots would move, one row per slot (slot, from, to). Nothing changes yet."
run "rc-reshard plan rebalance --use-empty | sed -n 1,3p"
run "rc-reshard plan rebalance --use-empty | wc -l"
observe "4096 slots, about a third from each old master"
pause

say "Now for real. Each row says: slot, from, to, keys moved, milliseconds."
run "rc-reshard rebalance --use-empty | tail -3"
run slots_per_master
observe "four masters with 4096 slots each"
run "rc-reshard check && echo clean"
run "redis-cli -c -h $host -p $port GET lab20:1234"
observe "the key is still there, wherever its slot went"
pause

say "Put the cluster back as the lab found it, so that the next lab starts from the same place: the lab's keys are deleted, every slot goes back to the master that had it (one plan, applied by rc-reshard apply), which leaves the new master empty, and rc-reshard del-node forgets it with nothing to drain. Lab 22 shows scaling down with keys."
run "seq 1 2000 | awk '{ print \"DEL lab20:\" \$1 }' | rc-repl | awk '\$1 == 1 { n++ } END { print n + 0 \" keys deleted\" }'"
lab_restore
run slots_per_master
