#!/usr/bin/env bash
# Lab 19: persistence and production settings - what a node brings back after
# a crash (labs/cluster kill) with no persistence, with RDB snapshots and with
# AOF; maxmemory under noeviction (OOM errors) and allkeys-lru (evictions);
# and the production checklist.  One node of its own, 60 after the lab's base
# port, a cluster of one with every slot and no replica, removed at the end:
# the lab cluster's nodes and their settings are not touched.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-repl rc-dist redis-cli

host=${RC_CLUSTER%:*}
base=${RC_LAB_PORT:-${RC_CLUSTER##*:}}
port=$((base + 60))
addr=$host:$port
work=$(mktemp -d "${TMPDIR:-/tmp}/lab19.XXXXXX")
cli() { redis-cli -h "$host" -p "$port" "$@"; }
# gone: the node killed if it runs, and its files removed.
gone() {
	"$LAB_CLUSTER" kill "$port" >/dev/null 2>&1 || true
	"$LAB_CLUSTER" remove "$port" >/dev/null 2>&1 || true
}
cleanup() {
	gone
	rm -rf "$work"
}
trap cleanup EXIT
info_is() { cli INFO "$1" | tr -d '\r' | grep -q -x "$2"; }
cluster_ok() { info_is cluster 'cluster_state:ok' || cli CLUSTER INFO | tr -d '\r' | grep -q -x 'cluster_state:ok'; }
loaded() { info_is persistence 'loading:0' && cluster_ok; }
# write N PREFIX: N keys PREFIX:1..N, through rc-repl.
write() { run "seq 1 $1 | awk '{ print \"SET $2:\" \$1 \" v\" \$1 }' | rc-repl -c $addr >/dev/null"; }
# restart: labs/cluster kill, then start, then wait until the node has
# loaded what it loads.
restart() {
	run "\"\$LAB_CLUSTER\" kill $port"
	run "\"\$LAB_CLUSTER\" start $port"
	until_true 30 loaded
}

title "Persistence and production settings"
say "A node keeps its keys in memory. What it has after a crash is what it" \
	"wrote to disk: nothing, an RDB snapshot (the whole data set, now and then)," \
	"or an AOF (every write, as it happens). To see it alone, this lab uses a" \
	"node of its own on port $port: a cluster of one, with every slot and no" \
	"replica, so nothing but its own disk can bring its keys back."
if "$LAB_CLUSTER" ports 2>/dev/null | grep -q -x "$port"; then
	trap - EXIT
	rm -rf "$work"
	printf 'lab: port %s is already a node of the lab (an earlier run of this lab that was killed?):\n' "$port" >&2
	printf 'lab: look, then free it: %s kill %s; %s remove %s\n' "$LAB_CLUSTER" "$port" "$LAB_CLUSTER" "$port" >&2
	exit 1
fi
run "\"\$LAB_CLUSTER\" add $port"
run "redis-cli -h $host -p $port CLUSTER ADDSLOTSRANGE 0 16383"
until_true 30 cluster_ok
conf=$(cli INFO server | tr -d '\r' | sed -n 's/^config_file://p')
run "redis-cli -h $host -p $port CONFIG GET appendonly"
run "redis-cli -h $host -p $port CONFIG GET save"
aof=$(cli CONFIG GET appendonly | sed -n 2p)
save=$(cli CONFIG GET save | sed -n 2p)
observe "appendonly is '$aof' and save is '${save}'$([ -z "$save" ] && echo ' (no snapshot points)'): how labs/cluster makes every node, a lab that restarts fast."
pause

say "1. No persistence. 1000 keys, then a crash (SIGKILL), then a start:"
write 1000 lab19:none
run "redis-cli -h $host -p $port DBSIZE"
run "\"\$LAB_CLUSTER\" kill $port"
show_status "\"\$LAB_CLUSTER\" start $port </dev/null 2>&1"
[ "$LAST" != 0 ] || { echo "lab: the node started without a word" >&2; exit 1; }
say "labs/cluster knows that a master that crashed with no persistence and whose" \
	"slots no replica took over comes back empty, and asks first. In a real" \
	"cluster that is the worst case: its replicas, which had the keys, sync to the" \
	"empty copy. Here there is no replica; start it anyway (-y):"
run "\"\$LAB_CLUSTER\" start -y $port"
until_true 30 loaded
run "redis-cli -h $host -p $port DBSIZE"
n=$(cli DBSIZE)
observe "$n keys: $([ "$n" = 0 ] && echo 'every key was in memory only, and went with the process' || echo "of the 1000")."
pause

say "2. RDB snapshots. 'save 3600 1 300 100 60 10000' (Redis's default) saves" \
	"a snapshot in the background when 1 key changed in an hour, 100 in 5" \
	"minutes or 10000 in a minute; BGSAVE saves one now. CONFIG SET changes the" \
	"running node only: CONFIG REWRITE writes the setting into its redis.conf," \
	"or the next start forgets it."
run "redis-cli -h $host -p $port CONFIG SET save '3600 1 300 100 60 10000'"
run "redis-cli -h $host -p $port CONFIG REWRITE"
run "grep '^save' $conf"
write 1000 lab19:rdb
t=$(cli LASTSAVE)
# LASTSAVE counts seconds: a save in the second of the last one would not show.
later_than() { [ "$(date +%s)" -gt "$1" ]; }
until_true 5 later_than "$t"
run "redis-cli -h $host -p $port BGSAVE"
saved() { [ "$(cli LASTSAVE)" -gt "$t" ] && info_is persistence 'rdb_bgsave_in_progress:0'; }
until_true 60 saved
run "redis-cli -h $host -p $port INFO persistence | grep -E '^(rdb_last_bgsave_status|rdb_changes_since_last_save):'"
write 500 lab19:late
run "redis-cli -h $host -p $port DBSIZE"
before=$(cli DBSIZE)
since=$(cli INFO persistence | tr -d '\r' | sed -n 's/^rdb_changes_since_last_save://p')
observe "$before keys; $since writes since the snapshot."
restart
run "redis-cli -h $host -p $port DBSIZE"
n=$(cli DBSIZE)
if [ "$n" -lt "$before" ]; then
	observe "$n of $before keys came back: the snapshot's; the $((before - n)) written after it are lost. A snapshot loses everything since the last one."
else
	observe "All $n keys came back: a snapshot was saved after the late writes too (a save point was reached)."
fi
pause

say "3. AOF: every write is appended to a file as it is made, and a start" \
	"replays the file. appendfsync decides how often the file is forced to the" \
	"disk: always (every write), everysec (the default), or no (the kernel decides)."
run "redis-cli -h $host -p $port CONFIG SET appendonly yes"
aof_ready() { info_is persistence 'aof_enabled:1' && info_is persistence 'aof_rewrite_in_progress:0' && info_is persistence 'aof_rewrite_scheduled:0'; }
until_true 60 aof_ready
run "redis-cli -h $host -p $port CONFIG REWRITE"
run "grep '^appendonly' $conf"
run "redis-cli -h $host -p $port CONFIG GET appendfsync"
write 500 lab19:aof
# Every write has reached the kernel (the AOF buffer is empty) before the
# crash: what a SIGKILL cannot take.
until_true 10 info_is persistence 'aof_buffer_length:0'
run "redis-cli -h $host -p $port DBSIZE"
before=$(cli DBSIZE)
restart
run "redis-cli -h $host -p $port DBSIZE"
n=$(cli DBSIZE)
if [ "$n" = "$before" ]; then
	observe "All $n keys came back, the 500 written a moment before the crash too: the AOF had every write."
else
	observe "$n of $before keys came back."
fi
say "A killed process loses no write that reached the kernel. A machine that" \
	"loses power loses what was not yet fsynced: with everysec, about the last" \
	"second of writes. Production runs AOF (everysec) and RDB (for backups, lab 55)."
pause

say "4. maxmemory: a node's limit for its data. Over it, maxmemory-policy decides:" \
	"noeviction refuses writes (OOM), allkeys-lru evicts the least recently used keys."
run "redis-cli -h $host -p $port INFO memory | grep -E '^used_memory:'"
used=$(cli INFO memory | tr -d '\r' | sed -n 's/^used_memory://p')
limit=$((used + 1024 * 1024))
run "redis-cli -h $host -p $port CONFIG SET maxmemory $limit"
run "redis-cli -h $host -p $port CONFIG SET maxmemory-policy noeviction"
say "1 MB of room; 300 values of 10 kB (3 MB) want in:"
awk 'BEGIN { v = "x"; while (length(v) < 10000) v = v v; v = substr(v, 1, 10000)
	for (i = 1; i <= 300; i++) print "SET lab19:big:" i " " v }' >"$work/big"
keys0=$(cli DBSIZE)
run "head -c 60 \"\$work/big\"; echo ..."
show_status "rc-repl -c $addr <\"\$work/big\" >\"\$work/big.out\" 2>&1"
say "The replies that said OK, the errors (rc-repl names each one's input line), and the first:"
run "grep -c -x OK \"\$work/big.out\" || true"
run "grep -c OOM \"\$work/big.out\" || true"
run "grep -m 1 OOM \"\$work/big.out\" || true"
oom=$(grep -c OOM "$work/big.out" || true)
keys1=$(cli DBSIZE)
observe "$((keys1 - keys0)) of the 300 were written, $oom refused with OOM: noeviction keeps every key and refuses new ones. The application sees errors."
pause

say "The same 300 writes under allkeys-lru:"
run "redis-cli -h $host -p $port CONFIG SET maxmemory-policy allkeys-lru"
ev0=$(cli INFO stats | tr -d '\r' | sed -n 's/^evicted_keys://p')
run "sed s/big:/lru:/ \"\$work/big\" | rc-repl -c $addr >\"\$work/lru.out\""
run "grep -c -x OK \"\$work/lru.out\""
okn=$(grep -c -x OK "$work/lru.out" || true)
ev1=$(cli INFO stats | tr -d '\r' | sed -n 's/^evicted_keys://p')
run "redis-cli -h $host -p $port INFO stats | grep -E '^evicted_keys:'"
keys2=$(cli DBSIZE)
observe "$okn of the 300 writes said OK, and $((ev1 - ev0)) keys were evicted to make room: the node holds $keys2 keys (it held $keys1). The application sees no error, and keys it never deleted are gone: fine for a cache; data that must stay wants noeviction and an alert on used_memory."
pause

say "5. The lab cluster itself runs as a lab should, not as production. Its nodes say:"
run "rc-repl -e ':all CONFIG GET appendonly' | paste - - - | tee \"\$work/aof\""
run "rc-repl -e ':all CONFIG GET maxmemory' | paste - - - | tee \"\$work/maxmem\""
nodes=$(grep -c . "$work/aof" || true)
noaof=$(grep -c $'\tno$' "$work/aof" || true)
nolimit=$(grep -c $'\t0$' "$work/maxmem" || true)
observe "$noaof of its $nodes nodes run without AOF, $nolimit without a memory limit: untouched by this lab."
say "The production checklist, with the lab that shows each item:"
say "  - persistence: appendonly yes (everysec), RDB snapshots for backups (this lab, 55);" \
	"written to redis.conf (CONFIG REWRITE), not only CONFIG SET"
say "  - maxmemory below the machine's memory, with room for the fork of BGSAVE and" \
	"the AOF rewrite, and a policy that fits the data (this lab)"
say "  - a replica for every master, on another machine (labs 21, 50)"
say "  - passwords or ACL users, TLS between machines (lab 18)"
say "  - monitoring and alerts: memory, replication lag, cluster state (lab 15)"
say "  - failover tested, backups restored, runbooks written (labs 50-55)"
say "  - cluster-aware clients that follow MOVED and ASK (lab 43)"
pause

say "Cleaning up: the node goes, its files and settings with it."
run "\"\$LAB_CLUSTER\" kill $port"
run "\"\$LAB_CLUSTER\" remove $port"
