#!/usr/bin/python3
"""test_workspace.py - the web workspace in a real browser (Debian's chromium,
headless, through chromedriver) against the real tfledgerd that
tests/browser/run.sh starts on a private cluster with the demo's books.

Finance's main path: sign in; the dashboard's figures equal the API's
(both fetched); a pledge recorded through the form (and a bad amount
refused next to its field, nothing stored); a camt.053 uploaded through
the bank page and a match confirmed from the queue. Refusals: a wrong
password, a write without the CSRF token (403 csrf, nothing stored), an
ended session (back to the sign-in form), an auditor's write (403, and no
form shown). Every page: axe-core finds no serious or critical violation,
and a screenshot at 1280 and at 360 px wide. Lists: the pledges a page at
a time, the "Next page" button following the API's cursor to the end.

Environment (run.sh): TFLEDGER_WEB_URL, TFLEDGER_SCREENSHOTS,
TFLEDGER_STATEMENT, TFLEDGER_AXE, TFLEDGER_WORK (base.py).
"""
import json
import os
import re
import unittest
import xml.etree.ElementTree as ET

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from base import URL, Browser

STATEMENT = os.environ["TFLEDGER_STATEMENT"]
FATOU = ("fatou", "fatou's test passphrase")
KOFI = ("kofi", "kofi's test passphrase")
AS_OF = "2019-12-31"
FINANCE_PAGES = ["dashboard", "donors", "pledges", "receipts", "in-kind", "bank", "periods"]
# finance's month-end pages, tested in test_month.py (run-month.sh)
MONTH_PAGES = ["rates", "month-end", "budgets"]


def plain(text):
    """A figure as shown ("1,234.50") as the API writes it ("1234.50")."""
    return text.replace(",", "").strip()


