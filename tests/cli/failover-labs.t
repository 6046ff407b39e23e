#!/usr/bin/env bash
# The high-availability labs (labs/5x-*.sh) run non-interactively against a
# cluster of their own, as `make check` runs them.  Ports 16600-16605, node
# timeout 2000 ms.  Lab 52 needs root and nft (it cuts the network).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16600
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
# shellcheck source=tests/cli/ha-labs.sh
. "$(dirname "$0")/ha-labs.sh"

lab 50-automatic-failover
like "$OUT" "== Automatic failover: a master dies ==" "50: the title"
like "$OUT" $'\n1\n-> WAIT answers' "50: WAIT says one replica has the writes"
like "$OUT" $'\t127\.0\.0\.1:1660[0-5]\tpfail\t127\.0\.0\.1:'"$BASE"$'\t' "50: the watch shows the seed master PFAIL"
like "$OUT" $'\t127\.0\.0\.1:1660[0-5]\tfail\t127\.0\.0\.1:'"$BASE"$'\t' "50: then FAIL"
like "$OUT" $'\tepoch\t-\t[0-9]+ -> [0-9]+' "50: an election"
like "$OUT" $'\nwindow\t[0-9]+\t[0-9]+\t[0-9]+\t127\.0\.0\.1:'"$BASE"$'\t' "50: the probe measured the master's window, though it was its seed"
like "$OUT" $'\nlost\t[0-9]+\nunread\t0' "50: and read every key back"
like "$OUT" "within the seeds' target of 15 s" "50: the window is within 15 s"
like "$OUT" "holds the same [0-9]+ lab50 keys" "50: the data is still there"
like "$OUT" "127\.0\.0\.1:$BASE is a replica of" "50: the old master came back as a replica"
like "$OUT" "With a node timeout of 4000 ms the keys of" "50: the second crash, with a longer timeout"
is "$(rcli $BASE CONFIG GET cluster-node-timeout | sed -n 2p)" 2000 "50: the node timeout is put back"
is "$(rcli $BASE ROLE | head -n1)" master "50: the seed is a master again"
ok "50: the cluster is whole after the lab" retry 60 whole

lab 51-manual-failover
like "$OUT" $'\n[0-9.]+\tcaught-up\t' "51: the default mode catches up"
like "$OUT" $'\nerrors\t0\n' "51: no failed write in the default mode"
like "$OUT" $'\nlost\t0\n' "51: and no write lost"
like "$OUT" "a default failover needs it; --force" "51: the default mode is refused with the master down"
like "$OUT" "promote --force [^\n]*"$'\n[0-9.]+\trequested\t[^\n]*\n[0-9.]+\tpromoted' "51: FORCE promotes without catching up"
like "$OUT" "is not a master serving [0-9]+ slots after 3 s" "51: FORCE without a majority is not promoted"
like "$OUT" "promote --takeover [^\n]*"$'\n[0-9.]+\trequested\t[^\n]*\n[0-9.]+\tpromoted' "51: TAKEOVER promotes"
is "$(rcli 16603 CONFIG GET cluster-replica-no-failover | sed -n 2p)$(rcli $BASE CONFIG GET cluster-replica-no-failover | sed -n 2p)" "nono" \
	"51: no node is left refusing failover"
ok "51: the cluster is whole after the lab" retry 60 whole

if [[ $EUID == 0 ]] && command -v nft >/dev/null 2>&1; then
	lab 52-partition-split-brain
	like "$OUT" "partition: nodes [0-9]+ cut from [0-9 ]+ \(clients with" "52: a master and the clients are cut off"
	like "$OUT" $'\n *[1-9][0-9]* OK\n *[0-9]+ CLUSTERDOWN' "52: the cut master took writes, then refused them"
	# The cut takes hold a moment after the command: the replica may already
	# have the writes; the lab says which it saw (a race, reported truly).
	like "$OUT" "-> (0 of the [1-9][0-9]* writes the client was told OK for are there|All [1-9][0-9]* writes the client was told OK for are there: none lost this time)" \
		"52: after the heal the cut master's writes are gone, or the lab says none were lost"
	like "$OUT" $'\n *[0-9]+ OK\n *[0-9]+ (NOREPLICAS|CLUSTERDOWN)' "52: with min-replicas-to-write it refuses (NOREPLICAS, or CLUSTERDOWN when the node timeout comes first)"
	like "$OUT" $'\nNOREPLICAS Not enough good replicas' "52: the cost: a hung replica blocks writes"
	ok "52: no partition is left" eval '! nft list table ip rc_lab_'"$BASE"' >/dev/null 2>&1'
	is "$(rcli $BASE CONFIG GET min-replicas-to-write | sed -n 2p)" 0 "52: min-replicas-to-write is put back"
	ok "52: the cluster is whole after the lab" retry 60 whole
else
	skip "lab 52 needs root and nft" 10
fi

done_testing
