// Invoices: status filter, pagination, detail with line items, printable view, status changes,
// charge via Asaas (with the Pix QR code when the gateway returns one), the Pix QR of an existing charge,
// refunds through Asaas, and a manual invoice form. Card payments are never a form here: card data is
// entered on the gateway's payment page, not in this dashboard.

import { api, auth, isUnavailable } from '../api.js';
import { h, mount, empty, errorBox, unavailable, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table, loading } from '../dom.js';
import { num, dateTime, day, money, label, INVOICE_STATUSES } from '../format.js';

const PAGE_SIZE = 20;
const STATUS_BADGE = { draft: 'neutral', pending: 'info', paid: 'ok', overdue: 'danger', cancelled: 'neutral', refunded: 'warn' };

export async function render(view, ctx, params) {
  const head = h('div.page-head', h('h1', 'Invoices'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  const status = INVOICE_STATUSES.includes(params.get('status')) ? params.get('status') : '';
  const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
  let page;
  try {
    page = await api.get('list_invoices', ctx.scope({ status, limit: PAGE_SIZE, offset }));
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Invoices') : errorBox(ex, () => render(view, ctx, params)));
    return;
  }
  const rerender = () => render(view, ctx, params);
  const filter = select('status', [['', 'All statuses'], ...INVOICE_STATUSES.map((s) => [s, label(s)])], status);
  filter.id = 'invoice-status-filter';
  filter.addEventListener('change', () => ctx.navigate('invoices', { status: filter.value }));
  const toolbar = h('div.toolbar',
    h('div.field', h('label', { for: filter.id }, 'Status'), filter),
    ctx.can('create_invoice') ? h('button.btn.btn-primary', { type: 'button', id: 'new-invoice', onclick: () => createInvoice(ctx, rerender) }, 'New invoice') : null);

  let body;
  if (page.items.length === 0) {
    body = empty(status ? `No ${label(status).toLowerCase()} invoices.` : 'No invoices yet.');
  } else {
    body = table(['Number', 'Status', 'Amount', 'Issued', 'Due', 'Paid', ''],
      page.items.map((inv) => h('tr', { dataset: { id: inv.id, status: inv.status } },
        h('th', { scope: 'row' }, inv.invoice_number),
        h('td', badge(label(inv.status), STATUS_BADGE[inv.status])),
        h('td.num', money(inv.amount_cents, inv.currency)),
        h('td', dateTime(inv.issued_at)),
        h('td', day(inv.due_date)),
        h('td', dateTime(inv.paid_at)),
        h('td', h('button.btn.btn-small', { type: 'button', 'aria-label': `View invoice ${inv.invoice_number}`,
          onclick: () => showInvoice(inv.id, ctx, rerender) }, 'View')))),
      { className: 'invoice-table' });
  }
  const first = page.total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + page.items.length, page.total);
  const pager = h('div.pager',
    h('span', { id: 'invoice-range' }, `${num(first)}–${num(last)} of ${num(page.total)}`),
    h('button.btn.btn-small', { type: 'button', disabled: offset === 0,
      onclick: () => ctx.navigate('invoices', { status, offset: Math.max(0, offset - PAGE_SIZE) }) }, 'Previous'),
    h('button.btn.btn-small', { type: 'button', disabled: offset + PAGE_SIZE >= page.total,
      onclick: () => ctx.navigate('invoices', { status, offset: offset + PAGE_SIZE }) }, 'Next'));
  mount(view, head, h('section.panel', toolbar, body, pager));
}

function showInvoice(id, ctx, rerender) {
  let changed = false;
  return modal('Invoice', (close) => {
    const box = h('div', { id: 'invoice-detail' }, loading());
    const load = async () => {
      mount(box, loading());
      try {
        const inv = await api.get('get_invoice', ctx.scope({ id }));
        mount(box, detail(inv, ctx, async () => { changed = true; await load(); }, close));
      } catch (ex) {
        if (ex.status === 401) close(); else mount(box, errorBox(ex, load));
      }
    };
    load();
    return box;
  }, { wide: true }).then(() => { if (changed) rerender(); });
}

function detail(inv, ctx, reload) {
  const lines = inv.line_items.length === 0 ? empty('No line items.') : table(['Description', 'Qty', 'Unit', 'Amount'],
    inv.line_items.map((l) => h('tr',
      h('td.cell-wrap', l.description),
      h('td.num', num(l.quantity)),
      h('td.num', l.unit_amount_cents !== null && l.unit_amount_cents !== undefined ? money(l.unit_amount_cents, inv.currency)
        : (l.unit_price_micros !== null && l.unit_price_micros !== undefined ? `${num(l.unit_price_micros / 1e6)} ${inv.currency}` : '—')),
      h('td.num', money(l.amount_cents, inv.currency)))),
    { caption: 'Line items', className: 'lines-table' });
  const facts = h('dl.facts',
    h('dt', 'Number'), h('dd', inv.invoice_number),
    h('dt', 'Status'), h('dd', { id: 'invoice-status' }, badge(label(inv.status), STATUS_BADGE[inv.status])),
    h('dt', 'Amount'), h('dd', h('strong', money(inv.amount_cents, inv.currency))),
    h('dt', 'Period'), h('dd', inv.period_start ? `${dateTime(inv.period_start)} – ${dateTime(inv.period_end)}` : '—'),
    h('dt', 'Issued'), h('dd', dateTime(inv.issued_at)),
    h('dt', 'Due'), h('dd', day(inv.due_date)),
    h('dt', 'Paid'), h('dd', dateTime(inv.paid_at)),
    inv.notes ? [h('dt', 'Notes'), h('dd', inv.notes)] : null,
    inv.payment_attempts ? [h('dt', 'Payment attempts'), h('dd', num(inv.payment_attempts))] : null,
    inv.last_payment_error ? [h('dt', 'Last payment error'), h('dd', inv.last_payment_error)] : null,
    inv.external_invoice_url ? [h('dt', 'Payment page'), h('dd', safeLink(inv.external_invoice_url))] : null);

  const move = (to, verb, danger) => h('button.btn.btn-small', {
    type: 'button', class: danger ? 'btn-danger' : null, dataset: { move: to },
    onclick: async () => {
      if (!(await confirmDialog({ title: verb.endsWith('invoice') ? verb : `${verb} invoice`, message: `${verb} ${inv.invoice_number} (${money(inv.amount_cents, inv.currency)})?`, confirmLabel: verb, danger }))) return;
      try {
        await api.post('update_invoice', { id: inv.id, status: to }, ctx.scope());
        toast(`${inv.invoice_number}: ${label(to).toLowerCase()}.`, 'success');
        await reload();
      } catch (ex) {
        if (ex.status !== 401) toast(`Could not update the invoice: ${ex.message}`, 'error');
      }
    },
  }, verb);
  const transitions = { draft: [['pending', 'Issue'], ['cancelled', 'Cancel invoice', true]],
    pending: [['paid', 'Mark paid'], ['cancelled', 'Cancel invoice', true]], overdue: [['paid', 'Mark paid'], ['cancelled', 'Cancel invoice', true]],
    paid: [['refunded', 'Mark refunded', true]] };
  const actions = h('div.actions',
    printLink(inv, ctx),
    ctx.can('update_invoice') ? (transitions[inv.status] || []).map(([to, verb, danger]) => move(to, verb, danger)) : null);
  const open = inv.status === 'pending' || inv.status === 'overdue';
  const charge = ctx.can('charge_invoice') && open ? chargeForm(inv, ctx, reload) : null;
  const pix = ctx.can('get_invoice_pix_qrcode') && open && inv.external_payment_id ? pixPanel(inv, ctx) : null;
  const refund = ctx.can('refund_invoice') && inv.status === 'paid' ? refundForm(inv, ctx, reload) : null;
  return [facts, lines, actions, pix, charge, refund];
}

/** What a gateway failure means, as a box; null when the error is about the form's fields. */
function gatewayProblem(ex, what) {
  if (isUnavailable(ex)) return unavailable(what);
  if (ex.code === 'gateway_disabled' || ex.status === 503) {
    return h('div.state.state-unavailable', { dataset: { gateway: 'disabled' } },
      h('p', h('strong', 'The payment gateway is not configured on this server. '), `(${ex.message})`));
  }
  if (ex.code === 'gateway_error' || ex.code === 'gateway_timeout') {
    const why = ex.details && ex.details.gateway_description;
    return h('div.state.state-error', { role: 'alert' },
      h('p', h('strong', ex.code === 'gateway_timeout' ? 'The gateway did not answer in time. ' : 'The gateway refused: '),
        why || ex.message));
  }
  return null;
}

/** The Pix QR code of the invoice's existing charge (get_invoice_pix_qrcode). */
function pixPanel(inv, ctx) {
  const out = h('div', { id: 'pix-result', 'aria-live': 'polite' });
  const button = h('button.btn', { type: 'button', id: 'show-pix', onclick: async () => {
    button.disabled = true;
    mount(out, loading('Fetching the Pix code…'));
    try {
      const r = await api.get('get_invoice_pix_qrcode', ctx.scope({ id: inv.id }));
      mount(out, pixView(r || {}));
    } catch (ex) {
      if (ex.status === 401) { out.replaceChildren(); return; }
      mount(out, gatewayProblem(ex, 'The Pix QR code') || h('div.state.state-error', { role: 'alert' }, h('p', ex.message)));
    } finally {
      button.disabled = false;
    }
  } }, 'Show Pix QR code');
  return h('section.panel', { id: 'pix-panel' }, h('h3', 'Pix'),
    h('p.hint', 'The invoice has a charge (', h('code', inv.external_payment_id), '); its Pix code can be paid from any bank app.'),
    h('div.actions', button), out);
}

function refundForm(inv, ctx, reload) {
  const result = h('div', { id: 'refund-result', 'aria-live': 'polite' });
  const form = h('form.form.panel', { novalidate: true, id: 'refund-form' },
    h('h3', 'Refund via Asaas'),
    field('Amount (in cents)', h('input', { name: 'amount_cents', type: 'number', min: '1', step: '1', inputmode: 'numeric' }),
      'Optional: empty refunds the whole amount not yet refunded.'),
    field('Reason', h('input', { name: 'description', type: 'text', maxlength: '500' }), 'Optional.'),
    h('p.form-error', { role: 'alert' }),
    h('div.actions', h('button.btn.btn-danger', { type: 'submit', id: 'refund-submit' }, 'Refund…')),
    result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const cents = f.amount_cents.value.trim() === '' ? undefined : Number(f.amount_cents.value);
    const what = cents === undefined ? `the whole amount not yet refunded of ${inv.invoice_number}` : `${money(cents, inv.currency)} of ${inv.invoice_number}`;
    if (!(await confirmDialog({ title: 'Refund invoice', message: `Refund ${what} (${money(inv.amount_cents, inv.currency)}) through Asaas? The money goes back to the payer.`, confirmLabel: 'Refund', danger: true }))) return;
    showFieldErrors(form, null);
    mount(result, loading('Refunding…'));
    try {
      const r = await api.post('refund_invoice', { id: inv.id, amount_cents: cents, description: f.description.value.trim() || undefined }, ctx.scope());
      result.replaceChildren();
      toast(`Refunded ${money(r.refunded_cents, inv.currency)} (total refunded ${money(r.total_refunded_cents, inv.currency)}).`, 'success');
      await reload();
    } catch (ex) {
      result.replaceChildren();
      const box = ex.status === 401 ? null : gatewayProblem(ex, 'Refunds through Asaas');
      if (box) mount(result, box);
      else if (ex.status !== 401) showFieldErrors(form, ex);
    }
  });
  return form;
}

