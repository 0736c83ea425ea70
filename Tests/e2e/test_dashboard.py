"""The admin dashboard in headless Chromium against the real server (see docs/DASHBOARD.md)."""

import json
import os
import statistics
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import (ADMIN_EMAIL, ADMIN_KEY, ApiError, ROOT, SCREENSHOTS, assert_no_alert, confirm, login_with_password,
                      open_page, shot, visible, wait, wait_ready)

XSS = "<img src=x onerror=alert(1)>"
PAGES = ["billing", "subscription", "invoices", "notifications", "payment-methods", "webhooks", "tenants", "access"]


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def quota_row(driver, resource, period):
    rows = driver.find_elements(By.CSS_SELECTOR, f"tr[data-resource='{resource}'][data-period='{period}']")
    return rows[0] if rows else None


# ---------- sign-in ----------

def test_login_rejects_wrong_password_then_signs_in(driver, base):
    driver.delete_all_cookies()
    driver.get(f"{base}/")  # redirects to /admin/
    wait(driver, lambda d: visible(d, "#login-email"))
    assert driver.current_url.startswith(f"{base}/admin/")
    shot(driver, "login")
    driver.find_element(By.ID, "login-email").send_keys(ADMIN_EMAIL)
    driver.find_element(By.ID, "login-password").send_keys("not-the-password" + Keys.ENTER)
    wait(driver, lambda d: "Wrong e-mail or password" in text(d, "#login-form .form-error"))
    driver.find_element(By.ID, "login-password").clear()
    login_with_password(driver, base)
    wait_ready(driver, "billing")
    assert text(driver, "#who-role") == "super-admin"
    assert not driver.execute_script("return Object.keys(localStorage).length + Object.keys(sessionStorage).length")


# ---------- Billing ----------

def test_billing_shows_ingested_usage(signed_in, base, api):
    d = signed_in
    t = api.tenant("Billing numbers", plan="starter")
    for rt, q in [("message", 5), ("message", 2), ("api_call", 3), ("embedding", 40)]:
        api.usage(t["id"], rt, q)
    open_page(d, base, "billing", t["id"])
    card = d.find_element(By.ID, "card-usage")
    assert card.get_attribute("data-quantity") == "50"
    assert card.get_attribute("data-events") == "4"
    assert "4 events" in card.text
    rows = {r.get_attribute("data-resource"): r.text for r in d.find_elements(By.CSS_SELECTOR, ".usage-table tbody tr")}
    assert set(rows) == {"message", "api_call", "embedding"}
    assert "2" in rows["message"] and "7" in rows["message"]
    # the chart: accessible SVG with title/desc, one series per used resource, plus its data table
    svg = d.find_element(By.CSS_SELECTOR, "#usage-chart svg.chart")
    assert svg.get_attribute("role") == "img"
    assert d.execute_script("return arguments[0].querySelector('title').textContent", svg).startswith("Daily usage")
    assert "Totals" in d.execute_script("return arguments[0].querySelector('desc').textContent", svg)
    assert len(d.find_elements(By.CSS_SELECTOR, "#usage-chart .chart-series")) == 3
    assert len(d.find_elements(By.CSS_SELECTOR, "#usage-chart .chart-table tbody tr")) >= 28
    # plan card: the subscription when there is one, else the tenant's plan
    plan = text(d, "#card-plan")
    assert "Starter" in plan or "No plan" not in plan
    assert d.find_element(By.ID, "card-quotas").get_attribute("data-active") == "0"
    shot(d, "billing")


