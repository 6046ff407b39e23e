-- seats_lib: the part every rc-seats script shares; rc-seats prepends it to
-- each seats_*.lua, so one script is one self-contained text, run by the
-- SHA-1 of that text (EVALSHA; EVAL when a node answers NOSCRIPT).
--
-- Every key of an event shares the hash tag {event:ID} and is passed in KEYS,
-- always in this order:
--   1 meta    hash   name rows seats price total hold created seq
--                     retention (secs) aged (finish time, ms, of the newest
--                     record aged out: every finished record up to it is gone)
--                     prunefrom (ms: no record in done finished before it)
--                     nexthold (ms: no hold in holds expires before it;
--                     'none': holds is empty) waiting (how many users are in
--                     the waitlist); either absent: not known, ask the key
--   2 seats   hash   seat -> "H:<res>" (held) or "S:<res>" (sold); absent = free
--   3 stats   hash   available held sold (+ touch, a write for WAIT)
--   4 holds   zset   res -> expiry (ms since the epoch)
--   5 res     hash   res -> JSON {u user, n name, e email, s "A1,A2",
--                     st held|confirmed|cancelled|expired, x expiry, c created}
--   6 wl      zset   user -> arrival sequence (the waitlist, FIFO)
--   7 wlinfo  hash   user -> how many seats the user waits for
--   8 done    zset   finished (cancelled, expired) res -> when it finished (ms);
--                     a record goes (from res and done) a retention after that
-- A reservation id chosen by rc-seats is EVENT.<11 hex: ms created><9 hex>,
-- so a record that is gone can be told from one that never was.
local K_META, K_SEATS, K_STATS, K_HOLDS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_RES, K_WL, K_WLINFO, K_DONE = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local DEFAULT_RETENTION = 86400
-- The event's id, from its keys' hash tag (asked only where a call needs it).
local function event_id()
	return string.match(K_META, '^{event:(.-)}')
end

local function now_ms()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function split(s)
	local out = {}
	for x in string.gmatch(s, '[^,]+') do
		out[#out + 1] = x
	end
	return out
end

-- A seat name is a row (A..Z, then AA..ZZ) and a number from 1.
local function seat_ok(s, rows, per)
	local letters, num = string.match(s, '^([A-Z][A-Z]?)([1-9][0-9]*)$')
	if not letters then
		return false
	end
	local r = string.byte(letters, 1) - 64
	if #letters == 2 then
		r = r * 26 + string.byte(letters, 2) - 64
	end
	return r <= rows and tonumber(num) <= per
end

-- The event's state that lets a call skip work, read once a call (one
-- HMGET): ret, the retention in seconds; aged (see meta); from, a lower bound
-- of the finish times in done (nil: not known), so a call whose cut-off is
-- below it knows without asking that nothing is due.  A record that finishes
-- later never finishes earlier than from (TIME moves on), so the bound only
-- ever makes a record go late, never early; sweep asks whatever the bound
-- says.  nexthold, a lower bound of the expiry times in holds (math.huge:
-- none; nil: not known): hold() lowers it for a hold that expires sooner,
-- a hold that goes leaves it lower than it need be, and a call past it asks
-- holds and sets it anew.  waiting, the waitlist's length (nil: not known),
-- set from the key by every change of the waitlist.
-- A script that reads meta anyway asks for the fields too and hands them over
-- with rstate_from(reply, index of 'retention').
local RS_FIELDS = { 'retention', 'aged', 'prunefrom', 'nexthold', 'waiting' }
local RS = nil
local function rstate_from(m, i)
	local nh = m[i + 3]
	RS = { ret = tonumber(m[i] or DEFAULT_RETENTION), aged = tonumber(m[i + 1] or '0'),
		from = tonumber(m[i + 2] or nil),
		nexthold = nh == 'none' and math.huge or tonumber(nh or nil),
		waiting = tonumber(m[i + 4] or nil) }
	return RS
end
local function rstate()
	return RS or rstate_from(redis.call('HMGET', K_META, unpack(RS_FIELDS)), 1)
end

local function save(id, rec)
	redis.call('HSET', K_RES, id, cjson.encode(rec))
end