function safeLink(href) {
  let ok = false;
  try { ok = ['http:', 'https:'].includes(new URL(href, location.href).protocol); } catch { ok = false; }
  return ok ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, href) : h('code', href);
}

/** Cookie sessions open the server's printable HTML directly; API-key sessions fetch it with the key. */
function printLink(inv, ctx) {
  const href = api.url('render_invoice', ctx.scope({ id: inv.id, format: 'html' }));
  if (!auth.usesKey()) {
    return h('a.btn.btn-small', { href, target: '_blank', rel: 'noopener', id: 'print-invoice' }, 'Printable view / PDF');
  }
  return h('button.btn.btn-small', { type: 'button', id: 'print-invoice', onclick: async () => {
    const tab = window.open('', '_blank');
    try {
      const res = await fetch(href, { headers: { Authorization: `Bearer ${auth.apiKey}` } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      // A blob document has no base URL: the invoice's same-origin stylesheet link is made absolute.
      const html = (await res.text()).replace('href="/admin/invoice.css"', `href="${location.origin}/admin/invoice.css"`);
      const blob = new Blob([html], { type: 'text/html' });
      if (tab) tab.location = URL.createObjectURL(blob);
    } catch (ex) {
      if (tab) tab.close();
      toast(`Could not open the printable view: ${ex.message}`, 'error');
    }
  } }, 'Printable view / PDF');
}

function chargeForm(inv, ctx, reload) {
  const result = h('div', { id: 'charge-result', 'aria-live': 'polite' });
  const form = h('form.form.panel', { novalidate: true, id: 'charge-form' },
    h('h3', 'Charge via Asaas'),
    field('Billing type', select('billing_type', [['PIX', 'Pix'], ['BOLETO', 'Boleto'], ['CREDIT_CARD', 'Credit card'], ['UNDEFINED', 'Let the customer choose']], 'PIX'),
      'For a card, send the customer the payment page: card data is entered on Asaas\'s page, never in this dashboard.'),
    h('p.form-error', { role: 'alert' }),
    h('div.actions', h('button.btn.btn-primary', { type: 'submit' }, 'Create charge')),
    result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showFieldErrors(form, null);
    mount(result, loading('Creating the charge…'));
    try {
      const r = await api.post('charge_invoice', { id: inv.id, billing_type: form.elements.billing_type.value }, ctx.scope());
      mount(result, chargeResult(r || {}));
      toast(r && r.existing ? 'The invoice was already charged.' : 'Charge created.', 'success');
    } catch (ex) {
      result.replaceChildren();
      const box = ex.status === 401 ? null : gatewayProblem(ex, 'Charging through Asaas');
      if (box) mount(result, box);
      else if (ex.status !== 401) showFieldErrors(form, ex);
    }
  });
  return form;
}

/** Shows what `charge_invoice` returned: `{invoice, charge, pix, existing}` — the payment page, the Pix QR
 * image (a base64 PNG, shown as a data: URL, which the CSP's img-src allows) and its copy-and-paste code. */
function chargeResult(r) {
  const charge = r.charge || {};
  const out = [h('p', r.existing ? 'This invoice already has a charge: ' : 'Charge created: ', h('code', charge.id || ''),
    charge.status ? [' ', badge(label(charge.status), 'info')] : null)];
  if (charge.invoice_url) out.push(h('p', 'Payment page: ', safeLink(charge.invoice_url)));
  if (charge.bank_slip_url) out.push(h('p', 'Boleto: ', safeLink(charge.bank_slip_url)));
  if (r.pix) out.push(pixView(r.pix));
  return out;
}

/** A Pix code: `{payload, encoded_image, expiration_date}`. */
function pixView(pix) {
  const out = [];
  if (pix.encoded_image && /^[A-Za-z0-9+/=\s]+$/.test(pix.encoded_image)) {
    out.push(h('img.qr', { src: `data:image/png;base64,${pix.encoded_image.replace(/\s+/g, '')}`, alt: 'Pix QR code', id: 'pix-qr' }));
  }
  if (pix.payload) out.push(copyable('Pix copy-and-paste code', pix.payload));
  if (pix.expiration_date) out.push(h('p.hint', `Pix code valid until ${dateTime(pix.expiration_date)}`));
  return out.length ? out : [h('p.hint', 'The gateway returned no Pix code for this charge.')];
}

export function copyable(title, text) {
  const code = h('code', text);
  return h('div.secret', h('span.hint', title), code,
    h('button.btn.btn-small', { type: 'button', onclick: async (e) => {
      const button = e.currentTarget; // currentTarget is gone after the first await
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = 'Copied';
        toast('Copied to the clipboard.', 'success');
      } catch {
        const range = document.createRange();
        range.selectNodeContents(code);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        toast('Press Ctrl+C to copy the selected text.', 'info');
      }
    } }, 'Copy'));
}

