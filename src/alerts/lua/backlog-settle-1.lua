-- The scheduled check's claim on waiting thread replies, or on the summary of those that could not be
-- posted (backlog-take-2.lua), settled by the check
-- that holds it (src/alerts/backlog.ts): 'posted' deletes it (Slack took the reply); 'back' gives it
-- back (the post did not go) and the next check takes it again, with what its incident gathered since
-- (keeping 'c.since': backlog-take-2.lua drops it once it has been retried for as long as lines wait);
-- 'unsure' gives it back too, its post having got no answer (Slack may have taken it): 'c.u' = ARGV[3]
-- (when, ms real time), so the next check looks for it (its key) before posting it again.
--
-- KEYS[1] the service's backlog hash
-- ARGV[1] token of the check   ARGV[2] posted | back | unsure   ARGV[3] when (unsure)
--
-- Returns 1 | 0 (the claim is not this check's any more: taken over once its time was up, or dropped by a mute)
local B = KEYS[1]
if redis.call('HGET', B, 'c.tok') ~= ARGV[1] then return 0 end
if ARGV[2] == 'back' or ARGV[2] == 'unsure' then
  redis.call('HDEL', B, 'c.tok', 'c.until')
  if ARGV[2] == 'unsure' then redis.call('HSET', B, 'c.u', ARGV[3]) end
  return 1
end
local k = tonumber(redis.call('HGET', B, 'c.k') or '0')
local names = {'c.gen', 'c.channel', 'c.ts', 'c.n', 'c.k', 'c.tok', 'c.until', 'c.since', 'c.lost', 'c.from', 'c.to', 'c.u'}
for i = 1, k do names[#names + 1] = 'c.l' .. i end
redis.call('HDEL', B, unpack(names))
return 1
