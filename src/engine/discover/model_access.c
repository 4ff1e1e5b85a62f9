/* Bedrock GetFoundationModelAvailability (REST-JSON, 2023-04-20) and its verdict. */
#include "engine/discover/model_access.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct access_call {
    struct aws_client *client;
    char *model_id;
    model_access_done_fn done;
    void *ud;
};

static bool s_is(const char *v, const char *want)
{
    return v && strcmp(v, want) == 0;
}

enum model_access_verdict model_access_verdict_of(const char *agreement, const char *authorization,
                                                  const char *entitlement, const char *region)
{
    if (s_is(authorization, "NOT_AUTHORIZED") || s_is(entitlement, "NOT_AVAILABLE") ||
        s_is(region, "NOT_AVAILABLE") || s_is(agreement, "ERROR"))
        return MODEL_ACCESS_NOT_ACCESSIBLE;
    if (!agreement || !authorization || !entitlement || !region)
        return MODEL_ACCESS_UNKNOWN;
    if (s_is(agreement, "PENDING"))
        return MODEL_ACCESS_PENDING;
    /* Since late 2025 Bedrock enables serverless models on their first invocation, making
     * the Marketplace agreement then when the caller may subscribe. Whether the task role
     * may is not visible from here: say so, and let the early-failure stop catch a no. */
    if (s_is(agreement, "NOT_AVAILABLE") && s_is(authorization, "AUTHORIZED") &&
        s_is(entitlement, "AVAILABLE") && s_is(region, "AVAILABLE"))
        return MODEL_ACCESS_NO_AGREEMENT;
    if (s_is(agreement, "AVAILABLE") && s_is(authorization, "AUTHORIZED") &&
        s_is(entitlement, "AVAILABLE") && s_is(region, "AVAILABLE"))
        return MODEL_ACCESS_OK;
    return MODEL_ACCESS_UNKNOWN; /* a value this program does not know yet */
}

static const char *s_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void s_on_reply(void *ud, struct aws_response *resp)
{
    struct access_call *c = ud;
    struct model_access_result r = {
        .verdict = MODEL_ACCESS_UNKNOWN,
        .model_id = c->model_id,
        .region = aws_client_region(c->client),
    };
    char *why = NULL;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *what = aws_error_describe(&resp->err);
        r.denied = aws_error_class(&resp->err) == AWS_ERROR_CLASS_PERMISSION;
        why = xasprintf("Bedrock GetFoundationModelAvailability for %s %s: %s", c->model_id,
                        r.denied ? "was refused" : "failed", what);
        free(what);
    } else {
        const cJSON *agreement = cJSON_GetObjectItemCaseSensitive(resp->json, "agreementAvailability");
        r.agreement = s_str(agreement, "status");
        r.agreement_error = s_str(agreement, "errorMessage");
        r.authorization = s_str(resp->json, "authorizationStatus");
        r.entitlement = s_str(resp->json, "entitlementAvailability");
        r.region_availability = s_str(resp->json, "regionAvailability");
        r.verdict = model_access_verdict_of(r.agreement, r.authorization, r.entitlement,
                                            r.region_availability);
        if (r.verdict == MODEL_ACCESS_UNKNOWN)
            why = xasprintf("Bedrock's answer about %s could not be read (agreement %s, authorization %s, "
                            "entitlement %s, region %s)", c->model_id, r.agreement ? r.agreement : "missing",
                            r.authorization ? r.authorization : "missing",
                            r.entitlement ? r.entitlement : "missing",
                            r.region_availability ? r.region_availability : "missing");
    }
    r.why = why;
    c->done(c->ud, &r);
    free(why);
    free(c->model_id);
    free(c);
}

void model_access_check(struct aws_client *client, const char *model_id, model_access_done_fn done,
                        void *ud)
{
    struct access_call *c = xcalloc(1, sizeof(*c));
    c->client = client;
    c->model_id = xstrdup(model_id);
    c->done = done;
    c->ud = ud;
    char *path = xasprintf("/foundation-model-availability/%s", model_id);
    aws_call_rest(client, &AWS_SVC_BEDROCK, "GetFoundationModelAvailability", "GET", path, NULL, 0, NULL,
                  0, s_on_reply, c);
    free(path);
}
