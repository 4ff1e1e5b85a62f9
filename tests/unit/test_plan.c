/* The plan: the token and time model at its edges (zero bytes, huge files, the Fargate
 * minute, bad chunk parameters), wall clock from concurrency, the default concurrency,
 * id lists, selection rules and totals, and the JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/run/runner.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EPS 1e-9

/* ---- building bots by hand ---- */

static void s_bot(struct bot *b, const char *pk, const char *id)
{
    memset(b, 0, sizeof *b);
    b->pk = xstrdup(pk);
    b->bot_id = xstrdup(id);
    b->sk = xasprintf("%s#BOT#%s", pk, id);
    b->title = xstrdup(id);
}

static void s_add_file(struct bot *b, const char *name, uint64_t bytes, bool missing)
{
    b->files = xrealloc(b->files, (b->n_files + 1) * sizeof *b->files);
    b->files[b->n_files].name = xstrdup(name);
    b->files[b->n_files].bytes = missing ? 0 : bytes;
    b->files[b->n_files].missing = missing;
    b->n_files++;
    if (missing)
        b->n_missing_files++;
    else
        b->document_bytes += bytes;
}

static void s_add_url(struct bot *b, const char *url)
{
    b->source_urls = xrealloc(b->source_urls, (b->n_source_urls + 1) * sizeof *b->source_urls);
    b->source_urls[b->n_source_urls++] = xstrdup(url);
}

static struct price_table s_prices(void)
{
    struct price_table t;
    price_table_builtin("us-east-1", "X86_64", &t);
    return t;
}

/* ---- the model ---- */

static void test_overlap_factor(void **state)
{
    (void)state;
    const char *w = "x";
    assert_float_equal(plan_overlap_factor(0, 0, &w), 1.25, EPS);
    assert_null(w);
    assert_float_equal(plan_overlap_factor(1000, 200, &w), 1.25, EPS);
    assert_float_equal(plan_overlap_factor(1000, 0, &w), 1.0, EPS);
    assert_float_equal(plan_overlap_factor(500, 100, &w), 1.25, EPS);
    assert_float_equal(plan_overlap_factor(0, 100, &w), 1000.0 / 900.0, EPS);
    assert_null(w);
    /* The splitter refuses overlap >= size: warned, defaults assumed. */
    assert_float_equal(plan_overlap_factor(100, 100, &w), 1.25, EPS);
    assert_non_null(w);
    assert_float_equal(plan_overlap_factor(100, 5000, &w), 1.25, EPS);
    assert_non_null(w);
    assert_float_equal(plan_overlap_factor(1, 0, NULL), 1.0, EPS);
}

static void test_empty_bot_costs_one_fargate_minimum(void **state)
{
    (void)state;
    struct price_table t = s_prices();
    struct bot b;
    s_bot(&b, "u", "EMPTY");
    struct bot_estimate e;
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_int_equal(e.tokens_lo, 0);
    assert_int_equal(e.tokens_hi, 0);
    assert_float_equal(e.seconds_lo, 60, EPS);   /* 55 s of life billed as a minute */
    assert_float_equal(e.seconds_hi, 120, EPS);
    assert_float_equal(e.fargate_usd_lo, 0.09874 / 60, EPS);
    assert_float_equal(e.bedrock_usd_lo, 0, EPS);
    assert_float_equal(e.bedrock_usd_hi, 0, EPS);
    assert_float_equal(e.usd_lo, e.fargate_usd_lo, EPS);
    assert_false(e.open_ended);

    /* A zero-byte file: knowledge, but nothing to embed. */
    s_add_file(&b, "empty.txt", 0, false);
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_int_equal(e.tokens_hi, 0);
    assert_float_equal(e.seconds_lo, 60, EPS);
    bot_free(&b);
    price_table_free(&t);
}

