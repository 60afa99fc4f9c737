// ui.js - the few DOM helpers every page uses: h() builds elements (text
// is always set as text, never parsed as HTML), table() a table with money
// right-aligned, form() a labelled form that shows the API's error next to
// the field it names, chart() a Chart.js chart with the same figures as the
// table beside it, pager() the next-page button of a cursor-paginated list
// and pagedTable() a table of such a list, a page at a time.
import {ApiError, newKey} from './api.js';

// h('p', {class: 'x', onclick: fn}, 'text', child, [more]) -> element.
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, v);
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  children.forEach(add);
  return e;
}

// A message box: kind 'good' or 'bad'; role=status/alert so screen readers hear it.
export function message(kind, text) {
  return h('div', {class: `msg ${kind}`, role: kind === 'bad' ? 'alert' : 'status'}, text);
}

// columns: [{label, value: row => text|node, num: bool}]; rows: array.
export function table(caption, columns, rows, empty = 'None yet.') {
  if (!rows || rows.length === 0) return h('p', {}, `${caption}: ${empty}`);
  // a wide table scrolls on a phone: focusable, so the keyboard scrolls it too
  return h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption},
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) =>
        h('th', {scope: 'col', class: c.num ? 'num' : null}, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) =>
        h('td', {class: c.num ? 'num' : null}, c.value(r))))))));
}

// A day typed as ISO 8601 (YYYY-MM-DD), as every page shows it: the
// browser's date picker would show the locale's order instead.
export function dateInput(attrs, value) {
  return h('input', {...attrs, type: 'text', value, placeholder: 'YYYY-MM-DD',
                     pattern: '\\d{4}-\\d{2}-\\d{2}', inputmode: 'numeric', autocomplete: 'off'});
}

let formCount = 0;

// A form: fields [{name, label, type ('text'|'date'|'select'|'file'|...),
// options [[value, text]], required, value, placeholder, help}]; submit(values,
// key) returns a promise of a message in words (shown on success, and the
// form reset). An ApiError naming a field is shown under that field (focus
// goes to it); any other error above the button.
export function form(title, fields, submitLabel, submit) {
  const id = `form${++formCount}`;
  let key = newKey();
  const status = h('div', {'aria-live': 'polite'});
  const inputs = {};
  const errs = {};
  const rows = fields.map((f) => {
    const fid = `${id}-${f.name}`;
    const attrs = {id: fid, name: f.name, required: !!f.required,
                   'aria-describedby': `${fid}-err`};
    let input;
    if (f.type === 'select') {
      input = h('select', attrs, (f.options || []).map(([v, t]) =>
        h('option', {value: v, selected: v === f.value}, t)));
    } else if (f.type === 'date') {
      input = dateInput(attrs, f.value);
    } else {
      input = h('input', {...attrs, type: f.type || 'text', value: f.value,
                          placeholder: f.placeholder, inputmode: f.inputmode,
                          accept: f.accept});
    }
    inputs[f.name] = input;
    errs[f.name] = h('span', {class: 'err', id: `${fid}-err`});
    return h('div', {class: 'field'}, h('label', {for: fid}, f.label), input,
             f.help ? h('small', {}, f.help) : null, errs[f.name]);
  });
  const el = h('form', {novalidate: true, 'aria-label': title}, h('h2', {}, title), rows,
               h('div', {class: 'actions'}, h('button', {type: 'submit'}, submitLabel)), status);
  const clear = () => {
    status.replaceChildren();
    for (const n of Object.keys(errs)) {
      errs[n].textContent = '';
      errs[n].parentElement.classList.remove('bad');
      inputs[n].removeAttribute('aria-invalid');
    }
  };
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear();
    const values = {};
    for (const [n, i] of Object.entries(inputs))
      values[n] = i.type === 'file' ? i.files[0] : i.value.trim();
    try {
      const said = await submit(values, key);
      key = newKey();
      el.reset();
      status.append(message('good', said));
    } catch (e) {
      const field = e instanceof ApiError ? e.field : null;
      if (field && errs[field]) {
        errs[field].textContent = e.message;
        errs[field].parentElement.classList.add('bad');
        inputs[field].setAttribute('aria-invalid', 'true');
        inputs[field].focus();
      }
      status.append(message('bad', e.message));
    }
  });
  return el;
}

// Dataset colours, told apart by people with the common colour blindnesses
// (Okabe and Ito's palette).
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'];

// A chart (Chart.js, Debian's libjs-chart.js) of type with labels and
// datasets [{label, data}], labelled for screen readers by title; the table
// next to it carries the same figures in words.
export function chart(title, type, labels, datasets) {
  const canvas = h('canvas', {role: 'img', 'aria-label': title});
  const box = h('div', {class: 'chart'}, canvas);
  if (typeof window.Chart !== 'function') {
    box.replaceChildren(h('p', {}, 'Charts need Chart.js (libjs-chart.js) on the server; the table has the figures.'));
    return box;
  }
  // eslint-disable-next-line no-new
  new window.Chart(canvas, {
    type, data: {labels, datasets: datasets.map((d, i) => ({
      ...d, backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length]}))},
    options: {responsive: true, maintainAspectRatio: false, animation: false,
              plugins: {title: {display: true, text: title}}},
  });
  return box;
}

// The "next page" button of a list paginated on the API's cursor: load(cursor)
// returns a promise of {rows, next}; render(rows) appends them. The button
// is a real <button>, shown while the API says there is a next page, and
// busy (disabled) while one loads, so a double click loads it once. When
// the last page arrives the button hides and focus, if it was on it, goes
// to the line saying all rows are shown, never to the page's top. A page
// that fails to load says why beside the button, which stays to retry.
export function pager(load, render) {
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Next page');
  const said = h('span', {tabindex: '-1', 'aria-live': 'polite'});
  let next = null;
  let shown = 0;
  const step = async (cursor) => {
    more.disabled = true;
    more.setAttribute('aria-busy', 'true');
    const hadFocus = document.activeElement === more;
    try {
      const page = await load(cursor);
      render(page.rows);
      shown += page.rows.length;
      next = page.next;
      more.hidden = next === null || next === undefined;
      said.textContent = more.hidden ? (cursor === null ? '' : `All ${shown} shown.`)
                                     : `${shown} shown; more on the next page.`;
      if (hadFocus && more.hidden) said.focus();
    } catch (e) {
      if (cursor === null) throw e;
      said.textContent = `The next page could not be loaded: ${e.message}`;
    } finally {
      more.disabled = false;
      more.removeAttribute('aria-busy');
    }
  };
  more.addEventListener('click', () => step(next));
  return {element: h('div', {class: 'pager'}, more, said), start: () => step(null)};
}

// A table of a list paginated on the API's cursor, a page at a time with
// pager()'s button under it: columns as table()'s; load(cursor) as
// pager()'s. Each row carries data-row-id (the row's id) for tests and
// links. start() loads the first page; with no row at all the table is
// replaced by "caption: empty".
export function pagedTable(caption, columns, load, empty = 'None yet.') {
  const body = h('tbody', {});
  const region = h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption},
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) =>
        h('th', {scope: 'col', class: c.num ? 'num' : null}, c.label)))),
      body));
  const p = pager(load, (rows) => body.append(...rows.map((r) =>
    h('tr', {'data-row-id': r.id}, columns.map((c) =>
      h('td', {class: c.num ? 'num' : null}, c.value(r)))))));
  const element = h('div', {}, region, p.element);
  return {element, start: async () => {
    await p.start();
    if (!body.children.length) region.replaceWith(h('p', {}, `${caption}: ${empty}`));
  }};
}
