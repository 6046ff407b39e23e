#!/usr/bin/env bash
# Lab 54: rolling upgrade - every node restarted (as an upgrade would) while
# the probe writes: each replica first, then promoted with rc-failover
# promote, then its old master restarted; target: no failed write.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab54.XXXXXX")
cleanup() {
	ha_start_all
	rm -rf "$work"
}
trap cleanup EXIT

title "Rolling upgrade"
mapfile -t masters < <(ha_rows | awk -F'\t' '$2 == "master" { print $3 }')
secs=$((6 * ${#masters[@]} + 4))
say "To upgrade a cluster without downtime, restart one node at a time, never a" \
	"master that serves: for each shard restart the replica, make it the master" \
	"with a planned (default mode) failover, then restart the old master, which" \
	"comes back as the replica. A probe writes for $secs s meanwhile."
run "rc-failover status"
run "rc-failover probe -d $secs >'$work/probe' 2>&1 &"
probe=$!
for mm in "${masters[@]}"; do
	rr=$(ha_replica_of "$mm")
	run "\"\$LAB_CLUSTER\" stop ${rr##*:} && \"\$LAB_CLUSTER\" start ${rr##*:}"
	ha_until 60 ha_is_replica "$rr" "$mm"
	ha_until 60 ha_linked "$rr"
	run "rc-failover promote $rr"
	run "\"\$LAB_CLUSTER\" stop ${mm##*:} && \"\$LAB_CLUSTER\" start ${mm##*:}"
	ha_until 60 ha_is_replica "$mm" "$rr"
	observe "Shard of $mm done: $rr (restarted) is its master, $mm (restarted) its replica."
	ha_until 60 ha_whole
done
wait "$probe" || true
pause

say "What the probe saw while every node restarted (every line but the per-second rows):"
run "grep -v '^[0-9]' '$work/probe'"
errors=$(ha_sum "$work/probe" errors) lost=$(ha_sum "$work/probe" lost)
if [[ $errors == 0 ]]; then
	observe "errors 0, lost $lost: no write failed. A planned failover makes clients wait while the replica catches up, instead of failing them."
else
	observe "errors $errors, lost $lost: the target of no failed write was NOT met; the window rows say when and why."
fi
run "rc-failover status"
observe "Every node was restarted once; every master is now the node that was its replica."
