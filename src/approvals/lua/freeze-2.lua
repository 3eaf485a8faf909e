--[[
  /ecs freeze: refuse every change in an environment until unfrozen.

  KEYS[1] environment freeze   KEYS[2] environment audit stream (same tag {env:<env>})
  ARGV[1] user   ARGV[2] reason   ARGV[3] now   ARGV[4] environment
  ARGV[5] how long the freeze may live (ms; a forgotten freeze ends by itself)

  Output (extra = the freeze hash): OK, ALREADY_FROZEN
]]
local user, now = ARGV[1], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 1 then return answer('ALREADY_FROZEN', nil, redis.call('HGETALL', KEYS[1])) end
redis.call('HSET', KEYS[1], 'by', user, 'reason', ARGV[2], 'since', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
audit(KEYS[2], 'frozen', { environment = ARGV[4], state = 'frozen' }, user, ARGV[2], now)
return answer('OK', nil, redis.call('HGETALL', KEYS[1]))
