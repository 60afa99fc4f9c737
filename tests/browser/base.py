"""base.py - what every browser test (test_workspace.py, test_secretariat.py,
test_auditor.py) shares: a
headless Debian chromium through chromedriver (downloads allowed into a
directory of the test's), signing in through the page, waiting for a page
to be ready (main's data-ready), fetch() from the page with the browser's
own cookie, axe-core's serious and critical violations, and screenshots at
1280 and 360 px.

Environment (run.sh, run-roles.sh): TFLEDGER_WEB_URL, TFLEDGER_SCREENSHOTS,
TFLEDGER_AXE, TFLEDGER_WORK.
"""
import json
import os
import tempfile
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

URL = os.environ["TFLEDGER_WEB_URL"]
SHOTS = os.environ["TFLEDGER_SCREENSHOTS"]
AXE = open(os.environ["TFLEDGER_AXE"], encoding="utf-8").read()
WORK = os.environ["TFLEDGER_WORK"]
TOMAS = ("tomas", "tomas's test passphrase")
MEI = ("mei", "mei's test passphrase")
KOFI = ("kofi", "kofi's test passphrase")


def plain(text):
    """A figure as shown ("1,234.50 USD") as the API writes it ("1234.50")."""
    return text.split()[0].replace(",", "").strip()


def shown(amount):
    """An API amount ("-1234567.50") as the pages show it ("-1,234,567.50")."""
    sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    whole, _, frac = digits.partition(".")
    return sign + f"{int(whole):,}" + ("." + frac if frac else "")


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.downloads = tempfile.mkdtemp(prefix="downloads.", dir=WORK)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1280,900"):
            opts.add_argument(arg)
        opts.add_experimental_option("prefs", {
            "download.default_directory": cls.downloads,
            "download.prompt_for_download": False})
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        cls.d.execute_cdp_cmd("Page.setDownloadBehavior",
                              {"behavior": "allow", "downloadPath": cls.downloads})
        cls.d.set_script_timeout(30)

    @classmethod
    def tearDownClass(cls):
        cls.d.quit()

    def setUp(self):
        # forget the last test's person on a file of the origin that runs
        # no page: the workspace itself would start its calls with the old
        # cookie, and cookies cleared under them are 401s, which tfledgerd
        # counts against the address (429 after five)
        self.maxDiff = None
        self.d.get(URL + "/web/app.css")
        self.d.execute_script("localStorage.clear()")
        self.d.delete_all_cookies()

    # --- waiting and reading ---------------------------------------------

    def wait(self, cond, what, timeout=20):
        """Waits for cond() to be truthy and returns it (an element not there
        yet, or replaced, counts as not yet); fails showing the page."""
        end = time.monotonic() + timeout
        while True:
            try:
                value = cond()
            except (NoSuchElementException, StaleElementReferenceException):
                value = None
            if value:
                return value
            if time.monotonic() > end:
                logs = "\n".join(str(e) for e in self.d.get_log("browser"))
                main = self.d.find_element(By.ID, "main").text[:3000]
                self.fail(f"timed out waiting for {what}; page:\n{main}\nconsole:\n{logs}")
            time.sleep(0.1)

    def ready(self, page):
        self.wait(lambda: self.d.execute_script(
            "return document.getElementById('main').dataset.ready") == page, f"page {page}")

    def open_page(self, page, query=""):
        self.d.get(f"{URL}/#/{page}{query}")
        self.ready(page)

    def sign_in(self, who, expect_ok=True):
        self.d.get(URL + "/")
        self.ready("signin")
        self.d.find_element(By.NAME, "name").send_keys(who[0])
        self.d.find_element(By.NAME, "password").send_keys(who[1])
        self.d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        if expect_ok:
            self.wait(lambda: self.d.execute_script(
                "const r = document.getElementById('main').dataset.ready;"
                "return r && r !== 'signin';"), f"{who[0]} signed in")

    def form(self, label):
        return self.d.find_element(By.CSS_SELECTOR, f"form[aria-label='{label}']")

    def fill(self, form, values):
        """Sets each named field: selects by value, dates by script (no
        locale typing), other inputs typed."""
        for name, value in values.items():
            el = form.find_element(By.NAME, name)
            if el.tag_name == "select" or el.get_attribute("type") == "date":
                self.d.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('change'))", el, value)
            else:
                el.clear()
                el.send_keys(value)

    def submit(self, form, kind=None):
        """Submits form and returns the text of its message (good or bad,
        or kind only)."""
        for m in form.find_elements(By.CSS_SELECTOR, ".msg"):
            self.d.execute_script("arguments[0].remove()", m)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        sel = f".msg.{kind}" if kind else ".msg"
        return self.wait(lambda: form.find_elements(By.CSS_SELECTOR, sel),
                         f"the answer of {form.get_attribute('aria-label')}")[0].text

    def fetch(self, method, path, body=None, csrf=True):
        """fetch() from the page, with the browser's cookie: {status, text}."""
        return self.d.execute_async_script("""
            const [method, path, body, csrf, done] = arguments;
            (async () => {
              const headers = {'Content-Type': 'application/json'};
              if (csrf) {
                const s = await (await fetch('/v1/session')).json();
                headers['X-CSRF-Token'] = s.csrf;
              }
              const r = await fetch(path, {method, headers,
                                           body: body === null ? undefined : body});
              done({status: r.status, text: await r.text()});
            })().catch((e) => done({status: -1, text: String(e)}));
        """, method, path, None if body is None else json.dumps(body), csrf)

    def api(self, path):
        r = self.fetch("GET", path, csrf=False)
        self.assertEqual(r["status"], 200, f"GET {path}: {r['text']}")
        return json.loads(r["text"])

    def downloaded(self, name):
        """The path of a finished download called name."""
        path = os.path.join(self.downloads, name)
        self.wait(lambda: os.path.exists(path) and not os.path.exists(path + ".crdownload")
                  and os.path.getsize(path) > 0, f"the download {name}")
        return path

    # --- every page ------------------------------------------------------

    def check_accessible(self, page):
        self.d.execute_script(AXE)
        result = self.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']})
              .then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact,
                 help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}))))
              .catch((e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
        """)
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        self.assertEqual(bad, [], f"{page}: accessibility violations")

    def screenshots(self, name):
        for width in (1280, 360):
            self.d.set_window_size(width, 900)
            height = self.d.execute_script("return document.documentElement.scrollHeight")
            self.d.set_window_size(width, min(max(height + 100, 600), 6000))
            # nothing wider than the window at 360 px: the page reflows
            wide = self.d.execute_script("""
                if (document.documentElement.scrollWidth <= window.innerWidth) return [];
                return [...document.querySelectorAll('body *')]
                  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
                          && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1)
                          && !e.closest('.scroll'))
                  .slice(0, 5).map((e) => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60));
            """)
            self.assertEqual(wide, [], f"{name}: wider than {width} px")
            path = os.path.join(SHOTS, f"{name}-{width}.png")
            self.assertTrue(self.d.save_screenshot(path), path)
        self.d.set_window_size(1280, 900)
