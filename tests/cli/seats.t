#!/usr/bin/env bash
# rc-seats on a real cluster: events, holds, confirm/cancel, waitlist, expiry
# (which serves the waitlist), NOSCRIPT, bad input and options of another
# command (exit 2, nothing written), what fails at once (exit 3), and hundreds
# of concurrent reserves from separate processes and from load: no seat
# granted twice, availability adds up, audit clean.  Ports 15700-15705; a
# standalone redis-server on 15708; nothing listens on 15709.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis

cluster_up 15700 3 1 5000 >"$T/up.log" 2>&1 || {
	diag "$(<"$T/up.log")"
	bail_file "no cluster on 15700"
}
PORTS=$(cluster_ports)

# masters: the ports of the masters, one a line
masters() {
	local p
	for p in $PORTS; do
		[[ $(rcli "$p" ROLE 2>/dev/null | head -n1) == master ]] && echo "$p"
	done
}
# snapshot: everything a bad command could have written, as text
snapshot() {
	local p n=0
	for p in $(masters); do n=$((n + $(rcli "$p" DBSIZE))); done
	echo "keys=$n"
	rc-seats events
	rc-seats audit "$1" 2>&1
	rc-seats waitlist list "$1"
}
# field NAME TEXT: the value of a "name<TAB>value" row
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

# --- create-event, events, seat-map, availability --------------------------------
ok "create-event" rc-seats create-event --name "Tech Conference" --rows 10 --seats 20 \
	--price 150 --id conf
IFS=$'\t' read -r id slot node <<<"$OUT"
is "$id" conf "create-event prints the id"
is "$slot" "$(rc-slot '{event:conf}:meta' | cut -f2)" "and the slot of {event:conf}"
like "$node" '^127\.0\.0\.1:157[0-9][0-9]$' "and the node"
is "$(rc-slot -n '{event:conf}:meta' | cut -f3)" "$node" "the node is the slot's owner"
for k in meta seats stats holds res wl wlinfo 'done'; do
	is "$(rc-slot "{event:conf}:$k" | cut -f2)" "$slot" "key {event:conf}:$k is in the same slot"
done

ok "create-event with a random id" rc-seats create-event --name "Event B" --rows 2 --seats 3 --price 9.50
like "$OUT" $'^[0-9a-f]{8}\t[0-9]+\t127' "a random id is 8 hex digits"
ev2=$(cut -f1 <<<"$OUT")
exit_is 1 "the same id twice is refused" rc-seats create-event --name x --rows 1 --seats 1 --price 1 --id conf

ok "events" rc-seats events
like "$OUT" $'(^|\n)conf\tTech Conference\t200\t200\t'"$slot"$'\t'"$node"$'($|\n)' "events lists conf"
like "$OUT" $'(^|\n)'"$ev2"$'\tEvent B\t6\t6\t' "and the other event"

ok "seat-map" rc-seats seat-map conf
is "$(wc -l <<<"$OUT")" 200 "seat-map has a row per seat"
is "$(head -n1 <<<"$OUT")" $'A1\tavailable' "first seat A1"
is "$(tail -n1 <<<"$OUT")" $'J20\tavailable' "last seat J20"
ok "seat-map -p draws a grid" rc-seats -p seat-map conf
like "$OUT" "legend" "the grid has a legend"

ok "a big event names rows past Z" rc-seats create-event --name Arena --rows 30 --seats 2 --price 1 --id arena
is "$(rc-seats seat-map arena | sed -n '53p;59p' | cut -f1 | tr '\n' ' ')" "AA1 AD1 " "rows go on AA, AB, ..."

is "$(rc-seats availability conf)" $'available\t200\nheld\t0\nsold\t0' "availability of a new event"

