# shellcheck shell=bash
# bash completion for rc-reshard: the commands, their options, node
# addresses for the options that name a node.
_rc_reshard() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd
	_rc_common_arg "$prev" && return
	case $prev in
	--from | --to | --replica-of | --weight)
		mapfile -t COMPREPLY < <(compgen -W "${RC_CLUSTER:-127.0.0.1:${RC_LAB_PORT:-7001}} all" -- "$cur")
		return
		;;
	--by)
		mapfile -t COMPREPLY < <(compgen -W "slots keys" -- "$cur")
		return
		;;
	-r | --replicas | --slots | --threshold | --batch | --parallel | --chunk | --migrate-timeout | --wait)
		COMPREPLY=()
		return
		;;
	esac
	cmd=$(_rc_subcommand "-r --replicas --from --to --replica-of --weight --by --slots --threshold --batch --parallel --chunk --migrate-timeout --wait")
	if [[ $cur == -* ]]; then
		case $cmd in
		create) _rc_opts "-r --replicas" ;;
		add-node) _rc_opts "--replica --replica-of" ;;
		del-node | fix) _rc_opts "-y --yes --dry-run" ;;
		plan | move | rebalance | apply)
			_rc_opts "--from --to --slots --weight --use-empty --threshold --by --dry-run --replace --batch --parallel --chunk --migrate-timeout -y --yes"
			;;
		*) _rc_opts "-y --yes --wait" ;;
		esac
		return
	fi
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "create check fix add-node del-node plan apply move rebalance" -- "$cur")
		;;
	plan)
		if [[ $prev == plan ]]; then
			mapfile -t COMPREPLY < <(compgen -W "move rebalance" -- "$cur")
		else
			COMPREPLY=()
		fi
		;;
	*)
		COMPREPLY=()
		;;
	esac
}
complete -F _rc_reshard rc-reshard
