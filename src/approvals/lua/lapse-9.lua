--[[
  An approved request that did not start by its startBy (the execute job was lost: Redis
  unreachable from the worker, the event aged out, the worker crashed before starting it):
  approved → failed with the reason, freeing the service (the scheduled tick).

  KEYS[1] request hash   KEYS[2] service lock   KEYS[3] active pointer   KEYS[4] service audit stream
  ARGV[1] now   ARGV[2] reason
  ARGV[3] the environment's start deadline (ms), or '': a request approved before requests had a
          startBy of their own (only a legacy index holds it) lapses that long after its approval

  Output: OK (state → failed), NOT_DUE (startBy is still ahead, or unknown), NOT_APPROVED (request = current), NOT_FOUND

  KEYS[5..9] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 5
local now = ARGV[1]
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'approved' then return answer('NOT_APPROVED', KEYS[1]) end
local by = tonumber(h.startBy)
if not by and ARGV[3] and ARGV[3] ~= '' then by = tonumber(h.approvedAt or h.updatedAt) + tonumber(ARGV[3]) end
if not by or tonumber(now) < by then return answer('NOT_DUE', KEYS[1]) end
lapseRequest(KEYS[1], KEYS[2], KEYS[3], KEYS[4], h, now, ARGV[2])
return answer('OK', KEYS[1])
