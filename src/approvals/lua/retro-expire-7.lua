--[[
  A break-glass request whose approval after the fact never came within gates.breakGlass.retroDeadline:
  the thread stops asking and the audit trail says so.

  KEYS[1] request hash   KEYS[2] service audit stream
  ARGV[1] now   ARGV[2] detail

  Output: OK (retroExpiredAt set), RETRO_DONE (approved, or already given up), NOT_BREAK_GLASS, NOT_FOUND

  KEYS[3..7] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 3
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if not h.breakGlass then return answer('NOT_BREAK_GLASS', KEYS[1]) end
if h.retroApprovedAt or h.retroExpiredAt then return answer('RETRO_DONE', KEYS[1]) end
redis.call('HSET', KEYS[1], 'retroExpiredAt', now, 'updatedAt', now)
audit(KEYS[2], 'retro-expired', h, 'bot', ARGV[2], now)
return answer('OK', KEYS[1])
