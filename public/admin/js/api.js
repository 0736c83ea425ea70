// The admin API client: `{data}` / `{error}` envelope, credentials, 401 handling.
//
// Credentials: either the HttpOnly `bs_session` cookie set by `login` (the page never sees it), or an
// operator's API key sent as `Authorization: Bearer`. The key lives in memory, and in sessionStorage or
// localStorage only when the operator ticked "remember" (sessionStorage: this tab; localStorage: this browser).

const KEY_STORAGE = 'bs_api_key';

export class ApiError extends Error {
  constructor(status, body, fallback) {
    const e = (body && body.error) || {};
    super(e.message || fallback || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network_error' : 'http_error');
    this.fields = e.fields || null;
    this.details = e;
  }
}

let apiKey = sessionStorage.getItem(KEY_STORAGE) || localStorage.getItem(KEY_STORAGE) || null;
let onUnauthorized = () => {};

export const auth = {
  get apiKey() { return apiKey; },
  usesKey() { return apiKey !== null; },
  setKey(key, remember) {
    apiKey = key;
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
    if (remember === 'session') sessionStorage.setItem(KEY_STORAGE, key);
    if (remember === 'local') localStorage.setItem(KEY_STORAGE, key);
  },
  forgetKey() {
    apiKey = null;
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
  },
  onUnauthorized(fn) { onUnauthorized = fn; },
};

function url(action, query) {
  const params = new URLSearchParams({ action });
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  return `/admin-api?${params}`;
}

async function request(method, action, { query, body, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['X-Requested-With'] = 'fetch';
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body || {});
  }
  let res;
  try {
    res = await fetch(url(action, query), init);
  } catch (e) {
    throw new ApiError(0, null, `Network error: ${e.message}`);
  }
  let json = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('application/json')) {
    try { json = await res.json(); } catch { json = null; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json, res.statusText);
    if (res.status === 401 && !quiet401) onUnauthorized(err);
    throw err;
  }
  return json ? json.data : null;
}

export const api = {
  get: (action, query, opts) => request('GET', action, { query, ...opts }),
  /** POST with a JSON body; `query` carries e.g. tenant_id. */
  post: (action, body, query, opts) => request('POST', action, { body, query, ...opts }),
  url,
};

/** True when the error means "this server has no such action (yet)". */
export const isUnavailable = (err) => err && err.code === 'unknown_action';
