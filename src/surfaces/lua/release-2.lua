-- A Home refresh is done: release the "scheduled" marker, and take it again at once when something
-- changed while the refresh ran (the caller then refreshes once more).
--
-- KEYS[1] dirty flag   KEYS[2] scheduled marker   (one slot: {index})
-- ARGV[1] scheduled marker TTL (ms)
--
-- Returns 1 (changed meanwhile: refresh again) or 0 (done)
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('SET', KEYS[2], '1', 'PX', ARGV[1], 'NX') then
    return 1
  end
end
return 0
