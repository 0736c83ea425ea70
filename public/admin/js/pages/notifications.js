// Notifications: list (all / unread), mark one read, mark all read; keeps the nav badge in step.

import { api, isUnavailable } from '../api.js';
import { h, mount, empty, errorBox, unavailable, toast, badge, select } from '../dom.js';
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
    result = await api.get('list_notifications', ctx.scope({ unread_only: unreadOnly ? 'true' : '', type, limit: PAGE_SIZE }));
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Notifications') : errorBox(ex, () => render(view, ctx, params)));
    return;
  }
  const items = Array.isArray(result) ? result : (result.items || []);
  const rerender = () => render(view, ctx, params);

  const show = select('unread', [['', 'All'], ['1', 'Unread only']], unreadOnly ? '1' : '');
  show.id = 'notif-show';
  const typeSel = select('type', [['', 'All types'], ...TYPES.map((t) => [t, label(t)])], type);
  typeSel.id = 'notif-type';
  const go = () => ctx.navigate('notifications', { unread: show.value, type: typeSel.value });
  show.addEventListener('change', go);
  typeSel.addEventListener('change', go);
  const unreadCount = items.filter(isUnread).length;
  const toolbar = h('div.toolbar',
    h('div.field', h('label', { for: show.id }, 'Show'), show),
    h('div.field', h('label', { for: typeSel.id }, 'Type'), typeSel),
    h('button.btn', { type: 'button', id: 'mark-all-read', disabled: unreadCount === 0, onclick: async () => {
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

  const list = items.length === 0
    ? empty(unreadOnly ? 'No unread notifications.' : 'No notifications.')
    : h('ul.notif-list', items.map((n) => item(n, ctx, rerender)));
  mount(view, head, h('section.panel', toolbar, list));
}

function item(n, ctx, rerender) {
  const unread = isUnread(n);
  const meta = n.metadata && typeof n.metadata === 'object' && Object.keys(n.metadata).length ? JSON.stringify(n.metadata) : null;
  return h('li.notif', { class: unread ? 'notif-unread' : null, dataset: { id: n.id, unread: String(unread) } },
    h('div.notif-body',
      h('p.notif-title', n.subject || label(n.type)),
      n.message ? h('p.notif-text', n.message) : null,
      meta ? h('p.notif-meta', h('code', meta)) : null,
      h('p.notif-meta', badge(label(n.type), 'neutral'), ' ', n.priority ? badge(label(n.priority), PRIORITY_BADGE[n.priority]) : null,
        ' ', dateTime(n.created_at), unread ? ' · unread' : ` · read ${n.read_at ? dateTime(n.read_at) : ''}`)),
    unread ? h('button.btn.btn-small.mark-read', { type: 'button', 'aria-label': `Mark "${n.subject || label(n.type)}" read`, onclick: async () => {
      try {
        await api.post('mark_notification_read', { id: n.id }, ctx.scope());
        toast('Marked read.', 'success');
        await rerender();
        ctx.refreshBadge();
      } catch (ex) {
        if (isUnavailable(ex)) toast('Marking read is not available on this server yet.', 'error');
        else if (ex.status !== 401) toast(`Could not mark it read: ${ex.message}`, 'error');
      }
    } }, 'Mark read') : null);
}
