#!/usr/bin/env bash
# Lab 27: is a replica in sync?  Its link, its offset against its master's,
# WAIT; then a partial resync (the link cut, the backlog covers the gap) and
# a full one (the gap outgrew the backlog), each counted by the master.
# The master's backlog size is set back and the lab's keys deleted at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-slot rc-reshard redis-cli

title "Lab 27: is the replica in sync?"
master=$(rc-dist -T slots | cut -f1 | grep -v '^-$' | head -n 1)
replica=$(rc-dist -T nodes | awk -F'\t' -v m="$master" '$3 == "replica" && $4 == m { print $1; exit }')
if [ -z "$replica" ]; then
	say "$master has no replica: nothing to look at (labs/cluster up makes one per master)."
	exit 0
fi
mh=${master%:*} mp=${master##*:} rh=${replica%:*} rp=${replica##*:}
m() { redis-cli -h "$mh" -p "$mp" "$@"; }
r() { redis-cli -h "$rh" -p "$rp" "$@"; }
backlog=$(m CONFIG GET repl-backlog-size | tail -n 1)
off=$(mktemp "${TMPDIR:-/tmp}/lab27.XXXXXX")
finish() {
	rm -f "$off"
	m CONFIG SET repl-backlog-size "$backlog" >/dev/null 2>&1 || true
	m --scan --pattern 'lab27:*' | xargs -r -n 100 redis-cli -h "$mh" -p "$mp" UNLINK >/dev/null 2>&1 || true
}
trap finish EXIT
# stat NAME: a field of the master's INFO.
stat() { m INFO | tr -d '\r' | sed -n "s/^$1://p"; }
caught_up() {
	[ "$(m INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset://p')" = \
		"$(r INFO replication | tr -d '\r' | sed -n 's/^slave_repl_offset://p')" ]
}
wait_for() {
	local _
	for _ in $(seq 1 "$(($1 * 10))"); do
		"${@:2}" && return 0
		sleep 0.1
	done
	printf 'lab: gave up waiting for: %s\n' "${*:2}" >&2
	exit 1
}
link_up() { r INFO replication | grep -q '^master_link_status:up'; }
# write N: N keys of 1 kB each on the master, under one hash tag whose slot
# the master owns.
tag=$(seq 1 100 | sed 's/.*/{lab27:&}/' | rc-slot -n | awk -v m="$master" '$3 == m { print $1; exit }')
value=$(head -c 1000 /dev/zero | tr '\0' x)
write() {
	seq 1 "$1" | awk -v t="$tag" -v v="$value" '{ print "SET lab27:" t ":" $1 " " v }' |
		m >/dev/null
}

say "The master $master and its replica $replica. The replica's view of the link:"
run "redis-cli -h $rh -p $rp INFO replication | grep -E '^(role|master_host|master_port|master_link_status|master_last_io_seconds_ago|master_sync_in_progress|slave_repl_offset)'"
observe "master_link_status up, and slave_repl_offset: how many bytes of the master's replication stream it has applied."
run "redis-cli -h $mh -p $mp INFO replication | grep -E '^(role|connected_slaves|slave0|master_repl_offset|repl_backlog_size)'"
observe "The master's slave0 line: the replica's state (online), its offset and lag (seconds since its last ack); master_repl_offset: how far the master's stream has come."
pause

say "In sync means: the link is up and the offsets are equal. Write 100 keys, then WAIT 1 1000: the number of replicas that acknowledged everything written so far."
write 100
run "redis-cli -h $mh -p $mp WAIT 1 1000"
offsets="echo master \$(redis-cli -h $mh -p $mp INFO replication | tr -d '\\r' | sed -n 's/^master_repl_offset://p') replica \$(redis-cli -h $rh -p $rp INFO replication | tr -d '\\r' | sed -n 's/^slave_repl_offset://p')"
# The two reads are not one moment: the master's PING to its replicas (every
# repl-ping-replica-period) can come between them; then the lab reads again.
for _ in 1 2 3; do
	wait_for 10 caught_up
	run "$offsets | tee '$off'"
	read -r _ mo _ ro <"$off"
	[ "$mo" = "$ro" ] && break
	observe "Not equal this time: the master sent its replicas more (a PING every repl-ping-replica-period, 14 bytes) between the two reads. Again:"
done
observe "Equal offsets: the replica has every byte the master wrote. A replica can answer 1 to WAIT and still lose the write on a crash: it holds it in memory."
pause

say "A partial resync. The link drops (the master kills its replica's connection); the replica reconnects and asks to go on from its offset (PSYNC)." \
	"The master still has those bytes in its backlog (repl_backlog_size), so it sends only the missing part."
partial=$(stat sync_partial_ok)
full=$(stat sync_full)
run "redis-cli -h $mh -p $mp CLIENT KILL TYPE replica"
write 100
wait_for 30 link_up
wait_for 30 caught_up
run "redis-cli -h $mh -p $mp INFO stats | grep -E '^sync_(full|partial_ok|partial_err)'"
observe "sync_partial_ok went from $partial to $(stat sync_partial_ok); sync_full stayed at $(stat sync_full)."
pause

if ! "$LAB_CLUSTER" ports 2>/dev/null | grep -x "$rp" >/dev/null; then
	say "A full resync needs the replica paused, with labs/cluster on its own lab cluster (RC_LAB_PORT, RC_LAB_DIR), and $RC_CLUSTER is not one: skipped."
	exit 0
fi
say "A full resync. The backlog is made small (16 kB), the replica is hung (SIGSTOP) and cut off, and 2000 keys of 1 kB are written:" \
	"2 MB, far more than the backlog. When the replica comes back, its offset is no longer in the backlog: the master sends a whole RDB snapshot."
run "redis-cli -h $mh -p $mp CONFIG SET repl-backlog-size 16384"
run "\"\$LAB_CLUSTER\" pause $rp"
run "redis-cli -h $mh -p $mp CLIENT KILL TYPE replica"
write 2000
run "\"\$LAB_CLUSTER\" resume $rp"
wait_for 60 link_up
wait_for 60 caught_up
run "redis-cli -h $mh -p $mp INFO stats | grep -E '^sync_(full|partial_ok|partial_err)'"
observe "sync_full went from $full to $(stat sync_full), and sync_partial_err counts the PSYNC the master refused. A full resync costs a fork and a snapshot on the master, and the whole data set over the network: size the backlog (repl-backlog-size) for the longest link outage to ride out."
run "redis-cli -h $rh -p $rp INFO replication | grep -E '^(master_link_status|slave_repl_offset)'"
pause

# Every node sees the replica as healthy again before the lab ends.
rc-reshard settled --wait 60 >/dev/null
say "Put the cluster back as the lab found it: the backlog size set back to $backlog, the lab's keys deleted."
finish
trap - EXIT
run "redis-cli -h $mh -p $mp CONFIG GET repl-backlog-size"
