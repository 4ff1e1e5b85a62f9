"""The wizard's copy way, driven in tmux against the copy world of test_copy.py (the
emulator's RDS with moto_extras, the Data API test server and two real PostgreSQL
databases: v0's snapshot and the v1 cluster, copy_seed.py).

Choosing the copy on the welcome step puts the copy steps after the bots; the copy step
lists the stack's v0 snapshots (the other stack's is never offered) with dates and sizes,
and shows the two previews side by side (re-embed: the plan's estimate; copy: ACU-hours,
Data API requests, storage) with which bots go which way and why. A stray Enter creates
nothing; the confirmation is explicit (Tab, Enter, then y in the dialog)."""
import os
import re
import shutil
import tempfile
import unittest

import copy_seed
import test_copy
import test_wizard_run as wizard_run

COLS, ROWS = 100, 30
SIDE_BY_SIDE = re.compile(r"Re-embed every selected bot\s+│\s*Copy from this snapshot")


@unittest.skipUnless(wizard_run._tmux_available(), "tmux is not installed")
class WizardCopyTest(test_copy.CopyTestBase):
    seed_args = dict(bots=10, failing=0, empty_bots=1, suffix="wizcopy")

    def setUp(self):
        self.reset_v1()
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.emu.tmpdir)
        self.panes = []

    def tearDown(self):
        for pane in self.panes:
            pane.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def start(self, *args):
        env = self.emu.env(XDG_STATE_HOME=self.state, **self.copy_env())
        pane = wizard_run.Pane(env, ("--outputs", self.world.outputs_file, *args), cols=COLS, rows=ROWS)
        self.panes.append(pane)
        return pane

    def to_copy_step(self, pane):
        pane.wait_for("How do you want to migrate")
        pane.keys("Down")
        pane.keys("Enter")
        pane.wait_for("123456789012")                     # identity
        pane.keys("Enter")
        pane.wait_for(lambda s: "✓" in s and "Outputs" in s)
        pane.wait_for("Every required check passed", timeout=90)
        pane.keys("Enter")
        pane.wait_for("bots selected", timeout=90)        # bots
        pane.keys("Enter")
        return pane.wait_for(lambda s: bool(SIDE_BY_SIDE.search(s)) and "Bots:" in s, timeout=120)

    def test_choose_the_snapshot_and_see_both_previews(self):
        pane = self.start()
        screen = self.to_copy_step(pane)
        top = screen.split("\n", 1)[0]
        self.assertIn("5 Copy", top)
        self.assertNotIn("Cost", top)
        # The stack's snapshot, with its date and size; never the other stack's.
        self.assertIn(copy_seed.FINAL_SNAPSHOT[:40], screen)
        self.assertNotIn(copy_seed.OTHER_SNAPSHOT, screen)
        self.assertRegex(screen, r"20\d\d-\d\d-\d\d \d\d:\d\d UTC")
        self.assertRegex(screen, r"\d+ GB")
        # Both previews, side by side, with their numbers.
        self.assertRegex(screen, r"cost\s+\$\d+\.\d\d.*│\s*cost\s+\$\d+\.\d\d")
        self.assertRegex(screen, r"ACU-hours\s+\d+\.\d–\d+\.\d")
        self.assertRegex(screen, r"Data API\s+\d+–\d+ requests")
        self.assertIn("Fargate tasks", screen)
        # Which bots go which way: the bot created after the snapshot is re-embedded.
        expect = self.world.expect
        n_reembed = sum(1 for w in expect.values() if w == "reembed")
        m = re.search(r"Bots: (\d+) copied · (\d+) re-embedded · (\d+) skipped", screen)
        self.assertTrue(m, screen)
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertEqual(int(m.group(2)) + int(m.group(1)) + int(m.group(3)) >= len(expect) - 1, True)
        self.assertGreaterEqual(n_reembed, 1)
        pane.keys("NPage")
        pane.keys("NPage")
        pane.wait_for("created after the snapshot")

        # Enter alone creates nothing; Tab, Enter asks; "Not now" creates nothing.
        pane.keys("Enter")
        pane.wait_for("Tab goes to Start the copy")
        pane.keys("Tab")
        pane.keys("Enter")
        pane.wait_for("Create the temporary cluster and copy?")
        pane.keys("n")
        pane.wait_for("Not confirmed: nothing was created.")
        self.assertEqual(self.temporary_leftovers(), [])
        self.assertEqual(self.assert_requests_match_models() >= 1, True)


if __name__ == "__main__":
    unittest.main()
