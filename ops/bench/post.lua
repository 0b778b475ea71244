-- wrk -s post.lua: POSTs the JSON body in the file named by $BODY (a GraphQL request);
-- with $BODY empty, GETs the URL as given (a persisted query by hash).
-- Check the body's answer with curl first: GraphQL errors come back as HTTP 200.
local path = os.getenv("BODY") or ""
if path ~= "" then
  local f = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("requests=%d socket_errors=%d non2xx=%d p50=%.2fms p99=%.2fms\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
