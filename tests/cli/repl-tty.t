#!/usr/bin/env bash
# rc-repl on a real terminal (tmux): the prompt, replies in redis-cli's
# terminal format, tab completion, hints from COMMAND DOCS, the route toggle,
# bad input that does not end the session, SUBSCRIBE until Ctrl-C, Ctrl-C
# cancelling a blocking command, the history file, and secrets kept out of it.
# Ports 16020-16039 only.
# shellcheck disable=SC2317 # helpers are called through retry
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
require_redis
require_cmd tmux

BASE=16020
cluster_up $BASE 3 0 2000 >"$T/up.log" 2>&1 || {
	diag "$(cat "$T/up.log")"
	bail_file "no cluster"
}

SOCK=$T/tmux.sock
HIST=$T/history
tm() { tmux -S "$SOCK" "$@"; }
at_exit "tmux -S '$SOCK' kill-server"
screen() {
	tm capture-pane -p -t repl -S -200
	echo "<end>"
}
# shows REGEX: wait until the screen matches
shows() { [[ $(screen) =~ $1 ]]; }
# see DESC REGEX: passes when the screen comes to match REGEX within 5 s
see() {
	if retry 5 shows "$2"; then
		pass "$1"
	else
		fail "$1"
		diag "$(screen | grep -v '^$' | tail -n 8)"
	fi
}
# type TEXT...: send keys, one argument at a time (tmux key names allowed)
type_keys() { tm send-keys -t repl "$@"; }

tm new-session -d -s repl -x 150 -y 50 \
	"env RC_CLUSTER=127.0.0.1:$BASE RC_HISTFILE='$HIST' TERM=xterm '$BIN/rc-repl'; sleep 30" ||
	bail_file "tmux cannot start"

see "the prompt names the seed" "127\.0\.0\.1:$BASE>"

type_keys 'SET tty:1 hello' Enter
see "a status reply" $'SET tty:1 hello\nOK'
type_keys 'GET tty:1' Enter 'GET tty:none' Enter 'INCR tty:n' Enter 'RPUSH tty:l a "b c"' Enter 'LRANGE tty:l 0 -1' Enter
see "replies look like redis-cli's" $'"hello"\n.*\\(nil\\)\n.*\\(integer\\) 1\n.*\\(integer\\) 2\n.*1\\) "a"\n2\\) "b c"'

# Tab completion of a command name (lower case stays lower case), then run it.
type_keys 'dbsi' Tab
see "tab completes a command name" $'> dbsize\n'
type_keys Enter
see "the completed command runs" $'> dbsize[^\n]*\n\\(integer\\) [0-9]+'
type_keys 'CLUSTER COUNTK' Tab
see "tab completes a subcommand" "> CLUSTER COUNTKEYSINSLOT "
type_keys C-u ':spl' Tab
see "tab completes a meta-command" $'> :split( +\\[on\\|off\\])?\n'
see "a hint at the right shows its arguments" $'> :split +\\[on\\|off\\]\n'
type_keys C-u 'HGET '
see "a hint follows a command name as it is typed" $'> HGET +key field\n'
# GETEX and CLUSTER ADDSLOTSRANGE are not in the built-in list: their hints
# come from the server's COMMAND DOCS.
type_keys C-u 'GETEX '
see "a hint from COMMAND DOCS" $'> GETEX +key \\[EX seconds\\|PX milliseconds\\|EXAT unix-time-seconds\\|PXAT unix-time-milliseconds\\|PERSIST\\]\n'
type_keys C-u 'CLUSTER ADDSLOTSRANGE '
see "a hint from COMMAND DOCS for a subcommand" $'> CLUSTER ADDSLOTSRANGE +start-slot end-slot \\[start-slot end-slot \\.\\.\\.\\]\n'
type_keys C-u

type_keys ':route on' Enter 'GET tty:1' Enter
see "the prompt shows the route toggle" "127\.0\.0\.1:$BASE \[route\]> "
see "the route is shown" "-> slot [0-9]+ -> 127\.0\.0\.1:[0-9]+"$'\n"hello"'

