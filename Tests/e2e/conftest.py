"""Fixtures for the dashboard's browser tests: the real server binary on an ephemeral port with a
temporary database, an admin-API client for seeding, and one headless Chromium for the session."""

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-123"
ADMIN_KEY = "bsk_e2e_admin_key_0123456789abcdefghijklmnop"
# 32 bytes in base64: card tokens and webhook secrets are sealed under it (a test-only value).
PAYMENT_DATA_KEY = "ZTJlLXRlc3Qtb25seS1wYXltZW50LWRhdGEta2V5ISE="


class ApiError(Exception):
    def __init__(self, status, error):
        super().__init__(f"{status} {error.get('code')}: {error.get('message')}")
        self.status = status
        self.code = error.get("code")
        self.error = error


class Api:
    """Minimal admin-API client (JSON envelope) used to seed data the browser then has to show."""

    def __init__(self, base, key=ADMIN_KEY):
        self.base = base
        self.key = key

    def call(self, action, body=None, method=None, key=None, **query):
        q = {"action": action, **{k: v for k, v in query.items() if v is not None}}
        url = f"{self.base}/admin-api?{urllib.parse.urlencode(q)}"
        method = method or ("POST" if body is not None else "GET")
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {key or self.key}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as res:
                return json.loads(res.read() or b"null").get("data")
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                err = json.loads(payload).get("error", {})
            except ValueError:
                err = {"message": payload.decode(errors="replace")}
            raise ApiError(e.code, err) from None

    def available(self, action, **query):
        """False when the server answers 400 unknown_action for `action`."""
        try:
            self.call(action, **query)
        except ApiError as e:
            if e.code == "unknown_action":
                return False
        return True

    def tenant(self, name=None, **fields):
        return self.call("create_tenant", {"name": name or f"Tenant {uuid.uuid4().hex[:8]}", **fields})

    def usage(self, tenant_id, resource_type, quantity=1):
        return self.call("log_usage", {"resource_type": resource_type, "quantity": quantity}, tenant_id=tenant_id)


def _binary():
    explicit = os.environ.get("BILLING_SERVER_BIN")
    candidates = [Path(explicit)] if explicit else [ROOT / ".build" / "debug" / "billing-server"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    pytest.exit(f"billing-server binary not found ({', '.join(map(str, candidates))}); run `swift build --product billing-server`", 2)


def _suite_log_dir():
    """BILLING_TEST_LOG_DIR (set by make test): the server logs at debug level into it and the secrets it is
    given are listed there, for Tests/logscan.py. None when unset."""
    value = os.environ.get("BILLING_TEST_LOG_DIR")
    if not value:
        return None
    directory = Path(value)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def server():
    tmp = Path(tempfile.mkdtemp(prefix="dash-e2e-"))
    log_dir = _suite_log_dir()
    log_path = log_dir / f"e2e-server-{os.getpid()}.log" if log_dir else tmp / "server.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp)),
        "ENV_FILE": "/dev/null",
        "DATABASE_PATH": str(tmp / "db.sqlite"),
        "HOST": "127.0.0.1",
        "PORT": "0",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ADMIN_API_KEY": ADMIN_KEY,
        "PUBLIC_DIR": str(ROOT / "public"),
        "LOGIN_RATE_LIMIT_PER_MINUTE": "1000",
        "PAYMENT_DATA_KEY": PAYMENT_DATA_KEY,
        # the webhook tests point an endpoint at a receiver on 127.0.0.1
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
    if log_dir:
        env["LOG_LEVEL"] = "debug"
        (log_dir / f"e2e-{os.getpid()}.secrets").write_text(f"{ADMIN_KEY}\n{ADMIN_PASSWORD}\n{PAYMENT_DATA_KEY}\n")
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(_binary()), "serve"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)  # migrations/ is read relative to the cwd
    base = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and base is None:
        if proc.poll() is not None:
            break
        m = re.search(rb"listening on (http://127\.0\.0\.1:\d+)/", log_path.read_bytes())
        if m:
            base = m.group(1).decode()
        else:
            time.sleep(0.05)
    if base is None:
        proc.kill()
        pytest.exit(f"server did not start:\n{log_path.read_text(errors='replace')[-4000:]}", 2)
    yield {"base": base, "log": log_path, "db": tmp / "db.sqlite"}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def base(server):
    return server["base"]


@pytest.fixture(scope="session")
def api(base):
    return Api(base)


@pytest.fixture(scope="session")
def driver():
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--disable-extensions", "--no-first-run", "--lang=en-US"):
        opts.add_argument(arg)
    chromium = shutil.which("chromium")
    if chromium:
        opts.binary_location = chromium
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    d = webdriver.Chrome(service=service, options=opts)
    d.set_page_load_timeout(20)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield d
    d.quit()


# ---------- browser helpers ----------

def wait(driver, cond, timeout=10, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(cond, message)


def shot(driver, name):
    """A full-page screenshot (beyond the viewport) through the DevTools protocol."""
    path = SCREENSHOTS / f"{name}.png"
    try:
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        png = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}})
        path.write_bytes(base64.b64decode(png["data"]))
    except Exception:  # noqa: BLE001 — fall back to the viewport
        driver.save_screenshot(str(path))


def visible(driver, css):
    for el in driver.find_elements(By.CSS_SELECTOR, css):
        if el.is_displayed():
            return el
    return None


def login_with_password(driver, base, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    if not driver.current_url.startswith(base):
        driver.get(f"{base}/admin/")
    wait(driver, lambda d: visible(d, "#login-view") or visible(d, "#app-view"), message="login form")
    if visible(driver, "#app-view"):
        return
    driver.find_element(By.ID, "tab-password").click()
    email_input = driver.find_element(By.ID, "login-email")
    email_input.clear()
    email_input.send_keys(email)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait(driver, lambda d: visible(d, "#app-view"), 15, "signed in")


@pytest.fixture
def signed_in(driver, base):
    """The browser is signed in with the bootstrap super-admin's password (a session cookie)."""
    driver.set_window_size(1280, 900)
    driver.get(f"{base}/admin/")
    login_with_password(driver, base)
    return driver


def open_page(driver, base, route, tenant_id=None, **params):
    """A full page load of `#/route?tenant=…`, waiting until the page says all its data has rendered."""
    query = {"tenant": tenant_id, **params}
    qs = urllib.parse.urlencode({k: v for k, v in query.items() if v})
    driver.get("about:blank")
    driver.get(f"{base}/admin/#/{route}" + (f"?{qs}" if qs else ""))
    wait_ready(driver, route, tenant_id)


def wait_ready(driver, route, tenant_id=None, timeout=10):
    def ready(d):
        r = d.execute_script("return [document.body.dataset.ready || '', document.body.dataset.tenant || '']")
        return r[0] == route and (tenant_id is None or r[1] == tenant_id)
    wait(driver, ready, timeout, f"page {route} ready")


def assert_no_alert(driver):
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"an alert opened: {text!r}")


def confirm(driver, typed=None):
    """Answers the topmost confirmation dialog (it may sit above another modal)."""
    button = wait(driver, lambda d: visible(d, "dialog[open] [data-confirm]"), message="confirmation dialog")
    dlg = button.find_element(By.XPATH, "./ancestor::dialog")
    if typed is not None:
        dlg.find_element(By.CSS_SELECTOR, "input[name=typed]").send_keys(typed)
    button.click()
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open] [data-confirm]"), message="dialog closed")
