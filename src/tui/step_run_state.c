/* The run dashboard's state (see step_run_internal.h): opening the run, the runner's
 * observer (message ring, spinner, the deferred move to the summary), elapsed time and
 * cost so far, the screen's lifetime, and the queries other screens ask through
 * tui/run_screens.h. Draws nothing and reads no keys. */
#include "step_run_internal.h"

#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/live_cost.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "engine/run/journal.h"
#include "engine/run/early_failure.h"
#include "engine/run/journal_aside.h"
#include "engine/run/runner.h"
#include "tui/run_screens.h"
#include "tui/widgets.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_KEEP_LINES 2000
#define DEFAULT_RETRIES 2

/* ---- observer ------------------------------------------------------------------------------ */

struct run_screen *run_screen_of(const struct wizard *w)
{
    return w->step_data[STEP_RUN];
}

void run_screen_message(struct run_screen *rs, enum runner_msg_level level, const char *text)
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

const struct run_message *run_screen_newest_message(const struct run_screen *rs)
{
    return rs->nmsgs ? &rs->msgs[(rs->head + rs->nmsgs - 1) % RUN_MESSAGES] : NULL;
}

void run_screen_spinner(struct run_screen *rs, bool on)
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
    (void)index;
    (void)from;
    (void)to;
    if (rs->live)
        live_cost_observe(rs->live, r);
    wizard_dirty(rs->w);
}

/* A batch of finished bots' logs is being read: counted in flight, so that leaving the
 * wizard waits for it; its answer changes the cost drawn. */
static void s_live_busy(void *ud, bool busy)
{
    struct wizard *w = ud;
    if (busy)
        w->inflight++;
    else
        w->inflight--;
    wizard_dirty(w);
}

static void s_early_tasks_answer(struct wizard *w, void *ud, bool stop_them)
{
    (void)ud;
    if (stop_them && w->runner && !runner_finished(w->runner))
        runner_cancel_all(w->runner); /* they end cancelled; the queued bots stay queued */
    wizard_dirty(w);
}

static void s_early_answer(struct wizard *w, void *ud, bool go_on)
{
    (void)ud;
    if (!w->runner)
        return;
    if (go_on) {
        runner_continue_after_early_stop(w->runner);
        wizard_dirty(w);
        return;
    }
    struct runner_progress p;
    runner_progress(w->runner, &p);
    if (p.alive) {
        char *body = xasprintf(tr("run.early.tasks_body"), p.alive);
        ui_confirm(w, tr("run.early.tasks_title"), body, tr("run.early.stop_tasks"), tr("run.early.keep_tasks"),
                   s_early_tasks_answer, NULL);
        free(body);
    }
    wizard_dirty(w);
}

/* The runner stopped launching because the first bots failed alike: ask continue / stop
 * and keep the tasks / stop them (the safe answer has the focus). */
static void s_ask_early_stop(struct run_screen *rs, const struct runner *r)
{
    size_t same = 0;
    const char *hint = NULL;
    const char *cause = runner_early_stop_cause(r, &same, &hint);
    if (!cause || rs->early_asked || rs->quitting || rs->w->quitting || rs->w->modal)
        return;
    rs->early_asked = true;
    (void)hint;
    /* The cause and what to fix in the wizard's language (engine/message). */
    struct message cause_msg = early_failure_cause_message(cause);
    struct message hint_msg = early_failure_hint_message(cause);
    char *cause_text = tr_message(&cause_msg);
    char *hint_text = tr_message(&hint_msg);
    char *body = xasprintf(tr("run.early.body"), same, cause_text, hint_text);
    free(cause_text);
    free(hint_text);
    message_free(&cause_msg);
    message_free(&hint_msg);
    ui_confirm(rs->w, tr("run.early.title"), body, tr("run.early.continue"), tr("run.early.stop"),
               s_early_answer, NULL);
    free(body);
}

static void s_on_message(void *ud, const struct runner *r, enum runner_msg_level level,
                         const char *text)
{
    struct run_screen *rs = ud;
    /* The early-failure stop is a structured message: said in the wizard's language. */
    const struct message *early = runner_early_stop_message(r);
    char *english = early ? message_english(early) : NULL;
    char *worded = english && strcmp(english, text) == 0 ? tr_message(early) : NULL;
    run_screen_message(rs, level, worded ? worded : text);
    free(worded);
    free(english);
    s_ask_early_stop(rs, r);
    wizard_dirty(rs->w);
}