static void test_text_tokens_and_cost(void **state)
{
    (void)state;
    struct price_table t = s_prices();
    struct bot b;
    s_bot(&b, "u", "TEXT");
    s_add_file(&b, "manual.md", 10000000, false); /* 10 MB of text */
    struct bot_estimate e;
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    /* low: 1.25 * B / 4.8; high: 1.25 * 1.1 * B / 3 */
    assert_int_equal(e.tokens_lo, 2604167);
    assert_int_equal(e.tokens_hi, 4583334);
    assert_float_equal(e.bedrock_usd_lo, 10e6 * 1.25 / 4.8 / 1000 * 0.0001, 1e-9);
    assert_float_equal(e.bedrock_usd_hi, 10e6 * 1.25 * 1.1 / 3 / 1000 * 0.0001, 1e-9);
    assert_int_equal(e.text_bytes_lo, 10000000);
    assert_int_equal(e.text_bytes_hi, 10000000);
    assert_true(e.seconds_hi > e.seconds_lo);
    assert_true(e.seconds_lo >= 60);
    assert_float_equal(e.usd_hi, e.fargate_usd_hi + e.bedrock_usd_hi, EPS);

    /* A PDF of the same size holds 10–100 % text: low end is a tenth. */
    struct bot p;
    s_bot(&p, "u", "PDF");
    s_add_file(&p, "scan.PDF", 10000000, false);
    struct bot_estimate ep;
    plan_estimate_bot(&p, &t, 2048, 4096, &ep);
    assert_int_equal(ep.text_bytes_lo, 1000000);
    assert_int_equal(ep.text_bytes_hi, 10000000);
    assert_int_equal(ep.tokens_hi, e.tokens_hi);
    assert_true(ep.tokens_lo < e.tokens_lo);
    assert_true(ep.seconds_hi > e.seconds_hi); /* extraction time */

    /* Missing files add nothing (the task fails on them). */
    s_add_file(&b, "gone.pdf", 123456789, true);
    struct bot_estimate e2;
    plan_estimate_bot(&b, &t, 2048, 4096, &e2);
    assert_int_equal(e2.tokens_hi, e.tokens_hi);

    /* Custom chunking: no overlap, so fewer tokens. */
    b.chunk_size = 1000;
    b.chunk_overlap = 0;
    plan_estimate_bot(&b, &t, 2048, 4096, &e2);
    assert_int_equal(e2.tokens_lo, 2083334);
    bot_free(&b);
    bot_free(&p);
    price_table_free(&t);
}

static void test_huge_file_saturates(void **state)
{
    (void)state;
    struct price_table t = s_prices();
    struct bot b;
    s_bot(&b, "u", "HUGE");
    s_add_file(&b, "a.txt", UINT64_MAX, false);
    s_add_file(&b, "b.txt", UINT64_MAX / 2, false);
    struct bot_estimate e;
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_int_equal(e.text_bytes_hi, UINT64_MAX); /* saturated, not wrapped */
    assert_true(e.tokens_hi > 12000000000000000000u);
    for (int i = 0; i < 4; i++)
        s_add_file(&b, "more.txt", UINT64_MAX, false);
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_int_equal(e.tokens_hi, UINT64_MAX);
    assert_true(isfinite(e.seconds_hi));
    assert_true(isfinite(e.usd_hi));
    assert_true(e.usd_hi > e.usd_lo);
    bot_free(&b);
    price_table_free(&t);
}

static void test_urls_are_open_ended_and_unknown_prices_propagate(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("ap-northeast-1", "X86_64", &t);
    t.embed_per_1k_tokens.known = false; /* as if no Cohere price were known */
    struct bot b;
    s_bot(&b, "u", "URLS");
    s_add_url(&b, "https://example.com/a");
    struct bot_estimate e;
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_true(e.open_ended);
    assert_true(e.tokens_lo > 0);
    assert_true(e.fargate_usd_lo > 0);
    assert_true(e.bedrock_usd_lo < 0);
    assert_true(e.usd_lo < 0);
    assert_true(e.usd_hi < 0);
    bot_free(&b);

    /* Unknown Fargate price: Fargate and total unknown. */
    price_table_free(&t);
    price_table_builtin("ap-northeast-3", "X86_64", &t);
    s_bot(&b, "u", "E");
    plan_estimate_bot(&b, &t, 2048, 4096, &e);
    assert_true(e.fargate_usd_lo < 0);
    assert_float_equal(e.bedrock_usd_lo, 0, EPS); /* zero tokens cost nothing */
    assert_true(e.usd_lo < 0);
    bot_free(&b);
    price_table_free(&t);
}

