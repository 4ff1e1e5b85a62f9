"""The harness itself: the emulator checks signatures, the seed builds what it claims, and
the simulator plays the embedding container. Without these the other integration tests
would prove nothing."""
import json
import os
import shutil
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import boto3

import botocore.exceptions

import harness
from simulator import NO_CONTENTS, STOP_REASON_CRASH, Simulator

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = dict(bots=12, failing=2, empty_bots=2, conversations=30)


def scan_all(ddb, table, **kwargs):
    items, key = [], None
    while True:
        page = ddb.scan(TableName=table, **kwargs, **({"ExclusiveStartKey": key} if key else {}))
        items += page["Items"]
        key = page.get("LastEvaluatedKey")
        if not key:
            return items


class HarnessTest(harness.EmulatorTestCase):
    seed_args = SEED

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.emu.client("dynamodb")
        cls.ecs = cls.emu.client("ecs")

    # -- emulator ---------------------------------------------------------------------

    def test_wrong_secret_is_rejected(self):
        for service, call in (("sts", lambda c: c.get_caller_identity()),
                              ("dynamodb", lambda c: c.list_tables()),
                              ("ecs", lambda c: c.list_clusters())):
            with self.subTest(service=service):
                bad = self.emu.client(service, secret_key=self.emu.wrong_secret())
                with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                    call(bad)
                # For JSON-protocol services moto answers with an XML ErrorResponse (real AWS
                # sends JSON), so botocore reports code "403" and the XML as the message.
                error = ctx.exception.response["Error"]
                self.assertRegex(error["Code"] + " " + error.get("Message", ""),
                                 "SignatureDoesNotMatch|InvalidSignatureException")
                self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_unknown_key_is_rejected_and_right_key_accepted(self):
        stranger = self.emu.client("sts", access_key="AKIAIOSFODNN7EXAMPLE", secret_key="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError):
            stranger.get_caller_identity()
        me = self.emu.client("sts").get_caller_identity()
        self.assertEqual(me["Arn"], self.emu.user_arn)

    def test_env_is_complete_and_sealed(self):
        os.environ["AWS_PROFILE"] = "leaked-from-outside"
        try:
            env = self.emu.env(AWS_SECRET_ACCESS_KEY=None, EXTRA="1")
        finally:
            del os.environ["AWS_PROFILE"]
        self.assertNotIn("AWS_PROFILE", env)
        self.assertNotIn("AWS_SECRET_ACCESS_KEY", env)
        self.assertEqual(env["EXTRA"], "1")
        self.assertEqual(env["AWS_ENDPOINT_URL"], self.emu.program_endpoint)
        self.assertEqual(env["AWS_ENDPOINT_URL_S3"], self.emu.program_s3_endpoint)
        self.assertTrue(env["HOME"].startswith(self.emu.tmpdir))
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            self.assertEqual(os.path.getsize(env[name]), 0)

    # -- seed -------------------------------------------------------------------------

    def test_seed_counts(self):
        items = scan_all(self.ddb, self.dep.table)
        sks = [i["SK"]["S"] for i in items]
        self.assertEqual(sum("#BOT#" in sk for sk in sks), SEED["bots"])
        self.assertEqual(sum("#BOT_ALIAS#" in sk for sk in sks), len(self.dep.aliases))
        self.assertGreaterEqual(len(self.dep.aliases), 1)
        self.assertEqual(sum("#CONV#" in sk for sk in sks), SEED["conversations"])
        self.assertFalse(any(i.get("SyncStatus", {}).get("S", "").startswith("QUEUED") for i in items))
        expected = [b["expected"] for b in self.dep.bots]
        self.assertEqual(expected.count("failed"), SEED["failing"])
        self.assertEqual(expected.count("empty"), SEED["empty_bots"])
        self.assertEqual({len(b["bot_id"]) for b in self.dep.bots}, {26})
        # The ordinary filter the tool uses picks exactly the bots.
        bots = scan_all(self.ddb, self.dep.table, FilterExpression="contains(SK, :b)",
                        ExpressionAttributeValues={":b": {"S": "#BOT#"}})
        self.assertEqual(sorted(b["SK"]["S"] for b in bots), sorted(b["sk"] for b in self.dep.bots))

    def test_seed_table_indexes(self):
        table = self.ddb.describe_table(TableName=self.dep.table)["Table"]
        self.assertEqual({g["IndexName"] for g in table["GlobalSecondaryIndexes"]},
                         {"SKIndex", "PublicBotIdIndex"})
        (lsi,) = table["LocalSecondaryIndexes"]
        self.assertEqual(lsi["IndexName"], "LastBotUsedIndex")

    def test_seed_stack_outputs(self):
        stack = self.emu.client("cloudformation").describe_stacks(StackName=self.dep.stack_name)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        self.assertEqual(outputs, self.dep.outputs)

        def by_prefix(prefix):
            (value,) = [v for k, v in outputs.items() if k.startswith(prefix) and k != prefix]
            return value
        self.assertEqual(by_prefix("DatabaseConversationTableName"), self.dep.table)
        self.assertEqual(by_prefix("EmbeddingClusterName"), self.dep.cluster)
        self.assertEqual(by_prefix("EmbeddingTaskDefinitionName"), self.dep.task_family)
        self.assertEqual(by_prefix("EmbeddingTaskSecurityGroupId"), self.dep.security_group)
        self.assertEqual([outputs["PrivateSubnetId0"], outputs["PrivateSubnetId1"]], self.dep.private_subnets)
        secret = self.emu.client("secretsmanager").describe_secret(SecretId=outputs["DbConfigSecretArn"])
        self.assertEqual(secret["ARN"], outputs["DbConfigSecretArn"])
        names = [s["StackName"] for s in self.emu.client("cloudformation").list_stacks()["StackSummaries"]]
        self.assertIn("CDKToolkit", names)

    def test_seed_task_definition_and_network(self):
        td = self.ecs.describe_task_definition(taskDefinition=self.dep.task_family)["taskDefinition"]
        self.assertEqual((td["cpu"], td["memory"]), ("2048", "4096"))
        self.assertIn("FARGATE", td["requiresCompatibilities"])
        (container,) = td["containerDefinitions"]
        self.assertEqual(container["name"], "Container")
        opts = container["logConfiguration"]["options"]
        self.assertEqual((opts["awslogs-group"], opts["awslogs-stream-prefix"]),
                         (self.dep.log_group, "embed-task"))
        ec2 = self.emu.client("ec2")
        dns = ec2.describe_vpc_attribute(VpcId=self.dep.vpc, Attribute="enableDnsHostnames")
        self.assertTrue(dns["EnableDnsHostnames"]["Value"])
        subnets = ec2.describe_subnets(SubnetIds=self.dep.private_subnets + self.dep.public_subnets)["Subnets"]
        self.assertEqual({s["VpcId"] for s in subnets}, {self.dep.vpc})

    def test_seed_documents(self):
        s3 = self.emu.client("s3")
        listed = {o["Key"]: o["Size"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.dep.bucket)
                  for o in page.get("Contents", [])}
        want, missing = {}, []
        for bot in self.dep.bots:
            for name, size in bot["documents"].items():
                key = f"{bot['user_id']}/{bot['bot_id']}/documents/{name}"
                (missing.append(key) if size is None else want.__setitem__(key, size))
        self.assertEqual(listed, want)
        self.assertEqual(len(missing), 1)

    def test_seed_is_deterministic(self):
        import seed
        runs = []
        for _ in range(2):
            fake = RecordingEmulator(self.emu.region)
            runs.append((seed.seed_deployment(fake, **SEED), fake.calls))
        (first, calls1), (second, calls2) = runs
        self.assertGreater(len(calls1), 20)
        self.assertEqual(calls1, calls2)          # every item, object body and name alike
        self.assertEqual(first.bots, self.dep.bots)
        for field in ("table", "cluster", "task_family", "bucket", "log_group"):
            self.assertEqual(getattr(first, field), getattr(self.dep, field))
        self.assertEqual(sorted(first.outputs), sorted(self.dep.outputs))

    # -- simulator --------------------------------------------------------------------

    def run_task(self, bot, keys_in=("command", "EVENT")):
        """A task for the bot with its keys in the command, in EVENT, or both (as the tool)."""
        keys = json.dumps({"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}})
        override = {"name": "Container"}
        if "command" in keys_in:
            override["command"] = ["-u", "embedding/main.py", keys]
        if "EVENT" in keys_in:
            override["environment"] = [{"name": "EVENT", "value": keys}]
        return self.ecs.run_task(
            cluster=self.dep.cluster, taskDefinition=self.dep.task_family, launchType="FARGATE",
            startedBy="harness-test",
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": self.dep.private_subnets, "securityGroups": [self.dep.security_group],
                "assignPublicIp": "DISABLED"}},
            overrides={"containerOverrides": [override]},
        )["tasks"][0]["taskArn"]

    def test_simulator_plays_each_release_contract(self):
        """v1.4 reads only EVENT (a command-only task dies writing nothing), v1.0 only the command."""
        bots = [b for b in self.dep.bots if b["expected"] == "succeeded"][2:6]
        before = {b["sk"]: self.item(b) for b in bots}
        with Simulator(self.emu, self.dep, duration=(0.1, 0.2), contract="v1.4") as sim:
            command_only = self.run_task(bots[0], keys_in=("command",))
            event_only = self.run_task(bots[1], keys_in=("EVENT",))
            sim.wait_for(lambda s: s.task_count() == 2 and all(r.outcome != "running" for r in s.records()),
                         what="both tasks finished")
        outcomes = sim.outcomes()
        self.assertEqual(outcomes[""], "no_keys")    # no keys read: no bot known either
        self.assertEqual(outcomes[bots[1]["sk"]], "succeeded")
        dead = next(r for r in sim.records() if r.arn == command_only)
        self.assertEqual((dead.exit_code, dead.keys_from), (1, ""))
        self.assertEqual(self.item(bots[0]), before[bots[0]["sk"]], "no status written at all")
        self.assertEqual(self.describe(command_only)["lastStatus"], "STOPPED")
        logs = self.emu.client("logs")
        events = logs.get_log_events(logGroupName=self.dep.log_group,
                                     logStreamName=f"embed-task/Container/{command_only.rsplit('/', 1)[-1]}")
        self.assertIn("NoneType", events["events"][-1]["message"])
        self.assertEqual(next(r for r in sim.records() if r.arn == event_only).keys_from, "EVENT")

        with Simulator(self.emu, self.dep, duration=(0.1, 0.2), contract="v1.0") as sim:
            self.run_task(bots[2], keys_in=("command",))
            self.run_task(bots[3], keys_in=("EVENT",))
            sim.wait_for(lambda s: s.task_count() == 2 and all(r.outcome != "running" for r in s.records()),
                         what="both tasks finished")
        outcomes = sim.outcomes()
        self.assertEqual(outcomes[bots[2]["sk"]], "succeeded")
        self.assertEqual(sim.tasks_by_bot[bots[2]["sk"]][0].keys_from, "command")
        self.assertEqual(outcomes[""], "unknown_bot")  # v1.0 never looks at EVENT
        self.assertEqual(self.item(bots[3]), before[bots[3]["sk"]])
        with self.assertRaises(ValueError):
            Simulator(self.emu, self.dep, contract="v1.9")

    def item(self, bot):
        return self.ddb.get_item(TableName=self.dep.table, ConsistentRead=True,
                                 Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}})["Item"]

    def describe(self, arn):
        return self.ecs.describe_tasks(cluster=self.dep.cluster, tasks=[arn])["tasks"][0]

    def test_simulator_runs_tasks_to_their_outcome(self):
        ok = next(b for b in self.dep.bots if b["expected"] == "succeeded")
        bad = next(b for b in self.dep.bots if b["expected"] == "failed")
        empty = next(b for b in self.dep.bots if b["expected"] == "empty")
        crash = [b for b in self.dep.bots if b["expected"] == "succeeded"][1]
        with Simulator(self.emu, self.dep, duration=(0.6, 0.8), fail_bot_ids={bad["bot_id"]},
                       fail_reason="boom: document missing", crash_bot_ids={crash["bot_id"]}) as sim:
            arns = {b["sk"]: self.run_task(b) for b in (ok, bad, empty, crash)}
            task_id = arns[ok["sk"]].rsplit("/", 1)[-1]
            sim.wait_for(lambda s: self.item(ok).get("SyncStatus", {}).get("S") == "RUNNING",
                         what="RUNNING written")
            self.assertEqual(self.item(ok)["LastExecId"]["S"], task_id)
            self.assertEqual(self.describe(arns[ok["sk"]])["lastStatus"], "RUNNING")
            sim.wait_idle()

        self.assertEqual(sim.max_alive, 4)
        self.assertEqual({sk: len(r) for sk, r in sim.tasks_by_bot.items()}, {sk: 1 for sk in arns})
        record = sim.tasks_by_bot[ok["sk"]][0]
        self.assertEqual(record.arn, arns[ok["sk"]])
        self.assertEqual(record.started_by, "harness-test")
        self.assertIn(record.subnet, self.dep.private_subnets)
        self.assertEqual(record.security_groups, [self.dep.security_group])

        item = self.item(ok)
        self.assertEqual((item["SyncStatus"]["S"], item["LastExecId"]["S"]), ("SUCCEEDED", task_id))
        item = self.item(bad)
        self.assertEqual(item["SyncStatus"]["S"], "FAILED")
        self.assertEqual(item["SyncStatusReason"]["S"], "boom: document missing")
        self.assertEqual(item["LastExecId"]["S"], arns[bad["sk"]].rsplit("/", 1)[-1])
        item = self.item(empty)
        self.assertEqual((item["SyncStatus"]["S"], item["SyncStatusReason"]["S"]), ("SUCCEEDED", NO_CONTENTS))
        item = self.item(crash)
        self.assertEqual(item["SyncStatus"]["S"], "RUNNING")   # never got a final status
        self.assertEqual(self.describe(arns[crash["sk"]])["stoppedReason"], STOP_REASON_CRASH)
        for arn in arns.values():
            self.assertEqual(self.describe(arn)["lastStatus"], "STOPPED")

        logs = self.emu.client("logs")
        stream = f"embed-task/Container/{task_id}"
        events = logs.get_log_events(logGroupName=self.dep.log_group, logStreamName=stream)["events"]
        self.assertIn(f"Start embedding for bot {ok['bot_id']}", [e["message"] for e in events])
        self.assertEqual(events[-1]["message"], "Done.")


    def test_simulator_creates_no_item_for_an_unknown_bot(self):
        ghost = {"pk": "nobody", "sk": "nobody#BOT#01HZZZZZZZZZZZZZZZZZZZZZZZ"}
        with Simulator(self.emu, self.dep, duration=(0.1, 0.2)) as sim:
            arn = self.run_task(ghost)
            sim.wait_for(lambda s: s.outcomes().get(ghost["sk"]) == "unknown_bot", what="unknown bot seen")
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.dep.table,
                                                   Key={"PK": {"S": "nobody"}, "SK": {"S": ghost["sk"]}}))
        self.assertEqual(self.describe(arn)["lastStatus"], "STOPPED")

    # -- fault proxy ------------------------------------------------------------------

    def test_fault_proxy_forwards_signed_requests_and_logs_them(self):
        from fault_proxy import FaultProxy
        port = int(self.emu.endpoint.rsplit(":", 1)[1])
        with FaultProxy(port) as proxy:
            proxy.add_rule("DescribeTable", "throttle", first=1)
            ddb = boto3_client_via(self.emu, "dynamodb", proxy.url)
            table = ddb.describe_table(TableName=self.dep.table)["Table"]   # retried once
            self.assertEqual(table["TableName"], self.dep.table)
            self.assertEqual(proxy.count("DescribeTable", "throttle"), 1)
            self.assertEqual(proxy.count("DescribeTable", "forwarded"), 1)
            self.assertEqual(proxy.operations(), ["DescribeTable", "DescribeTable"])
            self.assertEqual(proxy.json_bodies("DescribeTable")[-1], {"TableName": self.dep.table})


