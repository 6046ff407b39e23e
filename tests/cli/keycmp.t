#!/usr/bin/env bash
# lib/keycmp.c: one key on two masters compared by content, in bounded calls.
# Equal copies whose DUMPs differ (a 200k-field hash built in another order)
# are equal; one changed field, member, element, score, entry, type or TTL
# is named; no call takes 50 ms on either server.  Then a slot left
# half-moved with that hash on both sides: fix, and a move with a MIGRATE
# that times out, finish it without --replace.
. "$(dirname "$0")/lib.sh"
require_redis

PROBE=${RC_PROBES:-$ROOT/tests/cli}/keycmp-probe
[[ -x $PROBE ]] || bail_file "no $PROBE (make probes)"

BASE=16280
cluster_up $BASE 3 0 5000 >/dev/null || bail_file "no cluster"

# Every key of the first part is in the slot of {k}: on its owner A, and on
# another master B, which imports the slot, so that ASKING lets us write
# there (the state a half-done move leaves).
SLOT=$(rc-slot '{k}' | cut -f2)
PA=$(rc-slot -n '{k}' | cut -f3)
PA=${PA##*:}
PB=$BASE
[[ $PA == "$BASE" ]] && PB=$((BASE + 1))
rcli $PB cluster setslot "$SLOT" importing "$(id_of $PA)" >/dev/null
A=127.0.0.1:$PA
B=127.0.0.1:$PB

ona() { rcli $PA "$@"; }
# onb LINE...: each LINE (redis-cli's quoting) on B, after ASKING.
onb() {
	local l
	for l; do printf 'ASKING\n%s\n' "$l"; done | rcli $PB | grep -av '^OK$'
}
kc() { "$PROBE" "${@:1:$#-1}" $A $B "${@: -1}"; }

# --- a 200k-field hash, built in opposite orders ------------------------------
HSET_UP="for i = 1, 200000 do redis.call('hset', KEYS[1], 'f' .. i, 'v' .. i) end return redis.call('hlen', KEYS[1])"
HSET_DOWN="for i = 200000, 1, -1 do redis.call('hset', KEYS[1], 'f' .. i, 'v' .. i) end return redis.call('hlen', KEYS[1])"
is "$(ona eval "$HSET_UP" 1 '{k}big')" 200000 "a 200k-field hash on A"
is "$(onb "EVAL \"$HSET_DOWN\" 1 {k}big")" 200000 "the same fields on B, inserted the other way"
isnt "$(ona dump '{k}big' | md5sum)" "$(onb 'DUMP {k}big' | md5sum)" "their DUMPs differ"

for p in $PA $PB; do
	rcli $p config set slowlog-log-slower-than 50000 >/dev/null
	rcli $p slowlog reset >/dev/null
done
ok "the two hashes compare equal" kc '{k}big'
like "$OUT" "^equal" "equal"
like "$OUT" "fast=0" "by content, not by DUMP"
note "200k-field hash: $(cut -f3- <<<"$OUT")"
is "$(rcli $PA slowlog len)" 0 "no call took 50 ms on A (SLOWLOG)"
is "$(rcli $PB slowlog len)" 0 "nor on B"

onb 'HSET {k}big f777 changed' >/dev/null
exit_is 1 "one field changed on B: different" kc '{k}big'
like "$OUT" "^different	field 'f777': values differ" "the field is named"
onb 'HSET {k}big f777 v777' 'HDEL {k}big f5' 'HSET {k}big fx x' >/dev/null
exit_is 1 "a field missing on B (and another added): different" kc '{k}big'
like "$OUT" "field 'f5': missing on the target" "the missing field is named"
onb 'HDEL {k}big fx' >/dev/null
exit_is 1 "a field fewer on B" kc '{k}big'
like "$OUT" "length: 200000 on the source, 199999 on the target" "the lengths are named"
onb 'HSET {k}big f5 v5' >/dev/null
ok "equal again" kc '{k}big'

# --- every type -----------------------------------------------------------------
ona set '{k}s' hello >/dev/null
onb 'SET {k}s hello' >/dev/null
ok "a small string: equal" kc '{k}s'
like "$OUT" "fast=1" "by its DUMP"

