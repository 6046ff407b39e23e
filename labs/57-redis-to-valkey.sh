#!/usr/bin/env bash
# Lab 57: Redis to Valkey - a live Redis 7.0 lab cluster moved to Valkey 8.0
# one node at a time while the probe writes: every shard gets Valkey
# replicas, they sync, one takes over with a planned failover (rc-failover
# promote), the Redis nodes are retired (rc-reshard del-node); an audit at
# the end, the failed and lost writes, and how long each step took.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover rc-reshard rc-dist redis-cli
ha_need_launcher
if ! command -v valkey-server >/dev/null 2>&1; then
	say "This lab moves the cluster to Valkey, and valkey-server is not installed" \
		"(Debian: apt-get install -t bookworm-backports valkey-server; make deps does it)."
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lab57.XXXXXX")
probe_pid=
stop_probe() {
	[[ -n $probe_pid ]] || return 0
	touch "$work/stop"
	wait "$probe_pid" || true
	probe_pid=
}
trap 'stop_probe; rm -rf "$work"' EXIT

# server_of ADDR: the server a node says it is (Valkey's INFO has
# server_name; Redis 7.0's has none) and its version.
server_of() {
	redis-cli -h "${1%:*}" -p "${1##*:}" INFO server | tr -d '\r' | awk -F: '
		$1 == "redis_version" { r = $2 } $1 == "valkey_version" { v = $2 }
		END { if (v != "") print "valkey " v; else print "redis " r }'
}
# servers: every node with its server, a line each.
servers() {
	local a
	for a in $(ha_nodes); do printf '%s\t%s\n' "$a" "$(server_of "$a")"; done
}
# next_port: a port after every node of the lab.
next_port() { echo $(($("$LAB_CLUSTER" ports | tail -n1) + 1)); }
# ms: milliseconds since the epoch; took NAME START: a timing row.
ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
took() { printf '%s\t%s\n' "$1" "$(($(ms) - $2))" >>"$work/steps"; }

# reseed VALKEY RETIRING...: the tools start from RC_CLUSTER, so it must not
# be a node about to go: another Redis node while there is one, else VALKEY;
# the probe's next round starts from it too, and the round under way, which
# reads its keys back through its seed at the end, is waited for.
# A Redis node, because Valkey 8 groups CLUSTER SHARDS by shard id, which
# Redis 7.0 does not have: a Valkey node can list another Valkey node that
# replicates a Redis master as a shard of its own, its master unknown.
reseed() {
	local v=$1 a
	shift
	[[ " $* " == *" $RC_CLUSTER "* ]] || return 0
	for a in $(servers | awk -F'\t' '$2 ~ /^redis / { print $1 }'); do
		[[ " $* " == *" $a "* ]] && continue
		say "$RC_CLUSTER, the seed the tools start from (RC_CLUSTER), is about to go: from now on, $a."
		export RC_CLUSTER=$a
		echo "$a" >"$work/seed"
		return 0
	done
	say "$RC_CLUSTER, the seed the tools start from (RC_CLUSTER), is about to go: from now on, $v."
	export RC_CLUSTER=$v
	echo "$v" >"$work/seed"
}
# probe_off ADDR...: wait until the probe's round does not start from one of them.
probe_off() { ha_until 30 probe_not_on "$@"; }
probe_not_on() { [[ " $* " != *" $(cat "$work/round-seed" 2>/dev/null) "* ]]; }

title "From Redis to Valkey, live"
mapfile -t masters < <(ha_rows | awk -F'\t' '$2 == "master" { print $3 }')
say "Valkey 8 speaks the same cluster bus and replication protocol as Redis 7," \
	"so a Valkey node can join a Redis cluster as a replica, sync, and take over." \
	"A cluster moves over the way a rolling upgrade does, with no moment when a" \
	"shard has no copy: for each of the ${#masters[@]} shards, add two Valkey replicas," \
	"wait until they have synced, make one the master with a planned failover" \
	"(clients wait while it catches up instead of failing), then retire the Redis" \
	"nodes. The probe writes and reads all the time and checks every write it made." \
	"While the cluster mixes the two, the tools start from a Redis node: Valkey 8" \
	"groups nodes by shard id, which Redis 7.0 does not send, so a Valkey node's" \
	"CLUSTER SHARDS can show a Valkey replica of a Redis master without its master."
run "\"\$LAB_CLUSTER\" status"
run "servers"
if servers | grep -qv $'\tredis '; then
	observe "Some nodes run Valkey already: the lab moves the rest."
else
	observe "Every node is a Redis server."
fi
pause

say "Data first: 5000 keys, to find again at the end."
run "seq 1 5000 | awk '{ print \"SET lab57:\" \$1 \" v\" \$1 }' | rc-repl >/dev/null"
for m in "${masters[@]}"; do redis-cli -h "${m%:*}" -p "${m##*:}" WAIT 1 2000 >/dev/null; done

say "The probe runs in 5 s rounds, back to back, until the end; each round reads" \
	"back every key it wrote (a write acknowledged and then gone is lost)."
echo "$RC_CLUSTER" >"$work/seed"
(
	i=0
	while [[ ! -e $work/stop ]]; do
		i=$((i + 1))
		cp "$work/seed" "$work/round-seed"
		rc-failover -c "$(cat "$work/round-seed")" probe -d 5 >"$work/probe.$i" 2>&1 || true
		# A round that could not start must not spin.
		grep -q '^ops' "$work/probe.$i" || sleep 0.5
	done
) &
probe_pid=$!
t_all=$(ms)

