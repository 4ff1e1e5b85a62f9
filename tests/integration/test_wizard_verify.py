"""The wizard's Verify action, driven in tmux: at the end of a run the summary offers to
verify the vectors (v), shows the phases while it counts, then each bot's verdict in the
Vectors column and the counts above the table, and writes the report again with them.
Real PostgreSQL behind the Data API test server; one bot's task "succeeds" without
writing rows, so its verdict must be "no vectors"."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from simulator import Simulator
import test_wizard_run as wizard_run
from vector_store import VectorStoreMixin

OFFER = "Verify: press v"
VERIFIED = "Vectors verified:"


@unittest.skipUnless(wizard_run._tmux_available(), "tmux is not installed")
class WizardVerifyTest(VectorStoreMixin, harness.EmulatorTestCase):
    seed_args = {"bots": 4, "failing": 0, "empty_bots": 0, "conversations": 5}

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.emu.tmpdir)
        self.env = self.emu.env(XDG_STATE_HOME=self.state, **self.data_api.env())
        self.panes = []
        self.sim = None
        self.db.execute("DELETE FROM items")

    def tearDown(self):
        for pane in self.panes:
            pane.close()
        if self.sim is not None:
            self.sim.stop(raise_errors=False)
        shutil.rmtree(self.state, ignore_errors=True)

    # The navigation of the wizard's run tests (its test methods stay there).
    start = wizard_run.WizardRunTest.start
    to_launch = wizard_run.WizardRunTest.to_launch
    journal = wizard_run.WizardRunTest.journal

    def test_verify_from_the_summary(self):
        no_rows = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        self.sim = Simulator(self.emu, self.dep, duration=(0.3, 0.8), db=self.pg.client(),
                             no_rows_bot_ids=[no_rows]).start()
        self.data_api.resuming_calls = 1      # the database wakes first: the state shows
        pane = self.start()
        self.to_launch(pane)
        screen = pane.wait_for(wizard_run.REPORT_WRITTEN)
        self.assertIn(OFFER, screen)
        self.assertNotIn(VERIFIED, screen)
        pane.keys("v")
        screen = pane.wait_for(VERIFIED, timeout=90)
        self.assertIn("no vectors", screen)
        self.assertIn("3 ok", screen)
        self.assertNotIn(OFFER, screen)
        self.assertNotIn("SECRET-ROW-CONTENT", screen)
        self.assertEqual(self.data_api.resuming_answered, 1)
        self.assert_data_api_clean()

        # The report beside the journal was written again with the verification.
        with open(os.path.splitext(self.journal())[0] + ".report.json") as f:
            report = json.load(f)
        verdicts = {b["bot_id"]: b["verification"]["verdict"] for b in report["bots"]}
        self.assertEqual(verdicts[no_rows], "no_vectors")
        self.assertEqual(sorted(v for k, v in verdicts.items() if k != no_rows), ["ok"] * 3)

        pane.keys("q")
        self.assertEqual(pane.exit_status(), 0, pane.stderr())
        report = harness.sanitizer_report(subprocess.CompletedProcess([], 0, "", pane.stderr()))
        self.assertIsNone(report, report)


if __name__ == "__main__":
    unittest.main()
