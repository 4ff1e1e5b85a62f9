"""A RunTask refused over the account's Fargate vCPU quota lowers the concurrency ceiling
(issue 16, item 1): the refusal waits (never a bot failure), the lowered ceiling is
journaled, and a run resumed after a crash keeps it (said in its start event and as a
message) instead of knocking on the quota again at the concurrency it was started with;
--concurrency on the resume is the operator's choice and wins."""
import json
import unittest

from run_helpers import RunTestCase, json_lines, read_journal, wait_until

VCPU_REASON = ("You've reached the limit on the number of vCPUs you can run concurrently")


class VcpuCeiling(RunTestCase):
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "vcpu"}

    def refuse_third_and_fourth_run_task(self):
        seen = {"n": 0}

        def third_or_fourth(headers, body):
            seen["n"] += 1
            return seen["n"] in (3, 4)

        body = {"tasks": [], "failures": [{"arn": "arn:aws:ecs:ap-northeast-1:123456789012:cluster/x",
                                            "reason": VCPU_REASON}]}
        self.proxy.add_rule("RunTask", "answer", probability=1.0, when=third_or_fourth, body=body)

    def ceiling_records(self):
        return [r for r in read_journal(self.journal) if r.get("type") == "ceiling"]

    def test_a_resume_keeps_the_lowered_ceiling(self):
        self.start_simulator(duration=(2.0, 3.0))
        self.refuse_third_and_fourth_run_task()
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 4, "--json")
        wait_until(lambda: self.ceiling_records(), 90, "a ceiling record in the journal")
        self.kill9(p)
        self.proxy.clear_rules()
        ceiling = self.ceiling_records()[-1]
        self.assertEqual(ceiling["cause"], "vcpu_quota")
        self.assertIn("vCPUs", ceiling["reason"])
        lowered = ceiling["concurrency"]
        self.assertLess(lowered, 4)
        # The first session's tasks end while nobody watches; then the resume.
        wait_until(lambda: self.sim.alive == 0 and self.sim.task_count() > 0, 60, "no task running")
        self.sim.max_alive = 0
        out = self.run_cli("run", "--yes", "--json", timeout=180)
        self.assert_clean_exit(out, 0)
        events = json_lines(out.stdout)
        start = next(e for e in events if e.get("event") == "start")
        self.assertEqual(start["concurrency"], lowered)
        self.assertEqual(start["concurrency_ceiling"], {"value": lowered, "cause": "vcpu_quota", "from_journal": True})
        said = [e["text"] for e in events if e.get("event") == "message"]
        self.assertTrue(any(f"concurrency kept at {lowered}" in t for t in said), said)
        self.assertLessEqual(self.sim.max_alive, lowered, "the resume kept to the journaled ceiling")
        final = events[-1]
        self.assertEqual(final["event"], "summary")
        self.assertEqual(final["concurrency"], lowered)
        self.assertEqual(final["concurrency_ceiling"]["value"], lowered)
        self.assertEqual({s["state"] for s in self.final_states().values()}, {"succeeded"},
                         "a refusal over the quota is never a bot failure")
        self.assert_one_task_per_bot()
        self.assert_no_table_writes()

    def test_concurrency_chosen_on_resume_wins(self):
        self.start_simulator(duration=(1.0, 1.5))
        self.refuse_third_and_fourth_run_task()
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 4, "--json")
        wait_until(lambda: self.ceiling_records(), 90, "a ceiling record in the journal")
        self.kill9(p)
        self.proxy.clear_rules()
        lowered = self.ceiling_records()[-1]["concurrency"]
        out = self.run_cli("run", "--yes", "--json", "--concurrency", 4, timeout=180)
        self.assert_clean_exit(out, 0)
        events = json_lines(out.stdout)
        start = next(e for e in events if e.get("event") == "start")
        self.assertEqual(start["concurrency"], 4)
        said = [e["text"] for e in events if e.get("event") == "message"]
        self.assertTrue(any(f"above the {lowered}" in t for t in said), said)
        self.assert_one_task_per_bot()


if __name__ == "__main__":
    unittest.main()
