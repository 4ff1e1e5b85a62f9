/* `logs BOT`: the CloudWatch Logs tail of a bot's latest task in the run. */
#include "cli/cli.h"

#include "aws/client.h"
#include "engine/runner.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct logs_state {
    const struct cli_options *o;
    bool done;
    int exit_code;
};

static void s_on_events(void *ud, struct aws_response *resp)
{
    struct logs_state *st = ud;
    st->done = true;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        const char *hint = resp->err.code && strcmp(resp->err.code, "ResourceNotFoundException") == 0
            ? "the task has not written any log yet, or the log group's retention removed it"
            : aws_error_hint(&resp->err);
        cli_error(st->o, "CloudWatch Logs GetLogEvents failed: %s%s%s", why, hint ? "; " : "",
                  hint ? hint : "");
        free(why);
        st->exit_code = EXIT_CONFIG;
        return;
    }
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(resp->json, "events");
    if (st->o->json) {
        cli_print_json(cJSON_Duplicate(events ? events : cJSON_CreateArray(), true));
        return;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "timestamp");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
        time_t t = cJSON_IsNumber(ts) ? (time_t)(ts->valuedouble / 1000) : 0;
        struct tm tm;
        gmtime_r(&t, &tm);
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
        char *safe = sanitize_multiline(m, strlen(m), 65536);
        printf("%02d:%02d:%02d  %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, safe);
        free(safe);
    }
}

int cmd_logs(const struct cli_options *o)
{
    if (o->nargs != 1) {
        fprintf(stderr, "error: logs wants one bot id: bedrock-chat-migrate logs BOT_ID [--lines N]\n");
        return EXIT_USAGE;
    }
    struct aws_session s;
    int rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    char *path = cli_journal_path(o, s.region);
    struct journal_view v;
    char *error = NULL;
    if (journal_view_load(path, &v, &error) != 0) {
        if (access(path, F_OK) != 0)
            cli_error(o, "no run journal at %s: the logs command reads the run's tasks from it; "
                         "name it with --journal FILE", path);
        else
            cli_error(o, "%s", error ? error : "cannot read the journal");
        free(error);
        free(path);
        aws_session_close(&s);
        return EXIT_CONFIG;
    }
    const struct run_bot *bot = NULL;
    for (size_t i = 0; i < v.nbots; i++)
        if (strcmp(v.bots[i].bot_id, o->args[0]) == 0)
            bot = &v.bots[i];
    rc = EXIT_CONFIG;
    if (!bot) {
        cli_error(o, "bot %s is not part of run %s (journal %s); `bedrock-chat-migrate status` lists its bots",
                  o->args[0], v.run_id, path);
    } else if (!bot->task_id) {
        cli_error(o, "bot %s has no task yet in run %s (state %s)", bot->bot_id, v.run_id,
                  bot_state_name(bot->state));
    } else if (!v.log_group || !*v.log_group) {
        cli_error(o, "the journal does not know the task definition's log group; the task "
                     "definition has no awslogs configuration");
    } else {
        char *stream = xasprintf("%s/%s/%s", v.log_stream_prefix ? v.log_stream_prefix : "embed-task",
                                 v.container ? v.container : "Container", bot->task_id);
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "logGroupName", v.log_group);
        cJSON_AddStringToObject(body, "logStreamName", stream);
        cJSON_AddBoolToObject(body, "startFromHead", false);
        cJSON_AddNumberToObject(body, "limit", o->lines);
        free(stream);
        struct logs_state st = {o, false, EXIT_OK};
        aws_call_json(s.client, &AWS_SVC_LOGS, "GetLogEvents", body, s_on_events, &st);
        ev_loop_run_until(s.loop, &st.done);
        rc = st.exit_code;
    }
    journal_view_free(&v);
    free(path);
    aws_session_close(&s);
    return rc;
}
