#!/usr/bin/env bash
# Lab 43: MOVED and ASK - move one slot by hand, from inside one rc-repl
# session, and watch a client's requests follow it; then move it back.
set -euo pipefail
# shellcheck source=labs/lib.sh
. "$(dirname "$0")/lib.sh"
lab_require rc-repl

key=lab43:ticket
tmp=$(mktemp "${TMPDIR:-/tmp}/lab43.XXXXXX")
trap 'rm -f "$tmp"' EXIT

title "MOVED and ASK: a slot on the move"
say "A slot moves in steps: the target marks it IMPORTING, the source MIGRATING," \
	"the keys go over one by one with MIGRATE, and CLUSTER SETSLOT ... NODE" \
	"hands the slot over. Clients keep working throughout, thanks to two redirects."
slot=$(rc-repl -e ":slot $key" | cut -f2)
src=$(rc-repl -e ":slot $key" | cut -f3)
dst=$(rc-repl -e ':nodes' | awk -F'\t' -v s="$src" '$2 == "master" && $1 != s { print $1; exit }')
sid=$(rc-repl -e ":node $src" -e 'CLUSTER MYID')
did=$(rc-repl -e ":node $dst" -e 'CLUSTER MYID')
run "rc-repl -e ':slot $key'"
say "We move slot $slot from $src to $dst. Everything below is ONE rc-repl" \
	"session: it keeps its slot table between commands, as a real client does." \
	":node pins the admin commands to one node; :route on shows each request's path."
cat >"$tmp" <<EOF
:route on
SET $key seat-A1
GET $key
:node $dst
CLUSTER SETSLOT $slot IMPORTING $sid
:node $src
CLUSTER SETSLOT $slot MIGRATING $did
GET $key
MIGRATE ${dst%:*} ${dst##*:} $key 0 5000
:node off
GET $key
:node $dst
CLUSTER SETSLOT $slot NODE $did
:node $src
CLUSTER SETSLOT $slot NODE $did
:node off
GET $key
GET $key
EOF
sed 's/^/  /' "$tmp"
run "rc-repl < '$tmp' 2>&1"
observe "While the key is still on the source, the source serves it (MIGRATING changes nothing yet)."
observe "After MIGRATE the source answers ASK: 'not here, ask $dst, this once'. The client sends ASKING + GET there and keeps its slot table."
observe "After SETSLOT NODE the source answers MOVED: the client updates its table, and the next GET goes straight to $dst."
pause

say "Put the slot back where it was, the same way (no routes shown this time):"
cat >"$tmp" <<EOF
:node $src
CLUSTER SETSLOT $slot IMPORTING $did
:node $dst
CLUSTER SETSLOT $slot MIGRATING $sid
MIGRATE ${src%:*} ${src##*:} $key 0 5000
:node $src
CLUSTER SETSLOT $slot NODE $sid
:node $dst
CLUSTER SETSLOT $slot NODE $sid
:node off
DEL $key
EOF
run "rc-repl < '$tmp' >/dev/null"
# Every master agrees on the owner again before the lab ends.
agree() {
	local m
	for m in $(rc-repl -e ':nodes' | awk -F'\t' '$2 == "master" { print $1 }'); do
		[ "$(rc-repl -c "$m" -e ":slot $key" | cut -f3)" = "$src" ] || return 1
	done
}
for _ in $(seq 1 100); do agree && break; sleep 0.1; done
run "rc-repl -e ':slot $key'"
observe "Slot $slot is back on $src."
