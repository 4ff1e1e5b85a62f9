"""`copy` and `cleanup`: v0's rows copied from the replaced cluster's snapshot into the v1
cluster through a temporary restored cluster and the Data API, against the emulator (with
moto_extras for RDS EnableHttpEndpoint and a request log), the Data API test server and two
real PostgreSQL databases (copy_seed.py)."""
import json
import os
import random
import signal
import subprocess
import time
import unittest

import types
import urllib.parse

import botocore_model
import copy_seed
import harness

SERVICES = {"rds": "rds", "ec2": "ec2", "secretsmanager": "secretsmanager"}


class CopyTestBase(harness.EmulatorTestCase):
    emulator_args = dict(rds_extras=True)
    seed_args = dict(bots=18, failing=0, empty_bots=2)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.world = copy_seed.CopyWorld(cls.emu, cls.dep).start()
        except BaseException:
            cls.emu.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.stop()
        super().tearDownClass()

    def copy_env(self, **extra):
        env = dict(self.world.env())
        env.update(extra)
        return env

    def run_copy(self, *args, timeout=300, **env):
        return self.cli("copy", "--outputs", self.world.outputs_file, *args,
                        env_overrides=self.copy_env(**env), timeout=timeout)

    def events(self, completed):
        out = []
        for line in completed.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def temporary_leftovers(self):
        rds, sm, ec2 = (self.emu.client(s) for s in ("rds", "secretsmanager", "ec2"))
        clusters = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]
                    if c["DBClusterIdentifier"].startswith("bcm-copy-")]
        instances = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]
                     if i["DBInstanceIdentifier"].startswith("bcm-copy-")]
        secrets = [s["Name"] for s in sm.list_secrets()["SecretList"] if s["Name"].startswith("bedrock-chat-migrate/")]
        groups = [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
                  if g["GroupName"].startswith("bcm-copy-")]
        return clusters + instances + secrets + groups

    def copied_bots(self):
        return sorted(b for b, way in self.world.expect.items() if way == "copy")

    def assert_copied_equal(self):
        bots = self.copied_bots()
        snap = self.world.checksums(self.world.snap_db, bots)
        new = self.world.checksums(self.world.v1_db, bots)
        self.assertTrue(snap, "the seed put no rows to copy")
        self.assertEqual(len(new), len(set(r[0] for r in new)), "duplicate rows in the new cluster")
        self.assertEqual(snap, new)
        counts = self.world.v1_db.counts_by_bot()
        for bot, n in self.world.snapshot_rows.items():
            if self.world.expect[bot] == "copy":
                self.assertEqual(counts.get(bot + " " * (26 - len(bot)), counts.get(bot)), n, bot)

    def write_prices(self, doc):
        path = os.path.join(self.emu.tmpdir, "prices-%d.json" % len(os.listdir(self.emu.tmpdir)))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return path

    def table_writes(self):
        return len([e for e in self.emu.requests_seen() if e.get("service") == "dynamodb" and
                    e.get("operation") in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                           "TransactWriteItems")])

    def reset_v1(self):
        migrated = self.world.migrated
        self.world.v1_db.execute("DELETE FROM items WHERE botid <> :m", {"m": migrated or ""})

    def assert_requests_match_models(self):
        checked = 0
        for entry in self.emu.requests_seen():
            service = entry.get("service")
            if service not in SERVICES or not entry.get("user_agent", "").startswith("bedrock-chat-migrate/"):
                continue   # the tests' own boto3 calls (seeding, checks) are not the program's
            headers = {"Content-Type": entry.get("content_type", "")}
            if entry.get("target"):
                headers["X-Amz-Target"] = entry["target"]
            body = entry.get("body") or ("" if "json" in entry else urllib.parse.urlencode(entry.get("form", {})))
            record = types.SimpleNamespace(method="POST", path="/", headers=headers, body=body)
            wrong = botocore_model.check_request(SERVICES[service], record)
            self.assertEqual(wrong, [], entry.get("operation"))
            checked += 1
        self.assertEqual(self.world.api.violations, [])
        return checked


