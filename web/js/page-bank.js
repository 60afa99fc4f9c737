// page-bank.js - the bank: upload a statement (camt.053/052/054 or MT940,
// POST /v1/bank-statements), pick a linked bank account, reconcile it
// (POST /v1/reconcile), work its queue a page at a time on the API's
// cursor (GET /v1/reconcile/queue: confirm or reject a candidate, or record
// the entry a line is), and read the reconciliation statement: the bank's
// closing balance against the ledger's and every item that explains the
// difference (GET /v1/reconcile), as GnuCash and ERPNext show it.
import {call, get, post, withQuery} from './api.js';
import {money, date} from './format.js';
import {h, table, form, message, pager} from './ui.js';

export const id = 'bank';
export const title = 'Bank';
export const roles = ['admin', 'finance', 'auditor'];

const QUEUE_PAGE = 20;

// The statement's groups, in the order they explain the difference.
const GROUPS = [
  ['receipts_in_transit', 'Receipts in the ledger, not yet on the statement'],
  ['outstanding_payments', 'Payments in the ledger, not yet on the statement'],
  ['bank_credits_not_in_ledger', 'Credits on the statement, not in the ledger'],
  ['bank_debits_not_in_ledger', 'Debits on the statement, not in the ledger'],
  ['statement_gaps', 'Gaps between statements'],
  ['amount_differences', 'Matched with a different amount'],
];

function statementView(st) {
  if (!st) return h('p', {}, 'No statement of this account has a closing balance yet.');
  const row = (label, value, fig) => h('tr', {}, h('th', {scope: 'row'}, label),
    h('td', {class: 'num'}, h('span', {'data-figure': fig}, `${money(value)} ${st.currency}`)));
  return h('div', {},
    h('p', {class: 'asof'}, `Statement ${st.statement}, closing ${date(st.closing_date)}`),
    h('div', {class: 'scroll'}, h('table', {}, h('caption', {}, 'The difference explained'), h('tbody', {},
      row('Bank closing balance', st.bank_closing, 'bank-closing'),
      row('Ledger balance', st.ledger_balance, 'ledger-balance'),
      row('Difference (bank minus ledger)', st.difference, 'difference'),
      GROUPS.filter(([k]) => st[k] && st[k].items.length).map(([k, label]) =>
        row(`${label} (${st[k].items.length})`, st[k].effect, `effect-${k}`)),
      row('Explained', st.explained, 'explained'),
      row('Unexplained', st.unexplained, 'unexplained')))),
    GROUPS.filter(([k]) => st[k] && st[k].items.length).map(([k, label]) =>
      table(label, [
        {label: 'Date', value: (i) => date(i.date)},
        {label: 'Bank line / entry', value: (i) => i.bank_line ? `line ${i.bank_line}` : `${i.entry}/${i.line}`},
        {label: 'Who / what', value: (i) => i.party || i.memo || ''},
        {label: 'Amount', num: true, value: (i) => money(i.amount)},
      ], st[k].items)));
}

