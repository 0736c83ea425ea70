// Subscription: the live subscription, create / change plan / cancel (now or at period end), history.

import { api, isUnavailable } from '../api.js';
import { h, mount, empty, errorBox, unavailable, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table } from '../dom.js';
import { num, dateTime, money, label, CYCLES } from '../format.js';

const STATUS_BADGE = { active: 'ok', trial: 'info', past_due: 'warn', suspended: 'danger', cancelled: 'neutral', expired: 'neutral' };

export async function render(view, ctx) {
  if (!ctx.tenantId) { mount(view, h('h1', 'Subscription'), empty('No tenant yet. Create one on the Tenants page.')); return; }
  const [sub, plans, history] = await Promise.allSettled([
    api.get('get_subscription', ctx.scope()),
    api.get('list_plans', { limit: 100 }),
    api.get('list_subscriptions', ctx.scope({ limit: 20 })),
  ]);
  const head = h('div.page-head', h('h1', 'Subscription'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (sub.status === 'rejected' && isUnavailable(sub.reason)) {
    mount(view, head, unavailable('Subscriptions'));
    return;
  }
  const rerender = () => render(view, ctx);
  const planList = plans.status === 'fulfilled' ? plans.value.items.filter((p) => p.is_active) : [];
  const current = h('section.panel', { id: 'subscription-current', 'aria-labelledby': 'sub-title' });
  if (sub.status === 'rejected') {
    mount(current, h('h2', { id: 'sub-title' }, 'Current subscription'), errorBox(sub.reason, rerender));
  } else if (sub.value) {
    mount(current, liveView(sub.value, planList, ctx, rerender));
  } else {
    mount(current, h('h2', { id: 'sub-title' }, 'Current subscription'),
      h('p', { id: 'no-subscription' }, 'This tenant has no active subscription.'),
      ctx.can('create_subscription') ? (plans.status === 'fulfilled' ? createForm(planList, ctx, rerender) : errorBox(plans.reason, rerender)) : null);
  }
  const hist = h('section.panel', { 'aria-labelledby': 'hist-title' }, h('h2', { id: 'hist-title' }, 'History'));
  if (history.status === 'rejected') hist.append(errorBox(history.reason, rerender));
  else if (history.value.items.length === 0) hist.append(empty('No subscriptions yet.'));
  else {
    hist.append(table(['Plan', 'Cycle', 'Status', 'Price', 'Created', 'Ended'],
      history.value.items.map((s) => h('tr', { dataset: { id: s.id } },
        h('th', { scope: 'row' }, label(s.plan_type)), h('td', label(s.billing_cycle)),
        h('td', badge(label(s.status), STATUS_BADGE[s.status])), h('td.num', money(s.price_cents, s.currency)),
        h('td', dateTime(s.created_at)), h('td', dateTime(s.ended_at || s.cancelled_at))))));
  }
  mount(view, head, current, hist);
}

function liveView(s, plans, ctx, rerender) {
  const facts = h('dl.facts',
    h('dt', 'Plan'), h('dd', { id: 'sub-plan' }, label(s.plan_type)),
    h('dt', 'Status'), h('dd', { id: 'sub-status' }, badge(label(s.status), STATUS_BADGE[s.status])),
    h('dt', 'Billing cycle'), h('dd', label(s.billing_cycle)),
    h('dt', 'Price'), h('dd', money(s.price_cents, s.currency)),
    h('dt', 'Current period'), h('dd', `${dateTime(s.current_period_start)} – ${s.current_period_end ? dateTime(s.current_period_end) : 'no end (lifetime)'}`),
    h('dt', 'Trial'), h('dd', s.trial_ends_at ? `ends ${dateTime(s.trial_ends_at)}` : 'No trial'),
    h('dt', 'Cancel at period end'), h('dd', { id: 'sub-cancel-at-end' }, s.cancel_at_period_end ? 'Yes — it ends when this period ends' : 'No'));
  const canUpdate = ctx.can('update_subscription');
  const canCancel = ctx.can('cancel_subscription');
  const actions = canUpdate || canCancel ? h('div.actions',
    canUpdate ? h('button.btn', { type: 'button', id: 'change-plan', onclick: () => changePlan(s, plans, ctx, rerender) }, 'Change plan') : null,
    s.cancel_at_period_end
      ? (canUpdate ? h('button.btn', { type: 'button', id: 'undo-cancel', onclick: () => mutate(ctx, rerender, 'update_subscription', { id: s.id, cancel_at_period_end: false }, 'The subscription will continue.', {
        title: 'Keep subscription', message: 'Undo the scheduled cancellation?', confirmLabel: 'Keep it' }) }, 'Keep subscription') : null)
      : (canCancel && s.billing_cycle !== 'lifetime' ? h('button.btn.btn-danger', { type: 'button', id: 'cancel-at-end', onclick: () => mutate(ctx, rerender, 'cancel_subscription', { id: s.id }, 'Cancellation scheduled for the end of the period.', {
        title: 'Cancel at period end', message: `The ${label(s.plan_type)} subscription stays active until ${dateTime(s.current_period_end)} and then ends.`, confirmLabel: 'Cancel at period end', danger: true }) }, 'Cancel at period end') : null),
    canCancel ? h('button.btn.btn-danger', { type: 'button', id: 'cancel-now', onclick: () => mutate(ctx, rerender, 'cancel_subscription', { id: s.id, immediately: true }, 'Subscription cancelled.', {
      title: 'Cancel now', message: `End the ${label(s.plan_type)} subscription immediately? This cannot be undone.`, confirmLabel: 'Cancel now', danger: true }) }, 'Cancel now') : null) : null;
  return [h('h2', { id: 'sub-title' }, 'Current subscription'), facts, actions];
}

async function mutate(ctx, rerender, action, body, success, confirmation) {
  if (!(await confirmDialog(confirmation))) return;
  try {
    await api.post(action, body, ctx.scope());
    toast(success, 'success');
    await rerender();
  } catch (ex) {
    if (ex.status !== 401) toast(`${confirmation.title} failed: ${ex.message}`, 'error');
  }
}

function planOption(p, cycle) {
  const price = p.prices && p.prices[cycle] !== undefined ? p.prices[cycle] : (cycle === 'monthly' ? p.price_cents : null);
  return [p.plan_type, `${p.name} — ${price === null ? 'not offered for this cycle' : money(price, p.currency)}`];
}

function planFields(plans, planValue, cycleValue) {
  const planSel = select('plan', plans.map((p) => planOption(p, cycleValue)), planValue);
  const cycleSel = select('billing_cycle', CYCLES.map((c) => [c, label(c)]), cycleValue);
  cycleSel.addEventListener('change', () => {
    const v = planSel.value;
    mount(planSel, plans.map((p) => { const [val, text] = planOption(p, cycleSel.value); return h('option', { value: val, selected: val === v }, text); }));
  });
  return [field('Plan', planSel), field('Billing cycle', cycleSel)];
}

function createForm(plans, ctx, rerender) {
  if (plans.length === 0) return empty('The plan catalog is empty.');
  const form = h('form.form', { novalidate: true, id: 'create-subscription' },
    h('h3', 'Subscribe'),
    planFields(plans, plans[1] ? plans[1].plan_type : plans[0].plan_type, 'monthly'),
    field('Trial days', h('input', { name: 'trial_days', type: 'number', min: '0', step: '1' }), 'Optional. A trial is free; billing starts when it ends.'),
    h('p.form-error', { role: 'alert' }),
    h('div.actions', h('button.btn.btn-primary', { type: 'submit' }, 'Create subscription')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = { plan: f.plan.value, billing_cycle: f.billing_cycle.value };
    if (f.trial_days.value !== '') { body.trial_days = Number(f.trial_days.value); body.status = 'trial'; }
    const ok = await confirmDialog({ title: 'Create subscription',
      message: `Subscribe this tenant to ${label(body.plan)} (${body.billing_cycle})? Paid periods are invoiced at once.`, confirmLabel: 'Subscribe' });
    if (!ok) return;
    showFieldErrors(form, null);
    try {
      await api.post('create_subscription', body, ctx.scope());
      toast('Subscription created.', 'success');
      await rerender();
    } catch (ex) {
      if (ex.status !== 401) showFieldErrors(form, ex);
    }
  });
  return form;
}

function changePlan(s, plans, ctx, rerender) {
  return modal('Change plan', (close) => {
    const form = h('form.form', { novalidate: true },
      h('p.hint', 'The change applies at once; the unused part of a billed period is credited on the next invoice.'),
      planFields(plans, s.plan_type, s.billing_cycle),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Change plan')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { id: s.id, plan: form.elements.plan.value, billing_cycle: form.elements.billing_cycle.value };
      showFieldErrors(form, null);
      try {
        await api.post('update_subscription', body, ctx.scope());
        close(true);
        toast(`Plan changed to ${label(body.plan)}.`, 'success');
        await rerender();
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}
