#!/usr/bin/env python3
"""Fails when any log line the test suite produced holds something that looks like a secret.

`make test` points every server it starts at BILLING_TEST_LOG_DIR (the in-process Swift test servers through
Tests/AdminAPITests/Support/SuiteLog.swift, the real binaries of Tests/fault and Tests/e2e through their
stdout and stderr), each at debug level, and runs this scanner over that directory at the end.

What counts as a secret:
  * the exact values the suite configures or sends as credentials: every `*.secrets` file in the directory
    (one value per line, written by the tests and harnesses that configure them: ADMIN_API_KEY, PAYMENT_DATA_KEY,
    Asaas API key and webhook token, SMTP password, dashboard passwords, …) plus KNOWN_TEST_SECRETS below;
  * anything of a secret's shape: full API keys (`bsk_` + a long body, not the 12-character display prefix),
    session tokens (`bss_…`), webhook signing secrets (`whsec_…`), Asaas API keys (`$aact_…`), gateway card
    tokens as the tests write them (`tok_…`), Luhn-valid 13–19 digit card numbers, CVV fields with a value,
    `Authorization: Bearer …`, `access_token`/`asaas-access-token` values, secret-named fields with a value
    (`password=…`, `"token":"…"`) and credentials inside URLs (`smtp://user:password@host`).

Every finding is printed as `file:line: kind: excerpt` with the secret masked; exit status 1 when there is one,
or when nothing was scanned (a broken wiring must not pass), or when an `--expect`ed source left no log.

Usage: Tests/logscan.py [DIR] [--expect PREFIX,…]     (DIR defaults to $BILLING_TEST_LOG_DIR)
"""
import argparse, os, re, sys

# Credentials the tests send as data (passwords of users created through the API, keys and tokens written as
# literals) rather than configure; configured ones arrive through the `.secrets` files.
KNOWN_TEST_SECRETS = [
    "correct horse battery staple", "correct horse battery", "admin-password-123", "tenant-admin-pass-1", "another long password",
    "a long enough password", "scratch password 123", "supersecretpassword", "b-user-password", "evil-password-1",
    "guess-guess-guess", "long-enough-pw", "wrong password!", "not-the-password", "fuzz-password-1",
    "bsk_test_super_admin_key_0123456789abcdef", "bsk_e2e_admin_key_0123456789abcdefghijklmnop",
    "bsk_unknown_key_0000000000000000000000000000", "bsk_not_a_real_key",
    "$aact_hmlg_000GatewayTestKeyNeverLogged", "$aact_hmlg_000TestKeyDoNotLog",
    "whk-gateway-0123456789abcdef0123456789", "whk-token-0123456789abcdef0123456789",
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "tok_live_secret", "tok_acme_visa", "tok_matrix_0001",
]

# Exact values shorter than this (a 3-digit CVV, "1234") would match ordinary numbers and words; the shape
# patterns cover them.
MIN_EXACT_LENGTH = 8

# Values a secret-named field may legitimately carry: redaction markers, booleans, the audit log's "changed".
HARMLESS_FIELD_VALUES = {"", "[redacted]", "redacted", "changed", "true", "false", "null", "nil", "none", "(set)",
                         "set", "unset", "missing", "present", "***", "****", "<redacted>", "[filtered]"}

SHAPES = [
    ("api key", re.compile(r"(?<![A-Za-z0-9_])bsk_[A-Za-z0-9_-]{16,}")),
    ("session token", re.compile(r"(?<![A-Za-z0-9_])bss_[A-Za-z0-9_-]{16,}")),
    ("webhook signing secret", re.compile(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=_-]{8,}")),
    ("asaas api key", re.compile(r"\$aact_[A-Za-z0-9_$-]{4,}")),
    ("card token", re.compile(r"(?<![A-Za-z0-9_])tok_[A-Za-z0-9][A-Za-z0-9_-]*")),
    ("bearer credential", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=$-]{4,}")),
    ("credential in url", re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@\"]*:[^@\s/\"]+@")),
    ("cvv", re.compile(r"(?i)\b(?:cvv2?|cvc2?|ccv|security_?code|card_?code)\b\\?[\"']?\s*[:=]\s*\\?\"?\d{3,4}(?!\d)")),
]

# `name=value`, `name: value` or `"name":"value"` where the name says the value is a credential.
SECRET_FIELD = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])\\?[\"']?(password|passwd|secret|api[_-]?key|access[_-]?token|asaas-access-token|token|"
    r"creditcardtoken|card_?token|session[_-]?token|authorization|cookie|set-cookie|bs_session|payment_data_key|"
    r"smtp_password|webhook_token)\\?[\"']?\s*[:=]\s*(\\?\"(?:[^\"\\]|\\[^\"])*\\?\"|[^\s,;&}\\]+)")

