// Small DOM helpers. Every API value goes in as text: h() sets textContent and attributes,
// never innerHTML, so a tenant named "<img src=x onerror=…>" renders literally.

/**
 * h('button.primary#save', {type: 'button', onclick: fn, dataset: {id}}, 'Save', child, …)
 * Children: strings/numbers become text nodes; null/false are skipped; arrays are flattened.
 */
export function h(tag, attrs, ...children) {
  const m = /^([a-z0-9-]+)((?:[.#][\w-]+)*)$/i.exec(tag);
  const name = m ? m[1] : tag;
  const isSvg = SVG_TAGS.has(name);
  const el = isSvg ? document.createElementNS(SVG_NS, name) : document.createElement(name);
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'class') {
      for (const c of String(value).split(/\s+/).filter(Boolean)) el.classList.add(c);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (!isSvg && (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected')) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'g', 'path', 'line', 'polyline', 'circle', 'rect', 'text', 'title', 'desc']);

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace all children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);

// ---------- states ----------

export function loading(label = 'Loading…') {
  return h('div.state.state-loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), label);
}

export function empty(message, ...extra) {
  return h('div.state.state-empty', h('p', message), ...extra);
}

/** An error box; `retry` adds a button. Unavailable actions get their own wording. */
export function errorBox(err, retry) {
  if (err && err.code === 'unknown_action') return unavailable();
  return h('div.state.state-error', { role: 'alert' },
    h('p', h('strong', 'Could not load: '), err && err.message ? err.message : String(err)),
    retry ? h('button.btn', { type: 'button', onclick: retry }, 'Try again') : null);
}

export function unavailable(what = 'This feature') {
  return h('div.state.state-unavailable', { dataset: { unavailable: 'true' } },
    h('p', h('strong', 'Not available on this server yet. '),
      `${what} needs an API action this server does not provide yet.`));
}

// ---------- toasts ----------

export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  const t = h('div.toast', { class: `toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  region.append(t);
  setTimeout(() => t.classList.add('toast-out'), kind === 'error' ? 7000 : 4000);
  setTimeout(() => t.remove(), kind === 'error' ? 7400 : 4400);
}

// ---------- dialogs ----------

/**
 * A modal <dialog> (focus trapped by the browser, Esc closes it). `build(close)` returns the body.
 * Resolves with whatever close(value) was called with (undefined on Esc/cancel).
 */
export function modal(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const dlg = h('dialog.modal', { 'aria-labelledby': titleId, class: wide ? 'modal-wide' : null });
    let result;
    const close = (value) => { result = value; dlg.close(); };
    dlg.append(
      h('div.modal-head', h('h2', { id: titleId }, title),
        h('button.btn-icon', { type: 'button', 'aria-label': 'Close', onclick: () => close(undefined) }, '×')),
      h('div.modal-body', build(close)));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector('[autofocus], .modal-body input, .modal-body select, .modal-body textarea, .modal-body button');
    if (first) first.focus();
  });
}

/**
 * Confirmation. With `typed`, the user must type that exact text to enable the button.
 * Resolves true/false.
 */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false, typed = null }) {
  return modal(title, (close) => {
    const ok = h('button.btn', { type: 'submit', class: danger ? 'btn-danger' : 'btn-primary', dataset: { confirm: 'true' } }, confirmLabel);
    let input = null;
    if (typed !== null) {
      input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'typed-hint', name: 'typed' });
      ok.disabled = true;
      input.addEventListener('input', () => { ok.disabled = input.value !== typed; });
    }
    const form = h('form', { novalidate: true },
      h('p', message),
      typed !== null ? h('label.field', h('span', { id: 'typed-hint' }, 'Type ', h('code', typed), ' to confirm'), input) : null,
      h('div.actions',
        h('button.btn', { type: 'button', onclick: () => close(false) }, 'Cancel'),
        ok));
    form.addEventListener('submit', (e) => { e.preventDefault(); if (!ok.disabled) close(true); });
    return form;
  }).then((v) => v === true);
}

// ---------- forms ----------

/** A labelled field with a slot for the API's error about it. */
export function field(label, input, hint) {
  const name = input.getAttribute('name');
  const errId = `err-${name}-${Math.random().toString(36).slice(2, 7)}`;
  input.setAttribute('aria-describedby', errId);
  const wrap = h('div.field', { dataset: { field: name } },
    h('label', { for: input.id || (input.id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`) }, label),
    input,
    hint ? h('small.hint', hint) : null,
    h('small.field-error', { id: errId, 'aria-live': 'polite' }));
  return wrap;
}

export function checkbox(label, input) {
  return h('div.field.field-check', { dataset: { field: input.getAttribute('name') } },
    h('label', input, ' ', label), h('small.field-error', { 'aria-live': 'polite' }));
}

/** Clear then show an ApiError's `fields` next to their inputs; returns true when any were shown. */
export function showFieldErrors(form, err) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const general = form.querySelector('.form-error');
  if (general) general.textContent = '';
  if (!err) return false;
  let shown = false;
  for (const [name, why] of Object.entries(err.fields || {})) {
    const wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!wrap) continue;
    wrap.querySelector('.field-error').textContent = why;
    const input = wrap.querySelector('input, select, textarea');
    if (input) input.setAttribute('aria-invalid', 'true');
    shown = true;
  }
  if (general && (!shown || !err.fields)) general.textContent = err.message || String(err);
  return shown;
}

export function select(name, options, value) {
  return h('select', { name },
    options.map((o) => {
      const [v, label] = Array.isArray(o) ? o : [o, o];
      return h('option', { value: v, selected: v === value }, label);
    }));
}

export function badge(text, kind) {
  return h('span.badge', { class: `badge-${kind || 'neutral'}` }, text);
}

/** A table with a header row; `rows` are arrays of cells (nodes or text). */
export function table(headers, rows, { caption, className } = {}) {
  return h('div.table-wrap',
    h('table', { class: className },
      caption ? h('caption', caption) : null,
      h('thead', h('tr', headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rows)));
}
