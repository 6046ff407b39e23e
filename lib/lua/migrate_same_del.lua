-- migrate_same_del.lua: KEYS[1] the key on the source, ARGV[1] the target's
-- DUMP of it.  Deletes the source's copy only if it is still exactly what the
-- target holds, in one step, so no write can slip in between.  Returns 1 if
-- it deleted, 0 if not.
if redis.call('DUMP', KEYS[1]) == ARGV[1] then
	redis.call('DEL', KEYS[1])
	return 1
end
return 0
