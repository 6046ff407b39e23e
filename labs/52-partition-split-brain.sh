#!/usr/bin/env bash
# Lab 52: partition and split brain - a master and a client cut off from the
# majority: the client's writes to the old master succeed until the node
# timeout, the majority promotes the replica, and after the heal those
# writes are gone (counted); then min-replicas-to-write, the
# mitigation, and what it costs. Needs root (labs/cluster partition).
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover redis-cli
ha_need_launcher
if [[ $EUID != 0 ]] || ! command -v nft >/dev/null 2>&1; then
	say "This lab cuts the network with labs/cluster partition: it needs root and nft (nftables)."
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lab52.XXXXXX")
T0=$(ha_timeout)
# No partition and no write limit outlive the lab.
cleanup() {
	local a
	"$LAB_CLUSTER" heal 2>/dev/null || true
	for a in $(ha_nodes); do
		redis-cli -h "${a%:*}" -p "${a##*:}" CONFIG SET min-replicas-to-write 0 >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

role_of() { redis-cli -h "${1%:*}" -p "${1##*:}" ROLE 2>/dev/null | head -n1; }
is_role() { [[ $(role_of "$1") == "$2" ]]; }
state_of() { redis-cli -h "${1%:*}" -p "${1##*:}" CLUSTER INFO 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
is_state() { [[ $(state_of "$1") == "$2" ]]; }

# split MASTER REPLICA TAG: cut MASTER and the clients off from the rest; a
# client writes new keys to MASTER's slots until it gives up; then the
# clients see the majority too, it promotes REPLICA, and the partition heals.
# Sets ACKED (writes told OK) and LEFT (those keys there after the heal).
split() {
	local mm=$1 rr=$2 tag=$3 t writer
	t=$(ha_tag_on "$mm")
	# A round's keys are its own: an earlier round's under the same tag go.
	redis-cli -h "${mm%:*}" -p "${mm##*:}" --scan --pattern "lab52:{$t}:*" |
		xargs -r -n 100 redis-cli -h "${mm%:*}" -p "${mm##*:}" UNLINK >/dev/null
	run "\"\$LAB_CLUSTER\" partition ${mm##*:} --clients"
	say "A client writes a new key lab52:{$t}:N (a slot of $mm) every 10 ms:"
	run "(for i in \$(seq 1 100000); do echo \"SET lab52:{$t}:\$i \$i\"; sleep 0.01; done) | redis-cli -h ${mm%:*} -p ${mm##*:} >'$work/$tag.w' 2>&1 &"
	writer=$!
	ha_until 60 is_state "$mm" fail
	kill "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
	run "redis-cli -h ${mm%:*} -p ${mm##*:} CLUSTER INFO | head -n1"
	run "awk 'NF { print \$1 }' '$work/$tag.w' | uniq -c"
	ACKED=$(grep -c '^OK' "$work/$tag.w" || true)
	if grep -q '^NOREPLICAS' "$work/$tag.w"; then
		observe "$mm took $ACKED writes (OK), then refused them with NOREPLICAS: its replica had not acknowledged its stream for over min-replicas-max-lag."
	else
		observe "$mm took $ACKED writes (OK), then refused them with CLUSTERDOWN once it had heard from no other master for the node timeout ($T0 ms)."
	fi
	say "Now the clients see both sides again ($mm is still cut from the other nodes):"
	run "\"\$LAB_CLUSTER\" partition ${mm##*:}"
	ha_until 60 is_role "$rr" master
	run "redis-cli -h ${rr%:*} -p ${rr##*:} ROLE | head -n1"
	observe "On the majority's side, $rr is the master of $mm's slots."
	run "\"\$LAB_CLUSTER\" heal"
	ha_until 60 is_role "$mm" slave
	run "redis-cli -h ${mm%:*} -p ${mm##*:} ROLE | head -n2"
	observe "Healed, $mm sees the newer epoch and becomes a replica of $rr: it throws away its own data and copies $rr's."
	ha_until 60 ha_whole
	run "redis-cli -h ${rr%:*} -p ${rr##*:} --scan --pattern 'lab52:{$t}:*' | wc -l"
	LEFT=$(redis-cli -h "${rr%:*}" -p "${rr##*:}" --scan --pattern "lab52:{$t}:*" | wc -l)
}

title "Partition and split brain"
m=$(ha_master 1)
r=$(ha_replica_of "$m")
say "Cut $m and a client off from the rest: $m can no longer reach its replica $r" \
	"nor the other masters, the client reaches only $m. For the node timeout both" \
	"sides carry on: $m takes the client's writes, which never reach $r. Then the" \
	"majority fails $m and promotes $r, and $m, alone, stops taking writes."
run "rc-failover status"
pause
ACKED=0 LEFT=0
split "$m" "$r" a
acked1=$ACKED
if ((LEFT >= ACKED)); then
	observe "All $ACKED writes the client was told OK for are there: none lost this time. $r had them before the cut took hold: the loss is a race, not a certainty. Run the lab again to see it."
else
	observe "$LEFT of the $ACKED writes the client was told OK for are there: $((ACKED - LEFT)) acknowledged writes lost. This is split brain."
fi
pause

say "The mitigation: a master refuses writes when fewer than min-replicas-to-write" \
	"replicas acknowledged its stream within min-replicas-max-lag seconds. With" \
	"1 and 1 s, a master cut off from its replica stops taking writes after about" \
	"a second instead of the node timeout. On every node (the roles change):"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET min-replicas-to-write 1 min-replicas-max-lag 1 >/dev/null; done"
split "$r" "$m" b
if ((LEFT >= ACKED)); then
	observe "$ACKED writes acknowledged by $r this time, against $acked1 without the setting, and all are there: none lost."
elif ((ACKED < acked1)); then
	observe "$ACKED writes acknowledged by $r this time, against $acked1 without the setting, and $((ACKED - LEFT)) lost: those of the second or so before $r noticed that its replica was silent."
else
	observe "$ACKED writes acknowledged by $r this time, against $acked1 without the setting, and $((ACKED - LEFT)) lost: no fewer, because this node timeout ($T0 ms) is itself about as short as the 1 to 2 s the setting allows. With the default 15 s, the setting is what bounds the loss."
fi
pause

say "Its cost: a master whose replica is down, or only slow, refuses every write." \
	"Hang $r, the replica of $m now, and write to $m's slots:"
key="lab52:{$(ha_tag_on "$m")}"
run "\"\$LAB_CLUSTER\" pause ${r##*:}"
refused() { [[ $(redis-cli -h "${m%:*}" -p "${m##*:}" SET "$key" x 2>&1) == NOREPLICAS* ]]; }
ha_until 30 refused
run "redis-cli -h ${m%:*} -p ${m##*:} SET $key x"
observe "NOREPLICAS: safety bought with availability. cluster-require-full-coverage no is the opposite trade: the other masters keep serving while some slots have no master."
run "\"\$LAB_CLUSTER\" resume ${r##*:}"
run "for a in \$(rc-failover -T status 2>/dev/null | cut -f3); do redis-cli -h \${a%:*} -p \${a##*:} CONFIG SET min-replicas-to-write 0 >/dev/null; done"
ha_until 60 ha_whole
run "rc-failover status"
