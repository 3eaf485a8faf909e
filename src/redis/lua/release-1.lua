--[[
  Release a lock only if it is still ours (another holder may have it after it expired).

  KEYS[1] the lock key   ARGV[1] our token

  Output: 1 released, 0 not ours (or already gone)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
