#!/usr/bin/env python3
"""`billing-server rotate-data-key` online, killed mid-way and resumed (security round item 6).

A real server on a fresh SQLite database with no PAYMENT_DATA_KEY generates its 0600 key file on first start.
Tenants get webhook endpoints (a local receiver verifies every signature with the secret shown at creation) and
card payment methods; while notifications keep being delivered and cards keep being added, the rotation runs:

1. once, killed with SIGKILL right after it wrote the new key (before any value was re-sealed): the file holds
   the new key and the old one, the server has reloaded it (new cards are sealed under the new key), every old
   value still opens (deliveries to old endpoints verify);
2. again: it resumes that rotation (no third key), re-seals everything, and retires the old key.

Then: the file holds only the new key (mode 0600), every stored value names it, deliveries to every endpoint
still verify, and a further run finds every value readable and nothing to re-seal.

Usage: Tests/fault/rotate_data_key.py [--endpoints 20] [--cards 200]
"""
import argparse, base64, hashlib, hmac, http.server, os, re, sqlite3, stat, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

BINARY = os.environ.get("BILLING_SERVER_BIN", os.path.join(harness.ROOT, ".build", "debug", "billing-server"))


def key_ids(path):
    """`current`/`previous` key ids as the server computes them (16 hex of SHA-256 over a label and the key)."""
    ids = []
    for line in open(path).read().splitlines():
        if line.startswith(("current ", "previous ")):
            material = base64.b64decode(line.split()[1])
            harness.register_secrets(line.split()[1])
            ids.append(hashlib.sha256(b"billing-server data key id" + material).hexdigest()[:16])
    return ids


