"""The README's minimum IAM policy (docs/iam-policy.json) against the emulator with IAM
enforcement on: the whole flow (whoami, outputs, plan, run to completion, status, logs,
and a Ctrl-C with --stop-on-exit) works for a user holding exactly that policy, every
call the tool makes is covered by it, and it is minimal: with any one action the flow
uses taken out, some step fails with AccessDenied and says so.

What the emulator cannot show is listed, not hidden: S3 is served by a second emulator
without checking (see harness.py), so s3:ListBucket is not enforced; moto does not ask
for iam:PassRole or ecs:TagResource on RunTask (real ECS does, because the task
definition has roles and the tool tags its tasks). Those three are checked against what
the tool sends instead (RunTask carries tags; the S3 listing happens). sts:GetCallerIdentity
needs no permission at all in AWS (it cannot even be denied); the policy names it for
clarity only.

Statements whose Sid starts with "Optional" are extras: the estimate's readings (tested
below), and the Aurora extras the headless flow does not use (the wizard's start of a
stopped cluster, the stack-resource lookup of the cluster when DbConfigHostname is
missing), which are proven to grant their action and left out of the minimality test.
rds:DescribeDBClusters is required but degrades: without it the Aurora check is skipped
with a warning that names the permission, which is tested instead of a failing step.

The variants run two at a time over the same bots, so a bot's verdict may be spoiled by
the other flow's task (LastExecId): runs count as working when they end 0 or 1.
"""
import json
import os
import signal
import subprocess
import threading
import tempfile
import shutil
import unittest
from concurrent.futures import ThreadPoolExecutor

from run_helpers import RunTestCase, read_journal, wait_until
from vector_store import VectorStoreMixin

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY_PATH = os.path.normpath(os.path.join(HERE, "..", "..", "docs", "iam-policy.json"))
STEP_TIMEOUT = 60
# Not enforceable here, each for the reason in the module comment.
NOT_ENFORCED_BY_EMULATOR = {"s3:ListBucket", "iam:PassRole", "ecs:TagResource", "sts:GetCallerIdentity"}
# The OptionalVerifyVectors statement: without it verification is skipped with a note and nothing
# fails, and secretsmanager:GetSecretValue is used by the Data API on the caller's behalf,
# never by the program. VerifyPermissions below checks both against the Data API test server.
VERIFY_ONLY = {"rds-data:ExecuteStatement", "secretsmanager:GetSecretValue"}
DATA_API_READS_IT = {"secretsmanager:GetSecretValue"}
VARIANT_STEP_TIMEOUT = 20
SERVICE_PREFIX = {"dynamodb": "dynamodb", "ecs": "ecs", "logs": "logs", "sts": "sts",
                  "cloudformation": "cloudformation", "ec2": "ec2", "ecr": "ecr",
                  "servicequotas": "servicequotas", "rds": "rds"}
# Required actions whose absence the program reports as a warning on this check, not a failure.
DEGRADES_TO_WARNING = {"rds:DescribeDBClusters": "aurora_cluster"}
# Optional statements the headless flow never calls (the wizard's, or a fallback).
AURORA_OPTIONAL_SIDS = ("OptionalFindAuroraClusterWithoutHostname", "OptionalStartStoppedAuroraCluster")
# The snapshot copy's own statement: `copy` and `cleanup` need it, the re-embed flow never
# does; test_copy.CopyIamTest runs the copy under enforcement with it.
COPY_ONLY_SIDS = ("OnlyForCopyFromSnapshot",)


