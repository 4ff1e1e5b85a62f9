/* The copy way's choice screen: the snapshots of the replaced v0 cluster (newest first,
 * with dates and sizes; the operator picks one), the two previews side by side for the
 * snapshot under the cursor — re-embed (the plan's estimate, the cost step's engine)
 * and copy (engine/copy/copy_preview: the temporary Serverless v2 cluster's ACU-hours,
 * Data API requests, storage, time) — which bots go which way and why, and the explicit
 * confirmation that hands over to the copy's dashboard (step_copy_run.c).
 *
 * What it asks AWS, all through the engine and the one loop: the v1 cluster and its
 * subnet group (copy_target_find), the stack's v0 snapshots (copy_snapshots_find, the
 * v1 cluster's own left out), and the rows per bot already in the v1 cluster
 * (row_counts_read: counts only, never content), so bots already there show as skipped
 * before anything is created. An unfinished copy in the copy journal is offered for
 * resuming instead of a new choice. */
#include "tui/tui.h"

#include "aws/rds_data.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"
#include "engine/copy/copy_target.h"
#include "engine/copy/row_copy.h"
#include "engine/copy/snapshots.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "tui/copy_screens.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Snapshot rows shown at most (the list scrolls under the cursor; fewer on a small
 * terminal). */
#define SNAP_ROWS_MAX 4

struct copy_step {
    unsigned gen;                 /* bumped when the lookups start again: late answers drop */
    int pending;                  /* lookups of this generation not yet answered */
    bool started;
    char *error;                  /* a lookup failed: what, why, what to do */
    struct copy_target target;
    bool have_target;
    struct copy_snapshots snaps;  /* a deep copy of the engine's answer */
    bool have_snaps;
    struct row_counts v1_rows;    /* rows per bot already in v1 */
    bool have_v1_rows;
    char *v1_rows_note;           /* why they could not be counted (the preview says so) */
    size_t cursor;                /* snapshot under the cursor */
    size_t top;
    struct copy_preview preview;  /* for the snapshot under the cursor */
    bool have_preview;
    size_t preview_for;
    const struct plan *preview_plan;
    int scroll;                   /* rows of the bots list */
    bool button_focused;
    char *notice;
    enum ui_color notice_color;
    struct copy_view unfinished;  /* an unfinished copy in the journal (run_id set) */
    bool checked_journal;
    /* The copy rate the journal measured (an earlier or unfinished copy), for the preview's
     * time, as the copy session's own preview uses it; 0: none measured. */
    double measured_rows_per_s, measured_bytes_per_s;
    char *measured_from;
    const struct deployment *dep_seen; /* the deployment the lookups were made for */
};

struct copy_ask {
    struct wizard *w;
    unsigned gen;
};

static struct copy_step *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_COPY])
        w->step_data[STEP_COPY] = xcalloc(1, sizeof(struct copy_step));
    return w->step_data[STEP_COPY];
}

static void s_notice(struct copy_step *st, char *text, enum ui_color c)
{
    free(st->notice);
    st->notice = text;
    st->notice_color = c;
}

static void s_drop_preview(struct copy_step *st)
{
    if (st->have_preview)
        copy_preview_free(&st->preview);
    st->have_preview = false;
}

static void s_forget(struct copy_step *st)
{
    s_drop_preview(st);
    copy_target_free(&st->target);
    st->have_target = false;
    if (st->have_snaps)
        copy_snapshots_free(&st->snaps);
    memset(&st->snaps, 0, sizeof(st->snaps));
    st->have_snaps = false;
    row_counts_free(&st->v1_rows);
    st->have_v1_rows = false;
    free(st->v1_rows_note);
    st->v1_rows_note = NULL;
    free(st->error);
    st->error = NULL;
    st->cursor = st->top = 0;
    st->scroll = 0;
}

/* ---- lookups ------------------------------------------------------------------------ */

static struct copy_step *s_answer(struct copy_ask *ask)
{
    struct wizard *w = ask->w;
    w->inflight--;
    struct copy_step *st = w->step_data[STEP_COPY];
    bool current = st && st->gen == ask->gen;
    free(ask);
    if (!current)
        return NULL;
    st->pending--;
    if (st->pending == 0)
        wizard_spinner_release(w);
    wizard_dirty(w);
    return st;
}

