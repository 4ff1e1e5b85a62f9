"""The v1 Aurora cluster against the emulator's RDS: found from DbConfigHostname and
described (the request held against botocore's RDS model), shown by `outputs`, and a
stopped cluster stopping `run` before any RunTask with the command that starts it."""
import json

import botocore_model
from run_helpers import RunTestCase


def _checks(doc):
    return {c["id"]: c for c in doc["checks"]}


class AvailableClusterTest(RunTestCase):
    seed_args = {"bots": 3, "failing": 0, "empty_bots": 0, "conversations": 0}

    def test_outputs_describe_the_cluster(self):
        done = self.run_cli("outputs", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        doc = json.loads(done.stdout)
        check = _checks(doc)["aurora_cluster"]
        self.assertEqual(check["state"], "ok", check)
        self.assertIn(self.dep.db_cluster, check["summary"])
        self.assertIn("available", check["summary"])
        self.assertIn("Serverless v2 0.5-5 ACU", check["summary"])
        db = doc["aurora_cluster"]
        self.assertEqual(db["identifier"], self.dep.db_cluster)
        self.assertEqual(db["identified_by"], "DbConfigHostname")
        self.assertEqual(db["arn"], self.dep.db_cluster_arn)
        self.assertEqual(db["status"], "available")
        self.assertEqual(db["engine"], "aurora-postgresql")
        self.assertEqual(db["min_acu"], 0.5)
        self.assertEqual(db["max_acu"], 5)
        self.assertTrue(db["created"])

        sent = self.sent("DescribeDBClusters")
        self.assertEqual(len(sent), 1)
        self.assertEqual(botocore_model.check_request("rds", sent[0]), [])
        self.assertIn(b"DBClusterIdentifier=" + self.dep.db_cluster.encode(), sent[0].body)
        # The hostname names the cluster; the stack's resources are listed once, for the
        # release (its state machine), not to find the cluster.
        self.assertEqual(len(self.sent("ListStackResources")), 1)
        for rec in self.sent("ListStackResources"):
            self.assertEqual(botocore_model.check_request("cloudformation", rec), [])

    def test_model_checker_catches_mistakes(self):
        """The checker itself can fail: an unknown key, a missing required member, a bad enum."""
        class Rec:
            method, path, headers = "POST", "/", {}

            def __init__(self, body, headers=None):
                self.body = body
                self.headers = headers or {}
        self.assertEqual(botocore_model.check_request(
            "rds", Rec(b"Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=x")), [])
        self.assertTrue(botocore_model.check_request(
            "rds", Rec(b"Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifer=x")))
        self.assertTrue(botocore_model.check_request(
            "rds", Rec(b"Action=StartDBCluster&Version=2014-10-31")))
        self.assertTrue(botocore_model.check_request(
            "rds", Rec(b"Action=DescribeDBClusters&Version=2013-01-01&DBClusterIdentifier=x")))
        self.assertTrue(botocore_model.check_request(
            "rds", Rec(b"Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=ten")))
        ecs = {"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask",
               "Content-Type": "application/x-amz-json-1.1"}
        self.assertEqual(botocore_model.check_request(
            "ecs", Rec(json.dumps({"taskDefinition": "td", "launchType": "FARGATE"}).encode(), ecs)), [])
        self.assertTrue(botocore_model.check_request(
            "ecs", Rec(json.dumps({"taskDefinition": "td", "launchType": "SPOT"}).encode(), ecs)))
        self.assertTrue(botocore_model.check_request(
            "ecs", Rec(json.dumps({"launchType": "FARGATE"}).encode(), ecs)))


class StoppedClusterTest(RunTestCase):
    seed_args = {"bots": 4, "failing": 0, "empty_bots": 0, "conversations": 0,
                 "aurora_status": "stopped"}

    def test_run_refuses_before_any_task(self):
        done = self.run_cli("run", "--yes", "--scan-table")
        self.assert_clean_exit(done, 3)
        self.assertIn(f"Aurora cluster {self.dep.db_cluster} is stopped", done.stderr)
        self.assertIn(f"aws rds start-db-cluster --db-cluster-identifier {self.dep.db_cluster} "
                      f"--region {self.dep.region}", done.stderr)
        self.assertEqual(self.sent("RunTask"), [], "nothing may be launched against a stopped cluster")
        for rec in self.sent("DescribeDBClusters"):
            self.assertEqual(botocore_model.check_request("rds", rec), [])

    def test_outputs_fails_the_check(self):
        done = self.run_cli("outputs", "--json")
        self.assertEqual(done.returncode, 3, done.stderr)
        check = _checks(json.loads(done.stdout))["aurora_cluster"]
        self.assertEqual(check["state"], "fail")
        self.assertIn("rdbSchedules", check["hint"])


class StoppedBeforeResumeTest(RunTestCase):
    """A run left with bots to launch (--detach); the stack's rdbSchedules stops the cluster;
    the resume refuses (exit 3) before any RunTask, naming the cluster and the command that
    starts it; once the cluster is available again the same command resumes to the end."""
    seed_args = {"bots": 4, "failing": 0, "empty_bots": 0, "conversations": 0, "suffix": "resumestop"}

    def test_resume_rechecks_the_cluster_before_launching(self):
        self.start_simulator(duration=(0.3, 0.6))
        first = self.run_cli("run", "--yes", "--scan-table", "--detach", "--concurrency", 1)
        self.assert_clean_exit(first, 0)
        launched = len(self.sent("RunTask"))
        self.assertEqual(launched, 1)
        rds = self.emu.client("rds")
        rds.stop_db_cluster(DBClusterIdentifier=self.dep.db_cluster)
        try:
            resumed = self.run_cli("run", "--yes")
            self.assert_clean_exit(resumed, 3)
            self.assertIn("Resuming run", resumed.stdout)
            self.assertIn(f"Aurora cluster {self.dep.db_cluster} is stopped", resumed.stderr)
            self.assertIn(f"aws rds start-db-cluster --db-cluster-identifier {self.dep.db_cluster} "
                          f"--region {self.dep.region}", resumed.stderr)
            self.assertEqual(len(self.sent("RunTask")), launched, "no RunTask while the cluster is stopped")
            for rec in self.sent("DescribeDBClusters"):
                self.assertEqual(botocore_model.check_request("rds", rec), [])
        finally:
            rds.start_db_cluster(DBClusterIdentifier=self.dep.db_cluster)
        done = self.run_cli("run", "--yes")
        self.assert_clean_exit(done, 0)
        self.assertIn("Resuming run", done.stdout)
        self.assert_one_task_per_bot()
