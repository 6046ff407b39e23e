#!/usr/bin/env bash
# Lab 15: monitoring and alerts - a stream of rows and plain awk.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist

title "Monitoring and alerts"
say "rc-dist -w SECS repeats a view. On a terminal it redraws in place (try" \
	"'rc-dist -w 1 nodes' in another terminal, then kill a node with labs/cluster);" \
	"as TSV it appends rows whose first column is the unix time: a stream."
pause

say "Three rounds of the cluster state, one second apart:"
run rc-dist -T -H -w 1 --count 3 info
observe "ts, state, slots assigned/ok/pfail/fail, known nodes, size, masters, replicas, not ok, keys."
pause

say "Alerts are a few lines of awk over the nodes stream (columns: ts addr id role master" \
	"slots keys memory ops lag lag_s state flags). The memory threshold here is" \
	"a tiny 0.5 MB so that the alert fires; use your real limit."
alerts=$(mktemp "${TMPDIR:-/tmp}/rc-lab15.XXXXXX")
trap 'rm -f "$alerts"' EXIT
cat >"$alerts" <<'AWK'
BEGIN { FS = "\t" }
$13 != "ok"                  { print "ALERT node", $2, "is", $13 }
$8 != "-" && $8 > 524288     { print "ALERT", $2, "memory over 0.5 MB" }
$11 != "-" && $11 > 1        { print "ALERT replica", $2, "lag", $11, "s" }
$12 != prev[$2] && prev[$2] != "" { print "ALERT", $2, "cluster state", prev[$2], "->", $12 }
{ prev[$2] = $12 }
AWK
run "rc-dist -T -w 1 --count 2 nodes | awk -f '$alerts' | sort | uniq -c"
observe "Every node is over the 0.5 MB memory line, so each round raises one memory alert per node."
observe "A killed node would print 'ALERT node ... is down' each round, and a failover a state change."
pause

say "In a loop of your own, the exit status is the simplest alert of all:"
run "rc-dist info >/dev/null && echo healthy || echo 'NOT HEALTHY'"
