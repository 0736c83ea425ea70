#!/usr/bin/env python3
"""Several billing-server instances on one PostgreSQL database behave as one system (issue 14, item 3 and 6).

Against a fresh database in the cluster at --url (or BILLING_TEST_DATABASE_URL; a throwaway cluster from
Tests/pg/cluster.sh when neither is given), three instances start at the same moment (the migrations run once,
under the advisory lock) and then:

1. exact hard limit: 3 instances x 16 clients send `log_usage` with `enforce` against one daily limit; exactly
   the limit is admitted, the rest get 429, raw events = admitted = the rollup;
2. idempotency race: 60 identical requests (one key) spread over the instances: one 201, 59 replays, one row;
3. generate_invoices racing from every instance (`run_job` on each, plus the CLI) over subscriptions whose period
   ended: one invoice per subscription period, numbers unique and gapless, every subscription rolled once;
4. revocation and suspension seen everywhere: a key used on every instance (so every auth cache holds it) is
   revoked on one; every instance answers 401 within 5 s; likewise a tenant suspended on one instance;
5. login throttling counts across instances: attempts spread over the instances hit one shared limit; every
   instance's webhook delivery loop on one queue delivers each notification's webhook exactly once; a charge in
   progress on one instance blocks a second charge of the same invoice from another;
6. kill -9 of one instance under load: clients retry a failed request on another instance with the same
   idempotency key; every acknowledged event is stored exactly once, rollups = raw;
7. PostgreSQL restarted under load (`pg_ctl restart -m fast`): requests meanwhile get 503 with Retry-After (or
   a refused connection), `/health` says so, the instances reconnect on their own, and once more every
   acknowledged event is stored exactly once (retries with the same key never double-count).

Usage: Tests/fault/multi_instance.py [--url postgres://…] [--binary .build/debug/billing-server] [--instances 3]
"""
import argparse, collections, json, os, random, subprocess, sys, tempfile, threading, time, urllib.parse, uuid

import harness

ROOT = harness.ROOT
CLUSTER = os.path.join(ROOT, "Tests", "pg", "cluster.sh")


def psql(url, sql):
    """Rows of one query as lists of strings (psql -At, unit separator between fields)."""
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-F", "\x1f", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\x1f") for line in out.splitlines() if line]


def scalar(url, sql):
    rows = psql(url, sql)
    return rows[0][0] if rows else None


def fresh_database(url):
    """A new empty database in the cluster of `url`; returns its URL."""
    name = "mi_" + uuid.uuid4().hex[:12]
    psql(url, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name)), name


ASAAS_KEY = "$aact_hmlg_000MultiInstanceKeyNeverLogged"


