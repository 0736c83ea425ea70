"""The integration guide's flow through a client generated from the OpenAPI document (issue 15, item 7).

`openapi-python-client` writes the client into a temporary directory at test time (never committed); the flow
then uses only its generated operations and models — no hand-written HTTP.
"""
import importlib, os, subprocess, sys, uuid


def generate(schema_path, workdir):
    out = os.path.join(workdir, "billing_client")
    subprocess.run(["openapi-python-client", "generate", "--path", schema_path, "--output-path", out, "--meta", "none",
                    "--overwrite"], check=True, capture_output=True, text=True)
    sys.path.insert(0, workdir)
    return importlib.import_module("billing_client")


def run(schema_path, base_url, super_key, workdir):
    generate(schema_path, workdir)
    from billing_client.client import AuthenticatedClient  # type: ignore
    models = importlib.import_module("billing_client.models")

    def call(tag, operation, key, body=None, **query):
        module = importlib.import_module(f"billing_client.api.{tag}.{operation}")
        client = AuthenticatedClient(base_url=base_url, token=key, raise_on_unexpected_status=True)
        if body is not None:
            model = getattr(models, "".join(part.capitalize() for part in operation.split("_")) + "Body")
            response = module.sync_detailed(client=client, body=model.from_dict(body), **query)
        else:
            response = module.sync_detailed(client=client, **query)
        return response.status_code.value, response.parsed

    def data(result, expect):
        status, parsed = result
        assert status in expect, f"expected {expect}, got {status}: {parsed.to_dict() if parsed else None}"
        return parsed.to_dict()["data"]

    tenant = data(call("tenants", "create_tenant", super_key, {"name": "Generated Client Co", "billing_email": "ops@generated.example"}), (201,))
    key = data(call("api_keys", "generate_api_key", super_key, {"tenant_id": tenant["id"], "role": "admin", "name": "chatbot"}), (201,))["key"]
    # Quotas and invoices are an operator's calls (here the super-admin's, naming the tenant); the tenant's key records usage.
    data(call("quotas", "set_quota", super_key, {"tenant_id": tenant["id"], "resource_type": "message", "period": "daily", "limit_value": 3, "is_hard_limit": True}), (201,))

    event = {"resource_type": "message", "quantity": 1, "enforce": True, "idempotency_key": "chat-42-msg-" + uuid.uuid4().hex}
    first = data(call("usage_metering", "log_usage", key, event), (201,))
    retry = call("usage_metering", "log_usage", key, event)
    assert retry[0] == 200 and data(retry, (200,))["id"] == first["id"], "a retry with the same idempotency key must return the stored event"
    for i in range(2):
        data(call("usage_metering", "log_usage", key, {"resource_type": "message", "enforce": True, "idempotency_key": f"more-{i}"}), (201,))
    refused = call("usage_metering", "log_usage", key, {"resource_type": "message", "enforce": True, "idempotency_key": "over"})
    assert refused[0] == 429, f"the fourth message must be refused, got {refused[0]}"
    error = refused[1].to_dict()["error"]
    assert error["code"] == "quota_exceeded" and error.get("resets_at"), error

    stats = data(call("usage_metering", "get_usage_stats", key), (200,))
    assert stats["totals"]["total_events"] == 3, stats["totals"]
    status = data(call("quotas", "check_quota", key, resource_type=models.CheckQuotaResourceType("message")), (200,))
    assert status["current"] == 3 and status["allowed"] is False, status

    invoice = data(call("invoices", "create_invoice", super_key, {"tenant_id": tenant["id"], "due_date": "2031-02-01", "line_items": [
        {"description": "Messages", "quantity": 3, "unit_amount_cents": 10}]}), (201,))
    fetched = data(call("invoices", "get_invoice", super_key, id=invoice["id"]), (200,))
    assert fetched["amount_cents"] == 30 and fetched["tenant_id"] == tenant["id"], fetched
    print(f"contract: generated client ran the integration flow (tenant {tenant['id'][:8]}…, 3 events, 429 at the limit, invoice {fetched['invoice_number']})")
