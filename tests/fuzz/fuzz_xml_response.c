/* libFuzzer target: replies from the XML services (STS and CloudFormation over the query
 * protocol, EC2, S3 REST-XML) go through the real client (error code, message and request
 * id extraction from any of the error shapes) and then through the engine code that reads
 * them: the caller identity, and stack discovery (DescribeStacks by name, then without one) followed by
 * the deployment checks. Any bytes must end in a result or an error, never a crash, a
 * leak, a hang or a success without what it promises.
 *
 * Input: one selector byte, then reply bodies (see scripted_transport.h). */
#include "scripted_transport.h"

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/error_class.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "engine/discover/identity.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


static void s_on_call(void *ud, struct aws_response *r)
{
    struct fixture *f = ud;
    f->done = true;
    if (r->err.kind == AWS_ERR_NONE) {
        if (r->json)
            abort(); /* XML services never answer with a JSON document */
        if (r->body.len && !r->xml)
            abort(); /* a non-empty success is parsed, or it is an error */
        xmlNodePtr root = r->xml ? xmlDocGetRootElement(r->xml) : NULL;
        static const char *const names[] = {"Account", "Arn", "UserId", "StackName", "OutputValue",
                                            "subnetId", "groupId", "Key", "Size", "NextToken"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            free(aws_xml_text(root, names[i]));
    } else {
        char *why = aws_error_describe(&r->err);
        if (!why)
            abort();
        free(why);
        (void)aws_error_hint(&r->err);
        (void)aws_error_class(&r->err);
    }
}

static void s_on_identity(void *ud, const struct identity *id, const char *error)
{
    struct fixture *f = ud;
    f->done = true;
    if (!id) {
        if (!error)
            abort();
        return;
    }
    if (!id->account || !id->arn)
        abort(); /* an identity always names its account and caller */
    cJSON_Delete(identity_to_json(id));
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
    if (!dep->outputs.table || !dep->outputs.cluster || !dep->outputs.nsubnets)
        abort(); /* a resolved deployment has the outputs a run needs */
    cJSON_Delete(deployment_to_json(dep));
    for (size_t i = 0; i < dep->nchecks; i++)
        if (dep->checks[i].state == CHECK_FAIL && !dep->checks[i].hint)
            abort();
    (void)deployment_ok(dep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    struct fixture f;
    fuzz_fixture_open(&f, data + 1, size - 1);
    struct http_kv kv = {(char *)"StackName", (char *)"BedrockChatStack"};
    switch (mode % 5) {
    case 0:
        aws_call_query(f.session.client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0, s_on_call, &f);
        break;
    case 1:
        aws_call_query(f.session.client, &AWS_SVC_EC2, "DescribeSubnets", &kv, 1, s_on_call, &f);
        break;
    case 2: {
        struct http_kv q[] = {{(char *)"list-type", (char *)"2"}, {(char *)"prefix", (char *)"u/"}};
        aws_call_rest(f.session.client, &AWS_SVC_S3, "ListObjectsV2", "GET", "/docs-bucket", q, 2,
                      NULL, 0, s_on_call, &f);
        break;
    }
    case 3:
        identity_fetch(&f.session, s_on_identity, &f);
        break;
    default: {
        struct deployment_options o = {.stack = (mode & 8) ? "OtherStack" : NULL,
                                       .check_bucket = (mode & 16) != 0};
        deployment_resolve(&f.session, &o, s_on_deployment, &f);
        break;
    }
    }
    ev_loop_run_until(f.loop, &f.done);
    scripted_http_drain(&f.http);
    fuzz_fixture_close(&f);
    return 0;
}