class Instances:
    """N servers on one DATABASE_URL sharing one super-admin key, and one asaas-fake that answers slowly."""

    def __init__(self, binary, url, n, workdir):
        self.key = "bsk_multi_" + uuid.uuid4().hex
        self.servers = []
        fake_binary = os.path.join(os.path.dirname(binary), "asaas-fake")
        self.fake, self.fake_port = harness.start_fake(fake_binary, ASAAS_KEY, extra=["--latency-ms", "400"])
        for i in range(n):
            s = harness.Server(binary, os.path.join(workdir, f"never-{i}.sqlite"), port=harness.free_port(),
                               env={"DATABASE_URL": url, "AUTO_PAYMENT_RETRY": "false", "LOGIN_RATE_LIMIT_PER_MINUTE": "10",
                                    "WEBHOOK_ALLOW_PRIVATE": "true", "ASAAS_ENABLED": "true", "ASAAS_API_KEY": ASAAS_KEY,
                                    "ASAAS_BASE_URL": f"http://127.0.0.1:{self.fake_port}/v3"})
            s.key = self.key
            self.servers.append(s)

    def start_all(self):
        """Starts every instance at the same moment (concurrent migrations on an empty database)."""
        errors = []

        def go(s):
            try:
                s.start(timeout=60)
            except BaseException as e:  # SystemExit from harness
                errors.append(f"{s.port}: {e}")
        ts = [threading.Thread(target=go, args=(s,)) for s in self.servers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errors:
            raise SystemExit("instances did not start: " + "; ".join(errors))

    def __getitem__(self, i):
        return self.servers[i]

    def __len__(self):
        return len(self.servers)

    def call(self, i, action, body=None, key=None, **query):
        s = self.servers[i % len(self.servers)]
        return harness.call(s.port, key or self.key, action, body, **query)


def make_tenant(inst, name):
    st, t = inst.call(0, "create_tenant", {"name": name})
    assert st == 201, (st, t)
    tenant = t["data"]["id"]
    st, k = inst.call(0, "generate_api_key", {"name": "app", "role": "admin", "tenant_id": tenant})
    assert st == 201, (st, k)
    return tenant, k["data"]["key"]


def exact_hard_limit(inst, url, problems, limit=300, clients_per_instance=16, requests=900):
    tenant, key = make_tenant(inst, "Quota Across Instances")
    st, q = inst.call(0, "set_quota", {"tenant_id": tenant, "resource_type": "message", "period": "daily", "limit_value": limit,
                                       "is_hard_limit": True})
    assert st in (200, 201), (st, q)
    counts = collections.Counter()
    lock = threading.Lock()
    todo = list(range(requests))

    def client(i):
        while True:
            with lock:
                if not todo:
                    return
                n = todo.pop()
            st, _ = inst.call(i, "log_usage", {"resource_type": "message", "quantity": 1, "enforce": True,
                                               "idempotency_key": f"hard-{n}"}, key=key)
            with lock:
                counts[st] += 1
    ts = [threading.Thread(target=client, args=(i,)) for i in range(len(inst) * clients_per_instance)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    stored = int(scalar(url, f"SELECT count(*) FROM usage_logs WHERE tenant_id = '{tenant}'"))
    rollup = scalar(url, f"SELECT total_quantity FROM tenant_usage WHERE tenant_id = '{tenant}' AND period_type = 'daily'")
    if counts[201] != limit or counts[429] != requests - limit or stored != limit or int(rollup or 0) != limit:
        problems.append(f"hard limit {limit}: answers {dict(counts)}, stored {stored}, daily rollup {rollup}")
    return f"hard_limit={limit} admitted={counts[201]} refused={counts[429]} stored={stored}"


def idempotency_race(inst, url, problems, n=60):
    tenant, key = make_tenant(inst, "Idempotency Across Instances")
    statuses = []
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        st, _ = inst.call(i, "log_usage", {"resource_type": "completion", "quantity": 3, "idempotency_key": "same-key"}, key=key)
        statuses.append(st)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    c = collections.Counter(statuses)
    stored = int(scalar(url, f"SELECT count(*) FROM usage_logs WHERE tenant_id = '{tenant}'"))
    total = scalar(url, f"SELECT total_quantity FROM tenant_usage WHERE tenant_id = '{tenant}' AND period_type = 'total'")
    if c[201] != 1 or c[200] != n - 1 or stored != 1 or int(total or 0) != 3:
        problems.append(f"idempotency race: answers {dict(c)}, stored {stored}, total {total}")
    return f"idempotency_race={n} created={c[201]} replays={c[200]}"


def generate_invoices_race(inst, url, binary, problems, n=120):
    """n subscriptions, then generate_invoices from every instance and the CLI at once, as of two months ahead."""
    subs = []
    for i in range(n):
        st, t = inst.call(i, "create_tenant", {"name": f"Invoice Race {i}"})
        assert st == 201, (st, t)
        st, s = inst.call(i, "create_subscription", {"tenant_id": t["data"]["id"], "plan": "starter", "billing_cycle": "monthly"})
        assert st == 201, (st, s)
        subs.append(s["data"]["id"])
    before = int(scalar(url, "SELECT count(*) FROM invoices"))
    ids = "', '".join(subs)
    query = f"SELECT subscription_id, count(*) FROM invoices WHERE subscription_id IN ('{ids}') GROUP BY 1"
    first = dict((r[0], int(r[1])) for r in psql(url, query))  # the first period is billed at creation
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 40 * 86400))
    results = []

    def via_api(i):
        results.append(inst.call(i, "run_job", {"job": "generate_invoices", "now": now}))
    env = {"DATABASE_URL": inst[0].env["DATABASE_URL"], "AUTO_PAYMENT_RETRY": "false"}
    ts = [threading.Thread(target=via_api, args=(i,)) for i in range(len(inst))]
    cli = harness.run_cli(binary, "/nonexistent/never.sqlite", ["jobs", "run", "generate_invoices", "--now", now], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out, err = cli.communicate(timeout=300)
    if cli.returncode != 0:
        problems.append(f"CLI generate_invoices exited {cli.returncode}: {(err or '')[-300:]}")
    for st, body in results:
        if st != 200:
            problems.append(f"run_job generate_invoices → {st} {str(body)[:200]}")
    per_sub = dict((r[0], int(r[1])) for r in psql(url, query))
    new = {sub: per_sub.get(sub, 0) - first.get(sub, 0) for sub in subs}
    if any(v != 1 for v in new.values()):
        problems.append(f"generate_invoices race: new invoices per subscription {collections.Counter(new.values())} (each must get exactly 1)")
    numbers = [r[0] for r in psql(url, "SELECT invoice_number FROM invoices ORDER BY invoice_number")]
    by_year = collections.defaultdict(list)
    for num in numbers:
        _, year, seq = num.split("-")
        by_year[year].append(int(seq))
    for year, seqs in by_year.items():
        counter = int(scalar(url, f"SELECT last_number FROM invoice_number_counters WHERE year = {int(year)}") or 0)
        if sorted(seqs) != list(range(1, len(seqs) + 1)) or counter != len(seqs):
            problems.append(f"invoice numbers of {year} not gapless/unique: {len(seqs)} numbers, max {max(seqs)}, counter {counter}")
    rolled = int(scalar(url, f"SELECT count(*) FROM subscriptions WHERE id IN ('{ids}') AND current_period_start > created_at"))
    if rolled != n:
        problems.append(f"generate_invoices race: {rolled} of {n} subscriptions rolled")
    after = int(scalar(url, "SELECT count(*) FROM invoices"))
    return f"generate_invoices_race subscriptions={n} runs={len(inst)}+cli invoices={after - before}"


def until_every_instance_answers(inst, key, status, limit=10):
    """Polls `current_user` with `key` on every instance until each answers `status`; returns (seconds until the
    last one did, instances that never did within `limit` seconds)."""
    t0 = time.time()
    pending = set(range(len(inst)))
    worst = 0.0
    while pending and time.time() - t0 < limit:
        for i in list(pending):
            if inst.call(i, "current_user", key=key)[0] == status:
                pending.discard(i)
                worst = max(worst, time.time() - t0)
        time.sleep(0.05)
    return worst, pending


def seen_everywhere(inst, url, problems):
    """A revocation on one instance, and a suspension on another, with a key every instance has cached as valid."""
    tenant, key = make_tenant(inst, "Revocation Everywhere")
    tenant2, key2 = make_tenant(inst, "Suspension Everywhere")
    for i in range(len(inst)):
        assert inst.call(i, "current_user", key=key)[0] == 200 and inst.call(i, "current_user", key=key2)[0] == 200
    st, keys = inst.call(0, "list_api_keys", tenant_id=tenant)
    key_id = [k for k in keys["data"]["items"] if k["name"] == "app"][0]["id"]
    assert inst.call(1, "revoke_api_key", {"id": key_id, "tenant_id": tenant})[0] == 200
    worst, pending = until_every_instance_answers(inst, key, 401)
    if pending or worst > 5:
        problems.append(f"revoked key still accepted by instances {sorted(pending)} (worst {worst:.2f} s)")
    for i in range(len(inst)):  # cached again: the revocation's wait outlived the first entries
        assert inst.call(i, "current_user", key=key2)[0] == 200
    assert inst.call(2, "suspend_tenant", {"id": tenant2})[0] == 200
    worst_s, pending = until_every_instance_answers(inst, key2, 403)
    if pending or worst_s > 5:
        problems.append(f"suspended tenant still served by instances {sorted(pending)} (worst {worst_s:.2f} s)")
    return f"revocation_seen_everywhere_s={worst:.2f} suspension_seen_everywhere_s={worst_s:.2f}"


def one_charge_at_a_time(inst, problems):
    """Two instances charge one invoice at the same moment (the fake answers each call in 400 ms): the second is
    refused while the first holds the invoice's lease, and Asaas ends up with one charge."""
    tenant, key = make_tenant(inst, "Charge Across Instances")
    # Invoices are an operator's (the super key); the tenant's own key charges them.
    st, inv = inst.call(0, "create_invoice", {"tenant_id": tenant, "amount_cents": 4990,
                                              "due_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))})
    assert st == 201, (st, inv)
    invoice = inv["data"]["id"]
    barrier = threading.Barrier(2)
    answers = []

    def charge(i):
        barrier.wait()
        answers.append(inst.call(i, "charge_invoice", {"id": invoice, "billing_type": "PIX"}, key=key)[0])
    ts = [threading.Thread(target=charge, args=(i,)) for i in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    st, raw = harness.get(inst.fake_port, f"/v3/payments?externalReference={invoice}", {"access_token": ASAAS_KEY})
    charges = json.loads(raw).get("totalCount") if st == 200 else None
    if sorted(answers) != [201, 409] or charges != 1:
        problems.append(f"charge across instances: answers {sorted(answers)}, Asaas holds {charges} charges for the invoice")
    # Once the first is done, charging again answers the existing charge.
    again = inst.call(1, "charge_invoice", {"id": invoice, "billing_type": "PIX"}, key=key)[0]
    if again != 200:
        problems.append(f"charge across instances: a later charge_invoice → {again}, not 200 with the existing charge")
    return f"concurrent_charges={sorted(answers)} asaas_charges={charges}"


def login_throttle(inst, problems, limit):
    st, t = inst.call(0, "create_tenant", {"name": "Login Across Instances"})
    email = f"throttle-{uuid.uuid4().hex[:8]}@example.com"
    assert inst.call(0, "create_user", {"tenant_id": t["data"]["id"], "email": email, "password": "correct horse battery"})[0] == 201
    statuses = []
    for i in range(limit + 3):
        s = inst[i % len(inst)]
        st, _ = harness.call(s.port, None, "login", {"email": email, "password": "wrong password!!"})
        statuses.append(st)
    if statuses[:limit] != [401] * limit or statuses[limit:] != [429] * 3:
        problems.append(f"login limit {limit} across instances: {statuses}")
    return f"login_limit={limit} statuses={collections.Counter(statuses)}"


def webhooks_delivered_once(inst, problems, n=60):
    """Every instance's delivery loop polls the same queue: each notification's webhook arrives exactly once."""
    import http.server
    seen = collections.Counter()
    lock = threading.Lock()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                seen[self.headers.get("webhook-id")] += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tenant, key = make_tenant(inst, "Webhooks Across Instances")
        st, e = inst.call(0, "create_webhook_endpoint", {"url": f"http://127.0.0.1:{server.server_port}/hook", "event_types": ["*"]}, key=key)
        assert st == 201, (st, e)
        for i in range(n):
            st, _ = inst.call(i, "create_notification", {"tenant_id": tenant, "type": "invoice_due", "subject": f"n{i}", "message": "m"})
            assert st == 201, st
        deadline = time.time() + 30
        while time.time() < deadline:
            with lock:
                if len(seen) >= n:
                    break
            time.sleep(0.2)
        time.sleep(2)  # a double delivery would arrive now
        with lock:
            twice = [k for k, v in seen.items() if v > 1]
            got = len(seen)
        if got != n or twice:
            problems.append(f"webhooks across instances: {got} of {n} delivered, {len(twice)} more than once")
        return f"webhooks_delivered={got} duplicates={len(twice)}"
    finally:
        server.shutdown()


class Load:
    """Clients sending log_usage with unique keys round-robin over live instances; a failed request is retried on
    another instance with the same key until it is acknowledged (or the run ends)."""

    def __init__(self, inst, key, clients=12):
        self.inst, self.key = inst, key
        self.acked = {}
        self.live = set(range(len(inst)))
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors = collections.Counter()
        self.seq = 0
        self.threads = [threading.Thread(target=self.client, args=(c,)) for c in range(clients)]

    def next_key(self, c):
        with self.lock:
            self.seq += 1
            return f"load-{c}-{self.seq}"

    def client(self, c):
        while not self.stop.is_set():
            k = self.next_key(c)
            q = random.randint(1, 5)
            deadline = time.time() + 60
            while time.time() < deadline:
                with self.lock:
                    live = sorted(self.live)
                i = random.choice(live)
                try:
                    st, body = self.inst.call(i, "log_usage", {"resource_type": "message", "quantity": q, "idempotency_key": k},
                                              key=self.key)
                except OSError:
                    self.errors["connection"] += 1
                    time.sleep(0.05)
                    continue
                if st in (200, 201):
                    with self.lock:
                        self.acked[k] = q
                    break
                self.errors[st] += 1
                time.sleep(0.05)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def check_acked(url, tenant, load, problems, label):
    rows = dict((r[0], int(r[1])) for r in psql(url, f"SELECT idempotency_key, quantity FROM usage_logs WHERE tenant_id = '{tenant}'"))
    missing = [k for k in load.acked if k not in rows]
    wrong = [k for k, q in load.acked.items() if k in rows and rows[k] != q]
    dup = int(scalar(url, f"SELECT count(*) - count(DISTINCT idempotency_key) FROM usage_logs WHERE tenant_id = '{tenant}'"))
    raw = int(scalar(url, f"SELECT coalesce(sum(quantity), 0) FROM usage_logs WHERE tenant_id = '{tenant}'"))
    rollup = int(scalar(url, f"SELECT coalesce(sum(total_quantity), 0) FROM tenant_usage WHERE tenant_id = '{tenant}' AND period_type = 'total'") or 0)
    if missing or wrong or dup or raw != rollup:
        problems.append(f"{label}: {len(missing)} acknowledged events missing, {len(wrong)} wrong, {dup} duplicated, raw {raw} != rollup {rollup}")
    return len(load.acked)


def kill_one_under_load(inst, url, problems, seconds=6):
    tenant, key = make_tenant(inst, "Kill Under Load")
    with Load(inst, key) as load:
        time.sleep(seconds / 2)
        with load.lock:
            load.live.discard(1)
        inst[1].kill9()
        time.sleep(seconds / 2)
    n = check_acked(url, tenant, load, problems, "kill -9 of one instance")
    inst[1].start(timeout=60)
    return f"kill9_acked={n} errors={dict(load.errors)}"


def postgres_restart_under_load(inst, url, cluster_dir, problems, seconds=8):
    tenant, key = make_tenant(inst, "Postgres Restart")
    saw = {"503": 0, "retry_after": 0, "degraded": False}

    def watch_health():
        while not load.stop.is_set():
            try:
                st, body = harness.get(inst[0].port, "/health", timeout=3)
                if st != 200 or b"degraded" in body:
                    saw["degraded"] = True
            except OSError:
                pass
            time.sleep(0.1)
    with Load(inst, key) as load:
        w = threading.Thread(target=watch_health)
        w.start()
        time.sleep(seconds / 3)
        subprocess.run([CLUSTER, "restart", cluster_dir], check=True, capture_output=True)
        time.sleep(2 * seconds / 3)
        w.join(timeout=0)
    w.join()
    # After the restart every instance serves again on its own.
    for i in range(len(inst)):
        ok = False
        for _ in range(100):
            st, _ = inst.call(i, "log_usage", {"resource_type": "message", "idempotency_key": f"after-restart-{i}"}, key=key)
            if st in (200, 201):
                ok = True
                break
            time.sleep(0.1)
        if not ok:
            problems.append(f"instance {i} did not recover after the PostgreSQL restart")
    n = check_acked(url, tenant, load, problems, "PostgreSQL restart")
    if load.errors.get(503, 0) == 0 and load.errors.get("connection", 0) == 0:
        problems.append("PostgreSQL restart: no request saw the outage (the restart did not happen under load?)")
    if not saw["degraded"]:
        problems.append("PostgreSQL restart: /health never reported the outage")
    bad = {k: v for k, v in load.errors.items() if k not in (503, "connection")}
    if bad:
        problems.append(f"PostgreSQL restart: answers other than 503 or a refused connection: {bad}")
    return f"pg_restart_acked={n} errors={dict(load.errors)} health_degraded={saw['degraded']}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("BILLING_TEST_DATABASE_URL"))
    ap.add_argument("--cluster-dir", default=os.environ.get("BILLING_TEST_PG_DIR"),
                    help="the cluster's directory (for the restart scenario); started here when --url is not given")
    ap.add_argument("--binary", default=harness.DEFAULT_BINARY)
    ap.add_argument("--instances", type=int, default=3)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="multi-instance-")
    own_cluster = None
    if not args.url:
        own_cluster = tempfile.mkdtemp(prefix="multi-instance-pg-")  # handed to the postgres user as it is (cluster.sh)
        args.url = subprocess.run([CLUSTER, "start", own_cluster], check=True, capture_output=True, text=True).stdout.strip()
        args.cluster_dir = own_cluster
    try:
        url, name = fresh_database(args.url)
        inst = Instances(args.binary, url, args.instances, workdir)
        t0 = time.time()
        inst.start_all()
        problems = []
        migrations = scalar(url, "SELECT count(*) FROM schema_migrations")
        files = len([f for f in os.listdir(os.path.join(ROOT, "migrations", "postgres")) if f.endswith(".sql")])
        if int(migrations) != files:
            problems.append(f"{migrations} migrations recorded, {files} files")
        if any(os.path.exists(s.db_path) for s in inst.servers):
            problems.append("an SQLite file was created although DATABASE_URL is set")
        parts = [f"instances={len(inst)} migrations={migrations}"]
        parts.append(exact_hard_limit(inst, url, problems))
        parts.append(idempotency_race(inst, url, problems))
        parts.append(generate_invoices_race(inst, url, args.binary, problems))
        parts.append(seen_everywhere(inst, url, problems))
        parts.append(login_throttle(inst, problems, limit=10))
        parts.append(webhooks_delivered_once(inst, problems))
        parts.append(one_charge_at_a_time(inst, problems))
        parts.append(kill_one_under_load(inst, url, problems))
        if args.cluster_dir:
            parts.append(postgres_restart_under_load(inst, url, args.cluster_dir, problems))
        else:
            parts.append("pg_restart=skipped (no --cluster-dir)")
        for s in inst.servers:
            s.stop()
        parts.append(f"wall_s={time.time() - t0:.1f}")
        harness.report(" ".join(parts), problems)
        psql(args.url, f"DROP DATABASE {name}")
    finally:
        if own_cluster:
            subprocess.run([CLUSTER, "stop", own_cluster], capture_output=True)


if __name__ == "__main__":
    main()
