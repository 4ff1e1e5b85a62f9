/* Step 6, the run dashboard: opens the run (the plan's selected bots, or the journal's
 * run when resuming), then shows overall progress, counts by state, throughput, ETA and
 * cost so far above one row per bot (spinner, state, attempt, elapsed, reason). Enter
 * opens a bot's task detail with a live tail of its CloudWatch log. r retries failed
 * bots, p pauses launching, + / - change concurrency, q leaves with a confirmation
 * (tasks keep running; the journal lets a later start resume them).
 *
 * A view: it changes the run only through runner_* calls and learns of changes through
 * the runner's observer. */
#include "tui/tui.h"

#include "app/output.h"
#include "aws/client.h"
#include "engine/discover/deployment.h"
#include "engine/discover/identity.h"
#include "engine/discover/inventory.h"
#include "engine/run/journal_aside.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "engine/run/runner.h"
#include "engine/run/task_log.h"
#include "tui/run_screens.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/textwidth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUN_MESSAGES 32
#define LOG_POLL_MS 2000
#define LOG_KEEP_LINES 2000
#define LOG_FIRST_LIMIT 200
#define DEFAULT_RETRIES 2

struct run_screen;

/* One GetLogEvents in flight. The screen may close the detail (or go away) before the
 * answer comes: it then clears owner and the answer is dropped. */
struct log_fetch {
    struct run_screen *owner;
    struct wizard *w;              /* counted in w->inflight until the answer comes */
};

struct run_message {
    enum runner_msg_level level;
    char *text;
};

struct run_screen {
    struct wizard *w;
    struct ui_table table;
    char *open_error;              /* the run could not be opened: why, what to do */
    char *aside_path;              /* the earlier run's journal, set aside for this one */
    struct run_message msgs[RUN_MESSAGES];
    size_t nmsgs;                  /* ring: the newest is at (head + nmsgs - 1) */
    size_t head;
    char *last_error;
    bool spinning;
    bool quitting;                 /* runner_leave sent; the wizard exits when it finishes */
    uint64_t finish_timer;         /* deferred move to the summary */
    double est_lo, est_hi;

    /* Cost so far: a Fargate price per hour for the task size, and the plan's embedding
     * estimate per runner bot (NULL entries when the plan does not know the bot). */
    double fargate_hourly;         /* -1 unknown */
    const struct plan_item **items;
    size_t nitems;

    /* Task detail and log tail. */
    bool detail_open;
    size_t detail_index;
    struct ui_logview log;
    char *log_task_id;             /* whose log the view holds */
    char *log_token;               /* nextForwardToken of the last answer */
    char *log_note;                /* waiting / error text under the log */
    bool log_note_error;
    bool log_at_end;               /* the stream gave nothing new last time */
    struct log_fetch *fetch;
    uint64_t log_timer;
};

static struct run_screen *s_screen(const struct wizard *w)
{
    return w->step_data[STEP_RUN];
}

/* ---- observer ------------------------------------------------------------------------- */

static void s_push_message(struct run_screen *rs, enum runner_msg_level level, const char *text)
{
    size_t slot;
    if (rs->nmsgs < RUN_MESSAGES) {
        slot = (rs->head + rs->nmsgs) % RUN_MESSAGES;
        rs->nmsgs++;
    } else {
        slot = rs->head;
        free(rs->msgs[slot].text);
        rs->head = (rs->head + 1) % RUN_MESSAGES;
    }
    rs->msgs[slot].level = level;
    rs->msgs[slot].text = xstrdup(text);
    if (level == RUNNER_ERROR) {
        free(rs->last_error);
        rs->last_error = xstrdup(text);
    }
}

static const struct run_message *s_newest_message(const struct run_screen *rs)
{
    return rs->nmsgs ? &rs->msgs[(rs->head + rs->nmsgs - 1) % RUN_MESSAGES] : NULL;
}

static void s_spinner(struct run_screen *rs, bool on)
{
    if (on == rs->spinning)
        return;
    rs->spinning = on;
    if (on)
        wizard_spinner_acquire(rs->w);
    else
        wizard_spinner_release(rs->w);
}

static void s_on_state(void *ud, const struct runner *r, size_t index, enum bot_state from,
                       enum bot_state to)
{
    struct run_screen *rs = ud;
    (void)r;
    (void)index;
    (void)from;
    (void)to;
    wizard_dirty(rs->w);
}

static void s_on_message(void *ud, const struct runner *r, enum runner_msg_level level,
                         const char *text)
{
    struct run_screen *rs = ud;
    (void)r;
    s_push_message(rs, level, text);
    wizard_dirty(rs->w);
}