# --- reserve, confirm, cancel, show --------------------------------------------------
ok "reserve" rc-seats reserve --event conf --user alice --seats A1,A2,A3 --name "Alice Smith" --email alice@example.com
res=$OUT
like "$res" '^conf\.[0-9a-f]{20}$' "the reservation id carries the event (and when it was made)"
is "$(rc-seats availability conf)" $'available\t197\nheld\t3\nsold\t0' "three seats held"
exit_is 1 "a reserve that overlaps is a conflict" rc-seats reserve --event conf --user bob --seats A3,A4
like "$OUT" "conflict: seat A3 " "the conflict names the seat taken"
unlike "$OUT" "A4" "and only that seat"
is "$(rc-seats availability conf)" $'available\t197\nheld\t3\nsold\t0' "a conflict holds nothing (all or nothing)"
ok "show" rc-seats show "$res"
is "$(field status "$OUT")" held "show: held"
is "$(field user "$OUT")" alice "show: user"
is "$(field email "$OUT")" alice@example.com "show: email"
ok "confirm" rc-seats confirm "$res"
is "$OUT" "$res"$'\tconfirmed' "confirm prints the reservation"
ok "confirm twice" rc-seats confirm "$res"
like "$OUT" "^rc-seats: $res was already confirmed" "confirm twice: already confirmed (exit 0)"
ok "confirm --durable twice" rc-seats confirm --durable "$res"
like "$OUT" "^rc-seats: $res was already confirmed" "confirm --durable twice says so too"
like "$OUT" "$res"$'\tconfirmed\t[1-9]' "and a replica has the sale"
is "$(rc-seats availability conf)" $'available\t197\nheld\t0\nsold\t3' "held -> sold"
is "$(rc-seats seat-map conf | head -n4 | cut -f2 | tr '\n' ' ')" "sold sold sold available " "the map shows them sold"

ok "reserve for bob" rc-seats reserve --event conf --user bob --seats B1,B2
bob=$OUT
ok "cancel" rc-seats cancel "$bob"
like "$OUT" $'released\t-\t'"$bob"$'\tB1,B2' "cancel says what it released"
exit_is 1 "cancel twice: already cancelled" rc-seats cancel "$bob"
exit_is 1 "a cancelled reservation cannot be confirmed" rc-seats confirm "$bob"
ok "cancel a confirmed sale" rc-seats reserve --event conf --user carol --seats C1
carol=$OUT
rc-seats confirm "$carol" >/dev/null
ok "cancel it" rc-seats cancel "$carol"
is "$(rc-seats availability conf)" $'available\t197\nheld\t0\nsold\t3' "seats are back on sale"

ok "confirm --durable waits for a replica" rc-seats confirm --durable \
	"$(rc-seats reserve --event conf --user dave --seats D1)"
like "$OUT" $'\tconfirmed\t[1-9]' "a replica acknowledged the sale"
ok "reserve for ivy" rc-seats reserve --event conf --user ivy --seats B3
ivy=$OUT
ok "cancel --durable waits for a replica" rc-seats -H cancel --durable "$ivy"
is "$OUT" $'#what\tuser\treservation\tseats\treplicas\nreleased\t-\t'"$ivy"$'\tB3\t1' \
	"cancel --durable: a replica acknowledged the cancel"
exit_is 1 "cancel --durable twice: already cancelled" rc-seats cancel --durable "$ivy"
like "$OUT" "already cancelled" "and says so"

# --- hold expiry -------------------------------------------------------------------
ok "a one-second hold" rc-seats reserve --event conf --user eve --seats E1,E2 --hold 1
eve=$OUT
sleep 2.2
ok "show says expired" rc-seats show "$eve"
is "$(field status "$OUT")" expired "the hold has run out"
exit_is 1 "confirm after the hold expired" rc-seats confirm "$eve"
like "$OUT" "expired" "a clear error: expired"
ok "the seats are free again" rc-seats reserve --event conf --user frank --seats E1,E2
ok "a hold that expires unseen" rc-seats reserve --event conf --user gina --seats F1 --hold 1
sleep 2.2
is "$(rc-seats availability conf | sed -n 2p)" $'held\t2' "availability releases expired holds (frank's 2 stay)"
ok "sweep" rc-seats sweep conf
is "$OUT" $'conf\t0\t0\t0' "nothing left to sweep"
ok "audit after all that" rc-seats audit conf
is "$(field violations "$OUT")" 0 "no violations"

