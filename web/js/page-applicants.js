// page-applicants.js - a meeting's applicants: the CSV uploaded whole
// (POST /v1/meetings/{id}/applicants, text/csv, all or nothing: a bad row
// is shown by its line and column, as the API names them), every applicant
// with the fund's own history beside what they wrote (GET), and one
// applicant corrected field by field with a reason (PATCH
// .../applicants/{applicant}), its corrections listed (GET .../{applicant}).
import {ApiError, call, get, withQuery} from './api.js';
import {money, date} from './format.js';
import {h, table, form, message} from './ui.js';
import {picker} from './travel.js';

export const id = 'applicants';
export const title = 'Applicants';
export const roles = ['admin', 'secretariat', 'auditor'];

// The fields of the applicant CSV a correction may change.
const FIELDS = ['forms_complete', 'health_check', 'health_attested_on', 'country', 'category', 'role',
                'request', 'amount', 'requested_on', 'prior_funded', 'prior_reports_outstanding', 'name'];

// "mag1.csv:4: column country (field 3): unknown ..." -> the same words led
// by the line and the column, so the person finds the row in their file.
function rowError(e) {
  const m = /^(.*?):(\d+): column ([a-z_]+)(?: \(field \d+\))?: (.*)$/s.exec(e.message || '');
  if (!(e instanceof ApiError) || !m) return e;
  const said = new Error(`Line ${m[2]} of ${m[1]}, column ${m[3]}: ${m[4]}`);
  said.line = Number(m[2]);
  said.column = m[3];
  return said;
}

const yesNo = (b) => (b === true ? 'yes' : b === false ? 'no' : b ?? '');

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Applicants'));
  const pick = await picker('applicants', ctx);
  main.append(pick.element);
  const m = pick.meeting;
  if (!m) return;
  const writer = ctx.has('admin') || ctx.has('secretariat');
  const path = `/v1/meetings/${encodeURIComponent(m.id)}/applicants`;
  const list = h('div', {});
  const history = h('div', {'aria-live': 'polite'});
  let applicants = [];

  const showChanges = async (who) => {
    const a = await get(`${path}/${encodeURIComponent(who)}`);
    history.replaceChildren(table(`Corrections of ${a.id}`, [
      {label: 'Field', value: (c) => c.field},
      {label: 'Was', value: (c) => c.old ?? ''},
      {label: 'Now', value: (c) => c.new ?? ''},
      {label: 'Reason', value: (c) => c.reason},
      {label: 'By', value: (c) => c.changed_by},
      {label: 'When', value: (c) => date(c.changed_at)},
    ], a.changes, 'none.'));
  };
  let fix = null;
  const showList = async () => {
    ({applicants} = await get(path));
    if (fix) fix.querySelector('select[name=applicant]').replaceChildren(...applicants.map((a) =>
      h('option', {value: a.id}, `${a.id} (${a.name || a.country})`)));
    list.replaceChildren(table(`Applicants of ${m.id}`, [
      {label: 'Id', value: (a) => h('button', {type: 'button', class: 'link', 'data-applicant': a.id,
                                             onclick: () => showChanges(a.id)}, a.id)},
      {label: 'Name', value: (a) => a.name},
      {label: 'Country', value: (a) => a.country},
      {label: 'Category', value: (a) => a.category},
      {label: 'Forms', value: (a) => yesNo(a.forms_complete)},
      {label: 'Health check', value: (a) => yesNo(a.health_check)},
      {label: 'Request', value: (a) => a.request},
      {label: 'Amount', num: true, value: (a) => `${money(a.amount)} ${a.currency || m.currency}`},
      {label: 'Requested on', value: (a) => date(a.requested_on)},
      {label: 'Funded before (fund)', num: true, value: (a) => a.ledger ? a.ledger.prior_funded : ''},
      {label: 'Reports due', value: (a) => a.reports_due},
      {label: 'Differences', value: (a) => (a.differences || []).map((d) =>
        typeof d === 'string' ? d : d.note || `${d.field}: wrote ${d.declared}, fund ${d.ledger}`).join('; ')},
    ], applicants, 'none uploaded yet.'));
  };

  if (writer) {
    const up = form(`Upload the applicants of ${m.id} (CSV)`, [
      {name: 'file', label: 'Applicants CSV file', type: 'file', accept: '.csv,text/csv', required: true,
       help: 'The whole file is refused if one row is wrong; the line and column are named.'},
    ], 'Upload', async (v, key) => {
      if (!v.file) throw new Error('file: choose the CSV file to upload');
      const text = await v.file.text();
      let r;
      try {
        r = await call('POST', withQuery(path, {source: v.file.name}), {body: text, type: 'text/csv', key});
      } catch (e) {
        throw rowError(e);
      }
      await showList();
      return `${r.imported} applicants uploaded to ${m.id} from ${v.file.name}.`;
    });
    up.dataset.writes = 'applicants';
    main.append(up);
  }
  if (writer) {
    fix = form('Correct an applicant', [
      {name: 'applicant', label: 'Applicant', type: 'select', required: true, options: []},
      {name: 'field', label: 'Field', type: 'select', required: true, options: FIELDS.map((f) => [f, f])},
      {name: 'value', label: 'New value (as the CSV writes it)', required: true, placeholder: 'yes'},
      {name: 'reason', label: 'Reason', required: true, placeholder: 'Funding forms received 2019-01-02'},
    ], 'Correct', async (v, key) => {
      const body = {reason: v.reason};
      body[v.field] = v.value;
      let a;
      try {
        a = await call('PATCH', `${path}/${encodeURIComponent(v.applicant)}`, {json: body, key});
      } catch (e) {
        // the API names the field it refused; here it is the value's
        if (e instanceof ApiError && e.field === v.field) e.message = `value: ${e.message}`;
        throw e;
      }
      await showList();
      await showChanges(v.applicant);
      return a.changed ? `${v.applicant}: ${v.field} corrected (${a.changed} field changed).`
                       : `${v.applicant}: ${v.field} already had that value; nothing changed.`;
    });
    fix.dataset.writes = 'correction';
  }
  main.append(...[list, fix, history].filter(Boolean));
  await showList();
  if (!writer) main.append(message('good', 'You may read the applicants; uploads and corrections are the Secretariat\u2019s.'));
}
