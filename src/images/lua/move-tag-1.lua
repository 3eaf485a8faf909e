-- Move one announced tag of a repository to the digest an ECR event names, or keep it where it is:
-- the tag points at the digest pushed last with it. Read and write in one step, so two deliveries
-- handled at once (a new push and a late delivery of an older one, or two pushes of the same tag)
-- cannot both read the old owner and both write.
--
-- KEYS[1] imgtag:{<repository>}:<tag>   (slot {<repository>}), value `<event time ms>|<digest>`
-- ARGV[1] digest   ARGV[2] event time (ms, 0 when unknown)   ARGV[3] 'push' | 'scan'   ARGV[4] TTL (s)
--
-- Returns {'skip'} (another digest has the tag: pushed later, or this is a scan) |
--         {'kept'} (the digest has the tag, or takes a tag nobody had) |
--         {'took', old digest} (a push moved the tag here from another digest)
local at = tonumber(ARGV[2]) or 0
local push = ARGV[3] == 'push'
local cur = redis.call('GET', KEYS[1])
local curAt, curAtText, curDigest
if cur then
  local i = string.find(cur, '|', 1, true)
  if i then
    curAtText = string.sub(cur, 1, i - 1)
    curAt = tonumber(curAtText) or 0
    curDigest = string.sub(cur, i + 1)
  end
end
local elsewhere = curDigest ~= nil and curDigest ~= ARGV[1]
if elsewhere and (not push or curAt > at) then return {'skip'} end
if push then
  -- The time kept is the newest push of the tag to this digest (a redelivery never moves it back).
  local keep = ARGV[2]
  if curDigest ~= nil and not elsewhere and curAt > at then keep = curAtText end
  redis.call('SET', KEYS[1], keep .. '|' .. ARGV[1], 'EX', ARGV[4])
elseif curDigest == nil then
  redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[1], 'EX', ARGV[4], 'NX')
end
if elsewhere then return {'took', curDigest} end
return {'kept'}
