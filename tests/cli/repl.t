#!/usr/bin/env bash
# rc-repl in batch mode against a real 3+3 cluster: quoting, routing, raw and
# terminal reply formats, -e, errors with line numbers and exit status,
# meta-commands, CROSSSLOT vs split mode, pinned node, replica reads, blocking
# commands, subscriptions and MONITOR, RESP3, a real slot migration (ASK then
# MOVED), a pinned node that is down, :masters after a failover, a seed that
# is not a cluster.  Ports 16000-16019 only.
# shellcheck disable=SC2317 # helpers are called through retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16000
PLAIN=16010
# A session that died fails the tests that read its output; writing to its
# input must not kill this script.
trap '' PIPE
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(cat "$T/up.log")"
	bail_file "no cluster"
}

# r ARGS...: rc-repl with stdout and stderr apart ($T/o, $T/e), exit status in RC.
r() {
	RC=0
	rc-repl "$@" >"$T/o" 2>"$T/e" || RC=$?
}
port_of() { sed 's/.*://'; }
node_id() { rcli "$1" CLUSTER MYID; }
# session ARGS...: rc-repl ARGS in the background, its input the fifo on fd 3,
# stdout in $T/mo, stderr in $T/me, its pid in $rpid.  Close fd 3 to end it.
session() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	: >"$T/mo"
	: >"$T/me"
	timeout 60 rc-repl "$@" <"$T/fifo" >>"$T/mo" 2>>"$T/me" &
	rpid=$!
	exec 3>"$T/fifo"
}
# has_lines N: the session has written N lines; last_is TEXT: the last is TEXT.
has_lines() { [[ $(wc -l <"$T/mo") -ge $1 ]]; }
last_is() { [[ $(tail -n 1 "$T/mo") == "$1" ]]; }

# --- basics -------------------------------------------------------------------
printf 'SET foo bar\nGET foo\nGET nothing-here\nINCR n:1\nRPUSH l:1 a b c\nLRANGE l:1 0 -1\n' >"$T/in"
r <"$T/in"
is "$RC" 0 "a clean batch exits 0"
is "$(cat "$T/o")" "$(printf 'OK\nbar\n\n1\n3\na\nb\nc')" "batch replies are raw, one value a line (nil is an empty line)"
is "$(cat "$T/e")" "" "nothing on stderr"

# Quoting like redis-cli: "..." with escapes, '...' literal.
r -e 'SET "a key" "x\ty\x41\"q"' -e "GET 'a key'" -e "SET k2 'it\\'s \\n raw'" -e 'GET k2'
is "$(cat "$T/o")" "$(printf 'OK\nx\tyA"q\nOK\nit'"'"'s \\n raw')" "double quotes decode escapes, single quotes are literal"

# The terminal format (forced with -p) is redis-cli's, byte for byte.
rcli_c $BASE HSET h:1 f v g w >/dev/null
for c in 'GET foo' 'GET nothing-here' 'LRANGE l:1 0 -1' 'LRANGE none 0 -1' 'CLUSTER SLOTS' 'COMMAND INFO get' 'GET "a key"' 'HGETALL h:1' 'HGETALL nope' 'GETDEL nope' 'CLUSTER COUNTKEYSINSLOT 12182'; do
	mine=$(rc-repl -p -e "$c" 2>&1)
	theirs=$(eval "rcli_c $BASE --no-raw $c" 2>&1)
	is "$mine" "$theirs" "-p prints $c as redis-cli does"
done
r -p -e 'SET "bin" "\x00\xff\r\n"' -e 'GET bin'
is "$(sed -n 2p "$T/o")" '"\x00\xff\r\n"' "binary values are quoted with escapes"

# Arguments after the options are one command, no quoting needed.
r GET foo
is "$(cat "$T/o")" "bar" "a command given as arguments"
# With -e they run after the -e lines, as a command of their own.
r -e 'SET e:1 v1' -e PING GET e:1
is "$RC" 0 "-e lines and a command as arguments: no error"
is "$(cat "$T/o")" "$(printf 'OK\nPONG\nv1')" "-e lines run first, then the command given as arguments"
r -e PING GET
like "$(cat "$T/e")" "^rc-repl: argv:2: ERR wrong number of arguments for 'get'" "the argument command's error names it argv:N"