def test_quota_add_with_inline_errors_then_delete(signed_in, base, api):
    d = signed_in
    t = api.tenant("Quota UI")
    open_page(d, base, "billing", t["id"])
    assert "No quotas" in text(d, "#quota-status")
    d.find_element(By.ID, "add-quota").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #quota-form"))
    # every resource type and period is offered
    assert len(form.find_elements(By.CSS_SELECTOR, "select[name=resource_type] option")) == 8
    assert [o.get_attribute("value") for o in form.find_elements(By.CSS_SELECTOR, "select[name=period] option")] == \
        ["hourly", "daily", "monthly", "total"]
    Select(form.find_element(By.NAME, "resource_type")).select_by_value("completion")
    Select(form.find_element(By.NAME, "period")).select_by_value("monthly")
    limit = form.find_element(By.NAME, "limit_value")
    limit.send_keys("0")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    err = wait(d, lambda d: (e := d.find_element(By.CSS_SELECTOR, "[data-field=limit_value] .field-error")).text and e)
    assert "at least 1" in err.text
    assert limit.get_attribute("aria-invalid") == "true"
    shot(d, "billing-quota-modal-error")
    limit.clear()
    limit.send_keys("250")
    form.find_element(By.NAME, "is_hard_limit").click()
    form.find_element(By.NAME, "notification_threshold").send_keys("75")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = wait(d, lambda d: quota_row(d, "completion", "monthly"))
    assert "0 / 250" in row.text and "Hard" in row.text
    assert d.find_element(By.ID, "card-quotas").get_attribute("data-active") == "1"
    [q] = api.call("list_quotas", tenant_id=t["id"])["items"]
    assert (q["limit_value"], q["is_hard_limit"], q["notification_threshold"]) == (250, True, 75)
    # delete, cancelling once first
    row.find_element(By.CSS_SELECTOR, ".delete-quota").click()
    wait(d, lambda d: visible(d, "dialog[open]")).find_element(By.XPATH, ".//button[.='Cancel']").click()
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    quota_row(d, "completion", "monthly").find_element(By.CSS_SELECTOR, ".delete-quota").click()
    confirm(d)
    wait(d, lambda d: quota_row(d, "completion", "monthly") is None)
    assert api.call("list_quotas", tenant_id=t["id"])["items"] == []


def test_progress_bar_turns_yellow_then_red(signed_in, base, api):
    d = signed_in
    t = api.tenant("Progress colours")
    api.call("set_quota", {"resource_type": "message", "period": "daily", "limit_value": 10}, tenant_id=t["id"])
    seen = []
    for add, expected in [(5, "green"), (3, "yellow"), (1, "red")]:
        api.usage(t["id"], "message", add)
        open_page(d, base, "billing", t["id"])
        bar = quota_row(d, "message", "daily").find_element(By.CSS_SELECTOR, ".progress")
        inner = bar.find_element(By.CSS_SELECTOR, ".progress-bar")
        seen.append((bar.get_attribute("data-level"), inner.get_attribute("class"),
                     d.execute_script("return arguments[0].style.width", inner),
                     d.execute_script("return getComputedStyle(arguments[0]).backgroundColor", inner)))
        assert bar.get_attribute("data-level") == expected
        shot(d, f"billing-progress-{expected}")
    assert [s[2] for s in seen] == ["50%", "80%", "90%"]
    assert "bar-yellow" in seen[1][1] and "bar-red" in seen[2][1]
    assert len({s[3] for s in seen}) == 3, "three different computed colours"


def test_super_admin_tenant_switch(signed_in, base, api):
    d = signed_in
    a = api.tenant("Switch A")
    b = api.tenant("Switch B")
    api.usage(a["id"], "tool_call", 11)
    api.usage(b["id"], "tool_call", 222)
    open_page(d, base, "billing", a["id"])
    assert d.find_element(By.ID, "card-usage").get_attribute("data-quantity") == "11"
    Select(d.find_element(By.ID, "tenant-select")).select_by_value(b["id"])
    wait_ready(d, "billing", b["id"])
    assert d.find_element(By.ID, "card-usage").get_attribute("data-quantity") == "222"
    assert f"tenant={b['id']}" in d.current_url
    # the switch scopes the other pages too
    d.find_element(By.CSS_SELECTOR, ".nav a[data-route=access]").click()
    wait_ready(d, "access", b["id"])
    assert "Switch B" in text(d, ".page-head")


