-- Settles or releases one reservation. Counters that expired meanwhile are left alone.
-- KEYS[i]: the counter of held check i.
-- ARGV: now_ms, member, idle_ms, then per check: kind, x, y, end_ms.
-- r/t: x = bucket, y = change; p: frees member's lease; b/k: x = minus the reserved amount, y = charge.
local now = tonumber(ARGV[1])
local member = ARGV[2]
local idle = ARGV[3]
local cur = math.floor(now / 1000)
for i = 1, #KEYS do
  local a = 3 + (i - 1) * 4
  local kind, x, y, endms = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4])
  local k = KEYS[i]
  if kind == 'r' or kind == 't' then
    if tonumber(x) >= cur - 60 and redis.call('HEXISTS', k, x) == 1 then
      if redis.call('HINCRBY', k, x, y) <= 0 then redis.call('HDEL', k, x) end
    end
  elseif kind == 'p' then
    redis.call('ZREM', k, member)
  elseif redis.call('EXISTS', k) == 1 then
    if redis.call('HINCRBY', k, 'r', x) < 0 then redis.call('HSET', k, 'r', '0') end
    redis.call('HINCRBY', k, 's', y)
    if endms == 0 then redis.call('PEXPIRE', k, idle) end
  end
end
return 1
