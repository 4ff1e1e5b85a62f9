"""Faults between the program and AWS, injected by the proxy, during a whole `run`:
throttled RunTask (30%), 5xx bursts, connections reset mid-reply (after ECS acted),
replies held past the HTTP timeout (BCM_HTTP_TIMEOUT_MS), the emulator unreachable for
a while mid-run (the proxy refuses every request, then recovers: moto itself would lose
its state on a restart), and nothing listening at start.

Every time: each selected bot ends with exactly one task (simulator and ECS ListTasks
by startedBy agree), the journal as `status --json` reads it has every bot in a final
state with the expected verdict, the exit status is right, and the output says what
happened and what to do. test_run.py / test_resume.py cover the fault-free run, Ctrl-C,
kill -9 and torn journals; this module adds the network faults.
"""
import json
import socket
import time
import unittest

from harness import free_port
from run_helpers import RunTestCase, read_journal, wait_until


class Faults(RunTestCase):
    seed_args = {"bots": 6, "failing": 1, "empty_bots": 1, "conversations": 3, "suffix": "faults"}

    def run_to_the_end(self, *extra, expected_exit=1, **env):
        out = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 3, *extra, **env)
        self.assert_clean_exit(out, expected_exit)
        return out

    def assert_outcome(self, out):
        """One task per bot, journal final and right, table untouched."""
        self.assert_one_task_per_bot()
        states = self.final_states()
        selected = {b["bot_id"] for b in self.dep.bots if b["sk"] in self.selected_sks()}
        self.assertEqual(set(states), selected)
        self.assertEqual({b for b, s in states.items() if s["state"] == "failed"},
                         self.dep.bot_ids(expected="failed"))
        self.assertEqual({b for b, s in states.items() if s["state"] == "succeeded"},
                         self.dep.bot_ids(expected="succeeded"))
        total = len(selected)
        self.assertIn(f"summary: {total}/{total} done", out.stdout)
        self.assert_no_table_writes()
        records = read_journal(self.journal)
        launched = [r for r in records if r.get("type") == "launched"]
        self.assertEqual(len({r.get("bot_id") or r.get("sk") for r in launched}), len(launched),
                         "the journal records one launch per bot")

    def test_thirty_percent_of_run_task_throttled(self):
        self.start_simulator()
        self.proxy.add_rule("RunTask", "throttle", probability=0.3)
        out = self.run_to_the_end()
        throttled = self.proxy.count("RunTask", "throttle")
        self.assertGreaterEqual(throttled, 1, "the seeded 30% did throttle some RunTask calls")
        # A throttled RunTask did nothing: exactly one forwarded RunTask per bot.
        forwarded = [r for r in self.sent("RunTask")]
        self.assertEqual(len(forwarded) - throttled, len(self.selected_sks()))
        self.assert_outcome(out)
        print(f"\n  throttle: {throttled} of {len(forwarded)} RunTask throttled", end=" ")

    def test_5xx_bursts_on_every_operation(self):
        self.start_simulator()
        for op, n in (("RunTask", 2), ("DescribeTasks", 3), ("BatchGetItem", 3), ("Scan", 2),
                      ("DescribeTable", 1)):
            self.proxy.add_rule(op, "error5xx", first=n)
        out = self.run_to_the_end()
        burst = sum(self.proxy.count(op, "error5xx") for op in ("RunTask", "DescribeTasks", "BatchGetItem",
                                                               "Scan", "DescribeTable"))
        self.assertEqual(burst, 11)
        self.assert_outcome(out)

    def test_connection_reset_after_ecs_acted(self):
        self.start_simulator()
        # The reply is cut after ECS created the task: the program must look before retrying.
        self.proxy.add_rule("RunTask", "reset", first=2)
        self.proxy.add_rule("DescribeTasks", "reset", first=2)
        out = self.run_to_the_end()
        self.assertEqual(self.proxy.count("RunTask", "reset"), 2)
        self.assertIn("checking ECS before retrying", out.stdout + out.stderr)
        self.assertIn("found its task", out.stdout + out.stderr)
        self.assert_outcome(out)

    def test_replies_held_past_the_timeout(self):
        self.start_simulator()
        self.proxy.add_rule("RunTask", "delay", first=2, seconds=2.5)
        self.proxy.add_rule("DescribeTasks", "delay", first=1, seconds=2.5)
        started = time.monotonic()
        out = self.run_to_the_end(BCM_HTTP_TIMEOUT_MS=1000)
        self.assertLess(time.monotonic() - started, 60)
        self.assertEqual(self.proxy.count("RunTask", "delay"), 2)
        said = out.stdout + out.stderr
        self.assertIn("outcome unknown", said)
        self.assertTrue("timed out" in said.lower() or "timeout" in said.lower(), said[-2000:])
        wait_until(lambda: self.proxy.in_flight() == 0, 30, "held replies delivered")
        self.assert_outcome(out)

    def test_emulator_unreachable_for_a_while_mid_run(self):
        self.start_simulator(duration=(1.0, 1.5))
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 2)
        wait_until(lambda: sum(1 for r in read_journal(self.journal) if r.get("type") == "launched") >= 2,
                   30, "two launches journaled")
        self.proxy.down = True
        try:
            wait_until(lambda: sum(self.proxy.count(op, "refused") for op in
                                   ("RunTask", "DescribeTasks", "BatchGetItem")) >= 3, 30,
                       "requests refused while down")
            time.sleep(2.0)   # the outage lasts: the program must ride it out, not give up
        finally:
            self.proxy.down = False
        stdout, stderr = p.communicate(timeout=90)
        self.assertEqual(p.returncode, 1, stderr[-3000:])
        self.assertNotIn("ERROR: AddressSanitizer", stderr)

        class Out:
            pass
        out = Out()
        out.stdout, out.stderr = stdout, stderr
        self.assert_outcome(out)

    def test_connection_refused_at_start_launches_nothing(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]          # bound, never listening: connection refused
            ecs = self.emu.client("ecs")
            before = len(ecs.list_tasks(cluster=self.dep.cluster)["taskArns"])
            out = self.cli("run", "--yes", "--scan-table", "--journal", self.journal,
                           env_overrides={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{dead}"}, timeout=60)
        self.assertEqual(out.returncode, 3, out.stderr)
        err = out.stderr
        self.assertIn(str(dead), err, "the error names the endpoint it could not reach")
        self.assertTrue("refused" in err.lower() or "connect" in err.lower(), err)
        self.assertIn("AWS_ENDPOINT_URL", err, "the error says what to check")
        self.assertEqual(len(ecs.list_tasks(cluster=self.dep.cluster)["taskArns"]), before, "nothing launched")
        self.assertFalse([r for r in read_journal(self.journal) if r.get("type") in ("intent", "launched")])


if __name__ == "__main__":
    unittest.main()
