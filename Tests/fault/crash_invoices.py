#!/usr/bin/env python3
"""Crash safety of generate_invoices: kill -9 the job mid-run, again and again, then let it finish, and check that

- every subscription got exactly the invoices of an uninterrupted run on a copy of the same database (same
  periods, lines and amounts; none missing, none duplicated) and ended in the same state: active ones advanced
  exactly one period, trials converted, cancel-at-period-end ones ended, immediately cancelled ones got their
  closing invoice once,
- invoice numbers are unique and gapless per year (INV-YYYY-NNNNNN, 1..n) and match invoice_number_counters,
- job_runs holds one finished row per run that completed and, for a killed run, a row left `running` (with its
  instance) or already `interrupted`; none failed; a rerun finds nothing left to do,
- PRAGMA integrity_check and foreign_key_check are clean.

Each round runs the job one of three ways and kills it at a random moment sized so that most rounds stop it
mid-run: `billing-server jobs run generate_invoices --now T` (kill -9 the process), the server's `run_job`
action (kill -9 the server), or both at once on the same file.

Usage: Tests/fault/crash_invoices.py [--rounds 20] [--subscriptions 4000] [--binary .build/debug/billing-server]
"""
import argparse, calendar, collections, json, os, random, re, signal, sqlite3, subprocess, tempfile, threading, time

import harness

KINDS = ["active"] * 16 + ["overage"] * 2 + ["trial", "ends", "closing"]


def setup(server, n, threads=8):
    """n tenants, each with one subscription of a kind (all through the Admin API)."""
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    errors = []

    def worker(k):
        try:
            for i in range(k, n, threads):
                kind = kinds[i]
                st, t = server.call("create_tenant", {"name": f"Crash Sub {i}"})
                assert st == 201, (st, t)
                tenant = t["data"]["id"]
                body = {"tenant_id": tenant, "plan": "starter" if i % 3 else "professional", "billing_cycle": "monthly"}
                if kind == "trial":
                    body.update(status="trial", trial_days=14)
                st, s = server.call("create_subscription", body)
                assert st == 201, (st, s)
                if kind in ("overage", "closing"):
                    st, u = server.call("log_usage", {"tenant_id": tenant, "resource_type": "file_upload", "quantity": 1500,
                                                      "idempotency_key": f"setup-{i}"})
                    assert st in (200, 201), (st, u)
                if kind == "ends":
                    st, c = server.call("cancel_subscription", {"tenant_id": tenant})
                    assert st == 200, (st, c)
                if kind == "closing":
                    st, c = server.call("cancel_subscription", {"tenant_id": tenant, "immediately": True})
                    assert st == 200, (st, c)
        except Exception as e:  # reported by the caller
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise SystemExit(f"setup failed: {errors[:3]}")


def snapshot(db):
    conn = harness.open_db(db)
    subs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM subscriptions")}
    invoices = collections.defaultdict(list)
    for r in conn.execute("SELECT * FROM invoices WHERE subscription_id IS NOT NULL"):
        invoices[r["subscription_id"]].append(dict(r))
    conn.close()
    return subs, invoices