static struct copy_ask *s_ask(struct wizard *w, struct copy_step *st)
{
    struct copy_ask *ask = xcalloc(1, sizeof(*ask));
    ask->w = w;
    ask->gen = st->gen;
    w->inflight++;
    if (st->pending++ == 0)
        wizard_spinner_acquire(w);
    return ask;
}

static void s_fail(struct copy_step *st, const char *error)
{
    if (st->error)
        return; /* the first failure is the one to act on */
    st->error = xstrdup(error && *error ? error : tr("copy.lookup_failed"));
}

static void s_on_snapshots(void *ud, const struct copy_snapshots *list, const char *error)
{
    struct copy_ask *ask = ud;
    struct wizard *w = ask->w;
    struct copy_step *st = s_answer(ask);
    if (!st)
        return;
    if (!list) {
        s_fail(st, error);
        return;
    }
    st->snaps.items = xcalloc(list->n ? list->n : 1, sizeof(*st->snaps.items));
    for (size_t i = 0; i < list->n; i++)
        copy_snapshot_copy(&st->snaps.items[i], &list->items[i]);
    st->snaps.n = list->n;
    st->snaps.considered = list->considered;
    st->have_snaps = true;
    wizard_dirty(w);
}

static void s_on_v1_rows(void *ud, const struct row_counts *counts, const char *error)
{
    struct copy_ask *ask = ud;
    struct copy_step *st = s_answer(ask);
    if (!st)
        return;
    if (!counts) {
        /* Not fatal: the copy counts again before deciding; the preview says so. */
        st->v1_rows_note = xstrdup(error && *error ? error : tr("copy.lookup_failed"));
        return;
    }
    row_counts_copy(&st->v1_rows, counts);
    st->have_v1_rows = true;
    s_drop_preview(st);
}

static void s_on_target(void *ud, const struct copy_target *t, const char *error)
{
    struct copy_ask *ask = ud;
    struct wizard *w = ask->w;
    struct copy_step *st = s_answer(ask);
    if (!st)
        return;
    if (!t) {
        s_fail(st, error);
        return;
    }
    copy_target_copy(&st->target, t);
    st->have_target = true;
    if (w->quitting || !w->session_open || !w->deployment)
        return;
    struct copy_snapshot_query q = {
        .stack = w->deployment->stack_name ? w->deployment->stack_name : w->opts->stack,
        .exclude_cluster = st->target.cluster_id,
        .only = w->opts->snapshot,
    };
    copy_snapshots_find(w->session.client, &q, s_on_snapshots, s_ask(w, st));
    struct rds_data_target v1 = {st->target.cluster_arn, w->deployment->outputs.db_secret_arn, "postgres"};
    row_counts_read(w->session.client, &v1, NULL, s_on_v1_rows, s_ask(w, st));
}

static void s_start_lookups(struct wizard *w, struct copy_step *st)
{
    s_forget(st);
    st->gen++; /* answers to earlier lookups are dropped and no longer counted */
    if (st->pending > 0) {
        wizard_spinner_release(w);
        st->pending = 0;
    }
    st->started = true;
    st->dep_seen = w->deployment;
    if (!w->session_open || !w->deployment) {
        st->error = xstrdup(tr("copy.no_deployment"));
        return;
    }
    const struct stack_outputs *out = &w->deployment->outputs;
    char *v1_id = aurora_cluster_id_from_hostname(out->db_hostname);
    if (!out->db_secret_arn || !v1_id) {
        free(v1_id);
        st->error = xstrdup(tr("copy.no_v1_outputs"));
        return;
    }
    copy_target_find(w->session.client, v1_id, s_on_target, s_ask(w, st));
    free(v1_id);
}

