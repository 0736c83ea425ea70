#!/usr/bin/env python3
"""Metering on PostgreSQL, against the database's own ceiling, in one run on one machine (issue 14, item 4).

Starts a throwaway PostgreSQL 15 cluster with durable commits (fsync on, synchronous_commit on; or uses --url),
then alternates, --runs times:

- **pgbench**, 32 clients, a custom script doing the single-row INSERT a `log_usage` makes into the same
  `usage_logs` table (same columns, keys and indexes: the real schema, migrated by billing-server), one commit
  per row — the database's own ceiling for durable single-row writes here;
- **our `log_usage`**, 32 keep-alive connections (wrk, distinct idempotency keys) against the release
  `billing-server` on that database: validation, idempotency, the raw event and four rollup upserts per event,
  grouped into one transaction per batch by the instance's writer;

then measures `enforce` (hard quota far away, 64 connections), `log_usage_batch` (1,000 events per request,
4 connections) and quota reads (`check_quota`, `get_quota_status` p99). Prints medians and the ratios the
targets are stated in: log_usage ≥ 1.0× pgbench tps, batch ≥ 5× single, enforce p99 ≤ 2× non-enforce p99,
quota status p99 < 2 ms.

Usage: Benchmarks/metering/postgres.py [--runs 3] [--seconds 8] [--writers 4] [--url postgres://…]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time, urllib.parse, uuid

sys.path.insert(0, os.path.dirname(__file__))
import run as bench  # the SQLite benchmark's server, wrk and latency helpers

ROOT = bench.ROOT
CLUSTER = os.path.join(ROOT, "Tests", "pg", "cluster.sh")
PGBENCH_SCRIPT = """\\set n random(1, 2000000000)
INSERT INTO usage_logs (id, tenant_id, resource_type, quantity, resource_id, metadata_json, idempotency_key, occurred_at, created_at)
VALUES (md5(:client_id::text || '-' || :n::text || '-' || clock_timestamp()::text), 'pgbench-tenant', 'message', 1, NULL, NULL,
        md5(random()::text || :client_id::text), (extract(epoch from clock_timestamp()) * 1000)::bigint,
        (extract(epoch from clock_timestamp()) * 1000)::bigint);
"""


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def database(url, name):
    psql(url, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


def migrate(url):
    env = {"PATH": os.environ["PATH"], "ENV_FILE": "/dev/null", "DATABASE_URL": url, "MIGRATIONS_DIR": os.path.join(ROOT, "migrations"),
           "LOG_LEVEL": "warning"}
    subprocess.run([bench.BINARY, "migrate"], env=env, check=True, capture_output=True)


def pgbench(url, seconds, clients=32):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PGBENCH_SCRIPT)
    try:
        out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", f.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    tps = float(next(l for l in out.splitlines() if l.startswith("tps")).split("=")[1].split()[0])
    lat = float(next(l for l in out.splitlines() if l.startswith("latency average")).split("=")[1].split()[0])
    return {"tps": round(tps), "latency_avg_ms": lat}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--writers", type=int, default=4, help="DATABASE_WRITERS of the server")
    ap.add_argument("--url", help="a PostgreSQL server to use instead of a throwaway cluster (a superuser URL)")
    args = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "billing-server"], cwd=ROOT, check=True)
    cluster = None
    if not args.url:
        cluster = tempfile.mkdtemp(prefix="bench-pg-")
        args.url = subprocess.run([CLUSTER, "start", cluster], env=dict(os.environ, PG_FSYNC="on"), check=True,
                                  capture_output=True, text=True).stdout.strip()
    try:
        print("PostgreSQL:", psql(args.url, "SHOW server_version"), "fsync", psql(args.url, "SHOW fsync"),
              "synchronous_commit", psql(args.url, "SHOW synchronous_commit"), flush=True)
        base = database(args.url, "bench_pgbench_" + uuid.uuid4().hex[:8])
        migrate(base)
        psql(base, "INSERT INTO tenants (id, name, slug, status, created_at, updated_at) VALUES ('pgbench-tenant', 'pgbench', 'pgbench', 'active', 'x', 'x')")
        ours_url = database(args.url, "bench_ours_" + uuid.uuid4().hex[:8])
        proc, port, key = bench.start_server(tempfile.mkdtemp(), {"DATABASE_URL": ours_url, "DATABASE_WRITERS": str(args.writers)})
        c = bench.Client(port, key)
        tenants = [c.call("create_tenant", {"name": f"Bench {i}"})[1]["data"]["id"] for i in range(4)]
        results = {"pgbench c32": [], "log_usage c32": []}
        for _ in range(args.runs):
            results["pgbench c32"].append(pgbench(base, args.seconds))
            results["log_usage c32"].append(bench.wrk(port, key, tenants[1], args.seconds, 32))
            print(results["pgbench c32"][-1], results["log_usage c32"][-1], flush=True)
        c = bench.Client(port, key)  # the server closed the idle keep-alive connection meanwhile
        c.call("set_quota", {"tenant_id": tenants[2], "resource_type": "message", "period": "monthly", "limit_value": 10**12, "is_hard_limit": True})
        results["log_usage c64"] = [bench.wrk(port, key, tenants[1], args.seconds, 64) for _ in range(args.runs)]
        results["enforce c64"] = [bench.wrk(port, key, tenants[2], args.seconds, 64, enforce=True) for _ in range(args.runs)]
        results["batch c4"] = [bench.wrk(port, key, tenants[3], args.seconds, 4, script=bench.BATCH_LUA) for _ in range(args.runs)]
        c = bench.Client(port, key)
        for q in ("message", "completion"):
            c.call("set_quota", {"tenant_id": tenants[0], "resource_type": q, "period": "daily", "limit_value": 1000000})
        results["check_quota"] = bench.latency(lambda: c.call("check_quota", tenant_id=tenants[0], resource_type="message", period="daily"), 2000)
        results["get_quota_status"] = bench.latency(lambda: c.call("get_quota_status", tenant_id=tenants[0]), 2000)
        proc.terminate()
        proc.wait()

        med = lambda rows, k: statistics.median(r[k] for r in rows)
        pg_tps, ours = med(results["pgbench c32"], "tps"), med(results["log_usage c32"], "rps")
        batch_events = med(results["batch c4"], "rps") * 1000
        summary = {
            "pgbench_c32_tps": pg_tps, "log_usage_c32_rps": ours, "log_usage_vs_pgbench": round(ours / pg_tps, 2),
            "batch_events_per_s": batch_events, "batch_vs_single": round(batch_events / ours, 1),
            "enforce_c64_p99_ms": med(results["enforce c64"], "p99"), "log_usage_c64_p99_ms": med(results["log_usage c64"], "p99"),
            "enforce_p99_vs_plain_p99": round(med(results["enforce c64"], "p99") / med(results["log_usage c64"], "p99"), 2),
            "check_quota_p99_ms": round(results["check_quota"]["p99"], 2), "get_quota_status_p99_ms": round(results["get_quota_status"]["p99"], 2),
        }
        print(json.dumps({"runs": results, "summary": summary}, indent=1))
    finally:
        if cluster:
            subprocess.run([CLUSTER, "stop", cluster], capture_output=True)


if __name__ == "__main__":
    main()
