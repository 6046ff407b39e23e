-- seats_confirm: ARGV res.  held -> sold, unless the hold has expired.
-- Confirming a confirmed reservation answers 'ALREADY' and still writes (a
-- counter), so a WAIT after it covers the confirmation too.
local id = ARGV[1]
local rec, now = load_res(id)
if not rec then
	return nores(id)
end
if rec.st == 'confirmed' then
	redis.call('HINCRBY', K_STATS, 'touch', 1)
	return { 'ALREADY' }
end
if rec.st ~= 'held' then
	return { 'STATE', rec.st }
end
local seats = split(rec.s)
mark_seats(seats, 'S:' .. id)
redis.call('HINCRBY', K_STATS, 'held', -#seats)
redis.call('HINCRBY', K_STATS, 'sold', #seats)
redis.call('ZREM', K_HOLDS, id)
rec.st = 'confirmed'
rec.t = now
save(id, rec)
return { 'OK', rec.s }
