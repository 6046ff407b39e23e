#!/usr/bin/env bash
# Shell completion: the generated bash file registers every tool and completes
# like a user would see it; the zsh file parses and names every tool.  For
# every tool with a command table (--rc-spec) the completion is walked: what
# it offers the tool accepts, and what the tool accepts it offers.
. "$(dirname "$0")/lib.sh"

comp=$ROOT/completion/rc-tools.bash
[[ -f $comp ]] || bail_file "completion/rc-tools.bash is not built (make)"

# complete_words WORD...: what bash offers for the command line WORD... (the
# last word is the one being completed), one a line, sorted.
complete_words() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=$(complete -p "$1" 2>/dev/null | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		[ -n "$f" ] || { echo "no completion for $1"; exit 1; }
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$comp" "$@"
}

# Every tool: bin/rc-NAME.c, or a directory bin/NAME/ built into bin/rc-NAME.
tools=()
for src in "$ROOT"/bin/rc-*.c "$ROOT"/bin/*/main.c; do
	[[ -f $src ]] || continue
	case $src in
	*/main.c) src=${src%/main.c} tools+=("rc-${src##*/}") ;;
	*.c) tools+=("$(basename "$src" .c)") ;;
	esac
done

for t in "${tools[@]}"; do
	ok "bash completes $t" bash -c '. "$1"; complete -p "$2"' _ "$comp" "$t"
done
ok "bash completes rc-cluster" bash -c '. "$1"; complete -p rc-cluster' _ "$comp"
# The launcher in the source tree, as typed there; bash looks the word up as
# typed, then after its last slash: the bare word "cluster" is left alone.
for p in labs/cluster ./labs/cluster; do
	ok "bash completes $p" bash -c '. "$1"; complete -p "$2"' _ "$comp" "$p"
	is "$(complete_words "$p" st | tr '\n' ' ')" "start status stop " "$p st<TAB>"
	is "$(complete_words "$p" up - | tr '\n' ' ')" "--server -h -m -r -t -y " "$p up -<TAB>"
done
exit_is 1 "bash leaves the word cluster alone" bash -c '. "$1"; complete -p cluster' _ "$comp"

is "$(complete_words rc-slot --t | tr '\n' ' ')" "--tag --timeout --tsv " "rc-slot --t<TAB>"
is "$(complete_words rc-slot -n | tr '\n' ' ')" "-n " "rc-slot -n<TAB>"
is "$(complete_words rc-slot foo | tr '\n' ' ')" " " "a key is not completed"
is "$(RC_CLUSTER=10.0.0.1:6379 complete_words rc-slot -c '' | tr '\n' ' ')" \
	"10.0.0.1:6379 127.0.0.1:7001 " "-c offers RC_CLUSTER and the lab's seed"
is "$(complete_words rc-dist '' | tr '\n' ' ')" "hot info keys nodes slots " "rc-dist <TAB>: its views"
is "$(complete_words rc-dist -w 1 '' | tr '\n' ' ')" "hot info keys nodes slots " "rc-dist -w 1 <TAB>: the views"
is "$(complete_words rc-dist -n 5 -m 'x*' --count 2 '' | tr '\n' ' ')" "hot info keys nodes slots " \
	"rc-dist -n 5 -m 'x*' --count 2 <TAB>: the views"
# bash splits words at ':' and '=' (COMP_WORDBREAKS): host:port and --watch=1.
is "$(complete_words rc-dist -c 127.0.0.1 : 7001 '' | tr '\n' ' ')" "hot info keys nodes slots " \
	"rc-dist -c 127.0.0.1:7001 <TAB>: the views"
is "$(complete_words rc-dist --watch = 1 '' | tr '\n' ' ')" "hot info keys nodes slots " \
	"rc-dist --watch=1 <TAB>: the views"
is "$(complete_words rc-dist -w 1 hot '' | tr '\n' ' ')" "- 127.0.0.1:7001 " "rc-dist -w 1 hot <TAB>: stdin or a node (hot NODE ranks its slots)"
is "$(complete_words rc-dist -w '' | tr '\n' ' ')" " " "rc-dist -w <TAB>: a number, not a view"
is "$(complete_words rc-dist - | LC_ALL=C sort | tr '\n' ' ')" \
	"--askpass --by --cluster --count --header --help --limit --match --pretty --timeout --tsv --version --watch -H -T -V -c -h -m -n -p -w " \
	"rc-dist -<TAB>: the options"
