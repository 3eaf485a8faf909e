-- The answer of a Cost Explorer request: cache it, and end the caller's flight (only its own: a
-- caller whose lease ran out must not end the flight another caller took over).
--
-- KEYS[1] the cached answer   KEYS[2] the request in flight (one slot: `{<request hash>}`)
-- ARGV[1] the answer (JSON)   ARGV[2] its lifetime (s)   ARGV[3] the caller's token
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
return 1
