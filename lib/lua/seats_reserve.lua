-- seats_reserve: ARGV res user seats(csv) name email hold-secs(0: the event's).
-- All or nothing.  The reservation id is chosen by the client, so running the
-- same call twice (a retry after a lost reply) finds its own hold ('SAME'),
-- or, once its record has aged out, 'AGED' (never a second hold).
local meta = redis.call('HMGET', K_META, 'rows', 'seats', 'hold', unpack(RS_FIELDS))
if not meta[1] then
	return { 'NOEVENT' }
end
rstate_from(meta, 4)
local now = now_ms()
expire_holds(now, 16)
prune(now, 4)
local id = ARGV[1]
local raw = redis.call('HGET', K_RES, id)
if raw then
	local rec = cjson.decode(raw)
	if rec.u == ARGV[2] and rec.s == ARGV[3] then
		return { 'SAME', rec.st, tostring(rec.x) }
	end
	return { 'IDUSED' }
end
if gone(id) == 'aged' then
	return { 'AGED', tostring(retention()) }
end
local rows, per = tonumber(meta[1]), tonumber(meta[2])
local seats, seen = split(ARGV[3]), {}
if #seats == 0 then
	return { 'BADSEAT', '' }
end
for _, s in ipairs(seats) do
	if not seat_ok(s, rows, per) then
		return { 'BADSEAT', s }
	end
	if seen[s] then
		return { 'DUPSEAT', s }
	end
	seen[s] = true
end
local cur = redis.call('HMGET', K_SEATS, unpack(seats))
local taken = { 'CONFLICT' }
for i = 1, #seats do
	if cur[i] then
		taken[#taken + 1] = seats[i]
	end
end
if #taken > 1 then
	return taken
end
local secs = tonumber(ARGV[6])
if secs <= 0 then
	secs = tonumber(meta[3])
end
local x = hold(id, seats, ARGV[2], ARGV[4], ARGV[5], secs, now)
return { 'OK', tostring(x) }