# --- errors ---------------------------------------------------------------------
printf 'SET ok1 1\n"unbalanced\nGET ok1\n:nosuch\nSET a "b"c\nGET ok1\n' >"$T/in"
r <"$T/in"
is "$RC" 2 "bad lines make the exit status 2"
like "$(cat "$T/e")" '<stdin>:2: unbalanced quotes' "unbalanced quote reported with its line number"
like "$(cat "$T/e")" '<stdin>:4: unknown meta-command :nosuch' "unknown meta-command reported with its line number"
like "$(cat "$T/e")" '<stdin>:5: a closing quote must be followed by a space' "a quote glued to a word is refused"
is "$(cat "$T/o")" "$(printf 'OK\n1\n1')" "the lines after a bad one still run"

printf 'INCR foo\nGET foo\n' >"$T/in"
r <"$T/in"
is "$RC" 1 "an error reply makes the exit status 1"
like "$(cat "$T/e")" '^rc-repl: <stdin>:1: ERR value is not an integer' "error replies go to stderr with the line number"
is "$(cat "$T/o")" "bar" "and the next line runs"

r -p -e 'INCR foo'
is "$(cat "$T/o")" "(error) ERR value is not an integer or out of range" "-p shows errors as redis-cli does"

# --- routing -------------------------------------------------------------------
owner=$(rc-repl -e ':slot foo' | cut -f3)
like "$owner" "^127\.0\.0\.1:160[0-5][0-9]$" ":slot names the owner"
tagslot=$(rc-slot user:1 | cut -f2)
is "$(rc-repl -e ':slot foo {user:1}:cart' | cut -f1,2 | tr '\t\n' ' ')" "foo 12182 {user:1}:cart $tagslot " ":slot hashes the tag only"
r -e ':route on' -e 'GET foo'
is "$(cat "$T/e")" "-> slot 12182 -> $owner" ":route on shows slot and node"
is "$(cat "$T/o")" "bar" "and the reply still comes"
r -e ':route SET {user:1}:cart 3'
like "$(cat "$T/e")" "^-> slot $tagslot -> 127\.0\.0\.1:[0-9]+$" ":route CMD shows one command's route"

# 2000 keys over all slots, pipelined: every reply in input order.
for i in $(seq 1 2000); do echo "SET key:$i v$i"; echo "GET key:$i"; done >"$T/many"
r <"$T/many"
is "$RC" 0 "4000 commands over many slots"
is "$(sed -n '2~2p' "$T/o" | tr '\n' ' ' | md5sum)" "$(seq 1 2000 | sed 's/^/v/' | tr '\n' ' ' | md5sum)" "replies come back in input order"
is "$(rcli_c $BASE GET key:1777)" "v1777" "and the keys are really there"

# --- cross-slot -----------------------------------------------------------------
r -e 'MSET a 1 b 2 c 3'
is "$RC" 1 "MSET over slots fails by default"
like "$(cat "$T/e")" "CROSSSLOT" "with the server's CROSSSLOT"
r -e 'MSET {t}a 1 {t}b 2' -e 'MGET {t}a {t}b'
is "$(cat "$T/o")" "$(printf 'OK\n1\n2')" "with a hash tag it works"
r -e ':split on' -e 'MSET a 1 b 2 c 3' -e 'MGET a nothing b c' -e 'EXISTS a b c zz' -e 'DEL a b'
is "$RC" 0 "split mode: no errors"
is "$(cat "$T/o")" "$(printf 'OK\n1\n\n2\n3\n3\n2')" "split MSET/MGET/EXISTS/DEL merge like one command"
like "$(cat "$T/e")" "split: 3 keys in 3 slots on 3 nodes" "split says how many nodes it touched"

# --- transactions follow their first key ------------------------------------
printf 'MULTI\nSET {tx}a 1\nINCR {tx}a\nEXEC\nMULTI\nSET tx:a 1\nSET tx:b 2\nEXEC\nGET tx:a\n' >"$T/in"
r <"$T/in"
is "$(head -n 5 "$T/o")" "$(printf 'OK\nQUEUED\nQUEUED\nOK\n2')" "MULTI/EXEC run on the node of the first key"
like "$(cat "$T/e")" "<stdin>:7: MOVED .*<stdin>:8: EXECABORT" "a key of another slot inside MULTI: the server's MOVED and EXECABORT"
is "$(tail -n 1 "$T/o")" "" "and nothing of the aborted transaction ran"

