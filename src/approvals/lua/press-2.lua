--[[
  Record a press on a paused deployment's traffic-shift gate (Shift production traffic / Roll back),
  with the person as the audit actor. Idempotent: the same press recorded twice writes nothing.

  KEYS[1] request hash   KEYS[2] service audit stream
  ARGV[1] now   ARGV[2] user   ARGV[3] audit event   ARGV[4] audit detail   ARGV[5] fact name   ARGV[6] fact (JSON)

  Output: OK, UNCHANGED (this fact is already recorded), NOT_STARTED (never ran), NOT_FOUND
]]
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'running' and h.state ~= 'succeeded' and h.state ~= 'failed' then return answer('NOT_STARTED', KEYS[1]) end
local field = 'x.' .. ARGV[5]
if h[field] then return answer('UNCHANGED', KEYS[1]) end
redis.call('HSET', KEYS[1], field, ARGV[6], 'updatedAt', now)
audit(KEYS[2], ARGV[3], h, ARGV[2], ARGV[4], now)
return answer('OK', KEYS[1])