is "$(complete_words rc-dist keys - | grep -cx -e - -e -m -e --count)" 3 "rc-dist keys -<TAB>: stdin and the options"
is "$(complete_words rc-reshard '' | tr '\n' ' ')" \
	"add-node apply check create del-node fix move plan rebalance settled " "rc-reshard <TAB>: its commands"
is "$(complete_words rc-reshard plan '' | tr '\n' ' ')" "move rebalance " "rc-reshard plan <TAB>"
is "$(complete_words rc-reshard --wait 5 '' | tr '\n' ' ')" \
	"add-node apply check create del-node fix move plan rebalance settled " "rc-reshard --wait 5 <TAB>: 5 is the option's value"
like "$(complete_words rc-seats '' | tr '\n' ' ')" "^audit availability cancel confirm create-event events load reserve seat-map " \
	"rc-seats <TAB>: its commands"
like "$(complete_words rc-seats reserve --s | tr '\n' ' ')" "--seats" "rc-seats reserve --s<TAB>"
like "$(complete_words rc-repl --e | tr '\n' ' ')" "--eval" "rc-repl --e<TAB>"
is "$(complete_words rc-cluster st | tr '\n' ' ')" "start status stop " "rc-cluster st<TAB>"
is "$(complete_words rc-cluster up - | tr '\n' ' ')" "--server -h -m -r -t -y " "rc-cluster up -<TAB>"
is "$(complete_words rc-cluster up --server '' | tr '\n' ' ')" "redis valkey " "rc-cluster up --server <TAB>"

# ---- the walk: the completion and the tool agree ------------------------------

# help_opts TOOL WORD...: the options `TOOL WORD... -h` lists (the command's
# own and those every tool takes; with "own", only the tool's own section),
# every form one a line.  An option line starts at column 2 ("-t, --tag") or
# 6 ("--from NODE"); wrapped help is deeper.
help_opts() {
	local only=${HELP_OPTS_ONLY:-}
	"$BIN/$1" "${@:2}" -h 2>/dev/null </dev/null | awk -v only="$only" '
		/^options:/ { on = 1; next }
		/^options every tool takes:/ { on = only == "" ? 1 : 0; next }
		/^[^ ]/ { on = 0 }
		on && match($0, /^ */) && (RLENGTH == 2 || RLENGTH == 6) {
			for (i = 1; i <= NF && $i ~ /^--?[A-Za-z0-9]/; i++) {
				sub(/,$/, "", $i)
				print $i
			}
		}'
}

