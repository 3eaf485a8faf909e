-- The next reminder of a break-glass change's approval after the fact, set by the reminder tick only
-- while the change's entry is where the tick read it. A transition that moved it in between (the
-- request failed without running, so the scripts made it due at once to end the asking) keeps its
-- place: the next tick ends the asking then, not at the next reminder time.
--
-- KEYS[1] approvals:{svc:<env>:<service>}:retro
-- ARGV[1] request id   ARGV[2] the score the tick read   ARGV[3] the next reminder (ms)
--
-- Returns 1 when the next reminder was set, 0 when the entry moved or went meanwhile.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
