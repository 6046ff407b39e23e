#!/usr/bin/env bash
# labs/cluster (rc-cluster), used the way a user would: create, status, crash a
# master, hang a node, stop/start, add a node, foreign ports, restart, clean.
# A node on the other server (add --server) and remove. Ports 15000-15099 only.
# shellcheck disable=SC2317 # the helpers below are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

NODES="15000 15001 15002 15003 15004 15005"

# role_of PORT: master | replica | - (as rc-cluster status says it)
role_of() {
	case $(rcli "$1" ROLE 2>/dev/null | head -n1) in
	master) echo master ;;
	slave) echo replica ;;
	*) echo - ;;
	esac
}
is_role() { [[ $(role_of "$1") == "$2" ]]; }
answers() { [[ $(RC_TEST_CLI_TIMEOUT=2 rcli "$1" PING 2>/dev/null) == PONG ]]; }
silent() { ! answers "$1"; }
info_field() { rcli "$1" CLUSTER INFO | tr -d '\r' | sed -n "s/^$2://p"; }
myids() {
	local p
	for p in $NODES; do printf '%s %s\n' "$p" "$(rcli "$p" CLUSTER MYID)"; done
}
# status_line PORT: that node's line of rc-cluster status
status_line() { cluster_cmd status 2>/dev/null | grep "^$1"$'\t'; }
# node_id PORT / replica_of PORT: a node's id; the port of a replica of a master
node_id() { rcli "$1" CLUSTER MYID; }
replica_of() {
	local id
	id=$(node_id "$1")
	rcli "$1" CLUSTER NODES | awk -v id="$id" '$4 == id { a = $2; sub(/@.*/, "", a); sub(/.*:/, "", a); print a; exit }'
}
state_ok() { [[ $(info_field "$1" cluster_state) == ok ]]; }
replicates() { [[ $(replica_of "$2") == "$1" ]]; }
# a plain redis-server, not part of any lab, listening on PORT (which may be a bus
# port, above the test port guard: so no rcli here)
foreign_redis() {
	"${RC_REDIS_SERVER:-redis-server}" --port "$1" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$T" --logfile "$T/foreign-$1.log" </dev/null >/dev/null 2>&1 &
	local pid=$!
	disown "$pid" # no "Killed" job notice when at_exit kills it
	at_exit "kill -KILL $pid"
	retry 10 foreign_answers "$1"
}
foreign_answers() { [[ $(timeout 2 "${RC_REDIS_CLI:-redis-cli}" -p "$1" PING 2>/dev/null) == PONG ]]; }

# --- up: a 3+3 cluster -----------------------------------------------------
ok "up creates a cluster of 3 masters and 3 replicas" cluster_up 15000 3 1 2000 ||
	bail_file "no cluster: nothing else can be tested"
like "$OUT" "cluster up: 6 nodes \(3 masters, 3 replicas\) on 127\.0\.0\.1:15000-15005" "up says what it made"

status=$(cluster_cmd status)
rc=$?
is "$rc" 0 "status exits 0 on a healthy cluster"
is "$(grep -vc '^#' <<<"$status")" 6 "status has a line per node"
is "$(awk -F'\t' '!/^#/ && NF != 5' <<<"$status")" "" "status lines have 5 TAB-separated fields"
is "$(awk -F'\t' '!/^#/ && $5 != "'"$RC_SERVER"'"' <<<"$status")" "" "the last is the server, $RC_SERVER"
is "$(cut -f1 <<<"$status" | grep -v '^#' | tr '\n' ' ')" "$NODES " "status lists the ports in order"
is "$(grep -c $'\t[0-9]\+\trunning\t' <<<"$status")" 6 "all 6 nodes are running, with a pid"
is "$(grep -c $'\tmaster\t' <<<"$status")" 3 "3 masters"
is "$(grep -c $'\treplica\t' <<<"$status")" 3 "3 replicas"
is "$(tail -n1 <<<"$status")" "# cluster_state:ok" "status ends with the cluster state"

