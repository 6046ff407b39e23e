#!/usr/bin/env bash
# Lab 57 (Redis to Valkey) runs non-interactively against a Redis lab of its
# own, whatever RC_SERVER says: it starts on Redis and ends on Valkey, so it
# needs both. Ports 17340-17351, node timeout 2000 ms.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
# The real redis-server, not lib.sh's valkey links of a valkey run.
PATH=${PATH#"$T/server-bin:"}
require_cmd redis-server valkey-server

BASE=17340
lab_use $BASE
cluster_cmd up -m 3 -r 1 -t 2000 --server redis >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
is "$(cluster_cmd status | awk -F'\t' '!/^#/ { print $5 }' | sort -u)" redis "every node runs Redis"
# shellcheck source=tests/cli/ha-labs.sh
. "$(dirname "$0")/ha-labs.sh"
A='127\.0\.0\.1:173[0-9]{2}'

lab 57-redis-to-valkey
like "$OUT" "== From Redis to Valkey, live ==" "57: the title"
is "$(grep -cE -- "-> Shard [1-3] done: $A \(Valkey\) is its master, $A \(Valkey\) its replica\." <<<"$OUT")" 3 \
	"57: each of the three shards moved"
like "$OUT" "Every node is a Valkey server now: 6 nodes\." "57: it says every node runs Valkey"
unlike "$OUT" "rounds did not run" "57: the probe covered the whole move"
like "$OUT" $'\nlost\t0\n' "57: no write lost"
like "$OUT" $'\nunread\t0\n' "57: no write unread"
like "$OUT" "All 5000 keys written before the move are there\." "57: the keys written before"
errs=$(awk -F'\t' '$1 == "errors" { print $2; exit }' <<<"$OUT")
if [[ $errs == 0 ]]; then
	like "$OUT" "errors 0: no write failed" "57: no failed write, and it says so"
else
	like "$OUT" "errors $errs: some operations failed" "57: $errs failed operations, and it says so"
fi
like "$OUT" $'\nshard 3: failover onto Valkey '"$A"$'\t[0-9]+\n' "57: how long each step took"
like "$OUT" $'\nthe whole move\t[0-9]+\n' "57: and the whole move"

# Checked here, not only as the lab says; the seed node was retired.
seed=$(cluster_ports | head -n1)
export RC_CLUSTER=127.0.0.1:$seed
ok "57: the cluster is whole after the lab" retry 60 whole
status=$(cluster_cmd status)
is "$(grep -vc '^#' <<<"$status")" 6 "57: the lab has 6 nodes"
is "$(awk -F'\t' '!/^#/ { print $5 }' <<<"$status" | sort -u)" valkey "57: every one a Valkey node"
vk=0
for p in $(cluster_ports); do
	rcli "$p" INFO server | grep -q '^server_name:valkey' && vk=$((vk + 1))
done
is "$vk" 6 "57: every node says it is Valkey (INFO server)"
is "$(rcli $BASE CLUSTER NODES 2>/dev/null | wc -l)" 0 "57: the old seed is gone"
is "$(rcli "$seed" CLUSTER NODES | wc -l)" 6 "57: the cluster knows 6 nodes"
is "$(rcli "$seed" CLUSTER NODES | grep -c master)" 3 "57: 3 masters"
ok "57: rc-reshard check is clean" rc-reshard -c "127.0.0.1:$seed" check

done_testing
