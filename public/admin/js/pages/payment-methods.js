// Payment methods: list (type, brand, last 4, expiry, default, status), add, set default, delete (confirmed).
// Cards are added by their gateway token only: there is no card-number or CVV field, and the API refuses
// anything that looks like a card number (its error is shown next to the field that carried it).

import { api, isUnavailable } from '../api.js';
import { h, mount, empty, errorBox, unavailable, toast, modal, confirmDialog, field, checkbox, showFieldErrors, select,
  badge, table } from '../dom.js';
import { dateTime, label } from '../format.js';

const TYPES = ['credit_card', 'boleto', 'pix', 'bank_transfer', 'other'];
const TYPE_LABEL = { credit_card: 'Credit card', boleto: 'Boleto', pix: 'Pix', bank_transfer: 'Bank transfer', other: 'Other' };
const STATUS_BADGE = { active: 'ok', expired: 'warn', deleted: 'neutral' };
const BRANDS = ['', 'VISA', 'MASTERCARD', 'ELO', 'AMEX', 'HIPERCARD', 'DINERS', 'DISCOVER', 'JCB', 'OTHER'];

export async function render(view, ctx) {
  const head = h('div.page-head', h('h1', 'Payment methods'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  let list;
  try {
    list = (await api.get('list_payment_methods', ctx.scope({ limit: 500 }))).items;
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Payment methods') : errorBox(ex, () => render(view, ctx)));
    return;
  }
  const rerender = () => render(view, ctx);
  const add = ctx.can('add_payment_method')
    ? h('button.btn.btn-primary', { type: 'button', id: 'add-payment-method', onclick: () => addMethod(ctx, rerender) }, 'Add payment method')
    : null;
  const body = list.length === 0
    ? empty('No payment methods for this tenant.', ctx.can('add_payment_method') ? 'Use "Add payment method" to store one.' : null)
    : methodTable(list, ctx, rerender);
  mount(view, head, h('section.panel', { 'aria-labelledby': 'pm-title' },
    h('div.panel-head', h('h2', { id: 'pm-title' }, 'Stored methods'), add),
    body,
    h('p.hint', 'Cards are stored as the payment gateway\'s token with brand, last 4 digits and expiry. '
      + 'Card numbers and security codes are never entered here.')));
}

function expiry(m) {
  if (!m.exp_month || !m.exp_year) return '—';
  return `${String(m.exp_month).padStart(2, '0')}/${m.exp_year}`;
}

function methodTable(list, ctx, reload) {
  const canDefault = ctx.can('set_default_payment_method');
  const canDelete = ctx.can('delete_payment_method');
  return table(['Type', 'Brand', 'Last 4', 'Expiry', 'Holder / label', 'Default', 'Status', 'Added', canDefault || canDelete ? 'Actions' : null].filter(Boolean),
    list.map((m) => h('tr', { dataset: { id: m.id, type: m.type, default: String(m.is_default) } },
      h('th', { scope: 'row' }, TYPE_LABEL[m.type] || label(m.type)),
      h('td', m.card_brand || '—'),
      h('td', m.card_last4 ? h('code', `•••• ${m.card_last4}`) : '—'),
      h('td', expiry(m)),
      h('td.cell-wrap', [m.holder_name, m.label].filter(Boolean).join(' · ') || '—'),
      h('td', m.is_default ? badge('Default', 'info') : null),
      h('td', badge(label(m.status), STATUS_BADGE[m.status])),
      h('td', dateTime(m.created_at)),
      canDefault || canDelete ? h('td', h('div.actions',
        !canDefault || m.is_default || m.status !== 'active' ? null : h('button.btn.btn-small.set-default', { type: 'button',
          'aria-label': `Make ${describe(m)} the default`, onclick: () => setDefault(m, ctx, reload) }, 'Make default'),
        canDelete ? h('button.btn.btn-small.btn-danger.delete-pm', { type: 'button', 'aria-label': `Delete ${describe(m)}`,
          onclick: () => remove(m, ctx, reload) }, 'Delete') : null)) : null)),
    { className: 'pm-table' });
}

function describe(m) {
  const what = TYPE_LABEL[m.type] || label(m.type);
  if (m.card_last4) return `${m.card_brand || what} ending ${m.card_last4}`;
  return m.label ? `${what} "${m.label}"` : what;
}

async function setDefault(m, ctx, reload) {
  try {
    await api.post('set_default_payment_method', { id: m.id }, ctx.scope());
    toast(`${describe(m)} is now the default.`, 'success');
    await reload();
  } catch (ex) { if (ex.status !== 401) toast(`Could not change the default: ${ex.message}`, 'error'); }
}

async function remove(m, ctx, reload) {
  const ok = await confirmDialog({ title: 'Delete payment method',
    message: `Delete ${describe(m)}? Its gateway token is erased and it can no longer be charged.`, confirmLabel: 'Delete', danger: true });
  if (!ok) return;
  try {
    await api.post('delete_payment_method', { id: m.id }, ctx.scope());
    toast(`${describe(m)} deleted.`, 'success');
    await reload();
  } catch (ex) { if (ex.status !== 401) toast(`Could not delete: ${ex.message}`, 'error'); }
}

function addMethod(ctx, reload) {
  const year = new Date().getFullYear();
  return modal('Add payment method', (close) => {
    const type = select('type', TYPES.map((t) => [t, TYPE_LABEL[t]]), 'credit_card');
    const cardOnly = [
      field('Card brand', select('card_brand', BRANDS.map((b) => [b, b ? label(b.toLowerCase()) : '—']), '')),
      field('Last 4 digits', h('input', { name: 'card_last4', type: 'text', inputmode: 'numeric', maxlength: '4', autocomplete: 'off', placeholder: '1234' })),
      h('div.field-row',
        field('Expiry month', h('input', { name: 'exp_month', type: 'number', min: '1', max: '12', step: '1', inputmode: 'numeric', autocomplete: 'off' })),
        field('Expiry year', h('input', { name: 'exp_year', type: 'number', min: String(year), max: '2200', step: '1', inputmode: 'numeric', autocomplete: 'off', placeholder: String(year + 3) }))),
      field('Holder name', h('input', { name: 'holder_name', type: 'text', maxlength: '200', autocomplete: 'off' })),
    ];
    const token = field('Gateway token', h('input', { name: 'token', type: 'text', maxlength: '500', autocomplete: 'off', spellcheck: 'false' }),
      'The token the payment gateway returned for the card (required for cards). Never a card number.');
    const form = h('form.form', { novalidate: true, id: 'pm-form', autocomplete: 'off' },
      field('Type', type),
      token,
      cardOnly,
      field('Label', h('input', { name: 'label', type: 'text', maxlength: '200', autocomplete: 'off' }), 'Optional, e.g. "Finance team card".'),
      checkbox('Make it the default', h('input', { type: 'checkbox', name: 'is_default' })),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Add')));
    const sync = () => {
      const card = type.value === 'credit_card';
      for (const el of cardOnly) el.hidden = !card;
    };
    type.addEventListener('change', sync);
    sync();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const text = (name) => f[name].value.trim() || undefined;
      const int = (name) => (f[name].value.trim() === '' ? undefined : Number(f[name].value));
      const body = { type: f.type.value, token: text('token'), label: text('label'), is_default: f.is_default.checked || undefined };
      if (body.type === 'credit_card') {
        Object.assign(body, { card_brand: text('card_brand'), card_last4: text('card_last4'), exp_month: int('exp_month'),
          exp_year: int('exp_year'), holder_name: text('holder_name') });
      }
      showFieldErrors(form, null);
      try {
        const m = await api.post('add_payment_method', body, ctx.scope());
        close(true);
        toast(`${describe(m)} added.`, 'success');
        await reload();
      } catch (ex) {
        if (ex.status === 401) { close(); return; }
        showFieldErrors(form, ex);
        // A refused card number does not stay on the page.
        for (const [name, why] of Object.entries(ex.fields || {})) {
          if (/card number/i.test(why) && f[name] && 'value' in f[name]) f[name].value = '';
        }
      }
    });
    return form;
  });
}
