#!/usr/bin/env python3
"""The API contract, checked by tools written elsewhere (issue 15, items 5–7).

Against the real server (debug binary, a temporary SQLite database, asaas-fake as the gateway):

1. `GET /admin-api/openapi.json` (no credentials) is the same document `billing-server openapi` prints, and
   `openapi-spec-validator` accepts it as OpenAPI 3.1; every action of the table is an operation.
2. **schemathesis** runs every operation, bounded (`--examples` per operation, fixed seed), with the checks
   `not_a_server_error` and `response_schema_conformance`: once with the super-admin key (tenant_id pinned to
   a seeded tenant, ids drawn partly from seeded objects) and once with that tenant's admin key.
3. A Python client generated from the document by **openapi-python-client** (at test time, never committed)
   runs the integration guide's flow: tenant, key, quota, `log_usage` with `enforce` and an idempotency key
   (the retry is a 200 duplicate; the limit answers 429 with `resets_at`), stats, an invoice.

Usage: Tests/contract/contract.py [--examples 15] [--seed 20261204] [--keep DIR]
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "fault"))
import harness  # noqa: E402

BINARY = os.environ.get("BILLING_SERVER_BIN", os.path.join(ROOT, ".build", "debug", "billing-server"))
FAKE = os.environ.get("ASAAS_FAKE_BIN", os.path.join(ROOT, ".build", "debug", "asaas-fake"))
ASAAS_KEY = "$aact_contract_" + uuid.uuid4().hex
WEBHOOK_TOKEN = "whk_contract_" + uuid.uuid4().hex


def fail(message):
    print(f"contract: FAILED — {message}", file=sys.stderr)
    sys.exit(1)


def check(server, action, body=None, expect=(200, 201), **query):
    status, payload = server.call(action, body, **query)
    if status not in expect:
        fail(f"seeding {action} → {status} {payload}")
    return payload.get("data") if isinstance(payload, dict) else None


def the_document(server, workdir):
    status, body = harness.get(server.port, "/admin-api/openapi.json")
    if status != 200:
        fail(f"GET /admin-api/openapi.json → {status}")
    served = json.loads(body)
    printed = subprocess.run([BINARY, "openapi"], env=harness.base_env(), capture_output=True, check=True).stdout
    if json.loads(printed) != served:
        fail("`billing-server openapi` and /admin-api/openapi.json differ")
    from openapi_spec_validator import validate
    validate(served)  # the 3.1 validator, picked from `openapi`
    operations = {op["operationId"] for item in served["paths"].values() for op in item.values()}
    path = os.path.join(workdir, "openapi.json")
    with open(path, "w") as f:
        json.dump(served, f)
    print(f"contract: the document validates as OpenAPI {served['openapi']}: {len(served['paths'])} paths, {len(operations)} operations")
    return served, path


def seed(server):
    """A tenant with a customer at the gateway, quotas, events, an invoice, a notification; returns ids."""
    tenant = check(server, "create_tenant", {"name": "Contract Co", "billing_email": "billing@contract.example"})["id"]
    check(server, "sync_asaas_customer", {"tenant_id": tenant, "cpf_cnpj": "24971563792"})
    admin = check(server, "generate_api_key", {"tenant_id": tenant, "role": "admin", "name": "contract admin"})["key"]
    quota = check(server, "set_quota", {"tenant_id": tenant, "resource_type": "message", "period": "daily", "limit_value": 1000000,
                                        "is_hard_limit": True})["id"]
    for i in range(5):
        check(server, "log_usage", {"tenant_id": tenant, "resource_type": "message", "quantity": i + 1, "idempotency_key": f"seed-{i}"})
    invoice = check(server, "create_invoice", {"tenant_id": tenant, "due_date": "2031-01-10", "line_items": [
        {"description": "Seats", "quantity": 2, "unit_amount_cents": 4990}]})["id"]
    notification = check(server, "create_notification", {"tenant_id": tenant, "type": "invoice_due", "subject": "Hello", "message": "Seeded"})["id"]
    return {"tenant": tenant, "admin_key": admin, "ids": [quota, invoice, notification, tenant]}


def schemathesis(schema_path, base_url, key, workdir, label, examples, seed_value, tenant=None, ids=()):
    config = os.path.join(workdir, f"schemathesis-{label}.toml")
    lines = [f'headers = {{ Authorization = "Bearer {key}" }}', "", "[parameters]"]
    if tenant:
        lines += [f'"query.tenant_id" = "{tenant}"', f'"body.tenant_id" = "{tenant}"']
    if ids:
        lines += ['"query.id" = { dictionary = "seeded_ids", probability = 0.5 }', '"body.id" = { dictionary = "seeded_ids", probability = 0.5 }',
                  "", "[dictionaries.seeded_ids]", "values = [" + ", ".join(f'"{i}"' for i in ids) + "]"]
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    command = ["schemathesis", "--config-file", config, "run", schema_path, "--url", base_url,
               "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", str(examples), "--seed", str(seed_value),
               "--generation-database", "none", "--phases", "examples,coverage,fuzzing", "--request-timeout", "20",
               "--suppress-health-check", "all", "--workers", "2"]
    started = time.time()
    run = subprocess.run(command, capture_output=True, text=True)
    log = harness.log_path(f"schemathesis-{label}")
    with open(log or os.path.join(workdir, f"schemathesis-{label}.log"), "w") as f:
        f.write(run.stdout + run.stderr)
    summary = [l for l in run.stdout.splitlines() if "generated" in l or "passed" in l or "failures" in l.lower()]
    print(f"contract: schemathesis ({label}) exit {run.returncode} in {time.time() - started:.0f} s: " + " | ".join(s.strip() for s in summary[-3:]))
    if run.returncode != 0:
        print(run.stdout[-6000:], file=sys.stderr)
        fail(f"schemathesis ({label}) found defects")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--keep")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="billing-contract-")
    os.makedirs(workdir, exist_ok=True)
    fake, fake_port = harness.start_fake(FAKE, ASAAS_KEY)
    server = harness.Server(BINARY, os.path.join(workdir, "billing.sqlite"), env={
        "ASAAS_ENABLED": "true", "ASAAS_BASE_URL": f"http://127.0.0.1:{fake_port}/v3", "ASAAS_API_KEY": ASAAS_KEY,
        "ASAAS_WEBHOOK_TOKEN": WEBHOOK_TOKEN, "AUTO_PAYMENT_RETRY": "false", "PAYMENT_DATA_KEY": "Y29udHJhY3QtdGVzdC1vbmx5LXBheW1lbnQtZGF0YSE=",
        "PDF_RENDERS_PER_MINUTE": "10000", "LOGIN_RATE_LIMIT_PER_MINUTE": "10000"})
    harness.register_secrets(server.key, ASAAS_KEY, WEBHOOK_TOKEN)
    try:
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        document, schema_path = the_document(server, workdir)
        seeded = seed(server)
        schemathesis(schema_path, base, server.key, workdir, "super-admin", args.examples, args.seed, tenant=seeded["tenant"], ids=seeded["ids"])
        schemathesis(schema_path, base, seeded["admin_key"], workdir, "tenant-admin", args.examples, args.seed + 1, ids=seeded["ids"])
        status, _ = harness.get(server.port, "/health")
        if status != 200:
            fail(f"/health → {status} after the schemathesis runs")
        import client_flow  # noqa: E402  (Tests/contract/client_flow.py)
        client_flow.run(schema_path, base, server.key, workdir)
    finally:
        server.stop()
        fake.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("contract: OK")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
