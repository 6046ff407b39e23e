#!/usr/bin/env bash
# tests/bench/reshard.sh: scale 3 -> 4 masters with 1M keys (add-node, then
# rebalance using the empty master), rc-reshard against the server's own cli
# (redis-cli or valkey-cli --cluster, RC_SERVER picks) with its defaults and
# with --cluster-pipeline 1000, each on a freshly built, identical cluster.
# Prints SERVER:name<TAB>ours_seconds<TAB>anchor_seconds<TAB>ratio (ratio =
# anchor / ours).  Times are wall clock to the millisecond: rc-reshard's own
# time, its lease, plan and final agreement wait included.  Ports
# 20400-20499.  RC_BENCH_ONLY=durable runs the durable row alone.
#
# Both sides follow the same safe procedure: after add-node, wait until every
# node knows the new one and the new one reports cluster_state:ok (a new
# master refuses queries until then: Redis holds it down for the node
# timeout after it joins), then rebalance.  rc-reshard add-node does that
# wait itself; for the cli the script polls (every 20 ms).  The clusters use a node
# timeout of 2000 ms (RC_BENCH_NODE_TIMEOUT).  The rows ending in -rebalance
# time the rebalance alone.
#
# The durable row: the same 1M keys on 3 masters with a replica each, a 4th
# master with its own replica joined, then the rebalance timed with
# --durable (the default: each slot closes once a replica of its target has
# its keys) against --no-durable.  There ratio = no-durable / durable: 0.9
# means the durable wait costs 10%.  The replicas row: that durable
# rebalance against the cli's on the same cluster with replicas (on Valkey 8
# every CLUSTER SETSLOT there waits for the master's replicas).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_server

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$ROOT/bin:$PATH
LAB=$ROOT/labs/cluster
KEYS=${RC_BENCH_KEYS:-1000000}
NODE_TIMEOUT=${RC_BENCH_NODE_TIMEOUT:-2000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-reshard.XXXXXX")
bases=()

unset RC_CLUSTER RC_AUTH REDISCLI_AUTH RC_USER RC_LAB_MASTERS RC_LAB_REPLICAS

cleanup() {
	local b
	for b in "${bases[@]}"; do
		RC_LAB_PORT=$b RC_LAB_DIR=$WORK/lab-$b "$LAB" clean >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab() {
	local b=$1
	shift
	RC_LAB_PORT=$b RC_LAB_DIR=$WORK/lab-$b "$LAB" "$@"
}

# The keys once, routed with rc-slot -n against the first cluster; every
# cluster is built the same way, so the routing holds for all of them.
make_load() {
	local b=$1
	seq 1 "$KEYS" | awk '{ print "key:" $1 }' | RC_CLUSTER=127.0.0.1:$b rc-slot -n |
		awk -F'\t' -v dir="$WORK" '{
			n = split($3, a, ":"); v = "value-" $1
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length($1), $1, length(v), v > (dir "/resp." a[n])
		}'
}

# build BASE: 3 masters, no replicas, node timeout 5000, the keys loaded;
# a 4th node started but not joined.
build() {
	local b=$1 i f p
	bases+=("$b")
	lab "$b" up -m 3 -r 0 -t "$NODE_TIMEOUT" >/dev/null
	# Started before the load, as a spare node would have been.
	lab "$b" add $((b + 3)) >/dev/null
	[[ -n $(ls "$WORK"/resp.* 2>/dev/null) ]] || make_load "$b"
	for f in "$WORK"/resp.*; do
		p=${f##*.}
		i=$((p % 10))
		"$CLI" -p $((b + i)) --pipe <"$f" >/dev/null
	done
}

# The load files name the first cluster's ports: map them to offsets.
relabel_load() {
	local b=$1 f p
	for f in "$WORK"/resp.*; do
		p=${f##*.}
		[[ $p -ge $b && $p -lt $((b + 3)) ]] || continue
		mv "$f" "$WORK/resp.$((p - b))"
	done
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
now() { date +%s%N; }

# ours BASE: prints "total rebalance" seconds.
ours() {
	local b=$1 t0 t1 t2
	t0=$(now)
	RC_CLUSTER=127.0.0.1:$b rc-reshard add-node 127.0.0.1:$((b + 3)) >/dev/null
	t1=$(now)
	RC_CLUSTER=127.0.0.1:$b rc-reshard rebalance --use-empty >/dev/null
	t2=$(now)
	echo "$(secs "$t0" "$t2") $(secs "$t1" "$t2")"
}

# joined BASE: every node knows the new one, which reports cluster_state:ok.
joined() {
	local b=$1 id i
	id=$("$CLI" -p $((b + 3)) cluster myid)
	"$CLI" -p $((b + 3)) cluster info | grep -q 'cluster_state:ok' || return 1
	for i in 0 1 2; do
		"$CLI" -p $((b + i)) cluster nodes | grep "^$id " | grep -q -v handshake || return 1
	done
}

# The cli: add-node, wait until its own check passes (a rebalance right
# after add-node can fail on a node that does not know the new one yet),
# then rebalance.
theirs() {
	local b=$1 t0 t1 t2
	shift
	t0=$(now)
	"$CLI" --cluster add-node 127.0.0.1:$((b + 3)) 127.0.0.1:$b >/dev/null
	until joined "$b"; do sleep 0.02; done
	t1=$(now)
	"$CLI" --cluster rebalance 127.0.0.1:$b --cluster-use-empty-masters "$@" >/dev/null
	t2=$(now)
	echo "$(secs "$t0" "$t2") $(secs "$t1" "$t2")"
}

# verify BASE: every key there, and the new master holds 4096 slots.
verify() {
	local b=$1 n=0 i s
	for i in 0 1 2 3; do n=$((n + $("$CLI" -p $((b + i)) dbsize))); done
	[[ $n == "$KEYS" ]] || { echo "reshard bench: $n keys on cluster $b, want $KEYS" >&2; exit 1; }
	s=$("$CLI" -p $((b + 3)) cluster nodes | grep myself | awk '{ n = 0; for (i = 9; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }')
	[[ $s == 4096 ]] || { echo "reshard bench: the new master of cluster $b has $s slots, want 4096" >&2; exit 1; }
}
# durable BASE MODE: 3 masters with a replica each and the keys loaded, a
# 4th master and its replica joined; prints the rebalance's seconds in MODE
# (cli: the cli's rebalance).
durable() {
	local b=$1 mode=$2 i f p n=0 t0 t1
	bases+=("$b")
	lab "$b" up -m 3 -r 1 -t "$NODE_TIMEOUT" >/dev/null
	lab "$b" add $((b + 6)) >/dev/null
	lab "$b" add $((b + 7)) >/dev/null
	for f in "$WORK"/resp.*; do
		p=${f##*.}
		"$CLI" -p $((b + p % 10)) --pipe <"$f" >/dev/null
	done
	RC_CLUSTER=127.0.0.1:$b rc-reshard add-node 127.0.0.1:$((b + 6)) >/dev/null
	RC_CLUSTER=127.0.0.1:$b rc-reshard add-node --replica-of 127.0.0.1:$((b + 6)) \
	    127.0.0.1:$((b + 7)) >/dev/null
	t0=$(now)
	if [[ $mode == cli ]]; then
		"$CLI" --cluster rebalance 127.0.0.1:$b --cluster-use-empty-masters >/dev/null
	else
		RC_CLUSTER=127.0.0.1:$b rc-reshard rebalance --use-empty "$mode" >/dev/null
	fi
	t1=$(now)
	for i in 0 1 2 6; do n=$((n + $("$CLI" -p $((b + i)) dbsize))); done
	[[ $n == "$KEYS" ]] || { echo "reshard bench: $n keys on cluster $b, want $KEYS" >&2; exit 1; }
	lab "$b" clean >/dev/null
	secs "$t0" "$t1"
}

# priced B: what the change lease and the engine's re-checks (lib/guard.c)
# cost a move.  The same rc-reshard built without them (RC_BENCH_UNGUARDED,
# build/unguarded) and the real one move SLOTS slots (default 1000, ~61k of
# the 1M keys) from a master to an added one and back, taking turns in both
# directions, ROUNDS (default 10) times each; prints the two sums of seconds.
priced() {
	local b=$1 slots=${RC_BENCH_PRICE_SLOTS:-1000} rounds=${RC_BENCH_PRICE_ROUNDS:-10}
	local g=0 u=0 i t0 t1 first second
	local real=$ROOT/bin/rc-reshard bare=$ROOT/build/unguarded/bin/rc-reshard
	[[ -x $bare ]] || { echo "reshard bench: $bare missing (make bench builds it)" >&2; exit 1; }
	build "$b"
	RC_CLUSTER=127.0.0.1:$b rc-reshard add-node 127.0.0.1:$((b + 3)) >/dev/null
	for ((i = 0; i < rounds * 2; i++)); do
		if ((i % 2)); then first=$bare second=$real; else first=$real second=$bare; fi
		t0=$(now)
		RC_CLUSTER=127.0.0.1:$b "$first" -y move --from 127.0.0.1:$b \
			--to 127.0.0.1:$((b + 3)) --slots "$slots" >/dev/null
		t1=$(now)
		if [[ $first == "$real" ]]; then g=$((g + t1 - t0)); else u=$((u + t1 - t0)); fi
		t0=$(now)
		RC_CLUSTER=127.0.0.1:$b "$second" -y move --from 127.0.0.1:$((b + 3)) \
			--to 127.0.0.1:$b --slots "$slots" >/dev/null
		t1=$(now)
		if [[ $second == "$real" ]]; then g=$((g + t1 - t0)); else u=$((u + t1 - t0)); fi
	done
	verify_keys "$b" 0 1 2 3
	lab "$b" clean >/dev/null
	echo "$(secs 0 "$g") $(secs 0 "$u")"
}

# verify_keys B I...: every key of the load is on the nodes B+I.
verify_keys() {
	local b=$1 n=0 i
	shift
	for i; do n=$((n + $("$CLI" -p $((b + i)) dbsize))); done
	[[ $n == "$KEYS" ]] || { echo "reshard bench: $n keys on cluster $b, want $KEYS" >&2; exit 1; }
}

# rrow NAME OURS ANCHOR: a row whose ratio is anchor / ours.
rrow() { row "$1" "$2" "$3" "$(ratio "$3" "$2")"; }

build 20400
relabel_load 20400
if [[ ${RC_BENCH_ONLY:-} == price ]]; then
	lab 20400 clean >/dev/null
	read -r pg pu <<<"$(priced 20460)"
	row move-lease-and-guard-vs-without "$pg" "$pu" "$(ratio "$pg" "$pu")"
	exit 0
fi
if [[ ${RC_BENCH_ONLY:-} == durable ]]; then
	lab 20400 clean >/dev/null
	rrow rebalance-durable-vs-no-durable "$(durable 20430 --durable)" "$(durable 20440 --no-durable)"
	exit 0
fi
read -r o or <<<"$(ours 20400)"
verify 20400
lab 20400 clean >/dev/null

build 20410
read -r a1 a1r <<<"$(theirs 20410)"
verify 20410
lab 20410 clean >/dev/null

build 20420
read -r a2 a2r <<<"$(theirs 20420 --cluster-pipeline 1000)"
verify 20420
lab 20420 clean >/dev/null

d1=$(durable 20430 --durable)
d0=$(durable 20440 --no-durable)
dc=$(durable 20450 cli)

read -r pg pu <<<"$(priced 20460)"

rrow "scale-3-to-4-vs-$CLI" "$o" "$a1"
rrow "scale-3-to-4-vs-$CLI-pipeline-1000" "$o" "$a2"
rrow "rebalance-vs-$CLI" "$or" "$a1r"
rrow "rebalance-vs-$CLI-pipeline-1000" "$or" "$a2r"
rrow rebalance-durable-vs-no-durable "$d1" "$d0"
rrow "rebalance-replicas-vs-$CLI" "$d1" "$dc"
# ours / without: the lease and the re-checks may cost at most 3% (<= 1.03).
row move-lease-and-guard-vs-without "$pg" "$pu" "$(ratio "$pg" "$pu")"
