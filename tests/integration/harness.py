"""Integration-test harness: a local AWS emulator with signature checking on, and the program.

An `Emulator` is two moto_server processes on free loopback ports:
  * `endpoint`    every service except S3, with SigV4 signature checking and IAM policy
                  enforcement switched on after an IAM user and access key are created, so
                  each request the program sends is verified by botocore's signer;
  * `s3_endpoint` S3 only, without checking: with checking on, moto rejects correctly
                  signed S3 requests whose query string needs encoding (a false alarm that
                  botocore's own requests hit too), so S3 is served apart, exactly what
                  AWS_ENDPOINT_URL_S3 exists for.
In the suite's HTTPS pass (BCM_TEST_TLS=1, `tests/runner.py --tls`) the program never
sees those plain-HTTP ports: `program_endpoint` / `program_s3_endpoint` are TLS fronts
(fault_proxy.FaultProxy with the run's own CA, tls_ca.py) and env() adds AWS_CA_BUNDLE;
boto3 clients of the tests keep talking to the emulator directly.
Both servers run in their own process group and are always killed: by stop(), by the
context manager, at interpreter exit, on SIGTERM/SIGINT, and (Linux) when this process
dies. Their output goes to files in `tmpdir`, shown when a test fails.

`EmulatorTestCase` starts one emulator per test class, seeds it with
seed.seed_deployment, and runs the program with `self.cli(...)`:

    class PlanTest(harness.EmulatorTestCase):
        seed_args = dict(bots=30, failing=3)

        def test_json(self):
            done = self.cli("plan", "--json")          # sanitizer reports fail the test
            self.assertEqual(done.returncode, 0, done.stderr)
            ...self.dep.bots, self.emu.client("dynamodb"), self.emu.env(AWS_REGION=None)...
"""
import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REGION = "ap-northeast-1"
READY_TIMEOUT = 30.0
ALLOW_ALL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# Sanitizer findings must fail the run loudly and recognisably (exit 99), never pass quietly.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=99",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
    "LSAN_OPTIONS": "exitcode=99",
}
SANITIZER_EXIT = 99
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")


def tls_pass():
    """The suite's HTTPS pass (tests/runner.py --tls): the program reaches every endpoint
    over TLS, trusting the run's own CA (tls_ca.py) through AWS_CA_BUNDLE. Imported
    lazily: the installed demo ships this file without the test CA."""
    return os.environ.get("BCM_TEST_TLS") == "1"


