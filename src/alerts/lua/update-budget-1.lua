-- The workspace's budget of alert message updates (chat.update): a token bucket shared by every
-- incident of every service, so a storm across many services stays under Slack's limit for the
-- method (Tier 3: about 50 a minute per workspace, shared with request messages and deploy cards).
-- Take one token to update now, or learn how long until one is free.
--
-- KEYS[1] alertrate:{workspace}   hash: tokens (may be fractional), at (ms of the last refill)
-- ARGV[1] now (ms)   ARGV[2] tokens per minute   ARGV[3] burst (bucket size)   ARGV[4] TTL (ms)
--
-- Returns 0 (a token was taken: update now) | the ms until the next token (none taken)
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 60000
local burst = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
-- Callers' clocks differ a little (one per Lambda): time never runs backwards for the bucket.
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return wait
