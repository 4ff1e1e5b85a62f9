"""Credential sources that fetch over the network, end to end with `whoami` against the
emulator (signature checking on): a role profile (STS AssumeRole signed with the source
profile's key) and a container credentials endpoint the way AWS CloudShell provides one
(FULL_URI on loopback plus an authorization token).

moto 5.2.1 with authentication on refuses AssumeRole for every caller (boto3 included:
"is not authorized to perform: sts:AssumeRole" even under an allow-all policy), so the
role test checks that our signed AssumeRole gets that same policy refusal, which moto only
reaches after verifying the signature; a wrong source secret is refused earlier, as a bad
signature."""
import http.server
import json
import threading
import unittest

import harness

NO_ENV_KEYS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None}
ROLE_NAME = "bcm-migrator"
CONTAINER_TOKEN = "cloudshell-session-token-1"


class _ContainerEndpoint(http.server.BaseHTTPRequestHandler):
    """Hands out the emulator user's key to callers that present the token."""
    credentials = {}
    seen = []

    def do_GET(self):
        type(self).seen.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                "accept": self.headers.get("Accept")})
        if self.headers.get("Authorization") != CONTAINER_TOKEN:
            self._reply(401, {"message": "token not valid for this session"})
            return
        self._reply(200, dict(type(self).credentials, Code="Success", Type="AWS-HMAC",
                              Expiration="2099-01-01T00:00:00Z"))

    def _reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class CredentialSourcesTest(harness.EmulatorTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = harness.Emulator().start()
        cls.server = None
        try:
            cls._create_role()
            cls._write_profiles()
            _ContainerEndpoint.credentials = {"AccessKeyId": cls.emu.access_key,
                                              "SecretAccessKey": cls.emu.secret_key}
            cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ContainerEndpoint)
            threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.shutdown()
            cls.server.server_close()
        cls.emu.stop()

    @classmethod
    def _create_role(cls):
        iam = cls.emu.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{cls.emu.account_id}:root"},
            "Action": "sts:AssumeRole"}]}
        cls.role_arn = iam.create_role(RoleName=ROLE_NAME,
                                       AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

    @classmethod
    def _write_profiles(cls):
        with open(cls.emu.credentials_file, "w") as f:
            f.write(f"[base]\naws_access_key_id = {cls.emu.access_key}\n"
                    f"aws_secret_access_key = {cls.emu.secret_key}\n\n"
                    f"[wrong]\naws_access_key_id = {cls.emu.access_key}\n"
                    f"aws_secret_access_key = {'w' * 40}\n")
        with open(cls.emu.config_file, "w") as f:
            f.write(f"[profile migrate]\nrole_arn = {cls.role_arn}\nsource_profile = base\n"
                    f"role_session_name = bcm-it\nduration_seconds = 900\n\n"
                    f"[profile migrate-wrong]\nrole_arn = {cls.role_arn}\nsource_profile = wrong\n\n"
                    f"[profile loop]\nrole_arn = {cls.role_arn}\nsource_profile = loop2\n\n"
                    f"[profile loop2]\nrole_arn = {cls.role_arn}\nsource_profile = loop\n\n"
                    f"[profile empty]\nregion = {cls.emu.region}\n")

    def setUp(self):
        _ContainerEndpoint.seen = []

    def assertNoSecret(self, completed):
        text = completed.stdout + completed.stderr
        secret = self.emu.secret_key
        for i in range(len(secret) - 9):
            self.assertNotIn(secret[i:i + 10], text, "a piece of the secret access key was printed")

    def whoami(self, *args, env=None, json_output=True):
        flags = ("--json",) if json_output else ()
        completed = self.cli("whoami", *flags, *args, env_overrides=dict(NO_ENV_KEYS, **(env or {})))
        self.assertNoSecret(completed)
        return completed

    # -- assume role ------------------------------------------------------------------

    def test_role_profile_signs_assume_role_with_the_source_key(self):
        completed = self.whoami("--profile", "migrate", json_output=False)
        self.assertEqual(completed.returncode, 3, completed.stdout)
        self.assertIn(f"profile 'migrate' could not assume role {self.role_arn}", completed.stderr)
        self.assertIn("source_profile 'base'", completed.stderr)
        # The emulator's policy verdict, reached only with a valid signature.
        self.assertIn("AccessDenied", completed.stderr)
        self.assertIn(f"{self.emu.user_arn} is not authorized to perform: sts:AssumeRole", completed.stderr)
        self.assertNotIn("SignatureDoesNotMatch", completed.stderr)
        self.assertIn("trust policy", completed.stderr)

    def test_role_profile_with_a_wrong_source_secret(self):
        completed = self.whoami("--profile", "migrate-wrong", json_output=False)
        self.assertEqual(completed.returncode, 3, completed.stdout)
        self.assertIn("could not assume role", completed.stderr)
        self.assertIn("source_profile 'wrong'", completed.stderr)
        self.assertRegex(completed.stderr, r"SignatureDoesNotMatch|InvalidClientTokenId")

    def test_source_profile_loop(self):
        completed = self.whoami("--profile", "loop", json_output=False)
        self.assertEqual(completed.returncode, 3, completed.stdout)
        self.assertIn("loop -> loop2 -> loop", completed.stderr)

    # -- container endpoint (CloudShell) ------------------------------------------------

    def container_env(self, token):
        port = self.server.server_address[1]
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{port}/latest/meta-data/container/security-credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}

    def test_container_endpoint(self):
        completed = self.whoami("--profile", "empty", env=self.container_env(CONTAINER_TOKEN))
        self.assertEqual(completed.returncode, 0, completed.stderr)
        doc = json.loads(completed.stdout)
        self.assertEqual(doc["arn"], self.emu.user_arn)
        self.assertIn("container credentials", doc["credential_source"])
        self.assertEqual(_ContainerEndpoint.seen[0], {
            "path": "/latest/meta-data/container/security-credentials",
            "authorization": CONTAINER_TOKEN, "accept": "application/json"})

    def test_container_endpoint_refuses_the_token(self):
        completed = self.whoami("--profile", "empty", env=self.container_env("stale-token"),
                                json_output=False)
        self.assertEqual(completed.returncode, 3, completed.stdout)
        self.assertIn("HTTP 401", completed.stderr)
        self.assertIn("refused the authorization token", completed.stderr)
        self.assertNotIn("stale-token", completed.stderr)
        self.assertEqual(len(_ContainerEndpoint.seen), 1, "a refusal is not retried")


if __name__ == "__main__":
    unittest.main()