static void s_finish_timer(void *ud)
{
    struct run_screen *rs = ud;
    rs->finish_timer = 0;
    struct wizard *w = rs->w;
    if (!w->runner || !runner_finished(w->runner))
        return; /* a retry restarted it meanwhile */
    if (rs->quitting || w->quitting)
        return; /* the wizard's loop is ending */
    if (w->step == STEP_RUN && !rs->detail_open && !w->modal)
        wizard_go(w, STEP_SUMMARY);
    wizard_dirty(w);
    /* Timers fire before the loop waits: without a wake-up the redraw would wait for the
     * next key or reply. */
    ev_loop_wakeup(w->session.loop);
}

static void s_on_finished(void *ud, const struct runner *r)
{
    struct run_screen *rs = ud;
    (void)r;
    s_spinner(rs, false);
    /* Not from inside the runner's own call stack: the step may change and the summary
     * builds its report from the runner. */
    if (!rs->finish_timer)
        rs->finish_timer = ev_timer_add(rs->w->session.loop, 0, s_finish_timer, rs);
    wizard_dirty(rs->w);
}

/* ---- opening the run -------------------------------------------------------------------- */

static void s_index_plan(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    size_t n = runner_count(w->runner);
    free(rs->items);
    rs->items = xcalloc(n ? n : 1, sizeof(*rs->items));
    rs->nitems = n;
    if (!w->plan)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct run_bot *b = runner_bot(w->runner, i);
        for (size_t k = 0; k < w->plan->nitems; k++) {
            const struct bot *pb = w->plan->items[k].bot;
            if (pb && pb->bot_id && strcmp(pb->bot_id, b->bot_id) == 0) {
                rs->items[i] = &w->plan->items[k];
                break;
            }
        }
    }
}

static void s_prices(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    const struct deployment *dep = w->deployment;
    int cpu = dep && dep->task_cpu_units > 0 ? dep->task_cpu_units : PLAN_DEFAULT_CPU_UNITS;
    int mem = dep && dep->task_memory_mib > 0 ? dep->task_memory_mib : PLAN_DEFAULT_MEMORY_MIB;
    if (w->plan) {
        rs->fargate_hourly = fargate_hourly_usd(&w->plan->prices, w->plan->task_cpu_units,
                                                w->plan->task_memory_mib);
        rs->est_lo = w->plan->totals.usd_lo;
        rs->est_hi = w->plan->totals.usd_hi;
        return;
    }
    struct price_table t;
    price_table_builtin(w->session.region, dep ? dep->cpu_architecture : NULL, &t);
    char *error = NULL;
    if (w->opts->prices_file && price_table_apply_file(&t, w->opts->prices_file, &error) != 0)
        free(error); /* the cost step already reported it; built-in prices stand */
    rs->fargate_hourly = fargate_hourly_usd(&t, cpu, mem);
    price_table_free(&t);
    rs->est_lo = rs->est_hi = -1;
}

/* A resumed run keeps the concurrency it was started with; a journal that does not say
 * gets the default for the task size. */
static int s_resume_concurrency(const struct wizard *w)
{
    struct journal_view v;
    char *error = NULL;
    int n = 0;
    if (journal_view_load(w->journal_path, &v, &error) == 0) {
        n = v.concurrency;
        journal_view_free(&v);
    }
    free(error);
    if (n > 0)
        return n;
    const struct deployment *dep = w->deployment;
    char *why = NULL;
    n = plan_default_concurrency(dep && dep->task_cpu_units > 0 ? dep->task_cpu_units : PLAN_DEFAULT_CPU_UNITS,
                                 dep && dep->task_memory_mib > 0 ? dep->task_memory_mib : PLAN_DEFAULT_MEMORY_MIB,
                                 0, &why);
    free(why);
    return n > 0 ? n : 1;
}