# ---------- Tenants and XSS ----------

def test_tenants_crud_and_xss_payload_rendered_as_text(signed_in, base, api):
    d = signed_in
    slug = f"xss-{uuid.uuid4().hex[:6]}"
    open_page(d, base, "tenants")
    d.find_element(By.ID, "new-tenant").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #tenant-form"))
    form.find_element(By.NAME, "name").send_keys(XSS)
    form.find_element(By.NAME, "slug").send_keys(slug)
    form.find_element(By.NAME, "billing_email").send_keys("billing@xss.test")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, f"tr[data-slug='{slug}']")) and r[0])
    assert row.find_element(By.CSS_SELECTOR, "th").text == XSS
    # the payload is text everywhere: no <img src=x> element, no alert, the switcher shows it literally
    assert d.execute_script("return document.querySelectorAll('img[src=x], img[src$=\"/x\"]').length") == 0
    assert_no_alert(d)
    options = [o.text for o in d.find_elements(By.CSS_SELECTOR, "#tenant-select option")]
    assert XSS in options
    shot(d, "tenants")
    tenant_id = row.get_attribute("data-id")
    open_page(d, base, "billing", tenant_id)
    assert text(d, ".page-head .subtitle") == XSS
    assert d.execute_script("return document.querySelectorAll('img').length") == 0
    assert_no_alert(d)
    open_page(d, base, "tenants")

    # search
    search = d.find_element(By.ID, "tenant-search")
    search.send_keys(slug)
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".tenant-table tbody tr")) == 1
         and d.find_elements(By.CSS_SELECTOR, f"tr[data-slug='{slug}']"))

    # edit
    d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}'] .edit-tenant").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #tenant-form"))
    name = form.find_element(By.NAME, "name")
    name.clear()
    name.send_keys(XSS + " renamed")
    Select(form.find_element(By.NAME, "plan")).select_by_value("professional")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d, lambda d: "renamed" in d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}'] th").text)
    assert "Professional" in d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}']").text

    # suspend / activate
    d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}'] .suspend-tenant").click()
    confirm(d)
    wait(d, lambda d: "Suspended" in d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}']").text)
    assert api.call("get_tenant", tenant_id=tenant_id)["status"] == "suspended"
    d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}'] .activate-tenant").click()
    confirm(d)
    wait(d, lambda d: "Active" in d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}']").text)

    # delete needs the slug typed
    d.find_element(By.CSS_SELECTOR, f"tr[data-slug='{slug}'] .delete-tenant").click()
    dlg = wait(d, lambda d: visible(d, "dialog[open]"))
    button = dlg.find_element(By.CSS_SELECTOR, "[data-confirm]")
    assert not button.is_enabled()
    dlg.find_element(By.NAME, "typed").send_keys("wrong")
    assert not button.is_enabled()
    dlg.find_element(By.NAME, "typed").clear()
    confirm(d, typed=slug)
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, f"tr[data-slug='{slug}']"))
    with pytest.raises(ApiError) as e:
        api.call("get_tenant", tenant_id=tenant_id)
    assert e.value.status == 404
    assert_no_alert(d)


# ---------- API keys ----------

