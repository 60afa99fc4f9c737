// page-rates.js - the UN operational rates of exchange (USD per unit of a
// currency, one per month) that every USD figure, the month-end
// revaluation and PSC read: upload the month's CSV as the UN publishes it
// (POST /v1/rates, all or nothing; a bad line is named by its line and
// column), the stored rates (GET /v1/rates, ?month= in the URL narrows
// them), correct a rate with a reason (POST /v1/rates/corrections, which
// revalues the months it touches again) and every correction made.
import {ApiError, call, get, post, withQuery} from './api.js';
import {date} from './format.js';
import {h, table, form, message} from './ui.js';

export const id = 'rates';
export const title = 'Rates';
export const roles = ['admin', 'finance', 'auditor'];

// "x.csv:3: column 3 (usd_per_unit): rate ..." -> "Line 3 of x.csv, column
// usd_per_unit: rate ...", so the person finds the row in their file.
function rowError(e) {
  const m = /^(.*?):(\d+): column \d+ \(([a-z_]+)\): (.*)$/s.exec(e.message || '');
  if (!(e instanceof ApiError) || !m) return e;
  return new Error(`Line ${m[2]} of ${m[1]}, column ${m[3]}: ${m[4]}`);
}

export async function render(main, {has, params}) {
  const writer = has('admin') || has('finance');
  const month = params.get('month') || '';
  main.append(h('h1', {}, 'UN operational rates of exchange'));
  const list = h('div', {});
  const corrections = h('div', {});
  const showList = async () => {
    const {rates} = await get('/v1/rates');
    const shown = rates.filter((r) => !month || r.month === month)
      .sort((a, b) => b.month.localeCompare(a.month) || a.currency.localeCompare(b.currency));
    list.replaceChildren(
      h('p', {class: 'asof'}, month ? `The rates of ${month}; ` : 'Every stored rate, the latest month first; ',
        h('a', {href: month ? '#/rates' : `#/rates?month=${shown.length ? shown[0].month : ''}`},
          month ? 'show every month' : 'show the latest month only'), '.'),
      table(month ? `Rates of ${month}` : 'Rates', [
        {label: 'Month', value: (r) => r.month},
        {label: 'Currency', value: (r) => r.currency},
        {label: 'USD per unit', num: true, value: (r) =>
          h('span', {'data-figure': `rate-${r.currency}-${r.month}`}, r.usd_per_unit)},
      ], shown));
    const {corrections: cs} = await get('/v1/rates/corrections');
    corrections.replaceChildren(table('Corrections, the latest first', [
      {label: 'Currency', value: (c) => c.currency},
      {label: 'Month', value: (c) => c.month},
      {label: 'Was', num: true, value: (c) => c.old},
      {label: 'Now', num: true, value: (c) => c.new},
      {label: 'Reason', value: (c) => c.reason},
      {label: 'By', value: (c) => `${c.corrected_by}, ${date(c.corrected_at)}`},
    ], cs));
  };
  if (writer) {
    main.append(form('Upload a month\u2019s UN rates (CSV)', [
      {name: 'file', label: 'Rates file (CSV: currency, month, usd_per_unit)', type: 'file', required: true,
       accept: '.csv,text/csv',
       help: 'The whole file is refused if one line is wrong; the line and column are named.'},
    ], 'Upload', async (v, key) => {
      if (!v.file) throw new Error('file: choose a CSV file of rates');
      let r;
      try {
        r = await call('POST', withQuery('/v1/rates', {file: v.file.name}),
                       {body: await v.file.text(), type: 'text/csv', key});
      } catch (e) { throw rowError(e); }
      await showList();
      return `${r.file}: ${r.stored} rates stored, ${r.unchanged} stored before with the same value.`;
    }));
    main.append(form('Correct a rate', [
      {name: 'currency', label: 'Currency (ISO 4217)', required: true, placeholder: 'EUR'},
      {name: 'month', label: 'Month (YYYY-MM)', required: true, placeholder: '2019-02', value: month},
      {name: 'usd_per_unit', label: 'USD per unit, as the UN publishes it', required: true, inputmode: 'decimal'},
      {name: 'reason', label: 'Reason', required: true},
    ], 'Correct the rate', async (v, key) => {
      const body = {currency: v.currency.toUpperCase(), month: v.month, usd_per_unit: v.usd_per_unit};
      if (v.reason) body.reason = v.reason;
      const c = await post('/v1/rates/corrections', body, {key});
      await showList();
      const again = (c.revaluations || []).map((r) => `${r.month} ${r.status} (${r.amount} USD)`);
      return `${c.currency} ${c.month} corrected from ${c.old} to ${c.new} USD per unit` +
             (again.length ? `; revalued again: ${again.join(', ')}.` : '.');
    }));
  } else {
    main.append(message('good', 'You may read the rates; uploading and correcting them is finance\u2019s.'));
  }
  main.append(list, h('h2', {}, 'Rates corrected'), corrections);
  await showList();
}