static int s_open_runner(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    const struct deployment *dep = w->deployment;
    if (!dep || !w->journal_path) {
        rs->open_error = xstrdup(tr("run.err.no_deployment"));
        return -1;
    }
    bool resume = w->resume == WIZARD_RESUME_CONTINUE;
    if (!resume) {
        /* A new run: an earlier run in the same journal is kept, under its run id, and
         * the new one starts afresh (otherwise its finished bots would count as done). */
        char *error = NULL;
        if (journal_set_aside(w->journal_path, &rs->aside_path, &error) != 0) {
            rs->open_error = error;
            return -1;
        }
    }
    size_t ntargets = 0;
    struct runner_target *targets = NULL;
    if (!resume && w->plan) {
        targets = xcalloc(w->plan->nitems ? w->plan->nitems : 1, sizeof(*targets));
        for (size_t k = 0; k < w->plan->nitems; k++) {
            const struct plan_item *it = &w->plan->items[k];
            if (!it->selected || !it->bot)
                continue;
            targets[ntargets].pk = it->bot->pk;
            targets[ntargets].sk = it->bot->sk;
            targets[ntargets].bot_id = it->bot->bot_id;
            targets[ntargets].title = it->bot->title;
            ntargets++;
        }
    }
    const struct stack_outputs *so = &dep->outputs;
    struct runner_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.journal_path = w->journal_path;
    cfg.stack = dep->stack_name ? dep->stack_name : w->opts->stack;
    cfg.cluster = so->cluster;
    cfg.task_definition = dep->task_definition_arn ? dep->task_definition_arn : so->task_definition;
    cfg.container = dep->container_name ? dep->container_name : so->container;
    cfg.subnets = (const char *const *)so->subnets;
    cfg.nsubnets = so->nsubnets;
    cfg.security_group = so->security_group;
    cfg.assign_public_ip = w->opts->assign_public_ip;
    cfg.table = so->table;
    cfg.log_group = dep->log_group;
    cfg.log_stream_prefix = dep->log_stream_prefix;
    cfg.concurrency = w->concurrency > 0 ? w->concurrency : (w->plan ? w->plan->concurrency : 0);
    if (cfg.concurrency <= 0)
        cfg.concurrency = s_resume_concurrency(w);
    cfg.retries = w->opts->retries >= 0 ? w->opts->retries : DEFAULT_RETRIES;
    struct runner_observer obs = {s_on_state, s_on_message, s_on_finished, rs};
    char *error = NULL;
    w->runner = runner_open(&w->session, &cfg, targets, ntargets, &obs, &error);
    free(targets);
    if (!w->runner) {
        rs->open_error = xasprintf("%s", error ? error : tr("run.err.open"));
        free(error);
        return -1;
    }
    if (runner_count(w->runner) == 0) {
        rs->open_error = xstrdup(tr("run.err.no_bots"));
        return -1;
    }
    return 0;
}

/* ---- table ------------------------------------------------------------------------------- */

enum { COL_ICON, COL_TITLE, COL_STATE, COL_ATTEMPT, COL_ELAPSED, COL_REASON, NCOLS };

static const struct table_column s_columns[NCOLS] = {
    {"run.col.icon", 1, 0, false, false},
    {"run.col.title", 16, 3, false, true},
    {"run.col.state", 12, 0, false, false},
    {"run.col.attempt", 2, 0, true, false},
    {"run.col.elapsed", 8, 0, true, false},
    {"run.col.reason", 12, 2, false, true},
};

static uint64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Seconds since launch (alive) or launch to stop (final); -1 before any launch. */
static double s_elapsed(const struct run_bot *b)
{
    if (!b->launched_at_ms)
        return -1;
    uint64_t end = b->stopped_at_ms && bot_state_final(b->state) ? b->stopped_at_ms : s_wall_ms();
    return end > b->launched_at_ms ? (double)(end - b->launched_at_ms) / 1000.0 : 0;
}

static const char *s_state_label(enum bot_state s)
{
    static char key[32];
    snprintf(key, sizeof key, "state.%s", bot_state_name(s));
    return tr(key);
}

static const char *s_icon(const struct wizard *w, enum bot_state s)
{
    switch (s) {
    case BOT_SUCCEEDED: return "✓";
    case BOT_FAILED: return "✗";
    case BOT_CANCELLED: return "⊘";
    case BOT_SKIPPED: return "-";
    case BOT_QUEUED: return "·";
    default: return w->runner && runner_finished(w->runner) ? "?" : wizard_spinner_frame(w);
    }
}

static const char *s_reason(const struct run_bot *b)
{
    if (b->reason && *b->reason)
        return b->reason;
    if (b->stopped_reason && *b->stopped_reason && b->state == BOT_FAILED)
        return b->stopped_reason;
    if (b->launch_failures && b->state == BOT_QUEUED)
        return tr("run.reason.launch_retry");
    return "";
}

static const char *s_cell(void *ud, size_t row, size_t col, char *buf, size_t n)
{
    struct wizard *w = ud;
    const struct run_bot *b = runner_bot(w->runner, row);
    if (!b)
        return "";
    switch (col) {
    case COL_ICON: return s_icon(w, b->state);
    case COL_TITLE: return b->title && *b->title ? b->title : b->bot_id;
    case COL_STATE: return s_state_label(b->state);
    case COL_ATTEMPT:
        snprintf(buf, n, "%d", b->attempt);
        return buf;
    case COL_ELAPSED:
        if (s_elapsed(b) < 0)
            return "";
        ui_format_duration(buf, n, s_elapsed(b));
        return buf;
    case COL_REASON: return s_reason(b);
    default: return "";
    }
}