MB="redis.call('set', KEYS[1], string.rep('abcdefgh', 131072)) return redis.call('strlen', KEYS[1])"
is "$(ona eval "$MB" 1 '{k}mb')" 1048576 "a 1 MB string on A"
onb "EVAL \"$MB\" 1 {k}mb" >/dev/null
ok "a 1 MB string: equal" kc '{k}mb'
like "$OUT" "fast=0" "read in ranges"
onb 'SETRANGE {k}mb 700000 X' >/dev/null
exit_is 1 "one byte changed" kc '{k}mb'
like "$OUT" "differs at byte 700000" "the byte is named"

LIST="for i = 1, 3000 do redis.call('rpush', KEYS[1], 'e' .. i) end return redis.call('llen', KEYS[1])"
ona eval "$LIST" 1 '{k}l' >/dev/null
onb "EVAL \"$LIST\" 1 {k}l" >/dev/null
ok "a 3000-element list: equal" kc '{k}l'
onb 'LSET {k}l 2500 x' >/dev/null
exit_is 1 "one element changed" kc '{k}l'
like "$OUT" "element 2500 differs" "its index is named"

SET_UP="for i = 1, 5000 do redis.call('sadd', KEYS[1], 'm' .. i) end"
SET_DOWN="for i = 5000, 1, -1 do redis.call('sadd', KEYS[1], 'm' .. i) end"
ona eval "$SET_UP" 1 '{k}set' >/dev/null
onb "EVAL \"$SET_DOWN\" 1 {k}set" >/dev/null
ok "a 5000-member set built in opposite orders: equal" kc '{k}set'
onb 'SREM {k}set m42' 'SADD {k}set mx' >/dev/null
exit_is 1 "a member swapped" kc '{k}set'
like "$OUT" "member 'm42': missing on the target" "the member is named"

Z_UP="for i = 1, 5000 do redis.call('zadd', KEYS[1], i, 'm' .. i) end"
Z_DOWN="for i = 5000, 1, -1 do redis.call('zadd', KEYS[1], i, 'm' .. i) end"
ona eval "$Z_UP" 1 '{k}z' >/dev/null
onb "EVAL \"$Z_DOWN\" 1 {k}z" >/dev/null
ok "a 5000-member sorted set: equal" kc '{k}z'
onb 'ZADD {k}z 10.5 m10' >/dev/null
exit_is 1 "a score changed" kc '{k}z'
like "$OUT" "member 'm10': values differ" "the member is named"
ona zadd '{k}zs' 2 a 0.5 b >/dev/null
onb 'ZADD {k}zs 2.0 a 5e-1 b' >/dev/null
ok "scores compared as numbers" kc '{k}zs'

X="for i = 1, 3000 do redis.call('xadd', KEYS[1], '1-' .. i, 'f', i == tonumber(ARGV[1]) and 'other' or 'v' .. i) end"
ona eval "$X" 1 '{k}x' 0 >/dev/null
onb "EVAL \"$X\" 1 {k}x 0" "EVAL \"$X\" 1 {k}x2 1500" >/dev/null
ona eval "$X" 1 '{k}x2' 0 >/dev/null
ok "a 3000-entry stream: equal" kc '{k}x'
exit_is 1 "one entry's value differs" kc '{k}x2'
like "$OUT" "entry 1-1500 differs" "the entry is named"
ona xgroup create '{k}x' g 1-10 >/dev/null
onb 'XGROUP CREATE {k}x g 1-20' >/dev/null
exit_is 1 "a consumer group's last delivered id differs" kc '{k}x'
like "$OUT" "consumer group g differs" "the group is named"
onb 'XGROUP SETID {k}x g 1-10' >/dev/null
ok "the same group: equal" kc '{k}x'

ona set '{k}t' x >/dev/null
onb 'RPUSH {k}t x' >/dev/null
exit_is 1 "a string against a list" kc '{k}t'
like "$OUT" "type: string on the source, list on the target" "the types are named"
ona set '{k}only' x >/dev/null
exit_is 1 "missing on the target" kc '{k}only'
like "$OUT" "none on the target" "says so"

# --- TTL, within 2 s --------------------------------------------------------------
ona set '{k}e' v px 100000 >/dev/null
onb 'SET {k}e v PX 101000' >/dev/null
ok "TTLs 1 s apart: equal" kc '{k}e'
onb 'PEXPIRE {k}e 110000' >/dev/null
exit_is 1 "TTLs 10 s apart: different" kc '{k}e'
like "$OUT" "TTL: [0-9]+ ms on the source, [0-9]+ ms on the target" "the TTLs are named"
ok "within a tolerance of 20 s: equal" kc -t 20000 '{k}e'
onb 'PERSIST {k}e' >/dev/null
exit_is 1 "no TTL on the target" kc -t 20000 '{k}e'
like "$OUT" "on the source, none on the target" "says so"