# --- meta-commands ----------------------------------------------------------
r -e ':nodes'
is "$(grep -c $'\tmaster\t' "$T/o")" 3 ":nodes lists 3 masters"
is "$(grep -c $'\treplica\t' "$T/o")" 3 ":nodes lists 3 replicas"
r -e ':masters DBSIZE'
is "$(grep -c '^127\.0\.0\.1:' "$T/o")" 3 ":masters runs on each master"
r -e ':all PING'
is "$(grep -c '^PONG$' "$T/o")" 6 ":all runs on every node"
r -e ':timing on' -e 'PING'
like "$(cat "$T/e")" '^\([0-9]+\.[0-9]+ ms\)$' ":timing shows the time"
r -e ':help'
like "$(cat "$T/o")" ':split' ":help lists the meta-commands"

# Pinned node: the node's own answer, MOVED included.
other=$(rc-repl -e ':nodes' | awk -F'\t' -v o="$owner" '$2 == "master" && $1 != o { print $1; exit }')
r -e ":node $other" -e 'GET foo' -e 'DBSIZE' -e ':node off' -e 'GET foo'
like "$(cat "$T/e")" "<stdin>|-e:2: MOVED 12182 $owner" "a pinned node answers for itself (MOVED)"
is "$(tail -n1 "$T/o")" "bar" ":node off routes again"
r -e ':node 127.0.0.1:1'
is "$RC" 2 "pinning an unknown node is bad input"
like "$(cat "$T/e")" "no node 127.0.0.1:1 in the cluster" "and says so"

# Replica reads.
r -e ':readonly on' -e ':route on' -e 'GET foo'
is "$(cat "$T/o")" "bar" "a replica read returns the value"
rport=$(sed -n 's/^-> slot 12182, replica read -> //p' "$T/e" | port_of)
is "$(rcli "${rport:-$BASE}" ROLE | head -n1)" "slave" "READONLY reads go to a replica"

# :nodes in raw mode: six columns on every row, the state last.
r -e ':nodes'
is "$(awk -F'\t' 'NF != 6' "$T/o")" "" ":nodes rows have six columns"
is "$(cut -f6 "$T/o" | sort -u)" "ok" "the last one is the node's state"

# --- blocking commands wait as long as they ask, not --timeout ------------------
( sleep 2; rcli_c $BASE LPUSH bl:1 pushed >/dev/null ) &
pusher=$!
RC=0
echo 'BLPOP bl:1 0' | timeout 20 rc-repl --timeout 1 >"$T/o" 2>"$T/e" || RC=$?
wait "$pusher"
is "$RC" 0 "BLPOP with timeout 0 outlives --timeout 1"
is "$(cat "$T/o")" "$(printf 'bl:1\npushed')" "and returns the element pushed 2 s later"
is "$(cat "$T/e")" "" "no IOERR"
RC=0
echo 'BLPOP bl:none 1.5' | timeout 20 rc-repl --timeout 1 >"$T/o" 2>"$T/e" || RC=$?
is "$RC:$(cat "$T/o")" "0:" "BLPOP 1.5 with --timeout 1 times out as the server says: nil"
# The connection gets its timeout back: a write held by CLIENT PAUSE fails
# after --timeout, rather than waiting for the pause to end.
blport=$(rc-repl -e ':slot bl:1' | cut -f3 | port_of)
session --timeout 1
( sleep 1.5; rcli_c $BASE LPUSH bl:1 again >/dev/null ) &
printf 'BLPOP bl:1 0\n' >&3
retry 10 has_lines 2
is "$(cat "$T/mo")" "$(printf 'bl:1\nagain')" "a blocking command in a session"
rcli "$blport" CLIENT PAUSE 4000 WRITE >/dev/null
printf 'LPUSH bl:1 late\n' >&3
exec 3>&-
RC=0
wait "$rpid" || RC=$?
like "$(cat "$T/me")" "<stdin>:2: IOERR " "after it, the connection's timeout is --timeout again"
rcli "$blport" CLIENT UNPAUSE >/dev/null

