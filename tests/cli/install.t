#!/usr/bin/env bash
# make install / uninstall into a DESTDIR: every tool, rc-cluster, the man
# pages and completion land where PREFIX says, run from there, and go again.
. "$(dirname "$0")/lib.sh"
require_cmd make
d=$T/root
ok "make install" make -s -C "$ROOT" install PREFIX=/usr DESTDIR="$d"
like "$OUT" "source /usr/share/bash-completion/completions/rc-tools" "it names the line that loads the bash completion"
like "$OUT" "fpath\+=\(/usr/share/zsh/site-functions\); autoload -Uz compinit && compinit" "and the zsh one"
# Without the bash-completion package: that one line registers every tool.
ok "sourcing the installed file registers rc-repl's completion" \
	bash -c "source '$d/usr/share/bash-completion/completions/rc-tools' && complete -p rc-repl rc-slot rc-cluster"
# Every tool: bin/rc-NAME.c, or a directory bin/NAME/ built into rc-NAME.
tools=()
for src in "$ROOT"/bin/rc-*.c; do tools+=("$(basename "$src" .c)"); done
for src in "$ROOT"/bin/*/main.c; do tools+=("rc-$(basename "$(dirname "$src")")"); done
ok "there are tools to install" test "${#tools[@]}" -ge 5
for t in "${tools[@]}"; do
	ok "$t is installed and runs" "$d/usr/bin/$t" -V
	ok "$t has its man page" test -f "$d/usr/share/man/man1/$t.1"
	ok "$t has bash completion" test -e "$d/usr/share/bash-completion/completions/$t"
done
ok "rc-cluster is installed" "$d/usr/bin/rc-cluster" -h
ok "rc-tools(7) is installed" test -f "$d/usr/share/man/man7/rc-tools.7"
ok "the zsh completion is installed" test -f "$d/usr/share/zsh/site-functions/_rc-tools"
is "$(echo foo | "$d/usr/bin/rc-slot")" "$(printf 'foo\t12182')" "the installed rc-slot works"
# The installed rc-cluster finds the installed rc-reshard beside it.
like "$(sed -n '/^reshard_bin()/,/^}/p' "$d/usr/bin/rc-cluster")" 'here/rc-reshard' "rc-cluster looks for rc-reshard beside itself"
ok "make uninstall" make -s -C "$ROOT" uninstall PREFIX=/usr DESTDIR="$d"
is "$(find "$d" -type f | wc -l | tr -d ' ')" 0 "nothing is left behind"
done_testing
