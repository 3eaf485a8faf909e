--[[
  Merge execution facts into the request (field `x.<name>` = JSON value per fact). Idempotent:
  facts already recorded with the same value write nothing and add no audit entry.

  KEYS[1] request hash   KEYS[2] service audit stream
  ARGV[1] now   ARGV[2] audit event   ARGV[3] audit detail   ARGV[4..] name, json pairs

  Output: OK (something changed), UNCHANGED, NOT_FOUND, NOT_STARTED (pending / rejected /
  expired / cancelled: nothing executes, so there is nothing to record)
]]
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'approved' and h.state ~= 'running' and h.state ~= 'succeeded' and h.state ~= 'failed' then
  return answer('NOT_STARTED', KEYS[1])
end
local changed = false
for i = 4, #ARGV, 2 do
  local field = 'x.' .. ARGV[i]
  if h[field] ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
    changed = true
  end
end
if not changed then return answer('UNCHANGED', KEYS[1]) end
redis.call('HSET', KEYS[1], 'updatedAt', now)
audit(KEYS[2], ARGV[2], h, 'bot', ARGV[3], now)
return answer('OK', KEYS[1])
