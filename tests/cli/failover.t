#!/usr/bin/env bash
# rc-failover: status rows and exit codes, promote (default mode, a master
# given, an unknown node, the master down), probe during a promote loses no
# acknowledged write, a non-cluster server, auth.  Ports 15800-15805 (the
# cluster), 15820-15825 (a cluster under auth), 15840 (a plain server);
# node timeout 2000 ms.
# shellcheck disable=SC2317 # helpers are called through ok and retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

cluster_up 15800 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 15800"
}

role() { rcli "$1" ROLE 2>/dev/null | head -n1; }
col() { awk -F'\t' -v c="$1" '{ print $c }'; }
# replica_of ADDR: a replica of the master at ADDR, from status
replica_of() { rc-failover status -T | awk -F'\t' -v m="$1" '$2 == "replica" && $4 == m { print $3; exit }'; }

# --- usage -------------------------------------------------------------------
exit_is 2 "promote needs a node" rc-failover promote
exit_is 2 "--force and --takeover together are refused" rc-failover promote --force --takeover 127.0.0.1:15803
exit_is 2 "status takes no --force" rc-failover status --force
exit_is 3 "an unreachable seed exits 3" rc-failover -c 127.0.0.1:15899 status

# --- status ------------------------------------------------------------------
ok "status on a healthy cluster exits 0" rc-failover status -T
S=$OUT
is "$(wc -l <<<"$S")" 6 "a row per node"
is "$(col 2 <<<"$S" | sort | uniq -c | awk '{ printf "%s%s ", $1, $2 }')" "3master 3replica " "3 masters, 3 replicas"
is "$(awk -F'\t' 'NF != 9' <<<"$S")" "" "every row has 9 columns"
is "$(awk -F'\t' '$2 == "replica" { print $5, $8 }' <<<"$S" | sort -u)" "up yes" "every replica's link is up and it could fail over"
is "$(awk -F'\t' '$2 == "replica" && $7 !~ /^[0-9]+\.[0-9]$/' <<<"$S")" "" "every replica's lag in ms was measured"
is "$(awk -F'\t' '$2 == "replica" && $6 !~ /^[0-9]+$/' <<<"$S")" "" "every replica's lag in bytes is known"
ok "status -H" rc-failover status -H
like "$(head -n1 <<<"$OUT")" $'^#shard\trole\tnode\tmaster\tlink\tlag_bytes\tlag_ms\tfailover\twhy$' "the header names the columns"
# The lags above were read from the heartbeats; none is left behind (a
# backup, a key count, a scan of the user's keys sees nothing of them).
hbs() {
	local m
	for m in $(awk -F'\t' '$2 == "master" { print $3 }' <<<"$S"); do
		rcli "${m##*:}" --scan --pattern 'rc-failover:hb:*'
	done
}
is "$(hbs)" "" "no heartbeat key is left on any master"
ok "status -p is aligned" rc-failover status -p
like "$(head -n1 <<<"$OUT")" '^SHARD +ROLE +NODE' "a pretty header"

# A replica that refuses automatic failover leaves its master orphaned.
M1=$(awk -F'\t' '$2 == "master" { print $3; exit }' <<<"$S")
R1=$(replica_of "$M1")
rcli "${R1##*:}" CONFIG SET cluster-replica-no-failover yes >/dev/null
exit_is 1 "a master without a replica able to take over: exit 1" rc-failover status -T
is "$(awk -F'\t' -v r="$R1" '$3 == r { print $8 "/" $9 }' <<<"$OUT")" "no/cluster-replica-no-failover" "the replica says why"
is "$(awk -F'\t' -v m="$M1" '$3 == m { print $9 }' <<<"$OUT")" "no replica can take over" "its master says so"
rcli "${R1##*:}" CONFIG SET cluster-replica-no-failover no >/dev/null
ok "and exit 0 again once it may" rc-failover status -T

# --- promote -----------------------------------------------------------------
exit_is 2 "an unknown node exits 2" rc-failover promote 127.0.0.1:15899
like "$OUT" 'not a node of this cluster' "and says so"
exit_is 2 "an unknown id prefix exits 2" rc-failover promote ffffzzzz
exit_is 0 "promoting a master is a no-op" rc-failover promote "$M1"
like "$OUT" 'already a master.*nothing to do' "and says so"

