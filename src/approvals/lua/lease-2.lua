--[[
  The lease of the worker executing a running request (src/deploy/execute.ts): one worker at a
  time, renewed while it works, and checked atomically right before the service is changed, so
  a worker whose request was settled (failed by the tick) or taken over never changes it.

  KEYS[1] request hash   KEYS[2] lease (string: the holder's token; same slot as the request)
  ARGV[1] op: acquire | renew | check | release   ARGV[2] token   ARGV[3] lease TTL (ms)
  ARGV[4] acquire: until when this attempt may run at most (epoch ms; kept in the request's attemptUntil)

  Output:
    OK           acquire: taken (attemptUntil raised to ARGV[4]); renew / check: still ours and the
                 request still running (the lease extended); release: released
    NOT_RUNNING  the request is not running (any more); request = current
    HELD         acquire: another worker holds it; renew / check / release: the lease is not ours
    NOT_FOUND    no such request
]]
local op, token = ARGV[1], ARGV[2]
local h = hgetall(KEYS[1])
if op == 'release' then
  if redis.call('GET', KEYS[2]) == token then redis.call('DEL', KEYS[2]); return answer('OK') end
  return answer('HELD')
end
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'running' then return answer('NOT_RUNNING', KEYS[1]) end
local holder = redis.call('GET', KEYS[2])
if op == 'acquire' then
  if holder and holder ~= token then return answer('HELD', KEYS[1]) end
  redis.call('SET', KEYS[2], token, 'PX', ARGV[3])
  if tonumber(ARGV[4]) > tonumber(h.attemptUntil or '0') then redis.call('HSET', KEYS[1], 'attemptUntil', ARGV[4]) end
  return answer('OK', KEYS[1])
end
if holder ~= token then return answer('HELD', KEYS[1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return answer('OK', KEYS[1])
