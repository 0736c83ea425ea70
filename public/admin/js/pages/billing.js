// Billing: summary cards, quota status with progress bars, add/delete quota, 30-day usage and chart.

import { api, isUnavailable } from '../api.js';
import { h, mount, loading, empty, errorBox, unavailable, toast, modal, confirmDialog, field, checkbox,
  showFieldErrors, select, badge, table } from '../dom.js';
import { num, count, pct, dateTime, money, label, RESOURCE_TYPES, PERIODS } from '../format.js';
import { lineChart, legend } from '../chart.js';

const DAY_MS = 86400000;

/** green < 80 %, yellow ≥ 80 %, red ≥ 90 %. */
export function level(percentage) {
  if (percentage >= 90) return 'red';
  if (percentage >= 80) return 'yellow';
  return 'green';
}

export async function render(view, ctx) {
  if (!ctx.tenantId) {
    mount(view, h('h1', 'Billing'), empty('No tenant yet. Create one on the Tenants page to see its billing.'));
    return;
  }
  const tenant = ctx.currentTenant();
  const cards = h('div.cards', { id: 'summary-cards' }, loading());
  const quotas = h('div', { id: 'quota-status' }, loading());
  const usage = h('div', { id: 'usage-by-type' }, loading());
  const chart = h('div', { id: 'usage-chart' }, loading());
  const addButton = ctx.can('set_quota')
    ? h('button.btn.btn-primary', { type: 'button', id: 'add-quota', onclick: () => addQuota(ctx, refresh) }, 'Add quota')
    : null;

  mount(view,
    h('div.page-head', h('h1', 'Billing'), tenant ? h('p.subtitle', tenant.name) : null),
    h('section', { 'aria-label': 'Summary' }, cards),
    h('section.panel', { 'aria-labelledby': 'quota-title' },
      h('div.panel-head', h('h2', { id: 'quota-title' }, 'Quota status'), addButton),
      quotas),
    h('section.panel', { 'aria-labelledby': 'usage-title' },
      h('div.panel-head', h('h2', { id: 'usage-title' }, 'Usage, last 30 days')),
      usage, chart));

  async function refresh() {
    const end = new Date();
    const start = new Date(end.getTime() - 29 * DAY_MS);
    const ymd = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const [sub, stats, status, unread, series] = await Promise.allSettled([
      api.get('get_subscription', ctx.scope()),
      api.get('get_usage_stats', ctx.scope()),
      api.get('get_quota_status', ctx.scope()),
      api.get('get_unread_count', ctx.scope()),
      api.get('get_usage_timeseries', ctx.scope({ interval: 'day', fill_zeros: 'true', start_date: ymd(start), end_date: ymd(end) })),
    ]);
    mount(cards, renderCards(tenant, sub, stats, status, unread));
    mount(quotas, status.status === 'fulfilled' ? quotaTable(status.value, ctx, refresh) : errorBox(status.reason, refresh));
    mount(usage, stats.status === 'fulfilled' ? usageTable(stats.value) : errorBox(stats.reason, refresh));
    mount(chart, series.status === 'fulfilled' ? usageChart(series.value) : errorBox(series.reason, refresh));
    ctx.refreshBadge(unread);
  }
  await refresh();
}

function card(title, value, detail, extra = {}) {
  return h('div.card', extra, h('h3', title), h('p.card-value', value), detail ? h('p.card-detail', detail) : null);
}

function failedCard(title, reason, id) {
  if (isUnavailable(reason)) {
    return h('div.card.card-unavailable', { id, dataset: { unavailable: 'true' } }, h('h3', title), h('p.card-value', '—'),
      h('p.card-detail', 'Not available on this server yet'));
  }
  return h('div.card.card-error', { id, role: 'alert' }, h('h3', title), h('p.card-value', '!'), h('p.card-detail', reason.message));
}