bad=
for p in $NODES; do
	[[ $(info_field "$p" cluster_state) == ok ]] || bad+=" $p"
done
is "$bad" "" "CLUSTER INFO says cluster_state:ok on every node"
bad=
for p in $NODES; do
	[[ $(info_field "$p" cluster_slots_ok) == 16384 && $(info_field "$p" cluster_known_nodes) == 6 ]] || bad+=" $p"
done
is "$bad" "" "every node knows 6 nodes and sees 16384 slots ok"
# CLUSTER SLOTS leaves out a replica until its first sync is seen done: up
# returns only when every node routes clients to all six.
bad=
for p in $NODES; do
	[[ $(rcli "$p" CLUSTER SLOTS | grep -c -x '1500[0-5]') == 6 ]] || bad+=" $p"
done
is "$bad" "" "every node's CLUSTER SLOTS lists all 3 masters and 3 replicas"
per_master=$(rcli 15000 CLUSTER NODES | awk '$3 ~ /slave/ { n[$4]++ } END { for (m in n) print n[m] }' | sort | tr '\n' ' ')
is "$per_master" "1 1 1 " "each master has exactly one replica"
ok "redis-cli --cluster check passes" "${RC_REDIS_CLI:-redis-cli}" --cluster check 127.0.0.1:15003
is "$(cluster_cmd ports | tr '\n' ' ')" "$NODES " "ports lists the node ports"
like "$(stat -c %a "$LAB_DIR/15000/redis.conf")" '^600$' "redis.conf is readable by its owner only"

# --- up again: nothing to do -----------------------------------------------
ids=$(myids)
pids_before=$(cut -f2 <<<"$status")
exit_is 0 "up on a healthy cluster exits 0" cluster_cmd up
like "$OUT" "already up" "and says it is already up"
is "$(cluster_cmd status | cut -f2)" "$pids_before" "no node was restarted"
is "$(myids)" "$ids" "no node was re-created"

# --- kill a master: a crash --------------------------------------------------
m=$(cluster_cmd status | awk -F'\t' '$4 == "master" { print $1; exit }')
r=$(replica_of "$m")
like "$m:$r" '^150[0-9][0-9]:150[0-9][0-9]$' "found master $m and its replica $r"
ok "kill $m" cluster_cmd kill "$m"
exit_is 1 "status exits 1 with a node down" cluster_cmd status
like "$OUT" "$m"$'\t-\tdead\t-' "status shows the killed master as dead"
unlike "$OUT" "$r"$'\t[0-9]+\tdead' "and its replica as alive"
ok "replica $r is promoted to master" retry 30 is_role "$r" master
ok "the cluster is ok again without $m" retry 30 state_ok "$r"
exit_is 1 "status still exits 1 while $m is dead" cluster_cmd status
ok "start $m" cluster_cmd start "$m"
ok "$m rejoins as a replica" retry 30 is_role "$m" replica
ok "$m replicates its old replica $r" retry 10 replicates "$m" "$r"
ok "status is healthy again" cluster_wait_ok 30

# --- pause/resume: a hung node -----------------------------------------------
q=$(cluster_cmd status | awk -F'\t' -v m="$m" '$4 == "replica" && $1 != m { print $1; exit }')
ok "pause replica $q" cluster_cmd pause "$q"
exit_is 1 "status exits 1 with a paused node (and does not hang)" \
	timeout 30 env RC_LAB_PORT="$LAB_BASE" RC_LAB_DIR="$LAB_DIR" "$LAB" status
like "$(status_line "$q")" "^$q"$'\t[0-9]+\tpaused\t-\t'"$RC_SERVER\$" "status shows the node paused"
exit_is 124 "a paused node does not answer" timeout 1 "${RC_REDIS_CLI:-redis-cli}" -p "$q" PING
ok "resume $q" cluster_cmd resume "$q"
ok "the resumed node answers" retry 10 answers "$q"
ok "status is healthy after resume" cluster_wait_ok 30

