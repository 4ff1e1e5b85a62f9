/* `copy`: the other way, headless. v0's rows copied from its final snapshot into the v1
 * cluster through a temporary restored cluster and the RDS Data API, bot by bot, then
 * verified and cleaned up. The work is the engine's copy session
 * (engine/copy/copy_session.h); this is its headless view: the command line's lines and
 * JSON events, the confirmation prompt, Ctrl-C, and the exit code. Journaled: run it
 * again after any interruption to resume. */
#include "cli/cli.h"
#include "cli/interrupts.h"

#include "aws/session.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"
#include "engine/copy/copy_session.h"
#include "engine/copy/snapshots.h"
#include "engine/message/message.h"
#include "engine/discover/inventory.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often the copy's overall progress (rows, rate, ETA) is printed while copying. */
#define PROGRESS_EVERY_MS_JSON 2000u
#define PROGRESS_EVERY_MS_TEXT 5000u

/* ---- the view's memory of what it printed ---------------------------------------------- */

struct printed_bot {
    char *bot_id;
    enum copy_bot_phase phase;
};

struct copy_cmd {
    const struct app_options *o;
    struct aws_session s;
    char *journal_path;
    struct copy_session *session;
    uint64_t last_seq;           /* the last log message printed */
    bool preview_printed;
    struct printed_bot *bots;
    size_t nbots;
    uint64_t last_progress_ms;
    bool interrupted;
};

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

/* ---- preview ---------------------------------------------------------------------------- */

static void s_usd(char *out, size_t n, double lo, double hi)
{
    if (lo < 0 || hi < 0)
        snprintf(out, n, "unknown");
    else
        snprintf(out, n, "$%.2f-$%.2f", lo, hi);
}

static void s_print_preview(struct copy_cmd *cc, const struct copy_preview *p,
                            const struct copy_snapshot *snap)
{
    if (cc->o->json) {
        cJSON *e = copy_preview_to_json(p);
        cJSON_AddStringToObject(e, "event", "preview");
        cJSON_AddItemToObject(e, "snapshot", copy_snapshot_to_json(snap));
        app_print_json(e);
        return;
    }
    char copy_usd[64], rest_usd[64], all_usd[64];
    s_usd(copy_usd, sizeof copy_usd, p->usd_lo, p->usd_hi);
    s_usd(rest_usd, sizeof rest_usd, p->reembed_rest_usd_lo, p->reembed_rest_usd_hi);
    s_usd(all_usd, sizeof all_usd, p->reembed_all_usd_lo, p->reembed_all_usd_hi);
    char *id = sanitize_for_terminal(snap->id, strlen(snap->id), 256);
    printf("Copy from snapshot %s (%d GB)\n", id, snap->allocated_gb);
    free(id);
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

static void s_print_snapshots(struct copy_cmd *cc, const struct copy_snapshots *list)
{
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "snapshots");
        cJSON *a = cJSON_AddArrayToObject(e, "snapshots");
        for (size_t i = 0; i < list->n; i++)
            cJSON_AddItemToArray(a, copy_snapshot_to_json(&list->items[i]));
        app_print_json(e);
        return;
    }
    printf("Snapshots of the replaced v0 cluster (newest first):\n");
    for (size_t i = 0; i < list->n; i++) {
        const struct copy_snapshot *sn = &list->items[i];
        time_t t = (time_t)(sn->created_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        char *id = sanitize_for_terminal(sn->id, strlen(sn->id), 256);
        printf("  %-50s %s  %-9s %4d GB  %s\n", id, when, sn->type ? sn->type : "",
               sn->allocated_gb, sn->status ? sn->status : "");
        free(id);
    }
}

