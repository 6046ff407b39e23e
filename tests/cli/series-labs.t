#!/usr/bin/env bash
# The series' second half (labs 20-49; dist-labs.t runs 00-19) twice in a
# row on one cluster of its own, as a learner might: every lab runs again
# and in any order because each leaves the cluster as it found it (its keys
# deleted, nodes it added removed, slot map restored).  The failover labs
# (50-58) leave the cluster whole, not as they found it, and have their own
# files.  Ports 17800-17805, 17806-17807 for the nodes labs 20-22 and 28 add,
# 17820-17825 for lab 26's.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17800
cluster_up $BASE 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30

state() { lab_state; }
start=$(state)

series() {
	local l
	for l in "$ROOT"/labs/[234][0-9]-*.sh; do
		l=${l##*/}
		run_lab "${l%.sh}"
	done
}
series
is "$(state)" "$start" "after one pass of labs 20-49: the keys, slot map and nodes it found"
series
is "$(state)" "$start" "after a second pass: the same"

done_testing