static void test_wall_clock(void **state)
{
    (void)state;
    double d[] = {60, 60, 60, 60};
    assert_float_equal(plan_wall_seconds(d, 4, 3), 120, EPS);
    assert_float_equal(plan_wall_seconds(d, 4, 4), 60, EPS);
    assert_float_equal(plan_wall_seconds(d, 4, 100), 60, EPS);
    assert_float_equal(plan_wall_seconds(d, 4, 1), 240, EPS);
    assert_float_equal(plan_wall_seconds(d, 4, 0), 240, EPS);
    assert_float_equal(plan_wall_seconds(d, 0, 3), 0, EPS);
    double e[] = {600, 60, 60, 60};
    assert_float_equal(plan_wall_seconds(e, 4, 2), 600, EPS);
    double f[] = {60, 60, 600};
    assert_float_equal(plan_wall_seconds(f, 3, 2), 660, EPS); /* started in order */
}

static void test_default_concurrency(void **state)
{
    (void)state;
    char *why = NULL;
    assert_int_equal(plan_default_concurrency(2048, 4096, 0, &why), 3);
    assert_non_null(strstr(why, "6 vCPU"));
    free(why);
    assert_int_equal(plan_default_concurrency(4096, 8192, 0, NULL), 1);
    assert_int_equal(plan_default_concurrency(512, 1024, 0, NULL), 12);
    assert_int_equal(plan_default_concurrency(16384, 32768, 0, NULL), 1); /* never 0 */
    assert_int_equal(plan_default_concurrency(0, 0, 0, NULL), 3);
    assert_int_equal(plan_default_concurrency(2048, 4096, 20, &why), 10);
    assert_null(strstr(why, "assumed"));
    free(why);
}

static void test_id_lists(void **state)
{
    (void)state;
    char **ids = NULL, *error = NULL;
    size_t n = 0;
    assert_int_equal(plan_parse_id_list(" A , B,A ", &ids, &n, &error), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], "A");
    assert_string_equal(ids[1], "B");
    plan_free_id_list(ids, n);
    const char *bad[] = {"", "A,,B", "A,", ",A", "A B", "A#B", "A,\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(plan_parse_id_list(bad[i], &ids, &n, &error), -1);
        assert_non_null(error);
        assert_null(ids);
        free(error);
        error = NULL;
    }
}

/* ---- plans ---- */

/* Four bots: TEXT (1 MB), URL (one URL), EMPTY, MISS (a missing file). */
static void s_inventory(struct inventory *inv)
{
    memset(inv, 0, sizeof *inv);
    inv->nbots = 4;
    inv->bots = xcalloc(4, sizeof *inv->bots);
    s_bot(&inv->bots[0], "u1", "TEXT");
    s_add_file(&inv->bots[0], "a.txt", 1000000, false);
    s_bot(&inv->bots[1], "u1", "URL");
    s_add_url(&inv->bots[1], "https://example.com/");
    s_bot(&inv->bots[2], "u2", "EMPTY");
    s_bot(&inv->bots[3], "u2", "MISS");
    s_add_file(&inv->bots[3], "x.pdf", 0, true);
    s_add_file(&inv->bots[3], "y.txt", 5000, false);
    inv->used_index = true;
    inv->scan_source = xstrdup("index LastBotUsedIndex");
    inv->items_scanned = 6;
    inv->read_units = 8000000;
    inv->scan_requests = 2;
    inv->bucket_listed = true;
}

static bool s_has_warning(const struct plan_item *it, const char *needle)
{
    for (size_t i = 0; i < it->nwarnings; i++)
        if (strstr(it->warnings[i], needle))
            return true;
    return false;
}

