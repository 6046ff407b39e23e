#!/usr/bin/env bash
# The library's router against a real cluster: pipelines across all masters,
# a slot that has moved (MOVED), a slot held mid-migration (ASK), and a
# master killed so its replica takes over (connection errors, CLUSTERDOWN).
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15120
PROBE=${RC_PROBES:-$ROOT/tests/cli}/route-probe
[[ -x $PROBE ]] || bail_file "route-probe is not built (make probes)"
cluster_up $BASE 3 1 2000 >/dev/null || bail_file "cannot start a cluster on $BASE"
SEED=127.0.0.1:$BASE

id_of() { rcli "$1" CLUSTER MYID; }
port_of_key() { rcli $BASE CLUSTER NODES | awk -v s="$(rcli $BASE CLUSTER KEYSLOT "$1")" '
	$3 ~ /master/ { for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
		if (s >= r[1] && s <= r[2]) { split($2, a, "[:@]"); print a[2] } } }'; }
other_master() { rcli $BASE CLUSTER NODES | awk -v p="$1" '$3 ~ /master/ && $3 !~ /fail/ {
	split($2, a, "[:@]"); if (a[2] != p) { print a[2]; exit } }'; }
masters() { rcli $BASE CLUSTER NODES | awk '$3 ~ /master/ && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2] }'; }

# finish_slot SLOT SRC DST: the slot belongs to DST now, told to DST first,
# then SRC, then every other master, as the cluster specification orders it;
# each SETSLOT must say OK.
finish_slot() {
	local slot=$1 src=$2 dst=$3 id p r bad=0
	id=$(id_of "$dst")
	for p in "$dst" "$src" $(masters); do
		r=$(rcli "$p" CLUSTER SETSLOT "$slot" NODE "$id")
		[[ $r == OK ]] || { bad=1; diag "SETSLOT $slot NODE on $p: $r"; }
	done
	return $bad
}

# Run the probe with INPUT in the background; its output goes to $T/$NAME.out,
# its pid to $pid.
start_probe() {
	"$PROBE" "$SEED" "${3:-16}" <<<"$2" >"$T/$1.out" 2>&1 &
	pid=$!
}
lines() { wc -l <"$T/$1.out" | tr -d ' '; }
# has_lines NAME: the probe NAME has printed a line (counted on every try).
has_lines() { (($(lines "$1") >= 1)); }

# --- a pipeline over every master ----------------------------------------------
out=$("$PROBE" $SEED <<'EOF2'
!pipe 3000 SET key:%1$d val:%1$d
!pipe 3000 GET key:%1$d
!stats
EOF2
)
like "$out" "pipe: 3000 replies, 0 errors" "3000 SETs over all masters, no errors"
total=0
for p in $(masters); do total=$((total + $(rcli "$p" DBSIZE))); done
is "$total" 3000 "the keys are all there, each on one master"
is "$(rcli_c $BASE GET key:2999)" "val:2999" "a value reads back through redis-cli -c"
like "$out" "moved=0 ask=0" "a fresh slot table needs no redirect"

# --- MOVED: the slot moves while the probe holds the old table -------------------
rcli_c $BASE SET foo bar >/dev/null
src=$(port_of_key foo)
dst=$(other_master "$src")
slot=$(rcli $BASE CLUSTER KEYSLOT foo)
start_probe moved $'GET foo\n!wait '"$T"$'/moved\nGET foo\nGET foo\n!stats'
retry 10 has_lines moved
rcli "$dst" CLUSTER SETSLOT "$slot" IMPORTING "$(id_of "$src")" >/dev/null
rcli "$src" CLUSTER SETSLOT "$slot" MIGRATING "$(id_of "$dst")" >/dev/null
rcli "$src" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS foo >/dev/null
ok "slot $slot moved by hand" finish_slot "$slot" "$src" "$dst"
touch "$T/moved"
wait "$pid"
mapfile -t got <"$T/moved.out"
is "${got[0]}" "bar" "GET before the move"
is "${got[1]}" "bar" "GET after the move follows MOVED"
is "${got[2]}" "bar" "and again"
like "${got[3]}" "^moved=1 ask=0" "one MOVED in all: the table was updated"

