-- The worker claims the follow-up of a change whose answer was lost (src/commands/recheck.run.ts).
--
-- KEYS[1] the follow-up's claim (hash)   KEYS[2] the claimed follow-ups by when they lapse (zset); one slot `{recheck}`
-- ARGV[1] the job id   ARGV[2] the claiming attempt's token   ARGV[3] when the follow-up lapses (ms)
-- ARGV[4] the job (JSON: who to tell, where, what)   ARGV[5] how long the claim is kept (ms)
-- ARGV[6] how long the zset is kept after this claim (ms)
--
-- Returns 1: claimed by this attempt (the first time, or its own claim again after a lost answer);
-- 0: claimed before by another attempt (a second delivery of the job).
local k = redis.call('HGET', KEYS[1], 'k')
if k then
  if k == ARGV[2] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 's', 'claimed', 'k', ARGV[2], 'job', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