static void test_knowledge_base_bots_are_never_selected(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    inv.bots[1].knowledge_base = true; /* URL: has sources, but lives in a Knowledge Base */
    struct plan p;
    char *error = NULL;
    struct plan_options o = {.region = "us-east-1"};
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    assert_false(p.items[1].selected);
    assert_string_equal(p.items[1].why_not, PLAN_WHY_KNOWLEDGE_BASE);
    assert_int_equal(p.totals.skipped_knowledge_base, 1);
    assert_int_equal(p.totals.excluded, 0);
    assert_int_equal(p.nselected, 2);
    plan_select(&p, 1, true); /* a wizard toggle cannot select it either */
    assert_false(p.items[1].selected);
    assert_int_equal(p.nselected, 2);
    cJSON *j = plan_item_to_json(&p.items[1]);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "knowledge_base")));
    cJSON_Delete(j);
    /* The runner is handed it as not run, with why (both views use this list). */
    size_t nnot_run = 0;
    struct run_not_run *not_run = plan_not_run(&p, &nnot_run);
    assert_int_equal(nnot_run, 1);
    assert_string_equal(not_run[0].bot_id, p.items[1].bot->bot_id);
    assert_string_equal(not_run[0].reason, PLAN_WHY_KNOWLEDGE_BASE);
    free(not_run);
    plan_free(&p);

    /* Named in --bots, it is still not launched. */
    struct plan_options only = {.region = "us-east-1", .bots_csv = "URL,TEXT"};
    assert_int_equal(plan_build(&inv, NULL, &only, &p, &error), 0);
    assert_false(p.items[1].selected);
    assert_string_equal(p.items[1].why_not, PLAN_WHY_KNOWLEDGE_BASE);
    assert_true(p.items[0].selected);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_default_selection_and_totals(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    struct plan p;
    char *error = NULL;
    struct plan_options o = {.region = "us-east-1"};
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    assert_int_equal(p.nitems, 4);
    assert_int_equal(p.nselected, 3);
    assert_true(p.items[0].selected);
    assert_true(p.items[1].selected);
    assert_false(p.items[2].selected);
    assert_string_equal(p.items[2].why_not, PLAN_WHY_EMPTY);
    assert_true(s_has_warning(&p.items[2], "No contents to embed"));
    assert_true(p.items[3].selected);
    assert_true(s_has_warning(&p.items[3], "missing from the document bucket"));
    assert_int_equal(p.totals.bots, 4);
    assert_int_equal(p.totals.selected, 3);
    assert_int_equal(p.totals.skipped_empty, 1);
    assert_int_equal(p.totals.excluded, 0);
    assert_int_equal(p.totals.document_bytes, 1005000);
    assert_int_equal(p.totals.missing_files, 1);
    assert_int_equal(p.concurrency, 3);
    assert_int_equal(p.task_cpu_units, 2048);

    double flo = 0, fhi = 0, blo = 0, bhi = 0;
    uint64_t tlo = 0;
    for (size_t i = 0; i < p.nitems; i++) {
        if (!p.items[i].selected)
            continue;
        flo += p.items[i].est.fargate_usd_lo;
        fhi += p.items[i].est.fargate_usd_hi;
        blo += p.items[i].est.bedrock_usd_lo;
        bhi += p.items[i].est.bedrock_usd_hi;
        tlo += p.items[i].est.tokens_lo;
    }
    assert_float_equal(p.totals.fargate_usd_lo, flo, EPS);
    assert_float_equal(p.totals.bedrock_usd_hi, bhi, EPS);
    assert_int_equal(p.totals.tokens_lo, tlo);
    assert_float_equal(p.totals.scan_usd, 8.0 * 0.125, EPS);
    /* Nothing read about the image pull: the stack's NAT layout and a 2-3 GB image are
     * assumed for each of the 3 tasks at us-east-1's $0.045 per GB, and added. */
    assert_true(p.nat.assumed);
    assert_float_equal(p.totals.nat_usd_lo, 3 * 2.0 * 0.045, 1e-9);
    assert_float_equal(p.totals.nat_usd_hi, 3 * 3.0 * 0.045, 1e-9);
    assert_float_equal(p.totals.usd_lo, flo + blo + 1.0 + p.totals.nat_usd_lo, 1e-9);
    assert_float_equal(p.totals.usd_hi, fhi + bhi + 1.0 + p.totals.nat_usd_hi, 1e-9);
    /* 3 tasks at concurrency 3: wall clock is the longest task. */
    double longest = 0;
    for (size_t i = 0; i < p.nitems; i++)
        if (p.items[i].selected && p.items[i].est.seconds_hi > longest)
            longest = p.items[i].est.seconds_hi;
    assert_float_equal(p.totals.wall_seconds_hi, longest, EPS);
    assert_true(p.nassumptions >= 8);

    /* Wizard toggles recompute. */
    plan_select(&p, 0, false);
    assert_int_equal(p.nselected, 2);
    assert_string_equal(p.items[0].why_not, PLAN_WHY_DESELECTED);
    assert_int_equal(p.totals.excluded, 1);
    assert_int_equal(p.totals.document_bytes, 5000);
    plan_select(&p, 2, true);
    assert_int_equal(p.totals.skipped_empty, 0);
    assert_int_equal(p.nselected, 3);
    plan_select(&p, 99, true); /* out of range: ignored */
    plan_set_concurrency(&p, 1, "test");
    assert_float_equal(p.totals.wall_seconds_lo, p.totals.task_seconds_lo, EPS);

    plan_free(&p);
    inventory_free(&inv);
}