def free_port():
    """A loopback TCP port that was free a moment ago (the caller retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# Process cleanup on every exit path.

_live = set()
# Re-entrant: the signal handler runs on the main thread, possibly inside stop().
_live_lock = threading.RLock()
_handlers_installed = False


def _stop_all():
    with _live_lock:
        emulators = list(_live)
    for emu in emulators:
        emu.stop()


def _on_signal(signum, _frame):
    _stop_all()
    # Restore the default action and re-deliver, so the exit status says "killed by signal".
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_stop_all)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(sig, _on_signal)


def _die_with_parent():
    """preexec_fn: new process group, and SIGKILL when the parent dies (even by SIGKILL).
    Linux ties this to the thread that started the server, so start emulators from a
    thread that outlives them (the main thread, as tests and demo_env do)."""
    os.setpgid(0, 0)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _moto_command(port, extras=False):
    if extras:
        return [sys.executable, os.path.join(HERE, "moto_extras.py"), "-H", "127.0.0.1", "-p", str(port)]
    exe = shutil.which("moto_server")
    if exe:
        return [exe, "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def _http(method, url, body=None, content_type=None, timeout=5.0):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


class EmulatorError(RuntimeError):
    pass


class _Server:
    """One moto_server process on a free port, output to files."""

    def __init__(self, name, tmpdir, extras=False):
        self.name = name
        self.tmpdir = tmpdir
        self.extras = extras
        self.proc = None
        self.port = None
        self.out_path = os.path.join(tmpdir, f"{name}.out")
        self.err_path = os.path.join(tmpdir, f"{name}.err")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def spawn(self):
        self.port = free_port()
        with open(self.out_path, "ab") as out, open(self.err_path, "ab") as err:
            self.proc = subprocess.Popen(
                _moto_command(self.port, self.extras), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env=self._env(), preexec_fn=_die_with_parent)

    def _env(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if self.extras:
            env["BCM_MOTO_REQUEST_LOG"] = os.path.join(self.tmpdir, f"{self.name}.requests.jsonl")
        return env

    @property
    def request_log(self):
        return os.path.join(self.tmpdir, f"{self.name}.requests.jsonl")

    def wait_ready(self):
        """Waits for the spawned server; respawns on a fresh port if it lost a port race."""
        for attempt in range(3):
            try:
                self._wait_ready()
                return
            except EmulatorError:
                self.kill()
                if attempt == 2:
                    raise
                self.spawn()

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EmulatorError(
                    f"moto_server ({self.name}) exited with status {self.proc.returncode} "
                    f"before answering on port {self.port}.\n{self.log_tail()}")
            try:
                status, _ = _http("GET", self.url + "/moto-api/", timeout=1.0)
                if status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                pass
            time.sleep(0.05)
        raise EmulatorError(
            f"moto_server ({self.name}) did not answer GET /moto-api/ on port {self.port} "
            f"within {READY_TIMEOUT:.0f}s. Is moto[server] installed (pip install 'moto[server]')?\n"
            f"{self.log_tail()}")

    def kill(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def log_tail(self, limit=4000):
        parts = []
        for path in (self.err_path, self.out_path):
            try:
                with open(path, "rb") as f:
                    f.seek(0, os.SEEK_END)
                    size = f.tell()
                    f.seek(max(0, size - limit))
                    text = f.read().decode(errors="replace")
            except OSError:
                continue
            if text.strip():
                parts.append(f"--- {self.name}: {os.path.basename(path)} (last {limit} bytes) ---\n{text}")
        return "\n".join(parts)


class Emulator:
    """Two moto_server processes (signed + S3) and an IAM user whose key signs everything."""

    def __init__(self, region=DEFAULT_REGION, policy=None, user_name="bcm-tester", rds_extras=False):
        """rds_extras: run moto through moto_extras.py (RDS EnableHttpEndpoint, which moto
        lacks, and a log of every request for checks against botocore's models)."""
        self.rds_extras = rds_extras
        self.region = region
        self.policy = policy if policy is not None else ALLOW_ALL_POLICY
        self.user_name = user_name
        self.tmpdir = None
        self.endpoint = None
        self.s3_endpoint = None
        self.access_key = None
        self.secret_key = None
        self.account_id = None
        self.user_arn = None
        self._main = None
        self._s3 = None
        self._fronts = []
        self.bedrock = None               # fake_bedrock.FakeBedrock: model availability
        self.program_endpoint = None      # what the program is given (https in the TLS pass)
        self.program_s3_endpoint = None
        self._lock = threading.RLock()   # re-entrant for the signal handler, see _live_lock
        self._clients = {}

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        _install_handlers()
        self.tmpdir = tempfile.mkdtemp(prefix="bcm-emu-")
        with _live_lock:
            _live.add(self)
        try:
            self._main = _Server("moto", self.tmpdir, extras=self.rds_extras)
            self._s3 = _Server("moto-s3", self.tmpdir)
            # Both import moto (about a second of CPU each): start them side by side.
            self._main.spawn()
            self._s3.spawn()
            self._main.wait_ready()
            self._s3.wait_ready()
            self.endpoint = self._main.url
            self.s3_endpoint = self._s3.url
            self.program_endpoint, self.program_s3_endpoint = self.endpoint, self.s3_endpoint
            if tls_pass():
                from fault_proxy import FaultProxy
                self._fronts = [FaultProxy(s.port).start() for s in (self._main, self._s3)]
                self.program_endpoint, self.program_s3_endpoint = (f.url for f in self._fronts)
            self._create_user()
            self._enable_auth()
            self._write_empty_config()
            # The emulator has no Bedrock model availability: a stand-in says the embedding
            # model is accessible (test_model_access gives each test its own answers).
            from fake_bedrock import FakeBedrock
            self.bedrock = FakeBedrock(None, None).start()
            self.bedrock.set("cohere.embed-multilingual-v3")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        with self._lock:
            for front in self._fronts:
                front.stop()
            self._fronts = []
            if self.bedrock is not None:
                self.bedrock.stop()
                self.bedrock = None
            for server in (self._main, self._s3):
                if server is not None:
                    server.kill()
            if self.tmpdir and os.path.isdir(self.tmpdir):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self._clients = {}
        with _live_lock:
            _live.discard(self)

    def log_tail(self, limit=4000):
        return "\n".join(s.log_tail(limit) for s in (self._main, self._s3) if s is not None)

    def requests_seen(self):
        """Requests the main server parsed (rds_extras only): dicts with service, operation
        and form (query protocols) or json (JSON protocols)."""
        if not self.rds_extras or not os.path.exists(self._main.request_log):
            return []
        with open(self._main.request_log, encoding="utf-8") as f:
            text = f.read()
        # The server appends while a test reads: only whole lines (the last one may be
        # half written) are requests yet.
        return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]

    # -- setup ------------------------------------------------------------------------

    def _create_user(self):
        # Before auth is on, any key is accepted; the user created here is the only one
        # whose key works afterwards.
        iam = boto3.session.Session(aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",
                                    region_name=self.region).client(
            "iam", endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 1}))
        user = iam.create_user(UserName=self.user_name)["User"]
        self.user_arn = user["Arn"]
        self.account_id = self.user_arn.split(":")[4]
        arn = iam.create_policy(PolicyName=f"{self.user_name}-policy",
                                PolicyDocument=json.dumps(self.policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=self.user_name, PolicyArn=arn)
        key = iam.create_access_key(UserName=self.user_name)["AccessKey"]
        self.access_key = key["AccessKeyId"]
        self.secret_key = key["SecretAccessKey"]

    def _enable_auth(self):
        # text/plain matters: a form content type makes moto answer 500 here.
        _http("POST", self.endpoint + "/moto-api/reset-auth", body="0", content_type="text/plain")

    def _write_empty_config(self):
        for sub in ("home", "state", "config"):
            os.makedirs(os.path.join(self.tmpdir, sub), exist_ok=True)
        for name in ("aws-config", "aws-credentials"):
            open(os.path.join(self.tmpdir, name), "w").close()

    # -- use --------------------------------------------------------------------------

    @property
    def config_file(self):
        return os.path.join(self.tmpdir, "aws-config")

    @property
    def credentials_file(self):
        return os.path.join(self.tmpdir, "aws-credentials")

    def wrong_secret(self):
        """A secret that differs from the user's in its first character, whatever that is
        (the emulator's secrets are random: a fixed replacement could equal it)."""
        first = self.secret_key[0]
        return ("W" if first != "W" else "V") + self.secret_key[1:]

    def client(self, service, access_key=None, secret_key=None, region=None):
        """A boto3 client signed with the emulator user's key (or the given one), for the
        emulator's region or `region`. Clients with the user's key are cached (boto3
        clients are safe to share between threads)."""
        if access_key is None and secret_key is None:
            with self._lock:
                key = (service, region or self.region)
                if key not in self._clients:
                    self._clients[key] = self._new_client(service, self.access_key, self.secret_key, region)
                return self._clients[key]
        return self._new_client(service, access_key or self.access_key, secret_key or self.secret_key, region)

    def _new_client(self, service, access_key, secret_key, region=None):
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region or self.region)
        if service == "s3":
            return session.client("s3", endpoint_url=self.s3_endpoint,
                                  config=Config(s3={"addressing_style": "path"},
                                                retries={"max_attempts": 2}))
        return session.client(service, endpoint_url=self.endpoint,
                              config=Config(retries={"max_attempts": 2}))

    def env(self, **overrides):
        """The complete environment for one program run: nothing leaks in from outside
        except PATH and TERM. An override of None removes the variable."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": os.path.join(self.tmpdir, "home"),
            "XDG_STATE_HOME": os.path.join(self.tmpdir, "state"),
            "XDG_CONFIG_HOME": os.path.join(self.tmpdir, "config"),
            "AWS_CONFIG_FILE": self.config_file,
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials_file,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": self.program_endpoint,
            "AWS_ENDPOINT_URL_S3": self.program_s3_endpoint,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
        if self.bedrock is not None:
            env["AWS_ENDPOINT_URL_BEDROCK"] = self.bedrock.url
        if tls_pass():
            import tls_ca
            env["AWS_CA_BUNDLE"] = tls_ca.ca_file()
        if "TERM" in os.environ:
            env["TERM"] = os.environ["TERM"]
        env.update(SANITIZER_ENV)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        return env

    def set_ecs_transition(self, progression="manual", times=None, seconds=None):
        """How moto advances ECS tasks RUNNING → … → STOPPED: "manual" every `times`
        describes, "time" every `seconds`, or "immediate"."""
        transition = {"progression": progression}
        if times is not None:
            transition["times"] = times
        if seconds is not None:
            transition["seconds"] = seconds
        _http("POST", self.endpoint + "/moto-api/state-manager/set-transition",
              body=json.dumps({"model_name": "ecs::task", "transition": transition}),
              content_type="application/json")


# ---------------------------------------------------------------------------------------
# The program.

def program():
    path = os.environ.get("BCM_PROGRAM")
    if path:
        return os.path.abspath(path)
    return os.path.normpath(os.path.join(HERE, "..", "..", "build", "san", "bedrock-chat-migrate"))


def run_program(args, env, input=None, timeout=60):
    """Run the program once; returns subprocess.CompletedProcess (text, both streams)."""
    full_env = dict(env)
    for key, value in SANITIZER_ENV.items():
        full_env.setdefault(key, value)
    return subprocess.run([program(), *[str(a) for a in args]], env=full_env, input=input,
                          capture_output=True, text=True, errors="replace", timeout=timeout)


def sanitizer_report(completed):
    """The sanitizer's complaint in a finished run, or None."""
    if completed.returncode == SANITIZER_EXIT or any(m in completed.stderr for m in SANITIZER_MARKERS):
        return completed.stderr[-6000:]
    return None


