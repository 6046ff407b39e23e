#!/usr/bin/env bash
# Lab 55 (backup and restore) runs non-interactively against a cluster of its
# own, ports 16720-16725, and restores into a second lab it makes on
# 16740-16745 and removes whatever happens.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16720
RESTORE=16740
port_guard "$RESTORE" $((RESTORE + 5))
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
ok "the cluster is ok" cluster_wait_ok 30
# shellcheck source=tests/cli/ha-labs.sh
. "$(dirname "$0")/ha-labs.sh"
A='127\.0\.0\.1:167[0-9]{2}'
export RC_LAB_RESTORE_PORT=$RESTORE

lab 55-backup-restore
like "$OUT" "== Backup and restore ==" "55: the title"
like "$OUT" "(rdb_last_bgsave_status:ok[^=]*$A saved; its file copied[^=]*){3}" "55: every master saved and copied"
like "$OUT" "($A's file goes to 127\.0\.0\.1:1674[0-5], which owns the same slots: [0-9]+-[0-9]+\.[^=]*){3}" "55: each file goes to the master with the same slots"
like "$OUT" "cluster up \(6 nodes restarted from saved state\)" "55: the fresh cluster restarted with the files"
like "$OUT" "Every slot has as many keys restored as in the original, but slot [0-9]+: it holds lab55:after-backup" "55: the keys per slot match, but for the late write"
like "$OUT" "3 of 3 sampled keys have the same value" "55: the sampled values match"
like "$OUT" "does not capture: every write after" "55: what the backup misses"
ok "55: no node listens on the restore ports" bash -c "! ss -ltn | grep -E ':167(4[0-5]) ' >/dev/null"
ok "55: the cluster is whole after the lab" retry 60 whole

done_testing
