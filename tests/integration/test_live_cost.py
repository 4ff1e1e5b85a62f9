"""The cost while the run runs (issue 16, item 5): each progress event carries the cost so
far as a measured figure (finished bots' task logs and ECS times, Fargate of the running
tasks) and the rest refitted as bots finish, so the whole run's range narrows; the final
measured total lies inside the last range given while bots were still running, and equals
the report's actual total. The image pull (ECS pullStartedAt / pullStoppedAt, put into the
emulator's DescribeTasks replies, which lack them) replaces the model's assumed start in the
remaining-time estimate and in the calibrated plan (item 0)."""
import json
import os
import time
import unittest

from run_helpers import RunTestCase, json_lines


def _rel_width(r):
    lo, hi = r["low"], r["high"]
    return (hi - lo) / ((hi + lo) / 2)


PULL_SECONDS = 7.5


def add_pull_times(seen):
    """A DescribeTasks rewrite: each task's image pull took PULL_SECONDS, ending when the proxy
    first described it (a real task is past its pull once it runs)."""
    def rewrite(data):
        doc = json.loads(data)
        for task in doc.get("tasks", []):
            arn = task.get("taskArn")
            first = seen.setdefault(arn, time.time())
            task["pullStartedAt"] = first - PULL_SECONDS
            task["pullStoppedAt"] = first
        return json.dumps(doc).encode()
    return rewrite


