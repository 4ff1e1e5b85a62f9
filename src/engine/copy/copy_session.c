/* The copy way's orchestration (see copy_session.h). One state machine: each step starts
 * one asynchronous piece of the engine and continues in that piece's callback. */
#include "engine/copy/copy_session.h"

#include "aws/rds_data.h"
#include "aws/session.h"
#include "engine/copy/copy_target.h"
#include "engine/copy/row_copy.h"
#include "engine/copy/temp_cluster.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/run/journal.h"
#include "engine/verify/vector_counts.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/random.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Progress alone is reported at most this often; phase and bot changes at once. */
#define PROGRESS_NOTIFY_MS 250u

struct copy_session {
    struct copy_session_config cfg;   /* strings below own their copies */
    char *journal_path, *stack, *outputs_file, *snapshot_arg, *bots_csv, *exclude_csv,
        *prices_file;
    struct aws_session *aws;
    struct ev_loop *loop;

    struct journal *journal;
    struct copy_view view;
    /* The state's copies of the view's strings: a journal write rebuilds the view's strings
     * (inside temp_cluster and row_copy too, before any notification), so the state a view
     * reads must not point into it. Replaced only by s_refresh. */
    char *st_run_id;
    char *st_res_name[COPY_RES_N], *st_res_id[COPY_RES_N];
    struct deployment dep;
    bool have_dep;
    const struct deployment *depp;
    struct copy_target target;
    bool have_target;
    struct copy_snapshots snaps;
    bool have_snaps;
    struct copy_snapshot snap;
    bool have_snap;
    struct inventory inv;
    bool have_inv;
    struct plan plan;
    bool have_plan;
    const struct plan *planp;
    struct copy_preview preview;
    bool have_preview;
    struct vector_counts snap_counts;   /* the temporary cluster (the snapshot's rows) */
    struct vector_counts new_counts;    /* the v1 cluster */
    bool counting_source;               /* which of the two the count in flight reads */
    struct row_counts expected;         /* snap_counts as row_copy reads them */

    struct row_copy *copier;
    struct temp_cluster_job *job;
    struct row_copy_stats stats;

    int ops;                 /* callbacks outstanding (engine calls, jobs) */
    bool zombie;             /* freed by its owner while ops were outstanding */
    bool stopping;           /* copy_session_stop */
    bool stop_clean;
    bool cancelling;         /* copy_session_cancel with a step in flight */
    bool begun;              /* the journal is open: things may have been created */
    bool removing;           /* temp_cluster_remove in flight (never cancelled) */

    /* the state the views read */
    struct copy_session_state st;
    struct copy_session_bot *bots;
    size_t nbots;
    uint64_t *bot_started_ms; /* monotonic, 0: not started in this process */
    int64_t rows_done_here;   /* rows committed in this process (bots finished) */
    uint64_t bytes_done_here;
    uint64_t copy_started_ms; /* monotonic, 0 before the copy phase */
    char *aws_status[COPY_RES_N];
    struct copy_session_message log[COPY_SESSION_LOG_MAX];
    size_t nlog;
    uint64_t next_seq;

    uint64_t notify_timer;
    bool notify_urgent;
};

static void s_next_after_target(struct copy_session *s);
static void s_load_bots(struct copy_session *s);
static void s_count_v1_early(struct copy_session *s);
static void s_begin(struct copy_session *s);
static void s_count_source(struct copy_session *s);
static void s_verify(struct copy_session *s);
static void s_after_rows(struct copy_session *s);
static void s_after_stop(struct copy_session *s);
static void s_destroy(struct copy_session *s);

/* ---- names ------------------------------------------------------------------------- */

