"""Security properties, checked end to end against the emulator:

  * Secrets: whoami, outputs, plan, run, status and logs with --debug and --debug-file,
    using temporary credentials (secret key and session token); every stdout, stderr,
    the debug file, the journal and any report are searched for the secret and the
    token (raw, base64, URL-encoded): none. Journal, debug file and reports are 0600.
    Over the whole flow the tool sends no DynamoDB write (proxy request log).
  * TLS: an https endpoint with a self-signed certificate is refused with a clear error
    (exit 3, what happened and AWS_CA_BUNDLE as the way out), whatever environment
    variables other tools use to switch verification off; it works when AWS_CA_BUNDLE (or
    the profile's ca_bundle) names the certificate; --no-verify-ssl does not exist.
  * Hostile bot titles (OSC 52 clipboard writes, CSI, C1 controls, bidi overrides, a
    100 KB title, invalid UTF-8 injected into the DynamoDB replies) leave `plan`,
    `status` and the run's output as valid UTF-8 without ESC, C1 or bidi controls.
"""
import base64
import glob
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import tempfile
import unittest
import urllib.parse

import harness
from fault_proxy import FaultProxy
from harness import SANITIZER_ENV, Emulator, program, sanitizer_report
from run_helpers import DYNAMODB_WRITES, RunTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))

# Everything that must never reach a terminal raw: C0 controls but \t \n, DEL, the C1
# block, and the bidi embedding/override/isolate/mark characters.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INVALID_UTF8 = b"\xff\xfe\xc0\xaf\xed\xa0\x80\xe3\x81"
BAD_UTF8_MARK = "BADUTF8MARK"


def run_bytes(args, env, timeout=90, input=None):
    """The program with byte-exact output (the harness decodes with errors='replace',
    which would hide invalid UTF-8)."""
    full = dict(env)
    for k, v in SANITIZER_ENV.items():
        full.setdefault(k, v)
    return subprocess.run([program(), *[str(a) for a in args]], env=full, capture_output=True,
                          timeout=timeout, input=input)


