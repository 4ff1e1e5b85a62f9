/* `copy`: the other way. v0's rows copied from its final snapshot into the v1 cluster
 * through a temporary restored cluster and the RDS Data API, bot by bot, then verified
 * and cleaned up. Journaled: run it again after any interruption to resume. */
#include "cli/cli.h"

#include "aws/client.h"
#include "aws/rds_data.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"
#include "engine/copy/copy_target.h"
#include "engine/copy/row_copy.h"
#include "engine/copy/snapshots.h"
#include "engine/copy/temp_cluster.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/run/journal.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/random.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- signals ------------------------------------------------------------------------- */

static volatile sig_atomic_t s_interrupts;
static struct ev_loop *s_signal_loop;

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_interrupts < 100)
        s_interrupts++;
    if (s_signal_loop)
        ev_loop_wakeup(s_signal_loop);
}

static void s_signals_install(struct ev_loop *loop, struct sigaction old[2])
{
    s_interrupts = 0;
    s_signal_loop = loop;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
}

static void s_signals_restore(const struct sigaction old[2])
{
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    s_signal_loop = NULL;
}

/* ---- state ---------------------------------------------------------------------------- */

struct copy_cmd {
    const struct app_options *o;
    struct aws_session s;
    char *journal_path;
    struct journal *journal;
    struct copy_view view;
    bool resuming;
    struct deployment dep;
    bool have_dep;
    struct copy_target target;
    bool have_target;
    struct copy_snapshot snap;
    bool have_snap;
    struct inventory inv;
    bool have_inv;
    struct plan plan;
    bool have_plan;
    struct row_counts snap_counts;
    struct row_counts new_counts;
    bool step_done;
    char *step_error;
    struct row_copy *copier;
    struct temp_cluster_job *job;
    struct row_copy_stats stats;
    bool stop_and_clean;      /* Ctrl-C once: stop copying, then remove the temporary resources */
};

/* Runs the loop until *done. The first Ctrl-C asks the running step to stop (it then
 * finishes on its own); a second leaves at once. */
static void s_wait(struct copy_cmd *cc, const bool *done)
{
    int seen = 0;
    while (!*done) {
        if (s_interrupts != seen) {
            seen = s_interrupts;
            if (seen >= 2) {
                if (cc->o->json) {
                    cJSON *e = cJSON_CreateObject();
                    cJSON_AddStringToObject(e, "event", "interrupted");
                    cJSON_AddBoolToObject(e, "immediate", true);
                    app_print_json(e);
                } else {
                    fprintf(stderr, "\ninterrupted again: exiting now. The copy journal %s keeps "
                                    "what exists; `bedrock-chat-migrate copy --yes` resumes, "
                                    "`bedrock-chat-migrate cleanup --yes` removes the temporary "
                                    "resources.\n",
                            cc->journal_path);
                }
                fflush(stdout);
                fflush(stderr);
                _exit(EXIT_INTERRUPTED);
            }
            if (!cc->stop_and_clean) {
                cc->stop_and_clean = true;
                if (cc->o->json) {
                    cJSON *e = cJSON_CreateObject();
                    cJSON_AddStringToObject(e, "event", "interrupted");
                    cJSON_AddBoolToObject(e, "cleaning", !cc->o->keep_temporary);
                    app_print_json(e);
                } else {
                    fprintf(stderr, "\ninterrupted: stopping after the bots in flight%s; press "
                                    "Ctrl-C again to leave at once.\n",
                            cc->o->keep_temporary ? "" : ", then removing the temporary cluster");
                }
                if (cc->copier)
                    row_copy_stop(cc->copier);
                if (cc->job)
                    temp_cluster_cancel(cc->job);
            }
        }
        ev_loop_run_once(cc->s.loop, -1);
    }
}

static void s_say(struct copy_cmd *cc, const char *event, const char *text)
{
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", event);
        cJSON_AddStringToObject(e, "text", text);
        app_print_json(e);
        return;
    }
    char *safe = sanitize_for_terminal(text, strlen(text), 4096);
    fprintf(stderr, "%s\n", safe);
    free(safe);
}

static void s_step_fail(struct copy_cmd *cc, const char *error)
{
    free(cc->step_error);
    cc->step_error = xstrdup(error ? error : "failed");
}

