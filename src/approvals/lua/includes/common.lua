--[[
  Shared helpers, prepended to every approvals script by src/approvals/scripts.ts (bullmq-style
  include). Times travel as strings of epoch milliseconds; the caller's clock is ARGV (injected).

  Every script answers {code, request, extra, audit}:
    code     string, mapped to user-facing text in src/approvals/codes.ts (the only place)
    request  HGETALL of the request after the script (empty when there is none)
    extra    a flat field/value list (e.g. the lock that refused), possibly empty
    audit    the audit entries written, each {streamId, {field, value, ...}} as XRANGE returns them
]]
-- Bounds of the audit streams (src/redis/bounds.ts: AUDIT_MAXLEN, AUDIT_VALUE_MAX_BYTES, AUDIT_EXTRA_MAX_BYTES, AUDIT_TTL_SECONDS).
local AUDIT_MAXLEN = 1000
local AUDIT_VALUE_MAX_BYTES = 600
local AUDIT_EXTRA_MAX_BYTES = 2048
local AUDIT_TTL_MS = 400 * 86400000
-- A lock by hand ends by itself after this (src/redis/bounds.ts HOLD_TTL_SECONDS).
local HOLD_TTL_MS = 30 * 86400000
local WRITTEN = {}

-- `s` cut to at most `n` bytes without leaving half a UTF-8 character at the end.
local function cutUtf8(s, n)
  if #s <= n then return s end
  s = string.sub(s, 1, n)
  local i = #s
  -- back over continuation bytes (10xxxxxx) to the lead byte of the last character
  while i > 0 and s:byte(i) >= 0x80 and s:byte(i) < 0xC0 do i = i - 1 end
  if i > 0 and s:byte(i) >= 0xC0 then
    local lead = s:byte(i)
    local len = 2
    if lead >= 0xF0 then len = 4 elseif lead >= 0xE0 then len = 3 end
    if #s - i + 1 < len then s = string.sub(s, 1, i - 1) end
  end
  return s
end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

