-- One more command from a person: counted in a fixed one-minute window, refused past the limit
-- (a refused command is not counted).
--
-- KEYS[1] the person's window (string counter)   ARGV[1] limit   ARGV[2] window (ms)
--
-- Returns {1, count} when allowed, {0, ms until the window ends} when refused.
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return { 0, ttl }
end
n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return { 1, n }
