#!/usr/bin/env python3
"""Crash safety of Asaas webhooks: kill -9 the server while several senders POST webhook events, restart it on the
same database, and check that

- every event acknowledged with a 200 is stored exactly once (unique event id), redeliveries included,
- every stored event is applied (none left `received` or `error`): events stored but not applied when the
  process died are applied by the next startup,
- each invoice ends in the status its events imply, whatever order they arrived in, never moved backwards
  (audit trail), and was paid at most once (one CONFIRMED/RECEIVED applied, one `payment_success`,
  `paid_at` set, `refunded_cents` = amount only when refunded),
- PRAGMA integrity_check is ok.

Setup uses the real path: the server is configured against a running asaas-fake and each invoice is charged
with `charge_invoice`, so invoices carry the fake's payment ids; the webhook bodies embed the fake's payment
object. The senders play Asaas: `evt_<md5(event)>&<seq>` ids, the `asaas-access-token` header, a retry with the
same id and body until a 200, some events delivered twice, and events of one charge out of order.

Usage: Tests/fault/crash_webhooks.py [--rounds 20] [--invoices 200] [--binary .build/debug/billing-server]
"""
import argparse, collections, hashlib, json, os, random, sys, tempfile, threading, time, uuid

import harness

API_KEY = "$aact_crash_" + uuid.uuid4().hex[:16]
TOKEN = "whtok-" + uuid.uuid4().hex  # 38 characters, as Asaas wants (32-255)

# Event scripts per invoice and the status the invoice must end in, whatever the order of arrival.
PLANS = {
    "card_paid": (["PAYMENT_CONFIRMED", "PAYMENT_RECEIVED"], "paid", "CREDIT_CARD"),
    "pix_paid": (["PAYMENT_RECEIVED"], "paid", "PIX"),
    "late_paid": (["PAYMENT_OVERDUE", "PAYMENT_RECEIVED"], "paid", "BOLETO"),
    "overdue": (["PAYMENT_OVERDUE"], "overdue", "BOLETO"),
    "refunded": (["PAYMENT_CONFIRMED", "PAYMENT_RECEIVED", "PAYMENT_REFUNDED"], "refunded", "CREDIT_CARD"),
    "late_refunded": (["PAYMENT_OVERDUE", "PAYMENT_RECEIVED", "PAYMENT_REFUNDED"], "refunded", "PIX"),
    "partial_refund": (["PAYMENT_RECEIVED", "PAYMENT_PARTIALLY_REFUNDED"], "paid", "PIX"),
    "refused_then_paid": (["PAYMENT_CREDIT_CARD_CAPTURE_REFUSED", "PAYMENT_CONFIRMED"], "paid", "CREDIT_CARD"),
    "deleted": (["PAYMENT_OVERDUE", "PAYMENT_DELETED"], "cancelled", "BOLETO"),
    "untouched": (["PAYMENT_UPDATED"], "pending", "PIX"),
}
PAYMENT_STATUS = {"PAYMENT_CONFIRMED": "CONFIRMED", "PAYMENT_RECEIVED": "RECEIVED", "PAYMENT_OVERDUE": "OVERDUE",
                  "PAYMENT_REFUNDED": "REFUNDED", "PAYMENT_PARTIALLY_REFUNDED": "RECEIVED"}
NOISE = ["PAYMENT_BANK_SLIP_VIEWED", "PAYMENT_CHECKOUT_VIEWED", "PAYMENT_UPDATED", "PAYMENT_AWAITING_RISK_ANALYSIS"]
# Transitive closure of Invoice.Status.successors (a refund that overtakes the payment moves pending → refunded).
FORWARD = {"pending": {"overdue", "paid", "cancelled", "refunded"}, "overdue": {"paid", "cancelled", "refunded"},
           "paid": {"refunded"}, "cancelled": set(), "refunded": set()}


