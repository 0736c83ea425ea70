// API keys & users (tenant admins and super-admins): create (the key is shown once, with a copy button), list a page
// at a time, revoke/delete. Each part is shown when current_user.allowed_actions names its action; the role choice
// is what the caller may grant (a super-admin: every role; a tenant admin: service, viewer, admin in its tenant).

import { api } from '../api.js';
import { h, mount, empty, errorBox, loading, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table } from '../dom.js';
import { dateTime, label, num } from '../format.js';
import { copyable } from './invoices.js';

const PAGE_SIZE = 50;

/** The roles a principal of each role may give a new key or user (the server's Role.grantable). */
const GRANTS = {
  'super-admin': ['service', 'viewer', 'admin', 'billing', 'super-admin'],
  admin: ['service', 'viewer', 'admin'],
};
/** Operator roles belong to no tenant: their keys and users are created without tenant_id. */
const OPERATORS = new Set(['billing', 'super-admin']);
export const ROLE_INFO = {
  service: 'Records usage and checks quotas (for applications); reads nothing else.',
  viewer: 'Reads the tenant\'s billing data; changes nothing.',
  admin: 'Manages the tenant\'s users, API keys, webhooks and payment methods, and pays its invoices.',
  billing: 'Operator, no tenant: changes what any tenant is billed (plans, subscriptions, invoices, quotas, refunds).',
  'super-admin': 'Operator, no tenant: everything, including tenants and jobs.',
};

