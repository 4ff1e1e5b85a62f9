/* `logs BOT`: the CloudWatch Logs tail of a bot's latest task in the run. */
#include "cli/cli.h"

#include "aws/client.h"
#include "engine/run/runner.h"
#include "engine/run/task_log.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct logs_state {
    const struct app_options *o;
    bool done;
    int exit_code;
};

static void s_on_page(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct logs_state *st = ud;
    st->done = true;
    if (err) {
        char *why = aws_error_describe(err);
        const char *hint = aws_error_hint(err);
        app_error(st->o, "CloudWatch Logs GetLogEvents failed: %s%s%s", why, hint ? "; " : "",
                  hint ? hint : "");
        free(why);
        st->exit_code = EXIT_CONFIG;
        return;
    }
    if (page->no_stream) {
        app_error(st->o, "the task has no log stream: it has not written any log yet, or the log "
                         "group's retention removed it");
        st->exit_code = EXIT_CONFIG;
        return;
    }
    if (st->o->json) {
        cJSON *events = cJSON_CreateArray();
        for (size_t i = 0; i < page->n; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "timestamp", (double)page->events[i].timestamp_ms);
            cJSON_AddNumberToObject(e, "ingestionTime", (double)page->events[i].ingestion_ms);
            cJSON_AddStringToObject(e, "message", page->events[i].message);
            cJSON_AddItemToArray(events, e);
        }
        app_print_json(events);
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        time_t t = (time_t)(page->events[i].timestamp_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        const char *m = page->events[i].message;
        char *safe = sanitize_multiline(m, strlen(m), 65536);
        printf("%02d:%02d:%02d  %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, safe);
        free(safe);
    }
}

int cmd_logs(const struct app_options *o)
{
    if (o->nargs != 1) {
        fprintf(stderr, "error: logs wants one bot id: bedrock-chat-migrate logs BOT_ID [--lines N]\n");
        return EXIT_USAGE;
    }
    struct aws_session s;
    int rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    char *path = app_journal_path(o, s.region);
    struct journal_view v;
    char *error = NULL;
    if (journal_view_load(path, &v, &error) != 0) {
        if (access(path, F_OK) != 0)
            app_error(o, "no run journal at %s: the logs command reads the run's tasks from it; "
                         "name it with --journal FILE", path);
        else
            app_error(o, "%s", error ? error : "cannot read the journal");
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
        app_error(o, "bot %s is not part of run %s (journal %s); `bedrock-chat-migrate status` lists its bots",
                  o->args[0], v.run_id, path);
    } else if (!bot->task_id) {
        app_error(o, "bot %s has no task yet in run %s (state %s)", bot->bot_id, v.run_id,
                  bot_state_name(bot->state));
    } else if (!v.log_group || !*v.log_group) {
        app_error(o, "the journal does not know the task definition's log group; the task "
                     "definition has no awslogs configuration");
    } else {
        struct task_log_where where = {v.log_group, v.log_stream_prefix, v.container, bot->task_id};
        struct logs_state st = {o, false, EXIT_OK};
        /* The task definition's awslogs-region, which may differ from the run's region. */
        task_log_read(aws_session_client_for_region(&s, v.log_region), &where, NULL, o->lines,
                      s_on_page, &st);
        ev_loop_run_until(s.loop, &st.done);
        rc = st.exit_code;
    }
    journal_view_free(&v);
    free(path);
    aws_session_close(&s);
    return rc;
}
