# shellcheck shell=bash
# bash completion for rc-dist: options, the views, and hot's slot or node.
_rc_dist() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} view
	_rc_common_arg "$prev" && return
	case $prev in
	-m | --match | -n | --limit | -w | --watch | --count)
		COMPREPLY=()
		return
		;;
	esac
	if [[ $cur == -* && $cur != - ]]; then
		_rc_opts "-m --match -n --limit -w --watch --count"
		return
	fi
	view=$(_rc_subcommand)
	case $view in
	"")
		mapfile -t COMPREPLY < <(compgen -W "nodes info slots keys hot" -- "$cur")
		;;
	keys | hot)
		mapfile -t COMPREPLY < <(compgen -W "-" -- "$cur")
		;;
	*)
		COMPREPLY=()
		;;
	esac
}
complete -F _rc_dist rc-dist
