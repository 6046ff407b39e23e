#!/usr/bin/env bash
# Lab 53: chaos under load - rc-seats sells seats while every master is
# crashed and started again in turn; the audit shows no seat sold twice, and
# the probe measures the availability against the seeds' 99.99%.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover rc-seats redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab53.XXXXXX")
# Every node runs again, whatever happens.
cleanup() {
	ha_start_all
	rm -rf "$work"
}
trap cleanup EXIT

role_of() { redis-cli -h "${1%:*}" -p "${1##*:}" ROLE 2>/dev/null | head -n1; }
is_role() { [[ $(role_of "$1") == "$2" ]]; }

title "Chaos under load"
T0=$(ha_timeout)
mapfile -t masters < <(ha_rows | awk -F'\t' '$2 == "master" { print $3 }')
secs=$((8 * ${#masters[@]} + 4))
say "Sell seats with rc-seats load for $secs s, probe the cluster meanwhile, and" \
	"crash every master in turn (SIGKILL), starting it again once its replica has" \
	"taken over. The node timeout is $T0 ms."
run "rc-seats create-event --name 'Chaos Night' --rows 40 --seats 50 --price 30 | tee '$work/event'"
ev=$(cut -f1 "$work/event")
run "rc-seats load --event $ev --users 50 --seats 2 --duration $secs >'$work/load' 2>&1 &"
load=$!
run "rc-failover probe -d $secs >'$work/probe' 2>&1 &"
probe=$!
for mm in "${masters[@]}"; do
	rr=$(ha_replica_of "$mm")
	run "\"\$LAB_CLUSTER\" kill ${mm##*:}"
	ha_until 60 is_role "$rr" master
	run "\"\$LAB_CLUSTER\" start ${mm##*:}"
	ha_until 60 ha_is_replica "$mm" "$rr"
	observe "$rr took over from $mm; $mm is back, as its replica."
	ha_until 60 ha_whole
done
wait "$load" || true
wait "$probe" || true
pause

say "What the buyers saw:"
run "cat '$work/load'"
say "The audit reads every seat, hold and order of the event:"
run "rc-seats audit $ev"
observe "No seat granted twice: each hold is one script on the event's master, and a" \
	"failover moves the whole event, never half of it."
pause

say "What the probe saw (every line but the per-second rows):"
run "grep -v '^[0-9]' '$work/probe'"
avail=$(ha_sum "$work/probe" availability)
if awk -v a="$avail" 'BEGIN { exit !(a >= 99.99) }'; then
	observe "Availability $avail%: the seeds' 99.99% was met."
else
	worst=$(awk -F'\t' '$1 == "window" && $4 > w { w = $4 } END { print w + 0 }' "$work/probe")
	observe "Availability $avail%: the seeds' 99.99% was NOT met. ${#masters[@]} crashes in $secs s;" \
		"the longest window was $worst ms (the node timeout, $T0 ms, then the election)." \
		"99.99% allows 8640 ms of unavailability a day: $((8640 / (worst > 0 ? worst : 1) + 1)) such crashes a day spend more."
fi
run "rc-failover status"
