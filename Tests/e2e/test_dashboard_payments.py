"""Payment methods, webhooks, invoice refund / Pix and notification paging in the dashboard (docs/DASHBOARD.md)."""

import http.server
import threading
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ApiError, assert_no_alert, confirm, login_with_password, open_page, shot, visible, wait, wait_ready

XSS = "<img src=x onerror=alert(1)>"
URL_XSS = '"><svg/onload=alert(1)>'  # URLs may not contain spaces
PAN = "4111 1111 1111 1111"  # a Luhn-valid test card number: the API must refuse it


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def no_injected_elements(d):
    assert d.execute_script("return document.querySelectorAll('img[src=x], img[src$=\"/x\"], main script, [onload], [onerror]').length") == 0
    assert_no_alert(d)


# ---------- payment methods ----------

def test_payment_method_pan_refused_inline_then_added_defaulted_deleted(signed_in, base, api):
    d = signed_in
    t = api.tenant("Cards")
    open_page(d, base, "payment-methods", t["id"])
    assert "No payment methods" in text(d, "main")
    d.find_element(By.ID, "add-payment-method").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #pm-form"))
    # a card is a gateway token plus brand / last 4 / expiry: nothing asks for the number or the CVV
    names = {i.get_attribute("name") for i in form.find_elements(By.CSS_SELECTOR, "input, select")}
    assert {"token", "card_brand", "card_last4", "exp_month", "exp_year"} <= names
    assert not any(n and any(w in n.lower() for w in ("number", "cvv", "cvc", "pan", "security")) for n in names)
    assert not form.find_elements(By.CSS_SELECTOR, "[autocomplete^=cc-]")
    token = form.find_element(By.NAME, "token")
    token.send_keys(PAN)
    Select(form.find_element(By.NAME, "card_brand")).select_by_value("VISA")
    form.find_element(By.NAME, "card_last4").send_keys("1111")
    form.find_element(By.NAME, "exp_month").send_keys("12")
    form.find_element(By.NAME, "exp_year").send_keys("2031")
    form.find_element(By.NAME, "holder_name").send_keys(XSS)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    err = wait(d, lambda d: (e := d.find_element(By.CSS_SELECTOR, "#pm-form [data-field=token] .field-error")).text and e)
    assert "card number" in err.text
    assert token.get_attribute("aria-invalid") == "true"
    assert token.get_attribute("value") == "", "the refused number is cleared from the form"
    shot(d, "payment-method-pan-refused")
    assert api.call("list_payment_methods", tenant_id=t["id"])["items"] == []
    token.send_keys("tok_e2e_" + uuid.uuid4().hex)
    form.find_element(By.NAME, "label").send_keys("label " + XSS)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, ".pm-table tbody tr[data-type=credit_card]")) and r[0])
    assert "•••• 1111" in row.text and "12/2031" in row.text and "VISA" in row.text
    assert XSS in row.text and "label " + XSS in row.text
    assert row.get_attribute("data-default") == "true" and "Default" in row.text  # the first method is the default
    no_injected_elements(d)
    # a second method (no token: Pix), made the default from the page
    pix = api.call("add_payment_method", {"type": "pix", "label": "Pix key"}, tenant_id=t["id"])
    open_page(d, base, "payment-methods", t["id"])
    d.find_element(By.CSS_SELECTOR, f"tr[data-id='{pix['id']}'] .set-default").click()
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, f"tr[data-id='{pix['id']}']").get_attribute("data-default") == "true")
    assert d.find_element(By.CSS_SELECTOR, "tr[data-type=credit_card]").get_attribute("data-default") == "false"
    shot(d, "payment-methods")
    # delete the card, cancelling once first
    d.find_element(By.CSS_SELECTOR, "tr[data-type=credit_card] .delete-pm").click()
    wait(d, lambda d: visible(d, "dialog[open]")).find_element(By.XPATH, ".//button[.='Cancel']").click()
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    d.find_element(By.CSS_SELECTOR, "tr[data-type=credit_card] .delete-pm").click()
    confirm(d)
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "tr[data-type=credit_card]"))
    left = api.call("list_payment_methods", tenant_id=t["id"])["items"]
    assert [m["type"] for m in left] == ["pix"]


# ---------- webhooks ----------

