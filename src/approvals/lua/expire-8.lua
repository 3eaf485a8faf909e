--[[
  Expire a pending request whose time is up (the scheduled tick).

  KEYS[1] request hash   KEYS[2] active pointer   KEYS[3] service audit stream
  ARGV[1] now   ARGV[2] '1' when the caller tells the requester (the expiry tick), else '0' (a click)

  Output: OK (state → expired), NOT_FOUND, NOT_PENDING, NOT_DUE (expiresAt is still ahead),
          UNTOLD (the tick only: expired earlier by a click or a new request and its requester not
          told yet; marked told now, so the tick tells them once)

  KEYS[4..8] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 4
local now = ARGV[1]
local h = hgetall(KEYS[1])
local tells = ARGV[2] == '1'
if not h.id then return answer('NOT_FOUND') end
if tells and h.state == 'expired' and h.untold then
  redis.call('HDEL', KEYS[1], 'untold')
  return answer('UNTOLD', KEYS[1])
end
if h.state ~= 'pending' then return answer('NOT_PENDING', KEYS[1]) end
if tonumber(now) < tonumber(h.expiresAt) then return answer('NOT_DUE', KEYS[1]) end
expireRequest(KEYS[1], KEYS[2], KEYS[3], h, now, tells)
return answer('OK', KEYS[1])
