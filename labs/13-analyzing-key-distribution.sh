#!/usr/bin/env bash
# Lab 13: analyzing key distribution - keys per master, patterns, hot slots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-slot redis-cli

title "Analyzing key distribution"
work=$(mktemp -d "${TMPDIR:-/tmp}/rc-lab13.XXXXXX")

# each_master SET: for every master, the SETs of the keys in $work/keys
# owned by that master, as RESP piped into redis-cli --pipe on it.
each_master() {
	local m
	rc-slot -n <"$work/keys" >"$work/owned"
	for m in $(rc-dist -T slots | cut -f1 | grep -v '^-$'); do
		LC_ALL=C awk -F'\t' -v a="$m" '$3 == a {
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", length($1), $1 }' "$work/owned" |
			redis-cli -h "${m%:*}" -p "${m##*:}" --pipe >/dev/null
	done
}
cleanup() {
	lab_unlink_matching 'lab13:*' >/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

say "First some data: 10000 orders, 1000 users, and one big event whose 2000" \
	"seats share the hash tag {event:1} (keys prefixed lab13:, removed at the end)."
{
	seq 1 10000 | sed 's/^/lab13:order:/'
	seq 1 1000 | sed 's/^/lab13:user:/'
	seq 1 2000 | sed 's/^/lab13:{event:1}:seat:/'
} >"$work/keys"
run each_master SET
pause

say "Exact live counts per master: CLUSTER COUNTKEYSINSLOT over every slot," \
	"each master asked about its own slots, all masters at once."
run rc-dist -p keys
eowner=$(rc-slot -n 'lab13:{event:1}:seat:1' | cut -f3)
observe "The 11000 orders and users spread evenly, about 3667 a master. $eowner owns {event:1}'s slot and holds the event's 2000 seats on top: about 5667 of 13000 keys, some 44% where an even share is 33%. DEV% is the distance from an even share, relative to it: about +30% for that master, about -15% for the others."
pause

say "Only the keys of one pattern, found by SCAN MATCH on every master, to the end:"
run rc-dist -p keys -m "'lab13:user:*'"
observe "All 1000 users, counted exactly: about a third on each master."
say "On a big cluster a sample is enough. With -n 500 the scan stops once 500" \
	"users are found, having gone over the same share of every master's keys" \
	"(each master's SCAN COUNT follows its DBSIZE); each count is then scaled" \
	"up by that share: an estimate."
run rc-dist -p keys -m "'lab13:user:*'" -n 500
observe "About 1000 users again, spread like the exact counts above: the sample estimates the real spread, give or take a few percent."
pause

say "The hot spots: the slots with the most keys."
run rc-dist -p hot -n 5
slot=$(rc-slot '{event:1}' | cut -f2)
observe "Slot $slot, the event's hash tag, tops the list by far; ordinary slots hold a handful."
pause

say "Sample keys of the hottest slot, and of one master:"
run rc-dist hot -n 3 "$slot"
m=$(rc-dist -T slots | head -n1 | cut -f1)
run rc-dist hot -n 3 -m "'lab13:*'" "$m"
observe "Each sample row is key, slot, node: the columns of rc-slot -n."
