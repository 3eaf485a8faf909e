-- Admit one command: claim its invocation id once (a Slack retry or duplicate delivery is dropped),
-- then count it for its person in a fixed one-minute window, refused past the limit (a refused
-- command is not counted, a duplicate neither). One script, one round trip on the ack path; it also
-- reads the person's cached Slack locale, so the ack needs no second read for its language.
--
-- KEYS[1] the person's window (string counter)        rate:{user:<id>}
-- KEYS[2] the command's claim (same tag)              rate:{user:<id>}:seen:<invocation id>
-- KEYS[3] the person's cached Slack locale (same tag) locale:{user:<id>}
-- ARGV[1] limit   ARGV[2] window (ms)   ARGV[3] claim TTL (s)
--
-- Returns {2, 0, locale} for a duplicate, {1, count, locale} when allowed, {0, ms until the window
-- ends, locale} when refused; locale is left out when none is cached.
local locale = redis.call('GET', KEYS[3])
if not redis.call('SET', KEYS[2], '1', 'EX', ARGV[3], 'NX') then return { 2, 0, locale } end
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return { 0, ttl, locale }
end
n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return { 1, n, locale }
