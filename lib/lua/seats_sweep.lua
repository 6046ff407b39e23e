-- seats_sweep: ARGV limit prunelimit.  Releases up to limit expired holds,
-- serving the waitlist from each, and removes up to prunelimit finished
-- records past the retention; returns OK, how many released, then available
-- held sold total, then how many waitlist offers were made, then how many
-- records went.
if redis.call('EXISTS', K_META) == 0 then
	return { 'NOEVENT' }
end
local now = now_ms()
local n, offers = expire_holds(now, tonumber(ARGV[1]), true)
local pruned = prune(now, tonumber(ARGV[2]), true)
local st = redis.call('HMGET', K_STATS, 'available', 'held', 'sold')
return { 'OK', tostring(n), st[1] or '0', st[2] or '0', st[3] or '0',
	redis.call('HGET', K_META, 'total') or '0', tostring(offers), tostring(pruned) }
