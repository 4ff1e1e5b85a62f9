"""Leaving a run and coming back: --detach, Ctrl-C (once, twice, with --stop-on-exit),
kill -9 at several moments of the launch (including between RunTask and its journal
record), and a torn last journal line. Every time, the resumed run ends with exactly one
task per selected bot, checked against the simulator's record and ECS ListTasks.
"""
import json
import os
import signal
import time
import unittest

from run_helpers import RunTestCase, read_journal, wait_until


def count(records, kind):
    return sum(1 for r in records if r.get("type") == kind)


class Resume(RunTestCase):
    seed_args = {"bots": 7, "failing": 1, "empty_bots": 1, "conversations": 10, "suffix": "resume"}

    def use_journal(self, name):
        self.journal = os.path.join(self.tmp, name)

    def resume_to_the_end(self, *extra, expected_exit=1):
        out = self.run_cli("run", "--yes", *extra)
        self.assert_clean_exit(out, expected_exit)
        self.assertIn("Resuming run", out.stdout)
        self.assert_one_task_per_bot()
        self.assert_no_table_writes()
        return out

    def journal_records(self):
        return read_journal(self.journal)

    # -- detach ----------------------------------------------------------------------------

    def test_detach_then_status_then_resume(self):
        self.start_simulator(duration=(1.5, 2.0))
        out = self.run_cli("run", "--yes", "--scan-table", "--detach", "--concurrency", 3)
        self.assert_clean_exit(out, 0)
        self.assertIn("Detached with 3 tasks running", out.stdout)
        self.assertEqual(len(self.sent("RunTask")), 3)

        st = self.run_cli("status", "--json")
        self.assert_clean_exit(st, 0)
        doc = json.loads(st.stdout)
        c = doc["counts"]
        self.assertEqual(c["queued"], len(self.selected_sks()) - 3)
        self.assertEqual(c["provisioning"] + c["pending"] + c["running"] + c["launching"], 3)
        self.assertEqual(doc["run_id"] + "", doc["started_by"][len("bcm-"):])

        self.resume_to_the_end()
        self.assertLessEqual(self.sim.max_alive, 3)

    # -- Ctrl-C ----------------------------------------------------------------------------

    def test_ctrl_c_leaves_tasks_running_and_says_how_to_resume(self):
        self.start_simulator(duration=(3.0, 3.5))
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 2)
        wait_until(lambda: count(self.journal_records(), "launched") >= 2, 30, "two launches journaled")
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertIn("interrupted", stderr)
        self.assertIn("bedrock-chat-migrate run --yes", stderr)
        self.assertIn("bedrock-chat-migrate status", stderr)
        records = self.journal_records()
        self.assertEqual(count(records, "intent"), 2, "nothing launched after Ctrl-C")
        self.assertEqual(count(records, "intent"), count(records, "launched"))
        ecs = self.emu.client("ecs")
        running = ecs.list_tasks(cluster=self.dep.cluster, startedBy=self.started_by(),
                                 desiredStatus="RUNNING")["taskArns"]
        self.assertEqual(len(running), 2, "the run's tasks were left running")
        self.sim.duration = (0.2, 0.4)      # the rest need not take as long
        self.resume_to_the_end("--concurrency", 6)

    def test_second_ctrl_c_exits_at_once(self):
        self.start_simulator()
        # Every RunTask reply is held: the first Ctrl-C must wait for it, the second not.
        self.proxy.add_rule("RunTask", "delay", probability=1.0, seconds=4.0)
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 2)
        wait_until(lambda: self.proxy.count("RunTask", "delay") >= 2, 30, "two RunTask replies held")
        p.send_signal(signal.SIGINT)
        time.sleep(0.3)   # not a synchronisation: the process must still be waiting afterwards
        self.assertIsNone(p.poll(), "the first Ctrl-C waits for RunTask replies in flight")
        second = time.monotonic()
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertLess(time.monotonic() - second, 3.0, "the second Ctrl-C does not wait for replies")
        self.assertIn("exiting now", stderr)
        self.kill9(p)            # (already gone) waits until the held replies are delivered
        self.proxy.clear_rules()
        records = self.journal_records()
        self.assertEqual(count(records, "launched"), 0)
        # The two tasks exist although the journal never heard back: the resume adopts them.
        out = self.resume_to_the_end("--concurrency", 6)
        self.assertIn("not launching again", out.stdout)

    def test_stop_on_exit_stops_this_runs_tasks(self):
        self.start_simulator(duration=(3.0, 3.5))
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 2, "--stop-on-exit")
        wait_until(lambda: count(self.journal_records(), "launched") >= 2, 30, "two launches journaled")
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertEqual(len(self.sent("StopTask")), 2)
        ecs = self.emu.client("ecs")
        running = ecs.list_tasks(cluster=self.dep.cluster, startedBy=self.started_by(),
                                 desiredStatus="RUNNING")["taskArns"]
        self.assertEqual(running, [])
        states = self.final_states()
        self.assertEqual(sum(1 for s in states.values() if s["state"] == "cancelled"), 2)

    # -- kill -9 -----------------------------------------------------------------------------

    def test_kill9_between_run_task_and_its_journal_record(self):
        self.start_simulator()
        # The first RunTask reaches ECS, its reply is held: the task exists, the journal
        # only has the intent when the process dies.
        self.proxy.add_rule("RunTask", "delay", first=1, seconds=2.0)
        p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 2)
        wait_until(lambda: self.proxy.count("RunTask", "delay") >= 1, 30, "a RunTask reply held")
        self.kill9(p)
        self.proxy.clear_rules()
        records = self.journal_records()
        self.assertGreater(count(records, "intent"), count(records, "launched"))
        out = self.resume_to_the_end()
        self.assertIn("found its task", out.stdout)

    def test_kill9_at_several_points_of_the_launch(self):
        self.start_simulator(duration=(0.2, 0.6))
        for point in (1, 4, 8):
            with self.subTest(point=point):
                self.use_journal(f"kill-{point}.jsonl")
                p = self.spawn("run", "--yes", "--scan-table", "--concurrency", 3)
                wait_until(lambda: p.poll() is not None or
                           count(self.journal_records(), "intent") + count(self.journal_records(), "launched")
                           >= point, 30, f"{point} launch records")
                self.kill9(p)
                self.resume_to_the_end()

    # -- retry and a new run ------------------------------------------------------------

    def test_retry_failed_makes_a_new_attempt_for_failed_bots_only(self):
        self.start_simulator(duration=(0.2, 0.4))
        first = self.run_cli("run", "--yes", "--scan-table", "--concurrency", 6)
        self.assert_clean_exit(first, 1)
        failed = self.dep.bot_ids(expected="failed")
        self.sim.fail_bot_ids = set()           # whatever broke them is fixed now
        again = self.run_cli("run", "--yes", "--retry-failed")
        self.assert_clean_exit(again, 0)
        self.assertIn(f"{len(failed)} failed bot", again.stdout)
        states = self.final_states()
        self.assertEqual({s["state"] for s in states.values()}, {"succeeded"})
        for bot_id in failed:
            self.assertEqual(states[bot_id]["attempt"], 2)
        started_by = self.started_by()
        per_bot = {sk: sum(1 for r in recs if r.started_by == started_by)
                   for sk, recs in self.sim.tasks_by_bot.items()}
        for b in self.dep.bots:
            if b["sk"] in self.selected_sks():
                self.assertEqual(per_bot.get(b["sk"]), 2 if b["bot_id"] in failed else 1, b["bot_id"])

    def test_new_run_keeps_the_previous_journal(self):
        self.start_simulator(duration=(0.2, 0.4))
        bot = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        first = self.run_cli("run", "--yes", "--scan-table", "--bots", bot)
        self.assert_clean_exit(first, 0)
        old_run = self.started_by()
        second = self.run_cli("run", "--yes", "--scan-table", "--bots", bot, "--new-run")
        self.assert_clean_exit(second, 0)
        self.assertIn("kept in", second.stdout)
        # Set aside as the wizard does it: <stem>.<run id><ext>, with the old run's reports.
        stem, ext = os.path.splitext(self.journal)
        run_id = old_run[len('bcm-'):]
        self.assertTrue(os.path.exists(f"{stem}.{run_id}{ext}"))
        self.assertTrue(os.path.exists(f"{stem}.report.json"))  # the new run's report
        self.assertEqual(os.stat(f"{stem}.report.json").st_mode & 0o777, 0o600)
        self.assertNotEqual(self.started_by(), old_run)
        self.assertNotIn("Resuming", second.stdout)

    def test_retry_failed_without_a_run_is_a_usage_error(self):
        out = self.run_cli("run", "--yes", "--retry-failed")
        self.assertEqual(out.returncode, 2)
        self.assertIn("holds no run", out.stderr)

    # -- a torn journal --------------------------------------------------------------------

    def test_torn_last_line_is_tolerated(self):
        self.start_simulator(duration=(1.0, 1.5))
        out = self.run_cli("run", "--yes", "--scan-table", "--detach", "--concurrency", 2)
        self.assert_clean_exit(out, 0)
        with open(self.journal, "rb") as f:
            data = f.read()
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        self.assertEqual(json.loads(last)["type"], "launched")
        # Cut the last record (a launch confirmation) in half, as a crash mid-write would.
        with open(self.journal, "wb") as f:
            f.write(data[: len(data) - 1 - len(last) // 2])
        st = self.run_cli("status", "--json")
        self.assert_clean_exit(st, 0)
        self.assertEqual(json.loads(st.stdout)["damaged_lines"], 1)
        self.sim.duration = (0.2, 0.4)
        resumed = self.resume_to_the_end("--concurrency", 6)
        self.assertIn("damaged line", resumed.stdout + resumed.stderr)


class ResumeV10(Resume):
    """The same resumes against a v1.0.0 – v1.2.4 deployment (keys read from the command)."""
    seed_args = {**Resume.seed_args, "release": "v1.0", "suffix": "resume10"}
    sim_args = {"contract": "v1.0"}


if __name__ == "__main__":
    unittest.main()
