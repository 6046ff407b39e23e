#!/usr/bin/env bash
# Lab 32: observe data distribution - many events, each in its own slot,
# spread over the masters by their ids.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-seats rc-slot redis-cli

title "Observe data distribution"
lab_events_mark
say "Each event's keys share the tag {event:ID}, so an event lives in one slot." \
	"Different events have different ids, so they hash to different slots and" \
	"spread over the masters. Create twelve events:"
for n in A B C D E F G H I J K L; do
	run "rc-seats create-event --name 'Event $n' --rows 5 --seats 10 --price 20 >/dev/null"
done
run "rc-seats events"
observe "The slot and node columns: the events are scattered over the masters."
pause

say "Events per master:"
run "rc-seats events | cut -f6 | sort | uniq -c"
if command -v rc-dist >/dev/null 2>&1; then
	say "rc-dist counts the events' metadata keys per master (a SCAN MATCH on every master):"
	run "rc-dist keys -m '{event:*}:meta'"
else
	say "Where each event's metadata key goes, computed by rc-slot -n:"
	run "rc-seats events | cut -f1 | sed 's/.*/{event:&}:meta/' | rc-slot -n"
fi
observe "With a dozen events the split is uneven; with thousands it evens out, because ids hash uniformly."
pause

say "Within one event nothing spreads: all of its keys sit in its one slot."
ev=$(rc-seats events | head -n 1 | cut -f1)
run "rc-slot -n '{event:$ev}:meta' '{event:$ev}:seats' '{event:$ev}:res' '{event:$ev}:holds'"
observe "That is the design's choice: atomic scripts per event, load spread by having many events."
pause

say "Put the cluster back as the lab found it:"
lab_events_drop
