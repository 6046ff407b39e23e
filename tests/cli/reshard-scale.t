#!/usr/bin/env bash
# rc-reshard: scale out and back in (add-node, a replica for it, rebalance
# --use-empty, del-node) while a client writes and reads through the cluster:
# no client error, no acknowledged write lost, no key lost or duplicated.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/keys.sh
. "$(dirname "$0")/keys.sh"
require_redis

BASE=15420
cluster_up $BASE 3 1 5000 >/dev/null || bail_file "no cluster"

NKEYS=20000
ok "load $NKEYS keys" load_keys

# The client: SET w<i> i then GET w<i>, through one redis-cli -c that follows
# MOVED and ASK, a few hundred commands a second until told to stop.
writer() {
	local i=0
	while [[ ! -e $T/stop ]] && ((i < 200000)); do
		i=$((i + 1))
		printf 'SET w%d %d\nGET w%d\n' "$i" "$i" "$i"
		((i % 20 == 0)) && sleep 0.02
	done
	echo "$i" >"$T/nwrites"
}
RC_TEST_CLI_TIMEOUT=600 rcli_c $BASE < <(writer) >"$T/client.out" 2>&1 &
wpid=$!
at_exit "touch '$T/stop'; kill $wpid"
sleep 1

cluster_cmd add $((BASE + 6)) >/dev/null 2>&1
cluster_cmd add $((BASE + 7)) >/dev/null 2>&1
ok "add-node returns once every node knows it" rc-reshard add-node 127.0.0.1:$((BASE + 6))
like "$OUT" "^127.0.0.1:$((BASE + 6))"$'\t'"[0-9a-f]{40}"$'\t'"master"$'\t'"-\$" "add-node row"
NEW=$(cut -f2 <<<"$OUT")
is "$(rcli $((BASE + 6)) config get cluster-node-timeout | tail -1)" 5000 \
	"add-node put the new node's cluster-node-timeout back"
for p in $(cluster_ports); do
	[[ $p == $((BASE + 7)) ]] && continue
	is "$(rcli "$p" cluster nodes | grep -c "^$NEW ")" 1 "node $p knows the new master"
done
ok "rebalance --use-empty right after add-node" sh -c 'rc-reshard rebalance --use-empty >"$1"' _ "$T/reb.out"
is "$(wc -l <"$T/reb.out" | tr -d ' ')" 4096 "4096 slots moved, a row each"
is "$(rcli $((BASE + 6)) cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }')" \
	4096 "the new master holds 4096 slots"
ok "add a replica for the new master" rc-reshard add-node 127.0.0.1:$((BASE + 7)) --replica-of 127.0.0.1:$((BASE + 6))
like "$OUT" $'\t'"replica"$'\t'"$NEW\$" "replica of the new master"
like "$(rcli $((BASE + 7)) cluster nodes | grep myself)" "slave $NEW" "the replica says so itself"
ok "cluster clean with 4 masters" cluster_clean
ok "keys intact with 4 masters" verify_keys
ok "rc-reshard check clean" rc-reshard check

exit_is 2 "del-node needs -y off a terminal" rc-reshard del-node 127.0.0.1:$((BASE + 6)) </dev/null
ok "del-node drains the master" sh -c 'rc-reshard -y del-node "$1" >"$2"' _ 127.0.0.1:$((BASE + 6)) "$T/del.out"
is "$(grep -c . "$T/del.out")" 4096 "its 4096 slots moved away, a row each"
for p in $(cluster_ports); do
	[[ $p == $((BASE + 6)) ]] && continue
	is "$(rcli "$p" cluster nodes | grep -c "^$NEW ")" 0 "node $p forgot it"
done
like "$(rcli $((BASE + 7)) cluster nodes | grep myself)" "slave [0-9a-f]{40}" "its replica follows another master"
unlike "$(rcli $((BASE + 7)) cluster nodes | grep myself)" "$NEW" "not the removed one"
is "$(rcli $((BASE + 6)) cluster info | tr -d '\r' | grep cluster_known_nodes)" \
	"cluster_known_nodes:1" "the removed node was reset"
# del-node keeps the drained master and its replica from re-homing
# themselves mid-drain (cluster-allow-replica-migration), and puts it back.
for p in $((BASE + 6)) $((BASE + 7)); do
	is "$(rcli $p config get cluster-allow-replica-migration | tail -1)" yes \
		"cluster-allow-replica-migration is back on $p"
done

touch "$T/stop"
wait $wpid
n=$(cat "$T/nwrites")
note "the client made $n writes"
ok "the client wrote during all of it" test "$n" -gt 500
grep -v '^-> Redirected' "$T/client.out" >"$T/replies"
bad=$(awk -v n="$n" 'NR % 2 == 1 && $0 != "OK" { print NR ": " $0 } NR % 2 == 0 && $0 != (NR / 2) "" { print NR ": " $0 }' "$T/replies" | head -5)
is "$bad" "" "the client saw no error and read back each write"
is "$(wc -l <"$T/replies")" $((2 * n)) "a reply for every command"
for p in $(masters); do rcli "$p" --scan --pattern 'w*'; done >"$T/wkeys"
is "$(sort -u "$T/wkeys" | wc -l)" "$n" "every acknowledged write is there"
sed 's/^/GET /' "$T/wkeys" | rcli_c $BASE | grep -v '^-> Redirected' | paste "$T/wkeys" - | awk -F'\t' '$2 != substr($1, 2)' >"$T/wrong"
is "$(wc -l <"$T/wrong")" 0 "with its value"
ok "keys intact after scaling back" verify_keys
ok "cluster clean at the end" cluster_clean
ok "rc-reshard check clean at the end" rc-reshard check

done_testing