/* ---- resolving what to copy ----------------------------------------------------------- */

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct copy_cmd *cc = ud;
    cc->step_done = true;
    if (!dep) {
        s_step_fail(cc, error ? error : "the deployment could not be resolved");
        return;
    }
    deployment_move(&cc->dep, dep);
    cc->have_dep = true;
}

static void s_on_target(void *ud, const struct copy_target *t, const char *error)
{
    struct copy_cmd *cc = ud;
    cc->step_done = true;
    if (!t) {
        s_step_fail(cc, error);
        return;
    }
    copy_target_copy(&cc->target, t);
    cc->have_target = true;
}

static void s_on_snapshots(void *ud, const struct copy_snapshots *list, const char *error)
{
    struct copy_cmd *cc = ud;
    cc->step_done = true;
    if (!list) {
        s_step_fail(cc, error);
        return;
    }
    if (list->n == 0) {
        s_step_fail(cc, "no snapshot of the replaced v0 cluster was found for this stack (manual or "
                        "automated, Aurora PostgreSQL, not of the v1 cluster). Name one with "
                        "--snapshot ID, or re-embed with `bedrock-chat-migrate run`");
        return;
    }
    if (!cc->o->snapshot) {
        /* List them and let the operator choose: copying is not a default to guess. */
        if (cc->o->json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "event", "snapshots");
            cJSON *a = cJSON_AddArrayToObject(e, "snapshots");
            for (size_t i = 0; i < list->n; i++)
                cJSON_AddItemToArray(a, copy_snapshot_to_json(&list->items[i]));
            app_print_json(e);
        } else {
            printf("Snapshots of the replaced v0 cluster (newest first):\n");
            for (size_t i = 0; i < list->n; i++) {
                const struct copy_snapshot *s = &list->items[i];
                time_t t = (time_t)(s->created_ms / 1000);
                struct tm tm;
                gmtime_r(&t, &tm);
                char when[32];
                strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
                char *id = sanitize_for_terminal(s->id, strlen(s->id), 256);
                printf("  %-50s %s  %-9s %4d GB  %s\n", id, when, s->type ? s->type : "",
                       s->allocated_gb, s->status ? s->status : "");
                free(id);
            }
        }
        s_step_fail(cc, "choose the snapshot to copy from: bedrock-chat-migrate copy --snapshot ID --yes");
        return;
    }
    copy_snapshot_copy(&cc->snap, &list->items[0]);
    cc->have_snap = true;
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct copy_cmd *cc = ud;
    cc->step_done = true;
    if (!inv) {
        s_step_fail(cc, error ? error : "the bots could not be read");
        return;
    }
    inventory_move(&cc->inv, inv);
    cc->have_inv = true;
}

/* Runs one asynchronous step; returns 0, or an exit code after reporting. */
static int s_step(struct copy_cmd *cc, int fail_code)
{
    s_wait(cc, &cc->step_done);
    if (cc->step_error) {
        app_error(cc->o, "%s", cc->step_error);
        return fail_code;
    }
    if (cc->stop_and_clean && !cc->journal) {
        /* Nothing was created yet: nothing to clean. */
        if (!cc->o->json)
            fprintf(stderr, "interrupted: nothing was created.\n");
        return EXIT_INTERRUPTED;
    }
    return 0;
}

/* ---- preview ---------------------------------------------------------------------------- */

static void s_usd(char *out, size_t n, double lo, double hi)
{
    if (lo < 0 || hi < 0)
        snprintf(out, n, "unknown");
    else
        snprintf(out, n, "$%.2f-$%.2f", lo, hi);
}

