-- seats_create: ARGV name rows seats price hold retention.  Writes the event's metadata
-- and stats, unless an event with this id exists.
if redis.call('EXISTS', K_META) == 1 then
	return { 'EXISTS' }
end
local rows, per = tonumber(ARGV[2]), tonumber(ARGV[3])
local total = rows * per
redis.call('HSET', K_META, 'name', ARGV[1], 'rows', rows, 'seats', per,
	'price', ARGV[4], 'total', total, 'hold', ARGV[5], 'created', now_ms(), 'seq', 0,
	'retention', ARGV[6], 'nexthold', 'none', 'waiting', 0)
redis.call('HSET', K_STATS, 'available', total, 'held', 0, 'sold', 0)
return { 'OK', tostring(total) }