# --- waitlist ----------------------------------------------------------------------
rc-seats create-event --name Small --rows 1 --seats 4 --price 10 --id small >/dev/null
sm1=$(rc-seats reserve --event small --user a --seats A1,A2,A3)
rc-seats reserve --event small --user b --seats A4 >/dev/null
ok "waitlist join" rc-seats waitlist join --event small --user w1 --count 2
is "$OUT" 1 "first in line"
ok "waitlist join again" rc-seats waitlist join --event small --user w2 --count 2
is "$OUT" 2 "second in line"
rc-seats waitlist join --event small --user w3 >/dev/null
exit_is 1 "joining twice" rc-seats waitlist join --event small --user w1
is "$(rc-seats waitlist list small)" $'1\tw1\t2\n2\tw2\t2\n3\tw3\t1' "waitlist list, FIFO"
ok "cancel serves the waitlist" rc-seats cancel "$sm1"
like "$OUT" $'offered\tw1\tsmall\\.w[0-9]+\tA1,A2' "w1 (2 seats) is offered A1,A2"
unlike "$OUT" "w2" "w2 wants 2, only 1 is left: nobody jumps the queue"
unlike "$OUT" "w3" "w3 waits behind w2"
offer=$(awk -F'\t' '$1 == "offered" { print $3 }' <<<"$OUT")
is "$(rc-seats waitlist list small)" $'1\tw2\t2\n2\tw3\t1' "w1 left the waitlist"
is "$(field status "$(rc-seats show "$offer")")" held "the offer is a hold"
# The user finds it by name, without the cancel's output.
ok "waitlist offer: w1 finds the offer by user" rc-seats waitlist offer --event small --user w1
like "$OUT" "^$offer"$'\tA1,A2\t[0-9]+$' "its id, its seats, the seconds left"
left=$(cut -f3 <<<"$OUT")
ok "of the event's hold time (300 s)" test "$left" -gt 0 -a "$left" -le 300
exit_is 1 "waitlist offer: w2 has none yet" rc-seats waitlist offer --event small --user w2
is "$OUT" "rc-seats: w2 has no offer on event small yet: waiting at position 1 for 2 seats" \
	"says where w2 stands, and prints no row"
ok "the offer can be confirmed" rc-seats confirm "$offer"
exit_is 1 "waitlist offer: a confirmed offer is one no more" rc-seats waitlist offer --event small --user w1
like "$OUT" "^rc-seats: w1 holds no offer on event small and is not on its waitlist" "says so"
ok "waitlist leave" rc-seats waitlist leave --event small --user w3
exit_is 1 "leaving twice" rc-seats waitlist leave --event small --user w3
ok "audit small" rc-seats audit small

# --- an expired hold serves the waitlist, as a cancel does ----------------------------------
# Five events alike: a one-second hold on A1,A2 by h, w1 waiting for 2 seats
# and w2 behind them for 2 more; each notices the expiry another way: sweep,
# a reserve (lazy release), availability, a confirm of the expired hold, w1
# asking for an offer.
for e in xs xr xa xc xo; do
	rc-seats create-event --name "Expiry $e" --rows 1 --seats 4 --price 1 --id "$e" >/dev/null
	rc-seats reserve --event "$e" --user h --seats A1,A2 --hold 1 >"$T/$e.hold"
	rc-seats waitlist join --event "$e" --user w1 --count 2 >/dev/null
	rc-seats waitlist join --event "$e" --user w2 --count 2 >/dev/null
done
sleep 2.2
# offer_of EVENT: w1's offer, read from the event's reservations
offer_of() { rcli_c "$LAB_BASE" HKEYS "{event:$1}:res" | grep -E "^$1\.w[0-9]+$"; }
# served EVENT HOW: w1 holds A1,A2, w2 still waits, the audit is clean
served() {
	local o
	o=$(offer_of "$1")
	like "$o" "^$1\.w[0-9]+\$" "$2: w1 got an offer"
	o=$(rc-seats show "$o" 2>&1)
	is "$(field user "$o") $(field status "$o") $(field seats "$o")" "w1 held A1,A2" \
		"$2: the offer is a hold on the expired seats"
	is "$(rc-seats waitlist list "$1")" $'1\tw2\t2' "$2: w1 left the waitlist, w2 waits"
	ok "$2: audit" rc-seats audit "$1"
}
ok "sweep" rc-seats sweep xs
is "$OUT" $'xs\t1\t1\t0' "sweep released one hold and made one offer"
served xs "sweep"
exit_is 1 "a reserve after the expiry" rc-seats reserve --event xr --user late --seats A1
like "$OUT" "conflict: seat A1 " "the waitlist came first: A1 is offered to w1"
served xr "reserve"
ok "availability after the expiry" rc-seats availability xa
is "$OUT" $'available\t2\nheld\t2\nsold\t0' "availability: the offer holds the two seats"
served xa "availability"
exit_is 1 "confirm of the expired hold" rc-seats confirm "$(<"$T/xc.hold")"
like "$OUT" "expired" "says it expired"
served xc "confirm"
# waitlist offer releases the expired hold first, so the offer due is made.
ok "waitlist offer after the expiry" rc-seats -H waitlist offer --event xo --user w1
like "$OUT" $'^#reservation\tseats\texpires_in\nxo\\.w[0-9]+\tA1,A2\t[0-9]+$' \
	"waitlist offer: the expired hold is offered to w1 and found (-H: a header)"
