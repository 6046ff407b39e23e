#!/usr/bin/env bash
# Lab 24: one slot migration by hand, held open: IMPORTING and MIGRATING,
# keys moved with MIGRATE, a reader sees ASK while it is open and MOVED once
# the slot has moved.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-slot redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}

title "Lab 24: a slot migration, step by step"
lab_snapshot
say "Five keys with the hash tag {demo} share one slot:"
run "rc-slot -n '{demo}1' '{demo}2'"
slot=$(rc-slot '{demo}1' | cut -f2)
src=$(rc-slot -n '{demo}1' | cut -f3)
sport=${src##*:}
dst=$(redis-cli -h "$host" -p "$port" cluster nodes | awk -v s="$src" '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 && index($2, s "@") != 1 && !f { sub(/@.*/, "", $2); print $2; f = 1 }')
dport=${dst##*:}
src_id=$(redis-cli -h "$host" -p "$sport" cluster myid)
dst_id=$(redis-cli -h "$host" -p "$dport" cluster myid)
run "for i in 1 2 3 4 5; do redis-cli -h $host -p $sport SET {demo}\$i value\$i; done >/dev/null"
say "Slot $slot lives on $src; it will move to $dst."
pause

say "1. The target says it is importing the slot, then the source says it is migrating it. The order matters: an ASK must always lead to a node that accepts it."
run "redis-cli -h $host -p $dport CLUSTER SETSLOT $slot IMPORTING $src_id"
run "redis-cli -h $host -p $sport CLUSTER SETSLOT $slot MIGRATING $dst_id"
run "rc-reshard check | grep open || true"
observe "both sides of the open slot"
pause

say "2. Keys move one batch at a time. Move two of the five:"
run "redis-cli -h $host -p $sport CLUSTER GETKEYSINSLOT $slot 10"
run "redis-cli -h $host -p $sport MIGRATE $host $dport '' 0 5000 KEYS {demo}1 {demo}2"
pause

say "3. While the slot is open, the source still answers for keys it has, and sends an ASK for keys it no longer has:"
run "redis-cli -h $host -p $sport GET {demo}3"
run "redis-cli -h $host -p $sport GET {demo}1"
observe "ASK $slot $dst: ask there, this once (the slot is not there for good yet)"
say "Asked plainly, the target will not serve a slot it is only importing: the source still owns it, so the target answers MOVED back to the source (a client that followed that would loop):"
run "redis-cli -h $host -p $dport GET {demo}1"
observe "MOVED $slot $src: the slot still belongs to the source; the target has the key but does not own the slot yet"
say "ASKING first tells the target 'I was sent here by an ASK': for that one next command it serves the importing slot:"
run "printf 'ASKING\\nGET {demo}1\\n' | redis-cli -h $host -p $dport"
say "A cluster client follows the ASK by itself:"
run "redis-cli -c -h $host -p $sport GET {demo}1"
pause

say "4. Finish: rc-reshard fix sees the open slot, moves the remaining keys and assigns the slot to the target on every master (it would roll back an open slot whose target holds none of its keys)."
run "rc-reshard -y fix"
run "redis-cli -h $host -p $sport GET {demo}3"
observe "now MOVED $slot $dst: the slot lives there for good, clients update their slot table"
run "redis-cli -c -h $host -p $port GET {demo}3"
run "rc-reshard check && echo clean"
pause

say "Put it back where it was, with the engine this time:"
run "printf '%s\\t%s\\t%s\\n' $slot $dst_id $src_id | rc-reshard apply"
run "redis-cli -h $host -p $sport DEL {demo}1 {demo}2 {demo}3 {demo}4 {demo}5"
lab_restore