class Workspace(Browser):
    # --- helpers ---------------------------------------------------------

    def figure(self, name):
        els = self.d.find_elements(By.CSS_SELECTOR, f'[data-figure="{name}"]')
        self.assertEqual(len(els), 1, f"one figure {name} on the page")
        return els[0].text

    # --- the tests -------------------------------------------------------

    def test_01_wrong_password_is_refused(self):
        self.d.get(URL + "/")
        self.ready("signin")
        self.check_accessible("signin")
        self.screenshots("signin")
        self.sign_in(("fatou", "not the passphrase"), expect_ok=False)
        msg = self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, ".msg.bad"),
                        "the refusal")
        self.assertIn("password", msg[0].text.lower())
        self.assertEqual(self.d.execute_script(
            "return document.getElementById('main').dataset.ready"), "signin")
        self.assertEqual(self.fetch("GET", "/v1/session", csrf=False)["status"], 401)

    def test_02_dashboard_figures_equal_the_apis(self):
        self.sign_in(FATOU)
        self.assertEqual(self.d.execute_script(
            "return document.getElementById('main').dataset.ready"), "dashboard")
        self.open_page("dashboard", f"?as_of={AS_OF}")
        self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, '[data-figure="budget-travel"]'),
                  "the budget's figures")
        travel = self.api(f"/v1/funds/travel-available?as_of={AS_OF}")
        self.assertEqual(plain(self.figure("travel-available-usd")), travel["available_usd"])
        for c in travel["currencies"]:
            self.assertEqual(plain(self.figure(f"travel-available-{c['currency']}")), c["available"])
        avail = self.api(f"/v1/funds/available?as_of={AS_OF}")
        self.assertEqual(plain(self.figure("available-usd")), avail["available_usd"])
        for p in self.api("/v1/pledges")["pledges"]:
            self.assertEqual(plain(self.figure(f"pledged-{p['id']}")), p["amount"])
            self.assertEqual(plain(self.figure(f"received-{p['id']}")), p["settled"])
            self.assertEqual(plain(self.figure(f"open-{p['id']}")), p["open"])
        for d in self.api("/v1/donors")["donors"]:
            self.assertEqual(plain(self.figure(f"given-{d['id']}")), d["given_usd"])
        budget = self.api(f"/v1/budgets/status?year=2019&as_of={AS_OF}")
        for line in budget["lines"] + [dict(budget["totals"], line="total")]:
            for k, f in (("final", "budget"), ("obligations", "obligations"),
                         ("expenditure", "expenditure"), ("balance", "balance")):
                self.assertEqual(plain(self.figure(f"{f}-{line['line']}")), line[k])
        # cash: the financial-position report's cash line, read here on its own
        xml = self.fetch("GET", f"/v1/reports/financial-position?from=2019-01-01&to={AS_OF}",
                         csrf=False)
        self.assertEqual(xml["status"], 200, xml["text"][:300])
        ns = {"r": "urn:tfledger:report:1"}
        cash = [l for l in ET.fromstring(xml["text"].encode()).iter("{urn:tfledger:report:1}line")
                if l.get("id") == "cash"][0]
        accounts = cash.findall("r:account", ns)
        self.assertTrue(accounts, "the report has cash")
        for a in accounts:
            self.assertEqual(plain(self.figure(f"cash-{a.get('code')}")), a.find("r:amount", ns).text)
            self.assertEqual(plain(self.figure(f"cash-usd-{a.get('code')}")), a.find("r:usd", ns).text)
        self.assertEqual(plain(self.figure("cash-total-usd")), cash.find("r:total-usd", ns).text)
        # thousands separators, the currency's digits kept
        self.assertEqual(self.figure("budget-travel"), "300,000.00")
        self.assertEqual(self.figure("pledged-1"), "300,000.00")
        self.assertEqual(self.d.execute_script(
            "return document.querySelectorAll('canvas').length"), 4, "the dashboard's charts")

    def test_03_a_pledge_recorded_through_the_form(self):
        self.sign_in(FATOU)
        self.open_page("pledges")
        before = len(self.api("/v1/pledges")["pledges"])
        form = self.d.find_element(By.CSS_SELECTOR, "form[aria-label='Record a pledge']")

        def fill(amount):
            Select(form.find_element(By.NAME, "donor")).select_by_value("switzerland")
            for name, value in (("date", "2019-06-03"), ("amount", amount), ("currency", "CHF"),
                                ("agreement", "IGF-TF-2019-09")):
                el = form.find_element(By.NAME, name)
                if name == "date":
                    self.d.execute_script("arguments[0].value = arguments[1]", el, value)
                else:
                    el.clear()
                    el.send_keys(value)
            self.d.execute_script("arguments[0].value = '2019-06-10'",
                                  form.find_element(By.NAME, "signed_on"))
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        # a bad amount: the API's words under the amount field, nothing stored
        fill("1234.5")
        err = self.wait(lambda: form.find_element(By.CSS_SELECTOR, "input[name=amount] ~ .err").text,
                        "the amount's error")
        self.assertIn("amount", err)
        self.assertEqual(form.find_element(By.NAME, "amount").get_attribute("aria-invalid"), "true")
        self.assertEqual(len(self.api("/v1/pledges")["pledges"]), before)
        fill("25000.50")
        self.wait(lambda: form.find_elements(By.CSS_SELECTOR, ".msg.good"), "the pledge recorded")
        pledges = self.api("/v1/pledges")["pledges"]
        self.assertEqual(len(pledges), before + 1)
        new = pledges[-1]
        self.assertEqual((new["donor"], new["amount"], new["currency"], new["status"]),
                         ("switzerland", "25000.50", "CHF", "signed"))
        self.wait(lambda: "25,000.50 CHF" in self.d.find_element(By.TAG_NAME, "table").text,
                  "the new pledge in the table")

    def test_04_upload_a_statement_and_confirm_a_match(self):
        self.sign_in(FATOU)
        self.open_page("bank")
        form = self.d.find_element(By.CSS_SELECTOR, "form[aria-label='Upload a bank statement']")
        form.find_element(By.NAME, "file").send_keys(STATEMENT)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        msg = self.wait(lambda: form.find_elements(By.CSS_SELECTOR, ".msg"), "the upload's answer")
        self.assertIn("camt.053", msg[0].text)
        self.assertIn("new", msg[0].text)
        # the page shows the queue of the linked EUR account; Finland's credit
        # names its agreement: its pledge is the candidate to confirm
        sel = '[data-bank-line] [data-candidate="pledge:1"] button'
        self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, sel), "Finland's line in the queue")
        self.assertFalse(self.d.find_elements(By.CSS_SELECTOR, "#main .msg.bad"),
                         "no error on the bank page once a statement is in")
        line = self.d.find_element(By.CSS_SELECTOR, '[data-candidate="pledge:1"]').find_element(
            By.XPATH, "ancestor::li[@data-bank-line]").get_attribute("data-bank-line")
        self.check_accessible("bank with a queue")
        self.screenshots("bank-queue")
        confirm = [b for b in self.d.find_elements(By.CSS_SELECTOR, sel) if b.text == "Confirm"][0]
        confirm.click()
        self.wait(lambda: any(f"Bank line {line} matched" in m.text
                              for m in self.d.find_elements(By.CSS_SELECTOR, ".msg.good")),
                  "the match confirmed")
        receipts = [r for r in self.api("/v1/receipts")["receipts"] if r["bank_line"] == int(line)]
        self.assertEqual(len(receipts), 1, "the confirmed pledge's receipt, from the line")
        self.assertEqual((receipts[0]["pledge"], receipts[0]["amount"]), (1, "300000.00"))
        queue = self.api("/v1/reconcile/queue?bank_account=1010-EUR"
                         "&statement_account=DE89370400440532013000")
        self.assertNotIn(int(line), [l["bank_line"] for l in queue["lines"]])
        self.wait(lambda: not self.d.find_elements(By.CSS_SELECTOR, f'[data-bank-line="{line}"]'),
                  "the line gone from the queue")
        st = self.api("/v1/reconcile?bank_account=1010-EUR&statement_account=DE89370400440532013000")
        self.assertEqual(plain(self.figure("difference").split()[0]), st["statement"]["difference"])
        self.assertEqual(plain(self.figure("unexplained").split()[0]), st["statement"]["unexplained"])

    def test_05_a_write_without_the_csrf_token_is_refused(self):
        self.sign_in(FATOU)
        donor = {"id": "csrf-check", "name": "CSRF check", "org_type": "10", "country": "FIN"}
        r = self.fetch("POST", "/v1/donors", donor, csrf=False)
        self.assertEqual(r["status"], 403, r["text"])
        self.assertEqual(json.loads(r["text"])["error"]["code"], "csrf")
        ids = [d["id"] for d in self.api("/v1/donors")["donors"]]
        self.assertNotIn("csrf-check", ids)
        r = self.fetch("POST", "/v1/donors", donor, csrf=True)
        self.assertEqual(r["status"], 201, r["text"])

    def test_06_every_page_accessible_with_screenshots(self):
        self.sign_in(FATOU)
        links = [a.get_attribute("data-page")
                 for a in self.d.find_elements(By.CSS_SELECTOR, "#nav a")]
        self.assertEqual(links, FINANCE_PAGES + MONTH_PAGES)
        for page in FINANCE_PAGES:
            self.open_page(page, f"?as_of={AS_OF}" if page == "dashboard" else "")
            self.assertFalse(self.d.find_elements(By.CSS_SELECTOR, "#main .msg.bad"),
                             f"{page}: an error shown")
            self.check_accessible(page)
            self.screenshots(page)

    def test_07_an_auditor_reads_and_cannot_write(self):
        self.sign_in(KOFI)
        self.open_page("pledges")
        self.assertFalse(self.d.find_elements(By.CSS_SELECTOR, "form"), "no form for an auditor")
        self.assertTrue(self.d.find_elements(By.CSS_SELECTOR, "table"))
        r = self.fetch("POST", "/v1/pledges", {"donor": "uk", "date": "2019-06-01",
                                               "amount": "10.00", "currency": "GBP"})
        self.assertEqual(r["status"], 403, r["text"])
        self.assertEqual(json.loads(r["text"])["error"]["code"], "forbidden")

    def test_08_an_ended_session_returns_to_sign_in(self):
        self.sign_in(FATOU)
        # signing out ends the session on the server
        self.d.find_element(By.ID, "signout").click()
        self.ready("signin")
        self.assertEqual(self.fetch("GET", "/v1/session", csrf=False)["status"], 401)
        # a session ended elsewhere (another tab, the idle timeout): the next
        # page's call is 401 and the sign-in form is back, saying why
        self.sign_in(FATOU)
        r = self.fetch("DELETE", "/v1/session")
        self.assertEqual(r["status"], 204, r["text"])
        self.d.execute_script("location.hash = '#/donors'")
        self.ready("signin")
        self.assertIn("session ended", self.d.find_element(By.ID, "main").text)
        self.assertTrue(self.d.find_element(By.ID, "nav").get_attribute("hidden") is not None)


    def test_09_pledges_a_page_at_a_time_on_the_cursor(self):
        self.sign_in(KOFI)
        self.open_page("pledges", "?limit=2")
        first = self.api("/v1/pledges?limit=2")
        self.assertIsNotNone(first["next"], "the demo has more than two pledges")
        second = self.api(f"/v1/pledges?limit=2&after={first['next']}")
        rows = lambda: [int(r.get_attribute("data-row-id"))
                        for r in self.d.find_elements(By.CSS_SELECTOR, "tr[data-row-id]")]
        self.assertEqual(rows(), [p["id"] for p in first["pledges"]])
        more = self.d.find_element(By.CSS_SELECTOR, ".pager button")
        self.assertEqual(more.tag_name, "button")
        self.assertEqual(more.text, "Next page")
        self.assertTrue(more.is_displayed())
        # by keyboard: focus on the button, Enter loads the next page
        self.d.execute_script("arguments[0].focus()", more)
        more.send_keys("\n")
        want = [p["id"] for p in first["pledges"] + second["pledges"]]
        self.wait(lambda: rows() == want, "the second page appended")
        # to the end: every pledge once, in id order; the button gone and
        # focus on the line that says all are shown, not lost to the page
        every = []
        after = None
        while True:
            page = self.api("/v1/pledges?limit=1000" + (f"&after={after}" if after else ""))
            every += [p["id"] for p in page["pledges"]]
            after = page["next"]
            if after is None:
                break
        while more.is_displayed():
            n = len(rows())
            more.click()
            self.wait(lambda: len(rows()) > n or not more.is_displayed(), "the next page")
        self.assertEqual(rows(), every)
        self.assertEqual(len(set(rows())), len(rows()), "no pledge twice")
        said = self.d.find_element(By.CSS_SELECTOR, ".pager [aria-live]")
        self.assertEqual(said.text, f"All {len(every)} shown.")
        self.assertEqual(self.d.switch_to.active_element, said, "focus on the line, not lost")
        self.check_accessible("pledges (paged)")

if __name__ == "__main__":
    unittest.main(verbosity=2)