served xo "waitlist offer"

# --- an event made before meta's bounds (nexthold, waiting) ---------------------------------
# A call must not trust a bound the event does not have: it asks the keys,
# and learns the bounds; audit catches a bound that would hide an expiry.
rc-seats create-event --name Old --rows 1 --seats 4 --price 1 --id old >/dev/null
rcli_c "$LAB_BASE" HDEL '{event:old}:meta' nexthold waiting >/dev/null
rc-seats reserve --event old --user h --seats A1 --hold 1 >/dev/null
rc-seats waitlist join --event old --user w1 >/dev/null
sleep 2.2
exit_is 1 "old event: a reserve after the expiry" rc-seats reserve --event old --user late --seats A1
like "$OUT" "conflict: seat A1 " "old event: the expired hold went to the waitlist first"
is "$(rc-seats waitlist list old)" "" "old event: w1 was served"
is "$(rcli_c "$LAB_BASE" HMGET '{event:old}:meta' waiting | tr -d '\r')" 0 \
	"old event: it knows its waitlist's length now"
ok "old event: audit" rc-seats audit old
h=$(rcli_c "$LAB_BASE" HGET '{event:old}:meta' nexthold)
rcli_c "$LAB_BASE" HSET '{event:old}:meta' nexthold 99999999999999 >/dev/null
exit_is 1 "audit: a nexthold after the first hold's expiry is a violation" rc-seats audit old
like "$OUT" "nexthold" "and names it"
rcli_c "$LAB_BASE" HSET '{event:old}:meta' nexthold "$h" waiting 5 >/dev/null
exit_is 1 "audit: a waiting count that is not the waitlist's length is a violation" \
	rc-seats audit old
like "$OUT" "waiting 5 but 0" "and names it"
rcli_c "$LAB_BASE" HSET '{event:old}:meta' waiting 0 >/dev/null

# --- NOSCRIPT: a node that lost its scripts ---------------------------------------------
for p in $(masters); do rcli "$p" SCRIPT FLUSH >/dev/null; done
ok "reserve after SCRIPT FLUSH (EVALSHA falls back to EVAL)" rc-seats reserve --event conf --user h --seats G1
ok "and again (EVALSHA now hits)" rc-seats reserve --event conf --user h --seats G2

