-- Add facts fetched after the incident opened (the last log lines, the bot request behind the
-- failing tasks) to the incident they belong to, so the next render shows them.
--
-- KEYS[1] incident hash
-- ARGV[1] gen   ARGV[2..] field, value pairs
-- Returns the new rev, or 0 when the incident is gone (a newer one replaced it).
local inc = KEYS[1]
if redis.call('HGET', inc, 'gen') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do
  redis.call('HSET', inc, ARGV[i], ARGV[i + 1])
end
return redis.call('HINCRBY', inc, 'rev', 1)
