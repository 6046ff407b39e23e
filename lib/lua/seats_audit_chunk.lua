-- seats_audit_chunk: ARGV cursor count; writes nothing.  One bounded step of
-- an audit over every reservation record (HSCAN of res from cursor, about
-- count records), each checked against the event as it is now:
--   a held or confirmed record's seats point at it (H or S), and a held one
--     has its hold entry
--   a cancelled or expired record has no seat pointing at it, no hold entry,
--     and its entry in done (which is how it ages out)
--   no record has an unknown status or cannot be read
-- Returns the next cursor ('0': done), the records seen, then violations.
local r = redis.call('HSCAN', K_RES, ARGV[1], 'COUNT', tonumber(ARGV[2]))
local out, kv, n = { r[1], '0' }, r[2], 0
local function bad(msg)
	if #out < 102 then
		out[#out + 1] = msg
	end
end
for i = 1, #kv, 2 do
	local id = kv[i]
	local ok, rec = pcall(cjson.decode, kv[i + 1])
	n = n + 1
	if not ok or type(rec) ~= 'table' or type(rec.s) ~= 'string' or rec.s == '' then
		bad('reservation ' .. id .. ' is malformed')
	elseif rec.st == 'held' or rec.st == 'confirmed' then
		local want = (rec.st == 'held' and 'H:' or 'S:') .. id
		local seats = split(rec.s)
		local cur = redis.call('HMGET', K_SEATS, unpack(seats))
		for j, s in ipairs(seats) do
			if cur[j] ~= want then
				bad('seat ' .. s .. ' of ' .. rec.st .. ' reservation ' .. id ..
					' is ' .. (cur[j] or 'available'))
			end
		end
		if rec.st == 'held' and not redis.call('ZSCORE', K_HOLDS, id) then
			bad('held reservation ' .. id .. ' has no hold entry')
		end
	elseif rec.st == 'cancelled' or rec.st == 'expired' then
		local seats = split(rec.s)
		local cur = redis.call('HMGET', K_SEATS, unpack(seats))
		for j, s in ipairs(seats) do
			if cur[j] == 'H:' .. id or cur[j] == 'S:' .. id then
				bad('seat ' .. s .. ' still points at ' .. rec.st .. ' reservation ' .. id)
			end
		end
		if redis.call('ZSCORE', K_HOLDS, id) then
			bad('hold entry ' .. id .. ' belongs to a ' .. rec.st .. ' reservation')
		end
		if not redis.call('ZSCORE', K_DONE, id) then
			bad(rec.st .. ' reservation ' .. id .. ' is not in done: it would never age out')
		end
	else
		bad('reservation ' .. id .. ' has an unknown status ' .. tostring(rec.st))
	end
end
out[2] = tostring(n)
return out