/* An unfinished copy in the journal is resumed, not chosen again. */
static void s_check_journal(struct wizard *w, struct copy_step *st)
{
    if (st->checked_journal)
        return;
    st->checked_journal = true;
    char *path = w->journal_path ? copy_journal_path_for(w->journal_path) : NULL;
    char *error = NULL;
    bool loaded = path && copy_view_load(path, &st->unfinished, &error) == 0;
    int64_t measured_rows = 0;
    if (loaded && copy_view_measured_rate(&st->unfinished, &st->measured_rows_per_s,
                                          &st->measured_bytes_per_s, &measured_rows))
        st->measured_from = xasprintf("%s copy run %s, %lld rows",
                                      st->unfinished.finished ? "the finished" : "the earlier attempts of",
                                      st->unfinished.run_id ? st->unfinished.run_id : "?",
                                      (long long)measured_rows);
    if (!loaded || !st->unfinished.run_id || st->unfinished.finished) {
        copy_view_free(&st->unfinished);
        memset(&st->unfinished, 0, sizeof(st->unfinished));
    }
    free(error);
    free(path);
}

static void s_enter(struct wizard *w)
{
    struct copy_step *st = s_state(w);
    st->button_focused = false;
    s_notice(st, NULL, UI_NORMAL);
    s_check_journal(w, st);
    /* Looked up once per deployment (outputs resolved again: looked up again). */
    if (!st->started || st->error || st->dep_seen != w->deployment)
        s_start_lookups(w, st);
    s_drop_preview(st); /* the selection may have changed on the bots step */
}

/* ---- the preview ---------------------------------------------------------------------- */

static const struct copy_snapshot *s_current(const struct copy_step *st)
{
    return st->have_snaps && st->cursor < st->snaps.n ? &st->snaps.items[st->cursor] : NULL;
}

static const struct copy_preview *s_preview(struct wizard *w, struct copy_step *st)
{
    const struct copy_snapshot *snap = s_current(st);
    if (!snap || !w->plan)
        return NULL;
    if (st->have_preview && st->preview_for == st->cursor && st->preview_plan == w->plan)
        return &st->preview;
    s_drop_preview(st);
    struct copy_row_count *fresh = xcalloc(st->v1_rows.n + 1, sizeof(*fresh));
    for (size_t i = 0; i < st->v1_rows.n; i++)
        fresh[i] = (struct copy_row_count){st->v1_rows.items[i].bot_id, st->v1_rows.items[i].rows};
    struct copy_preview_options po = {
        .concurrency = w->opts->concurrency,
        .region = w->session_open ? w->session.region : NULL,
        .new_rows = st->have_v1_rows ? fresh : NULL,
        .n_new_rows = st->have_v1_rows ? st->v1_rows.n : 0,
        .prices = &w->plan->prices,
        .measured_rows_per_s = st->measured_rows_per_s,
        .measured_bytes_per_s = st->measured_bytes_per_s,
        .measured_from = st->measured_from,
    };
    copy_preview_build(w->plan, snap, &po, &st->preview);
    free(fresh);
    st->have_preview = true;
    st->preview_for = st->cursor;
    st->preview_plan = w->plan;
    return &st->preview;
}

/* ---- drawing -------------------------------------------------------------------------- */

void copy_format_time(char *buf, size_t n, int64_t ms)
{
    if (ms <= 0) {
        snprintf(buf, n, "?");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm);
}

const char *copy_way_label(enum copy_way way)
{
    switch (way) {
    case COPY_WAY_COPY: return tr("copy.way.copy");
    case COPY_WAY_REEMBED: return tr("copy.way.reembed");
    case COPY_WAY_SKIP: return tr("copy.way.skip");
    }
    return "";
}

const char *copy_resource_key(int resource)
{
    switch (resource) {
    case COPY_RES_SECRET: return "copy.res.secret";
    case COPY_RES_SECURITY_GROUP: return "copy.res.security_group";
    case COPY_RES_CLUSTER: return "copy.res.cluster";
    case COPY_RES_INSTANCE: return "copy.res.instance";
    default: return "";
    }
}

