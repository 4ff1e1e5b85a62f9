#!/bin/sh
# Fails if the program's source could write to the DynamoDB table. The tool reads bots and
# their SyncStatus; writing an item (above all SyncStatus=QUEUED, which makes the stack's
# EventBridge pipe launch a second embedding task) must never be possible. The integration
# tests check the requests actually sent; this check catches the code before it runs.
set -eu
cd "$(dirname "$0")/.."
bad=$(grep -rnE '"(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|ExecuteStatement|BatchExecuteStatement|ExecuteTransaction)"' src include || true)
queued=$(grep -rn 'QUEUED' src include | grep -vE '^\S+:\s*[0-9]+:\s*(/\*|\*|//)' | grep -v 'BOT_QUEUED' | grep -vE 'strn?cmp|starts_with|tr\(' || true)
status=0
if [ -n "$bad" ]; then
    echo "DynamoDB write operation named in the source:"; echo "$bad"; status=1
fi
if [ -n "$queued" ]; then
    echo "the string QUEUED appears in code (only comments, BOT_QUEUED and comparisons of a value read back may mention it):"
    echo "$queued"; status=1
fi
exit $status
