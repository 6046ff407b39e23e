#!/usr/bin/env bash
# rc-reshard with a replica paused long enough to be flagged failing:
# add-node joins the new node, names the node it could not tell and exits 1
# (it promises that every node knows the new one); del-node names the node
# that could not forget, and the command it gives for it works once the node
# is back.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17100
port_guard $BASE $((BASE + 9))
cluster_up $BASE 3 1 1000 >/dev/null || bail_file "no cluster"
export RC_CLUSTER=127.0.0.1:$BASE

REP=
for p in $((BASE + 3)) $((BASE + 4)) $((BASE + 5)); do
	[[ $(rcli $p role | sed -n 1p) == slave ]] && { REP=$p; break; }
done
[[ -n $REP ]] || bail_file "no replica found"
NEW=$((BASE + 6)) NEW2=$((BASE + 7))
knows() { rcli "$1" cluster nodes | grep -q "^$2 "; }

# A master every node knows, to be removed while the replica is paused.
ok "a fresh node" cluster_cmd add $NEW
ok "add-node while every node answers" rc-reshard --wait 30 add-node 127.0.0.1:$NEW
NID=$(id_of $NEW)
known_by_rep() { knows $REP "$NID"; }
ok "the replica knows it" retry 30 known_by_rep

ok "the replica is paused" cluster_cmd pause $REP
# FAIL, not PFAIL ("fail?"): a node only suspected is still waited for.
failing() {
	rcli $BASE cluster nodes | awk -v a="127.0.0.1:$REP@" 'index($2, a) == 1 { f = $3 }
		END { exit !(f ~ /(^|,)fail(,|$)/) }'
}
ok "and flagged failing" retry 60 failing

ok "another fresh node" cluster_cmd add $NEW2
exit_is 1 "add-node exits 1" rc-reshard --wait 20 add-node 127.0.0.1:$NEW2
like "$OUT" "add-node: 127.0.0.1:$REP is flagged failing and was not asked" \
	"and names the node it could not tell"
is "$(grep -cE "^127.0.0.1:$NEW2"$'\t'"[0-9a-f]{40}"$'\t'"master" <<<"$OUT")" 1 \
	"the node joined all the same"
ok "the seed knows it" knows $BASE "$(id_of $NEW2)"

ok "del-node of the first new master" rc-reshard -y --wait 20 del-node "$NID"
like "$OUT" "127.0.0.1:$REP is down and cannot forget node ${NID:0:12}" \
	"names the node that could not forget it"
advice=$(grep -o "redis-cli -h 127.0.0.1 -p $REP CLUSTER FORGET $NID" <<<"$OUT")
is "$advice" "redis-cli -h 127.0.0.1 -p $REP CLUSTER FORGET $NID" "and says what to run"
unlike "$OUT" "rc-reshard -y del-node $NID' again" "not a del-node the seed cannot do"
ok "the seed forgot it" bash -c "! redis-cli -p $BASE cluster nodes | grep -q '^$NID '"

ok "the replica resumes" cluster_cmd resume $REP
answers() { [[ $(rcli $REP ping) == PONG ]]; }
ok "and answers" retry 30 answers
if server_is valkey; then
	# Valkey 8 passes a forget on in its gossip: the replica drops the node
	# by itself once it hears from the others.
	forgot() { ! knows $REP "$NID"; }
	ok "the replica forgets it by itself (Valkey 8)" retry 30 forgot
else
	ok "it still knows the removed node" knows $REP "$NID"
	exit_is 1 "check: not clean while it does" rc-reshard check
	like "$OUT" "ghost"$'\t'"127.0.0.1:$REP"$'\t'"lists node $NID" "and names the node and its ghost"
	like "$OUT" "CLUSTER FORGET $NID" "with the command that removes it"
	exit_is 1 "rc-dist nodes: not all ok either" rc-dist nodes
	like "$OUT" "\(${NID:0:12}\) is listed by a node but not by the seed" "and names the ghost"
	# The advice, run as given.
	is "$(eval "$advice" | tr -d '\r')" OK "the advice works"
	ok "the replica has forgotten it" bash -c "! redis-cli -p $REP cluster nodes | grep -q '^$NID '"
fi
ok "settled" retry 30 rc-reshard settled
ok "check is clean" rc-reshard check

done_testing
