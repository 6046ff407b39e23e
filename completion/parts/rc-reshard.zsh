_rc-reshard() {
	local -a cmds
	cmds=(
		'create:make a cluster of empty nodes'
		'check:list every problem of the cluster'
		'fix:finish or roll back open slots, cover uncovered slots'
		'add-node:join a node as a master or a replica'
		'del-node:drain, re-home replicas, forget and reset a node'
		'plan:print the moves of a move or a rebalance'
		'apply:carry out a plan read on stdin'
		'move:plan and apply a move'
		'rebalance:plan and apply a rebalance'
	)
	_arguments -s $_rc_common_args \
		'(-y --yes)'{-y,--yes}'[yes to destructive actions]' \
		'(-r --replicas)'{-r,--replicas}'[replicas per master]:replicas:' \
		'--replica[join as a replica of the master with fewest replicas]' \
		'--replica-of[join as a replica of this master]:node:' \
		'--from[source master, or all]:node:(all)' \
		'--to[target master]:node:' \
		'--slots[how many slots]:count:' \
		'*--weight[a master weight]:node=weight:' \
		'--use-empty[masters without slots take part]' \
		'--threshold[percent off target before anything moves]:percent:' \
		'--by[what to balance]:what:(slots keys)' \
		'--dry-run[print the plan only]' \
		'--replace[overwrite keys on the target]' \
		'--batch[keys per MIGRATE]:keys:' \
		'--parallel[worker threads]:threads:' \
		'--chunk[slots open at once per pair]:slots:' \
		'--migrate-timeout[MIGRATE timeout]:ms:' \
		'--wait[agreement timeout]:seconds:' \
		'1:command:->cmd' \
		'*::arg:->args'
	case $state in
	cmd) _describe -t commands 'rc-reshard command' cmds ;;
	args)
		case $words[1] in
		plan) _values 'plan' move rebalance ;;
		create|add-node|del-node) _message 'host:port' ;;
		esac
		;;
	esac
}
