-- seats_sweep: ARGV limit.  Releases up to limit expired holds, serving the
-- waitlist from each; returns OK, how many, then available held sold total,
-- then how many waitlist offers were made.
if redis.call('EXISTS', K_META) == 0 then
	return { 'NOEVENT' }
end
local n, offers = expire_holds(now_ms(), tonumber(ARGV[1]))
local st = redis.call('HMGET', K_STATS, 'available', 'held', 'sold')
return { 'OK', tostring(n), st[1] or '0', st[2] or '0', st[3] or '0',
	redis.call('HGET', K_META, 'total') or '0', tostring(offers) }
