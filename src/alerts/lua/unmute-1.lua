-- /ecs unmute: remove the mute and say what it was, in one step.
--
-- KEYS[1] mute hash
-- ARGV[1] now (ms)
--
-- Returns {by, reason, since, until} of the mute that was in force, or {} when none was.
local h = redis.call('HMGET', KEYS[1], 'by', 'reason', 'since', 'until')
local removed = redis.call('DEL', KEYS[1])
if removed == 0 or not h[1] or h[1] == '' or tonumber(h[4] or '0') <= tonumber(ARGV[1]) then return {} end
return {h[1], h[2] or '', h[3] or '0', h[4]}
