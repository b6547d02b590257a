-- wrk script: method, body and headers from the environment; prints one RESULT line.
wrk.method = os.getenv("METHOD") or "GET"
local body = os.getenv("BODY")
if body and body ~= "" then wrk.body = body end
-- Bodies too large for an environment variable (addFans of 1,000 fans) come from a file.
local body_file = os.getenv("BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
local ctype = os.getenv("CTYPE")
if ctype and ctype ~= "" then wrk.headers["Content-Type"] = ctype end
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Sso-Token"] = token end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, summary.requests))
end
