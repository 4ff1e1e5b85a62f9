"""What the emulator forgives and AWS does not, held by the fault proxy's real-AWS mode
(fault_proxy.RealAws): per-request latency, AWS's token buckets answering
ThrottlingException, DescribeTasks answering MISSING for a task's first seconds,
ListTasks forgetting stopped tasks after an hour (on a proxy clock the test moves), and
RunTask 200 replies that carry only failures[].

  * MISSING for 3 s after every launch: no bot is judged failed, one task per bot;
  * a permanent RunTask failure ends that bot as failed with its reason after a bounded
    number of tries, and the run ends; capacity reasons wait instead;
  * a crash between the journal's intent and RunTask's reply, resumed two "hours" later
    when ECS no longer lists or describes the task: the bot's item (LastExecId, read with
    a consistent read) proves the task ran, and no second task is started;
  * 300 bots at --concurrency 300 through the documented buckets: each launched exactly
    once, at most 2 % of RunTask calls throttled (the client paces RunTask at 20/s
    itself), and the retry budget never runs out.
Every request the runner sends here is checked against botocore's model.
"""
import json
import time
import unittest

from fault_proxy import RealAws
from run_helpers import RunTestCase, assert_matches_model, json_lines, read_journal, wait_until

MODEL = {"RunTask": "ecs", "DescribeTasks": "ecs", "ListTasks": "ecs", "StopTask": "ecs",
         "DescribeTaskDefinition": "ecs", "BatchGetItem": "dynamodb", "GetItem": "dynamodb"}


class RealAwsCase(RunTestCase):
    def assert_requests_match_model(self):
        seen = set()
        for rec in self.sent():
            service = MODEL.get(rec.operation)
            if service and (rec.operation, rec.body) not in seen:
                seen.add((rec.operation, rec.body))
                assert_matches_model(self, service, rec.operation, rec.json())

    def states(self):
        return {bot_id: b["state"] for bot_id, b in self.final_states().items()}


class MissingAfterLaunch(RealAwsCase):
    seed_args = {"bots": 6, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "missing"}
    proxy_args = {"real_aws": RealAws(latency=0.03, missing_seconds=3.0)}

    def test_missing_for_three_seconds_judges_no_bot(self):
        self.start_simulator(duration=(0.5, 1.5))
        out = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 3, "--json", timeout=180)
        self.assert_clean_exit(out, 0)
        self.assertGreater(self.proxy.missing_answers, 0, "ECS did answer MISSING")
        self.assertEqual(set(self.states().values()), {"succeeded"})
        self.assert_one_task_per_bot()
        self.assert_no_table_writes()
        self.assert_requests_match_model()


class RunTaskFailures(RealAwsCase):
    seed_args = {"bots": 4, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "refused"}
    proxy_args = {"real_aws": RealAws(latency=0.02, missing_seconds=0.5)}

    def refuse(self, bot, reason, detail, first=0):
        sk = bot["sk"].encode()
        body = {"tasks": [], "failures": [{"arn": "arn:aws:ecs:ap-northeast-1:123456789012:container-instance/x",
                                            "reason": reason, "detail": detail}]}
        self.proxy.add_rule("RunTask", "answer", probability=1.0 if not first else 0.0, first=first,
                            when=lambda headers, req: sk in req, body=body)

    def test_a_permanent_failure_ends_the_bot_after_bounded_tries(self):
        self.start_simulator()
        bots = sorted(self.dep.bots, key=lambda b: b["bot_id"])
        refused, waiting = bots[0], bots[1]
        self.refuse(refused, "ATTRIBUTE", "no Fargate platform matches the task definition")
        self.refuse(waiting, "RESOURCE:FARGATE", "Capacity is unavailable at this time", first=4)
        out = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 4, timeout=120)
        self.assert_clean_exit(out, 1)
        states = self.final_states()
        self.assertEqual(states[refused["bot_id"]]["state"], "failed")
        reason = states[refused["bot_id"]]["reason"]
        self.assertIn("ATTRIBUTE", reason)
        self.assertIn("no Fargate platform matches", reason)
        self.assertEqual(states[waiting["bot_id"]]["state"], "succeeded", "capacity waits, never fails")
        others = {b["bot_id"] for b in bots[1:]}
        self.assertEqual({b for b, s in states.items() if s["state"] == "succeeded"}, others)
        answered = self.proxy.count("RunTask", "answer")
        self.assertEqual(answered, 3 + 4, "three tries for the permanent reason, four capacity waits")
        self.assert_one_task_per_bot({b["sk"] for b in bots[1:]})
        self.assert_requests_match_model()


