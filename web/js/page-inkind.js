// page-inkind.js - gifts in kind at fair value, disclosed in memo accounts
// (GET /v1/in-kind, a page at a time on the API's cursor; the URL's limit
// may set the page size), and the form to record one (POST /v1/in-kind).
import {get, post, withQuery} from './api.js';
import {money, date} from './format.js';
import {h, pagedTable, form} from './ui.js';
import {params} from './query.js';

const PAGE = 50;

export const id = 'in-kind';
export const title = 'In-kind gifts';
export const roles = ['admin', 'finance', 'auditor'];

export async function render(main, ctx) {
  const {has} = ctx;
  const limit = params(ctx).get('limit') || PAGE;
  main.append(h('h1', {}, 'In-kind gifts'));
  const list = h('div', {});
  const showList = async () => {
    const t = pagedTable('In-kind gifts', [
      {label: '#', value: (g) => g.id},
      {label: 'Donor', value: (g) => g.donor},
      {label: 'Kind', value: (g) => g.kind},
      {label: 'Description', value: (g) => g.description},
      {label: 'Period', value: (g) => `${date(g.period_start)} to ${date(g.period_end)}`},
      {label: 'Fair value', num: true, value: (g) => `${money(g.amount)} ${g.currency}`},
      {label: 'Recognised', value: (g) => g.recognised},
    ], (after) => get(withQuery('/v1/in-kind', {after: after ?? undefined, limit}))
      .then((r) => ({rows: r.in_kind, next: r.next})));
    list.replaceChildren(t.element);
    await t.start();
  };
  const {donors} = await get('/v1/donors');
  if (has('admin') || has('finance')) {
    main.append(form('Record an in-kind gift', [
      {name: 'donor', label: 'Donor', type: 'select', required: true,
       options: donors.map((d) => [d.id, `${d.name} (${d.id})`])},
      {name: 'kind', label: 'Kind', type: 'select', value: 'service',
       options: [['service', 'service'], ['goods', 'goods']]},
      {name: 'description', label: 'Description', required: true},
      {name: 'amount', label: 'Fair value', required: true, inputmode: 'decimal'},
      {name: 'currency', label: 'Currency (ISO 4217)', required: true, placeholder: 'USD'},
      {name: 'period_start', label: 'From', type: 'date', required: true},
      {name: 'period_end', label: 'To', type: 'date', required: true},
    ], 'Record the gift', async (v, key) => {
      const g = await post('/v1/in-kind', {...v, currency: v.currency.toUpperCase()}, {key});
      await showList();
      return `In-kind gift #${g.id} recorded: ${money(g.amount)} ${g.currency}.`;
    }));
  }
  main.append(list);
  await showList();
}
