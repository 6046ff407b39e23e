#!/usr/bin/env bash
# Which server each node runs, and what lib finds it can do: rc-dist nodes and
# info name each node's server and version and say when a cluster mixes them;
# rc-dist hot and rc-hotkey slots take cpu and network per slot from CLUSTER
# SLOT-STATS where the server has it (Valkey 8), say when its statistics are
# off and how to turn them on, and keep working without it (Redis 7.0).
# Run on both servers (RC_SERVER=redis|valkey).  Ports 17000-17006.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=17000
EXTRA=$((BASE + 6))
cluster_up $BASE 3 1 5000 >"$T/up.log" 2>&1 || bail_file "no cluster: $(cat "$T/up.log")"
ok "the cluster is ok" cluster_wait_ok 30
export RC_CLUSTER=127.0.0.1:$BASE
masters=$(masters)

# The server's own words: Valkey says server_name and valkey_version (and
# keeps an older redis_version for clients), Redis only redis_version.
info_server() { rcli "$1" INFO server | tr -d '\r'; }
server_of() {
	local i
	i=$(info_server "$1")
	if grep -q '^server_name:valkey$' <<<"$i"; then
		printf 'valkey %s' "$(sed -n 's/^valkey_version://p' <<<"$i")"
	else
		printf 'redis %s' "$(sed -n 's/^redis_version://p' <<<"$i")"
	fi
}
want=$(server_of $BASE)
diag "server under test: $want"
like "$want" "^$RC_SERVER [0-9]+\\.[0-9]+\\.[0-9]+$" "the nodes run $RC_SERVER"

# --- rc-dist nodes and info: server and version ---------------------------------
ok "nodes" rc-dist -T nodes
nodes=$OUT
is "$(awk -F'\t' 'NF != 14' <<<"$nodes")" "" "each row has 14 columns"
is "$(awk -F'\t' '{ print $13 " " $14 }' <<<"$nodes" | sort -u)" "$want" \
	"every node's server and version, as the node says them"
ok "nodes -H" rc-dist -T -H nodes
is "$(head -n1 <<<"$OUT")" $'#addr\tid\trole\tmaster\tslots\tkeys\tmemory\tops\tlag\tlag_s\tstate\tflags\tserver\tversion' \
	"the header names them"
exit_is 0 "info exits 0" rc-dist -T info
is "$(awk -F'\t' '{ print NF "|" $12 }' <<<"$OUT")" "12|$want" "info's last column: the one server"
unlike "$OUT" "mixes" "  and nothing said of a mix"

