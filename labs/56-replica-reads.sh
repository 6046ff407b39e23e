#!/usr/bin/env bash
# Lab 56: replica reads - READONLY reads served by a replica (rc-repl
# :readonly), the replication lag in ms (rc-failover status), and a stale
# read: a replica that stopped applying its master's stream still answers.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=labs/ha.sh
. "$(dirname "$0")/ha.sh"
lab_require rc-failover rc-repl rc-slot redis-cli
ha_need_launcher

work=$(mktemp -d "${TMPDIR:-/tmp}/lab56.XXXXXX")
cleanup() {
	rm -rf "$work"
	[[ -n ${r:-} ]] && redis-cli -h "${r%:*}" -p "${r##*:}" CLIENT UNPAUSE >/dev/null 2>&1
	[[ -n ${key:-} ]] && redis-cli -c -h "${m%:*}" -p "${m##*:}" DEL "$key" >/dev/null 2>&1
	true
}
trap cleanup EXIT

# gets ADDR: how many GETs the node at ADDR has served.
gets() {
	redis-cli -h "${1%:*}" -p "${1##*:}" INFO commandstats | tr -d '\r' |
		sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}
# replica_get: the key read through rc-repl with :readonly on.
replica_get() { printf ':readonly on\nGET %s\n' "$key" | rc-repl 2>&1; }
replica_has() { [[ $(replica_get) == *"$1"* ]]; }

title "Replica reads"
m=$(ha_master 1)
r=$(ha_replica_of "$m")
key="lab56:{$(ha_tag_on "$m")}:k"
say "$key lives on $m; $r replicates it. A replica answers reads only after" \
	"READONLY; without it, it redirects with MOVED to its master."
run "redis-cli -h ${m%:*} -p ${m##*:} SET $key v1"
ha_until 30 replica_has v1
run "redis-cli -h ${r%:*} -p ${r##*:} GET $key || true"
before=$(gets "$r")
run "printf ':readonly on\nGET $key\nGET $key\nGET $key\n' | rc-repl"
after=$(gets "$r")
observe "rc-repl :readonly sends reads to the slot's replica: $r served $((after - before)) GETs (INFO commandstats), its master none of them."
pause

say "How far behind is each replica? rc-failover status writes a timestamp to each" \
	"master's slots and reads it back from the replica (columns: shard, role, node," \
	"master, link, lag_bytes, lag_ms, failover, why not)."
run "rc-failover -T status | tee '$work/status'"
lag=$(awk -F'\t' -v n="$r" '$3 == n { print $7 }' "$work/status")
observe "$r is $lag ms behind $m: a read from it may miss a write that old."
pause

say "A stale read: make $r stop applying its master's stream (CLIENT PAUSE WRITE" \
	"also holds a replica's replication), write v2 to $m, and read from $r:"
run "redis-cli -h ${r%:*} -p ${r##*:} CLIENT PAUSE 10000 WRITE"
run "redis-cli -h ${m%:*} -p ${m##*:} SET $key v2"
run "printf ':readonly on\nGET $key\n:readonly off\nGET $key\n' | rc-repl"
if replica_has v1; then
	observe "The replica says v1, the master v2: the replica's read is stale, and the OK the writer got says nothing about replicas."
else
	observe "The replica already says v2 here: this time the stream was applied before the pause."
fi
run "redis-cli -h ${r%:*} -p ${r##*:} CLIENT UNPAUSE"
ha_until 30 replica_has v2
run "printf ':readonly on\nGET $key\n' | rc-repl"
observe "Unpaused, $r caught up: v2. Read from replicas for load, not for read-your-writes (or WAIT after the write)."
