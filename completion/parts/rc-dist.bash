# shellcheck shell=bash
# bash completion for rc-dist: options, the views, and keys/hot's stdin "-".
_rc_dist() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words
	local opts="-m --match -n --limit -w --watch --count"
	_rc_common_arg "$prev" && return
	case $prev in
	-m | --match | -n | --limit | -w | --watch | --count)
		COMPREPLY=()
		return
		;;
	esac
	case $(_rc_subcommand "$opts") in
	"") words="nodes info slots keys hot" ;;
	keys | hot) words="-" ;;
	*) words="" ;;
	esac
	if [[ $cur == -* ]]; then
		_rc_opts "$opts $words"
		return
	fi
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -F _rc_dist rc-dist
