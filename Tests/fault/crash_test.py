#!/usr/bin/env python3
"""Crash safety: kill -9 the server while clients ingest usage, restart, and check that

- every event acknowledged with a 2xx is stored exactly once (durable acks),
- a client retrying an unacknowledged event with the same idempotency key never double-counts,
- the rollups equal the raw events (aggregate_tenant_usage dry run reports 0 mismatches),
- PRAGMA integrity_check is ok,
- hard quotas were never exceeded.

Usage: Tests/fault/crash_test.py [--rounds 20] [--binary .build/debug/billing-server]
"""
import argparse, os, random, sqlite3, tempfile, threading, time

import harness

SERVER = None  # harness.Server: the port changes on every restart, the key does not


def call(port, action, body=None, timeout=5, **query):
    return harness.call(port, SERVER.key, action, body, timeout=timeout, **query)


def send_once(port, tenant, kind, key, q):
    """Sends one event (or a batch of 20) and returns (status, {idempotency key: quantity} acknowledged)."""
    if kind == "batch":
        events = [{"resource_type": "completion", "quantity": q, "idempotency_key": f"{key}.{i}"} for i in range(20)]
        status, _ = call(port, "log_usage_batch", {"tenant_id": tenant, "events": events})
        return status, ({e["idempotency_key"]: q for e in events} if status in (200, 201) else {})
    body = {"tenant_id": tenant, "resource_type": "tool_call" if kind == "enforce" else "message", "quantity": q, "idempotency_key": key}
    if kind == "enforce":
        body["enforce"] = True
    status, _ = call(port, "log_usage", body)
    return status, ({key: q} if status in (200, 201) else {})


class Client(threading.Thread):
    """Sends events with unique idempotency keys; retries unacknowledged ones after restarts."""

    def __init__(self, name, tenant, state):
        super().__init__(daemon=True)
        self.name, self.tenant, self.state = name, tenant, state
        self.acked = {}        # idempotency key -> quantity (2xx seen)
        self.unacked = {}      # key -> (kind, quantity), sent without a 2xx (may or may not be stored)
        self.refused = 0
        self.stop = False
        self.n = 0

    def run(self):
        while not self.stop:
            port = self.state["port"]
            if port is None:
                time.sleep(0.02)
                continue
            if self.unacked and random.random() < 0.5:
                key, (kind, q) = next(iter(self.unacked.items()))
            else:
                self.n += 1
                key = f"{self.name}-{self.n}"
                kind = random.choice(["single", "single", "enforce", "batch"])
                q = random.randint(1, 3)
                self.unacked[key] = (kind, q)
            try:
                status, acked = send_once(port, self.tenant, kind, key, q)
                self.acked.update(acked)
                if status == 429:
                    self.refused += 1
                if status in (200, 201, 429):
                    self.unacked.pop(key, None)
            except Exception:
                time.sleep(0.01)  # the server is down or died mid-request: keep the key for a retry


def main():
    global SERVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--binary", default=harness.DEFAULT_BINARY)
    args = ap.parse_args()
    random.seed(int(os.environ.get("CRASH_SEED", "7")))
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "billing.sqlite")
        SERVER = harness.Server(args.binary, db, harness.free_port())
        port = SERVER.start()
        status, t = call(port, "create_tenant", {"name": "Crash Co"})
        tenant = t["data"]["id"]
        call(port, "set_quota", {"tenant_id": tenant, "resource_type": "tool_call", "period": "total", "limit_value": 400, "is_hard_limit": True})
        state = {"port": port}
        clients = [Client(f"c{i}", tenant, state) for i in range(args.clients)]
        for c in clients:
            c.start()
        for round in range(args.rounds):
            time.sleep(random.uniform(0.2, 0.8))
            SERVER.kill9()
            state["port"] = None
            port = SERVER.start()
            state["port"] = port
        time.sleep(0.5)
        for c in clients:
            c.stop = True
        for c in clients:
            c.join()
        # Settle: retry every unacknowledged key on the live server (idempotency makes this safe).
        for c in clients:
            deadline = time.time() + 30
            while c.unacked and time.time() < deadline:
                key, (kind, q) = next(iter(c.unacked.items()))
                try:
                    status, acked = send_once(port, tenant, kind, key, q)
                    c.acked.update(acked)
                    if status in (200, 201, 429):
                        c.unacked.pop(key, None)
                except Exception:
                    time.sleep(0.05)
        status, dry = call(port, "aggregate_tenant_usage", {"tenant_id": tenant, "dry_run": True})
        SERVER.stop()

        conn = sqlite3.connect(db)
        stored = dict(conn.execute("SELECT idempotency_key, quantity FROM usage_logs WHERE tenant_id = ?", (tenant,)).fetchall())
        dupes = conn.execute("SELECT count(*) - count(DISTINCT idempotency_key) FROM usage_logs").fetchone()[0]
        integrity = harness.integrity(db)
        total_rollup = conn.execute("SELECT coalesce(sum(total_quantity), 0) FROM tenant_usage WHERE period_type = 'total' AND tenant_id = ?", (tenant,)).fetchone()[0]
        raw_total = conn.execute("SELECT coalesce(sum(quantity), 0) FROM usage_logs WHERE tenant_id = ?", (tenant,)).fetchone()[0]
        tool_total = conn.execute("SELECT coalesce(sum(quantity), 0) FROM usage_logs WHERE resource_type = 'tool_call'").fetchone()[0]
        conn.close()

        acked = {}
        for c in clients:
            acked.update(c.acked)
        missing = [k for k in acked if k not in stored]
        unacked_left = sum(len(c.unacked) for c in clients)
        problems = []
        if missing:
            problems.append(f"{len(missing)} acknowledged events missing, e.g. {missing[:3]}")
        if dupes:
            problems.append(f"{dupes} duplicate idempotency keys stored")
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        if total_rollup != raw_total:
            problems.append(f"total rollup {total_rollup} != raw {raw_total}")
        if dry["data"]["mismatches"] != 0:
            problems.append(f"aggregate dry run found {dry['data']['mismatches']} mismatching rollup rows")
        if tool_total > 400:
            problems.append(f"hard limit 400 exceeded: {tool_total}")
        harness.report(f"rounds={args.rounds} acked={len(acked)} stored={len(stored)} unacked_left={unacked_left} "
                       f"refused={sum(c.refused for c in clients)} tool_call_total={tool_total} rollup_total={total_rollup} raw_total={raw_total} integrity={integrity}",
                       problems)


if __name__ == "__main__":
    main()
