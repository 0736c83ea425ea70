// API keys & users (admin and super-admin): create (the key is shown once, with a copy button), list a page at a
// time, revoke/delete.

import { api } from '../api.js';
import { h, mount, empty, errorBox, loading, toast, modal, confirmDialog, field, showFieldErrors, select,
  badge, table } from '../dom.js';
import { dateTime, label, num } from '../format.js';
import { copyable } from './invoices.js';

const PAGE_SIZE = 50;

export async function render(view, ctx) {
  const head = h('div.page-head', h('h1', 'API keys & users'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (!ctx.canWrite) { mount(view, head, empty('Only admins manage API keys and users.')); return; }
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  const keys = h('div', { id: 'api-keys' }, loading());
  const users = h('div', { id: 'users' }, loading());
  const roles = ctx.isSuper ? ['viewer', 'admin', 'super-admin'] : ['viewer', 'admin'];
  mount(view, head,
    h('section.panel', { 'aria-labelledby': 'keys-title' },
      h('div.panel-head', h('h2', { id: 'keys-title' }, 'API keys'),
        h('button.btn.btn-primary', { type: 'button', id: 'new-key', onclick: () => createKey(ctx, roles, () => loadKeys(0)) }, 'New API key')),
      keys),
    h('section.panel', { 'aria-labelledby': 'users-title' },
      h('div.panel-head', h('h2', { id: 'users-title' }, 'Dashboard users'),
        h('button.btn.btn-primary', { type: 'button', id: 'new-user', onclick: () => createUser(ctx, roles, () => loadUsers(0)) }, 'New user')),
      users));

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
          h('td', k.revoked ? null : h('button.btn.btn-small.btn-danger.revoke-key', { type: 'button', 'aria-label': `Revoke ${k.name}`,
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
          h('td', ctx.user && ctx.user.id === u.id ? h('span.hint', 'you') : h('button.btn.btn-small.btn-danger', { type: 'button', 'aria-label': `Delete ${u.email}`,
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

  await Promise.all([loadKeys(), loadUsers()]);
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

function createKey(ctx, roles, reload) {
  return modal('New API key', (close) => {
    const form = h('form.form', { novalidate: true, id: 'key-create-form' },
      field('Name', h('input', { name: 'name', type: 'text', maxlength: '200', placeholder: 'e.g. chatbot' })),
      field('Role', select('role', roles.map((r) => [r, label(r)]), 'viewer'),
        ctx.isSuper ? 'A super-admin key is not tied to a tenant.' : null),
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
        const created = await api.post('generate_api_key', body, body.role === 'super-admin' ? null : ctx.scope());
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
      field('Role', select('role', roles.map((r) => [r, label(r)]), 'viewer')),
      h('p.form-error', { role: 'alert' }),
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Cancel'),
        h('button.btn.btn-primary', { type: 'submit' }, 'Create user')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = { email: f.email.value.trim(), name: f.name.value.trim() || undefined, password: f.password.value, role: f.role.value };
      showFieldErrors(form, null);
      try {
        const u = await api.post('create_user', body, ctx.scope());
        close(true);
        toast(`${u.email} created.`, 'success');
        await reload();
      } catch (ex) {
        if (ex.status === 401) close(); else showFieldErrors(form, ex);
      }
    });
    return form;
  });
}
