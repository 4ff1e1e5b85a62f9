/* The run's cost while it runs: finished bots measured, the rest refitted (live_cost.h). */
#include "engine/estimate/live_cost.h"

#include "engine/discover/inventory.h"
#include "engine/estimate/calibrate.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "engine/run/runner.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* waiting: its log is to be read in the next batch */
enum slot_state { SLOT_NONE, SLOT_WAITING, SLOT_READING, SLOT_MEASURED };

/* One runner bot: its plan item and the measure of its last finished task. */
struct slot {
    enum slot_state state;
    char *task_id;             /* the task queued, being read or measured */
    size_t item;               /* plan item, SIZE_MAX when the plan does not know the bot */
    struct bot_measure m;
};

struct batch {
    struct live_estimate *le;  /* NULL once the estimate was freed: the answer is dropped */
    live_cost_busy_fn busy;    /* told when an orphaned batch ends (the caller counts it) */
    void *ud;
    size_t *bots;              /* runner indexes */
    struct bot_measure *out;
    size_t n;
};

struct live_estimate {
    struct aws_session *session;
    const struct deployment *dep;
    const struct plan *plan;
    const struct runner *runner;   /* the last one observed (borrowed) */
    live_cost_busy_fn busy;
    void *ud;
    struct slot *slots;
    size_t nslots;
    struct batch *reading;
};

static size_t s_item_of(const struct plan *p, const char *bot_id)
{
    for (size_t i = 0; bot_id && i < p->nitems; i++)
        if (p->items[i].bot && p->items[i].bot->bot_id && strcmp(p->items[i].bot->bot_id, bot_id) == 0)
            return i;
    return SIZE_MAX;
}

static uint64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct live_estimate *live_cost_new(struct aws_session *s, const struct deployment *dep,
                                    const struct plan *p, live_cost_busy_fn busy, void *ud)
{
    struct live_estimate *le = xcalloc(1, sizeof *le);
    le->session = s;
    le->dep = dep;
    le->plan = p;
    le->busy = busy;
    le->ud = ud;
    return le;
}

static void s_slot_reset(struct slot *sl)
{
    free(sl->task_id);
    sl->task_id = NULL;
    memset(&sl->m, 0, sizeof sl->m);
    sl->state = SLOT_NONE;
}

static void s_grow(struct live_estimate *le, const struct runner *r)
{
    size_t n = runner_count(r);
    if (n <= le->nslots)
        return;
    le->slots = xrealloc(le->slots, n * sizeof *le->slots);
    for (size_t i = le->nslots; i < n; i++) {
        memset(&le->slots[i], 0, sizeof le->slots[i]);
        le->slots[i].item = s_item_of(le->plan, runner_bot(r, i)->bot_id);
    }
    le->nslots = n;
}

static void s_read_next(struct live_estimate *le);

static void s_on_measured(void *ud, struct bot_measure *out, size_t n)
{
    struct batch *b = ud;
    struct live_estimate *le = b->le;
    if (le) {
        le->reading = NULL;
        for (size_t k = 0; k < n; k++) {
            struct slot *sl = &le->slots[b->bots[k]];
            if (sl->state != SLOT_READING)
                continue; /* retried meanwhile: its new task is measured when it ends */
            sl->m = out[k];
            sl->state = SLOT_MEASURED;
        }
    }
    live_cost_busy_fn orphan_busy = le ? NULL : b->busy;
    void *orphan_ud = b->ud;
    free(b->bots);
    free(b->out);
    free(b);
    if (!le) {
        if (orphan_busy)
            orphan_busy(orphan_ud, false);
        return;
    }
    live_cost_busy_fn busy = le->busy;
    void *bud = le->ud;
    s_read_next(le);
    if (!le->reading && busy)
        busy(bud, false);
}

static void s_read_next(struct live_estimate *le)
{
    if (le->reading || !le->runner)
        return;
    size_t n = 0;
    for (size_t i = 0; i < le->nslots; i++)
        n += le->slots[i].state == SLOT_WAITING;
    if (!n)
        return;
    struct batch *b = xcalloc(1, sizeof *b);
    b->le = le;
    b->busy = le->busy;
    b->ud = le->ud;
    b->bots = xcalloc(n, sizeof *b->bots);
    b->out = xcalloc(n, sizeof *b->out);
    b->n = n;
    struct measure_target *targets = xcalloc(n, sizeof *targets);
    size_t k = 0;
    for (size_t i = 0; i < le->nslots && k < n; i++) {
        struct slot *sl = &le->slots[i];
        if (sl->state != SLOT_WAITING)
            continue;
        sl->state = SLOT_READING;
        b->bots[k] = i;
        targets[k].bot = sl->item != SIZE_MAX ? le->plan->items[sl->item].bot : NULL;
        targets[k].run = runner_bot(le->runner, i); /* task id and times copied at the call */
        k++;
    }
    le->reading = b;
    const struct plan *p = le->plan;
    measure_read(le->session, le->dep, targets, n, &p->prices, p->task_cpu_units, p->task_memory_mib,
                 b->out, s_on_measured, b);
    free(targets);
}

