// Notifications: list (all / unread, by type) in pages of 50 with "Load more", mark one read (updated in
// place, so the pages already loaded stay), mark all read; keeps the nav badge in step.

import { api, isUnavailable } from '../api.js';
import { h, mount, append, empty, errorBox, unavailable, loading, toast, badge, select } from '../dom.js';
import { num, dateTime, label } from '../format.js';

const PAGE_SIZE = 50;
const PRIORITY_BADGE = { low: 'neutral', normal: 'info', high: 'warn', urgent: 'danger' };
const TYPES = ['quota_warning', 'quota_exceeded', 'payment_failed', 'payment_success', 'subscription_expiring',
  'subscription_expired', 'trial_ending', 'invoice_due', 'invoice_created'];

const isUnread = (n) => !n.read_at && n.read !== true;

export async function render(view, ctx, params) {
  const head = h('div.page-head', h('h1', 'Notifications'), ctx.currentTenant() ? h('p.subtitle', ctx.currentTenant().name) : null);
  if (!ctx.tenantId) { mount(view, head, empty('No tenant yet. Create one on the Tenants page.')); return; }
  const unreadOnly = params.get('unread') === '1';
  const type = TYPES.includes(params.get('type')) ? params.get('type') : '';
  let result;
  try {
    result = await fetchPage(0);
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Notifications') : errorBox(ex, () => render(view, ctx, params)));
    return;
  }
  function fetchPage(offset) {
    return api.get('list_notifications', ctx.scope({ unread_only: unreadOnly ? 'true' : '', type, limit: PAGE_SIZE, offset: offset || '' }));
  }
  const items = Array.isArray(result) ? result : (result.items || []);
  let total = typeof result.total === 'number' ? result.total : items.length;
  const rerender = () => render(view, ctx, params);

  const show = select('unread', [['', 'All'], ['1', 'Unread only']], unreadOnly ? '1' : '');
  show.id = 'notif-show';
  const typeSel = select('type', [['', 'All types'], ...TYPES.map((t) => [t, label(t)])], type);
  typeSel.id = 'notif-type';
  const go = () => ctx.navigate('notifications', { unread: show.value, type: typeSel.value });
  show.addEventListener('change', go);
  typeSel.addEventListener('change', go);
  const unreadCount = items.filter(isUnread).length;
  const moreUnread = total > items.length; // unread ones may sit on pages not loaded yet
  const toolbar = h('div.toolbar',
    h('div.field', h('label', { for: show.id }, 'Show'), show),
    h('div.field', h('label', { for: typeSel.id }, 'Type'), typeSel),
    !ctx.can('mark_all_notifications_read') ? null : h('button.btn', { type: 'button', id: 'mark-all-read', disabled: unreadCount === 0 && !moreUnread, onclick: async () => {
      try {
        const r = await api.post('mark_all_notifications_read', {}, ctx.scope());
        const n = r && typeof r.updated === 'number' ? r.updated : (r && typeof r.count === 'number' ? r.count : null);
        toast(n === null ? 'All notifications marked read.' : `${num(n)} marked read.`, 'success');
        await rerender();
        ctx.refreshBadge();
      } catch (ex) {
        if (isUnavailable(ex)) toast('Marking all read is not available on this server yet.', 'error');
        else if (ex.status !== 401) toast(`Could not mark all read: ${ex.message}`, 'error');
      }
    } }, 'Mark all read'));

  if (items.length === 0) {
    mount(view, head, h('section.panel', toolbar, empty(unreadOnly ? 'No unread notifications.' : 'No notifications.')));
    return;
  }
  const list = h('ul.notif-list', items.map((n) => item(n, ctx)));
  const range = h('span', { id: 'notif-range' });
  const more = h('button.btn', { type: 'button', id: 'load-more' }, 'Load more');
  const status = h('div', { 'aria-live': 'polite' });
  let loaded = items.length;
  const update = () => {
    range.textContent = `Showing ${num(loaded)} of ${num(total)}`;
    more.hidden = loaded >= total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    mount(status, loading('Loading more…'));
    try {
      const next = await fetchPage(loaded);
      const page = Array.isArray(next) ? next : (next.items || []);
      if (typeof next.total === 'number') total = next.total;
      const seen = new Set([...list.children].map((li) => li.dataset.id));
      append(list, page.filter((n) => !seen.has(n.id)).map((n) => item(n, ctx)));
      loaded += page.length;
      if (page.length === 0) total = loaded;
      status.replaceChildren();
      update();
    } catch (ex) {
      if (ex.status !== 401) mount(status, errorBox(ex, () => more.click()));
    } finally {
      more.disabled = false;
    }
  });
  update();
  mount(view, head, h('section.panel', toolbar, list, h('div.load-more', range, more), status));
}

function item(n, ctx) {
  const unread = isUnread(n);
  const meta = n.metadata && typeof n.metadata === 'object' && Object.keys(n.metadata).length ? JSON.stringify(n.metadata) : null;
  return h('li.notif', { class: unread ? 'notif-unread' : null, dataset: { id: n.id, unread: String(unread) } },
    h('div.notif-body',
      h('p.notif-title', n.subject || label(n.type)),
      n.message ? h('p.notif-text', n.message) : null,
      meta ? h('p.notif-meta', h('code', meta)) : null,
      h('p.notif-meta', badge(label(n.type), 'neutral'), ' ', n.priority ? badge(label(n.priority), PRIORITY_BADGE[n.priority]) : null,
        ' ', dateTime(n.created_at), unread ? ' · unread' : ` · read ${n.read_at ? dateTime(n.read_at) : ''}`)),
    unread && ctx.can('mark_notification_read') ? h('button.btn.btn-small.mark-read', { type: 'button', 'aria-label': `Mark "${n.subject || label(n.type)}" read`, onclick: async (e) => {
      const li = e.currentTarget.closest('li'); // currentTarget is gone after the first await
      try {
        const updated = await api.post('mark_notification_read', { id: n.id }, ctx.scope());
        toast('Marked read.', 'success');
        li.replaceWith(item(updated && updated.id ? updated : { ...n, read: true, read_at: new Date().toISOString() }, ctx));
        ctx.refreshBadge();
      } catch (ex) {
        if (isUnavailable(ex)) toast('Marking read is not available on this server yet.', 'error');
        else if (ex.status !== 401) toast(`Could not mark it read: ${ex.message}`, 'error');
      }
    } }, 'Mark read') : null);
}