def test_api_key_shown_once_then_revoked(signed_in, base, api):
    d = signed_in
    t = api.tenant("Keys")
    open_page(d, base, "access", t["id"])
    assert "No API keys" in text(d, "#api-keys")
    d.find_element(By.ID, "new-key").click()
    form = wait(d, lambda d: visible(d, "dialog[open] #key-create-form"))
    form.find_element(By.NAME, "name").send_keys("chatbot <script>")
    Select(form.find_element(By.NAME, "role")).select_by_value("admin")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    secret = wait(d, lambda d: visible(d, "#new-key-secret code"))
    key = secret.text
    assert key.startswith("bsk_") and len(key) == 47
    assert d.find_element(By.XPATH, "//div[@id='new-key-secret']//button[.='Copy']")
    shot(d, "access-key-created")
    me = api.call("current_user", key=key)
    assert me["principal"]["role"] == "admin" and me["principal"]["tenant_id"] == t["id"]
    d.find_element(By.ID, "key-done").click()
    row = wait(d, lambda d: (r := d.find_elements(By.CSS_SELECTOR, ".keys-table tbody tr")) and r[0])
    assert "chatbot <script>" in row.text and "Active" in row.text
    assert key not in d.find_element(By.TAG_NAME, "body").text, "the secret is shown only once"
    d.find_element(By.CSS_SELECTOR, ".keys-table tbody tr .revoke-key").click()
    confirm(d)
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, ".keys-table tbody tr").get_attribute("data-revoked") == "true")
    with pytest.raises(ApiError) as e:
        api.call("current_user", key=key)
    assert e.value.status == 401
    shot(d, "access")


def test_api_keys_page_through_fifty_at_a_time(signed_in, base, api):
    d = signed_in
    t = api.tenant("Many keys")
    for i in range(52):
        api.call("generate_api_key", {"name": f"app-{i:02d}"}, tenant_id=t["id"])
    page = api.call("list_api_keys", tenant_id=t["id"], limit=50, offset=50)
    assert page["total"] == 52 and [k["name"] for k in page["items"]] == ["app-01", "app-00"]
    open_page(d, base, "access", t["id"])
    assert len(d.find_elements(By.CSS_SELECTOR, ".keys-table tbody tr")) == 50
    assert text(d, "#keys-range").replace("\u202f", " ") == "1–50 of 52"
    assert not d.find_elements(By.ID, "users-range"), "one page of users needs no pager"
    d.find_element(By.XPATH, "//div[@id='api-keys']//div[@class='pager']/button[.='Next']").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".keys-table tbody tr")) == 2)
    assert text(d, "#keys-range").replace("\u202f", " ") == "51–52 of 52"
    assert "app-00" in text(d, ".keys-table")


# ---------- session expiry with an operator's API key ----------

def test_api_key_sign_in_and_session_expiry(driver, base, api):
    d = driver
    key = api.call("generate_api_key", {"name": "operator", "role": "super-admin"})
    d.delete_all_cookies()
    d.get("about:blank")
    d.get(f"{base}/admin/")
    wait(d, lambda d: visible(d, "#login-email"))
    d.find_element(By.ID, "tab-key").click()
    d.find_element(By.ID, "login-key").send_keys(key["key"])
    d.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
    wait(d, lambda d: visible(d, "#app-view"))
    wait_ready(d, "billing")
    assert text(d, "#who-name") == "operator"
    # not remembered unless asked
    assert d.execute_script("return sessionStorage.getItem('bs_api_key') === null && localStorage.getItem('bs_api_key') === null")
    api.call("revoke_api_key", {"id": key["id"]})
    d.find_element(By.CSS_SELECTOR, ".nav a[data-route=tenants]").click()
    msg = wait(d, lambda d: visible(d, "#login-message"))
    assert "session expired" in msg.text
    shot(d, "login-session-expired")
    login_with_password(d, base)


# ---------- phone width ----------