class Stream:
    """The deliveries, shared by the senders: state-changing events released over the expected run time (mostly
    in order per charge, some out of order), scheduled redeliveries of acknowledged events, and filler events
    (views, updates, unknown charges, subscription events) that are stored and ignored."""

    def __init__(self, invoices, duration):
        self.lock = threading.Lock()
        self.seq = 10_000_000
        self.start = None
        self.duration = duration
        self.noise = True
        self.invoices = invoices
        keyed = []
        for inv in invoices:
            types = PLANS[inv["plan"]][0]
            keys = sorted(random.random() for _ in types)
            if random.random() < 0.3:
                random.shuffle(keys)  # this charge's events arrive out of order
            for t, k in zip(types, keys):
                keyed.append((k, self.event(t, inv)))
        keyed.sort(key=lambda x: x[0])
        self.state = collections.deque(keyed)
        self.later = []  # (due time, event) redeliveries

    def event(self, kind, inv):
        self.seq += 1
        payment = dict(inv["payment"]) if inv else {"object": "payment", "id": "pay_" + uuid.uuid4().hex[:16], "status": "PENDING",
                                                    "value": 10.0, "externalReference": None}
        if kind in PAYMENT_STATUS:
            payment["status"] = PAYMENT_STATUS[kind]
        if kind == "PAYMENT_DELETED":
            payment["deleted"] = True
        body = {"id": f"evt_{hashlib.md5(kind.encode()).hexdigest()}&{self.seq}", "event": kind,
                "dateCreated": time.strftime("%Y-%m-%d %H:%M:%S"), "payment": payment}
        if kind.startswith("SUBSCRIPTION_"):
            del body["payment"]
            body["subscription"] = {"object": "subscription", "id": "sub_" + uuid.uuid4().hex[:12], "status": "ACTIVE"}
        return body["id"], json.dumps(body), kind, inv["id"] if inv else None

    def next(self):
        with self.lock:
            now = time.time()
            if self.later and (self.later[0][0] <= now or not self.noise) and random.random() < 0.5:
                return self.later.pop(0)[1]
            frac = (now - self.start) / self.duration if self.noise else 2
            if self.state and (self.state[0][0] <= frac):
                return self.state.popleft()[1]
            if not self.noise:
                return self.later.pop(0)[1] if self.later else None
            r = random.random()
            if r < 0.05:
                return self.event("PAYMENT_RECEIVED", None)  # a charge of no invoice of ours
            if r < 0.08:
                return self.event(random.choice(["SUBSCRIPTION_CREATED", "SUBSCRIPTION_UPDATED"]), None)
            return self.event(random.choice(NOISE), random.choice(self.invoices))

    def redeliver_later(self, ev):
        with self.lock:
            self.later.append((time.time() + random.uniform(0.05, 1.5), ev))
            self.later.sort(key=lambda x: x[0])

    def empty(self):
        with self.lock:
            return not self.state and not self.later


class Sender(threading.Thread):
    """Delivers events like Asaas: only a 200 counts; anything else is retried later with the same id and body."""

    def __init__(self, stream, state, dup_rate):
        super().__init__(daemon=True)
        self.stream, self.state, self.dup_rate = stream, state, dup_rate
        self.acked = collections.Counter()  # event id -> 200s seen
        self.sent = {}                      # event id -> (kind, invoice id)
        self.retry = collections.deque()
        self.failures = 0
        self.busy = False
        self.stop = False

    def run(self):
        while not self.stop:
            port = self.state["port"]
            if port is None:
                time.sleep(0.01)
                continue
            self.busy = True
            if self.retry and (random.random() < 0.5 or self.stream.empty()):
                ev = self.retry.popleft()
            else:
                ev = self.stream.next()
                if ev is None:
                    self.busy = False
                    if not self.retry:
                        time.sleep(0.01)
                    continue
            self.sent[ev[0]] = (ev[2], ev[3])
            try:
                status, _ = harness.post(port, "/webhooks/asaas", ev[1], {"asaas-access-token": TOKEN}, timeout=10)
            except Exception:
                status = None
            if status == 200:
                self.acked[ev[0]] += 1
                if self.acked[ev[0]] == 1 and random.random() < self.dup_rate:
                    self.stream.redeliver_later(ev)
            else:
                self.failures += 1
                self.retry.append(ev)
                if status is None:
                    time.sleep(0.01)
            self.busy = False


