-- "I'm on it": record who acknowledged the incident, once. The first person to press it has it;
-- whoever presses it later is told who (no take-over: they can talk to each other in the thread).
-- Bumps `rev` so the message shows it, and takes the lease to render at once when nobody holds it.
--
-- KEYS[1] incident hash   (slot {svc:<env>:<alias>})
-- ARGV[1] gen (from the button's reference)   ARGV[2] user id   ARGV[3] now (ms)   ARGV[4] lease (ms)
--
-- Returns {'gone'} (no such incident, or a newer one replaced it) | {'over'} (recovered) |
--         {'already', ackBy, ackAt} (someone, maybe the clicker, has it) |
--         {'ok', action, rev}   action: update (you hold the lease) | busy (someone renders) | unposted
local inc = KEYS[1]
local h = redis.call('HMGET', inc, 'gen', 'state', 'ackBy', 'ackAt', 'ts', 'lease')
if not h[1] or h[1] ~= ARGV[1] then return {'gone'} end
if h[2] ~= 'open' then return {'over'} end
if h[3] and h[3] ~= '' then return {'already', h[3], h[4] or ''} end
redis.call('HSET', inc, 'ackBy', ARGV[2], 'ackAt', ARGV[3])
local rev = redis.call('HINCRBY', inc, 'rev', 1)
local now = tonumber(ARGV[3])
local lease = tonumber(h[6] or '0')
if not h[5] or h[5] == '' then return {'ok', 'unposted', rev} end
if lease > 0 and now - lease < tonumber(ARGV[4]) then return {'ok', 'busy', rev} end
redis.call('HSET', inc, 'lease', ARGV[3])
return {'ok', 'update', rev}
