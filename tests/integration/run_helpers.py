"""Shared pieces of the `run` / `status` / `logs` integration tests.

`RunTestCase` is an EmulatorTestCase whose program runs go through a FaultProxy (so each
test can inject faults and read back exactly what the program sent), each test with its
own journal in a temporary directory and its own embedding Simulator, both cleaned up
whatever happens. Poll intervals are made small through the program's test knobs
(BCM_POLL_MS, BCM_LAUNCH_BACKOFF_MS, BCM_SUMMARY_SECONDS).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from fault_proxy import FaultProxy
from harness import EmulatorTestCase, SANITIZER_ENV, program, sanitizer_report
from simulator import Simulator

# DynamoDB writes the tool must never send (the stack's pipe reacts to SyncStatus=QUEUED).
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                   "ExecuteStatement", "BatchExecuteStatement"}
FAST_KNOBS = {"BCM_POLL_MS": 150, "BCM_LAUNCH_BACKOFF_MS": 400, "BCM_SUMMARY_SECONDS": 1}


def json_lines(text):
    """Every line of text that is a JSON object (the program's --json events)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def read_journal(path):
    """The journal's whole records (a torn last line is skipped, as the program does)."""
    records = []
    try:
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                try:
                    records.append(json.loads(raw))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return records


def wait_until(predicate, timeout=30.0, what="condition", interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s")


def assert_matches_model(test, service, operation, params):
    """The request parameters are valid for botocore's model of the operation (members,
    types, required members, enums, lengths), as botocore itself would check them."""
    import botocore.session
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model(service)
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    test.assertFalse(report.has_errors(), f"{service} {operation}: {report.generate_report()}")


class RunTestCase(EmulatorTestCase):
    seed_args = {"bots": 8, "failing": 2, "empty_bots": 1, "conversations": 20}
    sim_args = {}
    proxy_args = {}     # FaultProxy keyword arguments (real_aws=RealAws(...))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            port = int(cls.emu.endpoint.rsplit(":", 1)[1])
            cls.proxy = FaultProxy(port, seed=7, **cls.proxy_args).start()
        except BaseException:
            cls.emu.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        proxy = getattr(cls, "proxy", None)
        if proxy is not None:
            proxy.stop()
        super().tearDownClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bcm-run-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.journal = os.path.join(self.tmp, "run.jsonl")
        self.proxy.clear_rules()
        self.first_request = len(self.proxy.operations())
        self.procs = []
        self.addCleanup(self._kill_procs)
        self.sim = None

    def start_simulator(self, **kwargs):
        args = dict(duration=(0.3, 0.8), fail_bot_ids=self.dep.bot_ids(expected="failed"))
        args.update(self.sim_args)
        args.update(kwargs)
        self.sim = Simulator(self.emu, self.dep, **args).start()
        self.addCleanup(self.sim.stop, False)
        return self.sim

    # -- the program ------------------------------------------------------------------

    def env_overrides(self, **extra):
        overrides = {"AWS_ENDPOINT_URL": self.proxy.url}
        overrides.update(FAST_KNOBS)
        overrides.update(extra)
        return overrides

    def env(self, **extra):
        return self.emu.env(**self.env_overrides(**extra))

    def run_cli(self, *args, timeout=90, **extra_env):
        """The program with the test's journal, through the proxy; fails on a sanitizer report."""
        argv = [str(a) for a in args]
        if "--journal" not in argv:
            argv += ["--journal", self.journal]
        return self.cli(*argv, env_overrides=self.env_overrides(**extra_env), timeout=timeout)

    def spawn(self, *args, **extra_env):
        """The program in the background (for kill -9 tests)."""
        argv = [program(), *[str(a) for a in args]]
        if "--journal" not in argv:
            argv += ["--journal", self.journal]
        env = self.env(**extra_env)
        for k, v in SANITIZER_ENV.items():
            env.setdefault(k, v)
        p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, errors="replace")
        self.procs.append(p)
        return p

    def _kill_procs(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.communicate(timeout=10)
            except (subprocess.TimeoutExpired, ValueError):
                pass

    def kill9(self, p):
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=10)
        # A request the proxy already took may still reach the emulator: let it land
        # before anyone asks the emulator what exists.
        wait_until(lambda: self.proxy.in_flight() == 0, 30, "proxy idle")

    def assert_clean_exit(self, completed, expected_code):
        report = sanitizer_report(completed)
        if report:
            self.fail(f"sanitizer report:\n{report}")
        self.assertEqual(completed.returncode, expected_code,
                         f"exit {completed.returncode}, expected {expected_code}\n"
                         f"stdout:\n{completed.stdout[-4000:]}\nstderr:\n{completed.stderr[-4000:]}")

    # -- what happened ------------------------------------------------------------------

    def sent(self, operation=None):
        """Requests the program sent during this test (optionally one operation's)."""
        end = getattr(self, "last_request", None)
        records = self.proxy.requests[self.first_request:end]
        return [r for r in records if operation is None or r.operation == operation]

    def assert_no_table_writes(self):
        writes = [r.operation for r in self.sent() if r.operation in DYNAMODB_WRITES]
        self.assertEqual(writes, [], "the tool must never write to the DynamoDB table")
        sync_queued = [r for r in self.sent() if b"QUEUED" in (r.body or b"")]
        self.assertEqual(sync_queued, [], "no request may carry SyncStatus QUEUED")

    def started_by(self):
        for rec in read_journal(self.journal):
            if rec.get("type") == "run":
                return rec["started_by"]
        self.fail(f"no run record in {self.journal}")

    def ecs_tasks_of_run(self):
        """Task ARNs ECS holds for this test's run (running and stopped), asked directly."""
        ecs = self.emu.client("ecs")
        arns = []
        for status in ("RUNNING", "STOPPED"):
            token = None
            while True:
                kwargs = dict(cluster=self.dep.cluster, startedBy=self.started_by(), desiredStatus=status)
                if token:
                    kwargs["nextToken"] = token
                page = ecs.list_tasks(**kwargs)
                arns += page.get("taskArns", [])
                token = page.get("nextToken")
                if not token:
                    break
        return arns

    def selected_sks(self):
        """Bots a default selection (--scan-table) must launch: every bot with knowledge."""
        return {b["sk"] for b in self.dep.bots if b["expected"] in ("succeeded", "failed")}

    def assert_one_task_per_bot(self, sks=None):
        sks = self.selected_sks() if sks is None else sks
        started_by = self.started_by()
        by_bot = {}
        for sk, recs in self.sim.tasks_by_bot.items():
            mine = [r for r in recs if r.started_by == started_by]
            if mine:
                by_bot[sk] = len(mine)
        self.assertEqual(set(by_bot), sks, "tasks were launched for exactly the selected bots")
        duplicates = {sk: n for sk, n in by_bot.items() if n != 1}
        self.assertEqual(duplicates, {}, "one task per bot")
        self.assertEqual(len(self.ecs_tasks_of_run()), len(sks), "ECS ListTasks(startedBy) agrees")

    def final_states(self):
        """bot_id -> state, from `status --json` (the journal's view)."""
        st = self.run_cli("status", "--json")
        self.assertIn(st.returncode, (0, 1), st.stderr)
        doc = json.loads(st.stdout)
        self.assertEqual(st.returncode, 1 if doc["counts"]["failed"] else 0, "status exit code")
        return {b["bot_id"]: b for b in doc["bots"]}
