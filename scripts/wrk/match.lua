-- POST /match/default with one yente-shaped query, the same every request,
-- as an unchanged yente client would send it: the token as
-- `Authorization: ApiKey`, the purpose the token was issued with (no
-- X-Purpose header). Every request is a `screening.run` ledger entry.
--
-- Environment: CORTINA_TOKEN (an analyst's token issued with --purpose),
-- BENCH_NAME (the name screened; default a name on the demo lists).

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local token = assert(os.getenv("CORTINA_TOKEN"), "CORTINA_TOKEN is not set")
local name = os.getenv("BENCH_NAME") or "Jusuf al Rashidi"

wrk.method = "POST"
wrk.headers["Authorization"] = "ApiKey " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"queries":{"q1":{"schema":"Person","properties":{"name":["' .. name .. '"]}}}}'
