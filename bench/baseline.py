#!/usr/bin/env python3
"""The migration guide's script, re-implemented faithfully as the benchmarks' baseline.

The guide (docs/DATABASE_MIGRATION, migrate_v0_v1.py) has the operator fill in six values
from the stack's outputs and then:
  1. scans the whole conversation table with FilterExpression contains(SK, "#BOT#"),
     following LastEvaluatedKey to the end;
  2. for each bot, one after the other, calls ecs.run_task on the embedding cluster
     (FARGATE, the private subnet PrivateSubnetId0, the embedding security group, no
     public IP) with the container's command overridden to
     ["-u", "embedding/main.py", '{"PK": {"S": pk}, "SK": {"S": sk}}'].
No concurrency limit, no follow-up, no journal: it prints each task's ARN and ends.

The six values are the guide's variable block; here they come from the command line so
the benchmark can point the script at a seeded emulator. The endpoint, region and keys
come from the environment exactly as boto3 reads them (AWS_ENDPOINT_URL, AWS_REGION,
AWS_ACCESS_KEY_ID, ...). With --json the last line on stdout is a summary for bench.py.
"""
import argparse
import json
import sys
import time

import boto3


def get_all_bots(dynamodb, table_name):
    """Every bot item: a full-table Scan filtered on the sort key, all pages."""
    bots, pages, scanned = [], 0, 0
    kwargs = {"TableName": table_name,
              "FilterExpression": "contains(SK, :bot)",
              "ExpressionAttributeValues": {":bot": {"S": "#BOT#"}}}
    while True:
        page = dynamodb.scan(**kwargs)
        pages += 1
        scanned += page.get("ScannedCount", 0)
        bots.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return bots, pages, scanned
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_embedding_task(ecs, cfg, bot):
    keys = {"PK": {"S": bot["PK"]["S"]}, "SK": {"S": bot["SK"]["S"]}}
    response = ecs.run_task(
        cluster=cfg.cluster,
        launchType="FARGATE",
        taskDefinition=cfg.task_definition,
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": [cfg.subnet],
            "securityGroups": [cfg.security_group],
            "assignPublicIp": "DISABLED",
        }},
        overrides={"containerOverrides": [{
            "name": cfg.container,
            "command": ["-u", "embedding/main.py", json.dumps(keys)],
        }]},
    )
    return response["tasks"][0]["taskArn"] if response.get("tasks") else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", required=True, help="TABLE_NAME (DatabaseConversationTableName…)")
    ap.add_argument("--cluster", required=True, help="CLUSTER_NAME (EmbeddingClusterName…)")
    ap.add_argument("--task-definition", required=True,
                    help="TASK_DEFINITION_NAME (EmbeddingTaskDefinitionName…)")
    ap.add_argument("--container", default="Container", help="CONTAINER_NAME")
    ap.add_argument("--subnet", required=True, help="SUBNET_ID (PrivateSubnetId0)")
    ap.add_argument("--security-group", required=True, help="SECURITY_GROUP_ID")
    ap.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    ap.add_argument("--quiet", action="store_true", help="do not print one line per task")
    ap.add_argument("--scan-only", action="store_true",
                    help="stop after the scan (to compare reading the table alone)")
    cfg = ap.parse_args(argv)

    started = time.monotonic()
    dynamodb = boto3.client("dynamodb")
    ecs = boto3.client("ecs")
    bots, pages, scanned = get_all_bots(dynamodb, cfg.table)
    scanned_at = time.monotonic()
    launched, failed = 0, 0
    for bot in [] if cfg.scan_only else bots:
        arn = run_embedding_task(ecs, cfg, bot)
        if arn:
            launched += 1
            if not cfg.quiet:
                print(f"Started ECS task for bot {bot['SK']['S']}: {arn}")
        else:
            failed += 1
            if not cfg.quiet:
                print(f"No task started for bot {bot['SK']['S']}")
    done = time.monotonic()
    if cfg.json:
        print(json.dumps({"bots": len(bots), "launched": launched, "not_launched": failed,
                          "scan_pages": pages, "items_scanned": scanned,
                          "scan_seconds": scanned_at - started, "launch_seconds": done - scanned_at,
                          "seconds": done - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
