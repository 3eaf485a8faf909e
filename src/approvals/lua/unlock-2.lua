--[[
  /ecs unlock: remove a manual lock (someone else's needs an approver), or acknowledge the automatic
  lock taken after a rollback (anyone allowed to run /ecs unlock: requesters and approvers).

  KEYS[1] service lock   KEYS[2] service audit stream
  ARGV[1] user   ARGV[2] '1' when the user is an approver   ARGV[3] now   ARGV[4] environment   ARGV[5] service alias

  Output (extra = the lock as it was):
    OK              unlocked
    NOT_LOCKED      there is no lock
    CHANGE_LOCK     the lock belongs to a running change; it is released when the change ends (a lock by hand
                    the change holds for its requester, held.*, is removed: OK, extra = that lock)
    NOT_LOCK_OWNER  someone else's lock, and the user is not an approver
]]
local user, now = ARGV[1], ARGV[3]
local lock = hgetall(KEYS[1])
if not lock.by then return answer('NOT_LOCKED') end
local flat = redis.call('HGETALL', KEYS[1])
if lock.kind == 'change' then
  -- A running change holding its requester's lock by hand: unlocking drops that lock (the change goes on).
  if not lock['held.by'] then return answer('CHANGE_LOCK', nil, flat) end
  lock = { by = lock['held.by'], reason = lock['held.reason'], since = lock['held.since'], kind = 'manual', held = true }
  flat = { 'by', lock.by, 'reason', lock.reason or '', 'since', lock.since or '', 'kind', 'manual' }
end
if lock.kind ~= 'rollback' and lock.by ~= user and ARGV[2] ~= '1' then return answer('NOT_LOCK_OWNER', nil, flat) end
if lock.held then
  redis.call('HDEL', KEYS[1], 'held.by', 'held.reason', 'held.since', 'held.ttl')
  -- The change lock's own safety net again (start-10.lua lengthened it for the held lock).
  local own = tonumber(redis.call('HGET', KEYS[1], 'own'))
  if own then redis.call('PEXPIRE', KEYS[1], math.max(1, own - tonumber(now))) end
else
  redis.call('DEL', KEYS[1])
end
local detail = 'lock of ' .. lock.by
if lock.reason and lock.reason ~= '' then detail = detail .. ': ' .. lock.reason end
local event = 'unlocked'
if lock.kind == 'rollback' then event = 'acknowledged' end
audit(KEYS[2], event, { id = lock.request or '', environment = ARGV[4], service = ARGV[5], state = 'unlocked' }, user, detail, now)
return answer('OK', nil, flat)