/* The pilot's bots have all finished: once their logs are read and the runner is idle,
 * the refit of the rest is kept for the cost step, the pilot's runner closed (the journal
 * stays: the rest runs in it) and the cost step shows both estimates. Until then, the
 * loop comes back here (a busy answer or a short timer). */
static void s_finish_timer(void *ud);

static void s_pilot_finished(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    if (rs->detail_open || w->modal || w->step != STEP_RUN)
        return; /* closing the detail or the dialog comes back through finish_soon */
    if ((rs->live && !live_cost_idle(rs->live)) || !runner_idle(w->runner)) {
        rs->finish_timer = ev_timer_add(w->session.loop, 100, s_finish_timer, rs);
        return;
    }
    struct wizard_pilot_result *r = &w->pilot_result;
    memset(r, 0, sizeof *r);
    r->rest_lo = r->rest_hi = r->rest_model_lo = r->rest_model_hi = -1;
    if (rs->live) {
        struct live_cost c;
        live_cost_get(rs->live, w->runner, &c);
        r->measured = c.refit_bots;
        r->measured_usd = c.finished_usd;
        r->remaining = c.remaining;
        r->rest_lo = c.remaining_lo;
        r->rest_hi = c.remaining_hi;
        r->rest_model_lo = c.remaining_model_lo;
        r->rest_model_hi = c.remaining_model_hi;
        r->wall_lo = c.remaining_wall_lo;
        r->wall_hi = c.remaining_wall_hi;
    }
    size_t counts[BOT_STATE_COUNT];
    runner_counts(w->runner, counts);
    r->failed = counts[BOT_FAILED] + counts[BOT_CANCELLED];
    live_cost_free(rs->live);
    rs->live = NULL;
    runner_free(w->runner);
    w->runner = NULL;
    w->pilot = WIZARD_PILOT_DONE;
    wizard_go(w, STEP_COST);
    ev_loop_wakeup(w->session.loop);
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
    if (w->pilot == WIZARD_PILOT_RUNNING) {
        s_pilot_finished(rs);
        return;
    }
    if (w->step == STEP_RUN && !rs->detail_open && !w->modal)
        wizard_go(w, STEP_SUMMARY);
    wizard_dirty(w);
    /* Timers fire before the loop waits: without a wake-up the redraw would wait for the
     * next key or reply. */
    ev_loop_wakeup(w->session.loop);
}

void run_screen_finish_soon(struct run_screen *rs)
{
    if (!rs->finish_timer)
        rs->finish_timer = ev_timer_add(rs->w->session.loop, 0, s_finish_timer, rs);
}

void run_screen_finish_cancel(struct run_screen *rs)
{
    if (rs->finish_timer) {
        ev_timer_cancel(rs->w->session.loop, rs->finish_timer);
        rs->finish_timer = 0;
    }
}

static void s_on_finished(void *ud, const struct runner *r)
{
    struct run_screen *rs = ud;
    (void)r;
    run_screen_spinner(rs, false);
    /* Not from inside the runner's own call stack: the step may change and the summary
     * builds its report from the runner. */
    run_screen_finish_soon(rs);
    wizard_dirty(rs->w);
}

/* ---- opening the run ----------------------------------------------------------------------- */

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

