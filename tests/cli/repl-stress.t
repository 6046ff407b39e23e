#!/usr/bin/env bash
# rc-repl under stress on a real 3+3 cluster: WAIT and WAITAOF go to the node
# that took the session's last write (a stalled replica makes them say 0, as
# redis-cli -c says); with :readonly on, a replica killed and restarted in the
# middle of the input still serves reads (READONLY is part of connecting), and
# the session ends soon after its input does; :node "" is refused clearly.
# Ports 16440-16449 only.
# shellcheck disable=SC2317 # helpers are called through retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16440
trap '' PIPE
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(cat "$T/up.log")"
	bail_file "no cluster"
}

port_of() { sed 's/.*://'; }
# owner KEY: the port of the master of KEY's slot; replica_of PORT: the port
# of that master's replica.
owner() { rc-repl -e ":slot $1" | cut -f3 | port_of; }
replica_of() {
	local id
	id=$(rcli "$1" CLUSTER MYID)
	rcli "$1" CLUSTER NODES | awk -v id="$id" '$4 == id && $3 !~ /fail/ {
		split($2, a, "[:@]"); print a[2]; exit }'
}
# session: rc-repl in the background, its input the fifo on fd 3, stdout in
# $T/mo, stderr in $T/me, its pid in $rpid.  Close fd 3 to end it.
session() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	: >"$T/mo"
	: >"$T/me"
	timeout 120 rc-repl <"$T/fifo" >>"$T/mo" 2>>"$T/me" &
	rpid=$!
	exec 3>"$T/fifo"
}
has_lines() { [[ $(wc -l <"$T/mo") -ge $1 ]]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# link_up PORT: the replica on PORT is synced with its master.
link_up() { rcli "$1" INFO replication | grep -q 'master_link_status:up'; }

# --- WAIT goes to the master that took the write --------------------------------
# A key whose master is not the seed, so that the seed cannot answer for it.
key=
for k in wk:1 wk:2 wk:3 wk:4 wk:5 wk:6 wk:7 wk:8; do
	[[ $(owner "$k") != "$BASE" ]] && key=$k && break
done
wm=$(owner "$key")
wr=$(replica_of "$wm")
note "key $key: master $wm, replica $wr"
rc-repl -e "SET $key v0" -e "WAIT 1 5000" >"$T/o" 2>"$T/e"
is "$(cat "$T/o")" "$(printf 'OK\n1')" "WAIT after a write, replica up: 1"

cluster_cmd pause "$wr" >/dev/null
at_exit "RC_LAB_PORT=$BASE RC_LAB_DIR=$LAB_DIR $LAB resume $wr >/dev/null 2>&1"
printf 'SET %s v1\nWAIT 1 300\n' "$key" | rc-repl >"$T/o" 2>"$T/e"
is "$(cat "$T/o")" "$(printf 'OK\n0')" "batch: the write's replica stalled: WAIT 1 300 says 0"
theirs=$(printf 'SET %s v1\nWAIT 1 300\n' "$key" | rcli_c $BASE | grep -v '^-> Redirected')
is "$(cat "$T/o")" "$theirs" "as redis-cli -c says"
rc-repl -e "SET $key v2" -e "GET wk:other" -e "WAIT 1 300" >"$T/o" 2>"$T/e"
is "$(cat "$T/o")" "$(printf 'OK\n\n0')" "-e: a read after the write does not change where WAIT goes"
rc-repl -e ':route on' -e "SET $key v3" -e "WAIT 1 300" >"$T/o" 2>"$T/e"
like "$(cat "$T/e")" "last write -> 127\.0\.0\.1:$wm" ":route on says where WAIT went"
if [[ $(rcli $BASE COMMAND INFO waitaof | head -n 1) == waitaof ]]; then
	rc-repl -e "SET $key v3" -e "WAITAOF 0 1 300" >"$T/o" 2>"$T/e"
	is "$(cat "$T/o")" "$(printf 'OK\n0\n0')" "WAITAOF too goes to the write's master"
else
	skip "the server has no WAITAOF"
fi
rc-repl -e ':split on' -e "MSET $key v4 wk:other x" -e "WAIT 1 300" >"$T/o" 2>"$T/e"
is "$(cat "$T/o")" "$(printf 'OK\n0')" ":split: WAIT asks every master the write went to, the least count"
rc-repl -e "MULTI" -e "SET $key v5" -e "EXEC" -e "WAIT 1 300" >"$T/o" 2>"$T/e"
is "$(tail -n 1 "$T/o")" "0" "after a transaction: WAIT goes to its node"
rc-repl -e ":node 127.0.0.1:$wm" -e "SET $key v6" -e ":node off" -e "WAIT 1 300" >"$T/o" 2>"$T/e"
is "$(cat "$T/o")" "$(printf 'OK\n0')" "after a write on a pinned node: WAIT goes there"
rc-repl -e "WAIT 0 100" >"$T/o" 2>"$T/e"
like "$(cat "$T/o")" "^[0-9]+$" "WAIT with no write yet runs"
like "$(cat "$T/e")" "no write in this session yet: WAIT went to 127\.0\.0\.1:[0-9]+" "and says where it went"
cluster_cmd resume "$wr" >/dev/null
ok "the replica catches up" retry 30 link_up "$wr"

# --- :readonly through a replica's restart -------------------------------------------
# A restarted server must not hold the session's input open: the writer of
# the fifo (fd 3) is closed for it.
restart() { cluster_cmd start "$1" 3>&- >/dev/null 2>&1; }
rk=rk:1
rc-repl -e "SET $rk val" -e "WAIT 1 5000" >/dev/null
rm_=$(owner "$rk")
rr=$(replica_of "$rm_")
session
printf ':readonly on\n:route on\nGET %s\n' "$rk" >&3
ok "a read comes back" retry 20 has_lines 1
like "$(cat "$T/me")" "replica read -> 127\.0\.0\.1:$rr" "from the replica"
# Restarted between two reads: the new connection says READONLY too.
cluster_cmd kill "$rr" >/dev/null 2>&1
restart "$rr"
ok "the replica is back and synced" retry 60 link_up "$rr"
: >"$T/me"
printf 'GET %s\n' "$rk" >&3
ok "the next read comes back" retry 20 has_lines 2
like "$(cat "$T/me")" "replica read -> 127\.0\.0\.1:$rr" "from the restarted replica, on a new connection"
# Down while read: the master answers.
cluster_cmd kill "$rr" >/dev/null 2>&1
printf 'GET %s\n' "$rk" >&3
ok "with the replica down, the read is served" retry 20 has_lines 3
like "$(cat "$T/me")" "slot [0-9]+ -> 127\.0\.0\.1:$rm_" "by the master"
restart "$rr"
ok "the replica is back and synced again" retry 60 link_up "$rr"
for i in 1 2 3 4 5; do printf 'GET %s\n' "$rk" >&3; done
ok "five more reads come back" retry 20 has_lines 8
# It rested a second after it failed: reads find it again.
replica_serves() {
	local n
	n=$(wc -l <"$T/mo")
	printf 'GET %s\n' "$rk" >&3
	retry 10 has_lines $((n + 1)) &&
		[[ $(tail -n 1 "$T/me") == *"replica read -> 127.0.0.1:$rr" ]]
}
ok "and the restarted replica serves reads again" retry 20 replica_serves
exec 3>&-
ok "the session ends within 10 s of its input" retry 10 gone "$rpid"
kill -KILL "$rpid" 2>/dev/null
is "$(sort -u "$T/mo")" "val" "every read got the value"
unlike "$(cat "$T/me")" "MOVED|IOERR|CONNERR" "no MOVED, no IOERR, no CONNERR"

# --- what the session said once, every connection says --------------------------------
r_all() { rc-repl -e "$@" >"$T/o" 2>"$T/e"; }
r_all 'CLIENT SETNAME stress-name' -e ':all CLIENT GETNAME'
is "$(grep -c '^stress-name$' "$T/o")" 6 "CLIENT SETNAME: every node's connection has the name"
for p in $(cluster_ports); do rcli "$p" ACL SETUSER stress on '>stress-pw' '~*' '&*' '+@all' >/dev/null; done
r_all 'AUTH stress stress-pw' -e ':all ACL WHOAMI' -e 'SET wk:auth 1' -e 'ACL WHOAMI'
is "$(grep -c '^stress$' "$T/o")" 7 "AUTH: every connection, old and new, is the user's"
r_all 'HELLO 2 AUTH stress stress-pw SETNAME hello-name' -e ':all CLIENT GETNAME'
is "$(grep -c '^hello-name$' "$T/o")" 6 "HELLO ... AUTH ... SETNAME: the same"

# --- :node "" -------------------------------------------------------------------------
rc-repl -e ':node ""' >"$T/o" 2>"$T/e"
RC=$?
is "$RC" 2 ':node "": a usage error'
like "$(cat "$T/e")" ':node needs a node: an address \(HOST:PORT or PORT\) or a node id' "with a clear message"

done_testing
