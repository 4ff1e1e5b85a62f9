"""The snapshot copy's world, on top of seed.seed_deployment: the replaced v0 cluster's
snapshots in the emulator's RDS, the v1 cluster, and two real PostgreSQL databases behind
the Data API test server.

  * v1 cluster: the cluster DbConfigHostname names, in a DB subnet group of the stack's
    private subnets (created here unless the seed already made it);
  * v0: a cluster of the stack (CloudFormation-style identifier, stack-name tag), a manual
    final snapshot of it, then the cluster deleted; plus a snapshot of another stack's
    cluster that must never be offered;
  * "snapshot" PostgreSQL: v0-shaped rows for the bots whose last embedding succeeded
    (ULID ids from before the snapshot, realistic English and Japanese chunks, sources,
    1024-number embeddings), served for any restored cluster `bcm-copy-*` once the
    emulator has it with the Data API on; a few knowledge bots have no rows at all;
  * v1 PostgreSQL: the items table and an index on embedding (so REINDEX has something to
    rebuild), with one bot already re-embedded by the stack after the upgrade;
  * one bot created after the snapshot (its ULID time is later), absent from the snapshot.
"""
import json
import os
import random
import time

import data_api
import postgres
import seed

V0_CLUSTER = "bedrockchatstack-vectorstorecluster0a1b2c3d-q7w8e9r0t1y2"
OTHER_CLUSTER = "otherstack-vectorstorecluster99887766-zzzzzzzzzzzz"
FINAL_SNAPSHOT = "bedrockchatstack-snapshot-vectorstorecluster0a1b2c3d-1a2b3c4d5e6f"
OTHER_SNAPSHOT = "otherstack-final-snapshot"
CHUNKS_EN = [
    "Our refund policy allows returns within 30 days of purchase when the item is unused.",
    "To reset your password, open Settings, choose Security, then follow the e-mail link.",
    "The quarterly report shows revenue growth of 12% driven by the APAC region.",
    "Support hours are 9:00-18:00 JST on weekdays; urgent incidents use the on-call line.",
]
CHUNKS_JA = [
    "返品は購入後30日以内、未使用の場合に限り受け付けます。",
    "パスワードを再設定するには、設定画面のセキュリティからメールのリンクを開いてください。",
    "四半期報告書によると、売上はアジア太平洋地域を中心に12%増加しました。",
    "サポート窓口は平日9時から18時まで。緊急時はオンコール番号へご連絡ください。",
]


def _ulid(rng, ms):
    return seed._ulid(rng, ms)


def _embedding(rng):
    return [round(rng.uniform(-0.12, 0.12), 6) for _ in range(1024)]