def test_phone_width_has_no_horizontal_scroll(signed_in, base, api):
    d = signed_in
    t = api.tenant("Phone " + "very-long-name-" * 4)
    api.call("set_quota", {"resource_type": "file_storage", "period": "monthly", "limit_value": 1000000}, tenant_id=t["id"])
    api.usage(t["id"], "file_storage", 123456)
    api.call("add_payment_method", {"type": "credit_card", "token": "tok_phone", "card_brand": "MASTERCARD", "card_last4": "4444",
                                    "exp_month": 1, "exp_year": 2040, "holder_name": "Holder " + "long-name-" * 6}, tenant_id=t["id"])
    api.call("create_webhook_endpoint", {"url": "https://hooks.example.com/" + "a-very-long-path-segment/" * 6 + "?token=" + "x" * 60,
                                         "event_types": ["*", "invoice.*", "subscription.*", "usage.threshold"],
                                         "description": "phone " + "description-" * 6}, tenant_id=t["id"])
    try:
        d.set_window_size(375, 812)
        width = d.execute_script("return innerWidth")
        assert width <= 375
        for page in PAGES:
            open_page(d, base, page, t["id"])
            sw, iw = d.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
            assert sw <= iw, f"{page}: scrollWidth {sw} > innerWidth {iw}"
            shot(d, f"phone-{page}")
        d.find_element(By.CSS_SELECTOR, ".nav a[data-route=billing]").click()
        wait_ready(d, "billing", t["id"])
        d.find_element(By.ID, "add-quota").click()
        wait(d, lambda d: visible(d, "dialog[open]"))
        assert d.execute_script("return document.documentElement.scrollWidth <= innerWidth")
        shot(d, "phone-quota-modal")
        d.find_element(By.CSS_SELECTOR, "dialog[open]").send_keys(Keys.ESCAPE)
        for route, button, name in [("payment-methods", "add-payment-method", "payment-method"), ("webhooks", "new-webhook", "webhook"),
                                    ("access", "new-key", "api-key")]:
            d.find_element(By.CSS_SELECTOR, f".nav a[data-route={route}]").click()
            wait_ready(d, route, t["id"])
            d.find_element(By.ID, button).click()
            wait(d, lambda d: visible(d, "dialog[open]"))
            assert d.execute_script("return document.documentElement.scrollWidth <= innerWidth"), f"{route} dialog"
            shot(d, f"phone-{name}-modal")
            d.find_element(By.CSS_SELECTOR, "dialog[open]").send_keys(Keys.ESCAPE)
            wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    finally:
        d.set_window_size(1280, 900)


# ---------- Subscription / Invoices / Notifications (when the server has them) ----------

def test_subscription_create_and_cancel(signed_in, base, api):
    d = signed_in
    t = api.tenant("Subscriber")
    if not api.available("get_subscription", tenant_id=t["id"]):
        open_page(d, base, "subscription", t["id"])
        assert d.find_elements(By.CSS_SELECTOR, "[data-unavailable]")
        pytest.skip("get_subscription is not available on this server yet (400 unknown_action)")
    open_page(d, base, "subscription", t["id"])
    assert d.find_element(By.ID, "no-subscription")
    form = d.find_element(By.ID, "create-subscription")
    Select(form.find_element(By.NAME, "plan")).select_by_value("starter")
    Select(form.find_element(By.NAME, "billing_cycle")).select_by_value("monthly")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    confirm(d)
    wait(d, lambda d: visible(d, "#sub-plan") and text(d, "#sub-plan") == "Starter")
    assert "Active" in text(d, "#sub-status")
    shot(d, "subscription")
    live = api.call("get_subscription", tenant_id=t["id"])
    assert live["plan_type"] == "starter" and live["status"] == "active"

    d.find_element(By.ID, "change-plan").click()
    dlg = wait(d, lambda d: visible(d, "dialog[open]"))
    Select(dlg.find_element(By.NAME, "plan")).select_by_value("professional")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d, lambda d: visible(d, "#sub-plan") and text(d, "#sub-plan") == "Professional")

    d.find_element(By.ID, "cancel-at-end").click()
    confirm(d)
    wait(d, lambda d: visible(d, "#sub-cancel-at-end") and text(d, "#sub-cancel-at-end").startswith("Yes"))
    assert api.call("get_subscription", tenant_id=t["id"])["cancel_at_period_end"] is True
    d.find_element(By.ID, "cancel-now").click()
    confirm(d)
    wait(d, lambda d: visible(d, "#no-subscription"))
    assert api.call("get_subscription", tenant_id=t["id"]) is None
    assert "Cancelled" in text(d, "#subscription-current + section")