const char *copy_reason_text(const char *reason)
{
    static const struct {
        const char *engine, *key;
    } map[] = {
        {COPY_WHY_CREATED_AFTER, "copy.why.created_after"},
        {COPY_WHY_NOT_SUCCEEDED, "copy.why.not_succeeded"},
        {COPY_WHY_NO_ROWS, "copy.why.no_rows"},
        {COPY_WHY_MIGRATED, "copy.why.migrated"},
        {COPY_WHY_COPY, "copy.why.copy"},
        {PLAN_WHY_EMPTY, "copy.why.empty"},
        {PLAN_WHY_EXCLUDED, "copy.why.excluded"},
        {PLAN_WHY_NOT_LISTED, "copy.why.not_listed"},
        {PLAN_WHY_DESELECTED, "copy.why.deselected"},
        {PLAN_WHY_MIGRATED, "copy.why.plan_migrated"},
        {PLAN_WHY_KNOWLEDGE_BASE, "copy.why.knowledge_base"},
    };
    if (!reason)
        return "";
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(reason, map[i].engine) == 0)
            return tr(map[i].key);
    return reason; /* untrusted callers sanitise: ui_untrusted */
}

static void s_draw_snapshots(struct wizard *w, struct copy_step *st, int y, int x, int width, size_t rows)
{
    ui_text(y++, x, width, ui_attr(w, UI_HEADING), tr("copy.snapshots_heading"));
    int idw = width - 2 - 21 - 11 - 8 - 12;
    if (idw < 20)
        idw = 20;
    int cx = x + 2;
    ui_cell(y, cx, idw, ui_attr(w, UI_DIM), tr("copy.col.snapshot"), false);
    ui_cell(y, cx + idw + 1, 20, ui_attr(w, UI_DIM), tr("copy.col.created"), false);
    ui_cell(y, cx + idw + 22, 10, ui_attr(w, UI_DIM), tr("copy.col.type"), false);
    ui_cell(y, cx + idw + 33, 7, ui_attr(w, UI_DIM), tr("copy.col.size"), true);
    ui_cell(y, cx + idw + 41, 11, ui_attr(w, UI_DIM), tr("copy.col.status"), false);
    y++;
    if (st->cursor < st->top)
        st->top = st->cursor;
    if (st->cursor >= st->top + rows)
        st->top = st->cursor - rows + 1;
    for (size_t i = st->top; i < st->snaps.n && i < st->top + rows; i++, y++) {
        const struct copy_snapshot *s = &st->snaps.items[i];
        bool cur = i == st->cursor;
        attr_t a = cur ? ui_attr(w, UI_SELECTED) : ui_attr(w, UI_NORMAL);
        ui_text(y, x, 2, a, cur ? "›" : " ");
        ui_cell(y, cx, idw, a, "", false);
        ui_untrusted(y, cx, idw, a, s->id ? s->id : "");
        char when[40], size[24];
        copy_format_time(when, sizeof when, s->created_ms);
        snprintf(size, sizeof size, "%d GB", s->allocated_gb);
        ui_cell(y, cx + idw + 1, 20, a, when, false);
        ui_cell(y, cx + idw + 22, 10, a, "", false);
        ui_untrusted(y, cx + idw + 22, 10, a, s->type ? s->type : "");
        ui_cell(y, cx + idw + 33, 7, a, size, true);
        ui_cell(y, cx + idw + 41, 11, a, "", false);
        ui_untrusted(y, cx + idw + 41, 11, a, s->status ? s->status : "");
    }
    if (st->snaps.n > rows) {
        char *more = trf("copy.snapshots_more", st->cursor + 1, st->snaps.n);
        ui_text(y, cx, width - 2, ui_attr(w, UI_DIM), more);
        free(more);
    }
}

/* One line of a preview column: a label, then the value (accent). */
static void s_line(struct wizard *w, int y, int x, int width, const char *label_key, const char *value)
{
    int lw = 11;
    if (label_key)
        ui_cell(y, x, lw, ui_attr(w, UI_DIM), tr(label_key), false);
    ui_text(y, x + lw, width - lw, ui_attr(w, UI_ACCENT), value);
}

#define PREVIEW_ROWS 8

