#!/usr/bin/env bash
# Lab 15: monitoring and alerts - a stream of rows and plain awk, and each
# alert made to fire on the lab cluster: a replica hung for a few seconds, a
# slot taken away from its master and given back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist redis-cli

title "Monitoring and alerts"
say "rc-dist -w SECS repeats a view. On a terminal it redraws in place (try" \
	"'rc-dist -w 1 nodes' in another terminal while this lab runs); as TSV it" \
	"appends rows whose first column is the unix time: a stream."
pause

say "Three rounds of the cluster state, one second apart:"
run rc-dist -T -H -w 1 --count 3 info
observe "ts, state, slots assigned/ok/pfail/fail, known nodes, size, masters, replicas, not ok, keys."
pause

work=$(mktemp -d "${TMPDIR:-/tmp}/rc-lab15.XXXXXX")
trap 'rm -rf "$work"' EXIT
alerts=$work/alerts.awk
say "Alerts are a few lines of awk over the nodes stream (columns: ts addr id role" \
	"master slots keys memory ops lag lag_s state flags): a node not ok, memory over" \
	"a threshold (a tiny 0.5 MB here, so that it fires; use your real limit), a" \
	"replica more than 1 s behind its master, and a node whose view of the cluster" \
	"state changes. A node that does not answer has state '-': that is the node" \
	"alert's business, not a state change."
cat >"$alerts" <<'AWK'
BEGIN { FS = "\t" }
$13 != "ok"                  { print "ALERT node", $2, "is", $13 }
$8 != "-" && $8 > 524288     { print "ALERT", $2, "memory over 0.5 MB" }
$11 != "-" && $11 > 1        { print "ALERT replica", $2, "lag", $11 "s" }
$12 != "-" && prev[$2] != "" && $12 != prev[$2] { print "ALERT", $2, "cluster state", prev[$2], "->", $12 }
$12 != "-"                   { prev[$2] = $12 }
AWK
run cat "'$alerts'"
run "rc-dist -T -w 1 --count 2 nodes | awk -f '$alerts' | sort | uniq -c"
observe "Every node is over the 0.5 MB memory line, so each round raises one memory alert per node."
pause

# The faults need the lab launcher of this very cluster.
# (Readers here read to the end: under pipefail a reader that quits early
# can kill the writer with SIGPIPE and fail the pipeline.)
replica=$(rc-dist -T nodes | awk -F'\t' '$3 == "replica" && r == "" { r = $1 } END { print r }')
seed=$(rc-dist -T slots | awk -F'\t' -v s="$RC_CLUSTER" '$1 == s')
if [ -z "$replica" ] || [ -z "$seed" ] ||
	! "$LAB_CLUSTER" ports 2>/dev/null | grep -x "${replica##*:}" >/dev/null; then
	say "The other alerts need faults made with labs/cluster on its own lab" \
		"cluster (RC_LAB_PORT, RC_LAB_DIR), and $RC_CLUSTER is not one: skipped."
else
	# A slot of the seed's first range that holds no key, to take away and
	# give back.
	host=${RC_CLUSTER%:*} port=${RC_CLUSTER##*:}
	range=$(printf '%s\n' "$seed" | cut -f5 | cut -d, -f1)
	slot=${range%-*}
	while [ "$slot" -lt "${range#*-}" ] &&
		[ "$(redis-cli -h "$host" -p "$port" CLUSTER COUNTKEYSINSLOT "$slot")" != 0 ]; do
		slot=$((slot + 1))
	done
	events=$work/events
	say "Now the stream runs in the background (a short --timeout, so that a hung" \
		"node costs half a second, not five) while things break:" \
		"the replica ${replica} hangs for 4 s (SIGSTOP, then SIGCONT): it stops" \
		"answering, and its master stops hearing from it;" \
		"then the seed ${RC_CLUSTER} gives up slot $slot for 2.5 s and takes it" \
		"back: with a slot that no master serves, the node says cluster_state fail."
	run "rc-dist -T --timeout 0.5 -w 1 --count 14 nodes 2>/dev/null | awk -f '$alerts' | grep -v memory >'$events' &"
	stream=$!
	run sleep 2
	run "\"\$LAB_CLUSTER\" pause ${replica##*:}"
	run sleep 4
	run "\"\$LAB_CLUSTER\" resume ${replica##*:}"
	run sleep 1
	run redis-cli -h "$host" -p "$port" CLUSTER DELSLOTS "$slot"
	run sleep 2.5
	run redis-cli -h "$host" -p "$port" CLUSTER ADDSLOTS "$slot"
	wait "$stream" || true
	run "sort '$events' | uniq -c"
	observe "The hung replica: 'is down' while it did not answer, and a lag alert as its master's last word from it grew older than 1 s."
	observe "The seed: 'cluster state ok -> fail' when it lost the slot, 'fail -> ok' when it had it back; the replica's '-' while down raised no state alert."
	# The next step asks for a healthy cluster: give it a moment to settle.
	for _ in $(seq 1 40); do
		rc-dist info >/dev/null 2>&1 && break
		sleep 0.5
	done
fi
pause

say "In a loop of your own, the exit status is the simplest alert of all:"
run "rc-dist info >/dev/null && echo healthy || echo 'NOT HEALTHY'"