static void s_print_preview(struct copy_cmd *cc, const struct copy_preview *p)
{
    if (cc->o->json) {
        cJSON *e = copy_preview_to_json(p);
        cJSON_AddStringToObject(e, "event", "preview");
        cJSON_AddItemToObject(e, "snapshot", copy_snapshot_to_json(&cc->snap));
        app_print_json(e);
        return;
    }
    char copy_usd[64], rest_usd[64], all_usd[64];
    s_usd(copy_usd, sizeof copy_usd, p->usd_lo, p->usd_hi);
    s_usd(rest_usd, sizeof rest_usd, p->reembed_rest_usd_lo, p->reembed_rest_usd_hi);
    s_usd(all_usd, sizeof all_usd, p->reembed_all_usd_lo, p->reembed_all_usd_hi);
    char *snap = sanitize_for_terminal(cc->snap.id, strlen(cc->snap.id), 256);
    printf("Copy from snapshot %s (%d GB)\n", snap, cc->snap.allocated_gb);
    free(snap);
    printf("  %-34s %-28s %s\n", "", "re-embed every bot", "copy from the snapshot");
    printf("  %-34s %-28s %s (+ %zu bots re-embedded: %s)\n", "cost", all_usd, copy_usd,
           p->nreembed, rest_usd);
    printf("  %-34s %.0f-%.0f min%-18s %.0f-%.0f min\n", "time", p->reembed_all_wall_lo / 60,
           p->reembed_all_wall_hi / 60, "", p->hours_lo * 60, p->hours_hi * 60);
    printf("  %-34s %-28s %lld-%lld rows, %llu-%llu Data API requests, %.1f-%.1f ACU-hours\n",
           "work", "Fargate tasks + Bedrock", (long long)p->rows_lo, (long long)p->rows_hi,
           (unsigned long long)p->requests_lo, (unsigned long long)p->requests_hi, p->acu_hours_lo,
           p->acu_hours_hi);
    printf("Bots: %zu to copy, %zu to re-embed, %zu skipped\n", p->ncopy, p->nreembed, p->nskip);
    for (size_t i = 0; i < p->nbots; i++) {
        const struct copy_bot_way *w = &p->bots[i];
        if (w->way == COPY_WAY_COPY)
            continue;
        const char *title = w->bot->title ? w->bot->title : "";
        char *t = sanitize_for_terminal(title, strlen(title), 40);
        printf("  %-8s %s  %-40s %s\n", copy_way_name(w->way), w->bot->bot_id, t, w->reason ? w->reason : "");
        free(t);
    }
    printf("Assumptions:\n");
    for (size_t i = 0; i < p->nassumptions; i++)
        printf("  - %s\n", p->assumptions[i]);
    fflush(stdout);
}