class ResumeHoursLater(RealAwsCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 3, "suffix": "hours"}
    proxy_args = {"real_aws": RealAws(latency=0.02, missing_seconds=0.0, forget_stopped_after=3600,
                                      describe_retention=3600)}

    def test_resume_two_hours_after_a_crash_between_intent_and_launch(self):
        self.start_simulator(duration=(0.3, 0.6))
        # The first RunTask reaches ECS (the task starts), its reply is held: the process
        # dies with only the intent journaled.
        self.proxy.add_rule("RunTask", "delay", first=1, seconds=3.0)
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 1)
        wait_until(lambda: self.proxy.count("RunTask", "delay") >= 1, 60, "a RunTask reply held")
        self.kill9(p)
        self.proxy.clear_rules()
        records = read_journal(self.journal)
        self.assertEqual(sum(1 for r in records if r.get("type") == "intent"), 1)
        self.assertEqual(sum(1 for r in records if r.get("type") == "launched"), 0)
        # The task runs to the end while nobody watches; two hours pass.
        wait_until(lambda: any(r.outcome == "succeeded" for r in self.sim.records()), 60, "the task finished")
        self.proxy.advance(2 * 3600)
        out = self.run_cli("run", "--yes", timeout=120)
        self.assert_clean_exit(out, 0)
        self.assertIn("Resuming run", out.stdout)
        self.assertEqual(set(self.states().values()), {"succeeded"})
        self.assert_one_task_per_bot()
        # Before relaunching, the bot's item was read, consistently, outside a poll round
        # (which only reads bots that have a task).
        reads = [r.json() for r in self.sent("BatchGetItem")]
        consistent = [b for b in reads for t in b["RequestItems"].values() if t.get("ConsistentRead")]
        self.assertTrue(consistent, "the bot's item was read with a consistent read")
        self.assert_no_table_writes()
        self.assert_requests_match_model()


class ThreeHundredAtOnce(RealAwsCase):
    seed_args = {"bots": 300, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "burst"}
    proxy_args = {"real_aws": RealAws(latency=0.03, missing_seconds=2.0)}

    def test_300_bots_launch_once_each_without_exhausting_retries(self):
        self.start_simulator(duration=(2.0, 4.0), poll_interval=0.3)
        debug = self.journal + ".debug"
        started = time.monotonic()
        out = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 300, "--debug-file", debug,
                           timeout=600, BCM_POLL_MS=1000)
        took = time.monotonic() - started
        self.assert_clean_exit(out, 0)
        self.assert_one_task_per_bot()
        sent = len(self.sent("RunTask"))
        throttled = self.proxy.throttled("RunTask")
        self.assertEqual(sent - throttled, 300, "every bot launched exactly once")
        self.assertLessEqual(throttled, 0.02 * sent, f"{throttled} of {sent} RunTask calls throttled")
        with open(debug) as f:
            log = f.read()
        self.assertNotIn("retry quota exhausted", log)
        self.assertEqual(set(self.states().values()), {"succeeded"})
        print(f"\n  300 bots: {sent} RunTask, {throttled} throttled, {took:.0f} s", end=" ")


if __name__ == "__main__":
    unittest.main()
