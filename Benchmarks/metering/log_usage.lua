-- wrk script: POST log_usage with a distinct idempotency key per request (durable ack per event).
-- Needs env KEY (API key) and TENANT (tenant id); ENFORCE=true adds enforce:true.
local key = os.getenv("KEY")
local tenant = os.getenv("TENANT")
local enforce = os.getenv("ENFORCE") == "true"
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + (id or 0))
  prefix = string.format("%d-%d-", os.time(), math.random(1, 1000000000))
end

request = function()
  counter = counter + 1
  local body = string.format('{"tenant_id":"%s","resource_type":"message","quantity":1,"idempotency_key":"%s%d"%s}',
    tenant, prefix, counter, enforce and ',"enforce":true' or '')
  return wrk.format("POST", "/admin-api?action=log_usage",
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH requests=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, errors, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
