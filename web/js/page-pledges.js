// page-pledges.js - every pledge with what receipts settled and what is
// open (GET /v1/pledges), and the form to record one (POST /v1/pledges):
// with an agreement number it is signed at once, else indicative; and
// the form to sign an indicative pledge once its agreement is signed (POST
// /v1/pledges/{id}/sign: the receivable and the revenue are posted then).
// The list is a page at a time on the API's cursor (the URL's limit,
// 1-1000, may set another page size than PAGE).
import {get, getAll, post, withQuery} from './api.js';
import {money, date, today} from './format.js';
import {h, pagedTable, form} from './ui.js';
import {params} from './query.js';
import {entryText} from './entry.js';

const PAGE = 50;

export const id = 'pledges';
export const title = 'Pledges';
export const roles = ['admin', 'finance', 'auditor'];

export async function render(main, ctx) {
  const {has} = ctx;
  const limit = params(ctx).get('limit') || PAGE;
  main.append(h('h1', {}, 'Pledges'));
  const list = h('div', {});
  const showList = async () => {
    const t = pagedTable('Pledges', [
      {label: '#', value: (p) => p.id},
      {label: 'Donor', value: (p) => p.donor},
      {label: 'Date', value: (p) => date(p.date)},
      {label: 'Status', value: (p) => p.status},
      {label: 'Earmark', value: (p) => p.earmark},
      {label: 'Agreement', value: (p) => p.agreement || ''},
      {label: 'Amount', num: true, value: (p) => `${money(p.amount)} ${p.currency}`},
      {label: 'Received', num: true, value: (p) => money(p.settled)},
      {label: 'Open', num: true, value: (p) => money(p.open)},
    ], (after) => get(withQuery('/v1/pledges', {after: after ?? undefined, limit}))
      .then((r) => ({rows: r.pledges, next: r.next})));
    list.replaceChildren(t.element);
    await t.start();
  };
  const {donors} = await get('/v1/donors');
  if (has('admin') || has('finance')) {
    main.append(form('Record a pledge', [
      {name: 'donor', label: 'Donor', type: 'select', required: true,
       options: donors.map((d) => [d.id, `${d.name} (${d.id})`])},
      {name: 'date', label: 'Date pledged', type: 'date', required: true, value: today()},
      {name: 'amount', label: 'Amount (the currency\u2019s digits, e.g. 25000.00)', required: true, inputmode: 'decimal'},
      {name: 'currency', label: 'Currency (ISO 4217)', required: true, placeholder: 'EUR'},
      {name: 'earmark', label: 'Earmark', type: 'select', value: 'none',
       options: [['none', 'none'], ['travel', 'travel support']]},
      {name: 'agreement', label: 'Agreement number (signed pledges)', placeholder: 'IGF-TF-2019-06'},
      {name: 'signed_on', label: 'Signed on', type: 'date'},
    ], 'Record the pledge', async (v, key) => {
      const body = {donor: v.donor, date: v.date, amount: v.amount, currency: v.currency.toUpperCase(),
                    earmark: v.earmark};
      if (v.agreement) body.agreement = v.agreement;
      if (v.signed_on) body.signed_on = v.signed_on;
      const p = await post('/v1/pledges', body, {key});
      await showList();
      await signable();
      return `Pledge #${p.id} recorded: ${money(p.amount)} ${p.currency} from ${p.donor} (${p.status}).`;
    }));
    // the indicative pledges, offered in the signing form's list
    let signable = async () => {};
    const sign = form('Sign an indicative pledge', [
      {name: 'pledge', label: 'Indicative pledge', type: 'select', required: true, options: []},
      {name: 'agreement', label: 'Agreement number', required: true, placeholder: 'IGF-TF-2019-08'},
      {name: 'date', label: 'Signed on', type: 'date', required: true, value: today()},
      {name: 'amount', label: 'Amount signed, if not the amount pledged', inputmode: 'decimal'},
    ], 'Sign the pledge', async (v, key) => {
      if (!v.pledge) throw new Error('pledge: no indicative pledge to sign');
      const body = {agreement: v.agreement, date: v.date};
      if (v.amount) body.amount = v.amount;
      const p = await post(`/v1/pledges/${encodeURIComponent(v.pledge)}/sign`, body, {key});
      await showList();
      await signable();
      return `Pledge #${p.id} signed: agreement ${p.agreement}, ${money(p.amount)} ${p.currency} from ${p.donor}, ` +
             `${await entryText(p.entry_id)}.`;
    });
    const select = sign.querySelector('select[name=pledge]');
    signable = async () => {
      const pledges = await getAll('/v1/pledges', 'pledges');
      select.replaceChildren(...pledges.filter((p) => p.status === 'indicative').map((p) =>
        h('option', {value: String(p.id)}, `#${p.id} ${p.donor}: ${money(p.amount)} ${p.currency} (${date(p.date)})`)));
    };
    await signable();
    main.append(sign);
  }
  main.append(list);
  await showList();
}
