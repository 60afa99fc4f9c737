// page-ranking.js - the ranking review of a meeting: the stored runs (GET
// /v1/meetings/{id}/runs) with who ranked and who approved; one run with
// every decision and its reason in words, the policy's id and hash, the
// budget and what remains (GET .../runs/{run}); a what-if with another
// budget that stores nothing (POST .../rank with what_if); propose (POST
// .../rank, stored) and approve (POST .../approve): four eyes, so the
// person who ranked is refused in the API's words and the approver (a
// second person) approves from the link this page gives.
import {get, post} from './api.js';
import {money, date, today} from './format.js';
import {h, table, form, message} from './ui.js';
import {picker} from './travel.js';
import {params, link} from './query.js';

export const id = 'ranking';
export const title = 'Ranking';
export const roles = ['admin', 'secretariat', 'auditor'];

// The decisions of a ranking (a stored run's or a what-if's) as a table;
// a stored run's decisions take name and country from its inputs.
export function decisions(caption, rows, currency, inputs) {
  const who = new Map((inputs || []).map((a) => [a.id, a]));
  const of = (d, k) => d[k] || (who.get(d.applicant) || {})[k] || '';
  return table(caption, [
    {label: 'Rank', num: true, value: (d) => d.rank ?? ''},
    {label: 'Applicant', value: (d) => d.applicant || d.id},
    {label: 'Name', value: (d) => of(d, 'name')},
    {label: 'Country', value: (d) => of(d, 'country')},
    {label: 'Decision', value: (d) => h('span', {class: 'tag'}, d.decision)},
    {label: 'Granted', num: true, value: (d) => `${money(d.granted)} ${currency}`},
    {label: 'Why', value: (d) => h('span', {class: 'why'}, d.explanation || '',
      h('br', {}), h('small', {}, (d.reasons || []).join(', ')))},
  ], rows, 'no applicant.');
}

// The policy, the budget and what remains of a ranking, as a definition list.
export function summary(r, currency) {
  const row = (k, v, figure) => [h('dt', {}, k), h('dd', figure ? {'data-figure': figure} : {}, v)];
  return h('dl', {class: 'facts'},
    row('Policy', `${r.policy_id ?? r.policy.id} version ${r.policy_version ?? r.policy.version}`),
    row('Policy SHA-256', h('code', {class: 'hash'}, r.policy_sha256 ?? r.policy.sha256), 'policy-sha256'),
    row('Budget', `${money(r.budget)} ${currency}` + (r.budget_source ? ` (${r.budget_source === 'ledger'
      ? 'the meeting\u2019s allocation' : 'given'})` : ''), 'budget'),
    row('Granted by the decisions', `${money(r.allocated)} ${currency}`, 'granted'),
    row('Remaining', `${money(r.remaining)} ${currency}`, 'remaining'));
}

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Ranking review'));
  const pick = await picker('ranking', ctx);
  main.append(pick.element);
  const m = pick.meeting;
  if (!m) return;
  const base = `/v1/meetings/${encodeURIComponent(m.id)}`;
  const writer = ctx.has('admin') || ctx.has('secretariat');
  const runsBox = h('div', {});
  const runBox = h('div', {});
  const whatIfBox = h('div', {'aria-live': 'polite'});
  const status = h('div', {'aria-live': 'polite'});

  const showRun = async (n) => {
    const r = await get(`${base}/runs/${n}`);
    runBox.replaceChildren(
      h('h2', {}, `Run ${r.id}: ${r.status}`),
      h('p', {class: 'asof'}, `Ranked on ${date(r.ranked_on)} by ${r.ranked_by}` +
        (r.approved_by ? `; approved by ${r.approved_by} on ${date(r.approved_at)}` : '; not approved yet') +
        (r.countersigned_by ? `; overrun countersigned by ${r.countersigned_by}` : '') + '.'),
      summary(r, r.currency || m.currency),
      decisions(`Decisions of run ${r.id}`, r.decisions, r.currency || m.currency, r.inputs));
  };
  const showRuns = async (pickRun) => {
    const {runs} = await get(`${base}/runs`);
    runsBox.replaceChildren(table(`Runs of ${m.id}`, [
      {label: 'Run', num: true, value: (r) => h('button', {type: 'button', class: 'link', 'data-run': r.id,
                                                       onclick: () => showRun(r.id)}, String(r.id))},
      {label: 'Ranked on', value: (r) => date(r.ranked_on)},
      {label: 'Status', value: (r) => r.status},
      {label: 'Budget', num: true, value: (r) => `${money(r.budget)} ${r.currency}`},
      {label: 'Remaining', num: true, value: (r) => money(r.remaining)},
      {label: 'Ranked by', value: (r) => r.ranked_by},
      {label: 'Approved by', value: (r) => r.approved_by ? `${r.approved_by}, ${date(r.approved_at)}` : ''},
    ], runs, 'none yet: propose a ranking.'));
    const wanted = pickRun || Number(params(ctx).get('run')) || (runs.length ? runs[runs.length - 1].id : 0);
    if (wanted) await showRun(wanted);
    else runBox.replaceChildren();
  };

  if (writer) {
    const rank = form(`Propose a ranking of ${m.id}`, [
      {name: 'as_of', label: 'Ranking date', type: 'date', value: today()},
      {name: 'budget', label: `Budget in ${m.currency} (empty: the meeting's allocation)`, inputmode: 'decimal'},
    ], 'Rank and store the run', async (v, key) => {
      const body = {};
      if (v.as_of) body.as_of = v.as_of;
      if (v.budget) body.budget = v.budget;
      const r = await post(`${base}/rank`, body, {key});
      await showRuns(r.run);
      return `Run ${r.run} stored: ${r.decisions.filter((d) => d.decision === 'funded').length} funded, ` +
        `${money(r.remaining)} ${m.currency} remaining. An approver must approve it: ${link('approval', m.id)}`;
    });
    rank.dataset.writes = 'rank';
    const approve = form(`Approve the latest run of ${m.id}`, [
      {name: 'date', label: 'Date of the obligations', type: 'date', value: today()},
    ], 'Approve', async (v, key) => {
      const a = await post(`${base}/approve`, v.date ? {date: v.date} : {}, {key});
      await showRuns();
      return `Run ${a.run} approved by ${a.approved_by} (ranked by ${a.ranked_by}): ${a.approved.length} trips.`;
    });
    approve.dataset.writes = 'approve';
    main.append(rank, approve);
  }
  const whatIf = form('What if: another budget (stores nothing)', [
    {name: 'budget', label: `Budget in ${m.currency}`, required: true, inputmode: 'decimal', placeholder: '5000.00'},
    {name: 'as_of', label: 'Ranking date', type: 'date', value: today()},
  ], 'Show the ranking', async (v) => {
    const r = await post(`${base}/rank`, {budget: v.budget, as_of: v.as_of || undefined, what_if: true});
    whatIfBox.replaceChildren(h('h2', {}, `What if the budget were ${money(r.budget)} ${m.currency}`),
      summary(r, m.currency), decisions('Decisions of the what-if', r.decisions, m.currency));
    return `What-if shown below: nothing was stored.`;
  });
  main.append(whatIf, status, runsBox, runBox, whatIfBox);
  await showRuns();
  if (!writer) status.append(message('good', 'Proposing and approving are the Secretariat\u2019s and the approver\u2019s; a what-if stores nothing.'));
}