def setup(server, fake_port, n):
    status, t = server.call("create_tenant", {"name": "Webhook Crash Co", "billing_email": "billing@crash.test"})
    tenant = t["data"]["id"]
    status, c = server.call("sync_asaas_customer", {"tenant_id": tenant, "cpf_cnpj": "24971563792"})
    assert status in (200, 201), c
    plans = list(PLANS)
    invoices = []
    for i in range(n):
        plan = plans[i % len(plans)]
        cents = random.randint(500, 99_000)
        status, inv = server.call("create_invoice", {"tenant_id": tenant, "due_date": "2031-01-10", "amount_cents": cents})
        assert status == 201, inv
        status, ch = server.call("charge_invoice", {"tenant_id": tenant, "id": inv["data"]["id"], "billing_type": PLANS[plan][2]})
        assert status == 201, ch
        pay = ch["data"]["charge"]["id"]
        status, raw = harness.get(fake_port, f"/v3/payments/{pay}", {"access_token": API_KEY})
        assert status == 200, raw
        invoices.append({"id": inv["data"]["id"], "plan": plan, "amount": cents, "payment_id": pay, "payment": json.loads(raw)})
    return tenant, invoices


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--invoices", type=int, default=200)
    ap.add_argument("--senders", type=int, default=6)
    ap.add_argument("--dup-rate", type=float, default=0.25)
    ap.add_argument("--binary", default=harness.DEFAULT_BINARY)
    ap.add_argument("--fake-binary", default=None, help="default: asaas-fake next to --binary")
    args = ap.parse_args()
    fake_binary = args.fake_binary or os.path.join(os.path.dirname(args.binary), "asaas-fake")
    random.seed(int(os.environ.get("CRASH_SEED", "7")))
    started = time.time()
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "billing.sqlite")
        port = harness.free_port()
        # The fake delivers its own events (PAYMENT_CREATED of each charge) to the server as well.
        fake, fake_port = harness.start_fake(fake_binary, API_KEY, f"http://127.0.0.1:{port}/webhooks/asaas", TOKEN,
                                             ["--webhook-time-scale", "0.002"])
        server = harness.Server(args.binary, db, port, log_path=harness.log_path("server") or os.path.join(d, "server.log"),
                                env={"ASAAS_ENABLED": "true", "ASAAS_BASE_URL": f"http://127.0.0.1:{fake_port}/v3",
                                     "ASAAS_API_KEY": API_KEY, "ASAAS_WEBHOOK_TOKEN": TOKEN, "AUTO_PAYMENT_RETRY": "false",
                                     "LOG_LEVEL": "info"})
        server.start()
        tenant, invoices = setup(server, fake_port, args.invoices)
        deadline = time.time() + 30
        while time.time() < deadline:  # let the fake deliver its PAYMENT_CREATED events first
            health = json.loads(harness.get(fake_port, "/_fake/health")[1])
            if health.get("webhooksIdle"):
                break
            time.sleep(0.05)
        setup_seconds = time.time() - started

        state = {"port": server.port}
        stream = Stream(invoices, duration=max(1.0, args.rounds * 0.4))
        stream.start = time.time()
        senders = [Sender(stream, state, args.dup_rate) for _ in range(args.senders)]
        for s in senders:
            s.start()
        pending_after_kill = []  # events stored but not applied when the process died, per round
        for _ in range(args.rounds):
            time.sleep(random.uniform(0.2, 0.8))
            server.kill9()
            state["port"] = None
            conn = harness.open_db(db)
            pending_after_kill.append(conn.execute("SELECT count(*) FROM gateway_events WHERE status = 'received'").fetchone()[0])
            conn.close()
            server.start()
            state["port"] = server.port
        released_in_time = len(stream.state) == 0
        stream.noise = False  # release what is left, then deliver everything
        deadline = time.time() + 60
        while time.time() < deadline and not (stream.empty() and all(not s.retry and not s.busy for s in senders)):
            time.sleep(0.05)
        for s in senders:
            s.stop = True
        for s in senders:
            s.join()
        fake.terminate()
        server.stop()
        load_seconds = time.time() - started - setup_seconds

        problems = []
        acked, sent = collections.Counter(), {}
        for s in senders:
            acked.update(s.acked)
            sent.update(s.sent)
        undelivered = [e for e in sent if e not in acked]
        if undelivered:
            problems.append(f"{len(undelivered)} events never acknowledged after the settle phase, e.g. {undelivered[:3]}")

        conn = harness.open_db(db)
        rows = {r["event_id"]: r for r in conn.execute("SELECT * FROM gateway_events")}
        dupes = conn.execute("SELECT count(*) - count(DISTINCT event_id) FROM gateway_events").fetchone()[0]
        by_status = collections.Counter(r["status"] for r in rows.values())
        missing = [e for e in acked if e not in rows]
        if missing:
            problems.append(f"{len(missing)} acknowledged events not stored, e.g. {missing[:3]}")
        if dupes:
            problems.append(f"{dupes} event ids stored more than once")
        left = [(e, r["status"], r["error"]) for e, r in rows.items() if r["status"] not in ("applied", "ignored")]
        if left:
            problems.append(f"{len(left)} stored events not applied, e.g. {left[:3]}")
        redeliveries = conn.execute("SELECT coalesce(sum(redeliveries), 0) FROM gateway_events").fetchone()[0]

        for inv in invoices:
            row = conn.execute("SELECT * FROM invoices WHERE id = ?", (inv["id"],)).fetchone()
            expected = PLANS[inv["plan"]][1]
            where = f"invoice {row['invoice_number']} ({inv['plan']})"
            if row["status"] != expected:
                problems.append(f"{where}: status {row['status']}, its events imply {expected}")
            if (row["paid_at"] is not None) != (expected in ("paid", "refunded")):
                problems.append(f"{where}: paid_at {row['paid_at']!r} with status {row['status']}")
            if row["refunded_cents"] != (row["amount_cents"] if expected == "refunded" else 0):
                problems.append(f"{where}: refunded_cents {row['refunded_cents']} of {row['amount_cents']}")
            if expected == "paid" and row["last_payment_error"] is not None:
                problems.append(f"{where}: paid but last_payment_error {row['last_payment_error']!r}")
            if row["external_payment_id"] != inv["payment_id"]:
                problems.append(f"{where}: external_payment_id {row['external_payment_id']} != {inv['payment_id']}")
            applied = collections.Counter(r["event_type"] for r in conn.execute(
                "SELECT event_type FROM gateway_events WHERE invoice_id = ? AND status = 'applied'", (inv["id"],)))
            paid_events = applied["PAYMENT_CONFIRMED"] + applied["PAYMENT_RECEIVED"]
            if paid_events > 1 or applied["PAYMENT_REFUNDED"] > 1 or applied["PAYMENT_OVERDUE"] > 1:
                problems.append(f"{where}: applied more than once: {dict(applied)}")
            success = conn.execute("SELECT count(*) FROM notifications WHERE type = 'payment_success' AND json_extract(metadata_json, '$.invoice_id') = ?",
                                   (inv["id"],)).fetchone()[0]
            if success > 1 or (expected == "paid" and success != 1):
                problems.append(f"{where}: {success} payment_success notifications")
            # The audit trail of the applied events: a chain of forward moves from pending to the final status.
            status = "pending"
            moves_to_paid = 0
            for a in conn.execute("SELECT changes_json FROM audit_events WHERE action = 'apply_gateway_event' AND target_id = ? ORDER BY occurred_at, id",
                                  (inv["id"],)):
                move = json.loads(a["changes_json"]).get("status")
                if not move:
                    continue
                if move["from"] != status or move["to"] not in FORWARD[status]:
                    problems.append(f"{where}: audited move {move['from']} -> {move['to']} while {status}")
                status = move["to"]
                moves_to_paid += move["to"] == "paid" or (move["to"] == "refunded" and move["from"] != "paid")
            if status != row["status"]:
                problems.append(f"{where}: audit trail ends at {status}, the invoice is {row['status']}")
            if moves_to_paid > 1:
                problems.append(f"{where}: became paid {moves_to_paid} times")
        conn.close()
        integrity = harness.integrity(db)
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        with open(server.log_path) as f:
            repaired = sum(int(line.split("count=")[1].split()[0]) for line in f if "left over from the last run" in line and "count=" in line)
        if repaired != sum(pending_after_kill):
            problems.append(f"{sum(pending_after_kill)} events were left received by the kills, startup reported applying {repaired}")
        state_events = sum(len(PLANS[i["plan"]][0]) for i in invoices)
        harness.report(
            f"rounds={args.rounds} invoices={len(invoices)} events_sent={len(sent)} state_events={state_events} acked_200s={sum(acked.values())} "
            f"stored={len(rows)} {dict(by_status)} redeliveries={redeliveries} retries_after_failure={sum(s.failures for s in senders)} "
            f"stored_not_applied_at_kill={sum(pending_after_kill)} (in {sum(1 for p in pending_after_kill if p)} of {args.rounds} rounds) "
            f"state_events_released_before_last_kill={released_in_time} integrity={integrity} "
            f"setup_s={setup_seconds:.1f} load_s={load_seconds:.1f}", problems)


if __name__ == "__main__":
    main()
