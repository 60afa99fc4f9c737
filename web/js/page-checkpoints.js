// page-checkpoints.js - the signed journal checkpoints (GET
// /v1/checkpoints, a page at a time on the API's cursor): the journal's
// head (sequence and hash) at a time, why (a request, or a month's close),
// who asked, and the signed XML of each to download (GET
// /v1/checkpoints/{id}) and check with the signing certificate. A
// checkpoint's head matches the journal page's entry of that sequence.
import {get, withQuery} from './api.js';
import {date} from './format.js';
import {h, pager} from './ui.js';
import {save} from './download.js';
import {certificates} from './page-reports.js';

export const id = 'checkpoints';
export const title = 'Checkpoints';
export const roles = ['admin', 'auditor'];

export async function render(main) {
  main.append(h('h1', {}, 'Journal checkpoints, signed'));
  const status = h('div', {'aria-live': 'polite'});
  const body = h('tbody', {});
  const tbl = h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Checkpoints'},
    h('table', {}, h('caption', {}, 'Checkpoints, oldest first'),
      h('thead', {}, h('tr', {}, ['#', 'At', 'Why', 'By', 'Sequence', 'Head hash', 'Signed XML'].map((c) =>
        h('th', {scope: 'col', class: ['#', 'Sequence'].includes(c) ? 'num' : null}, c)))), body));
  const p = pager(async (cursor) => {
    const r = await get(withQuery('/v1/checkpoints', {after: cursor ?? undefined, limit: 50}));
    return {rows: r.checkpoints, next: r.next};
  }, (rows) => {
    for (const c of rows)
      body.append(h('tr', {'data-checkpoint': c.id},
        h('td', {class: 'num'}, String(c.id)),
        h('td', {}, date(c.at)),
        h('td', {}, c.reason === 'close' ? `month ${c.month} closed` : 'asked for'),
        h('td', {}, c.created_by),
        h('td', {class: 'num'}, String(c.sequence)),
        h('td', {}, h('code', {class: 'hash'}, c.head_hash)),
        h('td', {}, h('button', {type: 'button', class: 'secondary', onclick: async () => {
          try {
            await save(`/v1/checkpoints/${c.id}`, `checkpoint-${c.id}.xml`, 'application/xml');
            status.replaceChildren(h('p', {}, `checkpoint-${c.id}.xml saved.`));
          } catch (e) {
            status.replaceChildren(h('p', {class: 'msg bad', role: 'alert'}, e.message));
          }
        }}, `Download checkpoint ${c.id}`))));
  });
  main.append(status, tbl, p.element);
  await p.start();
  if (!body.children.length) tbl.replaceWith(h('p', {}, 'No checkpoint yet: one is issued at each month\u2019s close.'));
  main.append(await certificates());
}