def test_invoices_filter_paginate_and_detail(signed_in, base, api):
    d = signed_in
    t = api.tenant("Invoiced")
    if not api.available("list_invoices", tenant_id=t["id"]):
        open_page(d, base, "invoices", t["id"])
        assert d.find_elements(By.CSS_SELECTOR, "[data-unavailable]")
        pytest.skip("list_invoices is not available on this server yet (400 unknown_action)")
    made = [api.call("create_invoice", {"due_date": "2030-01-10", "line_items": [
        {"description": f"Line <b>{i}</b>", "quantity": 2, "unit_amount_cents": 1250 + i}]}, tenant_id=t["id"]) for i in range(23)]
    for inv in made[:3]:
        api.call("update_invoice", {"id": inv["id"], "status": "paid"}, tenant_id=t["id"])
    open_page(d, base, "invoices", t["id"])
    assert len(d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")) == 20
    assert text(d, "#invoice-range").replace("\u202f", " ").endswith("of 23")
    d.find_element(By.XPATH, "//div[@class='pager']/button[.='Next']").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")) == 3)
    shot(d, "invoices")
    Select(d.find_element(By.ID, "invoice-status-filter")).select_by_value("paid")
    wait(d, lambda d: "status=paid" in d.current_url and d.execute_script("return document.body.dataset.ready") == "invoices"
         and len(d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")) == 3)
    assert {r.get_attribute("data-status") for r in d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")} == {"paid"}
    Select(d.find_element(By.ID, "invoice-status-filter")).select_by_value("overdue")
    wait(d, lambda d: "No overdue invoices" in text(d, ".panel"))
    Select(d.find_element(By.ID, "invoice-status-filter")).select_by_value("pending")
    wait(d, lambda d: "status=pending" in d.current_url and len(d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")) == 20)
    # detail with line items, then mark paid from the dialog
    d.find_element(By.CSS_SELECTOR, ".invoice-table tbody tr button").click()
    detail = wait(d, lambda d: visible(d, "#invoice-detail dl"))
    assert "Line <b>" in text(d, "#invoice-detail .lines-table")
    assert d.find_element(By.ID, "print-invoice").get_attribute("href").find("action=render_invoice") > 0
    shot(d, "invoice-detail")
    d.find_element(By.CSS_SELECTOR, "#invoice-detail [data-move=paid]").click()
    confirm(d)
    wait(d, lambda d: visible(d, "#invoice-status") and "Paid" in text(d, "#invoice-status"))
    assert_no_alert(d)
    # charge via Asaas: this suite runs without a gateway, so the page must say so (not fail silently)
    d.find_element(By.CSS_SELECTOR, "dialog[open] .btn-icon").click()
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    # the list re-renders after a change made in the dialog: the paid invoice leaves the pending filter
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".invoice-table tbody tr")) == 19)
    d.find_element(By.CSS_SELECTOR, ".invoice-table tbody tr[data-status=pending] button").click()
    form = wait(d, lambda d: visible(d, "#charge-form"))
    Select(form.find_element(By.NAME, "billing_type")).select_by_value("PIX")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    result = wait(d, lambda d: (r := d.find_element(By.ID, "charge-result")).text and r)
    assert "not configured" in result.text or "Not available" in result.text or d.find_elements(By.ID, "pix-qr")
    shot(d, "invoice-charge")


def test_notifications_mark_read(signed_in, base, api):
    d = signed_in
    t = api.tenant("Notified")
    if not api.available("list_notifications", tenant_id=t["id"]):
        open_page(d, base, "notifications", t["id"])
        assert d.find_elements(By.CSS_SELECTOR, "[data-unavailable]"), "the page says it is not available"
        open_page(d, base, "billing", t["id"])
        assert d.find_element(By.ID, "card-unread").get_attribute("data-unavailable") == "true"
        shot(d, "notifications-unavailable")
        pytest.skip("list_notifications is not available on this server yet (400 unknown_action)")
    # quota crossings create notifications automatically: a warning at 50 %, then exceeded at 100 %
    api.call("set_quota", {"resource_type": "message", "period": "daily", "limit_value": 10, "notification_threshold": 50},
             tenant_id=t["id"])
    api.usage(t["id"], "message", 6)
    api.usage(t["id"], "message", 6)
    api.call("create_notification", {"type": "invoice_due", "subject": XSS, "message": "<script>alert(2)</script>",
                                     "metadata": {"note": "<b>bold</b>"}}, tenant_id=t["id"])
    open_page(d, base, "notifications", t["id"])
    items = d.find_elements(By.CSS_SELECTOR, ".notif[data-unread=true]")
    assert len(items) >= 3
    assert XSS in [e.text for e in d.find_elements(By.CSS_SELECTOR, ".notif-title")]
    assert "<script>alert(2)</script>" in text(d, ".notif-list")
    assert d.execute_script("return document.querySelectorAll('.notif-list img, .notif-list script, .notif-list b').length") == 0
    assert_no_alert(d)
    badge = d.find_element(By.ID, "unread-badge")
    before = int(badge.text)
    assert before == len(items)
    shot(d, "notifications")
    items[0].find_element(By.CSS_SELECTOR, ".mark-read").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".notif[data-unread=true]")) == before - 1)
    wait(d, lambda d: (b := d.find_element(By.ID, "unread-badge")).text == str(before - 1) or (before == 1 and not b.is_displayed()))
    d.find_element(By.ID, "mark-all-read").click()
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, ".notif[data-unread=true]"))
    wait(d, lambda d: not d.find_element(By.ID, "unread-badge").is_displayed())