def stored(db, sql):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return [r[0] for r in c.execute(sql)]
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoints", type=int, default=20)
    ap.add_argument("--cards", type=int, default=200)
    args = ap.parse_args()
    problems = []
    work = tempfile.mkdtemp(prefix="rotate-key-")
    db = os.path.join(work, "data", "billing.sqlite")
    key_file = os.path.join(work, "data", "data-key")

    secrets, verified, failed = {}, [0], []
    lock = threading.Lock()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            endpoint = self.path.rsplit("/", 1)[-1]
            msg_id, ts, sig = self.headers.get("webhook-id"), self.headers.get("webhook-timestamp"), self.headers.get("webhook-signature") or ""
            with lock:
                secret = secrets.get(endpoint)
            ok = False
            if secret:
                key = base64.b64decode(secret[len("whsec_"):])
                expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
                ok = any(e == "v1," + expected for e in sig.split())
            with lock:
                if ok:
                    verified[0] += 1
                else:
                    failed.append(endpoint)
            self.send_response(204 if ok else 400)
            self.end_headers()

        def log_message(self, *a):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    server = harness.Server(BINARY, db, env={"WEBHOOK_ALLOW_PRIVATE": "true"})
    server.start()
    try:
        if not os.path.exists(key_file):
            raise SystemExit(f"FAIL: no key file generated at {key_file}")
        mode = stat.S_IMODE(os.stat(key_file).st_mode)
        if mode != 0o600:
            problems.append(f"the generated key file has mode {oct(mode)}, not 0600")
        [first_key] = key_ids(key_file)

        st, t = server.call("create_tenant", {"name": "Rotation Co"})
        tenant = t["data"]["id"]
        st, k = server.call("generate_api_key", {"tenant_id": tenant, "role": "admin", "name": "rot"})
        admin = k["data"]["key"]
        for i in range(args.endpoints):
            st, e = harness.call(server.port, admin, "create_webhook_endpoint",
                                 {"url": f"http://127.0.0.1:{receiver.server_port}/hook/{i}", "event_types": ["*"]})
            assert st == 201, (st, e)
            with lock:
                secrets[str(i)] = e["data"]["secret"]
            harness.register_secrets(e["data"]["secret"])

        def add_card(n):
            st, r = harness.call(server.port, admin, "add_payment_method", {"type": "credit_card", "token": f"tok_rotation_{n}_7f3a9c1e",
                                 "card_brand": "visa", "card_last4": "4242", "exp_month": 12, "exp_year": 2099})
            assert st == 201, (st, r)
        for n in range(args.cards):
            add_card(n)
        before = stored(db, "SELECT token_sealed FROM payment_methods") + stored(db, "SELECT secret FROM webhook_endpoints")
        if not all(v.startswith((f"v2:{first_key}:", f"sealed:v2:{first_key}:")) for v in before):
            problems.append("values stored before the rotation are not all under the generated key")

        stop = threading.Event()
        traffic = {"notifications": 0, "cards": 0}

        def load():
            n = args.cards
            while not stop.is_set():
                st, _ = server.call("create_notification", {"tenant_id": tenant, "type": "invoice_due", "subject": "s", "message": "m"})
                traffic["notifications"] += st == 201
                add_card(n)
                n += 1
                traffic["cards"] += 1
                time.sleep(0.05)
        loader = threading.Thread(target=load)
        loader.start()

        # 1. Killed right after the new key was written, during its settle pause.
        env = harness.base_env(DATABASE_PATH=db)
        proc = subprocess.Popen([BINARY, "rotate-data-key", "--settle-seconds", "4"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        if "new data key" not in line:
            problems.append(f"first run said {line!r}")
        proc.kill()
        proc.wait()
        ids = key_ids(key_file)
        if len(ids) != 2 or ids[1] != first_key:
            problems.append(f"after the kill the file holds {ids}, expected [new, {first_key}]")
        new_key = ids[0]
        time.sleep(3)  # the server re-reads the file every 2 s
        latest = stored(db, "SELECT token_sealed FROM payment_methods ORDER BY created_at DESC, id DESC LIMIT 1")[0]
        if not latest.startswith(f"v2:{new_key}:"):
            problems.append("a card added after the new key was written is not sealed under it (the server did not reload)")

        # 2. Run again: resumes, re-seals everything under the new key, retires the old one.
        rerun = subprocess.run([BINARY, "rotate-data-key", "--settle-seconds", "2"], env=env, capture_output=True, text=True, timeout=120)
        if rerun.returncode != 0 or "resuming" not in rerun.stdout or "rotation finished" not in rerun.stdout:
            problems.append(f"the resumed run: exit {rerun.returncode}: {rerun.stdout[-400:]} {rerun.stderr[-400:]}")
        stop.set()
        loader.join()
        time.sleep(3)
        ids = key_ids(key_file)
        if ids != [new_key]:
            problems.append(f"after the rotation the file holds {ids}, expected only {new_key}")
        if stat.S_IMODE(os.stat(key_file).st_mode) != 0o600:
            problems.append("the rewritten key file is not 0600")
        values = stored(db, "SELECT token_sealed FROM payment_methods") + stored(db, "SELECT secret FROM webhook_endpoints")
        stale = [v[:24] for v in values if not v.startswith((f"v2:{new_key}:", f"sealed:v2:{new_key}:"))]
        if stale:
            problems.append(f"{len(stale)} stored values are not under the new key, e.g. {stale[:2]}")

        # Deliveries after the rotation still verify with the secrets shown at creation.
        with lock:
            verified_before = verified[0]
        st, _ = server.call("create_notification", {"tenant_id": tenant, "type": "invoice_due", "subject": "after", "message": "m"})
        deadline = time.time() + 20
        while time.time() < deadline:
            with lock:
                if verified[0] - verified_before >= args.endpoints:
                    break
            time.sleep(0.2)
        with lock:
            if verified[0] - verified_before < args.endpoints:
                problems.append(f"only {verified[0] - verified_before} of {args.endpoints} deliveries after the rotation verified")
            if failed:
                problems.append(f"{len(failed)} deliveries did not verify (endpoints {sorted(set(failed))[:5]})")

        # 3. Nothing left: every value opens under the ring, nothing to re-seal.
        again = subprocess.run([BINARY, "rotate-data-key", "--settle-seconds", "0"], env=env, capture_output=True, text=True, timeout=120)
        if again.returncode != 0 or not re.search(r"pass 1: \d+ re-sealed", again.stdout):
            problems.append(f"a third run: exit {again.returncode}: {again.stdout[-300:]} {again.stderr[-300:]}")
        # (a third run starts a new rotation: that is what the command does with a finished ring)
        third = re.search(r"pass \d+: \d+ re-sealed, \d+ already under the new key, (\d+) unreadable", again.stdout)
        if not third or third.group(1) != "0":
            problems.append("the third run found unreadable values")
    finally:
        server.stop()
        receiver.shutdown()
    harness.report(f"rotate_data_key: {args.endpoints} endpoints, {args.cards}+{traffic['cards']} cards, "
                   f"{traffic['notifications']} notifications during the rotation, {verified[0]} deliveries verified", problems)


if __name__ == "__main__":
    main()
