/* The refit of the bots still to run (engine/estimate/calibrate.h), as the live cost uses
 * it during a run: measured actual/model rates per source type narrow the remaining range
 * as more bots finish; settled bots leave the remaining; running bots' billed time comes
 * off the wall clock; measured image pulls replace the model's assumed start; files whose
 * size was not read are sized by the measured tokens per file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/inventory.h"
#include "engine/estimate/calibrate.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "util/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBOTS 8

static void s_bot(struct bot *b, int i, uint64_t bytes)
{
    memset(b, 0, sizeof *b);
    b->pk = xstrdup("u1");
    b->bot_id = xasprintf("BOT%d", i);
    b->sk = xasprintf("u1#BOT#BOT%d", i);
    b->title = xstrdup(b->bot_id);
    b->files = xcalloc(1, sizeof *b->files);
    b->files[0].name = xstrdup("doc.txt");
    b->files[0].bytes = bytes;
    b->n_files = 1;
    b->document_bytes = bytes;
}

/* NBOTS bots with one text file each (size 0: not read). */
static void s_plan(struct inventory *inv, struct plan *p, uint64_t bytes)
{
    memset(inv, 0, sizeof *inv);
    inv->nbots = NBOTS;
    inv->bots = xcalloc(NBOTS, sizeof *inv->bots);
    for (int i = 0; i < NBOTS; i++)
        s_bot(&inv->bots[i], i, bytes);
    inv->bucket_listed = bytes > 0;
    struct plan_options o = {.region = "us-east-1", .concurrency = 2};
    char *error = NULL;
    assert_int_equal(plan_build(inv, NULL, &o, p, &error), 0);
    assert_int_equal(p->nselected, NBOTS);
}

/* A text bot that embedded `chars` characters of its file of `bytes`, 90 s of task time. */
static void s_measure(struct bot_measure *m, const struct plan *p, size_t item, double chars, double pull)
{
    memset(m, 0, sizeof *m);
    m->have_log = true;
    m->chars = (uint64_t)chars;
    m->src.text_file_chars = (uint64_t)chars;
    bot_measure_set_times(m, pull >= 0 ? 1000000 : 0, pull >= 0 ? 1000000 + (uint64_t)(pull * 1000) : 0,
                          1000000 + (pull >= 0 ? (uint64_t)(pull * 1000) : 0), 1000000 + 90000);
    bot_measure_finish(m, p->items[item].bot, &p->prices, p->task_cpu_units, p->task_memory_mib);
    assert_true(m->usd > 0);
}

static double s_width(double lo, double hi)
{
    return calibrate_relative_width(lo, hi);
}

