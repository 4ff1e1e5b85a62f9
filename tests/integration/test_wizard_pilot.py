"""The wizard's "run a pilot first" (issue 16, item 4), in a real terminal (tmux) against the
emulator with the embedding simulator: on the cost step, p picks three bots that span the
mix and asks the same confirmation as a launch (their number, or y); the dashboard follows
them; when they finish, the cost step comes back with the rest's estimate refitted to what
they measured BESIDE the first one; the rest then runs in the same journal, and every
selected bot ends with exactly one task (the pilot's are not launched again)."""
import collections
import json
import os
import re
import unittest

import harness
import test_wizard_run as twr


class WizardPilotTest(harness.EmulatorTestCase):
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "pilot"}
    sim_args = {}

    setUp = twr.WizardRunTest.setUp
    tearDown = twr.WizardRunTest.tearDown
    start = twr.WizardRunTest.start
    simulate = twr.WizardRunTest.simulate
    assert_clean_exit = twr.WizardRunTest.assert_clean_exit
    journal = twr.WizardRunTest.journal
    run_record = twr.WizardRunTest.run_record
    journal_bots = twr.WizardRunTest.journal_bots
    this_run_tasks = twr.WizardRunTest.this_run_tasks

    def to_cost(self, pane):
        pane.wait_for(lambda s: s.strip() != "")
        pane.keys("Enter")                                   # welcome: re-embed
        pane.wait_for("123456789012")                        # identity
        pane.keys("Enter")
        pane.wait_for(self.dep.cluster)                      # outputs
        pane.wait_for(lambda s: "✓" in s)
        pane.keys("Enter")
        titled = [b["title"] for b in self.dep.bots if b["title"] and b["title"].isascii()
                  and b["title"].isprintable()]
        if titled:
            pane.wait_for(titled[0][:20])                    # bots
        pane.keys("Enter")
        return pane.wait_for("press p to run a pilot of 3 bots first")

    def test_pilot_then_the_rest(self):
        self.simulate(duration=(1.5, 2.5))
        pane = self.start()
        screen = self.to_cost(pane)
        selected = int(re.search(r"Cost preview for (\d+) bots", screen).group(1))
        self.assertGreater(selected, 3)
        self.assertIn("Esc back", screen)
        pane.keys("p")
        screen = pane.wait_for("Pilot: 3 bots chosen to span the mix")
        self.assertIn("Type 3 (the number of bots)", screen)
        pane.keys("4", "Enter")                              # the wrong number launches nothing
        pane.wait_for("That is not 3")
        self.assertEqual(self.sim.task_count(), 0)
        pane.keys("p", "3", "Enter")
        # The dashboard follows the three, then the cost step comes back with both estimates.
        screen = pane.wait_for("After the pilot", timeout=120)
        if os.environ.get("BCM_TEST_VERBOSE"):
            print(screen)
        pilot_tasks = self.this_run_tasks()
        self.assertEqual(len(pilot_tasks), 3)
        self.assertEqual(len({t.sk for t in pilot_tasks}), 3)
        self.assertIn("3 pilot bots measured: $", screen)
        rest = selected - 3
        line = next(l for l in screen.split("\n") if f"The remaining {rest} bots:" in l)
        m = re.search(r"The remaining \d+ bots: (\$[0-9.]+–\$[0-9.]+) refitted to the pilot · "
                      r"first estimate (\$[0-9.]+–\$[0-9.]+)", line)
        self.assertIsNotNone(m, line)
        self.assertNotEqual(m.group(1), m.group(2))
        self.assertIn("Their time, refitted:", screen)
        # The selection is the pilot's now: the key bar offers no way back to it, and Esc
        # says why instead of doing nothing.
        self.assertNotIn("Esc back", screen)
        pane.keys("Escape")
        screen = pane.wait_for("so the selection stays as it is")
        self.assertIn("After the pilot", screen)
        # Launching the rest: the same confirmation, for the rest's number.
        pane.keys("Tab")
        screen = pane.wait_for(f"Type {rest} (the number of bots)")
        self.assertIn("Launch the rest", screen)
        pane.keys(*str(rest), "Enter")
        # The dashboard: the cost so far measured, the rest refitted beside the whole run.
        rest_line = re.compile(r"still to finish: \d+ bots \$[0-9.]+–\$[0-9.]+ \(refitted to \d+ "
                               r"measured\) · whole run \$")
        screen = pane.wait_for(lambda s: bool(rest_line.search(s)), timeout=120)
        self.assertRegex(screen, r"cost so far \$[0-9.]+ ")
        # The ETA is that refitted range too, not waves of the median task.
        self.assertRegex(screen, r"ETA [0-9][^·]*–[0-9][^·]* · cost so far")
        pane.wait_for(twr.REPORT_WRITTEN, timeout=180)
        # One journal, one run: the pilot's bots and the rest, each with exactly one task.
        with open(self.journal()) as f:
            records = [json.loads(l) for l in f if l.strip()]
        self.assertEqual(sum(1 for r in records if r.get("type") == "run"), 1)
        self.assertEqual(len(self.journal_bots()), selected)
        per_bot = collections.Counter(t.sk for t in self.this_run_tasks())
        self.assertEqual(set(per_bot), set(self.journal_bots()))
        self.assertEqual(set(per_bot.values()), {1}, per_bot)
        pane.keys("q")
        self.assertEqual(pane.exit_status(), 0, pane.stderr())
        pane.wait_for(twr.EXITED)
        self.assert_clean_exit(pane)


if __name__ == "__main__":
    unittest.main()
