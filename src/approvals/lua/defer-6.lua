--[[
  The scheduler's move of an overdue pending `--at` request (its start time passed while it still
  waits for its approval, which starts it at once, or its expiry): its member in the service's
  scheduled index goes to ARGV[2], so that it does not take a place in every tick's batch. The check
  and the move are one step: a transition in between (the approval that scheduled it, a reject, the
  expiry) is never undone by the move. The next transition puts its startAt back (reindex).

  KEYS[1] request hash
  ARGV[1] now   ARGV[2] the member's new score

  Output: OK (moved), NOT_DUE (pending, its start time still ahead; re-indexed), NOT_PENDING
  (request = current state; re-indexed), NOT_FOUND

  KEYS[2..6] the service's approval indexes: approvals:{svc:<env>:<alias>}:pending, :approved, :running,
  :scheduled, :retro (every other answer about a request re-indexes it: includes/common.lua reindex)
]]
INDEXES = 2
local h = hgetall(KEYS[1])
if not h.id then return answer('NOT_FOUND') end
if h.state ~= 'pending' then return answer('NOT_PENDING', KEYS[1]) end
if not h.startAt or tonumber(h.startAt) > tonumber(ARGV[1]) then return answer('NOT_DUE', KEYS[1]) end
-- Not through reindex, which would put its startAt back; in its service's index even when it was read
-- from the legacy one (which the caller then drains).
redis.call('ZADD', KEYS[INDEXES + 3], ARGV[2], h.id)
return answer('OK')
