"""`plan --probe-web` (issue 16, item 6): the bots' source URLs and sitemaps are fetched
from this machine through the program's own transport, bounded (bytes, redirects, time),
never with AWS credentials; their sizes and page counts replace the guess, and each URL
that fails is listed with why. A local HTTP server plays the web."""
import json
import math
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from test_wizard import Pane

PAGE = b"<html><body>" + b"x" * 19_974 + b"</body></html>"          # 20,000 bytes
SITEMAP = ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
           + "".join(f"<url><loc>http://example.invalid/p{i}</loc></url>" for i in range(7))
           + "</urlset>").encode()


class _Web:
    def __init__(self):
        self.headers_seen = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                web.headers_seen.append(dict(self.headers))
                if self.path == "/page.html":
                    self._send(200, PAGE, "text/html")
                elif self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/page.html")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == "/loop":
                    self.send_response(301)
                    self.send_header("Location", "/loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == "/big.html":
                    self._send(200, b"y" * (3 * 1024 * 1024), "text/html")
                elif self.path == "/sitemap.xml":
                    self._send(200, SITEMAP, "application/xml")
                else:
                    self._send(404, b"not here", "text/plain")

            def _send(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the probe stops reading at its bound

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class WebProbeTest(harness.EmulatorTestCase):
    seed_args = {"bots": 10, "conversations": 5}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.web = _Web()
        dead = harness.free_port()
        ddb = cls.emu.client("dynamodb")
        bots = [b for b in cls.dep.bots if b["expected"] == "succeeded"][:2]
        cls.url_bot, cls.sitemap_bot = bots
        # Only these two: the other bots' URLs are not on this machine (and nothing here
        # may go beyond loopback).
        cls.only = f"{bots[0]['bot_id']},{bots[1]['bot_id']}"
        w = cls.web.url
        cls.urls = [f"{w}/page.html", f"{w}/moved", f"{w}/big.html", f"{w}/missing",
                    f"{w}/loop", f"http://127.0.0.1:{dead}/down"]
        for bot, urls, sitemaps in ((cls.url_bot, cls.urls, []),
                                    (cls.sitemap_bot, [], [f"{w}/sitemap.xml"])):
            ddb.update_item(
                TableName=cls.dep.table, Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}},
                UpdateExpression="SET Knowledge = :k",
                ExpressionAttributeValues={":k": {"M": {
                    "source_urls": {"L": [{"S": u} for u in urls]},
                    "sitemap_urls": {"L": [{"S": u} for u in sitemaps]},
                    "filenames": {"L": []}}}})

    @classmethod
    def tearDownClass(cls):
        cls.web.stop()
        super().tearDownClass()

    def test_probe_sizes_and_failures(self):
        before = json.loads(self.cli("plan", "--json", "--bots", self.only).stdout)
        r = self.cli("plan", "--json", "--probe-web", "--bots", self.only)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        res = {x["url"]: x for x in j["web_probe"]["results"]}
        w = self.web.url
        self.assertTrue(res[f"{w}/page.html"]["ok"])
        self.assertEqual(res[f"{w}/page.html"]["bytes"], 20_000)
        self.assertEqual(res[f"{w}/moved"]["redirects"], 1)
        self.assertEqual(res[f"{w}/moved"]["bytes"], 20_000)
        self.assertTrue(res[f"{w}/big.html"]["truncated"])
        self.assertEqual(res[f"{w}/big.html"]["bytes"], 1024 * 1024)
        self.assertIn("HTTP 404", res[f"{w}/missing"]["error"])
        self.assertIn("redirects", res[f"{w}/loop"]["error"])
        down = next(u for u in self.urls if u.endswith("/down"))
        self.assertIn("unreachable from here", res[down]["error"])
        self.assertIn("the task may still reach it", res[down]["error"])
        sm = res[f"{w}/sitemap.xml"]
        self.assertTrue(sm["ok"])
        self.assertEqual(sm["pages"], 7)
        # The estimates follow: the sitemap bot is 7 pages, not 1-50; the URL bot's measured
        # pages count at 30-100 % of their bytes, the failed ones keep the guess.
        est = {b["bot_id"]: b["estimate"] for b in j["bots"]}
        old = {b["bot_id"]: b["estimate"] for b in before["bots"]}
        sb = self.sitemap_bot["bot_id"]
        self.assertLess(est[sb]["text_bytes_hi"], old[sb]["text_bytes_hi"])
        self.assertEqual(est[sb]["text_bytes_hi"], 7 * 100_000)
        self.assertEqual(est[sb]["text_bytes_lo"], 7 * 2_000)
        ub = self.url_bot["bot_id"]
        self.assertEqual(est[ub]["text_bytes_lo"], math.ceil(0.3 * 20_000 * 2 + 0.3 * 1024 * 1024 + 3 * 2_000))
        self.assertTrue(est[ub]["open_ended"])       # three URLs did not answer
        self.assertTrue(any("probed from this machine" in a for a in j["assumptions"]))
        # Never an AWS credential or signature on the web.
        for h in self.web.headers_seen:
            keys = {k.lower() for k in h}
            self.assertNotIn("authorization", keys)
            self.assertFalse([k for k in keys if k.startswith("x-amz")], h)

    def test_human_view_lists_failures(self):
        r = self.cli("plan", "--probe-web", "--bots", self.only)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Web sources probed from here: 4 of 7 answered", r.stdout)
        self.assertIn(f"! {self.web.url}/missing: HTTP 404 from here", r.stdout)
        self.assertIn(f"{self.web.url}/sitemap.xml: sitemap of 7 pages", r.stdout)

    def test_wizard_w_key_probes_with_consent(self):
        state = __import__("tempfile").mkdtemp(prefix="bcm-state-")
        self.addCleanup(__import__("shutil").rmtree, state, True)
        pane = Pane(self, ["wizard", "--bots", self.only], self.emu.env(XDG_STATE_HOME=state))
        self.addCleanup(pane.close)
        pane.wait_for(r"How do you want to migrate")
        pane.keys("Enter")
        pane.wait_for(r"(Account)\s+\d{12}")
        pane.keys("Enter")
        pane.wait_for(r"Every required check passed")
        pane.keys("Enter")
        pane.wait_for(r"bots selected")
        n = len(self.web.headers_seen)
        pane.keys("Enter")
        pane.wait_for(r"Cost preview for 2 bots")
        self.assertEqual(len(self.web.headers_seen), n, "nothing is fetched before the key")
        pane.keys("w")
        pane.wait_for(r"Web sources probed from here: 4 of 7 answered")
        screen = pane.wait_for(r"! http://127\.0\.0\.1:\d+/missing: HTTP 404")
        self.assertIn("/loop: more than 5 redirects", screen)
        self.assertGreater(len(self.web.headers_seen), n)
        pane.keys("q")
        pane.wait_for(r"< Quit >")
        pane.keys("y")
        pane.wait_for(r"__STTY__")
        self.assertIsNone(harness.sanitizer_report(
            __import__("subprocess").CompletedProcess([], 0, "", pane.stderr())), pane.stderr())

    def test_not_probed_without_the_flag(self):
        n = len(self.web.headers_seen)
        j = json.loads(self.cli("plan", "--json").stdout)
        self.assertNotIn("web_probe", j)
        self.assertEqual(len(self.web.headers_seen), n)


if __name__ == "__main__":
    unittest.main()
