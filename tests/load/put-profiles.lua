-- wrk script: PUTs new profiles, each thread its own ids. The figures of
-- issue 2: wrk -t2 -c8 -d10s -s tests/load/put-profiles.lua http://127.0.0.1:8080
-- with the token of a caseworker in the TOKEN environment variable.
-- Each connection PUTs profiles with its own ids: wrk.thread ids differ per thread.
local counter = 0

function setup(thread)
  thread:set("tid", math.random(1, 1e9))
end
function request()
  counter = counter + 1
  local id = string.format("bench-%d-%d", tid, counter)
  local body = '{"municipality":"Utrecht","licences":[{"category":"B","valid_until":"2031-01-01"}],"languages":[{"code":"nl","level":"B1"}],"certificates":[{"code":"vca-basis","valid_until":"2030-01-01"}],"hours_per_week":32}'
  return wrk.format("PUT", "/v1/jobseekers/" .. id, {["Authorization"]="Bearer " .. os.getenv("TOKEN"), ["Content-Type"]="application/json"}, body)
end
function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  requests %d  errors(status) %d\n", latency:percentile(50)/1000, latency:percentile(99)/1000, summary.requests, summary.errors.status))
end