class LiveCost(RunTestCase):
    seed_args = {"bots": 12, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "live"}

    def test_the_range_narrows_and_holds_the_measured_total(self):
        self.start_simulator(fail_bot_ids=(), duration=(1.0, 2.0))
        r = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 2, "--json", timeout=300)
        self.assert_clean_exit(r, 0)
        events = json_lines(r.stdout)
        progress = [e for e in events if e.get("event") == "progress" and "cost" in e]
        final = events[-1]
        self.assertEqual(final["event"], "summary")
        total = final["cost"]["so_far_usd"]
        self.assertEqual(final["cost"]["remaining_bots"], 0)
        self.assertEqual(final["cost"]["measured_bots"], final["counts"]["succeeded"])
        self.assertGreater(total, 0)
        # Ranges given while bots were still to finish, once something was measured.
        ranges = [e["cost"] for e in progress
                  if e["cost"]["remaining_bots"] > 0 and e["cost"]["measured_bots"] > 0
                  and e["cost"]["total_usd"]["low"] is not None]
        self.assertGreaterEqual(len(ranges), 3, [e["cost"] for e in progress])
        # The cost so far is one measured figure that only grows.
        so_far = [c["so_far_usd"] for c in ranges]
        self.assertEqual(so_far, sorted(so_far))
        first, last = ranges[0], ranges[-1]
        if os.environ.get("BCM_TEST_VERBOSE"):
            print(json.dumps(first, indent=1), json.dumps(last, indent=1), total)
        self.assertLess(_rel_width(last["total_usd"]), _rel_width(first["total_usd"]), (first, last))
        self.assertLess(last["remaining_bots"], first["remaining_bots"])
        self.assertLessEqual(last["total_usd"]["low"], total, (last, total))
        self.assertLessEqual(total, last["total_usd"]["high"], (last, total))
        with open(os.path.join(self.tmp, "run.report.json")) as f:
            report = json.load(f)
        self.assertAlmostEqual(report["estimate_vs_actual"]["actual_usd"], total, places=6)
        self.assert_one_task_per_bot({b["sk"] for b in self.dep.bots if b["expected"] == "succeeded"})

    def test_a_retried_bots_earlier_attempts_are_paid_for(self):
        # One bot's first task fails with a throttling error; the run relaunches it
        # (--retries 1) and the second succeeds. The first task's Fargate time is spent
        # money: in the cost so far, in its own figure, and in the report's actual total.
        retried = sorted(self.dep.bot_ids())[0]
        self.start_simulator(fail_bot_ids=(), fail_first_attempts={retried: 1}, duration=(1.0, 2.0),
                             fail_reason="ThrottlingException: Rate exceeded (InvokeModel)")
        r = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 3, "--retries", 1, "--json",
                         timeout=300)
        self.assert_clean_exit(r, 0)
        started_by = self.started_by()
        tasks = [t for t in self.sim.records() if t.started_by == started_by and t.bot_id == retried]
        self.assertEqual([t.outcome for t in tasks], ["failed", "succeeded"])
        final = json_lines(r.stdout)[-1]
        self.assertEqual(final["event"], "summary")
        earlier = final["cost"]["earlier_attempts"]
        self.assertEqual(earlier["tasks"], 1, final["cost"])
        self.assertGreater(earlier["usd"], 0, final["cost"])
        with open(os.path.join(self.tmp, "run.report.json")) as f:
            report = json.load(f)
        bot = next(b for b in report["bots"] if b["bot_id"] == retried)
        self.assertGreater(bot["actual_usd"], earlier["usd"])
        self.assertAlmostEqual(report["estimate_vs_actual"]["actual_usd"], final["cost"]["so_far_usd"],
                               places=6)

    def test_text_progress_says_the_cost_so_far(self):
        self.start_simulator(fail_bot_ids=(), duration=(1.0, 2.0))
        r = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 3, timeout=300)
        self.assert_clean_exit(r, 0)
        self.assertRegex(r.stdout, r"cost so far \$[0-9.]+ measured \(\d+ of \d+ finished bots read\); "
                                   r"the \d+ still to finish \$[0-9.]+-\$[0-9.]+ \(refitted to \d+\)")
        # While bots are still to finish, the ETA is the refitted range, not waves of the
        # median task: a progress line followed by its cost line with a refitted rest.
        lines = r.stdout.splitlines()
        etas = [line for line, after in zip(lines, lines[1:])
                if " progress: " in line and "still to finish" in after]
        self.assertTrue(etas, r.stdout[-3000:])
        for line in etas:
            self.assertRegex(line, r", ETA \d+-\d+ (s|min) \(refitted\)$")

    def test_measured_image_pull_feeds_the_time_estimates(self):
        seen = {}
        self.proxy.add_rewrite("DescribeTasks", add_pull_times(seen))
        self.start_simulator(fail_bot_ids=(), duration=(1.0, 2.0))
        r = self.run_cli("run", "--pilot", "3", "--yes", "--json", "--journal", self.journal, timeout=240)
        self.assert_clean_exit(r, 0)
        events = json_lines(r.stdout)
        cal = next(e for e in events if e.get("event") == "calibrated_plan")["calibration"]
        pull = cal["parameters"]["pull_seconds"]
        self.assertEqual(pull["samples"], 3)
        self.assertAlmostEqual(pull["value"], PULL_SECONDS, delta=0.01)
        for m in next(e for e in events if e.get("event") == "calibrated_plan")["measured"]:
            self.assertAlmostEqual(m["pull_seconds"], PULL_SECONDS, delta=0.01)
        # The rest's time: the measured pull and the work after it, not the assumed 50-100 s
        # start; each remaining bot takes at least the pull.
        work = cal["parameters"]["work_seconds"]
        self.assertEqual(work["samples"], 3)
        rest = cal["remaining_bots"]
        conc = next(e for e in events if e.get("event") == "plan")["concurrency"]
        waves = -(-rest // conc)
        low = cal["remaining_duration_s"]["low"]
        self.assertGreaterEqual(low, PULL_SECONDS + work["low"] - 0.01)
        self.assertLess(low, waves * 50, "the assumed 50 s start is gone")
        # During the real run, the pulls measured on running tasks feed the remaining time.
        r = self.run_cli("run", "--yes", "--json", "--journal", self.journal, timeout=240)
        self.assert_clean_exit(r, 0)
        costs = [e["cost"] for e in json_lines(r.stdout) if e.get("event") in ("progress", "summary") and "cost" in e]
        pulled = [c for c in costs if c["pull_samples"] > 0]
        self.assertTrue(pulled, costs)
        for c in pulled:
            self.assertAlmostEqual(c["pull_s"], PULL_SECONDS, delta=0.01)


if __name__ == "__main__":
    unittest.main()