def test_jobs_page_shows_runs_running_and_interrupted(signed_in, base, api, server):
    """Security round item 7: a run whose process died (heartbeat older than a minute) shows as interrupted, naming
    its instance; "Run now" records a run and shows its outcome."""
    import sqlite3, uuid
    from datetime import datetime, timedelta, timezone
    d = signed_in
    stale = (datetime.now(timezone.utc) - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    run_id = str(uuid.uuid4())
    with sqlite3.connect(server["db"], timeout=10) as db:
        db.execute("INSERT INTO job_runs (id, job, triggered_by, as_of, dry_run, started_at, outcome, instance_id, heartbeat_at) "
                   "VALUES (?, 'generate_invoices', 'scheduler', ?, 0, ?, 'running', 'worker-7:4242', ?)", (run_id, stale, stale, stale))
    open_page(d, base, "jobs")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, f"tr[data-id='{run_id}']"))
    assert d.find_element(By.CSS_SELECTOR, f"tr[data-id='{run_id}']").get_attribute("data-outcome") == "running"
    Select(d.find_element(By.ID, "jobs-run-name")).select_by_value("mark_overdue")
    d.find_element(By.ID, "jobs-dry-run").click()
    d.find_element(By.ID, "jobs-run").click()
    # the run marks the stale one interrupted first, then records itself
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, f"tr[data-id='{run_id}'][data-outcome='interrupted']"))
    row = d.find_element(By.CSS_SELECTOR, f"tr[data-id='{run_id}']")
    assert "worker-7:4242" in row.text
    newest = d.find_elements(By.CSS_SELECTOR, ".jobs-table tbody tr")[0]
    assert "Mark overdue" in newest.text and "dry run" in newest.text
    assert newest.get_attribute("data-outcome") in ("ok", "skipped")
    shot(d, "jobs")
    Select(d.find_element(By.ID, "jobs-filter")).select_by_value("generate_invoices")
    wait(d, lambda d: all("Generate invoices" in r.text for r in d.find_elements(By.CSS_SELECTOR, ".jobs-table tbody tr")))