static int s_compare(void *ud, size_t a, size_t b, size_t col)
{
    struct wizard *w = ud;
    const struct run_bot *x = runner_bot(w->runner, a), *y = runner_bot(w->runner, b);
    double dx, dy;
    switch (col) {
    case COL_ICON:
    case COL_STATE: return (int)x->state - (int)y->state;
    case COL_ATTEMPT: return x->attempt - y->attempt;
    case COL_ELAPSED:
        dx = s_elapsed(x);
        dy = s_elapsed(y);
        return dx < dy ? -1 : dx > dy;
    case COL_REASON: return strcmp(s_reason(x), s_reason(y));
    default: return strcmp(x->title ? x->title : "", y->title ? y->title : "");
    }
}

static int s_row_color(void *ud, size_t row)
{
    struct wizard *w = ud;
    const struct run_bot *b = runner_bot(w->runner, row);
    return b ? (int)ui_state_color(b->state) : UI_NORMAL;
}

/* ---- log tail ------------------------------------------------------------------------------ */

static void s_log_note(struct run_screen *rs, const char *text, bool error)
{
    free(rs->log_note);
    rs->log_note = text ? xstrdup(text) : NULL;
    rs->log_note_error = error;
}

static void s_log_stop(struct run_screen *rs)
{
    if (rs->fetch) {
        rs->fetch->owner = NULL; /* its answer will be dropped */
        rs->fetch = NULL;
    }
    if (rs->log_timer) {
        ev_timer_cancel(rs->w->session.loop, rs->log_timer);
        rs->log_timer = 0;
    }
}

static void s_log_fetch(struct run_screen *rs);

static void s_log_timer(void *ud)
{
    struct run_screen *rs = ud;
    rs->log_timer = 0;
    s_log_fetch(rs);
}

static void s_log_schedule(struct run_screen *rs)
{
    if (!rs->log_timer && rs->detail_open)
        rs->log_timer = ev_timer_add(rs->w->session.loop, LOG_POLL_MS, s_log_timer, rs);
}

