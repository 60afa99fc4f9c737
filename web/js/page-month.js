// page-month.js - finance's month-end, one month at a time (the month in
// the URL, #/month-end?month=2019-02): what blocks its close in words (GET
// /v1/periods), then the steps that clear each item, in order -
// revalue at the UN rates (GET /v1/revaluations/{month}, POST
// /v1/revaluations), charge programme support costs (POST
// /v1/periods/{month}/psc), sign off each bank account's reconciliation
// (GET/POST /v1/reconcile/signoffs; an admin reopens one with a reason) -
// and the close itself, with a reason for each item still open
// (acknowledge; docs/controls.md "Closing months and the year"); the
// year-end close last. Each step says what it did with the API's figures
// and the journal entry it posted. Nothing here adds up money: every
// figure is the API's.
import {get, post} from './api.js';
import {money, moneyIn, date} from './format.js';
import {h, table, form, message} from './ui.js';
import {entryText} from './entry.js';

export const id = 'month-end';
export const title = 'Month-end';
export const roles = ['admin', 'finance', 'auditor'];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

// "2019-02" -> "February 2019"
function monthName(m) {
  const [y, mo] = m.split('-');
  return `${MONTHS[Number(mo) - 1]} ${y}`;
}

// The last day of "2019-02" as YYYY-MM-DD.
function lastDay(m) {
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo, 0)).toISOString().slice(0, 10);
}

