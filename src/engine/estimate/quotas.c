/* Service Quotas readings: applied value first, AWS's default when none is applied. */
#include "engine/estimate/quotas.h"

#include "aws/client.h"
#include "aws/session.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct quota_read;

struct quota_ask {
    struct quota_read *read;
    struct quota_reading *reading;
};

struct quota_read {
    struct aws_session *session;
    quota_facts_done_fn done;
    void *ud;
    struct quota_facts facts;
    struct quota_ask asks[3];
    int pending;
};

const char *quota_source_name(enum quota_source s)
{
    switch (s) {
    case QUOTA_APPLIED: return "applied";
    case QUOTA_DEFAULT: return "default";
    case QUOTA_UNKNOWN: break;
    }
    return "unknown";
}

static void s_reading_free(struct quota_reading *r)
{
    free(r->why);
    r->why = NULL;
    message_free(&r->why_msg);
}

void quota_facts_free(struct quota_facts *f)
{
    if (!f)
        return;
    s_reading_free(&f->fargate_vcpu);
    s_reading_free(&f->bedrock_rpm);
    s_reading_free(&f->bedrock_tpm);
    memset(f, 0, sizeof *f);
}

void quota_facts_move(struct quota_facts *dst, struct quota_facts *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static cJSON *s_body(const struct quota_reading *r)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "ServiceCode", r->service_code);
    cJSON_AddStringToObject(b, "QuotaCode", r->quota_code);
    return b;
}

/* The Value of a {"Quota": {...}} reply, or -1 when it has none usable. */
static double s_value_of(const cJSON *reply)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(reply, "Quota");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, "Value");
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
        return -1;
    return v->valuedouble;
}

static void s_finish_one(struct quota_read *rd)
{
    if (--rd->pending > 0)
        return;
    rd->done(rd->ud, &rd->facts);
    quota_facts_free(&rd->facts);
    free(rd);
}

/* Why the quota is unknown (taken), with its English. */
static void s_set_why(struct quota_reading *r, struct message why)
{
    free(r->why);
    message_free(&r->why_msg);
    r->why_msg = why;
    r->why = message_english(&why);
}

static void s_unknown(struct quota_reading *r, const struct aws_response *resp,
                      const char *operation)
{
    const char *code = resp->err.code;
    if (code && (strcmp(code, "AccessDeniedException") == 0 ||
                 strcmp(code, "AccessDenied") == 0 ||
                 strcmp(code, "UnauthorizedOperation") == 0)) {
        char *permission = xasprintf("servicequotas:%s", operation);
        s_set_why(r, MESSAGE(MSG_NO_PERMISSION, MSG_S("permission", permission)));
        free(permission);
        return;
    }
    if (code && strcmp(code, "NoSuchResourceException") == 0) {
        s_set_why(r, MESSAGE(MSG_QUOTA_MISSING, MSG_S("service", r->service_code),
                             MSG_S("code", r->quota_code)));
        return;
    }
    char *why = aws_error_describe(&resp->err);
    char *call = xasprintf("Service Quotas %s", operation);
    s_set_why(r, MESSAGE(MSG_CHECK_CALL_FAILED_BARE, MSG_S("call", call), MSG_S("why", why)));
    free(call);
    free(why);
}

static void s_on_default(void *ud, struct aws_response *resp)
{
    struct quota_ask *ask = ud;
    struct quota_reading *r = ask->reading;
    double v = resp->err.kind == AWS_ERR_NONE ? s_value_of(resp->json) : -1;
    if (v >= 0) {
        r->source = QUOTA_DEFAULT;
        r->value = v;
    } else if (resp->err.kind != AWS_ERR_NONE) {
        s_unknown(r, resp, "GetAWSDefaultServiceQuota");
    } else {
        s_set_why(r, MESSAGE0(MSG_QUOTA_NO_VALUE));
    }
    s_finish_one(ask->read);
}

static void s_on_applied(void *ud, struct aws_response *resp)
{
    struct quota_ask *ask = ud;
    struct quota_reading *r = ask->reading;
    if (resp->err.kind == AWS_ERR_NONE) {
        double v = s_value_of(resp->json);
        if (v >= 0) {
            r->source = QUOTA_APPLIED;
            r->value = v;
            s_finish_one(ask->read);
            return;
        }
    } else if (resp->err.code && (strcmp(resp->err.code, "AccessDeniedException") == 0 ||
                                  strcmp(resp->err.code, "AccessDenied") == 0)) {
        /* Without GetServiceQuota the default is still worth asking for: a separate
         * permission, and better than the built-in assumption. */
    } else if (!resp->err.code || strcmp(resp->err.code, "NoSuchResourceException") != 0) {
        s_unknown(r, resp, "GetServiceQuota");
        s_finish_one(ask->read);
        return;
    }
    /* No applied value (an account never raised it): AWS's default is what applies. */
    aws_call_json(ask->read->session->client, &AWS_SVC_SERVICE_QUOTAS,
                  "GetAWSDefaultServiceQuota", s_body(r), s_on_default, ask);
}

void quota_facts_read(struct aws_session *s, quota_facts_done_fn done, void *ud)
{
    struct quota_read *rd = xcalloc(1, sizeof *rd);
    rd->session = s;
    rd->done = done;
    rd->ud = ud;
    struct quota_reading *readings[3] = {&rd->facts.fargate_vcpu, &rd->facts.bedrock_rpm,
                                         &rd->facts.bedrock_tpm};
    readings[0]->service_code = QUOTA_FARGATE_SERVICE;
    readings[0]->quota_code = QUOTA_FARGATE_VCPU;
    readings[1]->service_code = QUOTA_BEDROCK_SERVICE;
    readings[1]->quota_code = QUOTA_BEDROCK_EMBED_RPM;
    readings[2]->service_code = QUOTA_BEDROCK_SERVICE;
    readings[2]->quota_code = QUOTA_BEDROCK_EMBED_TPM;
    rd->pending = 3;
    for (int i = 0; i < 3; i++) {
        rd->asks[i].read = rd;
        rd->asks[i].reading = readings[i];
        aws_call_json(s->client, &AWS_SVC_SERVICE_QUOTAS, "GetServiceQuota", s_body(readings[i]),
                      s_on_applied, &rd->asks[i]);
    }
}

cJSON *quota_reading_to_json(const struct quota_reading *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "service_code", r->service_code ? r->service_code : "");
    cJSON_AddStringToObject(o, "quota_code", r->quota_code ? r->quota_code : "");
    cJSON_AddStringToObject(o, "source", quota_source_name(r->source));
    if (r->source == QUOTA_UNKNOWN)
        cJSON_AddNullToObject(o, "value");
    else
        cJSON_AddNumberToObject(o, "value", r->value);
    if (r->why)
        cJSON_AddStringToObject(o, "why", r->why);
    if (r->why_msg.id != MSG_NONE)
        cJSON_AddItemToObject(o, "why_message", message_to_json(&r->why_msg));
    else
        cJSON_AddNullToObject(o, "why");
    return o;
}
