"""`plan` against the emulator (signature checking on): the exact bot set from the sparse
index or the table, aliases and conversations never listed, real S3 sizes, the missing
file flagged, selection flags, errors, JSON fields and totals."""
import json
import os
import re
import tempfile
import unittest

import harness


def _json(test, *args):
    r = test.cli("plan", "--json", *args)
    test.assertEqual(r.returncode, 0, r.stderr)
    return json.loads(r.stdout)


def _has_last_bot_used(dep):
    # seed.py leaves LastBotUsed off its legacy_bots (made before v0.3.0).
    return {b["bot_id"] for b in dep.bots if b["last_bot_used"]}


class PlanWithIndexTest(harness.EmulatorTestCase):
    seed_args = {"bots": 40, "conversations": 120, "empty_bots": 4, "legacy_bots": 3}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fd, cls.prices = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"source_date": "2026-11-01",
                       "regions": {cls.emu.region: {"embed_per_1k_tokens": 0.0001}}}, f)

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.prices)
        super().tearDownClass()

    def test_index_used_and_exact_bot_set(self):
        j = _json(self)
        self.assertEqual(j["scan"]["source"], "index LastBotUsedIndex")
        self.assertTrue(j["scan"]["used_index"])
        ids = {b["bot_id"] for b in j["bots"]}
        self.assertEqual(ids, _has_last_bot_used(self.dep))
        for b in j["bots"]:
            self.assertIn("#BOT#", b["sk"])
            self.assertNotIn("#BOT_ALIAS#", b["sk"])
        # Bots and aliases only: conversations were never read.
        self.assertLess(j["scan"]["items_read"], len(self.dep.bots) + len(self.dep.aliases) + 1)
        self.assertTrue(any("sparse index" in a for a in j["assumptions"]))

    def test_scan_table_sees_every_bot(self):
        j = _json(self, "--scan-table")
        self.assertFalse(j["scan"]["used_index"])
        self.assertIn("--scan-table", j["scan"]["source"])
        self.assertEqual({b["bot_id"] for b in j["bots"]}, self.dep.bot_ids())
        self.assertGreater(j["scan"]["items_read"], len(self.dep.bots) + self.dep.conversations - 1)

    def test_sizes_titles_and_missing_file(self):
        j = _json(self, "--scan-table")
        by_id = {b["bot_id"]: b for b in j["bots"]}
        flagged = 0
        for rec in self.dep.bots:
            b = by_id[rec["bot_id"]]
            # Raw, exactly as stored, up to a NUL: C strings (and cJSON) end there.
            self.assertEqual(b["title"], rec["title"].split("\x00")[0])
            self.assertEqual(b["pk"], rec["pk"])
            present = sum(s for s in rec["documents"].values() if s is not None)
            self.assertEqual(b["document_bytes"], present, rec["knowledge"])
            missing = sorted(n for n, s in rec["documents"].items() if s is None)
            self.assertEqual(sorted(b["missing_files"]), missing)
            flagged += len(missing)
        self.assertEqual(flagged, 1)
        self.assertEqual(j["totals"]["missing_files"], 1)

    def test_default_selection_and_include_empty(self):
        j = _json(self, "--scan-table")
        empty = self.dep.bot_ids("empty")
        selected = {b["bot_id"] for b in j["bots"] if b["selected"]}
        self.assertEqual(selected, self.dep.bot_ids() - empty)
        for b in j["bots"]:
            if b["bot_id"] in empty:
                self.assertEqual(b["why_not"], "no knowledge (--include-empty)")
                self.assertFalse(b["has_knowledge"])
        self.assertEqual(j["totals"]["skipped_empty"], len(empty))
        j = _json(self, "--scan-table", "--include-empty")
        self.assertTrue(all(b["selected"] for b in j["bots"]))
        self.assertEqual(j["totals"]["selected"], len(self.dep.bots))

    def test_warnings_only_about_bots_that_run(self):
        # The empty bots are not selected: their "costs a Fargate minimum" warning would be
        # about money that is not spent, so it is only counted in one line.
        empty = self.dep.bot_ids("empty")
        r = self.cli("plan", "--scan-table")
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = r.stdout.split("\nWarnings:\n", 1)[1].split("\n\n", 1)[0]
        self.assertNotIn("no knowledge source", warnings)
        for bot_id in empty:
            self.assertNotIn(bot_id + ":", warnings)
        # The empty bots and any other bot left out (a Knowledge Base bot, say) are counted.
        left_out = re.search(r"\((\d+) more about (\d+) bots? that will not run, so cost nothing; "
                             r"--json lists them\)", warnings)
        self.assertIsNotNone(left_out, warnings)
        self.assertGreaterEqual(int(left_out.group(2)), len(empty))
        self.assertGreaterEqual(int(left_out.group(1)), int(left_out.group(2)))
        # --json still lists every bot's warnings.
        j = _json(self, "--scan-table")
        for b in j["bots"]:
            if b["bot_id"] in empty:
                self.assertTrue(any("no knowledge source" in w for w in b["warnings"]), b)
        # Selected, they run and cost: then they are warned about one by one.
        r = self.cli("plan", "--scan-table", "--include-empty")
        warnings = r.stdout.split("\nWarnings:\n", 1)[1].split("\n\n", 1)[0]
        for bot_id in empty:
            self.assertIn("! %s: no knowledge source" % bot_id, warnings)
        self.assertNotIn("will not run", warnings)

    def test_bots_and_exclude(self):
        ids = sorted(self.dep.bot_ids("succeeded"))
        j = _json(self, "--bots", f"{ids[0]},{ids[1]},{ids[2]}", "--exclude", ids[1])
        selected = {b["bot_id"] for b in j["bots"] if b["selected"]}
        self.assertEqual(selected, {ids[0], ids[2]})
        why = {b["bot_id"]: b["why_not"] for b in j["bots"]}
        self.assertEqual(why[ids[1]], "excluded (--exclude)")
        self.assertEqual(why[ids[3]], "not in --bots")

    def test_unknown_id_and_bad_syntax(self):
        r = self.cli("plan", "--bots", "01NOSUCHBOT000000000000000")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("01NOSUCHBOT000000000000000", r.stderr)
        r = self.cli("plan", "--bots", "A,,B")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--bots", r.stderr)
        r = self.cli("plan", "--prices", "/nonexistent/prices.json")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("/nonexistent/prices.json", r.stderr)

    def test_totals_with_prices_file(self):
        j = _json(self, "--scan-table", "--prices", self.prices, "--concurrency", "4")
        self.assertEqual(j["prices"]["source_date"], "2026-11-01")
        self.assertEqual(j["prices"]["region"], self.emu.region)
        self.assertEqual(j["concurrency"], 4)
        t = j["totals"]
        lo = sum(b["estimate_usd"]["low"] for b in j["bots"] if b["selected"])
        hi = sum(b["estimate_usd"]["high"] for b in j["bots"] if b["selected"])
        self.assertAlmostEqual(t["usd"]["low"], lo + t["scan_usd"], places=9)
        self.assertAlmostEqual(t["usd"]["high"], hi + t["scan_usd"], places=9)
        self.assertLess(t["usd"]["low"], t["usd"]["high"])
        self.assertLessEqual(t["duration_s"]["low"], t["duration_s"]["high"])
        self.assertEqual(t["document_bytes"],
                         sum(b["document_bytes"] for b in j["bots"] if b["selected"]))
        for b in j["bots"]:
            self.assertGreaterEqual(b["estimate"]["seconds_lo"], 60)  # Fargate's minute

    def test_human_output_is_sanitised(self):
        r = self.cli("plan", "--scan-table")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout)
        self.assertNotIn("\x07", r.stdout)
        self.assertIn("Assumptions:", r.stdout)
        self.assertIn("Selected", r.stdout)
        self.assertRegex(r.stdout, r"Fargate \$[0-9.]+–\$[0-9.]+")


