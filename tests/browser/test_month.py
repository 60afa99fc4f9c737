#!/usr/bin/python3
"""test_month.py - finance's month-end in a real browser (Debian's chromium,
headless, through chromedriver) against the real tfledgerd that
tests/browser/run-month.sh starts on a private cluster with the demo's
books, February 2019's UN rates left out.

Fatou (finance) does February 2019 without a terminal: uploads the month's
rates (a file with a bad line first: refused by its line and column,
nothing stored), revalues the month, charges its programme support costs,
signs off the EUR account's reconciliation, closes the month with the CHF
account's reconciliation still open (refused without a reason, closed
with one), sets a budget line, and signs Finland's indicative pledge. Each
figure a page shows is compared with what the API answers to a read of
its own (fetched over HTTP from the same browser). The admin sees the
sign-off's reopen form; finance does not. axe-core on each page (no
serious or critical violation) and screenshots at 1280 and 360 px.

Environment (run-month.sh): TFLEDGER_WEB_URL, TFLEDGER_SCREENSHOTS,
TFLEDGER_AXE, TFLEDGER_WORK (base.py); TFLEDGER_RATES,
TFLEDGER_RATES_BAD (February's rates, good and with a bad line).
"""
import os
import unittest

from selenium.webdriver.common.by import By

from base import URL, Browser, plain, shown

RATES = os.environ["TFLEDGER_RATES"]
RATES_BAD = os.environ["TFLEDGER_RATES_BAD"]
FATOU = ("fatou", "fatou's test passphrase")
INES = ("ines", "ines's test passphrase")
MONTH = "2019-02"
CHF = "reconciliation:CH9300762011623852957"
EUR = "reconciliation:DE89370400440532013000"


