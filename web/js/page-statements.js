// page-statements.js - account statements: every account with its
// balance as of a day (GET /v1/accounts, GET /v1/accounts/{code}/balance),
// each linked to its entries in the journal, and one account's statement
// for a period downloaded as the server signed it (GET
// /v1/reports/account-statement?account=), with the certificate to check
// it (page-reports.js).
import {get, withQuery} from './api.js';
import {money, today} from './format.js';
import {h, table, form} from './ui.js';
import {params, open} from './query.js';
import {save} from './download.js';
import {reportPath, certificates} from './page-reports.js';

export const id = 'statements';
export const title = 'Statements';
export const roles = ['admin', 'auditor'];

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Account statements'));
  const asOf = params(ctx).get('as_of') || today();
  const {accounts} = await get('/v1/accounts');
  const f = form('Download a signed account statement', [
    {name: 'account', label: 'Account', type: 'select', required: true,
     options: accounts.map((a) => [a.code, `${a.code} ${a.name}`])},
    {name: 'from', label: 'From', type: 'date', required: true},
    {name: 'to', label: 'To', type: 'date', required: true, value: asOf},
  ], 'Download the statement', async (v) => {
    const name = `account-statement-${v.account}-${v.from}-${v.to}.xml`;
    const xml = await save(reportPath('account-statement', v), name, 'application/xml');
    return `${name} saved (${xml.length} bytes); check it with the certificate below.`;
  });
  const day = form('Balances as of', [
    {name: 'as_of', label: 'Day', type: 'date', required: true, value: asOf},
  ], 'Show', async (v) => {
    open('statements', {as_of: v.as_of});
    return `Balances as of ${v.as_of}.`;
  });
  const balances = await Promise.all(accounts.map((a) =>
    get(withQuery(`/v1/accounts/${encodeURIComponent(a.code)}/balance`, {as_of: asOf}))));
  // the accounts that hold something then; the rest are counted, not listed
  const held = accounts.filter((a, i) => !/^-?0(\.0+)?$/.test(balances[i].balance));
  const balanceOf = new Map(accounts.map((a, i) => [a.code, balances[i].balance]));
  main.append(f, day, table(`Balances as of ${asOf}`, [
    {label: 'Account', value: (a) => h('a', {href: `#/journal?account=${encodeURIComponent(a.code)}`,
                                              class: 'nowrap', title: 'its entries in the journal'}, a.code)},
    {label: 'Name', value: (a) => a.name},
    {label: 'Type', value: (a) => a.type},
    {label: 'Balance', num: true, value: (a) => h('span', {'data-figure': `balance-${a.code}`},
      `${money(balanceOf.get(a.code))} ${a.currency}`)},
  ], held, 'every account is at zero.'),
  h('p', {class: 'asof'}, `${accounts.length - held.length} of ${accounts.length} accounts are at zero on ${asOf} and not listed.`),
  await certificates());
}