static bool s_can_prompt(void)
{
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/* The preview is shown: go ahead only with --yes or a typed yes (before anything exists). */
static bool s_confirm(struct copy_cmd *cc)
{
    if (cc->o->yes)
        return true;
    if (!s_can_prompt() || cc->o->json) {
        app_error(cc->o, "not copying without confirmation: review the preview, then run again with --yes");
        return false;
    }
    printf("Restore a temporary cluster and copy? Type yes to confirm: ");
    fflush(stdout);
    char line[32] = "";
    if (!fgets(line, sizeof line, stdin) || strncmp(line, "yes", 3) != 0 || cli_interrupts_count()) {
        printf("Cancelled; nothing was created.\n");
        return false;
    }
    return true;
}

/* ---- progress ---------------------------------------------------------------------------- */

static struct printed_bot *s_printed(struct copy_cmd *cc, const char *bot_id)
{
    for (size_t i = 0; i < cc->nbots; i++)
        if (strcmp(cc->bots[i].bot_id, bot_id) == 0)
            return &cc->bots[i];
    cc->bots = xrealloc(cc->bots, (cc->nbots + 1) * sizeof(*cc->bots));
    cc->bots[cc->nbots] = (struct printed_bot){xstrdup(bot_id), COPY_BOT_WAITING};
    return &cc->bots[cc->nbots++];
}

static void s_print_bot(struct copy_cmd *cc, const struct copy_session_bot *b, const char *state)
{
    bool finished = strcmp(state, "copying") != 0;
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "bot");
        cJSON_AddStringToObject(e, "bot_id", b->bot_id);
        cJSON_AddStringToObject(e, "state", state);
        cJSON_AddNumberToObject(e, "rows", finished ? (double)b->rows_done : 0);
        cJSON_AddNumberToObject(e, "rows_total", strcmp(state, "failed") == 0 ? -1 : (double)b->rows_total);
        cJSON_AddNumberToObject(e, "bytes", finished ? (double)b->bytes_done : 0);
        cJSON_AddNumberToObject(e, "rows_per_s", finished ? b->rows_per_s : 0);
        cJSON_AddNumberToObject(e, "bytes_per_s", finished ? b->bytes_per_s : 0);
        if (finished)
            cJSON_AddNumberToObject(e, "eta_s", 0);
        else
            cJSON_AddNullToObject(e, "eta_s");
        app_print_json(e);
    } else if (finished) {
        bool failed = strcmp(state, "failed") == 0;
        fprintf(stderr, "  %s  %s %lld rows (%.1f MB", b->bot_id, failed ? "FAILED after" : "copied",
                (long long)b->rows_done, (double)b->bytes_done / 1e6);
        if (!failed && b->rows_per_s > 0)
            fprintf(stderr, ", %.0f rows/s, %.2f MB/s", b->rows_per_s, b->bytes_per_s / 1e6);
        fprintf(stderr, ")\n");
    }
}

static void s_format_eta(char *out, size_t n, double eta_s)
{
    if (eta_s < 0)
        snprintf(out, n, "unknown");
    else if (eta_s < 90)
        snprintf(out, n, "%.0f s", eta_s);
    else
        snprintf(out, n, "%.0f min", eta_s / 60);
}

/* Overall rows, rate and ETA, every few seconds while copying (and a per-bot rate for the
 * bots in flight in --json). */
static void s_print_progress(struct copy_cmd *cc, const struct copy_session_state *st)
{
    uint64_t now = ev_now_ms();
    uint64_t every = cc->o->json ? PROGRESS_EVERY_MS_JSON : PROGRESS_EVERY_MS_TEXT;
    if (st->phase != COPY_PHASE_COPYING || now - cc->last_progress_ms < every)
        return;
    if (!cc->last_progress_ms) {
        cc->last_progress_ms = now; /* the first report after one full interval */
        return;
    }
    cc->last_progress_ms = now;
    if (st->rate.rows_per_s <= 0)
        return;
    if (cc->o->json) {
        cJSON *e = copy_session_rate_to_json(st);
        cJSON_AddStringToObject(e, "event", "copy_progress");
        cJSON *a = cJSON_AddArrayToObject(e, "copying");
        for (size_t i = 0; i < st->nbots; i++)
            if (st->bots[i].phase == COPY_BOT_COPYING)
                cJSON_AddItemToArray(a, copy_session_bot_to_json(&st->bots[i]));
        app_print_json(e);
        return;
    }
    char eta[32];
    s_format_eta(eta, sizeof eta, st->rate.eta_s);
    fprintf(stderr, "  copied %lld of %lld rows, %zu of %zu bots; %.0f rows/s, %.2f MB/s; about %s left\n",
            (long long)st->rows_done, (long long)(st->rows_total < 0 ? 0 : st->rows_total),
            st->bots_copied, st->bots_to_copy, st->rate.rows_per_s, st->rate.bytes_per_s / 1e6, eta);
}