static bool s_has_assumption(const struct plan *p, const char *needle)
{
    for (size_t i = 0; i < p->nassumptions; i++)
        if (strstr(p->assumptions[i], needle))
            return true;
    return false;
}

/* The wizard's price editor: doubling the Fargate prices doubles the Fargate cost of
 * every bot and the totals, leaves Bedrock alone, and the assumptions quote the new
 * source; concurrency changes are restated too. */
static void test_set_prices_and_concurrency_restate(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    struct plan p;
    char *error = NULL;
    struct plan_options o = {.region = "us-east-1"};
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    double f_lo = p.totals.fargate_usd_lo, f_hi = p.totals.fargate_usd_hi;
    double b_lo = p.totals.bedrock_usd_lo, item0 = p.items[0].est.fargate_usd_hi;
    size_t nassumptions = p.nassumptions;
    assert_true(f_lo > 0 && b_lo > 0);

    struct price_table t;
    price_table_copy(&t, &p.prices);
    t.fargate_vcpu_hour.usd *= 2;
    t.fargate_gb_hour.usd *= 2;
    free(t.source);
    t.source = xstrdup("edited in a test");
    plan_set_prices(&p, &t);
    price_table_free(&t);
    assert_float_equal(p.totals.fargate_usd_lo, 2 * f_lo, 1e-9);
    assert_float_equal(p.totals.fargate_usd_hi, 2 * f_hi, 1e-9);
    assert_float_equal(p.items[0].est.fargate_usd_hi, 2 * item0, 1e-9);
    assert_float_equal(p.totals.bedrock_usd_lo, b_lo, 1e-12);
    assert_float_equal(p.totals.usd_lo, p.totals.fargate_usd_lo + b_lo + p.totals.scan_usd +
                                            p.totals.nat_usd_lo, 1e-9);
    assert_string_equal(p.prices.source, "edited in a test");
    assert_int_equal(p.nassumptions, nassumptions);
    assert_true(s_has_assumption(&p, "edited in a test"));

    /* An unknown embedding price makes the Bedrock part and the total unknown. */
    price_table_copy(&t, &p.prices);
    t.embed_per_1k_tokens.known = false;
    plan_set_prices(&p, &t);
    price_table_free(&t);
    assert_true(p.totals.bedrock_usd_lo < 0);
    assert_true(p.totals.usd_hi < 0);
    assert_true(s_has_assumption(&p, "an unknown price"));

    plan_set_concurrency(&p, 7, "chosen in a test");
    assert_true(s_has_assumption(&p, "tasks run 7 at a time (chosen in a test)"));
    assert_int_equal(p.nassumptions, nassumptions);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_include_empty_bots_and_exclude(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    struct plan p;
    char *error = NULL;
    struct plan_options o = {.include_empty = true, .exclude_csv = "URL", .concurrency = 2};
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    assert_true(p.items[2].selected);
    assert_false(p.items[1].selected);
    assert_string_equal(p.items[1].why_not, PLAN_WHY_EXCLUDED);
    assert_int_equal(p.concurrency, 2);
    assert_string_equal(p.concurrency_why, "--concurrency");
    plan_free(&p);

    /* --bots picks exactly those, an empty bot included; --exclude still applies. */
    struct plan_options o2 = {.bots_csv = "EMPTY,TEXT,URL", .exclude_csv = "URL"};
    assert_int_equal(plan_build(&inv, NULL, &o2, &p, &error), 0);
    assert_true(p.items[0].selected);
    assert_false(p.items[1].selected);
    assert_string_equal(p.items[1].why_not, PLAN_WHY_EXCLUDED);
    assert_true(p.items[2].selected);
    assert_false(p.items[3].selected);
    assert_string_equal(p.items[3].why_not, PLAN_WHY_NOT_LISTED);
    assert_int_equal(p.totals.excluded, 2);
    plan_free(&p);

    /* Unknown ids are named; bad syntax is refused. */
    struct plan_options o3 = {.bots_csv = "TEXT,NOPE"};
    assert_int_equal(plan_build(&inv, NULL, &o3, &p, &error), -1);
    assert_non_null(strstr(error, "\"NOPE\""));
    assert_non_null(strstr(error, "--bots"));
    free(error);
    struct plan_options o4 = {.exclude_csv = "GHOST"};
    assert_int_equal(plan_build(&inv, NULL, &o4, &p, &error), -1);
    assert_non_null(strstr(error, "--exclude"));
    free(error);
    struct plan_options o5 = {.bots_csv = "TEXT,,URL"};
    assert_int_equal(plan_build(&inv, NULL, &o5, &p, &error), -1);
    assert_non_null(strstr(error, "--bots"));
    free(error);
    struct plan_options o6 = {.prices_file = "/nonexistent/p.json"};
    assert_int_equal(plan_build(&inv, NULL, &o6, &p, &error), -1);
    assert_non_null(strstr(error, "/nonexistent/p.json"));
    free(error);
    inventory_free(&inv);
}

static void test_prices_override_and_unknown_region(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    struct plan p;
    char *error = NULL;
    struct plan_options o = {.region = "ap-northeast-3"};
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    assert_true(p.totals.usd_lo < 0);
    assert_true(p.totals.fargate_usd_lo < 0);
    cJSON *j = plan_to_json(&p);
    cJSON *totals = cJSON_GetObjectItem(j, "totals");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(totals, "usd"), "low")));
    cJSON_Delete(j);
    plan_free(&p);

    char path[] = "/tmp/bcm-plan-prices-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("{\"source_date\":\"2026-12-01\",\"regions\":{\"ap-northeast-3\":{"
          "\"fargate_vcpu_hour\":0.05,\"fargate_gb_hour\":0.005,\"embed_per_1k_tokens\":0.0001,"
          "\"dynamodb_per_million_rru\":0.15}}}", f);
    fclose(f);
    o.prices_file = path;
    assert_int_equal(plan_build(&inv, NULL, &o, &p, &error), 0);
    unlink(path);
    assert_true(p.totals.usd_lo > 0);
    assert_true(p.totals.usd_hi > p.totals.usd_lo);
    assert_string_equal(p.prices.source_date, "2026-12-01");
    plan_free(&p);

    /* A given table is copied and used. */
    struct price_table t;
    price_table_builtin("eu-west-1", NULL, &t);
    struct plan_options o2 = {.prices = &t};
    assert_int_equal(plan_build(&inv, NULL, &o2, &p, &error), 0);
    price_table_free(&t);
    assert_string_equal(p.prices.region, "eu-west-1");
    plan_free(&p);
    inventory_free(&inv);
}

