/* The plan refitted to measured bots: model parameters replaced by measured ranges. */
#include "engine/estimate/calibrate.h"

#include "engine/discover/inventory.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double calibrate_relative_width(double lo, double hi)
{
    double mid = (lo + hi) / 2;
    return mid > 0 ? (hi - lo) / mid : 0;
}

/* Samples of one quantity: value per unit, and the units (for the pooled value). */
struct samples {
    size_t n;
    double tokens, units;    /* sums */
    double logs, logs2;      /* Σ ln v, Σ (ln v)^2 */
};

static void s_sample(struct samples *sm, double tokens, double units)
{
    if (!(tokens > 0) || !(units > 0) || !isfinite(tokens) || !isfinite(units))
        return;
    double v = log(tokens / units);
    sm->n++;
    sm->tokens += tokens;
    sm->units += units;
    sm->logs += v;
    sm->logs2 += v * v;
}

static void s_fit(struct calibrate_param *p, const struct samples *sm)
{
    p->samples = sm->n;
    if (!sm->n)
        return;
    double sd = 0;
    if (sm->n >= 2) {
        double mean = sm->logs / (double)sm->n;
        double var = (sm->logs2 - (double)sm->n * mean * mean) / (double)(sm->n - 1);
        sd = var > 0 ? sqrt(var) : 0;
    }
    if (sd < CALIBRATE_MIN_LOG_SD)
        sd = CALIBRATE_MIN_LOG_SD;
    double g = exp(2.0 * sd / sqrt((double)sm->n));
    p->center = sm->tokens / sm->units;
    p->lo = p->center / g;
    p->hi = p->center * g;
}

/* A measured per-unit range applied to `units`, kept inside the model's own bounds where
 * the two overlap (the model's bounds are physical limits; a measured range outside them
 * means the model is wrong for this deployment, and the measurement wins). */
static void s_part(const struct calibrate_param *p, double units, double model_lo, double model_hi,
                   double *lo, double *hi)
{
    if (!p->samples || units <= 0) {
        *lo += model_lo;
        *hi += model_hi;
        return;
    }
    double a = units * p->lo, b = units * p->hi;
    if (b >= model_lo && a <= model_hi) {
        a = a < model_lo ? model_lo : a;
        b = b > model_hi ? model_hi : b;
    }
    *lo += a;
    *hi += b;
}

static void s_units(const struct bot *b, double units[PLAN_PARTS])
{
    memset(units, 0, sizeof(double) * PLAN_PARTS);
    for (size_t i = 0; i < b->n_files; i++) {
        if (b->files[i].missing)
            continue;
        units[plan_is_text_file(b->files[i].name) ? PLAN_PART_TEXT : PLAN_PART_BINARY] +=
            (double)b->files[i].bytes;
    }
    units[PLAN_PART_URLS] = (double)b->n_source_urls;
    units[PLAN_PART_SITEMAPS] = (double)b->n_sitemap_urls;
}

/* Files of each kind whose size is not known (0 bytes: not read), not missing. */
static void s_unsized_files(const struct bot *b, double *text, double *binary)
{
    *text = *binary = 0;
    for (size_t i = 0; i < b->n_files; i++) {
        if (b->files[i].missing || b->files[i].bytes)
            continue;
        *(plan_is_text_file(b->files[i].name) ? text : binary) += 1;
    }
}

static void s_files(const struct bot *b, double *text, double *binary)
{
    *text = *binary = 0;
    for (size_t i = 0; i < b->n_files; i++)
        if (!b->files[i].missing)
            *(plan_is_text_file(b->files[i].name) ? text : binary) += 1;
}

static int s_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* min..max and mean of one measured time. */
static void s_time_sample(struct calibrate_param *t, double v)
{
    if (!(v >= 0) || !isfinite(v))
        return;
    if (!t->samples || v < t->lo)
        t->lo = v;
    if (!t->samples || v > t->hi)
        t->hi = v;
    t->center = (t->center * (double)t->samples + v) / (double)(t->samples + 1);
    t->samples++;
}

