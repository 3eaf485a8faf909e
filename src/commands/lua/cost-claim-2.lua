-- One exact Cost Explorer request: its cached answer, or the right to ask it (single-flight).
--
-- KEYS[1] the cached answer   KEYS[2] the request in flight (one slot: `{<request hash>}`)
-- ARGV[1] the caller's token   ARGV[2] how long the caller may hold the request (ms)
--
-- Returns {cached answer or '', 1 when the caller now holds the request else 0, holder or ''}.
-- The holder is another caller's token (wait for its answer), or `failed:<token>:<error>`.
local hit = redis.call('GET', KEYS[1])
if hit then
  return { hit, 0, '' }
end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then
  return { '', 1, ARGV[1] }
end
return { '', 0, redis.call('GET', KEYS[2]) or '' }