type_keys 'GET "oops' Enter
see "bad quoting is reported" "rc-repl: unbalanced quotes"
type_keys ':nosuch' Enter
see "an unknown meta-command is reported" "unknown meta-command :nosuch"
type_keys 'ECHO still-here' Enter
see "the session goes on" '"still-here"'

# SUBSCRIBE: messages as they come, until Ctrl-C; then the prompt again.
type_keys 'SUBSCRIBE tty:ch' Enter
see "SUBSCRIBE says how to stop, then confirms" $'Reading messages\\.\\.\\. \\(press Ctrl-C to quit\\)\n[^\n]*\n?1\\) "subscribe"\n2\\) "tty:ch"\n3\\) \\(integer\\) 1\n'
rcli $((BASE + 1)) PUBLISH tty:ch hello-tty >/dev/null
see "a message PUBLISHed on another node is shown as it comes" $'1\\) "message"\n2\\) "tty:ch"\n3\\) "hello-tty"\n'
type_keys C-c
see "Ctrl-C goes back to the prompt" $'"hello-tty"\n\\^C\n127\\.0\\.0\\.1:'"$BASE"' \[route\]>'
type_keys 'ECHO after-sub' Enter
see "the next command gets its own reply" $'> ECHO after-sub\n[^\n]*\n"after-sub"\n'

# Ctrl-C during a blocking command cancels it: its connection is closed (so
# the node stops it and nothing pushed later goes to it), the prompt comes
# back, and the next command gets its own reply; the session's state (a
# client name, the pinned node) stays.
blport=$(rc-repl -c "127.0.0.1:$BASE" -e ':slot tty:blk' | cut -f3 | sed 's/.*://')
# blocked PORT N: node PORT has N blocked clients.
blocked() { [[ $(rcli "$1" INFO clients | tr -d '\r' | sed -n 's/^blocked_clients://p') == "$2" ]]; }
type_keys 'BLPOP tty:blk 0' Enter
ok "BLPOP 0 blocks on the key's master" retry 10 blocked "$blport" 1
type_keys C-c
see "Ctrl-C cancels it, and the prompt comes back" $'> BLPOP tty:blk 0\n\\^C\n(-> [^\n]*\n)*\\(interrupted\\)\n127\\.0\\.0\\.1:'"$BASE"' \[route\]>'
ok "the node no longer blocks it" retry 10 blocked "$blport" 0
rcli_c "$BASE" RPUSH tty:blk pushed-after >/dev/null
type_keys 'GET tty:1' Enter
see "the next command gets its own reply" $'\\(interrupted\\)\n[^\n]*> GET tty:1\n(-> [^\n]*\n)*"hello"\n'
is "$(rcli_c "$BASE" LRANGE tty:blk 0 -1)" "pushed-after" "the cancelled BLPOP took nothing pushed after it"
type_keys 'CLIENT SETNAME tty-sess' Enter ":node 127.0.0.1:$blport" Enter 'WAIT 1 0' Enter
ok "WAIT 1 0 on a pinned node without replicas blocks" retry 10 blocked "$blport" 1
type_keys C-c
see "Ctrl-C cancels it too" $'> WAIT 1 0\n\\^C\n(-> [^\n]*\n)*\\(interrupted\\)\n127\\.0\\.0\\.1:'"$blport"' \[pinned route\]>'
type_keys 'CLIENT GETNAME' Enter
see "pinned still, on a new connection with the session's name" $'> CLIENT GETNAME\n(-> [^\n]*\n)*"tty-sess"\n'
ok "the node no longer blocks it" retry 10 blocked "$blport" 0
type_keys ':node off' Enter