/* The two previews side by side; returns the rows used (PREVIEW_ROWS). */
static int s_draw_previews(struct wizard *w, const struct copy_preview *p, const struct copy_snapshot *snap,
                           int y, int x, int width)
{
    const struct plan *plan = w->plan;
    int half = (width - 3) / 2;
    int lx = x, rx = x + half + 3, rw = width - half - 3;
    ui_text(y, lx, half, ui_attr(w, UI_HEADING), tr("copy.reembed_heading"));
    ui_text(y, rx, rw, ui_attr(w, UI_HEADING), tr("copy.copy_heading"));
    for (int r = 0; r < PREVIEW_ROWS; r++)
        ui_text(y + r, x + half + 1, 1, ui_attr(w, UI_DIM), "│");
    char buf[160], a[48], b[48];

    /* Left: re-embed everything selected (the cost step's estimate, today). */
    ui_format_usd_range(buf, sizeof buf, p->reembed_all_usd_lo, p->reembed_all_usd_hi);
    s_line(w, y + 1, lx, half, "copy.label.cost", buf);
    ui_format_duration(a, sizeof a, p->reembed_all_wall_lo);
    ui_format_duration(b, sizeof b, p->reembed_all_wall_hi);
    snprintf(buf, sizeof buf, "%s–%s", a, b);
    s_line(w, y + 2, lx, half, "copy.label.time", buf);
    char *tasks = trf("copy.reembed_tasks", plan->nselected);
    s_line(w, y + 3, lx, half, "copy.label.tasks", tasks);
    free(tasks);
    snprintf(buf, sizeof buf, "%llu–%llu", (unsigned long long)plan->totals.tokens_lo,
             (unsigned long long)plan->totals.tokens_hi);
    s_line(w, y + 4, lx, half, "copy.label.tokens", buf);
    ui_wrap(y + 5, lx, half, 3, ui_attr(w, UI_DIM), tr("copy.reembed_note"));

    /* Right: the copy from this snapshot, and re-embedding what it cannot take. */
    ui_format_usd_range(buf, sizeof buf, p->usd_lo, p->usd_hi);
    s_line(w, y + 1, rx, rw, "copy.label.cost", buf);
    ui_format_usd_range(a, sizeof a, p->reembed_rest_usd_lo, p->reembed_rest_usd_hi);
    char *rest = trf("copy.rest_value", p->nreembed, a);
    s_line(w, y + 2, rx, rw, "copy.label.rest", rest);
    free(rest);
    ui_format_duration(a, sizeof a, p->hours_lo * 3600.0);
    ui_format_duration(b, sizeof b, p->hours_hi * 3600.0);
    snprintf(buf, sizeof buf, "%s–%s%s", a, b, p->rate_measured ? tr("copy.time_measured") : "");
    s_line(w, y + 3, rx, rw, "copy.label.time", buf);
    char *rows = trf("copy.rows_value", p->ncopy, (long long)p->rows_lo, (long long)p->rows_hi);
    s_line(w, y + 4, rx, rw, "copy.label.rows", rows);
    free(rows);
    snprintf(buf, sizeof buf, "%.1f–%.1f", p->acu_hours_lo, p->acu_hours_hi);
    s_line(w, y + 5, rx, rw, "copy.label.acu", buf);
    char *req = trf("copy.requests_value", (unsigned long long)p->requests_lo, (unsigned long long)p->requests_hi);
    s_line(w, y + 6, rx, rw, "copy.label.data_api", req);
    free(req);
    char *storage = trf("copy.storage_value", snap->allocated_gb > 0 ? snap->allocated_gb : 1,
                        p->prices.region ? p->prices.region : "?",
                        p->prices.region_exact ? "" : tr("copy.price_region_other"));
    s_line(w, y + 7, rx, rw, "copy.label.storage", storage);
    free(storage);
    return PREVIEW_ROWS;
}

static int s_bot_rows(const struct copy_preview *p)
{
    return (int)p->nbots;
}