/* The seconds of a bot still to run (before billing's rounding): from what the measured bots took (split into
 * their image pull and the work after it when ECS said when the pull ran), else the model's
 * work with the measured pull in place of its assumed start, else the model alone. */
static void s_remaining_seconds(const struct calibration *out, const struct plan_item *it, double thi,
                                double *slo, double *shi)
{
    const struct calibrate_param *pull = &out->pull_seconds, *work = &out->work_seconds;
    if (work->samples && pull->samples) {
        *slo = pull->lo + work->lo;
        double w_hi = work->hi;
        if (out->most_tokens > 0 && thi > out->most_tokens)
            w_hi = fmax(w_hi, out->work_at_most_tokens * thi / out->most_tokens);
        *shi = pull->hi + w_hi;
    } else if (out->seconds.samples) {
        *slo = out->seconds.lo;
        *shi = out->seconds.hi;
        if (out->most_tokens > 0 && thi > out->most_tokens)
            *shi = fmax(*shi, out->seconds_at_most_tokens * thi / out->most_tokens);
    } else if (pull->samples) {
        *slo = pull->lo + PLAN_AFTER_PULL_S_LO + it->est.work_seconds_lo;
        *shi = pull->hi + PLAN_AFTER_PULL_S_HI + it->est.work_seconds_hi;
    } else {
        *slo = it->est.seconds_lo;
        *shi = it->est.seconds_hi;
    }
}

int calibrate_plan(const struct plan *p, const struct bot_measure *measures, const size_t *items,
                   size_t n, struct calibration *out)
{
    int rc = calibrate_plan_scoped(p, measures, items, n, NULL, out);
    return rc == 0 && out->measured == 0 ? -1 : rc;
}