# --- subscriptions and MONITOR: messages until the next line, then on ---------------
rc-repl -e 'SET sub:k v' >/dev/null
schown=$(rc-repl -e ':slot {sch}x' | cut -f3 | port_of)
# hear LINE K CMD...: sends LINE (a subscription) to the session, waits for
# its confirmation, runs CMD (a publish), waits for the K lines of the
# message; prints what the session wrote meanwhile.
hear() {
	local n line=$1 k=$2
	shift 2
	n=$(wc -l <"$T/mo")
	printf '%s\n' "$line" >&3
	retry 10 has_lines $((n + 3))
	"$@" >/dev/null
	retry 10 has_lines $((n + 3 + k))
	tail -n +$((n + 1)) "$T/mo"
}
session
is "$(hear 'SUBSCRIBE rch' 3 rcli $((BASE + 1)) PUBLISH rch hello)" \
	"$(printf 'subscribe\nrch\n1\nmessage\nrch\nhello')" "SUBSCRIBE: a message PUBLISHed on another node comes, raw"
printf 'GET sub:k\n' >&3
retry 10 has_lines 7
is "$(tail -n 1 "$T/mo")" "v" "the next line ends it and gets its own reply"
is "$(hear 'PSUBSCRIBE rp*' 4 rcli $((BASE + 2)) PUBLISH rpx hi)" \
	"$(printf 'psubscribe\nrp*\n1\npmessage\nrp*\nrpx\nhi')" "PSUBSCRIBE: messages of the pattern"
is "$(hear 'SSUBSCRIBE {sch}x' 3 rcli "$schown" SPUBLISH '{sch}x' shard-msg)" \
	"$(printf 'ssubscribe\n{sch}x\n1\nsmessage\n{sch}x\nshard-msg')" "SSUBSCRIBE goes to the master of the channel's slot"
printf ':node 127.0.0.1:%s\nMONITOR\n' $BASE >&3
retry 10 last_is OK
rcli $BASE ECHO mon-check >/dev/null
retry 10 grep -q mon-check "$T/mo"
like "$(tail -n 1 "$T/mo")" '"ECHO" "mon-check"' "MONITOR on the pinned node shows its commands"
printf ':node off\nGET sub:k\n' >&3
retry 10 last_is v
exec 3>&-
RC=0
wait "$rpid" || RC=$?
is "$(tail -n 1 "$T/mo")" "v" "and after MONITOR the session goes on"
is "$RC" 0 "the session ends cleanly at the end of input"
is "$(cat "$T/me")" "" "nothing on stderr"

# -e with nothing after it: until the connection closes (an error, exit 3).
: >"$T/mo"
timeout 30 rc-repl -e 'SUBSCRIBE kch' >"$T/mo" 2>"$T/me" &
rpid=$!
retry 10 has_lines 3
for p in $BASE $((BASE + 1)) $((BASE + 2)); do rcli "$p" CLIENT KILL TYPE pubsub >/dev/null; done
RC=0
wait "$rpid" || RC=$?
is "$RC" 3 "a subscription whose connection closes: exit 3"
like "$(cat "$T/me")" "^rc-repl: -e:1: 127\.0\.0\.1:[0-9]+: " "with the node that closed it"
r -e 'SUBSCRIBE kch' -e 'GET sub:k'
is "$RC:$(cat "$T/o")" "$(printf '0:subscribe\nkch\n1\nv')" "-e SUBSCRIBE followed by another -e: that one runs"
r -e 'SSUBSCRIBE {a}1 {b}2'
like "$RC:$(cat "$T/e")" "^1:.*CROSSSLOT" "an SSUBSCRIBE the server refuses is an error reply"
printf 'MULTI\nSUBSCRIBE tx:ch\nEXEC\nPING\n' >"$T/in"
r <"$T/in"
is "$(cat "$T/o")" "$(printf 'OK\nQUEUED\nsubscribe\ntx:ch\n1\nPONG')" "a transaction that subscribed leaves no subscribed connection behind"
r -e ':masters SUBSCRIBE x'
is "$RC" 2 ":masters SUBSCRIBE is refused"
like "$(cat "$T/e")" "SUBSCRIBE streams messages: run it on its own" "with a reason"

# --- RESP3 ----------------------------------------------------------------------
for k in '{a}' '{b}' '{c}'; do rcli_c $BASE HSET "h3:$k" f v >/dev/null; done
r -p -e 'HGETALL h3:{a}' -e 'HGETALL h3:{b}' -e 'HGETALL h3:{c}' -e 'HELLO 3' -e 'PING'
if grep -q 'RESP3 needs hiredis 1.x' "$T/e"; then
	is "$RC" 2 "HELLO 3 with hiredis 0.14: a usage error"
	like "$(cat "$T/e")" "^rc-repl: -e:4: RESP3 needs hiredis 1\.x; this rc-repl was built with hiredis 0\." "with a clear message"
	is "$(tail -n 1 "$T/o")" "PONG" "and the session goes on in RESP2"