static bool s_can_prompt(void)
{
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

static int s_confirm(struct copy_cmd *cc)
{
    if (cc->o->yes)
        return EXIT_OK;
    if (!s_can_prompt() || cc->o->json) {
        app_error(cc->o, "not copying without confirmation: review the preview, then run again with --yes");
        return EXIT_USAGE;
    }
    printf("Restore a temporary cluster and copy? Type yes to confirm: ");
    fflush(stdout);
    char line[32] = "";
    if (!fgets(line, sizeof line, stdin) || strncmp(line, "yes", 3) != 0 || s_interrupts) {
        printf("Cancelled; nothing was created.\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- the temporary cluster -------------------------------------------------------------- */

static void s_on_progress(void *ud, const char *text)
{
    s_say(ud, "progress", text);
}

static void s_on_temp_done(void *ud, const char *error)
{
    struct copy_cmd *cc = ud;
    cc->job = NULL;
    cc->step_done = true;
    if (error)
        s_step_fail(cc, error);
}

static int s_journal(struct copy_cmd *cc, cJSON *rec)
{
    char *error = NULL;
    if (copy_journal_write(cc->journal, &cc->view, rec, &error) != 0) {
        app_error(cc->o, "cannot write the copy journal %s (%s); stopped before acting. Free disk "
                         "space or fix permissions, then run again to resume",
                  cc->journal_path, error ? error : "write failed");
        free(error);
        return EXIT_CONFIG;
    }
    return 0;
}

struct counts_wait {
    struct copy_cmd *cc;
    struct row_counts *out;
};

static void s_on_counts_step(void *ud, const struct row_counts *counts, const char *error)
{
    struct counts_wait *w = ud;
    w->cc->step_done = true;
    if (!counts) {
        s_step_fail(w->cc, error);
        return;
    }
    row_counts_copy(w->out, counts);
}

static int s_read_counts(struct copy_cmd *cc, const struct rds_data_target *t, struct row_counts *out)
{
    row_counts_free(out);
    struct counts_wait w = {cc, out};
    cc->step_done = false;
    row_counts_read(cc->s.client, t, NULL, s_on_counts_step, &w);
    s_wait(cc, &cc->step_done);
    if (cc->step_error) {
        app_error(cc->o, "%s", cc->step_error);
        return EXIT_CONFIG;
    }
    return 0;
}

/* ---- the rows ---------------------------------------------------------------------------- */

static void s_on_bot_progress(void *ud, const char *bot_id, int64_t rows_done, int64_t rows_total,
                              uint64_t bytes_done, bool finished)
{
    struct copy_cmd *cc = ud;
    if (!finished && rows_done != 0)
        return; /* start and end of each bot; the dashboard shows more */
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "bot");
        cJSON_AddStringToObject(e, "bot_id", bot_id);
        cJSON_AddStringToObject(e, "state", finished ? (rows_total < 0 ? "failed" : "copied") : "copying");
        cJSON_AddNumberToObject(e, "rows", (double)rows_done);
        cJSON_AddNumberToObject(e, "rows_total", (double)rows_total);
        cJSON_AddNumberToObject(e, "bytes", (double)bytes_done);
        app_print_json(e);
    } else if (finished) {
        fprintf(stderr, "  %s  %s %lld rows (%.1f MB)\n", bot_id, rows_total < 0 ? "FAILED after" : "copied",
                (long long)rows_done, (double)bytes_done / 1e6);
    }
}

static void s_on_copy_message(void *ud, const char *text)
{
    s_say(ud, "message", text);
}

static void s_on_rows_done(void *ud, const char *error, const struct row_copy_stats *stats)
{
    struct copy_cmd *cc = ud;
    cc->copier = NULL;
    cc->step_done = true;
    cc->stats = *stats;
    cc->stats.index_name = stats->index_name ? xstrdup(stats->index_name) : NULL;
    if (error)
        s_step_fail(cc, error);
}

/* ---- the whole command -------------------------------------------------------------------- */

static int s_open_journal(struct copy_cmd *cc)
{
    char *error = NULL;
    cc->journal = journal_open_append(cc->journal_path, &error);
    if (!cc->journal) {
        app_error(cc->o, "%s", error ? error : "the copy journal could not be opened");
        free(error);
        return EXIT_CONFIG;
    }
    return 0;
}

static char *s_new_run_id(void)
{
    unsigned char rnd[4];
    random_fill(rnd, sizeof rnd);
    return xasprintf("%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
}

static int s_decide_bots(struct copy_cmd *cc)
{
    struct copy_row_count *snap = xcalloc(cc->snap_counts.n + 1, sizeof(*snap));
    struct copy_row_count *fresh = xcalloc(cc->new_counts.n + 1, sizeof(*fresh));
    for (size_t i = 0; i < cc->snap_counts.n; i++)
        snap[i] = (struct copy_row_count){cc->snap_counts.items[i].bot_id, cc->snap_counts.items[i].rows};
    for (size_t i = 0; i < cc->new_counts.n; i++)
        fresh[i] = (struct copy_row_count){cc->new_counts.items[i].bot_id, cc->new_counts.items[i].rows};
    struct copy_preview_options po = {
        .concurrency = cc->o->concurrency, .region = cc->s.region,
        .new_rows = fresh, .n_new_rows = cc->new_counts.n,
        .snapshot_rows = snap, .n_snapshot_rows = cc->snap_counts.n,
    };
    struct copy_preview p;
    copy_preview_build(&cc->plan, &cc->snap, &po, &p);
    int rc = 0;
    for (size_t i = 0; i < p.nbots && rc == 0; i++) {
        const struct copy_bot_way *w = &p.bots[i];
        if (copy_view_bot(&cc->view, w->bot->bot_id))
            continue; /* decided by an earlier attempt of this run: kept */
        int64_t rows = row_counts_get(&cc->snap_counts, w->bot->bot_id);
        rc = s_journal(cc, copy_rec_bot("bot", w->bot->bot_id, copy_way_name(w->way), w->reason,
                                        w->way == COPY_WAY_COPY ? rows : -1));
    }
    copy_preview_free(&p);
    free(snap);
    free(fresh);
    return rc;
}

/* Per-bot counts in the new cluster equal the snapshot's for every copied bot. */
static int s_verify(struct copy_cmd *cc, const struct rds_data_target *v1, size_t *mismatches)
{
    *mismatches = 0;
    int rc = s_read_counts(cc, v1, &cc->new_counts);
    if (rc)
        return rc;
    for (size_t i = 0; i < cc->view.nbots; i++) {
        const struct copy_bot_entry *b = &cc->view.bots[i];
        if (!b->way || strcmp(b->way, "copy") != 0)
            continue;
        int64_t want = row_counts_get(&cc->snap_counts, b->bot_id);
        int64_t got = row_counts_get(&cc->new_counts, b->bot_id);
        if (want < 0)
            want = 0;
        if (got < 0)
            got = 0;
        if (want != got) {
            (*mismatches)++;
            char *msg = xasprintf("bot %s: %lld rows in the snapshot, %lld in the new cluster",
                                  b->bot_id, (long long)want, (long long)got);
            s_say(cc, "mismatch", msg);
            free(msg);
        }
    }
    return 0;
}

static int s_remove_temporary(struct copy_cmd *cc)
{
    struct temp_cluster_options to = {0};
    cc->step_done = false;
    free(cc->step_error);
    cc->step_error = NULL;
    bool was_stopping = cc->stop_and_clean;
    cc->job = temp_cluster_remove(cc->s.client, cc->journal, &cc->view, &to, s_on_progress,
                                  s_on_temp_done, cc);
    /* The removal itself is what a first Ctrl-C asked for: do not cancel it. */
    cc->stop_and_clean = true;
    s_wait(cc, &cc->step_done);
    cc->stop_and_clean = was_stopping;
    if (cc->step_error) {
        app_error(cc->o, "%s", cc->step_error);
        return EXIT_CONFIG;
    }
    return 0;
}

static void s_print_summary(struct copy_cmd *cc, size_t mismatches, bool removed)
{
    size_t copied = 0, reembed = 0, skipped = 0;
    for (size_t i = 0; i < cc->view.nbots; i++) {
        const struct copy_bot_entry *b = &cc->view.bots[i];
        if (b->way && strcmp(b->way, "copy") == 0)
            copied++;
        else if (b->way && strcmp(b->way, "reembed") == 0)
            reembed++;
        else
            skipped++;
    }
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "summary");
        cJSON_AddStringToObject(e, "run_id", cc->view.run_id);
        cJSON_AddNumberToObject(e, "copied_bots", (double)copied);
        cJSON_AddNumberToObject(e, "mismatches", (double)mismatches);
        cJSON_AddNumberToObject(e, "rows_copied_now", (double)cc->stats.rows);
        cJSON_AddBoolToObject(e, "reindexed", cc->view.reindexed);
        cJSON_AddBoolToObject(e, "temporary_removed", removed);
        cJSON *re = cJSON_AddArrayToObject(e, "reembed");
        cJSON *sk = cJSON_AddArrayToObject(e, "skipped");
        for (size_t i = 0; i < cc->view.nbots; i++) {
            const struct copy_bot_entry *b = &cc->view.bots[i];
            if (b->way && strcmp(b->way, "copy") == 0)
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "bot_id", b->bot_id);
            cJSON_AddStringToObject(o, "reason", b->reason ? b->reason : "");
            cJSON_AddItemToArray(b->way && strcmp(b->way, "reembed") == 0 ? re : sk, o);
        }
        cJSON_AddStringToObject(e, "journal", cc->journal_path);
        app_print_json(e);
        return;
    }
    printf("Copied %zu bot(s) from snapshot %s: %s.\n", copied, cc->view.snapshot_id,
           mismatches ? "row counts DIFFER (see above)" : "row counts per bot verified equal");
    if (reembed) {
        printf("To re-embed (%zu): `bedrock-chat-migrate run --bots ID,... --yes` for:\n", reembed);
        for (size_t i = 0; i < cc->view.nbots; i++) {
            const struct copy_bot_entry *b = &cc->view.bots[i];
            if (b->way && strcmp(b->way, "reembed") == 0)
                printf("  %s  %s\n", b->bot_id, b->reason ? b->reason : "");
        }
    }
    if (skipped)
        printf("Skipped: %zu bot(s).\n", skipped);
    printf("The DynamoDB table was not written: bots keep their SyncStatus.\n");
    printf(removed ? "The temporary cluster, instance, security group and secret are deleted.\n"
                   : "The temporary cluster is kept (--keep-temporary): `bedrock-chat-migrate cleanup --yes` removes it.\n");
}

