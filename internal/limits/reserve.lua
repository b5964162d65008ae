-- Checks every counter of one request and, only when all admit, reserves at all of them.
-- KEYS[i]: the counter of check i.
-- ARGV: now_ms, member, lease_ms, grace_ms, idle_ms, then per check: kind, limit, amount, end_ms, base.
-- kind: r (requests window), t (tokens window), p (parallel leases), b/k (money/token budget).
-- base (b/k): what a budget counter that does not exist yet starts from (spend already recorded
-- elsewhere); a counter that exists holds the truth and base is ignored. 0 for the others.
-- Expiries are relative (PEXPIRE), so they hold whatever the limiter's clock says.
-- Returns admitted (0/1), then per check: used, ok (0/1), retry_ms, newest bucket (-1 if none).
local now = tonumber(ARGV[1])
local member = ARGV[2]
local lease = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local idle = tonumber(ARGV[5])
local cur = math.floor(now / 1000)
local out = {1}
local seed = {}
for i = 1, #KEYS do
  local a = 5 + (i - 1) * 5
  local kind, limit, amount, endms = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local k = KEYS[i]
  local used, retry, newest = 0, 0, -1
  if kind == 'r' or kind == 't' then
    local flat = redis.call('HGETALL', k)
    local counts = {}
    for j = 1, #flat, 2 do
      local b, v = tonumber(flat[j]), tonumber(flat[j + 1])
      if b < cur - 60 then
        redis.call('HDEL', k, flat[j])
      else
        counts[b] = v
        used = used + v
        if v ~= 0 and b > newest then newest = b end
      end
    end
    if used + amount > limit and amount <= limit then
      local need, freed = used + amount - limit, 0
      retry = (cur + 61) * 1000 - now
      for b = cur - 60, cur do
        freed = freed + (counts[b] or 0)
        if freed >= need then
          retry = (b + 61) * 1000 - now
          break
        end
      end
    end
  elseif kind == 'p' then
    redis.call('ZREMRANGEBYSCORE', k, '-inf', string.format('%d', now))
    used = redis.call('ZCARD', k)
    amount = 1
    retry = 1000
  else
    local v = redis.call('HMGET', k, 's', 'r')
    if not v[1] and not v[2] then
      local base = tonumber(ARGV[a + 5])
      if base > 0 then seed[i] = base end
      used = base
    else
      used = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
    end
    if endms > 0 and amount <= limit then retry = endms - now end
  end
  local ok = 1
  if used + amount > limit then
    ok = 0
    out[1] = 0
  else
    retry = 0
  end
  table.insert(out, used)
  table.insert(out, ok)
  table.insert(out, retry)
  table.insert(out, newest)
end
if out[1] == 0 then return out end
local field = string.format('%d', cur)
for i = 1, #KEYS do
  local a = 5 + (i - 1) * 5
  local kind, amount, endms = ARGV[a + 1], ARGV[a + 3], tonumber(ARGV[a + 4])
  local k = KEYS[i]
  if kind == 'r' or kind == 't' then
    redis.call('HINCRBY', k, field, amount)
    redis.call('PEXPIRE', k, 62000)
  elseif kind == 'p' then
    redis.call('ZADD', k, string.format('%d', now + lease), member)
    redis.call('PEXPIRE', k, string.format('%d', lease + 1000))
  else
    if seed[i] then redis.call('HINCRBY', k, 's', ARGV[a + 5]) end
    redis.call('HINCRBY', k, 'r', amount)
    if endms > 0 then
      redis.call('PEXPIRE', k, string.format('%d', endms - now + grace))
    else
      redis.call('PEXPIRE', k, string.format('%d', idle))
    end
  end
end
return out
