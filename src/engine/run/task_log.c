#include "engine/run/task_log.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct read_call {
    char *from_token;
    task_log_done_fn done;
    void *ud;
};

char *task_log_stream(const struct task_log_where *where)
{
    return xasprintf("%s/%s/%s", where->stream_prefix && *where->stream_prefix ? where->stream_prefix : "embed-task",
                     where->container && *where->container ? where->container : "Container",
                     where->task_id ? where->task_id : "");
}

static int64_t s_ms(const cJSON *event, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void s_on_events(void *ud, struct aws_response *resp)
{
    struct read_call *call = ud;
    struct task_log_page page;
    memset(&page, 0, sizeof(page));
    if (resp->err.kind != AWS_ERR_NONE) {
        if (aws_error_class(&resp->err) == AWS_ERROR_CLASS_NOT_FOUND) {
            page.no_stream = true;
            page.at_end = true;
            call->done(call->ud, &page, NULL);
        } else {
            call->done(call->ud, &page, &resp->err);
        }
        free(call->from_token);
        free(call);
        return;
    }
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(resp->json, "events");
    size_t cap = (size_t)cJSON_GetArraySize(events);
    page.events = cap ? xcalloc(cap, sizeof(*page.events)) : NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
        if (!cJSON_IsString(msg) || page.n >= cap)
            continue;
        struct task_log_event *out = &page.events[page.n++];
        out->timestamp_ms = s_ms(e, "timestamp");
        out->ingestion_ms = s_ms(e, "ingestionTime");
        out->message = msg->valuestring; /* borrowed for the callback */
    }
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(resp->json, "nextForwardToken");
    if (cJSON_IsString(next))
        page.next_token = next->valuestring;
    /* CloudWatch hands back the token it was given when there is nothing newer. An empty
     * page with a new token is not the end: events spread over time come after empty
     * pages in the middle of a stream. */
    page.at_end = !page.next_token ||
                  (call->from_token && strcmp(page.next_token, call->from_token) == 0);
    call->done(call->ud, &page, NULL);
    free(page.events);
    free(call->from_token);
    free(call);
}

void task_log_read(struct aws_client *client, const struct task_log_where *where,
                   const char *from_token, int limit, task_log_done_fn done, void *ud)
{
    char *stream = task_log_stream(where);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "logGroupName", where->log_group ? where->log_group : "");
    cJSON_AddStringToObject(body, "logStreamName", stream);
    free(stream);
    if (from_token) {
        cJSON_AddStringToObject(body, "nextToken", from_token);
        cJSON_AddBoolToObject(body, "startFromHead", true);
    } else {
        cJSON_AddBoolToObject(body, "startFromHead", false);
    }
    if (limit > 0)
        cJSON_AddNumberToObject(body, "limit", limit);
    struct read_call *call = xcalloc(1, sizeof(*call));
    call->from_token = from_token ? xstrdup(from_token) : NULL;
    call->done = done;
    call->ud = ud;
    aws_call_json(client, &AWS_SVC_LOGS, "GetLogEvents", body, s_on_events, call);
}