class CopyTest(CopyTestBase):
    def setUp(self):
        self.reset_v1()
        journal = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        if os.path.isdir(journal):
            for name in os.listdir(journal):
                os.unlink(os.path.join(journal, name))

    def test_1_lists_the_stacks_snapshots_without_choosing(self):
        done = self.run_copy("--json")
        self.assertEqual(done.returncode, 2, done.stderr + done.stdout)
        listed = [e for e in self.events(done) if e.get("event") == "snapshots"]
        self.assertEqual(len(listed), 1, done.stdout)
        ids = [s["id"] for s in listed[0]["snapshots"]]
        self.assertIn(copy_seed.FINAL_SNAPSHOT, ids)
        self.assertNotIn(copy_seed.OTHER_SNAPSHOT, ids)
        self.assertTrue(any(s["type"] == "automated" for s in listed[0]["snapshots"]), ids)
        self.assertEqual(self.temporary_leftovers(), [])

    def test_2_copies_verifies_and_cleans_up(self):
        writes_before = self.table_writes()
        debug = os.path.join(self.emu.tmpdir, "copy-debug.log")
        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json",
                             "--debug-file", debug)
        self.assertEqual(done.returncode, 0, done.stderr[-4000:] + done.stdout[-4000:])
        events = self.events(done)
        preview = next(e for e in events if e.get("event") == "preview")
        ways = {b["bot_id"]: b["way"] for b in preview["bots"]}
        self.assertEqual(ways[self.world.new_bot], "reembed")
        self.assertGreater(preview["copy"]["usd_hi"], 0)
        self.assertGreater(preview["reembed"]["usd_hi"], 0)
        summary = next(e for e in events if e.get("event") == "summary")
        self.assertEqual(summary["mismatches"], 0)
        # The measured rates: per bot as it is copied, and the whole copy's in the summary.
        copied = [e for e in events if e.get("event") == "bot" and e.get("state") == "copied"]
        self.assertTrue(copied)
        for e in copied:
            self.assertGreater(e["rows_per_s"], 0, e)
            self.assertGreater(e["bytes_per_s"], 0, e)
            self.assertEqual(e["eta_s"], 0, e)
        self.assertEqual(summary["rows_copied_now"], sum(e["rows"] for e in copied))
        self.assertGreater(summary["rows_per_s"], 0)
        self.assertGreater(summary["bytes_copied_now"], 0)
        for e in events:
            if e.get("event") == "copy_progress":
                self.assertGreaterEqual(e["rows_total"], e["rows"])
        self.assertTrue(summary["temporary_removed"])
        self.assertTrue(summary["reindexed"])
        # The temporary resources' lines are the program's own words: ids and parameters too
        # (the wizard words them in its language), and the English text is unchanged.
        restoring = [e for e in events if e.get("text_id") == "copy.progress.restoring"]
        self.assertEqual(len(restoring), 1, [e for e in events if e.get("event") == "progress"])
        self.assertEqual(restoring[0]["event"], "progress")
        self.assertRegex(restoring[0]["text"], r"^restoring snapshot \S+ as the temporary cluster bcm-copy-")
        self.assertEqual(restoring[0]["text_params"]["name"], restoring[0]["text"].rsplit(" ", 1)[1])
        deleting = {e["text_id"] for e in events if e.get("text_id", "").startswith("copy.progress.deleting_")}
        self.assertEqual(deleting, {"copy.progress.deleting_" + r for r in
                                    ("secret", "security_group", "cluster", "instance")})
        reembed = {b["bot_id"] for b in summary["reembed"]}
        self.assertEqual(reembed, {b for b, w in self.world.expect.items() if w == "reembed"})
        skipped = {b["bot_id"] for b in summary["skipped"]}
        if self.world.migrated:
            self.assertIn(self.world.migrated, skipped)
        self.assert_copied_equal()
        self.assertEqual(self.temporary_leftovers(), [])
        self.assertGreater(self.assert_requests_match_models(), 10)

        # The secret's value never appears in anything the program wrote.
        created = [e for e in self.emu.requests_seen() if e.get("operation") == "CreateSecret"]
        self.assertTrue(created)
        password = json.loads(created[-1]["json"]["SecretString"])["password"]
        self.assertGreaterEqual(len(password), 32)
        state = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        with open(debug, encoding="utf-8") as f:
            texts = [done.stdout, done.stderr, f.read()]
        for name in os.listdir(state):
            with open(os.path.join(state, name), encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
        sample = self.world.snap_db.execute("SELECT content, embedding::text FROM items LIMIT 3")
        for text in texts:
            self.assertNotIn(password, text)
            self.assertNotIn("v0-password-long-gone", text)
            for content, embedding in sample:
                self.assertNotIn(content[:60], text)
                self.assertNotIn(embedding[:60], text)
        # The DynamoDB table was never written during the copy.
        self.assertEqual(self.table_writes(), writes_before)

        # Another copy: nothing left to copy, nothing restored; its preview prices the copy
        # with --prices' Aurora figures and times it with the rate the finished copy measured.
        prices = os.path.join(self.emu.tmpdir, "copy-prices.json")
        with open(prices, "w", encoding="utf-8") as f:
            json.dump({"source": "test rates", "aurora_acu_hour": 0.5,
                       "regions": {"ap-northeast-1": {"aurora_storage_gb_month": 0.25}}}, f)
        restores = len([e for e in self.emu.requests_seen() if e.get("operation") == "RestoreDBClusterFromSnapshot"])
        again = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--prices", prices)
        self.assertEqual(again.returncode, 0, again.stderr[-3000:] + again.stdout[-3000:])
        later = self.events(again)
        preview2 = next(e for e in later if e.get("event") == "preview")
        self.assertEqual(preview2["prices"]["acu_hour"], 0.5)
        self.assertTrue(preview2["prices"]["acu_hour_from_prices_file"])
        self.assertEqual(preview2["prices"]["storage_gb_month"], 0.25)
        self.assertTrue(preview2["rate"]["measured"], preview2["rate"])
        self.assertTrue(any("measured" in a and summary["run_id"] in a for a in preview2["assumptions"]),
                        preview2["assumptions"])
        self.assertGreater(preview["copy"]["usd_hi"], 0)
        summary2 = next(e for e in later if e.get("event") == "summary")
        self.assertTrue(summary2["nothing_to_copy"])
        self.assertIsNone(summary2["run_id"])
        self.assertEqual(len([e for e in self.emu.requests_seen()
                              if e.get("operation") == "RestoreDBClusterFromSnapshot"]), restores)
        bad = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--prices",
                            self.write_prices({"aurora_acu_hours": 1}))
        self.assertEqual(bad.returncode, 2, bad.stdout[-2000:])
        self.assertIn("aurora_acu_hour", bad.stdout)

    def test_3_keep_temporary_then_cleanup(self):
        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--keep-temporary", "--json")
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        left = self.temporary_leftovers()
        self.assertEqual(len(left), 4, left)
        rds = self.emu.client("rds")
        cluster = next(c for c in rds.describe_db_clusters()["DBClusters"]
                       if c["DBClusterIdentifier"].startswith("bcm-copy-"))
        tags = {t["Key"]: t["Value"] for t in cluster["TagList"]}
        self.assertEqual(tags.get("created-by"), "bedrock-chat-migrate")
        self.assertTrue(tags.get("bedrock-chat-migrate:run"))
        self.assertEqual(cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"], 0.5)
        self.assertTrue(cluster["HttpEndpointEnabled"])
        refused = self.cli("cleanup", "--json")
        self.assertEqual(refused.returncode, 2, refused.stdout)
        self.assertEqual(len(self.temporary_leftovers()), 4)
        done = self.cli("cleanup", "--yes", "--json")
        self.assertEqual(done.returncode, 0, done.stderr[-3000:] + done.stdout)
        self.assertEqual(self.temporary_leftovers(), [])
        again = self.cli("cleanup", "--yes", "--json")
        self.assertEqual(again.returncode, 0)
        self.assertEqual(self.events(again)[-1]["removed_runs"], 0)
        self.assert_requests_match_models()

    def test_4_ctrl_c_stops_then_cleans(self):
        """The first Ctrl-C: no further bot starts, the bots in flight commit, the temporary
        resources are deleted, the journal says stopped, exit 130; a later copy finishes."""
        state = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        args = [harness.program(), "copy", "--outputs", self.world.outputs_file, "--snapshot",
                copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--concurrency", "1"]
        proc = subprocess.Popen(args, env=self.emu.env(**self.copy_env()), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

        def journal_types():
            out = []
            if os.path.isdir(state):
                for name in os.listdir(state):
                    if name.endswith(".copy.jsonl"):
                        with open(os.path.join(state, name), encoding="utf-8") as f:
                            out += [json.loads(line).get("type") for line in f if line.strip()]
            return out

        deadline = time.monotonic() + 240
        while proc.poll() is None and "bot_intent" not in journal_types() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIsNone(proc.poll(), "the copy ended before a bot started")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 130, err[-3000:] + out[-3000:])
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        self.assertTrue(any(e.get("event") == "interrupted" and e.get("cleaning") for e in events))
        self.assertFalse(any(e.get("event") == "summary" for e in events))
        types = journal_types()
        self.assertEqual(types[-1], "finished", types[-5:])
        self.assertLess(types.count("bot_done"), len(self.copied_bots()), "every bot was copied anyway")
        self.assertEqual(self.temporary_leftovers(), [])
        # What was copied stays; another copy does the rest.
        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json")
        self.assertEqual(done.returncode, 0, done.stderr[-3000:] + done.stdout[-3000:])
        self.assert_copied_equal()
        self.assertEqual(self.temporary_leftovers(), [])


POLICY_PATH = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                           "docs", "iam-policy.json"))


