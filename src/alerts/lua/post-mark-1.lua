-- The mark of an incident's post that got no answer from Slack (src/alerts/keyed.run.ts): 'u:<name>'
-- in the incident's own hash (when, ms real time), so it expires with the incident. When a new
-- incident replaces it, signal-4.lua keeps the replaced one with its mark in the messages left behind
-- (src/alerts/behind.ts looks for the post there). Only for the incident generation asked about: a
-- mark of a replaced incident is neither read nor written into the new one.
--
-- KEYS[1] incident hash
-- ARGV[1] gen   ARGV[2] get | set | del   ARGV[3] name   ARGV[4] when (ms; set)
--
-- Returns the mark (get, set) or nil
local inc = KEYS[1]
if redis.call('HGET', inc, 'gen') ~= ARGV[1] then return false end
local f = 'u:' .. ARGV[3]
if ARGV[2] == 'set' then
  redis.call('HSET', inc, f, ARGV[4])
  return ARGV[4]
end
if ARGV[2] == 'del' then
  redis.call('HDEL', inc, f)
  return false
end
return redis.call('HGET', inc, f)
