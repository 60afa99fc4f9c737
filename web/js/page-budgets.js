// page-budgets.js - the annual budget per budget line in USD: where the
// year stands as of a day (GET /v1/budgets/status?year=&as_of=: original
// and final budget, obligations open, expenditure since January 1 and the
// balance, each the API's figure), every revision with its reason (GET
// /v1/budgets?year=), and for finance the form that sets a line's budget
// (POST /v1/budgets: the first is the original, each later one a revision
// that needs a reason). The year and the day are in the URL
// (#/budgets?year=2019&as_of=2019-03-31).
import {get, post} from './api.js';
import {money, date} from './format.js';
import {h, table, form, message} from './ui.js';

export const id = 'budgets';
export const title = 'Budgets';
export const roles = ['admin', 'finance', 'auditor'];

const LINES = [['travel', 'Travel support'], ['staff', 'Staff and other personnel costs'],
  ['meetings', 'Meetings and conferences'], ['contractual', 'Contractual services'],
  ['psc', 'Programme support costs']];

export async function render(main, {has, params, go}) {
  const writer = has('admin') || has('finance');
  // without a year: the latest year with a budget, else this year
  const year = params.get('year') || String((await get('/v1/budgets')).budgets
    .reduce((y, b) => Math.max(y, b.year), 0) || new Date().getUTCFullYear());
  const asOf = params.get('as_of') || '';
  main.append(h('h1', {}, `Budgets ${year}`));
  main.append(form('As of', [
    {name: 'year', label: 'Year', required: true, value: year, inputmode: 'numeric'},
    {name: 'as_of', label: 'As of (default December 31)', type: 'date', value: asOf},
  ], 'Show', async (v) => {
    go(id, v.as_of ? {year: v.year, as_of: v.as_of} : {year: v.year});
    return `The budget of ${v.year}.`;
  }));
  if (writer) {
    main.append(form('Set a budget line', [
      {name: 'year', label: 'Year', required: true, value: year, inputmode: 'numeric'},
      {name: 'line', label: 'Budget line', type: 'select', required: true, options: LINES},
      {name: 'amount', label: 'Amount in USD (two decimals, e.g. 250000.00)', required: true, inputmode: 'decimal'},
      {name: 'reason', label: 'Reason (required for a revision)'},
    ], 'Set the budget', async (v, key) => {
      const body = {year: /^\d+$/.test(v.year) ? Number(v.year) : v.year, line: v.line, amount: v.amount};
      if (v.reason) body.reason = v.reason;
      const b = await post('/v1/budgets', body, {key});
      setTimeout(() => go(id, {year: String(b.year), ...(asOf ? {as_of: asOf} : {})}), 2500);
      return `${b.name} ${b.year}: ${money(b.amount)} ${b.currency} (revision ${b.revision}` +
             `${b.revision === 0 ? ', the original' : `, ${b.reason}`}).`;
    }));
  }
  let status;
  try {
    status = await get('/v1/budgets/status', {year, as_of: asOf});
  } catch (e) {
    if (e.status === 401) throw e;
    main.append(message('bad', e.message));
    return;
  }
  const fig = (key, v) => h('span', {'data-figure': key}, money(v));
  main.append(h('p', {class: 'asof'}, `As of ${date(status.as_of)}, in ${status.currency} at the UN operational rates.`),
    table(`Budget ${status.year} by line (USD)`, [
      {label: 'Line', value: (l) => l.name},
      {label: 'Original', num: true, value: (l) => fig(`budget-${l.line}-original`, l.original)},
      {label: 'Final', num: true, value: (l) => fig(`budget-${l.line}-final`, l.final)},
      {label: 'Obligations', num: true, value: (l) => fig(`budget-${l.line}-obligations`, l.obligations)},
      {label: 'Expenditure', num: true, value: (l) => fig(`budget-${l.line}-expenditure`, l.expenditure)},
      {label: 'Balance', num: true, value: (l) => fig(`budget-${l.line}-balance`, l.balance)},
    ], status.lines),
    h('p', {}, 'Total: final ', fig('budget-total-final', status.totals.final),
      ', obligations ', fig('budget-total-obligations', status.totals.obligations),
      ', expenditure ', fig('budget-total-expenditure', status.totals.expenditure),
      ', balance ', fig('budget-total-balance', status.totals.balance), ` ${status.currency}.`));
  const {budgets} = await get('/v1/budgets', {year});
  const revisions = budgets.flatMap((b) => b.revisions.map((r) => ({...r, name: b.name})));
  main.append(table('Revisions', [
    {label: 'Line', value: (r) => r.name},
    {label: 'Revision', num: true, value: (r) => r.revision},
    {label: 'Amount (USD)', num: true, value: (r) => money(r.amount)},
    {label: 'Reason', value: (r) => r.reason || ''},
    {label: 'Set', value: (r) => `${r.set_by}, ${date(r.set_at)}`},
  ], revisions));
}
