/* `cleanup`: removes what copies left behind. The copy journal's unfinished run first
 * (in the order AWS allows, journaled), then anything else carrying the copy's run tag
 * in this account and region, whatever journal made it. */
#include "cli/cli.h"

#include "engine/message/message.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/leftovers.h"
#include "engine/copy/temp_cluster.h"
#include "engine/run/journal.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cleanup_cmd {
    const struct app_options *o;
    struct aws_session s;
    bool done;
    char *error;
    struct copy_leftovers *found;
};

static void s_on_progress(void *ud, const struct message *m)
{
    struct cleanup_cmd *cc = ud;
    char *text = message_english(m);
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "progress");
        cJSON_AddStringToObject(e, "text", text);
        app_print_json(e);
        free(text);
        return;
    }
    char *safe = sanitize_for_terminal(text, strlen(text), 4096);
    fprintf(stderr, "%s\n", safe);
    free(safe);
    free(text);
}

static void s_on_removed(void *ud, const char *error)
{
    struct cleanup_cmd *cc = ud;
    cc->done = true;
    if (error)
        cc->error = xstrdup(error);
}

static void s_on_found(void *ud, struct copy_leftovers *found, const char *error)
{
    struct cleanup_cmd *cc = ud;
    cc->done = true;
    cc->found = found;
    if (error)
        cc->error = xstrdup(error);
}

static bool s_may_exist(const struct copy_view *v)
{
    for (int r = 0; r < COPY_RES_N; r++)
        if (v->res[r].state != COPY_RES_NONE && v->res[r].state != COPY_RES_DELETED)
            return true;
    return false;
}

static cJSON *s_run_json(const struct copy_view *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "run_id", v->run_id ? v->run_id : "");
    cJSON *res = cJSON_AddArrayToObject(o, "resources");
    for (int r = 0; r < COPY_RES_N; r++) {
        if (v->res[r].state == COPY_RES_NONE || v->res[r].state == COPY_RES_DELETED)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "resource", copy_resource_name((enum copy_resource)r));
        cJSON_AddStringToObject(x, "name", v->res[r].name ? v->res[r].name : "");
        if (v->res[r].id)
            cJSON_AddStringToObject(x, "id", v->res[r].id);
        cJSON_AddItemToArray(res, x);
    }
    return o;
}

static void s_list(const struct cleanup_cmd *cc, const struct copy_view *v, const char *source)
{
    if (cc->o->json) {
        cJSON *e = s_run_json(v);
        cJSON_AddStringToObject(e, "event", "found");
        cJSON_AddStringToObject(e, "source", source);
        app_print_json(e);
        return;
    }
    printf("Copy run %s (%s):\n", v->run_id, source);
    for (int r = 0; r < COPY_RES_N; r++) {
        if (v->res[r].state == COPY_RES_NONE || v->res[r].state == COPY_RES_DELETED)
            continue;
        char *name = sanitize_for_terminal(v->res[r].name ? v->res[r].name : "", 
                                           v->res[r].name ? strlen(v->res[r].name) : 0, 256);
        printf("  %-26s %s\n", copy_resource_label((enum copy_resource)r), name);
        free(name);
    }
}

static int s_remove(struct cleanup_cmd *cc, struct journal *j, struct copy_view *v)
{
    cc->done = false;
    free(cc->error);
    cc->error = NULL;
    temp_cluster_remove(cc->s.client, j, v, NULL, s_on_progress, s_on_removed, cc);
    ev_loop_run_until(cc->s.loop, &cc->done);
    if (cc->error) {
        app_error(cc->o, "%s", cc->error);
        return EXIT_CONFIG;
    }
    return 0;
}

int cmd_cleanup(const struct app_options *o)
{
    struct cleanup_cmd cc;
    memset(&cc, 0, sizeof(cc));
    cc.o = o;
    int rc = cli_open_session(o, &cc.s);
    if (rc)
        return rc;
    char *run_journal = app_journal_path(o, cc.s.region);
    char *path = copy_journal_path_for(run_journal);
    free(run_journal);
    struct copy_view v;
    char *error = NULL;
    if (copy_view_load(path, &v, &error) != 0) {
        app_error(o, "%s", error ? error : "the copy journal cannot be read");
        free(error);
        free(path);
        aws_session_close(&cc.s);
        return EXIT_CONFIG;
    }
    bool journaled = v.run_id && s_may_exist(&v);

    copy_leftovers_find(cc.s.client, s_on_found, &cc);
    ev_loop_run_until(cc.s.loop, &cc.done);
    if (cc.error) {
        app_error(o, "%s", cc.error);
        rc = EXIT_CONFIG;
        goto out;
    }
    size_t nruns = journaled ? 1 : 0;
    if (journaled)
        s_list(&cc, &v, "copy journal");
    for (size_t i = 0; i < cc.found->n; i++) {
        if (journaled && strcmp(cc.found->runs[i].run_id, v.run_id) == 0)
            continue;
        s_list(&cc, &cc.found->runs[i], "tagged " COPY_TAG_RUN);
        nruns++;
    }
    if (nruns == 0) {
        if (o->json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "event", "summary");
            cJSON_AddNumberToObject(e, "removed_runs", 0);
            app_print_json(e);
        } else {
            printf("Nothing to clean up: no temporary resources of a copy in this account and region.\n");
        }
        rc = EXIT_OK;
        goto out;
    }
    if (!o->yes) {
        if (!o->json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
            printf("Delete these? Type yes to confirm: ");
            fflush(stdout);
            char line[32] = "";
            if (!fgets(line, sizeof line, stdin) || strncmp(line, "yes", 3) != 0) {
                printf("Cancelled; nothing was deleted.\n");
                rc = EXIT_USAGE;
                goto out;
            }
        } else {
            app_error(o, "not deleting without confirmation: run again with --yes to delete what is listed");
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (journaled) {
        struct journal *j = journal_open_append(path, &error);
        if (!j) {
            app_error(o, "%s", error ? error : "the copy journal cannot be opened");
            free(error);
            rc = EXIT_CONFIG;
            goto out;
        }
        rc = s_remove(&cc, j, &v);
        if (rc == 0) {
            error = NULL;
            if (copy_journal_write(j, &v, copy_rec_finished("cleaned"), &error) != 0) {
                app_error(o, "cannot write the copy journal: %s", error ? error : "write failed");
                free(error);
                rc = EXIT_CONFIG;
            }
        }
        journal_close(j);
        if (rc)
            goto out;
    }
    for (size_t i = 0; i < cc.found->n; i++) {
        if (journaled && strcmp(cc.found->runs[i].run_id, v.run_id) == 0)
            continue;
        if ((rc = s_remove(&cc, NULL, &cc.found->runs[i])))
            goto out;
    }
    if (o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "summary");
        cJSON_AddNumberToObject(e, "removed_runs", (double)nruns);
        app_print_json(e);
    } else {
        printf("Removed the temporary resources of %zu copy run(s).\n", nruns);
    }
    rc = EXIT_OK;
out:
    copy_leftovers_free(cc.found);
    copy_view_free(&v);
    free(cc.error);
    free(path);
    aws_session_close(&cc.s);
    return rc;
}
