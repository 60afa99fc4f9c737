// page-periods.js - months: open or closed, what blocks a close (GET
// /v1/periods); close a ready month (POST /v1/periods/{month}/close) and,
// for an admin, reopen a closed one with a reason (POST .../reopen).
import {get, post} from './api.js';
import {date} from './format.js';
import {h, table, form, message} from './ui.js';

export const id = 'periods';
export const title = 'Months';
export const roles = ['admin', 'finance', 'auditor'];

export async function render(main, {has}) {
  const writer = has('admin') || has('finance');
  main.append(h('h1', {}, 'Months closed and reopened'));
  const status = h('div', {'aria-live': 'polite'});
  const list = h('div', {});
  const showList = async () => {
    const {periods} = await get('/v1/periods');
    list.replaceChildren(table('Months', [
      {label: 'Month', value: (p) => p.month},
      {label: 'Status', value: (p) => p.status},
      {label: 'Ready to close', value: (p) => p.status === 'closed' ? '' :
        (p.ready ? 'yes' : `no: ${p.open_items.map((i) => i.what || i.item).join('; ')}`)},
      {label: 'Closed by', value: (p) => p.closed_by ? `${p.closed_by}, ${date(p.closed_at)}` : ''},
      {label: 'History', value: (p) => p.events.map((e) =>
        `${e.action} by ${e.by} (${e.role}) ${date(e.at)}${e.reason ? ': ' + e.reason : ''}`).join('; ')},
    ], [...periods].reverse()));
  };
  if (writer) {
    main.append(form('Close a month', [
      {name: 'month', label: 'Month (YYYY-MM)', required: true, placeholder: '2019-03'},
    ], 'Close the month', async (v, key) => {
      const r = await post(`/v1/periods/${encodeURIComponent(v.month)}/close`, {}, {key});
      await showList();
      return `${v.month} closed` + (r.checkpoint ? `; signed checkpoint at sequence ${r.checkpoint.sequence}.` : '.');
    }));
  }
  if (has('admin')) {
    main.append(form('Reopen a closed month', [
      {name: 'month', label: 'Month (YYYY-MM)', required: true},
      {name: 'reason', label: 'Reason', required: true},
    ], 'Reopen the month', async (v, key) => {
      await post(`/v1/periods/${encodeURIComponent(v.month)}/reopen`, {reason: v.reason}, {key});
      await showList();
      return `${v.month} reopened.`;
    }));
  }
  main.append(status, list);
  await showList();
  if (!writer) status.append(message('good', 'You may read the months; closing them is finance\u2019s.'));
}
