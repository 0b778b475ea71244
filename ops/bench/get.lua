-- wrk -s get.lua URL: GETs the URL as given (a persisted query by hash, for the
-- response cache); the summary line is the one post.lua prints.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("requests=%d socket_errors=%d non2xx=%d p50=%.2fms p99=%.2fms\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