export async function render(view, ctx) {
  const head = h('div.page-head', h('h1', 'API keys & users'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  const showKeys = ctx.can('list_api_keys');
  const showUsers = ctx.can('list_users');
  if (!showKeys && !showUsers) { mount(view, head, empty('Only admins manage API keys and users.')); return; }
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  const keys = h('div', { id: 'api-keys' }, loading());
  const users = h('div', { id: 'users' }, loading());
  const roles = GRANTS[ctx.role] || [];
  const canRevoke = ctx.can('revoke_api_key');
  const canDeleteUser = ctx.can('delete_user');
  mount(view, head,
    showKeys ? h('section.panel', { 'aria-labelledby': 'keys-title' },
      h('div.panel-head', h('h2', { id: 'keys-title' }, 'API keys'),
        ctx.can('generate_api_key') && roles.length
          ? h('button.btn.btn-primary', { type: 'button', id: 'new-key', onclick: () => createKey(ctx, roles, () => loadKeys(0)) }, 'New API key') : null),
      keys) : null,
    showUsers ? h('section.panel', { 'aria-labelledby': 'users-title' },
      h('div.panel-head', h('h2', { id: 'users-title' }, 'Dashboard users'),
        ctx.can('create_user') && roles.length
          ? h('button.btn.btn-primary', { type: 'button', id: 'new-user', onclick: () => createUser(ctx, roles, () => loadUsers(0)) }, 'New user') : null),
      users) : null);

  let keysOffset = 0;
  let usersOffset = 0;

  async function loadKeys(offset = keysOffset) {
    try {
      const page = await api.get('list_api_keys', ctx.scope({ limit: PAGE_SIZE, offset }));
      // A revocation never empties a page, but a key revoked elsewhere meanwhile may.
      if (page.items.length === 0 && offset > 0) { await loadKeys(Math.max(0, offset - PAGE_SIZE)); return; }
      keysOffset = offset;
      const list = page.items;
      mount(keys, list.length === 0 ? empty('No API keys for this tenant.') : table(
        ['Name', 'Prefix', 'Role', 'Created', 'Expires', 'Last used', 'Status', ''],
        list.map((k) => h('tr', { dataset: { id: k.id, revoked: String(k.revoked) } },
          h('th.cell-wrap', { scope: 'row' }, k.name),
          h('td', h('code', k.prefix)),
          h('td', label(k.role)),
          h('td', dateTime(k.created_at)),
          h('td', k.expires_at ? dateTime(k.expires_at) : 'Never'),
          h('td', k.last_used_at ? dateTime(k.last_used_at) : 'Never'),
          h('td', k.revoked ? badge('Revoked', 'danger') : badge('Active', 'ok')),
          h('td', k.revoked || !canRevoke ? null : h('button.btn.btn-small.btn-danger.revoke-key', { type: 'button', 'aria-label': `Revoke ${k.name}`,
            onclick: async () => {
              if (!(await confirmDialog({ title: 'Revoke API key', message: `Revoke "${k.name}" (${k.prefix}…)? Clients using it are refused at once.`, confirmLabel: 'Revoke', danger: true }))) return;
              try {
                await api.post('revoke_api_key', { id: k.id }, ctx.scope());
                toast(`${k.name} revoked.`, 'success');
                await loadKeys();
              } catch (ex) { if (ex.status !== 401) toast(`Could not revoke: ${ex.message}`, 'error'); }
            } }, 'Revoke')))),
        { className: 'keys-table' }), pager('keys-range', page, loadKeys));
    } catch (ex) { mount(keys, errorBox(ex, () => loadKeys())); }
  }

  async function loadUsers(offset = usersOffset) {
    try {
      const page = await api.get('list_users', ctx.scope({ limit: PAGE_SIZE, offset }));
      // Deleting the last user of the last page steps back a page.
      if (page.items.length === 0 && offset > 0) { await loadUsers(Math.max(0, offset - PAGE_SIZE)); return; }
      usersOffset = offset;
      const list = page.items;
      mount(users, list.length === 0 ? empty('No dashboard users in this tenant.') : table(
        ['E-mail', 'Name', 'Role', 'Last sign-in', 'Created', ''],
        list.map((u) => h('tr', { dataset: { id: u.id } },
          h('th.cell-wrap', { scope: 'row' }, u.email),
          h('td.cell-wrap', u.name || '—'),
          h('td', label(u.role)),
          h('td', u.last_login_at ? dateTime(u.last_login_at) : 'Never'),
          h('td', dateTime(u.created_at)),
          h('td', ctx.user && ctx.user.id === u.id ? h('span.hint', 'you') : !canDeleteUser ? null : h('button.btn.btn-small.btn-danger', { type: 'button', 'aria-label': `Delete ${u.email}`,
            onclick: async () => {
              if (!(await confirmDialog({ title: 'Delete user', message: `Delete ${u.email}? Their sessions end at once.`, confirmLabel: 'Delete user', danger: true }))) return;
              try {
                await api.post('delete_user', { id: u.id }, ctx.scope());
                toast(`${u.email} deleted.`, 'success');
                await loadUsers();
              } catch (ex) { if (ex.status !== 401) toast(`Could not delete: ${ex.message}`, 'error'); }
            } }, 'Delete')))),
        { className: 'users-table' }), pager('users-range', page, loadUsers));
    } catch (ex) { mount(users, errorBox(ex, () => loadUsers())); }
  }

  await Promise.all([showKeys ? loadKeys() : null, showUsers ? loadUsers() : null]);
}

/** "1–50 of 120" with Previous/Next, or nothing when everything fits on one page. */
function pager(id, page, load) {
  if (page.offset === 0 && page.total <= page.items.length) return null;
  const first = page.total === 0 ? 0 : page.offset + 1;
  const last = Math.min(page.offset + page.items.length, page.total);
  return h('div.pager',
    h('span', { id }, `${num(first)}–${num(last)} of ${num(page.total)}`),
    h('button.btn.btn-small', { type: 'button', disabled: page.offset === 0, onclick: () => load(Math.max(0, page.offset - page.limit)) }, 'Previous'),
    h('button.btn.btn-small', { type: 'button', disabled: page.offset + page.limit >= page.total, onclick: () => load(page.offset + page.limit) }, 'Next'));
}

/**
 * The role choice of the key and user forms: the roles the caller may grant, a one-line description of each, and
 * whom the new key or user belongs to — the selected tenant, or no tenant for an operator role (billing, super-admin).
 */
function roleFields(ctx, roles, what) {
  const sel = select('role', roles.map((r) => [r, label(r)]), 'viewer');
  const tenantName = ctx.currentTenant() ? ctx.currentTenant().name : 'this tenant';
  const owner = h('p.hint.role-tenant', { 'aria-live': 'polite' });
  const sync = () => {
    const operator = OPERATORS.has(sel.value);
    owner.dataset.operator = String(operator);
    owner.textContent = operator ? `No tenant: a ${label(sel.value).toLowerCase()} ${what} acts on every tenant.` : `Tenant: ${tenantName}`;
  };
  sel.addEventListener('change', sync);
  sync();
  return [
    field('Role', sel),
    h('ul.role-list', roles.map((r) => h('li', { dataset: { role: r } }, h('strong', label(r)), ` — ${ROLE_INFO[r] || ''}`))),
    owner,
  ];
}

/** Operator roles are created with no tenant_id; every other role belongs to the selected tenant. */
function ownerScope(ctx, role) {
  return OPERATORS.has(role) ? null : ctx.scope();
}

function createKey(ctx, roles, reload) {
  return modal('New API key', (close) => {
    const form = h('form.form', { novalidate: true, id: 'key-create-form' },
      field('Name', h('input', { name: 'name', type: 'text', maxlength: '200', placeholder: 'e.g. chatbot' })),
      roleFields(ctx, roles, 'key'),
      field('Expires on', h('input', { name: 'expires_at', type: 'date' }), 'Optional.'),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Create key')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = { name: f.name.value.trim(), role: f.role.value };
      if (f.expires_at.value) body.expires_at = new Date(`${f.expires_at.value}T23:59:59`).toISOString().replace(/\.\d{3}Z$/, 'Z');
      showFieldErrors(form, null);
      try {
        const created = await api.post('generate_api_key', body, ownerScope(ctx, body.role));
        // Replace the form with the secret: this is the only time it is ever shown.
        mount(form.parentElement,
          h('div', { id: 'new-key-secret' },
            h('p', h('strong', 'Copy the key now. '), 'It is shown only once; only its hash is stored.'),
            copyable(`${created.name} (${label(created.role)})`, created.key),
            h('div.actions', h('button.btn.btn-primary', { type: 'button', id: 'key-done', onclick: () => close(true) }, 'Done'))));
        reload();
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}

function createUser(ctx, roles, reload) {
  return modal('New user', (close) => {
    const form = h('form.form', { novalidate: true, id: 'user-create-form' },
      field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'off' })),
      field('Name', h('input', { name: 'name', type: 'text' })),
      field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), 'At least 10 characters.'),
      roleFields(ctx, roles, 'user'),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Create user')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = { email: f.email.value.trim(), name: f.name.value.trim() || undefined, password: f.password.value, role: f.role.value };
      showFieldErrors(form, null);
      try {
        const u = await api.post('create_user', body, ownerScope(ctx, body.role));
        close(true);
        toast(u.tenant_id ? `${u.email} created.` : `${u.email} created (${label(u.role)}, no tenant).`, 'success');
        await reload();
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}
