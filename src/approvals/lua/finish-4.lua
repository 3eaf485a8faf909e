--[[
  running → succeeded | failed; releases the change lock and the active pointer.

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  ARGV[1] outcome: succeeded | failed   ARGV[2] detail   ARGV[3] now

  Output:
    OK           finished
    ALREADY      already in that outcome (a repeated call): nothing written
    NOT_RUNNING  not running (never started, or finished with the other outcome); request = current
    NOT_FOUND    no such request
]]
local outcome, now = ARGV[1], ARGV[3]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state == outcome then return answer('ALREADY', KEYS[1]) end
if h.state ~= 'running' then return answer('NOT_RUNNING', KEYS[1]) end
redis.call('HSET', KEYS[1], 'state', outcome, 'decisionReason', ARGV[2], 'updatedAt', now, 'finishedAt', now)
h.state = outcome
releaseService(KEYS[2], KEYS[3], h.id)
audit(KEYS[4], outcome, h, 'bot', ARGV[2], now)
return answer('OK', KEYS[1])
