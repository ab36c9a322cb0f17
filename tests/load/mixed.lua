-- wrk script of issue 5's load test: searches and writes together. Nine
-- requests in ten are searches rotating over a fixed mix, the tenth PUTs a
-- profile (a new id, or one of a small set again, so replacements happen
-- too). TOKEN: a caseworker's token (may search and write).
--   wrk -t2 -c16 -d60s --latency -s tests/load/mixed.lua http://127.0.0.1:8080
local searches = {
  "/v1/search?q=40+chauffeurs",
  "/v1/search?q=10+vrachtwagenchauffeurs+in+Rotterdam",
  "/v1/search?q=5+heftruckchauffeurs+met+VCA",
  "/v1/search?q=chauffeurs+binnen+20+km+van+Utrecht",
  "/v1/search?q=12+taxichauffeurs",
  "/v1/search?q=20+schoonmakers+met+Nederlands+B1",
}
local body = '{"municipality":"Utrecht","licences":[{"category":"B","valid_until":"2031-01-01"}],' ..
  '"languages":[{"code":"nl","level":"B1"}],"certificates":[{"code":"vca-basis"}],"hours_per_week":32}'
local n = 0

function setup(thread)
  thread:set("tid", math.random(1, 1e9))
end

function request()
  n = n + 1
  local auth = {["Authorization"] = "Bearer " .. os.getenv("TOKEN")}
  if n % 10 == 0 then
    local id = (n % 30 == 0) and string.format("load-again-%d", n % 90)
      or string.format("load-%d-%d", tid, n)
    auth["Content-Type"] = "application/json"
    return wrk.format("PUT", "/v1/jobseekers/" .. id, auth, body)
  end
  return wrk.format("GET", searches[n % #searches + 1], auth)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d  %.0f/s  p50 %.2f ms  p99 %.2f ms  non-2xx/3xx %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
