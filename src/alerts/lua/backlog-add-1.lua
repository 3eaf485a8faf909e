-- Thread replies of an incident that did not reach Slack (the channel's pace left them out, or Slack
-- answered 429 and the wait did not fit): kept for the scheduled check, which posts them in one reply
-- (src/alerts/backlog.ts). Also puts back what the check took when its post did not go through.
--
-- KEYS[1] the service's backlog hash: gen, channel, ts (the thread), n (events counted), k (lines kept), l1..lk
-- ARGV[1] incident gen   ARGV[2] channel   ARGV[3] thread ts   ARGV[4] events these lines stand for
-- ARGV[5] most lines kept   ARGV[6] TTL (ms)   ARGV[7] '1': the lines are older than those kept (put back)
-- ARGV[8..] the lines
--
-- Returns {n, kept} after the change | {-1, 0} when the backlog holds a newer incident's lines (nothing added)
local gen = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'gen', 'n', 'k')
local lines = {}
local n = 0
if h[1] then
  local have = tonumber(h[1])
  if have > gen then return {-1, 0} end
  -- Lines of an earlier incident (closed since) give way to the new incident's.
  if have == gen then
    n = tonumber(h[2]) or 0
    local k = tonumber(h[3]) or 0
    if k > 0 then
      local names = {}
      for i = 1, k do names[i] = 'l' .. i end
      lines = redis.call('HMGET', KEYS[1], unpack(names))
    end
  end
end
local add = {}
for i = 8, #ARGV do add[#add + 1] = ARGV[i] end
local all = {}
local first, second = lines, add
if ARGV[7] == '1' then first, second = add, lines end
for _, l in ipairs(first) do all[#all + 1] = l end
for _, l in ipairs(second) do all[#all + 1] = l end
n = n + tonumber(ARGV[4])
local kept = math.min(#all, tonumber(ARGV[5]))
local fields = {'gen', gen, 'channel', ARGV[2], 'ts', ARGV[3], 'n', n, 'k', kept}
for i = 1, kept do
  fields[#fields + 1] = 'l' .. i
  fields[#fields + 1] = all[i]
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
return {n, kept}
