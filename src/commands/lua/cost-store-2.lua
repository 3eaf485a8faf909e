-- The answer of a Cost Explorer request: cache it, and end the caller's flight (only its own: a
-- caller whose lease ran out must not end the flight another caller took over).
--
-- KEYS[1] the cached answer   KEYS[2] the request in flight (one slot: `{<request hash>}`)
-- ARGV[1] the answer (JSON)   ARGV[2] its lifetime (s)   ARGV[3] the caller's token
-- ARGV[4] the largest answer kept (bytes; src/redis/bounds.ts): a bigger one is not cached
-- Returns 1 (cached) or 0 (too big to cache; the flight ends all the same)
local cached = 0
if #ARGV[1] <= tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  cached = 1
end
if redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
return cached