// A rate as the API writes it ("0.13") as a percentage ("13%"), moving the
// decimal point in the string: never through a float.
function percent(rate) {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(rate || '');
  if (!m) return `${rate} x`;
  const frac = (m[2] || '').padEnd(2, '0');
  const whole = (m[1] + frac.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const rest = frac.slice(2).replace(/0+$/, '');
  return `${whole}${rest ? '.' + rest : ''}%`;
}

// A form closing a month or a year: one reason field per open item (an
// item left without a reason is not acknowledged: the API then names it).
// post(acknowledge) returns a promise of the sentence to show.
function closeForm(title, items, submitLabel, send) {
  const fields = items.map((it, i) => ({name: `ack-${i}`, label: `Reason to close with ${it.item} open`,
                                        help: it.what}));
  const el = form(title, fields, submitLabel, async (v, key) => {
    const acknowledge = items.map((it, i) => ({item: it.item, reason: v[`ack-${i}`]}))
      .filter((a) => a.reason);
    return send(acknowledge.length ? {acknowledge} : {}, key);
  });
  el.classList.add('close');
  return el;
}

export async function render(main, {has, params, go}) {
  const writer = has('admin') || has('finance');
  const {periods} = await get('/v1/periods');
  const open = periods.filter((p) => p.status === 'open');
  const month = params.get('month') || (open[0] || periods[periods.length - 1] || {}).month;
  main.append(h('h1', {}, 'Month-end'));
  if (!month) {
    main.append(h('p', {}, 'No month has entries yet.'));
    return;
  }
  const period = periods.find((p) => p.month === month) ||
    {month, status: 'open', ready: true, open_items: [], events: []};
  const pick = h('select', {id: 'month-pick'}, periods.map((p) =>
    h('option', {value: p.month, selected: p.month === month}, `${p.month} (${p.status})`)));
  pick.addEventListener('change', () => go(id, {month: pick.value}));
  main.append(h('div', {class: 'picker field'}, h('label', {for: 'month-pick'}, 'Month'), pick));

  // what blocks the close
  const closed = period.status === 'closed';
  main.append(h('h2', {}, `${monthName(month)}: ${closed ? 'closed' : 'open'}`));
  if (closed) {
    main.append(h('p', {}, `Closed by ${period.closed_by}, ${date(period.closed_at)}.`));
  } else if (period.open_items.length === 0) {
    main.append(message('good', `Nothing blocks the close of ${month}.`));
  } else {
    main.append(h('p', {}, `What blocks the close of ${month}:`),
      h('ul', {class: 'items'}, period.open_items.map((i) =>
        h('li', {'data-item': i.item}, h('strong', {}, i.item), `: ${i.what}`))));
  }

  // 1. revaluation
  const check = await get(`/v1/revaluations/${encodeURIComponent(month)}`);
  const yesNo = (b) => (b ? 'yes' : 'no');
  main.append(h('h2', {}, '1. Revaluation at the UN rates'),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Needed'), h('dd', {}, yesNo(check.needed)),
      h('dt', {}, 'R(m) now'), h('dd', {}, check.computed === null
        ? `not computable: no rate for ${check.missing_rates.map((r) => `${r.currency} ${r.month}`).join(', ')}`
        : h('span', {'data-figure': 'reval-computed'}, moneyIn(check.computed, 'USD'))),
      h('dt', {}, 'Posted'), h('dd', {}, check.posted === null ? 'none'
        : h('span', {'data-figure': 'reval-posted'}, moneyIn(check.posted, 'USD'))),
      h('dt', {}, 'Current'), h('dd', {}, h('span', {'data-figure': 'reval-current'}, yesNo(check.current)))));
  if (writer && !closed) {
    main.append(form(`Revalue ${month}`, [], `Revalue ${month}`, async (v, key) => {
      const r = await post('/v1/revaluations', {month}, {key});
      const amount = r.amount.startsWith('-') ? r.amount.slice(1) : r.amount;
      const kind = r.amount.startsWith('-') ? 'loss' : 'gain';
      const what = r.status === 'unchanged' ? 'nothing to post again (unchanged)' : r.status;
      let said = `${monthName(r.month)} revalued: ${kind} ${money(amount)} USD, ${what}; ` +
        `net monetary assets ${money(r.na)} USD (${money(r.na_before)} USD the month before), ` +
        `surplus ${money(r.surplus)} USD`;
      if (r.entry_id) said += `; ${await entryText(r.entry_id)}`;
      if (r.reversed_entry_id) said += `; ${await entryText(r.reversed_entry_id)} reversed`;
      return said + '.';
    }));
  }

  // 2. programme support costs
  main.append(h('h2', {}, '2. Programme support costs'));
  if (writer && !closed) {
    main.append(form(`Charge the programme support costs of ${month}`, [],
      'Charge programme support costs', async (v, key) => {
        const r = await post(`/v1/periods/${encodeURIComponent(month)}/psc`, undefined, {key});
        const pct = percent(r.rate);
        let said = `${r.month} programme support costs: ${pct} of ${money(r.base)} USD = ` +
          `${money(r.amount)} USD ${r.changed ? 'charged' : 'charged before, unchanged'}`;
        if (r.entry_id) said += `; ${await entryText(r.entry_id)}`;
        const base = r.accounts.map((a) => `${a.account} ${moneyIn(a.movement, a.currency)} = ${money(a.usd)} USD`);
        return said + (base.length ? ` (base: ${base.join('; ')}).` : '.');
      }));
  } else {
    main.append(h('p', {}, 'The month\u2019s charge is posted to 5800-USD / 2300-USD on its last day.'));
  }

  // 3. reconciliation sign-offs
  main.append(h('h2', {}, '3. Bank reconciliations signed off'));
  const {links} = await get('/v1/bank-accounts/links');
  if (writer) {
    main.append(form('Sign off a reconciliation', [
      {name: 'bank_account', label: 'Bank account (statement account)', type: 'select', required: true,
       options: links.map((l) => [`${l.account}|${l.iban}`, `${l.account} (${l.iban})`])},
      {name: 'period_end', label: 'Up to the statement closing on', type: 'date', required: true,
       value: lastDay(month)},
    ], 'Sign off', async (v, key) => {
      const [account, iban] = v.bank_account.split('|');
      const s = await post('/v1/reconcile/signoffs',
        {bank_account: account, statement_account: iban, period_end: v.period_end}, {key});
      setTimeout(() => go(id, {month}), 2500);
      return `${s.bank_account} signed off to ${s.period_end}: bank ${moneyIn(s.bank_closing, s.currency)}, ` +
        `ledger ${moneyIn(s.ledger_balance, s.currency)}, difference ${moneyIn(s.difference, s.currency)}, ` +
        `${s.unmatched_lines} lines unmatched; its lines are locked until an admin reopens it.`;
    }));
  }
  const {signoffs} = await get('/v1/reconcile/signoffs');
  main.append(table('Sign-offs', [
    {label: '#', value: (s) => s.id},
    {label: 'Bank account', value: (s) => `${s.bank_account} (${s.statement_account})`},
    {label: 'Up to', value: (s) => date(s.period_end)},
    {label: 'Bank closing', num: true, value: (s) => moneyIn(s.bank_closing, s.currency)},
    {label: 'Ledger', num: true, value: (s) => moneyIn(s.ledger_balance, s.currency)},
    {label: 'Difference', num: true, value: (s) =>
      h('span', {'data-figure': `signoff-${s.id}-difference`}, moneyIn(s.difference, s.currency))},
    {label: 'Unmatched lines', num: true, value: (s) => s.unmatched_lines},
    {label: 'Signed', value: (s) => `${s.signed_by}, ${date(s.signed_at)}`},
    {label: 'Reopened', value: (s) => s.open ? '' :
      `${s.reopened_by}, ${date(s.reopened_at)}: ${s.reopen_reason}`},
  ], [...signoffs].reverse()));
  if (has('admin')) {
    for (const s of signoffs.filter((x) => x.open)) {
      main.append(form(`Reopen sign-off ${s.id}`, [
        {name: 'reason', label: `Reason to reopen ${s.bank_account} up to ${s.period_end}`, required: true},
      ], 'Reopen the sign-off', async (v, key) => {
        const body = v.reason ? {reason: v.reason} : {};
        await post(`/v1/reconcile/signoffs/${s.id}/reopen`, body, {key});
        return `Sign-off ${s.id} of ${s.bank_account} reopened: its lines are unlocked.`;
      }));
    }
  }

  // 4. the close
  main.append(h('h2', {}, `4. Close ${month}`));
  if (writer && !closed) {
    main.append(closeForm(`Close ${month}`, period.open_items, `Close ${month}`, async (body, key) => {
      const r = await post(`/v1/periods/${encodeURIComponent(month)}/close`, body, {key});
      const acks = (r.acknowledged || []).map((a) => `${a.item} (${a.reason})`);
      setTimeout(() => go(id, {month}), 2500);
      return `${r.period} closed by ${r.closed_by}` +
        (acks.length ? `; acknowledged: ${acks.join('; ')}` : '; nothing was open') +
        (r.checkpoint ? `; signed checkpoint at sequence ${r.checkpoint.sequence}.` : '.');
    }));
  } else if (closed) {
    const ev = period.events.filter((e) => e.action === 'close').pop();
    const acks = ev ? ev.acknowledged || [] : [];
    main.append(h('p', {}, acks.length ? `Closed with ${acks.length} item(s) acknowledged:` : 'Closed with nothing open.'),
      acks.length ? h('ul', {}, acks.map((a) => h('li', {}, `${a.item}: ${a.reason} (${a.what})`))) : null,
      h('p', {}, 'An admin reopens a month on ', h('a', {href: '#/periods'}, 'Months'), '.'));
  }

  // the year-end close
  const {years} = await get('/v1/years');
  main.append(h('h2', {}, 'The year-end close'),
    table('Years', [
      {label: 'Year', value: (y) => y.year},
      {label: 'Closed', value: (y) => y.closed ? `yes, ${y.closed_by}, ${date(y.closed_at)}` : 'no'},
      {label: 'Surplus', num: true, value: (y) => y.closed ? moneyIn(y.surplus, y.currency) : ''},
      {label: 'Operating reserve', num: true, value: (y) => y.closed && y.reserve ? moneyIn(y.reserve, y.currency) : ''},
    ], years));
  if (writer) {
    const dec = new Map(periods.map((p) => [p.month, p]));
    const openYears = years.filter((y) => !y.closed);
    const chosen = openYears.find((y) => `${y.year}` === month.slice(0, 4)) || openYears[0];
    const items = chosen && dec.get(`${chosen.year}-12`) ? dec.get(`${chosen.year}-12`).open_items : [];
    const yf = closeForm('Close a year', items, 'Close the year', async (body, key) => {
      const year = yf.querySelector('[name=year]').value.trim();
      const r = await post(`/v1/years/${encodeURIComponent(year)}/close`, body, {key});
      setTimeout(() => go(id, {month}), 2500);
      return `${r.year} closed: surplus ${moneyIn(r.surplus, r.currency)} into accumulated net assets; ` +
        `operating reserve ${moneyIn(r.reserve.target, 'USD')}; December closed.`;
    });
    // the year is a field of its own, before December's open items
    const yid = 'year-close-year';
    yf.insertBefore(h('div', {class: 'field'}, h('label', {for: yid}, 'Year'),
      h('input', {id: yid, name: 'year', required: true, inputmode: 'numeric',
                  value: chosen ? String(chosen.year) : ''}),
      items.length ? h('small', {}, `December ${chosen.year}'s open items are below; each needs a reason.`) : null),
      yf.querySelector('h2').nextSibling);
    main.append(yf);
  }
}