-- Append one entry to an audit stream (approximately the newest AUDIT_MAXLEN kept).
local function audit(stream, event, h, actor, detail, now, extra)
  local fields = {
    'at', now, 'event', event, 'id', h.id or '', 'verb', h.verb or '',
    'env', h.environment or '', 'service', h.service or '', 'actor', actor or '',
    'state', h.state or '', 'detail', cutUtf8(detail or '', AUDIT_VALUE_MAX_BYTES),
  }
  if extra then
    for i = 1, #extra do fields[#fields + 1] = cutUtf8(extra[i], AUDIT_EXTRA_MAX_BYTES) end
  end
  local sid = redis.call('XADD', stream, 'MAXLEN', '~', AUDIT_MAXLEN, '*', unpack(fields))
  redis.call('PEXPIRE', stream, AUDIT_TTL_MS)
  WRITTEN[#WRITTEN + 1] = { sid, fields }
  return sid
end

-- pending → expired, clearing the service's active pointer if it is this request.
-- Unless `told` (the expiry tick, which tells the requester itself), the request is marked `untold`:
-- it stays in its service's pending index (reindex) until the expiry tick tells its requester
-- (expire-8.lua), so a request a click or a new request expired on the way is told about too.
local function expireRequest(reqKey, activeKey, stream, h, now, told)
  redis.call('HSET', reqKey, 'state', 'expired', 'updatedAt', now, 'finishedAt', now)
  if not told then redis.call('HSET', reqKey, 'untold', '1') end
  h.state = 'expired'
  if redis.call('GET', activeKey) == h.id then redis.call('DEL', activeKey) end
  audit(stream, 'expired', h, 'bot', 'nobody approved it in time', now)
end

-- Whether the service's lock refuses a change `requester` asked for: a lock by hand refuses everyone but
-- its holder, whose own changes it lets through; the automatic lock after a rollback refuses everyone;
-- a running change's lock refuses nobody here (the active pointer keeps one change at a time), unless it
-- holds its requester's lock by hand for them (`held.by`: start-10.lua), which refuses everyone else.
local function refuses(lock, requester)
  if not lock.by then return false end
  if lock.kind == 'change' then return lock['held.by'] ~= nil and lock['held.by'] ~= requester end
  return not (lock.kind == 'manual' and lock.by == requester)
end

-- Clear the active pointer and the change lock when they belong to request `id`. A change lock that
-- holds its requester's lock by hand (`held.*`) gives it back as it was, for the time it had left when
-- the change started (never without an end: HOLD_TTL_MS when that is unknown).
local function releaseService(lockKey, activeKey, id)
  if lockKey and redis.call('HGET', lockKey, 'request') == id then
    local held = redis.call('HMGET', lockKey, 'held.by', 'held.reason', 'held.since', 'held.ttl')
    redis.call('DEL', lockKey)
    if held[1] then
      redis.call('HSET', lockKey, 'by', held[1], 'reason', held[2] or '', 'since', held[3] or '', 'kind', 'manual')
      local ttl = tonumber(held[4])
      redis.call('PEXPIRE', lockKey, (ttl and ttl > 0) and ttl or HOLD_TTL_MS)
    end
  end
  if redis.call('GET', activeKey) == id then redis.call('DEL', activeKey) end
end

-- approved → failed because it did not start in time (its startBy passed), freeing the service.
local function lapseRequest(reqKey, lockKey, activeKey, stream, h, now, reason)
  redis.call('HSET', reqKey, 'state', 'failed', 'decisionReason', reason, 'updatedAt', now, 'finishedAt', now)
  h.state = 'failed'
  releaseService(lockKey, activeKey, h.id)
  audit(stream, 'lapsed', h, 'bot', reason, now)
end

-- The KEYS position of the service's five approval indexes (pending, approved, running, scheduled,
-- retro: approvals:{svc:<env>:<alias>}:…), set by each script that declares them (the last five KEYS).
-- With it, every answer about a request puts that request in exactly the indexes its state calls
-- for, in the same script: no write after it, and a refusal repairs an index that disagrees.
local INDEXES = nil
-- The first reminder of a break-glass request (the retro index's score), set by the create script.
local RETRO_AT = nil

-- A request that ended and changed nothing: it ended without ever starting, or it failed after its
-- worker recorded that the change does not run (x.notStarted: decided before the service was touched).
-- Mirrors endedUnstarted in src/approvals/model.ts.
local function endedNotRun(state, startedAt, notStarted)
  if state == 'failed' and notStarted then return true end
  return not startedAt and (state == 'failed' or state == 'cancelled' or state == 'rejected' or state == 'expired')
end

local function reindex(reqKey)
  if not INDEXES then return end
  local f = redis.call('HMGET', reqKey, 'id', 'state', 'expiresAt', 'startBy', 'startedAt', 'startAt', 'approvedAt',
    'breakGlass', 'retroApprovedAt', 'retroExpiredAt', 'updatedAt', 'x.notStarted', 'untold')
  -- f: 1 id, 2 state, 3 expiresAt, 4 startBy, 5 startedAt, 6 startAt, 7 approvedAt, 8 breakGlass,
  --    9 retroApprovedAt, 10 retroExpiredAt, 11 updatedAt, 12 x.notStarted, 13 untold
  local id, state = f[1], f[2]
  if not id then return end
  local pending, approved, running, scheduled, retro =
    KEYS[INDEXES], KEYS[INDEXES + 1], KEYS[INDEXES + 2], KEYS[INDEXES + 3], KEYS[INDEXES + 4]
  -- Expired and not told yet (expireRequest): due, so the expiry tick tells its requester.
  if (state == 'pending' or (state == 'expired' and f[13])) and f[3] then
    redis.call('ZADD', pending, f[3], id)
  else
    redis.call('ZREM', pending, id)
  end
  -- By startBy (every approval sets it; without one the start-deadline tick could not lapse it anyway).
  if state == 'approved' and f[4] then
    redis.call('ZADD', approved, f[4], id)
  else
    redis.call('ZREM', approved, id)
  end
  if state == 'running' then redis.call('ZADD', running, f[5] or f[11] or 0, id) else redis.call('ZREM', running, id) end
  -- A start time keeps it in the scheduler's index while it waits for approval and for its time.
  if f[6] and (state == 'pending' or state == 'scheduled') then
    redis.call('ZADD', scheduled, f[6], id)
  else
    redis.call('ZREM', scheduled, id)
  end
  -- Asked for its approval after the fact until it comes or the asking stops. One that ended without
  -- ever starting (failed or cancelled before it started), or failed after its worker decided it
  -- does not run before touching the service (x.notStarted), changed nothing: due at once, so the
  -- reminder tick stops the asking with a note that it did not run instead of reminding.
  if not f[8] or f[9] or f[10] then
    redis.call('ZREM', retro, id)
  elseif endedNotRun(state, f[5], f[12]) then
    redis.call('ZADD', retro, f[11] or 0, id)
  elseif RETRO_AT then
    redis.call('ZADD', retro, 'NX', RETRO_AT, id)
  end
end

local function answer(code, reqKey, extra)
  local req = {}
  if reqKey then reindex(reqKey) end
  if reqKey then req = redis.call('HGETALL', reqKey) end
  return { code, req, extra or {}, WRITTEN }
end

-- The checks every decision on a pending request starts with: it exists, it is pending, and it
-- has not run out of time (if it has, it is expired now: its requester is told by the expiry tick,
-- unless `user`, the one clicking, is the requester, who is answered that it expired). Returns the
-- request hash, or nil and the reply the script must return.
local function loadPending(reqKey, activeKey, stream, now, user)
  local h = hgetall(reqKey)
  if not h.id then return nil, answer('NOT_FOUND') end
  if h.state ~= 'pending' then return nil, answer('NOT_PENDING', reqKey) end
  if tonumber(now) >= tonumber(h.expiresAt) then
    expireRequest(reqKey, activeKey, stream, h, now, user == h.requester)
    return nil, answer('EXPIRED', reqKey)
  end
  return h
end
