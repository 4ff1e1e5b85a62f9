/* libFuzzer target: replies from the JSON-protocol services (DynamoDB, ECS, CloudWatch
 * Logs) go through the real client (status, error code and message extraction, retry
 * decision) and then through the engine code that reads them: the inventory (DescribeTable,
 * Scan pages, S3 listing) and the deployment checks (DescribeTable, DescribeClusters,
 * DescribeTaskDefinition, EC2, S3). Any bytes must end in a result or an error, never a
 * crash, a leak, a hang or a success without its document.
 *
 * Input: one selector byte, then reply bodies (see scripted_transport.h). */
#include "scripted_transport.h"

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/error_class.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A complete, valid paste, so the deployment checks (not the paste parser, which has its
 * own target) are what the replies feed. */
static const char PASTE[] =
    "{\"BedrockChatStack\": {"
    "\"ConversationTableName\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\","
    "\"EmbeddingClusterName\": \"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\","
    "\"EmbeddingTaskDefinitionName\": \"BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\","
    "\"EmbeddingTaskSecurityGroupId\": \"sg-0a1b2c3d4e5f60718\","
    "\"PrivateSubnetId0\": \"subnet-0aa11bb22cc33dd44\","
    "\"PrivateSubnetId1\": \"subnet-0ee55ff66aa77bb88\","
    "\"DocumentBucketName\": \"bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\"}}";


static void s_on_call(void *ud, struct aws_response *r)
{
    struct fixture *f = ud;
    f->done = true;
    if (r->err.kind == AWS_ERR_NONE) {
        if (!r->json)
            abort(); /* a success always carries its document */
        char *text = cJSON_PrintUnformatted(r->json);
        free(text);
    } else {
        char *why = aws_error_describe(&r->err);
        if (!why)
            abort();
        free(why);
        (void)aws_error_hint(&r->err);
        (void)aws_error_class(&r->err);
    }
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct fixture *f = ud;
    f->done = true;
    if (!inv) {
        if (!error)
            abort();
        return;
    }
    for (size_t i = 0; i < inv->nbots; i++) {
        const struct bot *b = &inv->bots[i];
        if (!b->sk || !b->bot_id || !b->pk)
            abort();
        if (inventory_find(inv, b->bot_id) == NULL)
            abort();
    }
    struct inventory mine;
    inventory_move(&mine, inv);
    inventory_free(&mine);
}

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct fixture *f = ud;
    f->done = true;
    if (!dep) {
        if (!error)
            abort();
        return;
    }
    cJSON *doc = deployment_to_json(dep);
    cJSON_Delete(doc);
    for (size_t i = 0; i < dep->nchecks; i++)
        if (dep->checks[i].state == CHECK_FAIL && !dep->checks[i].hint)
            abort(); /* a failed check always says what to do */
    (void)deployment_ok(dep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    struct fixture f;
    fuzz_fixture_open(&f, data + 1, size - 1);
    switch (mode % 4) {
    case 0:
        aws_call_json(f.session.client, &AWS_SVC_DYNAMODB, "Scan", NULL, s_on_call, &f);
        break;
    case 1:
        aws_call_json_ex(f.session.client, &AWS_SVC_ECS, "RunTask", NULL, AWS_CALL_NOT_IDEMPOTENT,
                         s_on_call, &f);
        break;
    case 2: {
        static struct deployment dep;
        memset(&dep, 0, sizeof(dep));
        dep.outputs.table = (char *)"bedrock-chat-table";
        dep.outputs.document_bucket = (char *)"docs-bucket";
        struct inventory_options o = {.force_table_scan = (mode & 4) != 0,
                                      .skip_documents = (mode & 8) != 0,
                                      .segments = 1 + ((mode >> 4) & 3),
                                      .page_limit = (mode & 64) ? 2 : 0};
        inventory_load(&f.session, &dep, &o, NULL, s_on_inventory, &f);
        break;
    }
    default: {
        struct deployment_options o = {.paste_text = PASTE, .paste_len = sizeof(PASTE) - 1,
                                       .check_bucket = (mode & 4) != 0};
        deployment_resolve(&f.session, &o, s_on_deployment, &f);
        break;
    }
    }
    ev_loop_run_until(f.loop, &f.done);
    scripted_http_drain(&f.http);
    fuzz_fixture_close(&f);
    return 0;
}