function createInvoice(ctx, rerender) {
  const due = new Date(Date.now() + 7 * 86400000);
  const dueStr = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, '0')}-${String(due.getDate()).padStart(2, '0')}`;
  return modal('New invoice', (close) => {
    const form = h('form.form', { novalidate: true, id: 'invoice-form' },
      field('Description', h('input', { name: 'description', type: 'text', maxlength: '500' })),
      field('Amount (in cents)', h('input', { name: 'amount_cents', type: 'number', min: '0', step: '1', inputmode: 'numeric' }), 'Integer minor units, e.g. 4990 = 49.90'),
      field('Currency', h('input', { name: 'currency', type: 'text', value: 'BRL', maxlength: '3' })),
      field('Due date', h('input', { name: 'due_date', type: 'date', value: dueStr })),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Create invoice')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const cents = f.amount_cents.value === '' ? null : Number(f.amount_cents.value);
      const body = { due_date: f.due_date.value, currency: f.currency.value.trim().toUpperCase() || undefined, amount_cents: cents };
      if (f.description.value.trim()) body.line_items = [{ description: f.description.value.trim(), quantity: 1, unit_amount_cents: cents }];
      showFieldErrors(form, null);
      try {
        const inv = await api.post('create_invoice', body, ctx.scope());
        close(true);
        toast(`Invoice ${inv.invoice_number} created.`, 'success');
        await rerender();
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}