# While rc-reshard holds the change lease, promote says who is at work.
PROBE=${RC_PROBES:-$ROOT/tests/cli}/lease-probe
mkfifo "$T/lease.in"
"$PROBE" "$RC_CLUSTER" rebalance 0 <"$T/lease.in" >"$T/lease.out" 2>&1 &
LEASE=$!
exec {LEASE_IN}>"$T/lease.in"
ok "an operator holds the change lease" retry 10 grep -qx held "$T/lease.out"
exit_is 1 "promote while it is held exits 1" rc-failover promote "$R1"
like "$OUT" "another operator is changing the cluster: rebalance by pid $LEASE" "naming it"
is "$(role "${R1##*:}")" slave "and $R1 is still a replica"
exec {LEASE_IN}>&-
wait "$LEASE"

ok "promote $R1 (default mode)" rc-failover promote -H "$R1"
P=$OUT
is "$(awk -F'\t' '!/^#/ { print $2 }' <<<"$P" | grep -v caught-up | tr '\n' ' ')" "requested promoted agreed " "the timeline: requested, promoted, agreed"
is "$(awk -F'\t' '!/^#/ && $1 !~ /^[0-9]+\.[0-9]$/' <<<"$P")" "" "times in ms"
like "$(grep agreed <<<"$P")" '6 nodes agree, 0 unreachable' "every node agreed"
is "$(role "${R1##*:}")" master "$R1 is a master"
demoted() { [[ $(role "${M1##*:}") == slave ]]; }
ok "the old master $M1 is its replica" retry 20 demoted
is "$(replica_of "$R1")" "$M1" "status says $M1 replicates $R1"
healthy() { rc-failover status -T >/dev/null 2>&1; }
ok "status exits 0 again once $M1 has synced" retry 30 healthy

# --- probe during a promote ----------------------------------------------------
M2=$(rc-failover status -T | awk -F'\t' -v x="$R1" '$2 == "master" && $3 != x { print $3; exit }')
R2=$(replica_of "$M2")
like "$R2" '^127\.0\.0\.1:158[0-9][0-9]$' "$M2 has a replica ($R2)"
rc-failover probe -d 6 -r 200 >"$T/probe.out" 2>"$T/probe.err" &
ppid=$!
sleep 2
ok "promote $R2 under the probe" rc-failover promote "$R2"
wait "$ppid"
prc=$?
is "$prc" 0 "the probe exits 0"
PR=$(<"$T/probe.out")
is "$(awk -F'\t' '$1 ~ /^[0-9]+$/' <<<"$PR" | wc -l)" 6 "a row a second"
like "$(grep '^availability' <<<"$PR")" $'^availability\t[0-9.]+$' "an availability"
is "$(grep '^lost' <<<"$PR")" $'lost\t0' "no acknowledged write lost"
like "$(grep '^acked' <<<"$PR")" $'^acked\t[1-9][0-9]*$' "writes were acknowledged"
is "$(rcli "${R2#*:}" --scan --pattern 'rc-failover:probe:*' | wc -l)" 0 "the probe removed its keys"

# --- the master down ---------------------------------------------------------
M3=$(rc-failover status -T | awk -F'\t' -v x="$R1" -v y="$R2" '$2 == "master" && $3 != x && $3 != y { print $3; exit }')
R3=$(replica_of "$M3")
like "$R3" '^127\.0\.0\.1:158[0-9][0-9]$' "$M3 has a replica ($R3)"
cluster_cmd kill "${M3##*:}" >/dev/null 2>&1
# The seed must be a live node (it may have been the one killed).
export RC_CLUSTER=$R3
exit_is 3 "promote with the master down and no --force exits 3" rc-failover promote "$R3"
like "$OUT" 'is down.*--force' "and says to use --force"
ok "promote --force" rc-failover promote --force "$R3"
is "$(role "${R3##*:}")" master "$R3 is a master"
exit_is 1 "status: the promoted $R3 has no replica able to take over" rc-failover status -T
is "$(awk -F'\t' -v r="$R3" '$3 == r { print $9 }' <<<"$OUT")" "no replica can take over" "its row says so"
like "$(awk -F'\t' -v m="$M3" '$3 == m { print $9 }' <<<"$OUT")" 'unreachable' "the dead node is unreachable"

# --- not a cluster ---------------------------------------------------------------
port_guard 15840
"${RC_REDIS_SERVER:-redis-server}" --port 15840 --save '' --appendonly no \
	--dir "$T" >"$T/plain.log" 2>&1 &
plain=$!
at_exit "kill $plain"
up() { rcli 15840 PING >/dev/null 2>&1; }
retry 10 up
exit_is 3 "a non-cluster server exits 3" rc-failover -c 127.0.0.1:15840 status
like "$OUT" 'not a cluster node' "and says so"

# --- auth --------------------------------------------------------------------------
export RC_AUTH=s3cret
cluster_up 15820 3 1 2000 >"$T/up2.log" 2>&1 || {
	diag "$(<"$T/up2.log")"
	bail_file "no cluster on 15820"
}
ok "status under auth" rc-failover status -T
RA=$(awk -F'\t' '$2 == "replica" { print $3; exit }' <<<"$OUT")
ok "promote under auth" rc-failover promote "$RA"
like "$OUT" 'agreed' "it is agreed"

# watch while a master is killed: PFAIL, FAIL, the replica's promotion, and
# it stops by itself once all is well again.
ok "status before the kill" rc-failover status -T
WM=$(awk -F'\t' -v x="$RA" '$2 == "master" && $3 != x { print $3; exit }' <<<"$OUT")
WR=$(awk -F'\t' -v m="$WM" '$2 == "replica" && $4 == m { print $3; exit }' <<<"$OUT")
export RC_CLUSTER=$RA
wstart=$SECONDS
rc-failover watch -H -d 60 --until-ok >"$T/watch.out" 2>"$T/watch.err" &
wpid=$!
sleep 1
cluster_cmd kill "${WM##*:}" >/dev/null 2>&1
wait "$wpid"
is "$?" 0 "watch --until-ok exits 0"
ok "by itself, before its 60 s ($((SECONDS - wstart)) s)" test $((SECONDS - wstart)) -lt 50
W=$(<"$T/watch.out")
like "$(head -n1 <<<"$W")" $'^#ms\tobserver\tevent\tsubject\tdetail$' "watch's header"
like "$W" $'\tpfail\t'"$WM" "someone saw $WM as PFAIL"
like "$W" $'\tfail\t'"$WM" "FAIL was agreed on $WM"
like "$W" $'\trole\t'"$WR"$'\tmaster' "$WR became master"
like "$W" $'\tstate\t-\tfail -> ok' "cluster_state came back"
RC_AUTH=wrong exit_is 3 "a wrong password exits 3" rc-failover status
like "$OUT" 'RC_AUTH' "and names where the password comes from"
unset RC_AUTH
exit_is 3 "no password exits 3" rc-failover status

done_testing
