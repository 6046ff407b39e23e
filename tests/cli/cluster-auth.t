#!/usr/bin/env bash
# labs/cluster with a password lab, broken on purpose (issue 18, items 1-2):
# down, status and up without the password in the shell or with a wrong one,
# a node whose password changed, and a real kill: a crash comes back without
# the dump of the last down, and a master that would come back empty asks
# for -y. Ports 15360-15365.
# shellcheck disable=SC2317 # the helpers below are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15360
NODES="15360 15361 15362 15363 15364 15365"
export RC_AUTH='lab pass"word'

# Without the password in the environment, or with a wrong one.
noauth() { (unset RC_AUTH; cluster_cmd "$@"); }
wrongauth() { RC_AUTH=wrong cluster_cmd "$@"; }

pid_of_node() { cat "$LAB_DIR/$1/redis.pid" 2>/dev/null; }
role_of() { rcli "$1" ROLE 2>/dev/null | head -n1; }
is_role() { [[ $(role_of "$1") == "$2" ]]; }
answers() { [[ $(RC_TEST_CLI_TIMEOUT=2 rcli "$1" PING 2>/dev/null) == PONG ]]; }
# the masters and replicas, as node BASE sees them now
live_masters() {
	rcli "$BASE" CLUSTER NODES | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { split($2, a, "[:@]"); print a[2] }' | sort -n
}
replica_of() {
	local id
	id=$(rcli "$1" CLUSTER MYID)
	rcli "$BASE" CLUSTER NODES | awk -v id="$id" '$4 == id && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2]; exit }'
}
# keys PATTERN: how many keys match, on every live master
keys() {
	local p n=0
	for p in $(live_masters); do
		n=$((n + $(rcli "$p" --scan --pattern "$1" | wc -l)))
	done
	echo "$n"
}
dbsize_is() { [[ $(rcli "$1" DBSIZE) == "$2" ]]; }
write_keys() {
	local prefix=$1 n=$2 i
	# rc-repl, not redis-cli -c: one connection a node, not one a redirect.
	for ((i = 1; i <= n; i++)); do printf 'SET %s:%d v%d\n' "$prefix" "$i" "$i"; done |
		rc-repl -c "127.0.0.1:$BASE" >/dev/null
	for p in $(live_masters); do rcli "$p" WAIT 1 5000 >/dev/null; done
	[[ $(keys "$prefix:*") == "$n" ]]
}
set_timeout() {
	local p
	for p in $NODES; do rcli "$p" CONFIG SET cluster-node-timeout "$1" >/dev/null || return 1; done
}

# --- a password lab --------------------------------------------------------------
ok "up makes a password lab" cluster_up $BASE 3 1 2000 || bail_file "no cluster"
ok "its nodes want the password" bash -c "${RC_REDIS_CLI:-redis-cli} -p $BASE PING | grep -q NOAUTH"
unlike "$(cat "$LAB_DIR"/*/redis.log)" "pass\"word" "the password is in no log"
ok "300 keys written" write_keys k 300

# --- down without the password in the shell: the launcher uses its own -------------
exit_is 0 "down without RC_AUTH exits 0" noauth down
unlike "$OUT" "killing|killed" "and kills nothing"
is "$(noauth status | grep -c $'\t-\tstopped\t')" 6 "every node is stopped"
bad=
for p in $NODES; do [[ -s $LAB_DIR/$p/dump.rdb ]] || bad+=" $p"; done
is "$bad" "" "every node saved its keys (SHUTDOWN SAVE)"
exit_is 0 "up without RC_AUTH" noauth up
like "$OUT" "restarted from saved state" "restarts the lab"
unlike "$OUT" "empty" "with nothing empty"
is "$(keys 'k:*')" 300 "the 300 keys survived down and up"
exit_is 0 "status with a wrong RC_AUTH still gets in (the lab's own password)" wrongauth status
exit_is 0 "and so does up" wrongauth up
like "$OUT" "already up" "which finds it up"

# --- a node whose password changed: said, never killed ------------------------------
q=$(noauth status | awk -F'\t' '$4 == "replica" { print $1; exit }')
qpid=$(pid_of_node "$q")
ok "replica $q gets another password (not in its redis.conf)" rcli "$q" CONFIG SET requirepass other
exit_is 1 "status exits 1" noauth status
like "$OUT" "node $q refused the password \(authentication failed" "status says authentication"
like "$OUT" "NOAUTH: set RC_AUTH" "and what to do"
unlike "$OUT" "# cluster_state:down" "and does not call the cluster down"
exit_is 3 "up exits 3 at once" timeout 30 env -u RC_AUTH RC_LAB_PORT="$LAB_BASE" RC_LAB_DIR="$LAB_DIR" "$LAB" up
like "$OUT" "node $q refused the password \(authentication failed.*NOAUTH: set RC_AUTH" "saying authentication, not 'no cluster'"
exit_is 3 "down exits 3" noauth down
like "$OUT" "node $q refused the password.*NOAUTH: set RC_AUTH to its password; it is left running, nothing lost" \
	"naming the node and the password"