export async function render(main, {has, params, go}) {
  const writer = has('admin') || has('finance');
  main.append(h('h1', {}, 'Bank statements and reconciliation'));
  const {links} = await get('/v1/bank-accounts/links');
  const chosen = links.find((l) => l.account === params.get('bank_account') &&
                                   l.iban === params.get('statement_account')) || links[0];
  if (writer) {
    main.append(form('Upload a bank statement', [
      {name: 'file', label: 'Statement file (camt.053, camt.052, camt.054 or MT940)', type: 'file',
       required: true, accept: '.xml,.txt,.sta,.940,.mt940'},
    ], 'Upload', async (v, key) => {
      if (!v.file) throw new Error('file: choose a statement file');
      const text = await v.file.text();
      const type = text.trimStart().startsWith('<') ? 'application/xml' : 'text/plain';
      const r = await call('POST', withQuery('/v1/bank-statements', {file: v.file.name}),
                           {body: text, type, key});
      if (chosen) await refresh(); // the queue and statement with the new lines
      return `${v.file.name}: ${r.format} ${r.version || ''}, ${r.lines} lines read, ${r.new} new, ` +
             `${r.duplicates} stored before` + (r.warnings ? `, ${r.warnings} deviations tolerated` : '') + '.';
    }));
    main.append(form('Link a statement account to a bank account', [
      {name: 'iban', label: 'IBAN or the bank\u2019s account id', required: true},
      {name: 'account', label: 'Bank account of the ledger', required: true, placeholder: '1010-EUR'},
    ], 'Link', async (v, key) => {
      const l = await post('/v1/bank-accounts/links', v, {key});
      setTimeout(() => go(id, {bank_account: l.account, statement_account: l.iban}), 1500);
      return `${l.iban} is linked to ${l.account}.`;
    }));
  }
  if (!chosen) {
    main.append(h('p', {}, 'No statement account is linked to a bank account yet.'));
    return;
  }
  const pick = h('select', {id: 'bank-pick'}, links.map((l) =>
    h('option', {value: `${l.account}|${l.iban}`, selected: l === chosen}, `${l.account} (${l.iban})`)));
  pick.addEventListener('change', () => {
    const [account, iban] = pick.value.split('|');
    go(id, {bank_account: account, statement_account: iban});
  });
  const acct = {bank_account: chosen.account, statement_account: chosen.iban};
  const status = h('div', {'aria-live': 'polite'});
  const bar = h('div', {class: 'actions'}, h('div', {class: 'field'},
    h('label', {for: 'bank-pick'}, 'Bank account'), pick));
  if (writer) {
    const run = h('button', {type: 'button'}, 'Reconcile now');
    run.addEventListener('click', async () => {
      status.replaceChildren();
      try {
        const r = await post('/v1/reconcile', acct);
        status.append(message('good', `Reconciled: ${r.matched.length} matched, ${r.suggested.length} suggested, ` +
                                      `${r.unmatched.length} unmatched.`));
        await refresh();
      } catch (e) { status.append(message('bad', e.message)); }
    });
    bar.append(run);
  }
  const queue = h('section', {'aria-labelledby': 'h-queue'});
  const statement = h('section', {'aria-labelledby': 'h-statement'});
  main.append(bar, status, queue, statement);

  const lineView = (l) => {
    const canAct = writer && !l.locked;
    const act = (path, body, done) => async () => {
      status.replaceChildren();
      try {
        await post(path, body);
        status.append(message('good', done));
        await refresh();
      } catch (e) { status.append(message('bad', e.message)); }
    };
    const cands = l.candidates.map((c) => h('li', {'data-candidate': c.candidate},
      `${c.kind === 'pledge' ? `pledge #${c.pledge} ${c.donor || ''} (${c.agreement || 'no agreement'})` : `entry ${c.entry}/${c.line} ${c.memo || ''}`}: `,
      `${money(c.amount)} ${c.currency}; score ${c.score}${c.sure ? ', sure' : ''}; ${c.why}`,
      canAct ? [' ', h('button', {type: 'button', onclick: act('/v1/reconcile/confirm',
        {bank_line: l.bank_line, candidate: c.candidate, bank_account: acct.bank_account},
        `Bank line ${l.bank_line} matched to ${c.candidate}.`)}, 'Confirm'),
       ' ', h('button', {type: 'button', class: 'secondary', onclick: act('/v1/reconcile/reject',
        {bank_line: l.bank_line, candidate: c.candidate, bank_account: acct.bank_account},
        `${c.candidate} will not be offered for bank line ${l.bank_line} again.`)}, 'Reject')] : null));
    const record = canAct ? h('details', {}, h('summary', {}, 'Record the entry this line is'),
      form(`Record bank line ${l.bank_line}`, [
        {name: 'kind', label: 'Kind', type: 'select', value: l.side === 'credit' ? 'receipt' : 'charge',
         options: (l.side === 'credit' ? ['receipt', 'interest'] : ['charge', 'payment']).map((k) => [k, k])},
        {name: 'pledge', label: 'Pledge number (a receipt)', inputmode: 'numeric'},
        {name: 'account', label: 'Expense account (a payment)', placeholder: `5200-${l.currency}`},
        {name: 'memo', label: 'Memo'},
      ], 'Record', async (v, key) => {
        const body = {bank_line: l.bank_line, kind: v.kind, bank_account: acct.bank_account};
        if (v.pledge) body.pledge = Number(v.pledge);
        if (v.account) body.account = v.account;
        if (v.memo) body.memo = v.memo;
        const r = await post('/v1/reconcile/record', body, {key});
        setTimeout(refresh, 1500);
        return `Bank line ${r.bank_line} recorded as ${r.kind} (entry ${r.entry}).`;
      })) : null;
    return h('li', {class: 'card', 'data-bank-line': l.bank_line},
      h('strong', {}, `${date(l.date)} ${l.side} ${money(l.amount)} ${l.currency}`),
      ` ${l.party || ''}: ${l.text || ''} (ref ${l.bank_ref || '-'}, ${l.status}${l.locked ? ', locked by a sign-off' : ''})`,
      cands.length ? h('ul', {}, cands) : h('p', {}, 'No candidate in the ledger.'), record);
  };

  // The API's refusal shown in its section: before any statement of the
  // account is imported the queue and the statement say so (in words).
  const said = (e) => {
    if (e.status === 401) throw e;
    return e.status === 422 || e.status === 404 ? h('p', {}, e.message) : message('bad', e.message);
  };

  async function refresh() {
    const list = h('ul', {class: 'queue'});
    const p = pager(async (after) => {
      const q = await get('/v1/reconcile/queue', {...acct, after, limit: QUEUE_PAGE});
      return {rows: q.lines, next: q.next};
    }, (rows) => list.append(...rows.map(lineView)));
    queue.replaceChildren(h('h2', {id: 'h-queue'}, 'Work queue: lines not matched yet'), list, p.element);
    try {
      await p.start();
      if (!list.children.length) list.replaceWith(h('p', {}, 'Every bank line is matched or explained.'));
    } catch (e) { list.replaceWith(said(e)); }
    let view;
    try {
      view = statementView((await get('/v1/reconcile', acct)).statement);
    } catch (e) { view = said(e); }
    statement.replaceChildren(h('h2', {id: 'h-statement'}, 'Reconciliation statement'), view);
  }
  await refresh();
}