static void s_draw_bots(struct wizard *w, struct copy_step *st, const struct copy_preview *p, int y,
                        int x, int width, int h)
{
    char *head = trf("copy.bots_heading", p->ncopy, p->nreembed, p->nskip);
    ui_text(y++, x, width, ui_attr(w, UI_HEADING), head);
    free(head);
    h--;
    if (st->v1_rows_note && h > 0) {
        char *note = trf("copy.v1_rows_unknown", st->v1_rows_note);
        ui_untrusted(y++, x + 2, width - 2, ui_attr(w, UI_WARN), note);
        free(note);
        h--;
    }
    int total = s_bot_rows(p);
    if (st->scroll > total - h)
        st->scroll = total > h ? total - h : 0;
    if (st->scroll < 0)
        st->scroll = 0;
    /* Copied bots first, then the ones re-embedded, then the skipped: the order a person
     * checks them in. */
    int row = 0;
    static const enum copy_way order[] = {COPY_WAY_COPY, COPY_WAY_REEMBED, COPY_WAY_SKIP};
    int ww = 10, tw = width / 3;
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < p->nbots; i++) {
            const struct copy_bot_way *b = &p->bots[i];
            if (b->way != order[k])
                continue;
            if (row >= st->scroll && row - st->scroll < h) {
                int ry = y + row - st->scroll;
                enum ui_color c = b->way == COPY_WAY_COPY ? UI_OK : b->way == COPY_WAY_REEMBED ? UI_WARN : UI_DIM;
                ui_cell(ry, x + 2, ww, ui_attr(w, c), copy_way_label(b->way), false);
                const char *title = b->bot->title && *b->bot->title ? b->bot->title : b->bot->bot_id;
                ui_untrusted(ry, x + 3 + ww, tw, ui_attr(w, UI_NORMAL), title);
                if (b->way == COPY_WAY_COPY) {
                    ui_text(ry, x + 4 + ww + tw, width - 4 - ww - tw, ui_attr(w, UI_DIM),
                            tr("copy.why.copy"));
                } else {
                    ui_untrusted(ry, x + 4 + ww + tw, width - 4 - ww - tw, ui_attr(w, UI_DIM),
                                 copy_reason_text(b->reason));
                }
            }
            row++;
        }
    }
}