class CopyIamTest(CopyTestBase):
    """The copy under IAM enforcement: a user holding exactly the README's policy copies and
    cleans up; without rds:RestoreDBClusterFromSnapshot the copy stops with AccessDenied
    before any cluster exists, and `cleanup` removes what it had made. (What the emulator
    cannot show: moto does not ask for rds:AddTagsToResource, ec2:CreateTags or
    secretsmanager:TagResource when resources are created with tags, as AWS does.)"""
    seed_args = dict(bots=8, failing=0, empty_bots=1, suffix="copyiam")

    def make_user(self, policy, name):
        iam = self.emu.client("iam")
        iam.create_user(UserName=name)
        arn = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        self.world.api.add_user(key["AccessKeyId"], key["SecretAccessKey"], [policy])
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def test_exactly_the_policy(self):
        with open(POLICY_PATH) as f:
            policy = json.load(f)
        full = self.make_user(policy, "bcm-copy-full")
        restricted = json.loads(json.dumps(policy))
        for st in restricted["Statement"]:
            st["Action"] = [a for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
                            if a != "rds:RestoreDBClusterFromSnapshot"]
        without = self.make_user(restricted, "bcm-copy-norestore")

        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json", **without)
        self.assertEqual(done.returncode, 3, done.stdout[-3000:] + done.stderr[-3000:])
        self.assertIn("AccessDenied", done.stdout)
        rds = self.emu.client("rds")
        self.assertFalse([c for c in rds.describe_db_clusters()["DBClusters"]
                          if c["DBClusterIdentifier"].startswith("bcm-copy-")])
        self.assertTrue(self.temporary_leftovers(), "the secret and security group made before the refusal")
        done = self.cli("cleanup", "--yes", "--json", env_overrides=self.copy_env(**full))
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        self.assertEqual(self.temporary_leftovers(), [])

        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--new-run", **full)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        self.assert_copied_equal()
        self.assertEqual(self.temporary_leftovers(), [])


