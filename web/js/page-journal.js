// page-journal.js - the auditor's journal: its head and whether the
// latest signed checkpoint still holds (GET /v1/journal/head: a few index
// lookups, so the page opens at once with a million postings); the whole
// chain verified on request (GET /v1/journal/verify: every entry's hash
// recomputed, the head, or the first sequence that does not match; it
// reads every entry, seconds on a large journal); and the entries oldest
// first with their sequence, hash and postings (GET /v1/entries, a page at
// a time on the API's cursor, filtered by account and dates).
import {get, withQuery} from './api.js';
import {money, date} from './format.js';
import {h, form, message, pager} from './ui.js';
import {params, open} from './query.js';

export const id = 'journal';
export const title = 'Journal';
export const roles = ['admin', 'auditor'];

// entries a page (the URL's limit, 1-1000, may set another)
const PAGE = 50;

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Journal'));
  const head = await get('/v1/journal/head');
  const cp = head.checkpoint;
  const state = !cp
    ? message('good', `The journal's head is sequence ${head.sequence}, hash ${head.hash}. No signed checkpoint yet.`)
    : cp.holds
      ? message('good', `The journal's head is sequence ${head.sequence}, hash ${head.hash}. The latest signed ` +
                `checkpoint, #${cp.id} of ${cp.at} at sequence ${cp.sequence}, holds: that entry still has the hash it signed.`)
      : message('bad', `The latest signed checkpoint, #${cp.id} of ${cp.at}, does not hold: the journal's entry ` +
                `${cp.sequence} no longer has the hash ${cp.head_hash} it signed (history was rewritten since). ` +
                `The journal's head is sequence ${head.sequence}, hash ${head.hash}.`);
  state.dataset.checkpoint = !cp ? 'none' : cp.holds ? 'holds' : 'broken';
  const chain = h('div', {'aria-live': 'polite'});
  const check = h('button', {type: 'button', class: 'secondary'}, 'Verify the whole chain');
  check.addEventListener('click', async () => {
    check.disabled = true;
    chain.replaceChildren(h('p', {}, 'Recomputing every entry\u2019s hash\u2026'));
    try {
      const v = await get('/v1/journal/verify');
      chain.replaceChildren(v.ok
        ? message('good', `The hash chain holds: ${v.entries} entries checked, head ${v.head}.`)
        : message('bad', `The hash chain is broken at sequence ${v.first_bad_sequence}: ${v.reason || 'its hash does not match'}` +
                  ` (${v.entries} entries checked; last good head ${v.head}).`));
      chain.firstChild.dataset.chain = v.ok ? 'ok' : 'broken';
    } catch (e) {
      chain.replaceChildren(message('bad', e.message));
    }
    check.disabled = false;
  });
  main.append(state, h('div', {class: 'actions'}, check,
    h('span', {}, ' recomputes every entry\u2019s hash: it takes a while on a large journal.')), chain);

  const q = params(ctx);
  const filter = {account: q.get('account') || '', from: q.get('from') || '', to: q.get('to') || ''};
  const limit = q.get('limit') || PAGE;
  const f = form('Filter the journal', [
    {name: 'account', label: 'Account (code)', value: filter.account, placeholder: '1010-EUR'},
    {name: 'from', label: 'From', type: 'date', value: filter.from},
    {name: 'to', label: 'To', type: 'date', value: filter.to},
  ], 'Show', async (val) => {
    open('journal', Object.fromEntries(Object.entries(val).filter(([, x]) => x)));
    return 'Filtered.';
  });
  main.append(f);

  const body = h('tbody', {});
  const tbl = h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Entries'},
    h('table', {class: 'journal'}, h('caption', {}, 'Entries, oldest first'),
      h('thead', {}, h('tr', {}, ['Sequence', 'Date', 'Memo', 'Postings', 'Hash'].map((c) =>
        h('th', {scope: 'col', class: c === 'Sequence' ? 'num' : null}, c)))), body));
  const posting = (p) => h('div', {class: 'posting'},
    `${p.side === 'debit' ? 'Dr' : 'Cr'} ${p.account} `, h('span', {class: 'num'}, `${money(p.amount)} ${p.currency}`));
  const p = pager(async (cursor) => {
    const r = await get(withQuery('/v1/entries', {...filter, after: cursor ?? undefined, limit}));
    return {rows: r.entries, next: r.next};
  }, (rows) => {
    for (const e of rows)
      body.append(h('tr', {'data-sequence': e.sequence},
        h('td', {class: 'num'}, String(e.sequence)),
        h('td', {}, date(e.date)),
        h('td', {}, e.memo || '', e.reverses ? h('small', {}, ` (reverses ${e.reverses})`) : null),
        h('td', {}, e.postings.map(posting)),
        h('td', {}, h('code', {class: 'hash', title: `previous ${e.prev_hash}`}, e.hash))));
  });
  main.append(tbl, p.element);
  await p.start();
  if (!body.children.length) tbl.replaceWith(h('p', {}, 'No entry matches.'));
}
