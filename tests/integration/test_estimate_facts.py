"""The estimate from facts read, not assumed (issue 16, items 0 and 1):

* the image pull through NAT: a seeded 2.5 GB image in the emulator's ECR and private
  subnets routed through a NAT gateway give a NAT line of bots x 2.5 GB x the region's
  price, the S3 gateway endpoint hint with its saving and the exact command; with an S3
  gateway endpoint on those route tables the line is zero;
* quotas from a fake Service Quotas server (the emulator has none for Fargate or
  Bedrock): the default concurrency follows the smallest bound, each bound's reason is
  shown, an unreadable quota is labelled assumed;
* every new request (ECR DescribeImages, EC2 DescribeRouteTables and
  DescribeVpcEndpoints, Service Quotas GetServiceQuota / GetAWSDefaultServiceQuota)
  validated against botocore's model."""
import json
import unittest

import botocore_shapes
import harness
from fake_service_quotas import FakeServiceQuotas
from fault_proxy import FaultProxy

IMAGE_BYTES = int(2.5 * 2 ** 30)
TOKYO_NAT_PER_GB = 0.062


def _plan(test, *args, env=None):
    r = test.cli("plan", "--json", *args, env_overrides=env)
    test.assertEqual(r.returncode, 0, r.stderr)
    return json.loads(r.stdout)


class NatImagePullTest(harness.EmulatorTestCase):
    seed_args = {"bots": 12, "conversations": 10, "image_bytes": IMAGE_BYTES, "nat": True}

    def test_nat_line_is_bots_times_image_times_price(self):
        j = _plan(self)
        n = j["totals"]["selected"]
        self.assertGreater(n, 5)
        pull = j["image_pull"]
        self.assertEqual(pull["read"]["image_bytes"], IMAGE_BYTES)
        self.assertEqual(pull["read"]["route"], "nat")
        self.assertTrue(pull["read"]["endpoints_checked"])
        self.assertFalse(pull["assumed"])
        expected = n * 2.5 * TOKYO_NAT_PER_GB
        self.assertAlmostEqual(pull["usd"]["low"], expected, places=6)
        self.assertAlmostEqual(pull["usd"]["high"], expected, places=6)
        self.assertAlmostEqual(j["totals"]["nat_usd"]["low"], expected, places=6)
        self.assertAlmostEqual(pull["endpoint_saving_usd"]["low"], expected, places=6)
        self.assertTrue(pull["large"])
        # The line is part of the total.
        t = j["totals"]
        self.assertAlmostEqual(t["usd"]["low"], t["fargate_usd"]["low"] + t["bedrock_usd"]["low"]
                               + t["scan_usd"] + expected, places=6)
        cmd = pull["fix_command"]
        self.assertEqual(cmd, "aws ec2 create-vpc-endpoint --region %s --vpc-id %s "
                              "--vpc-endpoint-type Gateway --service-name com.amazonaws.%s.s3 "
                              "--route-table-ids %s" % (self.dep.region, self.dep.vpc, self.dep.region,
                                                        " ".join(self.dep.route_tables)))

    def test_human_output_shows_line_and_fix_before_anything_runs(self):
        r = self.cli("plan")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Image pull: $", r.stdout)
        self.assertIn("x 2.50 GB x $0.062/GB", r.stdout)
        self.assertIn("An S3 gateway endpoint (free)", r.stdout)
        self.assertIn("aws ec2 create-vpc-endpoint --region %s --vpc-id %s" % (self.dep.region, self.dep.vpc),
                      r.stdout)

    def test_requests_match_botocore_model(self):
        with FaultProxy(int(self.emu.endpoint.rsplit(":", 1)[1])) as proxy:
            env = {"AWS_ENDPOINT_URL": proxy.url}
            _plan(self, env=env)
            seen = set()
            for rec in list(proxy.requests):
                if rec.operation == "DescribeImages":
                    self.assertIn("AmazonEC2ContainerRegistry_V20150921",
                                  rec.headers.get("X-Amz-Target", ""))
                    self.assertEqual(botocore_shapes.validate_json("ecr", "DescribeImages", rec.json()), [])
                    self.assertEqual(rec.json()["imageIds"][0]["imageTag"], self.dep.image.rsplit(":", 1)[1])
                    seen.add(rec.operation)
                elif rec.operation in ("DescribeRouteTables", "DescribeVpcEndpoints"):
                    pairs = botocore_shapes.parse_form(rec.body)
                    self.assertEqual(botocore_shapes.validate_ec2_query(rec.operation, pairs), [])
                    self.assertIn(("Filter.1.Name", "vpc-id"), pairs)
                    self.assertIn(("Filter.1.Value.1", self.dep.vpc), pairs)
                    seen.add(rec.operation)
            self.assertEqual(seen, {"DescribeImages", "DescribeRouteTables", "DescribeVpcEndpoints"})

    def test_validator_catches_a_wrong_request(self):
        # The checks above can fail: a misspelled member and a missing filter value.
        self.assertNotEqual(botocore_shapes.validate_json("ecr", "DescribeImages",
                                                          {"repository": "x"}), [])
        self.assertNotEqual(botocore_shapes.validate_ec2_query(
            "DescribeRouteTables", [("Action", "DescribeRouteTables"), ("Version", "2016-11-15"),
                                    ("Filters.1.Name", "vpc-id")]), [])