int calibrate_plan_scoped(const struct plan *p, const struct bot_measure *measures, const size_t *items,
                          size_t n, const struct calibrate_scope *scope, struct calibration *out)
{
    memset(out, 0, sizeof *out);
    bool *measured = xcalloc(p->nitems ? p->nitems : 1, sizeof *measured);
    struct samples sm[PLAN_PARTS], per_file[2];
    memset(sm, 0, sizeof sm);
    memset(per_file, 0, sizeof per_file);
    struct calibrate_param *params[PLAN_PARTS] = {&out->text_tokens_per_byte, &out->binary_tokens_per_byte,
                                                  &out->url_tokens, &out->sitemap_tokens};
    double work_most_tokens = -1;
    for (size_t i = 0; i < n; i++) {
        if (items[i] >= p->nitems || !p->items[items[i]].selected || measured[items[i]])
            continue;
        const struct plan_item *it = &p->items[items[i]];
        const struct bot_measure *m = &measures[i];
        measured[items[i]] = true;
        out->measured++;
        if (out->measured_usd >= 0)
            out->measured_usd = m->usd < 0 ? -1 : out->measured_usd + m->usd;
        out->measured_seconds += m->billed_seconds;
        if (m->have_times) {
            if (!out->seconds.samples || m->billed_seconds < out->seconds.lo)
                out->seconds.lo = m->billed_seconds;
            if (!out->seconds.samples || m->billed_seconds > out->seconds.hi)
                out->seconds.hi = m->billed_seconds;
            out->seconds.samples++;
            if (m->pull_seconds >= 0) {
                s_time_sample(&out->pull_seconds, m->pull_seconds);
                s_time_sample(&out->work_seconds, fmax(0, m->task_seconds - m->pull_seconds));
            }
            if (m->tokens >= out->most_tokens) {
                out->most_tokens = m->tokens;
                out->seconds_at_most_tokens = m->billed_seconds;
                work_most_tokens = m->pull_seconds >= 0 ? fmax(0, m->task_seconds - m->pull_seconds) : -1;
            }
        }
        if (!m->have_log || m->chars_per_token <= 0)
            continue;
        double cpt = m->chars_per_token;
        const struct measure_sources *src = &m->src;
        s_sample(&sm[PLAN_PART_TEXT], (double)src->text_file_chars / cpt, (double)src->text_file_bytes);
        s_sample(&sm[PLAN_PART_BINARY], (double)src->binary_file_chars / cpt, (double)src->binary_file_bytes);
        s_sample(&sm[PLAN_PART_URLS], (double)src->url_chars / cpt, (double)it->bot->n_source_urls);
        s_sample(&sm[PLAN_PART_SITEMAPS], (double)src->sitemap_chars / cpt, (double)it->bot->n_sitemap_urls);
        double text_files, binary_files;
        s_files(it->bot, &text_files, &binary_files);
        s_sample(&per_file[0], (double)src->text_file_chars / cpt, text_files);
        s_sample(&per_file[1], (double)src->binary_file_chars / cpt, binary_files);
    }
    if (out->measured == 0 && !scope) {
        free(measured);
        return -1;
    }
    for (size_t k = 0; scope && k < scope->npulls; k++)
        s_time_sample(&out->pull_seconds, scope->pulls[k]);
    /* The bot with most tokens split only when its own pull is known; else the widest work. */
    out->work_at_most_tokens = work_most_tokens >= 0 ? work_most_tokens : out->work_seconds.hi;
    for (int k = 0; k < PLAN_PARTS; k++)
        s_fit(params[k], &sm[k]);
    s_fit(&out->text_tokens_per_file, &per_file[0]);
    s_fit(&out->binary_tokens_per_file, &per_file[1]);
    out->seconds.center = out->seconds.samples ? (out->seconds.lo + out->seconds.hi) / 2 : 0;

    double price_1k = p->prices.embed_per_1k_tokens.known ? p->prices.embed_per_1k_tokens.usd : -1;
    double *dur_lo = xcalloc(p->nitems ? p->nitems : 1, sizeof *dur_lo);
    double *dur_hi = xcalloc(p->nitems ? p->nitems : 1, sizeof *dur_hi);
    size_t nd = 0;
    bool unknown = out->measured_usd < 0 || price_1k < 0;
    for (size_t j = 0; j < p->nitems; j++) {
        const struct plan_item *it = &p->items[j];
        if (!it->selected)
            continue;
        out->uncal_total_lo += it->est.usd_lo;
        out->uncal_total_hi += it->est.usd_hi;
        unknown |= it->est.usd_lo < 0 || it->est.usd_hi < 0;
        if (measured[j] || (scope && scope->settled && scope->settled[j]))
            continue;
        out->remaining++;
        out->remaining_uncal_lo += it->est.usd_lo;
        out->remaining_uncal_hi += it->est.usd_hi;
        double mlo[PLAN_PARTS], mhi[PLAN_PARTS], units[PLAN_PARTS];
        plan_token_parts(it->bot, mlo, mhi);
        s_units(it->bot, units);
        double tlo = 0, thi = 0;
        for (int k = 0; k < PLAN_PARTS; k++)
            s_part(params[k], units[k], mlo[k], mhi[k], &tlo, &thi);
        /* Files whose size was not read: the measured tokens per file (the model has nothing). */
        double unsized_text, unsized_binary;
        s_unsized_files(it->bot, &unsized_text, &unsized_binary);
        s_part(&out->text_tokens_per_file, unsized_text, 0, 0, &tlo, &thi);
        s_part(&out->binary_tokens_per_file, unsized_binary, 0, 0, &tlo, &thi);
        /* Task time: what the measured bots took, and for a bot with more to embed than
         * the largest of them, that one's time scaled by the tokens. */
        double slo, shi;
        s_remaining_seconds(out, it, thi, &slo, &shi);
        double flo = fargate_task_usd(&p->prices, p->task_cpu_units, p->task_memory_mib, fargate_billed_seconds(slo));
        double fhi = fargate_task_usd(&p->prices, p->task_cpu_units, p->task_memory_mib, fargate_billed_seconds(shi));
        unknown |= flo < 0 || fhi < 0;
        out->remaining_lo += flo + tlo / 1000.0 * price_1k;
        out->remaining_hi += fhi + thi / 1000.0 * price_1k;
        /* A running task's wall clock still to come: what it has been billed is behind it. */
        double done = scope && scope->elapsed ? scope->elapsed[j] : 0;
        dur_lo[nd] = fmax(0, slo - done);
        dur_hi[nd] = fmax(0, shi - done);
        nd++;
    }
    qsort(dur_lo, nd, sizeof *dur_lo, s_desc);
    qsort(dur_hi, nd, sizeof *dur_hi, s_desc);
    int conc = scope && scope->concurrency > 0 ? scope->concurrency : p->concurrency;
    out->wall_lo = plan_wall_seconds(dur_lo, nd, conc);
    out->wall_hi = plan_wall_seconds(dur_hi, nd, conc);
    free(dur_lo);
    free(dur_hi);
    free(measured);
    if (unknown) {
        out->remaining_lo = out->remaining_hi = out->total_lo = out->total_hi = -1;
        return 0;
    }
    out->total_lo = out->measured_usd + out->remaining_lo;
    out->total_hi = out->measured_usd + out->remaining_hi;
    return 0;
}

