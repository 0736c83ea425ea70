// Tenants (operators): list and search, open one; for those allowed, create, edit, suspend/activate, and delete with
// typed confirmation. Each button is shown when current_user.allowed_actions names its action.

import { api } from '../api.js';
import { h, mount, empty, errorBox, loading, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table } from '../dom.js';
import { num, dateTime, label, PLAN_TYPES } from '../format.js';

const STATUS_BADGE = { active: 'ok', suspended: 'danger', inactive: 'neutral' };

export async function render(view, ctx) {
  if (!ctx.can('list_tenants')) { mount(view, h('h1', 'Tenants'), empty('Only operators see the tenants.')); return; }
  const search = h('input', { type: 'search', name: 'search', id: 'tenant-search', placeholder: 'Name, slug or e-mail', autocomplete: 'off' });
  const status = select('status', [['', 'Any status'], ['active', 'Active'], ['suspended', 'Suspended'], ['inactive', 'Inactive']], '');
  status.id = 'tenant-status-filter';
  const results = h('div', { id: 'tenant-results' });
  const searchForm = h('form.toolbar', { role: 'search', novalidate: true },
    h('div.field', h('label', { for: search.id }, 'Search'), search),
    h('div.field', h('label', { for: status.id }, 'Status'), status),
    h('button.btn', { type: 'submit' }, 'Search'),
    ctx.can('create_tenant') ? h('button.btn.btn-primary', { type: 'button', id: 'new-tenant', onclick: () => editTenant(null, ctx, load) }, 'New tenant') : null);
  let timer = null;
  searchForm.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  status.addEventListener('change', () => load());
  mount(view, h('div.page-head', h('h1', 'Tenants')), h('section.panel', searchForm, results));

  let seq = 0;
  async function load() {
    const mine = ++seq;
    mount(results, loading());
    try {
      const page = await api.get('list_tenants', { search: search.value.trim(), status: status.value, limit: 200 });
      if (mine !== seq) return;
      mount(results, page.items.length === 0
        ? empty(search.value || status.value ? 'No tenant matches.' : 'No tenants yet.')
        : [tenantTable(page.items, ctx, load), h('p.hint', `${num(page.items.length)} of ${num(page.total)} tenants`)]);
    } catch (ex) {
      if (mine === seq) mount(results, errorBox(ex, load));
    }
  }
  await load();
}

function tenantTable(items, ctx, reload) {
  return table(['Name', 'Slug', 'Status', 'Plan', 'Billing e-mail', 'Created', 'Actions'],
    items.map((t) => h('tr', { dataset: { id: t.id, slug: t.slug } },
      h('th.tenant-name-cell', { scope: 'row' }, t.name),
      h('td', h('code', t.slug)),
      h('td', badge(label(t.status), STATUS_BADGE[t.status])),
      h('td', t.plan ? label(t.plan) : '—'),
      h('td.cell-wrap', t.billing_email || '—'),
      h('td', dateTime(t.created_at)),
      h('td', h('div.actions',
        h('button.btn.btn-small', { type: 'button', class: 'open-tenant', onclick: () => { ctx.tenantId = t.id; ctx.navigate('billing'); } }, 'Open'),
        ctx.can('update_tenant') ? h('button.btn.btn-small', { type: 'button', class: 'edit-tenant', onclick: () => editTenant(t, ctx, reload) }, 'Edit') : null,
        statusButton(t, ctx, reload),
        ctx.can('delete_tenant') ? h('button.btn.btn-small.btn-danger', { type: 'button', class: 'delete-tenant', onclick: () => deleteTenant(t, ctx, reload) }, 'Delete') : null)))),
    { className: 'tenant-table' });
}

/** Activate (suspended tenants) or Suspend (the others), when the caller may. */
function statusButton(t, ctx, reload) {
  const verb = t.status === 'suspended' ? 'activate' : 'suspend';
  if (!ctx.can(`${verb}_tenant`)) return null;
  return h('button.btn.btn-small', { type: 'button', class: `${verb}-tenant`, onclick: () => setStatus(t, verb, ctx, reload) }, label(verb));
}

async function setStatus(t, verb, ctx, reload) {
  const ok = await confirmDialog({
    title: `${label(verb)} tenant`,
    message: verb === 'suspend' ? `Suspend "${t.name}"? Its users and API keys are refused until it is activated.` : `Activate "${t.name}" again?`,
    confirmLabel: label(verb), danger: verb === 'suspend',
  });
  if (!ok) return;
  try {
    await api.post(`${verb}_tenant`, { id: t.id });
    toast(`${t.name}: ${verb === 'suspend' ? 'suspended' : 'active'}.`, 'success');
    await Promise.all([reload(), ctx.reloadTenants()]);
  } catch (ex) {
    if (ex.status !== 401) toast(`Could not ${verb} the tenant: ${ex.message}`, 'error');
  }
}

async function deleteTenant(t, ctx, reload) {
  const ok = await confirmDialog({
    title: 'Delete tenant',
    message: `This deletes "${t.name}" and everything it owns: users, API keys, usage, quotas, invoices. The audit trail is kept.`,
    typed: t.slug, confirmLabel: 'Delete tenant', danger: true,
  });
  if (!ok) return;
  try {
    await api.post('delete_tenant', { id: t.id });
    toast(`${t.name} deleted.`, 'success');
    if (ctx.tenantId === t.id) ctx.tenantId = null;
    await Promise.all([reload(), ctx.reloadTenants()]);
  } catch (ex) {
    if (ex.status !== 401) toast(`Could not delete the tenant: ${ex.message}`, 'error');
  }
}

function editTenant(t, ctx, reload) {
  return modal(t ? 'Edit tenant' : 'New tenant', (close) => {
    const form = h('form.form', { novalidate: true, id: 'tenant-form' },
      field('Name', h('input', { name: 'name', type: 'text', maxlength: '200', value: t ? t.name : '' })),
      field('Slug', h('input', { name: 'slug', type: 'text', maxlength: '64', value: t ? t.slug : '', autocomplete: 'off' }),
        t ? null : 'Optional: lowercase letters, digits and dashes; derived from the name when empty.'),
      field('Billing e-mail', h('input', { name: 'billing_email', type: 'email', value: t && t.billing_email ? t.billing_email : '' })),
      field('Plan', select('plan', [['', 'None'], ...PLAN_TYPES.map((p) => [p, label(p)])], t && t.plan ? t.plan : '')),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, t ? 'Save' : 'Create tenant')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = { name: f.name.value.trim() };
      if (f.slug.value.trim() || t) body.slug = f.slug.value.trim() || undefined;
      body.billing_email = f.billing_email.value.trim() || (t ? null : undefined);
      body.plan = f.plan.value || (t ? null : undefined);
      showFieldErrors(form, null);
      try {
        const saved = await api.post(t ? 'update_tenant' : 'create_tenant', t ? { id: t.id, ...body } : body);
        close(true);
        toast(t ? `${saved.name} saved.` : `${saved.name} created.`, 'success');
        await Promise.all([reload(), ctx.reloadTenants()]);
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}
