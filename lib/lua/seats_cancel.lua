-- seats_cancel: ARGV res.  A held or confirmed reservation gives its seats
-- back; then the waitlist is served, strictly first come first served: while
-- the user at the head of the waitlist wants no more seats than this cancel
-- released and not yet offered, they get a hold on the next of those seats
-- (reservation id EVENT.wSEQ, the event's hold time) and leave the waitlist.
-- Cancelling a cancelled reservation answers 'ALREADY' and still writes (a
-- counter), so a WAIT after it (--durable) covers the cancel too.
-- Returns OK, the seats released, then user, res, seats for each offer.
local id = ARGV[1]
local rec, now = load_res(id)
if not rec then
	return { 'NORES' }
end
if rec.st == 'cancelled' then
	redis.call('HINCRBY', K_STATS, 'touch', 1)
	return { 'ALREADY' }
end
if rec.st ~= 'held' and rec.st ~= 'confirmed' then
	return { 'STATE', rec.st }
end
local freed = release(id, rec, 'cancelled')
local out = { 'OK', table.concat(freed, ',') }
local next_seat = 1
while true do
	local head = redis.call('ZRANGE', K_WL, 0, 0)
	if #head == 0 then
		break
	end
	local user = head[1]
	local want = tonumber(redis.call('HGET', K_WLINFO, user) or '1')
	if want > #freed - next_seat + 1 then
		break
	end
	local got = {}
	for j = next_seat, next_seat + want - 1 do
		got[#got + 1] = freed[j]
	end
	next_seat = next_seat + want
	local rid = EVENT_ID .. '.w' .. redis.call('HINCRBY', K_META, 'seq', 1)
	local secs = tonumber(redis.call('HGET', K_META, 'hold'))
	hold(rid, got, user, '', '', secs, now)
	redis.call('ZREM', K_WL, user)
	redis.call('HDEL', K_WLINFO, user)
	out[#out + 1] = user
	out[#out + 1] = rid
	out[#out + 1] = table.concat(got, ',')
end
return out