def remaining(db, cutoff):
    """Work generate_invoices still has to do as of cutoff (due periods + closing invoices), and invoices so far."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        due = conn.execute("SELECT count(*) FROM subscriptions WHERE status IN ('trial', 'active', 'past_due') "
                           "AND current_period_end IS NOT NULL AND current_period_end <= ?", (cutoff,)).fetchone()[0]
        closing = conn.execute("SELECT count(*) FROM subscriptions WHERE closing_due_at IS NOT NULL AND closing_due_at <= ?", (cutoff,)).fetchone()[0]
        invoices = conn.execute("SELECT count(*) FROM invoices").fetchone()[0]
        return due + closing, invoices
    finally:
        conn.close()


def jobs_run(binary, db, now, extra=()):
    return harness.run_cli(binary, db, ["jobs", "run", "generate_invoices", "--now", now, *extra],
                           env={"AUTO_PAYMENT_RETRY": "false"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--subscriptions", type=int, default=4000)
    ap.add_argument("--binary", default=harness.DEFAULT_BINARY)
    args = ap.parse_args()
    random.seed(int(os.environ.get("CRASH_SEED", "7")))
    started = time.time()
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "billing.sqlite")
        server = harness.Server(args.binary, db, harness.free_port(), env={"AUTO_PAYMENT_RETRY": "false"})
        server.start()
        setup(server, args.subscriptions)
        server.stop()
        before_subs, before_invoices = snapshot(db)
        # As of one day (+ the late window) after the latest period end: every monthly period ends once, the
        # 14-day trials end once and their first paid period (a month later) is not due yet.
        latest = max(s["current_period_end"] for s in before_subs.values() if s["current_period_end"])
        t = time.strptime(latest[:19], "%Y-%m-%dT%H:%M:%S")
        now_epoch = calendar.timegm(t) + 86400 + 3600
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_epoch))
        cutoff = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now_epoch - 3600))

        # The reference: the same job, uninterrupted, on a copy of the database.
        ref = os.path.join(d, "reference.sqlite")
        with sqlite3.connect(db) as src, sqlite3.connect(ref) as dst:
            src.backup(dst)
        work, _ = remaining(db, cutoff)
        t0 = time.time()
        p = jobs_run(args.binary, ref, now)
        out, err = p.communicate()
        ref_seconds = time.time() - t0
        if p.returncode != 0:
            raise SystemExit(f"reference run failed: {out} {err or harness.LOG_DIR}")
        ref_run = json.loads(out)
        setup_seconds = time.time() - started

        # Each round kills at a random point of progress: after a random number of steps (about an even share of
        # what is left), watched by polling the database, plus a random fraction of a step.
        rounds = []  # (mode, steps targeted, outcome, steps done)
        completed_runs = 0
        started_runs = 0
        for i in range(args.rounds):
            left, _ = remaining(db, cutoff)
            target = max(1, round(left / (args.rounds - i + 1) * random.uniform(0.3, 1.7)))
            mode = ["cli", "server", "both", "cli"][i % 4]
            procs, answers, caller = [], [], None
            if mode in ("server", "both"):
                server.start()

                def run_job():
                    try:
                        answers.append(server.call("run_job", {"job": "generate_invoices", "now": now}, timeout=300))
                    except Exception as e:
                        answers.append(("died", repr(e)))

                caller = threading.Thread(target=run_job, daemon=True)
                caller.start()
                started_runs += 1
            if mode in ("cli", "both"):
                procs.append(jobs_run(args.binary, db, now))
                started_runs += 1
            deadline = time.time() + 120
            while time.time() < deadline:
                if all(pr.poll() is not None for pr in procs) and (caller is None or not caller.is_alive()):
                    break
                if left - remaining(db, cutoff)[0] >= target:
                    break
                time.sleep(0.002)
            time.sleep(random.uniform(0, 0.004))
            finished = [pr for pr in procs if pr.poll() is not None]
            for pr in procs:
                if pr.poll() is None:
                    pr.send_signal(signal.SIGKILL)
                out, _ = pr.communicate()
                if pr.returncode == 0:
                    completed_runs += 1
                elif pr.returncode != -signal.SIGKILL:
                    raise SystemExit(f"jobs run exited {pr.returncode}: {out}")
            if caller is not None:
                server.kill9()
                caller.join(timeout=30)
                if answers and answers[0][0] == 200:
                    completed_runs += 1
                    finished.append("server")
            after, _ = remaining(db, cutoff)
            outcome = "finished" if finished or after == 0 else ("mid-run" if after < left else "before-first-step")
            rounds.append((mode, target, outcome, left - after))

        # Run to completion, then once more: the rerun must find nothing.
        final = []
        for _ in range(2):
            p = jobs_run(args.binary, db, now)
            out, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"final run failed: {out} {err or harness.LOG_DIR}")
            final.append(json.loads(out))
            completed_runs += 1
            started_runs += 1
        load_seconds = time.time() - started - setup_seconds

        problems = []
        subs, invoices = snapshot(db)
        ref_subs, ref_invoices = snapshot(ref)
        keyed = lambda rows: sorted((r["period_start"], r["period_end"], r["amount_cents"], r["line_items_json"], r["status"]) for r in rows)
        kinds = collections.Counter()
        for sid, before in before_subs.items():
            now_sub, ref_sub = subs[sid], ref_subs[sid]
            mine, theirs = invoices.get(sid, []), ref_invoices.get(sid, [])
            new = [r for r in mine if r["id"] not in {b["id"] for b in before_invoices.get(sid, [])}]
            kind = ("trial" if before["status"] == "trial" else "closing" if before["closing_due_at"] else
                    "ends" if before["cancel_at_period_end"] else "active")
            kinds[kind] += 1
            if keyed(mine) != keyed(theirs):
                problems.append(f"subscription {sid} ({kind}): invoices {keyed(mine)} != uninterrupted run {keyed(theirs)}")
            for col in ("status", "current_period_start", "current_period_end", "ended_at", "closing_due_at", "cancel_at_period_end", "price_cents"):
                if now_sub[col] != ref_sub[col]:
                    problems.append(f"subscription {sid} ({kind}): {col} {now_sub[col]!r} != uninterrupted run {ref_sub[col]!r}")
            if len({r["period_start"] for r in mine}) != len(mine):
                problems.append(f"subscription {sid}: two invoices for one period")
            expected_new = {"active": 1, "trial": 1, "ends": 0, "closing": 1}[kind]
            if len(new) != expected_new:
                problems.append(f"subscription {sid} ({kind}): {len(new)} invoices generated, expected {expected_new}")
            if kind in ("active", "trial"):
                start = before["trial_ends_at"] if kind == "trial" else before["current_period_end"]
                if now_sub["current_period_start"] != start or now_sub["status"] != "active":
                    problems.append(f"subscription {sid} ({kind}): not advanced exactly one period: {before['current_period_start']}..{before['current_period_end']} -> "
                                    f"{now_sub['status']} {now_sub['current_period_start']}..{now_sub['current_period_end']}")
                if new and (new[0]["period_start"], new[0]["period_end"]) != (now_sub["current_period_start"], now_sub["current_period_end"]):
                    problems.append(f"subscription {sid}: the invoice bills {new[0]['period_start']}..{new[0]['period_end']}, not the current period")
            elif now_sub["status"] != "cancelled" or now_sub["closing_due_at"] is not None:
                problems.append(f"subscription {sid} ({kind}): {now_sub['status']} closing_due_at={now_sub['closing_due_at']}")

        conn = harness.open_db(db)
        numbers = [r[0] for r in conn.execute("SELECT invoice_number FROM invoices")]
        if len(numbers) != len(set(numbers)):
            problems.append(f"{len(numbers) - len(set(numbers))} duplicate invoice numbers")
        per_year = collections.defaultdict(list)
        for n in numbers:
            m = re.fullmatch(r"INV-(\d{4})-(\d{6})", n)
            if not m:
                problems.append(f"malformed invoice number {n}")
                continue
            per_year[int(m.group(1))].append(int(m.group(2)))
        counters = dict(conn.execute("SELECT year, last_number FROM invoice_number_counters").fetchall())
        for year, ns in per_year.items():
            if sorted(ns) != list(range(1, len(ns) + 1)):
                missing = sorted(set(range(1, max(ns) + 1)) - set(ns))
                problems.append(f"{year}: invoice numbers not gapless: {len(ns)} numbers up to {max(ns)}, missing e.g. {missing[:5]}")
            if counters.get(year) != max(ns):
                problems.append(f"{year}: invoice_number_counters says {counters.get(year)}, highest number {max(ns)}")
        every_run = [dict(r) for r in conn.execute("SELECT * FROM job_runs WHERE job = 'generate_invoices' AND dry_run = 0")]
        # A killed run stays `running` (its heartbeat stops) until another instance or start finds it stale (`interrupted`).
        runs = [r for r in every_run if r["outcome"] not in ("running", "interrupted")]
        killed = len(every_run) - len(runs)
        bad = [(r["outcome"], r["message"]) for r in runs if r["outcome"] != "ok" or json.loads(r["counts_json"]).get("failures")]
        if bad:
            problems.append(f"{len(bad)} generate_invoices runs not ok: {bad[:3]}")
        if not completed_runs <= len(runs) <= started_runs or len(every_run) > started_runs:
            problems.append(f"{len(runs)} generate_invoices runs finished and {killed} killed; {completed_runs} completed and {started_runs} started")
        if any(r["finished_at"] is None or r["finished_at"] < r["started_at"] for r in runs):
            problems.append("a finished job run has no finish time, or finished before it started")
        if any(r["instance_id"] is None for r in every_run if r["outcome"] == "running"):
            problems.append("a running job run names no instance")
        if final[1]["counts"].get("invoices_created") or final[1]["counts"].get("periods_rolled"):
            problems.append(f"the rerun after completion still did work: {final[1]['counts']}")
        created = len([r for r in conn.execute("SELECT 1 FROM invoices WHERE issued_at = ?", (now.replace("Z", ".000Z"),))])
        audited = conn.execute("SELECT count(*) FROM audit_events WHERE action IN ('generate_invoice', 'generate_closing_invoice')").fetchone()[0]
        if created != audited:
            problems.append(f"{created} invoices generated but {audited} generate_invoice audit events")
        recorded = sum(json.loads(r["counts_json"]).get("invoices_created", 0) for r in runs)
        if recorded > created:
            problems.append(f"the recorded runs claim {recorded} invoices created, {created} exist")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {len(fk)} rows, e.g. {[tuple(r) for r in fk[:3]]}")
        conn.close()
        integrity = harness.integrity(db)
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")

        outcomes = collections.Counter(r[2] for r in rounds)
        harness.report(
            f"rounds={args.rounds} subscriptions={len(before_subs)} {dict(kinds)} work={work} reference: {ref_run['counts']['invoices_created']} invoices "
            f"in {ref_seconds:.2f}s | kills: mid-run={outcomes['mid-run']} before-first-step={outcomes['before-first-step']} "
            f"finished-before-kill={outcomes['finished']} modes={dict(collections.Counter(r[0] for r in rounds))} "
            f"steps_per_round={[r[3] for r in rounds]} | final run: {final[0]['counts'].get('invoices_created')} invoices, "
            f"job_runs={len(runs)} (completed {completed_runs}, started {started_runs}) invoices_generated={created} "
            f"numbers={ {y: len(v) for y, v in per_year.items()} } integrity={integrity} setup_s={setup_seconds:.1f} load_s={load_seconds:.1f}",
            problems)


if __name__ == "__main__":
    main()