void calibrate_add_range_json(cJSON *o, const char *name, double lo, double hi)
{
    cJSON *r = cJSON_AddObjectToObject(o, name);
    if (lo < 0 || hi < 0) {
        cJSON_AddNullToObject(r, "low");
        cJSON_AddNullToObject(r, "high");
    } else {
        cJSON_AddNumberToObject(r, "low", lo);
        cJSON_AddNumberToObject(r, "high", hi);
    }
}

static void s_param(cJSON *o, const char *name, const struct calibrate_param *p)
{
    cJSON *j = cJSON_AddObjectToObject(o, name);
    cJSON_AddNumberToObject(j, "samples", (double)p->samples);
    if (p->samples) {
        cJSON_AddNumberToObject(j, "value", p->center);
        cJSON_AddNumberToObject(j, "low", p->lo);
        cJSON_AddNumberToObject(j, "high", p->hi);
    } else {
        cJSON_AddNullToObject(j, "low");
        cJSON_AddNullToObject(j, "high");
    }
}

cJSON *calibration_to_json(const struct calibration *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "measured_bots", (double)c->measured);
    if (c->measured_usd >= 0)
        cJSON_AddNumberToObject(o, "measured_usd", c->measured_usd);
    else
        cJSON_AddNullToObject(o, "measured_usd");
    cJSON_AddNumberToObject(o, "measured_task_seconds", c->measured_seconds);
    cJSON_AddNumberToObject(o, "remaining_bots", (double)c->remaining);
    calibrate_add_range_json(o, "remaining_usd", c->remaining_lo, c->remaining_hi);
    calibrate_add_range_json(o, "remaining_uncalibrated_usd", c->remaining_uncal_lo, c->remaining_uncal_hi);
    calibrate_add_range_json(o, "total_usd", c->total_lo, c->total_hi);
    calibrate_add_range_json(o, "uncalibrated_total_usd", c->uncal_total_lo, c->uncal_total_hi);
    cJSON *w = cJSON_AddObjectToObject(o, "remaining_duration_s");
    cJSON_AddNumberToObject(w, "low", c->wall_lo);
    cJSON_AddNumberToObject(w, "high", c->wall_hi);
    cJSON *params = cJSON_AddObjectToObject(o, "parameters");
    s_param(params, "text_file_tokens_per_byte", &c->text_tokens_per_byte);
    s_param(params, "other_file_tokens_per_byte", &c->binary_tokens_per_byte);
    s_param(params, "tokens_per_url", &c->url_tokens);
    s_param(params, "tokens_per_sitemap", &c->sitemap_tokens);
    s_param(params, "text_file_tokens_per_unsized_file", &c->text_tokens_per_file);
    s_param(params, "other_file_tokens_per_unsized_file", &c->binary_tokens_per_file);
    s_param(params, "billed_seconds", &c->seconds);
    s_param(params, "pull_seconds", &c->pull_seconds);
    s_param(params, "work_seconds", &c->work_seconds);
    return o;
}