def copy_only_actions(policy):
    """Actions granted only for the copy (not also by a statement the re-embed flow uses)."""
    other = {a for st in policy["Statement"] if st.get("Sid") not in COPY_ONLY_SIDS
             for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    return {a for sid in COPY_ONLY_SIDS for a in statement_actions(policy, sid)} - other
# Statements whose Sid starts with this hold optional permissions: without them the
# estimate assumes what it would have read (and says so), nothing fails.
OPTIONAL_SID = "Optional"


def load_policy():
    with open(POLICY_PATH) as f:
        return json.load(f)


def policy_actions(policy):
    actions = []
    for st in policy["Statement"]:
        a = st["Action"]
        actions += [a] if isinstance(a, str) else a
    return actions


def optional_actions(policy):
    return [a for st in policy["Statement"] if st.get("Sid", "").startswith(OPTIONAL_SID)
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])]


def statement_actions(policy, sid):
    st = next(st for st in policy["Statement"] if st.get("Sid") == sid)
    return [st["Action"]] if isinstance(st["Action"], str) else list(st["Action"])


def policy_without_optional(policy):
    doc = json.loads(json.dumps(policy))
    doc["Statement"] = [st for st in doc["Statement"] if not st.get("Sid", "").startswith(OPTIONAL_SID)]
    return doc


def policy_without(policy, action):
    doc = json.loads(json.dumps(policy))
    for st in doc["Statement"]:
        if isinstance(st["Action"], str):
            st["Action"] = [st["Action"]]
        st["Action"] = [a for a in st["Action"] if a != action]
    doc["Statement"] = [st for st in doc["Statement"] if st["Action"]]
    return doc


# REST-JSON requests carry no X-Amz-Target: the proxy names them "METHOD /path", and the
# RDS Data API's paths map to its operations (botocore's rds-data model).
REST_OPERATIONS = {"POST /Execute": "ExecuteStatement", "POST /BatchExecute": "BatchExecuteStatement",
                   "POST /BeginTransaction": "BeginTransaction",
                   "POST /CommitTransaction": "CommitTransaction",
                   "POST /RollbackTransaction": "RollbackTransaction"}


# REST requests whose path carries a label: the prefix names the operation (Bedrock's model).
REST_PREFIX_OPERATIONS = {"GET /foundation-model-availability/": "GetFoundationModelAvailability"}
# The model access check's statement: optional, asked during the checks; without it the check
# is skipped with a note (ModelAccessPermission below).
MODEL_ACCESS_SID = "OptionalCheckBedrockModelAccess"


class _BedrockRecord:
    """A fake_bedrock request as the proxy would have named it ("METHOD /path")."""

    def __init__(self, rec):
        auth = next((v for k, v in rec.headers.items() if k.lower() == "authorization"), "")
        self.headers = {"Authorization": auth}
        self.operation = f"{rec.method} {rec.path.split('?', 1)[0]}"


def action_of(record):
    """service:Operation of a request, from the SigV4 credential scope."""
    auth = record.headers.get("Authorization", "")
    service = "?"
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            service = scope[3]
    operation = REST_OPERATIONS.get(record.operation, record.operation)
    for prefix, name in REST_PREFIX_OPERATIONS.items():
        if record.operation.startswith(prefix):
            operation = name
    return f"{SERVICE_PREFIX.get(service, service)}:{operation}"


