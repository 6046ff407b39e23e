#!/usr/bin/env bash
# labs/cluster partition / heal: a real network partition on loopback (an
# nftables table of the lab's own). A master cut off from the majority is
# failed and replaced by its replica; healed, it comes back as a replica;
# clients reach both sides unless --clients; heal, down and clean remove the
# table; the probe counts the writes a cut master took and lost (split
# brain). Ports 16620-16625, node timeout 2000 ms.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
[[ $EUID == 0 ]] || skip_all "partitions need root"
require_cmd nft

BASE=16620
cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on $BASE"
}
TABLE=rc_lab_$BASE

has_table() { nft list table ip "$TABLE" >/dev/null 2>&1; }
no_table() { ! has_table; }
role() { rcli "$1" ROLE 2>/dev/null | head -n1; }
# replica_port M: the port of the replica of master M, from its ROLE.
replica_port() { rcli "$1" ROLE | sed -n 4p; }
# flags OBSERVER PORT: how OBSERVER flags node PORT in CLUSTER NODES.
flags() { rcli "$1" CLUSTER NODES | awk -v a="127.0.0.1:$2@" 'index($2, a) == 1 { print $3 }'; }
fails() { [[ $(flags "$1" "$2") == *fail* && $(flags "$1" "$2") != *fail\?* ]]; }
is_master() { [[ $(role "$1") == master ]]; }
# replica_of P M: node P is a replica whose link to M is up.
replica_of() {
	local r
	r=$(rcli "$1" ROLE | tr '\n' ' ')
	[[ $r == "slave 127.0.0.1 $2 connected "* ]]
}
state_of() { rcli "$1" CLUSTER INFO | tr -d '\r' | sed -n 's/^cluster_state://p'; }
state_is() { [[ $(state_of "$1") == "$2" ]]; }
answers() { [[ $(RC_TEST_CLI_TIMEOUT=2 rcli "$1" PING 2>/dev/null) == PONG ]]; }
silent() { ! answers "$1"; }

mapfile -t ALL < <(cluster_ports)

# --- usage -------------------------------------------------------------------
exit_is 2 "partition needs a port" cluster_cmd partition
exit_is 2 "an unknown port exits 2" cluster_cmd partition 16699
like "$OUT" "not a node of the lab" "and says so"
exit_is 2 "every node named: nothing to cut" cluster_cmd partition "${ALL[@]}"
if command -v setpriv >/dev/null 2>&1; then
	# A copy nobody can reach: the tree may sit under a directory only root
	# may enter (a clone in a mktemp -d).  The root check comes first, before
	# the lab is read.
	pub=$(mktemp -d "${TMPDIR:-/tmp}/rc-pub.XXXXXX")
	at_exit "rm -rf '$pub'"
	chmod 755 "$pub"
	install -m 755 "$LAB" "$pub/cluster"
	exit_is 2 "without root: exit 2" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env RC_LAB_PORT=$BASE RC_LAB_DIR="$LAB_DIR" "$pub/cluster" partition $BASE
	like "$OUT" "needs root" "and says so"
else
	skip "setpriv is not installed" 2
fi
ok "no table yet" no_table

# --- a master cut off from the majority --------------------------------------
M=$BASE
R=$(replica_port $M)
like "$R" '^166[0-9]{2}$' "master $M has a replica ($R)"
O=$(cluster_ports | grep -vx -e "$M" -e "$R" | head -n1)
rcli_c $M SET '{p}:before' 1 >/dev/null
ok "partition $M" cluster_cmd partition $M
like "$OUT" "nodes $M cut from" "it says which nodes"
ok "the lab's table is there" has_table
ok "a client reaches the cut master" answers $M
ok "and the majority" answers "$O"
ok "the majority marks $M fail" retry 30 fails "$O" $M
ok "and promotes its replica $R" retry 30 is_master "$R"
ok "$M, alone, says cluster_state fail" retry 30 state_is $M fail
ok "the majority is ok" retry 30 state_is "$O" ok
ok "$M still thinks itself a master" is_master $M

ok "heal" cluster_cmd heal
ok "the table is gone" no_table
ok "the old master $M rejoins as a replica of $R" retry 30 replica_of $M "$R"
ok "the cluster is whole again" cluster_wait_ok 60
is "$(rcli_c "$R" GET '{p}:before')" 1 "the data written before is there"

# --- --clients ---------------------------------------------------------------
ok "partition $R --clients" cluster_cmd partition "$R" --clients
like "$OUT" "clients with $R" "it says the clients are with $R"
ok "a client reaches $R" answers "$R"
ok "not the rest" silent "$O"
ok "a second partition replaces the first (one table)" cluster_cmd partition "$O"
ok "now $R answers" answers "$R"
ok "and $O too" answers "$O"
ok "heal" cluster_cmd heal
ok "heal twice is fine" cluster_cmd heal
ok "the cluster is whole again" cluster_wait_ok 60

# --- split brain: the probe counts the writes the cut master lost -------------
# The probe writes each sequence number to a key of its own: its writes to
# the cut master, acknowledged and then thrown away when that master rejoins
# as a replica, are not hidden by later writes through the new master.
first_master() {
	local p
	for p in "${ALL[@]}"; do
		is_master "$p" && [[ -n $(replica_port "$p") ]] && { echo "$p"; return; }
	done
}
has_rows() { [[ $(wc -l <"$T/split.out") -ge 1 ]]; }
M=$(first_master)
R=$(replica_port "$M")
like "$M $R" '^166[0-9]{2} 166[0-9]{2}$' "master $M and its replica $R"
# The cut master must take some of the probe's writes before it notices it
# is alone.  The probe's ops go round the three masters' keys, and each op on
# an unreachable one waits out its timeout (0.3 s, tried three times): one
# write reaches the cut master every 4 s or so.  A node timeout of 10 s
# leaves it two or three of them, even on a slow, sanitized build.
set_timeout() { local p; for p in "${ALL[@]}"; do rcli "$p" CONFIG SET cluster-node-timeout "$1" >/dev/null; done; }
set_timeout 10000
rc-failover probe -c 127.0.0.1:"$M" -d 50 -r 200 >"$T/split.out" 2>"$T/split.err" &
probe=$!
ok "the probe runs" retry 30 has_rows
ok "partition $M --clients" cluster_cmd partition "$M" --clients
ok "$M, alone, says cluster_state fail" retry 30 state_is "$M" fail
ok "the clients see both sides again" cluster_cmd partition "$M"
ok "the majority promoted $R" retry 30 is_master "$R"
ok "heal" cluster_cmd heal
ok "$M rejoins as a replica of $R" retry 30 replica_of "$M" "$R"
wait "$probe"
prc=$?
((prc == 1)) || diag "$(cat "$T/split.out" "$T/split.err")"
set_timeout 2000
is "$prc" 1 "the probe exits 1: acknowledged writes were lost"
like "$(<"$T/split.out")" $'\nlost\t[1-9][0-9]*\nunread\t0' "it counts them, and read every key back"
ok "the cluster is whole again" cluster_wait_ok 60
is "$(rcli_c "$R" --scan --pattern 'rc-failover:probe:*' | wc -l)" 0 "the probe removed its keys"

# --- down and clean remove it ------------------------------------------------
ok "partition $O" cluster_cmd partition "$O"
ok "down" cluster_cmd down
ok "down removed the table" no_table
ok "up again" cluster_cmd up
ok "partition $O" cluster_cmd partition "$O"
ok "clean" cluster_cmd clean
ok "clean removed the table" no_table

done_testing
