"""`run` through a fault-injecting proxy: throttled RunTask, 5xx bursts on every kind of
call, replies cut after ECS already started the task, and an endpoint that refuses
connections. Each run must end with every selected bot accounted for, exactly one task
per bot, the right exit status, and an explanation a person can act on.
"""
import json
import os
import unittest

from run_helpers import RunTestCase, json_lines, read_journal


class Faults(RunTestCase):
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 1, "conversations": 10, "suffix": "faults"}

    def run_to_the_end(self, *extra):
        out = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 3, "--json", *extra)
        self.assert_clean_exit(out, 0)
        events = json_lines(out.stdout)
        final = events[-1]
        self.assertEqual(final["event"], "summary")
        self.assertTrue(final["finished"])
        self.assertEqual(final["counts"]["succeeded"], len(self.selected_sks()), "every bot accounted for")
        states = self.final_states()
        self.assertEqual({s["state"] for s in states.values()}, {"succeeded"})
        self.assert_one_task_per_bot()
        self.assert_no_table_writes()
        return out, events

    def messages(self, events):
        return "\n".join(e["text"] for e in events if e.get("event") == "message")

    def test_throttled_run_task(self):
        self.start_simulator()
        self.proxy.add_rule("RunTask", "throttle", probability=0.3)
        out, events = self.run_to_the_end()
        self.assertGreater(self.proxy.count("RunTask", "throttle"), 0, "the scenario did throttle")
        # Throttling proves nothing started: each retry of a bot is a new RunTask request,
        # yet ECS holds one task per bot (checked above).
        self.assertEqual(len(self.sent("RunTask")),
                         len(self.selected_sks()) + self.proxy.count("RunTask", "throttle"))

    def test_5xx_bursts_on_every_call(self):
        self.start_simulator()
        self.proxy.add_rule("RunTask", "error5xx", first=2)
        for op in ("DescribeTasks", "BatchGetItem", "ListTasks"):
            self.proxy.add_rule(op, "error5xx", probability=0.3)
        out, events = self.run_to_the_end()
        self.assertEqual(self.proxy.count("RunTask", "error5xx"), 2)
        self.assertGreater(self.proxy.count("DescribeTasks", "error5xx") +
                           self.proxy.count("BatchGetItem", "error5xx"), 0)
        # A 5xx on RunTask leaves its outcome unknown: ECS is asked before anything else.
        self.assertIn("outcome unknown", self.messages(events))
        self.assertGreater(len(self.sent("ListTasks")), 0)

    def test_reply_cut_after_the_task_started(self):
        self.start_simulator()
        # The request reaches ECS (the task starts), the reply is cut: relaunching blindly
        # would make a second task.
        self.proxy.add_rule("RunTask", "reset", first=2)
        out, events = self.run_to_the_end()
        self.assertEqual(self.proxy.count("RunTask", "reset"), 2)
        self.assertIn("not launching again", self.messages(events))
        adopted = [r for r in read_journal(self.journal) if r.get("type") == "launched" and r.get("reconciled")]
        self.assertEqual(len(adopted), 2)

    def test_endpoint_refusing_connections_at_start(self):
        self.proxy.down = True
        try:
            out = self.run_cli("run", "--yes", "--scan-table")
        finally:
            self.proxy.down = False
        self.assert_clean_exit(out, 3)
        self.assertIn("error:", out.stderr)
        self.assertFalse(os.path.exists(self.journal), "nothing was planned, nothing journaled")
        self.assertEqual(self.sent("RunTask"), [])


if __name__ == "__main__":
    unittest.main()
