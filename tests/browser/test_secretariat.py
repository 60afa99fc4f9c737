#!/usr/bin/python3
"""test_secretariat.py - the Secretariat's pages in a real browser
(Debian's chromium, headless) against the real tfledgerd that
tests/browser/run-roles.sh starts with the meeting igf2019-mag1 and its
allocation.

Tomas (secretariat) adds a meeting (a bad id refused next to its field,
nothing stored); uploads the applicants: a file with one bad line is
refused whole, the page naming the line and the column, nothing stored;
then the good file; corrects one applicant with a reason (without one:
refused, naming reason); a what-if stores nothing; proposes a ranking whose
review shows the API's policy id and hash, budget, remaining and every
decision's sentence; approving his own ranking is refused with the API's
four-eyes words, and the run stays proposed. Mei (approver), a second
person, approves from the link. Tomas then records an applicant's decline
and the page names who is offered the place, as the API says; settles a
trip (paid before the USD arrived: refused in the API's words, nothing
stored; then paid, the rest released, the settlement's entry in the
journal) and records its trip report. Every page: axe-core, screenshots
at 1280 and 360 px.
"""
import json
import os
import unittest

from selenium.webdriver.common.by import By

from base import Browser, MEI, TOMAS, WORK, plain, shown

MEETING = "igf2019-mag1"
APPLICANTS = os.environ["TFLEDGER_APPLICANTS"]


