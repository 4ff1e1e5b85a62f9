"""The wizard's copy way, driven in tmux against the copy world of test_copy.py (the
emulator's RDS with moto_extras, the Data API test server and two real PostgreSQL
databases: v0's snapshot and the v1 cluster, copy_seed.py).

Choosing the copy on the welcome step puts the copy steps after the bots; the copy step
lists the stack's v0 snapshots (the other stack's is never offered) with dates and sizes,
and shows the two previews side by side (re-embed: the plan's estimate; copy: ACU-hours,
Data API requests, storage) with which bots go which way and why. A stray Enter creates
nothing; the confirmation is explicit (Tab, Enter, then y in the dialog).

Then the copy's dashboard (the engine's copy session): the temporary resources and their
states, per-bot progress, the verification and the clean-up question; afterwards the
databases hold equal per-bot row counts and the temporary cluster, instance, security
group and secret are gone. Ctrl-C offers stop-and-clean; leaving at once (l) and starting
the wizard again offers the unfinished copy for resuming, which finishes it with the same
temporary cluster."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import copy_seed
import harness
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
        self.assertGreaterEqual(int(m.group(2)), 1)
        self.assertGreaterEqual(n_reembed, 1)
        pane.keys("NPage")
        pane.keys("NPage")
        screen = pane.wait_for("created after the snapshot")
        self.assertRegex(screen, r"re-embed\s+作成されたばかりのボット")

        # Enter alone creates nothing; Tab, Enter asks; "Not now" creates nothing.
        pane.keys("Enter")
        pane.wait_for("Tab goes to Start the copy")
        pane.keys("Tab")
        pane.keys("Enter")
        pane.wait_for("Create the temporary cluster and copy?")
        pane.keys("n")
        pane.wait_for("Not confirmed: nothing was created.")
        self.assertEqual(self.temporary_leftovers(), [])
        self.assertGreaterEqual(self.assert_requests_match_models(), 3)

    def confirm_copy(self, pane):
        pane.keys("Tab")
        pane.keys("Enter")
        pane.wait_for("Create the temporary cluster and copy?")
        pane.keys("y")
        return pane.wait_for("Temporary resources")

    def copy_counts_equal(self):
        """Per-bot row counts in v1 equal the snapshot's for every bot the copy took."""
        self.assert_copied_equal()

    def restores(self):
        return {e["form"]["DBClusterIdentifier"] for e in self.emu.requests_seen()
                if e.get("operation") == "RestoreDBClusterFromSnapshot"}

    def test_copy_verify_and_clean_up(self):
        pane = self.start()
        self.to_copy_step(pane)
        restores_before = self.restores()
        screen = self.confirm_copy(pane)
        self.assertIn("6 Copying", screen.split("\n", 1)[0])
        # The clean-up question comes once every bot is copied and verified.
        screen = pane.wait_for("Remove the temporary cluster, instance, security group and secret now?",
                               timeout=300)
        self.assertIn("Verified: the row counts of all", screen)
        self.assertIn("temporary cluster", screen)
        self.assertRegex(screen, r"temporary cluster\s+exists")
        self.assertRegex(screen, r"copied\s+\d+/\d+")
        self.assertNotRegex(screen, r"✗ \d")
        self.assertIn("< Remove >", screen)
        # Nothing secret or row content on the screen.
        created = [e for e in self.emu.requests_seen() if e.get("operation") == "CreateSecret"]
        password = json.loads(created[-1]["json"]["SecretString"])["password"]
        self.assertNotIn(password[:12], screen)
        for content, in self.world.snap_db.execute("SELECT content FROM items LIMIT 5"):
            self.assertNotIn(content[:30], screen)
        self.assertEqual(len(self.temporary_leftovers()), 4)
        pane.keys("Enter")                                   # default: remove
        screen = pane.wait_for("The temporary cluster, instance, security group and secret are deleted.",
                               timeout=300)
        self.assertIn("every bot copied, row counts equal", screen)
        self.copy_counts_equal()
        self.assertEqual(self.temporary_leftovers(), [])
        self.assertEqual(len(self.restores() - restores_before), 1)
        self.assert_requests_match_models()
        pane.keys("q")
        pane.wait_for("< Quit >")
        pane.keys("y")
        self.assertEqual(pane.exit_status(), 0, pane.stderr())
        report = harness.sanitizer_report(subprocess.CompletedProcess([], 0, "", pane.stderr()))
        self.assertIsNone(report, report)

    def test_ctrl_c_stops_and_cleans(self):
        pane = self.start()
        self.to_copy_step(pane)
        self.confirm_copy(pane)
        pane.wait_for(lambda s: bool(re.search(r"temporary (secret|cluster)\s+(being made|exists)", s)), timeout=120)
        pane.keys("C-c")
        screen = pane.wait_for("Stop the copy?")
        pane.keys("Enter")                                   # stop and clean up
        screen = pane.wait_for(lambda s: "stopped" in s and "are deleted" in s, timeout=300)
        self.assertEqual(self.temporary_leftovers(), [])
        pane.keys("q")
        pane.wait_for("< Quit >")
        pane.keys("y")
        self.assertEqual(pane.exit_status(), 130, pane.stderr())

    def test_leave_then_resume_from_the_wizard(self):
        pane = self.start()
        self.to_copy_step(pane)
        restores_before = self.restores()
        self.confirm_copy(pane)
        pane.wait_for(lambda s: bool(re.search(r"temporary cluster\s+(being made|exists)", s)), timeout=120)
        pane.keys("q")
        pane.wait_for("Stop the copy?")
        pane.keys("l")                                       # leave now: the journal keeps it
        self.assertEqual(pane.exit_status(), 130, pane.stderr())
        self.assertIn("copy --yes", pane.stderr())
        self.assertTrue(self.temporary_leftovers())
        pane = self.start()
        pane.wait_for("How do you want to migrate")
        pane.keys("Down")
        pane.keys("Enter")
        pane.wait_for("123456789012")
        pane.keys("Enter")
        pane.wait_for("Every required check passed", timeout=90)
        pane.keys("Enter")
        pane.wait_for("bots selected", timeout=90)
        pane.keys("Enter")
        pane.wait_for("An unfinished copy was found")
        pane.keys("r")
        pane.wait_for("Remove the temporary cluster, instance, security group and secret now?", timeout=300)
        pane.keys("Enter")
        pane.wait_for("are deleted", timeout=300)
        self.copy_counts_equal()
        self.assertEqual(self.temporary_leftovers(), [])
        self.assertEqual(len(self.restores() - restores_before), 1, "one temporary cluster for the run")


if __name__ == "__main__":
    unittest.main()
