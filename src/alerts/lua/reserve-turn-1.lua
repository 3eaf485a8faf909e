-- A turn in a paced stream of Slack calls, reserved (GCRA: generic cell rate algorithm). Two paces
-- share it: the workspace's budget of alert updates (chat.update, alertrate:{workspace}) and one
-- channel's pace of alert posts and thread replies (chat.postMessage, alertrate:{workspace}:post:<c>).
-- Each caller is handed the time its turn comes and that turn is reserved for it, in the order the
-- callers asked: a waiter sleeps once until its turn instead of polling, and no later caller can
-- take it. A turn further off than the caller's max wait is refused and nothing is reserved.
--
-- KEYS[1] the pace's hash: tat (ms, the theoretical arrival time: when the pace is idle again)
-- ARGV[1] now (ms)   ARGV[2] turns per minute   ARGV[3] burst (turns at once)   ARGV[4] max wait (ms)
-- ARGV[5] longest TTL (ms)
--
-- Returns the ms until the caller's turn (0: now), reserved | -(the ms until the next turn) when that
-- is further than the max wait (refused, nothing reserved)
local now = tonumber(ARGV[1])
local interval = 60000 / tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local maxWait = tonumber(ARGV[4])
-- Callers' clocks differ a little (one per Lambda): the pace never runs backwards.
local tat = math.max(tonumber(redis.call('HGET', KEYS[1], 'tat')) or now, now)
-- Up to `burst` turns may start before tat: the first `burst` callers of an idle pace go at once.
local turn = math.max(now, tat - (burst - 1) * interval)
local wait = math.ceil(turn - now)
if wait > maxWait then return -wait end
tat = tat + interval
redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', tat))
-- Forgotten once idle again (tat passed, with a second for the callers' clocks), never later than the TTL.
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[5]), math.ceil(tat - now) + 1000))
return wait