class MinimumPolicy(RunTestCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 2, "suffix": "iam"}
    users = 0
    users_lock = threading.Lock()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = load_policy()

    def make_user(self, policy):
        """An IAM user holding exactly `policy`; returns its key pair."""
        iam = self.emu.client("iam")
        with MinimumPolicy.users_lock:
            MinimumPolicy.users += 1
            name = f"bcm-iam-{MinimumPolicy.users}"
        iam.create_user(UserName=name)
        arn = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def flow(self, creds, workdir, stop_at_first_failure, run_ok=(0,), timeout=STEP_TIMEOUT):
        """whoami … logs, then an interrupted --stop-on-exit run. Returns [(step, completed)]."""
        journal = os.path.join(workdir, "run.jsonl")
        bot_id = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        steps = [("whoami", ["whoami"], (0,)),
                 ("outputs", ["outputs", "--check-bucket"], (0,)),
                 # a named stack that does not exist: the region's stacks are described
                 # (DescribeStacks without a name) to say which exist, and it ends in exit 3
                 ("discover", ["outputs", "--stack", "NoSuchStack"], (3,)),
                 ("plan", ["plan"], (0,)),
                 ("run", ["run", "--yes", "--concurrency", 3], run_ok),
                 # status exits as the run ended: 1 when a bot failed (which the two
                 # variants sharing bots may cause, see above).
                 ("status", ["status"], run_ok),
                 ("logs", ["logs", bot_id], (0,))]
        # ListTasks: a RunTask whose reply is lost (reset after ECS acted) is reconciled.
        key = creds["AWS_ACCESS_KEY_ID"]
        self.proxy.add_rule("RunTask", "reset", first=1, when=lambda h: key in h.get("Authorization", ""))
        steps.append(("reconcile", ["run", "--yes", "--concurrency", 3, "--journal",
                                    os.path.join(workdir, "reconcile.jsonl")], run_ok))
        results = []
        for name, args, ok in steps:
            argv = list(args) if "--journal" in args else [*args, "--journal", journal]
            try:
                done = self.cli(*argv, env_overrides=self.env_overrides(**creds), timeout=timeout)
            except subprocess.TimeoutExpired as e:
                done = _Done(f"hung (killed after {timeout}s)", _text(e.stdout), _text(e.stderr))
            results.append((name, done, done.returncode in ok))
            if stop_at_first_failure and done.returncode not in ok:
                return results
        # StopTask: Ctrl-C a run started with --stop-on-exit once a task is launched.
        stop_journal = os.path.join(workdir, "stop.jsonl")
        p = self.spawn("run", "--yes", "--concurrency", 1, "--stop-on-exit", "--journal", stop_journal,
                       **creds)
        wait_until(lambda: p.poll() is not None or
                   any(r.get("type") == "launched" for r in read_journal(stop_journal)), 30, "a launch")
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
            return results + [("stop", _Done(f"hung (killed after {timeout}s)", stdout, stderr), False)]
        stopped = p.returncode == 130 and "AccessDenied" not in stderr
        results.append(("stop", _Done(p.returncode, stdout, stderr), stopped))
        return results

    def test_flow_works_with_exactly_the_policy_and_the_policy_covers_every_call(self):
        self.start_simulator(duration=(0.3, 0.6))
        creds = self.make_user(self.policy)
        work = tempfile.mkdtemp(prefix="bcm-iam-")
        self.addCleanup(shutil.rmtree, work, True)
        first = len(self.proxy.requests)
        first_bedrock = len(self.emu.bedrock.sent())
        results = self.flow(creds, work, stop_at_first_failure=False)
        for name, done, ok in results:
            self.assertTrue(ok, f"{name} failed with exactly the README policy: exit {done.returncode}\n"
                                f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        used = {action_of(r) for r in self.proxy.requests[first:]
                if r.headers.get("Authorization", "").find(creds["AWS_ACCESS_KEY_ID"]) >= 0}
        # Bedrock's model availability is answered by the stand-in (the emulator has none).
        bedrock = [_BedrockRecord(r) for r in self.emu.bedrock.sent()[first_bedrock:]]
        used |= {action_of(r) for r in bedrock if creds["AWS_ACCESS_KEY_ID"] in r.headers["Authorization"]}
        allowed = set(policy_actions(self.policy))
        not_in_flow = {a for sid in AURORA_OPTIONAL_SIDS for a in statement_actions(self.policy, sid)}
        not_in_flow |= copy_only_actions(self.policy)
        self.assertEqual(sorted(used - allowed), [], "calls the policy does not allow")
        self.assertEqual(sorted(allowed - used - NOT_ENFORCED_BY_EMULATOR - not_in_flow - DATA_API_READS_IT), [],
                         "actions in the policy the flow never needs")
        # What the emulator cannot enforce, shown from the requests instead.
        run_tasks = [r.json() for r in self.proxy.requests[first:] if r.operation == "RunTask"]
        self.assertTrue(run_tasks and all(body.get("tags") for body in run_tasks),
                        "RunTask tags its tasks (hence ecs:TagResource)")
        self.assertTrue(self.sim.task_count() > 0)

    def test_optional_statement_only_turns_readings_into_assumptions(self):
        """Without the optional statement (quotas, image size, routes, endpoints) plan
        still works, and says what it assumed and why, under IAM enforcement."""
        optional = statement_actions(self.policy, "OptionalEstimateFromFacts")
        self.assertEqual(sorted(optional), sorted([
            "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
            "ecr:DescribeImages", "ec2:DescribeRouteTables", "ec2:DescribeVpcEndpoints"]))
        creds = self.make_user(policy_without_optional(self.policy))
        first = len(self.proxy.requests)
        done = self.cli("plan", "--json", env_overrides=self.env_overrides(**creds))
        self.assertEqual(done.returncode, 0, done.stderr)
        j = json.loads(done.stdout)
        pull = j["image_pull"]
        self.assertTrue(pull["assumed"])
        self.assertIn("no permission ecr:DescribeImages", pull["read"]["image_bytes_why"])
        self.assertIn("no permission ec2:DescribeRouteTables", pull["read"]["route_why"])
        quotas = j["concurrency_bounds"]["quotas"]
        self.assertTrue(all(q["source"] == "unknown" and "no permission servicequotas:" in q["why"]
                            for q in quotas), quotas)
        bounds = {b["name"]: b for b in j["concurrency_bounds"]["bounds"]}
        self.assertTrue(bounds["fargate_vcpu"]["assumed"])
        self.assertEqual(j["concurrency"], 3)
        # The denied calls were really made (and refused), not skipped.
        denied = {action_of(r) for r in self.proxy.requests[first:]
                  if creds["AWS_ACCESS_KEY_ID"] in r.headers.get("Authorization", "")}
        self.assertTrue(set(optional) <= denied | {"servicequotas:GetAWSDefaultServiceQuota"},
                        sorted(set(optional) - denied))

    variants = None

    def variant_outcomes(self):
        """[(action, [(step, completed, ok)])] for the policy minus each enforced action,
        computed once for the tests below."""
        if MinimumPolicy.variants is not None:
            return MinimumPolicy.variants
        self.start_simulator(duration=(0.2, 0.4))
        optional = set(optional_actions(self.policy))
        copy_only = copy_only_actions(self.policy)
        actions = [a for a in policy_actions(self.policy)
                   if a not in NOT_ENFORCED_BY_EMULATOR and a not in optional and a not in DEGRADES_TO_WARNING
                   and a not in copy_only]
        self.assertGreaterEqual(len(actions), 12)

        def without(action):
            creds = self.make_user(policy_without(self.policy, action))
            work = tempfile.mkdtemp(prefix="bcm-iam-")
            try:
                return action, self.flow(creds, work, stop_at_first_failure=True, run_ok=(0, 1),
                                         timeout=VARIANT_STEP_TIMEOUT)
            finally:
                shutil.rmtree(work, ignore_errors=True)

        with ThreadPoolExecutor(max_workers=2) as pool:
            MinimumPolicy.variants = list(pool.map(without, actions))
        return MinimumPolicy.variants

    def test_without_describe_db_clusters_the_check_warns(self):
        for action, check_id in DEGRADES_TO_WARNING.items():
            creds = self.make_user(policy_without(self.policy, action))
            done = self.cli("outputs", "--json", env_overrides=self.env_overrides(**creds), timeout=STEP_TIMEOUT)
            self.assertEqual(done.returncode, 0, f"without {action}: {done.stderr[-2000:]}")
            check = {c["id"]: c for c in json.loads(done.stdout)["checks"]}[check_id]
            self.assertEqual(check["state"], "warn", check)
            self.assertIn("not checked", check["summary"])
            self.assertIn(action, check["hint"])
            # and with it, the same check is a real answer
            creds = self.make_user(self.policy)
            done = self.cli("outputs", "--json", env_overrides=self.env_overrides(**creds), timeout=STEP_TIMEOUT)
            check = {c["id"]: c for c in json.loads(done.stdout)["checks"]}[check_id]
            self.assertEqual(check["state"], "ok", check)

    def test_aurora_optional_statements_grant_their_actions(self):
        """Each Aurora extra is allowed by the policy and denied without its statement
        (asked directly: the headless flow does not use them)."""
        import botocore.exceptions
        optional = [a for sid in AURORA_OPTIONAL_SIDS for a in statement_actions(self.policy, sid)]
        self.assertEqual(sorted(optional), ["cloudformation:ListStackResources", "rds:StartDBCluster"])
        calls = {
            # The seeded cluster is available: an allowed StartDBCluster gets as far as the state check.
            "rds:StartDBCluster": ("rds", lambda c: c.start_db_cluster(DBClusterIdentifier=self.dep.db_cluster),
                                   "InvalidDBClusterStateFault"),
            "cloudformation:ListStackResources": (
                "cloudformation", lambda c: c.list_stack_resources(StackName=self.dep.stack_name), None),
        }
        for action in optional:
            service, call, allowed_error = calls[action]
            for policy, expect_allowed in ((self.policy, True), (policy_without(self.policy, action), False)):
                creds = self.make_user(policy)
                client = self.emu.client(service, access_key=creds["AWS_ACCESS_KEY_ID"],
                                         secret_key=creds["AWS_SECRET_ACCESS_KEY"])
                code = None
                try:
                    call(client)
                except botocore.exceptions.ClientError as e:
                    code = e.response["Error"]["Code"]
                if expect_allowed:
                    self.assertIn(code, (None, allowed_error), f"{action} with the policy: {code}")
                else:
                    self.assertIn(code, ("AccessDenied", "AccessDeniedException"),
                                  f"{action} without its statement: {code}")

    def test_every_action_the_flow_uses_is_needed(self):
        unneeded = [action for action, results in self.variant_outcomes() if all(ok for _, _, ok in results)]
        self.assertEqual(unneeded, [], "the whole flow passed without these actions")

    def test_a_missing_permission_stops_with_access_denied(self):
        # Including the follow loop's calls (ecs:DescribeTasks, dynamodb:BatchGetItem): a
        # refused poll ends the run with exit 3 and the AccessDenied hint.
        problems = []
        for action, results in self.variant_outcomes():
            failed = [(name, done) for name, done, ok in results if not ok]
            if not failed:
                continue
            name, done = failed[0]
            said = done.stdout + done.stderr
            if done.returncode not in (3, 130):
                problems.append(f"{action}: step {name} exited {done.returncode}, expected 3")
            elif "AccessDenied" not in said and "not authorized" not in said:
                problems.append(f"{action}: step {name} failed without saying AccessDenied:\n{said[-800:]}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_missing_permissions_outside_the_follow_loop_are_reported(self):
        # The part of the property that holds today: every denied step other than the
        # follow loop's stops with exit 3 and names AccessDenied.
        follow_loop = {"ecs:DescribeTasks", "dynamodb:BatchGetItem"}
        problems = []
        for action, results in self.variant_outcomes():
            if action in follow_loop:
                continue
            failed = [(name, done) for name, done, ok in results if not ok]
            if not failed:
                continue
            name, done = failed[0]
            said = done.stdout + done.stderr
            if done.returncode not in (3, 130) or ("AccessDenied" not in said and "not authorized" not in said):
                problems.append(f"{action}: step {name} exit {done.returncode}:\n{said[-800:]}")
        self.assertEqual(problems, [], "\n".join(problems))


class VerifyPermissions(VectorStoreMixin, RunTestCase):
    """The VerifyVectors statement: rds-data:ExecuteStatement and
    secretsmanager:GetSecretValue, in a statement of their own. With the README policy
    verify works; without either action verification is skipped with a note naming
    them (exit 3 for verify; a run still ends as its tasks did)."""
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 2, "suffix": "verify-iam"}
    make_user = MinimumPolicy.make_user

    def test_statement_of_their_own(self):
        policy = load_policy()
        self.assertEqual(set(statement_actions(policy, "OptionalVerifyVectors")), VERIFY_ONLY)
        # Outside the copy's own statement, nothing else grants them: without the
        # statement, verification has no permission.
        others = [st for st in policy["Statement"] if st.get("Sid") != "OptionalVerifyVectors"
                  and not st.get("Sid", "").startswith("OnlyFor") and set(st["Action"]) & VERIFY_ONLY]
        self.assertEqual(others, [])
        with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as f:
            self.assertIn('"Sid": "OptionalVerifyVectors"', f.read())

    def user(self, policy):
        creds = self.make_user(policy)
        self.data_api.add_user(creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"], [policy])
        return creds

    def test_verify_with_and_without_the_statement(self):
        policy = load_policy()
        done = self.run_cli("verify", "--json", **self.user(policy), **self.data_api.env())
        self.assertIn(done.returncode, (0, 1), done.stdout + done.stderr[-2000:])
        self.assertIn('"verdict"', done.stdout)
        self.start_simulator(duration=(0.2, 0.4))
        for action in sorted(VERIFY_ONLY):
            creds = self.user(policy_without(policy, action))
            done = self.run_cli("verify", **creds, **self.data_api.env())
            self.assertEqual(done.returncode, 3, f"{action}: {done.stdout}{done.stderr[-2000:]}")
            self.assertIn("verification skipped", done.stderr, action)
            self.assertIn(action, done.stderr)
            run = self.run_cli("run", "--yes", "--new-run", "--include-migrated", **creds, **self.data_api.env())
            self.assertEqual(run.returncode, 0, f"{action}: {run.stdout[-2000:]}{run.stderr[-2000:]}")
            self.assertIn("the vectors were not verified", run.stderr)


def _text(data):
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


class _Done:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


if __name__ == "__main__":
    unittest.main()


class ModelAccessPermission(RunTestCase):
    """bedrock:GetFoundationModelAvailability: a statement of its own, optional; without it the
    check is skipped with a note naming the permission (the stand-in refuses as IAM would)."""
    seed_args = {"bots": 2, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "iambedrock"}

    def test_statement_of_its_own(self):
        policy = load_policy()
        self.assertEqual(statement_actions(policy, MODEL_ACCESS_SID), ["bedrock:GetFoundationModelAvailability"])
        others = [st.get("Sid") for st in policy["Statement"] if st.get("Sid") != MODEL_ACCESS_SID
                  and "bedrock:GetFoundationModelAvailability" in policy_actions({"Statement": [st]})]
        self.assertEqual(others, [])
        self.assertTrue(MODEL_ACCESS_SID.startswith(OPTIONAL_SID))
        with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertIn(f'"Sid": "{MODEL_ACCESS_SID}"', readme)
        self.assertIn(f"`{MODEL_ACCESS_SID}`", readme)

    def test_without_the_statement_the_check_is_skipped(self):
        self.emu.bedrock.deny()
        self.addCleanup(self.emu.bedrock.deny, False)
        done = self.run_cli("outputs", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        check = {c["id"]: c for c in json.loads(done.stdout)["checks"]}["bedrock_model_access"]
        self.assertEqual(check["state"], "skipped", check)
        self.assertIn("bedrock:GetFoundationModelAvailability", check["hint"])
        self.emu.bedrock.deny(False)
        done = self.run_cli("outputs", "--json")
        check = {c["id"]: c for c in json.loads(done.stdout)["checks"]}["bedrock_model_access"]
        self.assertEqual(check["state"], "ok", check)
