-- seats_cancel: ARGV res.  A held or confirmed reservation gives its seats
-- back, and the waitlist is served from them (serve_waitlist in seats_lib).
-- Cancelling a cancelled reservation answers 'ALREADY' and still writes (a
-- counter), so a WAIT after it (--durable) covers the cancel too.
-- Returns OK, the seats released, then user, res, seats for each offer.
local id = ARGV[1]
local rec, now = load_res(id)
if not rec then
	return nores(id)
end
if rec.st == 'cancelled' then
	redis.call('HINCRBY', K_STATS, 'touch', 1)
	return { 'ALREADY' }
end
if rec.st ~= 'held' and rec.st ~= 'confirmed' then
	return { 'STATE', rec.st }
end
local freed = release(id, rec, 'cancelled', now)
local out = { 'OK', table.concat(freed, ',') }
serve_waitlist(freed, now, out)
return out
