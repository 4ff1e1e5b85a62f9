/* Measure finished bots, refit the plan, print both estimates side by side. */
#include "cli/calibrate_view.h"

#include "aws/session.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/calibrate.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "engine/run/runner.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct measuring {
    bool done;
    struct ev_loop *loop;
};

static void s_on_measured(void *ud, struct bot_measure *out, size_t n)
{
    (void)out;
    (void)n;
    struct measuring *m = ud;
    m->done = true;
    ev_loop_wakeup(m->loop);
}

static size_t s_item_of(const struct plan *p, const char *bot_id)
{
    for (size_t i = 0; bot_id && i < p->nitems; i++)
        if (p->items[i].bot->bot_id && strcmp(p->items[i].bot->bot_id, bot_id) == 0)
            return i;
    return SIZE_MAX;
}

static void s_usd(FILE *out, double v)
{
    if (v < 0)
        fprintf(out, "unknown");
    else if (v < 0.01)
        fprintf(out, "$%.4f", v);
    else
        fprintf(out, "$%.2f", v);
}

static void s_range(FILE *out, double lo, double hi)
{
    s_usd(out, lo);
    fprintf(out, "-");
    s_usd(out, hi);
}

static void s_print(FILE *out, const struct plan *p, const struct calibration *c, const struct bot_measure *m,
                    const size_t *items, size_t n)
{
    double seconds = 0, tokens = 0;
    for (size_t i = 0; i < n; i++) {
        seconds += m[i].billed_seconds;
        tokens += m[i].tokens;
    }
    fprintf(out, "Measured %zu finished bot%s: ", c->measured, c->measured == 1 ? "" : "s");
    s_usd(out, c->measured_usd);
    fprintf(out, " (%.0f s of Fargate billed, %.0f tokens embedded).\n", seconds, tokens);
    for (size_t i = 0; i < n; i++) {
        if (items[i] == SIZE_MAX)
            continue;
        const struct plan_item *it = &p->items[items[i]];
        char *id = sanitize_for_terminal(it->bot->bot_id, strlen(it->bot->bot_id), 64);
        fprintf(out, "  %-26s estimate ", id);
        s_range(out, it->est.usd_lo, it->est.usd_hi);
        fprintf(out, "  actual ");
        s_usd(out, m[i].usd);
        fprintf(out, " (%.0f s, %llu chunks, %.0f tokens)\n", m[i].billed_seconds,
               (unsigned long long)m[i].chunks, m[i].tokens);
        free(id);
    }
    fprintf(out, "The remaining %zu bot%s: ", c->remaining, c->remaining == 1 ? "" : "s");
    s_range(out, c->remaining_lo, c->remaining_hi);
    fprintf(out, " calibrated, beside ");
    s_range(out, c->remaining_uncal_lo, c->remaining_uncal_hi);
    fprintf(out, " from the model alone; %.0f-%.0f min at %d at once.\n", c->wall_lo / 60, c->wall_hi / 60,
           p->concurrency);
    fprintf(out, "The whole run (Fargate and Bedrock; NAT and the scan apart): ");
    s_range(out, c->total_lo, c->total_hi);
    fprintf(out, " calibrated, beside ");
    s_range(out, c->uncal_total_lo, c->uncal_total_hi);
    fprintf(out, ".\n");
}

size_t calibrate_measure_finished(struct aws_session *s, const struct deployment *dep,
                                  const struct plan *p, const struct run_bot *bots, size_t nbots,
                                  struct bot_measure **out, size_t **items_out)
{
    struct measure_target *targets = xcalloc(nbots ? nbots : 1, sizeof *targets);
    size_t *items = xcalloc(nbots ? nbots : 1, sizeof *items);
    size_t n = 0;
    for (size_t i = 0; i < nbots; i++) {
        if (bots[i].state != BOT_SUCCEEDED || !bots[i].task_id)
            continue;
        size_t item = s_item_of(p, bots[i].bot_id);
        if (item == SIZE_MAX)
            continue;
        targets[n].bot = p->items[item].bot;
        targets[n].run = &bots[i];
        items[n] = item;
        n++;
    }
    struct bot_measure *m = xcalloc(n ? n : 1, sizeof *m);
    if (n) {
        struct measuring wait = {false, s->loop};
        measure_read(s, dep, targets, n, &p->prices, p->task_cpu_units, p->task_memory_mib, m,
                     s_on_measured, &wait);
        ev_loop_run_until(s->loop, &wait.done);
    }
    free(targets);
    *out = m;
    *items_out = items;
    return n;
}

int calibrate_view(struct aws_session *s, const struct deployment *dep, const struct plan *p,
                   const struct run_bot *bots, size_t nbots, FILE *text_out, cJSON **json_out,
                   char **error)
{
    *json_out = NULL;
    *error = NULL;
    struct bot_measure *m = NULL;
    size_t *items = NULL;
    size_t n = calibrate_measure_finished(s, dep, p, bots, nbots, &m, &items);
    if (n == 0) {
        *error = xstrdup("no bot of this plan has finished successfully in the journal yet: run a "
                         "pilot first (`bedrock-chat-migrate run --pilot 3`), or part of the run");
        free(m);
        free(items);
        return -1;
    }
    struct calibration c;
    int rc = calibrate_plan(p, m, items, n, &c);
    if (rc != 0) {
        *error = xstrdup("the finished bots could not be measured against this plan");
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(o, "measured");
        for (size_t i = 0; i < n; i++) {
            cJSON *mj = bot_measure_to_json(&m[i]);
            cJSON_AddStringToObject(mj, "bot_id", p->items[items[i]].bot->bot_id);
            const struct plan_item *it = &p->items[items[i]];
            cJSON *e = cJSON_AddObjectToObject(mj, "estimate_usd");
            if (it->est.usd_lo >= 0) {
                cJSON_AddNumberToObject(e, "low", it->est.usd_lo);
                cJSON_AddNumberToObject(e, "high", it->est.usd_hi);
            } else {
                cJSON_AddNullToObject(e, "low");
                cJSON_AddNullToObject(e, "high");
            }
            cJSON_AddItemToArray(arr, mj);
        }
        cJSON_AddItemToObject(o, "calibration", calibration_to_json(&c));
        *json_out = o;
        if (text_out)
            s_print(text_out, p, &c, m, items, n);
    }
    free(m);
    free(items);
    return rc;
}
