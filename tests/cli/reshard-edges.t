#!/usr/bin/env bash
# rc-reshard's edges: add-node on a node that is a replica already, one server
# under two addresses, the summary of an abort; and routing's answer to a node
# that refuses the password.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16680
cluster_up $BASE 3 1 2000 >/dev/null || bail_file "no cluster"
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
master_of() { rcli "$1" cluster nodes | awk '/myself/ { print $4 }'; }

# 1. A replica given to add-node without --replica: reported as one, not
# made a master.
rep=$(rcli $BASE cluster nodes | awk -v m="$M0" '$4 == m { split($2, a, "[:@]"); print a[2] }')
exit_is 1 "add-node of a replica: no" rc-reshard add-node 127.0.0.1:"$rep"
like "$OUT" $'\treplica\t'"$M0" "reported as the replica it is"
like "$OUT" "not made a master" "says so"

# 2. add-node --replica run again: the replica stays where it is.
NEW=$((BASE + 6))
ok "a fresh node" cluster_cmd add $NEW
ok "joins as a replica" rc-reshard add-node --replica 127.0.0.1:$NEW
was=$(master_of $NEW)
ok "run again" rc-reshard add-node --replica 127.0.0.1:$NEW
like "$OUT" "nothing done" "says it did nothing"
is "$(master_of $NEW)" "$was" "the replica did not move"
ok "--replica-of its own master: the same" rc-reshard add-node --replica-of "$was" 127.0.0.1:$NEW
is "$(master_of $NEW)" "$was" "still there"

# 3. One server under two addresses.
E1=$((BASE + 7))
E2=$((BASE + 8))
ok "two empty nodes" cluster_cmd add $E1
ok "" cluster_cmd add $E2
exit_is 2 "create with one server twice: refused" \
	rc-reshard --wait 5 create 127.0.0.1:$E1 localhost:$E1 127.0.0.1:$E2
like "$OUT" "are the same server" "named by its node id"

# 4. Every slot fails (the source may not MIGRATE): the failures are summed
# up in one line, not listed.
seq 1 20000 | awk '{ print "SET k" $1 " v" }' | rcli_c $BASE >/dev/null
ok "the source may not MIGRATE" rcli $BASE acl setuser default -migrate
exit_is 1 "a move from it fails" bash -c "rc-reshard move --from $M0 --to $M1 --slots 300 2>&1 >/dev/null"
like "$OUT" "slots not moved \\(failed: [0-9 ]+ and [0-9]+ more\\)" "in one summary line"
ok "at most a few lines on stderr" test "$(wc -l <<<"$OUT")" -le 4
ok "MIGRATE allowed again" rcli $BASE acl setuser default +migrate
ok "fix -y" rc-reshard -y fix
ok "check is clean" retry 20 rc-reshard check

# 5. A node that refuses the password: the routed command fails at once with
# the hint, without a retry.
for p in $(cluster_ports); do rcli "$p" config set requirepass pw >/dev/null; done
REDISCLI_AUTH=pw rcli $((BASE + 2)) config set requirepass other >/dev/null
key=$(for i in $(seq 1 200); do echo "k$i"; done | RC_AUTH=pw rc-slot -n | awk -F'\t' -v p=":$((BASE + 2))" 'index($3, p) { print $1; exit }')
[[ -n $key ]] || bail_file "no key of the third master"
exit_is 3 "GET through the node that refuses" env RC_AUTH=pw rc-repl GET "$key"
like "$OUT" "127\.0\.0\.1:$((BASE + 2)) refused the password \(WRONGPASS" "says why: that node refused the password"
like "$OUT" "RC_AUTH" "with the hint"
unlike "$OUT" "retry" "not retried"

done_testing
