_rc-repl() {
	local -a cmds
	cmds=(GET SET DEL EXISTS MGET MSET INCR EXPIRE TTL TYPE HGET HSET HGETALL
		LPUSH RPUSH LRANGE SADD SMEMBERS ZADD ZRANGE EVAL PING INFO DBSIZE
		CLUSTER CONFIG CLIENT COMMAND SCAN KEYS)
	_arguments -s $_rc_common_args \
		'*'{-e,--eval}'[run this command line and exit]:command line:' \
		'1:redis command:($cmds)' \
		'*::argument:'
}
