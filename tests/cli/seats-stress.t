#!/usr/bin/env bash
# rc-seats under stress: an event with a long history (200k finished
# reservations) where no rc-seats call stalls its master 50 ms or more
# (LATENCY LATEST with latency-monitor-threshold 50), audit stays clean and
# quick, records past the retention go in small steps and `show` says when
# one has aged out; load's figures add up and a failed log write is an error;
# sweep checks every event before it sweeps one; numbers with blanks are bad
# input; prices are stored in one form; events and sweep ride out a master
# killed with SIGKILL.  Ports 16400-16405.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
BASE=16400

cluster_up $BASE 3 1 2000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 16400"
}

# field NAME TEXT: the value of a "name<TAB>value" row
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
# port_of EVENT: the port of the event's master
port_of() { local n; n=$(rc-slot -n "{event:$1}:meta" | cut -f3); echo "${n##*:}"; }
# history EVENT N FINISHED_MS: N cancelled reservations of EVENT, written as
# the scripts write them (a record in res, its finish time in done), in one
# pipeline to the event's master
history() {
	local ev=$1 n=$2 f=$3 hex
	hex=$(printf '%011x' $((f - 600000)))
	awk -v ev="$ev" -v n="$n" -v f="$f" -v c=$((f - 600000)) -v hex="$hex" 'BEGIN {
		for (i = 0; i < n; i++) {
			id = sprintf("%s.%s%09x", ev, hex, i)
			rec = "{\"u\":\"h\",\"s\":\"A1\",\"st\":\"cancelled\",\"x\":" f \
				",\"c\":" c ",\"f\":" f "}"
			printf "*4\r\n$4\r\nHSET\r\n$%d\r\n{event:%s}:res\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
				length(ev) + 12, ev, length(id), id, length(rec), rec
			printf "*4\r\n$4\r\nZADD\r\n$%d\r\n{event:%s}:done\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
				length(ev) + 13, ev, length(f), f, length(id), id
		}
	}' | redis-cli -p "$(port_of "$ev")" --pipe >/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# stalls PORT: the latency events of 50 ms or more since the last reset
stalls() { rcli "$1" LATENCY LATEST | tr -d '\r' | paste -sd' '; }

# --- a long history: nothing stalls the master, audit is clean -------------------
ok "create-event big" rc-seats create-event --name Big --rows 20 --seats 50 --price 10 \
	--id big --retention 60
bp=$(port_of big)
history big 200000 "$(($(now_ms) - 120000))"
ok "load on big" rc-seats load --event big --users 20 --requests 400 --confirm 50 --cancel 40
nrec=$(rcli "$bp" HLEN '{event:big}:res')
ok "big has about 200k reservation records" test "$nrec" -gt 190000
ok "and load's calls already removed some past the retention (4 a call)" test "$nrec" -lt 200400
rcli "$bp" CONFIG SET latency-monitor-threshold 50 >/dev/null
rcli "$bp" LATENCY RESET >/dev/null
ok "audit of big" rc-seats audit big
is "$(field violations "$OUT")" 0 "no violations"
is "$(field reservations "$OUT")" "$nrec" "audit saw every record (in steps)"
# A seat the load left free (it may have taken any), read from the seat hash:
# seat-map would sweep, and the sweep below is to find the history there.
free() {
	local r n
	for r in T S R; do
		for ((n = 50; n > 0; n--)); do
			[[ $(rcli "$bp" HEXISTS '{event:big}:seats' "$r$n") == 0 ]] && { echo "$r$n"; return; }
		done
	done
}
free=$(free)
res=$(rc-seats reserve --event big --user u --seats "$free")
ok "show on big" rc-seats show "$res"
ok "events" rc-seats events
is "$(stalls "$bp")" "" "no audit step, show or reserve stalled big's master 50 ms"