else
	# hiredis 1.x: connections open to all three masters switch too.
	r -p -e 'HGETALL h3:{a}' -e 'HGETALL h3:{b}' -e 'HGETALL h3:{c}' -e 'HELLO 3' \
		-e 'HGETALL h3:{a}' -e 'HGETALL h3:{b}' -e 'HGETALL h3:{c}'
	is "$RC" 0 "HELLO 3 with hiredis 1.x"
	is "$(grep -c '^1# "f" => "v"$' "$T/o")" 3 "every master's connection speaks RESP3 after it (maps)"
	is "$(grep -c '^1) "f"$' "$T/o")" 3 "and RESP2 before it"
fi

# --- a real migration: ASK, then MOVED --------------------------------------------
src=$(port_of <<<"$owner")
dst=$(port_of <<<"$other")
sid=$(node_id "$src")
did=$(node_id "$dst")
rcli "$dst" CLUSTER SETSLOT 12182 IMPORTING "$sid" >/dev/null
rcli "$src" CLUSTER SETSLOT 12182 MIGRATING "$did" >/dev/null
is "$(rcli "$src" MIGRATE 127.0.0.1 "$dst" foo 0 5000)" "OK" "foo migrated by hand"

session
printf ':route on\nGET foo\n' >&3
retry 10 has_lines 1
is "$(cat "$T/mo")" "bar" "GET during migration finds the key"
like "$(cat "$T/me")" "ASK 12182 127\.0\.0\.1:$dst: slot is migrating, asking 127\.0\.0\.1:$dst once" "the route shows the ASK redirect"
like "$(cat "$T/me")" "slot 12182 -> 127\.0\.0\.1:$dst \(ASKING\)" "and the ASKING resend"
# A sharded subscription to the slot: it ends when the slot moves away.
timeout 30 rc-repl -e 'SSUBSCRIBE foo' >"$T/so" 2>"$T/se" &
spid=$!
sub_lines() { [[ $(wc -l <"$T/so") -ge $1 ]]; }
retry 10 sub_lines 3
for p in "$dst" "$src"; do rcli "$p" CLUSTER SETSLOT 12182 NODE "$did" >/dev/null; done
RC=0
wait "$spid" || RC=$?
is "$RC:$(tail -n 3 "$T/so")" "$(printf '0:sunsubscribe\nfoo\n0')" "SSUBSCRIBE ends when its slot moves away (the server unsubscribes it)"
: >"$T/me"
printf 'GET foo\n' >&3
retry 10 has_lines 2
exec 3>&-
wait "$rpid"
is "$?" 0 "the session ends cleanly"
is "$(tail -n1 "$T/mo")" "bar" "GET after the move finds the key"
like "$(cat "$T/me")" "MOVED 12182 127\.0\.0\.1:$dst: slot table updated" "the route shows MOVED"
r -e ':route on' -e 'GET foo' -e 'GET foo'
is "$(cat "$T/e")" "$(printf -- '-> slot 12182 -> 127.0.0.1:%s\n-> slot 12182 -> 127.0.0.1:%s' "$dst" "$dst")" "a fresh session goes straight to the new owner"

