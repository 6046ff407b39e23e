#!/usr/bin/env bash
# rc-repl's labs (labs/4[0-9]-*.sh) run non-interactively against a cluster of
# their own, as `make check` runs them.  Ports 16040-16042.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

BASE=16040
cluster_up $BASE 3 0 5000 >/dev/null || bail_file "no cluster"
ok "the cluster is ok" cluster_wait_ok 30

# lab NAME: runs labs/NAME.sh; its output (stdout and stderr) is in $OUT.
lab() {
	exit_is 0 "lab $1 runs to the end" env RC_CLUSTER=127.0.0.1:$BASE RC_LAB_PORT=$BASE \
		RC_LAB_DIR="$LAB_DIR" RC_LAB_NONINTERACTIVE=1 bash "$ROOT/labs/$1.sh" </dev/null
}
slot() { rc-slot "$1" | cut -f2; }
keys_total() {
	local p t=0
	for p in $BASE $((BASE + 1)) $((BASE + 2)); do t=$((t + $(rcli "$p" DBSIZE))); done
	echo "$t"
}

lab 40-hash-tags
like "$OUT" "== Hash tags deep dive ==" "40: the title"
s=$(slot user:1001)
is "$(grep -Ec $'^\\{user:1001\\}:(profile|cart|orders)\t'"$s"$'\t127\\.0\\.0\\.1:1604[0-2]$' <<<"$OUT")" 3 "40: the tagged keys share the tag's slot and a master"
isnt "$(slot user:1001:profile)" "$(slot user:1001:cart)" "40: (sanity) untagged keys differ"
like "$OUT" $'\n\\{a\\}\\{b\\}\t'"$(slot a)"$'\t' "40: only the first tag counts"
like "$OUT" $'\n\\{\\}:a\t'"$(slot '{}:a')"$'\t' "40: an empty tag is no tag"
owner=$(rc-slot -n '{event:lab40}' | cut -f3)
like "$OUT" $'\n'"$owner"$'\n3\n' "40: :masters - the owner counts the 3 keys"
is "$(grep -A6 ':masters CLUSTER COUNTKEYSINSLOT' <<<"$OUT" | grep -cx 0)" 2 "40: :masters - the other masters count 0"
like "$OUT" $'COUNTKEYSINSLOT [0-9]+\'\n3\n' "40: pinned to the owner, the slot holds the 3 keys"
is "$(keys_total)" 0 "40: the lab removed its keys"

lab 41-cross-slot
like "$OUT" "CROSSSLOT Keys in request don't hash to the same slot" "41: MSET over slots fails"
like "$OUT" $'\nOK\n1\n2\n3\n' "41: with a tag MSET and MGET work"
like "$OUT" "split: 3 keys in 3 slots on [23] nodes, replies merged" "41: split mode says what it touched"
like "$OUT" $'replies merged\n1\n2\n3\n\n' "41: the split MGET merges in key order, nil for the missing key"
like "$OUT" $'2 lab41:x lab41:y 7\n  EOF\nrc-repl: <stdin>:1: CROSSSLOT' "41: Lua over two slots is refused"
like "$OUT" $'\nok\n7\n7\n' "41: Lua over one tag runs"
is "$(keys_total)" 0 "41: the lab removed its keys"

lab 42-sharding-demo
like "$OUT" $'user:123\t'"$(slot user:123)"$'\t[^\n]*\n'"$(slot user:123)"$'\n' "42: the client's slot is the server's"
like "$OUT" $'3000 OK' "42: 3000 sequential keys written"
n=$(grep -A3 "rc-dist keys -m 'demo42:\*'" <<<"$OUT" | grep -E $'^127\\.0\\.0\\.1:1604[0-2]\t[0-9]+\t' | cut -f2 | paste -sd+ | bc)
is "$n" 3000 "42: rc-dist counts them all, on the masters"
like "$OUT" $'QUEUED\nQUEUED\n1\n1\n' "42: MULTI/EXEC on the tag's master"
like "$OUT" $'  EOF\n1\n0\nA1\nheld\nA2\nalice\n2\n' "42: the Lua hold is atomic: alice wins, bob does not"
is "$(keys_total)" 0 "42: the lab removed its keys"

before=$(rc-slot -n lab43:ticket | cut -f3)
lab 43-redirects
s=$(slot lab43:ticket)
like "$OUT" "-> ASK $s 127\.0\.0\.1:1604[0-2]: slot is migrating" "43: the GET after MIGRATE follows ASK"
like "$OUT" "-> slot $s -> 127\.0\.0\.1:1604[0-2] \(ASKING\)" "43: with ASKING"
like "$OUT" "-> MOVED $s 127\.0\.0\.1:1604[0-2]: slot table updated" "43: the GET after SETSLOT NODE follows MOVED"
like "$OUT" $'resending\n(-> slot table refreshed\n)?-> slot '"$s"$' -> [^\n]*\nseat-A1\n-> slot '"$s"' -> ' "43: and the next GET goes straight to the new owner"
like "$OUT" $'\nlab43:ticket\t'"$s"$'\t'"$before"$'\n-> Slot' "43: the lab says the slot is back"
is "$(rc-slot -n lab43:ticket | cut -f3)" "$before" "43: and it is"
is "$(keys_total)" 0 "43: the lab removed its key"
ok "43: the cluster is ok after the round trip" cluster_wait_ok 30

done_testing