# --- retention: old records go in steps, show says when one aged out -------------
rcli "$bp" LATENCY RESET >/dev/null
ok "sweep big" rc-seats sweep big
ok "sweep removed the records past the retention" test "$(cut -f4 <<<"$OUT")" -gt 190000
is "$(stalls "$bp")" "" "and no step stalled the master 50 ms"
like "$(rcli "$bp" HLEN '{event:big}:res')" '^[0-9]{1,3}$' "big keeps only its recent records"
like "$(rcli "$bp" ZCARD '{event:big}:done')" '^[0-9]{1,3}$' "and done too"
ok "audit after the sweep" rc-seats audit big
is "$(field violations "$OUT")" 0 "no violations"

ok "create-event short" rc-seats create-event --name Short --rows 2 --seats 5 --price 1 \
	--id short --retention 1
sres=$(rc-seats reserve --event short --user u --seats A1)
ok "cancel" rc-seats cancel "$sres"
ok "show within the retention" rc-seats show "$sres"
is "$(field status "$OUT")" cancelled "shows it cancelled"
aged() { rc-seats sweep short >/dev/null && ! rc-seats show "$sres" >/dev/null 2>&1; }
ok "the record ages out" retry 20 aged
exit_is 1 "show after the retention: exit 1" rc-seats show "$sres"
like "$OUT" "has aged out" "says it aged out"
exit_is 2 "a reservation that never was: exit 2" rc-seats show "short.fffffffffff00000000a"
unlike "$OUT" "aged out" "and does not say aged out"
is "$(rcli "$(port_of short)" HGET '{event:short}:meta' retention)" 1 "the retention is the event's"
exit_is 2 "--retention 0 is bad" rc-seats create-event --name x --rows 1 --seats 1 --price 1 --retention 0

# --- load: the figures add up; a failed log write is an error --------------------
ok "create-event ld" rc-seats create-event --name L --rows 10 --seats 20 --price 1 --id ld
ok "load" rc-seats load --event ld --users 20 --requests 300 --confirm 40 --cancel 30
L=$OUT
sum=$(($(field confirmed "$L") + $(field cancelled "$L") + $(field expired "$L") +
	$(field lost "$L") + $(field unsettled "$L")))
is "$sum" "$(field ok "$L")" "ok = confirmed + cancelled + expired + lost + unsettled"
ok "some holds were left unsettled" test "$(field unsettled "$L")" -gt 0
is "$(($(field ok "$L") + $(field conflicts "$L") + $(field errors "$L")))" \
	"$(field requests "$L")" "requests = ok + conflicts + errors" || true
exit_is 2 "load --log /dev/full fails" rc-seats load --event ld --users 2 --requests 20 --log /dev/full
like "$OUT" "/dev/full" "and names the log"

# --- sweep: every argument before any work ---------------------------------------
ok "create-event sw" rc-seats create-event --name S --rows 1 --seats 5 --price 1 --id sw --hold 1
swres=$(rc-seats reserve --event sw --user u --seats A1,A2)
expired() { [[ $(rc-seats show "$swres" | awk -F'\t' '$1 == "status" { print $2 }') == expired ]]; }
ok "the hold expires" retry 10 expired
exit_is 2 "sweep with a bad id" rc-seats sweep sw 'bad id'
exit_is 2 "sweep with an unknown event" rc-seats sweep sw nosuch
is "$(rcli "$(port_of sw)" HGET '{event:sw}:stats' held)" 2 "nothing was swept"
ok "sweep sw" rc-seats sweep sw
like "$OUT" $'^sw\t1\t0\t' "then sweep releases it"

# --- numbers with blanks; prices in one form ---------------------------------------
for v in ' 1' '1 ' '+1' '1e1' ''; do
	exit_is 2 "--rows '$v'" rc-seats create-event --name x --rows "$v" --seats 1 --price 1
