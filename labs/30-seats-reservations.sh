#!/usr/bin/env bash
# Lab 30: create events and make reservations - the ticket system's data
# design (one hash tag per event), atomic all-or-nothing holds, confirm,
# cancel and the waitlist, and the audit that proves nothing was sold twice.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-seats rc-slot redis-cli
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab30.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

title "Create events and make reservations"
lab_events_mark
say "rc-seats is a ticket reservation system. Every key of an event carries the" \
	"hash tag {event:ID}, so the whole event lives in one slot, on one master," \
	"and one Lua script can change all of its keys atomically."
run "rc-seats -H create-event --name 'Tech Conference 2024' --rows 10 --seats 20 --price 150 | tee '$tmp/event'"
ev=$(grep -v '^#' "$tmp/event" | cut -f1)
observe "The event id is $ev; the slot and node columns say where its data lives."
pause

say "The event's keys: metadata, seat status, stats, holds, reservations, waitlist." \
	"Different names, one tag, one slot:"
run "rc-slot -n '{event:$ev}:meta' '{event:$ev}:seats' '{event:$ev}:stats' '{event:$ev}:holds' '{event:$ev}:res' '{event:$ev}:wl'"
observe "Same slot and node on every line: that is what makes an atomic multi-key script legal in a cluster."
pause

say "The seat map: rows A..J, seats 1..20. On a terminal it is a grid (-p forces it):"
run "rc-seats -p seat-map $ev | head -n 8"
pause

say "Alice reserves three seats. The hold is all or nothing, and it expires if it is not confirmed in time."
run "rc-seats reserve --event $ev --user alice --seats A1,A2,A3 --name 'Alice Smith' --email alice@example.com | tee '$tmp/alice'"
alice=$(cat "$tmp/alice")
observe "The reservation id $alice starts with the event id: confirm and cancel know where to go from it alone."
say "Bob wants A3 and A4. A3 is Alice's, so Bob gets nothing, not even A4:"
expect_fail "rc-seats reserve --event $ev --user bob --seats A3,A4"
observe "Exit 1, and the message names the seat that was taken."
run "rc-seats availability $ev"
run "rc-seats show $alice"
pause

say "Alice confirms. --durable sends WAIT 1 after the sale and reports success only when a replica has acknowledged it (exit 1 when none does in time)." \
	"What that promises: a failover of the event's master to that replica keeps the sale. What it does not: the replica holds the sale in memory, not on disk," \
	"so losing the master and that replica together loses it, and with several replicas a failover to one that had not received it yet would too."
run "rc-seats confirm --durable $alice"
observe "The last column is how many replicas acknowledged the sale."
run "rc-seats availability $ev"
run "rc-seats -p seat-map $ev | sed -n '1,5p'"
pause

say "The waitlist is first come, first served. Carol waits for 2 seats, Dan for 1."
run "rc-seats waitlist join --event $ev --user carol --count 2"
run "rc-seats waitlist join --event $ev --user dan"
run "rc-seats waitlist list $ev"
say "Erin holds B1 and B2, then cancels. The seats go to the head of the waitlist:"
run "rc-seats reserve --event $ev --user erin --seats B1,B2 | tee '$tmp/erin'"
run "rc-seats cancel $(cat "$tmp/erin")"
observe "Carol is offered B1,B2 as a hold of her own; Dan waits: nobody jumps the queue."
run "rc-seats waitlist list $ev"
pause

say "Finally the audit: no seat held or sold twice, stats equal to the seat data," \
	"every sold seat in exactly one confirmed reservation, holds and waitlist consistent."
run "rc-seats audit $ev"
observe "violations 0, and exit status 0."
pause

say "Put the cluster back as the lab found it:"
lab_events_drop
