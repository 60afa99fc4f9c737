// app.js - the workspace's shell: the session (GET /v1/session on load,
// the sign-in page when there is none or it ended), the header with the
// user and sign-out, the navigation by role and hash routing (#/donors).
//
// One page = one module with {id, title, roles, render(main, ctx)},
// registered in PAGES below and nowhere else: the navigation shows a page
// to a user holding one of its roles, and the first such page is the
// user's home. render() fills main and may be async; ctx is
// {user, roles, has(role), params, go(id, params)}: params are the hash's
// query (#/dashboard?as_of=2019-12-31), so a view can be bookmarked and sent.
import {call, lastSuccessMs, setCsrf, setSignedOutHandler} from './api.js';
import {h, message} from './ui.js';
import * as signin from './page-signin.js';
import * as dashboard from './page-dashboard.js';
import * as donors from './page-donors.js';
import * as pledges from './page-pledges.js';
import * as receipts from './page-receipts.js';
import * as inkind from './page-inkind.js';
import * as bank from './page-bank.js';
import * as periods from './page-periods.js';
import * as meetings from './page-meetings.js';
import * as applicants from './page-applicants.js';
import * as ranking from './page-ranking.js';
import * as trips from './page-trips.js';
import * as approval from './page-approval.js';
import * as journal from './page-journal.js';
import * as statements from './page-statements.js';
import * as reports from './page-reports.js';
import * as checkpoints from './page-checkpoints.js';
import * as audit from './page-audit.js';
import * as rates from './page-rates.js';
import * as month from './page-month.js';
import * as budgets from './page-budgets.js';

export const PAGES = [dashboard, donors, pledges, receipts, inkind, bank, periods,
  meetings, applicants, ranking, trips, approval, journal, statements, reports, checkpoints, audit];
// finance's month-end pages, after Months in the navigation
PAGES.splice(PAGES.indexOf(periods) + 1, 0, rates, month, budgets);

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signoutButton = document.getElementById('signout');
let session = null;
// A hint, not a secret (the session is the HttpOnly cookie): this browser
// signed in and has not signed out. Without it the sign-in form shows
// without asking the server, so opening the page is not a failed
// authentication of this address (tfledgerd counts those: 429 after 5).
const HINT = 'tfledger.signed-in';

function hasRole(role) { return !!session && session.roles.includes(role); }
function pagesFor() { return PAGES.filter((p) => p.roles.some(hasRole)); }
// Shows page id with params; the page shown already is shown afresh (a
// step that changed something re-reads what it shows).
function go(id, params) {
  const q = new URLSearchParams(params || {}).toString();
  const hash = `#/${id}${q ? '?' + q : ''}`;
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

function showSignIn(note) {
  session = null;
  localStorage.removeItem(HINT);
  setCsrf(null);
  nav.hidden = who.hidden = signoutButton.hidden = true;
  nav.replaceChildren();
  document.title = 'Sign in - tfledger';
  main.replaceChildren();
  signin.render(main, {note, onSignedIn: start});
  main.focus();
}

function start(s) {
  session = s;
  localStorage.setItem(HINT, s.user);
  setCsrf(s.csrf);
  who.textContent = `${s.user} (${s.roles.join(', ')})`;
  who.hidden = signoutButton.hidden = false;
  nav.hidden = false;
  nav.replaceChildren(...pagesFor().map((p) => h('a', {href: `#/${p.id}`, 'data-page': p.id}, p.title)));
  route();
}

async function route() {
  if (!session) return;
  // idle for about the session's timeout: one call asks whether it still
  // holds (a 401 brings the sign-in form) before a page sends several
  const idleMs = Math.max(session.idle_timeout_s - 30, 1) * 1000;
  if (Date.now() - lastSuccessMs() > idleMs) {
    try { await call('GET', '/v1/session'); } catch (e) { return; }
  }
  const mine = pagesFor();
  const [, id, query] = location.hash.match(/^#\/([a-z-]+)\??(.*)$/) || [];
  const page = mine.find((p) => p.id === id) || mine[0];
  for (const a of nav.querySelectorAll('a'))
    if (a.dataset.page === (page && page.id)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  // each render fills its own box: one still loading when the person
  // moves on fills a box no longer on the page
  const box = h('div', {});
  main.replaceChildren(box);
  delete main.dataset.ready;
  if (!page) {
    box.append(h('h1', {}, 'Nothing to show'),
                message('bad', `None of the workspace's pages is for the roles ${session.roles.join(', ')} yet.`));
    return;
  }
  document.title = `${page.title} - tfledger`;
  main.dataset.page = page.id;
  try {
    await page.render(box, {user: session.user, roles: session.roles, has: hasRole, go,
                             params: new URLSearchParams(query || '')});
  } catch (e) {
    if (e.status !== 401) box.append(message('bad', e.message));
  }
  if (box.isConnected) main.dataset.ready = page.id;
}

signoutButton.addEventListener('click', async () => {
  try { await call('DELETE', '/v1/session'); } catch (e) { /* ended already */ }
  showSignIn('You are signed out.');
});
setSignedOutHandler(() => showSignIn('Your session ended; sign in again.'));
window.addEventListener('hashchange', route);

if (localStorage.getItem(HINT)) call('GET', '/v1/session', {signIn: true}).then(start, () => showSignIn());
else showSignIn();
