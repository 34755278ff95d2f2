-- wrk script for the load test (tests/load/load_test.sh): one connection scraping at a steady
-- rate, and a machine-readable summary at the end.
--
--   wrk -t1 -c1 -d30s --latency -s scrape.lua URL -- RATE
--
-- Debian 12's wrk (4.1) has no constant-rate option (-R is wrk2's), so delay() paces the
-- requests: the n-th one is due at start + n / RATE seconds, on the monotonic clock (LuaJIT's
-- ffi; os.time has whole seconds only). wrk measures a request's latency from when it is
-- written, so the delay is not part of the latency. response() counts answers that are not
-- 2xx: wrk's own "status" error counts only codes above 399.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } scrape_timespec;
int clock_gettime(int clock_id, scrape_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("scrape_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  interval_ms = 1000 / tonumber(args[1] or "50")
  start_ms = nil
  sent = 0
  non2xx = 0
end

function delay()
  if start_ms == nil then
    start_ms = now_ms()
  end
  sent = sent + 1
  local wait = start_ms + sent * interval_ms - now_ms()
  if wait < 0 then
    return 0
  end
  return math.floor(wait + 0.5)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "scrape-summary requests=%d duration_s=%.3f bytes=%d connect=%d read=%d write=%d " ..
    "timeout=%d status=%d non2xx=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, summary.bytes, e.connect, e.read, e.write,
    e.timeout, e.status, non, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