/* No bot goes the copy way: nothing is created, and the run ends here. */
static void s_print_nothing_to_copy(struct copy_cmd *cc, const struct copy_preview *p)
{
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "summary");
        cJSON_AddNullToObject(e, "run_id");
        cJSON_AddBoolToObject(e, "nothing_to_copy", true);
        cJSON_AddNumberToObject(e, "copied_bots", 0);
        cJSON_AddNumberToObject(e, "mismatches", 0);
        cJSON_AddNumberToObject(e, "rows_copied_now", 0);
        cJSON_AddBoolToObject(e, "reindexed", false);
        cJSON_AddBoolToObject(e, "temporary_removed", false);
        cJSON *re = cJSON_AddArrayToObject(e, "reembed");
        cJSON *sk = cJSON_AddArrayToObject(e, "skipped");
        for (size_t i = 0; i < p->nbots; i++) {
            const struct copy_bot_way *w = &p->bots[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "bot_id", w->bot->bot_id);
            cJSON_AddStringToObject(o, "reason", w->reason ? w->reason : "");
            cJSON_AddItemToArray(w->way == COPY_WAY_REEMBED ? re : sk, o);
        }
        cJSON_AddStringToObject(e, "journal", cc->journal_path);
        app_print_json(e);
        return;
    }
    printf("Nothing to copy: no selected bot has rows in the snapshot that the new cluster lacks "
           "(%zu to re-embed, %zu skipped). No temporary cluster was created.\n",
           p->nreembed, p->nskip);
    if (p->nreembed)
        printf("Re-embed the others with `bedrock-chat-migrate run --bots ID,... --yes`.\n");
}

