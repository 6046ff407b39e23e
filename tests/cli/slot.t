#!/usr/bin/env bash
# rc-slot: offline key -> slot, agreement with the server's CLUSTER KEYSLOT on
# hard keys, -n against a live cluster, and bad input.
. "$(dirname "$0")/lib.sh"
require_redis

BASE=15100

# --- offline ---------------------------------------------------------------
is "$(rc-slot foo)" "$(printf 'foo\t12182')" "rc-slot foo"
is "$(printf 'foo\nbar\n' | rc-slot)" "$(rc-slot foo bar)" "stdin gives what arguments give"
is "$(rc-slot -t '{user:1}:cart')" "$(printf '{user:1}:cart\t%s\tuser:1' "$(rc-slot user:1 | cut -f2)")" \
	"-t shows the hashed part"
is "$(printf 'k1\tv1\tv2\n' | rc-slot)" "$(printf 'k1\t%s\tv1\tv2' "$(rc-slot k1 | cut -f2)")" \
	"further fields are kept after the slot"
is "$(rc-slot -H foo | head -n1)" "$(printf '#key\tslot')" "-H prints a # header"
is "$(printf '# comment\n\nfoo\n' | rc-slot | wc -l | tr -d ' ')" "1" "comments and empty lines are skipped"
is "$(printf '\\#x\n' | rc-slot | cut -f2)" "$(rc-slot '#x' | cut -f2)" "\\# on input is a key starting with #"
is "$(rc-slot '#x' | cut -f1)" '\#x' "and a key starting with # is written \\#"
is "$(printf 'a\\tb\n' | rc-slot | cut -f1)" 'a\tb' "an escaped key is written back escaped"
is "$(printf 'a\\tb\n' | rc-slot | cut -f2)" "$(rc-slot $'a\tb' | cut -f2)" "and hashed unescaped"
is "$(printf '\tv\n' | rc-slot)" "$(printf '\t0\tv')" "an empty first field is the empty key"
exit_is 2 "a malformed escape is exit 2" sh -c 'printf "ok\nbad\\\\q\n" | rc-slot'
like "$OUT" "^rc-slot: <stdin>:2: malformed escape" "and names the line"
exit_is 2 "an unknown option is exit 2" rc-slot --bogus
like "$OUT" "usage: rc-slot" "with usage"
like "$(rc-slot -V)" "^rc-slot [0-9]" "-V prints the version"
ok "-h prints usage" rc-slot -h
like "$(rc-slot -p foo '{a}b')" "KEY +SLOT" "-p prints an aligned table"
exit_is 2 "a full disk is an error, not silence" sh -c 'rc-slot foo > /dev/full'
like "$OUT" "write error" "and says so"
is "$(seq 1 200000 | rc-slot | wc -l | tr -d ' ')" 200000 "200k lines in, 200k rows out"

# --- the server is the oracle ----------------------------------------------
cluster_up $BASE 3 0 5000 >/dev/null || bail_file "cannot start a cluster on $BASE"

