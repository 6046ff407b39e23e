#!/usr/bin/env bash
# Lab 10: understanding the cluster - its nodes, their roles, and its state.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist

title "Understanding the cluster"
say "A Redis Cluster is a set of redis-server processes that share 16384 hash" \
	"slots between their masters; every master has replicas that copy it." \
	"rc-dist asks one node (the seed, $RC_CLUSTER) who the others are, then asks" \
	"every node about itself, all at once."
pause

say "One row per node: each master, then its replicas."
run rc-dist -p nodes
observe "Masters own the slots (about 5461 each with 3 masters); replicas own none."
observe "A replica's MASTER column names the master it copies; LAG is how many bytes it is behind."
observe "STATE is the cluster state as each node sees it; FLAGS says 'ok' unless a node is failing or unreachable."
pause

say "The same rows as TSV, for scripts: count the masters and replicas."
run "rc-dist -T nodes | cut -f3 | sort | uniq -c"
observe "With the lab's defaults: 3 masters and 3 replicas."
pause

say "The cluster-wide state in one row: state, slots assigned/ok/pfail/fail," \
	"known nodes, size, masters, replicas, nodes not ok, keys."
run rc-dist -H -T info
run "rc-dist -T info | awk -F'\t' '{ print \"state:\", \$1, \" slots ok:\", \$3 \"/16384\", \" nodes:\", \$6 }'"
observe "cluster_state is ok only when all 16384 slots are served by a master that is up."
pause

say "rc-dist exits 0 when every node answers and is healthy, 1 otherwise:" \
	"a script can check the cluster with its exit status alone."
run "rc-dist info >/dev/null && echo 'all nodes healthy'"