void live_cost_observe(struct live_estimate *le, const struct runner *r)
{
    le->runner = r;
    s_grow(le, r);
    for (size_t i = 0; i < le->nslots; i++) {
        const struct run_bot *b = runner_bot(r, i);
        struct slot *sl = &le->slots[i];
        bool final = bot_state_final(b->state) && b->state != BOT_SKIPPED && b->task_id;
        if (!final) {
            if (sl->state == SLOT_MEASURED || sl->state == SLOT_WAITING)
                s_slot_reset(sl); /* queued again for a new attempt */
            else if (sl->state == SLOT_READING)
                sl->state = SLOT_NONE; /* the answer is dropped */
            continue;
        }
        if (sl->state != SLOT_NONE && sl->task_id && strcmp(sl->task_id, b->task_id) == 0)
            continue;
        if (sl->state == SLOT_READING)
            continue; /* a later task of the same bot: read when this batch ends */
        s_slot_reset(sl);
        sl->task_id = xstrdup(b->task_id);
        sl->state = SLOT_WAITING;
    }
    bool was_idle = !le->reading;
    s_read_next(le);
    if (was_idle && le->reading && le->busy)
        le->busy(le->ud, true);
}

bool live_cost_idle(const struct live_estimate *le)
{
    return !le->reading;
}

/* Seconds a task has been billed by `now`: from its image pull's start, else its start, as
 * its measure will count them (a task still provisioning is not billed yet). */
static double s_billed_so_far(const struct run_bot *b, uint64_t now)
{
    uint64_t from = b->pull_started_at_ms ? b->pull_started_at_ms : b->started_at_ms;
    return from && now > from ? (double)(now - from) / 1000.0 : 0;
}

double live_cost_earlier_attempts_usd(const struct plan *p, const struct run_bot *b)
{
    if (!b->nearlier_task_seconds)
        return 0;
    double hourly = fargate_hourly_usd(&p->prices, p->task_cpu_units, p->task_memory_mib);
    if (hourly < 0)
        return -1;
    double usd = 0;
    for (size_t k = 0; k < b->nearlier_task_seconds; k++)
        usd += hourly * fargate_billed_seconds(b->earlier_task_seconds[k]) / 3600.0;
    return usd;
}