class GatewayEndpointTest(harness.EmulatorTestCase):
    seed_args = {"bots": 8, "conversations": 5, "image_bytes": IMAGE_BYTES, "nat": True,
                 "s3_endpoint": True}

    def test_line_is_zero_with_an_s3_gateway_endpoint(self):
        j = _plan(self)
        pull = j["image_pull"]
        self.assertEqual(pull["read"]["route"], "s3_gateway_endpoint")
        self.assertEqual(pull["usd"], {"low": 0, "high": 0})
        self.assertFalse(pull["large"])
        self.assertIsNone(pull["fix_command"])
        r = self.cli("plan")
        self.assertIn("Image pull: $0 through NAT (an S3 gateway endpoint carries it)", r.stdout)
        self.assertNotIn("create-vpc-endpoint", r.stdout)


class NoPermissionTest(harness.EmulatorTestCase):
    """Without ecr:DescribeImages / ec2:DescribeRouteTables / ec2:DescribeVpcEndpoints the
    line is still shown, assumed (the stack's NAT layout, a 2-3 GB image), and says why."""
    seed_args = {"bots": 6, "conversations": 5, "image_bytes": IMAGE_BYTES, "nat": True}
    emulator_args = {"policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["ecr:DescribeImages", "ec2:DescribeRouteTables",
                                      "ec2:DescribeVpcEndpoints"], "Resource": "*"}]}}

    def test_assumed_line(self):
        j = _plan(self)
        pull = j["image_pull"]
        n = j["totals"]["selected"]
        self.assertTrue(pull["assumed"])
        self.assertEqual(pull["read"]["route"], "unknown")
        self.assertIsNone(pull["read"]["image_bytes"])
        self.assertIn("ecr:DescribeImages", pull["read"]["image_bytes_why"])
        self.assertAlmostEqual(pull["usd"]["low"], n * 2 * TOKYO_NAT_PER_GB, places=6)
        self.assertAlmostEqual(pull["usd"]["high"], n * 3 * TOKYO_NAT_PER_GB, places=6)
        self.assertTrue(any("2-3 GB assumed" in a and "no permission" in a for a in j["assumptions"]),
                        j["assumptions"])