/* A pilot launches only its own bots (still longest first); otherwise every selected one. */
static bool s_in_this_launch(const struct wizard *w, size_t item)
{
    if (w->pilot != WIZARD_PILOT_RUNNING)
        return true;
    for (size_t q = 0; q < w->npilot; q++)
        if (w->pilot_items[q] == item)
            return true;
    return false;
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
    /* The rest after a pilot: the same run and journal; the pilot's bots are in it, final,
     * and are not launched again (runner_open adds only the bots it does not know). */
    bool rest_after_pilot = w->pilot == WIZARD_PILOT_DONE;
    if (!resume && !rest_after_pilot) {
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
        /* Longest expected first (LPT), as the plan's wall clock assumes. */
        size_t *order = xcalloc(w->plan->nitems ? w->plan->nitems : 1, sizeof(*order));
        size_t norder = plan_launch_order(w->plan, order);
        for (size_t k = 0; k < norder; k++) {
            const struct plan_item *it = &w->plan->items[order[k]];
            if (!it->bot || !s_in_this_launch(w, order[k]))
                continue;
            targets[ntargets].pk = it->bot->pk;
            targets[ntargets].sk = it->bot->sk;
            targets[ntargets].bot_id = it->bot->bot_id;
            targets[ntargets].title = it->bot->title;
            targets[ntargets].last_exec_id = it->bot->last_exec_id;
            ntargets++;
        }
        free(order);
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
    cfg.log_region = dep->log_region;
    cfg.concurrency = w->concurrency > 0 ? w->concurrency : (w->plan ? w->plan->concurrency : 0);
    if (cfg.concurrency <= 0)
        cfg.concurrency = s_resume_concurrency(w);
    cfg.retries = w->opts->retries >= 0 ? w->opts->retries : DEFAULT_RETRIES;
    cfg.max_early_failures = w->opts->max_early_failures < 0 ? 0 : w->opts->max_early_failures == 0 ? -1 : w->opts->max_early_failures;
    /* Knowledge Base bots get no task: journaled with the run so its report lists them. */
    size_t nnot_run = 0;
    struct run_not_run *not_run = !resume ? plan_not_run(w->plan, &nnot_run) : NULL;
    cfg.not_run = not_run;
    cfg.nnot_run = nnot_run;
    struct runner_observer obs = {s_on_state, s_on_message, s_on_finished, rs};
    char *error = NULL;
    w->runner = runner_open(&w->session, &cfg, targets, ntargets, &obs, &error);
    free(targets);
    free(not_run);
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

int run_screen_open_run(struct run_screen *rs)
{
    if (s_open_runner(rs) != 0)
        return -1;
    rs->w->run_started = true;
    s_prices(rs);
    s_index_plan(rs);
    live_cost_free(rs->live);
    rs->live = NULL;
    if (rs->w->plan && rs->w->deployment) {
        rs->live = live_cost_new(&rs->w->session, rs->w->deployment, rs->w->plan, s_live_busy, rs->w);
        live_cost_observe(rs->live, rs->w->runner);
    }
    return 0;
}
/* ---- time and cost ------------------------------------------------------------------------- */

static uint64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Seconds since launch (alive) or launch to stop (final); -1 before any launch. */
double run_screen_elapsed(const struct run_bot *b)
{
    if (!b->launched_at_ms)
        return -1;
    uint64_t end = b->stopped_at_ms && bot_state_final(b->state) ? b->stopped_at_ms : s_wall_ms();
    return end > b->launched_at_ms ? (double)(end - b->launched_at_ms) / 1000.0 : 0;
}

void run_screen_cost_so_far(const struct run_screen *rs, double *lo, double *hi)
{
    const struct wizard *w = rs->w;
    *lo = *hi = -1;
    if (rs->fargate_hourly < 0)
        return;
    double fargate = 0, bedrock_lo = 0, bedrock_hi = 0;
    for (size_t i = 0; i < runner_count(w->runner); i++) {
        const struct run_bot *b = runner_bot(w->runner, i);
        double secs = run_screen_elapsed(b);
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

bool run_screen_live_cost(struct run_screen *rs, struct live_cost *out)
{
    if (!rs->live || !rs->w->runner)
        return false;
    live_cost_get(rs->live, rs->w->runner, out);
    return true;
}

/* ---- lifetime ------------------------------------------------------------------------------ */

struct run_screen *run_screen_create(struct wizard *w)
{
    struct run_screen *rs = xcalloc(1, sizeof(*rs));
    rs->w = w;
    rs->fargate_hourly = -1;
    rs->est_lo = rs->est_hi = -1;
    ui_logview_init(&rs->log, LOG_KEEP_LINES);
    w->step_data[STEP_RUN] = rs;
    return rs;
}

void run_screen_destroy(struct wizard *w)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs)
        return;
    run_screen_finish_cancel(rs);
    run_screen_spinner(rs, false);
    ui_table_free(&rs->table);
    ui_logview_free(&rs->log);
    for (size_t i = 0; i < rs->nmsgs; i++)
        free(rs->msgs[(rs->head + i) % RUN_MESSAGES].text);
    free(rs->last_error);
    free(rs->open_error);
    free(rs->aside_path);
    free(rs->items);
    live_cost_free(rs->live);
    free(rs->log_task_id);
    free(rs->log_token);
    free(rs->log_note);
    free(rs);
    w->step_data[STEP_RUN] = NULL;
}

/* ---- queries for the summary and the resume offer ----------------------------------------- */

const char *step_run_last_error(const struct wizard *w)
{
    const struct run_screen *rs = run_screen_of(w);
    return rs ? rs->last_error : NULL;
}

const char *step_run_aside_path(const struct wizard *w)
{
    const struct run_screen *rs = run_screen_of(w);
    return rs ? rs->aside_path : NULL;
}

void step_run_estimate(const struct wizard *w, double *lo, double *hi)
{
    const struct run_screen *rs = run_screen_of(w);
    *lo = rs ? rs->est_lo : -1;
    *hi = rs ? rs->est_hi : -1;
}