# opt_verdict TOOL WORD... OPT: what the tool says of OPT after WORD...:
# "accepted", "refused" (the command does not take it), or its message.  An
# option refused alone may need a value: it is tried again with the first
# value the completion offers for it (else 1).
opt_verdict() {
	local t=$1 o=${!#} out v
	local -a w=("${@:2:$#-2}")
	out=$("$BIN/$t" "${w[@]}" --rc-check-options "$o" 2>&1 </dev/null) && { echo accepted; return; }
	if [[ $out != *"does not take"* ]]; then
		v=$(complete_words "$t" "${w[@]}" "$o" '' | head -n 1)
		out=$("$BIN/$t" "${w[@]}" --rc-check-options "$o" "${v:-1}" 2>&1 </dev/null) &&
			{ echo accepted; return; }
	fi
	[[ $out == *"does not take"* ]] && { echo refused; return; }
	printf '%s\n' "$out" | head -n 1
}

# zsh_words WORD...: what the zsh function offers for the command line
# WORD..., one a line, sorted, with the completion system's builtins stubbed:
# compadd and _describe print what they are given that starts with PREFIX.
zsh_words() {
	zsh -f -c '
		zcomp=$1; shift
		compadd() {
			while [[ $1 != -- ]]; do shift; done
			shift
			local a
			for a; do [[ $a == "$PREFIX"* ]] && print -r -- $a; done
			return 0
		}
		_describe() { compadd -- "${(@)${(@P)${@[-1]}}%%:*}"; }
		_files() { :; }
		compset() { PREFIX=${PREFIX#*=}; }
		words=("$@") CURRENT=$# PREFIX=${@[-1]} service=$1
		source $zcomp' _ "$zcomp" "$@" | sort -u
}

# same_in_zsh WORD...: zsh offers what bash offers (in an empty directory,
# so that no file name differs).
same_in_zsh() {
	[[ -n $zcomp ]] || return 0
	is "$(cd "$T/empty" && zsh_words "$@")" "$(cd "$T/empty" && complete_words "$@" | sort -u)" \
		"zsh offers what bash does for: $*<TAB>"
}

# walk_command TOOL WORD...: after the command WORD..., every option offered
# is accepted, every option the command takes (its -h) is offered, and every
# other option of the tool is refused and not offered.
walk_command() {
	local t=$1 o bad="" missing="" wrong=""
	local -a offered own all
	mapfile -t offered < <(complete_words "$@" - | grep -x -- '-.*[^-].*')
	mapfile -t own < <(help_opts "$@")
	mapfile -t all < <(HELP_OPTS_ONLY=1 help_opts "$t")
	for o in "${offered[@]}"; do
		[[ $(opt_verdict "$@" "$o") == accepted ]] || bad+=" $o"
	done
	for o in "${own[@]}"; do
		[[ " ${offered[*]} " == *" $o "* ]] || missing+=" $o"
	done
	for o in "${all[@]}"; do
		[[ " ${own[*]} " == *" $o "* ]] && continue
		[[ " ${offered[*]} " == *" $o "* || $(opt_verdict "$@" "$o") != refused ]] && wrong+=" $o"
	done
	is "$bad" "" "$*: every option offered is accepted (${#offered[@]})"
	is "$missing" "" "$*: every option it takes is offered (${#own[@]})"
	is "$wrong" "" "$*: the tool's other options are refused, not offered"
	same_in_zsh "$@" -
}

# walk TOOL WORD...: every word offered after TOOL WORD... is a command the
# tool accepts (then its options are walked, once for the words that are
# operands of one command: rc-repl's GET and SET) or the first word of some.
walk() {
	local w h seen=" "
	local -a offered
	mapfile -t offered < <(complete_words "$@" '')
	same_in_zsh "$@" ''
	for w in "${offered[@]}"; do
		[[ -n $w ]] || continue
		if "$BIN/$1" "${@:2}" "$w" --rc-check-options >/dev/null 2>&1 </dev/null; then
			h=$("$BIN/$1" "${@:2}" "$w" -h 2>&1 </dev/null | cksum)
			[[ $seen == *" $h "* ]] && continue
			seen+="$h "
			walk_command "$@" "$w"
		elif (($# < 3)) && [[ -n $(complete_words "$@" "$w" '') ]]; then
			walk "$@" "$w"
		else
			fail "$* $w: offered, but the tool refuses it"
		fi
	done
}

zcomp=""
command -v zsh >/dev/null 2>&1 && zcomp=$ROOT/completion/_rc-tools
mkdir -p "$T/empty"
for t in "${tools[@]}"; do
	if ! "$BIN/$t" --rc-spec 2>/dev/null | grep -q '^tool	'; then
		skip "$t has no command table yet (--rc-spec)" 1
		continue
	fi
	bad=""
	for o in $(complete_words "$t" - | grep -x -- '-.*[^-].*'); do
		help_opts "$t" | grep -qx -- "$o" || bad+=" $o"
	done
	is "$bad" "" "$t -<TAB>: only the tool's options"
	same_in_zsh "$t" -
	walk "$t"
done

if command -v zsh >/dev/null 2>&1; then
	zcomp=$ROOT/completion/_rc-tools
	ok "the zsh completion parses" zsh -n "$zcomp"
	first=$(head -n 1 "$zcomp")
	for t in "${tools[@]}"; do
		like "$first" "#compdef .*\\b$t\\b" "zsh completes $t"
	done
	like "$first" "#compdef .*rc-cluster" "zsh completes rc-cluster"
	like "$first" "#compdef .* labs/cluster ./labs/cluster( |\$)" "zsh completes the launcher as typed in the tree"
	like "$(cat "$zcomp")" $'\n''rc-cluster\|labs/cluster\|\./labs/cluster\) _rc-cluster' "and sends it to rc-cluster's function"
else
	skip "zsh is not installed" 1
fi

done_testing
