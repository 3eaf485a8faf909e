-- Helpers of the thread-reply backlog scripts (backlog-add-1.lua, backlog-take-2.lua; prepended by
-- src/alerts/backlog.ts). KEYS[1] is the service's backlog hash; it holds, per incident generation
-- <g> whose replies wait, a section 'g<g>.': channel, ts (the incident's thread), n (events), k
-- (lines kept), l1..lk; and at most one claim, section 'c.' (the same fields and gen, tok: the check
-- that took it, until: when that check is presumed dead, since: when a check first took it, ms;
-- lost '1', from, to: a claim of the summary below; u: when its post got no answer, ms real time, so
-- the next check looks for it before posting it again); and a summary of what could not be posted,
-- section 'x.': n (events), from, to (ms), gen, channel, ts (the newest incident's thread), since.
local B = KEYS[1]

-- The generations with a section, oldest first.
local function bl_gens()
  local gens = {}
  for _, f in ipairs(redis.call('HKEYS', B)) do
    local g = string.match(f, '^g(%d+)%.ts$')
    if g then gens[#gens + 1] = tonumber(g) end
  end
  table.sort(gens)
  return gens
end

-- The section with prefix p: {channel, ts ('' when none), n, k, lines}.
local function bl_read(p)
  local h = redis.call('HMGET', B, p .. 'channel', p .. 'ts', p .. 'n', p .. 'k')
  local k = tonumber(h[4]) or 0
  local lines = {}
  if k > 0 then
    local names = {}
    for i = 1, k do names[i] = p .. 'l' .. i end
    for _, l in ipairs(redis.call('HMGET', B, unpack(names))) do
      if l then lines[#lines + 1] = l end
    end
  end
  return {channel = h[1] or '', ts = h[2] or '', n = tonumber(h[3]) or 0, k = k, lines = lines}
end

-- Remove the section with prefix p (k lines).
local function bl_drop(p, k)
  local names = {p .. 'channel', p .. 'ts', p .. 'n', p .. 'k', p .. 'gen', p .. 'tok', p .. 'until', p .. 'since',
    p .. 'lost', p .. 'from', p .. 'to', p .. 'u'}
  for i = 1, k do names[#names + 1] = p .. 'l' .. i end
  redis.call('HDEL', B, unpack(names))
end

-- Write section p from s (its first maxLines lines); returns the lines kept.
local function bl_write(p, s, maxLines)
  local kept = math.min(#s.lines, maxLines)
  local f = {p .. 'channel', s.channel, p .. 'ts', s.ts, p .. 'n', s.n, p .. 'k', kept}
  for i = 1, kept do
    f[#f + 1] = p .. 'l' .. i
    f[#f + 1] = s.lines[i]
  end
  redis.call('HSET', B, unpack(f))
  return kept
end

local function bl_concat(a, b)
  local all = {}
  for _, l in ipairs(a) do all[#all + 1] = l end
  for _, l in ipairs(b) do all[#all + 1] = l end
  return all
end

-- A hash written before sections (gen, channel, ts, n, k, l1..lk at the top level) becomes its gen's section.
local function bl_upgrade()
  local gen = redis.call('HGET', B, 'gen')
  if not gen then return end
  local s = bl_read('')
  bl_drop('', s.k)
  if s.ts ~= '' then bl_write('g' .. gen .. '.', s, #s.lines) end
end

-- The hash lives at least ttl (ms) from now (never shortened: a summary waits longer than lines).
local function bl_keep(ttl)
  if redis.call('PTTL', B) < ttl then redis.call('PEXPIRE', B, ttl) end
end

-- n events of incident gen (thread channel, ts) that could not be posted between from and to: counted
-- in the summary 'x.', which the scheduled check posts once Slack answers (backlog-take-2.lua); it
-- waits at most ttl (ms) from its first count.
local function bl_lost(n, from, to, gen, channel, ts, now, ttl)
  if n <= 0 then return end
  local x = redis.call('HMGET', B, 'x.n', 'x.from', 'x.to', 'x.gen')
  local f = {'x.n', (tonumber(x[1]) or 0) + n, 'x.from', math.min(tonumber(x[2]) or from, from), 'x.to', math.max(tonumber(x[3]) or to, to)}
  if gen >= (tonumber(x[4]) or 0) and ts ~= '' then
    for _, v in ipairs({'x.gen', gen, 'x.channel', channel, 'x.ts', ts}) do f[#f + 1] = v end
  end
  redis.call('HSET', B, unpack(f))
  redis.call('HSETNX', B, 'x.since', now)
  bl_keep(ttl)
end
