--[[
  /ecs lock!: lock a service, taking over a lock someone else holds (a manual lock, or the automatic
  lock after a rollback). The previous holder is told by the caller.

  KEYS[1] service lock   KEYS[2] service audit stream
  ARGV[1] user   ARGV[2] reason   ARGV[3] now   ARGV[4] environment   ARGV[5] service alias
  ARGV[6] how long the lock may live (ms; a forgotten lock ends by itself)

  Output (extra = the new lock, plus the previous one as prev.by, prev.reason, prev.since, prev.kind):
    OK              locked by the user (taken over, or locked when there was no lock)
    CHANGE_RUNNING  a change to the service is running and holds the lock (not taken over)

  A running change that holds its requester's lock by hand (held.*: start-10.lua) runs on: the lock
  it holds is taken over (the new one is given back when the change ends), and the change lock
  lives at least as long as the new lock (includes/common.lua releaseService).
]]
local user, now = ARGV[1], ARGV[3]
local lock = hgetall(KEYS[1])
if lock.kind == 'change' then
  if not lock['held.by'] then return answer('CHANGE_RUNNING', nil, redis.call('HGETALL', KEYS[1])) end
  redis.call('HSET', KEYS[1], 'held.by', user, 'held.reason', ARGV[2], 'held.since', now, 'held.ttl', ARGV[6])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
  lock = { by = lock['held.by'], reason = lock['held.reason'], since = lock['held.since'], kind = 'manual' }
else
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'by', user, 'reason', ARGV[2], 'since', now, 'kind', 'manual')
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
local target = { environment = ARGV[4], service = ARGV[5], state = 'locked' }
if lock.by then
  local detail = 'took over the lock of ' .. lock.by
  if lock.reason and lock.reason ~= '' then detail = detail .. ' (' .. lock.reason .. ')' end
  audit(KEYS[2], 'lock-taken-over', target, user, detail .. ': ' .. ARGV[2], now)
else
  audit(KEYS[2], 'locked', target, user, ARGV[2], now)
end
local extra = redis.call('HGETALL', KEYS[1])
for k, v in pairs(lock) do
  extra[#extra + 1] = 'prev.' .. k
  extra[#extra + 1] = v
end
return answer('OK', nil, extra)
