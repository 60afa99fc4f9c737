// page-trips.js - a meeting's trips (GET /v1/meetings/{id}/trips): who
// travels, for how much, settled or not, the trip report received or
// still due; for the Secretariat, an applicant declines (POST
// .../trips/{applicant}/decline) or the trip is cancelled (.../cancel),
// and the answer says who is offered the place; the trip report received
// (.../report); a trip settled with what was paid (.../settle). The table
// holds every trip (all pages of the API's cursor): the forms choose among
// them, and a meeting's trips are as few as its budget pays for.
import {getAll, post} from './api.js';
import {money, date, today} from './format.js';
import {h, table, form, message} from './ui.js';
import {picker} from './travel.js';

export const id = 'trips';
export const title = 'Trips';
export const roles = ['admin', 'secretariat', 'auditor'];

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Trips, settlements and trip reports'));
  const pick = await picker('trips', ctx);
  main.append(pick.element);
  const m = pick.meeting;
  if (!m) return;
  const base = `/v1/meetings/${encodeURIComponent(m.id)}/trips`;
  const writer = ctx.has('admin') || ctx.has('secretariat');
  const list = h('div', {});
  let trips = [];
  const showList = async () => {
    trips = await getAll(base, 'trips');
    list.replaceChildren(table(`Trips of ${m.id}`, [
      {label: 'Applicant', value: (t) => t.applicant},
      {label: 'Status', value: (t) => h('span', {class: 'tag', 'data-trip-status': t.applicant}, t.status)},
      {label: 'Granted', num: true, value: (t) => `${money(t.granted)} ${t.currency}`},
      {label: 'Airfare paid', num: true, value: (t) => money(t.airfare)},
      {label: 'DSA paid', num: true, value: (t) => money(t.dsa)},
      {label: 'Settled', value: (t) => (t.settlement_entry ? 'yes' : 'no')},
      {label: 'Report received', value: (t) => (t.report_received ? date(t.report_received) : 'not yet')},
    ], trips, 'none: the meeting\u2019s ranking is not approved yet.'));
  };
  main.append(list);
  await showList();
  if (!writer) {
    main.append(message('good', 'You may read the trips; declines, reports and settlements are the Secretariat\u2019s.'));
    return;
  }
  const open = trips.filter((t) => ['offered', 'approved'].includes(t.status));
  const approved = trips.filter((t) => ['approved', 'settled'].includes(t.status));
  const choose = (rows) => rows.map((t) => [t.applicant, `${t.applicant} (${t.status})`]);
  const act = (what, label) => {
    const f = form(label, [
      {name: 'applicant', label: 'Applicant', type: 'select', required: true, options: choose(open)},
      {name: 'date', label: 'Date', type: 'date', value: today()},
    ], label, async (v, key) => {
      const r = await post(`${base}/${encodeURIComponent(v.applicant)}/${what}`, v.date ? {date: v.date} : {}, {key});
      await showList();
      const offered = (r.offered || []).map((t) => `${t.applicant} (${money(t.granted)} ${t.currency})`);
      return `${v.applicant}: ${r.trip.status}. ` + (offered.length
        ? `Offered the place: ${offered.join(', ')}; an approver approves the offer.`
        : 'Nobody waiting fits the place.');
    });
    f.dataset.writes = what;
    return f;
  };
  const report = form('A trip report received', [
    {name: 'applicant', label: 'Applicant', type: 'select', required: true, options: choose(approved)},
    {name: 'report_received', label: 'Received on', type: 'date', value: today()},
  ], 'Record the report', async (v, key) => {
    const r = await post(`${base}/${encodeURIComponent(v.applicant)}/report`,
                         {report_received: v.report_received}, {key});
    await showList();
    return `${v.applicant}: trip report received on ${date(r.trip.report_received)}.`;
  });
  report.dataset.writes = 'report';
  const settle = form('Settle a trip', [
    {name: 'applicant', label: 'Applicant', type: 'select', required: true,
     options: choose(trips.filter((t) => t.status === 'approved'))},
    {name: 'airfare', label: `Airfare paid (${m.currency})`, required: true, inputmode: 'decimal', placeholder: '0.00'},
    {name: 'dsa', label: `DSA paid (${m.currency})`, required: true, inputmode: 'decimal', placeholder: '0.00'},
    {name: 'date', label: 'Paid on', type: 'date', value: today()},
    {name: 'bank_account', label: 'Paid from (bank account)', placeholder: `1010-${m.currency}`},
  ], 'Settle', async (v, key) => {
    const body = {airfare: v.airfare, dsa: v.dsa};
    if (v.date) body.date = v.date;
    if (v.bank_account) body.bank_account = v.bank_account;
    const r = await post(`${base}/${encodeURIComponent(v.applicant)}/settle`, body, {key});
    await showList();
    return `${v.applicant} settled` + (r.released ? `; ${money(r.released)} ${m.currency} released.` : '.');
  });
  settle.dataset.writes = 'settle';
  main.append(act('decline', 'The applicant declines'), act('cancel', 'Cancel a trip'), report, settle);
}
