// format.js - how the workspace shows money and dates. Amounts arrive from
// the API as decimal strings with exactly their currency's ISO 4217 digits
// ("1234567.50" USD, "1250" JPY, "-3.125" KWD): they are shown by inserting
// thousands separators into the string, never through a JS number, so the
// digits on screen are the API's. Sums are the API's too; chartValue() is
// the one place a string becomes a number, for a chart bar's height only.

// "-1234567.50" -> "-1,234,567.50"; anything not a decimal string is shown as given.
export function money(amount) {
  if (amount === null || amount === undefined) return '';
  const s = String(amount);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] || '');
}

// "1,234.50 EUR"
export function moneyIn(amount, currency) {
  return currency ? `${money(amount)} ${currency}` : money(amount);
}

// ISO 8601 as the API gives it: a day stays YYYY-MM-DD; a timestamp is
// shown as YYYY-MM-DDTHH:MM:SSZ in UTC.
export function date(s) {
  if (!s) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const d = new Date(s);
  return isNaN(d) ? String(s) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Today in UTC as YYYY-MM-DD.
export function today() {
  return new Date().toISOString().slice(0, 10);
}

// A bar's height for Chart.js: the only float made from an amount; never shown as text.
export function chartValue(amount) {
  const n = Number(amount);
  return Number.isFinite(n) ? n : 0;
}