def assert_inert(test, data, what, max_line=None):
    """data (bytes) is valid UTF-8 and holds no terminal control character."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        test.fail(f"{what} is not valid UTF-8 ({e}): {data[max(0, e.start - 40):e.end + 40]!r}")
    m = FORBIDDEN.search(text)
    if m:
        test.fail(f"{what} carries U+{ord(m.group()):04X} raw: {text[max(0, m.start() - 40):m.end() + 40]!r}")
    if max_line is not None:
        longest = max((len(line) for line in text.splitlines()), default=0)
        test.assertLessEqual(longest, max_line, f"{what}: a {longest}-character line (a title was not truncated)")
    return text


# ---------------------------------------------------------------------------------------
# Secrets

def secret_forms(secret):
    raw = secret.encode()
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(enc(raw).decode().rstrip("="))
    # A long value leaks even in pieces: any 16-character window of it.
    return {f for f in forms if f}


class SecretsNeverLeak(RunTestCase):
    """The whole flow with temporary credentials and --debug-file; nothing secret anywhere."""
    seed_args = {"bots": 5, "failing": 1, "empty_bots": 1, "conversations": 5, "suffix": "secrets"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            iam, sts = cls.emu.client("iam"), cls.emu.client("sts")
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                             "Principal": {"AWS": cls.emu.user_arn}}]}
            role = iam.create_role(RoleName="bcm-secret-test", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
            iam.put_role_policy(RoleName="bcm-secret-test", PolicyName="all",
                                PolicyDocument=json.dumps(harness.ALLOW_ALL_POLICY))
            creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bcm-secret-test")["Credentials"]
            cls.temp = creds
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        super().setUp()
        self.debug_file = os.path.join(self.tmp, "debug.log")
        self.outputs = {}      # label -> bytes the program wrote

    def creds_env(self):
        return {"AWS_ACCESS_KEY_ID": self.temp["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": self.temp["SecretAccessKey"],
                "AWS_SESSION_TOKEN": self.temp["SessionToken"]}

    def step(self, label, *args, expect=(0,), env=None):
        argv = [*args, "--debug", "--debug-file", self.debug_file, "--journal", self.journal]
        done = run_bytes(argv, self.env(**(env if env is not None else self.creds_env())))
        text = done.stderr.decode(errors="replace")
        report = sanitizer_report(subprocess.CompletedProcess(argv, done.returncode, "", text))
        if report:
            self.fail(f"sanitizer report from {label}:\n{report}")
        self.assertIn(done.returncode, expect, f"{label}: exit {done.returncode}\n{text[-3000:]}")
        self.outputs[f"{label} stdout"] = done.stdout
        self.outputs[f"{label} stderr"] = done.stderr
        return done

    def test_no_secret_in_any_output_log_journal_or_report(self):
        self.start_simulator()
        bot_id = sorted(self.dep.bot_ids(expected="succeeded"))[0]
        self.step("whoami", "whoami")
        self.step("whoami --json", "whoami", "--json")
        self.step("outputs", "outputs", "--check-bucket")
        self.step("plan", "plan", "--scan-table")
        self.step("plan --json", "plan", "--json", "--scan-table")
        self.step("run", "run", "--yes", "--scan-table", expect=(1,))
        self.step("status", "status", expect=(1,))
        self.step("status --json", "status", "--json", expect=(1,))
        self.step("logs", "logs", bot_id)
        # A refused secret (a wrong key) must not be echoed in the error either.
        wrong = dict(self.creds_env(), AWS_SECRET_ACCESS_KEY=self.temp["SecretAccessKey"][::-1])
        self.step("whoami with a wrong secret", "whoami", expect=(3,), env=wrong)

        # The run really happened through these credentials, and the debug log is real.
        self.assertIn(b"succeeded", self.outputs["run stdout"])
        self.assertTrue(self.sent("RunTask"), "the run launched tasks")
        files = {"debug file": self.debug_file, "journal": self.journal}
        for path in glob.glob(os.path.join(self.tmp, "*.report.*")):
            files[os.path.basename(path)] = path
        with open(self.debug_file, "rb") as f:
            debug = f.read()
        for op in (b"GetCallerIdentity", b"RunTask", b"DescribeTasks", b"GetLogEvents"):
            self.assertIn(op, debug, "the debug log records every call")
        for label, path in files.items():
            with open(path, "rb") as f:
                self.outputs[label] = f.read()
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, f"{label} is private (0600)")

        forms = {}
        for name in ("SecretAccessKey", "SessionToken"):
            for form in secret_forms(self.temp[name]):
                forms[form] = name
            value = self.temp[name]
            for i in range(0, len(value) - 16, 8):      # pieces of it, too
                forms.setdefault(value[i:i + 16], name + " (a 16-character piece)")
        leaks = []
        for label, data in self.outputs.items():
            text = data.decode(errors="replace")
            for form, name in forms.items():
                if form in text:
                    leaks.append(f"{name} in {label}")
        self.assertEqual(sorted(set(leaks)), [], "secrets leaked")

        # Over the whole flow: not one write to the table.
        writes = [r.operation for r in self.sent() if r.operation in DYNAMODB_WRITES]
        self.assertEqual(writes, [])
        self.assertTrue(self.sent("Scan") and self.sent("BatchGetItem"), "the flow did read the table")

    def test_secret_in_credentials_file_is_not_echoed(self):
        with open(self.emu.credentials_file, "w") as f:
            f.write("[leaky]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n"
                    % (self.temp["AccessKeyId"], self.temp["SecretAccessKey"], self.temp["SessionToken"]))
        self.addCleanup(lambda: open(self.emu.credentials_file, "w").close())
        env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": "leaky"}
        out = self.step("whoami (profile)", "whoami", env=env)
        self.assertIn(b"profile leaky", out.stdout + out.stderr)
        with open(self.debug_file, "rb") as f:
            self.outputs["debug file"] = f.read()
        for label, data in self.outputs.items():
            for name in ("SecretAccessKey", "SessionToken"):
                for form in secret_forms(self.temp[name]):
                    self.assertNotIn(form.encode(), data, f"{name} in {label}")


# ---------------------------------------------------------------------------------------
# TLS

def make_self_signed(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make a test certificate")
class TlsVerification(unittest.TestCase):
    """The program against an https proxy in front of the emulator whose certificate no
    system trust store knows."""

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().start()
        cls.tmp = tempfile.mkdtemp(prefix="bcm-tls-")
        try:
            cls.cert, key = make_self_signed(cls.tmp)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cls.cert, key)
            cls.proxy = FaultProxy(int(cls.emu.endpoint.rsplit(":", 1)[1]), ssl_context=ctx).start()
        except BaseException:
            cls.emu.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.emu.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def whoami(self, *extra, **env):
        overrides = {"AWS_ENDPOINT_URL": f"https://127.0.0.1:{self.proxy.port}"}
        overrides.update(env)
        done = harness.run_program(["whoami", *extra], self.emu.env(**overrides), timeout=60)
        report = sanitizer_report(done)
        if report:
            self.fail(report)
        return done

    def assert_refused(self, done):
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
        err = done.stderr.lower()
        self.assertTrue("certificate" in err or "tls" in err or "ssl" in err, done.stderr)
        self.assertIn("AWS_CA_BUNDLE", done.stderr, "the error says how to trust a private CA")
        self.assertNotIn(self.emu.account_id, done.stdout, "no identity was shown")

    def test_self_signed_certificate_is_refused(self):
        before = (len(self.proxy.requests), self.proxy.tls_failures)
        self.assert_refused(self.whoami())
        self.assertEqual(len(self.proxy.requests), before[0], "no request got through the handshake")
        self.assertGreater(self.proxy.tls_failures, before[1], "the client abandoned the handshake")

    def test_no_environment_variable_turns_verification_off(self):
        # What other tools read to skip or redirect verification: none may apply here.
        knobs = {"AWS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "CURL_INSECURE": "1",
                 "CURLOPT_SSL_VERIFYPEER": "0", "AWS_VERIFY_SSL": "false", "AWS_NO_VERIFY_SSL": "1",
                 "PYTHONHTTPSVERIFY": "0", "NODE_TLS_REJECT_UNAUTHORIZED": "0",
                 "BCM_INSECURE": "1", "BCM_NO_VERIFY_SSL": "1", "BCM_TLS_VERIFY": "0",
                 "SSL_NO_VERIFY": "1", "GIT_SSL_NO_VERIFY": "1"}
        self.assert_refused(self.whoami(**knobs))

    def test_no_verify_ssl_flag_does_not_exist(self):
        done = self.whoami("--no-verify-ssl")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--no-verify-ssl", done.stderr)

    def test_aws_ca_bundle_naming_the_certificate_works(self):
        done = self.whoami("--json", AWS_CA_BUNDLE=self.cert)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)["account"], self.emu.account_id)

    def test_profile_ca_bundle_naming_the_certificate_works(self):
        with open(self.emu.config_file, "w") as f:
            f.write(f"[profile tls]\nregion = {self.emu.region}\nca_bundle = {self.cert}\n")
        self.addCleanup(lambda: open(self.emu.config_file, "w").close())
        # AWS_PROFILE, not --profile: an explicit profile must hold its own credentials.
        # No AWS_CA_BUNDLE (the HTTPS pass sets it to the run's CA): it would win over the
        # profile's ca_bundle, and the profile's setting is what is tested here.
        done = self.whoami(AWS_PROFILE="tls", AWS_CA_BUNDLE=None)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(self.emu.account_id, done.stdout)

    def test_missing_ca_bundle_file_is_a_clear_error(self):
        missing = os.path.join(self.tmp, "no-such-bundle.pem")
        done = self.whoami(AWS_CA_BUNDLE=missing)
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertTrue("no-such-bundle.pem" in done.stderr or "AWS_CA_BUNDLE" in done.stderr, done.stderr)

    def test_source_never_switches_verification_off(self):
        with open(os.path.join(SOURCE, "src", "aws", "http_curl.c")) as f:
            code = f.read()
        self.assertIn("CURLOPT_SSL_VERIFYPEER, 1L", code)
        self.assertIn("CURLOPT_SSL_VERIFYHOST, 2L", code)
        self.assertIsNone(re.search(r"VERIFY(PEER|HOST)\s*,\s*0", code))
        self.assertNotIn("getenv", code, "the transport reads no environment switch")


# ---------------------------------------------------------------------------------------
# Hostile titles

HUGE_TITLE = "長" * 20000 + "\x1b]52;c;aHVnZQ==\x07" + "A" * 40000 + "\x1b[5m\u202e" + "Z" * 100
HOSTILE_TITLES = [
    "Copy me \x1b]52;c;ZWNobyBwd25lZA==\x07 now",            # OSC 52 clipboard write (BEL)
    "Screen \x1b[2J\x1b[H\x1b]52;p;cHJpbWFyeQ==\x1b\\ wiped",  # CSI clear, OSC 52 (ST)
    "C1 \u009b31m csi \u009d0;title\u009c \u0085 nel \u0090dcs\u009c",
    "invoice \u202egpj.exe\u202c \u2066iso\u2069 \u200fmark\u061c",
    HUGE_TITLE,
    f"bytes {BAD_UTF8_MARK} end",                             # becomes invalid UTF-8 on the wire
]


class HostileTitles(RunTestCase):
    seed_args = {"bots": 8, "failing": 1, "empty_bots": 1, "conversations": 3, "suffix": "hostile"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            ddb = cls.emu.client("dynamodb")
            with_knowledge = [b for b in cls.dep.bots if b["expected"] in ("succeeded", "failed")]
            assert len(with_knowledge) >= len(HOSTILE_TITLES), "seed more bots"
            cls.hostile = {}
            for bot, title in zip(sorted(with_knowledge, key=lambda b: b["bot_id"]), HOSTILE_TITLES):
                ddb.update_item(TableName=cls.dep.table, Key={"PK": {"S": bot["pk"]}, "SK": {"S": bot["sk"]}},
                                UpdateExpression="SET Title = :t", ExpressionAttributeValues={":t": {"S": title}})
                cls.hostile[bot["bot_id"]] = title
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        super().setUp()
        # DynamoDB only stores valid UTF-8: the invalid bytes are put on the wire instead.
        self.proxy.add_rewrite("*", lambda body: body.replace(BAD_UTF8_MARK.encode(), INVALID_UTF8))

    def program_bytes(self, *args, expect=(0,)):
        argv = [*args]
        if "--journal" not in argv:
            argv += ["--journal", self.journal]
        done = run_bytes(argv, self.env())
        stderr = done.stderr.decode(errors="replace")
        if done.returncode == harness.SANITIZER_EXIT or any(m in stderr for m in harness.SANITIZER_MARKERS):
            self.fail(f"sanitizer report:\n{stderr[-5000:]}")
        self.assertIn(done.returncode, expect, stderr[-3000:])
        return done

    def test_plan_renders_titles_inert(self):
        done = self.program_bytes("plan", "--scan-table")
        text = assert_inert(self, done.stdout, "plan stdout", max_line=400)
        assert_inert(self, done.stderr, "plan stderr")
        # The titles are really there (their printable parts), not dropped wholesale.
        self.assertIn("Copy me", text)
        self.assertIn("gpj.exe", text)
        self.assertIn("長長長", text)
        self.assertIn("bytes", text)
        self.assertNotIn("ZWNobyBwd25lZA", text, "an OSC 52 payload is dropped with its sequence")

    def test_run_status_and_logs_render_titles_inert(self):
        self.start_simulator()
        done = self.program_bytes("run", "--yes", "--scan-table", "--concurrency", 4, expect=(1,))
        assert_inert(self, done.stdout, "run stdout", max_line=400)
        assert_inert(self, done.stderr, "run stderr")
        self.assertIn(b"summary:", done.stdout)
        status = self.program_bytes("status", expect=(1,))
        text = assert_inert(self, status.stdout, "status stdout", max_line=400)
        assert_inert(self, status.stderr, "status stderr")
        for bot_id in self.hostile:
            self.assertIn(bot_id, text)
        self.assert_one_task_per_bot()

    def test_json_outputs_are_valid_utf8_without_raw_controls(self):
        # --json escapes C1 and bidi characters (\\u009b, \\u202e) and replaces invalid
        # bytes, so the output is valid UTF-8 JSON and inert on a terminal.
        done = self.program_bytes("plan", "--json", "--scan-table")
        assert_inert(self, done.stdout, "plan --json stdout")
        doc = json.loads(done.stdout)
        titles = {b["bot_id"]: b["title"] for b in doc["bots"]}
        for bot_id, title in self.hostile.items():
            if BAD_UTF8_MARK not in title:
                self.assertEqual(titles[bot_id], title, "JSON keeps the title exactly, escaped")

    def test_json_outputs_never_carry_a_raw_escape(self):
        done = self.program_bytes("plan", "--json", "--scan-table")
        self.assertNotIn(b"\x1b", done.stdout)
        self.assertNotIn(b"\x07", done.stdout)
        # (One document: not split into lines, since U+0085 in a title is a line break to Python.)
        doc = json.loads(done.stdout.decode(errors="replace"))
        self.assertEqual(len(doc["bots"]), len(self.dep.bots))


if __name__ == "__main__":
    unittest.main()
