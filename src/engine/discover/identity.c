#include "engine/discover/identity.h"

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/session.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct identity_call {
    struct aws_session *session;
    struct identity id;
    identity_done_fn done;
    void *ud;
};

void identity_free(struct identity *id)
{
    free(id->account);
    free(id->arn);
    free(id->user_id);
    free(id->credential_source);
    free(id->region);
    free(id->profile);
    memset(id, 0, sizeof(*id));
}

static void s_finish(struct identity_call *call, const char *error)
{
    call->done(call->ud, error ? NULL : &call->id, error);
    identity_free(&call->id);
    free(call);
}

static void s_on_caller(void *ud, struct aws_response *resp)
{
    struct identity_call *call = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        const char *hint = aws_error_hint(&resp->err);
        char *msg = xasprintf("STS GetCallerIdentity failed: %s%s%s", why, hint ? ". " : "",
                              hint ? hint : "");
        free(why);
        s_finish(call, msg);
        free(msg);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    call->id.account = aws_xml_text(root, "Account");
    call->id.arn = aws_xml_text(root, "Arn");
    call->id.user_id = aws_xml_text(root, "UserId");
    if (!call->id.account || !call->id.arn) {
        s_finish(call, "STS GetCallerIdentity answered without an Account or Arn; "
                       "check --endpoint-url / AWS_ENDPOINT_URL points at STS");
        return;
    }
    s_finish(call, NULL);
}

static void s_on_creds(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct identity_call *call = ud;
    if (!creds) {
        s_finish(call, error ? error : "no AWS credentials were found");
        return;
    }
    call->id.credential_source = xstrdup(creds->source ? creds->source : "unknown");
    aws_call_query(call->session->client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0,
                   s_on_caller, call);
}

void identity_fetch(struct aws_session *s, identity_done_fn done, void *ud)
{
    struct identity_call *call = xcalloc(1, sizeof(*call));
    call->session = s;
    call->done = done;
    call->ud = ud;
    call->id.region = xstrdup(s->region);
    call->id.region_source = s->region_source;
    call->id.profile = xstrdup(s->profile);
    cred_provider_get(s->creds, s_on_creds, call);
}

cJSON *identity_to_json(const struct identity *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "account", id->account ? id->account : "");
    cJSON_AddStringToObject(o, "arn", id->arn ? id->arn : "");
    cJSON_AddStringToObject(o, "user_id", id->user_id ? id->user_id : "");
    cJSON_AddStringToObject(o, "region", id->region ? id->region : "");
    cJSON_AddStringToObject(o, "region_source", id->region_source ? id->region_source : "");
    cJSON_AddStringToObject(o, "profile", id->profile ? id->profile : "");
    cJSON_AddStringToObject(o, "credential_source", id->credential_source ? id->credential_source : "");
    return o;
}
