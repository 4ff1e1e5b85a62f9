"""The v1 vector store behind a seeded deployment: a real PostgreSQL with the `items`
table (postgres.py) served through the RDS Data API test server (data_api.py) under the
deployment's cluster ARN, for test classes that verify or skip already-migrated bots.

    class VerifyTest(vector_store.VectorStoreMixin, RunTestCase):
        def test_x(self):
            self.db.execute(...)                  # the database itself
            self.run_cli("verify", "--json", **self.data_api.env())
"""
import data_api
import postgres


class VectorStoreMixin:
    pg = None
    db = None
    data_api = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            missing = postgres.available()
            if missing:   # make deps installs both; never a quiet pass without them
                raise postgres.PostgresError(missing)
            cls.pg = postgres.Postgres().start()
            cls.db = cls.pg.create_v1_items_table()
            cls.data_api = data_api.DataApiServer(cls.emu).start()
            cls.data_api.add_cluster(cls.dep.db_cluster_arn, cls.pg)
        except BaseException:
            cls._stop_store()
            super().tearDownClass()
            raise

    @classmethod
    def _stop_store(cls):
        if cls.data_api is not None:
            cls.data_api.stop()
        if cls.pg is not None:
            cls.pg.stop()

    @classmethod
    def tearDownClass(cls):
        cls._stop_store()
        super().tearDownClass()

    def assert_data_api_clean(self):
        """Every request the program sent matched botocore's rds-data model, and no SQL
        asked for row content or embeddings."""
        self.assertEqual(self.data_api.violations, [], "requests off botocore's rds-data model")
        self.assertEqual(self.data_api.signature_failures, 0)
        for sql in self.data_api.sql_sent():
            lowered = sql.lower()
            self.assertNotIn("content", lowered, sql)
            self.assertNotIn("embedding", lowered, sql)
            self.assertNotIn("*", lowered.replace("count(*)", ""), sql)
