-- The scheduled tick: a claimed follow-up past its lapse time was never told (the worker died or
-- timed out): claimed -> lapsed, and the tick tells the person once (src/commands/recheck.run.ts).
--
-- KEYS[1] the follow-up's claim (hash)   KEYS[2] the claimed follow-ups by when they lapse (zset); one slot `{recheck}`
-- ARGV[1] the job id   ARGV[2] now (ms)
--
-- Returns the job's JSON when the tick must tell; false when it is not due, was told, or is gone
-- (its entry is removed then).
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 's') ~= 'claimed' then return false end
redis.call('HSET', KEYS[1], 's', 'lapsed')
return redis.call('HGET', KEYS[1], 'job')