void live_cost_get(struct live_estimate *le, const struct runner *r, struct live_cost *out)
{
    memset(out, 0, sizeof *out);
    out->remaining_lo = out->remaining_hi = out->total_lo = out->total_hi = -1;
    out->pull_seconds = -1;
    if (!r)
        return;
    s_grow(le, r);
    const struct plan *p = le->plan;
    double hourly = fargate_hourly_usd(&p->prices, p->task_cpu_units, p->task_memory_mib);
    size_t ni = p->nitems ? p->nitems : 1;
    bool *settled = xcalloc(ni, sizeof *settled);
    double *elapsed = xcalloc(ni, sizeof *elapsed);
    struct bot_measure *measures = xcalloc(le->nslots ? le->nslots : 1, sizeof *measures);
    size_t *items = xcalloc(le->nslots ? le->nslots : 1, sizeof *items);
    double *pulls = xcalloc(le->nslots ? le->nslots : 1, sizeof *pulls);
    size_t nm = 0, npulls = 0;
    bool known = hourly >= 0;
    uint64_t now = s_wall_ms();
    for (size_t i = 0; i < le->nslots; i++) {
        const struct run_bot *b = runner_bot(r, i);
        const struct slot *sl = &le->slots[i];
        bool final = bot_state_final(b->state);
        bool measured = sl->state == SLOT_MEASURED;
        if (final && b->state != BOT_SKIPPED && b->task_id)
            out->finished++;
        /* A retried bot's earlier tasks were paid for: spent, whatever the last one does. */
        double earlier = live_cost_earlier_attempts_usd(p, b);
        out->earlier_tasks += b->nearlier_task_seconds;
        if (earlier > 0) {
            out->earlier_usd += earlier;
            out->finished_usd += earlier;
        }
        if (bot_state_alive(b->state)) {
            double secs = s_billed_so_far(b, now);
            if (hourly >= 0)
                out->running_usd += hourly * secs / 3600.0;
            if (sl->item != SIZE_MAX)
                elapsed[sl->item] = secs;
        }
        /* Pulls of tasks that are not refit samples themselves (those bring their own). */
        bool sample = measured && b->state == BOT_SUCCEEDED && sl->m.usd >= 0 && sl->item != SIZE_MAX;
        if (!sample && b->pull_started_at_ms && b->pull_stopped_at_ms >= b->pull_started_at_ms)
            pulls[npulls++] = (double)(b->pull_stopped_at_ms - b->pull_started_at_ms) / 1000.0;
        if (!measured && final && b->task_id && b->stopped_at_ms && hourly >= 0) {
            /* Its log is being read: its Fargate time meanwhile, so the figure never dips. */
            out->running_usd += hourly * fargate_billed_seconds(s_billed_so_far(b, b->stopped_at_ms)) / 3600.0;
        }
        if (!measured) {
            /* A final bot still being read counts among the remaining (its cost comes). */
            if (final && (!b->task_id || b->state == BOT_SKIPPED) && sl->item != SIZE_MAX)
                settled[sl->item] = true;
            if (final && sl->item == SIZE_MAX)
                known = false;
            continue;
        }
        out->measured++;
        if (sample) {
            measures[nm] = sl->m;
            items[nm++] = sl->item;
            continue;
        }
        /* Failed, cancelled or without a readable log: what is known of it, and it is not a
         * sample of what a bot costs. */
        out->finished_usd += sl->m.usd >= 0 ? sl->m.usd : sl->m.fargate_usd >= 0 ? sl->m.fargate_usd : 0;
        if (sl->item != SIZE_MAX)
            settled[sl->item] = true;
    }
    struct calibrate_scope scope = {settled, elapsed, runner_concurrency(r), pulls, npulls};
    struct calibration c;
    calibrate_plan_scoped(p, measures, items, nm, &scope, &c);
    out->known = known;
    out->refit_bots = c.measured;
    if (c.measured_usd >= 0)
        out->finished_usd += c.measured_usd;
    out->so_far_usd = out->finished_usd + out->running_usd;
    out->pull_samples = c.pull_seconds.samples;
    out->pull_seconds = c.pull_seconds.samples ? c.pull_seconds.center : -1;
    out->remaining_wall_lo = c.wall_lo;
    out->remaining_wall_hi = c.wall_hi;
    out->remaining = c.remaining;
    out->remaining_model_lo = c.remaining_uncal_lo;
    out->remaining_model_hi = c.remaining_uncal_hi;
    if (known && c.remaining_lo >= 0 && c.measured_usd >= 0) {
        out->remaining_lo = c.remaining_lo;
        out->remaining_hi = c.remaining_hi;
        out->total_lo = out->finished_usd + c.remaining_lo;
        out->total_hi = out->finished_usd + c.remaining_hi;
    }
    if (hourly < 0)
        out->so_far_usd = -1; /* the Fargate price is unknown */
    free(settled);
    free(elapsed);
    free(measures);
    free(items);
    free(pulls);
}

cJSON *live_cost_to_json(const struct live_cost *c)
{
    cJSON *o = cJSON_CreateObject();
    if (c->so_far_usd >= 0)
        cJSON_AddNumberToObject(o, "so_far_usd", c->so_far_usd);
    else
        cJSON_AddNullToObject(o, "so_far_usd");
    cJSON_AddNumberToObject(o, "finished_usd", c->finished_usd);
    cJSON_AddNumberToObject(o, "running_usd", c->running_usd);
    cJSON_AddNumberToObject(o, "finished_bots", (double)c->finished);
    cJSON_AddNumberToObject(o, "measured_bots", (double)c->measured);
    cJSON_AddNumberToObject(o, "remaining_bots", (double)c->remaining);
    calibrate_add_range_json(o, "remaining_usd", c->remaining_lo, c->remaining_hi);
    calibrate_add_range_json(o, "remaining_model_usd", c->remaining_model_lo, c->remaining_model_hi);
    calibrate_add_range_json(o, "total_usd", c->total_lo, c->total_hi);
    cJSON *w = cJSON_AddObjectToObject(o, "remaining_duration_s");
    cJSON_AddNumberToObject(w, "low", c->remaining_wall_lo);
    cJSON_AddNumberToObject(w, "high", c->remaining_wall_hi);
    cJSON_AddNumberToObject(o, "refit_bots", (double)c->refit_bots);
    if (c->pull_samples)
        cJSON_AddNumberToObject(o, "pull_s", c->pull_seconds);
    else
        cJSON_AddNullToObject(o, "pull_s");
    cJSON_AddNumberToObject(o, "pull_samples", (double)c->pull_samples);
    cJSON *e = cJSON_AddObjectToObject(o, "earlier_attempts");
    cJSON_AddNumberToObject(e, "tasks", (double)c->earlier_tasks);
    cJSON_AddNumberToObject(e, "usd", c->earlier_usd);
    return o;
}

void live_cost_free(struct live_estimate *le)
{
    if (!le)
        return;
    if (le->reading)
        le->reading->le = NULL;
    for (size_t i = 0; i < le->nslots; i++)
        free(le->slots[i].task_id);
    free(le->slots);
    free(le);
}
