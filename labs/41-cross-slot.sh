#!/usr/bin/env bash
# Lab 41: cross-slot operations - what a multi-key command may do in a cluster,
# what the client can do for it, and why Lua needs one slot.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-repl

title "Cross-slot operations"
say "A command with several keys runs on one node, so all its keys must hash" \
	"to the same slot. MSET over keys of different slots is refused:"
run "rc-repl -e ':slot lab41:a lab41:b lab41:c'"
expect_fail "rc-repl -e 'MSET lab41:a 1 lab41:b 2 lab41:c 3'"
observe "CROSSSLOT: the server will not run it, even when two slots happen to be on the same master."
pause

say "With a hash tag all keys share a slot, and the same MSET works, atomically:"
run "rc-repl -e 'MSET {lab41}:a 1 {lab41}:b 2 {lab41}:c 3' -e 'MGET {lab41}:a {lab41}:b {lab41}:c'"
pause

say "Cluster clients (go-redis, redis-py, lettuce) hide part of this: they split" \
	"MGET/MSET/DEL by slot and merge the replies. rc-repl does it with :split on," \
	"and says how many nodes the one command took:"
run "printf '%s\n' ':split on' 'MSET lab41:a 1 lab41:b 2 lab41:c 3' 'MGET lab41:a lab41:b lab41:c lab41:none' 'DEL lab41:a lab41:b lab41:c' | rc-repl 2>&1"
observe "One MSET became one MSET per slot: not atomic any more - another client may see some keys set and others not."
pause

say "Routes make the cost visible: each slot's part went to its own master."
run "rc-repl -e ':route on' -e 'GET lab41:a' -e 'GET lab41:b' -e 'GET {lab41}:a' -e 'GET {lab41}:b' 2>&1"
pause

say "A Lua script runs on one node too: every key it touches must be declared" \
	"in KEYS and all of them must share a slot."
lua="redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return 'ok'"
feed_fail "EVAL \"$lua\" 2 lab41:x lab41:y 7"
observe "Refused before it runs: the keys are in different slots."
feed "EVAL \"$lua\" 2 {lab41}:x {lab41}:y 7" "MGET {lab41}:x {lab41}:y"
observe "With one tag the script runs, atomically, on the tag's master."
run "rc-repl -e 'DEL {lab41}:a {lab41}:b {lab41}:c {lab41}:x {lab41}:y' >/dev/null"
