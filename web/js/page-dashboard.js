// page-dashboard.js - the fund's position as of a day, as charts and as
// tables with the same figures: cash by currency and in USD (the
// financial-position report's cash line), pledged against received per
// pledge and given per donor in USD, what is available by source and for
// travel, and the year's budget against obligations and expenditure.
// Every figure is the API's string; totals are the API's too.
import {get, getAll} from './api.js';
import {money, today, chartValue} from './format.js';
import {h, table, chart, message, dateInput} from './ui.js';

export const id = 'dashboard';
export const title = 'Dashboard';
export const roles = ['admin', 'finance', 'auditor'];

// A table cell with the figure marked for the browser tests: data-figure=name.
const fig = (name, amount) => h('span', {'data-figure': name}, money(amount));

// Cash per bank account from the signed financial-position report (XML):
// [{account, currency, amount, usd, rate, month}], total usd.
async function cashPosition(year, asOf) {
  const xml = await get(`/v1/reports/financial-position`, {from: `${year}-01-01`, to: asOf});
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const line = [...doc.getElementsByTagName('line')].find((l) => l.getAttribute('id') === 'cash');
  if (!line) return {rows: [], total: '0.00'};
  const rows = [...line.getElementsByTagName('account')].map((a) => {
    const amount = a.getElementsByTagName('amount')[0];
    const usd = a.getElementsByTagName('usd')[0];
    return {account: a.getAttribute('code'), currency: amount.getAttribute('currency'),
            amount: amount.textContent, usd: usd.textContent, rate: usd.getAttribute('rate'),
            month: usd.getAttribute('rate-month')};
  });
  const total = line.getElementsByTagName('total-usd')[0];
  return {rows, total: total ? total.textContent : null};
}

// A section whose figures failed to load says why in words and the rest of the page stays.
async function section(box, heading, build) {
  const s = h('section', {class: 'card', 'aria-labelledby': `h-${heading.replace(/\W+/g, '-')}`},
              h('h2', {id: `h-${heading.replace(/\W+/g, '-')}`}, heading));
  box.append(s);
  try {
    s.append(...await build());
  } catch (e) {
    if (e.status === 401) throw e;
    s.append(message('bad', e.message));
  }
}

// The default day: today, or the last day of the latest month with UN
// rates when that is earlier (figures in USD need the month's rates).
async function defaultAsOf() {
  const {rates} = await get('/v1/rates');
  const month = rates.reduce((m, r) => (r.month > m ? r.month : m), '');
  if (!month) return today();
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return last < today() ? last : today();
}