static void s_on_changed(void *ud, const struct copy_session_state *st)
{
    struct copy_cmd *cc = ud;
    if (st->preview && !cc->preview_printed && st->snapshot &&
        (st->phase >= COPY_PHASE_PREVIEW || st->nothing_to_copy)) {
        cc->preview_printed = true;
        s_print_preview(cc, st->preview, st->snapshot);
    }
    for (size_t i = 0; i < st->nlog; i++) {
        const struct copy_session_message *m = &st->log[i];
        if (m->seq <= cc->last_seq)
            continue;
        cc->last_seq = m->seq;
        if (cc->o->json && m->text.id != MSG_TEXT && m->text.id != MSG_NONE) {
            /* The program's own words also as id and parameters, like the checks' summary_id. */
            char *text = message_english(&m->text);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "event", m->code);
            cJSON_AddStringToObject(e, "text", text);
            cJSON_AddStringToObject(e, "text_id", message_id_name(m->text.id));
            cJSON_AddItemToObject(e, "text_params", message_params_json(&m->text));
            app_print_json(e);
            free(text);
            continue;
        }
        char *text = message_english(&m->text);
        s_say(cc, m->code, text);
        free(text);
    }
    for (size_t i = 0; i < st->nbots; i++) {
        const struct copy_session_bot *b = &st->bots[i];
        if (b->way != COPY_WAY_COPY)
            continue;
        struct printed_bot *p = s_printed(cc, b->bot_id);
        if (p->phase == b->phase)
            continue;
        /* A bot already copied by an earlier attempt is not news. */
        if (!b->copied_now) {
            p->phase = b->phase;
            continue;
        }
        if (p->phase == COPY_BOT_WAITING && b->phase != COPY_BOT_WAITING)
            s_print_bot(cc, b, "copying");
        if (b->phase == COPY_BOT_DONE)
            s_print_bot(cc, b, "copied");
        else if (b->phase == COPY_BOT_FAILED)
            s_print_bot(cc, b, "failed");
        p->phase = b->phase;
    }
    s_print_progress(cc, st);
}

/* ---- the summary --------------------------------------------------------------------------- */