-- Points seats at a reservation: mark is 'H:<res>' (held) or 'S:<res>' (sold).
local function mark_seats(seats, mark)
	local args = {}
	for _, s in ipairs(seats) do
		args[#args + 1] = s
		args[#args + 1] = mark
	end
	redis.call('HSET', K_SEATS, unpack(args))
end

-- A hold on seats (already checked free) for a reservation id.
local function hold(id, seats, user, name, email, secs, now)
	local x = now + secs * 1000
	local rs = rstate()
	if rs.nexthold and x < rs.nexthold then
		rs.nexthold = x
		redis.call('HSET', K_META, 'nexthold', x)
	end
	mark_seats(seats, 'H:' .. id)
	redis.call('HINCRBY', K_STATS, 'held', #seats)
	redis.call('HINCRBY', K_STATS, 'available', -#seats)
	redis.call('ZADD', K_HOLDS, x, id)
	save(id, { u = user, n = name, e = email, s = table.concat(seats, ','),
		st = 'held', x = x, c = now })
	return x
end

-- Gives a reservation's seats back (only seats that still point at it) and
-- moves it to newstatus, finished at now (ms); returns the seats released.
local function release(id, rec, newstatus, now)
	local mark = (rec.st == 'held' and 'H:' or 'S:') .. id
	local seats, freed = split(rec.s), {}
	local cur = redis.call('HMGET', K_SEATS, unpack(seats))
	for i, s in ipairs(seats) do
		if cur[i] == mark then
			freed[#freed + 1] = s
		end
	end
	if #freed > 0 then
		redis.call('HDEL', K_SEATS, unpack(freed))
	end
	if rec.st == 'held' then
		redis.call('ZREM', K_HOLDS, id)
		redis.call('HINCRBY', K_STATS, 'held', -#freed)
	else
		redis.call('HINCRBY', K_STATS, 'sold', -#freed)
	end
	redis.call('HINCRBY', K_STATS, 'available', #freed)
	rec.st = newstatus
	rec.f = now
	save(id, rec)
	redis.call('ZADD', K_DONE, rec.f, id)
	return freed
end

local function retention()
	return rstate().ret
end

-- Finished records older than the retention go, at most limit of them (a
-- few in every call that changes the event, the rest in sweep's steps, which
-- pass always); meta's aged remembers how far, and prunefrom the oldest finish
-- time left (now when done is empty).  Returns how many went.
local function prune(now, limit, always)
	local rs = rstate()
	local cut = now - rs.ret * 1000
	if not always and rs.from and rs.from > cut then
		return 0
	end
	local old = redis.call('ZRANGEBYSCORE', K_DONE, '-inf', cut, 'WITHSCORES', 'LIMIT', 0, limit)
	if #old > 0 then
		local ids = {}
		for i = 1, #old, 2 do
			ids[#ids + 1] = old[i]
		end
		redis.call('HDEL', K_RES, unpack(ids))
		redis.call('ZREM', K_DONE, unpack(ids))
		if tonumber(old[#old]) > rs.aged then
			rs.aged = tonumber(old[#old])
			redis.call('HSET', K_META, 'aged', old[#old])
		end
	end
	local first = redis.call('ZRANGE', K_DONE, 0, 0, 'WITHSCORES')
	rs.from = tonumber(first[2] or now)
	redis.call('HSET', K_META, 'prunefrom', tostring(rs.from))
	return #old / 2
end

-- For a reservation with no record: 'aged' when it was made before the
-- newest record that aged out (so it may well have been one of them),
-- 'maybe' when its id does not say when it was made and records have aged
-- out, else 'none'.
local function gone(id)
	local aged = rstate().aged
	if aged == 0 then
		return 'none'
	end
	local t = string.match(id, '%.(%x%x%x%x%x%x%x%x%x%x%x)%x%x%x%x%x%x%x%x%x$')
	if not t then
		return 'maybe'
	elseif tonumber(t, 16) <= aged then
		return 'aged'
	end
	return 'none'
end

-- The answer for a reservation with no record: NORES, why, the retention.
local function nores(id)
	return { 'NORES', gone(id), tostring(retention()) }
end

-- Serves the waitlist from seats one release (a cancel, an expired hold)
-- just freed, strictly first come first served: while the user at the head
-- of the waitlist wants no more seats than this release freed and not yet
-- offered, they get a hold on the next of those seats (reservation id
-- EVENT.wSEQ, the event's hold time) and leave the waitlist.  Appends user,
-- res, seats to out for each offer; returns how many offers were made.
local function note_waiting()
	local n = redis.call('ZCARD', K_WL)
	rstate().waiting = n
	redis.call('HSET', K_META, 'waiting', n)
end

local function serve_waitlist(freed, now, out)
	local next_seat, offers = 1, 0
	if #freed == 0 or rstate().waiting == 0 then
		return 0
	end
	while true do
		local head = redis.call('ZRANGE', K_WL, 0, 0)
		if #head == 0 then
			if rstate().waiting == nil then
				note_waiting()
			end
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
		local rid = event_id() .. '.w' .. redis.call('HINCRBY', K_META, 'seq', 1)
		local secs = tonumber(redis.call('HGET', K_META, 'hold'))
		hold(rid, got, user, '', '', secs, now)
		redis.call('ZREM', K_WL, user)
		redis.call('HDEL', K_WLINFO, user)
		out[#out + 1] = user
		out[#out + 1] = rid
		out[#out + 1] = table.concat(got, ',')
		offers = offers + 1
	end
	if offers > 0 then
		note_waiting()
	end
	return offers
end

-- A hold whose time is up: its seats are released and the waitlist is
-- served from them, as a cancel does.  Returns the offers made.
local function expire(id, rec, now)
	return serve_waitlist(release(id, rec, 'expired', now), now, {})
end

-- Lazy expiry: holds whose time is up go back on sale (or to the waitlist),
-- at most limit of them; nothing is asked while the time is before the
-- event's nexthold, unless always.  Returns how many were released, and the
-- offers.
local function expire_holds(now, limit, always)
	local rs = rstate()
	if not always and rs.nexthold and rs.nexthold > now then
		return 0, 0
	end
	local ids = redis.call('ZRANGEBYSCORE', K_HOLDS, '-inf', now, 'LIMIT', 0, limit)
	local offers = 0
	for _, id in ipairs(ids) do
		local raw = redis.call('HGET', K_RES, id)
		if raw then
			offers = offers + expire(id, cjson.decode(raw), now)
		else
			redis.call('ZREM', K_HOLDS, id)
		end
	end
	local first = redis.call('ZRANGE', K_HOLDS, 0, 0, 'WITHSCORES')
	rs.nexthold = tonumber(first[2]) or math.huge
	redis.call('HSET', K_META, 'nexthold', first[2] or 'none')
	return #ids, offers
end

-- load_res(id): the reservation record and the time, its hold released
-- first when it has expired (and up to 16 other expired holds with it, and
-- 4 records past their retention); nil when there is no such reservation.
local function load_res(id)
	local raw = redis.call('HGET', K_RES, id)
	if not raw then
		return nil
	end
	local now = now_ms()
	prune(now, 4)
	local rec = cjson.decode(raw)
	if rec.st == 'held' and tonumber(rec.x) <= now then
		expire(id, rec, now)
	end
	expire_holds(now, 16)
	return rec, now
end
