-- /ecs mute: check the length against the maximum and record it in one step (src/commands/mute.ts).
-- KEYS[1] mute hash
-- ARGV[1] user  ARGV[2] reason  ARGV[3] now  ARGV[4] until  ARGV[5] requester maximum (ms)  ARGV[6] '1': approver
-- The maximum counts from when the mute in force began. Returns {'ok', since, beyond '1'|'0'} or,
-- not recorded, {'beyond', by, since, until (of the mute in force, '' when none), allowed}.
local now, untilAt, max = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'by', 'since', 'until')
local current = h[1] and h[1] ~= '' and tonumber(h[3] or '0') > now
local began = now
local curUntil = 0
if current then
  began = tonumber(h[2] or '0')
  if not began or began <= 0 then began = now end
  curUntil = tonumber(h[3])
end
local allowed = math.max(began + max, curUntil)
local beyond = untilAt > allowed
if beyond and ARGV[6] ~= '1' then
  if current then return {'beyond', h[1], tostring(began), tostring(curUntil), tostring(allowed)} end
  return {'beyond', '', '', '', tostring(allowed)}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'by', ARGV[1], 'reason', ARGV[2], 'since', tostring(began), 'until', tostring(untilAt))
redis.call('PEXPIRE', KEYS[1], math.max(1, untilAt - now))
return {'ok', tostring(began), beyond and '1' or '0'}