/* An unfinished copy in the journal: what it is and what exists, then r resumes it. */
static void s_draw_resume(struct wizard *w, const struct copy_view *v, struct rect a)
{
    int x = a.x + 1, width = a.w - 2, y = a.y;
    ui_text(y++, x, width, ui_attr(w, UI_HEADING), tr("copy.resume_title"));
    y++;
    size_t to_copy = 0, copied = 0;
    for (size_t i = 0; i < v->nbots; i++) {
        if (v->bots[i].way && strcmp(v->bots[i].way, "copy") == 0) {
            to_copy++;
            copied += v->bots[i].state == COPY_BOT_COPIED;
        }
    }
    char when[40];
    copy_format_time(when, sizeof when, v->started_ms);
    char *run = ui_sanitize(v->run_id, strlen(v->run_id), 64);
    char *snap = ui_sanitize(v->snapshot_id ? v->snapshot_id : "?", v->snapshot_id ? strlen(v->snapshot_id) : 1, 200);
    char *body = trf("copy.resume_body", run, snap, when, copied, to_copy);
    free(run);
    free(snap);
    y += ui_wrap(y, x + 2, width - 2, 4, ui_attr(w, UI_NORMAL), body);
    free(body);
    y++;
    static const char *const state_keys[] = {"copy.res.none", "copy.res.intended", "copy.res.created",
                                             "copy.res.deleting", "copy.res.deleted"};
    for (int r = 0; r < COPY_RES_N && y < a.y + a.h - 3; r++, y++) {
        const struct copy_res *res = &v->res[r];
        ui_cell(y, x + 2, 24, ui_attr(w, UI_DIM), tr(copy_resource_key(r)), false);
        ui_cell(y, x + 27, 12, ui_attr(w, res->state == COPY_RES_CREATED ? UI_ACCENT : UI_NORMAL),
                tr(state_keys[res->state]), false);
        ui_untrusted(y, x + 40, width - 40, ui_attr(w, UI_DIM), res->name ? res->name : "");
    }
    y++;
    ui_wrap(y, x, width, a.y + a.h - y, ui_attr(w, UI_WARN), tr("copy.resume_hint"));
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct copy_step *st = s_state(w);
    int x = a.x + 1, width = a.w - 2;
    int y = a.y;
    if (st->unfinished.run_id) {
        s_draw_resume(w, &st->unfinished, a);
        return;
    }
    if (st->error) {
        ui_text(y++, x, width, ui_attr(w, UI_FAIL), tr("copy.lookup_failed"));
        char *safe = ui_sanitize(st->error, strlen(st->error), 2000);
        ui_wrap(y, x + 2, width - 2, a.h - 3, ui_attr(w, UI_NORMAL), safe);
        free(safe);
        ui_text(a.y + a.h - 1, x, width, ui_attr(w, UI_DIM), tr("copy.retry_hint"));
        return;
    }
    if (!st->have_snaps || !w->plan) {
        char *line = xasprintf("%s %s", wizard_spinner_frame(w),
                               tr(st->have_target ? "copy.finding_snapshots" : "copy.finding_target"));
        ui_text(y, x, width, ui_attr(w, UI_RUNNING), line);
        free(line);
        return;
    }
    if (st->snaps.n == 0) {
        ui_text(y++, x, width, ui_attr(w, UI_WARN), tr("copy.no_snapshots_title"));
        char *body = trf("copy.no_snapshots", st->snaps.considered);
        ui_wrap(y + 1, x + 2, width - 2, a.h - 3, ui_attr(w, UI_NORMAL), body);
        free(body);
        return;
    }
    /* Room: the previews, the bots heading and one bot, the confirmation; the snapshot
     * list gets what is left, up to SNAP_ROWS_MAX. */
    int room = a.h - (3 + PREVIEW_ROWS + 1 + 2 + 3);
    size_t snap_rows = room < 1 ? 1 : room > SNAP_ROWS_MAX ? SNAP_ROWS_MAX : (size_t)room;
    if (snap_rows > st->snaps.n)
        snap_rows = st->snaps.n;
    bool more = st->snaps.n > snap_rows;
    if (more && snap_rows > 1 && (int)snap_rows == room)
        snap_rows--; /* the "n of m" line needs a row too */
    s_draw_snapshots(w, st, y, x, width, snap_rows);
    y += 2 + (int)snap_rows + (st->snaps.n > snap_rows) + 1;
    const struct copy_preview *p = s_preview(w, st);
    if (!p)
        return;
    y += s_draw_previews(w, p, s_current(st), y, x, width) + 1;

    int confirm_h = 3;
    int bots_h = a.y + a.h - confirm_h - y;
    if (bots_h > 1)
        s_draw_bots(w, st, p, y, x, width, bots_h);

    int ly = a.y + a.h - confirm_h;
    for (int i = 0; i < a.w; i++)
        ui_text(ly, a.x + i, 1, ui_attr(w, UI_DIM), "─");
    const char *labels[1] = {tr("copy.start")};
    int bw = ui_buttons(w, ly + 1, x, labels, 1, st->button_focused ? 0 : -1);
    const char *hint = p->ncopy == 0 ? "copy.nothing_to_copy"
                       : st->button_focused ? "copy.enter_confirms" : "copy.tab_hint";
    ui_text(ly + 1, x + bw + 1, width - bw - 1, ui_attr(w, p->ncopy == 0 ? UI_WARN : UI_DIM), tr(hint));
    if (st->notice)
        ui_wrap(ly + 2, x, width, 1, ui_attr(w, st->notice_color), st->notice);
}

/* ---- keys ------------------------------------------------------------------------------- */

