#!/usr/bin/env bash
# Labs 18 (auth and ACL), 19 (persistence) and 44 (insurance data) run
# non-interactively against a lab cluster of their own, ports 17500-17505, as
# `make check` runs them; lab 19 adds a node of its own on 17560, lab 18 makes
# a password-protected cluster of its own on 17570-17575.  Each lab's claims
# are checked in its output, and the cluster (keys, slot map, roles, the
# settings and ACL users the labs touch) is as it was after each.  Also
# labs/cluster's crash rules for a node with persistence in its redis.conf.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
require_cmd script

BASE=17500
port_guard 17560 17575
cluster_up $BASE 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30

# state: what every lab must leave as it found it: the keys on the masters,
# the slot map and roles, every node's persistence and memory settings and
# its ACL users.
state() {
	local p t=0
	for p in $(masters); do t=$((t + $(rcli "$p" DBSIZE))); done
	echo "keys $t"
	lab_map
	for p in $(cluster_ports); do
		echo "$p $(rcli "$p" CONFIG GET appendonly save maxmemory maxmemory-policy | tr -d '\r' | paste -s -d ' ')"
		echo "$p $(rcli "$p" ACL USERS | tr -d '\r' | paste -s -d ' ')"
	done
}
start=$(state)
# shellcheck disable=SC2317 # called through retry
whole() { cluster_cmd status >/dev/null 2>&1; }
# back DESC: the cluster is whole and as it was.
back() {
	ok "$1: the cluster is whole" retry 60 whole
	is "$(state)" "$start" "$1: keys, slot map, settings and ACL users as before"
}
lab() {
	exit_is 0 "lab $1 runs to the end" env RC_CLUSTER=127.0.0.1:$BASE RC_LAB_PORT=$BASE \
		RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/$1.sh" </dev/null
}
listening() { ss -ltn | grep -E ":$1 " >/dev/null; }

# --- lab 44 --------------------------------------------------------------------
lab 44-insurance-data
like "$OUT" "== Insurance data ==" "44: the title"
like "$OUT" $'\n-> 300 customers, [0-9]+ policies and [0-9]+ claims, made by [0-9]+ of the customers' \
	"44: counts the generated rows"
like "$OUT" $'\n\\{customer:1\\}:claims\t[0-9]+\tcustomer:1\t' "44: rc-slot -t shows the tag hashed"
like "$OUT" "-> ([0-9]+) commands, \\1 replies, and rc-repl exited 0" "44: one reply per command, no error"
like "$OUT" "-> The masters hold [0-9]+ keys more than before: 3 per customer" \
	"44: the masters hold exactly the keys the files describe"
like "$OUT" "-> EXEC ran the three commands at once: the total went from [0-9]+ to [0-9]+ \\(750 more\\)" \
	"44: the one-customer transaction ran"
like "$OUT" $'\nQUEUED\n(QUEUED\n)?rc-repl: <stdin>:[34]: (MOVED|CROSSSLOT)[^\n]*\n(rc-repl: <stdin>:4: EXECABORT[^\n]*\n)?-> Refused: ' \
	"44: the two-customer transaction meets the server's refusal"
like "$OUT" $'-> Refused: [^\n]*\\. Nothing ran: customer 1\'s total is still' "44: and changed nothing"
like "$OUT" "CROSSSLOT" "44: one MGET over every customer is CROSSSLOT"
like "$OUT" "-> split: 300 keys in [0-9]+ slots on 3 nodes, replies merged" "44: :split splits it"
like "$OUT" $'\n300 totals, sum [0-9]+\n-> The sum, [0-9]+, is the claims file' "44: and the sum matches the file"
like "$OUT" "-> The masters' counts add up to [0-9]+: the [0-9]+ claims of the file and C-new" \
	"44: :masters counts every claim once"
like "$OUT" "unlinked [1-9][0-9]* keys matching \\{customer:\\*" "44: its keys are deleted"
like "$OUT" "-> The masters hold [0-9]+ keys, as before the lab" "44: as many keys as before"
back 44