static void test_range_narrows_as_bots_finish(void **state)
{
    (void)state;
    struct inventory inv;
    struct plan p;
    s_plan(&inv, &p, 100000);
    struct bot_measure m[4];
    size_t items[4] = {0, 1, 2, 3};
    /* Measured: about 1 character per byte (0.9-1.1), a tight spread. */
    const double ratio[4] = {1.0, 0.9, 1.1, 1.0};
    for (int i = 0; i < 4; i++)
        s_measure(&m[i], &p, items[i], 100000 * ratio[i], -1);
    struct calibration one, four;
    assert_int_equal(calibrate_plan(&p, m, items, 1, &one), 0);
    assert_int_equal(calibrate_plan(&p, m, items, 4, &four), 0);
    assert_int_equal(one.remaining, NBOTS - 1);
    assert_int_equal(four.remaining, NBOTS - 4);
    /* Per remaining bot, the range narrows with more bots measured, and both are narrower
     * than the model's own. */
    double w1 = s_width(one.remaining_lo, one.remaining_hi), w4 = s_width(four.remaining_lo, four.remaining_hi);
    assert_true(w4 < w1);
    assert_true(w1 < s_width(one.remaining_uncal_lo, one.remaining_uncal_hi));
    /* The measured rate, actual over the model's unit: tokens per byte at 4 characters a token. */
    assert_int_equal(four.text_tokens_per_byte.samples, 4);
    assert_true(fabs(four.text_tokens_per_byte.center - 0.25) < 1e-9);
    assert_true(four.text_tokens_per_byte.lo < 0.25 && four.text_tokens_per_byte.hi > 0.25);
    /* Measured cost is exact, not a range. */
    double sum = 0;
    for (int i = 0; i < 4; i++)
        sum += m[i].usd;
    assert_true(fabs(four.measured_usd - sum) < 1e-12);
    assert_true(fabs(four.total_lo - (sum + four.remaining_lo)) < 1e-12);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_scope_settles_and_counts_elapsed(void **state)
{
    (void)state;
    struct inventory inv;
    struct plan p;
    s_plan(&inv, &p, 100000);
    struct bot_measure m[2];
    size_t items[2] = {0, 1};
    s_measure(&m[0], &p, 0, 100000, -1);
    s_measure(&m[1], &p, 1, 100000, -1);
    bool settled[NBOTS] = {false};
    double elapsed[NBOTS] = {0};
    struct calibrate_scope scope = {settled, elapsed, 2, NULL, 0};
    struct calibration all, part;
    assert_int_equal(calibrate_plan_scoped(&p, m, items, 2, &scope, &all), 0);
    settled[7] = true;                /* failed: final, not to be estimated */
    elapsed[2] = elapsed[3] = 1000;   /* running long past the measured 90 s */
    assert_int_equal(calibrate_plan_scoped(&p, m, items, 2, &scope, &part), 0);
    assert_int_equal(all.remaining, NBOTS - 2);
    assert_int_equal(part.remaining, NBOTS - 3);
    assert_true(part.remaining_hi < all.remaining_hi);
    /* Two bots nearly done and one fewer: the wall clock still to come is shorter. */
    assert_true(part.wall_hi < all.wall_hi);
    /* Nothing measured yet: the model's ranges stand (0, not -1, within a run). */
    struct calibration none;
    assert_int_equal(calibrate_plan_scoped(&p, m, items, 0, &scope, &none), 0);
    assert_int_equal(none.measured, 0);
    assert_true(fabs(none.remaining_lo - none.remaining_uncal_lo) < 1e-12);
    assert_int_equal(calibrate_plan(&p, m, items, 0, &none), -1);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_measured_pull_replaces_the_assumed_start(void **state)
{
    (void)state;
    struct inventory inv;
    struct plan p;
    s_plan(&inv, &p, 100000);
    bool settled[NBOTS] = {false};
    double pulls[2] = {5.0, 7.0};
    struct calibrate_scope scope = {settled, NULL, NBOTS, pulls, 2};
    struct calibration c;
    assert_int_equal(calibrate_plan_scoped(&p, NULL, NULL, 0, &scope, &c), 0);
    assert_int_equal(c.pull_seconds.samples, 2);
    assert_true(fabs(c.pull_seconds.center - 6.0) < 1e-9);
    /* Every bot at once: the wall clock is one bot's time, the measured pull plus the
     * model's work (no assumed 50-100 s start). */
    const struct bot_estimate *e = &p.items[0].est;
    assert_true(fabs(c.wall_lo - (5.0 + PLAN_AFTER_PULL_S_LO + e->work_seconds_lo)) < 1e-6);
    assert_true(fabs(c.wall_hi - (7.0 + PLAN_AFTER_PULL_S_HI + e->work_seconds_hi)) < 1e-6);
    assert_true(c.wall_hi < e->seconds_hi);

    /* Measured bots with their pulls: a remaining bot takes a measured pull and a measured
     * work time. */
    struct bot_measure m[2];
    size_t items[2] = {0, 1};
    s_measure(&m[0], &p, 0, 100000, 20.0);
    s_measure(&m[1], &p, 1, 100000, 30.0);
    scope.npulls = 0;
    assert_int_equal(calibrate_plan_scoped(&p, m, items, 2, &scope, &c), 0);
    assert_int_equal(c.pull_seconds.samples, 2);
    assert_true(fabs(c.pull_seconds.lo - 20.0) < 1e-9 && fabs(c.pull_seconds.hi - 30.0) < 1e-9);
    assert_int_equal(c.work_seconds.samples, 2);
    assert_true(fabs(c.work_seconds.lo - 60.0) < 1e-9 && fabs(c.work_seconds.hi - 70.0) < 1e-9);
    assert_true(fabs(c.wall_lo - 80.0) < 1e-6);
    /* The high end: the slowest pull and work, scaled up for a bot that may embed more
     * than the measured ones (its calibrated tokens' high end). */
    assert_true(c.wall_hi >= 100.0 - 1e-6);
    assert_true(c.wall_hi <= 30.0 + 70.0 * exp(2 * CALIBRATE_MIN_LOG_SD / sqrt(2.0)) + 1e-6);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_unsized_files_take_the_measured_tokens_per_file(void **state)
{
    (void)state;
    struct inventory inv;
    struct plan p;
    s_plan(&inv, &p, 0); /* `run` did not list S3: every file's size is unknown */
    assert_true(p.items[5].est.tokens_hi == 0);
    struct bot_measure m[3];
    size_t items[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++)
        s_measure(&m[i], &p, items[i], 40000, -1);
    struct calibration c;
    assert_int_equal(calibrate_plan(&p, m, items, 3, &c), 0);
    assert_int_equal(c.text_tokens_per_file.samples, 3);
    assert_true(fabs(c.text_tokens_per_file.center - 10000) < 1e-6);
    /* Bedrock for the remaining five: about 10,000 tokens each, within the spread. */
    double fargate_lo = c.remaining_lo, bedrock = 5 * 10000 / 1000.0 * p.prices.embed_per_1k_tokens.usd;
    assert_true(c.remaining_hi - c.remaining_lo > 0);
    assert_true(c.remaining_lo < fargate_lo + bedrock + 1e-12);
    assert_true(c.remaining_hi > c.remaining_uncal_hi);
    plan_free(&p);
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_narrows_as_bots_finish),
        cmocka_unit_test(test_scope_settles_and_counts_elapsed),
        cmocka_unit_test(test_measured_pull_replaces_the_assumed_start),
        cmocka_unit_test(test_unsized_files_take_the_measured_tokens_per_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