class PlanWithoutIndexTest(harness.EmulatorTestCase):
    # ≥ 1,000 items: bots, aliases and conversations; no LastBotUsedIndex (a pre-v0.3.0 table).
    seed_args = {"bots": 60, "conversations": 960, "with_index": False}

    def test_table_scan_when_index_missing(self):
        j = _json(self)
        self.assertFalse(j["scan"]["used_index"])
        self.assertIn("missing", j["scan"]["source"])
        self.assertEqual({b["bot_id"] for b in j["bots"]}, self.dep.bot_ids())
        self.assertGreaterEqual(j["scan"]["items_read"], 1000)
        self.assertEqual(j["totals"]["bots"], 60)
        self.assertEqual(j["totals"]["selected"], 60 - len(self.dep.bot_ids("empty")))


if __name__ == "__main__":
    unittest.main()


class KeysXmlCannotCarryTest(harness.EmulatorTestCase):
    """A document key with a control character: without encoding-type=url S3 puts it raw
    into the XML listing, which no parser accepts, and every size of the page is lost."""
    seed_args = {"bots": 4, "conversations": 4, "empty_bots": 0, "failing": 0, "suffix": "keys"}

    def test_listing_survives_a_key_with_a_control_character(self):
        s3 = self.emu.client("s3")
        with_files = [b for b in self.dep.bots if any(s for s in b["documents"].values() if s)]
        self.assertTrue(with_files)
        for b in with_files:
            s3.put_object(Bucket=self.dep.bucket, Key=f"{b['user_id']}/{b['bot_id']}/documents/odd\x01name+1 %.txt",
                          Body=b"x")
        j = _json(self, "--scan-table")
        self.assertIsNone(j.get("bucket_error"))
        by_id = {b["bot_id"]: b for b in j["bots"]}
        for rec in with_files:
            present = sum(s for s in rec["documents"].values() if s is not None)
            self.assertEqual(by_id[rec["bot_id"]]["document_bytes"], present)
