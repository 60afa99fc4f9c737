// page-audit.js - the audit log (GET /v1/audit, oldest first, a page at a
// time on the API's cursor) filtered by person, time (a day or an RFC
// 3339 timestamp, both ends inclusive), action and object; the filter
// lives in the URL (#/audit?user=tomas&from=2019-01-01), so a view can be
// bookmarked and sent. A bad filter is the API's 400 next to its field.
import {get, withQuery} from './api.js';
import {date} from './format.js';
import {h, form, pager} from './ui.js';
import {params, open} from './query.js';

export const id = 'audit';
export const title = 'Audit log';
export const roles = ['admin', 'auditor'];

const FILTERS = ['user', 'from', 'to', 'action', 'object'];

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Audit log'));
  const q = params(ctx);
  const filter = Object.fromEntries(FILTERS.map((k) => [k, q.get(k) || '']));
  const body = h('tbody', {});
  const tbl = h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Audit log'},
    h('table', {}, h('caption', {}, 'What was done, by whom, oldest first'),
      h('thead', {}, h('tr', {}, ['#', 'At', 'Person', 'Role', 'Action', 'Object', 'Token', 'Request'].map((c) =>
        h('th', {scope: 'col', class: c === '#' ? 'num' : null}, c)))), body));
  const load = (cursor) => get(withQuery('/v1/audit', {...filter, after: cursor ?? undefined, limit: 100}))
    .then((r) => ({rows: r.audit, next: r.next}));
  const p = pager(load, (rows) => {
    for (const a of rows)
      body.append(h('tr', {'data-audit': a.id},
        h('td', {class: 'num'}, String(a.id)),
        h('td', {}, date(a.at)),
        h('td', {}, a.user ?? ''),
        h('td', {}, a.role ?? ''),
        h('td', {}, a.action),
        h('td', {}, a.object ?? ''),
        h('td', {}, a.token ?? ''),
        h('td', {}, a.request_id ?? '')));
  });
  // the filter's check is the API's: asked once before the form is left
  // showing, so a bad one is named next to its field
  const f = form('Filter the audit log', [
    {name: 'user', label: 'Person (login name)', value: filter.user, placeholder: 'tomas'},
    {name: 'from', label: 'From (a day or a time, UTC)', value: filter.from, placeholder: '2019-01-01'},
    {name: 'to', label: 'To (a day or a time, UTC)', value: filter.to, placeholder: '2019-01-31T18:00:00Z'},
    {name: 'action', label: 'Action', value: filter.action, placeholder: 'travel.approve'},
    {name: 'object', label: 'Object (its beginning)', value: filter.object, placeholder: 'meeting:'},
  ], 'Show', async (v) => {
    await get(withQuery('/v1/audit', {...v, limit: 1}));
    open('audit', Object.fromEntries(Object.entries(v).filter(([, x]) => x)));
    return 'Filtered.';
  });
  main.append(f, tbl, p.element);
  await p.start();
  if (!body.children.length) tbl.replaceWith(h('p', {}, 'Nothing in the audit log matches.'));
}