# --- lib's answers, and its cache -------------------------------------------------
# feature-probe asks every node for its server and features 3 times on the same
# connections, then once more after reconnecting: the node itself is asked
# (COMMAND INFO) once, and once again after the reconnection.
probe=${RC_PROBES:-$ROOT/tests/cli}/feature-probe
calls() {
	local c
	c=$(rcli "$1" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_command|info:calls=\([0-9]*\),.*/\1/p')
	echo "${c:-0}"
}
c0=$(calls $BASE)
ok "feature-probe: 3 rounds, then reconnected" "$probe" 127.0.0.1:$BASE 3
feat=$OUT
c1=$(calls $BASE)
is "$((c1 - c0))" 2 "a node is asked once, and again after reconnecting (COMMAND INFO calls)"
is "$(grep -c $'\t'"$want"$'\t' <<<"$feat")" 24 "every node, every round: $want"
if server_is valkey; then
	feats="CLUSTER SLOT-STATS=1 CLUSTER SETSLOT TIMEOUT=1 HOTKEYS=0"
else
	feats="CLUSTER SLOT-STATS=0 CLUSTER SETSLOT TIMEOUT=0 HOTKEYS=0"
fi
is "$(grep -v '^reconnected$' <<<"$feat" | cut -f3 | sort -u)" "$feats" "$RC_SERVER: $feats"

# --- hot on the server as it comes -----------------------------------------------
# A big slot (many keys of one hash tag, never read) and a hot one (one key,
# read over and over).
big='{big}'
seq 1 3000 | sed "s/^/$big:/" | awk '{ print "SET", $1, "x" }' >"$T/big.cmds"
bigport=$(rc-slot -n "$big" | cut -f3)
bigport=${bigport##*:}
ok "3000 keys in the big slot" rcli "$bigport" --pipe <"$T/big.cmds"
bigslot=$(rc-slot "$big" | cut -f2)
hotslot=$(rc-slot hot:key | cut -f2)
hotport=$(rc-slot -n hot:key | cut -f3)
hotport=${hotport##*:}
ok "hot:key set" rcli "$hotport" SET hot:key v
reads() { local i; for ((i = 0; i < $1; i++)); do echo "GET hot:key"; done | rcli "$hotport" --pipe >/dev/null; }

exit_is 0 "hot exits 0" rc-dist -T hot -n 3
hot=$(grep -v '^rc-dist:' <<<"$OUT")
like "$(head -n1 <<<"$hot")" "^$bigslot"$'\t3000\t' "hot ranks the big slot first by keys"
if server_is valkey; then
	like "$OUT" "statistics are off on 3 of 3 masters .*'CONFIG SET cluster-slot-stats-enabled yes' on every master" \
		"valkey, statistics off: hot says so and how to turn them on"
	is "$(cut -f4-6 <<<"$hot" | sort -u)" $'-\t-\t-' "  and the cpu and network columns are -"
	exit_is 1 "hot --by cpu with the statistics off exits 1" rc-dist -T hot --by cpu
	like "$OUT" "no master gives per-slot cpu and network figures: nothing to rank by cpu" "  saying why"
else
	unlike "$OUT" "rc-dist:" "redis 7.0: hot says nothing of SLOT-STATS (as before)"
	is "$(cut -f4-6 <<<"$hot" | sort -u)" $'-\t-\t-' "  its cpu and network columns are -"
	exit_is 1 "hot --by cpu exits 1" rc-dist -T hot --by cpu
	like "$OUT" "3 of 3 masters \\(127\\.0\\.0\\.1:[0-9]+, redis 7\\.0\\.[0-9]+\\) have no CLUSTER SLOT-STATS" \
		"  naming the server that has no SLOT-STATS"
fi
exit_is 2 "--by cpu does not go with -m" rc-dist hot --by cpu -m 'x*'
exit_is 2 "--by bogus is refused" rc-dist hot --by bogus
like "$OUT" "--by: 'bogus' is not keys, cpu, net, net-in or net-out" "  naming the words it takes"

# --- hot with the statistics on (Valkey) ------------------------------------------
if server_is valkey; then
	for p in $masters; do
		ok "statistics on at $p" rcli "$p" CONFIG SET cluster-slot-stats-enabled yes
	done
	reads 3000
	exit_is 0 "hot --by cpu" rc-dist -T hot --by cpu -n 3
	unlike "$OUT" "rc-dist:" "  nothing to say"
	like "$(head -n1 <<<"$OUT")" "^$hotslot"$'\t1\t[^\t]+\t[0-9]+\t[0-9]+\t[0-9]+$' \
		"  the hot slot first, with its cpu and network"
	cpu_hot=$(head -n1 <<<"$OUT" | cut -f4)
	ok "  its cpu is more than 0 ($cpu_hot)" test "$cpu_hot" -gt 0
	exit_is 0 "hot --by net" rc-dist -T hot --by net -n 1
	like "$OUT" "^$hotslot"$'\t' "  the hot slot first by network bytes"
	exit_is 0 "hot (by keys)" rc-dist -T hot -n 200
	like "$(head -n1 <<<"$OUT")" "^$bigslot"$'\t3000\t[^\t]+\t[0-9]+\t[0-9]+\t[0-9]+$' \
		"  by keys the big slot is first, with figures"
	big_cpu=$(head -n1 <<<"$OUT" | cut -f4)
	ok "  the big slot took less cpu since than the hot one ($big_cpu < $cpu_hot)" \
		test "$big_cpu" -lt "$cpu_hot"
fi

# --- rc-hotkey slots ------------------------------------------------------------
GEN=
at_exit stop_gen
rc-hotkey gen -d 120 --hot hot:key --hot-share 60 --keys 10000 >"$T/gen.out" 2>"$T/gen.err" &
GEN=$!
ok "gen runs" retry 30 grep -q '^[0-9]' "$T/gen.out"
ok "slots -k 2" rc-hotkey slots -T -d 2 -k 2
slots=$(grep -v '^rc-hotkey:' <<<"$OUT")
is "$(awk -F'\t' 'NF != 11' <<<"$slots")" "" "slots rows have 11 columns"
row=$(grep -m1 $'^slot\t'"$hotslot"$'\t' <<<"$slots")
diag "$row"
if server_is valkey; then
	like "$OUT" "cpu and network per slot: CLUSTER SLOT-STATS, read before and after the sample" \
		"valkey: slots names SLOT-STATS as the source of cpu and network"
	like "$row" $'\thot:key\t[0-9.]+\t[0-9]+\t[0-9]+\t[0-9]+$' "  the hot slot's row has them"
	ok "  its cpu over the sample is more than 0" test "$(cut -f9 <<<"$row")" -gt 0
	like "$slots" $'\nmaster\t[0-9a-f]{8}\t127\\.0\\.0\\.1:'"$hotport"$'\t[^\n]*\t[0-9]+\t[0-9]+\t[0-9]+(\n|$)' \
		"  and its master's row the sum over its slots"
	for p in $masters; do
		ok "statistics off again at $p" rcli "$p" CONFIG SET cluster-slot-stats-enabled no
	done
	ok "slots with the statistics off" rc-hotkey slots -T -d 1 -k 2
	like "$OUT" "cpu and network per slot: none \\(per-slot cpu and network statistics are off on 3 of 3 masters" \
		"  says they are off"
	like "$OUT" "CONFIG SET cluster-slot-stats-enabled yes" "  and how to turn them on"
else
	like "$OUT" "cpu and network per slot: none \\(3 of 3 masters .* have no CLUSTER SLOT-STATS" \
		"redis 7.0: slots says the server has no SLOT-STATS"
	like "$row" $'\thot:key\t[0-9.]+\t-\t-\t-$' "  the sample's figures stand, cpu and network -"
fi
stop_gen

# --- a cluster that mixes servers -------------------------------------------------
# The other server, a node of its own, met by the cluster: a master without
# slots (a Valkey node joins a Redis 7.0 cluster; the reverse meets too).
if server_is valkey; then other=/usr/bin/redis-server; else other=$(command -v valkey-server); fi
if [[ -x $other ]]; then
	"$other" --port $EXTRA --bind 127.0.0.1 --save '' --appendonly no --cluster-enabled yes \
		--cluster-config-file "$T/extra-nodes.conf" --dir "$T" --logfile "$T/extra.log" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	disown "$pid"
	at_exit "kill -KILL $pid"
	extra_up() { [[ $(rcli $EXTRA PING 2>/dev/null) == PONG ]]; }
	ok "the other server answers" retry 10 extra_up
	ok "the cluster meets it" rcli $BASE CLUSTER MEET 127.0.0.1 $EXTRA
	seen() { [[ $(rc-dist -T nodes 2>/dev/null | grep -c .) == 7 ]]; }
	ok "rc-dist sees 7 nodes" retry 20 seen
	extra_ok() { rcli $EXTRA CLUSTER INFO | grep -q '^cluster_state:ok'; }
	ok "the other node learns the slots (cluster_state ok)" retry 30 extra_ok
	others=$(server_of $EXTRA)
	ok "nodes" rc-dist -T nodes
	like "$OUT" "the cluster mixes servers: $want on 6 nodes, $others on 1 node" \
		"nodes says the cluster mixes servers, how many of each"
	is "$(grep "^127.0.0.1:$EXTRA"$'\t' <<<"$OUT" | cut -f13,14 | tr '\t' ' ')" "$others" \
		"  and names the other node's"
	ok "info" rc-dist -T info
	like "$OUT" $'\t'"$want,$others"$'\n' "info lists both servers"
	like "$OUT" "the cluster mixes servers" "  and says they mix"
	if server_is valkey; then
		exit_is 0 "hot in the mixed cluster" rc-dist -T hot -n 1
		like "$OUT" "1 of 4 masters \\(127\\.0\\.0\\.1:$EXTRA, $others\\) have no CLUSTER SLOT-STATS" \
			"  names the master without SLOT-STATS"
	fi
else
	skip "no other server installed to mix" 1
fi

done_testing
