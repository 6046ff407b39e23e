#!/usr/bin/env bash
# Lab 51: manual failover - CLUSTER FAILOVER in its three modes: the default
# (a planned switch, no write lost), FORCE (the master is down), TAKEOVER
# (the majority of masters is gone), and what each gives up.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab51.XXXXXX")
paused=()
# Nothing stays paused or forbidden to fail over, whatever happens.
cleanup() {
	local p
	for p in "${paused[@]}"; do "$LAB_CLUSTER" resume "$p" 2>/dev/null || true; done
	[[ -n ${m:-} ]] && redis-cli -h "${m%:*}" -p "${m##*:}" CONFIG SET cluster-replica-no-failover no >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

title "Manual failover: default, FORCE, TAKEOVER"
m=$(ha_master 1)
r=$(ha_replica_of "$m")
run "rc-failover status"
observe "$r replicates $m."
pause

say "The default mode is a planned switch, for maintenance: the replica asks its" \
	"master to stop taking writes (clients wait, they get no error), catches up" \
	"with its replication stream to the last byte, and only then takes over." \
	"A probe writes meanwhile."
run "rc-failover probe -d 5 >'$work/a.probe' &"
probe=$!
run sleep 1
run "rc-failover promote $r"
wait "$probe" || true
observe "The rows: requested, caught-up (the replica reached the master's offset), promoted, agreed (every node says so), in ms."
run "grep -v '^[0-9]' '$work/a.probe'"
errors=$(ha_sum "$work/a.probe" errors) lost=$(ha_sum "$work/a.probe" lost)
observe "errors $errors, lost $lost: the writes waited during the switch instead of failing, and none that was acknowledged is gone."
pause

say "FORCE is for a master that is down: no handshake with it, the replica starts" \
	"its election at once instead of waiting for the node timeout. To do it by hand" \
	"before the cluster does it by itself, forbid automatic failover on $m" \
	"(now the replica), then crash its master $r."
run "redis-cli -h ${m%:*} -p ${m##*:} CONFIG SET cluster-replica-no-failover yes"
run "\"\$LAB_CLUSTER\" kill ${r##*:}"
expect_fail "rc-failover promote $m"
observe "The default mode needs the master: rc-failover stops before asking, and names --force and --takeover."
run "rc-failover promote --force $m"
observe "No caught-up row: whatever $r acknowledged after $m's last read of its stream is lost. The majority of masters still voted."
run "\"\$LAB_CLUSTER\" start ${r##*:}"
run "redis-cli -h ${m%:*} -p ${m##*:} CONFIG SET cluster-replica-no-failover no"
ha_until 60 ha_is_replica "$r" "$m"
ha_until 60 ha_whole
pause

mapfile -t others < <(ha_rows | awk -F'\t' -v m="$m" '$2 == "master" && $3 != m { print $3 }')
say "TAKEOVER is for a cluster that lost the majority of its masters: no election" \
	"at all. Hang the two other masters, ${others[*]} (SIGSTOP):" \
	"only one master of three is left to vote."
for o in "${others[@]}"; do
	run "\"\$LAB_CLUSTER\" pause ${o##*:}"
	paused+=("${o##*:}")
done
say "The seed $RC_CLUSTER may be one of them: ask $r itself (-c)."
expect_fail "rc-failover -c $r promote --force --wait 3 $r"
observe "FORCE still needs the votes of a majority of masters: one of three is not one, so $r is not promoted."
run "rc-failover -c $r promote --takeover $r"
observe "TAKEOVER: $r took a new epoch on its own and is the master. Nobody agreed to it: had the two hung masters been alive on the other side of a partition, two nodes could now claim the same slots until the epochs settle it."
for o in "${others[@]}"; do run "\"\$LAB_CLUSTER\" resume ${o##*:}"; done
paused=()
ha_until 60 ha_is_replica "$m" "$r"
ha_until 60 ha_whole
run "rc-failover status"
observe "The two masters are back, and $m is the replica of $r."
pause

say "Leave it as it was found: a default-mode promotion of $m."
run "rc-failover promote $m >/dev/null"
ha_until 60 ha_whole
