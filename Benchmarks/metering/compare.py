#!/usr/bin/env python3
"""Before/after: the ingestion scenarios of run.py against two billing-server binaries, alternating.

Each round starts both servers on fresh databases and runs, for each binary in turn (the order flips
every round), log_usage c32, log_usage enforce c64 and log_usage_batch c4 (1,000 events per request).
Prints medians per binary and the new/old ratio, so a change is judged by ratios taken side by side on
the same (noisy, shared) machine.

Usage: Benchmarks/metering/compare.py OLD_BINARY NEW_BINARY [--rounds 3] [--seconds 8]
"""
import argparse, os, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(__file__))
import run  # noqa: E402  (the scenarios and helpers of the main benchmark)

SCENARIOS = [
    ("log_usage c32", dict(connections=32)),
    ("log_usage enforce c64", dict(connections=64, enforce=True)),
    ("log_usage_batch c4 (events/s)", dict(connections=4, script=run.BATCH_LUA)),
]


def measure(binary, seconds):
    """One fresh server on a fresh database: every scenario once."""
    run.BINARY = binary
    out = {}
    with tempfile.TemporaryDirectory() as d:
        proc, port, key = run.start_server(d)
        try:
            c = run.Client(port, key)
            tenants = [c.call("create_tenant", {"name": f"Compare {i}"})[1]["data"]["id"] for i in range(3)]
            c.call("set_quota", {"tenant_id": tenants[1], "resource_type": "message", "period": "monthly",
                                 "limit_value": 10**12, "is_hard_limit": True})
            for (name, opts), tenant in zip(SCENARIOS, tenants):
                r = run.wrk(port, key, tenant, seconds, **opts)
                scale = 1000 if "batch" in name else 1
                out[name] = (r["rps"] * scale, r["p99"], r["errors"])
        finally:
            proc.terminate()
            proc.wait()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    args = ap.parse_args()
    results = {"old": [], "new": []}
    for r in range(args.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for who in order:
            results[who].append(measure(getattr(args, who), args.seconds))
            print(f"round {r + 1} {who}: {results[who][-1]}", flush=True)
    print("| scenario | old req/s | new req/s | ratio | old p99 ms | new p99 ms |")
    print("|---|---|---|---|---|---|")
    for name, _ in SCENARIOS:
        old_rps = statistics.median(m[name][0] for m in results["old"])
        new_rps = statistics.median(m[name][0] for m in results["new"])
        old_p99 = statistics.median(m[name][1] for m in results["old"])
        new_p99 = statistics.median(m[name][1] for m in results["new"])
        errors = sum(m[name][2] for w in results.values() for m in w)
        print(f"| {name} | {old_rps:.0f} | {new_rps:.0f} | {new_rps / old_rps:.2f}× | {old_p99:.2f} | {new_p99:.2f} |"
              + (f" ({errors} errors)" if errors else ""))


if __name__ == "__main__":
    main()
