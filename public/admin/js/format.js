// Locale-aware formatting through Intl for the browser's locale.

const numberFmt = new Intl.NumberFormat(undefined);
const percentFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const shortDateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const currencyFmts = new Map();

const plural = new Intl.PluralRules(undefined);
/** "1 event", "3 events" (English words; the number itself is locale-formatted). */
export const count = (n, one, other) => `${num(n)} ${plural.select(n) === 'one' ? one : other}`;

export const num = (n) => (n === null || n === undefined ? '—' : numberFmt.format(n));
export const pct = (n) => (n === null || n === undefined ? '—' : `${percentFmt.format(n)} %`);

export function dateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : dateTimeFmt.format(d);
}

/** A calendar day (`YYYY-MM-DD` or a timestamp) shown without shifting it across time zones. */
export function day(s) {
  if (!s) return '—';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T12:00:00`) : new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : dateFmt.format(d);
}

export function shortDay(s) {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T12:00:00Z` : s);
  return Number.isNaN(d.getTime()) ? String(s) : shortDateFmt.format(d);
}

/** Integer minor units (cents) with their ISO 4217 currency, e.g. 4990 BRL → "R$ 49,90". */
export function money(cents, currency = 'BRL') {
  if (cents === null || cents === undefined) return '—';
  const code = currency || 'BRL';
  let fmt = currencyFmts.get(code);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
    } catch {
      fmt = null;
    }
    currencyFmts.set(code, fmt);
  }
  if (!fmt) return `${numberFmt.format(cents / 100)} ${code}`;
  const digits = fmt.resolvedOptions().maximumFractionDigits;
  return fmt.format(cents / 10 ** digits);
}

/** "message" → "Message", "file_upload" → "File upload". */
export function label(s) {
  if (!s) return '—';
  const t = String(s).replace(/[_-]+/g, ' ').replace(/\bapi\b/gi, 'API');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export const RESOURCE_TYPES = ['message', 'completion', 'file_upload', 'file_storage', 'vector_query', 'tool_call', 'embedding', 'api_call'];
export const PERIODS = ['hourly', 'daily', 'monthly', 'total'];
export const PLAN_TYPES = ['free', 'starter', 'professional', 'enterprise', 'custom'];
export const CYCLES = ['monthly', 'quarterly', 'yearly', 'lifetime'];
export const INVOICE_STATUSES = ['draft', 'pending', 'paid', 'overdue', 'cancelled', 'refunded'];
