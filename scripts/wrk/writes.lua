-- POST /api/v1/commands: each request a new entry in a room's event log
-- (`log.record` as a host operator), unique per request: its id is the run,
-- the wrk thread and a counter. Every request is a ledger entry and a row.
--
-- Environment: CORTINA_TOKEN (the operator's token), BENCH_RUN (a prefix
-- unique to the run, so that runs on one store do not collide), BENCH_ROOM
-- (the room; default milano-joc).

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local token = assert(os.getenv("CORTINA_TOKEN"), "CORTINA_TOKEN is not set")
local run = os.getenv("BENCH_RUN") or "r"
local room = os.getenv("BENCH_ROOM") or "milano-joc"

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"

-- Each thread gets its number before it starts (setup runs in the main state).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local body = string.format(
    '{"action":"log.record","id":"log-%s-%d-%d","room":"%s","category":"information","severity":2,"text":"Load test entry %d"}',
    run, tid, counter, room, counter)
  return wrk.format(nil, nil, nil, body)
end
