-- wrk script of `make bench`: GET searches rotating over the paths in the
-- file named by BENCH_PATHS (one a line), with BENCH_TOKEN as bearer token.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
	paths[#paths + 1] = line
end
local counter = 0
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

function setup(thread)
	-- Threads start at different queries so the mix is even from the start.
	thread:set("offset", counter)
	counter = counter + 1
end

local i = 0
function request()
	i = i + 1
	local n = (i + (offset or 0)) % #paths + 1
	return wrk.format("GET", paths[n])
end