# --- lab 19 --------------------------------------------------------------------
lab 19-persistence
L=$OUT
like "$L" "== Persistence and production settings ==" "19: the title"
like "$L" "-> appendonly is 'no' and save is '' \\(no snapshot points\\)" "19: the lab's nodes persist nothing"
like "$L" $'node 17560 crashed as the master of 16384 slots and no replica has taken over[^\n]*\n[^\n]*add -y[^\n]*\n\\(exit status 2\\)' \
	"19: labs/cluster will not start a crashed master empty without -y"
like "$L" "-> 0 keys: every key was in memory only" "19: no persistence, nothing back"
like "$L" $'\nsave 3600 1' "19: CONFIG REWRITE wrote the save points into redis.conf"
like "$L" "rdb_last_bgsave_status:ok" "19: BGSAVE went well"
like "$L" "-> 1000 of 1500 keys came back: the snapshot's; the 500 written after it are lost" \
	"19: RDB brings back the snapshot, not what came after"
like "$L" $'\nappendonly yes' "19: CONFIG REWRITE wrote appendonly yes"
like "$L" "-> All 1500 keys came back, the 500 written a moment before the crash too" \
	"19: AOF brings back every write"
oom=$(sed -n 's/^-> \([0-9]*\) of the 300 were written, \([0-9]*\) refused with OOM.*/\1 \2/p' <<<"$L")
read -r w r <<<"$oom"
ok "19: noeviction wrote some ($w) and refused the rest with OOM ($r)" \
	test -n "$oom" -a "${w:-0}" -gt 0 -a "${r:-0}" -gt 0 -a $((${w:-0} + ${r:-0})) = 300
like "$L" "-> 300 of the 300 writes said OK, and [1-9][0-9]* keys were evicted" "19: allkeys-lru evicts instead"
like "$L" "-> 6 of its 6 nodes run without AOF, 6 without a memory limit" "19: the lab cluster was not touched"
like "$L" "persistence: appendonly yes" "19: the checklist"
ok "19: its node is gone" bash -c "! ss -ltn | grep -E ':17560 ' >/dev/null"
ok "19: and its files" test ! -e "$LAB_DIR/17560"
is "$(cluster_ports | paste -s -d ' ')" "$(seq $BASE $((BASE + 5)) | paste -s -d ' ')" "19: the lab's nodes are its six"
back 19
# A node of the lab already on its port (a run killed half way, or the
# user's own): the lab says so and leaves it alone.
ok "19: a node on its port" cluster_cmd add 17560
exit_is 1 "19: the lab will not run over it" env RC_CLUSTER=127.0.0.1:$BASE RC_LAB_PORT=$BASE \
	RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/19-persistence.sh" </dev/null
like "$OUT" "port 17560 is already a node of the lab" "19: and says why"
is "$(rcli 17560 PING)" PONG "19: the node still runs"
ok "19: kill it" cluster_cmd kill 17560
ok "19: and remove it" cluster_cmd remove 17560

# --- lab 18 --------------------------------------------------------------------
lab 18-auth-and-acl
like "$OUT" "== Auth and ACL ==" "18: the title"
like "$OUT" $'\n2\n[^\n]*INFO replication[^\n]*\nrole:(slave|replica)\r?\nmaster_link_status:up\r?\n-> Both lines' \
	"18: requirepass and masterauth in redis.conf, replica synced"
like "$OUT" $'\nNOAUTH Authentication required\\.\n' "18: redis-cli gets NOAUTH"
like "$OUT" $'\nrc-dist: cannot read the cluster: [^\n]*NOAUTH[^\n]*RC_AUTH[^\n]*\n\\(exit status 3\\)' \
	"18: rc-dist says NOAUTH, where the password goes, and exits 3"
