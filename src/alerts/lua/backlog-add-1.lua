-- Thread replies of an incident that did not reach Slack (the channel's pace left them out, or Slack
-- answered 429 and the wait did not fit): kept for the scheduled check, which posts them in one reply
-- in that incident's thread (src/alerts/backlog.ts). Each incident's lines wait in their own section
-- (includes/backlog.lua), so a new incident of the service does not drop the lines of the one before:
-- they still go to the earlier incident's thread. At most ARGV[7] incidents wait; past that the
-- oldest one's lines make room: they are counted in the summary of what could not be posted
-- (includes/backlog.lua bl_lost), as are lines that find no room, and returned, so the caller logs them.
--
-- KEYS[1] the service's backlog hash
-- ARGV[1] incident gen   ARGV[2] channel   ARGV[3] thread ts   ARGV[4] events these lines stand for
-- ARGV[5] most lines kept per incident   ARGV[6] TTL (ms)   ARGV[7] most incidents waiting
-- ARGV[8] now (ms)   ARGV[9] how long the summary waits (ms)   ARGV[10..] the lines
--
-- Returns {n, kept, droppedGen, droppedN} after the change (droppedGen 0: nothing dropped) |
--         {-1, 0, 0, 0}: no room, and every incident waiting is newer (nothing added but the count)
bl_upgrade()
local now, lostTtl = tonumber(ARGV[8]), tonumber(ARGV[9])
local gen = tonumber(ARGV[1])
local p = 'g' .. gen .. '.'
local cur = bl_read(p)
local droppedGen, droppedN = 0, 0
if cur.ts == '' then
  local gens = bl_gens()
  if #gens >= tonumber(ARGV[7]) then
    if gens[1] > gen then
      bl_lost(tonumber(ARGV[4]), now, now, gen, ARGV[2], ARGV[3], now, lostTtl)
      return {-1, 0, 0, 0}
    end
    droppedGen = gens[1]
    local old = bl_read('g' .. droppedGen .. '.')
    droppedN = old.n
    bl_drop('g' .. droppedGen .. '.', old.k)
    bl_lost(old.n, now, now, droppedGen, old.channel, old.ts, now, lostTtl)
  end
end
local add = {}
for i = 10, #ARGV do add[#add + 1] = ARGV[i] end
local n = cur.n + tonumber(ARGV[4])
bl_drop(p, cur.k)
local kept = bl_write(p, {channel = ARGV[2], ts = ARGV[3], n = n, lines = bl_concat(cur.lines, add)}, tonumber(ARGV[5]))
bl_keep(tonumber(ARGV[6]))
return {n, kept, droppedGen, droppedN}