class EmulatorTestCase(unittest.TestCase):
    """One emulator per test class, seeded with seed.seed_deployment(emu, **seed_args)."""

    seed_args = {}
    emulator_args = {}
    emu = None
    dep = None

    @classmethod
    def setUpClass(cls):
        import seed  # here, so harness.py works for tests that never seed
        cls.emu = Emulator(**cls.emulator_args)
        try:
            cls.emu.start()
            cls.dep = seed.seed_deployment(cls.emu, **cls.seed_args)
        except BaseException:
            cls.emu.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.emu is not None:
            bedrock = cls.emu.bedrock
            problems = list(bedrock.problems) if bedrock is not None else []
            cls.emu.stop()
            if problems:
                raise AssertionError(f"Bedrock requests botocore's model does not allow: {problems}")

    def run(self, result=None):
        # Show the emulator's own output under any failing test: a 500 from moto explains
        # itself only there.
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        outcome = super().run(result)
        if len(result.failures) + len(result.errors) > before and self.emu is not None:
            tail = self.emu.log_tail(3000)
            if tail:
                sys.stderr.write(f"\n=== emulator output for {self.id()} ===\n{tail}\n")
        return outcome

    def cli(self, *args, env_overrides=None, input=None, timeout=60):
        """Run the program against this class's emulator; fails the test on a sanitizer report."""
        if not os.path.exists(program()):
            self.fail(f"program not built: {program()} (run make build/san/bedrock-chat-migrate)")
        completed = run_program(args, self.emu.env(**(env_overrides or {})), input=input, timeout=timeout)
        report = sanitizer_report(completed)
        if report:
            self.fail(f"sanitizer report from {' '.join(map(str, args))}:\n{report}")
        return completed