class CopyWorld:
    def __init__(self, emu, dep, rows_per_bot=(3, 40), rng_seed=17):
        self.emu = emu
        self.dep = dep
        self.rng = random.Random(rng_seed)
        self.rows_per_bot = rows_per_bot
        self.pg_snap = None
        self.pg_v1 = None
        self.api = None
        self.snap_db = None
        self.v1_db = None

    def start(self):
        missing = postgres.available()
        if missing:
            raise postgres.PostgresError(missing)
        rds = self.emu.client("rds")
        # botocore's rds-data model bounds resourceArn and secretArn at 100 characters, and the
        # seed's CloudFormation-style names make longer ARNs (so do real stacks: a finding for
        # the Data API test server, not for the copy). The copy's tests therefore use a v1
        # cluster and secret with short names, given through --outputs FILE.
        self.v1_id = "vectorstore-v1"
        host = f"{self.v1_id}.cluster-c0py7e5t.{self.emu.region}.rds.amazonaws.com"
        secret = self.emu.client("secretsmanager").create_secret(
            Name="VectorStoreSecret", SecretString=json.dumps(
                {"engine": "postgres", "host": host, "port": 5432, "username": "postgres",
                 "password": "v1-secret-password-never-shown", "dbname": "postgres"}))["ARN"]
        outputs = dict(self.dep.outputs, DbConfigHostname=host, DbConfigSecretArn=secret)
        self.outputs_file = os.path.join(self.emu.tmpdir, "copy-outputs.txt")
        with open(self.outputs_file, "w", encoding="utf-8") as f:
            for k, v in outputs.items():
                f.write(f"{k}={v}\n")
        try:
            rds.create_db_subnet_group(DBSubnetGroupName="bedrockchatstack-vectorstore-subnets",
                                       DBSubnetGroupDescription="v1 vector store",
                                       SubnetIds=self.dep.private_subnets)
        except rds.exceptions.ClientError:
            pass
        found = []
        try:
            found = rds.describe_db_clusters(DBClusterIdentifier=self.v1_id)["DBClusters"]
        except rds.exceptions.ClientError:
            pass
        if not found:
            found = [rds.create_db_cluster(
                DBClusterIdentifier=self.v1_id, Engine="aurora-postgresql", EngineVersion="15.3",
                MasterUsername="postgres", MasterUserPassword="v1-password-unused",
                DBSubnetGroupName="bedrockchatstack-vectorstore-subnets", StorageEncrypted=True,
                ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 5})["DBCluster"]]
        self.v1_arn = found[0]["DBClusterArn"]

        # v0's cluster, its final snapshot, then the cluster gone (the v1 deploy replaced it).
        for cluster, snapshot, stack in ((V0_CLUSTER, FINAL_SNAPSHOT, self.dep.stack_name),
                                         (OTHER_CLUSTER, OTHER_SNAPSHOT, "OtherStack")):
            rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql",
                                  EngineVersion="15.2", MasterUsername="postgres",
                                  MasterUserPassword="v0-password-long-gone",
                                  Tags=[{"Key": "aws:cloudformation:stack-name", "Value": stack}])
            rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=snapshot,
                                           Tags=[{"Key": "aws:cloudformation:stack-name", "Value": stack}])
            rds.delete_db_cluster(DBClusterIdentifier=cluster, SkipFinalSnapshot=True)
        self.snapshot = rds.describe_db_cluster_snapshots(
            DBClusterSnapshotIdentifier=FINAL_SNAPSHOT)["DBClusterSnapshots"][0]
        snap_ms = int(self.snapshot["SnapshotCreateTime"].timestamp() * 1000)

        self.pg_snap = postgres.Postgres("snapshot")
        self.pg_v1 = postgres.Postgres("v1")
        self.pg_snap.start()
        self.pg_v1.start()
        self.snap_db = self.pg_snap.create_v1_items_table()
        self.v1_db = self.pg_v1.create_v1_items_table()
        self.v1_db.execute("CREATE INDEX items_embedding_idx ON items USING hash (embedding)")

        self.expect = {}   # bot id -> "copy" / "reembed" / "skip"
        self.snapshot_rows = {}
        knowledge_bots = [b for b in self.dep.bots if b["expected"] != "empty"]
        migrated = None
        for n, b in enumerate(knowledge_bots):
            if b["sync_status"] not in (None, "SUCCEEDED"):
                self.expect[b["bot_id"]] = "reembed"
                continue
            if n % 7 == 3:
                self.expect[b["bot_id"]] = "reembed"   # a knowledge bot with no rows in the snapshot
                continue
            count = self.rng.randint(*self.rows_per_bot)
            self._insert(self.snap_db, b["bot_id"], count, snap_ms)
            self.snapshot_rows[b["bot_id"]] = count
            self.expect[b["bot_id"]] = "copy"
            if migrated is None and n % 5 == 2:
                migrated = b["bot_id"]
        if migrated:
            # Edited after the upgrade: the stack re-embedded it into v1 already.
            self._insert(self.v1_db, migrated, 4, int(time.time() * 1000))
            self.expect[migrated] = "skip"
        self.migrated = migrated

        # A bot created after the snapshot: not in it.
        user = self.dep.bots[0]["user_id"]
        self.new_bot = _ulid(self.rng, snap_ms + 60_000)
        self.emu.client("dynamodb").put_item(TableName=self.dep.table, Item={
            "PK": {"S": user}, "SK": {"S": f"{user}#BOT#{self.new_bot}"},
            "Title": {"S": "作成されたばかりのボット (new)"}, "CreateTime": {"N": str(snap_ms + 60_000)},
            "LastBotUsed": {"N": str(snap_ms + 60_000)},
            "Knowledge": {"M": {"source_urls": {"L": [{"S": "https://example.com/new.html"}]},
                                "sitemap_urls": {"L": []}, "filenames": {"L": []}}},
            "SyncStatus": {"S": "SUCCEEDED"}, "SyncStatusReason": {"S": ""},
        })
        self.expect[self.new_bot] = "reembed"

        self.api = data_api.DataApiServer(self.emu).start()
        self.api.add_cluster(self.v1_arn, self.pg_v1)
        self.api.add_restored_cluster(f"arn:aws:rds:{self.emu.region}:*:cluster:bcm-copy-*", self.pg_snap)
        return self

    def _insert(self, db, bot_id, count, before_ms):
        tx = db.begin()
        for k in range(count):
            ms = before_ms - self.rng.randint(86_400_000, 200 * 86_400_000)
            text = self.rng.choice(CHUNKS_EN + CHUNKS_JA) * self.rng.randint(3, 12)
            source = self.rng.choice([f"https://example.com/docs/{bot_id}/{k}.html",
                                      f"s3://documents/{bot_id}/manual.pdf"])
            db.execute("INSERT INTO items (id, botid, content, source, embedding) "
                       "VALUES (:id, :b, :c, :s, :e)",
                       {"id": _ulid(self.rng, ms), "b": bot_id, "c": text[:1000], "s": source,
                        "e": _embedding(self.rng)}, tx=tx)
        db.commit(tx)

    def stop(self):
        for thing in (self.api, self.pg_snap, self.pg_v1):
            if thing is not None:
                try:
                    thing.stop()
                except Exception:
                    pass

    def checksums(self, db, bots):
        """(id, botid, md5(content), md5(embedding text)) per row of the given bots."""
        rows = db.execute("SELECT id, botid, md5(content), md5(embedding::text) FROM items "
                          "WHERE botid = ANY(:bots) ORDER BY id", {"bots": list(bots)})
        return [tuple(r) for r in rows]

    def env(self):
        return self.api.env()