const char *copy_phase_name(enum copy_phase p)
{
    static const char *const names[] = {"idle", "resolving", "snapshots", "choose", "bots",
                                        "preview", "preparing", "counting", "copying",
                                        "verifying", "cleanup_ask", "cleaning", "done"};
    return (size_t)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

const char *copy_outcome_name(enum copy_outcome o)
{
    static const char *const names[] = {"none", "copied", "mismatch", "bots_failed", "stopped",
                                        "cancelled", "needs_choice", "refused", "failed"};
    return (size_t)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

int copy_outcome_exit_code(enum copy_outcome o)
{
    switch (o) {
    case COPY_OUTCOME_NONE:
    case COPY_OUTCOME_COPIED:
        return 0;
    case COPY_OUTCOME_MISMATCH:
    case COPY_OUTCOME_BOTS_FAILED:
        return 1;
    case COPY_OUTCOME_CANCELLED:
    case COPY_OUTCOME_NEEDS_CHOICE:
    case COPY_OUTCOME_REFUSED:
        return 2;
    case COPY_OUTCOME_FAILED:
        return 3;
    case COPY_OUTCOME_STOPPED:
        return 130;
    }
    return 3;
}

const char *copy_cleanup_state_name(enum copy_cleanup_state c)
{
    static const char *const names[] = {"not_yet", "asking", "removing", "removed", "kept", "failed"};
    return (size_t)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

const char *copy_bot_phase_name(enum copy_bot_phase p)
{
    static const char *const names[] = {"not_copied", "waiting", "copying", "done", "failed"};
    return (size_t)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

/* ---- the state and its notification -------------------------------------------------- */

static bool s_is_copy_way(const char *way)
{
    return way && strcmp(way, "copy") == 0;
}

static enum copy_way s_way_of(const char *way)
{
    if (s_is_copy_way(way))
        return COPY_WAY_COPY;
    if (way && strcmp(way, "reembed") == 0)
        return COPY_WAY_REEMBED;
    return COPY_WAY_SKIP;
}

/* Rates and totals from the per-bot figures. */
static void s_refresh_rates(struct copy_session *s)
{
    uint64_t now = ev_now_ms();
    int64_t total = 0, done = 0, in_flight = 0;
    uint64_t bytes_in_flight = 0;
    bool counted = s->snap_counts.items != NULL || s->st.phase >= COPY_PHASE_COPYING;
    size_t to_copy = 0, copied = 0, failed = 0, reembed = 0, skipped = 0;
    for (size_t i = 0; i < s->nbots; i++) {
        struct copy_session_bot *b = &s->bots[i];
        if (b->way == COPY_WAY_REEMBED)
            reembed++;
        else if (b->way == COPY_WAY_SKIP)
            skipped++;
        if (b->way != COPY_WAY_COPY)
            continue;
        to_copy++;
        if (b->rows_total > 0)
            total += b->rows_total;
        if (b->phase == COPY_BOT_DONE) {
            copied++;
            done += b->rows_done;
        } else if (b->phase == COPY_BOT_FAILED) {
            failed++;
        } else if (b->phase == COPY_BOT_COPYING) {
            done += b->rows_done;
            in_flight += b->rows_done;
            bytes_in_flight += b->bytes_done;
            double secs = s->bot_started_ms[i] ? (double)(now - s->bot_started_ms[i]) / 1000.0 : 0;
            if (secs > 0.05 && b->rows_done > 0) {
                b->rows_per_s = (double)b->rows_done / secs;
                b->bytes_per_s = (double)b->bytes_done / secs;
                b->eta_s = b->rows_total >= b->rows_done
                               ? (double)(b->rows_total - b->rows_done) / b->rows_per_s
                               : -1;
            }
        }
    }
    s->st.bots_to_copy = to_copy;
    s->st.bots_copied = copied;
    s->st.bots_failed = failed;
    s->st.bots_reembed = reembed;
    s->st.bots_skipped = skipped;
    s->st.rows_total = counted ? total : -1;
    s->st.rows_done = done;
    struct copy_session_rate *r = &s->st.rate;
    r->rows = s->rows_done_here + in_flight;
    r->bytes = s->bytes_done_here + bytes_in_flight;
    if (s->copy_started_ms && s->st.phase == COPY_PHASE_COPYING)
        r->seconds = (double)(now - s->copy_started_ms) / 1000.0;
    if (r->seconds > 0.05 && r->rows > 0) {
        r->rows_per_s = (double)r->rows / r->seconds;
        r->bytes_per_s = (double)r->bytes / r->seconds;
    }
    if (s->st.phase > COPY_PHASE_COPYING)
        r->eta_s = 0;
    else if (r->rows_per_s > 0 && counted && total >= done)
        r->eta_s = (double)(total - done) / r->rows_per_s;
    else
        r->eta_s = -1;
}

/* *slot becomes a copy of value (NULL stays NULL), reallocated only when it changed. */
static const char *s_state_copy(char **slot, const char *value)
{
    if (!value) {
        free(*slot);
        *slot = NULL;
    } else if (!*slot || strcmp(*slot, value) != 0) {
        free(*slot);
        *slot = xstrdup(value);
    }
    return *slot;
}

static void s_refresh(struct copy_session *s)
{
    struct copy_session_state *st = &s->st;
    st->run_id = s_state_copy(&s->st_run_id, s->view.run_id);
    st->journal_path = s->journal_path;
    st->region = s->aws->region;
    st->stack = s->depp ? (s->depp->stack_name ? s->depp->stack_name : s->stack) : NULL;
    st->target_cluster_arn = s->have_target ? s->target.cluster_arn : NULL;
    st->snapshots = s->have_snaps ? &s->snaps : NULL;
    st->snapshot = s->have_snap ? &s->snap : NULL;
    st->preview = s->have_preview ? &s->preview : NULL;
    st->stopping = s->stopping;
    for (int r = 0; r < COPY_RES_N; r++) {
        struct copy_session_resource *res = &st->resources[r];
        res->kind = (enum copy_resource)r;
        res->state = s->view.res[r].state;
        res->name = s_state_copy(&s->st_res_name[r], s->view.res[r].name);
        res->id = s_state_copy(&s->st_res_id[r], s->view.res[r].id);
        res->aws_status = s->aws_status[r];
    }
    st->bots = s->bots;
    st->nbots = s->nbots;
    st->reindexed = s->view.reindexed || s->stats.reindexed;
    st->index_name = s->stats.index_name;
    st->log = s->log;
    st->nlog = s->nlog;
    st->requests = s->stats.requests;
    s_refresh_rates(s);
}

static void s_on_notify(void *ud)
{
    struct copy_session *s = ud;
    s->notify_timer = 0;
    s->notify_urgent = false;
    s_refresh(s);
    if (s->cfg.changed)
        s->cfg.changed(s->cfg.ud, &s->st);
}

/* Tells the view from the loop: at once for a change, within PROGRESS_NOTIFY_MS for progress. */
static void s_changed(struct copy_session *s, bool urgent)
{
    if (s->zombie)
        return;
    /* The state a view reads between notifications is always current too. */
    s_refresh(s);
    if (s->notify_timer) {
        if (!urgent || s->notify_urgent)
            return;
        ev_timer_cancel(s->loop, s->notify_timer);
    }
    s->notify_urgent = urgent;
    s->notify_timer = ev_timer_add(s->loop, urgent ? 0 : PROGRESS_NOTIFY_MS, s_on_notify, s);
}

/* Adds a line to the session's log (text is consumed). */
static void s_log(struct copy_session *s, enum copy_msg_level level, const char *code, struct message text)
{
    if (s->nlog == COPY_SESSION_LOG_MAX) {
        message_free(&s->log[0].text);
        memmove(&s->log[0], &s->log[1], (COPY_SESSION_LOG_MAX - 1) * sizeof(s->log[0]));
        s->nlog--;
    }
    struct copy_session_message *m = &s->log[s->nlog++];
    m->level = level;
    m->code = code;
    m->text = text;
    m->seq = ++s->next_seq;
    s_changed(s, true);
}

static void s_set_phase(struct copy_session *s, enum copy_phase p)
{
    s->st.phase = p;
    s_changed(s, true);
}

static void s_end(struct copy_session *s, enum copy_outcome o)
{
    s->st.outcome = o;
    s_set_phase(s, COPY_PHASE_DONE);
}

/* Ends with an error for people (what, why, what to do). */
static void s_fail(struct copy_session *s, enum copy_outcome o, const char *text)
{
    message_free(&s->st.error);
    s->st.error = message_text(text ? text : "failed");
    s_end(s, o);
}

/* One engine callback arrived: false when the session is gone or done with it. */
static bool s_arrived(struct copy_session *s)
{
    s->ops--;
    if (s->zombie) {
        if (s->ops == 0)
            s_destroy(s);
        return false;
    }
    return true;
}

/* A step before anything was created: a stop asked meanwhile ends the session here. */
static bool s_stopped_early(struct copy_session *s)
{
    if (!s->stopping)
        return false;
    s_end(s, s->cancelling ? COPY_OUTCOME_CANCELLED : COPY_OUTCOME_STOPPED);
    return true;
}

static int s_journal(struct copy_session *s, cJSON *rec)
{
    char *error = NULL;
    if (copy_journal_write(s->journal, &s->view, rec, &error) != 0) {
        char *msg = xasprintf("cannot write the copy journal %s (%s); stopped before acting. Free "
                              "disk space or fix permissions, then run again to resume",
                              s->journal_path, error ? error : "write failed");
        free(error);
        s_fail(s, COPY_OUTCOME_FAILED, msg);
        free(msg);
        return -1;
    }
    return 0;
}

/* ---- the bots the views show ------------------------------------------------------------ */

static const char *s_title_of(const struct copy_session *s, const char *bot_id)
{
    const struct plan *p = s->planp;
    for (size_t i = 0; p && i < p->nitems; i++)
        if (p->items[i].bot && strcmp(p->items[i].bot->bot_id, bot_id) == 0)
            return p->items[i].bot->title;
    return NULL;
}

static void s_bots_free(struct copy_session *s)
{
    for (size_t i = 0; i < s->nbots; i++) {
        free((char *)s->bots[i].bot_id);
        free((char *)s->bots[i].title);
        free((char *)s->bots[i].reason);
        message_free(&s->bots[i].error);
    }
    free(s->bots);
    free(s->bot_started_ms);
    s->bots = NULL;
    s->bot_started_ms = NULL;
    s->nbots = 0;
}

static void s_bots_alloc(struct copy_session *s, size_t n)
{
    s_bots_free(s);
    s->bots = xcalloc(n ? n : 1, sizeof(*s->bots));
    s->bot_started_ms = xcalloc(n ? n : 1, sizeof(*s->bot_started_ms));
    s->nbots = n;
}

static void s_bot_init(struct copy_session *s, struct copy_session_bot *b, const char *bot_id,
                       enum copy_way way, const char *reason)
{
    const char *title = s_title_of(s, bot_id);
    b->bot_id = xstrdup(bot_id);
    b->title = title ? xstrdup(title) : NULL;
    b->way = way;
    b->reason = xstrdup(reason ? reason : "");
    b->phase = way == COPY_WAY_COPY ? COPY_BOT_WAITING : COPY_BOT_NOT_COPIED;
    b->rows_total = -1;
    b->eta_s = -1;
    b->verified_rows = -1;
}

/* Before the ways are journaled: the preview's. */
static void s_bots_from_preview(struct copy_session *s)
{
    s_bots_alloc(s, s->preview.nbots);
    for (size_t i = 0; i < s->preview.nbots; i++) {
        const struct copy_bot_way *w = &s->preview.bots[i];
        s_bot_init(s, &s->bots[i], w->bot->bot_id, w->way, w->reason);
    }
}

/* Once decided: the journal's, with what earlier attempts copied. */
static void s_bots_from_view(struct copy_session *s)
{
    s_bots_alloc(s, s->view.nbots);
    for (size_t i = 0; i < s->view.nbots; i++) {
        const struct copy_bot_entry *e = &s->view.bots[i];
        struct copy_session_bot *b = &s->bots[i];
        s_bot_init(s, b, e->bot_id, s_way_of(e->way), e->reason);
        if (b->way != COPY_WAY_COPY)
            continue;
        long long want = vector_counts_for(&s->snap_counts, e->bot_id);
        b->rows_total = s->snap_counts.items || s->snap_counts.n ? want : (e->rows >= 0 ? e->rows : -1);
        if (e->state == COPY_BOT_COPIED) {
            b->phase = COPY_BOT_DONE;
            b->rows_done = e->rows >= 0 ? e->rows : b->rows_total;
            b->eta_s = 0;
        }
    }
}

static struct copy_session_bot *s_bot(struct copy_session *s, const char *bot_id, size_t *index)
{
    for (size_t i = 0; i < s->nbots; i++)
        if (strcmp(s->bots[i].bot_id, bot_id) == 0) {
            if (index)
                *index = i;
            return &s->bots[i];
        }
    return NULL;
}

/* ---- resolving: deployment, the v1 cluster, the snapshot ----------------------------------- */

static void s_on_target(void *ud, const struct copy_target *t, const char *error)
{
    struct copy_session *s = ud;
    if (!s_arrived(s) || s_stopped_early(s))
        return;
    if (!t) {
        s_fail(s, COPY_OUTCOME_FAILED, error);
        return;
    }
    copy_target_copy(&s->target, t);
    s->have_target = true;
    s_next_after_target(s);
}

static void s_find_target(struct copy_session *s)
{
    const struct stack_outputs *out = &s->depp->outputs;
    char *v1_id = aurora_cluster_id_from_hostname(out->db_hostname);
    if (!out->db_secret_arn || !v1_id) {
        free(v1_id);
        s_fail(s, COPY_OUTCOME_FAILED,
               "the stack outputs lack DbConfigSecretArn or DbConfigHostname: the copy writes into "
               "the v1 cluster through the Data API and needs both (v1.0.0 and later have them)");
        return;
    }
    s->ops++;
    copy_target_find(s->aws->client, v1_id, s_on_target, s);
    free(v1_id);
}

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct copy_session *s = ud;
    if (!s_arrived(s) || s_stopped_early(s))
        return;
    if (!dep) {
        s_fail(s, COPY_OUTCOME_FAILED, error ? error : "the deployment could not be resolved");
        return;
    }
    deployment_move(&s->dep, dep);
    s->have_dep = true;
    s->depp = &s->dep;
    s_find_target(s);
}

static void s_take_snapshot(struct copy_session *s, const struct copy_snapshot *snap)
{
    copy_snapshot_free(&s->snap);
    copy_snapshot_copy(&s->snap, snap);
    s->have_snap = true;
    if (s->snap.status && strcmp(s->snap.status, "available") != 0) {
        char *msg = xasprintf("snapshot %s is %s, not available: wait until it is, then run again",
                              s->snap.id, s->snap.status);
        s_fail(s, COPY_OUTCOME_FAILED, msg);
        free(msg);
        return;
    }
    s_load_bots(s);
}

static void s_on_snapshots(void *ud, const struct copy_snapshots *list, const char *error)
{
    struct copy_session *s = ud;
    if (!s_arrived(s) || s_stopped_early(s))
        return;
    /* Listing without a named snapshot is a question to the operator: a usage outcome. */
    enum copy_outcome fail = s->snapshot_arg ? COPY_OUTCOME_FAILED : COPY_OUTCOME_REFUSED;
    if (!list) {
        s_fail(s, fail, error);
        return;
    }
    if (list->n == 0) {
        s_fail(s, fail,
               "no snapshot of the replaced v0 cluster was found for this stack (manual or "
               "automated, Aurora PostgreSQL, not of the v1 cluster). Name one with --snapshot ID, "
               "or re-embed with `bedrock-chat-migrate run`");
        return;
    }
    s->snaps.items = xcalloc(list->n, sizeof(*s->snaps.items));
    for (size_t i = 0; i < list->n; i++)
        copy_snapshot_copy(&s->snaps.items[i], &list->items[i]);
    s->snaps.n = list->n;
    s->snaps.considered = list->considered;
    s->have_snaps = true;
    if (!s->snapshot_arg) {
        if (s->cfg.list_only) {
            s_fail(s, COPY_OUTCOME_NEEDS_CHOICE,
                   "choose the snapshot to copy from: bedrock-chat-migrate copy --snapshot ID --yes");
            return;
        }
        s_set_phase(s, COPY_PHASE_CHOOSE);
        return;
    }
    s_take_snapshot(s, &s->snaps.items[0]);
}

static void s_next_after_target(struct copy_session *s)
{
    if (s->st.resuming) {
        s->snap.id = xstrdup(s->view.snapshot_id ? s->view.snapshot_id : "");
        s->snap.arn = xstrdup(s->view.snapshot_arn ? s->view.snapshot_arn : "");
        s->snap.created_ms = s->view.snapshot_created_ms;
        s->snap.engine = s->view.engine ? xstrdup(s->view.engine) : NULL;
        s->snap.master_username = s->view.master_username ? xstrdup(s->view.master_username) : NULL;
        s->have_snap = true;
        s_load_bots(s);
        return;
    }
    s_set_phase(s, COPY_PHASE_SNAPSHOTS);
    struct copy_snapshot_query q = {s->stack, s->target.cluster_id, s->snapshot_arg};
    s->ops++;
    copy_snapshots_find(s->aws->client, &q, s_on_snapshots, s);
}

/* ---- the bots and the preview ----------------------------------------------------------- */

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct copy_session *s = ud;
    if (!s_arrived(s) || s_stopped_early(s))
        return;
    if (!inv) {
        s_fail(s, COPY_OUTCOME_FAILED, error ? error : "the bots could not be read");
        return;
    }
    inventory_move(&s->inv, inv);
    s->have_inv = true;
    struct plan_options popts = {
        .include_empty = s->cfg.include_empty, .bots_csv = s->bots_csv,
        .exclude_csv = s->exclude_csv, .region = s->aws->region, .prices_file = s->prices_file,
    };
    char *err = NULL;
    if (plan_build(&s->inv, s->depp, &popts, &s->plan, &err) != 0) {
        s_fail(s, COPY_OUTCOME_REFUSED, err ? err : "the bots could not be selected");
        free(err);
        return;
    }
    s->have_plan = true;
    s->planp = &s->plan;
    s_count_v1_early(s);
}

static void s_load_bots(struct copy_session *s)
{
    s_set_phase(s, COPY_PHASE_BOTS);
    if (s->planp) {
        s_count_v1_early(s);
        return;
    }
    struct inventory_options iopts = {.force_table_scan = s->cfg.scan_table};
    s->ops++;
    inventory_load(s->aws, s->depp, &iopts, NULL, s_on_inventory, s);
}

static struct rds_data_target s_v1_target(const struct copy_session *s)
{
    return (struct rds_data_target){s->target.cluster_arn, s->depp->outputs.db_secret_arn, "postgres"};
}

static struct rds_data_target s_source_target(const struct copy_session *s)
{
    return (struct rds_data_target){s->view.res[COPY_RES_CLUSTER].id, s->view.res[COPY_RES_SECRET].id,
                                    "postgres"};
}

/* The count's failure as one text: what went wrong and what to do. */
static char *s_counts_error(const char *where, const struct vector_counts_result *r)
{
    return xasprintf("counting rows per bot in %s failed: %s%s%s", where,
                     r->message ? r->message : "unknown error", r->hint ? ". " : "",
                     r->hint ? r->hint : "");
}

static struct copy_row_count *s_count_array(const struct vector_counts *c)
{
    struct copy_row_count *a = xcalloc(c->n + 1, sizeof(*a));
    for (size_t i = 0; i < c->n; i++)
        a[i] = (struct copy_row_count){c->items[i].bot_id, c->items[i].rows};
    return a;
}

/* What a finished copy of the same snapshot in this journal learnt of its rows: a bot it
 * copied had that many, a bot it found empty had none. Another copy then restores only
 * for bots whose rows it does not know yet. */
static struct copy_row_count *s_known_snapshot_rows(const struct copy_session *s, size_t *n)
{
    struct copy_row_count *known = xcalloc(s->view.nbots + 1, sizeof(*known));
    *n = 0;
    const struct copy_view *v = &s->view;
    if (s->st.resuming || !v->finished || !v->snapshot_id)
        return known;
    bool same = strcmp(v->snapshot_id, s->snap.id) == 0 ||
                (v->snapshot_arn && s->snap.arn && strcmp(v->snapshot_arn, s->snap.arn) == 0);
    if (!same)
        return known;
    for (size_t i = 0; i < v->nbots; i++) {
        const struct copy_bot_entry *b = &v->bots[i];
        if (s_is_copy_way(b->way) && b->rows >= 0)
            known[(*n)++] = (struct copy_row_count){b->bot_id, b->rows};
        else if (b->reason && strcmp(b->reason, COPY_WHY_NO_ROWS) == 0)
            known[(*n)++] = (struct copy_row_count){b->bot_id, 0};
    }
    return known;
}

static void s_on_v1_early(void *ud, const struct vector_counts_result *r)
{
    struct copy_session *s = ud;
    if (!s_arrived(s) || s_stopped_early(s))
        return;
    if (r->failure != VECTOR_COUNTS_OK) {
        char *msg = s_counts_error("the v1 cluster", r);
        s_fail(s, COPY_OUTCOME_FAILED, msg);
        free(msg);
        return;
    }
    vector_counts_free(&s->new_counts);
    vector_counts_move(&s->new_counts, (struct vector_counts *)r->counts);
    /* The v1 cluster's rows per bot, before anything is created: a bot that already has
     * vectors there is not copied, and a copy with nothing left to copy restores nothing
     * (another `copy` after a finished one, or after a kill that came once it had
     * finished, must not make a second temporary cluster). */
    struct copy_row_count *fresh = s_count_array(&s->new_counts);
    size_t nknown = 0;
    struct copy_row_count *known = s_known_snapshot_rows(s, &nknown);
    /* The rate an earlier copy in this journal measured (a finished run, or this run's
     * earlier attempts) replaces the assumed one. */
    double rows_per_s = 0, bytes_per_s = 0;
    int64_t measured_rows = 0;
    char *from = NULL;
    if (copy_view_measured_rate(&s->view, &rows_per_s, &bytes_per_s, &measured_rows))
        from = xasprintf("%s copy run %s, %lld rows", s->view.finished ? "the finished" : "the earlier attempts of",
                         s->view.run_id ? s->view.run_id : "?", (long long)measured_rows);
    struct copy_preview_options po = {
        .concurrency = s->cfg.concurrency, .region = s->aws->region,
        .new_rows = fresh, .n_new_rows = s->new_counts.n,
        .snapshot_rows = nknown ? known : NULL, .n_snapshot_rows = nknown,
        .snapshot_rows_partial = true, .prices = &s->planp->prices,
        .measured_rows_per_s = rows_per_s, .measured_bytes_per_s = bytes_per_s,
        .measured_from = from,
    };
    if (s->have_preview)
        copy_preview_free(&s->preview);
    copy_preview_build(s->planp, &s->snap, &po, &s->preview);
    s->have_preview = true;
    free(fresh);
    free(known);
    free(from);
    s_bots_from_preview(s);
    if (!s->st.resuming && s->preview.ncopy == 0) {
        s->st.nothing_to_copy = true;
        s_end(s, COPY_OUTCOME_COPIED);
        return;
    }
    s_set_phase(s, COPY_PHASE_PREVIEW);
    if (s->cfg.confirmed)
        s_begin(s);
}

static void s_count_v1_early(struct copy_session *s)
{
    struct rds_data_target v1 = s_v1_target(s);
    s->ops++;
    vector_counts_read(s->aws->client, &v1, NULL, s_on_v1_early, s);
}

/* ---- the temporary cluster ------------------------------------------------------------- */

static void s_on_temp_progress(void *ud, const struct message *m)
{
    struct copy_session *s = ud;
    /* The status lines carry AWS's status for the resource views. */
    int r = m->id == MSG_COPY_CLUSTER_STATUS ? COPY_RES_CLUSTER
            : m->id == MSG_COPY_INSTANCE_STATUS ? COPY_RES_INSTANCE
                                                : -1;
    for (size_t i = 0; r >= 0 && i < m->nargs; i++) {
        if (strcmp(m->args[i].name, "status") == 0 && m->args[i].type == MSG_ARG_TEXT) {
            free(s->aws_status[r]);
            s->aws_status[r] = xstrdup(m->args[i].text ? m->args[i].text : "?");
        }
    }
    struct message copy;
    message_copy(&copy, m);
    s_log(s, COPY_MSG_INFO, "progress", copy);
}

static void s_on_temp_ready(void *ud, const char *error)
{
    struct copy_session *s = ud;
    s->job = NULL;
    if (!s_arrived(s))
        return;
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    if (error) {
        s_fail(s, COPY_OUTCOME_FAILED, error);
        return;
    }
    s_count_source(s);
}

static void s_new_run_id(char out[9])
{
    unsigned char rnd[4];
    random_fill(rnd, sizeof rnd);
    snprintf(out, 9, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
}

static void s_begin(struct copy_session *s)
{
    char *error = NULL;
    s->journal = journal_open_append(s->journal_path, &error);
    if (!s->journal) {
        s_fail(s, COPY_OUTCOME_FAILED, error ? error : "the copy journal could not be opened");
        free(error);
        return;
    }
    s->begun = true;
    if (!s->st.resuming) {
        /* The run id is journaled (fsync'd) before anything is created: every resource is
         * named and tagged from it, so a resume finds what a killed run made. */
        char run_id[9];
        s_new_run_id(run_id);
        const struct stack_outputs *out = &s->depp->outputs;
        struct copy_header h = {
            .run_id = run_id, .stack = s->depp->stack_name ? s->depp->stack_name : s->stack,
            .region = s->aws->region, .snapshot_id = s->snap.id, .snapshot_arn = s->snap.arn,
            .snapshot_created_ms = s->snap.created_ms, .engine = s->snap.engine,
            .master_username = s->snap.master_username, .subnet_group = s->target.subnet_group,
            .vpc = s->target.vpc ? s->target.vpc : out->vpc,
            .target_cluster_arn = s->target.cluster_arn, .target_secret_arn = out->db_secret_arn,
        };
        if (s_journal(s, copy_rec_header(&h)) != 0)
            return;
    } else {
        s_log(s, COPY_MSG_INFO, "resume",
              MESSAGE(MSG_COPY_RESUMING, MSG_S("run_id", s->view.run_id), MSG_S("snapshot", s->view.snapshot_id)));
    }
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    /* A copy verified before it was interrupted only has its clean-up left: the temporary
     * cluster may already be half deleted, so it must not be "ensured" again. */
    if (s->st.resuming && s->view.verified) {
        s_log(s, COPY_MSG_INFO, "resume", MESSAGE0(MSG_COPY_RESUMING_VERIFIED));
        s->st.verified = true;
        s_bots_from_view(s);
        s_after_rows(s);
        return;
    }
    s_set_phase(s, COPY_PHASE_PREPARING);
    struct temp_cluster_options to = {0};
    s->ops++;
    s->job = temp_cluster_ensure(s->aws->client, s->journal, &s->view, &to, s_on_temp_progress,
                                 s_on_temp_ready, s);
}

/* ---- counting and deciding ---------------------------------------------------------------- */

static void s_decide_bots(struct copy_session *s)
{
    struct copy_row_count *snap = s_count_array(&s->snap_counts);
    struct copy_row_count *fresh = s_count_array(&s->new_counts);
    struct copy_preview_options po = {
        .concurrency = s->cfg.concurrency, .region = s->aws->region,
        .new_rows = fresh, .n_new_rows = s->new_counts.n,
        .snapshot_rows = snap, .n_snapshot_rows = s->snap_counts.n,
        .prices = &s->planp->prices,
    };
    struct copy_preview p;
    copy_preview_build(s->planp, &s->snap, &po, &p);
    int rc = 0;
    for (size_t i = 0; i < p.nbots && rc == 0; i++) {
        const struct copy_bot_way *w = &p.bots[i];
        if (copy_view_bot(&s->view, w->bot->bot_id))
            continue; /* decided by an earlier attempt of this run: kept */
        long long rows = vector_counts_for(&s->snap_counts, w->bot->bot_id);
        rc = s_journal(s, copy_rec_bot("bot", w->bot->bot_id, copy_way_name(w->way), w->reason,
                                       w->way == COPY_WAY_COPY ? rows : -1));
    }
    copy_preview_free(&p);
    free(snap);
    free(fresh);
    if (rc != 0)
        return;
    s_bots_from_view(s);
    s_changed(s, true);
}

/* The first bots copied measure the rate: the preview's time estimate is rebuilt from it
 * (with the counts both sides had before the copy), for the views that show it. */
static void s_preview_from_live_rate(struct copy_session *s)
{
    double rows = 0, bytes = 0, secs = 0;
    for (size_t i = 0; i < s->nbots; i++) {
        const struct copy_session_bot *b = &s->bots[i];
        if (b->phase != COPY_BOT_DONE || !b->copied_now || !s->bot_started_ms[i] || b->rows_per_s <= 0)
            continue;
        rows += (double)b->rows_done;
        bytes += (double)b->bytes_done;
        secs += (double)b->rows_done / b->rows_per_s;
    }
    if (secs <= 0 || !s->planp)
        return;
    struct copy_row_count *snap = s_count_array(&s->snap_counts);
    struct copy_row_count *fresh = s_count_array(&s->new_counts);
    char *from = xasprintf("the first %.0f rows of this copy", rows);
    struct copy_preview_options po = {
        .concurrency = s->cfg.concurrency, .region = s->aws->region,
        .new_rows = fresh, .n_new_rows = s->new_counts.n,
        .snapshot_rows = snap, .n_snapshot_rows = s->snap_counts.n,
        .prices = &s->planp->prices, .measured_rows_per_s = rows / secs,
        .measured_bytes_per_s = bytes / secs, .measured_from = from,
    };
    if (s->have_preview)
        copy_preview_free(&s->preview);
    copy_preview_build(s->planp, &s->snap, &po, &s->preview);
    s->have_preview = true;
    free(snap);
    free(fresh);
    free(from);
}

static void s_on_bot_progress(void *ud, const char *bot_id, int64_t rows_done, int64_t rows_total,
                              uint64_t bytes_done, bool finished)
{
    struct copy_session *s = ud;
    size_t i = 0;
    struct copy_session_bot *b = s_bot(s, bot_id, &i);
    if (!b)
        return;
    bool urgent = false;
    if (!finished && rows_done == 0 && b->phase != COPY_BOT_COPYING) {
        b->phase = COPY_BOT_COPYING;
        b->copied_now = true;
        s->bot_started_ms[i] = ev_now_ms();
        urgent = true;
    }
    b->rows_done = rows_done;
    b->bytes_done = bytes_done;
    if (finished) {
        b->copied_now = true;
        double secs = s->bot_started_ms[i] ? (double)(ev_now_ms() - s->bot_started_ms[i]) / 1000.0 : 0;
        if (secs > 0.001 && rows_done > 0) {
            b->rows_per_s = (double)rows_done / secs;
            b->bytes_per_s = (double)bytes_done / secs;
        }
        b->eta_s = 0;
        if (rows_total < 0) {
            b->phase = COPY_BOT_FAILED;
            message_free(&b->error);
            b->error = message_text("the bot's copy failed and was rolled back; the messages say "
                                    "why. Run the same command again to retry it");
        } else {
            b->phase = COPY_BOT_DONE;
            b->rows_total = rows_total;
            s->rows_done_here += rows_done;
            s->bytes_done_here += bytes_done;
            s_preview_from_live_rate(s);
        }
        urgent = true;
    } else if (rows_total >= 0) {
        b->rows_total = rows_total;
    }
    s_changed(s, urgent);
}

/* The row copy's lines carry the database's and AWS's own words: kept as they are. */
static void s_on_copy_message(void *ud, const char *text)
{
    s_log(ud, COPY_MSG_INFO, "message", message_text(text));
}

static void s_on_rows_done(void *ud, const char *error, const struct row_copy_stats *stats)
{
    struct copy_session *s = ud;
    s->copier = NULL;
    if (!s_arrived(s))
        return;
    free(s->stats.index_name);
    s->stats = *stats;
    s->stats.index_name = stats->index_name ? xstrdup(stats->index_name) : NULL;
    s_refresh(s);
    s->st.rate.eta_s = 0;
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    if (error) {
        /* The temporary cluster stays: a second run retries without restoring again. */
        s_fail(s, COPY_OUTCOME_BOTS_FAILED, error);
        return;
    }
    s_verify(s);
}

static void s_copy_rows(struct copy_session *s)
{
    s_decide_bots(s);
    if (s->st.phase == COPY_PHASE_DONE)
        return;
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    s_set_phase(s, COPY_PHASE_COPYING);
    s->copy_started_ms = ev_now_ms();
    /* row_copy reads expected rows from row_counts (kept while it runs): the snapshot's,
     * as the verify module counted them. */
    row_counts_free(&s->expected);
    s->expected.items = xcalloc(s->snap_counts.n + 1, sizeof(struct row_count));
    s->expected.n = s->snap_counts.n;
    for (size_t i = 0; i < s->snap_counts.n; i++) {
        s->expected.items[i].bot_id = xstrdup(s->snap_counts.items[i].bot_id);
        s->expected.items[i].rows = s->snap_counts.items[i].rows;
    }
    struct row_copy_config rcfg = {
        .client = s->aws->client, .source = s_source_target(s), .target = s_v1_target(s),
        .journal = s->journal, .view = &s->view, .concurrency = s->cfg.concurrency,
        .source_counts = &s->expected, .progress = s_on_bot_progress, .message = s_on_copy_message,
        .done = s_on_rows_done, .ud = s,
    };
    s->ops++;
    s->copier = row_copy_start(&rcfg);
}

static void s_on_counted(void *ud, const struct vector_counts_result *r)
{
    struct copy_session *s = ud;
    if (!s_arrived(s))
        return;
    bool source = s->counting_source;
    if (r->failure != VECTOR_COUNTS_OK) {
        char *msg = s_counts_error(source ? "the temporary cluster" : "the v1 cluster", r);
        s_fail(s, COPY_OUTCOME_FAILED, msg);
        free(msg);
        return;
    }
    struct vector_counts *dst = source ? &s->snap_counts : &s->new_counts;
    vector_counts_free(dst);
    vector_counts_move(dst, (struct vector_counts *)r->counts);
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    if (source) {
        s->counting_source = false;
        struct rds_data_target v1 = s_v1_target(s);
        s->ops++;
        vector_counts_read(s->aws->client, &v1, NULL, s_on_counted, s);
        return;
    }
    s_copy_rows(s);
}

static void s_count_source(struct copy_session *s)
{
    s_set_phase(s, COPY_PHASE_COUNTING);
    s->counting_source = true;
    struct rds_data_target source = s_source_target(s);
    s->ops++;
    vector_counts_read(s->aws->client, &source, NULL, s_on_counted, s);
}

/* ---- verification and clean-up ------------------------------------------------------------ */

static void s_on_removed(void *ud, const char *error)
{
    struct copy_session *s = ud;
    s->job = NULL;
    s->removing = false;
    if (!s_arrived(s))
        return;
    if (error) {
        s->st.cleanup = COPY_CLEANUP_FAILED;
        s_fail(s, COPY_OUTCOME_FAILED, error);
        return;
    }
    s->st.cleanup = COPY_CLEANUP_REMOVED;
    if (s_journal(s, copy_rec_finished(s->stopping ? "stopped" : "copied")) != 0)
        return;
    if (s->stopping)
        s_end(s, COPY_OUTCOME_STOPPED);
    else
        s_end(s, s->st.mismatches ? COPY_OUTCOME_MISMATCH : COPY_OUTCOME_COPIED);
}

static void s_remove(struct copy_session *s)
{
    s->st.cleanup = COPY_CLEANUP_REMOVING;
    s_set_phase(s, COPY_PHASE_CLEANING);
    struct temp_cluster_options to = {0};
    s->removing = true;
    s->ops++;
    s->job = temp_cluster_remove(s->aws->client, s->journal, &s->view, &to, s_on_temp_progress,
                                 s_on_removed, s);
}

static void s_keep(struct copy_session *s)
{
    s->st.cleanup = COPY_CLEANUP_KEPT;
    if (s_journal(s, copy_rec_finished(s->stopping ? "stopped" : "copied")) != 0)
        return;
    if (s->stopping)
        s_end(s, COPY_OUTCOME_STOPPED);
    else
        s_end(s, s->st.mismatches ? COPY_OUTCOME_MISMATCH : COPY_OUTCOME_COPIED);
}

/* After a verified (or mismatched) copy: remove, keep or ask. */
static void s_after_rows(struct copy_session *s)
{
    if (s->stopping) {
        s_after_stop(s);
        return;
    }
    if (s->st.mismatches && s->cfg.cleanup != COPY_CLEANUP_KEEP) {
        /* Kept for a look, unjournaled as finished: running again verifies again. */
        s_end(s, COPY_OUTCOME_MISMATCH);
        return;
    }
    switch (s->cfg.cleanup) {
    case COPY_CLEANUP_REMOVE:
        s_remove(s);
        return;
    case COPY_CLEANUP_KEEP:
        s_keep(s);
        return;
    case COPY_CLEANUP_ASK:
        s->st.cleanup = COPY_CLEANUP_ASKING;
        s_set_phase(s, COPY_PHASE_CLEANUP_ASK);
        return;
    }
}

static void s_on_verified(void *ud, const struct vector_counts_result *r)
{
    struct copy_session *s = ud;
    if (!s_arrived(s))
        return;
    if (r->failure != VECTOR_COUNTS_OK) {
        char *msg = s_counts_error("the v1 cluster", r);
        s_fail(s, COPY_OUTCOME_FAILED, msg);
        free(msg);
        return;
    }
    vector_counts_free(&s->new_counts);
    vector_counts_move(&s->new_counts, (struct vector_counts *)r->counts);
    size_t mismatches = 0;
    for (size_t i = 0; i < s->nbots; i++) {
        struct copy_session_bot *b = &s->bots[i];
        if (b->way != COPY_WAY_COPY)
            continue;
        long long want = vector_counts_for(&s->snap_counts, b->bot_id);
        long long got = vector_counts_for(&s->new_counts, b->bot_id);
        b->verified_rows = got;
        b->verified_equal = want == got;
        if (want != got) {
            mismatches++;
            s_log(s, COPY_MSG_ERROR, "mismatch",
                  MESSAGE(MSG_COPY_MISMATCH, MSG_S("bot", b->bot_id), MSG_I("want", want), MSG_I("got", got)));
        }
    }
    s->st.verified = true;
    s->st.mismatches = mismatches;
    if (mismatches == 0 && s_journal(s, copy_rec_step("verified")) != 0)
        return;
    s_after_rows(s);
}

static void s_verify(struct copy_session *s)
{
    s_set_phase(s, COPY_PHASE_VERIFYING);
    struct rds_data_target v1 = s_v1_target(s);
    s->ops++;
    vector_counts_read(s->aws->client, &v1, NULL, s_on_verified, s);
}

/* Stop-and-clean, once the step in flight has ended. */
static void s_after_stop(struct copy_session *s)
{
    if (!s->begun) {
        s_end(s, COPY_OUTCOME_STOPPED);
        return;
    }
    if (s->stop_clean)
        s_remove(s);
    else
        s_keep(s);
}

/* ---- the commands ------------------------------------------------------------------------ */

static char *s_dup(const char *t)
{
    return t ? xstrdup(t) : NULL;
}

struct copy_session *copy_session_new(const struct copy_session_config *cfg)
{
    if (!cfg || !cfg->session || !cfg->journal_path)
        return NULL;
    struct copy_session *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->aws = cfg->session;
    s->loop = cfg->session->loop;
    s->journal_path = xstrdup(cfg->journal_path);
    s->stack = s_dup(cfg->stack);
    s->outputs_file = s_dup(cfg->outputs_file);
    s->snapshot_arg = s_dup(cfg->snapshot);
    s->bots_csv = s_dup(cfg->bots_csv);
    s->exclude_csv = s_dup(cfg->exclude_csv);
    s->prices_file = s_dup(cfg->prices_file);
    s->cfg.journal_path = s->journal_path;
    s->cfg.stack = s->stack;
    s->cfg.outputs_file = s->outputs_file;
    s->cfg.snapshot = s->snapshot_arg;
    s->cfg.bots_csv = s->bots_csv;
    s->cfg.exclude_csv = s->exclude_csv;
    s->cfg.prices_file = s->prices_file;
    s->depp = cfg->deployment;
    s->planp = cfg->plan;
    s->st.rows_total = -1;
    s->st.rate.eta_s = -1;
    s_refresh(s);
    return s;
}

static void s_on_start(void *ud)
{
    struct copy_session *s = ud;
    if (!s_arrived(s))
        return;
    char *error = NULL;
    if (copy_view_load(s->journal_path, &s->view, &error) != 0) {
        s_fail(s, COPY_OUTCOME_FAILED, error ? error : "the copy journal cannot be read");
        free(error);
        return;
    }
    bool unfinished = s->view.run_id && !s->view.finished;
    if (unfinished && s->cfg.new_run) {
        char *msg = xasprintf("the copy journal %s holds an unfinished copy (run %s) whose temporary "
                              "resources may still exist: `bedrock-chat-migrate cleanup --yes` "
                              "first, then start a new copy",
                              s->journal_path, s->view.run_id);
        s_fail(s, COPY_OUTCOME_REFUSED, msg);
        free(msg);
        return;
    }
    s->st.resuming = unfinished;
    const char *want = s->snapshot_arg;
    if (unfinished && want && strcmp(want, s->view.snapshot_id) != 0 &&
        strcmp(want, s->view.snapshot_arn ? s->view.snapshot_arn : "") != 0) {
        char *msg = xasprintf("the copy journal %s holds an unfinished copy from snapshot %s, not %s: "
                              "run `bedrock-chat-migrate copy --yes` to finish it, or `cleanup "
                              "--yes` to abandon it",
                              s->journal_path, s->view.snapshot_id, want);
        s_fail(s, COPY_OUTCOME_REFUSED, msg);
        free(msg);
        return;
    }
    if (s->stopping) {
        s_end(s, COPY_OUTCOME_STOPPED);
        return;
    }
    if (s->depp) {
        s_find_target(s);
        return;
    }
    struct deployment_options dopts = {.stack = s->stack, .outputs_file = s->outputs_file};
    s->ops++;
    deployment_resolve(s->aws, &dopts, s_on_deployment, s);
}

void copy_session_start(struct copy_session *s)
{
    if (!s || s->st.phase != COPY_PHASE_IDLE)
        return;
    s_set_phase(s, COPY_PHASE_RESOLVING);
    /* Everything, even reading the journal, happens from the loop. */
    s->ops++;
    ev_timer_add(s->loop, 0, s_on_start, s);
}

void copy_session_choose_snapshot(struct copy_session *s, const char *snapshot)
{
    if (!s || s->st.phase != COPY_PHASE_CHOOSE || !snapshot)
        return;
    for (size_t i = 0; i < s->snaps.n; i++) {
        const struct copy_snapshot *c = &s->snaps.items[i];
        if (strcmp(c->id, snapshot) == 0 || (c->arn && strcmp(c->arn, snapshot) == 0)) {
            free(s->snapshot_arg);
            s->snapshot_arg = xstrdup(c->id);
            s->cfg.snapshot = s->snapshot_arg;
            s_take_snapshot(s, c);
            return;
        }
    }
    s_log(s, COPY_MSG_WARN, "message", MESSAGE(MSG_COPY_SNAPSHOT_NOT_LISTED, MSG_S("snapshot", snapshot)));
}

void copy_session_confirm(struct copy_session *s)
{
    if (!s || s->st.phase != COPY_PHASE_PREVIEW || s->begun)
        return;
    s_begin(s);
}

void copy_session_cancel(struct copy_session *s)
{
    if (!s || s->begun || s->st.phase == COPY_PHASE_DONE)
        return;
    if (s->st.phase == COPY_PHASE_CHOOSE || s->st.phase == COPY_PHASE_PREVIEW ||
        s->st.phase == COPY_PHASE_IDLE) {
        s_end(s, COPY_OUTCOME_CANCELLED);
        return;
    }
    /* A step is in flight: it ends the session when it answers. */
    s->stopping = true;
    s->cancelling = true;
    s_changed(s, true);
}

void copy_session_stop(struct copy_session *s, bool clean)
{
    /* A removal under way is what a stop would do anyway: it finishes as it is. */
    if (!s || s->st.phase == COPY_PHASE_DONE || s->stopping || s->removing)
        return;
    s->stopping = true;
    s->stop_clean = clean;
    s_changed(s, true);
    switch (s->st.phase) {
    case COPY_PHASE_IDLE:
    case COPY_PHASE_CHOOSE:
    case COPY_PHASE_PREVIEW:
        s_end(s, COPY_OUTCOME_STOPPED);
        return;
    case COPY_PHASE_CLEANUP_ASK:
        s_after_stop(s);
        return;
    default:
        break;
    }
    if (s->copier)
        row_copy_stop(s->copier);
    if (s->job && !s->removing)
        temp_cluster_cancel(s->job);
}

void copy_session_cleanup(struct copy_session *s, bool remove)
{
    if (!s || s->st.phase != COPY_PHASE_CLEANUP_ASK)
        return;
    if (remove)
        s_remove(s);
    else
        s_keep(s);
}

const struct copy_session_state *copy_session_state(const struct copy_session *s)
{
    return &s->st;
}

static void s_destroy(struct copy_session *s)
{
    if (s->notify_timer)
        ev_timer_cancel(s->loop, s->notify_timer);
    if (s->journal)
        journal_close(s->journal);
    vector_counts_free(&s->snap_counts);
    vector_counts_free(&s->new_counts);
    row_counts_free(&s->expected);
    free(s->stats.index_name);
    if (s->have_preview)
        copy_preview_free(&s->preview);
    if (s->have_plan)
        plan_free(&s->plan);
    if (s->have_inv)
        inventory_free(&s->inv);
    copy_snapshots_free(&s->snaps);
    copy_snapshot_free(&s->snap);
    copy_target_free(&s->target);
    if (s->have_dep)
        deployment_free(&s->dep);
    copy_view_free(&s->view);
    free(s->st_run_id);
    for (int r = 0; r < COPY_RES_N; r++) {
        free(s->st_res_name[r]);
        free(s->st_res_id[r]);
    }
    s_bots_free(s);
    for (int r = 0; r < COPY_RES_N; r++)
        free(s->aws_status[r]);
    for (size_t i = 0; i < s->nlog; i++)
        message_free(&s->log[i].text);
    message_free(&s->st.error);
    free(s->journal_path);
    free(s->stack);
    free(s->outputs_file);
    free(s->snapshot_arg);
    free(s->bots_csv);
    free(s->exclude_csv);
    free(s->prices_file);
    free(s);
}

void copy_session_free(struct copy_session *s)
{
    if (!s)
        return;
    if (s->ops > 0) {
        /* Callbacks are still due: they find the session gone and free it at the last. */
        s->zombie = true;
        if (s->notify_timer) {
            ev_timer_cancel(s->loop, s->notify_timer);
            s->notify_timer = 0;
        }
        if (s->copier)
            row_copy_stop(s->copier);
        if (s->job && !s->removing)
            temp_cluster_cancel(s->job);
        return;
    }
    s_destroy(s);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void s_add_number_or_null(cJSON *o, const char *name, double x, bool known)
{
    if (known)
        cJSON_AddNumberToObject(o, name, x);
    else
        cJSON_AddNullToObject(o, name);
}

cJSON *copy_session_bot_to_json(const struct copy_session_bot *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bot_id", b->bot_id);
    cJSON_AddStringToObject(o, "way", copy_way_name(b->way));
    cJSON_AddStringToObject(o, "phase", copy_bot_phase_name(b->phase));
    cJSON_AddNumberToObject(o, "rows", (double)b->rows_done);
    cJSON_AddNumberToObject(o, "rows_total", (double)b->rows_total);
    cJSON_AddNumberToObject(o, "bytes", (double)b->bytes_done);
    cJSON_AddNumberToObject(o, "rows_per_s", b->rows_per_s);
    cJSON_AddNumberToObject(o, "bytes_per_s", b->bytes_per_s);
    s_add_number_or_null(o, "eta_s", b->eta_s, b->eta_s >= 0);
    return o;
}

cJSON *copy_session_rate_to_json(const struct copy_session_state *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "bots_to_copy", (double)st->bots_to_copy);
    cJSON_AddNumberToObject(o, "bots_copied", (double)st->bots_copied);
    cJSON_AddNumberToObject(o, "bots_failed", (double)st->bots_failed);
    cJSON_AddNumberToObject(o, "rows", (double)st->rows_done);
    s_add_number_or_null(o, "rows_total", (double)st->rows_total, st->rows_total >= 0);
    cJSON_AddNumberToObject(o, "rows_copied_now", (double)st->rate.rows);
    cJSON_AddNumberToObject(o, "bytes_copied_now", (double)st->rate.bytes);
    cJSON_AddNumberToObject(o, "seconds", st->rate.seconds);
    cJSON_AddNumberToObject(o, "rows_per_s", st->rate.rows_per_s);
    cJSON_AddNumberToObject(o, "bytes_per_s", st->rate.bytes_per_s);
    s_add_number_or_null(o, "eta_s", st->rate.eta_s, st->rate.eta_s >= 0);
    return o;
}

cJSON *copy_session_state_to_json(const struct copy_session_state *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "phase", copy_phase_name(st->phase));
    cJSON_AddStringToObject(o, "outcome", copy_outcome_name(st->outcome));
    if (st->run_id)
        cJSON_AddStringToObject(o, "run_id", st->run_id);
    else
        cJSON_AddNullToObject(o, "run_id");
    cJSON_AddBoolToObject(o, "resuming", st->resuming);
    cJSON_AddBoolToObject(o, "stopping", st->stopping);
    cJSON_AddBoolToObject(o, "nothing_to_copy", st->nothing_to_copy);
    cJSON *res = cJSON_AddArrayToObject(o, "resources");
    for (int r = 0; r < COPY_RES_N; r++) {
        const struct copy_session_resource *x = &st->resources[r];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "resource", copy_resource_name(x->kind));
        static const char *const states[] = {"none", "intended", "created", "deleting", "deleted"};
        cJSON_AddStringToObject(e, "state", states[x->state]);
        if (x->name)
            cJSON_AddStringToObject(e, "name", x->name);
        if (x->id)
            cJSON_AddStringToObject(e, "id", x->id);
        if (x->aws_status)
            cJSON_AddStringToObject(e, "aws_status", x->aws_status);
        cJSON_AddItemToArray(res, e);
    }
    cJSON *bots = cJSON_AddArrayToObject(o, "bots");
    for (size_t i = 0; i < st->nbots; i++)
        cJSON_AddItemToArray(bots, copy_session_bot_to_json(&st->bots[i]));
    cJSON_AddItemToObject(o, "rate", copy_session_rate_to_json(st));
    cJSON_AddBoolToObject(o, "reindexed", st->reindexed);
    cJSON_AddBoolToObject(o, "verified", st->verified);
    cJSON_AddNumberToObject(o, "mismatches", (double)st->mismatches);
    cJSON_AddStringToObject(o, "cleanup", copy_cleanup_state_name(st->cleanup));
    if (st->error.id != MSG_NONE)
        cJSON_AddItemToObject(o, "error", message_to_json(&st->error));
    return o;
}
