-- seats_audit: no ARGV; writes nothing.  Checks every invariant of one event
-- in one atomic look; returns OK total available held sold reservations, then
-- one line per violation (at most 1000).
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

-- The seats as the seat hash has them.
local status, nheld, nsold = {}, 0, 0
local sh = redis.call('HGETALL', K_SEATS)
for i = 1, #sh, 2 do
	local s, v = sh[i], sh[i + 1]
	local kind = string.match(v, '^([HS]):.+$')
	if not seat_ok(s, rows, per) then
		bad('seat ' .. s .. ' is outside the map')
	end
	if not kind then
		bad('seat ' .. s .. ' has a malformed status ' .. v)
	else
		status[s] = v
		if kind == 'H' then nheld = nheld + 1 else nsold = nsold + 1 end
	end
end

-- Every active reservation's seats point back at it, and no seat is
-- claimed by two active reservations.
local claim, nres, nactive_held = {}, 0, 0
local rh = redis.call('HGETALL', K_RES)
for i = 1, #rh, 2 do
	local id = rh[i]
	local ok, rec = pcall(cjson.decode, rh[i + 1])
	nres = nres + 1
	if not ok or type(rec) ~= 'table' or type(rec.s) ~= 'string' then
		bad('reservation ' .. id .. ' is malformed')
	elseif rec.st == 'held' or rec.st == 'confirmed' then
		local want = (rec.st == 'held' and 'H:' or 'S:') .. id
		for _, s in ipairs(split(rec.s)) do
			if claim[s] then
				bad('seat ' .. s .. ' is granted twice: ' .. claim[s] .. ' and ' .. id)
			else
				claim[s] = id
			end
			if status[s] ~= want then
				bad('seat ' .. s .. ' of ' .. rec.st .. ' reservation ' .. id ..
					' is ' .. (status[s] or 'available'))
			end
		end
		if rec.st == 'held' then
			nactive_held = nactive_held + 1
			local sc = redis.call('ZSCORE', K_HOLDS, id)
			if not sc then
				bad('held reservation ' .. id .. ' has no hold entry')
			elseif tonumber(sc) ~= tonumber(rec.x) then
				bad('held reservation ' .. id .. ' expires at ' .. tostring(rec.x) ..
					' but its hold entry says ' .. sc)
			end
		end
	elseif rec.st ~= 'cancelled' and rec.st ~= 'expired' then
		bad('reservation ' .. id .. ' has an unknown status ' .. tostring(rec.st))
	end
end
for s, v in pairs(status) do
	if claim[s] ~= string.sub(v, 3) then
		bad('seat ' .. s .. ' is ' .. v .. ' but no active reservation claims it')
	end
end

-- Holds: exactly the held reservations.
local holds = redis.call('ZRANGE', K_HOLDS, 0, -1)
for _, id in ipairs(holds) do
	local raw = redis.call('HGET', K_RES, id)
	if not raw then
		bad('hold entry ' .. id .. ' has no reservation')
	elseif cjson.decode(raw).st ~= 'held' then
		bad('hold entry ' .. id .. ' belongs to a ' .. cjson.decode(raw).st .. ' reservation')
	end
end
if #holds ~= nactive_held then
	bad(#holds .. ' hold entries for ' .. nactive_held .. ' held reservations')
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

local res = { 'OK', tostring(total), tostring(total - nheld - nsold), tostring(nheld),
	tostring(nsold), tostring(nres) }
for _, m in ipairs(out) do
	res[#res + 1] = m
end
return res
