// Shell: sign-in, the signed-in frame (tenant switcher, navigation, unread badge) and a hash router.
// Routes look like `#/billing?tenant=<id>`; the tenant in the URL scopes every page.
// What is shown comes from current_user.allowed_actions (ctx.can), never from ranking roles: the server decides.

import { api, auth, ApiError, isUnavailable } from './api.js';
import { $, h, mount, loading, empty, errorBox, toast } from './dom.js';

const PAGES = {
  billing: () => import('./pages/billing.js'),
  subscription: () => import('./pages/subscription.js'),
  invoices: () => import('./pages/invoices.js'),
  notifications: () => import('./pages/notifications.js'),
  'payment-methods': () => import('./pages/payment-methods.js'),
  webhooks: () => import('./pages/webhooks.js'),
  tenants: () => import('./pages/tenants.js'),
  access: () => import('./pages/access.js'),
  jobs: () => import('./pages/jobs.js'),
};
const TITLES = {
  billing: 'Billing', subscription: 'Subscription', invoices: 'Invoices',
  notifications: 'Notifications', 'payment-methods': 'Payment methods', webhooks: 'Webhooks',
  tenants: 'Tenants', access: 'API keys & users', jobs: 'Jobs',
};
/** Operators belong to no tenant and act on the tenant picked in the switcher (passing tenant_id). */
const OPERATOR_ROLES = new Set(['billing', 'super-admin']);

/** What every page gets: who is signed in and which tenant the page is about. */
const ctx = {
  principal: null,
  user: null,
  tenant: null, // the caller's own tenant (tenant roles)
  tenants: [], // operators: every tenant, for the switcher
  tenantId: null,
  allowed: new Set(), // current_user.allowed_actions; empty when the server does not say (nothing is offered)
  get role() { return this.principal?.role || ''; },
  get isOperator() { return OPERATOR_ROLES.has(this.role); },
  /** Whether the signed-in principal may call `action` (a control is shown only then). */
  can(action) { return this.allowed.has(action); },
  /** True when any of the space-separated actions is allowed (a nav link's data-action). */
  canAny(actions) { return String(actions || '').split(/\s+/).filter(Boolean).some((a) => this.allowed.has(a)); },
  /** Query parameters that scope a tenant action to the selected tenant. */
  scope(extra = {}) { return this.tenantId ? { tenant_id: this.tenantId, ...extra } : { ...extra }; },
  currentTenant() {
    if (!this.isOperator) return this.tenant;
    return this.tenants.find((t) => t.id === this.tenantId) || null;
  },
  refreshBadge: (known) => refreshUnreadBadge(known),
  reloadTenants: () => loadTenants(),
  navigate,
};

let renderSeq = 0;

// ---------- sign-in ----------

function showLogin(message) {
  $('#boot').hidden = true;
  $('#app-view').hidden = true;
  $('#login-view').hidden = false;
  const msg = $('#login-message');
  msg.hidden = !message;
  msg.textContent = message || '';
  document.title = 'Sign in · Billing admin';
  $('#login-email').focus();
}

function setupLogin() {
  const tabs = [$('#tab-password'), $('#tab-key')];
  const panels = [$('#login-form'), $('#key-form')];
  const select = (i) => {
    tabs.forEach((t, j) => {
      t.setAttribute('aria-selected', String(i === j));
      t.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(i));
    t.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const next = (i + 1) % 2;
        select(next);
        tabs[next].focus();
      }
    });
  });

  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const err = form.querySelector('.form-error');
    const button = form.querySelector('button[type=submit]');
    err.textContent = '';
    const email = form.email.value.trim();
    const password = form.password.value;
    if (!email || !password) { err.textContent = 'Enter your e-mail and password.'; return; }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      auth.forgetKey();
      await api.post('login', { email, password }, null, { quiet401: true });
      form.password.value = '';
      await start();
    } catch (ex) {
      err.textContent = ex.status === 401 ? 'Wrong e-mail or password.' : ex.message;
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  $('#key-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const err = form.querySelector('.form-error');
    err.textContent = '';
    const key = form.key.value.trim();
    if (!key) { err.textContent = 'Paste an API key.'; return; }
    auth.setKey(key, form.remember.value);
    try {
      await api.get('current_user', null, { quiet401: true });
      form.key.value = '';
      await start();
    } catch (ex) {
      auth.forgetKey();
      err.textContent = ex.status === 401 ? 'That key is not valid (or was revoked).' : ex.message;
    }
  });

  $('#logout').addEventListener('click', async () => {
    if (!auth.usesKey()) {
      try { await api.post('logout', {}, null, { quiet401: true }); } catch (ex) { if (ex.status !== 401) toast(`Sign-out failed: ${ex.message}`, 'error'); }
    }
    auth.forgetKey();
    ctx.principal = null;
    showLogin('You are signed out.');
  });

  auth.onUnauthorized(() => {
    if (!ctx.principal) return;
    ctx.principal = null;
    auth.forgetKey();
    showLogin('Your session expired. Please sign in again.');
  });
}

// ---------- signed in ----------

async function start() {
  const me = await api.get('current_user', null, { quiet401: true });
  ctx.principal = me.principal;
  ctx.user = me.user;
  ctx.tenant = me.tenant;
  ctx.allowed = new Set(Array.isArray(me.allowed_actions) ? me.allowed_actions : []);
  $('#boot').hidden = true;
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  $('#who-name').textContent = me.user ? (me.user.name || me.user.email) : me.principal.name || 'API key';
  $('#who-role').textContent = me.principal.role;
  for (const a of document.querySelectorAll('.nav a[data-action]')) a.hidden = !ctx.canAny(a.dataset.action);
  if (ctx.isOperator) {
    $('#tenant-switch').hidden = false;
    $('#tenant-name').hidden = true;
    await loadTenants();
  } else {
    $('#tenant-switch').hidden = true;
    $('#tenant-name').hidden = !ctx.tenant;
    $('#tenant-name').textContent = ctx.tenant ? ctx.tenant.name : '';
    ctx.tenantId = ctx.principal.tenant_id;
  }
  await route();
}

