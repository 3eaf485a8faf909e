--[[
  The end of one slice of the sweep for service indexes (src/approvals/indexes.run.ts): saved only by
  the process that holds the sweep's lease, and the lease released in the same step. A slice whose
  lease ran out (another process took the sweep on from the cursor as it was) saves nothing, so a
  stale slice never writes its cursor over a newer one.

  KEYS[1] approvals:{index}:sweep-lease:<sig>   KEYS[2] approvals:{index}:sweep:<sig>
  KEYS[3] approvals:{index}:swept
  ARGV[1] the lease's token   ARGV[2] 'stopped' (save the cursor) or 'done' (the sweep is over)
  ARGV[3] the cursor to save ('stopped')   ARGV[4] the cursor's expiry (ms)
  ARGV[5] the configuration's signature   ARGV[6] the swept set's expiry (ms)

  Output: 1 saved (and the lease released), 0 the lease is not ours (nothing written)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'done' then
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
redis.call('DEL', KEYS[1])
return 1
