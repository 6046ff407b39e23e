#!/usr/bin/env bash
# Lab 33: the hot-event trade-off of entity hash tags - one huge event lives
# on one master and gets no help from the others; many events share the work.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-seats rc-slot rc-dist redis-cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab33.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
secs=8
{ [ -t 0 ] && [ -z "${RC_LAB_NONINTERACTIVE:-}" ]; } || secs=3

title "The hot event: the price of one hash tag per entity"
lab_events_mark
say "The tag {event:ID} puts all of an event's keys in one slot: that is what makes" \
	"one atomic script per reservation possible. It also means one event is served" \
	"by one master, however big it is."
run "rc-seats create-event --name 'World Cup Final' --rows 300 --seats 300 --price 900 | tee '$tmp/hot'"
hot=$(cut -f1 "$tmp/hot")
hotnode=$(cut -f3 "$tmp/hot")
observe "90000 seats, and every one of them on $hotnode."
pause

say "Put load on it for $secs seconds, in the background (&), and look at the masters while it runs:" \
	"rc-dist nodes with a header (-H), cut to the address, role, keys and ops (operations a second) columns."
run "rc-seats load --event $hot --users 50 --seats 2 --duration $secs --confirm 0 --cancel 100 >'$tmp/hotload' &"
loadpid=$!
run sleep 1.5
run "rc-dist -H nodes | cut -f1,3,6,8 | tee '$tmp/nodes'"
run "wait $loadpid"
run "grep -E '^(ops_per_sec|p99_ms)' '$tmp/hotload'"
hotops=$(awk -F'\t' -v n="$hotnode" '$1 == n { print $4 }' "$tmp/nodes")
otherops=$(awk -F'\t' -v n="$hotnode" '$2 == "master" && $1 != n && $4 + 0 > m { m = $4 + 0 }
	END { print m + 0 }' "$tmp/nodes")
observe "Only $hotnode is busy: ${hotops:-?} operations a second in the ops column, the other masters" \
	"at most $otherops. One event's throughput is bounded by one master's single core."
pause

say "The same load spread over one event per master:"
: >"$tmp/ids"
for i in $(seq 1 30); do
	rc-seats create-event --name "Match $i" --rows 50 --seats 50 --price 90 >>"$tmp/ids"
	[ "$(cut -f3 "$tmp/ids" | sort -u | wc -l)" -ge 3 ] && break
done
cut -f3 "$tmp/ids" | sort -u | while read -r n; do
	grep -m1 "$n\$" "$tmp/ids"
done >"$tmp/spread"
run "cat '$tmp/spread'"
say "One load per event, all in the background; the same 50 users in all:"
run "for id in \$(cut -f1 '$tmp/spread'); do rc-seats load --event \$id --users 17 --seats 2 --duration $secs --confirm 0 --cancel 100 >'$tmp'/load.\$id & done"
run sleep 1.5
run "rc-dist -H nodes | cut -f1,3,6,8"
run wait
run "grep -h '^ops_per_sec' '$tmp'/load.* | awk -F'\t' '{ s += \$2 } END { print \"ops_per_sec (all events)\t\" s }'"
observe "Now every master works. On one laptop the masters and the load tool share a" \
	"few cores, so the total may not grow much here; on separate machines each master" \
	"brings its own core. Many events scale out; one hot event cannot."
pause

say "Splitting a hot event (a tag per section, {event:ID:A}, {event:ID:B}) would spread" \
	"it, but the sections land in different slots:"
run "rc-slot -n '{event:$hot:A}:seats' '{event:$hot:B}:seats'"
observe "A reservation that spans two sections could no longer be one atomic script" \
	"(CROSSSLOT): the system would need a two-step protocol. rc-seats keeps one tag" \
	"per event, and scales by events."
run "rc-seats audit $hot"
pause

say "Put the cluster back as the lab found it:"
lab_events_drop
