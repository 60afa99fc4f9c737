// query.js - the query of the hash a page is shown with
// (#/ranking?meeting=igf2019-mag1, #/audit?user=tomas&from=2019-01-01):
// what a view is about lives in the URL, so it can be bookmarked and sent
// (the Secretariat sends the approver a link). ctx.params when the shell
// gives it, else read from location.hash.

// The hash's query of the page shown (#/ranking?meeting=x -> {meeting: 'x'}).
export function params(ctx) {
  if (ctx && ctx.params) return ctx.params;
  return new URLSearchParams(location.hash.split('?')[1] || '');
}

// Opens page with the query params (a bookmarkable hash).
export function open(page, query) {
  const q = new URLSearchParams(query || {}).toString();
  location.hash = `#/${page}${q ? '?' + q : ''}`;
}

// The link to page for meeting, as text to send (the approver's way in:
// the approver role reads runs, not the list of meetings).
export function link(page, meeting) {
  return `${location.origin}${location.pathname}#/${page}?meeting=${encodeURIComponent(meeting)}`;
}