async function loadTenants() {
  const sel = $('#tenant-select');
  if (!ctx.can('list_tenants')) { ctx.tenants = []; mount(sel, h('option', { value: '' }, 'No tenants')); return; }
  try {
    const page = await api.get('list_tenants', { limit: 500 });
    ctx.tenants = page.items;
  } catch (ex) {
    ctx.tenants = [];
    toast(`Could not load tenants: ${ex.message}`, 'error');
  }
  mount(sel, ctx.tenants.length === 0 ? h('option', { value: '' }, 'No tenants yet') : null,
    ctx.tenants.map((t) => h('option', { value: t.id }, t.status === 'active' ? t.name : `${t.name} (${t.status})`)));
  if (ctx.tenantId && !ctx.tenants.some((t) => t.id === ctx.tenantId)) ctx.tenantId = null;
  if (ctx.tenantId) sel.value = ctx.tenantId;
}

/** The page a route without a (known) name opens: Billing, else the first page this principal may see. */
function defaultPage() {
  const links = [...document.querySelectorAll('.nav a[data-route]')];
  const first = links.find((a) => a.dataset.route === 'billing' && !a.hidden) || links.find((a) => !a.hidden);
  return first ? first.dataset.route : 'billing';
}

/** Whether this principal may open the page (its nav link's data-action). */
function pageAllowed(name) {
  const link = document.querySelector(`.nav a[data-route="${name}"]`);
  return !link || !link.dataset.action || ctx.canAny(link.dataset.action);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const params = new URLSearchParams(qs || '');
  return { name: PAGES[path] ? path : defaultPage(), params };
}

/** Change route and/or tenant; keeps the tenant in the URL. */
function navigate(name, params = {}) {
  const q = new URLSearchParams();
  if (ctx.isOperator && ctx.tenantId) q.set('tenant', ctx.tenantId);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const next = `#/${name}${q.toString() ? `?${q}` : ''}`;
  if (location.hash === next) route(); else location.hash = next;
}

async function route() {
  if (!ctx.principal) return;
  const { name, params } = parseHash();
  if (ctx.isOperator) {
    const wanted = params.get('tenant');
    if (wanted && ctx.tenants.some((t) => t.id === wanted)) ctx.tenantId = wanted;
    if (!ctx.tenantId && ctx.tenants.length) ctx.tenantId = ctx.tenants[0].id;
    $('#tenant-select').value = ctx.tenantId || '';
  }
  const seq = ++renderSeq;
  const main = $('#main');
  delete document.body.dataset.ready;
  document.body.dataset.route = name;
  document.body.dataset.tenant = ctx.tenantId || '';
  document.title = `${TITLES[name]} · Billing admin`;
  for (const a of document.querySelectorAll('.nav a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    const q = ctx.isOperator && ctx.tenantId ? `?tenant=${encodeURIComponent(ctx.tenantId)}` : '';
    a.href = `#/${a.dataset.route}${q}`;
  }
  const view = h('div.page', { dataset: { page: name } });
  mount(main, view);
  mount(view, loading());
  if (name !== 'billing') refreshUnreadBadge(); // Billing fetches the count itself and hands it over
  try {
    if (!pageAllowed(name)) {
      mount(view, h('h1', TITLES[name]), empty(`Your role (${ctx.role}) cannot open this page.`));
    } else {
      const mod = await PAGES[name]();
      if (seq !== renderSeq) return;
      await mod.render(view, ctx, params);
    }
  } catch (ex) {
    if (seq !== renderSeq) return;
    if (ex instanceof ApiError && ex.status === 401) return;
    mount(view, errorBox(ex, () => route()));
  }
  if (seq !== renderSeq) return;
  document.body.dataset.ready = name;
  performance.mark(`${name}-ready`);
}

/** Updates the nav badge; `known` is an already settled get_unread_count result (Promise.allSettled shape). */
async function refreshUnreadBadge(known) {
  const badge = $('#unread-badge');
  if (!ctx.tenantId || !ctx.can('get_unread_count')) { badge.hidden = true; return; }
  try {
    let r;
    if (known) {
      if (known.status === 'rejected') throw known.reason;
      r = known.value;
    } else {
      r = await api.get('get_unread_count', ctx.scope());
    }
    const n = r && typeof r.count === 'number' ? r.count : 0;
    badge.textContent = String(n);
    badge.setAttribute('aria-label', `${n} unread`);
    badge.hidden = n === 0;
  } catch (ex) {
    badge.hidden = true;
    if (!isUnavailable(ex) && ex.status !== 401) console.warn('unread count failed', ex);
  }
}

// ---------- boot ----------

setupLogin();
$('#tenant-select').addEventListener('change', (e) => {
  ctx.tenantId = e.target.value || null;
  navigate(parseHash().name);
});
window.addEventListener('hashchange', () => route());

(async () => {
  try {
    await start();
  } catch (ex) {
    if (ex.status === 401) {
      const hadKey = auth.usesKey();
      auth.forgetKey();
      showLogin(hadKey ? 'Your saved API key is no longer valid.' : '');
    } else {
      showLogin(`Could not reach the server: ${ex.message}`);
    }
  }
})();
