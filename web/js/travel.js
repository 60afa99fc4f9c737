// travel.js - what the Secretariat's pages share (page-applicants.js,
// page-ranking.js, page-trips.js): the picker of the meeting a page is
// about, kept in the hash's query (query.js).
import {get} from './api.js';
import {h} from './ui.js';
import {params, open} from './query.js';

// The meeting picker of a travel page: a labelled select of every meeting
// (GET /v1/meetings); choosing one opens page for it. Resolves to
// {element, meeting, meetings}: meeting is the one in the hash, else the
// latest to start, else null when there is none.
export async function picker(page, ctx) {
  const {meetings} = await get('/v1/meetings');
  const wanted = params(ctx).get('meeting');
  const sorted = [...meetings].sort((a, b) => (b.starts_on || '').localeCompare(a.starts_on || ''));
  const current = sorted.find((m) => m.id === wanted) || sorted[0] || null;
  const sel = h('select', {id: `pick-${page}`, name: 'meeting'},
    sorted.map((m) => h('option', {value: m.id, selected: current && m.id === current.id},
                        `${m.name} (${m.id}, ${m.starts_on})`)));
  sel.addEventListener('change', () => open(page, {meeting: sel.value}));
  const element = h('div', {class: 'field picker'},
    h('label', {for: `pick-${page}`}, 'Meeting'), sel);
  return {element: sorted.length ? element : h('p', {}, 'No meeting yet: add one on the Meetings page.'),
          meeting: current, meetings};
}
