#!/usr/bin/env bash
# Timeouts and garbage say what they are (issue 18, item 5): a paused node
# is "no reply within N s (timeout)", never the errno text "Resource
# temporarily unavailable"; rc-dist hot waits for a silent node once; a
# seed that is not Redis (an HTTP server, an absurd multi-bulk length) ends
# rc-seats at once, whatever its retry window.
. "$(dirname "$0")/lib.sh"
require_redis
BASE=16960
# A long node timeout: the paused master is not failed over meanwhile.
cluster_up $BASE 3 1 20000 || bail_file "no cluster"
JUNK=16980
port_guard $JUNK $((JUNK + 1))

# Not the seed: the views are read from it.
victim=$(masters | grep -vx "$BASE" | tail -n 1)
conns() { rcli "$victim" INFO stats | tr -d '\r' | awk -F: '$1 == "total_connections_received" { print $2 }'; }
# window VIEW: the victim paused, rc-dist VIEW run once (its result in $OUT
# and $RC), resumed; the connections it received meanwhile in $DELTA (the
# connects queued while it was paused are accepted when it resumes).
window() {
	local before
	before=$(conns)
	cluster_cmd pause "$victim" >/dev/null
	RC=0
	OUT=$(rc-dist --timeout 1 "$1" 2>&1) || RC=$?
	cluster_cmd resume "$victim" >/dev/null
	settled() { (($(conns) - before > 1)); }
	retry 10 settled
	# shellcheck disable=SC2034 # read by eval below
	DELTA=$(($(conns) - before))
}
for view in nodes keys hot info; do
	window "$view"
	is "$RC" 1 "$view with a paused master exits 1"
	like "$OUT" "127\.0\.0\.1:$victim: no reply within 1 s \(timeout\)" "$view says it timed out"
	unlike "$OUT" "temporarily unavailable" "$view: not the errno text"
	eval "delta_$view=\$DELTA"
done
# shellcheck disable=SC2154 # set by eval above
is "$delta_hot" "$delta_nodes" "hot waits for the silent node once, as nodes does"
# shellcheck disable=SC2154
is "$delta_keys" "$delta_nodes" "and so does keys"

ok "master $victim paused" cluster_cmd pause "$victim"
exit_is 3 "rc-repl pinned to the paused node exits 3" bash -c \
	"printf ':node 127.0.0.1:$victim\nPING\n' | rc-repl --timeout 0.5"
like "$OUT" "no reply within 0\.5 s \(timeout\)" "rc-repl says it timed out"
unlike "$OUT" "temporarily unavailable" "not the errno text"
ok "master $victim resumed" cluster_cmd resume "$victim"

# --- a seed that is not Redis ------------------------------------------------
junk() {
	"${RC_PROBES:-$ROOT/tests/cli}/junk-probe" "$1" "$2" >"$T/junk.$1" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	retry 10 grep -qx listening "$T/junk.$1"
}
ok "an HTTP server on $JUNK" junk $JUNK 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
ok "a server that sends an absurd multi-bulk length on $((JUNK + 1))" \
	junk $((JUNK + 1)) '*99999999999\r\n'
for p in $JUNK $((JUNK + 1)); do
	exit_is 3 "rc-seats with the seed on $p exits 3 at once (not after --retry)" \
		timeout 30 rc-seats --retry 120 -c 127.0.0.1:$p availability abc
	like "$OUT" "127\.0\.0\.1:$p: a reply no Redis node sends" "saying it is not Redis"
	like "$OUT" "client port of a Redis Cluster node" "and what to check"
	exit_is 3 "rc-dist with the seed on $p exits 3" rc-dist -c 127.0.0.1:$p nodes
	like "$OUT" "a reply no Redis node sends" "saying so too"
done
done_testing
