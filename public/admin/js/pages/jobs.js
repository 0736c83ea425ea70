// Jobs (list_job_runs; super-admins): the recorded runs of the background jobs, newest first, by job, 50 per page — a run still
// going shows as running with its instance and last heartbeat; one whose process died shows as interrupted.
// "Run now" runs a job once (optionally as a dry run) through run_job and shows its outcome.

import { api, isUnavailable } from '../api.js';
import { h, mount, append, empty, errorBox, unavailable, toast, badge, select, table, checkbox } from '../dom.js';
import { num, dateTime, label } from '../format.js';

const PAGE_SIZE = 50;
const JOBS = ['generate_invoices', 'mark_overdue', 'retry_payments', 'check_quotas', 'subscription_notices',
  'send_notifications', 'deliver_webhooks'];
const OUTCOME_BADGE = { running: 'info', interrupted: 'danger', failed: 'danger', partial: 'warn', ok: 'ok', skipped: 'neutral' };

export async function render(view, ctx, params) {
  const head = h('div.page-head', h('h1', 'Jobs'), h('p.subtitle', 'Runs of the background jobs on every instance'));
  if (!ctx.can('list_job_runs')) { mount(view, head, empty('Only super-admins see job runs.')); return; }
  const job = JOBS.includes(params.get('job')) ? params.get('job') : '';
  const fetchPage = (offset) => api.get('list_job_runs', { job, limit: PAGE_SIZE, offset: offset || '' });
  let result;
  try {
    result = await fetchPage(0);
  } catch (ex) {
    mount(view, head, isUnavailable(ex) ? unavailable('Job runs') : errorBox(ex, () => render(view, ctx, params)));
    return;
  }
  let total = result.total;
  const rerender = () => render(view, ctx, params);

  const jobSel = select('job', [['', 'All jobs'], ...JOBS.map((j) => [j, label(j)])], job);
  jobSel.id = 'jobs-filter';
  jobSel.addEventListener('change', () => ctx.navigate('jobs', { job: jobSel.value }));
  const runSel = select('run', JOBS.map((j) => [j, label(j)]), job || 'generate_invoices');
  runSel.id = 'jobs-run-name';
  const dry = h('input', { type: 'checkbox', id: 'jobs-dry-run', name: 'dry_run' });
  const runButton = h('button.btn.btn-primary', { type: 'button', id: 'jobs-run', onclick: async () => {
    runButton.disabled = true;
    try {
      const run = await api.post('run_job', { job: runSel.value, dry_run: dry.checked });
      toast(`${label(run.job)}: ${run.outcome}${run.message ? ` — ${run.message}` : ''}`, run.outcome === 'failed' ? 'error' : 'success');
      await rerender();
    } catch (ex) {
      if (ex.status !== 401) toast(`Could not run the job: ${ex.message}`, 'error');
    } finally {
      runButton.disabled = false;
    }
  } }, 'Run now');
  const toolbar = h('div.toolbar',
    h('div.field', h('label', { for: jobSel.id }, 'Show'), jobSel),
    ctx.can('run_job') ? [h('div.field', h('label', { for: runSel.id }, 'Job'), runSel), checkbox('Dry run', dry), runButton] : null);

  if (result.items.length === 0) {
    mount(view, head, h('section.panel', toolbar, empty(job ? `No runs of ${label(job)} yet.` : 'No job runs yet.')));
    return;
  }
  const list = table(['Job', 'Outcome', 'Trigger', 'As of', 'Started', 'Instance', 'Heartbeat', 'Finished', 'Counts', 'Message'],
    result.items.map(row), { caption: 'Job runs, newest first', className: 'jobs-table' });
  const body = list.querySelector('tbody');
  const range = h('span', { id: 'jobs-range' });
  const more = h('button.btn', { type: 'button', id: 'jobs-more' }, 'Load more');
  let loaded = result.items.length;
  const update = () => {
    range.textContent = `Showing ${num(loaded)} of ${num(total)}`;
    more.hidden = loaded >= total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const next = await fetchPage(loaded);
      total = next.total;
      const seen = new Set([...body.children].map((tr) => tr.dataset.id));
      append(body, next.items.filter((r) => !seen.has(r.id)).map(row));
      loaded += next.items.length;
      if (next.items.length === 0) total = loaded;
      update();
    } catch (ex) {
      if (ex.status !== 401) toast(`Could not load more runs: ${ex.message}`, 'error');
    } finally {
      more.disabled = false;
    }
  });
  update();
  mount(view, head, h('section.panel', toolbar, list, h('div.load-more', range, more)));
}

function row(run) {
  const counts = run.counts && typeof run.counts === 'object'
    ? Object.entries(run.counts).filter(([, v]) => typeof v === 'number' && v !== 0).map(([k, v]) => `${label(k)} ${num(v)}`).join(', ')
    : '';
  return h('tr', { dataset: { id: run.id, outcome: run.outcome } },
    h('td', label(run.job), run.dry_run ? h('span.muted', ' (dry run)') : null),
    h('td', badge(run.outcome, OUTCOME_BADGE[run.outcome])),
    h('td', run.trigger || ''),
    h('td', dateTime(run.as_of)),
    h('td', dateTime(run.started_at)),
    h('td', h('code', run.instance_id || '')),
    h('td', run.heartbeat_at ? dateTime(run.heartbeat_at) : ''),
    h('td', run.finished_at ? dateTime(run.finished_at) : ''),
    h('td', counts),
    h('td', run.message || ''));
}
