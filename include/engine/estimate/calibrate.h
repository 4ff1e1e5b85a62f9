/* The estimate recomputed from what finished bots measured (a pilot's, or a run's so far):
 * the model's uncertain numbers — text per byte of each kind of file, text per crawled
 * URL and per sitemap, characters per token, task time — are replaced by the range the
 * measured bots showed (with a margin), each one only where some measured bot had that
 * kind of source; the measured bots themselves count at what they cost.
 *
 * Owns: that fit and the calibrated totals. Measuring is engine/estimate/measure.h; the
 * plan's model and its bounds are engine/estimate/plan.h. NAT and the scan are outside
 * the comparison (the same either way): the figures here are Fargate plus Bedrock. */
#ifndef BCM_ENGINE_CALIBRATE_H
#define BCM_ENGINE_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan;
struct bot_measure;
struct cJSON;

/* A measured quantity (tokens per byte of text file, per URL, …) is taken at its pooled
 * value r = Σ tokens / Σ units over the measured bots, within a factor
 * G = exp(2 s / √k): s the spread (standard deviation of the logarithm) of the k bots'
 * own values, at least CALIBRATE_MIN_LOG_SD (one bot shows no spread, and pages and
 * documents do vary), so the range narrows as more bots finish. */
#define CALIBRATE_MIN_LOG_SD 0.4

struct calibrate_param {
    size_t samples;
    double center;          /* pooled value; valid when samples > 0 */
    double lo, hi;          /* center / G, center * G */
};

struct calibration {
    size_t measured;                  /* measured bots that are in the plan and selected */
    double measured_usd;              /* what they cost (-1 when any price is unknown) */
    double measured_seconds;          /* their billed task seconds */
    /* tokens per byte (text files, other files), per URL, per sitemap; characters a token */
    struct calibrate_param text_tokens_per_byte, binary_tokens_per_byte;
    struct calibrate_param url_tokens, sitemap_tokens;
    /* tokens per file (text files, other files): for a bot whose file sizes were not read
     * (`run` does not list S3), where a rate per byte has nothing to apply to */
    struct calibrate_param text_tokens_per_file, binary_tokens_per_file;
    struct calibrate_param seconds;   /* billed seconds of the measured bots (lo..hi: min..max) */
    /* The image pull, measured (ECS pullStartedAt..pullStoppedAt of the measured bots and of
     * the scope's other tasks; lo..hi: min..max, center: mean): it replaces the model's
     * assumed start in the remaining bots' time. */
    struct calibrate_param pull_seconds;
    /* The measured bots' time after their pull (task time - pull; lo..hi: min..max). */
    struct calibrate_param work_seconds;
    double work_at_most_tokens;       /* that time of the measured bot with most tokens */
    double seconds_at_most_tokens;    /* billed seconds of the measured bot with most tokens */
    double most_tokens;               /* its tokens */
    size_t remaining;                 /* selected bots not measured */
    double remaining_lo, remaining_hi;          /* calibrated, USD */
    double remaining_uncal_lo, remaining_uncal_hi;  /* the plan's own, USD */
    double total_lo, total_hi;        /* measured + calibrated remaining */
    double uncal_total_lo, uncal_total_hi;      /* the plan's whole range (same bots) */
    double wall_lo, wall_hi;          /* the remaining bots' wall clock, calibrated */
};

/* measures[i] belongs to plan item index items[i] (SIZE_MAX: not in the plan). Returns 0,
 * or -1 when nothing measured belongs to the plan. */
int calibrate_plan(const struct plan *p, const struct bot_measure *measures, const size_t *items,
                   size_t n, struct calibration *out);

/* A run under way (engine/estimate/live_cost.h): which plan items are neither measured
 * nor still to run, how long the running ones have already been billed, the run's
 * concurrency, and image pulls measured on tasks not finished yet. */
struct calibrate_scope {
    const bool *settled;       /* per plan item: final, not to be estimated (NULL: none) */
    const double *elapsed;     /* per plan item: seconds already billed (NULL: none) */
    int concurrency;           /* 0: the plan's */
    const double *pulls;       /* image pulls of this run's other tasks, seconds */
    size_t npulls;
};
/* calibrate_plan within a run: returns 0 even when nothing is measured yet (the model's
 * ranges then stand, with a measured image pull when there is one). The remaining wall
 * clock counts only the running bots' time still to come. */
int calibrate_plan_scoped(const struct plan *p, const struct bot_measure *measures, const size_t *items,
                          size_t n, const struct calibrate_scope *scope, struct calibration *out);
struct cJSON *calibration_to_json(const struct calibration *c);
/* (hi - lo) / ((hi + lo) / 2): the range's width relative to its middle. */
double calibrate_relative_width(double lo, double hi);
/* Adds name: {low, high} in dollars to o; both null when either end is unknown (< 0). */
void calibrate_add_range_json(struct cJSON *o, const char *name, double lo, double hi);

#endif