class QuotaBoundsTest(harness.EmulatorTestCase):
    seed_args = {"bots": 6, "conversations": 5}

    def setUp(self):
        self.fake = FakeServiceQuotas(self.emu.region, self.emu.access_key).start()
        self.env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": self.fake.url}

    def tearDown(self):
        self.fake.stop()
        self.assertEqual(self.fake.problems, [])

    def _bounds(self, j):
        return {b["name"]: b for b in j["concurrency_bounds"]["bounds"]}

    def test_smallest_bound_wins_with_reasons(self):
        self.fake.set("fargate", "L-3032A538", applied=40)         # 20 tasks of 2 vCPU
        self.fake.set("bedrock", "L-9E5BD0C6", default=600)        # 600 / 120 = 5 tasks
        self.fake.set("bedrock", "L-C2F86908", applied=960000)     # 960000 / 120000 = 8 tasks
        j = _plan(self, env=self.env)
        b = self._bounds(j)
        self.assertEqual(b["fargate_vcpu"]["tasks"], 20)
        self.assertFalse(b["fargate_vcpu"]["assumed"])
        self.assertIn("applied Fargate on-demand quota fargate/L-3032A538", b["fargate_vcpu"]["reason"])
        self.assertEqual(b["bedrock_requests_per_minute"]["tasks"], 5)
        self.assertIn("AWS default Bedrock quota bedrock/L-9E5BD0C6", b["bedrock_requests_per_minute"]["reason"])
        self.assertEqual(b["bedrock_tokens_per_minute"]["tasks"], 8)
        self.assertEqual(b["aurora"]["tasks"], 50)
        self.assertEqual(j["concurrency"], 5)
        self.assertEqual(j["concurrency_bounds"]["value"], 5)
        self.assertEqual(j["concurrency_why"], b["bedrock_requests_per_minute"]["reason"])
        # GetServiceQuota first; the default only where nothing is applied.
        ops = self.fake.operations()
        self.assertEqual(ops.count("GetServiceQuota"), 3)
        self.assertEqual(ops.count("GetAWSDefaultServiceQuota"), 1)
        r = self.cli("plan", env_overrides=self.env)
        self.assertIn("with 5 tasks at once (600 requests a minute", r.stdout)
        self.assertIn("Concurrency bounds (the default is the smallest):", r.stdout)
        for name in ("fargate_vcpu", "bedrock_requests_per_minute", "bedrock_tokens_per_minute", "aurora"):
            self.assertIn(name, r.stdout)

    def test_vcpu_quota_bounds_when_bedrock_is_generous(self):
        self.fake.set("fargate", "L-3032A538", applied=16)
        self.fake.set("bedrock", "L-9E5BD0C6", applied=100000)
        self.fake.set("bedrock", "L-C2F86908", applied=100000000)
        j = _plan(self, env=self.env)
        self.assertEqual(j["concurrency"], 8)
        self.assertIn("16 vCPU (applied", j["concurrency_why"])
        # --concurrency still wins, and the bounds are still reported.
        j = _plan(self, "--concurrency", "2", env=self.env)
        self.assertEqual(j["concurrency"], 2)
        self.assertEqual(j["concurrency_bounds"]["chosen_by"], "--concurrency")
        self.assertEqual(self._bounds(j)["fargate_vcpu"]["tasks"], 8)

    def test_without_permission_the_default_is_assumed_and_labelled(self):
        self.fake.deny("GetServiceQuota")
        self.fake.deny("GetAWSDefaultServiceQuota")
        j = _plan(self, env=self.env)
        b = self._bounds(j)
        self.assertEqual(j["concurrency"], 3)
        self.assertTrue(b["fargate_vcpu"]["assumed"])
        self.assertIn("assumed: no permission servicequotas:GetAWSDefaultServiceQuota", b["fargate_vcpu"]["reason"])
        self.assertIsNone(b["bedrock_requests_per_minute"]["tasks"])
        self.assertIn("was not read", b["bedrock_requests_per_minute"]["reason"])
        q = {x["quota_code"]: x for x in j["concurrency_bounds"]["quotas"]}
        self.assertEqual(q["L-3032A538"]["source"], "unknown")

    def test_default_quota_when_none_applied(self):
        self.fake.set("fargate", "L-3032A538", default=6)
        j = _plan(self, env=self.env)
        q = {x["quota_code"]: x for x in j["concurrency_bounds"]["quotas"]}
        self.assertEqual(q["L-3032A538"]["source"], "default")
        self.assertEqual(q["L-3032A538"]["value"], 6)
        self.assertEqual(j["concurrency"], 3)
        self.assertFalse(self._bounds(j)["fargate_vcpu"]["assumed"])


if __name__ == "__main__":
    unittest.main()
