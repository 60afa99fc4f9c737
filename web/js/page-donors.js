// page-donors.js - the fund's donors, largest giver first (GET /v1/donors),
// and the form to add one (POST /v1/donors).
import {get, post} from './api.js';
import {money} from './format.js';
import {h, table, form} from './ui.js';

export const id = 'donors';
export const title = 'Donors';
export const roles = ['admin', 'finance', 'auditor'];

export async function render(main, {has}) {
  main.append(h('h1', {}, 'Donors'));
  const list = h('div', {});
  const showList = async () => {
    const {donors} = await get('/v1/donors');
    list.replaceChildren(table('Donors by what they gave (USD at the UN rate of each receipt\u2019s month)', [
      {label: 'Id', value: (d) => d.id},
      {label: 'Name', value: (d) => d.name},
      {label: 'Type', value: (d) => d.org_type},
      {label: 'Country', value: (d) => d.country || 'multilateral'},
      {label: 'Given (USD)', num: true, value: (d) => money(d.given_usd)},
    ], donors));
  };
  if (has('admin') || has('finance')) {
    main.append(form('Add a donor', [
      {name: 'id', label: 'Id (a-z, 0-9, . _ -)', required: true, placeholder: 'finland'},
      {name: 'name', label: 'Name', required: true},
      {name: 'org_type', label: 'IATI organisation type', type: 'select', value: '10', options: [
        ['10', '10 Government'], ['15', '15 Other public sector'], ['21', '21 International NGO'],
        ['22', '22 National NGO'], ['40', '40 Multilateral'], ['60', '60 Foundation'],
        ['70', '70 Private sector'], ['80', '80 Academic, training and research']]},
      {name: 'country', label: 'Country (ISO 3166 alpha-3; empty for a multilateral)', placeholder: 'FIN'},
    ], 'Add the donor', async (v, key) => {
      const d = await post('/v1/donors', {id: v.id, name: v.name, org_type: v.org_type,
                                          ...(v.country ? {country: v.country} : {})}, {key});
      await showList();
      return `Donor ${d.id} added.`;
    }));
  }
  main.append(list);
  await showList();
}
