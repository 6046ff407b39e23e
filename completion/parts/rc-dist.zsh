_rc-dist() {
	local -a views
	views=(
		'nodes:one row per node: role, slots, keys, memory, lag, health'
		'info:the cluster-wide state in one row'
		'slots:slot ranges per master, unassigned and open slots'
		'keys:keys per master: live counts, SCAN MATCH, or rc-slot rows on stdin'
		'hot:the slots with the most keys, or sample keys of a slot or node'
	)
	_arguments -s $_rc_common_args \
		'(-m --match)'{-m,--match}'[count only keys matching a pattern]:pattern:' \
		'(-n --limit)'{-n,--limit}'[keys: stop after this many keys; hot: rows]:count:' \
		'(-w --watch)'{-w,--watch}'[redraw every secs seconds]:seconds:' \
		'--count[with -w, stop after n rounds]:rounds:' \
		'1:view:(( $views ))' \
		'2:source, slot or node:(-)'
}
