#!/usr/bin/env bash
# Lab 31: load testing - many concurrent users against one event: successes
# versus conflicts, throughput and latency, and the same-seat race.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-seats rc-slot redis-cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab31.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
secs=10
{ [ -t 0 ] && [ -z "${RC_LAB_NONINTERACTIVE:-}" ]; } || secs=3

title "Load testing"
lab_events_mark
say "A large event: 50 rows of 100 seats."
run "rc-seats create-event --name 'Load Test Concert' --rows 50 --seats 100 --price 25 | tee '$tmp/event'"
ev=$(cut -f1 "$tmp/event")
pause

say "100 simulated users, each reserving 2 adjacent seats in a random row, confirming" \
	"80% of their holds and cancelling 10%, for $secs seconds. Each user has one request" \
	"in flight; every request is one atomic script on the event's master."
run "rc-seats load --event $ev --users 100 --seats 2 --duration $secs | tee '$tmp/load'"
observe "ok: holds granted; conflicts: a seat was already taken (the answer is no, not an error);" \
	"ops_per_sec counts every script call; p99_ms is the latency 99% of calls beat."
observe "As the hall fills up, more and more requests conflict: the last free pairs are hard to find."
run "rc-seats availability $ev"
pause

say "The same-seat race: a tiny event with two seats, and 30 separate processes all" \
	"trying to reserve both at the same moment."
run "rc-seats create-event --name 'Front Row' --rows 1 --seats 2 --price 500 | tee '$tmp/front'"
front=$(cut -f1 "$tmp/front")
say "Each process writes 'won' or 'lost' to a file of its own; wait waits for all 30:"
run "for i in \$(seq 1 30); do (rc-seats reserve --event $front --user fan\$i --seats A1,A2 >/dev/null 2>&1 && echo won || echo lost) >'$tmp'/r\$i.rc & done; wait"
run "cat '$tmp'/r*.rc | sort | uniq -c"
observe "Exactly one winner: the check and the hold are one script, so no two buyers can both see the seats free."
run "rc-seats seat-map $front"
pause

say "And the proof over everything that happened in this lab:"
run "rc-seats audit $ev"
run "rc-seats audit $front"
observe "No seat granted twice, and the stats add up."
pause

say "Put the cluster back as the lab found it:"
lab_events_drop
