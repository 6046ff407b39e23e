# zsh completion for rc-cluster, the lab launcher, installed from labs/cluster.  Only
# the function: the #compdef line that tools/completion.sh writes registers it,
# for the names below too (the launcher as typed in the source tree).
# compdef-also: labs/cluster ./labs/cluster
_rc-cluster() {
	local prog=$words[1] curcontext=$curcontext state line ret=1
	local -a cmds ports
	cmds=(
		'up:start the lab (create it, or restart it from saved state)'
		'down:stop every node gracefully, keeping the state'
		'clean:stop the lab and remove its state'
		'status:show each node and the cluster state'
		'ports:print the node ports'
		'start:start a stopped node'
		'stop:shut a node down gracefully'
		'kill:kill a node with SIGKILL (a crash)'
		'pause:stop a node with SIGSTOP (a hung node)'
		'resume:continue a paused node'
		'add:start a fresh node, not joined'
		'remove:forget a stopped node that left the cluster'
		'logs:show a node'"'"'s log'
		'partition:cut nodes off from the rest (root)'
		'heal:undo the partition (root)'
	)
	_arguments -C \
		'(- *)-h[show usage]' \
		'1: :->command' \
		'*:: :->args' && ret=0
	case $state in
	command)
		_describe -t commands 'rc-cluster command' cmds && ret=0
		;;
	args)
		ports=(${(f)"$($prog ports 2>/dev/null)"})
		case $line[1] in
		up)
			_arguments \
				'-m[number of masters]:masters (at least 3):' \
				'-r[replicas per master]:replicas:' \
				'-t[cluster node timeout]:milliseconds:' \
				'-y[start a crashed master empty]' \
				'--server[the server of new nodes]:server:(redis valkey)' \
				'-h[show usage]' && ret=0
			;;
		start)
			_arguments '-y[start a crashed master empty]' "1:node port:(${ports[*]})" && ret=0
			;;
		stop|kill|pause|resume|remove)
			_arguments "1:node port:(${ports[*]})" && ret=0
			;;
		partition)
			_arguments '--clients[clients on the named side]' "*:node port:(${ports[*]})" && ret=0
			;;
		logs)
			_arguments '-f[follow the log]' "1:node port:(${ports[*]})" && ret=0
			;;
		add)
			_arguments '--server[its server]:server:(redis valkey)' '1:a free port:' && ret=0
			;;
		esac
		;;
	esac
	return ret
}
