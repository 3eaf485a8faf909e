-- The scheduled check takes one incident's waiting thread replies to post them (src/alerts/backlog.ts),
-- as a claim (section 'c.', includes/backlog.lua) rather than removing them: a check that dies
-- (crash, timeout) before its post is settled leaves the claim, and once the claim's time is up the
-- next check takes it again and posts it. At least once: lines are posted twice only when a check
-- died after Slack took its post and before backlog-settle-1.lua deleted the claim.
-- The service muted: everything waiting (and a claim whose check is gone) is dropped instead.
-- A claim is retried for as long as lines wait at most (ARGV[5] from when a check first took it,
-- 'c.since'): while Slack keeps refusing, taking it again renews neither the hash's expiry nor its
-- own, so waiting lines cannot live forever. Then its lines are dropped and counted in the summary
-- of what could not be posted ('x.', includes/backlog.lua bl_lost: n, from when a check first took
-- them to now, the thread), which is taken like lines once no incident's lines wait, and posted as
-- one short reply ("N events could not be posted between X and Y"); the summary is retried for
-- ARGV[6] from its first count, then dropped too. Lines added since its last take wait on in their
-- own section, and get their own time when next taken. A claim whose post got no answer ('c.u', set
-- by backlog-settle-1.lua 'unsure': Slack may have taken it) is taken again as it was, without the
-- lines gathered since (they wait in their section for the next claim): if the check finds the post
-- landed, settling it must not drop lines it did not show.
--
-- KEYS[1] the service's backlog hash   KEYS[2] the service's mute hash
-- ARGV[1] now (ms)   ARGV[2] claim time (ms)   ARGV[3] token of this check
-- ARGV[4] most lines kept per incident   ARGV[5] TTL (ms)   ARGV[6] how long the summary waits (ms)
--
-- Returns {'none'} | {'busy'} (another check holds the claim, in time) | {'muted', n events dropped} |
--         {'expired', n events} (a claim retried for ARGV[5]: its lines dropped, counted in the summary) |
--         {'gone', n events} (the summary retried for ARGV[6]: dropped) |
--         {'ok', gen, channel, ts, n, taken over ('1': from a check presumed dead), since, unsure ('' or
--         when its post got no answer), line...} |
--         {'lost', gen, channel, ts, n, taken over, from, to, since, unsure} (the summary)
bl_upgrade()
local now = tonumber(ARGV[1])
local lostTtl = tonumber(ARGV[6])
local c = redis.call('HMGET', B, 'c.gen', 'c.tok', 'c.until', 'c.since', 'c.lost', 'c.from', 'c.to', 'c.u')
local unsure = c[8] or ''
if c[2] and tonumber(c[3] or '0') > now then return {'busy'} end
if tonumber(redis.call('HGET', KEYS[2], 'until') or '0') > now then
  local n = tonumber(redis.call('HGET', B, 'x.n') or '0')
  if c[1] then n = n + bl_read('c.').n end
  for _, g in ipairs(bl_gens()) do n = n + bl_read('g' .. g .. '.').n end
  redis.call('DEL', B)
  if n == 0 then return {'none'} end
  return {'muted', n}
end
local claim, gen
local takenOver = '0'
-- When a check first took the lines (a claim taken before 'since' was written: from now on).
local since = tonumber(c[4] or '') or now
if c[1] and c[5] == '1' and unsure ~= '' then
  -- The summary, its post having got no answer ('c.u': Slack may have taken it): taken again as it
  -- was, so the check looks for it (its key: the thread and 'since') before saying it again; what was
  -- counted since waits in 'x.' for a summary of its own. Retried for ARGV[6] from its first count.
  if c[2] then takenOver = '1' end
  local h = redis.call('HMGET', B, 'c.channel', 'c.ts', 'c.n')
  if now - since >= lostTtl then
    bl_drop('c.', 0)
    return {'gone', tonumber(h[3]) or 0}
  end
  redis.call('HSET', B, 'c.tok', ARGV[3], 'c.until', now + tonumber(ARGV[2]))
  bl_keep(tonumber(ARGV[2]) * 2)
  return {'lost', c[1], h[1], h[2], h[3], takenOver, c[6], c[7], since, unsure}
