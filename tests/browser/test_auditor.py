#!/usr/bin/python3
"""test_auditor.py - the auditor's pages in a real browser (Debian's
chromium, headless) against the real tfledgerd that tests/browser/run-roles.sh
starts, signing its reports with a throwaway key.

Kofi (auditor) reads the journal: its head and the latest checkpoint
holding are the head route's, the whole chain's state on request the
verify route's, each entry's sequence and hash the API's, a page at a time on its
cursor; downloads a signed account statement and the served certificate
from the pages, and `tfledger report verify --cert` passes on them (and
fails on the statement changed by one figure); every report kind
downloads signed; the checkpoints are the API's and one downloaded
verifies with xmlsec1 against the certificate; the audit log filtered by
person and time is exactly the API's (a bad time refused next to its
field). An auditor sees no write control on any page, and a forced write
from the page is 403. Every page: axe-core, screenshots at 1280 and 360 px.
"""
import json
import os
import subprocess
import unittest

from selenium.webdriver.common.by import By

from base import Browser, KOFI, plain, shown

CLI = os.environ["TFLEDGER_CLI"]
FROM, TO = "2018-01-01", "2019-12-31"
# the forms an auditor may see: they read, and store nothing
READ_FORMS = {"As of", "Filter the journal", "Download a signed account statement", "Balances as of",
              "Download a signed report", "Filter the audit log",
              "What if: another budget (stores nothing)"}