static void test_json_shape(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    free(inv.bots[0].title);
    inv.bots[0].title = xstrdup("\x1b]52;c;ZXZpbA==\x07日本語");
    struct plan p;
    char *error = NULL;
    assert_int_equal(plan_build(&inv, NULL, NULL, &p, &error), 0);
    cJSON *j = plan_to_json(&p);
    cJSON *bots = cJSON_GetObjectItem(j, "bots");
    assert_int_equal(cJSON_GetArraySize(bots), 4);
    cJSON *b0 = cJSON_GetArrayItem(bots, 0);
    /* Raw title, exactly as stored: JSON escaping makes it safe. */
    assert_string_equal(cJSON_GetObjectItem(b0, "title")->valuestring, inv.bots[0].title);
    assert_string_equal(cJSON_GetObjectItem(b0, "bot_id")->valuestring, "TEXT");
    assert_string_equal(cJSON_GetObjectItem(b0, "pk")->valuestring, "u1");
    assert_string_equal(cJSON_GetObjectItem(b0, "sk")->valuestring, "u1#BOT#TEXT");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b0, "has_knowledge")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b0, "selected")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(b0, "why_not")));
    assert_int_equal(cJSON_GetObjectItem(b0, "document_bytes")->valuedouble, 1000000);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(b0, "estimate_usd"), "low"));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(b0, "estimate"), "seconds_hi"));
    cJSON *b3 = cJSON_GetArrayItem(bots, 3);
    cJSON *missing = cJSON_GetObjectItem(b3, "missing_files");
    assert_int_equal(cJSON_GetArraySize(missing), 1);
    assert_string_equal(cJSON_GetArrayItem(missing, 0)->valuestring, "x.pdf");
    cJSON *b2 = cJSON_GetArrayItem(bots, 2);
    assert_string_equal(cJSON_GetObjectItem(b2, "why_not")->valuestring, PLAN_WHY_EMPTY);

    cJSON *totals = cJSON_GetObjectItem(j, "totals");
    assert_int_equal(cJSON_GetObjectItem(totals, "bots")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(totals, "selected")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(totals, "skipped_empty")->valueint, 1);
    const char *ranges[] = {"usd", "fargate_usd", "bedrock_usd", "duration_s", "tokens"};
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        cJSON *r = cJSON_GetObjectItem(totals, ranges[i]);
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(r, "low")));
        assert_true(cJSON_GetObjectItem(r, "high")->valuedouble >=
                    cJSON_GetObjectItem(r, "low")->valuedouble);
    }
    assert_int_equal(cJSON_GetObjectItem(j, "concurrency")->valueint, 3);
    cJSON *prices = cJSON_GetObjectItem(j, "prices");
    assert_string_equal(cJSON_GetObjectItem(prices, "source_date")->valuestring, PRICING_BUILTIN_DATE);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "assumptions")) >= 8);
    cJSON *scan = cJSON_GetObjectItem(j, "scan");
    assert_string_equal(cJSON_GetObjectItem(scan, "source")->valuestring, "index LastBotUsedIndex");
    assert_int_equal(cJSON_GetObjectItem(scan, "items_read")->valueint, 6);
    assert_int_equal(cJSON_GetObjectItem(scan, "requests")->valueint, 2);
    cJSON_Delete(j);
    plan_free(&p);
    inventory_free(&inv);
}

