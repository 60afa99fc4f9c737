// download.js - how the auditor's pages hand a file to the person: the
// file is fetched through the API client (so a refusal is shown in the
// API's words, not saved as a file) and saved under a name the person
// keeps (a report, its signing certificate, a checkpoint). The bytes are
// the server's, untouched: a signed report still verifies.
import {call} from './api.js';
import {h} from './ui.js';

// Fetches path and saves it as name with the type given. Resolves to the
// text saved.
export async function save(path, name, type) {
  const text = await call('GET', path);
  const body = typeof text === 'string' ? text : JSON.stringify(text);
  const url = URL.createObjectURL(new Blob([body], {type}));
  const a = h('a', {href: url, download: name, hidden: true});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return body;
}
