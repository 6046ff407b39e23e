#!/usr/bin/env bash
# Lab 11: slot distribution - which master owns which of the 16384 slots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-dist rc-slot

title "Slot distribution"
say "Redis Cluster splits the key space into 16384 hash slots; a key's slot is" \
	"CRC16(key) mod 16384, and every slot belongs to exactly one master."
pause

say "Each master's slots, its share, and its ranges, as a bar chart:"
run rc-dist -p slots
observe "With 3 masters: 0-5460, 5461-10922 and 10923-16383, about 33.3% each."
observe "OPEN lists slots being migrated (5461>host:port) or imported (5461<host:port); '-' when none."
pause

say "As TSV the same rows feed other tools. Which master serves slot 12182?"
run "rc-dist -T slots | awk -F'\t' '{ n = split(\$5, r, \",\"); for (i = 1; i <= n; i++) { split(r[i], b, \"-\"); if (b[2] == \"\") b[2] = b[1]; if (12182 >= b[1] && 12182 <= b[2]) print \$1 } }'"
run "rc-slot -n foo"
observe "'foo' hashes to slot 12182: both answers name the same master."
pause

say "The slots add up to 16384 when the cluster is complete:"
run "rc-dist -T slots | awk -F'\t' '{ s += \$3 } END { print s, \"slots assigned\" }'"
observe "A missing slot would show as a row with addr '-' and flags 'unassigned', and rc-dist would exit 1."
