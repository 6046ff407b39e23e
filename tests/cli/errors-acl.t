#!/usr/bin/env bash
# A refusal is not an outage (issue 18, item 4): a user whose ACL lacks
# CLUSTER COUNTKEYSINSLOT gets the command, its category and the read-only
# way round from rc-dist keys and hot, not every master "down"; a password
# one master refuses is "refused the password" in rc-dist, rc-repl and
# rc-seats (which ends at once, no retry window); a +@read user of rc-seats
# is told that its reads run scripts, and why.
. "$(dirname "$0")/lib.sh"
require_redis
BASE=16940
cluster_up $BASE 3 1 2000 || bail_file "no cluster"

mapfile -t PORTS < <(cluster_ports)
# redis-cli as the default user, whatever RC_AUTH the tools are given.
admin() {
	local RC_AUTH=
	rcli "$@"
}

# ACL users live on each node (ACL SETUSER is not replicated).
acl_all() {
	local p
	for p in "${PORTS[@]}"; do rcli "$p" ACL SETUSER "$@" >/dev/null || return 1; done
}
ok "user nocount: everything but CLUSTER COUNTKEYSINSLOT" \
	acl_all nocount on '>nc-pw' '~*' '&*' '+@all' '-cluster|countkeysinslot'
ok "user reader: +@read and what a client needs to find the cluster" \
	acl_all reader on '>rd-pw' '~*' '+@read' '+@connection' '+cluster|nodes' \
	'+cluster|shards' '+cluster|slots' '+cluster|info' '+cluster|myid' '+info'
fill() { seq 1 300 | sed 's/.*/SET k:& v/' | rc-repl >/dev/null; }
ok "300 keys written" fill
total() {
	local p n=0
	for p in $(masters); do n=$((n + $(admin "$p" DBSIZE))); done
	echo "$n"
}
[[ $(total) == 300 ]] || diag "the masters hold $(total) keys"

# --- rc-dist keys and hot without COUNTKEYSINSLOT ----------------------------
export RC_USER=nocount RC_AUTH=nc-pw
exit_is 3 "keys without COUNTKEYSINSLOT exits 3 (refused)" rc-dist keys
unlike "$OUT" "down" "no master is called down"
is "$(grep -c $'\tnoperm$' <<<"$OUT")" 3 "each master's row says noperm"
like "$OUT" "user 'nocount' may not run 'cluster\|countkeysinslot' \(NOPERM\)" \
	"the message names the user and the command"
like "$OUT" "ACL SETUSER nocount \+cluster\|countkeysinslot \(it is in the ACL category @slow\)" \
	"what allows it, and its category"
like "$OUT" "rc-dist keys -m '\*'" "and the read-only way round"
exit_is 0 "keys -m '*' (SCAN) works for that user" rc-dist keys -m '*'
sum=$(awk -F'\t' '$3 ~ /^[0-9]+$/ { n += $3 } END { print n + 0 }' <<<"$OUT")
is "$sum" 300 "and counts every key"
exit_is 3 "hot without COUNTKEYSINSLOT exits 3" rc-dist hot
like "$OUT" "rc-dist hot -m '\*'" "naming hot's way round"
unlike "$OUT" "marked down" "no master marked down"
exit_is 0 "hot -m '*' works for that user" rc-dist hot -m '*'
like "$OUT" $'^[0-9]+\t[0-9]+\t127\\.0\\.0\\.1:' "and shows the hot slots"

# --- a password one master refuses -------------------------------------------
# Not the seed: the cluster is read from it.
victim=$(unset RC_AUTH; masters | grep -vx "$BASE" | tail -n 1)
ok "master $victim takes another password for nocount" \
	admin "$victim" ACL SETUSER nocount '>other-pw' '<nc-pw'
exit_is 3 "nodes with a master that refuses the password exits 3" rc-dist nodes
like "$OUT" "rc-dist: 127\.0\.0\.1:$victim refused the password \(WRONGPASS" \
	"says it refused the password"
like "$OUT" "the password comes from RC_AUTH" "and where the password comes from"
like "$OUT" "127\.0\.0\.1:$victim"$'\t[^\n]*\tnoauth' "its row says noauth"
unlike "$OUT" "down" "not down"
exit_is 3 "rc-repl :masters exits 3" rc-repl -e ':masters PING'
like "$OUT" "127\.0\.0\.1:$victim refused the password" "rc-repl says so too"
unlike "$OUT" "is down" "not 'is down'"
# An event on the refusing master: a reservation ends at once with the
# refusal, however long --retry is.
# Events are made (by the default user) until one lives on the victim.
new_event() {
	env -u RC_USER -u RC_AUTH rc-seats -T create-event --name acl --rows 1 --seats 4 \
		--price 1 | cut -f1
}
ev=$(new_event)
for _ in $(seq 1 40); do
	[[ $(rc-slot -n "{event:$ev}" | cut -f3) == "127.0.0.1:$victim" ]] && break
	ev=$(new_event)
done
is "$(rc-slot -n "{event:$ev}" | cut -f3)" "127.0.0.1:$victim" "event $ev lives on $victim"
exit_is 3 "reserve on it exits 3" timeout 30 rc-seats --retry 120 reserve --event "$ev" \
	--user a --seats A1
like "$OUT" "127\.0\.0\.1:$victim refused the password" "at once, saying it refused the password"
ok "master $victim takes nocount's password again" \
	admin "$victim" ACL SETUSER nocount '>nc-pw' '<other-pw'

# --- rc-seats as a +@read user -------------------------------------------------
export RC_USER=reader RC_AUTH=rd-pw
for cmd in availability seat-map audit; do
	exit_is 3 "rc-seats $cmd as a +@read user exits 3" rc-seats "$cmd" "$ev"
	like "$OUT" "user 'reader' may not run 'evalsha' \(NOPERM\)" "naming evalsha"
	like "$OUT" "category @scripting" "and its category"
	like "$OUT" "release expired holds first" "and why a read runs a script"
done
unset RC_USER RC_AUTH
ok "the default user still reads it" rc-seats availability "$ev"
done_testing