# Hard keys, written raw to files and given to the server with redis-cli -x
# (binary-safe), and escaped to rc-slot.
keyslot() { rcli $BASE -x CLUSTER KEYSLOT <"$1"; }
n=0
check_key() {
	n=$((n + 1))
	printf '%s' "$1" >"$T/key$n"
	local want got esc
	want=$(keyslot "$T/key$n")
	esc=$(printf '%s' "$1" | perl -pe 's/\\/\\\\/g; s/\t/\\t/g; s/\n/\\n/g; s/\r/\\r/g; s/^#/\\#/')
	got=$(printf '%s\n' "$esc" | rc-slot | cut -f2)
	is "$got" "$want" "agrees with CLUSTER KEYSLOT: $2"
}
is "$(rc-slot '' | cut -f2)" "$(rcli $BASE CLUSTER KEYSLOT '')" "agrees with CLUSTER KEYSLOT: the empty key"
check_key "{}" "{} alone"
check_key "foo{}{bar}" "empty tag then a tag"
check_key "foo{{bar}}zap" "nested braces"
check_key "foo{bar}{zap}" "repeated tags"
check_key "}{x}" "} before the tag"
check_key "{user:1000}:profile" "a plain tag"
check_key $'caf\xc3\xa9:\xff\xfe' "non-ASCII bytes"
check_key $'tab\there' "a TAB"
check_key $'line\nfeed{x\ny}' "LF, inside a tag too"
check_key $'cr\rkey' "a CR"
check_key 'back\slash' "a backslash"
check_key '#hash' "a leading #"
# One argument can hold at most 128 KiB on Linux.
perl -e 'print "k" x (100*1024), "{big}", "z" x 100' >"$T/bigkey"
is "$(rc-slot "$(cat "$T/bigkey")" | cut -f2)" "$(keyslot "$T/bigkey")" "a 100 KiB key from an argument"
perl -e 'print "m" x (3*1024*1024), "\n"' >"$T/bigkey2"
is "$(rc-slot <"$T/bigkey2" | cut -f2)" "$(head -c $((3 * 1024 * 1024)) "$T/bigkey2" | rcli $BASE -x CLUSTER KEYSLOT)" \
	"a 3 MiB key without a tag, from stdin"

# 20k random keys with braces in random places: every one agrees.
perl -e 'srand(7); my @c = ("a".."f", "{", "}", ":", "0".."3");
	for (1..20000) { my $k = join "", map { $c[rand @c] } 1..(1+int(rand 12)); print "$k\n" }' >"$T/rand"
rc-slot <"$T/rand" | cut -f2 >"$T/ours"
# 20000 round trips, one a line: more than rcli's usual 10 s on a busy machine.
sed 's/^/CLUSTER KEYSLOT /' "$T/rand" | RC_TEST_CLI_TIMEOUT=120 rcli $BASE >"$T/theirs"
is "$(cmp "$T/ours" "$T/theirs" && echo same)" "same" "20000 random keys agree with the server"

# --- -n: the live owner -------------------------------------------------------
rc-slot -n -c 127.0.0.1:$BASE user:1 order:2 '{x}y' >"$T/owners"
is "$(wc -l <"$T/owners" | tr -d ' ')" 3 "-n gives a row a key"
bad=0
while IFS=$'\t' read -r key slot node; do
	port=${node##*:}
	r=$(rcli "$port" SET "$key" v)
	[[ $r == OK ]] || { bad=1; diag "$key (slot $slot) -> $node said: $r"; }
done <"$T/owners"
is "$bad" 0 "each key is accepted by the node -n names, with no redirect"
RC_CLUSTER=127.0.0.1:$BASE ok "RC_CLUSTER is the seed" rc-slot -n foo
like "$OUT" "127.0.0.1:151[0-9][0-9]$" "and the owner is a node of the cluster"

exit_is 3 "-n with an unreachable seed is exit 3" rc-slot -n -c 127.0.0.1:15199 foo
like "$OUT" "^rc-slot: 127.0.0.1:15199: Connection refused" "and says why"
exit_is 2 "a malformed seed is exit 2" rc-slot -n -c nonsense:port foo

# A plain Redis, not a cluster node.
redis-server --port 15198 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
	--pidfile "$T/plain.pid" --logfile "$T/plain.log" --dir "$T" >/dev/null
at_exit "kill \$(cat $T/plain.pid) 2>/dev/null"
retry 5 rcli 15198 PING >/dev/null
exit_is 3 "a non-cluster seed is exit 3" rc-slot -n -c 127.0.0.1:15198 foo
like "$OUT" "not a cluster node" "and says it is not a cluster node"

# A password: wrong is exit 3 with the server's words; right works.
rcli $BASE CONFIG SET requirepass s3cret >/dev/null
RC_AUTH=wrong exit_is 3 "a wrong password is exit 3" rc-slot -n -c 127.0.0.1:$BASE foo
like "$OUT" "authentication failed" "and says so"
RC_AUTH=s3cret ok "the right password works" rc-slot -n -c 127.0.0.1:$BASE foo
rcli $BASE -a s3cret --no-auth-warning CONFIG SET requirepass '' >/dev/null

done_testing