function renderCards(tenant, sub, stats, status, unread) {
  const out = [];
  // Plan: the live subscription when the server has subscriptions, else the tenant's plan field.
  if (sub.status === 'fulfilled' && sub.value) {
    const s = sub.value;
    out.push(card('Current plan', label(s.plan_type),
      `${label(s.billing_cycle)} · ${label(s.status)}${s.cancel_at_period_end ? ' · cancels at period end' : ''} · ${money(s.price_cents, s.currency)}`,
      { id: 'card-plan' }));
  } else if (sub.status === 'fulfilled' || isUnavailable(sub.reason)) {
    out.push(card('Current plan', tenant && tenant.plan ? label(tenant.plan) : 'No plan',
      sub.status === 'fulfilled' ? 'No active subscription' : 'From the tenant record', { id: 'card-plan' }));
  } else {
    out.push(failedCard('Current plan', sub.reason, 'card-plan'));
  }
  if (stats.status === 'fulfilled') {
    const t = stats.value.totals;
    out.push(card('Usage (30 days)', num(t.total_quantity), count(t.total_events, 'event', 'events'), {
      id: 'card-usage', dataset: { quantity: String(t.total_quantity), events: String(t.total_events) },
    }));
  } else out.push(failedCard('Usage (30 days)', stats.reason, 'card-usage'));
  if (status.status === 'fulfilled') {
    const exceeded = status.value.filter((q) => q.percentage !== null && q.percentage >= 100).length;
    out.push(card('Active quotas', num(status.value.length), `${num(exceeded)} exceeded`, {
      id: 'card-quotas', dataset: { active: String(status.value.length), exceeded: String(exceeded) },
    }));
  } else out.push(failedCard('Active quotas', status.reason, 'card-quotas'));
  if (unread.status === 'fulfilled') {
    out.push(card('Unread notifications', num(unread.value.count), null, { id: 'card-unread', dataset: { count: String(unread.value.count) } }));
  } else out.push(failedCard('Unread notifications', unread.reason, 'card-unread'));
  return out;
}

function progress(percentage) {
  const p = percentage === null ? 0 : percentage;
  const lvl = level(p);
  const bar = h('div.progress-bar', { class: `bar-${lvl}` });
  bar.style.width = `${Math.min(100, Math.max(0, p))}%`; // CSSOM, allowed by the CSP
  return h('div.progress', {
    role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': String(Math.round(Math.min(100, p))), 'aria-valuetext': pct(p), dataset: { level: lvl },
  }, bar);
}

function quotaTable(checks, ctx, refresh) {
  if (checks.length === 0) {
    return empty('No quotas for this tenant.', ctx.can('set_quota') ? 'Use "Add quota" to set a limit.' : null);
  }
  const canDelete = ctx.can('delete_quota');
  const rows = checks.map((q) => h('tr', { dataset: { quotaId: q.quota_id, resource: q.resource_type, period: q.period } },
    h('th', { scope: 'row' }, label(q.resource_type)),
    h('td', label(q.period)),
    h('td.num', `${num(q.current)} / ${num(q.limit)}`),
    h('td.progress-cell', progress(q.percentage), h('span.progress-label', pct(q.percentage))),
    h('td', q.is_hard_limit ? badge('Hard', 'danger') : badge('Soft', 'info')),
    h('td', q.resets_at ? dateTime(q.resets_at) : 'Never'),
    canDelete ? h('td', h('button.btn.btn-small.btn-danger', {
      type: 'button', class: 'delete-quota', 'aria-label': `Delete ${label(q.resource_type)} ${q.period} quota`,
      onclick: () => deleteQuota(q, ctx, refresh),
    }, 'Delete')) : null));
  return table(['Resource', 'Period', 'Usage / limit', 'Progress', 'Type', 'Resets', canDelete ? 'Actions' : null].filter(Boolean),
    rows, { className: 'quota-table' });
}

async function deleteQuota(q, ctx, refresh) {
  const ok = await confirmDialog({
    title: 'Delete quota',
    message: `Delete the ${label(q.period).toLowerCase()} ${label(q.resource_type).toLowerCase()} quota (limit ${num(q.limit)})?`,
    confirmLabel: 'Delete quota', danger: true,
  });
  if (!ok) return;
  try {
    await api.post('delete_quota', { id: q.quota_id }, ctx.scope());
    toast('Quota deleted.', 'success');
    await refresh();
  } catch (ex) {
    toast(`Could not delete the quota: ${ex.message}`, 'error');
  }
}