# A run of 13–19 digits, or a number written the way cards are (4-4-4-4[-3] or Amex 4-6-5, spaces or dashes),
# starting with a card network's first digit (2–6: not epoch milliseconds, not our `<hex>-<n>` request ids).
CARD_CANDIDATE = re.compile(r"(?<![0-9A-Za-z.])(?:[2-6]\d{12,18}|[2-6]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?"
                            r"|3\d{3}([ -])\d{6}\2\d{5})(?![0-9A-Za-z])")


def luhn_valid(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_numbers(line):
    for m in CARD_CANDIDATE.finditer(line):
        digits = re.sub(r"[ -]", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits) and len(set(digits)) > 1:
            yield m.start(), m.end()


def mask(text):
    """Keeps a few leading characters so the kind is recognizable, never enough to use it."""
    keep = 4 if len(text) >= 12 else 1 if len(text) >= 4 else 0
    return f"{text[:keep]}…[{len(text)} chars]"


def masked_excerpt(line, hits, width=80):
    """`line` with every hit masked, cut to `width` characters either side of the first hit."""
    out, position, first = [], 0, None
    for _, start, end in hits:
        out.append(line[position:start])
        if first is None:
            first = sum(map(len, out))
        out.append(mask(line[start:end]))
        position = end
    out.append(line[position:])
    text = "".join(out)
    begin = max(0, first - width)
    return ("…" if begin else "") + text[begin:first + 2 * width] + ("…" if first + 2 * width < len(text) else "")


def load_secrets(directory):
    secrets = {s for s in KNOWN_TEST_SECRETS if len(s) >= MIN_EXACT_LENGTH}
    registered = 0
    for name in sorted(os.listdir(directory)):
        if name.endswith(".secrets"):
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                for value in f.read().splitlines():
                    registered += 1
                    if len(value) >= MIN_EXACT_LENGTH:
                        secrets.add(value)
    return secrets, registered


def findings_in(line, exact):
    """(kind, start, end) of each secret in `line`, overlapping hits reported once."""
    hits = []
    if exact:
        for m in exact.finditer(line):
            hits.append(("configured secret", m.start(), m.end()))
    for kind, pattern in SHAPES:
        for m in pattern.finditer(line):
            hits.append((kind, m.start(), m.end()))
    for m in SECRET_FIELD.finditer(line):
        value = m.group(2)
        unquoted = value.replace('\\"', '"').strip('"')
        if unquoted.strip().lower() not in HARMLESS_FIELD_VALUES:
            hits.append((f"{m.group(1).lower()} value", m.start(2), m.end(2)))
    for start, end in card_numbers(line):
        hits.append(("card number", start, end))
    hits.sort(key=lambda h: (h[1], -h[2]))
    kept, last_end = [], -1
    for hit in hits:
        if hit[1] >= last_end:
            kept.append(hit)
            last_end = hit[2]
    return kept


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("directory", nargs="?", default=os.environ.get("BILLING_TEST_LOG_DIR"))
    ap.add_argument("--expect", default="", help="comma-separated file name prefixes each of which must have left a log")
    ap.add_argument("--max-report", type=int, default=200, help="lines with findings printed at most (all are counted)")
    args = ap.parse_args()
    if not args.directory or not os.path.isdir(args.directory):
        print(f"logscan: no log directory ({args.directory or 'BILLING_TEST_LOG_DIR unset'})", file=sys.stderr)
        return 1

    secrets, registered = load_secrets(args.directory)
    exact = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))) if secrets else None
    files = lines = findings = reported = 0
    per_source = {}
    for name in sorted(os.listdir(args.directory)):
        path = os.path.join(args.directory, name)
        if name.endswith(".secrets") or not os.path.isfile(path):
            continue
        files += 1
        count = 0
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                count += 1
                text = line.rstrip("\n")
                hits = findings_in(text, exact)
                if hits:
                    findings += len(hits)
                    reported += 1
                    if reported <= args.max_report:
                        kinds = ", ".join(dict.fromkeys(kind for kind, _, _ in hits))
                        print(f"{path}:{number}: {kinds}: {masked_excerpt(text, hits)}")
        lines += count
        source = re.sub(r"-\d+(\.\w+)?$", "", name)
        per_source[source] = per_source.get(source, 0) + count

    print(f"logscan: scanned {files} files, {lines} lines in {args.directory} "
          f"({len(secrets)} exact secrets, {registered} registered); {findings} finding(s)")
    for source, count in sorted(per_source.items()):
        print(f"  {source}: {count} lines")
    missing = [p for p in filter(None, args.expect.split(",")) if not any(n.startswith(p) and c for n, c in per_source.items())]
    if missing:
        print(f"logscan: FAIL: no log lines from {', '.join(missing)} (is BILLING_TEST_LOG_DIR wired through?)")
        return 1
    if files == 0 or lines == 0:
        print("logscan: FAIL: nothing was scanned (is BILLING_TEST_LOG_DIR wired through?)")
        return 1
    if findings:
        print(f"logscan: FAIL: {findings} secret(s) on {reported} line(s)" + (f" (first {args.max_report} lines shown)" if reported > args.max_report else ""))
        return 1
    print("logscan: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
