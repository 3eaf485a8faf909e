-- The scheduled check takes the messages of replaced incidents that Slack left behind (their last
-- updates refused; kept by signal-4.lua as 'b:<gen>' with 'ba:<gen>': from when it may be taken, later
-- than its replacement while a render of it may still be in flight) to bring each to its final
-- rendering once. Taking is a claim ('bc:<gen>' = now, for ARGV[2]): a check that dies before
-- settling leaves it, and the first check after the claim ran out takes it again. Entries older than
-- ARGV[3] are dropped (counted in the answer). While the service is muted they wait (an edit of the
-- old message is quiet, but the muter asked for quiet; the mute ends before they expire or they go).
--
-- KEYS[1] the service's messages left behind (alertbehind:{svc:…})   KEYS[2] mute hash
-- ARGV[1] now (ms)   ARGV[2] claim (ms)   ARGV[3] how long an entry is kept (ms)
--
-- Returns {dropped (a day old), overflow (dropped by signal-4.lua past its bound since the last take),
--          gen1, json1, gen2, json2, ...}
local now = tonumber(ARGV[1])
local hash = KEYS[1]
local out = {0, tonumber(redis.call('HGET', hash, 'dropped') or '0')}
redis.call('HDEL', hash, 'dropped')
local muted = tonumber(redis.call('HGET', KEYS[2], 'until') or '0') > now
for _, f in ipairs(redis.call('HKEYS', hash)) do
  local g = string.match(f, '^b:(%d+)$')
  if g then
    local at = tonumber(redis.call('HGET', hash, 'ba:' .. g) or '0')
    local claim = tonumber(redis.call('HGET', hash, 'bc:' .. g) or '0')
    if now - at > tonumber(ARGV[3]) then
      redis.call('HDEL', hash, f, 'ba:' .. g, 'bc:' .. g)
      out[1] = out[1] + 1
    elseif not muted and now >= at and (claim == 0 or now - claim >= tonumber(ARGV[2])) then
      redis.call('HSET', hash, 'bc:' .. g, now)
      out[#out + 1] = g
      out[#out + 1] = redis.call('HGET', hash, f)
    end
  end
end
return out