# --- a blocking command redirected keeps its own timeout ------------------------
# BLPOP 30 with --timeout 1, sent where the session's slot table says, lands
# on another node by ASK (slot migrating), then by MOVED (slot moved since
# the session loaded its table): it waits there as long as it asks.  The
# value is pushed once the node has held it blocked for 3 s (longer than
# --timeout), by another client.
bsrc=$(rc-repl -e ':slot {blk}' | cut -f3 | port_of)
bdst=$(masters | grep -vx "$bsrc" | head -n 1)
bslot=$(rc-slot '{blk}' | cut -f2)
# blocked_long PORT: a client of PORT is blocked in BLPOP, for 3 s or more.
blocked_long() {
	rcli "$1" CLIENT LIST | tr -d '\r' | grep -E ' idle=([3-9]|[1-9][0-9]+) flags=[A-Za-z]*b' |
		grep -qF cmd=blpop
}
session --timeout 1
printf ':route on\nPING\n' >&3
retry 10 last_is PONG
rcli "$bdst" CLUSTER SETSLOT "$bslot" IMPORTING "$(node_id "$bsrc")" >/dev/null
rcli "$bsrc" CLUSTER SETSLOT "$bslot" MIGRATING "$(node_id "$bdst")" >/dev/null
printf 'BLPOP {blk}ask 30\n' >&3
ok "BLPOP sent by ASK waits on the importing node past --timeout" retry 15 blocked_long "$bdst"
rc-repl -e 'LPUSH {blk}ask via-ask' >/dev/null
retry 10 last_is via-ask
is "$(tail -n 2 "$T/mo")" "$(printf '{blk}ask\nvia-ask')" "and gets the value pushed after that"
# (A command in between: what went wrong above, were it to, reloads the
# session's slot table now, before the slot moves, not at the next BLPOP.)
printf 'PING\n' >&3
retry 10 last_is PONG
for p in "$bdst" "$bsrc"; do rcli "$p" CLUSTER SETSLOT "$bslot" NODE "$(node_id "$bdst")" >/dev/null; done
printf 'BLPOP {blk}moved 30\n' >&3
ok "BLPOP sent by MOVED waits on the new owner past --timeout" retry 15 blocked_long "$bdst"
rc-repl -e 'LPUSH {blk}moved via-moved' >/dev/null
retry 10 last_is via-moved
is "$(tail -n 2 "$T/mo")" "$(printf '{blk}moved\nvia-moved')" "and gets the value pushed after that"
exec 3>&-
RC=0
wait "$rpid" || RC=$?
is "$RC" 0 "the session ends cleanly"
like "$(cat "$T/me")" "-> ASK $bslot 127\.0\.0\.1:$bdst: .*-> MOVED $bslot 127\.0\.0\.1:$bdst: " "the route shows the ASK and the MOVED"
unlike "$(cat "$T/me")" "IOERR|timeout" "no timeout"

# --- a pinned node that is down; a seed that is not a cluster -----------------------
victim=$(rc-repl -e ':nodes' | awk -F'\t' '$2 == "replica" { print $1; exit }')
cluster_cmd kill "$(port_of <<<"$victim")" >/dev/null 2>&1
printf ':node %s\nPING\nGET foo\n:node off\nGET foo\n' "$victim" >"$T/in"
r <"$T/in"
is "$RC" 3 "a pinned node that is down: exit 3"
like "$(cat "$T/e")" "<stdin>:2: node $victim is down" "with the line and the node"
is "$(cat "$T/o")" "bar" "and the session goes on"
r -e ':all PING'
is "$(grep -c '^PONG$' "$T/o")" 5 ":all with a node down: the others answer"
like "$(cat "$T/e")" "$victim is down" "and the one down is named"
is "$RC" 3 "exit 3"

# A failover: the old master stays in the map, failed and without slots;
# :masters leaves it out, :nodes says fail.  Not the seed, nor the master
# whose replica is down.
vmaster=$(rc-repl -e ':nodes' | awk -F'\t' -v v="$victim" '$1 == v { print $5 }')
old=$(rc-repl -e ':nodes' | awk -F'\t' -v m="$vmaster" -v s="127.0.0.1:$BASE" \
	'$2 == "master" && $1 != m && $1 != s { print $1; exit }')
cluster_cmd kill "$(port_of <<<"$old")" >/dev/null 2>&1
failed_over() { rc-repl -e ':nodes' | grep -q "^$old"$'\tmaster\t-\t0\t-\tfail$'; }
ok "the old master is failed and without slots after the failover" retry 30 failed_over
r -e ':masters PING'
is "$RC" 0 ":masters after a failover: every master that serves slots answers"
is "$(grep -c '^PONG$' "$T/o")" 3 "the three of them"
unlike "$(cat "$T/o" "$T/e")" "$old" "the failed old master is left out"

"${RC_REDIS_SERVER:-redis-server}" --port $PLAIN --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$T" --daemonize yes --pidfile "$T/plain.pid" --logfile "$T/plain.log" >/dev/null
at_exit "kill -KILL \$(cat $T/plain.pid)"
plain_up() { [[ $(rcli $PLAIN PING 2>/dev/null) == PONG ]]; }
retry 10 plain_up
r -c 127.0.0.1:$PLAIN -e PING
is "$RC" 3 "a seed that is not a cluster: exit 3"
like "$(cat "$T/e")" "127\.0\.0\.1:$PLAIN is not a cluster node" "and a clear message"
r -c 127.0.0.1:1 -e PING
is "$RC" 3 "a seed that does not answer: exit 3"
exit_is 2 "a bad option is a usage error" rc-repl --nosuch

done_testing
