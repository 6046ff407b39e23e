#!/usr/bin/env bash
# rc-reshard: a master drained of its last slot.  Left without slots, a
# master re-homes itself under the new owner (cluster-allow-replica-
# migration), which on Valkey 8 closes the connections of a move still under
# way.  move takes every slot of a master that has a replica: the master and
# its replica are kept where they are for the move (a master without slots
# after it) and the setting is put back.  del-node does the same for its
# drain: when it fails half-way, and when it is done.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=16780
# A long node timeout: a master paused below must not be failed over.
cluster_up $BASE 4 1 20000 >/dev/null || bail_file "no cluster"
NKEYS=5000
ok "load $NKEYS keys" load_keys

arm() { rcli "$1" config get cluster-allow-replica-migration | tail -1; }
nslots() {
	rcli "$1" cluster nodes | awk '/myself/ { n = 0; for (i = 9; i <= NF; i++) {
		if ($i ~ /^\[/) continue; split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }'
}
replica_of() { rcli "$BASE" cluster nodes | awk -v m="$(id_of "$1")" '$4 == m { split($2, a, "[:@]"); print a[2] }'; }

# --- move: every slot of a master with a replica ---------------------------------------
SRC=$((BASE + 1)) DST=$((BASE + 2))
SREP=$(replica_of $SRC)
is "$(wc -w <<<"$SREP")" 1 "the source has a replica"
n=$(nslots $SRC)
ok "move takes all $n slots of a master that has a replica" \
	sh -c 'rc-reshard move --from "$1" --to "$2" --slots "$3" >"$4"' _ \
	127.0.0.1:$SRC 127.0.0.1:$DST "$n" "$T/move.out"
is "$(grep -c . "$T/move.out")" "$n" "a row for each"
is "$(nslots $SRC)" 0 "the source owns no slot"
# Kept from re-homing while its last slots went (on Valkey 8 its demotion
# closed the move's connections with a hundred slots still to go): it
# stays a master without slots, its replica with it, the setting back.
is "$(rcli $SRC role | sed -n 1p)" master "the source stays a master"
is "$(replica_of $SRC)" "$SREP" "its replica still follows it"
is "$(arm $SRC)" yes "cluster-allow-replica-migration is yes again on the source"
is "$(arm "$SREP")" yes "and on its replica"
ok "keys intact" verify_keys
ok "rc-reshard check clean" retry 30 rc-reshard check

# --- del-node that fails ------------------------------------------------------------
# BASE + 2 is to be drained into the other two masters; one of them (not the
# seed) is frozen, so del-node fails after --timeout, once it has changed
# the setting: CONFIG SET runs twice on each node, there and back.
GONE=$DST OTHER=$((BASE + 3))
# csets PORT: how many CONFIG SETs the node has run.
csets() {
	rcli "$1" info commandstats | tr -d '\r' |
		awk -F'[=,]' '/^cmdstat_config\|set:/ { n = $2 } END { print n + 0 }'
}
for p in $GONE $(replica_of $GONE); do
	is "$(arm "$p")" yes "cluster-allow-replica-migration is yes on $p"
	eval "before_$p=$(csets "$p")"
done
cluster_cmd pause $OTHER >/dev/null
exit_is 3 "del-node fails when a master does not answer" \
	rc-reshard --timeout 1 -y del-node 127.0.0.1:$GONE
cluster_cmd resume $OTHER >/dev/null
like "$OUT" "127\.0\.0\.1:$OTHER" "naming it"
for p in $GONE $(replica_of $GONE); do
	b=before_$p
	is "$(($(csets "$p") - ${!b}))" 2 "cluster-allow-replica-migration set and put back on $p"
	is "$(arm "$p")" yes "it is yes on $p after the failure"
done
ok "check clean after the failure" retry 30 rc-reshard check
ok "keys intact" verify_keys

# --- del-node to the end -------------------------------------------------------------
REPS=$(replica_of $GONE)
for p in $GONE $REPS; do eval "before_$p=$(csets "$p")"; done
ok "del-node drains it" sh -c 'rc-reshard -y del-node "$1" >"$2"' _ 127.0.0.1:$GONE "$T/del.out"
is "$(nslots $GONE)" 0 "it owns no slot"
for p in $GONE $REPS; do
	b=before_$p
	is "$(($(csets "$p") - ${!b}))" 2 "cluster-allow-replica-migration set and put back on $p"
	is "$(arm "$p")" yes "it is yes on $p"
done
is "$(rcli $GONE cluster info | tr -d '\r' | grep cluster_known_nodes)" \
	"cluster_known_nodes:1" "the removed node was reset"
ok "keys intact" verify_keys
ok "rc-reshard check clean at the end" retry 30 rc-reshard check

done_testing
