#!/usr/bin/env python3
"""Soak and abuse: mixed API traffic at a steady rate for a while, with slow and idle clients attached.

Checks that RSS and open file descriptors stay flat (start vs end), that p99 stays stable per
interval, and that no request fails — while 1,000 idle keep-alive connections are held open and,
with --slow, slowhttptest runs slowloris, slow-body and slow-read attacks against the same server.

Usage: Tests/fault/soak.py [--seconds 600] [--rate 400] [--idle 1000] [--slow]
       (make soak runs 10 minutes with --slow; make test runs a 20-second version)
"""
import argparse, http.client, json, os, random, re, shutil, socket, subprocess, sys, tempfile, threading, time, uuid

import harness  # log files and secrets for Tests/logscan.py under BILLING_TEST_LOG_DIR

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY = "bsk_soak_" + uuid.uuid4().hex


def start(binary, db_dir):
    env = harness.base_env(PORT=0, DATABASE_PATH=os.path.join(db_dir, "billing.sqlite"), ADMIN_API_KEY=KEY,
                           HEADER_TIMEOUT_SECONDS=10, IDLE_TIMEOUT_SECONDS=3600)
    stderr = harness.log_file("server")
    stdout_copy = harness.log_file("server-stdout")
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=stderr or subprocess.DEVNULL, text=True)
    if stderr:
        stderr.close()
    for line in proc.stdout:
        if stdout_copy:
            stdout_copy.write(line.encode())
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            harness.drain(proc.stdout, stdout_copy)
            return proc, int(m.group(1))
    raise SystemExit("server did not start")


