#!/usr/bin/env bash
# Lab 18: auth and ACL - a lab cluster of its own made with a password
# (requirepass and masterauth), the tools given it through RC_AUTH; NOAUTH
# and WRONGPASS as the tools print them; a read-only ACL user (RC_USER) and
# its NOPERM; and no password on any command line or in rc-repl's history.
# Six nodes on the ports 70-75 after the lab's base port, in a state
# directory of their own, removed at the end: the lab cluster is not touched.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-repl redis-cli script

host=${RC_CLUSTER%:*}
base=${RC_LAB_PORT:-${RC_CLUSTER##*:}}
port=$((base + 70))
addr=$host:$port
work=$(mktemp -d "${TMPDIR:-/tmp}/lab18.XXXXXX")
own() { RC_LAB_PORT=$port RC_LAB_DIR=$work/lab "$LAB_CLUSTER" "$@"; }
watcher=
cleanup() {
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
	own clean >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
# The tools must not find a password, or a user, the learner had set.
unset RC_AUTH RC_USER REDISCLI_AUTH

# Two throwaway passwords, made here and never printed: one for the
# default user, one for the read-only user.
pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
rpw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

title "Auth and ACL"
say "A cluster that anyone on the network can write to is one command away" \
	"from FLUSHALL. This lab makes a cluster of its own with a password: every" \
	"node gets requirepass (clients must AUTH) and masterauth (a replica uses" \
	"it to sync from its master). The password is in \$pw, made at random;" \
	"labs/cluster writes it into each node's redis.conf when RC_AUTH is set."
run "RC_AUTH=\"\$pw\" RC_LAB_PORT=$port RC_LAB_DIR=\"\$work/lab\" \"\$LAB_CLUSTER\" up -m 3 -r 1"
run "grep -c -E '^(requirepass|masterauth) ' \"\$work/lab/$port/redis.conf\""
replica=$(REDISCLI_AUTH=$pw redis-cli -h "$host" -p "$port" CLUSTER NODES |
	awk '$3 ~ /slave/ { sub(/@.*/, "", $2); print $2; exit }')
run "REDISCLI_AUTH=\"\$pw\" redis-cli -h ${replica%:*} -p ${replica##*:} INFO replication | grep -E '^(role|master_link_status):'"
link=$(REDISCLI_AUTH=$pw redis-cli -h "${replica%:*}" -p "${replica##*:}" INFO replication |
	tr -d '\r' | sed -n 's/^master_link_status://p')
if [ "$link" = up ]; then
	observe "Both lines are in node $port's redis.conf, and the replica $replica synced: its link to its master is up, with masterauth."
else
	observe "The replica $replica's link to its master is $link."
fi
pause

say "1. No password. A client that sends a command without AUTH gets NOAUTH:"
show_status "redis-cli -h $host -p $port GET {lab18}:note"
[ "$LAST" != 0 ] || observe "redis-cli printed the error and exited 0: a script that uses it must read what it prints, not only its exit status."
show_status "rc-dist -c $addr nodes"
[ "$LAST" != 0 ] || { echo "lab: rc-dist worked without a password" >&2; exit 1; }
observe "rc-dist cannot even read the slot map (reading it is a command too, and wants AUTH): it exits $LAST (3 is 'the cluster could not be reached or refused')."
pause

say "2. The wrong password: WRONGPASS."
show_status "RC_AUTH=not-the-password rc-dist -c $addr nodes"
[ "$LAST" != 0 ] || { echo "lab: rc-dist worked with a wrong password" >&2; exit 1; }
pause

say "3. The password in RC_AUTH (redis-cli reads REDISCLI_AUTH): the tools" \
	"take it from the environment and AUTH on every connection they make."
run "export RC_AUTH=\"\$pw\""
run "rc-dist -c $addr nodes"
run "printf 'SET {lab18}:note \"written by default\"\nGET {lab18}:note\n' | rc-repl -c $addr"
pause

say "4. An ACL user with read-only rights. ACL users live in each node: ACL" \
	"SETUSER is not replicated, not even to the node's replicas, so it goes to" \
	"every node (rc-repl's :all), replicas too, as a replica that takes over" \
	"must know the user. The line goes on rc-repl's standard input, not on a" \
	"command line: it holds the user's password."
say "reader: on, password \$rpw, every key (~*) and channel (&*), the @read" \
	"commands, AUTH and PING (@connection), and what a cluster client needs to" \
	"find the slots: CLUSTER NODES, SHARDS, SLOTS, INFO, MYID, and INFO; and ACL" \
	"WHOAMI, to ask who it is."
acl="ACL SETUSER reader reset on >\$rpw ~* &* +@read +@connection +cluster|nodes +cluster|shards +cluster|slots +cluster|info +cluster|myid +info +acl|whoami"
run "printf '%s\n' \":all $acl\" | rc-repl -c $addr | grep -c -x OK"
run "printf ':all ACL LIST\n' | rc-repl -c $addr | grep -c '^user reader on'"
nusers=$(printf ':all ACL LIST\n' | rc-repl -c "$addr" | grep -c '^user reader on' || true)
nnodes=$(rc-dist -T -c "$addr" nodes | grep -c . || true)
observe "$nusers of the $nnodes nodes list the user reader, on."
pause

say "As reader (RC_USER names the user, RC_AUTH holds its password): reads" \
	"work, and so does finding the cluster; a write is refused with NOPERM."
run "RC_USER=reader RC_AUTH=\"\$rpw\" rc-dist -c $addr nodes | cut -f1,2"
expect_fail "printf 'GET {lab18}:note\nSET {lab18}:note \"written by reader\"\n' | RC_USER=reader RC_AUTH=\"\$rpw\" rc-repl -c $addr 2>&1"
run "rc-repl -c $addr -e 'GET {lab18}:note'"
note=$(rc-repl -c "$addr" -e 'GET {lab18}:note')
observe "The note still says '$note': the reader read it, and could not write it."
say "The password right, the user wrong: WRONGPASS, as with a wrong password," \
	"so that a client cannot learn which users exist."
show_status "RC_USER=nobody RC_AUTH=\"\$rpw\" rc-repl -c $addr -e 'GET {lab18}:note' 2>&1"
[ "$LAST" != 0 ] || { echo "lab: an unknown user got in" >&2; exit 1; }
pause

say "5. Never a password on a command line: any user of the machine can read" \
	"every process's arguments (ps). The tools read it from the environment" \
	"(RC_AUTH, or a prompt with --askpass), which only the process's own user" \
	"can read. Here is a tool running, watching the cluster every second:"
rc-dist -c "$addr" -w 1 nodes >/dev/null 2>&1 &
watcher=$!
is_rc_dist() { [ "$(cat "/proc/$watcher/comm" 2>/dev/null)" = rc-dist ]; }
n=0
until is_rc_dist; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || {
		echo "lab: rc-dist -w did not start" >&2
		exit 1
	}
	sleep 0.1
done
run "ps -o pid=,args= -p $watcher"
if grep -q -a -F -- "$pw" "/proc/$watcher/cmdline"; then
	observe "The password IS in its arguments."
else
	observe "Its arguments hold no password: the password is in its environment (RC_AUTH), which ps does not show to other users."
fi
kill "$watcher"
wait "$watcher" 2>/dev/null || true
watcher=
say "(redis-cli -a PASSWORD puts it on the command line, and warns that this" \
	"may not be safe: give redis-cli REDISCLI_AUTH instead.)"
pause

say "6. Never a password in a history file. On a terminal rc-repl keeps the" \
	"lines typed in a history file (RC_HISTFILE, ~/.rc_history by default); a" \
	"line that could carry a secret (AUTH, ACL SETUSER, CONFIG SET requirepass," \
	"...) runs, but is never kept. A session on a terminal of its own" \
	"(script(1) makes one) types an AUTH with reader's password, ACL WHOAMI and a GET:"
printf 'AUTH reader %s\nACL WHOAMI\nGET {lab18}:note\n:quit\n' "$rpw" >"$work/typed"
run "RC_HISTFILE=\"\$work/history\" timeout 20 script -q -e -c 'rc-repl -c $addr' /dev/null <\"\$work/typed\" >\"\$work/session\""
who=$(grep -c '"reader"' "$work/session" || true)
say "libedit writes a space in the history file as \\040 and ends a line with \\012; sed shows them as they were typed:"
run "sed 's/\\\\040/ /g; s/\\\\012\$//' \"\$work/history\""
if grep -q -F -- "$rpw" "$work/history"; then
	observe "The password IS in the history."
elif [ "$who" -gt 0 ]; then
	observe "ACL WHOAMI answered \"reader\": the AUTH ran. The history keeps ACL WHOAMI and the GET; the AUTH line, with its password, is not in it."
else
	observe "The history holds no password."
fi
pause

say "Cleaning up: the lab's own cluster goes, its state directory with it."
run "RC_LAB_PORT=$port RC_LAB_DIR=\"\$work/lab\" \"\$LAB_CLUSTER\" clean"
