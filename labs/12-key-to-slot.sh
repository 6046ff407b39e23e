#!/usr/bin/env bash
# Lab 12: key-to-slot mapping - where a key lands, and the keys of one slot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-slot redis-cli

title "Key-to-slot mapping"
say "The slot of a key is computed, not stored: any client can tell where a" \
	"key lives without asking the cluster."
run rc-slot user:1001 user:1002 order:5001 product:abc
observe "Different keys, different slots; the same key always gives the same slot."
pause

say "With -n, rc-slot adds the master that owns the slot right now:"
run rc-slot -n user:1001 user:1002 order:5001
pause

say "A hash tag {...} makes only the part inside the braces count:"
run rc-slot -t '{user:1001}:profile' '{user:1001}:cart' '{user:1001}:orders'
observe "All three land on one slot: they can be used together in MULTI or a Lua script."
pause

say "Write three keys of one user, then ask the cluster which keys the slot holds:"
slot=$(rc-slot '{user:lab12}' | cut -f2)
owner=$(rc-slot -n '{user:lab12}' | cut -f3)
run "redis-cli -h '${owner%:*}' -p '${owner##*:}' MSET '{user:lab12}:profile' p '{user:lab12}:cart' c '{user:lab12}:orders' o >/dev/null"
run rc-dist hot -n 10 "$slot"
observe "rc-dist hot SLOT samples the keys of slot $slot from its owner ($owner): the user's three keys."
run "redis-cli -h '${owner%:*}' -p '${owner##*:}' DEL '{user:lab12}:profile' '{user:lab12}:cart' '{user:lab12}:orders' >/dev/null"