static int s_run(struct copy_cmd *cc)
{
    const struct app_options *o = cc->o;
    int rc;
    char *error = NULL;
    if (copy_view_load(cc->journal_path, &cc->view, &error) != 0) {
        app_error(o, "%s", error ? error : "the copy journal cannot be read");
        free(error);
        return EXIT_CONFIG;
    }
    bool unfinished = cc->view.run_id && !cc->view.finished;
    if (unfinished && o->new_run) {
        app_error(o, "the copy journal %s holds an unfinished copy (run %s) whose temporary resources may "
                     "still exist: `bedrock-chat-migrate cleanup --yes` first, then start a new copy",
                  cc->journal_path, cc->view.run_id);
        return EXIT_USAGE;
    }
    cc->resuming = unfinished;
    if (cc->resuming && o->snapshot && strcmp(o->snapshot, cc->view.snapshot_id) != 0 &&
        strcmp(o->snapshot, cc->view.snapshot_arn ? cc->view.snapshot_arn : "") != 0) {
        app_error(o, "the copy journal %s holds an unfinished copy from snapshot %s, not %s: run "
                     "`bedrock-chat-migrate copy --yes` to finish it, or `cleanup --yes` to abandon it",
                  cc->journal_path, cc->view.snapshot_id, o->snapshot);
        return EXIT_USAGE;
    }

    struct deployment_options dopts = {.stack = o->stack, .outputs_file = o->outputs_file};
    cc->step_done = false;
    deployment_resolve(&cc->s, &dopts, s_on_deployment, cc);
    if ((rc = s_step(cc, EXIT_CONFIG)))
        return rc;
    const struct stack_outputs *out = &cc->dep.outputs;
    char *v1_id = aurora_cluster_id_from_hostname(out->db_hostname);
    if (!out->db_secret_arn || !v1_id) {
        free(v1_id);
        app_error(o, "the stack outputs lack DbConfigSecretArn or DbConfigHostname: the copy writes "
                     "into the v1 cluster through the Data API and needs both (v1.0.0 and later have them)");
        return EXIT_CONFIG;
    }
    cc->step_done = false;
    copy_target_find(cc->s.client, v1_id, s_on_target, cc);
    free(v1_id);
    if ((rc = s_step(cc, EXIT_CONFIG)))
        return rc;

    if (cc->resuming) {
        cc->snap.id = xstrdup(cc->view.snapshot_id ? cc->view.snapshot_id : "");
        cc->snap.arn = xstrdup(cc->view.snapshot_arn ? cc->view.snapshot_arn : "");
        cc->snap.created_ms = cc->view.snapshot_created_ms;
        cc->have_snap = true;
    } else {
        struct copy_snapshot_query q = {o->stack, cc->target.cluster_id, o->snapshot};
        cc->step_done = false;
        copy_snapshots_find(cc->s.client, &q, s_on_snapshots, cc);
        if ((rc = s_step(cc, o->snapshot ? EXIT_CONFIG : EXIT_USAGE)))
            return rc;
        if (cc->snap.status && strcmp(cc->snap.status, "available") != 0) {
            app_error(o, "snapshot %s is %s, not available: wait until it is, then run again",
                      cc->snap.id, cc->snap.status);
            return EXIT_CONFIG;
        }
    }

    struct inventory_options iopts = {.force_table_scan = o->scan_table};
    cc->step_done = false;
    inventory_load(&cc->s, &cc->dep, &iopts, NULL, s_on_inventory, cc);
    if ((rc = s_step(cc, EXIT_CONFIG)))
        return rc;
    struct plan_options popts = {
        .include_empty = o->include_empty, .bots_csv = o->bots, .exclude_csv = o->exclude,
        .region = cc->s.region, .prices_file = o->prices_file,
    };
    if (plan_build(&cc->inv, &cc->dep, &popts, &cc->plan, &error) != 0) {
        app_error(o, "%s", error ? error : "the bots could not be selected");
        free(error);
        return EXIT_USAGE;
    }
    cc->have_plan = true;

    /* The v1 cluster's rows per bot, before anything is created: a bot that already has
     * vectors there is not copied, and a copy with nothing left to copy restores nothing
     * (another `copy` after a finished one, or after a kill that came once it had
     * finished, must not make a second temporary cluster). */
    struct rds_data_target v1_early = {cc->target.cluster_arn, out->db_secret_arn, "postgres"};
    if ((rc = s_read_counts(cc, &v1_early, &cc->new_counts)))
        return rc;
    struct copy_row_count *fresh = xcalloc(cc->new_counts.n + 1, sizeof(*fresh));
    for (size_t i = 0; i < cc->new_counts.n; i++)
        fresh[i] = (struct copy_row_count){cc->new_counts.items[i].bot_id, cc->new_counts.items[i].rows};
    /* What a finished copy of the same snapshot in this journal learnt of its rows: a bot
     * it copied had that many, a bot it found empty had none. Another copy then restores
     * only for bots whose rows it does not know yet. */
    struct copy_row_count *known = xcalloc(cc->view.nbots + 1, sizeof(*known));
    size_t nknown = 0;
    if (!cc->resuming && cc->view.finished && cc->view.snapshot_id &&
        (strcmp(cc->view.snapshot_id, cc->snap.id) == 0 ||
         (cc->view.snapshot_arn && cc->snap.arn && strcmp(cc->view.snapshot_arn, cc->snap.arn) == 0))) {
        for (size_t i = 0; i < cc->view.nbots; i++) {
            const struct copy_bot_entry *b = &cc->view.bots[i];
            if (b->way && strcmp(b->way, "copy") == 0 && b->rows >= 0)
                known[nknown++] = (struct copy_row_count){b->bot_id, b->rows};
            else if (b->reason && strcmp(b->reason, COPY_WHY_NO_ROWS) == 0)
                known[nknown++] = (struct copy_row_count){b->bot_id, 0};
        }
    }
    struct copy_preview preview;
    struct copy_preview_options po = {.concurrency = o->concurrency, .region = cc->s.region,
                                      .new_rows = fresh, .n_new_rows = cc->new_counts.n,
                                      .snapshot_rows = nknown ? known : NULL,
                                      .n_snapshot_rows = nknown, .snapshot_rows_partial = true};
    copy_preview_build(&cc->plan, &cc->snap, &po, &preview);
    s_print_preview(cc, &preview);
    bool nothing_to_copy = !cc->resuming && preview.ncopy == 0;
    if (nothing_to_copy)
        s_print_nothing_to_copy(cc, &preview);
    copy_preview_free(&preview);
    free(fresh);
    free(known);
    if (nothing_to_copy)
        return EXIT_OK;
    if ((rc = s_confirm(cc)))
        return rc;

    if ((rc = s_open_journal(cc)))
        return rc;
    if (!cc->resuming) {
        char *run_id = s_new_run_id();
        struct copy_header h = {
            .run_id = run_id, .stack = cc->dep.stack_name ? cc->dep.stack_name : o->stack,
            .region = cc->s.region, .snapshot_id = cc->snap.id, .snapshot_arn = cc->snap.arn,
            .snapshot_created_ms = cc->snap.created_ms, .engine = cc->snap.engine,
            .master_username = cc->snap.master_username, .subnet_group = cc->target.subnet_group,
            .vpc = cc->target.vpc ? cc->target.vpc : out->vpc,
            .target_cluster_arn = cc->target.cluster_arn, .target_secret_arn = out->db_secret_arn,
        };
        rc = s_journal(cc, copy_rec_header(&h));
        free(run_id);
        if (rc)
            return rc;
    } else {
        char *msg = xasprintf("resuming copy run %s from snapshot %s", cc->view.run_id, cc->view.snapshot_id);
        s_say(cc, "resume", msg);
        free(msg);
    }

    int exit_code = EXIT_OK;
    size_t mismatches = 0;
    bool removed = false;
    /* A copy verified before it was interrupted only has its clean-up left: the temporary
     * cluster may already be half deleted, so it must not be "ensured" again. */
    bool only_cleanup_left = cc->resuming && cc->view.verified;
    if (only_cleanup_left)
        s_say(cc, "resume", "the copy was verified before the interruption; only the temporary "
                            "resources remain to be deleted");
    struct temp_cluster_options to = {0};
    cc->step_done = only_cleanup_left;
    if (!only_cleanup_left)
        cc->job = temp_cluster_ensure(cc->s.client, cc->journal, &cc->view, &to, s_on_progress,
                                      s_on_temp_done, cc);
    s_wait(cc, &cc->step_done);
    if (cc->step_error && !cc->stop_and_clean) {
        app_error(o, "%s", cc->step_error);
        return EXIT_CONFIG;
    }
    if (!cc->stop_and_clean && !only_cleanup_left) {
        struct rds_data_target source = {cc->view.res[COPY_RES_CLUSTER].id, cc->view.res[COPY_RES_SECRET].id,
                                         "postgres"};
        struct rds_data_target v1 = {cc->target.cluster_arn, out->db_secret_arn, "postgres"};
        if ((rc = s_read_counts(cc, &source, &cc->snap_counts)) ||
            (rc = s_read_counts(cc, &v1, &cc->new_counts)) || (rc = s_decide_bots(cc)))
            return rc;
        struct row_copy_config rcfg = {
            .client = cc->s.client, .source = source, .target = v1, .journal = cc->journal,
            .view = &cc->view, .concurrency = o->concurrency, .source_counts = &cc->snap_counts,
            .progress = s_on_bot_progress, .message = s_on_copy_message, .done = s_on_rows_done, .ud = cc,
        };
        cc->step_done = false;
        cc->copier = row_copy_start(&rcfg);
        s_wait(cc, &cc->step_done);
        if (cc->step_error && !cc->stop_and_clean) {
            app_error(o, "%s", cc->step_error);
            /* The temporary cluster stays: a second run retries without restoring again. */
            return EXIT_SOME_FAILED;
        }
        if (!cc->stop_and_clean) {
            if ((rc = s_verify(cc, &v1, &mismatches)))
                return rc;
            if (mismatches == 0 && (rc = s_journal(cc, copy_rec_step("verified"))))
                return rc;
            exit_code = mismatches ? EXIT_SOME_FAILED : EXIT_OK;
        }
    }
    if (cc->stop_and_clean)
        exit_code = EXIT_INTERRUPTED;
    if (!o->keep_temporary && (mismatches == 0 || cc->stop_and_clean)) {
        if ((rc = s_remove_temporary(cc)))
            return rc;
        removed = true;
    }
    if (removed || o->keep_temporary) {
        if ((rc = s_journal(cc, copy_rec_finished(cc->stop_and_clean ? "stopped" : "copied"))))
            return rc;
    }
    if (exit_code != EXIT_INTERRUPTED)
        s_print_summary(cc, mismatches, removed);
    else if (!o->json)
        fprintf(stderr, "stopped: bots copied so far are in the new cluster%s.\n",
                removed ? "; the temporary resources are deleted" : "");
    return exit_code;
}

int cmd_copy(const struct app_options *o)
{
    struct copy_cmd cc;
    memset(&cc, 0, sizeof(cc));
    cc.o = o;
    int rc = cli_open_session(o, &cc.s);
    if (rc)
        return rc;
    struct sigaction old[2];
    s_signals_install(cc.s.loop, old);
    char *run_journal = app_journal_path(o, cc.s.region);
    cc.journal_path = copy_journal_path_for(run_journal);
    free(run_journal);

    rc = s_run(&cc);

    s_signals_restore(old);
    if (cc.journal)
        journal_close(cc.journal);
    row_counts_free(&cc.snap_counts);
    row_counts_free(&cc.new_counts);
    free(cc.stats.index_name);
    if (cc.have_plan)
        plan_free(&cc.plan);
    if (cc.have_inv)
        inventory_free(&cc.inv);
    copy_snapshot_free(&cc.snap);
    copy_target_free(&cc.target);
    if (cc.have_dep)
        deployment_free(&cc.dep);
    copy_view_free(&cc.view);
    free(cc.step_error);
    free(cc.journal_path);
    aws_session_close(&cc.s);
    return rc;
}
