"""`verify` against a real PostgreSQL behind the RDS Data API test server.

The seeded deployment is run with the embedding simulator writing vectors as the v1
task does, with designed faults: two bots whose task "succeeded" but wrote no rows, one
whose rows fall short of the count it logged, and rows of a bot that no longer exists.
verify must report exactly those verdicts (every other bot ok or empty by design) and
exit 1; after the faulty bots are re-embedded it exits 0."""
import json
import os
import unittest

import simulator
from run_helpers import RunTestCase, json_lines
from vector_store import VectorStoreMixin

ORPHAN = "01ORPHANORPHANORPHANORPHAN"
ROW_CONTENT = "SECRET-ROW-CONTENT"


class VerifyTest(VectorStoreMixin, RunTestCase):
    seed_args = {"bots": 10, "failing": 0, "empty_bots": 2, "conversations": 10}

    def designed(self):
        succeeded = sorted(self.dep.bot_ids(expected="succeeded"))
        return succeeded[:2], succeeded[2]   # no rows; short by 2

    def setUp(self):
        super().setUp()
        self.db.execute("DELETE FROM items")
        self.data_api.requests.clear()
        self.data_api.violations.clear()

    def verify(self, *args):
        return self.run_cli("verify", *args, **self.data_api.env())

    def test_designed_verdicts_then_reembedded(self):
        no_rows, short = self.designed()
        sim = self.start_simulator(db=self.pg.client(), no_rows_bot_ids=no_rows,
                                   short_rows_bot_ids={short: 2})
        simulator.write_vectors(self.db, ORPHAN, 5, __import__("random").Random(3))
        done = self.run_cli("run", "--yes", "--no-verify", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        sim.stop()

        done = self.verify("--json")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr[-3000:])
        result = json_lines(done.stdout)[-1]
        verdicts = {b["bot_id"]: b["verdict"] for b in result["bots"]}
        expected = {}
        for bot in self.dep.bots:
            if bot["expected"] == "empty":
                expected[bot["bot_id"]] = "empty_by_design"
            else:
                expected[bot["bot_id"]] = "ok"
        for bot_id in no_rows:
            expected[bot_id] = "no_vectors"
        expected[short] = "count_differs"
        expected[ORPHAN] = "orphan_rows"
        self.assertEqual(verdicts, expected)
        rows = {b["bot_id"]: b for b in result["bots"]}
        self.assertEqual(rows[short]["rows"], sim.logged_rows[short] - 2)
        self.assertEqual(rows[short]["logged_rows"], sim.logged_rows[short])
        self.assertEqual(rows[no_rows[0]]["rows"], 0)
        self.assertEqual(rows[ORPHAN]["rows"], 5)
        self.assertIsNone(rows[ORPHAN]["title"])
        ok = next(b for b in self.dep.bots if verdicts[b["bot_id"]] == "ok")
        self.assertEqual(rows[ok["bot_id"]]["rows"], sim.logged_rows[ok["bot_id"]])
        self.assertEqual(rows[ok["bot_id"]]["outcome_source"], "journal")
        self.assertTrue(all(b["action"] for b in result["bots"]))
        self.assertTrue(os.path.exists(result["saved_to"]))
        self.assert_data_api_clean()

        # The human view names what to do, with the command that re-embeds them.
        text = self.verify()
        self.assertEqual(text.returncode, 1)
        self.assertIn("no vectors", text.stdout)
        self.assertIn("run --new-run --bots", text.stdout)
        self.assertNotIn(ROW_CONTENT, text.stdout + text.stderr)

        # Re-embed the faulty bots with a simulator that writes every row.
        fix = sorted(no_rows + [short])
        self.start_simulator(db=self.pg.client())
        done = self.run_cli("run", "--new-run", "--bots", ",".join(fix), "--yes", "--json",
                            **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        final = [e for e in json_lines(done.stdout) if e.get("event") == "verification"]
        self.assertEqual(len(final), 1, done.stdout[-3000:])
        self.assertTrue(final[0]["verification"]["all_ok"])
        self.assertEqual(json_lines(done.stdout)[-1].get("event"), "summary")   # still the last event
        done = self.verify("--json")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr[-3000:])
        result = json_lines(done.stdout)[-1]
        self.assertEqual(result["counts"]["orphan_rows"], 1)   # reported, not a failure
        self.assertEqual(result["counts"]["no_vectors"] + result["counts"]["count_differs"], 0)
        self.assert_data_api_clean()

    def test_resuming_database_is_waited_for(self):
        self.data_api.resuming_calls = 2
        done = self.verify("--json")
        self.assertIn(done.returncode, (0, 1), done.stderr[-3000:])
        self.assertIn("waking the database", done.stderr)
        result = json_lines(done.stdout)[-1]
        self.assertEqual(result["database_wake_waits"], 2)
        self.assertEqual(self.data_api.resuming_answered, 2)

    def test_run_verifies_and_status_and_report_show_it(self):
        no_rows, _ = self.designed()
        self.start_simulator(db=self.pg.client(), no_rows_bot_ids=no_rows[:1])
        done = self.run_cli("run", "--yes", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        self.assertIn("Verifying the vectors", done.stdout)
        self.assertIn("no vectors", done.stdout)
        done = self.run_cli("status", "--json")
        status = json_lines(done.stdout)[-1]
        self.assertEqual(status["verification"]["counts"]["no_vectors"], 1)
        verdicts = {b["bot_id"]: b.get("verdict") for b in status["bots"]}
        self.assertEqual(verdicts[no_rows[0]], "no_vectors")
        text = self.run_cli("status")
        self.assertIn("Last verification", text.stdout)
        self.assertIn("1 no vectors", text.stdout)
        # The report beside the journal carries the verification columns.
        base = self.journal[:-len(".jsonl")]
        with open(base + ".report.md", encoding="utf-8") as f:
            md = f.read()
        self.assertIn("| Vectors | Logged | Verdict |", md)
        self.assertIn("## Verification", md)
        with open(base + ".report.json", encoding="utf-8") as f:
            report = json.load(f)
        by_id = {b["bot_id"]: b for b in report["bots"]}
        self.assertEqual(by_id[no_rows[0]]["verification"]["verdict"], "no_vectors")
        self.assertIsNotNone(report["verification"])
        for text in (md, json.dumps(report), done.stdout):
            self.assertNotIn(ROW_CONTENT, text)

    def test_no_verify_skips_it(self):
        self.start_simulator(db=self.pg.client())
        done = self.run_cli("run", "--yes", "--json", "--no-verify", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        events = {e.get("event") for e in json_lines(done.stdout)}
        self.assertNotIn("verification", events)
        self.assertNotIn("verification_skipped", events)
        self.assertFalse(os.path.exists(self.journal[:-len(".jsonl")] + ".verify.json"))
        # Without --no-verify the same run verifies (so the check above can fail).
        done = self.run_cli("run", "--yes", "--json", "--new-run", "--include-migrated", **self.data_api.env())
        self.assertIn("verification", {e.get("event") for e in json_lines(done.stdout)})


class VerifyLeaksNothingTest(VectorStoreMixin, RunTestCase):
    """No row content, secret value or password appears in any output, debug file,
    journal, report or verification file of a run that verifies, nor of verify itself."""
    seed_args = {"bots": 4, "failing": 0, "empty_bots": 1, "conversations": 5}

    def test_nothing_secret_anywhere(self):
        secret = self.emu.client("secretsmanager").get_secret_value(
            SecretId=self.dep.outputs["DbConfigSecretArn"])["SecretString"]
        password = json.loads(secret)["password"]
        self.start_simulator(db=self.pg.client())
        debug = os.path.join(self.tmp, "debug.log")
        outputs = []
        for args in (("run", "--yes", "--json"), ("verify",), ("verify", "--json"), ("status",),
                     ("status", "--json"), ("plan", "--json")):
            done = self.run_cli(*args, "--debug-file", debug, **self.data_api.env())
            self.assertIn(done.returncode, (0, 1), done.stderr[-3000:])
            outputs.append(done.stdout + done.stderr)
            with open(debug, encoding="utf-8", errors="replace") as f:
                outputs.append(f.read())
        self.assertIn("RDS Data.ExecuteStatement", outputs[1], "the debug file shows the Data API calls")
        for name in os.listdir(self.tmp):
            with open(os.path.join(self.tmp, name), encoding="utf-8", errors="replace") as f:
                outputs.append(f.read())
        self.assertTrue(any(n.endswith(".verify.json") for n in os.listdir(self.tmp)))
        self.assertGreater(sum(n for n in self.db.counts_by_bot().values()), 0)
        for text in outputs:
            self.assertNotIn(ROW_CONTENT, text)
            self.assertNotIn(password, text)
            self.assertNotIn(secret, text)
            self.assertNotIn('"password"', text)
        self.assert_data_api_clean()


class AlreadyMigratedTest(VectorStoreMixin, RunTestCase):
    """Bots the v1 stack re-embedded after the new cluster's creation (an owner edited
    them): vectors in the cluster and a SyncStatus written by a task that logged after the
    cluster was created. plan leaves them out with the reason, and the estimate drops."""
    seed_args = {"bots": 8, "failing": 0, "empty_bots": 1, "conversations": 5}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import random
        import time
        succeeded = sorted(cls.dep.bot_ids(expected="succeeded"))
        cls.migrated = succeeded[:2]
        ddb, logs = cls.emu.client("dynamodb"), cls.emu.client("logs")
        for n, bot_id in enumerate(cls.migrated):
            bot = next(b for b in cls.dep.bots if b["bot_id"] == bot_id)
            task_id = f"{n:032x}"
            # What the stack's own task did after the upgrade (the test plays it; the tool
            # never writes to the table).
            ddb.update_item(TableName=cls.dep.table, Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}},
                            UpdateExpression="SET SyncStatus = :s, SyncStatusReason = :r, LastExecId = :e",
                            ExpressionAttributeValues={":s": {"S": "SUCCEEDED"}, ":r": {"S": ""},
                                                       ":e": {"S": task_id}})
            stream = f"{cls.dep.log_prefix}/{cls.dep.container}/{task_id}"
            logs.create_log_stream(logGroupName=cls.dep.log_group, logStreamName=stream)
            logs.put_log_events(logGroupName=cls.dep.log_group, logStreamName=stream,
                                logEvents=[{"timestamp": int(time.time() * 1000) + 5000,
                                            "message": "Successfully inserted 7 records."}])
            simulator.write_vectors(cls.db, bot_id, 7, random.Random(n))

    def plan(self, *args):
        done = self.run_cli("plan", "--json", *args, **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return json_lines(done.stdout)[-1]

    def test_plan_unselects_already_migrated(self):
        plan = self.plan()
        items = {b["bot_id"]: b for b in plan["bots"]}
        for bot_id in self.migrated:
            self.assertFalse(items[bot_id]["selected"], bot_id)
            self.assertEqual(items[bot_id]["why_not"], "already migrated (--include-migrated)")
            self.assertEqual(items[bot_id]["already_migrated"]["vector_rows"], 7)
            self.assertIn("after the cluster was created", items[bot_id]["already_migrated"]["reason"])
        self.assertEqual(plan["totals"]["already_migrated"], 2)
        self.assertTrue(plan["already_migrated"]["checked"])
        others = [b for b in plan["bots"] if b["bot_id"] not in self.migrated]
        self.assertTrue(all(b["why_not"] != "already migrated (--include-migrated)" for b in others))

        included = self.plan("--include-migrated")
        self.assertEqual(included["totals"]["selected"], plan["totals"]["selected"] + 2)
        self.assertGreater(included["totals"]["usd"]["high"], plan["totals"]["usd"]["high"])
        self.assertGreater(included["totals"]["task_seconds"]["high"], plan["totals"]["task_seconds"]["high"])

        text = self.run_cli("plan", **self.data_api.env())
        self.assertIn("2 already migrated left out (--include-migrated adds them)", text.stdout)
        self.assert_data_api_clean()


class LogsInTheTaskDefinitionsRegionTest(VectorStoreMixin, RunTestCase):
    """The task definition's awslogs-region is not the stack's region: the counts the
    tasks logged, for verify and for finding the bots already migrated, are read there
    (the emulator has the log group and the streams in us-west-2 only)."""
    seed_args = {"bots": 5, "failing": 0, "empty_bots": 1, "conversations": 5, "suffix": "vlogregion",
                 "log_region": "us-west-2"}

    def log_reads_signed_for(self, start):
        reads = [r for r in self.proxy.requests[start:] if r.operation == "GetLogEvents"]
        self.assertTrue(reads, "no task log was read")
        return {r.headers.get("Authorization", "").split("/")[2] for r in reads}

    def test_verify_and_already_migrated_read_the_log_region(self):
        import random
        import time
        self.assertNotEqual(self.emu.region, "us-west-2")
        succeeded = sorted(self.dep.bot_ids(expected="succeeded"))
        migrated = succeeded[0]
        bot = next(b for b in self.dep.bots if b["bot_id"] == migrated)
        task_id = "7" * 32
        # What the stack's own task did after the upgrade (the test plays it; the tool
        # never writes to the table), logging in the task definition's region.
        self.emu.client("dynamodb").update_item(
            TableName=self.dep.table, Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}},
            UpdateExpression="SET SyncStatus = :s, SyncStatusReason = :r, LastExecId = :e",
            ExpressionAttributeValues={":s": {"S": "SUCCEEDED"}, ":r": {"S": ""}, ":e": {"S": task_id}})
        logs = self.emu.client("logs", region="us-west-2")
        stream = f"{self.dep.log_prefix}/{self.dep.container}/{task_id}"
        logs.create_log_stream(logGroupName=self.dep.log_group, logStreamName=stream)
        logs.put_log_events(logGroupName=self.dep.log_group, logStreamName=stream,
                            logEvents=[{"timestamp": int(time.time() * 1000) + 5000,
                                        "message": "Successfully inserted 7 records."}])
        simulator.write_vectors(self.db, migrated, 7, random.Random(5))

        start = len(self.proxy.requests)
        done = self.run_cli("plan", "--json", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        plan = json_lines(done.stdout)[-1]
        self.assertTrue(plan["already_migrated"]["checked"], plan["already_migrated"])
        items = {b["bot_id"]: b for b in plan["bots"]}
        self.assertEqual(items[migrated]["why_not"], "already migrated (--include-migrated)")
        self.assertEqual(items[migrated]["already_migrated"]["vector_rows"], 7)
        self.assertEqual(self.log_reads_signed_for(start), {"us-west-2"})

        sim = self.start_simulator(db=self.pg.client())
        done = self.run_cli("run", "--yes", "--no-verify", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        sim.stop()
        start = len(self.proxy.requests)
        done = self.run_cli("verify", "--json", **self.data_api.env())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr[-3000:])
        rows = {b["bot_id"]: b for b in json_lines(done.stdout)[-1]["bots"]}
        for bot_id in succeeded[1:]:
            self.assertEqual(rows[bot_id]["verdict"], "ok", rows[bot_id])
            self.assertEqual(rows[bot_id]["logged_rows"], sim.logged_rows[bot_id], rows[bot_id])
        self.assertEqual(rows[migrated]["logged_rows"], 7, rows[migrated])
        self.assertEqual(self.log_reads_signed_for(start), {"us-west-2"})
        self.assert_data_api_clean()


class VerifyWithoutPermissionTest(VectorStoreMixin, RunTestCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 1, "conversations": 5}
    emulator_args = {"policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["rds-data:*", "secretsmanager:GetSecretValue"], "Resource": "*"}]}}

    def test_skipped_with_a_note(self):
        done = self.run_cli("verify", **self.data_api.env())
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
        self.assertIn("verification skipped", done.stderr)
        self.assertIn("rds-data:ExecuteStatement", done.stderr)


if __name__ == "__main__":
    unittest.main()