class CopyCrashTest(CopyTestBase):
    """kill -9 at ten seeded random moments of one copy, then resume: same rows, no
    duplicates, one temporary cluster for the whole run, nothing left behind.

    A moment is a journal record count plus a random delay (0-400 ms) after it: the copy
    journals before and after every create, delete and bot, so the moments land between
    any two steps of the copy, including inside the requests in flight, whatever the
    machine's speed (a wall-clock delay alone missed most of a fast copy, or all of a slow
    one's later steps)."""
    seed_args = dict(bots=14, failing=0, empty_bots=1, suffix="crash")

    def journal_lines(self):
        state = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        if not os.path.isdir(state):
            return 0
        n = 0
        for name in os.listdir(state):
            if name.endswith(".copy.jsonl"):
                with open(os.path.join(state, name), "rb") as f:
                    n += f.read().count(b"\n")
        return n

    def journal_records(self):
        state = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        out = []
        for name in os.listdir(state):
            if name.endswith(".copy.jsonl"):
                with open(os.path.join(state, name), encoding="utf-8") as f:
                    out += [json.loads(line) for line in f if line.strip()]
        return out

    def test_a_kill_after_the_restore_was_sent(self):
        """kill -9 once the restore has reached RDS but before its answer is journaled: the
        resume finds the cluster by name and run tag and adopts it (it restored again and
        failed on the emulator's automated-snapshot name before)."""
        env = self.emu.env(**self.copy_env())
        args = [harness.program(), "copy", "--outputs", self.world.outputs_file, "--snapshot",
                copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--keep-temporary"]
        restores_before = self.restore_requests()
        knob = os.path.join(self.emu.tmpdir, "slow-restore")   # moto_extras._slow_restore
        with open(knob, "w", encoding="utf-8") as f:
            f.write("3")
        self.addCleanup(lambda: os.path.exists(knob) and os.unlink(knob))
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Whatever happens below, no copy of this test outlives it (it would hold the
        # journal's lock against the next test).
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        deadline = time.monotonic() + 240
        while (proc.poll() is None and len(self.restore_requests()) == len(restores_before)
               and time.monotonic() < deadline):
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        os.unlink(knob)
        records = self.journal_records()
        created = [r for r in records if r.get("type") == "created" and r.get("resource") == "cluster"]
        self.assertFalse(created, "the restore's answer was journaled before the kill landed")
        self.assertTrue([r for r in records if r.get("type") == "intent" and r.get("resource") == "cluster"])
        done = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json", "--keep-temporary")
        self.assertEqual(done.returncode, 0, done.stderr[-3000:] + done.stdout[-3000:])
        self.assertEqual(len(set(self.restore_requests()) - set(restores_before)), 1)
        self.assertEqual(len(self.restore_requests()) - len(restores_before), 1, "restored twice")
        # The resume's lookup of the cluster by name is held against botocore's model too.
        lookups = [e for e in self.emu.requests_seen() if e.get("operation") == "DescribeDBClusters"
                   and e.get("user_agent", "").startswith("bedrock-chat-migrate/")
                   and e.get("form", {}).get("DBClusterIdentifier", "").startswith("bcm-copy-")]
        self.assertTrue(lookups, "the resume looks the temporary cluster up by its name")
        self.assert_requests_match_models()
        done = self.cli("cleanup", "--yes", "--json")
        self.assertEqual(done.returncode, 0, done.stdout[-2000:])
        self.assertEqual(self.temporary_leftovers(), [])
        self.reset_v1()
        state = os.path.join(self.emu.tmpdir, "state", "bedrock-chat-migrate")
        for name in os.listdir(state):
            os.unlink(os.path.join(state, name))

    def restore_requests(self):
        return [e["form"]["DBClusterIdentifier"] for e in self.emu.requests_seen()
                if e.get("operation") == "RestoreDBClusterFromSnapshot"]

    def test_kill_nine_then_resume(self):
        rng = random.Random(1717)
        env = self.emu.env(**self.copy_env())
        args = [harness.program(), "copy", "--outputs", self.world.outputs_file, "--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json",
                "--concurrency", "2"]
        moments = []
        finished = None
        before = len(self.restore_requests())   # another test of this class may have restored
        while len(moments) < 10:
            target = self.journal_lines() + rng.randint(1, 6)
            extra = rng.uniform(0.0, 0.4)
            proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 240
            while proc.poll() is None and self.journal_lines() < target and time.monotonic() < deadline:
                time.sleep(0.01)
            try:
                proc.wait(timeout=extra)
            except subprocess.TimeoutExpired:
                lines = self.journal_lines()
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                moments.append((lines, round(extra, 3)))
                continue
            out, err = proc.communicate()
            if proc.returncode != 0:
                self.fail(f"copy exited {proc.returncode} before being killed (kills so far at "
                          f"{moments}):\n{err[-3000:]}{out[-3000:]}")
            finished = subprocess.CompletedProcess(args, 0, out, err)
            break
        self.assertEqual(len(moments), 10, f"the copy finished after {len(moments)} kills: {moments}")
        kinds = {r.get("type") for r in self.journal_records()}
        self.assertIn("bot_done", kinds, f"no kill came after a bot was copied: {moments}")
        # The last resume, unless one in the loop already finished the copy.
        done = finished or self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json")
        self.assertEqual(done.returncode, 0, f"kills at {moments}\n" + done.stderr[-4000:] + done.stdout[-2000:])
        self.assert_copied_equal()
        restores = self.restore_requests()[before:]
        self.assertEqual(len(set(restores)), 1, f"kills at {moments}: {restores}")
        headers = [r["run_id"] for r in self.journal_records() if r.get("type") == "copy"]
        self.assertEqual(len(headers), 1, f"kills at {moments}: runs {headers}")
        self.assertEqual(self.temporary_leftovers(), [])
        # Another copy after a finished one has nothing left to copy: it restores nothing.
        again = self.run_copy("--snapshot", copy_seed.FINAL_SNAPSHOT, "--yes", "--json")
        self.assertEqual(again.returncode, 0, again.stderr[-3000:] + again.stdout[-3000:])
        self.assertEqual(len(self.restore_requests()[before:]), len(restores), again.stdout[-3000:])
        self.assert_copied_equal()
        done = self.cli("cleanup", "--yes", "--json")
        self.assertEqual(done.returncode, 0)
        self.assertEqual(self.events(done)[-1]["removed_runs"], 0)
        self.assertEqual(self.temporary_leftovers(), [])
        self.assert_requests_match_models()


if __name__ == "__main__":
    unittest.main()