# --- stop/start ------------------------------------------------------------
ok "stop replica $q" cluster_cmd stop "$q"
like "$(status_line "$q")" "^$q"$'\t-\tstopped\t-\t'"$RC_SERVER\$" "status shows the node stopped"
exit_is 1 "status exits 1 with a stopped node" cluster_cmd status
ok "the stopped node's port is closed" silent "$q"
ok "start $q" cluster_cmd start "$q"
ok "it comes back as a replica" retry 30 is_role "$q" replica
ok "status is healthy after start" cluster_wait_ok 30
exit_is 2 "start PORT not of the lab is a usage error" cluster_cmd start 15099
like "$OUT" "15099" "and the message names the port"

# --- add: a fresh node -----------------------------------------------------
exit_is 0 "add 15010" cluster_cmd add 15010
is "$OUT" "127.0.0.1:15010" "add prints the new node's address"
is "$(role_of 15010)" master "the new node is a master"
is "$(info_field 15010 cluster_known_nodes)" 1 "that knows only itself"
is "$(info_field 15010 cluster_slots_assigned)" 0 "with no slots"
is "$(rcli 15010 DBSIZE)" 0 "and no keys"
unlike "$(rcli 15000 CLUSTER NODES)" ":15010@" "the cluster does not know it"
is "$(cluster_cmd ports | tail -n1)" 15010 "ports lists it"
ok "a lone added node does not make status unhealthy" cluster_cmd status
exit_is 3 "add of a port in use fails with 3" cluster_cmd add 15010
like "$OUT" "15010" "naming the port"
like "$(cluster_cmd logs 15010)" "Ready to accept connections" "logs shows the node's log"