class Month(Browser):
    # --- helpers ---------------------------------------------------------

    def figure(self, name):
        els = self.d.find_elements(By.CSS_SELECTOR, f'[data-figure="{name}"]')
        self.assertEqual(len(els), 1, f"one figure {name} on the page")
        return els[0].text

    def period(self, month):
        return next(p for p in self.api("/v1/periods")["periods"] if p["month"] == month)

    def sequence(self, entry_id):
        return self.api(f"/v1/entries/{entry_id}")["sequence"]

    def month_page(self):
        """The month-end page of MONTH loaded afresh (from another URL first:
        the same URL again would keep the page as it was)."""
        self.d.get(URL + "/web/app.css")
        self.open_page("month-end", f"?month={MONTH}")

    # --- the tests -------------------------------------------------------

    def test_01_rates_uploaded(self):
        self.sign_in(FATOU)
        self.open_page("rates")
        self.assertEqual([r for r in self.api("/v1/rates")["rates"] if r["month"] == MONTH], [])
        form = self.form("Upload a month\u2019s UN rates (CSV)")
        form.find_element(By.NAME, "file").send_keys(RATES_BAD)
        said = self.submit(form, "bad")
        self.assertIn("Line 3 of rates-2019-02-bad.csv, column usd_per_unit", said)
        self.assertIn('"one"', said)
        self.assertEqual([r for r in self.api("/v1/rates")["rates"] if r["month"] == MONTH], [],
                         "nothing stored")
        form.find_element(By.NAME, "file").send_keys(RATES)
        said = self.submit(form, "good")
        self.assertIn("rates-2019-02.csv: 3 rates stored, 0 stored before", said)
        stored = [r for r in self.api("/v1/rates")["rates"] if r["month"] == MONTH]
        self.assertEqual(len(stored), 3)
        self.d.get(URL + "/web/app.css")
        self.open_page("rates", f"?month={MONTH}")
        for r in stored:
            self.assertEqual(self.figure(f"rate-{r['currency']}-{r['month']}"), r["usd_per_unit"])
        # a correction needs its reason: refused under the field, nothing changed
        form = self.form("Correct a rate")
        self.fill(form, {"currency": "EUR", "month": MONTH, "usd_per_unit": "1.15"})
        said = self.submit(form, "bad")
        self.assertIn("reason", said)
        self.assertEqual(self.api("/v1/rates/corrections")["corrections"], [])
        self.check_accessible("rates")
        self.screenshots("rates")

    def test_02_month_revalued_and_psc_charged(self):
        self.sign_in(FATOU)
        self.month_page()
        # what blocks the close, as the API says it
        items = [i["item"] for i in self.period(MONTH)["open_items"]]
        self.assertEqual(items, [f"revaluation:{MONTH}", f"psc:{MONTH}", CHF, EUR])
        shown_items = [e.get_attribute("data-item")
                       for e in self.d.find_elements(By.CSS_SELECTOR, "[data-item]")]
        self.assertEqual(shown_items, items)
        self.screenshots("month-end-open")
        said = self.submit(self.form(f"Revalue {MONTH}"), "good")
        check = self.api(f"/v1/revaluations/{MONTH}")
        self.assertTrue(check["current"])
        seq = self.sequence(check["entry_id"])
        self.assertIn(f"February 2019 revalued: gain {shown(check['posted'])} USD", said)
        self.assertIn(f"entry #{seq}", said)
        self.month_page()
        self.assertEqual(plain(self.figure("reval-computed")), check["computed"])
        self.assertEqual(plain(self.figure("reval-posted")), check["posted"])
        self.assertEqual(self.figure("reval-current"), "yes")
        listed = [r for r in self.api("/v1/revaluations")["revaluations"] if r["month"] == MONTH]
        self.assertEqual(len(listed), 1)

        said = self.submit(self.form(f"Charge the programme support costs of {MONTH}"), "good")
        status = self.api(f"/v1/budgets/status?year=2019&as_of={MONTH}-28")
        lines = {ln["line"]: ln for ln in status["lines"]}
        base = lines["staff"]["expenditure"]
        psc = lines["psc"]["expenditure"]
        entry = self.api(f"/v1/entries/{self.psc_entry()}")
        self.assertEqual([p["amount"] for p in entry["postings"]], [psc, psc])
        self.assertIn(f"13% of {shown(base)} USD = {shown(psc)} USD charged", said)
        self.assertIn(f"entry #{entry['sequence']}", said)
        items = [i["item"] for i in self.period(MONTH)["open_items"]]
        self.assertEqual(items, [CHF, EUR])
        self.check_accessible("month-end")

    def psc_entry(self):
        """The id of the entry that charged the month's PSC (5800-USD)."""
        entries = self.api(f"/v1/entries?account=5800-USD&from={MONTH}-01&to={MONTH}-28")["entries"]
        self.assertEqual(len(entries), 1)
        return entries[0]["id"]

    def test_03_reconciliation_signed_off(self):
        self.sign_in(FATOU)
        self.month_page()
        self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "form[aria-label^='Reopen sign-off']"),
                         [], "finance does not reopen a sign-off")
        form = self.form("Sign off a reconciliation")
        self.fill(form, {"bank_account": "1010-EUR|DE89370400440532013000",
                         "period_end": f"{MONTH}-28"})
        said = self.submit(form, "good")
        (s,) = self.api("/v1/reconcile/signoffs")["signoffs"]
        self.assertEqual((s["bank_account"], s["period_end"], s["open"]), ("1010-EUR", f"{MONTH}-28", True))
        self.assertIn(f"1010-EUR signed off to {MONTH}-28: bank {shown(s['bank_closing'])} EUR, "
                      f"ledger {shown(s['ledger_balance'])} EUR, difference {shown(s['difference'])} EUR, "
                      f"{s['unmatched_lines']} lines unmatched", said)
        self.month_page()
        self.assertEqual(plain(self.figure(f"signoff-{s['id']}-difference")), s["difference"])
        self.assertEqual([i["item"] for i in self.period(MONTH)["open_items"]], [CHF])

    def test_04_month_closed_with_an_item_acknowledged(self):
        self.sign_in(FATOU)
        self.month_page()
        form = self.form(f"Close {MONTH}")
        # no reason for the open item: refused in the API's words, still open
        said = self.submit(form, "bad")
        self.assertIn(f"{MONTH} is not ready to close, 1 open item: {CHF}", said)
        self.assertEqual(self.period(MONTH)["status"], "open")
        reason = "the CHF statement is being checked with the bank"
        self.fill(form, {"ack-0": reason})
        said = self.submit(form, "good")
        p = self.period(MONTH)
        self.assertEqual(p["status"], "closed")
        (ev,) = p["events"]
        self.assertEqual([(a["item"], a["reason"]) for a in ev["acknowledged"]], [(CHF, reason)])
        self.assertIn(f"{MONTH} closed by fatou; acknowledged: {CHF} ({reason})", said)
        self.month_page()
        self.check_accessible("month-end")
        self.screenshots("month-end")

    def test_05_year_close_refused_in_words(self):
        self.sign_in(FATOU)
        self.month_page()
        form = self.form("Close a year")
        self.fill(form, {"year": "2019"})
        said = self.submit(form, "bad")
        self.assertIn("the year 2019 is not ready to close", said)
        self.assertIn("year:2018", said)
        self.assertFalse(next(y for y in self.api("/v1/years")["years"] if y["year"] == 2019)["closed"])

    def test_06_budget_set(self):
        self.sign_in(FATOU)
        self.open_page("budgets", "?year=2019&as_of=2019-02-28")
        form = self.form("Set a budget line")
        self.fill(form, {"year": "2019", "line": "staff", "amount": "250000"})
        said = self.submit(form, "bad")
        self.assertIn("amount", said)
        self.assertEqual(self.api("/v1/budgets?year=2019")["budgets"], [], "nothing stored")
        self.fill(form, {"year": "2019", "line": "staff", "amount": "250000.00"})
        said = self.submit(form, "good")
        self.assertIn("Staff and other personnel costs 2019: 250,000.00 USD (revision 0, the original)", said)
        self.d.get(URL + "/web/app.css")
        self.open_page("budgets", "?year=2019&as_of=2019-02-28")
        status = self.api("/v1/budgets/status?year=2019&as_of=2019-02-28")
        for ln in status["lines"]:
            for k in ("final", "obligations", "expenditure", "balance"):
                self.assertEqual(plain(self.figure(f"budget-{ln['line']}-{k}")), ln[k])
        self.assertEqual(plain(self.figure("budget-total-balance")), status["totals"]["balance"])
        self.check_accessible("budgets")
        self.screenshots("budgets")

    def test_07_indicative_pledge_signed(self):
        self.sign_in(FATOU)
        self.open_page("pledges")
        (p,) = [p for p in self.api("/v1/pledges")["pledges"] if p["status"] == "indicative"]
        form = self.form("Sign an indicative pledge")
        self.fill(form, {"pledge": str(p["id"]), "date": "2019-03-05"})
        said = self.submit(form, "bad")
        self.assertIn("agreement", said)
        self.assertEqual([q["status"] for q in self.api("/v1/pledges")["pledges"] if q["id"] == p["id"]],
                         ["indicative"], "nothing stored")
        self.fill(form, {"pledge": str(p["id"]), "agreement": "IGF-TF-2019-08", "date": "2019-03-05"})
        said = self.submit(form, "good")
        (signed,) = [q for q in self.api("/v1/pledges")["pledges"] if q["id"] == p["id"]]
        self.assertEqual((signed["status"], signed["agreement"], signed["signed_on"]),
                         ("signed", "IGF-TF-2019-08", "2019-03-05"))
        self.assertIn(f"Pledge #{p['id']} signed: agreement IGF-TF-2019-08, "
                      f"{shown(signed['amount'])} EUR from finland, "
                      f"entry #{self.sequence(signed['entry_id'])}", said)
        self.check_accessible("pledges")
        self.screenshots("pledges-sign")

    def test_08_the_admin_reopens_a_signoff(self):
        self.sign_in(INES)
        self.month_page()
        (s,) = self.api("/v1/reconcile/signoffs")["signoffs"]
        form = self.form(f"Reopen sign-off {s['id']}")
        said = self.submit(form, "bad")
        self.assertIn("reason", said)
        self.assertTrue(self.api("/v1/reconcile/signoffs")["signoffs"][0]["open"])
        self.fill(form, {"reason": "the bank corrected its statement"})
        said = self.submit(form, "good")
        (s,) = self.api("/v1/reconcile/signoffs")["signoffs"]
        self.assertEqual((s["open"], s["reopened_by"], s["reopen_reason"]),
                         (False, "ines", "the bank corrected its statement"))
        self.assertIn(f"Sign-off {s['id']} of 1010-EUR reopened", said)


if __name__ == "__main__":
    unittest.main(verbosity=2)
