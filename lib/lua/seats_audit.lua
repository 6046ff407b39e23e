-- seats_audit: no ARGV; writes nothing.  The atomic part of an audit: its
-- work is bounded by the event's size (its seats, holds and waitlist, and
-- the records they point to), never by its history, so it stalls the node
-- no longer on an event with a million finished reservations than on a new
-- one.  Checks, in one look:
--   meta      total is rows x seats
--   seats     every seat is on the map and says H:<res> or S:<res>, and that
--             reservation is held (H) or confirmed (S) and lists the seat
--   res       every reservation a seat or a hold names has all its seats
--             pointing back at it (so no seat is granted twice)
--   holds     every hold entry is a held reservation, with its expiry
--   stats     available, held, sold equal what the seats say
--   waitlist  every waiting user has a seat count, and only they do
--   bounds    meta's nexthold is no later than the first hold's expiry, and
--             meta's waiting is the waitlist's length (where meta has them)
-- Every record, finished ones too, is checked by seats_audit_chunk in
-- bounded steps outside this script.  Returns OK total available held sold
-- active records done, then one line per violation (at most 1000).
local meta = redis.call('HMGET', K_META, 'rows', 'seats', 'total')
if not meta[1] then
	return { 'NOEVENT' }
end
local rows, per, total = tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3])
local out = {}
local function bad(msg)
	if #out < 1000 then
		out[#out + 1] = msg
	end
end
if total ~= rows * per then
	bad('meta: total ' .. total .. ' is not rows x seats ' .. rows * per)
end

-- The seats as the seat hash has them, and the reservations they name.
local status, named, nheld, nsold = {}, {}, 0, 0
local sh = redis.call('HGETALL', K_SEATS)
for i = 1, #sh, 2 do
	local s, v = sh[i], sh[i + 1]
	local kind, id = string.match(v, '^([HS]):(.+)$')
	if not seat_ok(s, rows, per) then
		bad('seat ' .. s .. ' is outside the map')
	end
	if not kind then
		bad('seat ' .. s .. ' has a malformed status ' .. v)
	else
		status[s] = v
		named[id] = true
		if kind == 'H' then nheld = nheld + 1 else nsold = nsold + 1 end
	end
end
local holds = redis.call('ZRANGE', K_HOLDS, 0, -1, 'WITHSCORES')
for i = 1, #holds, 2 do
	named[holds[i]] = true
end

-- Every named reservation: active, and all its seats point back at it.
local claimed, nactive = {}, 0
for id in pairs(named) do
	local raw = redis.call('HGET', K_RES, id)
	local ok, rec = pcall(cjson.decode, raw or '')
	if not raw then
		bad('reservation ' .. id .. ' is named by a seat or hold but has no record')
	elseif not ok or type(rec) ~= 'table' or type(rec.s) ~= 'string' or rec.s == '' then
		bad('reservation ' .. id .. ' is malformed')
	elseif rec.st ~= 'held' and rec.st ~= 'confirmed' then
		bad('reservation ' .. id .. ' is ' .. tostring(rec.st) ..
			' but a seat or hold still names it')
	else
		nactive = nactive + 1
		local want = (rec.st == 'held' and 'H:' or 'S:') .. id
		for _, s in ipairs(split(rec.s)) do
			claimed[s] = true
			if status[s] ~= want then
				bad('seat ' .. s .. ' of ' .. rec.st .. ' reservation ' .. id ..
					' is ' .. (status[s] or 'available'))
			end
		end
		local sc = redis.call('ZSCORE', K_HOLDS, id)
		if rec.st == 'held' and not sc then
			bad('held reservation ' .. id .. ' has no hold entry')
		elseif rec.st == 'held' and tonumber(sc) ~= tonumber(rec.x) then
			bad('held reservation ' .. id .. ' expires at ' .. tostring(rec.x) ..
				' but its hold entry says ' .. sc)
		elseif rec.st ~= 'held' and sc then
			bad('hold entry ' .. id .. ' belongs to a ' .. rec.st .. ' reservation')
		end
	end
end
for s, v in pairs(status) do
	if not claimed[s] then
		bad('seat ' .. s .. ' is ' .. v .. ' but its reservation does not list it')
	end
end

-- Stats equal the seat data.
local st = redis.call('HMGET', K_STATS, 'available', 'held', 'sold')
local a, h, s = tonumber(st[1]), tonumber(st[2]), tonumber(st[3])
if h ~= nheld then
	bad('stats: held ' .. tostring(st[2]) .. ' but ' .. nheld .. ' seats are held')
end
if s ~= nsold then
	bad('stats: sold ' .. tostring(st[3]) .. ' but ' .. nsold .. ' seats are sold')
end
if a ~= total - nheld - nsold then
	bad('stats: available ' .. tostring(st[1]) .. ' but ' .. (total - nheld - nsold) ..
		' seats are free')
end

-- Waitlist: every waiting user has a seat count, and only they do.
local wl = redis.call('ZRANGE', K_WL, 0, -1)
for _, u in ipairs(wl) do
	local c = tonumber(redis.call('HGET', K_WLINFO, u))
	if not c or c < 1 then
		bad('waitlist: ' .. u .. ' has no seat count')
	end
end
if redis.call('HLEN', K_WLINFO) ~= #wl then
	bad('waitlist: ' .. redis.call('HLEN', K_WLINFO) .. ' seat counts for ' .. #wl ..
		' waiting users')
end

-- The bounds calls trust to skip work (seats_lib's rstate).
local rs = rstate()
local first = redis.call('ZRANGE', K_HOLDS, 0, 0, 'WITHSCORES')
if first[2] and rs.nexthold and rs.nexthold > tonumber(first[2]) then
	bad('meta: nexthold ' .. tostring(rs.nexthold) .. ' is after the first hold expiry ' ..
		first[2])
end
if rs.waiting and rs.waiting ~= #wl then
	bad('meta: waiting ' .. rs.waiting .. ' but ' .. #wl .. ' users wait')
end

local res = { 'OK', tostring(total), tostring(total - nheld - nsold), tostring(nheld),
	tostring(nsold), tostring(nactive), tostring(redis.call('HLEN', K_RES)),
	tostring(redis.call('ZCARD', K_DONE)) }
for _, m in ipairs(out) do
	res[#res + 1] = m
end
return res