elseif c[1] and c[5] == '1' then
  -- The summary, given back or whose check is gone: taken again below with what was counted since.
  if c[2] then takenOver = '1' end
  claim = bl_read('c.')
  bl_drop('c.', claim.k)
  local x = redis.call('HMGET', B, 'x.n', 'x.from', 'x.to', 'x.gen', 'x.channel', 'x.ts', 'x.since')
  redis.call('HDEL', B, 'x.n', 'x.from', 'x.to', 'x.gen', 'x.channel', 'x.ts', 'x.since')
  redis.call('HSET', B, 'x.n', claim.n + (tonumber(x[1]) or 0), 'x.from', math.min(tonumber(c[6]), tonumber(x[2]) or now),
    'x.to', math.max(tonumber(c[7]), tonumber(x[3]) or 0), 'x.gen', x[4] or c[1], 'x.channel', x[5] or claim.channel,
    'x.ts', x[6] or claim.ts, 'x.since', since)
elseif c[1] then
  -- A claim given back (its post did not go) or whose check is gone: taken again, with the lines
  -- its incident gathered since; once it has been retried for as long as lines wait, dropped.
  gen = tonumber(c[1])
  if c[2] then takenOver = '1' end
  claim = bl_read('c.')
  bl_drop('c.', claim.k)
  if now - since >= tonumber(ARGV[5]) then
    bl_lost(claim.n, since, now, gen, claim.channel, claim.ts, now, lostTtl)
    return {'expired', claim.n}
  end
  local p = 'g' .. gen .. '.'
  local s = bl_read(p)
  if s.ts ~= '' and unsure == '' then
    claim.n = claim.n + s.n
    claim.lines = bl_concat(claim.lines, s.lines)
    if claim.ts == '' then claim.channel, claim.ts = s.channel, s.ts end
    bl_drop(p, s.k)
  end
end
if not gen then
  local gens = bl_gens()
  if #gens == 0 then
    -- No incident's lines wait: the summary of what could not be posted, if any.
    local x = redis.call('HMGET', B, 'x.n', 'x.from', 'x.to', 'x.gen', 'x.channel', 'x.ts', 'x.since')
    if not x[1] then return {'none'} end
    redis.call('HDEL', B, 'x.n', 'x.from', 'x.to', 'x.gen', 'x.channel', 'x.ts', 'x.since')
    local xs = tonumber(x[7]) or now
    if now - xs >= lostTtl or (x[6] or '') == '' then return {'gone', tonumber(x[1])} end
    redis.call('HSET', B, 'c.gen', x[4], 'c.channel', x[5], 'c.ts', x[6], 'c.n', x[1], 'c.k', 0, 'c.lost', '1',
      'c.from', x[2], 'c.to', x[3], 'c.tok', ARGV[3], 'c.until', now + tonumber(ARGV[2]), 'c.since', xs)
    -- Lives at least as long as the claim (the hash may be about to expire).
    bl_keep(tonumber(ARGV[2]) * 2)
    return {'lost', x[4], x[5], x[6], x[1], takenOver, x[2], x[3], xs, ''}
  end
  gen = gens[1]
  takenOver = '0'
  unsure = ''
  claim = bl_read('g' .. gen .. '.')
  bl_drop('g' .. gen .. '.', claim.k)
end
if claim.ts == '' then return {'none'} end
local kept = bl_write('c.', claim, tonumber(ARGV[4]))
redis.call('HSET', B, 'c.gen', gen, 'c.tok', ARGV[3], 'c.until', now + tonumber(ARGV[2]), 'c.since', since)
if unsure ~= '' then redis.call('HSET', B, 'c.u', unsure) end
-- Lines taken for the first time wait (in Redis) ARGV[5] from now; a claim taken again keeps its expiry.
if not c[1] then bl_keep(tonumber(ARGV[5])) end
local out = {'ok', gen, claim.channel, claim.ts, claim.n, takenOver, since, unsure}
for i = 1, kept do out[#out + 1] = claim.lines[i] end
return out
