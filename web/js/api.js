// api.js - the workspace's one door to tfledgerd's /v1 API. The session is
// the HttpOnly cookie the browser sends by itself; every write (anything
// but GET and HEAD) carries the session's CSRF token in X-CSRF-Token and an
// Idempotency-Key. A 401 means the session ended or expired: the page
// goes back to the sign-in form (onSignedOut). Errors are ApiError with
// the API's code and message in words (error.message names the field).

let csrf = null;
let onSignedOut = () => {};
// After a 401 no call goes out until the next sign-in: tfledgerd counts
// each refused request as a failed authentication of this address (429
// after 5), and a page's parallel calls must not all be refused.
let ended = false;
let lastOk = 0;

// The session's CSRF token (from POST /v1/sessions or GET /v1/session), or
// null; a token opens the door again after a 401.
export function setCsrf(token) {
  csrf = token || null;
  ended = !csrf;
}
// When (Date.now()) the server last answered a call with success: the
// session's idle timeout counts from there.
export function lastSuccessMs() { return lastOk; }
// Called after any 401 but a sign-in's own.
export function setSignedOutHandler(fn) { onSignedOut = fn; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  // The request field the message names ("amount: ..." -> "amount"), or null.
  get field() {
    const m = /^([a-z_]+)(\[\d+\])?(\.[a-z_]+)?: /.exec(this.message || '');
    return m ? m[1] : null;
  }
}

// A fresh Idempotency-Key (128 random bits in hex): a form keeps one until
// it succeeds, so pressing its button twice stores once.
export function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Path with query parameters, skipping empty ones.
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// One call: method, path, and opts {json, body, type, key, signIn}. Resolves
// to the parsed JSON (or text; null for 204), rejects with ApiError.
export async function call(method, path, opts = {}) {
  if (ended && !opts.signIn) throw new ApiError(401, 'unauthenticated', 'You are signed out; sign in again.');
  const headers = {Accept: 'application/json'};
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.type || 'application/octet-stream';
    body = opts.body;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    headers['Idempotency-Key'] = opts.key || newKey();
  }
  let r;
  try {
    r = await fetch(path, {method, headers, body, credentials: 'same-origin', cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, 'unavailable', 'tfledgerd cannot be reached: ' + e.message);
  }
  if (r.status === 204) return null;
  const text = await r.text();
  let data = text;
  if ((r.headers.get('Content-Type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!r.ok) {
    const err = (data && data.error) || {};
    const e = new ApiError(r.status, err.code || 'http-' + r.status,
                           err.message || `the server answered ${r.status}`);
    if (r.status === 401 && !opts.signIn && !ended) {
      ended = true;
      onSignedOut(e);
    }
    throw e;
  }
  lastOk = Date.now();
  return data;
}

export const get = (path, params) => call('GET', withQuery(path, params));
export const post = (path, json, opts = {}) => call('POST', path, {...opts, json});

// Every row of a list paginated on the API's cursor (key: the answer's
// array), following "next" until null, 1000 rows a call (the API's
// largest page). For figures that must cover the whole list (the
// dashboard's) and a form's choices; a list a person reads is shown a page
// at a time instead (ui.js pagedTable).
export async function getAll(path, key, params = {}) {
  const rows = [];
  let after;
  for (;;) {
    const r = await get(path, {...params, after, limit: 1000});
    rows.push(...r[key]);
    if (r.next === null || r.next === undefined) return rows;
    after = r.next;
  }
}
