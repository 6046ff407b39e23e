#!/usr/bin/env bash
# Lab 25: the resharding walk-through - check, plan, read the plan, apply it
# through a pipe, balance by keys, check again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-slot rc-dist rc-repl redis-cli

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}

title "Lab 25: resharding, from check to clean"
lab_snapshot
say "1. Is the cluster healthy? check lists every problem as TSV (level, problem, node, detail) and exits 1 on any error."
run "rc-reshard check; echo \"exit \$?\""
pause

say "2. Skew it on purpose: 500 slots from every other master to one."
first=$(redis-cli -h "$host" -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 && !f { print $1; f = 1 }')
run "rc-reshard move --from all --to $first --slots 500 | wc -l"
pause

say "3. The rebalance plan says what would even it out; rows are slot, from, to. Plans compose with pipes: plan | apply."
run "rc-reshard plan rebalance | wc -l"
run "rc-reshard plan rebalance | rc-reshard apply | awk -F'\\t' '{ k += \$4 } END { print NR \" slots moved, \" k \" keys\" }'"
run "rc-reshard plan rebalance | wc -l"
observe "nothing left: every master within the threshold (2% by default)"
pause

say "4. Slots are not keys: with hash tags, some slots hold far more keys than others. --by keys balances key counts instead."
say "6000 plain keys spread evenly; 3000 more share the tag {hot}, so one slot holds them all:"
run "seq 1 6000 | awk '{ print \"SET lab25:\" \$1 \" x\" }' | rc-repl | sort | uniq -c"
run "seq 1 3000 | awk '{ print \"SET {hot}\" \$1 \" x\" }' | redis-cli -c -h $host -p $port >/dev/null"
run "rc-dist -T keys | cut -f1,3,6"
observe "address, keys, slots: even slots, uneven keys: {hot}'s master holds 3000 keys more than the others"
run "rc-reshard plan rebalance --by keys --threshold 5 | wc -l"
run "rc-reshard rebalance --by keys --threshold 5 | wc -l"
run "rc-reshard check && echo clean"
run "rc-dist -T keys | cut -f1,3,6"
observe "the keys are even now, and the slots are not: {hot}'s master gave away ordinary slots to make up for the one slot it cannot split"
run "rc-dist -T slots | cut -f1,5 | cut -c1-100"
observe "and the moved slots lie in many short ranges: a balance by keys picks slot by slot"
pause

say "Put the cluster back as the lab found it. The 3000 {hot} keys share one slot, so one DEL through the cluster (-c) removes them all: a multi-key command is fine when its keys share a slot. (A Lua script would do it too, but only with every key it deletes declared in KEYS, as lab 41 says.)"
run "seq 1 3000 | sed 's/^/{hot}/' | xargs redis-cli -c -h $host -p $port DEL | awk '{ n += \$1 } END { print n \" keys deleted\" }'"
run "seq 1 6000 | awk '{ print \"DEL lab25:\" \$1 }' | rc-repl | awk '\$1 == 1 { n++ } END { print n + 0 \" keys deleted\" }'"
say "And every slot goes back to the master that had it (one plan for rc-reshard apply):"
lab_restore
run "rc-dist -T slots | cut -f1,3,5"
