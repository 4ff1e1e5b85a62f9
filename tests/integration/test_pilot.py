"""A pilot narrows the estimate (issue 16, items 4 and 5): `run --pilot 3` runs three bots
chosen to span the mix and stops (exit 0) with the estimate of the rest refitted to what
they measured (task logs with realistic chunk counts and content lengths from the
simulator, ECS times); the real run then leaves the pilot's bots out; `plan --calibrate`
measures every finished bot. The measured total of the whole run falls inside the
calibrated range, and that range is at most half as wide (relative) as the model's own."""
import json
import os
import unittest

from run_helpers import RunTestCase, json_lines


def _rel_width(r):
    lo, hi = r["low"], r["high"]
    return (hi - lo) / ((hi + lo) / 2)


class PilotTest(RunTestCase):
    seed_args = {"bots": 18, "failing": 0, "empty_bots": 0, "conversations": 10}

    def test_pilot_of_three_narrows_the_estimate(self):
        self.start_simulator(fail_bot_ids=())
        r = self.run_cli("run", "--pilot", "3", "--yes", "--json", "--journal", self.journal, timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        events = json_lines(r.stdout)
        plan_event = next(e for e in events if e.get("event") == "plan")
        self.assertEqual(plan_event["pilot"], 3)
        cal_event = next(e for e in events if e.get("event") == "calibrated_plan")
        self.assertEqual(events[-1]["event"], "summary")    # the summary stays last
        cal = cal_event["calibration"]
        self.assertEqual(cal["measured_bots"], 3)
        self.assertEqual(len(cal_event["measured"]), 3)
        for m in cal_event["measured"]:
            self.assertTrue(m["log_read"], m)
            self.assertGreater(m["chunks"], 0)
            self.assertGreater(m["characters"], 0)
            self.assertIsNotNone(m["usd"])
        pilot_journal = os.path.join(self.tmp, "run.pilot.jsonl")
        self.assertTrue(os.path.exists(pilot_journal))
        self.assertFalse(os.path.exists(self.journal))
        # The pilot spans the mix: more than one kind of source among its three bots.
        shapes = {b["knowledge"] for b in self.dep.bots if b["bot_id"] in {m["bot_id"] for m in cal_event["measured"]}}
        self.assertGreater(len(shapes), 1, shapes)
        calibrated, uncalibrated = cal["total_usd"], cal["uncalibrated_total_usd"]

        # The rest: the pilot's bots are left out.
        r = self.run_cli("run", "--yes", "--json", "--journal", self.journal, timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        plan_event = next(e for e in json_lines(r.stdout) if e.get("event") == "plan")
        self.assertEqual(plan_event["left_out_done_by_pilot"], 3)
        self.assertEqual(plan_event["selected"], cal["measured_bots"] + cal["remaining_bots"] - 3)
        pilot_ids = {m["bot_id"] for m in cal_event["measured"]}
        self.assert_one_task_per_bot({b["sk"] for b in self.dep.bots if b["expected"] == "succeeded"
                                      and b["bot_id"] not in pilot_ids})

        # The report: estimate vs actual per bot and in total, from the logs and ECS times.
        with open(os.path.join(self.tmp, "run.report.json")) as f:
            report = json.load(f)
        eva = report["estimate_vs_actual"]
        self.assertEqual(eva["bots"], plan_event["selected"])
        with_actual = [b for b in report["bots"] if b.get("actual_usd") is not None]
        self.assertEqual(len(with_actual), plan_event["selected"])
        self.assertAlmostEqual(eva["actual_usd"], sum(b["actual_usd"] for b in with_actual), places=9)
        with open(os.path.join(self.tmp, "run.report.md")) as f:
            self.assertIn("## Estimate vs actual", f.read())

        # Every bot measured: the whole run's real cost.
        r = self.run_cli("plan", "--calibrate", "--json", "--journal", self.journal, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        whole = json.loads(r.stdout)["calibration"]
        self.assertEqual(whole["remaining_bots"], 0)
        measured = whole["measured_usd"]
        self.assertEqual(whole["measured_bots"], cal["measured_bots"] + cal["remaining_bots"])
        if os.environ.get("BCM_TEST_VERBOSE"):
            print(json.dumps(cal, indent=1), json.dumps(whole, indent=1))
        # Inside the calibrated range, which is at most half as wide (relative).
        self.assertLessEqual(calibrated["low"], measured, (calibrated, measured))
        self.assertLessEqual(measured, calibrated["high"], (calibrated, measured))
        self.assertLessEqual(_rel_width(calibrated), 0.5 * _rel_width(uncalibrated),
                             (calibrated, uncalibrated))

    def test_calibrate_without_a_journal_says_what_to_do(self):
        r = self.run_cli("plan", "--calibrate", "--journal", os.path.join(self.tmp, "none.jsonl"))
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertIn("run --pilot 3", r.stderr)


if __name__ == "__main__":
    unittest.main()
