--[[
  Set where the request's messages live (only if the request exists; never re-creates it).

  KEYS[1] request hash
  ARGV[1] field: messageTs | statusTs | stuckTs   ARGV[2] value   ARGV[3] now

  Output: OK, NOT_FOUND, BAD_FIELD
]]
if ARGV[1] ~= 'messageTs' and ARGV[1] ~= 'statusTs' and ARGV[1] ~= 'stuckTs' then return answer('BAD_FIELD') end
if redis.call('EXISTS', KEYS[1]) == 0 then return answer('NOT_FOUND') end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'updatedAt', ARGV[3])
return answer('OK', KEYS[1])
