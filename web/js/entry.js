// entry.js - a journal entry the API posted, in words for the message a
// step shows ("entry #41 (2019-02-28: Dr 3900-USD 270.00 USD / Cr 4900-USD
// 270.00 USD)"): the number a person finds it by is its journal sequence,
// and the postings say what it did. Read with GET /v1/entries/{id} (every
// role reads entries); nothing is computed here.
import {get} from './api.js';
import {moneyIn} from './format.js';

// The entry entryId: {sequence, date, text}; text as above.
export async function entryOf(entryId) {
  const e = await get(`/v1/entries/${encodeURIComponent(entryId)}`);
  const postings = e.postings.map((p) =>
    `${p.side === 'debit' ? 'Dr' : 'Cr'} ${p.account} ${moneyIn(p.amount, p.currency)}`).join(' / ');
  return {sequence: e.sequence, date: e.date, text: `entry #${e.sequence} (${e.date}: ${postings})`};
}

// The entry entryId in words, as entryOf's text.
export async function entryText(entryId) {
  return (await entryOf(entryId)).text;
}