/* `plan --json` prints the document a bot at a time from its parts: the parts must put
 * together exactly plan_to_json, field order included. */
static void test_json_parts_make_the_whole(void **state)
{
    (void)state;
    struct inventory inv;
    s_inventory(&inv);
    struct plan p;
    char *error = NULL;
    assert_int_equal(plan_build(&inv, NULL, NULL, &p, &error), 0);
    cJSON *whole = plan_to_json(&p);
    char *expected = cJSON_PrintUnformatted(whole);
    cJSON_Delete(whole);

    buf_t got = BUF_INIT;
    buf_puts(&got, "{\"bots\":[");
    for (size_t i = 0; i < p.nitems; i++) {
        cJSON *item = plan_item_to_json(&p.items[i]);
        char *text = cJSON_PrintUnformatted(item);
        buf_printf(&got, "%s%s", i ? "," : "", text);
        cJSON_free(text);
        cJSON_Delete(item);
    }
    cJSON *summary = plan_summary_to_json(&p);
    assert_null(cJSON_GetObjectItem(summary, "bots"));
    char *text = cJSON_PrintUnformatted(summary);
    assert_true(text[0] == '{' && text[1] == '"');
    buf_printf(&got, "],%s", text + 1);
    cJSON_free(text);
    cJSON_Delete(summary);
    assert_string_equal(buf_cstr(&got), expected);
    buf_free(&got);
    cJSON_free(expected);
    plan_free(&p);
    inventory_free(&inv);
}

static void test_empty_inventory(void **state)
{
    (void)state;
    struct inventory inv;
    memset(&inv, 0, sizeof inv);
    struct plan p;
    char *error = NULL;
    assert_int_equal(plan_build(&inv, NULL, NULL, &p, &error), 0);
    assert_int_equal(p.nselected, 0);
    assert_float_equal(p.totals.usd_lo, 0, EPS);
    assert_float_equal(p.totals.wall_seconds_hi, 0, EPS);
    cJSON *j = plan_to_json(&p);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "bots")), 0);
    cJSON_Delete(j);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_factor),
        cmocka_unit_test(test_empty_bot_costs_one_fargate_minimum),
        cmocka_unit_test(test_text_tokens_and_cost),
        cmocka_unit_test(test_huge_file_saturates),
        cmocka_unit_test(test_urls_are_open_ended_and_unknown_prices_propagate),
        cmocka_unit_test(test_wall_clock),
        cmocka_unit_test(test_default_concurrency),
        cmocka_unit_test(test_id_lists),
        cmocka_unit_test(test_default_selection_and_totals),
        cmocka_unit_test(test_knowledge_base_bots_are_never_selected),
        cmocka_unit_test(test_set_prices_and_concurrency_restate),
        cmocka_unit_test(test_include_empty_bots_and_exclude),
        cmocka_unit_test(test_prices_override_and_unknown_region),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_json_parts_make_the_whole),
        cmocka_unit_test(test_empty_inventory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