like "$OUT" "-> rc-dist cannot even read the slot map [^>]*it exits 3" "18: the observe follows"
like "$OUT" $'\nrc-dist: [^\n]*WRONGPASS[^\n]*\n\\(exit status 3\\)' "18: a wrong password is WRONGPASS, exit 3"
like "$OUT" $'\n6\n\\$ printf \':all ACL LIST' "18: the user is set on all 6 nodes"
like "$OUT" "-> 6 of the 6 nodes list the user reader, on" "18: every node lists it"
like "$OUT" $'\nwritten by default\nrc-repl: <stdin>:2: NOPERM[^\n]*\x27set\x27' "18: the reader reads, and its write is refused with NOPERM"
like "$OUT" "-> The note still says 'written by default'" "18: and the note is unchanged"
like "$OUT" $'\nrc-repl: [^\n]*WRONGPASS[^\n]*\n\\(exit status 3\\)' "18: an unknown user is WRONGPASS too"
like "$OUT" "-> Its arguments hold no password" "18: no password in ps"
like "$OUT" "ACL WHOAMI answered \"reader\": the AUTH ran\\. The history keeps" "18: the AUTH ran and is not in the history"
like "$OUT" $'\n_HiStOrY_V2_\nACL WHOAMI\nGET \\{lab18\\}:note\n:quit\n' "18: the history keeps the other lines"
unlike "$OUT" "(^|[^0-9a-f])[0-9a-f]{24}([^0-9a-f]|$)" "18: no password is ever printed"
hist=$(sed -n '/^_HiStOrY_V2_$/,/^-> /{/^-> /!p}' <<<"$OUT")
like "$hist" "GET" "18: the history as shown"
unlike "$hist" "AUTH" "18: holds no AUTH line"
ok "18: its cluster is gone" bash -c "! ss -ltn | grep -E ':1757[0-5] ' >/dev/null"
back 18

# --- labs/cluster: a crashed node with persistence in its redis.conf -------------
# A lone node, every slot, RDB save points written with CONFIG REWRITE: kill
# keeps its dump (it is the last snapshot) and start needs no -y.
N=17561
lone() { rcli $N "$@"; }
ok "a lone node" cluster_cmd add $N
ok "with every slot" lone CLUSTER ADDSLOTSRANGE 0 16383
lone CONFIG SET save "3600 1" >/dev/null
lone CONFIG REWRITE >/dev/null
# shellcheck disable=SC2317 # called through retry
set_k() { [[ $(lone SET k v 2>/dev/null) == OK ]]; }
ok "it takes a write once its cluster of one is ok" retry 30 set_k
lone SAVE >/dev/null
ok "kill" cluster_cmd kill $N
ok "its dump.rdb stays (save points in its redis.conf)" test -f "$LAB_DIR/$N/dump.rdb"
exit_is 0 "start needs no -y: it does not come back empty" cluster_cmd start $N </dev/null
# shellcheck disable=SC2317 # called through retry
has_k() { [[ $(lone GET k 2>/dev/null) == v ]]; }
ok "the snapshot's key is back" retry 30 has_k
lone CONFIG SET save "" >/dev/null
lone CONFIG SET appendonly yes >/dev/null
# shellcheck disable=SC2317 # called through retry
aof_on() { lone INFO persistence | tr -d '\r' | grep -qx 'aof_rewrite_in_progress:0' &&
	lone INFO persistence | tr -d '\r' | grep -qx 'aof_rewrite_scheduled:0'; }
retry 30 aof_on
lone CONFIG REWRITE >/dev/null
lone SET k2 v2 >/dev/null
ok "kill, AOF on in its redis.conf" cluster_cmd kill $N
ok "its dump.rdb is set aside (no save points)" test ! -f "$LAB_DIR/$N/dump.rdb"
exit_is 0 "start needs no -y: it loads its AOF" cluster_cmd start $N </dev/null
# shellcheck disable=SC2317 # called through retry
has_k2() { [[ $(lone GET k2 2>/dev/null) == v2 ]]; }
ok "the AOF's keys are back" retry 30 has_k2
ok "kill it again" cluster_cmd kill $N
ok "and remove it" cluster_cmd remove $N
ok "its files are gone" test ! -e "$LAB_DIR/$N"

done_testing
