#!/usr/bin/env bash
# Lab 40: hash tags deep dive - keys with and without tags: their slots and
# nodes, seen from rc-repl.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-repl

title "Hash tags deep dive"
say "Every key hashes to one of 16384 slots: CRC16(key) mod 16384. rc-repl's" \
	":slot meta-command computes it and names the master that owns the slot."
run "rc-repl -e ':slot user:1001:profile user:1001:cart user:1001:orders'"
observe "Without a tag the three keys of one user scatter over slots, and most likely over masters."
pause

say "A hash tag is the part between the first '{' and the first '}' after it." \
	"When there is one, only the tag is hashed:"
run "rc-repl -e ':slot {user:1001}:profile {user:1001}:cart {user:1001}:orders'"
observe "One slot, one master for all three: they can be used together in one command."
pause

say "The rule has corners. An empty tag {} is no tag; only the first {...} counts;" \
	"a '}' before any '{' does not open anything:"
run "rc-repl -e ':slot {}:a {}:b {a}{b} {a}{c} }x{y} y'"
observe "{}:a and {}:b hash whole (different slots); {a}{b} and {a}{c} share slot of 'a'; }x{y} hashes as 'y'."
pause

say "The reservation system keeps an event's data together with the event id as the tag:"
printf '%s\n' ':slot {event:lab40}' ':slot {event:lab40}:seats' ':slot {event:lab40}:stats' \
	':slot {event:lab40}:holds' >"${TMPDIR:-/tmp}/lab40.$$"
run "rc-repl < '${TMPDIR:-/tmp}/lab40.$$'"
rm -f "${TMPDIR:-/tmp}/lab40.$$"
pause

say "Write the keys for real and ask the node that owns the slot how many keys the slot holds:"
slot=$(rc-repl -e ':slot {event:lab40}' | cut -f2)
run "rc-repl -e 'MSET {event:lab40} meta {event:lab40}:seats s {event:lab40}:stats t'"
owner=$(rc-repl -e ':slot {event:lab40}' | cut -f3)
run "rc-repl -e ':masters CLUSTER COUNTKEYSINSLOT $slot'"
observe "Only the owner ($owner) counts 3: CLUSTER COUNTKEYSINSLOT speaks for the node's own slots. :node pins such commands to one node:"
run "rc-repl -e ':node $owner' -e 'CLUSTER COUNTKEYSINSLOT $slot'"
observe "Pinned to the owner ($owner), the count is 3."
pause

say "The price of a tag: all keys with it live on one node. A tag shared by" \
	"everything (say {app}) puts the whole data set on one master."
run "rc-repl -e ':slot {app}:users {app}:orders {app}:sessions'"
observe "Choose tags per entity (user, event), not per application."
run "rc-repl -e 'DEL {event:lab40} {event:lab40}:seats {event:lab40}:stats' >/dev/null"
