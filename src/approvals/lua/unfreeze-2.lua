--[[
  /ecs unfreeze: lift the freeze of an environment (approvers; checked by the command's kind).

  KEYS[1] environment freeze   KEYS[2] environment audit stream
  ARGV[1] user   ARGV[2] now   ARGV[3] environment

  Output (extra = the freeze as it was): OK, NOT_FROZEN
]]
local user, now = ARGV[1], ARGV[2]
local freeze = hgetall(KEYS[1])
if not freeze.by then return answer('NOT_FROZEN') end
local flat = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
local detail = 'freeze of ' .. freeze.by
if freeze.reason and freeze.reason ~= '' then detail = detail .. ': ' .. freeze.reason end
audit(KEYS[2], 'unfrozen', { environment = ARGV[3], state = 'unfrozen' }, user, detail, now)
return answer('OK', nil, flat)