class _Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Receiver.received.append((self.path, dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Receiver.received
    srv.shutdown()
    srv.server_close()


def test_webhook_secret_shown_once_test_send_and_delete(signed_in, base, api, receiver):
    d = signed_in
    url, received = receiver
    t = api.tenant("Hooks")
    open_page(d, base, "webhooks", t["id"])
    assert "No webhook endpoints" in text(d, "main")
    d.find_element(By.ID, "new-webhook").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #webhook-form"))
    boxes = form.find_elements(By.CSS_SELECTOR, "input[name=event_types]")
    assert len(boxes) == 21 and {"*", "invoice.*", "usage.threshold", "invoice_created"} <= {b.get_attribute("value") for b in boxes}
    # the API's validation errors land next to their fields
    form.find_element(By.NAME, "url").send_keys("ftp://hooks.example.com/x")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    err = wait(d, lambda d: (e := d.find_element(By.CSS_SELECTOR, "#webhook-form [data-field=url] .field-error")).text and e)
    assert "http" in err.text
    form.find_element(By.NAME, "url").clear()
    hook_url = f"{url}/hook?q={URL_XSS}"
    form.find_element(By.NAME, "url").send_keys(hook_url)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    err = wait(d, lambda d: (e := d.find_element(By.CSS_SELECTOR, "#webhook-form [data-field=event_types] .field-error")).text and e)
    form.find_element(By.CSS_SELECTOR, "input[value='invoice.*']").click()
    form.find_element(By.CSS_SELECTOR, "input[value='usage.threshold']").click()
    form.find_element(By.NAME, "description").send_keys(XSS)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    secret_el = wait(d, lambda d: visible(d, "#new-webhook-secret code"))
    secret = secret_el.text
    assert secret.startswith("whsec_") and len(secret) > 20
    assert "only this once" in text(d, "#new-webhook-secret")
    assert d.find_element(By.XPATH, "//div[@id='new-webhook-secret']//button[.='Copy']")
    shot(d, "webhook-secret")
    d.find_element(By.ID, "webhook-done").click()
    row = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, ".webhook-table tbody tr")) and r[0])
    [ep] = api.call("list_webhook_endpoints", tenant_id=t["id"])["items"]
    assert ep["secret"] is None and ep["event_types"] == ["invoice.*", "usage.threshold"]
    stored_url = ep["url"]
    assert URL_XSS in stored_url
    assert stored_url in row.text and XSS in row.text and "invoice.*" in row.text
    assert secret not in d.page_source
    no_injected_elements(d)
    # not shown again after a reload either
    open_page(d, base, "webhooks", t["id"])
    assert secret not in d.page_source
    assert "No deliveries yet" in text(d, "#webhook-deliveries")

    # send a test: the local receiver answers 204, the page says so and the delivery log shows it
    d.find_element(By.CSS_SELECTOR, ".webhook-table .test-webhook").click()
    result = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, "#webhook-test-result [data-success]")) and r[0])
    assert result.get_attribute("data-success") == "true", result.text
    assert "Test delivered" in result.text and "HTTP 204" in result.text
    assert len(received) == 1
    path, headers, body = received[0]
    assert path.startswith("/hook") and {"webhook-id", "webhook-signature"} <= {k.lower() for k in headers}
    assert b"webhook.test" in body
    delivery = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, ".delivery-table tbody tr[data-event='webhook.test']")) and r[0])
    assert delivery.get_attribute("data-status") == "succeeded" and "HTTP 204" in delivery.text
    shot(d, "webhooks")

    # delete, confirmed
    d.find_element(By.CSS_SELECTOR, ".webhook-table .delete-webhook").click()
    confirm(d)
    wait(d, lambda d: "No webhook endpoints" in text(d, "main"))
    assert api.call("list_webhook_endpoints", tenant_id=t["id"])["items"] == []


def test_webhook_test_send_failure_is_shown(signed_in, base, api):
    """An endpoint nobody listens on: the test result says it failed and why."""
    d = signed_in
    t = api.tenant("Hooks down")
    api.call("create_webhook_endpoint", {"url": "http://127.0.0.1:9/nothing-here", "event_types": ["*"]}, tenant_id=t["id"])
    open_page(d, base, "webhooks", t["id"])
    d.find_element(By.CSS_SELECTOR, ".webhook-table .test-webhook").click()
    result = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, "#webhook-test-result [data-success]")) and r[0], 20)
    assert result.get_attribute("data-success") == "false" and "Test failed" in result.text
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".delivery-table tbody tr[data-status=failed]"))


# ---------- invoices: refund and Pix of an existing charge (no gateway in this suite) ----------

