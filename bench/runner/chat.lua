-- chat.lua: wrk script for the Warden benchmark.
-- Sends POST /v1/chat/completions (the URL given to wrk carries the path), checks every
-- response, and prints one machine-readable line "BENCH_RESULT {json}" when the run ends.
-- Settings come from the environment so that no key appears on a command line:
--   BENCH_STREAM=1   ask for a streamed (SSE) answer
--   BENCH_CHUNKS=N   a streamed answer must carry at least N "data:" events and "data: [DONE]"
--   BENCH_MODEL      model name (default llama3.1:8b)
--   BENCH_AUTH       bearer token (optional; never printed)

local stream = os.getenv("BENCH_STREAM") == "1"
local chunks = tonumber(os.getenv("BENCH_CHUNKS") or "0") or 0
local model = os.getenv("BENCH_MODEL") or "llama3.1:8b"
local auth = os.getenv("BENCH_AUTH") or ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end
local extra = ""
if stream then
  extra = ',"stream":true'
end
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16' .. extra .. '}'

-- Per-thread counters (each wrk thread has its own Lua state).
bad_status = 0
bad_body = 0
status_429 = 0
status_5xx = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function stream_ok(body)
  if not string.find(body, "data: [DONE]", 1, true) then
    return false
  end
  local n = 0
  for _ in string.gmatch(body, "data: ") do
    n = n + 1
  end
  return n > chunks
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    if status == 429 then
      status_429 = status_429 + 1
    elseif status >= 500 then
      status_5xx = status_5xx + 1
    end
    return
  end
  if stream then
    if not stream_ok(body) then
      bad_body = bad_body + 1
    end
  elseif not string.find(body, '"choices"', 1, true) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local bs, bb, s429, s5xx = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    bs = bs + (t:get("bad_status") or 0)
    bb = bb + (t:get("bad_body") or 0)
    s429 = s429 + (t:get("status_429") or 0)
    s5xx = s5xx + (t:get("status_5xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"bad_status":%d,"bad_body":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,"err_status":%d,' ..
    '"status_429":%d,"status_5xx":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean,
    bs, bb, e.connect, e.read, e.write, e.timeout, e.status, s429, s5xx))
end