# --- settling: equal copies keep the target's, different ones both -----------------
exit_is 1 "settle different copies" kc -s '{k}t'
is "$(ona exists '{k}t')$(onb 'EXISTS {k}t')" 11 "both kept"
ok "settle the big hash" kc -s '{k}big'
is "$(ona exists '{k}big')" 0 "the source's copy is gone"
is "$(onb 'HLEN {k}big')" 200000 "the target's is whole"
# A source written to while it is compared is never deleted: the walk sees
# the change, or EXEC finds the WATCHed key touched.
ona eval "for i = 1, 20000 do redis.call('hset', KEYS[1], 'f' .. i, 'v' .. i) end" 1 '{k}w' >/dev/null
onb "EVAL \"for i = 20000, 1, -1 do redis.call('hset', KEYS[1], 'f' .. i, 'v' .. i) end\" 1 {k}w" >/dev/null
"$PROBE" -s -n 1 $A $B '{k}w' >"$T/w.out" 2>&1 &
pid=$!
n=0
while kill -0 $pid 2>/dev/null; do
	ona hset '{k}w' f1 "w$n" >/dev/null
	n=$((n + 1))
done
wait $pid
is "$?" 1 "settle under writes: not equal ($(cut -f1,2 "$T/w.out"), $n writes)"
is "$(ona exists '{k}w')" 1 "the source's copy is kept"

# Clean the slot: B's copies go, and B stops importing.
for k in s mb l set z zs x x2 t e big w; do onb "DEL {k}$k" >/dev/null; done
rcli $PB cluster setslot "$SLOT" stable >/dev/null
rcli $PA eval "for _, k in ipairs(redis.call('keys', '{k}*')) do redis.call('del', k) end" 0 >/dev/null
ok "the cluster is clean" rc-reshard check

# --- end to end: a slot half-moved with the big hash on both sides -------------------
BSLOT=$(rc-slot big | cut -f2)
SP=$(rc-slot -n big | cut -f3)
SP=${SP##*:}
DP=$BASE
[[ $SP == "$BASE" ]] && DP=$((BASE + 1))
is "$(rcli_c $BASE eval "$HSET_UP" 1 big)" 200000 "a 200k-field hash 'big'"
rcli $DP cluster setslot "$BSLOT" importing "$(id_of $SP)" >/dev/null
rcli $SP cluster setslot "$BSLOT" migrating "$(id_of $DP)" >/dev/null
# MIGRATE ... COPY leaves what a MIGRATE whose reply was lost leaves: the
# key restored on the target, still on the source, the slot open.
is "$(rcli $SP migrate 127.0.0.1 $DP "" 0 10000 COPY KEYS big)" OK "a copy on the target"
isnt "$(rcli $SP dump big | md5sum)" "$(printf 'ASKING\nDUMP big\n' | rcli $DP | tail -n +2 | md5sum)" \
	"whose DUMP differs from the source's"
ok "fix finishes the slot without --replace" rc-reshard -y fix
unlike "$OUT" "already exists" "no conflict with its own copy"
is "$(rcli $SP cluster countkeysinslot "$BSLOT")" 0 "the source's copy is gone"
is "$(rcli $DP hlen big)" 200000 "the target's is whole"
ok "no open slot left" rc-reshard check
ok "redis-cli agrees" cluster_clean

# The move back with a MIGRATE timeout of 1 ms: it times out, and the
# target may restore the key after.  Either way, once fix has run, the hash
# is on one side, whole, and nobody asked for --replace.
printf '%s\t%s\t%s\n' "$BSLOT" "$(id_of $DP)" "$(id_of $SP)" >"$T/plan"
rc-reshard --migrate-timeout 1 apply <"$T/plan" >"$T/mv.out" 2>&1
note "move with a 1 ms MIGRATE timeout: rc $?: $(head -c 300 "$T/mv.out")"
unlike "$(cat "$T/mv.out")" "already exists" "no conflict with its own copy"
ok "fix" rc-reshard -y fix
unlike "$OUT" "already exists" "nor in fix"
retry 20 rc-reshard check >/dev/null
ok "no open slot left" rc-reshard check
is "$(($(rcli $SP cluster countkeysinslot "$BSLOT") + $(rcli $DP cluster countkeysinslot "$BSLOT")))" 1 \
	"the hash is on one side"
is "$(rcli_c $BASE hlen big)" 200000 "whole"

done_testing