class Secretariat(Browser):
    def applicants(self):
        return self.api(f"/v1/meetings/{MEETING}/applicants")["applicants"]

    def test_01_meetings_listed_and_added(self):
        self.sign_in(TOMAS)
        self.assertEqual(self.d.execute_script(
            "return document.getElementById('main').dataset.ready"), "meetings", "tomas's home")
        links = [a.get_attribute("data-page") for a in self.d.find_elements(By.CSS_SELECTOR, "#nav a")]
        self.assertEqual(links, ["meetings", "applicants", "ranking", "trips"])
        self.assertIn(MEETING, self.d.find_element(By.TAG_NAME, "table").text)
        form = self.form("Add a meeting")
        values = {"id": "Bad Id", "name": "Second MAG meeting 2019", "starts_on": "2019-06-12",
                  "ends_on": "2019-06-14", "place": "Geneva", "currency": "USD"}
        self.fill(form, values)
        said = self.submit(form, "bad")
        self.assertIn("id", said)
        self.assertEqual(form.find_element(By.NAME, "id").get_attribute("aria-invalid"), "true")
        self.assertEqual(len(self.api("/v1/meetings")["meetings"]), 1, "nothing stored")
        self.fill(form, dict(values, id="igf2019-mag2"))
        said = self.submit(form, "good")
        self.assertIn("igf2019-mag2 added", said)
        ids = [m["id"] for m in self.api("/v1/meetings")["meetings"]]
        self.assertEqual(sorted(ids), ["igf2019-mag1", "igf2019-mag2"])
        self.wait(lambda: "igf2019-mag2" in self.d.find_element(By.TAG_NAME, "table").text,
                  "the new meeting listed")
        self.check_accessible("meetings")
        self.screenshots("meetings")

    def test_02_applicants_uploaded_and_corrected(self):
        self.sign_in(TOMAS)
        self.open_page("applicants", f"?meeting={MEETING}")
        # one bad line: the whole file refused, its line and column named
        with open(APPLICANTS, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
        bad = os.path.join(WORK, "mag1-bad.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.writelines(lines[:4] + [lines[4].replace(",IND,", ",XXX,")] + lines[5:])
        form = self.form(f"Upload the applicants of {MEETING} (CSV)")
        form.find_element(By.NAME, "file").send_keys(bad)
        said = self.submit(form, "bad")
        self.assertIn("Line 5 of mag1-bad.csv, column country", said)
        self.assertIn("XXX", said)
        self.assertEqual(self.applicants(), [], "nothing stored")
        # the good file
        form.find_element(By.NAME, "file").send_keys(APPLICANTS)
        said = self.submit(form, "good")
        stored = self.applicants()
        self.assertEqual(len(stored), len(lines) - 1)
        self.assertIn(f"{len(stored)} applicants uploaded", said)
        table = self.wait(lambda: [t for t in self.d.find_elements(By.TAG_NAME, "table")
                                   if "p-0615" in t.text], "the applicants' table")[0]
        row = [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if "p-0615" in r.text][0]
        api = [a for a in stored if a["id"] == "p-0615"][0]
        self.assertIn(f"{shown(api['amount'])} {api['currency']}", row.text)
        # corrected one by one: a reason is required
        fix = self.form("Correct an applicant")
        self.fill(fix, {"applicant": "p-0615", "field": "forms_complete", "value": "yes", "reason": " "})
        said = self.submit(fix, "bad")
        self.assertIn("reason", said)
        self.assertEqual(fix.find_element(By.NAME, "reason").get_attribute("aria-invalid"), "true")
        self.assertEqual(self.api(f"/v1/meetings/{MEETING}/applicants/p-0615")["changes"], [])
        fix = self.form("Correct an applicant")
        self.fill(fix, {"applicant": "p-0615", "field": "forms_complete", "value": "yes",
                        "reason": "Funding forms received 2019-01-02"})
        said = self.submit(fix, "good")
        self.assertIn("p-0615: forms_complete corrected", said)
        changes = self.api(f"/v1/meetings/{MEETING}/applicants/p-0615")["changes"]
        self.assertEqual([(c["field"], c["new"], c["reason"], c["changed_by"]) for c in changes],
                         [("forms_complete", "yes", "Funding forms received 2019-01-02", "tomas")])
        history = self.wait(lambda: [t for t in self.d.find_elements(By.TAG_NAME, "table")
                                     if "Corrections of p-0615" in t.text], "the corrections")[0]
        self.assertIn("Funding forms received 2019-01-02", history.text)
        self.check_accessible("applicants")
        self.screenshots("applicants")

    def test_03_ranking_what_if_propose_and_four_eyes(self):
        self.sign_in(TOMAS)
        self.open_page("ranking", f"?meeting={MEETING}")
        runs = f"/v1/meetings/{MEETING}/runs"
        # a what-if with another budget stores nothing
        whatif = self.form("What if: another budget (stores nothing)")
        self.fill(whatif, {"budget": "5000.00", "as_of": "2019-01-02"})
        self.assertIn("nothing was stored", self.submit(whatif, "good"))
        self.assertEqual(self.api(runs)["runs"], [], "a what-if stores no run")
        box = self.wait(lambda: [e for e in self.d.find_elements(By.CSS_SELECTOR, "h2")
                                 if e.text.startswith("What if the budget were 5,000.00 USD")],
                        "the what-if's decisions")
        self.assertTrue(box)
        # propose: the stored run's review is the API's
        rank = self.form(f"Propose a ranking of {MEETING}")
        self.fill(rank, {"as_of": "2019-01-02"})
        said = self.submit(rank, "good")
        self.assertIn("Run 1 stored", said)
        self.assertIn(f"#/approval?meeting={MEETING}", said)
        run = self.api(f"{runs}/1")
        self.assertEqual((run["status"], run["ranked_by"]), ("proposed", "tomas"))
        self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, '[data-figure="policy-sha256"]'),
                  "the run's review")
        fig = lambda name: self.d.find_elements(By.CSS_SELECTOR, f'[data-figure="{name}"]')[0].text
        self.assertEqual(fig("policy-sha256"), run["policy_sha256"])
        self.assertIn(f"{run['policy_id']} version {run['policy_version']}", self.d.find_element(
            By.CSS_SELECTOR, ".facts").text)
        self.assertEqual(plain(fig("budget")), run["budget"])
        self.assertEqual(plain(fig("remaining")), run["remaining"])
        self.assertEqual(fig("budget"), "15,000.00 USD (the meeting\u2019s allocation)")
        page = self.d.find_element(By.ID, "main").text
        for dcs in run["decisions"]:
            self.assertIn(dcs["explanation"], page)
        # four eyes: the person who ranked is refused, in the API's words
        approve = self.form(f"Approve the latest run of {MEETING}")
        self.fill(approve, {"date": "2019-01-03"})
        said = self.submit(approve, "bad")
        self.assertIn(f"four eyes: tomas ranked run 1 of {MEETING}", said)
        self.assertIn("another person with the approver role must approve it", said)
        self.assertEqual(self.api(f"{runs}/1")["status"], "proposed")
        self.assertEqual(self.api(f"/v1/meetings/{MEETING}/trips")["trips"], [])
        self.check_accessible("ranking")
        self.screenshots("ranking")

    def test_04_a_second_person_approves(self):
        self.sign_in(MEI)
        self.assertEqual(self.d.execute_script(
            "return document.getElementById('main').dataset.ready"), "approval", "mei's home")
        self.check_accessible("approval (no meeting)")
        self.open_page("approval", f"?meeting={MEETING}")
        self.assertIn("Ranked on 2019-01-02 by tomas; waiting for approval.",
                      self.d.find_element(By.ID, "main").text)
        approve = self.form(f"Approve the latest run of {MEETING}")
        self.fill(approve, {"date": "2019-01-03"})
        said = self.submit(approve, "good")
        run = self.api(f"/v1/meetings/{MEETING}/runs/1")
        self.assertEqual((run["status"], run["approved_by"], run["ranked_by"]),
                         ("approved", "mei", "tomas"))
        funded = [d for d in run["decisions"] if d["decision"] == "funded"]
        self.assertIn(f"Run 1 approved by mei (ranked by tomas): {len(funded)} trips obliged.", said)
        self.wait(lambda: f"approved by mei on {run['approved_at']}" in
                  self.d.find_element(By.ID, "main").text, "the run shown approved")
        self.check_accessible("approval")
        self.screenshots("approval")

    def test_05_a_decline_offers_the_place(self):
        self.sign_in(TOMAS)
        self.open_page("trips", f"?meeting={MEETING}")
        trips = f"/v1/meetings/{MEETING}/trips"
        before = {t["applicant"]: t["status"] for t in self.api(trips)["trips"]}
        self.assertEqual(before.get("p-0268"), "approved")
        decline = self.form("The applicant declines")
        self.fill(decline, {"applicant": "p-0268", "date": "2019-01-07"})
        said = self.submit(decline, "good")
        after = self.api(trips)["trips"]
        status = {t["applicant"]: t["status"] for t in after}
        self.assertEqual(status["p-0268"], "declined")
        offered = [t for t in after if t["status"] == "offered"]
        self.assertTrue(offered, "the place offered to the next who fits")
        for t in offered:
            self.assertIn(f"{t['applicant']} ({shown(t['granted'])} {t['currency']})", said)
        self.assertIn("Offered the place:", said)
        self.wait(lambda: self.d.find_element(
            By.CSS_SELECTOR, '[data-trip-status="p-0268"]').text == "declined", "the decline listed")
        # a trip report received
        report = self.form("A trip report received")
        first = [t["applicant"] for t in after if t["status"] == "approved"][0]
        self.fill(report, {"applicant": first, "report_received": "2019-02-15"})
        self.assertIn(f"{first}: trip report received on 2019-02-15", self.submit(report, "good"))
        got = [t for t in self.api(trips)["trips"] if t["applicant"] == first][0]
        self.assertEqual(got["report_received"], "2019-02-15")
        self.check_accessible("trips")
        self.screenshots("trips")

    def test_06_a_trip_settled_and_its_report_received(self):
        self.sign_in(TOMAS)
        self.open_page("trips", f"?meeting={MEETING}")
        trips = f"/v1/meetings/{MEETING}/trips"
        before = self.api(trips)["trips"]
        # one approved and not yet settled, other than the one test_05 reported
        who = [t for t in before if t["status"] == "approved" and not t["report_received"]][0]
        settle = self.form("Settle a trip")
        # paid before the USD arrived (5 March): refused in the API's words,
        # nothing stored
        self.fill(settle, {"applicant": who["applicant"], "airfare": "300.00", "dsa": "0.00",
                           "date": "2019-02-10"})
        said = self.submit(settle, "bad")
        self.assertIn("bank account 1010-USD would be", said)
        self.assertIn("nothing was stored", said)
        self.assertEqual(self.api(trips)["trips"], before, "nothing stored")
        # paid once the money is there: settled, the rest of the grant released
        self.fill(settle, {"applicant": who["applicant"], "airfare": "300.00", "dsa": "25.50",
                           "date": "2019-03-06"})
        said = self.submit(settle, "good")
        got = [t for t in self.api(trips)["trips"] if t["applicant"] == who["applicant"]][0]
        self.assertEqual((got["status"], got["airfare"], got["dsa"]), ("settled", "300.00", "25.50"))
        self.assertTrue(got["settlement_entry"])
        left = int(who["granted"].replace(".", "")) - 32550  # in cents: exact, no floats
        released = f"{left // 100}.{left % 100:02d}"
        self.assertIn(f"{who['applicant']} settled; {shown(released)} USD released.", said)
        entry = self.api(f"/v1/entries/{got['settlement_entry']}")
        paid = [p for p in entry["postings"] if p["account"] == "1010-USD"]
        self.assertEqual([(p["side"], p["amount"]) for p in paid], [("credit", "325.50")])
        self.assertEqual(entry["date"], "2019-03-06")
        row = self.wait(lambda: [r for r in self.d.find_elements(By.CSS_SELECTOR, "tbody tr")
                                 if r.find_elements(By.CSS_SELECTOR,
                                                    f'[data-trip-status="{who["applicant"]}"]')
                                 and "settled" in r.text], "the settlement listed")[0]
        self.assertIn("300.00", row.text)
        self.assertIn("25.50", row.text)
        self.assertIn("yes", row.text)
        # its trip report received, on the same page
        report = self.form("A trip report received")
        self.fill(report, {"applicant": who["applicant"], "report_received": "2019-03-20"})
        self.assertIn(f"{who['applicant']}: trip report received on 2019-03-20",
                      self.submit(report, "good"))
        got = [t for t in self.api(trips)["trips"] if t["applicant"] == who["applicant"]][0]
        self.assertEqual((got["status"], got["report_received"]), ("settled", "2019-03-20"))
        self.wait(lambda: "2019-03-20" in [r for r in self.d.find_elements(By.CSS_SELECTOR, "tbody tr")
                                           if r.find_elements(By.CSS_SELECTOR,
                                                              f'[data-trip-status="{who["applicant"]}"]')][0].text,
                  "the report listed")
        self.check_accessible("trips (settled)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
