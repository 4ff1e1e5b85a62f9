/* `status`: a run's state from its journal, without touching AWS. */
#include "cli/cli.h"

#include "engine/run/journal.h"
#include "engine/run/runner.h"
#include "engine/verify/verification.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int s_exit_for(const struct journal_view *v)
{
    for (size_t i = 0; i < v->nbots; i++)
        if (v->bots[i].state == BOT_FAILED)
            return EXIT_SOME_FAILED;
    return EXIT_OK;
}

int cmd_status(const struct app_options *o)
{
    char *path = NULL;
    int rc;
    if (o->journal) {
        path = xstrdup(o->journal);
    } else {
        /* Only for the region that names the default journal: no AWS call is made. */
        struct aws_session s;
        rc = cli_open_session(o, &s);
        if (rc)
            return rc;
        path = app_journal_path(o, s.region);
        aws_session_close(&s);
    }

    struct journal_view v;
    char *error = NULL;
    if (journal_view_load(path, &v, &error) != 0) {
        if (access(path, F_OK) != 0)
            app_error(o, "no run journal at %s: start a run with `bedrock-chat-migrate run --yes`, or "
                         "name the journal with --journal FILE", path);
        else
            app_error(o, "%s", error ? error : "cannot read the journal");
        free(error);
        free(path);
        return EXIT_CONFIG;
    }
    size_t counts[BOT_STATE_COUNT] = {0};
    for (size_t i = 0; i < v.nbots; i++)
        counts[v.bots[i].state]++;
    /* The last verification kept beside the journal, when there is one. */
    char *vpath = verification_path_for(path);
    struct verification ver;
    char *verror = NULL;
    int vloaded = verification_load(vpath, &ver, &verror);

    if (o->json) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "run_id", v.run_id);
        cJSON_AddStringToObject(out, "started_by", v.started_by ? v.started_by : "");
        cJSON_AddStringToObject(out, "journal", path);
        cJSON_AddNumberToObject(out, "total", (double)v.nbots);
        cJSON *c = cJSON_AddObjectToObject(out, "counts");
        for (int st = 0; st < BOT_STATE_COUNT; st++)
            cJSON_AddNumberToObject(c, bot_state_name((enum bot_state)st), (double)counts[st]);
        cJSON_AddNumberToObject(out, "damaged_lines", (double)v.skipped_lines);
        cJSON *bots = cJSON_AddArrayToObject(out, "bots");
        for (size_t i = 0; i < v.nbots; i++) {
            cJSON *jb = runner_bot_to_json(&v.bots[i]);
            const struct verify_row *row = vloaded == 0 ? verification_find(&ver, v.bots[i].bot_id) : NULL;
            if (row) {
                cJSON_AddStringToObject(jb, "verdict", verdict_name(row->verdict));
                cJSON_AddNumberToObject(jb, "vector_rows", (double)row->rows);
            }
            cJSON_AddItemToArray(bots, jb);
        }
        if (vloaded == 0) {
            cJSON *jv = verification_to_json(&ver);
            cJSON_DeleteItemFromObjectCaseSensitive(jv, "bots");
            cJSON_AddStringToObject(jv, "path", vpath);
            cJSON_AddItemToObject(out, "verification", jv);
        } else {
            cJSON_AddNullToObject(out, "verification");
        }
        app_print_json(out);
    } else {
        printf("Run %s (journal %s)\n", v.run_id, path);
        printf("%zu bots:", v.nbots);
        for (int st = 0; st < BOT_STATE_COUNT; st++)
            if (counts[st])
                printf(" %zu %s", counts[st], bot_state_name((enum bot_state)st));
        printf("\n");
        if (v.skipped_lines)
            printf("note: %zu damaged journal line(s) were skipped (a crash mid-write)\n", v.skipped_lines);
        printf("\n%-26s  %-12s  %-36s  %s\n", "BOT", "STATE", "TASK", "TITLE / REASON");
        for (size_t i = 0; i < v.nbots; i++) {
            const struct run_bot *b = &v.bots[i];
            char *title = sanitize_for_terminal(b->title, strlen(b->title), 4096);
            char *cut = text_truncate(title, 40);
            printf("%-26.26s  %-12s  %-36s  %s\n", b->bot_id, bot_state_name(b->state),
                   b->task_id ? b->task_id : "-", cut);
            if (b->reason) {
                char *why = sanitize_for_terminal(b->reason, strlen(b->reason), 2048);
                printf("%78s  %s\n", "", why);
                free(why);
            }
            free(cut);
            free(title);
        }
        if (counts[BOT_FAILED])
            printf("\nRetry the failed bots: bedrock-chat-migrate run --retry-failed --yes%s%s\n",
                   o->journal ? " --journal " : "", o->journal ? o->journal : "");
        if (vloaded == 0) {
            time_t t = (time_t)(ver.verified_at_ms / 1000);
            struct tm tm;
            char when[32];
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
            printf("\nLast verification %s:", when);
            for (int i = 0; i < VERDICT_COUNT; i++)
                if (ver.counts[i])
                    printf(" %zu %s,", ver.counts[i], verdict_label((enum verdict)i));
            printf(" %s\n", verification_exit_code(&ver) ? "some bots need attention (`bedrock-chat-migrate "
                                                          "verify` lists them)" : "every bot fine");
        } else if (vloaded < 0) {
            printf("\nnote: %s\n", verror);
        } else {
            printf("\nNot verified yet: `bedrock-chat-migrate verify` counts each bot's vectors in the new cluster.\n");
        }
    }
    if (vloaded == 0)
        verification_free(&ver);
    free(verror);
    free(vpath);
    rc = s_exit_for(&v);
    journal_view_free(&v);
    free(path);
    return rc;
}