function addQuota(ctx, refresh) {
  return modal('Add quota', (close) => {
    const form = h('form.form', { novalidate: true, id: 'quota-form' },
      h('p.hint', 'A quota for an existing resource and period replaces its settings.'),
      field('Resource', select('resource_type', RESOURCE_TYPES.map((r) => [r, label(r)]), 'message')),
      field('Period', select('period', PERIODS.map((p) => [p, label(p)]), 'daily')),
      field('Limit', h('input', { name: 'limit_value', type: 'number', inputmode: 'numeric', min: '1', step: '1', required: true })),
      checkbox('Hard limit (reject usage beyond the limit)', h('input', { name: 'is_hard_limit', type: 'checkbox' })),
      field('Warning threshold (%)', h('input', { name: 'notification_threshold', type: 'number', min: '1', max: '100', step: '1' }),
        'Optional: notify when usage crosses this percentage.'),
      h('p.form-error', { role: 'alert' }),
      h('div.actions',
        h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Save quota')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = {
        resource_type: f.resource_type.value,
        period: f.period.value,
        // Sent as typed so the API's own validation (and its message) decides; "" → missing.
        limit_value: f.limit_value.value === '' ? null : Number(f.limit_value.value),
        is_hard_limit: f.is_hard_limit.checked,
      };
      if (f.notification_threshold.value !== '') body.notification_threshold = Number(f.notification_threshold.value);
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        showFieldErrors(form, null);
        await api.post('set_quota', body, ctx.scope());
        close(true);
        toast('Quota saved.', 'success');
        await refresh();
      } catch (ex) {
        if (ex.status === 401) { close(); return; }
        showFieldErrors(form, ex);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  });
}

function usageTable(stats) {
  const rows = stats.by_resource_type.filter((r) => r.event_count > 0 || r.total_quantity > 0);
  if (rows.length === 0) return empty('No usage recorded in the last 30 days.');
  const total = stats.totals.total_quantity || 0;
  return table(['Resource', 'Events', 'Quantity', 'Share'],
    rows.map((r) => h('tr', { dataset: { resource: r.resource_type } },
      h('th', { scope: 'row' }, label(r.resource_type)),
      h('td.num', num(r.event_count)),
      h('td.num', num(r.total_quantity)),
      h('td.num', total ? pct((r.total_quantity / total) * 100) : '—'))),
    { className: 'usage-table' });
}

function usageChart(ts) {
  const dates = [...new Set(ts.data.map((d) => d.date))].sort();
  const byType = new Map();
  for (const d of ts.data) {
    if (!d.resource_type) continue;
    if (!byType.has(d.resource_type)) byType.set(d.resource_type, new Map());
    byType.get(d.resource_type).set(d.date, (byType.get(d.resource_type).get(d.date) || 0) + d.total_quantity);
  }
  const series = [...byType.entries()]
    .map(([name, m]) => ({ name, values: dates.map((d) => m.get(d) || 0) }))
    .filter((s) => s.values.some((v) => v > 0));
  if (series.length === 0 || dates.length === 0) return empty('No usage to chart yet.');
  const totals = series.map((s) => `${label(s.name)} ${num(s.values.reduce((a, b) => a + b, 0))}`).join(', ');
  const svg = lineChart({
    title: 'Daily usage by resource type, last 30 days',
    desc: `Line chart of daily quantities from ${dates[0]} to ${dates[dates.length - 1]}. Totals: ${totals}. The same numbers are in the table below.`,
    dates, series,
  });
  const dataTable = table(['Date', ...series.map((s) => label(s.name))],
    dates.map((d, i) => h('tr', h('th', { scope: 'row' }, d), series.map((s) => h('td.num', num(s.values[i]))))),
    { caption: 'Daily usage by resource type', className: 'chart-table' });
  return h('figure.chart-figure', svg, legend(series.map((s) => s.name)),
    h('details', h('summary', 'Show the chart data as a table'), dataTable));
}