class Auditor(Browser):
    def verify(self, report, cert):
        return subprocess.run([CLI, "report", "verify", report, "--cert", cert],
                              capture_output=True, text=True)

    def certificate(self):
        """The current certificate, downloaded from the page (statements)."""
        link = self.d.find_element(By.CSS_SELECTOR, 'a[data-cert="current"]')
        name = link.get_attribute("download")
        link.click()
        return self.downloaded(name)

    def test_01_the_journal_and_its_chain(self):
        self.sign_in(KOFI)
        self.open_page("journal", "?limit=5")
        # on opening: the head and the latest checkpoint, as the API says
        head = self.api("/v1/journal/head")
        self.assertTrue(head["checkpoint"]["holds"])
        state = self.d.find_element(By.CSS_SELECTOR, "[data-checkpoint]")
        self.assertEqual(state.get_attribute("data-checkpoint"), "holds")
        self.assertIn(f"head is sequence {head['sequence']}, hash {head['hash']}", state.text)
        self.assertIn(f"checkpoint, #{head['checkpoint']['id']} of {head['checkpoint']['at']} at sequence "
                      f"{head['checkpoint']['sequence']}, holds", state.text)
        self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "[data-chain]"), [], "not verified unasked")
        # the whole chain on request: the verify route's answer
        self.d.find_element(By.XPATH, "//button[normalize-space()='Verify the whole chain']").click()
        chain = self.api("/v1/journal/verify")
        self.assertTrue(chain["ok"])
        state = self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, "[data-chain]"), "the chain verified")[0]
        self.assertEqual(state.get_attribute("data-chain"), "ok")
        self.assertIn(f"{chain['entries']} entries checked, head {chain['head']}", state.text)
        # the first two pages, on the API's cursor
        first = self.api("/v1/entries?limit=5")
        second = self.api(f"/v1/entries?limit=5&after={first['next']}")
        rows = lambda: self.d.find_elements(By.CSS_SELECTOR, "tr[data-sequence]")
        self.assertEqual(len(rows()), 5)
        more = self.d.find_element(By.CSS_SELECTOR, ".pager button")
        self.assertTrue(more.is_displayed())
        more.click()
        self.wait(lambda: len(rows()) == 10, "the second page")
        for row, e in zip(rows(), first["entries"] + second["entries"]):
            self.assertEqual(int(row.get_attribute("data-sequence")), e["sequence"])
            self.assertEqual(row.find_element(By.CSS_SELECTOR, "code.hash").text, e["hash"])
            for p in e["postings"]:
                self.assertIn(f"{p['account']} {shown(p['amount'])} {p['currency']}", row.text)
        self.check_accessible("journal")
        self.screenshots("journal")

    def test_02_a_signed_statement_verified_with_the_served_certificate(self):
        self.sign_in(KOFI)
        self.open_page("statements", f"?as_of={TO}")
        bal = self.api(f"/v1/accounts/1010-EUR/balance?as_of={TO}")
        self.assertEqual(plain(self.d.find_element(
            By.CSS_SELECTOR, '[data-figure="balance-1010-EUR"]').text), bal["balance"])
        self.assertEqual(bal["balance"], "40000.00")
        self.assertEqual(self.d.find_element(
            By.CSS_SELECTOR, '[data-figure="balance-1010-EUR"]').text, "40,000.00 EUR")
        form = self.form("Download a signed account statement")
        self.fill(form, {"account": "1010-EUR", "from": FROM, "to": TO})
        self.assertIn("saved", self.submit(form, "good"))
        report = self.downloaded(f"account-statement-1010-EUR-{FROM}-{TO}.xml")
        cert = self.certificate()
        served = self.api("/v1/signing/certificates")["certificates"][0]
        with open(cert, encoding="utf-8") as f:
            self.assertEqual(f.read(), served["pem"])
        ok = self.verify(report, cert)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        # the check can fail: one figure changed in the file
        with open(report, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("40000.00", text)
        tampered = report + ".changed.xml"
        with open(tampered, "w", encoding="utf-8") as f:
            f.write(text.replace("40000.00", "40001.00", 1))
        bad = self.verify(tampered, cert)
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.check_accessible("statements")
        self.screenshots("statements")

    def test_03_every_report_kind_downloads_signed(self):
        self.sign_in(KOFI)
        self.open_page("reports")
        cert = self.certificate()
        kinds = [o.get_attribute("value") for o in self.d.find_elements(
            By.CSS_SELECTOR, "select[name=kind] option")]
        self.assertEqual(len(kinds), 15)
        # travel-allocation needs a ranked meeting: test_secretariat.py, run
        # before this file by run-roles.sh, ranks igf2019-mag1
        args = {"reconciliation": {"bank_account": "1010-EUR"},
                "travel-allocation": {"meeting": "igf2019-mag1"}}
        for kind in kinds:
            form = self.form("Download a signed report")
            self.fill(form, dict({"kind": kind, "from": "2019-01-01", "to": TO}, **args.get(kind, {})))
            said = self.submit(form)
            self.assertIn("signed by the server", said, kind)
            report = self.downloaded(f"{kind}-2019-01-01-{TO}.xml")
            ok = self.verify(report, cert)
            self.assertEqual(ok.returncode, 0, f"{kind}: {ok.stdout}{ok.stderr}")
        # a refusal is the API's words, not a file
        form = self.form("Download a signed report")
        self.fill(form, {"kind": "reconciliation", "from": "2019-01-01", "to": TO, "bank_account": ""})
        files = sorted(os.listdir(self.downloads))
        said = self.submit(form, "bad")
        r = self.fetch("GET", f"/v1/reports/reconciliation?from=2019-01-01&to={TO}", csrf=False)
        self.assertEqual(r["status"], 400, r["text"])
        self.assertEqual(said, json.loads(r["text"])["error"]["message"])
        self.assertEqual(sorted(os.listdir(self.downloads)), files, "no file saved for a refusal")
        self.check_accessible("reports")
        self.screenshots("reports")

    def test_04_checkpoints(self):
        self.sign_in(KOFI)
        self.open_page("checkpoints")
        cps = self.api("/v1/checkpoints")["checkpoints"]
        self.assertTrue(cps, "run-roles.sh issued one")
        rows = self.d.find_elements(By.CSS_SELECTOR, "tr[data-checkpoint]")
        self.assertEqual(len(rows), len(cps))
        for row, c in zip(rows, cps):
            self.assertIn(c["head_hash"], row.text)
            self.assertIn(f" {c['sequence']} ", f" {row.text} ")
            self.assertIn(c["created_by"], row.text)
        cert = self.certificate()
        rows[0].find_element(By.TAG_NAME, "button").click()
        xml = self.downloaded(f"checkpoint-{cps[0]['id']}.xml")
        ok = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", cert, xml],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.check_accessible("checkpoints")
        self.screenshots("checkpoints")

    def test_05_the_audit_log_by_person_and_time(self):
        self.sign_in(KOFI)
        self.open_page("audit")
        form = self.form("Filter the audit log")
        self.fill(form, {"user": "fatou", "from": "2000-01-01", "to": "2100-01-01T00:00:00Z"})
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait(lambda: "user=fatou" in self.d.current_url, "the filter in the URL")
        self.ready("audit")
        want = self.api("/v1/audit?user=fatou&from=2000-01-01&to=2100-01-01T00:00:00Z&limit=100")
        self.assertTrue(want["audit"])
        rows = self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, "tr[data-audit]"), "the rows")
        self.assertEqual([int(r.get_attribute("data-audit")) for r in rows],
                         [a["id"] for a in want["audit"]])
        for r in rows:
            self.assertEqual(r.find_elements(By.TAG_NAME, "td")[2].text, "fatou")
        everyone = self.api("/v1/audit?limit=1000")["audit"]
        self.assertGreater(len(everyone), len(want["audit"]), "the filter left others out")
        # a time in the future: nothing
        self.open_page("audit", "?user=fatou&from=2100-01-01")
        self.assertIn("Nothing in the audit log matches.", self.d.find_element(By.ID, "main").text)
        # a bad time: the API's words next to its field
        form = self.form("Filter the audit log")
        self.fill(form, {"from": "yesterday"})
        self.submit(form, "bad")
        err = form.find_element(By.CSS_SELECTOR, "input[name=from] ~ .err").text
        self.assertIn("from", err)
        self.check_accessible("audit")
        self.screenshots("audit")

    def test_06_an_auditor_reaches_no_write(self):
        self.sign_in(KOFI)
        pages = [a.get_attribute("data-page") for a in self.d.find_elements(By.CSS_SELECTOR, "#nav a")]
        for page in ("journal", "statements", "reports", "checkpoints", "audit",
                     "meetings", "applicants", "ranking", "trips"):
            self.assertIn(page, pages)
        self.assertNotIn("approval", pages)
        # CONTRACT.md: the navigation's visible link texts name these
        texts = " | ".join(a.text for a in self.d.find_elements(By.CSS_SELECTOR, "#nav a"))
        for word in ("Donors", "Bank", "Travel", "Reports", "Journal"):
            self.assertIn(word, texts)
        for page in pages:
            self.open_page(page)
            forms = {f.get_attribute("aria-label") for f in self.d.find_elements(By.TAG_NAME, "form")}
            self.assertEqual(forms - READ_FORMS, set(), f"{page}: a write form shown to an auditor")
            self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "[data-writes]"), [], page)
        for page in ("meetings", "applicants", "ranking", "trips"):
            self.open_page(page)
            self.check_accessible(f"{page} (auditor)")
            self.screenshots(f"{page}-auditor")
        # forced from the page: the API refuses each write, 403, nothing stored
        before = self.api("/v1/meetings")
        for method, path, body in (
                ("POST", "/v1/meetings", {"id": "audit-x", "name": "x", "starts_on": "2019-06-01",
                                          "ends_on": "2019-06-02", "place": "x", "currency": "USD"}),
                ("PATCH", "/v1/meetings/igf2019-mag1/applicants/p-0615",
                 {"reason": "auditor", "forms_complete": "no"}),
                ("POST", "/v1/meetings/igf2019-mag1/approve", {}),
                ("POST", "/v1/meetings/igf2019-mag1/rank", {}),
                ("POST", "/v1/meetings/igf2019-mag1/trips/p-0268/decline", {})):
            r = self.fetch(method, path, body)
            self.assertEqual(r["status"], 403, f"{method} {path}: {r['text']}")
            self.assertIn(json.loads(r["text"])["error"]["code"], ("forbidden",), path)
        self.assertEqual(self.api("/v1/meetings"), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
