-- After posting or updating an incident's message: record what Slack now shows and when
-- (`shownAt`: the next update waits until shownAt + the update spacing, src/alerts/sync.ts) and hand
-- the lease back, unless the incident changed meanwhile (then keep it and render again).
--
-- KEYS[1] incident hash
-- ARGV[1] gen   ARGV[2] rendered rev   ARGV[3] mode: ok | failed   ARGV[4] ts ('' when updating)
-- ARGV[5] channel   ARGV[6] now (ms)
--
-- Returns {'gone'} (a newer incident replaced it; a first post of it that went is dropped from the
--         newer one's earlier occurrences) | {'released'} (mode failed) | {'done'} |
--         {'again'} (changed meanwhile: you still hold the lease) | {'duplicate', ts} (someone else posted)
local inc = KEYS[1]
if redis.call('HGET', inc, 'gen') ~= ARGV[1] then
  -- A first post of a replaced incident went after all (it was in flight when signal-4.lua opened the
  -- new one): it, and the earlier occurrences it showed (those up to its gen), are no longer owed
  -- as the new incident's earlier occurrences, so each is told once.
  if ARGV[3] == 'ok' and ARGV[4] ~= '' then
    local n = redis.call('HDEL', inc, 'eMore')
    for _, f in ipairs(redis.call('HKEYS', inc)) do
      local g = string.match(f, '^e:(%d+)$')
      if g and tonumber(g) <= tonumber(ARGV[1]) then n = n + redis.call('HDEL', inc, f) end
    end
    if n > 0 then redis.call('HINCRBY', inc, 'rev', 1) end
  end
  return {'gone'}
end
if ARGV[3] == 'failed' then
  redis.call('HDEL', inc, 'lease')
  return {'released'}
end
if ARGV[4] ~= '' then
  local cur = redis.call('HGET', inc, 'ts')
  if cur and cur ~= '' and cur ~= ARGV[4] then
    redis.call('HDEL', inc, 'lease')
    return {'duplicate', cur}
  end
  redis.call('HSET', inc, 'ts', ARGV[4], 'channel', ARGV[5])
end
redis.call('HSET', inc, 'shown', ARGV[2], 'shownAt', ARGV[6])
if tonumber(redis.call('HGET', inc, 'rev') or '0') == tonumber(ARGV[2]) then
  redis.call('HDEL', inc, 'lease')
  return {'done'}
end
redis.call('HSET', inc, 'lease', ARGV[6])
return {'again'}