def sample(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


class Worker(threading.Thread):
    """Keep-alive client issuing a mix of reads and writes at its share of the target rate."""

    def __init__(self, port, tenant, interval, deadline, stats):
        super().__init__(daemon=True)
        self.port, self.tenant, self.interval, self.deadline, self.stats = port, tenant, interval, deadline, stats

    def request(self, conn, method, action, body=None, **q):
        path = f"/admin-api?action={action}" + "".join(f"&{k}={v}" for k, v in q.items())
        headers = {"Authorization": f"Bearer {KEY}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        r.read()
        return r.status

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = 0
        next_at = time.time()
        while time.time() < self.deadline:
            n += 1
            choice = random.random()
            t0 = time.perf_counter()
            try:
                if choice < 0.5:
                    s = self.request(conn, "POST", "log_usage", {"tenant_id": self.tenant, "resource_type": "message",
                                                                  "idempotency_key": f"{self.name}-{n}", "enforce": n % 3 == 0})
                elif choice < 0.6:
                    s = self.request(conn, "POST", "log_usage_batch", {"tenant_id": self.tenant, "events": [
                        {"resource_type": "completion", "quantity": 2} for _ in range(50)]})
                elif choice < 0.75:
                    s = self.request(conn, "GET", "check_quota", tenant_id=self.tenant, resource_type="message", period="daily")
                elif choice < 0.85:
                    s = self.request(conn, "GET", "get_quota_status", tenant_id=self.tenant)
                elif choice < 0.95:
                    s = self.request(conn, "GET", "get_usage_stats", tenant_id=self.tenant)
                else:
                    s = self.request(conn, "GET", "list_usage_events", tenant_id=self.tenant, limit="20")
                ok = s in (200, 201, 429)
            except Exception:
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.stats.record((time.perf_counter() - t0) * 1000, ok)
            next_at += self.interval
            time.sleep(max(0, next_at - time.time()))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies, self.errors, self.total = [], 0, 0

    def record(self, ms, ok):
        with self.lock:
            self.latencies.append(ms)
            self.total += 1
            self.errors += 0 if ok else 1

    def drain(self):
        with self.lock:
            lat, self.latencies = self.latencies, []
            return sorted(lat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--rate", type=int, default=400, help="requests per second across all workers")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--idle", type=int, default=1000, help="idle keep-alive connections held open")
    ap.add_argument("--slow", action="store_true", help="run slowhttptest attacks alongside")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "billing-server"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, port = start(args.binary, d)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/admin-api?action=create_tenant", json.dumps({"name": "Soak Co"}),
                     {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
        tenant = json.loads(conn.getresponse().read())["data"]["id"]
        conn.request("POST", "/admin-api?action=set_quota", json.dumps({"tenant_id": tenant, "resource_type": "message",
                     "period": "daily", "limit_value": 10**9, "is_hard_limit": True}),
                     {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
        conn.getresponse().read()

        base_rss, base_fds = sample(proc.pid)
        idle = []
        for _ in range(args.idle):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(4096)
            idle.append(s)  # now an idle keep-alive connection
        attacks = []
        if args.slow:
            if not shutil.which("slowhttptest"):
                raise SystemExit("slowhttptest is not installed (apt-get install slowhttptest)")
            url = f"http://127.0.0.1:{port}/health"
            for mode in (["-H"], ["-B"], ["-X", "-k", "3", "-n", "1", "-w", "10", "-y", "20", "-z", "32"]):
                attacks.append(subprocess.Popen(["slowhttptest", *mode, "-c", "300", "-r", "50", "-i", "10", "-l", str(args.seconds),
                                                 "-u", url, "-t", "GET", "-p", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1)
        start_rss, start_fds = sample(proc.pid)
        stats = Stats()
        deadline = time.time() + args.seconds
        workers = [Worker(port, tenant, args.workers / args.rate, deadline, stats) for _ in range(args.workers)]
        for w in workers:
            w.start()
        interval = max(5, args.seconds // 10)
        p99s, rss_samples = [], []
        while time.time() < deadline:
            time.sleep(min(interval, max(0.1, deadline - time.time())))
            lat = stats.drain()
            if lat:
                p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
                p99s.append(p99)
                rss, fds = sample(proc.pid)
                rss_samples.append(rss)
                print(f"  t={args.seconds - int(deadline - time.time()):4d}s requests={len(lat):6d} p50={lat[len(lat) // 2]:.2f}ms "
                      f"p99={p99:.2f}ms rss={rss:.1f}MB fds={fds}", flush=True)
        for w in workers:
            w.join()
        for a in attacks:
            a.terminate()
            a.wait()
        # The idle connections are still served.
        alive = 0
        for s in idle[:50]:
            try:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                if b"200 OK" in s.recv(4096):
                    alive += 1
            except OSError:
                pass
        for s in idle:
            s.close()
        time.sleep(1)
        end_rss, end_fds = sample(proc.pid)
        proc.terminate()
        proc.wait(timeout=20)
        print(f"requests={stats.total} errors={stats.errors} rss {start_rss:.1f}→{end_rss:.1f} MB "
              f"fds {base_fds} before idle, {start_fds} with idle, {end_fds} after closing them; idle_alive={alive}/50; "
              f"p99 per interval {[round(p, 1) for p in p99s]}")
        problems = []
        if stats.errors:
            problems.append(f"{stats.errors} failed requests")
        # Caches fill early; after that RSS must stay flat: the second half may not grow by more
        # than a quarter (plus slack for the allocator), and never past 200 MB.
        mid = rss_samples[len(rss_samples) // 2] if rss_samples else start_rss
        if end_rss > mid * 1.25 + 15 or end_rss > 200:
            problems.append(f"RSS grew ({start_rss:.0f} → {mid:.0f} at mid-run → {end_rss:.0f} MB)")
        if end_fds > base_fds + 5:
            problems.append(f"file descriptors leaked ({base_fds} → {end_fds})")
        if alive < 50:
            problems.append("idle keep-alive connections were not served")
        if problems:
            print("FAIL: " + "; ".join(problems))
            sys.exit(1)
        print("OK")


if __name__ == "__main__":
    main()
