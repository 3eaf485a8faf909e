-- The worker is about to tell the person what happened: claimed -> told, before it tells them.
--
-- KEYS[1] the follow-up's claim (hash)   KEYS[2] the claimed follow-ups by when they lapse (zset); one slot `{recheck}`
-- ARGV[1] the job id
--
-- Returns 1: the worker tells them (or its own "told" again after a lost answer); 0: the scheduled
-- tick took it as lapsed and told them already (or the claim is gone): the worker says nothing.
local s = redis.call('HGET', KEYS[1], 's')
redis.call('ZREM', KEYS[2], ARGV[1])
if s == 'told' then return 1 end
if s ~= 'claimed' then return 0 end
redis.call('HSET', KEYS[1], 's', 'told')
return 1
