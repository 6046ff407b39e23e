#!/usr/bin/env bash
# rc-reshard --durable (the default): a slot is closed only once a replica of
# its target has its keys, so a crash of the target right after a move loses
# none of them; a replica that does not confirm leaves the slot open; a
# target with no replica is named.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=16660
cluster_up $BASE 3 1 2000 >/dev/null || bail_file "no cluster"

NKEYS=20000
M0=$(id_of $BASE)
M1=$(id_of $((BASE + 1)))
rep=$(rcli $BASE cluster nodes | awk -v m="$M1" '$4 == m { split($2, a, "[:@]"); print a[2] }')
[[ -n $rep ]] || bail_file "no replica for the second master"
ok "load $NKEYS keys" load_keys

# 1. The target's replica is hung: the keys reach the target but not the
# replica, so no slot may be closed.
ok "the target's replica is paused" cluster_cmd pause "$rep"
exit_is 1 "a durable move does not close the slots" \
	rc-reshard --migrate-timeout 1500 move --from "$M0" --to "$M1" --slots 40
if server_is valkey; then
	# Valkey 8 refuses the slot change itself: the target waits for its
	# replica to take IMPORTING, in vain.
	like "$OUT" "127.0.0.1:$((BASE + 1)) did not hear from every replica in time \(its replicas: 127.0.0.1:$rep\)" \
		"says why, naming the replica"
else
	like "$OUT" "no replica of the target confirmed its keys" "says why"
fi
is "$(rcli $((BASE + 1)) cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) n += $i !~ /^\[/; print n }')" 1 \
	"the target still owns its one range only"
ok "the replica resumes" cluster_cmd resume "$rep"
ok "fix -y finishes the slots" rc-reshard -y fix
ok "check is clean" retry 20 rc-reshard check
ok "every key there" verify_keys

# 2. A move, then the target crashes at once: its replica takes over with
# every key.
ok "a durable move" rc-reshard --durable move --from "$M0" --to "$M1" --slots 300
ok "the target is killed right after" cluster_cmd kill $((BASE + 1))
promoted() { rcli "$rep" role | head -n1 | grep -qx master; }
ok "its replica takes over" retry 30 promoted
# verify_keys reads the masters from the seed's view, which learns of the
# promotion (and of the dead node) a little later than the replica itself.
seed_sees() {
	rcli $BASE cluster nodes | awk -v p=":$rep@" -v d=":$((BASE + 1))@" '
		index($2, p) && $3 ~ /master/ { m = 1 }
		index($2, d) && $3 ~ /master/ && $3 !~ /fail/ { dead = 1 }
		END { exit !(m && !dead) }'
}
ok "the seed sees the promotion" retry 30 seed_sees
ok "every key there, once, with its value" verify_keys
ok "the killed node comes back" cluster_cmd start $((BASE + 1))
back() { rcli $((BASE + 1)) role | head -n1 | grep -qx slave; }
ok "as a replica" retry 30 back

# 3. A target with no replica: the move goes on, and says so.
NEW=$((BASE + 6))
ok "a fresh node" cluster_cmd add $NEW
ok "joins as a master" rc-reshard add-node 127.0.0.1:$NEW
ok "a move to it" rc-reshard move --from "$M0" --to "$(id_of $NEW)" --slots 20
like "$OUT" "has no replica: its slots are moved without the durable wait" "says it cannot wait"
is "$(grep -c 'has no replica' <<<"$OUT")" 1 "once"
ok "--no-durable does not ask" rc-reshard --no-durable move --from "$M0" --to "$(id_of $NEW)" --slots 20
unlike "$OUT" "no replica" "and says nothing"
ok "check is clean" retry 20 rc-reshard check
ok "every key there" verify_keys

done_testing