done
exit_is 2 "--seats ' 2'" rc-seats create-event --name x --rows 1 --seats ' 2' --price 1
exit_is 2 "--hold ' 5'" rc-seats create-event --name x --rows 1 --seats 1 --price 1 --hold ' 5'
exit_is 2 "--users ' 5'" rc-seats load --event ld --users ' 5'
exit_is 2 "--retry ' 5'" rc-seats events --retry ' 5'
exit_is 2 "--count ' 5'" rc-seats waitlist join --event ld --user x --count ' 5'
exit_is 2 "--price ' 5'" rc-seats create-event --name x --rows 1 --seats 1 --price ' 5'
ok "price 10.5" rc-seats create-event --name p1 --rows 1 --seats 1 --price 10.5 --id p1
ok "price 10.50" rc-seats create-event --name p2 --rows 1 --seats 1 --price 010.50 --id p2
ok "price 10" rc-seats create-event --name p3 --rows 1 --seats 1 --price 10 --id p3
is "$(rcli "$(port_of p1)" HGET '{event:p1}:meta' price)" 10.50 "10.5 is stored as 10.50"
is "$(rcli "$(port_of p2)" HGET '{event:p2}:meta' price)" 10.50 "010.50 is stored as 10.50"
is "$(rcli "$(port_of p3)" HGET '{event:p3}:meta' price)" 10.00 "10 is stored as 10.00"

# --- TRYAGAIN is reported as TRYAGAIN ------------------------------------------------
# The event's slot half migrated (meta on the importing node, the rest not):
# every script of it gets ASK, then TRYAGAIN at the target.
ok "create-event mig" rc-seats create-event --name M --rows 2 --seats 5 --price 1 --id mig
mslot=$(rc-slot '{event:mig}:meta' | cut -f2)
msp=$(port_of mig)
mdp=$(for p in $(masters); do [[ $p != "$msp" ]] && echo "$p"; done | head -n1)
rcli "$mdp" CLUSTER SETSLOT "$mslot" IMPORTING "$(id_of "$msp")" >/dev/null
rcli "$msp" CLUSTER SETSLOT "$mslot" MIGRATING "$(id_of "$mdp")" >/dev/null
rcli "$msp" MIGRATE 127.0.0.1 "$mdp" '{event:mig}:meta' 0 5000 >/dev/null
exit_is 3 "reserve during a split migration gives up" rc-seats reserve --event mig --user u --seats A1 --retry 1
like "$OUT" "^rc-seats: reserve: TRYAGAIN" "and reports TRYAGAIN, not ASK"
rcli "$msp" MIGRATE 127.0.0.1 "$mdp" '' 0 5000 KEYS '{event:mig}:stats' >/dev/null
rcli "$mdp" CLUSTER SETSLOT "$mslot" NODE "$(id_of "$mdp")" >/dev/null
rcli "$msp" CLUSTER SETSLOT "$mslot" NODE "$(id_of "$mdp")" >/dev/null

# --- events and sweep ride out a master killed with SIGKILL ------------------------
# kill_master PORT: SIGKILL to the node on PORT
kill_master() {
	kill -KILL "$(rcli "$1" INFO server | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }')"
}
kp=$(port_of big)
kill_master "$kp"
ok "events right after a master is killed" rc-seats events --retry 30
like "$OUT" $'(^|\n)big\t' "lists big"
ok "sweep after it" rc-seats sweep --retry 30
like "$OUT" $'(^|\n)big\t' "sweeps big"
# A second master (one that still has its replica) killed: with --retry 0
# sweep gives up at once, and says it was sweep.
kp2=$(port_of ld)
[[ $kp2 == "$(port_of big)" ]] && kp2=$(port_of p1)
seed=127.0.0.1:$(port_of big)
kill_master "$kp2"
exit_is 3 "sweep --retry 0 right after a kill gives up" rc-seats -c "$seed" sweep --retry 0
like "$OUT" "^rc-seats: sweep: " "and its message says sweep"
ok "sweep --retry 30 rides it out" rc-seats -c "$seed" sweep --retry 30

done_testing
