-- serve.lua -- wrk script for spine-serve (scripts/bench-serve.sh): each
-- request is GET /search?q=QUERY, QUERY the next line of the query file
-- (benchmarks/make_queries.py; lines starting '#' skipped), every thread
-- starting at its own place in it.  At the end one line:
--   RESULT requests=N seconds=S qps=Q p50_us=A p99_us=B errors=E
-- errors counts failed connections, reads, writes, time-outs and answers
-- other than 2xx/3xx.
--     wrk -t2 -c16 -d30s -s benchmarks/serve.lua URL -- QUERYFILE
-- Spine is free software: GPL-2.0-or-later (see LICENSE).

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

local function encode(s)
    return (s:gsub("[^%w%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

local paths = {}
local at = 0

function init(args)
    local file = args[1] or error("serve.lua: give the query file after --")
    for line in io.lines(file) do
        if line ~= "" and line:sub(1, 1) ~= "#" then
            paths[#paths + 1] = "/search?q=" .. encode(line)
        end
    end
    if #paths == 0 then error("serve.lua: no queries in " .. file) end
    at = (id * 997) % #paths
end

function request()
    at = at % #paths + 1
    return wrk.format("GET", paths[at])
end

function done(summary, latency, requests)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "RESULT requests=%d seconds=%.2f qps=%.1f p50_us=%d p99_us=%d errors=%d\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(99),
        e.connect + e.read + e.write + e.timeout + e.status))
end
