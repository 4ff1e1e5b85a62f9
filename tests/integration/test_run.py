"""`run`, `status` and `logs` against the emulator with the embedding simulator.

One full run (class setUp) is checked from every side: the exact set of tasks and what
each RunTask carried, the concurrency bound, the verdict per bot (failure reasons, a
crashed task), the exit status, the journal as `status` reads it, a task's log through
`logs`, and that nothing was ever written to the table. Separate runs check --json and
the refusal to launch without --yes, all in the same emulator.
"""
import json
import os
import pty
import select
import shutil
import subprocess
import tempfile
import unittest

import botocore_model
from harness import SANITIZER_ENV, program
from run_helpers import RunTestCase, json_lines, read_journal
from simulator import DEFAULT_FAIL_REASON, STOP_REASON_CRASH

CONCURRENCY = 2


class ExactRun(RunTestCase):
    """`run --yes --scan-table --concurrency 2` over 7 bots with knowledge: 2 fail, 1 crashes;
    a Bedrock Knowledge Base bot (v1.2.5+) is never launched."""
    seed_args = {**RunTestCase.seed_args, "knowledge_base_bots": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_tmp = tempfile.mkdtemp(prefix="bcm-run-class-")
        try:
            cls.crashed = sorted(cls.dep.bot_ids(expected="succeeded"))[0]
            helper = cls("run")          # a throwaway instance to reuse the helpers
            RunTestCase.setUp(helper)
            helper.journal = os.path.join(cls.class_tmp, "run.jsonl")
            helper.start_simulator(crash_bot_ids={cls.crashed})
            cls.first_request = helper.first_request
            cls.completed = helper.run_cli("run", "--yes", "--scan-table", "--concurrency", CONCURRENCY)
            cls.last_request = len(cls.proxy.operations())
            helper.sim.stop(raise_errors=True)
            cls.sim = helper.sim
            helper.doCleanups()
            cls.journal_path = helper.journal
        except BaseException:
            shutil.rmtree(cls.class_tmp, ignore_errors=True)
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(getattr(cls, "class_tmp", ""), ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        self.journal = self.journal_path
        self.first_request = self.first_request
        self.procs = []

    def line_for(self, bot_id, transition):
        lines = [l for l in self.completed.stdout.splitlines() if bot_id in l and transition in l]
        self.assertTrue(lines, f"no '{transition}' line for {bot_id} in:\n{self.completed.stdout}")
        return lines[-1]

    # -- the tasks -----------------------------------------------------------------------

    def test_exit_status_says_some_failed(self):
        self.assert_clean_exit(self.completed, 1)

    def test_one_task_per_selected_bot(self):
        self.assert_one_task_per_bot()

    def test_concurrency_never_exceeded(self):
        self.assertLessEqual(self.sim.max_alive, CONCURRENCY)
        self.assertGreaterEqual(self.sim.max_alive, 1)

    def test_run_task_requests_are_exactly_the_stacks_own(self):
        bodies = [r.json() for r in self.sent("RunTask")]
        self.assertEqual(len(bodies), len(self.selected_sks()), "one RunTask per bot (no fault injected)")
        tokens = set()
        for body in bodies:
            self.assertEqual(body["cluster"], self.dep.cluster)
            self.assertEqual(body["launchType"], "FARGATE")
            self.assertIn(self.dep.task_family, body["taskDefinition"])
            vpc = body["networkConfiguration"]["awsvpcConfiguration"]
            self.assertEqual(sorted(vpc["subnets"]), sorted(self.dep.private_subnets))
            self.assertEqual(vpc["securityGroups"], [self.dep.security_group])
            self.assertEqual(vpc["assignPublicIp"], "DISABLED")
            self.assertEqual(body["startedBy"], self.started_by())
            self.assertLessEqual(len(body["startedBy"]), 36)
            overrides = body["overrides"]["containerOverrides"]
            self.assertEqual(len(overrides), 1)
            self.assertEqual(overrides[0]["name"], self.dep.container)
            command = overrides[0]["command"]
            self.assertEqual(command[:2], ["-u", "embedding/main.py"])
            keys = json.loads(command[2])
            bot = self.dep.bot_by_sk(keys["SK"]["S"])
            # The exact text the stack's own pipe passes (spacing included).
            self.assertEqual(command[2], '{"PK": {"S": %s}, "SK": {"S": %s}}'
                             % (json.dumps(bot["pk"]), json.dumps(bot["sk"])))
            # …and the same text as EVENT, which v1.2.5+ reads instead of the argument.
            self.assertEqual(overrides[0]["environment"], [{"name": "EVENT", "value": command[2]}])
            tokens.add(body["clientToken"])
        self.assertEqual(len(tokens), len(bodies), "a distinct clientToken per launch")
        for rec in self.sim.records():
            if rec.started_by == self.started_by():
                self.assertIn(rec.subnet, self.dep.private_subnets)
                self.assertEqual(rec.security_groups, [self.dep.security_group])
                self.assertEqual(rec.launch_type, "FARGATE")

    def test_knowledge_base_bot_is_skipped_with_its_reason(self):
        (kb,) = [b for b in self.dep.bots if b["expected"] == "knowledge_base"]
        launched = {json.loads(r.json()["overrides"]["containerOverrides"][0]["command"][2])["SK"]["S"]
                    for r in self.sent("RunTask")}
        self.assertNotIn(kb["sk"], launched)
        for args in (("plan", "--json", "--scan-table"),
                     ("plan", "--json", "--scan-table", "--bots", kb["bot_id"])):
            done = self.run_cli(*args)
            self.assertEqual(done.returncode, 0, done.stderr)
            doc = json.loads(done.stdout)
            (item,) = [b for b in doc["bots"] if b["bot_id"] == kb["bot_id"]]
            self.assertFalse(item["selected"])
            self.assertTrue(item["knowledge_base"])
            self.assertIn("Bedrock Knowledge Base bot", item["why_not"])
            self.assertEqual(doc["totals"]["skipped_knowledge_base"], 1)
        table = self.run_cli("plan", "--scan-table")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn("1 Bedrock Knowledge Base bot skipped", table.stdout)
        self.assertIn("not selected: Bedrock Knowledge Base bot", table.stdout)

    def test_knowledge_base_bot_is_in_the_run_report(self):
        """The report written at the end of the run lists the Knowledge Base bot as not run,
        with its reason (Markdown and JSON), and never among the run's bots; so does the
        report of a later resume, from the journal alone."""
        (kb,) = [b for b in self.dep.bots if b["expected"] == "knowledge_base"]

        def check_report(journal):
            base = os.path.splitext(journal)[0]
            with open(base + ".report.json", encoding="utf-8") as f:
                doc = json.load(f)
            self.assertNotIn(kb["bot_id"], {b["bot_id"] for b in doc["bots"]})
            (nr,) = doc["not_run"]
            self.assertEqual(nr["bot_id"], kb["bot_id"])
            self.assertEqual(nr["pk"], kb["pk"])
            self.assertIn("Bedrock Knowledge Base bot", nr["reason"])
            with open(base + ".report.md", encoding="utf-8") as f:
                md = f.read()
            self.assertIn("## Not run", md)
            section = md.split("## Not run", 1)[1]
            self.assertIn(kb["bot_id"], section)
            self.assertIn("Bedrock Knowledge Base bot", section)

        check_report(self.journal_path)
        records = [r for r in read_journal(self.journal_path) if r.get("type") == "not_run"]
        self.assertEqual([r["bot_id"] for r in records], [kb["bot_id"]])
        # A resume of a copy of the journal (every bot final: nothing is launched) writes
        # the report again, from the journal alone.
        tmp = tempfile.mkdtemp(prefix="bcm-kb-report-")
        self.addCleanup(shutil.rmtree, tmp, True)
        copy = os.path.join(tmp, "copy.jsonl")
        shutil.copyfile(self.journal_path, copy)
        again = self.run_cli("run", "--yes", "--scan-table", "--no-verify", "--journal", copy)
        self.assertIn(again.returncode, (0, 1), again.stderr)
        self.assertIn("Resuming run", again.stdout)
        check_report(copy)

    def test_outputs_name_the_release_family(self):
        done = self.run_cli("outputs", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        want = "v1.0.0-v1.2.4" if self.seed_args.get("release") == "v1.0" else "v1.2.5+"
        self.assertEqual(json.loads(done.stdout)["release_family"], want)

    def test_run_task_requests_hold_to_the_ecs_model(self):
        sent = self.sent("RunTask")
        self.assertTrue(sent)
        for rec in sent:
            self.assertEqual(botocore_model.check_request("ecs", rec), [])

    def test_each_task_read_its_keys_the_way_its_release_does(self):
        mine = [r for r in self.sim.records() if r.started_by == self.started_by()]
        want = "EVENT" if self.sim.contract == "v1.4" else "command"
        self.assertEqual({r.keys_from for r in mine}, {want})
        self.assertNotIn("no_keys", {r.outcome for r in mine})

    def test_follows_in_batches_and_judges_with_consistent_reads(self):
        for body in (r.json() for r in self.sent("DescribeTasks")):
            self.assertLessEqual(len(body["tasks"]), 100)
        reads = [r.json()["RequestItems"][self.dep.table] for r in self.sent("BatchGetItem")]
        self.assertTrue(reads)
        self.assertTrue(any(r.get("ConsistentRead") for r in reads),
                        "a stopped task's bot is read with ConsistentRead")
        for r in reads:
            self.assertLessEqual(len(r["Keys"]), 100)

    def test_never_writes_to_the_table(self):
        self.assert_no_table_writes()

    # -- the verdicts ----------------------------------------------------------------------

    def test_failures_reported_with_their_reason(self):
        for bot_id in self.dep.bot_ids(expected="failed"):
            line = self.line_for(bot_id, "-> failed")
            self.assertIn("NoSuchKey", line)
        self.assertIn("NoSuchKey", DEFAULT_FAIL_REASON)

    def test_crashed_task_fails_with_the_ecs_stop_reason(self):
        line = self.line_for(self.crashed, "-> failed")
        self.assertIn(STOP_REASON_CRASH.split(":")[0], line)

    def test_successes_and_summary(self):
        succeeded = self.dep.bot_ids(expected="succeeded") - {self.crashed}
        for bot_id in succeeded:
            self.line_for(bot_id, "-> succeeded")
        total = len(self.selected_sks())
        failed = len(self.dep.bot_ids(expected="failed")) + 1
        self.assertIn(f"summary: {total}/{total} done ({total - failed} succeeded, {failed} failed)",
                      self.completed.stdout)
        self.assertIn("--retry-failed", self.completed.stdout)

    # -- status and logs -------------------------------------------------------------------

    def test_status_reads_the_journal(self):
        states = self.final_states()
        self.assertEqual({b for b, s in states.items() if s["state"] == "failed"},
                         self.dep.bot_ids(expected="failed") | {self.crashed})
        self.assertEqual({b for b, s in states.items() if s["state"] == "succeeded"},
                         self.dep.bot_ids(expected="succeeded") - {self.crashed})
        for bot_id in self.dep.bot_ids(expected="failed"):
            self.assertIn("NoSuchKey", states[bot_id]["reason"])
        text = self.run_cli("status")
        self.assertEqual(text.returncode, 1)
        self.assertIn("Retry the failed bots", text.stdout)

    def test_status_does_not_call_aws(self):
        before = len(self.proxy.operations())
        self.run_cli("status", "--json")
        self.assertEqual(len(self.proxy.operations()), before)

    def test_logs_prints_the_tasks_log_lines_inert(self):
        bot_id = sorted(self.dep.bot_ids(expected="succeeded") - {self.crashed})[0]
        # The whole log: the simulator writes the task's per-document lines (hundreds for
        # a large bot), which push the first lines out of the default last 50.
        out = self.run_cli("logs", bot_id, "--lines", 10000)
        self.assert_clean_exit(out, 0)
        self.assertIn(f"Start embedding for bot {bot_id}", out.stdout)
        self.assertIn("Done.", out.stdout)
        self.assertIn("ドキュメントを読み込み中", out.stdout)
        self.assertNotIn("\x1b", out.stdout, "escape sequences from the log never reach the terminal")
        events = json.loads(self.run_cli("logs", bot_id, "--json", "--lines", "2").stdout)
        self.assertEqual(len(events), 2)
        self.assertEqual(events[-1]["message"], "Done.")

    def test_logs_unknown_bot_is_explained(self):
        out = self.run_cli("logs", "NO-SUCH-BOT")
        self.assertEqual(out.returncode, 3)
        self.assertIn("not part of run", out.stderr)
        usage = self.run_cli("logs")
        self.assertEqual(usage.returncode, 2)

    def test_second_run_on_a_finished_journal_launches_nothing(self):
        before = len(self.sent("RunTask"))
        again = self.run_cli("run", "--yes")
        self.assert_clean_exit(again, 1)
        self.assertIn("Resuming run", again.stdout)
        self.assertEqual(len(self.sent("RunTask")), before)


    # -- runs of their own, in the same emulator ---------------------------------------------

    def fresh(self):
        """This test's own journal, request log and simulator (not the class run's)."""
        RunTestCase.setUp(self)
        self.last_request = None

    def test_refuses_to_launch_without_yes(self):
        self.fresh()
        out = self.run_cli("run", "--scan-table")
        self.assertEqual(out.returncode, 2)
        self.assertIn("--yes", out.stderr)
        self.assertEqual(self.sent("RunTask"), [])
        self.assertFalse(os.path.exists(self.journal), "nothing journaled without --yes")

    def prompt_and_answer(self, answer, *args):
        """Runs `run` on a pseudo-terminal, answers its confirmation prompt; returns
        (exit status, what the terminal showed)."""
        master, slave = pty.openpty()
        argv = [program(), "run", "--scan-table", "--journal", self.journal, *map(str, args)]
        env = self.env()
        env.update({k: v for k, v in SANITIZER_ENV.items() if k not in env})
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env)
        self.procs.append(p)
        os.close(slave)
        shown = b""
        try:
            while b"to confirm" not in shown:
                ready, _, _ = select.select([master], [], [], 30)
                self.assertTrue(ready, f"no confirmation prompt; the terminal showed:\n{shown!r}")
                shown += os.read(master, 4096)
            os.write(master, answer.encode() + b"\n")
            while True:
                ready, _, _ = select.select([master], [], [], 60)
                if not ready:
                    break
                try:
                    chunk = os.read(master, 4096)
                except OSError:     # EIO: the program closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            _, err = p.communicate(timeout=60)
        finally:
            os.close(master)
        self.assertNotIn(b"Sanitizer", err)
        return p.returncode, shown.decode(errors="replace")

    def test_terminal_confirmation_needs_the_number_of_tasks(self):
        self.fresh()
        bot = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        code, shown = self.prompt_and_answer("y", "--bots", bot)
        self.assertEqual(code, 2, shown)
        self.assertIn("Type 1 to confirm", shown)
        self.assertIn("nothing was launched", shown)
        self.assertEqual(self.sent("RunTask"), [])
        self.start_simulator()
        code, shown = self.prompt_and_answer("1", "--bots", bot)
        self.assertEqual(code, 0, shown)
        self.assertEqual(len(self.sent("RunTask")), 1)
        self.assertIn("-> succeeded", shown)

    def test_contradicting_flags_are_a_usage_error(self):
        self.fresh()
        out = self.run_cli("run", "--yes", "--detach", "--stop-on-exit")
        self.assertEqual(out.returncode, 2)
        self.assertIn("contradict", out.stderr)
        self.assertEqual(self.sent(), [], "nothing is asked of AWS before the command line is right")

    def test_status_without_a_journal_says_what_to_do(self):
        self.fresh()
        out = self.run_cli("status")
        self.assertEqual(out.returncode, 3)
        self.assertIn("no run journal", out.stderr)
        self.assertIn("run --yes", out.stderr)

    def test_json_events_and_final_summary(self):
        self.fresh()
        self.start_simulator()
        chosen = sorted(self.dep.bot_ids(expected="succeeded"))[:2]
        out = self.run_cli("run", "--yes", "--json", "--bots", ",".join(chosen), "--scan-table")
        self.assert_clean_exit(out, 0)
        events = json_lines(out.stdout)
        self.assertEqual(len(events), len(out.stdout.strip().splitlines()), "every stdout line is JSON")
        kinds = [e.get("event") for e in events]
        self.assertEqual(kinds[0], "plan")
        self.assertEqual(events[0]["selected"], 2)
        self.assertIn("start", kinds)
        self.assertEqual(kinds[-1], "summary")
        final = events[-1]
        self.assertTrue(final["finished"])
        self.assertEqual(final["counts"]["succeeded"], 2)
        self.assertEqual(final["failed"], [])
        states = [e for e in events if e.get("event") == "state"]
        for bot_id in chosen:
            path = [e["to"] for e in states if e["bot_id"] == bot_id]
            self.assertEqual(path[0], "launching")
            self.assertEqual(path[-1], "succeeded")
            self.assertIn("stopped", path)
        self.assert_one_task_per_bot({b["sk"] for b in self.dep.bots if b["bot_id"] in chosen})
        journal_types = {r["type"] for r in read_journal(self.journal)}
        self.assertTrue({"run", "bot", "intent", "launched", "outcome"} <= journal_types)
        self.assertEqual(os.stat(self.journal).st_mode & 0o777, 0o600)



class ExactRunV10(ExactRun):
    """The same run against a v1.0.0 – v1.2.4 deployment, whose task reads the keys from
    its command argument only (and ignores EVENT)."""
    seed_args = {**ExactRun.seed_args, "release": "v1.0"}
    sim_args = {"contract": "v1.0"}


class CommandOnlyLaunchOnV14(RunTestCase):
    """What the guide's script (and this tool before) does on v1.2.5+: keys in the command
    only. Every task dies before writing a status, and the run says so (exit 1)."""
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "cmdonly"}

    def test_every_task_stops_without_a_status(self):
        self.start_simulator()
        done = self.run_cli("run", "--yes", "--scan-table", BCM_TEST_COMMAND_ONLY_LAUNCH=1)
        self.assert_clean_exit(done, 1)
        bodies = [r.json() for r in self.sent("RunTask")]
        self.assertTrue(bodies)
        for body in bodies:
            self.assertNotIn("environment", body["overrides"]["containerOverrides"][0])
        # The dead tasks cannot say whose they were: count them from the launches and ECS.
        launched = [json.loads(b["overrides"]["containerOverrides"][0]["command"][2])["SK"]["S"]
                    for b in bodies]
        self.assertEqual(sorted(launched), sorted(self.selected_sks()), "one task per bot")
        self.assertEqual(len(self.ecs_tasks_of_run()), len(launched))
        self.assertEqual([r.outcome for r in self.sim.records()], ["no_keys"] * len(launched))
        states = self.final_states()
        self.assertEqual({b["state"] for b in states.values()}, {"failed"})
        for b in states.values():
            self.assertIn("stopped without writing a SyncStatus", b["reason"])


class LogsInTheTaskDefinitionsRegion(RunTestCase):
    """The task definition's awslogs-region is not the run's region: the log is read there."""
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 2, "suffix": "logregion",
                 "log_region": "us-west-2"}

    def test_logs_reads_the_awslogs_region(self):
        self.start_simulator()
        out = self.run_cli("run", "--yes", "--scan-table")
        self.assert_clean_exit(out, 0)
        bot_id = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        before = len(self.proxy.requests)
        out = self.run_cli("logs", bot_id, "--lines", "10000")
        self.assert_clean_exit(out, 0)
        self.assertIn(f"Start embedding for bot {bot_id}", out.stdout)
        reads = [r for r in self.proxy.requests[before:] if r.operation == "GetLogEvents"]
        self.assertTrue(reads)
        self.assertTrue(all("/us-west-2/logs/" in r.headers.get("Authorization", "") for r in reads),
                        "GetLogEvents is signed for the log's region")


if __name__ == "__main__":
    unittest.main()
