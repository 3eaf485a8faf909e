-- Spend one Cost Explorer call ($0.01) from this hour's budget: one person's and the workspace's.
-- A call is refused, and nothing counted, when either is spent.
--
-- KEYS[1] the hour's budget (hash: `all`, `u.<user>`)
-- ARGV[1] user id   ARGV[2] calls per person per hour   ARGV[3] calls per workspace per hour
-- ARGV[4] TTL of the hash (s)
--
-- Returns {verdict, the person's calls, the workspace's calls}: 0 spent, 1 the person's budget is
-- spent, 2 the workspace's budget is spent.
local field = 'u.' .. ARGV[1]
local mine = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local all = tonumber(redis.call('HGET', KEYS[1], 'all') or '0')
if all >= tonumber(ARGV[3]) then
  return { 2, mine, all }
end
if mine >= tonumber(ARGV[2]) then
  return { 1, mine, all }
end
mine = redis.call('HINCRBY', KEYS[1], field, 1)
all = redis.call('HINCRBY', KEYS[1], 'all', 1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return { 0, mine, all }