def test_invoice_refund_and_pix_say_gateway_disabled(signed_in, base, api):
    d = signed_in
    t = api.tenant("Refunds")
    paid = api.call("create_invoice", {"due_date": "2030-01-10", "amount_cents": 5000}, tenant_id=t["id"])
    api.call("update_invoice", {"id": paid["id"], "status": "paid"}, tenant_id=t["id"])
    charged = api.call("create_invoice", {"due_date": "2030-01-10", "amount_cents": 700}, tenant_id=t["id"])
    api.call("update_invoice", {"id": charged["id"], "external_payment_id": "pay_e2e_123"}, tenant_id=t["id"])
    open_page(d, base, "invoices", t["id"])
    d.find_element(By.CSS_SELECTOR, f"tr[data-id='{paid['id']}'] button").click()
    form = wait(d, lambda d: visible(d, "#refund-form"))
    assert not d.find_elements(By.ID, "charge-form"), "a paid invoice is not charged again"
    form.find_element(By.NAME, "amount_cents").send_keys("1500")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dlg = wait(d, lambda d: visible(d, "dialog[open] [data-confirm]")).find_element(By.XPATH, "./ancestor::dialog")
    assert "Refund" in dlg.text and paid["invoice_number"] in dlg.text
    confirm(d)
    box = wait(d, lambda d: visible(d, "#refund-result [data-gateway=disabled]"))
    assert "not configured" in box.text and "ASAAS_ENABLED=false" in box.text
    assert api.call("get_invoice", id=paid["id"], tenant_id=t["id"])["status"] == "paid"
    shot(d, "invoice-refund-gateway-disabled")
    d.find_element(By.CSS_SELECTOR, "dialog[open] .btn-icon").click()
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    # a charged, pending invoice offers its Pix code (read-only: no card form anywhere)
    d.find_element(By.CSS_SELECTOR, f"tr[data-id='{charged['id']}'] button").click()
    wait(d, lambda d: visible(d, "#show-pix")).click()
    box = wait(d, lambda d: visible(d, "#pix-result [data-gateway=disabled]"))
    assert "not configured" in box.text
    assert not d.find_elements(By.CSS_SELECTOR, "dialog[open] input[name*=number], dialog[open] input[name*=cvv]")
    d.find_element(By.CSS_SELECTOR, "dialog[open] .btn-icon").click()


# ---------- notifications: more than one page ----------

def test_notifications_load_more(signed_in, base, api):
    d = signed_in
    t = api.tenant("Many notifications")
    for i in range(53):
        api.call("create_notification", {"type": "invoice_created", "subject": f"Notice {i:02d}", "message": "m"}, tenant_id=t["id"])
    open_page(d, base, "notifications", t["id"])
    assert len(d.find_elements(By.CSS_SELECTOR, ".notif")) == 50
    assert text(d, "#notif-range").replace("\u202f", " ") == "Showing 50 of 53"
    d.find_element(By.ID, "load-more").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".notif")) == 53)
    assert not visible(d, "#load-more")
    titles = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".notif-title")]
    assert len(set(titles)) == 53 and titles[-1] == "Notice 00"  # newest first, no duplicates
    # marking one read keeps the pages already loaded
    d.find_elements(By.CSS_SELECTOR, ".notif .mark-read")[-1].click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".notif[data-unread=true]")) == 52)
    assert len(d.find_elements(By.CSS_SELECTOR, ".notif")) == 53
    wait(d, lambda d: d.find_element(By.ID, "unread-badge").text == "52")


# ---------- roles ----------

def go(d, route):
    """Navigation through the menu (an API key kept in memory does not survive a full page load)."""
    d.find_element(By.CSS_SELECTOR, f".nav a[data-route={route}]").click()
    wait_ready(d, route)


def test_viewer_sees_lists_without_write_buttons(driver, base, api):
    d = driver
    t = api.tenant("Viewer's tenant")
    api.call("add_payment_method", {"type": "boleto", "label": "Boleto " + XSS}, tenant_id=t["id"])
    api.call("create_webhook_endpoint", {"url": "https://hooks.example.com/viewer", "event_types": ["*"]}, tenant_id=t["id"])
    inv = api.call("create_invoice", {"due_date": "2030-01-10", "amount_cents": 900}, tenant_id=t["id"])
    api.call("update_invoice", {"id": inv["id"], "status": "paid"}, tenant_id=t["id"])
    key = api.call("generate_api_key", {"name": "viewer", "role": "viewer"}, tenant_id=t["id"])
    d.set_window_size(1280, 900)
    d.get(f"{base}/admin/")
    login_with_password(d, base)
    d.find_element(By.ID, "logout").click()
    wait(d, lambda d: visible(d, "#login-view"))
    try:
        d.find_element(By.ID, "tab-key").click()
        d.find_element(By.ID, "login-key").send_keys(key["key"])
        d.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
        wait_ready(d, "billing", t["id"])
        assert d.find_element(By.ID, "who-role").text == "viewer"
        go(d, "payment-methods")
        assert "Boleto " + XSS in text(d, ".pm-table")
        assert not d.find_elements(By.CSS_SELECTOR, "#add-payment-method, .set-default, .delete-pm")
        go(d, "webhooks")
        assert "hooks.example.com/viewer" in text(d, ".webhook-table")
        assert not d.find_elements(By.CSS_SELECTOR, "#new-webhook, .test-webhook, .delete-webhook")
        assert d.find_element(By.ID, "webhook-deliveries")
        go(d, "invoices")
        d.find_element(By.CSS_SELECTOR, f"tr[data-id='{inv['id']}'] button").click()
        wait(d, lambda d: visible(d, "#invoice-detail dl"))
        assert not d.find_elements(By.CSS_SELECTOR, "#refund-form, #charge-form, [data-move]")
        no_injected_elements(d)
        shot(d, "viewer-invoice")
        d.find_element(By.CSS_SELECTOR, "dialog[open] .btn-icon").click()
        wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    finally:
        d.find_element(By.ID, "logout").click()
        wait(d, lambda d: visible(d, "#login-view"))
        login_with_password(d, base)
