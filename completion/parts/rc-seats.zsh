_rc-seats() {
	local -a cmds events
	cmds=(
		'create-event:create an event: --name --rows --seats --price'
		'events:every event on every master'
		'seat-map:the seats of an event'
		'availability:available, held and sold seats of an event'
		'reserve:hold seats, all or nothing'
		'confirm:held -> sold'
		'cancel:release a reservation; the waitlist is served'
		'show:one reservation'
		'waitlist:join, list or leave the waitlist'
		'load:many concurrent simulated users'
		'audit:check every invariant of an event'
		'sweep:release expired holds now; the waitlist is served'
	)
	events=(${(f)"$(rc-seats -T events 2>/dev/null | cut -f1)"})
	_arguments -s $_rc_common_args \
		'--name[event or person name]:name:' \
		'--rows[rows of seats]:rows:' \
		'--seats[seats a row; seats to reserve (A1,A2); seats a load request]:seats:' \
		'--price[ticket price]:price:' \
		'--hold[hold time in seconds]:seconds:' \
		'--id[event id]:id:' \
		'--event[event id]:event:($events)' \
		'--user[user]:user:' \
		'--email[email]:email:' \
		'--count[seats wanted on the waitlist]:count:' \
		'--users[simulated users]:users:' \
		'--duration[seconds to run]:seconds:' \
		'--requests[reservations to attempt]:requests:' \
		'--threads[load threads]:threads:' \
		'--random[random seats instead of adjacent ones]' \
		'--confirm[percent of holds confirmed]:percent:' \
		'--cancel[percent of holds cancelled]:percent:' \
		'--log[write every outcome to a file]:file:_files' \
		'--durable[confirm, cancel, load: wait for a replica after each confirm or cancel]' \
		'--wait-ms[WAIT timeout of --durable]:milliseconds:' \
		'--retry[retry transient failures this long]:seconds:' \
		'1:command:(( $cmds ))' \
		'*:argument:($events)'
}
