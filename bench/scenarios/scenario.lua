-- One wrk script for every scenario; bench/run chooses it with BENCH_SCENARIO:
--   ping, config, feed   a fixed GET (wrk's static request: the cheapest for the load generator);
--                        ping is pipelined BENCH_PIPELINE deep (see below)
--   me                   GET /api/v1/users/me, the Bearer token of a different user each request
--   feed-pages           GET /api/v1/posts, as a different user each request, a page in turn of
--                        the pre-computed pages in BENCH_CURSORS (the first page, then each
--                        next_cursor): what users scrolling do, not the cheapest cached page
--   login                POST /api/v1/auth/login, code "<prefix><user>:<n>": a fresh code each
--                        time, for one of the seeded users (the mock WeChat maps C:n to C's openid)
--   post                 POST /api/v1/posts as a different user each request
--   flash                POST /api/v1/flash-sales/<BENCH_SALE_ID>/orders as a different user each
--                        request; 2xx and 409 are counted apart
-- done() prints one line "BENCH_JSON {...}" that bench/run records.

local scenario = os.getenv("BENCH_SCENARIO") or "ping"
local users = tonumber(os.getenv("BENCH_USERS") or "10000")
local prefix = os.getenv("BENCH_LOGIN_PREFIX") or "bench-user-"
local threads = {}

local paths = {
  ping = "/ping",
  config = "/api/v1/config",
  feed = "/api/v1/posts?limit=20",
  ["feed-pages"] = "/api/v1/posts?limit=20",
  me = "/api/v1/users/me",
  login = "/api/v1/auth/login",
  post = "/api/v1/posts",
  flash = "/api/v1/flash-sales/" .. (os.getenv("BENCH_SALE_ID") or "0") .. "/orders",
}
wrk.path = paths[scenario]
if not wrk.path then
  error("unknown BENCH_SCENARIO " .. scenario)
end

local function read_tokens()
  local file = os.getenv("BENCH_TOKENS")
  local tokens = {}
  for line in io.lines(file) do
    if line ~= "" then tokens[#tokens + 1] = line end
  end
  assert(#tokens > 0, "no tokens in " .. tostring(file))
  return tokens
end

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

local prepared, pages, counter = nil, nil, 0

function init(args)
  if scenario == "me" or scenario == "flash" then
    -- Formatted once: request() then costs the load generator next to nothing.
    prepared = {}
    local method = scenario == "me" and "GET" or "POST"
    local body = scenario == "flash" and "{}" or nil
    for i, token in ipairs(read_tokens()) do
      prepared[i] = wrk.format(method, wrk.path,
        { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
    end
  elseif scenario == "post" then
    prepared = read_tokens()
  elseif scenario == "feed-pages" then
    prepared = read_tokens()
    pages = {}
    for line in io.lines(os.getenv("BENCH_CURSORS")) do
      if line ~= "" then pages[#pages + 1] = line end
    end
    assert(#pages > 0, "no pages in BENCH_CURSORS")
  end
  -- Distinct across runs too (warm-up, then each connection count): posts must not repeat a
  -- text (Minibase refuses a user's duplicate within its window) and login codes must be new.
  -- A run starts at least a second after the last began and sends far fewer than 100,000
  -- requests a second; the counter stays below 10^14, which Lua prints in full.
  counter = id * 10000000000 + (os.time() % 10000) * 100000
  ok2xx, conflict409 = 0, 0
end

if scenario == "me" or scenario == "flash" then
  function request()
    counter = counter + 1
    return prepared[counter % #prepared + 1]
  end
elseif scenario == "login" then
  function request()
    counter = counter + 1
    local body = '{"code":"' .. prefix .. (counter % users) .. ':' .. counter .. '"}'
    return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json" }, body)
  end
elseif scenario == "feed-pages" then
  function request()
    counter = counter + 1
    -- One user scrolls the pages in order, then the next user does: every page is asked for
    -- equally often (the first, which a server may cache, one time in #pages), as many users.
    local page = counter % #pages
    local user = (counter - page) / #pages % #prepared
    return wrk.format("GET", pages[page + 1], { ["Authorization"] = "Bearer " .. prepared[user + 1] })
  end
elseif scenario == "post" then
  function request()
    counter = counter + 1
    local body = '{"content":"Benchmark post ' .. counter .. ': what a fine day to buy noodles."}'
    return wrk.format("POST", wrk.path, {
      ["Authorization"] = "Bearer " .. prepared[counter % #prepared + 1],
      ["Content-Type"] = "application/json",
    }, body)
  end
end

-- /ping is pipelined (BENCH_PIPELINE requests per write, as in the TechEmpower plaintext test):
-- one wrk thread on one CPU sending one request at a time tops out near 60k req/s, below what a
-- server on the other CPU answers, and then every server measures the same.
local pipeline = tonumber(os.getenv("BENCH_PIPELINE") or "1")
if scenario == "ping" and pipeline > 1 then
  local batch
  function request()
    -- Formatted on first use: wrk adds the Host header only after the script is loaded.
    batch = batch or string.rep(wrk.format("GET", wrk.path), pipeline)
    return batch
  end
end

if scenario == "flash" then
  function response(status, headers, body)
    if status >= 200 and status < 300 then
      ok2xx = ok2xx + 1
    elseif status == 409 then
      conflict409 = conflict409 + 1
    end
  end
end

function done(summary, latency, requests)
  local ok, conflict = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + (thread:get("ok2xx") or 0)
    conflict = conflict + (thread:get("conflict409") or 0)
  end
  local counted = scenario == "flash"
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"ok_2xx":%s,"conflict_409":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    counted and tostring(ok) or "null", counted and tostring(conflict) or "null"))
end
