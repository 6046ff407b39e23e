#!/usr/bin/env bash
# Lab 28: scaling while an application runs - buyers (rc-seats load) and
# readers (rc-hotkey gen) keep going while a 4th master joins and takes its
# share of the slots, watched live with rc-dist -w; then the slots go back and
# the master leaves, still under load.  No error, a clean audit, and the
# cluster as the lab found it.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-seats rc-hotkey rc-dist rc-slot redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
base=${RC_LAB_PORT:-$port}
new=$((base + 6))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab28.XXXXXX")
app='' gen='' winfo='' wslots=''
# Whatever happens, the application and the watches stop.
cleanup() {
	: >"$tmp/stop"
	[ -n "$gen" ] && kill -INT "$gen" 2>/dev/null
	[ -n "$winfo" ] && kill "$winfo" 2>/dev/null
	[ -n "$wslots" ] && kill "$wslots" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# said N TEXT0 TEXT: observes TEXT0 when N is 0, else TEXT.
said() {
	if [ "$1" = 0 ]; then observe "$2"; else observe "$3"; fi
}

title "Lab 28: scaling while an application runs"
say "Lab 20 added a master to a quiet cluster. A real one grows while people use it." \
	"Here buyers reserve seats and readers read keys the whole time a fourth master" \
	"joins, takes its share of the slots, hands them back and leaves. A slot moves" \
	"key by key: while it moves, a client asking the old owner for a key already" \
	"gone is sent on with ASK, and once it has moved, with MOVED. The clients follow" \
	"both, so nobody should see an error."
pause

lab_snapshot
lab_events_mark
if redis-cli -h "$host" -p "$port" cluster nodes | grep ":$new@" >/dev/null; then
	say "Node $new is a member already (an earlier run); it is removed first."
	run "rc-reshard -y del-node $host:$new >/dev/null"
fi
say "A fresh node on port $new joins as an empty master, as in lab 20:"
run "\"$LAB_CLUSTER\" add $new >/dev/null 2>&1 || redis-cli -h $host -p $new ping"
run "rc-reshard add-node $host:$new"
say "The plan of the rebalance, before anything moves (slot, from, to):"
run "rc-reshard plan rebalance --use-empty >'$tmp/plan'"
run "wc -l <'$tmp/plan'"
# An event (not one there already) whose slot the plan moves, so that the
# buyers' own slot moves under them.
rc-seats events | cut -f1 >"$tmp/events"
id=
for i in $(seq 1 200); do
	s=$(rc-slot "{event:lab28-$i}" | cut -f2)
	if cut -f1 "$tmp/plan" | grep -qx "$s" && ! grep -qx "lab28-$i" "$tmp/events"; then
		id=lab28-$i
		break
	fi
done
[ -n "$id" ] || { echo "lab: no event id whose slot the plan moves" >&2; exit 1; }
say "The buyers' event gets an id whose slot is in the plan, so their own slot will move while they buy:"
run "rc-seats create-event --id $id --name 'Growing Pains' --rows 100 --seats 100 --price 40 | tee '$tmp/event'"
eslot=$(cut -f2 "$tmp/event")
run "grep -P '^$eslot\t' '$tmp/plan'"
observe "slot $eslot, the event's, is one of the $(wc -l <"$tmp/plan") slots the plan moves to the new master."
pause

say "Start the application, in the background:" \
	"buyers: rc-seats load in rounds of 2 s (10 users, a hold is confirmed 10% of the time" \
	"and cancelled 90%) until the lab says stop; readers: rc-hotkey gen, 80% GET and 20% SET" \
	"over 5000 keys lab28:*, at most 1000 operations a second, until it is sent SIGINT."
run "while [ ! -e '$tmp/stop' ]; do rc-seats load --event $id --users 10 --threads 1 --duration 2 --confirm 10 --cancel 90 >>'$tmp/load' 2>&1 || true; done &"
app=$!
run "rc-hotkey gen --prefix lab28: --keys 5000 --reads 80 -r 1000 -d 3600 >'$tmp/gen' 2>&1 &"
gen=$!
say "And two watches, a round every 0.2 s for at most 10 minutes (--count 3000), stopped" \
	"when the lab is done: the cluster's state (info) and who owns how many slots (slots)."
run "rc-dist -T -w 0.2 --count 3000 info >'$tmp/info' 2>/dev/null &"
winfo=$!
run "rc-dist -T -w 0.2 --count 3000 slots >'$tmp/slots' 2>/dev/null &"
wslots=$!
# The application is running once the readers have printed their first
# second.
lab_until 30 grep -q '^[0-9]' "$tmp/gen"
run "head -1 '$tmp/gen'"
observe "the readers' first second: second, ops, ops_s, reads, writes, errors."
pause

say "Now the rebalance, with all of that running. Each row: slot, from, to, keys moved, ms."
run "rc-reshard rebalance --use-empty >'$tmp/moves'"
run "tail -3 '$tmp/moves'"
run "awk -F'\t' '{ n++; k += \$4 } END { print n \" slots moved, \" k \" keys with them\" }' '$tmp/moves'"
run "rc-dist -T slots | cut -f1,3"
observe "the master on $new owns $(awk -F'\t' -v a="$host:$new" '$1 == a { print $3 }' <(rc-dist -T slots)) slots now," \
	"$(awk -F'\t' '{ n++ } END { print n + 0 }' "$tmp/moves") of them moved while the application ran."
run "grep -P '^$eslot\t' '$tmp/moves'"
pause

say "Scale back down, still under load. The rebalance's own rows, reversed (slot, to, from)," \
	"are the plan that gives every slot back to the master it came from; rc-reshard apply" \
	"moves them, then del-node forgets the empty master (it has nothing left to drain)."
run "awk -F'\t' '{ print \$1 \"\t\" \$3 \"\t\" \$2 }' '$tmp/moves' | rc-reshard apply >'$tmp/back'"
run "wc -l <'$tmp/back'"
run "rc-reshard -y del-node $host:$new | wc -l"
run "rc-dist -T slots | cut -f1,3"
observe "three masters again, and $(wc -l <"$tmp/back") slots moved back to where they were."
pause

say "Stop the application: the buyers finish their round, the readers get SIGINT (and print their total)."
run ": >'$tmp/stop'; wait $app"
app=
run "kill -INT $gen; wait $gen || true"
gen=
run "kill $winfo $wslots; wait $winfo $wslots || true"
winfo='' wslots=''
pause

say "What the live watch saw of the new master, round by round (0.2 s apart): its slot" \
	"count and how many slots it had open (being moved into it or out of it); only the rounds" \
	"where that changed:"
run "awk -F'\t' -v a='$host:$new' '\$2 == a { printf \"round %d\t%d slots\t%d open\n\", ++r, \$4, (\$7 == \"-\" ? 0 : split(\$7, o, \",\")) }' '$tmp/slots' | uniq -f2 | head -40"
rounds=$(wc -l <"$tmp/info")
notok=$(awk -F'\t' '$2 != "ok"' "$tmp/info" | wc -l)
opened=$(awk -F'\t' -v a="$host:$new" '$2 == a && $7 != "-"' "$tmp/slots" | wc -l)
peak=$(awk -F'\t' -v a="$host:$new" '$2 == a && $4 > m { m = $4 } END { print m + 0 }' "$tmp/slots")
say "And the cluster's state, as the info watch saw it, round by round:"
run "cut -f2 '$tmp/info' | sort | uniq -c"
observe "$rounds rounds 0.2 s apart; in $opened of them a slot was open (being moved), the new master" \
	"peaked at $peak slots, and the state was other than ok in $notok of them."
pause

say "What the buyers saw, over all their rounds:"
run "awk -F'\t' '\$1 ~ /^(requests|ok|conflicts|errors|retries|redirects)\$/ { s[\$1] += \$2; if (!(\$1 in o)) o[\$1] = n++ } END { for (k in o) r[o[k]] = k; for (i = 0; i < n; i++) print r[i] \"\t\" s[r[i]] }' '$tmp/load'"
lerr=$(awk -F'\t' '$1 == "errors" { s += $2 } END { print s + 0 }' "$tmp/load")
lred=$(awk -F'\t' '$1 == "redirects" { s += $2 } END { print s + 0 }' "$tmp/load")
lrounds=$(grep -c '^requests' "$tmp/load" || true)
said "$lerr" "$lrounds rounds, no error: a conflict is a seat already taken, an answer, not a failure." \
	"$lrounds rounds and $lerr errors: requests that failed while slots moved."
if [ "$lred" -gt 0 ]; then
	observe "$lred redirects followed: the event's slot moved twice under the buyers, and each MOVED or ASK was followed."
fi
say "What the readers saw (the total row: second, ops, ops_s, reads, writes, errors):"
run "grep '^total' '$tmp/gen'"
gerr=$(awk -F'\t' '$1 == "total" { print $6 }' "$tmp/gen")
said "$gerr" "no failed read or write among the readers either." "$gerr of the readers' operations failed."
say "The audit reads every seat, hold and order of the event:"
run "rc-seats audit $id | tee '$tmp/audit'"
viol=$(awk -F'\t' '$1 == "violations" { print $2 }' "$tmp/audit")
said "$viol" "violations 0: no seat granted twice, though the event's slot moved twice while it sold." \
	"violations $viol: the audit found seats granted twice."
pause

say "Put the cluster back as the lab found it: the readers' keys and the event are deleted;" \
	"the slot map is back already, and the new node is out."
lab_unlink_matching 'lab28:*'
lab_events_drop
lab_restore
run "rc-reshard check && echo clean"
