-- seats_show: ARGV res.  OK user name email status seats expiry now, or
-- NORES why retention (nores in seats_lib).
local raw = redis.call('HGET', K_RES, ARGV[1])
if not raw then
	return nores(ARGV[1])
end
local rec = cjson.decode(raw)
return { 'OK', rec.u or '', rec.n or '', rec.e or '', rec.st, rec.s,
	tostring(rec.x or 0), tostring(now_ms()) }
