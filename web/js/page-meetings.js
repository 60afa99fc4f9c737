// page-meetings.js - the Secretariat's meetings: every meeting with its
// applicant, trip and run counts (GET /v1/meetings), each linked to its
// applicants, ranking and trips, and the form to add one (POST
// /v1/meetings; admin, secretariat).
import {get, post} from './api.js';
import {date} from './format.js';
import {h, table, form} from './ui.js';

export const id = 'meetings';
export const title = 'Travel: meetings';
export const roles = ['admin', 'secretariat', 'auditor'];

export async function render(main, {has}) {
  main.append(h('h1', {}, 'Meetings'));
  const list = h('div', {});
  const to = (page, m, text) => h('a', {href: `#/${page}?meeting=${encodeURIComponent(m.id)}`}, text);
  const showList = async () => {
    const {meetings} = await get('/v1/meetings');
    list.replaceChildren(table('Meetings', [
      {label: 'Id', value: (m) => m.id},
      {label: 'Name', value: (m) => m.name},
      {label: 'Dates', value: (m) => `${date(m.starts_on)} to ${date(m.ends_on)}`},
      {label: 'Place', value: (m) => m.place},
      {label: 'Currency', value: (m) => m.currency},
      {label: 'Applicants', num: true, value: (m) => to('applicants', m, String(m.applicants))},
      {label: 'Runs', num: true, value: (m) => to('ranking', m, String(m.runs))},
      {label: 'Trips', num: true, value: (m) => to('trips', m, String(m.trips))},
    ], meetings, 'none yet.'));
  };
  if (has('admin') || has('secretariat')) {
    const f = form('Add a meeting', [
      {name: 'id', label: 'Id (a-z, 0-9, . _ -)', required: true, placeholder: 'igf2019-mag2'},
      {name: 'name', label: 'Name', required: true},
      {name: 'starts_on', label: 'Starts on', type: 'date', required: true},
      {name: 'ends_on', label: 'Ends on', type: 'date', required: true},
      {name: 'place', label: 'Place', required: true},
      {name: 'currency', label: 'Currency of its budget (ISO 4217)', required: true, placeholder: 'USD'},
      {name: 'budget_line', label: 'Budget line', value: 'Travel support'},
    ], 'Add the meeting', async (v, key) => {
      const body = {id: v.id, name: v.name, starts_on: v.starts_on, ends_on: v.ends_on,
                    place: v.place, currency: v.currency.toUpperCase()};
      if (v.budget_line) body.budget_line = v.budget_line;
      const m = await post('/v1/meetings', body, {key});
      await showList();
      return `Meeting ${m.id} added: ${m.name}, ${date(m.starts_on)} to ${date(m.ends_on)} in ${m.place}.`;
    });
    f.dataset.writes = 'meeting';
    main.append(f);
  }
  main.append(list);
  await showList();
}
