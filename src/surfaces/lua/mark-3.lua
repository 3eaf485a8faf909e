-- Something the Home tab shows changed: mark it, and schedule one refresh unless one is on its way.
-- Nothing happens when nobody opened the Home tab lately (no one to refresh it for).
--
-- KEYS[1] viewers (sorted set, score = last opened)   KEYS[2] dirty flag   KEYS[3] scheduled marker
--   (one slot: {index})
-- ARGV[1] viewers since (ms)   ARGV[2] scheduled marker TTL (ms)   ARGV[3] dirty flag TTL (s)
--
-- Returns 0 (no viewers), 1 (marked; the caller hands a refresh to the worker), 2 (marked; one is on its way)
if redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf') == 0 then
  return 0
end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
if redis.call('SET', KEYS[3], '1', 'PX', ARGV[2], 'NX') then
  return 1
end
return 2
