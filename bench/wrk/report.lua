-- wrk script: prints one machine-readable line when the run is done, which
-- bench/run.sh parses:
--   RESULT requests=... duration_us=... rps=... p50_us=... p90_us=... p99_us=... max_us=...
--          connect=... read=... write=... timeout=... status=... non2xx=...
-- "status" is wrk's own count of responses with status >= 400.
-- With the argument "strict" (wrk ... -s report.lua -- strict) every response
-- whose status is not 2xx is also counted, as non2xx; that costs a Lua call
-- per response, so only the swap case asks for it. Otherwise non2xx is -1.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  if args[1] == "strict" then
    response = function(status, headers, body)
      if status < 200 or status > 299 then
        non2xx = non2xx + 1
      end
    end
  else
    non2xx = -1
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, t in ipairs(threads) do
    local n = t:get("non2xx")
    if n == nil or n < 0 then
      non = -1
      break
    end
    non = non + n
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d timeout=%d status=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, non))
end