# --- a node on the other server, then removed -----------------------------------
# For valkey, "redis-server" in PATH is valkey (lib.sh's links): the real one
# comes from PATH without them.
other=valkey
server_is valkey && other=redis
other_cmd() { PATH=${PATH#"$T/server-bin:"} cluster_cmd "$@"; }
title_of() { tr '\0' ' ' <"/proc/$(cat "$LAB_DIR/$1/redis.pid")/cmdline"; }
exit_is 0 "add 15011 --server $other" other_cmd add 15011 --server "$other"
like "$(status_line 15011)" $'^15011\t[0-9]+\trunning\tmaster\t'"$other\$" "status says its server"
like "$(title_of 15011)" "^$other-server [^ ]*:15011 " "it is a $other-server (its process title)"
ok "stop 15011" cluster_cmd stop 15011
ok "start 15011 (with the other server first in PATH)" cluster_cmd start 15011
like "$(title_of 15011)" "^$other-server [^ ]*:15011 " "it starts again on its own server"
exit_is 0 "the other nodes keep theirs" test -z "$(cluster_cmd status | awk -F'\t' '!/^#/ && $1 != 15011 && $5 != "'"$RC_SERVER"'"')"
exit_is 2 "add --server with a bad name is a usage error" cluster_cmd add 15012 --server memcached
like "$OUT" "bad server 'memcached': want redis or valkey" "saying what it wants"
ok "and makes nothing" test ! -e "$LAB_DIR/15012"
exit_is 1 "remove refuses a running node" cluster_cmd remove 15011
like "$OUT" "node 15011 is running" "saying so"
ok "stop 15011" cluster_cmd stop 15011
exit_is 0 "remove a stopped node the cluster does not know" cluster_cmd remove 15011
ok "its directory is gone" test ! -e "$LAB_DIR/15011"
unlike "$(cluster_cmd ports)" "15011" "ports no longer lists it"
q=$(cluster_cmd status | awk -F'\t' '$4 == "replica" { print $1; exit }')
ok "stop replica $q" cluster_cmd stop "$q"
exit_is 1 "remove refuses a node the cluster still knows" cluster_cmd remove "$q"
like "$OUT" "node $q is still known to the cluster.*rc-reshard del-node" "saying how to retire it"
ok "its files are kept" test -f "$LAB_DIR/$q/nodes.conf"
ok "start $q" cluster_cmd start "$q"
ok "status is healthy again" cluster_wait_ok 30
exit_is 0 "up --server on a lab that exists" cluster_cmd up --server "$other"
like "$OUT" "--server ignored" "says the option is ignored"

# --- ports taken by something else -------------------------------------------
ok "a foreign redis-server listens on 15020" foreign_redis 15020
exit_is 3 "add on a foreign port fails with 3" cluster_cmd add 15020
like "$OUT" "port 15020 is in use" "naming the port"
ok "and creates nothing" test ! -e "$LAB_DIR/15020"
ok "a foreign redis-server listens on 25021 (bus port of 15021)" foreign_redis 25021
exit_is 3 "add whose bus port is taken fails with 3" cluster_cmd add 15021
like "$OUT" "port 25021 \(the cluster bus port of 15021\)" "naming the bus port"
ok "a foreign redis-server listens on 15032" foreign_redis 15032
LAB_BASE=15030 LAB_DIR=$T/other exit_is 3 "up with a port of the range taken fails with 3" cluster_cmd up
like "$OUT" "port 15032 is in use" "naming the port"
ok "and starts no node on 15030" silent 15030
ok "nor on 15031" silent 15031
is "$(find "$T/other" -name redis.pid 2>/dev/null)" "" "and leaves no pidfile"
is "$(rcli 15032 CLUSTER INFO 2>&1 | head -n1)" "ERR This instance has cluster support disabled" "the foreign server is untouched"

# --- usage -----------------------------------------------------------------
exit_is 2 "an unknown command is a usage error" cluster_cmd frobnicate
like "$OUT" "^rc-cluster: unknown command 'frobnicate'" "with an rc-cluster: message"
exit_is 2 "no command is a usage error" cluster_cmd
exit_is 2 "up -m 2 is a usage error" cluster_cmd up -m 2
exit_is 2 "kill without a port is a usage error" cluster_cmd kill
exit_is 0 "-h exits 0" cluster_cmd -h
like "$OUT" "usage: .*up \[-y\] \[-m masters\].*\[--server redis\|valkey\]" "and prints usage"

# --- down and up: restart from saved state -----------------------------------
ids=$(myids)
ok "a key written before down" rcli_c 15000 SET lab:kept yes
ok "down" cluster_cmd down
status=$(cluster_cmd status)
rc=$?
is "$rc" 1 "status exits 1 when down"
is "$(grep -c $'\t-\tstopped\t-\t' <<<"$status")" 7 "all 7 nodes are stopped"
is "$(tail -n1 <<<"$status")" "# cluster_state:down" "and the cluster down"
still=
for p in $NODES 15010; do answers "$p" && still+=" $p"; done
is "$still" "" "no node answers after down"
ok "up after down" cluster_cmd up
like "$OUT" "restarted" "restarts from saved state"
ok "status is healthy after the restart" cluster_cmd status
is "$(myids)" "$ids" "the nodes kept their ids (not re-created)"
bad=
for p in $NODES; do
	[[ $(info_field "$p" cluster_state):$(info_field "$p" cluster_slots_ok) == ok:16384 ]] || bad+=" $p"
done
is "$bad" "" "every node is ok with 16384 slots after the restart"
is "$(rcli_c 15000 GET lab:kept)" yes "keys survive down and up (SHUTDOWN SAVE)"

# --- clean -----------------------------------------------------------------
ok "clean" cluster_cmd clean
ok "the state dir is gone" test ! -e "$LAB_DIR"
still=
for p in $NODES 15010; do answers "$p" && still+=" $p"; done
is "$still" "" "no node answers after clean"
exit_is 1 "status exits 1 with no lab" cluster_cmd status
exit_is 1 "ports exits 1 with no lab" cluster_cmd ports

done_testing
