// page-approval.js - the approver's page (the second pair of eyes): the
// meeting comes from the link the Secretariat sends (#/approval?meeting=ID)
// or is typed in, since the approver role reads a meeting's runs but not
// the list of meetings; the latest run with every decision, its policy and
// budget (GET /v1/meetings/{id}/runs, .../runs/{run}); Approve (POST
// .../approve). The API refuses the person who ranked the run (403
// four-eyes): its words are shown as they come.
import {get, post} from './api.js';
import {date, today} from './format.js';
import {h, form, message} from './ui.js';
import {params, open} from './query.js';
import {decisions, summary} from './page-ranking.js';

export const id = 'approval';
export const title = 'Approval';
export const roles = ['approver'];

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Approve travel support'));
  const meeting = params(ctx).get('meeting') || '';
  const choose = form('Which meeting', [
    {name: 'meeting', label: 'Meeting id', required: true, value: meeting, placeholder: 'igf2019-mag1'},
  ], 'Show its ranking', async (v) => {
    open('approval', {meeting: v.meeting});
    return `Showing ${v.meeting}.`;
  });
  main.append(choose);
  if (!meeting) {
    main.append(message('good', 'Open the link the Secretariat sent, or type the meeting\u2019s id.'));
    return;
  }
  const base = `/v1/meetings/${encodeURIComponent(meeting)}`;
  const box = h('div', {});
  main.append(box);
  const show = async () => {
    const {runs} = await get(`${base}/runs`);
    if (!runs.length) {
      box.replaceChildren(message('bad', `${meeting} has no ranking to approve yet.`));
      return null;
    }
    const r = await get(`${base}/runs/${runs[runs.length - 1].id}`);
    box.replaceChildren(
      h('h2', {}, `Run ${r.id} of ${meeting}: ${r.status}`),
      h('p', {class: 'asof'}, `Ranked on ${date(r.ranked_on)} by ${r.ranked_by}` +
        (r.approved_by ? `; approved by ${r.approved_by} on ${date(r.approved_at)}.` : '; waiting for approval.')),
      summary(r, r.currency),
      decisions(`Decisions of run ${r.id}`, r.decisions, r.currency, r.inputs));
    return r;
  };
  const r = await show();
  if (!r) return;
  const approve = form(`Approve the latest run of ${meeting}`, [
    {name: 'date', label: 'Date of the obligations', type: 'date', value: today()},
  ], 'Approve', async (v, key) => {
    const a = await post(`${base}/approve`, v.date ? {date: v.date} : {}, {key});
    await show();
    return a.approved.length
      ? `Run ${a.run} approved by ${a.approved_by} (ranked by ${a.ranked_by}): ${a.approved.length} trips obliged.`
      : `Run ${a.run} was approved already: nothing more to oblige.`;
  });
  approve.dataset.writes = 'approve';
  box.before(approve);
}