static void s_print_summary(struct copy_cmd *cc, const struct copy_session_state *st)
{
    size_t copied = 0, reembed = 0, skipped = 0;
    for (size_t i = 0; i < st->nbots; i++) {
        const struct copy_session_bot *b = &st->bots[i];
        if (b->way == COPY_WAY_COPY)
            copied++;
        else if (b->way == COPY_WAY_REEMBED)
            reembed++;
        else
            skipped++;
    }
    bool removed = st->cleanup == COPY_CLEANUP_REMOVED;
    if (st->nothing_to_copy)
        copied = 0;
    if (cc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "summary");
        if (st->nothing_to_copy || !st->run_id)
            cJSON_AddNullToObject(e, "run_id");
        else
            cJSON_AddStringToObject(e, "run_id", st->run_id);
        if (st->nothing_to_copy)
            cJSON_AddBoolToObject(e, "nothing_to_copy", true);
        cJSON_AddNumberToObject(e, "copied_bots", (double)copied);
        cJSON_AddNumberToObject(e, "mismatches", (double)st->mismatches);
        cJSON_AddNumberToObject(e, "rows_copied_now", (double)st->rate.rows);
        cJSON_AddBoolToObject(e, "reindexed", st->reindexed);
        cJSON_AddBoolToObject(e, "temporary_removed", removed);
        cJSON_AddNumberToObject(e, "bytes_copied_now", (double)st->rate.bytes);
        cJSON_AddNumberToObject(e, "copy_seconds", st->rate.seconds);
        cJSON_AddNumberToObject(e, "rows_per_s", st->rate.rows_per_s);
        cJSON_AddNumberToObject(e, "bytes_per_s", st->rate.bytes_per_s);
        cJSON *re = cJSON_AddArrayToObject(e, "reembed");
        cJSON *sk = cJSON_AddArrayToObject(e, "skipped");
        for (size_t i = 0; i < st->nbots; i++) {
            const struct copy_session_bot *b = &st->bots[i];
            if (b->way == COPY_WAY_COPY)
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "bot_id", b->bot_id);
            cJSON_AddStringToObject(o, "reason", b->reason ? b->reason : "");
            cJSON_AddItemToArray(b->way == COPY_WAY_REEMBED ? re : sk, o);
        }
        cJSON_AddStringToObject(e, "journal", cc->journal_path);
        app_print_json(e);
        return;
    }
    if (st->nothing_to_copy) {
        printf("Nothing to copy: no selected bot has rows in the snapshot that the new cluster "
               "lacks (%zu to re-embed, %zu skipped). No temporary cluster was created.\n",
               reembed, skipped);
        if (reembed)
            printf("Re-embed the others with `bedrock-chat-migrate run --bots ID,... --yes`.\n");
        return;
    }
    const char *snap = st->snapshot && st->snapshot->id ? st->snapshot->id : "";
    printf("Copied %zu bot(s) from snapshot %s: %s.\n", copied, snap,
           st->mismatches ? "row counts DIFFER (see above)" : "row counts per bot verified equal");
    if (st->rate.rows > 0 && st->rate.rows_per_s > 0)
        printf("Copied %lld rows (%.1f MB) in %.0f s: %.0f rows/s, %.2f MB/s.\n", (long long)st->rate.rows,
               (double)st->rate.bytes / 1e6, st->rate.seconds, st->rate.rows_per_s,
               st->rate.bytes_per_s / 1e6);
    if (reembed) {
        printf("To re-embed (%zu): `bedrock-chat-migrate run --bots ID,... --yes` for:\n", reembed);
        for (size_t i = 0; i < st->nbots; i++) {
            const struct copy_session_bot *b = &st->bots[i];
            if (b->way == COPY_WAY_REEMBED)
                printf("  %s  %s\n", b->bot_id, b->reason ? b->reason : "");
        }
    }
    if (skipped)
        printf("Skipped: %zu bot(s).\n", skipped);
    printf("The DynamoDB table was not written: bots keep their SyncStatus.\n");
    printf(removed ? "The temporary cluster, instance, security group and secret are deleted.\n"
                   : "The temporary cluster is kept (--keep-temporary): `bedrock-chat-migrate cleanup --yes` removes it.\n");
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* The first Ctrl-C asks the session to stop and clean; a second leaves at once. */
static void s_handle_interrupts(struct copy_cmd *cc, int *seen)
{
    if (cli_interrupts_count() == *seen)
        return;
    *seen = cli_interrupts_count();
    if (*seen >= 2) {
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
    /* The clean-up under way is what the first Ctrl-C would ask for: it goes on. */
    if (cc->interrupted || copy_session_state(cc->session)->phase == COPY_PHASE_CLEANING)
        return;
    cc->interrupted = true;
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
    copy_session_stop(cc->session, !cc->o->keep_temporary);
}

static int s_run(struct copy_cmd *cc)
{
    const struct app_options *o = cc->o;
    struct copy_session_config cfg = {
        .session = &cc->s, .journal_path = cc->journal_path, .stack = o->stack,
        .outputs_file = o->outputs_file, .snapshot = o->snapshot, .bots_csv = o->bots,
        .exclude_csv = o->exclude, .include_empty = o->include_empty, .scan_table = o->scan_table,
        .prices_file = o->prices_file, .concurrency = o->concurrency, .new_run = o->new_run,
        .confirmed = o->yes, .list_only = !o->snapshot,
        .cleanup = o->keep_temporary ? COPY_CLEANUP_KEEP : COPY_CLEANUP_REMOVE,
        .changed = s_on_changed, .ud = cc,
    };
    cc->session = copy_session_new(&cfg);
    if (!cc->session) {
        app_error(o, "the copy could not be set up");
        return EXIT_CONFIG;
    }
    copy_session_start(cc->session);
    const struct copy_session_state *st = copy_session_state(cc->session);
    int seen = 0;
    bool refused = false;
    while (st->phase != COPY_PHASE_DONE) {
        s_handle_interrupts(cc, &seen);
        if (st->phase == COPY_PHASE_PREVIEW && cc->preview_printed && !o->yes && !refused) {
            if (s_confirm(cc)) {
                copy_session_confirm(cc->session);
            } else {
                refused = true;
                copy_session_cancel(cc->session);
            }
        }
        if (st->phase != COPY_PHASE_DONE)
            ev_loop_run_once(cc->s.loop, -1);
    }
    /* Whatever the last change was, the view has seen it. */
    s_on_changed(cc, st);
    if (refused)
        return EXIT_USAGE;
    if (st->outcome == COPY_OUTCOME_NEEDS_CHOICE && st->snapshots)
        s_print_snapshots(cc, st->snapshots);
    if (st->error.id != MSG_NONE) {
        char *text = message_english(&st->error);
        app_error(o, "%s", text);
        free(text);
    }
    switch (st->outcome) {
    case COPY_OUTCOME_COPIED:
    case COPY_OUTCOME_MISMATCH:
        s_print_summary(cc, st);
        break;
    case COPY_OUTCOME_STOPPED:
        if (!o->json) {
            if (st->cleanup == COPY_CLEANUP_NOT_YET)
                fprintf(stderr, "interrupted: nothing was created.\n");
            else
                fprintf(stderr, "stopped: bots copied so far are in the new cluster%s.\n",
                        st->cleanup == COPY_CLEANUP_REMOVED ? "; the temporary resources are deleted" : "");
        }
        break;
    default:
        break;
    }
    return copy_outcome_exit_code(st->outcome);
}

int cmd_copy(const struct app_options *o)
{
    struct copy_cmd cc;
    memset(&cc, 0, sizeof(cc));
    cc.o = o;
    int rc = cli_open_session(o, &cc.s);
    if (rc)
        return rc;
    struct cli_interrupts interrupts;
    cli_interrupts_install(&interrupts, cc.s.loop);
    char *run_journal = app_journal_path(o, cc.s.region);
    cc.journal_path = copy_journal_path_for(run_journal);
    free(run_journal);

    rc = s_run(&cc);

    cli_interrupts_restore(&interrupts);
    copy_session_free(cc.session);
    for (size_t i = 0; i < cc.nbots; i++)
        free(cc.bots[i].bot_id);
    free(cc.bots);
    free(cc.journal_path);
    aws_session_close(&cc.s);
    return rc;
}