# Text reports (INFO, CLUSTER INFO, CLUSTER NODES, CLIENT LIST) show as their
# lines, as redis-cli shows them on a terminal, not as one quoted string.
# Values change from one moment to the next, so the two are compared by the
# names of their lines and fields; CLUSTER INFO's first lines by value.
# rc-repl is pinned to the node redis-cli asks (its INFO has that node's
# keyspace, its CLUSTER INFO that node's epoch).
type_keys ':route off' Enter ":node 127.0.0.1:$BASE" Enter
reports=0
# repl_report CMD N: the lines rc-repl shows for CMD.  A marker (begin-N)
# is echoed first and its reply awaited, then CMD runs and is awaited until
# the prompt is back after it: nothing is typed while a command runs (the
# terminal would echo it into the middle of the output).
# after_begin N: the screen from the line after the marker's reply on, no
# blanks at the ends of lines (-J keeps them), no blank lines at the end.
after_begin() {
	tm capture-pane -p -J -t repl -S -3000 |
		awk -v b="\"begin-$1\"" '{ sub(/ +$/, "") } $0 == b { buf = ""; p = 1; next }
			p { buf = buf $0 "\n" }
			END { printf "%s", buf }' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
# report_over CMD N: CMD was typed after the marker, and the prompt is back.
report_over() {
	local t
	t=$(after_begin "$2")
	[[ $t == *"> $1"$'\n'* && $(tail -n 1 <<<"$t") == *'[pinned]>' ]]
}
repl_report() {
	type_keys -l "ECHO begin-$2"
	type_keys Enter
	retry 10 shows "\"begin-$2\"" || return 1
	type_keys -l "$1"
	type_keys Enter
	retry 10 report_over "$1" "$2" || return 1
	after_begin "$2" | awk -v c="> $1" 'index($0, c) { p = 1; next } p { print }' | sed '$d'
}
cli_done() { [[ $(tm capture-pane -p -t cli) == *end-of-cli* ]]; }
# cli_report CMD: the lines redis-cli shows for CMD on a terminal.
cli_report() {
	tm kill-session -t cli 2>/dev/null
	# shellcheck disable=SC2086 # CMD is words
	tm new-session -d -s cli -x 150 -y 50 "'$(command -v redis-cli)' -p $BASE $1; echo end-of-cli; sleep 30"
	retry 10 cli_done || return 1
	tm capture-pane -p -J -t cli -S -3000 | sed '/^end-of-cli$/,$d'
}
at_exit "tmux -S '$SOCK' kill-session -t cli 2>/dev/null"
# report CMD: $mine and $theirs, rc-repl's lines and redis-cli's for CMD.
report() {
	reports=$((reports + 1))
	mine=$(repl_report "$1" "$reports")
	theirs=$(cli_report "$1")
}
names() { tr -d '\r' | grep -v '^$' | sed -E 's/[:=].*//'; }
for cmd in 'CLUSTER INFO' 'INFO' 'INFO server'; do
	report "$cmd"
	unlike "$mine" '\\r\\n' "$cmd: no \\r\\n escapes on the screen"
	ok "$cmd: shown as lines ($(wc -l <<<"$mine") of them)" test "$(wc -l <<<"$mine")" -gt 5
	is "$(names <<<"$mine")" "$(names <<<"$theirs")" "$cmd: the same lines as redis-cli's"
done
is "$(head -n 7 <<<"$mine" | tr -d '\r')" "$(head -n 7 <<<"$theirs" | tr -d '\r')" "INFO server: the first lines equal"
report 'CLUSTER INFO'
is "$(head -n 8 <<<"$mine" | tr -d '\r')" "$(head -n 8 <<<"$theirs" | tr -d '\r')" "CLUSTER INFO: state, slots, nodes and epoch equal"
report 'CLUSTER NODES'
is "$(awk 'NF { print $1, $2 }' <<<"$mine" | sort)" "$(awk 'NF { print $1, $2 }' <<<"$theirs" | sort)" \
	"CLUSTER NODES: a line per node, as redis-cli's"
report 'CLIENT LIST'
like "$mine" $'(^|\n)id=[0-9]+ addr=[^\n]* cmd=client\\|list ' "CLIENT LIST: a client a line"
is "$(grep -m1 '^id=' <<<"$mine" | tr ' ' '\n' | names)" "$(grep -m1 '^id=' <<<"$theirs" | tr ' ' '\n' | names)" \
	"CLIENT LIST: the same fields as redis-cli's"
type_keys ':node off' Enter 'GET tty:1' Enter 'ECHO "a\r\nb"' Enter
see "other strings are quoted still" $'\n"hello"\n.*\n"a\\\\r\\\\nb"\n'

# Secrets: they run, but never reach the history file.
type_keys ':route off' Enter
type_keys 'AUTH someuser s3cr3t-one' Enter
see "AUTH runs (and fails)" "WRONGPASS"
type_keys 'CONFIG SET requirepass s3cr3t-two' Enter
see "CONFIG SET requirepass runs" $'requirepass s3cr3t-two[^\n]*\nOK'
rcli $BASE -a s3cr3t-two --no-auth-warning CONFIG SET requirepass "" >/dev/null
type_keys 'HELLO 2 AUTH default s3cr3t-three' Enter
# Every form, anywhere in the line, in any case, in a script's text or its
# arguments, as typed or as decoded.
hash=$(printf '%s' s3cr3t-hashed | sha256sum | cut -c1-64)
for line in \
	'ACL SETUSER tty-u on >s3cr3t-four ~* +@all' \
	"acl setuser tty-v on #$hash" \
	'config set masterauth s3cr3t-five' \
	'MIGRATE 127.0.0.1 1 "" 0 100 AUTH s3cr3t-six KEYS tty:1' \
	'MIGRATE 127.0.0.1 1 "" 0 100 AUTH2 someuser s3cr3t-seven KEYS tty:1' \
	'ACL DRYRUN default AUTH default s3cr3t-eight' \
	"EVAL \"return redis.call('acl','setuser','tty-w','>s3cr3t-nine')\" 0" \
	'EVAL "return ARGV[2]" 0 auth s3cr3t-ten' \
	':route CONFIG SET MasterAuth s3cr3t-eleven' \
	'ECHO "\x41UTH s3cr3t-twelve"' \
	'CONFIG SET tls-key-file-pass s3cr3t-thirteen' \
	'config set primaryauth s3cr3t-fourteen' \
	'ACL DRYRUN default HELLO 3 AUTH default s3cr3t-fifteen' \
	'ACL DRYRUN default CONFIG SET PrimaryAuth s3cr3t-sixteen' \
	'SENTINEL SET mymaster auth-pass s3cr3t-seventeen'; do
	type_keys -l "$line"
	type_keys Enter
done
see "they all ran" '"AUTH s3cr3t-twelve"'
type_keys 'SET tty:author x' Enter
type_keys 'ECHO after-secrets' Enter
see "the session goes on after them" '"after-secrets"'
type_keys ':quit' Enter
# The last line, :quit, is in the file: rc-repl wrote it whole (each line
# rewrites the file) and writes no more.
ok "history is written" retry 5 grep -qF ':quit' "$HIST"
ok "to the end" grep -q 'after-secrets' "$HIST"
ok "commands are in it" grep -q 'tty:1' "$HIST"
ok "a word that only contains one (author) does not keep a line out" grep -q 'tty:author' "$HIST"
ok "no secret is in it" bash -c "! grep -qiE 's3cr3t|$hash|requirepass|masterauth|primaryauth|setuser|AUTH |AUTH2|x41' '$HIST'"
is "$(stat -c %a "$HIST")" 600 "the history file is private"

# History is read back: Up recalls the last command of the previous session.
tm kill-session -t repl
tm new-session -d -s repl -x 150 -y 50 \
	"env RC_CLUSTER=127.0.0.1:$BASE RC_HISTFILE='$HIST' TERM=xterm '$BIN/rc-repl'; sleep 30"
retry 10 shows "127\.0\.0\.1:$BASE>" || true
type_keys Up
see "Up recalls the history of the last session" "> :quit"
type_keys C-u C-r 'after-sec'
see "^R searches the history" "> ECHO after-secrets"
type_keys Enter
see "and the line found runs" $'ECHO after-secrets[^\n]*\n"after-secrets"'

done_testing
