"""Shared pieces of the kill -9 harnesses in Tests/fault: starting billing-server and asaas-fake on loopback,
calling the Admin API, killing and restarting, and reading the database afterwards.

Every process started here is registered and killed when the harness exits (normally, on an exception, or on
SIGTERM/SIGINT), so a failing run leaves no server behind.

With BILLING_TEST_LOG_DIR set (make test), every process logs at debug level and its stdout and stderr go to
files in that directory, and the secrets given to it are listed in a `.secrets` file there: Tests/logscan.py
scans them all for secrets at the end of the suite.
"""
import atexit, http.client, json, os, re, signal, socket, sqlite3, subprocess, sys, threading, time, uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "debug", "billing-server")

_children = []

LOG_DIR = os.environ.get("BILLING_TEST_LOG_DIR") or None
SCRIPT = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "harness"
SECRET_VARIABLES = ("ADMIN_API_KEY", "ADMIN_PASSWORD", "METRICS_TOKEN", "PAYMENT_DATA_KEY", "ASAAS_API_KEY",
                    "ASAAS_WEBHOOK_TOKEN", "SMTP_URL")


def _kill_children():
    for p in _children:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass


def _on_signal(signum, _frame):
    _kill_children()
    sys.exit(128 + signum)


atexit.register(_kill_children)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def spawn(args, **kwargs):
    """Popen that is killed at exit if still running."""
    p = subprocess.Popen(args, **kwargs)
    _children.append(p)
    _children[:] = [c for c in _children if c.poll() is None or c is p]
    return p


def free_port():
    """A loopback port free right now (restarts reuse it, so the port must be fixed before the first start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_path(name):
    """`<BILLING_TEST_LOG_DIR>/<script>-<name>-<pid>.log`, or None when the variable is unset."""
    if not LOG_DIR:
        return None
    os.makedirs(LOG_DIR, exist_ok=True)
    return os.path.join(LOG_DIR, f"{SCRIPT}-{name}-{os.getpid()}.log")


def log_file(name):
    """`log_path(name)` opened for appending (unbuffered bytes, for a child's stdout or stderr), or None."""
    path = log_path(name)
    return open(path, "ab", buffering=0) if path else None


def register_secrets(*values):
    """Lists secrets this run configures in `<BILLING_TEST_LOG_DIR>/<script>-<pid>.secrets` for Tests/logscan.py."""
    values = [str(v) for v in values if v]
    if LOG_DIR and values:
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(os.path.join(LOG_DIR, f"{SCRIPT}-{os.getpid()}.secrets"), "a") as f:
            f.writelines(v + "\n" for v in values)


def register_env_secrets(env):
    """Registers the values of the secret-bearing variables in `env` (the SMTP URL's password included)."""
    smtp_password = re.match(r"smtps?://[^:/@]*:([^@]*)@", env.get("SMTP_URL", ""))
    register_secrets(*(env.get(k) for k in SECRET_VARIABLES if k != "SMTP_URL"), smtp_password and smtp_password.group(1))


def drain(stream, sink=None):
    """Reads a child's stdout to the end (so it never blocks on a full pipe), copying it to `sink` if given."""
    def run():
        for line in stream:
            if sink:
                sink.write(line.encode() if isinstance(line, str) else line)
    threading.Thread(target=run, daemon=True).start()


def base_env(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "/dev/null", "LOG_LEVEL": "error",
           "MIGRATIONS_DIR": os.path.join(ROOT, "migrations"), "PUBLIC_DIR": os.path.join(ROOT, "public")}
    env.update({k: str(v) for k, v in extra.items()})
    if LOG_DIR:
        env["LOG_LEVEL"] = "debug"  # every line the process can write is scanned; debug is a superset of what callers read
    register_env_secrets(env)
    return env


class Server:
    """One billing-server on one database file; `start` again after `kill` reuses the file and the port."""

    def __init__(self, binary, db_path, port=0, env=None, log_path=None):
        self.binary, self.db_path, self.port = binary, db_path, port
        self.key = "bsk_fault_" + uuid.uuid4().hex
        self.env = dict(env or {})
        self.log_path = log_path
        self.proc = None
        self.starts = 0

    def start(self, timeout=30):
        env = base_env(PORT=self.port, DATABASE_PATH=self.db_path, ADMIN_API_KEY=self.key, WORKER_THREADS=16, **self.env)
        stderr = open(self.log_path, "a") if self.log_path else (log_file("server") or subprocess.DEVNULL)
        stdout_copy = log_file("server-stdout")
        self.proc = spawn([self.binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        if stderr is not subprocess.DEVNULL:
            stderr.close()
        deadline = time.time() + timeout
        for line in self.proc.stdout:
            if stdout_copy:
                stdout_copy.write(line.encode())
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                drain(self.proc.stdout, stdout_copy)
                self.port = int(m.group(1))
                self.starts += 1
                return self.port
            if time.time() > deadline:
                break
        self.proc.kill()
        raise SystemExit(f"billing-server did not start (exit {self.proc.wait()})")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=15):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)

    def call(self, action, body=None, timeout=10, **query):
        return call(self.port, self.key, action, body, timeout=timeout, **query)


def call(port, key, action, body=None, timeout=10, **query):
    """One Admin API call; returns (status, decoded JSON). Raises on connection errors."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        q = "".join(f"&{k}={v}" for k, v in query.items())
        headers = {"Authorization": f"Bearer {key}"}
        if body is None:
            conn.request("GET", f"/admin-api?action={action}{q}", headers=headers)
        else:
            headers["Content-Type"] = "application/json"
            conn.request("POST", f"/admin-api?action={action}{q}", json.dumps(body), headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        conn.close()


def post(port, path, body, headers=None, timeout=10):
    """A raw POST (webhooks, fake control routes); returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        conn.request("POST", path, body if isinstance(body, (bytes, str)) else json.dumps(body), h)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def get(port, path, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def start_fake(binary, api_key, webhook_url="", webhook_token="", extra=()):
    """Starts asaas-fake on an ephemeral port; returns (process, port)."""
    args = [binary, "--port", "0", "--api-key", api_key, "--webhook-url", webhook_url, "--webhook-token", webhook_token, *extra]
    register_secrets(api_key, webhook_token)
    stderr = log_file("asaas-fake")
    proc = spawn(args, env=base_env(), stdout=subprocess.PIPE, stderr=stderr or subprocess.DEVNULL, text=True)
    if stderr:
        stderr.close()
    stdout_copy = log_file("asaas-fake-stdout")
    line = proc.stdout.readline()
    if stdout_copy:
        stdout_copy.write(line.encode())
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"asaas-fake did not start: {line!r}")
    drain(proc.stdout, stdout_copy)
    return proc, int(m.group(1))


def run_cli(binary, db_path, args, env=None, **popen):
    """Starts `billing-server ARGS` on db_path (not waited for). With BILLING_TEST_LOG_DIR set, a piped stderr
    (the log) goes to a file there instead, so the caller reads None for it."""
    e = base_env(DATABASE_PATH=db_path, **(env or {}))
    stderr = log_file("cli") if popen.get("stderr") == subprocess.PIPE else None
    if stderr:
        popen["stderr"] = stderr
    try:
        return spawn([binary, *args], env=e, **popen)
    finally:
        if stderr:
            stderr.close()


def open_db(path):
    """A read connection for the checks (only while no server runs on the file)."""
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def integrity(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def report(summary, problems):
    """Prints the summary line and either OK or the problems (exit 1)."""
    print(summary, flush=True)
    if problems:
        print("FAIL:\n  " + "\n  ".join(problems), flush=True)
        sys.exit(1)
    print("OK", flush=True)
