#!/bin/sh
# Fails if the program's source could write to the DynamoDB table. The tool reads bots and
# their SyncStatus; writing an item (above all SyncStatus=QUEUED, which makes the stack's
# EventBridge pipe launch a second embedding task) must never be possible. The integration
# tests check the requests actually sent; this check catches the code before it runs.
set -eu
cd "$(dirname "$0")/.."
# The RDS Data API client (src/aws/rds_data.c) has operations named like DynamoDB's PartiQL
# writes (ExecuteStatement, BatchExecuteStatement): that one file may name them, as long as
# it never names the DynamoDB service.
bad=$(grep -rnE '"(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|ExecuteStatement|BatchExecuteStatement|ExecuteTransaction)"' src include |
      grep -v '^src/aws/rds_data\.c:' || true)
rds_dynamodb=$(grep -nE 'DYNAMODB|DynamoDB' src/aws/rds_data.c || true)
queued=$(grep -rn 'QUEUED' src include | grep -vE '^\S+:\s*[0-9]+:\s*(/\*|\*|//)' | grep -v 'BOT_QUEUED' | grep -vE 'strn?cmp|starts_with|tr\(' || true)
status=0
if [ -n "$bad" ]; then
    echo "DynamoDB write operation named in the source:"; echo "$bad"; status=1
fi
if [ -n "$rds_dynamodb" ]; then
    echo "src/aws/rds_data.c names DynamoDB (it may name ExecuteStatement only for the RDS Data API):"
    echo "$rds_dynamodb"; status=1
fi
if [ -n "$queued" ]; then
    echo "the string QUEUED appears in code (only comments, BOT_QUEUED and comparisons of a value read back may mention it):"
    echo "$queued"; status=1
fi
exit $status
