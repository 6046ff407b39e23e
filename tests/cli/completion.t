#!/usr/bin/env bash
# Shell completion: the joined bash file registers every tool and completes
# like a user would see it; the zsh file parses and names every tool.
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

for src in "$ROOT"/bin/rc-*.c; do
	t=$(basename "$src" .c)
	ok "bash completes $t" bash -c '. "$1"; complete -p "$2"' _ "$comp" "$t"
done
ok "bash completes rc-cluster" bash -c '. "$1"; complete -p rc-cluster' _ "$comp"
# The launcher in the source tree, as typed there; bash looks the word up as
# typed, then after its last slash: the bare word "cluster" is left alone.
for p in labs/cluster ./labs/cluster; do
	ok "bash completes $p" bash -c '. "$1"; complete -p "$2"' _ "$comp" "$p"
	is "$(complete_words "$p" st | tr '\n' ' ')" "start status stop " "$p st<TAB>"
	is "$(complete_words "$p" up - | tr '\n' ' ')" "-h -m -r -t " "$p up -<TAB>"
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
is "$(complete_words rc-dist -w 1 hot '' | tr '\n' ' ')" "- " "rc-dist -w 1 hot <TAB>: stdin"
is "$(complete_words rc-dist -w '' | tr '\n' ' ')" " " "rc-dist -w <TAB>: a number, not a view"
is "$(complete_words rc-dist - | LC_ALL=C sort | tr '\n' ' ')" \
	"--askpass --cluster --count --header --help --limit --match --pretty --timeout --tsv --version --watch -H -T -V -c -h -m -n -p -w " \
	"rc-dist -<TAB>: the options"
is "$(complete_words rc-dist keys - | grep -cx -e - -e -m -e --count)" 3 "rc-dist keys -<TAB>: stdin and the options"
is "$(complete_words rc-reshard '' | tr '\n' ' ')" \
	"add-node apply check create del-node fix move plan rebalance " "rc-reshard <TAB>: its commands"
is "$(complete_words rc-reshard plan '' | tr '\n' ' ')" "move rebalance " "rc-reshard plan <TAB>"
is "$(complete_words rc-reshard --wait 5 '' | tr '\n' ' ')" \
	"add-node apply check create del-node fix move plan rebalance " "rc-reshard --wait 5 <TAB>: 5 is the option's value"
like "$(complete_words rc-seats '' | tr '\n' ' ')" "^audit availability cancel confirm create-event events load reserve seat-map " \
	"rc-seats <TAB>: its commands"
like "$(complete_words rc-seats reserve --s | tr '\n' ' ')" "--seats" "rc-seats reserve --s<TAB>"
like "$(complete_words rc-repl --e | tr '\n' ' ')" "--eval" "rc-repl --e<TAB>"
is "$(complete_words rc-cluster st | tr '\n' ' ')" "start status stop " "rc-cluster st<TAB>"
is "$(complete_words rc-cluster up - | tr '\n' ' ')" "-h -m -r -t " "rc-cluster up -<TAB>"

if command -v zsh >/dev/null 2>&1; then
	zcomp=$ROOT/completion/_rc-tools
	ok "the zsh completion parses" zsh -n "$zcomp"
	first=$(head -n 1 "$zcomp")
	for src in "$ROOT"/bin/rc-*.c; do
		t=$(basename "$src" .c)
		like "$first" "#compdef .*\\b$t\\b" "zsh completes $t"
	done
	like "$first" "#compdef .*rc-cluster" "zsh completes rc-cluster"
	like "$first" "#compdef .* labs/cluster ./labs/cluster( |\$)" "zsh completes the launcher as typed in the tree"
	like "$(cat "$zcomp")" $'\n''rc-cluster\|labs/cluster\|\./labs/cluster\) _rc-cluster' "and sends it to rc-cluster's function"
else
	skip "zsh is not installed" 1
fi

done_testing
