# labs/ha.sh - sourced by the high-availability labs (5x): they break the
# lab cluster on purpose (kill, partition), so they need labs/cluster's own
# lab, and they wait for the cluster to heal before they end.
# shellcheck shell=bash

# ha_need_launcher: stop, saying why, unless RC_CLUSTER is a node of the lab
# that labs/cluster manages (RC_LAB_PORT, RC_LAB_DIR).
ha_need_launcher() {
	if ! "$LAB_CLUSTER" ports 2>/dev/null | grep -x "${RC_CLUSTER##*:}" >/dev/null; then
		say "This lab kills and cuts off nodes with labs/cluster, on its own lab" \
			"cluster (RC_LAB_PORT, RC_LAB_DIR), and $RC_CLUSTER is not one of its nodes."
		exit 2
	fi
}

# ha_rows: rc-failover status as TSV (its exit status ignored: a master
# without a replica able to take over is a row to read, not an error here).
ha_rows() { rc-failover -T status 2>/dev/null || true; }

# ha_nodes: every node's address, one a line.
ha_nodes() { ha_rows | cut -f3; }

# ha_master N: the address of the Nth master (1-based); ha_replica_of ADDR:
# a replica of the master at ADDR.
ha_master() { ha_rows | awk -F'\t' -v n="$1" '$2 == "master" && ++i == n { print $3 }'; }
ha_replica_of() { ha_rows | awk -F'\t' -v m="$1" '$2 == "replica" && $4 == m { print $3; exit }'; }

# ha_timeout: the cluster's node timeout in ms, as the seed has it.
ha_timeout() {
	redis-cli -h "${RC_CLUSTER%:*}" -p "${RC_CLUSTER##*:}" CONFIG GET cluster-node-timeout | sed -n 2p
}

# ha_set_timeout MS: the node timeout of every node.
ha_set_timeout() {
	local a
	for a in $(ha_nodes); do
		redis-cli -h "${a%:*}" -p "${a##*:}" CONFIG SET cluster-node-timeout "$1" >/dev/null
	done
}

# ha_is_replica ADDR MASTER: ADDR is a replica of MASTER, its link up.
ha_is_replica() {
	ha_rows | awk -F'\t' -v r="$1" -v m="$2" '$3 == r && $2 == "replica" && $4 == m && $5 == "up" { f = 1 } END { exit !f }'
}

# ha_until SECS CMD...: lab_until (labs/lib.sh), by its older name.
ha_until() { lab_until "$@"; }

# ha_whole: every node runs, the cluster is ok, and every master has a
# replica able to take over.
ha_whole() { "$LAB_CLUSTER" status >/dev/null 2>&1 && rc-failover -T status >/dev/null 2>&1; }

# ha_window FILE ADDR: the milliseconds the probe in FILE could not reach
# the keys of the master at ADDR (its window rows added up; 0 if none).
ha_window() {
	awk -F'\t' -v m="$2" '$1 == "window" && $5 == m { t += $4 } END { print t + 0 }' "$1"
}

# ha_sum FILE NAME: the value of summary row NAME in the probe's FILE.
ha_sum() { awk -F'\t' -v n="$2" '$1 == n { print $2 }' "$1"; }

# ha_tag_on ADDR: a hash tag whose slot the master at ADDR serves.
ha_tag_on() {
	local i
	for i in $(seq 1 1000); do
		[[ $(rc-slot -n "{t$i}" | cut -f3) == "$1" ]] && { echo "t$i"; return; }
	done
}

# ha_start_all: starts every node of the lab that is not running (a lab's
# cleanup: no node stays down, whatever happened).
ha_start_all() {
	local p
	for p in $("$LAB_CLUSTER" ports 2>/dev/null); do "$LAB_CLUSTER" start "$p" >/dev/null 2>&1 || true; done
}

# ha_linked ADDR: every node sees ADDR connected and not failing, and ADDR
# sees every node so: a node just restarted can then hold an election (its
# failover requests reach the masters).
ha_linked() {
	local a
	for a in $(ha_nodes); do
		redis-cli -h "${a%:*}" -p "${a##*:}" CLUSTER NODES |
			awk -v n="$1@" -v self="$([[ $a == "$1" ]] && echo 1)" '
				(index($2, n) == 1 || self) && ($3 ~ /fail/ || $8 != "connected") { bad = 1 }
				END { exit bad }' || return 1
	done
}
