#!/usr/bin/env python3
"""Metering benchmark: HTTP ingestion (single, batch, enforce), quota checks and usage stats at scale.

Starts the release `billing-server` on a loopback port with a fresh database, drives it with wrk
(keep-alive, durable acknowledgements) and a small keep-alive client, and prints medians of
several runs. See docs/PERFORMANCE.md ("Metering") for results and the machine.

Usage: Benchmarks/metering/run.py [--events 10000000] [--runs 3] [--seconds 8]
"""
import argparse, http.client, json, os, re, sqlite3, statistics, subprocess, sys, tempfile, time, uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(ROOT, ".build", "release", "billing-server")
LUA = os.path.join(os.path.dirname(__file__), "log_usage.lua")
BATCH_LUA = os.path.join(os.path.dirname(__file__), "log_usage_batch.lua")
TYPES = ["message", "completion", "file_upload", "file_storage", "vector_query", "tool_call", "embedding", "api_call"]


def start_server(db_dir, extra_env=None):
    env = {"PATH": os.environ["PATH"], "ENV_FILE": "/dev/null", "PORT": "0", "LOG_LEVEL": "warning",
           "DATABASE_PATH": os.path.join(db_dir, "billing.sqlite"), "MIGRATIONS_DIR": os.path.join(ROOT, "migrations"),
           "PUBLIC_DIR": os.path.join(ROOT, "public"), "ADMIN_API_KEY": "bsk_bench_" + uuid.uuid4().hex,
           # Seeding spreads events over 30 days, so admit old occurred_at values.
           "USAGE_LATE_WINDOW": str(31 * 86400), "QUOTA_ENFORCEMENT_ENABLED": "false"}
    env.update(extra_env or {})
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            return proc, int(m.group(1)), env["ADMIN_API_KEY"]
    raise SystemExit("server did not start")


