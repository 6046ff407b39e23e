#!/usr/bin/env bash
# Lab 23: manual resharding - move N slots from one master to another, as a
# plan you can read, edit and apply.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-reshard rc-slot redis-cli rc-repl

host=${RC_CLUSTER%:*}
port=${RC_CLUSTER##*:}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lab23.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

masters=$(redis-cli -h "$host" -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { print $1 }' | sort)
a=$(sed -n 1p <<<"$masters")
b=$(sed -n 2p <<<"$masters")

title "Lab 23: move 100 slots between two masters"
lab_snapshot
say "Masters are named by id (or a unique prefix of it, or host:port). Here: A=${a:0:12} and B=${b:0:12}."
run "seq 1 1000 | awk '{ print \"SET lab23:\" \$1 \" x\" }' | redis-cli -c -h $host -p $port >/dev/null"
pause

say "A plan is plain TSV: slot, from, to. Save it, read it, change it if you like."
run "rc-reshard plan move --from $a --to $b --slots 100 > $tmp/plan"
run "head -3 $tmp/plan"
run "wc -l < $tmp/plan"
say "--dry-run shows what apply would do; apply does it and prints keys moved and milliseconds per slot."
run "rc-reshard apply --dry-run < $tmp/plan | wc -l"
run "rc-reshard apply < $tmp/plan > $tmp/done"
run "head -3 $tmp/done"
run "awk -F'\\t' '{ k += \$4; ms += \$5 } END { print NR \" slots, \" k \" keys\" }' $tmp/done"
pause

say "Applying the same plan again does nothing: rows already done are skipped. That is also how an interrupted apply is finished."
run "rc-reshard apply < $tmp/plan | wc -l"
say "And back, with move (plan and apply in one):"
run "rc-reshard move --from $b --to $a --slots 100 | wc -l"
run "rc-reshard check && echo clean"
observe "100 slots went back, but move picks them itself: not always the same 100 (the lab puts the very same ones back at its end)"
pause

say "Bad input is refused before anything moves:"
expect_fail "rc-reshard move --from $a --to $b --slots 16000"
expect_fail "rc-reshard move --from nosuchnode --to $b --slots 1"
pause

say "Put the cluster back as the lab found it: the lab's keys are deleted and every slot is with the master that had it before the lab."
run "seq 1 1000 | awk '{ print \"DEL lab23:\" \$1 }' | rc-repl | awk '\$1 == 1 { n++ } END { print n + 0 \" keys deleted\" }'"
lab_restore