# ---------- CSP and performance ----------

def test_no_csp_violations_or_script_errors(signed_in, base, api):
    d = signed_in
    t = api.tenant("CSP")
    d.get_log("browser")  # drop what earlier tests left
    for page in PAGES:
        open_page(d, base, page, t["id"])
    problems = [e["message"] for e in d.get_log("browser")
                if e["level"] == "SEVERE" and ("Content Security Policy" in e["message"] or e["source"] == "javascript")]
    assert problems == []


def test_billing_page_load_time(signed_in, base, api):
    """Navigation to a fully rendered Billing page (data-ready set once every section has its data)."""
    d = signed_in
    t = api.tenant("Perf")
    api.call("set_quota", {"resource_type": "message", "period": "daily", "limit_value": 100}, tenant_id=t["id"])
    for rt in ("message", "api_call", "completion"):
        api.usage(t["id"], rt, 7)
    budget = float(os.environ.get("E2E_LOAD_BUDGET_MS", "500"))
    open_page(d, base, "billing", t["id"])  # warm the browser's module cache, as a returning user has it
    def measure():
        samples, loads = [], []
        for _ in range(5):
            open_page(d, base, "billing", t["id"])
            r = d.execute_script("""
                const m = performance.getEntriesByName('billing-ready', 'mark');
                const nav = performance.getEntriesByType('navigation')[0];
                const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/admin-api'));
                return {ready: m.length ? m[m.length - 1].startTime : null, dcl: nav ? nav.domContentLoadedEventEnd : null,
                        api_calls: api.length, api_slowest: api.length ? Math.max(...api.map((e) => e.duration)) : null}""")
            samples.append(r["ready"])
            loads.append(r)
        assert all(s is not None for s in samples)
        return statistics.median(samples), samples, loads

    median, samples, loads = measure()
    runs = [{"samples_ms": samples, "median_ms": median, "loads": loads}]
    if median >= budget:  # one re-measure, recorded, so a transient load spike on a shared machine is told apart
        median, samples, loads = measure()
        runs.append({"samples_ms": samples, "median_ms": median, "loads": loads})
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "dashboard-load.json").write_text(json.dumps({"page": "billing", "budget_ms": budget, "runs": runs}, indent=2))
    print(f"\nBilling page load: median {median:.0f} ms over 5 loads ({', '.join(f'{s:.0f}' for s in samples)})")
    assert median < budget, f"median load {median:.0f} ms (budget {budget:.0f} ms; see test-output/dashboard-load.json)"


def test_tenant_admin_sees_only_their_tenant_then_signs_out(signed_in, base, api):
    d = signed_in
    t = api.tenant("Own tenant")
    api.usage(t["id"], "vector_query", 9)
    email = f"ana-{uuid.uuid4().hex[:6]}@example.com"
    api.call("create_user", {"email": email, "password": "tenant-admin-pass-1", "role": "admin", "name": "Ana"}, tenant_id=t["id"])
    d.find_element(By.ID, "logout").click()
    wait(d, lambda d: visible(d, "#login-view"))
    assert "signed out" in text(d, "#login-message")
    login_with_password(d, base, email, "tenant-admin-pass-1")
    wait_ready(d, "billing", t["id"])
    assert not visible(d, "#tenant-switch")
    assert text(d, "#tenant-name") == "Own tenant"
    assert not visible(d, ".nav a[data-route=tenants]")
    assert visible(d, ".nav a[data-route=access]")
    assert d.find_element(By.ID, "card-usage").get_attribute("data-quantity") == "9"
    shot(d, "billing-tenant-admin")
    d.find_element(By.ID, "logout").click()
    wait(d, lambda d: visible(d, "#login-view"))
    login_with_password(d, base)
