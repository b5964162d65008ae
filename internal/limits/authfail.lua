-- Counts one failed authentication of a client and bans it at the limit, atomically.
-- KEYS[1]: the client's failures (sorted set, score = Unix ms); KEYS[2]: its ban (ban end, Unix ms).
-- ARGV: now_ms, window_ms, max_failures, ban_ms, member (unique per call).
-- A banned client's failures are not counted. Failures at t count while now - t < window.
-- Expiries are relative (PEXPIRE); the stored times, compared with now, decide.
-- Returns {banned (0/1), retry_ms}.
local now, window, maxf, ban = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local untilms = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if untilms > now then
  return {1, untilms - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - window))
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[5])
if redis.call('ZCARD', KEYS[1]) >= maxf then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], string.format('%d', now + ban), 'PX', string.format('%d', ban))
  return {1, ban}
end
redis.call('PEXPIRE', KEYS[1], string.format('%d', window))
return {0, 0}