export async function render(main, {params, go}) {
  const asOf = params.get('as_of') || await defaultAsOf();
  const year = asOf.slice(0, 4);
  const pick = h('form', {class: 'asof-form', 'aria-label': 'As of'},
    h('div', {class: 'field'}, h('label', {for: 'dash-asof'}, 'As of'),
      dateInput({id: 'dash-asof', required: true}, asOf)),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show')));
  pick.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(id, {as_of: pick.querySelector('input').value});
  });
  main.append(h('h1', {}, 'The fund\u2019s position'),
              h('p', {class: 'asof'}, `As of ${asOf}; amounts in their own currency and in USD at the UN operational rate of the month.`),
              pick);
  const grid = h('div', {class: 'grid'});
  main.append(grid);

  await Promise.all([
    section(grid, 'Cash by currency', async () => {
      const cash = await cashPosition(year, asOf);
      return [
        chart('Cash in USD by bank account', 'bar', cash.rows.map((r) => r.account),
              [{label: 'USD', data: cash.rows.map((r) => chartValue(r.usd))}]),
        table('Cash and cash equivalents', [
          {label: 'Account', value: (r) => r.account},
          {label: 'Amount', num: true, value: (r) => [fig(`cash-${r.account}`, r.amount), ` ${r.currency}`]},
          {label: 'UN rate', num: true, value: (r) => `${r.rate} (${r.month})`},
          {label: 'USD', num: true, value: (r) => fig(`cash-usd-${r.account}`, r.usd)},
        ], cash.rows),
        cash.total ? h('p', {}, 'Total in USD: ', h('strong', {}, fig('cash-total-usd', cash.total))) : null,
      ];
    }),
    section(grid, 'Pledged and received', async () => {
      const pledges = await getAll('/v1/pledges', 'pledges');
      const label = (p) => `${p.donor} #${p.id} (${p.currency})`;
      return [
        chart('Pledged against received, per pledge', 'bar', pledges.map(label), [
          {label: 'Pledged', data: pledges.map((p) => chartValue(p.amount))},
          {label: 'Received', data: pledges.map((p) => chartValue(p.settled))},
        ]),
        table('Pledges', [
          {label: 'Donor', value: (p) => p.donor},
          {label: 'Pledge', value: (p) => `#${p.id} ${p.status}`},
          {label: 'Pledged', num: true, value: (p) => [fig(`pledged-${p.id}`, p.amount), ` ${p.currency}`]},
          {label: 'Received', num: true, value: (p) => fig(`received-${p.id}`, p.settled)},
          {label: 'Open', num: true, value: (p) => fig(`open-${p.id}`, p.open)},
        ], pledges),
      ];
    }),
    section(grid, 'Given per donor', async () => {
      const {donors} = await get('/v1/donors');
      return [
        chart('Given per donor in USD', 'bar', donors.map((d) => d.id),
              [{label: 'USD', data: donors.map((d) => chartValue(d.given_usd))}]),
        table('Donors by what they gave (USD at the UN rate of each receipt\u2019s month)', [
          {label: 'Donor', value: (d) => d.name},
          {label: 'Given (USD)', num: true, value: (d) => fig(`given-${d.id}`, d.given_usd)},
        ], donors),
      ];
    }),
    section(grid, 'Available for travel', async () => {
      const t = await get('/v1/funds/travel-available', {as_of: asOf});
      return [
        table('Travel funds by currency', [
          {label: 'Currency', value: (c) => c.currency},
          {label: 'Funds', num: true, value: (c) => fig(`travel-funds-${c.currency}`, c.funds)},
          {label: 'Obligations', num: true, value: (c) => money(c.obligations)},
          {label: 'Spent', num: true, value: (c) => money(c.spent)},
          {label: 'Available', num: true, value: (c) => fig(`travel-available-${c.currency}`, c.available)},
          {label: 'USD', num: true, value: (c) => money(c.usd.amount)},
        ], t.currencies),
        h('p', {}, 'Available for travel in USD: ', h('strong', {}, fig('travel-available-usd', t.available_usd))),
      ];
    }),
    section(grid, 'Available by source', async () => {
      const a = await get('/v1/funds/available', {as_of: asOf});
      return [
        table(`Sources (UN rate of ${a.month})`, [
          {label: 'Source', value: (s) => `${s.currency} ${s.earmark === 'travel' ? 'travel earmark' : 'unearmarked'}`},
          {label: 'Cash', num: true, value: (s) => money(s.cash)},
          {label: 'Available', num: true, value: (s) => money(s.available)},
          {label: 'Available (USD)', num: true, value: (s) => money(s.usd.amount)},
        ], a.sources),
        h('p', {}, 'Available in USD: ', h('strong', {}, fig('available-usd', a.available_usd))),
      ];
    }),
    section(grid, `Budget ${year}`, async () => {
      const b = await get('/v1/budgets/status', {year, as_of: asOf});
      if (!b.lines.length) return [h('p', {}, `No budget is set for ${year}.`)];
      return [
        chart(`Budget ${year} against obligations and expenditure (USD)`, 'bar', b.lines.map((l) => l.name), [
          {label: 'Budget', data: b.lines.map((l) => chartValue(l.final))},
          {label: 'Obligations', data: b.lines.map((l) => chartValue(l.obligations))},
          {label: 'Expenditure', data: b.lines.map((l) => chartValue(l.expenditure))},
        ]),
        table(`Budget lines (USD) as of ${b.as_of}`, [
          {label: 'Line', value: (l) => l.name},
          {label: 'Budget', num: true, value: (l) => fig(`budget-${l.line}`, l.final)},
          {label: 'Obligations', num: true, value: (l) => fig(`obligations-${l.line}`, l.obligations)},
          {label: 'Expenditure', num: true, value: (l) => fig(`expenditure-${l.line}`, l.expenditure)},
          {label: 'Balance', num: true, value: (l) => fig(`balance-${l.line}`, l.balance)},
        ], [...b.lines, {...b.totals, name: 'Total', line: 'total'}]),
      ];
    }),
  ]);
}
