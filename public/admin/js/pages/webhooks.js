// Outbound webhooks: endpoints (URL, event types, created), create (the signing secret is shown once),
// delete (confirmed), "Send test" with its result, and the recent deliveries with their attempts.

import { api, isUnavailable } from '../api.js';
import { h, mount, empty, errorBox, unavailable, loading, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table } from '../dom.js';
import { num, dateTime, label } from '../format.js';
import { copyable } from './invoices.js';

// The values create_webhook_endpoint accepts, from the server (list_webhook_event_types), grouped for the form.
async function eventGroups() {
  const page = await api.get('list_webhook_event_types', { limit: 500 });
  const of = (kind) => page.items.filter((t) => t.kind === kind).map((t) => t.event_type);
  return [
    ['Patterns', of('pattern').map((p) => [p, p === '*' ? 'Every event' : p])],
    ['Billing events', of('billing_event').map((e) => [e, e])],
    ['Notification types', of('notification_type').map((n) => [n, n])],
  ];
}
const DELIVERY_BADGE = { pending: 'info', succeeded: 'ok', failed: 'danger' };
const DELIVERY_PAGE = 20;

export async function render(view, ctx) {
  const head = h('div.page-head', h('h1', 'Webhooks'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  let endpoints;
  try {
    // A tenant has at most 20 endpoints: one page holds them all.
    endpoints = (await api.get('list_webhook_endpoints', ctx.scope({ limit: 100 }))).items;
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Webhooks') : errorBox(ex, () => render(view, ctx)));
    return;
  }
  const rerender = () => render(view, ctx);
  const testResult = h('div', { id: 'webhook-test-result', 'aria-live': 'polite' });
  const deliveries = h('div', { id: 'webhook-deliveries' }, loading());
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const endpointFilter = select('endpoint_id', [['', 'All endpoints'], ...endpoints.map((e) => [e.id, e.url])], '');
  endpointFilter.id = 'delivery-endpoint';
  const statusFilter = select('status', [['', 'Any status'], ['pending', 'Pending'], ['succeeded', 'Succeeded'], ['failed', 'Failed']], '');
  statusFilter.id = 'delivery-status';
  let offset = 0;
  const reloadDeliveries = (from = 0) => { offset = from; return loadDeliveries(); };
  endpointFilter.addEventListener('change', () => reloadDeliveries());
  statusFilter.addEventListener('change', () => reloadDeliveries());

  const canTest = ctx.can('test_webhook_endpoint');
  const canDelete = ctx.can('delete_webhook_endpoint');
  const add = ctx.can('create_webhook_endpoint')
    ? h('button.btn.btn-primary', { type: 'button', id: 'new-webhook', onclick: () => createEndpoint(ctx, rerender) }, 'New endpoint')
    : null;
  const list = endpoints.length === 0
    ? empty('No webhook endpoints for this tenant.', ctx.can('create_webhook_endpoint') ? 'Use "New endpoint" to receive signed billing events.' : null)
    : table(['URL', 'Events', 'Created', canTest || canDelete ? 'Actions' : null].filter(Boolean),
      endpoints.map((e) => h('tr', { dataset: { id: e.id } },
        h('th.cell-wrap.webhook-url-cell', { scope: 'row' }, h('code.webhook-url', e.url), e.description ? h('div.hint', e.description) : null),
        h('td.cell-wrap', h('span.event-list', (e.event_types || []).map((t) => badge(t, 'neutral')))),
        h('td', dateTime(e.created_at)),
        canTest || canDelete ? h('td', h('div.actions',
          canTest ? h('button.btn.btn-small.test-webhook', { type: 'button', 'aria-label': `Send a test event to ${e.url}`,
            onclick: (ev) => sendTest(e, ctx, ev.currentTarget, testResult, () => reloadDeliveries()) }, 'Send test') : null,
          canDelete ? h('button.btn.btn-small.btn-danger.delete-webhook', { type: 'button', 'aria-label': `Delete the endpoint ${e.url}`,
            onclick: () => remove(e, ctx, rerender) }, 'Delete') : null)) : null)),
      { className: 'webhook-table' });

  mount(view, head,
    h('section.panel', { 'aria-labelledby': 'wh-title' },
      h('div.panel-head', h('h2', { id: 'wh-title' }, 'Endpoints'), add),
      list, testResult,
      h('p.hint', 'Each delivery is signed with the endpoint\'s secret (webhook-signature header); failed deliveries are retried.')),
    h('section.panel', { 'aria-labelledby': 'wd-title' },
      h('div.panel-head', h('h2', { id: 'wd-title' }, 'Recent deliveries')),
      h('div.toolbar',
        h('div.field', h('label', { for: endpointFilter.id }, 'Endpoint'), endpointFilter),
        h('div.field', h('label', { for: statusFilter.id }, 'Status'), statusFilter),
        h('button.btn', { type: 'button', id: 'refresh-deliveries', onclick: () => reloadDeliveries(offset) }, 'Refresh')),
      deliveries));

  let seq = 0;
  async function loadDeliveries() {
    const mine = ++seq;
    mount(deliveries, loading());
    try {
      const page = await api.get('list_webhook_deliveries', ctx.scope({ endpoint_id: endpointFilter.value, status: statusFilter.value,
        limit: DELIVERY_PAGE, offset }));
      if (mine !== seq) return;
      if (page.items.length === 0) {
        mount(deliveries, empty(offset > 0 ? 'No more deliveries.' : 'No deliveries yet.'));
        return;
      }
      const first = offset + 1;
      const last = offset + page.items.length;
      mount(deliveries,
        table(['Event', 'Endpoint', 'Status', 'Attempts', 'Last answer', 'Created', 'Delivered'],
          page.items.map((d) => h('tr', { dataset: { id: d.id, status: d.status, event: d.event_type } },
            h('th', { scope: 'row' }, h('code', d.event_type)),
            h('td.cell-wrap', byId.has(d.endpoint_id) ? byId.get(d.endpoint_id).url : d.endpoint_id),
            h('td', badge(label(d.status), DELIVERY_BADGE[d.status]),
              d.status === 'pending' && d.next_attempt_at ? h('div.hint', `next ${dateTime(d.next_attempt_at)}`) : null),
            h('td.num', num(d.attempts)),
            h('td.cell-wrap', d.last_status_code ? `HTTP ${d.last_status_code}` : '', d.last_status_code && d.last_error ? ' · ' : '', d.last_error || (d.last_status_code ? '' : '—')),
            h('td', dateTime(d.created_at)),
            h('td', dateTime(d.delivered_at)))),
          { className: 'delivery-table' }),
        h('div.pager',
          h('span', { id: 'delivery-range' }, `${num(first)}–${num(last)} of ${num(page.total)}`),
          h('button.btn.btn-small', { type: 'button', disabled: offset === 0,
            onclick: () => reloadDeliveries(Math.max(0, offset - DELIVERY_PAGE)) }, 'Previous'),
          h('button.btn.btn-small', { type: 'button', disabled: offset + DELIVERY_PAGE >= page.total,
            onclick: () => reloadDeliveries(offset + DELIVERY_PAGE) }, 'Next')));
    } catch (ex) {
      if (mine === seq) mount(deliveries, isUnavailable(ex) ? unavailable('The delivery log') : errorBox(ex, () => loadDeliveries()));
    }
  }
  await loadDeliveries();
}

/** What test_webhook_endpoint's `category` means (docs/ADMIN_API.md). */
const TEST_FAILURES = {
  connect_failed: 'could not connect',
  timeout: 'no answer in time',
  tls: 'TLS handshake or certificate check failed',
  url_refused: 'the URL now points at a private address',
  secret_unavailable: 'the signing secret cannot be unsealed (PAYMENT_DATA_KEY)',
  other: 'the exchange failed',
};

async function sendTest(e, ctx, button, out, after) {
  button.disabled = true;
  mount(out, loading(`Sending a test event to ${e.url}…`));
  try {
    const r = await api.post('test_webhook_endpoint', { id: e.id }, ctx.scope());
    const answer = r.status_code ? `HTTP ${r.status_code}` : 'no answer';
    const why = r.category && r.category !== 'http_status' ? (TEST_FAILURES[r.category] || r.category) : null;
    mount(out, h('div.state', { class: r.success ? 'state-ok' : 'state-error', role: 'status', dataset: { success: String(!!r.success) } },
      h('p', h('strong', r.success ? 'Test delivered. ' : 'Test failed. '), `${e.url}: `, answer,
        why ? h('span', ` — ${why}`) : null)));
    await after();
  } catch (ex) {
    if (ex.status === 401) { out.replaceChildren(); return; }
    mount(out, isUnavailable(ex) ? unavailable('Sending a test event')
      : h('div.state.state-error', { role: 'alert', dataset: { success: 'false' } }, h('p', h('strong', 'Could not send the test: '), ex.message)));
  } finally {
    button.disabled = false;
  }
}

async function remove(e, ctx, reload) {
  const ok = await confirmDialog({ title: 'Delete webhook endpoint',
    message: `Delete ${e.url}? Its queued deliveries and their log are deleted too.`, confirmLabel: 'Delete', danger: true });
  if (!ok) return;
  try {
    await api.post('delete_webhook_endpoint', { id: e.id }, ctx.scope());
    toast('Webhook endpoint deleted.', 'success');
    await reload();
  } catch (ex) { if (ex.status !== 401) toast(`Could not delete: ${ex.message}`, 'error'); }
}

async function createEndpoint(ctx, reload) {
  let groups;
  try {
    groups = await eventGroups();
  } catch (ex) {
    if (ex.status !== 401) toast(`Could not load the event types: ${ex.message}`, 'error');
    return;
  }
  let created = false;
  modal('New webhook endpoint', (close) => {
    const events = h('fieldset.field.event-choices', { dataset: { field: 'event_types' } },
      h('legend', 'Event types'),
      groups.map(([title, items]) => h('div.event-group',
        h('span.hint', title),
        items.map(([value, text]) => h('label.event-choice',
          h('input', { type: 'checkbox', name: 'event_types', value }), ' ', h('code', text))))),
      h('small.field-error', { 'aria-live': 'polite' }));
    const form = h('form.form', { novalidate: true, id: 'webhook-form' },
      field('URL', h('input', { name: 'url', type: 'url', maxlength: '2000', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://hooks.example.com/billing' })),
      field('Description', h('input', { name: 'description', type: 'text', maxlength: '200', autocomplete: 'off' }), 'Optional.'),
      events,
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Create endpoint')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = form.elements;
      const body = { url: f.url.value.trim(), description: f.description.value.trim() || undefined,
        event_types: [...form.querySelectorAll('input[name=event_types]:checked')].map((i) => i.value) };
      showFieldErrors(form, null);
      try {
        const ep = await api.post('create_webhook_endpoint', body, ctx.scope());
        created = true;
        // Replace the form with the secret: this is the only time it is ever shown.
        mount(form.parentElement,
          h('div', { id: 'new-webhook-secret' },
            h('p', h('strong', 'Copy the signing secret now. '), 'It is shown only this once; receivers need it to verify the webhook-signature header.'),
            copyable(`Signing secret for ${ep.url}`, ep.secret || ''),
            h('div.actions', h('button.btn.btn-primary', { type: 'button', id: 'webhook-done', onclick: () => close(true) }, 'Done'))));
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  }).then(() => { if (created) reload(); });
}
