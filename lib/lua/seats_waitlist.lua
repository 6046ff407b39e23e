-- seats_waitlist: ARGV op user count.  op join: the user joins the end of the
-- waitlist, waiting for count seats; leave: the user leaves it; list: every
-- waiting user in order, as user count pairs; offer: now (ms), the user's
-- place in the waitlist and seat count ('' '' when not waiting), then
-- res seats expiry for each offer made to the user that is still held and
-- not yet expired (offers are holds whose id is EVENT.wN: only those
-- records are read, so it costs a look at each hold, not at the history).
if redis.call('EXISTS', K_META) == 0 then
	return { 'NOEVENT' }
end
local op, user = ARGV[1], ARGV[2]
if op == 'list' then
	local out = { 'OK' }
	for _, u in ipairs(redis.call('ZRANGE', K_WL, 0, -1)) do
		out[#out + 1] = u
		out[#out + 1] = redis.call('HGET', K_WLINFO, u) or '?'
	end
	return out
elseif op == 'join' then
	local want = tonumber(ARGV[3])
	if want > tonumber(redis.call('HGET', K_META, 'total')) then
		return { 'TOOMANY' }
	end
	if redis.call('ZSCORE', K_WL, user) then
		return { 'ALREADY', tostring(redis.call('ZRANK', K_WL, user) + 1) }
	end
	local seq = redis.call('HINCRBY', K_META, 'seq', 1)
	redis.call('ZADD', K_WL, seq, user)
	redis.call('HSET', K_WLINFO, user, want)
	note_waiting()
	return { 'OK', tostring(redis.call('ZRANK', K_WL, user) + 1) }
elseif op == 'offer' then
	local now = now_ms()
	local pos = redis.call('ZRANK', K_WL, user)
	local out = { 'OK', tostring(now), pos and tostring(pos + 1) or '',
		pos and (redis.call('HGET', K_WLINFO, user) or '?') or '' }
	local prefix = event_id() .. '.w'
	for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_HOLDS, '(' .. now, '+inf')) do
		if string.sub(id, 1, #prefix) == prefix then
			local raw = redis.call('HGET', K_RES, id)
			local rec = raw and cjson.decode(raw)
			if rec and rec.u == user and rec.st == 'held' then
				out[#out + 1] = id
				out[#out + 1] = rec.s
				out[#out + 1] = tostring(rec.x)
			end
		end
	end
	return out
elseif op == 'leave' then
	if redis.call('ZREM', K_WL, user) == 0 then
		return { 'NOTFOUND' }
	end
	redis.call('HDEL', K_WLINFO, user)
	note_waiting()
	return { 'OK' }
end
return { 'BADOP' }