def boto3_client_via(emu, service, endpoint):
    import boto3
    import tls_ca
    from botocore.config import Config
    return boto3.session.Session(aws_access_key_id=emu.access_key, aws_secret_access_key=emu.secret_key,
                                 region_name=emu.region).client(
        service, endpoint_url=endpoint, config=Config(retries={"mode": "standard", "max_attempts": 3}),
        verify=tls_ca.ca_file() if endpoint.startswith("https:") else None)


def process_alive(pid):
    """True unless the process is gone or a zombie (killed, waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_until(predicate, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)


class RecordingEmulator:
    """Stands in for an Emulator: records every call the seed makes, answers with fixed ids."""

    ANSWERS = {
        "create_vpc": lambda n: {"Vpc": {"VpcId": "vpc-1"}},
        "create_subnet": lambda n: {"Subnet": {"SubnetId": f"subnet-{n}"}},
        "create_security_group": lambda n: {"GroupId": "sg-1"},
        "create_secret": lambda n: {"ARN": "arn:aws:secretsmanager:::secret:x"},
        "create_db_cluster": lambda n: {"DBCluster": {
            "Endpoint": "db.cluster-x.ap-northeast-1.rds.amazonaws.com",
            "DBClusterArn": "arn:aws:rds:ap-northeast-1:123456789012:cluster:db"}},
        "list_stacks": lambda n: {"StackSummaries": []},
    }

    def __init__(self, region):
        self.region = region
        self.account_id = "123456789012"
        self.calls = []

    def client(self, service):
        emu = self

        class Client:
            def __getattr__(self, operation):
                def call(**kwargs):
                    emu.calls.append((service, operation, kwargs))
                    answer = RecordingEmulator.ANSWERS.get(operation)
                    return answer(len(emu.calls)) if answer else {}
                return call
        return Client()


class EmulatorLifecycleTest(unittest.TestCase):
    def test_stop_kills_servers_and_removes_tmpdir(self):
        emu = harness.Emulator().start()
        pids = [emu._main.proc.pid, emu._s3.proc.pid]
        tmpdir = emu.tmpdir
        emu.stop()
        self.assertFalse(os.path.exists(tmpdir))
        for pid in pids:
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
        emu.stop()   # idempotent

    def test_signals_and_death_of_the_owner_stop_the_servers(self):
        script = ("import harness, time\n"
                  "e = harness.Emulator().start()\n"
                  "print(e._main.proc.pid, e._s3.proc.pid, e.tmpdir, flush=True)\n"
                  "time.sleep(120)\n")
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
        # Side by side: each owner starts its own emulator.
        # Each owner starts with SIGINT at its default action, as a command typed at a shell
        # does. A test run started in the background of a non-interactive shell inherits
        # SIGINT ignored, and Python then keeps it ignored: Ctrl-C could not reach the owner.
        owners = [subprocess.Popen([sys.executable, "-c", script], cwd=HERE, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
                  for _ in signals]
        try:
            for sig, owner in zip(signals, owners):
                with self.subTest(signal=sig.name):
                    main_pid, s3_pid, tmpdir = owner.stdout.readline().split()
                    self.assertTrue(process_alive(int(main_pid)))
                    owner.send_signal(sig)
                    owner.wait(timeout=60)   # generous: a loaded 2-core machine tears three emulators down slowly
                    wait_until(lambda: not process_alive(int(main_pid)) and not process_alive(int(s3_pid)),
                               f"servers gone after {sig.name}")
                    if sig != signal.SIGKILL:   # nothing can clean up after SIGKILL but the kernel
                        self.assertFalse(os.path.exists(tmpdir))
                    else:
                        shutil.rmtree(tmpdir, ignore_errors=True)
        finally:
            for owner in owners:
                if owner.poll() is None:
                    owner.kill()
                owner.wait()
                owner.stdout.close()

    def test_demo_env_serves_until_sigterm(self):
        env_dir = tempfile.mkdtemp(prefix="bcm-demo-test-")
        self.addCleanup(shutil.rmtree, env_dir, True)
        env_file = os.path.join(env_dir, "demo.env")
        demo = subprocess.Popen([sys.executable, os.path.join(HERE, "demo_env.py"), "--bots", "4",
                                 "--failing", "1", "--empty-bots", "1", "--conversations", "2",
                                 "--duration", "0.1:0.2", "--env-file", env_file],
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = demo.stdout.readline()
            if line != "ready\n":
                demo.kill()
                self.fail(f"demo_env said {line!r}, not ready:\n{demo.stderr.read()[-3000:]}")
            env = {}
            with open(env_file) as f:
                for line in f:
                    key, value = line.rstrip("\n").split("=", 1)
                    env[key] = shlex.split(value)[0] if value else ""
            self.assertNotIn("TERM", env)
            self.assertNotIn("ASAN_OPTIONS", env)
            # The endpoint the program is given, trusted as the program trusts it: in the
            # HTTPS pass a TLS front whose CA only the file's AWS_CA_BUNDLE names.
            if harness.tls_pass():
                self.assertTrue(env["AWS_ENDPOINT_URL"].startswith("https://"), env["AWS_ENDPOINT_URL"])
                self.assertTrue(os.path.isfile(env["AWS_CA_BUNDLE"]), env.get("AWS_CA_BUNDLE"))
            sts = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                        region_name=env["AWS_REGION"]).client(
                "sts", endpoint_url=env["AWS_ENDPOINT_URL"], verify=env.get("AWS_CA_BUNDLE") or None)
            self.assertIn(":user/", sts.get_caller_identity()["Arn"])
            demo.send_signal(signal.SIGTERM)
            self.assertEqual(demo.wait(timeout=20), 0, demo.stderr.read())
            self.assertFalse(os.path.exists(os.path.dirname(env["AWS_CONFIG_FILE"])))
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
            demo.stdout.close()
            demo.stderr.close()

    def test_policy_is_enforced(self):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "dynamodb:ListTables"], "Resource": "*"}]}
        with harness.Emulator(policy=policy) as emu:
            emu.client("sts").get_caller_identity()
            emu.client("dynamodb").list_tables()
            with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                emu.client("ecs").list_clusters()
            error = ctx.exception.response["Error"]
            self.assertRegex(error["Code"] + " " + error.get("Message", ""), "AccessDenied")

    def test_stop_on_exception_inside_context(self):
        with self.assertRaises(ZeroDivisionError):
            with harness.Emulator() as emu:
                tmpdir = emu.tmpdir
                1 / 0
        self.assertFalse(os.path.exists(tmpdir))


if __name__ == "__main__":
    unittest.main()
