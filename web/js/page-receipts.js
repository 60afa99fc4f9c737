// page-receipts.js - money received against signed pledges (GET
// /v1/receipts, a page at a time on the API's cursor; the URL's limit may
// set the page size) and the form to record a receipt (POST /v1/receipts)
// against any pledge still open (all pages of GET /v1/pledges).
import {get, getAll, post, withQuery} from './api.js';
import {money, date, today} from './format.js';
import {h, pagedTable, form} from './ui.js';
import {params} from './query.js';

const PAGE = 50;

export const id = 'receipts';
export const title = 'Receipts';
export const roles = ['admin', 'finance', 'auditor'];

export async function render(main, ctx) {
  const {has} = ctx;
  const limit = params(ctx).get('limit') || PAGE;
  main.append(h('h1', {}, 'Receipts'));
  const list = h('div', {});
  const showList = async () => {
    const t = pagedTable('Receipts', [
      {label: '#', value: (r) => r.id},
      {label: 'Date', value: (r) => date(r.date)},
      {label: 'Donor', value: (r) => r.donor},
      {label: 'Pledge', value: (r) => `#${r.pledge}`},
      {label: 'Bank account', value: (r) => r.bank_account},
      {label: 'Amount', num: true, value: (r) => `${money(r.amount)} ${r.currency}`},
      {label: 'Charges', num: true, value: (r) => money(r.charges)},
      {label: 'USD', num: true, value: (r) => `${money(r.usd.amount)} (${r.usd.usd_per_unit}, ${r.usd.month})`},
      {label: 'Bank line', value: (r) => r.bank_line || ''},
    ], (after) => get(withQuery('/v1/receipts', {after: after ?? undefined, limit}))
      .then((r) => ({rows: r.receipts, next: r.next})));
    list.replaceChildren(t.element);
    await t.start();
  };
  const pledges = await getAll('/v1/pledges', 'pledges');
  const open = pledges.filter((p) => p.status !== 'indicative' && !/^0(\.0+)?$/.test(p.open));
  if (has('admin') || has('finance')) {
    main.append(form('Record a receipt', [
      {name: 'pledge', label: 'Pledge', type: 'select', required: true,
       options: open.map((p) => [String(p.id), `#${p.id} ${p.donor}: ${money(p.open)} ${p.currency} open`])},
      {name: 'date', label: 'Date received', type: 'date', required: true, value: today()},
      {name: 'bank_account', label: 'Bank account', required: true, placeholder: '1010-EUR'},
      {name: 'amount', label: 'Amount received (the bank account\u2019s currency)', required: true, inputmode: 'decimal'},
      {name: 'charges', label: 'Bank charges (optional)', inputmode: 'decimal'},
    ], 'Record the receipt', async (v, key) => {
      const body = {pledge: Number(v.pledge), date: v.date, bank_account: v.bank_account, amount: v.amount};
      if (v.charges) body.charges = v.charges;
      const r = await post('/v1/receipts', body, {key});
      await showList();
      return `Receipt #${r.id} recorded: ${money(r.amount)} ${r.currency} against pledge #${r.pledge}.`;
    }));
  }
  main.append(list);
  await showList();
}
