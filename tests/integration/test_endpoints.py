"""Endpoints outside the commercial partition, FIPS and dual-stack, as botocore has them.

tests/unit/test_endpoints.c resolves every case of tests/endpoints/cases.json with
src/aws/endpoints.c; here that file is regenerated with the installed botocore and must
equal the committed one (a change in botocore's endpoint data cannot go unnoticed), and
the program's own resolution is seen end to end without anything leaving the machine:
in demo mode (BCM_DEMO_ACTIVE=1) a request to any host but the loopback emulator is
refused with the host named, so the host the program chose can be read from the error.
AWS_IGNORE_CONFIGURED_ENDPOINT_URLS makes it ignore AWS_ENDPOINT_URL* (and the
profile's endpoint_url), as the AWS CLI does.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import EmulatorTestCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GENERATOR = os.path.join(ROOT, "tests", "endpoints", "gen_cases.py")
COMMITTED = os.path.join(ROOT, "tests", "endpoints", "cases.json")


class CasesMatchBotocore(unittest.TestCase):
    def test_committed_cases_equal_regenerated(self):
        tmp = tempfile.mkdtemp(prefix="bcm-endpoints-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "cases.json")
        p = subprocess.run([sys.executable, GENERATOR, "--output", out], capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            new = json.load(f)["cases"]
        with open(COMMITTED) as f:
            old = json.load(f)["cases"]
        drift = [(a, b) for a, b in zip(old, new) if a != b]
        self.assertEqual(len(old), len(new), "the set of cases changed")
        self.assertEqual(drift[:3], [], "tests/endpoints/cases.json no longer matches botocore; "
                                        "check src/aws/endpoints.c, then run tests/endpoints/gen_cases.py")
        partitions = {c["partition"] for c in old}
        self.assertTrue({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"} <= partitions, partitions)


class ProgramChoosesTheHost(EmulatorTestCase):
    """whoami in demo mode: the refusal names the STS host the program would have used."""

    def sts_host(self, region, **env):
        overrides = {"BCM_DEMO_ACTIVE": "1", "AWS_REGION": region,
                     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
        overrides.update(env)
        done = self.cli("whoami", env_overrides=overrides)
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)
        return done.stderr

    def test_configured_endpoint_urls_can_be_ignored(self):
        err = self.sts_host("us-gov-west-1")
        self.assertIn("sts.us-gov-west-1.amazonaws.com", err)
        self.assertIn("nothing was sent", err)

    def test_fips_and_dualstack_from_the_environment(self):
        self.assertIn("sts-fips.eu-west-1.amazonaws.com",
                      self.sts_host("eu-west-1", AWS_USE_FIPS_ENDPOINT="true"))
        self.assertIn("sts.eu-west-1.api.aws", self.sts_host("eu-west-1", AWS_USE_DUALSTACK_ENDPOINT="true"))
        self.assertIn("sts.cn-north-1.amazonaws.com.cn", self.sts_host("cn-north-1"))
        self.assertIn("sts.us-iso-east-1.c2s.ic.gov", self.sts_host("us-iso-east-1"))

    def test_fips_from_the_profile(self):
        with open(self.emu.config_file, "w") as f:
            f.write("[default]\nuse_fips_endpoint = true\n")
        self.addCleanup(lambda: open(self.emu.config_file, "w").close())
        self.assertIn("sts-fips.ap-northeast-1.amazonaws.com", self.sts_host("ap-northeast-1"))

    def test_dualstack_where_the_partition_has_none_is_refused_before_any_call(self):
        err = self.sts_host("us-isob-east-1", AWS_USE_DUALSTACK_ENDPOINT="true")
        self.assertIn("no dual-stack endpoints in partition aws-iso-b", err)
        self.assertIn("AWS_USE_DUALSTACK_ENDPOINT", err)

    def test_without_the_switch_the_configured_endpoint_is_used(self):
        done = self.cli("whoami", env_overrides={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"})
        self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    unittest.main()
