"""The test infrastructure behind verification: a real PostgreSQL started by the test run
(postgres.py) and the RDS Data API test server on it (data_api.py), driven here with
boto3's own rds-data client, so the server's wire shapes and signature checking are
held to botocore's. No program involved."""
import os
import unittest

import boto3
import botocore.exceptions
from botocore.config import Config

import data_api
import harness
import postgres

BOT = "01HBOTBOTBOTBOTBOTBOTBOT00"


class DataApiServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = postgres.available()
        if missing:   # make deps installs both; a machine without them must not pass quietly
            raise postgres.PostgresError(missing)
        cls.emu = harness.Emulator().start()
        cls.pg = postgres.Postgres()
        try:
            cls.pg.start()
            cls.db = cls.pg.create_v1_items_table()
            cls.secret = cls.emu.client("secretsmanager").create_secret(
                Name="VectorStoreSecret", SecretString='{"username":"postgres","password":"pw-never-shown"}')["ARN"]
            cls.arn = data_api.cluster_arn(cls.emu.region, cls.emu.account_id, "vectorstore")
            cls.api = data_api.DataApiServer(cls.emu).start()
            cls.api.add_cluster(cls.arn, cls.pg)
        except BaseException:
            cls.pg.stop()
            cls.emu.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.api.stop()
        cls.pg.stop()
        cls.emu.stop()

    def client(self, secret_key=None):
        session = boto3.session.Session(aws_access_key_id=self.emu.access_key,
                                        aws_secret_access_key=secret_key or self.emu.secret_key,
                                        region_name=self.emu.region)
        return session.client("rds-data", endpoint_url=self.api.endpoint,
                              config=Config(retries={"max_attempts": 1}))

    def execute(self, sql, **kw):
        return self.client().execute_statement(resourceArn=self.arn, secretArn=self.secret,
                                               database="postgres", sql=sql, **kw)

    def setUp(self):
        self.db.execute("DELETE FROM items")
        self.api.violations.clear()
        self.api.reply_violations.clear()

    def tearDown(self):
        self.assertEqual(self.api.reply_violations, [], "the server answered off the model")

    def test_typed_fields_and_parameters(self):
        self.db.execute("INSERT INTO items VALUES (:id, :b, 'c', 's', ARRAY[0.5])", {"id": "I" * 26, "b": BOT})
        reply = self.execute("SELECT botid, count(*), 1.5::float8, true, NULL::text FROM items "
                             "WHERE botid = :bot GROUP BY botid",
                             parameters=[{"name": "bot", "value": {"stringValue": BOT}}],
                             includeResultMetadata=True)
        self.assertEqual(reply["records"], [[{"stringValue": BOT}, {"longValue": 1}, {"doubleValue": 1.5},
                                             {"booleanValue": True}, {"isNull": True}]])
        self.assertEqual([c["name"] for c in reply["columnMetadata"]], ["botid", "count", "float8", "?column?", "text"])

    def test_parameter_is_never_sql(self):
        hostile = "x'; DROP TABLE items; --"
        reply = self.execute("SELECT count(*) FROM items WHERE botid = :bot",
                             parameters=[{"name": "bot", "value": {"stringValue": hostile}}])
        self.assertEqual(reply["records"], [[{"longValue": 0}]])
        self.assertEqual(self.db.execute("SELECT count(*) FROM items"), [[0]])

    def test_transaction_spans_calls(self):
        c = self.client()
        tx = c.begin_transaction(resourceArn=self.arn, secretArn=self.secret, database="postgres")["transactionId"]
        c.execute_statement(resourceArn=self.arn, secretArn=self.secret, transactionId=tx,
                            sql="INSERT INTO items (id, botid) VALUES (:id, :b)",
                            parameters=[{"name": "id", "value": {"stringValue": "T" * 26}},
                                        {"name": "b", "value": {"stringValue": BOT}}])
        self.assertEqual(self.db.counts_by_bot(), {}, "uncommitted rows are visible outside the transaction")
        self.assertEqual(c.commit_transaction(resourceArn=self.arn, secretArn=self.secret,
                                              transactionId=tx)["transactionStatus"], "Transaction Committed")
        self.assertEqual(self.db.counts_by_bot(), {BOT: 1})
        tx = c.begin_transaction(resourceArn=self.arn, secretArn=self.secret)["transactionId"]
        c.execute_statement(resourceArn=self.arn, secretArn=self.secret, transactionId=tx,
                            sql="DELETE FROM items")
        c.rollback_transaction(resourceArn=self.arn, secretArn=self.secret, transactionId=tx)
        self.assertEqual(self.db.counts_by_bot(), {BOT: 1})

    def test_batch(self):
        sets = [[{"name": "id", "value": {"stringValue": f"{i:026d}"}},
                 {"name": "b", "value": {"stringValue": BOT}}] for i in range(3)]
        reply = self.client().batch_execute_statement(resourceArn=self.arn, secretArn=self.secret,
                                                      sql="INSERT INTO items (id, botid) VALUES (:id, :b)",
                                                      parameterSets=sets)
        self.assertEqual(len(reply["updateResults"]), 3)
        self.assertEqual(self.db.counts_by_bot(), {BOT: 3})

    def test_sql_error_is_database_error(self):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.execute("SELEC 1")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "DatabaseErrorException")

    def test_wrong_signature_is_refused(self):
        before = self.api.signature_failures
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.client(secret_key=self.emu.wrong_secret()).execute_statement(
                resourceArn=self.arn, secretArn=self.secret, sql="SELECT 1")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(self.api.signature_failures, before + 1)

    def test_unknown_secret_and_cluster(self):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.client().execute_statement(resourceArn=self.arn, sql="SELECT 1",
                                            secretArn=self.secret.replace("VectorStoreSecret", "Nope"))
        self.assertEqual(ctx.exception.response["Error"]["Code"], "BadRequestException")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.client().execute_statement(resourceArn=self.arn + "x", secretArn=self.secret, sql="SELECT 1")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "BadRequestException")

    def test_resuming_then_answers(self):
        self.api.resuming_calls = 2
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                self.execute("SELECT 1")
            self.assertEqual(ctx.exception.response["Error"]["Code"], "DatabaseResumingException")
        self.assertEqual(self.execute("SELECT 1")["records"], [[{"longValue": 1}]])

    def test_reply_limit(self):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.execute("SELECT repeat('x', 1100000)")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "BadRequestException")
        self.assertIn("response size limit", ctx.exception.response["Error"]["Message"])

    def test_model_violation_is_recorded(self):
        import json
        import urllib.request
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = json.dumps({"resourceArn": self.arn, "secretArn": self.secret, "sql": "SELECT 1",
                           "parameters": [{"name": "b", "value": {"stringValue": "x", "longValue": 1}}]})
        req = AWSRequest(method="POST", url=self.api.endpoint + "/Execute", data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(self.emu.access_key, self.emu.secret_key), "rds-data", self.emu.region).add_auth(req)
        http = urllib.request.Request(req.url, data=body.encode(), method="POST", headers=dict(req.headers))
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(http, timeout=10)
        self.assertEqual(ctx.exception.code, 400)
        self.assertTrue(any("union" in v for v in self.api.violations), self.api.violations)

    def test_two_databases_side_by_side(self):
        with postgres.Postgres("snapshot") as other:
            other.create_v1_items_table().execute("INSERT INTO items (id, botid) VALUES (:i, :b)",
                                                  {"i": "S" * 26, "b": BOT})
            self.assertEqual(other.client().counts_by_bot(), {BOT: 1})
            self.assertEqual(self.db.counts_by_bot(), {})
            self.assertNotEqual(other.port, self.pg.port)


if __name__ == "__main__":
    unittest.main()