static const struct key_help s_keys[] = {
    {"↑↓", "key.copy_snapshot", true},
    {"PgUp/PgDn", "key.scroll", true},
    {"Tab", "key.copy_focus", true},
    {"Esc", "key.back", true},
    {"r", "key.refresh", false},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_button[] = {
    {"Enter", "key.copy_confirm", true},
    {"Tab/Esc", "key.leave_launch", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_resume[] = {
    {"r", "key.copy_resume", true},
    {"Esc", "key.back", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    const struct copy_step *st = w->step_data[STEP_COPY];
    if (st && st->unfinished.run_id)
        return s_keys_resume;
    return st && st->button_focused ? s_keys_button : s_keys;
}

static void s_on_confirm(struct wizard *w, void *ud, bool yes)
{
    (void)ud;
    struct copy_step *st = w->step_data[STEP_COPY];
    if (!st)
        return;
    st->button_focused = false;
    const struct copy_snapshot *snap = s_current(st);
    if (!yes || !snap) {
        s_notice(st, xstrdup(tr("copy.not_confirmed")), UI_NORMAL);
        return;
    }
    copy_run_begin(w, snap->id, false);
}

static void s_ask_confirm(struct wizard *w, struct copy_step *st)
{
    const struct copy_preview *p = s_preview(w, st);
    const struct copy_snapshot *snap = s_current(st);
    if (!p || !snap)
        return;
    if (p->ncopy == 0) {
        s_notice(st, xstrdup(tr("copy.nothing_to_copy")), UI_WARN);
        return;
    }
    char usd[64];
    ui_format_usd_range(usd, sizeof usd, p->usd_lo, p->usd_hi);
    char *id = ui_sanitize(snap->id, strlen(snap->id), 200);
    char *body = trf("copy.confirm_body", id, p->ncopy, usd);
    free(id);
    ui_confirm(w, tr("copy.confirm_title"), body, tr("copy.confirm_yes"), tr("copy.confirm_no"),
               s_on_confirm, NULL);
    free(body);
}

static bool s_key_resume(struct wizard *w, struct copy_step *st, wint_t wch, bool is_key_code)
{
    if (is_key_code)
        return false;
    if (wch == L'r' || wch == L'R') {
        copy_run_begin(w, st->unfinished.snapshot_id, true);
        return true;
    }
    if (wch == 27) {
        wizard_go(w, STEP_BOTS);
        return true;
    }
    return false;
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct copy_step *st = s_state(w);
    if (st->unfinished.run_id)
        return s_key_resume(w, st, wch, is_key_code);
    if (st->button_focused) {
        if (is_key_code && wch == KEY_ENTER)
            wch = L'\r', is_key_code = false;
        if (is_key_code) {
            if (wch == KEY_BTAB)
                st->button_focused = false;
            return true;
        }
        if (wch == L'\t' || wch == 27)
            st->button_focused = false;
        else if (wch == L'\r' || wch == L'\n')
            s_ask_confirm(w, st);
        return true; /* nothing else acts while the button has focus */
    }
    if (is_key_code) {
        switch (wch) {
        case KEY_UP:
            if (st->cursor > 0)
                st->cursor--;
            return true;
        case KEY_DOWN:
            if (st->have_snaps && st->cursor + 1 < st->snaps.n)
                st->cursor++;
            return true;
        case KEY_PPAGE: st->scroll = st->scroll > 5 ? st->scroll - 5 : 0; return true;
        case KEY_NPAGE: st->scroll += 5; return true;
        case KEY_BACKSPACE: wizard_go(w, STEP_BOTS); return true;
        case KEY_ENTER: goto enter;
        default: return false;
        }
    }
    switch (wch) {
    case L'\t':
        if (st->have_snaps && st->snaps.n > 0 && w->plan) {
            st->button_focused = true;
            s_notice(st, NULL, UI_NORMAL);
        }
        return true;
    case L'r':
        if (st->pending == 0) {
            s_start_lookups(w, st);
            s_notice(st, NULL, UI_NORMAL);
        }
        return true;
    case 27:
        wizard_go(w, STEP_BOTS);
        return true;
    case L'\r':
    case L'\n':
        goto enter;
    default: return false;
    }
enter:
    /* Enter alone never creates anything; say how to go on. */
    if (st->have_snaps && st->snaps.n > 0)
        s_notice(st, xstrdup(tr("copy.tab_hint")), UI_WARN);
    return true;
}

static void s_destroy(struct wizard *w)
{
    struct copy_step *st = w->step_data[STEP_COPY];
    if (!st)
        return;
    s_forget(st);
    free(st->notice);
    free(st->measured_from);
    copy_view_free(&st->unfinished);
    free(st);
    w->step_data[STEP_COPY] = NULL;
}

const struct wizard_step step_copy = {
    .name = "step.copy",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
