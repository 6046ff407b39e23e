#!/usr/bin/env bash
# Lab 42: the sharding demo - CRC16, sequential keys, hash tags for
# transactions, atomic Lua - in one pass with rc-repl.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-repl rc-dist

title "Sharding demo"
rc-repl -e 'DEL {event:42}:seats {event:42}:stats' >/dev/null
tmp=$(mktemp "${TMPDIR:-/tmp}/lab42.XXXXXX")
trap 'rm -f "$tmp"' EXIT

say "1. CRC16. The slot of a key is CRC16/XMODEM(key) mod 16384; the server" \
	"computes the same with CLUSTER KEYSLOT:"
run "rc-repl -e ':slot user:123' -e 'CLUSTER KEYSLOT user:123'"
observe "The client and the server agree: that is how a client routes without asking."
pause

say "2. Sequential keys. order:1 ... order:12 land all over the slot space, and so on every master:"
for i in $(seq 1 12); do echo ":slot order:$i"; done >"$tmp"
run "rc-repl < '$tmp'"
for i in $(seq 1 3000); do echo "SET demo42:$i $i"; done >"$tmp"
run "rc-repl < '$tmp' | sort | uniq -c"
say "How many of them each master holds: rc-dist counts the keys that match a pattern (SCAN MATCH on every master). DBSIZE (rc-repl -e ':masters DBSIZE') would count every key of a master, this lab's and any other's."
run "rc-dist keys -m 'demo42:*' | cut -f1,3,4"
observe "address, keys, percent: the 3000 sequential keys, roughly a third on each master: no hot range, unlike range sharding."
pause

say "3. Hash tags for transactions. MULTI/EXEC runs on one node, so the keys of" \
	"one transaction need one slot. The seat map and the stats of one event:"
run "rc-repl -e ':slot {event:42}:seats {event:42}:stats'"
feed ":node $(rc-repl -e ':slot {event:42}' | cut -f3)" 'MULTI' \
	'HSET {event:42}:seats A1 held' 'HINCRBY {event:42}:stats held 1' 'EXEC'
observe "Pinned to the tag's master, MULTI queues both commands and EXEC runs them together."
pause

say "4. Atomic Lua. Hold a seat only when it is free, and count it, in one step:"
hold="if redis.call('HGET', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'held', 1)
return 1"
hold=${hold//$'\n'/; }
feed "EVAL \"$hold\" 2 {event:42}:seats {event:42}:stats A2 alice" \
	"EVAL \"$hold\" 2 {event:42}:seats {event:42}:stats A2 bob" \
	'HGETALL {event:42}:seats' 'HGET {event:42}:stats held'
observe "alice got A2 (1), bob did not (0); the count moved once. No other client could see half of it."
pause

say "Clean up:"
for i in $(seq 1 3000); do echo "DEL demo42:$i"; done >"$tmp"
echo 'DEL {event:42}:seats {event:42}:stats' >>"$tmp"
run "rc-repl < '$tmp' | sort | uniq -c"