# --- a lost reply: the node hangs after the request was sent ----------------------------
# With a 1 s timeout the reply never comes (IOERR: it may have run); the
# request is sent again with the same reservation id, and every copy that
# runs once the node wakes finds the same hold.
rc-seats create-event --name Lost --rows 1 --seats 10 --price 1 --id lost >/dev/null
lport=$(rc-slot -n '{event:lost}:meta' | cut -f3)
lport=${lport##*:}
cluster_cmd pause "$lport" >/dev/null 2>&1
(
	sleep 2.5
	cluster_cmd resume "$lport" >/dev/null 2>&1
) &
ok "reserve while the node hangs, retried after the timeout" \
	rc-seats --timeout 1 reserve --event lost --user lost1 --seats A1,A2
lres=$OUT
wait
like "$lres" '^lost\.[0-9a-f]{20}$' "one reservation id"
is "$(rc-seats availability lost | sed -n 2p)" $'held\t2' "two seats held, not more: the retries found their own hold"
ok "audit lost" rc-seats audit lost
is "$(field reservations "$OUT")" 1 "exactly one reservation"
is "$(field status "$(rc-seats show "$lres")")" held "and it is the one reserve printed"

# --- bad input: exit 2, a clear message, nothing written -----------------------------------
# A hold that a misread option (cancel, confirm) would change.
hres=$(rc-seats reserve --event conf --user opt --seats H5)
before=$(snapshot conf)
bad() {
	local desc=$1
	shift
	exit_is 2 "$desc: exit 2" "$@"
	like "$OUT" "^rc-seats: " "$desc: says why"
	is "$(snapshot conf)" "$before" "$desc: nothing written"
}
bad "unknown event" rc-seats reserve --event nosuch --user a --seats A1
bad "unknown reservation" rc-seats confirm conf.000000000000
bad "cancel an unknown reservation" rc-seats cancel conf.000000000000
bad "malformed reservation id" rc-seats confirm nodot
bad "a seat outside the map" rc-seats reserve --event conf --user a --seats K1
bad "a seat number past the row" rc-seats reserve --event conf --user a --seats A21
bad "one good seat and one outside" rc-seats reserve --event conf --user a --seats H1,Z9
bad "not a seat name" rc-seats reserve --event conf --user a --seats 12
bad "the same seat twice" rc-seats reserve --event conf --user a --seats H1,H1
bad "an empty user" rc-seats reserve --event conf --user '' --seats H1
bad "no user" rc-seats reserve --event conf --seats H1
bad "no seats" rc-seats reserve --event conf --user a --seats ''
bad "rows zero" rc-seats create-event --name x --rows 0 --seats 5 --price 1 --id bad1
bad "rows negative" rc-seats create-event --name x --rows -3 --seats 5 --price 1 --id bad1
bad "rows absurd" rc-seats create-event --name x --rows 100000 --seats 5 --price 1 --id bad1
bad "seats zero" rc-seats create-event --name x --rows 5 --seats 0 --price 1 --id bad1
bad "seats negative" rc-seats create-event --name x --rows 5 --seats -1 --price 1 --id bad1
bad "seats absurd" rc-seats create-event --name x --rows 5 --seats 99999999999 --price 1 --id bad1
bad "too many seats in all" rc-seats create-event --name x --rows 700 --seats 1000 --price 1 --id bad1
bad "price zero" rc-seats create-event --name x --rows 5 --seats 5 --price 0 --id bad1
bad "price negative" rc-seats create-event --name x --rows 5 --seats 5 --price -10 --id bad1
bad "price absurd" rc-seats create-event --name x --rows 5 --seats 5 --price 1e12 --id bad1
bad "price not a number" rc-seats create-event --name x --rows 5 --seats 5 --price ten --id bad1
bad "an empty name" rc-seats create-event --name '' --rows 5 --seats 5 --price 1 --id bad1
bad "a bad event id" rc-seats create-event --name x --rows 5 --seats 5 --price 1 --id 'a{b}'
bad "waitlist for an unknown event" rc-seats waitlist join --event nosuch --user a
bad "waitlist for more seats than the event has" rc-seats waitlist join --event small --user a --count 5
bad "waitlist offer for an unknown event" rc-seats waitlist offer --event nosuch --user a
bad "waitlist offer without --user" rc-seats waitlist offer --event conf
bad "audit an unknown event" rc-seats audit nosuch
bad "an unknown command" rc-seats sell conf

# Options and operands of another command: a usage error naming both.
bad "cancel --name" rc-seats cancel "$hres" --name x
like "$OUT" "^rc-seats: cancel does not take --name " "it names the option and the command"
bad "reserve --durable (holds are never durable)" rc-seats reserve --event conf --user a --seats H6 --durable
like "$OUT" "reserve does not take --durable" "reserve --durable: named"
bad "reserve --rows" rc-seats reserve --event conf --user a --seats H6 --rows 7
bad "reserve --count" rc-seats reserve --event conf --user a --seats H6 --count 3
bad "events --price --rows" rc-seats events --price 5 --rows 3
like "$OUT" "events does not take --price" "the first one given is named"
bad "load --name --count" rc-seats load --event conf --requests 5 --name x --count 3
bad "audit --random" rc-seats audit conf --random
bad "seat-map --user" rc-seats seat-map conf --user x
bad "confirm --wait-ms without --durable" rc-seats confirm --wait-ms 500 "$hres"
like "$OUT" "confirm: --wait-ms is the WAIT timeout of --durable" "--wait-ms alone: says why"
bad "confirm with two reservations" rc-seats confirm "$hres" "$hres"
bad "waitlist list with an extra operand" rc-seats waitlist list conf extra
like "$OUT" "waitlist list: unexpected argument 'extra'" "the extra operand is named"
bad "waitlist join with an extra operand" rc-seats waitlist join --event conf --user q extra
bad "waitlist leave --count" rc-seats waitlist leave --event conf --user q --count 2
bad "waitlist offer --count" rc-seats waitlist offer --event conf --user q --count 2
bad "sweep --event" rc-seats sweep --event conf
ok "the hold is untouched" rc-seats show "$hres"
is "$(field status "$OUT")" held "still held"

# --- what no retry changes fails at once: exit 3, not after --retry --------------------------
# Each runs with --retry 600 under a 10 s timeout, which a retry would hit.
fast3() {
	local desc=$1 t0
	shift
	t0=$EPOCHREALTIME
	exit_is 3 "$desc: exit 3 at once" timeout 10 "$@"
	note "$desc: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }') s"
}
for p in $PORTS; do rcli "$p" CONFIG SET requirepass s3cret >/dev/null; done
RC_AUTH=wrong fast3 "a wrong password" rc-seats --retry 600 events
like "$OUT" "authentication failed: WRONGPASS" "a wrong password: the server's words"
fast3 "no password" rc-seats --retry 600 events
like "$OUT" "NOAUTH" "no password: NOAUTH"
RC_AUTH=s3cret ok "the right password works" rc-seats --retry 600 availability conf
for p in $PORTS; do
	rcli "$p" -a s3cret --no-auth-warning CONFIG SET requirepass '' >/dev/null
done
ok "the password is off again" rc-seats availability conf
fast3 "a seed that refuses the connection" rc-seats --retry 600 -c 127.0.0.1:15709 events
like "$OUT" "127.0.0.1:15709: Connection refused" "refused: says so"
port_guard 15708
"${RC_REDIS_SERVER:-redis-server}" --port 15708 --bind 127.0.0.1 --save '' --appendonly no \
	>"$T/standalone.log" 2>&1 &
standalone=$!
at_exit "kill $standalone"
retry 10 rcli 15708 PING >/dev/null 2>&1
fast3 "a seed that is not a cluster node" rc-seats --retry 600 -c 127.0.0.1:15708 events
like "$OUT" "not a cluster node" "not a cluster node: says so"
kill "$standalone"

# --- hundreds of concurrent reserves, separate processes ------------------------------------
rc-seats create-event --name Rush --rows 5 --seats 10 --price 20 --id rush >/dev/null
D=$T/rush
mkdir -p "$D"
rows=ABCDE
for ((i = 0; i < 200; i++)); do
	r=${rows:RANDOM%5:1}
	s=$((RANDOM % 9 + 1))
	echo "$r$s,$r$((s + 1))" >"$D/$i.seats"
	(
		rc-seats reserve --event rush --user "u$i" --seats "$(<"$D/$i.seats")" >"$D/$i.out" 2>"$D/$i.err"
		echo $? >"$D/$i.rc"
	) &
done
wait
n0=$(grep -lx 0 "$D"/*.rc | wc -l)
n1=$(grep -lx 1 "$D"/*.rc | wc -l)
is "$((n0 + n1))" 200 "200 concurrent reserves: each one succeeded or conflicted"
note "succeeded $n0, conflicts $n1"
is "$(for f in $(grep -lx 1 "$D"/*.rc); do grep -c '^rc-seats: conflict: ' "${f%.rc}.err"; done | sort -u)" 1 \
	"every conflict says so"
won=$(for f in $(grep -lx 0 "$D"/*.rc); do cat "${f%.rc}.seats"; done | tr ',' '\n' | sort)
is "$(uniq -d <<<"$won")" "" "no seat was granted twice (from the clients' own answers)"
held=$(rc-seats availability rush | awk -F'\t' '$1 == "held" { print $2 }')
is "$held" "$(grep -c . <<<"$won")" "held seats = seats the winners were told they have"
is "$(rc-seats availability rush | awk -F'\t' '{ s += $2 } END { print s }')" 50 "available + held + sold = 50"
ok "audit after the rush" rc-seats audit rush

# Confirm every winner at once, cancel none; then cancel a few, concurrently.
for f in $(grep -lx 0 "$D"/*.rc); do
	(rc-seats confirm "$(<"${f%.rc}.out")" >"${f%.rc}.conf" 2>&1; echo $? >"${f%.rc}.crc") &
done
wait
is "$(cat "$D"/*.crc | sort -u)" 0 "every winner confirmed"
is "$(rc-seats availability rush | sed -n 3p)" $'sold\t'"$held" "sold = what was held"
ok "audit after the confirms" rc-seats audit rush

# --- load: N users in one process ----------------------------------------------------------------
rc-seats create-event --name "Load Test Concert" --rows 20 --seats 20 --price 25 --id lt >/dev/null
ok "load" rc-seats load --event lt --users 100 --seats 3 --requests 2000 --log "$T/load.log"
L=$OUT
is "$(field requests "$L")" 2000 "load made 2000 requests"
is "$(($(field ok "$L") + $(field conflicts "$L") + $(field errors "$L")))" 2000 "ok + conflicts + errors = requests"
is "$(field errors "$L")" 0 "no errors"
like "$(field ops_per_sec "$L")" '^[1-9][0-9]*$' "ops_per_sec"
like "$(field p99_ms "$L")" '^[0-9]+\.[0-9]+$' "p99_ms"
k=3
av=$(rc-seats availability lt)
is "$(field sold "$av")" "$(($(field confirmed "$L") * k))" "sold = confirmed x 3"
is "$(field held "$av")" "$((($(field ok "$L") - $(field confirmed "$L") - $(field cancelled "$L")) * k))" \
	"held = (ok - confirmed - cancelled) x 3"
is "$(awk -F'\t' '{ s += $2 } END { print s }' <<<"$av")" 400 "availability adds up to 400"
is "$(awk -F'\t' '$2 == "confirmed" { print $3 }' "$T/load.log" | tr ',' '\n' | sort | uniq -d)" "" \
	"no seat confirmed twice (from load's log)"
ok "audit after load" rc-seats audit lt

# A progress bar on stderr when it is a terminal (script(1) gives it one),
# none otherwise; the TSV on stdout is the same either way.
if command -v script >/dev/null 2>&1; then
	ok "load with stderr on a terminal" script -qec \
		"rc-seats load --event lt --users 10 --requests 300 >'$T/tty.tsv'" "$T/typescript"
	like "$(<"$T/typescript")" $'\r\e\\[Kload [^\r]* 300/300 [^\r]* ops/s' "a progress bar, to 300/300"
	is "$(cut -f1 "$T/tty.tsv" | tr '\n' ' ')" "$(cut -f1 <<<"$L" | tr '\n' ' ')" "the same TSV rows on stdout"
else
	skip "script(1) is not installed" 3
fi
rc-seats load --event lt --users 10 --requests 300 >/dev/null 2>"$T/load.err"
is "$(<"$T/load.err")" "" "no progress bar when stderr is not a terminal"

ok "load --random --durable --duration" rc-seats load --event lt --users 20 --seats 2 --random \
	--duration 2 --durable --cancel 50 --confirm 50
is "$(field errors "$OUT")" 0 "no errors"
is "$(field durable_unacked "$OUT")" 0 "every durable confirm acknowledged"
ok "audit after durable load" rc-seats audit lt

# --- audit finds a double grant it did not make ---------------------------------------------
sm_node=$(rc-slot -n '{event:small}:meta' | cut -f3)
p=${sm_node##*:}
rcli "$p" HSET '{event:small}:res' small.forged '{"u":"x","s":"A1","st":"confirmed","x":0,"c":0}' >/dev/null
exit_is 1 "audit catches a seat granted twice" rc-seats audit small
like "$OUT" "seat A1 of confirmed reservation small.forged is S:small" "and says which seat"
rcli "$p" HINCRBY '{event:small}:stats' sold 5 >/dev/null
exit_is 1 "audit catches stats that do not add up" rc-seats audit small
like "$OUT" "stats: sold" "and says which"

done_testing
