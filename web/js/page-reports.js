// page-reports.js - every report kind, downloaded as the server signed it
// (GET /v1/reports/{kind}: enveloped XML-DSig when tfledgerd has a key),
// and the certificates a signature verifies with (GET
// /v1/signing/certificates, public: the current one first, earlier ones
// kept after a rotation), each downloadable as PEM, with the commands an
// auditor runs on their own machine (docs/reports.md "Verifying").
import {get, withQuery} from './api.js';
import {date} from './format.js';
import {h, table, form} from './ui.js';
import {save} from './download.js';

export const id = 'reports';
export const title = 'Reports';
export const roles = ['admin', 'auditor'];

// The kinds of reports/report.c with the argument each needs beside the dates.
const KINDS = [
  ['account-statement', 'Account statement (one account, or all)'],
  ['trial-balance', 'Trial balance'],
  ['donor-contributions', 'Donor contributions'],
  ['in-kind', 'In-kind contributions'],
  ['trust-fund-statement', 'Trust fund statement'],
  ['reconciliation', 'Bank reconciliation (needs the bank account)'],
  ['travel-allocation', 'Travel allocation (needs the meeting)'],
  ['iati-activities', 'IATI activities'],
  ['iati-organisation', 'IATI organisation'],
  ['financial-position', 'IPSAS: financial position (whole months)'],
  ['financial-performance', 'IPSAS: financial performance (whole months)'],
  ['changes-in-net-assets', 'IPSAS: changes in net assets (whole months)'],
  ['cash-flow', 'IPSAS: cash flow (whole months)'],
  ['budget-status', 'Budget status'],
  ['budget-comparison', 'Budget comparison'],
];

// The report path for kind and the form's values (empty arguments left out).
export function reportPath(kind, v) {
  return withQuery(`/v1/reports/${kind}`, {from: v.from, to: v.to, account: v.account,
    bank_account: v.bank_account, statement_account: v.statement_account, meeting: v.meeting});
}

// The certificates table, each with its PEM to download, and how to verify.
export async function certificates() {
  const {certificates: certs} = await get('/v1/signing/certificates');
  const download = (c) => {
    const url = URL.createObjectURL(new Blob([c.pem], {type: 'application/x-pem-file'}));
    return h('a', {href: url, download: `tfledger-signer-${c.key_id.slice(0, 12)}.pem`,
                   'data-cert': c.current ? 'current' : c.key_id}, 'Download PEM');
  };
  return h('section', {'aria-label': 'Signing certificates'},
    h('h2', {}, 'Signing certificates'),
    table('Certificates the reports verify with', [
      {label: 'Key id (SHA-256)', value: (c) => h('code', {class: 'hash'}, c.key_id)},
      {label: 'Subject', value: (c) => c.subject},
      {label: 'Valid', value: (c) => `${date(c.not_before)} to ${date(c.not_after)}`},
      {label: 'Current', value: (c) => (c.current ? 'yes' : 'no (earlier key)')},
      {label: 'Certificate', value: download},
    ], certs, 'none: this server signs nothing (no signing key configured).'),
    h('p', {}, 'Check a downloaded report on your own machine, with the certificate above:'),
    h('pre', {}, 'tfledger report verify REPORT.xml --cert tfledger-signer-KEY.pem\n' +
                 'xmlsec1 --verify --trusted-pem tfledger-signer-KEY.pem REPORT.xml'));
}

export async function render(main) {
  main.append(h('h1', {}, 'Reports, signed'));
  const f = form('Download a signed report', [
    {name: 'kind', label: 'Report', type: 'select', required: true, options: KINDS},
    {name: 'from', label: 'From', type: 'date', required: true},
    {name: 'to', label: 'To', type: 'date', required: true},
    {name: 'account', label: 'Account (account statement; empty: all)', placeholder: '1010-EUR'},
    {name: 'bank_account', label: 'Bank account (reconciliation)', placeholder: '1010-EUR'},
    {name: 'statement_account', label: 'Statement account, IBAN (reconciliation; optional)'},
    {name: 'meeting', label: 'Meeting (travel allocation)', placeholder: 'igf2019-mag1'},
  ], 'Download', async (v) => {
    const name = `${v.kind}-${v.from}-${v.to}${v.account ? '-' + v.account : ''}.xml`;
    const xml = await save(reportPath(v.kind, v), name, 'application/xml');
    const signed = xml.includes('<ds:Signature') || xml.includes(':Signature ') || xml.includes('<Signature');
    return `${name} saved (${xml.length} bytes, ${signed ? 'signed by the server' : 'NOT signed: the server has no key'}).`;
  });
  main.append(f, await certificates());
}
