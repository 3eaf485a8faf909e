-- The executor's last check before UpdateService and its mark that the update is under way, as one
-- step. An Abort claimed before it stops the change here (nothing was touched); one claimed after it
-- finds `updating` set and is carried out by the executor once ECS has the update
-- (src/deploy/execute.ts), so the abort job never says "it stops before the update" while the update
-- is being sent.
--
-- KEYS[1] chg:{<id>}:track   (slot {<id>})
-- ARGV[1] now (ms)   ARGV[2] the hash's TTL (s)
--
-- Returns the user id of the Abort claimed before this step, or false (nil: `updating` is now set).
local by = redis.call('HGET', KEYS[1], 'abort')
if by then return by end
redis.call('HSET', KEYS[1], 'updating', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return false
