"""`whoami` against the emulator with signature checking on: every request the program
sends is re-signed by botocore inside moto, so a pass here means our SigV4 and credential
chain agree with the SDKs'."""
import json
import os
import re
import unittest

import harness

NO_ENV_KEYS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None}


def secret_fragments(secret, width=10):
    """Every `width`-character window of the secret: a partial leak counts as a leak."""
    return {secret[i:i + width] for i in range(0, len(secret) - width + 1)}


class WhoamiTest(harness.EmulatorTestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = harness.Emulator().start()
        try:
            cls.write_profiles()
        except BaseException:
            cls.emu.stop()
            raise

    @classmethod
    def write_profiles(cls):
        # "default" holds a key the emulator does not know; "x" holds the real one.
        with open(cls.emu.credentials_file, "w") as f:
            f.write(f"[default]\n"
                    f"aws_access_key_id = AKIAWRONGDEFAULT0000\n"
                    f"aws_secret_access_key = {'d' * 40}\n\n"
                    f"[x]\n"
                    f"aws_access_key_id = {cls.emu.access_key}\n"
                    f"aws_secret_access_key = {cls.emu.secret_key}\n")
        with open(cls.emu.config_file, "w") as f:
            f.write("[default]\nregion = us-east-1\n\n[profile x]\nregion = ap-northeast-1\noutput = json\n")

    def assertNoSecret(self, completed, secret=None, extra_text=""):
        secret = secret or self.emu.secret_key
        text = completed.stdout + completed.stderr + extra_text
        for fragment in secret_fragments(secret):
            self.assertNotIn(fragment, text, "a piece of the secret access key was printed")

    def assertIdentity(self, completed):
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertIn(self.emu.account_id, completed.stdout)
        self.assertIn(self.emu.user_arn, completed.stdout)
        self.assertIn(self.emu.region, completed.stdout)
        self.assertNoSecret(completed)

    def whoami_json(self, *args, **kwargs):
        completed = self.cli("whoami", "--json", *args, **kwargs)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertNoSecret(completed)
        return json.loads(completed.stdout)

    # -- credentials that work --------------------------------------------------------

    def test_environment_keys_text(self):
        completed = self.cli("whoami")
        self.assertIdentity(completed)
        self.assertRegex(completed.stdout, r"(?im)^credentials\s.*environment")
        self.assertRegex(completed.stdout, r"(?m)AWS_REGION")

    def test_environment_keys_json(self):
        doc = self.whoami_json()
        for field in ("account", "arn", "user_id", "region", "region_source", "credential_source"):
            self.assertIn(field, doc)
        self.assertEqual(doc["account"], self.emu.account_id)
        self.assertEqual(doc["arn"], self.emu.user_arn)
        self.assertTrue(doc["user_id"])
        self.assertEqual(doc["region"], self.emu.region)
        self.assertIn("AWS_REGION", doc["region_source"])
        self.assertIn("environment", doc["credential_source"])

    def test_region_flag_outranks_environment(self):
        doc = self.whoami_json("--region", "eu-west-1")
        self.assertEqual(doc["region"], "eu-west-1")
        self.assertNotIn("AWS_REGION", doc["region_source"])

    def test_profile_flag(self):
        doc = self.whoami_json("--profile", "x", env_overrides=NO_ENV_KEYS)
        self.assertEqual(doc["arn"], self.emu.user_arn)
        self.assertRegex(doc["credential_source"], r"profile\b.*\bx\b")

    def test_profile_flag_outranks_environment_keys(self):
        # As in the AWS CLI: an explicit --profile wins over keys in the environment.
        doc = self.whoami_json("--profile", "x", env_overrides={
            "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00000", "AWS_SECRET_ACCESS_KEY": "e" * 40})
        self.assertEqual(doc["arn"], self.emu.user_arn)
        self.assertRegex(doc["credential_source"], r"profile\b.*\bx\b")

    def test_aws_profile_variable(self):
        doc = self.whoami_json(env_overrides=dict(NO_ENV_KEYS, AWS_PROFILE="x"))
        self.assertEqual(doc["arn"], self.emu.user_arn)
        self.assertRegex(doc["credential_source"], r"profile\b.*\bx\b")

    def test_region_from_profile(self):
        doc = self.whoami_json("--profile", "x", env_overrides=dict(NO_ENV_KEYS, AWS_REGION=None))
        self.assertEqual(doc["region"], "ap-northeast-1")
        self.assertRegex(doc["region_source"], r"profile|config")

    # -- credentials that do not ------------------------------------------------------

    def test_wrong_secret_exits_3_and_says_why(self):
        wrong = self.emu.wrong_secret()
        completed = self.cli("whoami", env_overrides={"AWS_SECRET_ACCESS_KEY": wrong})
        self.assertEqual(completed.returncode, 3, completed.stdout + completed.stderr)
        self.assertRegex(completed.stderr, r"(?i)signature")
        self.assertRegex(completed.stderr, r"(?i)reject|does not match|refused")
        self.assertRegex(completed.stderr, r"(?i)secret access key|credentials")
        self.assertNoSecret(completed, wrong)
        self.assertNoSecret(completed)
        self.assertEqual(completed.stdout, "")

    def test_wrong_secret_json_error(self):
        wrong = self.emu.wrong_secret()
        completed = self.cli("whoami", "--json", env_overrides={"AWS_SECRET_ACCESS_KEY": wrong})
        self.assertEqual(completed.returncode, 3)
        doc = json.loads(completed.stdout)
        self.assertRegex(doc["error"], r"(?i)signature")
        self.assertNoSecret(completed, wrong)

    def test_wrong_secret_in_default_profile(self):
        completed = self.cli("whoami", env_overrides=NO_ENV_KEYS)
        self.assertEqual(completed.returncode, 3, completed.stdout + completed.stderr)
        self.assertRegex(completed.stderr, r"(?i)signature|credentials")
        self.assertNoSecret(completed, "d" * 40)

    def test_no_credentials_at_all(self):
        empty = os.path.join(self.emu.tmpdir, "empty-credentials")
        open(empty, "w").close()
        completed = self.cli("whoami", env_overrides=dict(NO_ENV_KEYS, AWS_SHARED_CREDENTIALS_FILE=empty,
                                                          AWS_CONFIG_FILE=empty), timeout=30)
        self.assertEqual(completed.returncode, 3, completed.stdout + completed.stderr)
        self.assertRegex(completed.stderr, r"(?i)no AWS credentials")
        # …and what to do about it.
        self.assertRegex(completed.stderr, r"aws configure|--profile|AWS_PROFILE")
        self.assertEqual(completed.stdout, "")

    def test_unknown_profile(self):
        completed = self.cli("whoami", "--profile", "nope", env_overrides=NO_ENV_KEYS)
        self.assertEqual(completed.returncode, 3, completed.stdout + completed.stderr)
        self.assertIn("nope", completed.stderr)

    # -- secrets stay secret ----------------------------------------------------------

    def test_debug_logs_requests_but_no_secret(self):
        for args, overrides in ((("whoami", "--debug"), {}),
                                (("whoami", "--debug", "--profile", "x"), NO_ENV_KEYS)):
            with self.subTest(args=args):
                completed = self.cli(*args, env_overrides=overrides)
                self.assertEqual(completed.returncode, 0, completed.stderr)
                # The log really is there (else the secrecy check proves nothing)…
                self.assertRegex(completed.stderr, r"(?i)POST|GetCallerIdentity|sts")
                self.assertRegex(completed.stderr, r"\b200\b")
                # …and holds neither the secret nor a full signature.
                self.assertNoSecret(completed)
                self.assertNotRegex(completed.stderr, r"Signature=[0-9a-f]{64}")

    def test_debug_file_no_secret(self):
        path = os.path.join(self.emu.tmpdir, "debug.log")
        completed = self.cli("whoami", "--debug-file", path)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        with open(path, encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertRegex(log, r"\b200\b")
        self.assertNoSecret(completed, extra_text=log)
        self.assertNotRegex(log, r"Signature=[0-9a-f]{64}")

    def test_debug_with_wrong_secret_no_secret(self):
        wrong = self.emu.wrong_secret()
        completed = self.cli("whoami", "--debug", env_overrides={"AWS_SECRET_ACCESS_KEY": wrong})
        self.assertEqual(completed.returncode, 3)
        self.assertRegex(completed.stderr, r"\b403\b")
        self.assertNoSecret(completed, wrong)


if __name__ == "__main__":
    unittest.main()