unlike "$OUT" "kill" "and kills nothing"
is "$(pid_of_node "$q")" "$qpid" "node $q runs on, the same process"
ok "and answers with its password" bash -c "REDISCLI_AUTH=other ${RC_REDIS_CLI:-redis-cli} -p $q PING | grep -qx PONG"
is "$(noauth status 2>/dev/null | grep -c $'\t-\tstopped\t')" 5 "the other nodes are stopped"
exit_is 0 "down with RC_AUTH set to its password" env RC_AUTH=other RC_LAB_PORT="$LAB_BASE" RC_LAB_DIR="$LAB_DIR" "$LAB" down
ok "node $q is gone" test -z "$(noauth status | awk -F'\t' -v q="$q" '$1 == q && $3 != "stopped"')"
ok "its dump was saved" test -s "$LAB_DIR/$q/dump.rdb"
exit_is 0 "up again" noauth up
is "$(keys 'k:*')" 300 "the 300 keys are all there"

# --- a node that cannot save: down leaves it running ----------------------------------
# A directory where its dump goes: SHUTDOWN SAVE fails, the node serves on.
q=$(noauth status | awk -F'\t' '$4 == "master" { print $1; exit }')
qpid=$(pid_of_node "$q")
ok "master $q cannot write its dump" bash -c "mv '$LAB_DIR/$q/dump.rdb' '$T/dump-$q.rdb' && mkdir -p '$LAB_DIR/$q/dump.rdb/x'"
exit_is 3 "down exits 3" noauth down
like "$OUT" "node $q refused to shut down \(ERR[^)]*; its log: [^)]*\): left running, nothing lost" \
	"naming the node, its answer and its log"
unlike "$OUT" "kill" "and kills nothing"
is "$(pid_of_node "$q")" "$qpid" "node $q runs on, the same process"
ok "and answers" answers "$q"
ok "its dump can be written again" rm -rf "$LAB_DIR/$q/dump.rdb"
exit_is 0 "down again" noauth down
ok "every node is stopped" test "$(noauth status | grep -c $'\t-\tstopped\t')" = 6
exit_is 0 "up" noauth up
is "$(keys 'k:*')" 300 "the 300 keys are all there"

# --- kill then up: no stale data -----------------------------------------------------
ok "every key deleted" bash -c "for p in $(live_masters | tr '\n' ' '); do REDISCLI_AUTH='$RC_AUTH' ${RC_REDIS_CLI:-redis-cli} -p \$p FLUSHALL >/dev/null; done"
ok "500 new keys written" write_keys n 500
is "$(keys 'k:*')" 0 "no old key is left"
# A long node timeout: the replica does not take over before up.
ok "node timeout 60 s" set_timeout 60000
m=$(live_masters | head -n1)
r=$(replica_of "$m")
like "$m:$r" '^153[0-9]{2}:153[0-9]{2}$' "master $m and its replica $r"
mine=$(rcli "$m" DBSIZE)
ok "kill master $m" cluster_cmd kill "$m"
ok "its dump of the last down is set aside" test ! -e "$LAB_DIR/$m/dump.rdb" -a -s "$LAB_DIR/$m/dump.rdb.before-crash"
exit_is 2 "up off a terminal refuses to start it" noauth up
like "$OUT" "node $m crashed as the master of [0-9]+ slots and no replica has taken over: started now, it comes back empty" \
	"saying it would come back empty"
like "$OUT" "add -y" "and asking for -y"
is "$(noauth status | awk -F'\t' -v m="$m" '$1 == m { print $3 }')" dead "node $m is not started"
exit_is 2 "start refuses it too" noauth start "$m"
exit_is 0 "up -y starts it" noauth up -y
like "$OUT" "empty, after a crash: $m" "and says it came back empty"
is "$(rcli_c "$BASE" GET k:1)" "" "no deleted key came back (k:1)"
is "$(keys 'k:*')" 0 "no old key at all"
ok "master $m came back empty" dbsize_is "$m" 0
ok "its replica $r resynced to the empty copy" retry 30 dbsize_is "$r" 0
is "$(keys 'n:*')" $((500 - mine)) "the other masters' new keys are there"
ok "node timeout 2 s" set_timeout 2000

# --- a crash after which the replica took over: no -y needed --------------------------
ok "the lost keys written again" write_keys n 500
m=$(live_masters | tail -n1)
r=$(replica_of "$m")
ok "kill master $m" cluster_cmd kill "$m"
ok "its replica $r takes over" retry 60 is_role "$r" master
exit_is 0 "up starts $m without -y" noauth up
unlike "$OUT" "no replica has taken over" "with no warning"
ok "$m is a replica now" retry 30 is_role "$m" slave
is "$(keys 'n:*')" 500 "every key is there"
is "$(keys 'k:*')" 0 "and no old one"

# --- a killed replica comes back without its dump -------------------------------------
q=$(replica_of "$(live_masters | head -n1)")
ok "kill replica $q" cluster_cmd kill "$q"
exit_is 0 "up" noauth up
ok "replica $q resyncs every key of its master" retry 30 dbsize_is "$q" "$(rcli "$(live_masters | head -n1)" DBSIZE)"

ok "clean without RC_AUTH" noauth clean
ok "the lab is gone" test ! -e "$LAB_DIR"
done_testing