shard=0
for m in "${masters[@]}"; do
	shard=$((shard + 1))
	mapfile -t old < <(ha_rows | awk -F'\t' -v m="$m" '$2 == "replica" && $4 == m { print $3 }')
	title "Shard $shard of ${#masters[@]}: $m (Redis)"
	t=$(ms)
	v1=127.0.0.1:$(next_port)
	run "\"\$LAB_CLUSTER\" add ${v1##*:} --server valkey"
	v2=127.0.0.1:$(next_port)
	run "\"\$LAB_CLUSTER\" add ${v2##*:} --server valkey"
	run "rc-reshard add-node $v1 --replica-of $m"
	run "rc-reshard add-node $v2 --replica-of $m"
	took "shard $shard: 2 Valkey nodes started and joined" "$t"
	t=$(ms)
	ha_until 120 ha_is_replica "$v1" "$m"
	ha_until 120 ha_is_replica "$v2" "$m"
	ha_until 60 ha_linked "$v1"
	run "rc-failover status | grep -F -e '$m'"
	took "shard $shard: Valkey replicas synced" "$t"
	observe "$v1 and $v2 (Valkey) replicate $m (Redis), their links up."
	t=$(ms)
	run "rc-failover promote $v1"
	ha_until 60 ha_is_replica "$m" "$v1"
	took "shard $shard: failover onto Valkey $v1" "$t"
	observe "$v1 (Valkey) is the master of the shard; $m and ${old[*]:-no other node} (Redis) follow it."
	t=$(ms)
	reseed "$v1" "$m" "${old[@]}"
	probe_off "$m" "${old[@]}"
	for r in "$m" "${old[@]}"; do
		run "rc-reshard -y del-node $r"
		run "\"\$LAB_CLUSTER\" stop ${r##*:} && \"\$LAB_CLUSTER\" remove ${r##*:}"
	done
	ha_until 60 ha_is_replica "$v2" "$v1"
	took "shard $shard: Redis nodes retired" "$t"
	observe "Shard $shard done: $v1 (Valkey) is its master, $v2 (Valkey) its replica."
done
t=$(ms)
ha_until 120 ha_whole
took "the cluster settled" "$t"
stop_probe
took "the whole move" "$t_all"
pause

title "Audit"
run "\"\$LAB_CLUSTER\" status"
run "servers"
n_redis=$(servers | grep -c $'\tredis ' || true)
if ((n_redis == 0)); then
	observe "Every node is a Valkey server now: $(servers | wc -l) nodes."
else
	observe "$n_redis nodes still run Redis: the move is NOT complete."
fi
run "rc-reshard check"
run "rc-failover status"
observe "Every master has a Valkey replica able to take over."
keys=0
for m in $(ha_rows | awk -F'\t' '$2 == "master" { print $3 }'); do
	keys=$((keys + $(redis-cli -h "${m%:*}" -p "${m##*:}" --scan --pattern 'lab57:*' | wc -l)))
done
run "redis-cli -c -h ${RC_CLUSTER%:*} -p ${RC_CLUSTER##*:} GET lab57:4321"
if ((keys == 5000)); then
	observe "All 5000 keys written before the move are there."
else
	observe "$keys of the 5000 keys written before the move are there: keys were LOST."
fi
pause

say "What the probe saw, round by round (ops, errors, acknowledged, lost):"
bad_rounds=0
sum() { cat "$work"/probe.* | awk -F'\t' -v n="$1" '$1 == n { t += $2 } END { print t + 0 }'; }
for ((i = 1; ; i++)); do
	f=$work/probe.$i
	[[ -e $f ]] || break
	if ! grep -q '^ops' "$f"; then
		printf 'round %s\tdid not run: %s\n' "$i" "$(tail -n1 "$f")"
		bad_rounds=$((bad_rounds + 1))
		continue
	fi
	printf 'round %s\t%s\t%s\t%s\t%s\n' "$i" "$(ha_sum "$f" ops)" "$(ha_sum "$f" errors)" \
		"$(ha_sum "$f" acked)" "$(ha_sum "$f" lost)"
done
((bad_rounds == 0)) || observe "$bad_rounds rounds did not run: the probe did not cover the whole move."
say "Windows, rounds whose keys did not all answer:"
cat "$work"/probe.* | awk -F'\t' '$1 == "window"' || true
ops=$(sum ops) errors=$(sum errors) acked=$(sum acked) lost=$(sum lost) unread=$(sum unread)
printf 'ops\t%s\nerrors\t%s\nacked\t%s\nlost\t%s\nunread\t%s\n' "$ops" "$errors" "$acked" "$lost" "$unread"
if [[ $lost == 0 && $unread == 0 ]]; then
	observe "lost 0: every write the cluster acknowledged is there."
else
	observe "lost $lost, unread $unread: the goal of no lost write was NOT met."
fi
if [[ $errors == 0 ]]; then
	observe "errors 0: no write failed during the move."
else
	observe "errors $errors: some operations failed (the window rows say when and on which master); none of them was acknowledged."
fi
say "How long each step took (ms):"
cat "$work/steps"
observe "The failovers are quick; most of the time goes to joining and syncing the new nodes."
