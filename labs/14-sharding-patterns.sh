#!/usr/bin/env bash
# Lab 14: design patterns for sharding - how a key design spreads, before a
# single key is written: rc-slot computes the slots, rc-dist keys - counts
# them per live owner.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-slot

title "Design patterns for sharding"
say "rc-dist keys - reads rc-slot's rows (key, slot) and counts each key for the" \
	"master that owns its slot now. Nothing is written to the cluster."
pause

say "1. Sequential keys: order:1 ... order:100000."
run "seq 1 100000 | sed 's/^/order:/' | rc-slot | rc-dist -p keys -"
observe "CRC16 scatters even sequential ids: every master gets about a third."
pause

say "2. UUID keys: user:<uuid>."
run "awk 'BEGIN { srand(14); for (i = 0; i < 30000; i++) { u = \"\"; for (j = 0; j < 32; j++) u = u sprintf(\"%x\", int(rand() * 16)); print \"user:\" substr(u, 1, 8) \"-\" substr(u, 9, 4) \"-\" substr(u, 13, 4) \"-\" substr(u, 17, 4) \"-\" substr(u, 21) } }' | rc-slot | rc-dist -p keys -"
observe "Natural, even spread; the price is that a lookup needs an index elsewhere."
pause

say "3. Entity hash tags: {event:N}, {event:N}:seats, {event:N}:stats for 1000 events."
run "for k in '' ':seats' ':stats'; do seq 1 1000 | sed \"s/\$/}\$k/; s/^/{event:/\"; done | rc-slot | rc-dist -p keys -"
observe "Still even across masters: each event's keys stay together (atomic Lua, MULTI), and there are many events."
run "for k in '' ':seats' ':stats'; do echo \"{event:42}\$k\"; done | rc-slot"
observe "All of one event's keys share one slot."
pause

say "4. Tenant hash tags: 3 tenants, one huge: {tenant:acme} has 9000 keys, the others 500."
run "{ seq 1 9000 | sed 's/^/{tenant:acme}:user:/'; seq 1 500 | sed 's/^/{tenant:beta}:user:/'; seq 1 500 | sed 's/^/{tenant:gamma}:user:/'; } | rc-slot | rc-dist -p keys -"
observe "Tenant isolation comes at a cost: a big tenant's slot (one slot!) makes its master a hot spot."
run "{ seq 1 9000 | sed 's/^/{tenant:acme}:user:/'; seq 1 500 | sed 's/^/{tenant:beta}:user:/'; } | rc-slot | rc-dist -p hot -n 3 -"
observe "rc-dist hot - ranks the slots of the design: one slot holds 9000 keys."
pause

say "Rule of thumb: hash-tag what must change together, no more; many small tags spread, few big tags pile up."