class Client:
    def __init__(self, port, key):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.key = key

    def call(self, action, body=None, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        path = f"/admin-api?action={action}" + (f"&{q}" if q else "")
        headers = {"Authorization": f"Bearer {self.key}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            self.conn.request("POST", path, json.dumps(body), headers)
        else:
            self.conn.request("GET", path, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else None


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024


def wrk(port, key, tenant, seconds, connections, enforce=False, script=LUA):
    env = dict(os.environ, KEY=key, TENANT=tenant, ENFORCE="true" if enforce else "false")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script, f"http://127.0.0.1:{port}/"],
                         env=env, capture_output=True, text=True).stdout
    m = re.search(r"BENCH requests=(\d+) errors=(\d+) rps=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+)", out)
    return {"requests": int(m[1]), "errors": int(m[2]), "rps": int(m[3]), "p50": float(m[4]), "p99": float(m[5])}


def latency(fn, n):
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50": samples[len(samples) // 2], "p99": samples[int(len(samples) * 0.99) - 1]}


def seed(client, tenants, total, days=30):
    """Gives each tenant total/len(tenants) events spread evenly over the last `days` days, in batches of
    1,000 through log_usage_batch (one tenant per batch, tenants in rotation)."""
    now = time.time()
    per_tenant = max(1000, total // len(tenants))
    step = days * 86400 / per_tenant
    sent, t0 = 0, time.time()
    for b in range(total // 1000):
        tenant = tenants[b % len(tenants)]
        first = (b // len(tenants)) * 1000
        events = [{"resource_type": TYPES[(first + k) % len(TYPES)], "quantity": 1 + (first + k) % 5,
                   "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - days * 86400 + (first + k) * step)) + "Z"}
                  for k in range(1000)]
        status, body = client.call("log_usage_batch", {"tenant_id": tenant, "events": events})
        assert status == 201, body
        sent += 1000
        if sent % 1000000 == 0:
            print(f"  seeded {sent} events ({sent / (time.time() - t0):.0f}/s)", flush=True)
    return sent / (time.time() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    args = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "billing-server"], cwd=ROOT, check=True)

    results = {}
    with tempfile.TemporaryDirectory() as d:
        proc, port, key = start_server(d)
        c = Client(port, key)
        tenants = [c.call("create_tenant", {"name": f"Bench {i}"})[1]["data"]["id"] for i in range(100)]
        hot = tenants[0]
        print(f"idle RSS {rss_mb(proc.pid):.1f} MB")

        # Quota checks and stats at the small size (10^4 events) first; the large size (10^7) comes last.
        for q in ("message", "completion"):
            c.call("set_quota", {"tenant_id": hot, "resource_type": q, "period": "daily", "limit_value": 1000000})

        def reads(label):
            db = sqlite3.connect(f"file:{os.path.join(d, 'billing.sqlite')}?mode=ro", uri=True)
            start = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400))
            end = time.strftime("%Y-%m-%d", time.gmtime(time.time()))
            rows = {
                "check_quota": latency(lambda: c.call("check_quota", tenant_id=hot, resource_type="message", period="daily"), 2000),
                "get_quota_status": latency(lambda: c.call("get_quota_status", tenant_id=hot), 2000),
                "get_usage_stats 30d": latency(lambda: c.call("get_usage_stats", tenant_id=hot, start_date=start, end_date=end), 500),
            }
            lo = int((time.time() - 30 * 86400) * 1000)
            hi = int(time.time() * 1000)
            rows["seed GROUP BY 30d (sqlite, in-process)"] = latency(lambda: db.execute(
                "SELECT resource_type, COUNT(*), SUM(quantity) FROM usage_logs WHERE tenant_id = ? AND occurred_at BETWEEN ? AND ? GROUP BY resource_type",
                (hot, lo, hi)).fetchall(), 50)
            stored = db.execute("SELECT count(*) FROM usage_logs").fetchone()[0]
            hot_events = db.execute("SELECT count(*) FROM usage_logs WHERE tenant_id = ?", (hot,)).fetchone()[0]
            db.close()
            print(f"{label} ({stored} events stored, {hot_events} for the measured tenant):")
            for k, v in rows.items():
                print(f"  {k}: p50 {v['p50']:.2f} ms, p99 {v['p99']:.2f} ms")
            results[label] = {"stored": stored, **rows}

        seed(c, [hot] + tenants[1:], 10_000)
        reads("small")

        # 1. Ingestion: single events, 32 connections, distinct idempotency keys.
        ingest = [wrk(port, key, tenants[1], args.seconds, 32) for _ in range(args.runs)]
        results["log_usage c32"] = ingest
        print("log_usage c32:", ingest, f"RSS {rss_mb(proc.pid):.1f} MB", flush=True)

        # 2. Enforce with a hard quota far away, 64 connections.
        c.call("set_quota", {"tenant_id": tenants[2], "resource_type": "message", "period": "monthly", "limit_value": 10**12, "is_hard_limit": True})
        enforce = [wrk(port, key, tenants[2], args.seconds, 64, enforce=True) for _ in range(args.runs)]
        results["log_usage enforce c64"] = enforce
        print("enforce c64:", enforce, flush=True)

        # 3. Batches of 1,000 events per request (wrk, 4 connections): events/s = requests/s × 1000.
        batch = [wrk(port, key, tenants[3], args.seconds, 4, script=BATCH_LUA) for _ in range(args.runs)]
        results["log_usage_batch c4"] = batch
        print("batch c4:", batch, f"→ events/s {[b['rps'] * 1000 for b in batch]}", flush=True)

        # 4. Seed to the large size and repeat the reads.
        rate = seed(c, [hot] + tenants[1:], args.events)
        print(f"seeded {args.events} events at {rate:.0f}/s; RSS {rss_mb(proc.pid):.1f} MB", flush=True)
        reads("large")
        print(f"final RSS {rss_mb(proc.pid):.1f} MB")
        proc.terminate()
        proc.wait()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
