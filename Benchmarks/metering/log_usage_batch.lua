-- wrk script: POST log_usage_batch with 1,000 events per request (no idempotency keys, so the
-- same body can be re-sent). Needs env KEY and TENANT. events/s = requests/s × 1000.
local key = os.getenv("KEY")
local tenant = os.getenv("TENANT")
local types = {"message", "completion", "file_upload", "file_storage", "vector_query", "tool_call", "embedding", "api_call"}
local body

function init(args)
  local events = {}
  for i = 1, 1000 do
    events[i] = string.format('{"resource_type":"%s","quantity":%d,"resource_id":"conv-%d"}', types[(i % 8) + 1], (i % 5) + 1, i % 37)
  end
  body = string.format('{"tenant_id":"%s","events":[%s]}', tenant, table.concat(events, ","))
end

request = function()
  return wrk.format("POST", "/admin-api?action=log_usage_batch",
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH requests=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, errors, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
