#!/usr/bin/env python3
"""Crash safety: kill -9 the server while clients ingest usage, restart, and check that

- every event acknowledged with a 2xx is stored exactly once (durable acks),
- a client retrying an unacknowledged event with the same idempotency key never double-counts,
- the rollups equal the raw events (aggregate_tenant_usage dry run reports 0 mismatches),
- PRAGMA integrity_check is ok,
- hard quotas were never exceeded.

Usage: Tests/fault/crash_test.py [--rounds 20] [--binary .build/debug/billing-server]
"""
import argparse, http.client, json, os, random, re, signal, sqlite3, subprocess, sys, tempfile, threading, time, uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUPER_KEY = "bsk_crash_test_" + uuid.uuid4().hex


def start(db_path, port):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "/dev/null", "PORT": str(port), "LOG_LEVEL": "error",
           "DATABASE_PATH": db_path, "MIGRATIONS_DIR": os.path.join(ROOT, "migrations"), "PUBLIC_DIR": os.path.join(ROOT, "public"),
           "ADMIN_API_KEY": SUPER_KEY, "WORKER_THREADS": "16"}
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(m.group(1))
    raise SystemExit("server did not start")


def call(port, action, body=None, timeout=5, **query):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    q = "".join(f"&{k}={v}" for k, v in query.items())
    headers = {"Authorization": f"Bearer {SUPER_KEY}"}
    if body is None:
        conn.request("GET", f"/admin-api?action={action}{q}", headers=headers)
    else:
        headers["Content-Type"] = "application/json"
        conn.request("POST", f"/admin-api?action={action}{q}", json.dumps(body), headers)
    r = conn.getresponse()
    data = json.loads(r.read() or b"null")
    conn.close()
    return r.status, data


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
    global BINARY
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "billing-server"))
    args = ap.parse_args()
    BINARY = args.binary
    random.seed(int(os.environ.get("CRASH_SEED", "7")))
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "billing.sqlite")
        port = random.randint(20000, 40000)
        proc, port = start(db, port)
        status, t = call(port, "create_tenant", {"name": "Crash Co"})
        tenant = t["data"]["id"]
        call(port, "set_quota", {"tenant_id": tenant, "resource_type": "tool_call", "period": "total", "limit_value": 400, "is_hard_limit": True})
        state = {"port": port}
        clients = [Client(f"c{i}", tenant, state) for i in range(args.clients)]
        for c in clients:
            c.start()
        for round in range(args.rounds):
            time.sleep(random.uniform(0.2, 0.8))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            state["port"] = None
            proc, port = start(db, port)
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
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)

        conn = sqlite3.connect(db)
        stored = dict(conn.execute("SELECT idempotency_key, quantity FROM usage_logs WHERE tenant_id = ?", (tenant,)).fetchall())
        dupes = conn.execute("SELECT count(*) - count(DISTINCT idempotency_key) FROM usage_logs").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
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
        print(f"rounds={args.rounds} acked={len(acked)} stored={len(stored)} unacked_left={unacked_left} "
              f"refused={sum(c.refused for c in clients)} tool_call_total={tool_total} rollup_total={total_rollup} raw_total={raw_total} integrity={integrity}")
        if problems:
            print("FAIL:\n  " + "\n  ".join(problems))
            sys.exit(1)
        print("OK")


if __name__ == "__main__":
    main()
