_rc-slot() {
	_arguments -s $_rc_common_args \
		'(-t --tag)'{-t,--tag}'[show the hashed part of each key]' \
		'(-n --node)'{-n,--node}'[show the owning master]' \
		'*:key:'
}
