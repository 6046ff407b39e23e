#!/usr/bin/env bash
# The rc-seats labs (labs/30-39), run non-interactively against a private
# cluster, as make check does: each exits 0 and shows what it is about.
# Ports 15740-15745.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

cluster_up 15740 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 15740"
}

# lab NAME: runs labs/NAME.sh as make check does; output in $OUT
lab() {
	RC_CLUSTER=127.0.0.1:$LAB_BASE RC_LAB_PORT=$LAB_BASE RC_LAB_DIR=$LAB_DIR \
		RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/$1.sh" </dev/null
}

ok "lab 30 runs" lab 30-seats-reservations
like "$OUT" "== Create events and make reservations ==" "lab 30: its title"
like "$OUT" "conflict: seat A3 of event [0-9a-f]+ already taken" "lab 30: Bob's conflict"
like "$OUT" $'\tconfirmed\t[1-9]' "lab 30: a durable confirm acknowledged by a replica"
like "$OUT" $'offered\tcarol\t' "lab 30: the waitlist is served"
like "$OUT" $'violations\t0' "lab 30: a clean audit"

ok "lab 31 runs" lab 31-seats-load
like "$OUT" "== Load testing ==" "lab 31: its title"
like "$OUT" $'ops_per_sec\t[1-9][0-9]*' "lab 31: throughput"
like "$OUT" $'conflicts\t[1-9][0-9]*' "lab 31: conflicts"
like "$OUT" $'\n *1 won\n' "lab 31: exactly one winner of the same-seat race"
like "$OUT" $' *29 lost' "lab 31: and 29 losers"
unlike "$OUT" $'violations\t[1-9]' "lab 31: clean audits"

ok "lab 32 runs" lab 32-seats-distribution
like "$OUT" "== Observe data distribution ==" "lab 32: its title"
is "$(grep -c $'\tEvent [A-L]\t' <<<"$OUT")" 12 "lab 32: twelve events listed"
like "$OUT" "127\.0\.0\.1:1574[0-5]" "lab 32: with their nodes"

ok "lab 33 runs" lab 33-hot-event
like "$OUT" "== The hot event" "lab 33: its title"
like "$OUT" $'ops_per_sec\t[1-9]' "lab 33: the hot event's throughput"
like "$OUT" "is busy: [1-9][0-9]* operations a second in the ops column, the other masters at most [0-9]+\." \
	"lab 33: the busy master's ops are read from the table shown"
like "$OUT" $'ops_per_sec \\(all events\\)\t[1-9]' "lab 33: the spread events' throughput"
like "$OUT" $'violations\t0' "lab 33: a clean audit"

like "$OUT" "deleted the [1-9][0-9]* events this lab made" "lab 33: deletes its events"
total=0
for p in 15740 15741 15742; do total=$((total + $(rcli "$p" DBSIZE))); done
is "$total" 0 "labs 30-33 leave no key behind"

done_testing
