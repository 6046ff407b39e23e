#!/usr/bin/env bash
# Lab 00: the tour `make demo` runs - the cluster, where keys land and why,
# and hash tags putting related keys together.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require rc-slot rc-dist redis-cli

title "A tour of your Redis Cluster ($RC_CLUSTER)"
say "A Redis Cluster splits its keys into 16384 hash slots and gives each" \
	"master a share of them. Replicas copy a master and take over when it fails."
run rc-dist info
observe "cluster_state ok: every one of the 16384 slots has a master that answers."
pause

say "Which master holds which slots:"
run rc-dist slots
observe "Three masters, about 5461 slots each, in contiguous ranges."
pause

say "Every node, masters and replicas:"
run rc-dist nodes
observe "Each replica names its master; a master with no replica would be at risk."
pause

title "Where keys land, and why"
say "The slot of a key is CRC16(key) mod 16384: rc-slot computes it without" \
	"asking the cluster, and -n adds the master that owns that slot now."
run rc-slot -n user:1001 user:1002 order:5001 product:abc
observe "Similar keys land on unrelated slots, spread over the masters."
pause

say "The server agrees; ask it for one key:"
run "redis-cli -h '${RC_CLUSTER%:*}' -p '${RC_CLUSTER##*:}' CLUSTER KEYSLOT user:1001"
pause

title "Hash tags: related keys together"
say "When a key has {braces}, only the part inside them is hashed. All of a" \
	"user's keys can share a slot, so one MULTI or Lua script can touch them all."
run rc-slot -t -n '{user:1001}:profile' '{user:1001}:cart' '{user:1001}:orders'
observe "One slot, one master, for the three keys; the third column is what was hashed."
pause

say "How would 10000 order keys spread? rc-slot maps them, rc-dist counts them per" \
	"master, before a single key is written:"
run "seq 1 10000 | sed 's/^/order:/' | rc-slot | rc-dist keys -"
observe "About a third each: plain keys spread evenly."
run "seq 1 10000 | sed 's/^/{orders}:/' | rc-slot | rc-dist keys -"
observe "All on one master: one tag for everything makes a hot spot."
say "Next: the labs in labs/ (ls labs), and man rc-tools."