static void s_on_log_page(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct log_fetch *f = ud;
    struct run_screen *rs = f->owner;
    f->w->inflight--;
    free(f);
    if (!rs)
        return;
    rs->fetch = NULL;
    const struct run_bot *b = runner_bot(rs->w->runner, rs->detail_index);
    bool alive = b && !bot_state_final(b->state);
    if (err || page->no_stream) {
        if (!err) {
            s_log_note(rs, tr("run.log.no_stream"), false);
        } else {
            char *why = aws_error_describe(err);
            const char *hint = aws_error_hint(err);
            char *note = xasprintf("%s: %s%s%s", tr("run.log.failed"), why, hint ? " — " : "",
                                   hint ? hint : "");
            s_log_note(rs, note, true);
            free(note);
            free(why);
        }
        if (alive)
            s_log_schedule(rs);
        wizard_dirty(rs->w);
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        time_t t = (time_t)(page->events[i].timestamp_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char stamp[16];
        strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
        char *line = xasprintf("%s  %s", stamp, page->events[i].message);
        ui_logview_append(&rs->log, line); /* sanitised there */
        free(line);
    }
    if (page->next_token) {
        free(rs->log_token);
        rs->log_token = xstrdup(page->next_token);
    }
    rs->log_at_end = page->at_end;
    if (rs->log.n == 0)
        s_log_note(rs, tr("run.log.empty"), false);
    else
        s_log_note(rs, alive ? NULL : tr("run.log.ended"), false);
    /* Keep following while the task lives; after it stopped, read until the stream gives
     * nothing new (CloudWatch may deliver the last lines late). */
    if (alive || !rs->log_at_end)
        s_log_schedule(rs);
    wizard_dirty(rs->w);
}

static void s_log_fetch(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    if (rs->fetch || !rs->detail_open)
        return;
    const struct run_bot *b = runner_bot(w->runner, rs->detail_index);
    if (!b)
        return;
    if (!b->task_id) {
        s_log_note(rs, tr("run.log.no_task"), false);
        if (!bot_state_final(b->state))
            s_log_schedule(rs);
        return;
    }
    const struct deployment *dep = w->deployment;
    if (!dep || !dep->log_group || !*dep->log_group) {
        s_log_note(rs, tr("run.log.no_group"), true);
        return;
    }
    if (!rs->log_task_id || strcmp(rs->log_task_id, b->task_id) != 0) {
        /* A retry started another task: its log is another stream. */
        ui_logview_clear(&rs->log);
        free(rs->log_task_id);
        rs->log_task_id = xstrdup(b->task_id);
        free(rs->log_token);
        rs->log_token = NULL;
    }
    struct task_log_where where = {dep->log_group, dep->log_stream_prefix, dep->container_name,
                                   b->task_id};
    rs->fetch = xcalloc(1, sizeof(*rs->fetch));
    rs->fetch->owner = rs;
    rs->fetch->w = w;
    w->inflight++;
    /* The first read shows the newest lines; the forward token follows from there. */
    task_log_read(w->session.client, &where, rs->log_token, rs->log_token ? 0 : LOG_FIRST_LIMIT,
                  s_on_log_page, rs->fetch);
}

static void s_open_detail(struct run_screen *rs, size_t index)
{
    rs->detail_open = true;
    rs->detail_index = index;
    ui_logview_clear(&rs->log);
    rs->log.follow = true;
    free(rs->log_task_id);
    rs->log_task_id = NULL;
    free(rs->log_token);
    rs->log_token = NULL;
    s_log_note(rs, tr("run.log.loading"), false);
    s_log_fetch(rs);
    wizard_dirty(rs->w);
}

static void s_close_detail(struct run_screen *rs)
{
    s_log_stop(rs);
    rs->detail_open = false;
    wizard_dirty(rs->w);
    /* The run may have finished while the detail was open. */
    if (rs->w->runner && runner_finished(rs->w->runner) && !rs->finish_timer)
        rs->finish_timer = ev_timer_add(rs->w->session.loop, 0, s_finish_timer, rs);
}

/* ---- step interface ------------------------------------------------------------------------ */

static void s_enter(struct wizard *w)
{
    struct run_screen *rs = s_screen(w);
    if (!rs) {
        rs = xcalloc(1, sizeof(*rs));
        rs->w = w;
        rs->fargate_hourly = -1;
        rs->est_lo = rs->est_hi = -1;
        ui_logview_init(&rs->log, LOG_KEEP_LINES);
        rs->table.columns = s_columns;
        rs->table.ncolumns = NCOLS;
        rs->table.cell = s_cell;
        rs->table.compare = s_compare;
        rs->table.row_color = s_row_color;
        rs->table.ud = w;
        rs->table.sort_column = -1;
        w->step_data[STEP_RUN] = rs;
    }
    if (!w->runner) {
        if (rs->open_error)
            return; /* shown; the operator goes back or quits */
        if (s_open_runner(rs) != 0) {
            wizard_dirty(w);
            return;
        }
        w->run_started = true;
        s_prices(rs);
        s_index_plan(rs);
        ui_table_reset(&rs->table, runner_count(w->runner));
        s_spinner(rs, true);
        runner_start(w->runner);
    } else if (!runner_finished(w->runner)) {
        /* Back from the summary after a retry: the run goes on. */
        s_spinner(rs, true);
    }
    ui_table_reset(&rs->table, runner_count(w->runner));
    wizard_dirty(w);
}

static void s_leave(struct wizard *w)
{
    struct run_screen *rs = s_screen(w);
    if (!rs)
        return;
    if (rs->detail_open) {
        s_log_stop(rs);
        rs->detail_open = false;
    }
    s_spinner(rs, false);
}

static void s_format_counts(const struct wizard *w, int y, int x, int width)
{
    size_t counts[BOT_STATE_COUNT];
    runner_counts(w->runner, counts);
    int col = x;
    bool first = true;
    for (int s = 0; s < BOT_STATE_COUNT && col < x + width; s++) {
        if (!counts[s])
            continue;
        char *part = xasprintf("%s%s %zu", first ? "" : "  ", s_state_label((enum bot_state)s), counts[s]);
        col += ui_text(y, col, x + width - col, ui_attr(w, ui_state_color(s)), part);
        free(part);
        first = false;
    }
}

static void s_cost_so_far(const struct run_screen *rs, double *lo, double *hi)
{
    const struct wizard *w = rs->w;
    *lo = *hi = -1;
    if (rs->fargate_hourly < 0)
        return;
    double fargate = 0, bedrock_lo = 0, bedrock_hi = 0;
    for (size_t i = 0; i < runner_count(w->runner); i++) {
        const struct run_bot *b = runner_bot(w->runner, i);
        double secs = s_elapsed(b);
        if (secs >= 0)
            fargate += rs->fargate_hourly * fargate_billed_seconds(secs) / 3600.0;
        /* Embedding is billed as the task works: count a finished bot's estimate. */
        const struct plan_item *it = i < rs->nitems ? rs->items[i] : NULL;
        if (it && (b->state == BOT_SUCCEEDED || b->state == BOT_FAILED) && it->est.bedrock_usd_lo >= 0) {
            bedrock_lo += it->est.bedrock_usd_lo;
            bedrock_hi += it->est.bedrock_usd_hi;
        }
    }
    *lo = fargate + bedrock_lo;
    *hi = fargate + bedrock_hi;
}

static void s_draw_header(struct wizard *w, struct run_screen *rs, struct rect area)
{
    struct runner_progress p;
    runner_progress(w->runner, &p);
    char label[128];
    snprintf(label, sizeof label, tr("run.progress"), p.done, p.total);
    ui_progress(w, area.y, area.x, area.w, (double)p.done, (double)p.total, label);

    s_format_counts(w, area.y + 1, area.x, area.w);

    char rate[32], eta[32], cost[48], line[256];
    if (p.bots_per_minute > 0)
        snprintf(rate, sizeof rate, "%.1f", p.bots_per_minute);
    else
        snprintf(rate, sizeof rate, "—");
    ui_format_duration(eta, sizeof eta, p.eta_seconds);
    double lo, hi;
    s_cost_so_far(rs, &lo, &hi);
    ui_format_usd_range(cost, sizeof cost, lo, hi);
    snprintf(line, sizeof line, tr("run.stats"), rate, eta, cost, runner_concurrency(w->runner));
    int col = area.x + ui_text(area.y + 2, area.x, area.w, ui_attr(w, UI_NORMAL), line);
    if (runner_paused(w->runner))
        ui_text(area.y + 2, col + 2, area.x + area.w - col - 2, ui_attr(w, UI_WARN) | A_BOLD,
                tr("run.paused"));
    else if (runner_finished(w->runner))
        ui_text(area.y + 2, col + 2, area.x + area.w - col - 2, ui_attr(w, UI_OK) | A_BOLD,
                tr("run.finished"));
}

static void s_detail_line(struct wizard *w, int y, int x, int width, const char *label,
                          const char *raw, enum ui_color c)
{
    int lw = ui_text(y, x, width, ui_attr(w, UI_DIM), tr(label));
    int vx = x + (lw < 16 ? 16 : lw + 1);
    ui_untrusted(y, vx, x + width - vx, ui_attr(w, c), raw && *raw ? raw : "—");
}

static void s_draw_detail(struct wizard *w, struct run_screen *rs, struct rect area)
{
    const struct run_bot *b = runner_bot(w->runner, rs->detail_index);
    if (!b)
        return;
    int y = area.y;
    char buf[64];
    int half = area.w / 2;
    s_detail_line(w, y, area.x, area.w, "run.d.title", b->title, UI_NORMAL);
    s_detail_line(w, y + 1, area.x, half - 1, "run.d.bot", b->bot_id, UI_NORMAL);
    s_detail_line(w, y + 1, area.x + half, area.w - half, "run.d.owner", b->pk, UI_NORMAL);
    snprintf(buf, sizeof buf, "%s (%s %d)", s_state_label(b->state), tr("run.d.attempt"), b->attempt);
    s_detail_line(w, y + 2, area.x, half - 1, "run.d.state", buf, ui_state_color(b->state));
    ui_format_duration(buf, sizeof buf, s_elapsed(b));
    s_detail_line(w, y + 2, area.x + half, area.w - half, "run.d.elapsed", buf, UI_NORMAL);
    s_detail_line(w, y + 3, area.x, area.w, "run.d.task", b->task_arn, UI_NORMAL);
    s_detail_line(w, y + 4, area.x, half - 1, "run.d.ecs", b->ecs_status, UI_NORMAL);
    s_detail_line(w, y + 4, area.x + half, area.w - half, "run.d.sync", b->sync_status, UI_NORMAL);
    char *stop = NULL;
    if (b->stop_code || b->stopped_reason || b->exit_code >= 0) {
        char exitbuf[24] = "";
        if (b->exit_code >= 0)
            snprintf(exitbuf, sizeof exitbuf, " (exit %d)", b->exit_code);
        stop = xasprintf("%s%s%s%s", b->stop_code ? b->stop_code : "",
                         b->stop_code && b->stopped_reason ? ": " : "",
                         b->stopped_reason ? b->stopped_reason : "", exitbuf);
    }
    s_detail_line(w, y + 5, area.x, area.w, "run.d.stopped", stop, UI_NORMAL);
    free(stop);
    s_detail_line(w, y + 6, area.x, area.w, "run.d.reason", b->reason,
                  b->state == BOT_FAILED ? UI_FAIL : UI_NORMAL);
    const struct deployment *dep = w->deployment;
    char *stream = b->task_id && dep
        ? xasprintf("%s %s/%s/%s", dep->log_group ? dep->log_group : "?",
                    dep->log_stream_prefix ? dep->log_stream_prefix : "embed-task",
                    dep->container_name ? dep->container_name : "Container", b->task_id)
        : NULL;
    s_detail_line(w, y + 7, area.x, area.w, "run.d.stream", stream, UI_DIM);
    free(stream);

    struct rect box = {y + 8, area.x, area.h - 8, area.w};
    if (box.h < 3)
        return;
    ui_box(w, box, tr(rs->log.follow ? "run.log.title_follow" : "run.log.title"), ui_attr(w, UI_DIM));
    struct rect inner = {box.y + 1, box.x + 1, box.h - 2, box.w - 2};
    if (rs->log_note && inner.h > 1) {
        ui_untrusted(inner.y + inner.h - 1, inner.x, inner.w,
                     ui_attr(w, rs->log_note_error ? UI_FAIL : UI_DIM), rs->log_note);
        inner.h--;
    }
    ui_logview_draw(w, &rs->log, inner);
}

static void s_draw(struct wizard *w, struct rect area)
{
    struct run_screen *rs = s_screen(w);
    if (!rs)
        return;
    if (!w->runner) {
        ui_text(area.y, area.x, area.w, ui_attr(w, UI_FAIL) | A_BOLD, tr("run.err.title"));
        ui_wrap(area.y + 2, area.x, area.w, area.h - 4, ui_attr(w, UI_NORMAL),
                rs->open_error ? rs->open_error : "");
        ui_wrap(area.y + area.h - 2, area.x, area.w, 2, ui_attr(w, UI_DIM), tr("run.err.next"));
        return;
    }
    if (rs->detail_open) {
        s_draw_detail(w, rs, area);
    } else {
        s_draw_header(w, rs, area);
        struct rect t = {area.y + 4, area.x, area.h - 4, area.w};
        ui_table_draw(w, &rs->table, t);
    }
    const struct run_message *m = s_newest_message(rs);
    if (rs->quitting)
        ui_status_line(w, tr("run.leaving"), UI_WARN);
    else if (rs->last_error && runner_fatal(w->runner))
        ui_status_line(w, rs->last_error, UI_FAIL);
    else if (m)
        ui_status_line(w, m->text, m->level == RUNNER_ERROR ? UI_FAIL
                                   : m->level == RUNNER_WARN ? UI_WARN : UI_DIM);
}

static void s_quit_answer(struct wizard *w, void *ud, bool yes)
{
    (void)ud;
    struct run_screen *rs = s_screen(w);
    w->quit_asked = false;
    if (!yes || !rs || w->quitting)
        return;
    /* The wizard's loop ends once the runner settles and prints how to resume. */
    rs->quitting = true;
    w->quitting = true;
    w->exit_code = EXIT_INTERRUPTED;
    if (w->runner && !runner_finished(w->runner))
        runner_leave(w->runner); /* stops launching; journals what is in flight */
    wizard_dirty(w);
}

void step_run_ask_quit(struct wizard *w)
{
    if (!w->runner || runner_finished(w->runner)) {
        wizard_request_quit(w);
        return;
    }
    if (w->quit_asked || w->quitting)
        return;
    w->quit_asked = true;
    struct runner_progress p;
    runner_progress(w->runner, &p);
    char *body = xasprintf(tr("run.quit.body"), p.alive, p.queued, w->journal_path ? w->journal_path : "");
    ui_confirm(w, tr("run.quit.title"), body, tr("run.quit.yes"), tr("run.quit.no"), s_quit_answer, NULL);
    free(body);
}

static void s_retry(struct wizard *w, size_t index)
{
    struct run_screen *rs = s_screen(w);
    bool was_finished = runner_finished(w->runner);
    size_t n = runner_retry_failed(w->runner, index);
    char *msg = n ? xasprintf(tr("run.retried"), n) : xstrdup(tr("run.nothing_to_retry"));
    s_push_message(rs, RUNNER_INFO, msg);
    free(msg);
    if (n && was_finished) {
        if (rs->finish_timer) {
            ev_timer_cancel(w->session.loop, rs->finish_timer);
            rs->finish_timer = 0;
        }
    }
    if (n)
        s_spinner(rs, !runner_finished(w->runner));
    wizard_dirty(w);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct run_screen *rs = s_screen(w);
    if (!rs)
        return false;
    if (!w->runner) {
        if (!is_key_code && (wch == L'b' || wch == 27) && !w->run_started) {
            free(rs->open_error);
            rs->open_error = NULL;
            wizard_go(w, STEP_COST);
            return true;
        }
        return false; /* q and help stay global */
    }
    if (rs->quitting)
        return true; /* leaving: nothing more to do but wait */
    if (!is_key_code && (wch == L'q' || wch == L'Q')) {
        step_run_ask_quit(w);
        return true;
    }
    if (rs->detail_open) {
        if ((is_key_code && (wch == KEY_LEFT || wch == KEY_BACKSPACE)) ||
            (!is_key_code && (wch == 27 || wch == L'\n' || wch == L'\r' || wch == 127))) {
            s_close_detail(rs);
            return true;
        }
        if (!is_key_code && wch == L'r') {
            s_retry(w, rs->detail_index);
            return true;
        }
        if (ui_logview_key(&rs->log, wch, is_key_code)) {
            wizard_dirty(w);
            return true;
        }
        return false;
    }
    if (rs->table.filter_editing) {
        bool handled = ui_table_key(&rs->table, wch, is_key_code);
        wizard_dirty(w);
        return handled;
    }
    if ((is_key_code && wch == KEY_ENTER) || (!is_key_code && (wch == L'\n' || wch == L'\r'))) {
        size_t row = ui_table_current(&rs->table);
        if (row != SIZE_MAX)
            s_open_detail(rs, row);
        return true;
    }
    if (is_key_code && wch == KEY_RIGHT && runner_finished(w->runner)) {
        wizard_go(w, STEP_SUMMARY);
        return true;
    }
    if (!is_key_code) {
        switch (wch) {
        case L'r':
            s_retry(w, SIZE_MAX);
            return true;
        case L'p':
            runner_set_paused(w->runner, !runner_paused(w->runner));
            wizard_dirty(w);
            return true;
        case L'+':
        case L'=':
            runner_set_concurrency(w->runner, runner_concurrency(w->runner) + 1);
            wizard_dirty(w);
            return true;
        case L'-':
            runner_set_concurrency(w->runner, runner_concurrency(w->runner) - 1);
            wizard_dirty(w);
            return true;
        case L's':
            ui_table_sort_next(&rs->table);
            wizard_dirty(w);
            return true;
        default:
            break;
        }
    }
    if (ui_table_key(&rs->table, wch, is_key_code)) {
        wizard_dirty(w);
        return true;
    }
    return false;
}

static void s_on_resize(struct wizard *w)
{
    wizard_dirty(w);
}

static const struct key_help s_keys_table[] = {
    {"Enter", "run.key.detail", true},
    {"r", "run.key.retry", true},
    {"p", "run.key.pause", true},
    {"q", "run.key.quit", true},
    {"+/-", "run.key.concurrency", true},
    {"F1", "run.key.help", true},
    {"↑↓", "run.key.move", false},
    {"/", "run.key.filter", false},
    {"s", "run.key.sort", false},
    {"→", "run.key.summary", false},
    {NULL, NULL, false},
};

static const struct key_help s_keys_detail[] = {
    {"Esc", "run.key.back_to_list", true},
    {"↑↓", "run.key.scroll", true},
    {"End/f", "run.key.follow", true},
    {"r", "run.key.retry_one", true},
    {"q", "run.key.quit", true},
    {"F1", "run.key.help", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_error[] = {
    {"b", "run.key.back", true},
    {"q", "run.key.quit_now", true},
    {"F1", "run.key.help", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys(const struct wizard *w)
{
    const struct run_screen *rs = s_screen(w);
    if (!w->runner)
        return s_keys_error;
    return rs && rs->detail_open ? s_keys_detail : s_keys_table;
}

static void s_destroy(struct wizard *w)
{
    struct run_screen *rs = s_screen(w);
    if (!rs)
        return;
    s_log_stop(rs);
    if (rs->finish_timer)
        ev_timer_cancel(w->session.loop, rs->finish_timer);
    s_spinner(rs, false);
    ui_table_free(&rs->table);
    ui_logview_free(&rs->log);
    for (size_t i = 0; i < rs->nmsgs; i++)
        free(rs->msgs[(rs->head + i) % RUN_MESSAGES].text);
    free(rs->last_error);
    free(rs->open_error);
    free(rs->aside_path);
    free(rs->items);
    free(rs->log_task_id);
    free(rs->log_token);
    free(rs->log_note);
    free(rs);
    w->step_data[STEP_RUN] = NULL;
}

const struct wizard_step step_run = {
    .name = "step.run",
    .enter = s_enter,
    .leave = s_leave,
    .draw = s_draw,
    .key = s_key,
    .on_resize = s_on_resize,
    .keys = s_keys,
    .destroy = s_destroy,
};

/* ---- queries for the summary and the resume offer ----------------------------------------- */

const char *step_run_last_error(const struct wizard *w)
{
    const struct run_screen *rs = s_screen(w);
    return rs ? rs->last_error : NULL;
}

const char *step_run_aside_path(const struct wizard *w)
{
    const struct run_screen *rs = s_screen(w);
    return rs ? rs->aside_path : NULL;
}

void step_run_estimate(const struct wizard *w, double *lo, double *hi)
{
    const struct run_screen *rs = s_screen(w);
    *lo = rs ? rs->est_lo : -1;
    *hi = rs ? rs->est_hi : -1;
}
