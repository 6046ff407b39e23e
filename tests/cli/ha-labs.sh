# shellcheck shell=bash
# tests/cli/ha-labs.sh: sourced by failover-labs.t, failover-labs2.t and backup-labs.t,
# which run the high-availability labs against the cluster of $BASE.  Needs
# the lib.sh helpers.

# lab NAME: runs labs/NAME.sh; its output (stdout and stderr) is in $OUT.
lab() {
	exit_is 0 "lab $1 runs to the end" env RC_CLUSTER="127.0.0.1:$BASE" RC_LAB_PORT="$BASE" \
		RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/$1.sh" </dev/null
}
# whole: every node runs, the cluster is ok, every master has a replica
# able to take over (each lab leaves the cluster so).
# shellcheck disable=SC2317 # called through retry
whole() { cluster_cmd status >/dev/null 2>&1 && rc-failover -T status >/dev/null 2>&1; }