# --- ASK: the slot is half migrated -----------------------------------------------
rcli_c $BASE SET '{ask}a' A >/dev/null
rcli_c $BASE SET '{ask}b' B >/dev/null
src=$(port_of_key '{ask}a')
dst=$(other_master "$src")
slot=$(rcli $BASE CLUSTER KEYSLOT '{ask}a')
start_probe ask $'GET {ask}a\n!wait '"$T"$'/ask\nGET {ask}a\nGET {ask}b\nGET {ask}a\n!pipe 2 GET {ask}%d\n!stats'
retry 10 has_lines ask
rcli "$dst" CLUSTER SETSLOT "$slot" IMPORTING "$(id_of "$src")" >/dev/null
rcli "$src" CLUSTER SETSLOT "$slot" MIGRATING "$(id_of "$dst")" >/dev/null
rcli "$src" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS '{ask}a' >/dev/null
touch "$T/ask"
wait "$pid"
mapfile -t got <"$T/ask.out"
is "${got[1]}" "A" "a migrated key is read through ASK"
is "${got[2]}" "B" "a key not yet migrated is read from the source"
is "${got[3]}" "A" "ASK does not change the table: asked again"
is "${got[4]}" "pipe: 2 replies, 0 errors" "a pipeline into the migrating slot"
like "${got[5]}" "^moved=0 ask=4 " "ASK followed each time (missing keys are asked too), no MOVED"
is "$(rcli "$dst" CLUSTER COUNTKEYSINSLOT "$slot")" 1 "the target holds only the migrated key"
# Finish the migration by hand and leave the cluster clean.
is "$(rcli "$src" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS '{ask}b')" OK "the rest of the slot migrates"
ok "slot $slot finished by hand" finish_slot "$slot" "$src" "$dst"
ok "the cluster checks clean after (once gossip agrees)" retry 20 redis-cli --cluster check $SEED

# --- TRYAGAIN: a multi-key command while its keys are split by a migration ---------
rcli_c $BASE MSET '{t}a' A '{t}b' B >/dev/null
src=$(port_of_key '{t}a')
dst=$(other_master "$src")
slot=$(rcli $BASE CLUSTER KEYSLOT '{t}a')
rcli "$dst" CLUSTER SETSLOT "$slot" IMPORTING "$(id_of "$src")" >/dev/null
rcli "$src" CLUSTER SETSLOT "$slot" MIGRATING "$(id_of "$dst")" >/dev/null
rcli "$src" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS '{t}a' >/dev/null
out=$("$PROBE" $SEED 2 <<<$'MGET {t}a {t}b\n!stats')
like "$out" "^ERR:TRYAGAIN" "a split multi-key command gives up with TRYAGAIN after its bound"
like "$out" "retry=3 " "after the bounded retries (2 + the first try)"
# Retried long enough, it succeeds once the migration is finished.
start_probe tryagain $'!wait '"$T"$'/split\nMGET {t}a {t}b\n!stats' 40
touch "$T/split"
sleep 0.3
rcli "$src" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS '{t}b' >/dev/null
finish_slot "$slot" "$src" "$dst"
wait "$pid"
mapfile -t got <"$T/tryagain.out"
is "${got[0]}" "[A,B]" "the same command retried through the migration gets both keys"
like "${got[1]}" "retry=[1-9][0-9]* " "after some TRYAGAIN retries"

# --- a master dies: its replica takes over ------------------------------------------
victim=$(port_of_key '{fo}k')
replica=$(rcli $BASE CLUSTER NODES | awk -v id="$(id_of "$victim")" '$4 == id { split($2, a, "[:@]"); print a[2] }')
# The write and a WAIT on one connection: the replica has the key, so the
# failover cannot lose it.
is "$(printf 'SET {fo}k survived\nWAIT 1 5000\n' | rcli "$victim" | tail -n1)" 1 \
	"the key is written and its replica has it"
start_probe failover $'GET {fo}k\n!wait '"$T"$'/killed\nGET {fo}k\nSET {fo}k after\nGET {fo}k\n!stats' 60
retry 10 has_lines failover
cluster_cmd kill "$victim" >/dev/null
touch "$T/killed"
wait "$pid"
mapfile -t got <"$T/failover.out"
is "${got[0]}" "survived" "read before the crash"
is "${got[1]}" "survived" "read after the crash: retried until the replica took over"
is "${got[2]}" "OK" "a write goes to the new master"
is "${got[3]}" "after" "and reads back"
like "${got[4]}" "refresh=[1-9]" "the slot table was refreshed"
is "$(port_of_key '{fo}k')" "$replica" "the replica is the owner now"

done_testing
