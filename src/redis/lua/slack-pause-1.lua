--[[
  Record a 429 pause of one Slack scope (src/redis/slack-pause.ts), keeping the later end: two 429s
  of a scope in flight at once are recorded in either order, and a shorter Retry-After written last
  must not end the pause early (the calls waiting on it would meet Slack's limit again). Compared as
  the key's remaining time (PTTL), never a clock of one process against another's.

  KEYS[1] slackpause:{<scope>}
  ARGV[1] the pause, ms from now (1 .. SLACK_PAUSE_MAX_SECONDS * 1000)
  ARGV[2] Slack's Retry-After (seconds; the key's value)

  Output: the scope's pause now, ms (ARGV[1], or longer when an earlier one ends later)
]]
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left >= ms then
  return left
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
return ms
