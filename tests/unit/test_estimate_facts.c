/* The estimate's facts and what the plan makes of them: ECR image URIs, the S3 gateway
 * endpoint command, the share of tasks pulling through NAT, the NAT line, and the
 * concurrency bounds from quotas (smallest wins, each with its reason; unread quotas
 * assumed or left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/inventory.h"
#include "engine/estimate/calibrate.h"
#include "engine/estimate/image_pull.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/quotas.h"
#include "engine/estimate/web_probe.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static void s_free5(char *a, char *b, char *c, char *d, char *e)
{
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

static void test_ecr_uri(void **state)
{
    (void)state;
    char *reg, *region, *repo, *tag, *digest;
    assert_true(image_pull_parse_ecr_uri(
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/cdk-hnb659fds-container-assets:abc123",
        &reg, &region, &repo, &tag, &digest));
    assert_string_equal(reg, "123456789012");
    assert_string_equal(region, "ap-northeast-1");
    assert_string_equal(repo, "cdk-hnb659fds-container-assets");
    assert_string_equal(tag, "abc123");
    assert_null(digest);
    s_free5(reg, region, repo, tag, digest);

    assert_true(image_pull_parse_ecr_uri("1.dkr.ecr.us-east-1.amazonaws.com/a/b@sha256:ff",
                                         &reg, &region, &repo, &tag, &digest));
    assert_string_equal(repo, "a/b");
    assert_null(tag);
    assert_string_equal(digest, "sha256:ff");
    s_free5(reg, region, repo, tag, digest);

    assert_true(image_pull_parse_ecr_uri("1.dkr.ecr.us-east-1.amazonaws.com/repo", &reg, &region,
                                         &repo, &tag, &digest));
    assert_string_equal(tag, "latest");
    s_free5(reg, region, repo, tag, digest);

    const char *bad[] = {NULL, "", "python:3.11", "public.ecr.aws/x/y:1",
                         "abc.dkr.ecr.us-east-1.amazonaws.com/r:t",
                         "1.dkr.ecr.us-east-1.example.com/r:t", "1.dkr.ecr.us-east-1.amazonaws.com/",
                         "1.dkr.ecr.us-east-1.amazonaws.com/r:", "1.dkr.ecr.us-east-1.amazonaws.com/r@md5:x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(image_pull_parse_ecr_uri(bad[i], &reg, &region, &repo, &tag, &digest));
        assert_null(reg);
        assert_null(repo);
    }
}

static void s_facts(struct image_pull_facts *f, enum pull_route route, size_t subnets, size_t via)
{
    memset(f, 0, sizeof *f);
    f->size_known = true;
    f->image_bytes = (uint64_t)(2.5 * 1024 * 1024 * 1024);
    f->route = route;
    f->subnets = subnets;
    f->subnets_via_nat = via;
    f->endpoint_checked = true;
    f->vpc_id = xstrdup("vpc-0abc");
    f->region = xstrdup("ap-northeast-1");
    f->nroute_tables = 2;
    f->route_tables = xcalloc(2, sizeof(char *));
    f->route_tables[0] = xstrdup("rtb-1");
    f->route_tables[1] = xstrdup("rtb-2");
}

static void test_fix_command_and_share(void **state)
{
    (void)state;
    struct image_pull_facts f;
    s_facts(&f, PULL_ROUTE_NAT, 2, 1);
    char *cmd = image_pull_fix_command(&f);
    assert_string_equal(cmd, "aws ec2 create-vpc-endpoint --region ap-northeast-1 --vpc-id vpc-0abc "
                             "--vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-1.s3 "
                             "--route-table-ids rtb-1 rtb-2");
    free(cmd);
    assert_true(image_pull_nat_share(&f) == 0.5);
    /* Ids from a reply that could smuggle shell syntax are refused, not quoted. */
    free(f.route_tables[1]);
    f.route_tables[1] = xstrdup("rtb-2; rm -rf ~");
    assert_null(image_pull_fix_command(&f));
    f.route = PULL_ROUTE_UNKNOWN;
    assert_true(image_pull_nat_share(&f) == 1.0);
    image_pull_free(&f);
}

static void test_nat_line(void **state)
{
    (void)state;
    struct price_table prices;
    price_table_builtin("ap-northeast-1", NULL, &prices);
    struct image_pull_facts f;
    s_facts(&f, PULL_ROUTE_NAT, 2, 2);
    struct plan_nat n;
    plan_nat_compute(&f, &prices, 40, 10.0, &n);
    assert_float_equal(n.usd_lo, 40 * 2.5 * 0.062, 1e-9);
    assert_float_equal(n.usd_hi, n.usd_lo, 1e-12);
    assert_float_equal(n.saving_lo, n.usd_lo, 1e-12);
    assert_true(n.large);
    assert_false(n.assumed);
    assert_non_null(n.fix_command);
    assert_non_null(strstr(n.why, "2.50 GB"));
    plan_nat_free(&n);

    /* Covered by an S3 gateway endpoint: zero, no fix. */
    f.route = PULL_ROUTE_ENDPOINT;
    f.subnets_via_nat = 0;
    plan_nat_compute(&f, &prices, 40, 10.0, &n);
    assert_true(n.usd_lo == 0 && n.usd_hi == 0);
    assert_false(n.large);
    assert_null(n.fix_command);
    plan_nat_free(&n);

    /* Small next to the rest: not worth a warning. */
    f.route = PULL_ROUTE_NAT;
    f.subnets_via_nat = 2;
    plan_nat_compute(&f, &prices, 1, 100.0, &n);
    assert_false(n.large);
    plan_nat_free(&n);

    /* Nothing read: assumed 2-3 GB through NAT. */
    plan_nat_compute(NULL, &prices, 10, 1.0, &n);
    assert_true(n.assumed);
    assert_float_equal(n.usd_lo, 10 * 2 * 0.062, 1e-9);
    assert_float_equal(n.usd_hi, 10 * 3 * 0.062, 1e-9);
    assert_null(n.fix_command);
    plan_nat_free(&n);

    /* No NAT price for the region: unknown, never borrowed. */
    struct price_table other;
    price_table_builtin("eu-central-1", NULL, &other);
    plan_nat_compute(&f, &other, 10, 1.0, &n);
    assert_false(n.price_known);
    assert_false(n.large);
    assert_non_null(strstr(n.why, "nat_per_gb"));
    plan_nat_free(&n);
    price_table_free(&other);
    image_pull_free(&f);
    price_table_free(&prices);
}

static void s_reading(struct quota_reading *r, const char *svc, const char *code,
                      enum quota_source src, double v)
{
    r->service_code = svc;
    r->quota_code = code;
    r->source = src;
    r->value = v;
    r->why = src == QUOTA_UNKNOWN ? xstrdup("no permission servicequotas:GetServiceQuota") : NULL;
}

static void test_bounds(void **state)
{
    (void)state;
    struct concurrency_bound b[BOUND_COUNT];
    char *why = NULL;
    /* Nothing read: the default vCPU quota, assumed; Bedrock bounds nothing. */
    assert_int_equal(plan_concurrency_bounds(2048, NULL, b, &why), 3);
    assert_true(b[BOUND_FARGATE_VCPU].assumed);
    assert_false(b[BOUND_BEDROCK_RPM].known);
    assert_false(b[BOUND_BEDROCK_TPM].known);
    assert_int_equal(b[BOUND_AURORA].tasks, PLAN_AURORA_CEILING);
    assert_non_null(strstr(why, "assumed"));
    free(why);
    plan_bounds_free(b);

    struct quota_facts q;
    memset(&q, 0, sizeof q);
    s_reading(&q.fargate_vcpu, "fargate", QUOTA_FARGATE_VCPU, QUOTA_APPLIED, 400);
    s_reading(&q.bedrock_rpm, "bedrock", QUOTA_BEDROCK_EMBED_RPM, QUOTA_DEFAULT, 2000);
    s_reading(&q.bedrock_tpm, "bedrock", QUOTA_BEDROCK_EMBED_TPM, QUOTA_UNKNOWN, 0);
    /* 200 tasks by vCPU, 16 by requests (2000 / 120), 50 by Aurora: 16. */
    assert_int_equal(plan_concurrency_bounds(2048, &q, b, &why), 16);
    assert_int_equal(b[BOUND_FARGATE_VCPU].tasks, 200);
    assert_false(b[BOUND_FARGATE_VCPU].assumed);
    assert_int_equal(b[BOUND_BEDROCK_RPM].tasks, 16);
    assert_false(b[BOUND_BEDROCK_TPM].known);
    assert_non_null(strstr(b[BOUND_BEDROCK_TPM].reason, "no permission"));
    assert_string_equal(why, b[BOUND_BEDROCK_RPM].reason);
    free(why);
    plan_bounds_free(b);

    /* A quota reading 0 is not a bound of 0 (never below one task either). */
    q.bedrock_rpm.value = 0;
    assert_int_equal(plan_concurrency_bounds(2048, &q, b, NULL), PLAN_AURORA_CEILING);
    assert_false(b[BOUND_BEDROCK_RPM].known);
    plan_bounds_free(b);
    /* A vCPU quota below one task's size is not usable: the default is assumed. */
    q.fargate_vcpu.value = 1;
    assert_int_equal(plan_concurrency_bounds(4096, &q, b, NULL), 1);
    assert_true(b[BOUND_FARGATE_VCPU].assumed);
    plan_bounds_free(b);
    quota_facts_free(&q);
}

static void test_launch_order_longest_first(void **state)
{
    (void)state;
    struct plan_item items[5];
    memset(items, 0, sizeof items);
    const double lo[5] = {60, 60, 600, 60, 3000};
    const double hi[5] = {120, 120, 1800, 120, 9000};
    for (int i = 0; i < 5; i++) {
        items[i].selected = i != 3;
        items[i].est.seconds_lo = lo[i];
        items[i].est.seconds_hi = hi[i];
    }
    struct plan p;
    memset(&p, 0, sizeof p);
    p.items = items;
    p.nitems = 5;
    size_t order[5];
    assert_int_equal(plan_launch_order(&p, order), 4);
    /* Longest expected first; equal ones keep plan order; the deselected one is left out. */
    assert_int_equal(order[0], 4);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 0);
    assert_int_equal(order[3], 1);
    assert_float_equal(plan_expected_seconds(&items[4]), 6000, 1e-9);
    /* LPT beats plan order on the wall clock of a short-first list: 2 slots. */
    const double shortfirst[4] = {1, 1, 1, 10};
    const double lpt[4] = {10, 1, 1, 1};
    assert_true(plan_wall_seconds(lpt, 4, 2) < plan_wall_seconds(shortfirst, 4, 2));
}

static struct bot_file s_files[2] = {{"handbook.pdf", 100000, false}, {"faq.md", 5000, false}};
static char *s_urls[1] = {"https://example.com/a"};
static char *s_sitemaps[1] = {"https://example.com/sitemap.xml"};

static void s_bot(struct bot *b, const char *id)
{
    memset(b, 0, sizeof *b);
    b->bot_id = (char *)id;
    b->files = s_files;
    b->n_files = 2;
    b->source_urls = s_urls;
    b->n_source_urls = 1;
    b->sitemap_urls = s_sitemaps;
    b->n_sitemap_urls = 1;
}

static void test_measure_from_log(void **state)
{
    (void)state;
    struct bot b;
    s_bot(&b, "B1");
    struct bot_measure m;
    memset(&m, 0, sizeof m);
    const char *lines[] = {
        "Number of chunks: 4",
        "0th document metadata: {'source': 'user/B1/documents/faq.md'}",
        "0th document content length: 1000",
        "0th document head of content: Section 1. This policy",
        "1th document metadata: {'source': 'handbook.pdf'}",
        "1th document content length: 900",
        "2th document metadata: {'source': 'https://example.com/a'}",
        "2th document content length: 800",
        "3th document metadata: {'source': 'https://example.com/page-7'}",
        "3th document content length: 700",
        "3th document head of content: 就業規則",
        "unrelated: 99th document content length is not a number: x",
        "Successfully inserted 4 records.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        bot_measure_add_line(&m, &b, lines[i]);
    bot_measure_set_times(&m, 1000, 21000, 25000, 55000);
    struct price_table prices;
    price_table_builtin("us-east-1", NULL, &prices);
    bot_measure_finish(&m, &b, &prices, 2048, 4096);
    assert_true(m.have_log);
    assert_int_equal(m.chunks, 4);
    assert_int_equal(m.chars, 3400);
    assert_int_equal(m.src.text_file_chars, 1000);
    assert_int_equal(m.src.binary_file_chars, 900);
    assert_int_equal(m.src.url_chars, 800);
    assert_int_equal(m.src.sitemap_chars, 700);
    assert_int_equal(m.src.sitemap_pages, 1);
    assert_int_equal(m.src.text_file_bytes, 5000);
    assert_int_equal(m.src.binary_file_bytes, 100000);
    /* Billed from the pull's start: 54 s, a minute at least; the pull took 20 s. */
    assert_float_equal(m.billed_seconds, 60, 1e-9);
    assert_float_equal(m.pull_seconds, 20, 1e-9);
    /* Part of the heads is Japanese: between 1.3 and 4 characters a token. */
    assert_true(m.chars_per_token > MEASURE_CPT_CJK && m.chars_per_token < MEASURE_CPT_LATIN);
    assert_float_equal(m.tokens, 3400 / m.chars_per_token, 1e-9);
    assert_float_equal(m.usd, fargate_task_usd(&prices, 2048, 4096, 60) + m.tokens / 1000 * 0.0001, 1e-12);
    price_table_free(&prices);

    /* No log at all: Bedrock's part unknown, not zero. */
    struct bot_measure none;
    memset(&none, 0, sizeof none);
    bot_measure_set_times(&none, 0, 0, 0, 0);
    price_table_builtin("us-east-1", NULL, &prices);
    bot_measure_finish(&none, &b, &prices, 2048, 4096);
    assert_true(none.usd < 0);
    price_table_free(&prices);
}

static void test_calibration_narrows_and_counts_measured(void **state)
{
    (void)state;
    struct bot bots[4];
    static const char *ids[4] = {"B0", "B1", "B2", "B3"};
    struct plan p;
    memset(&p, 0, sizeof p);
    struct plan_item items[4];
    memset(items, 0, sizeof items);
    price_table_builtin("us-east-1", NULL, &p.prices);
    p.task_cpu_units = 2048;
    p.task_memory_mib = 4096;
    p.concurrency = 2;
    for (int i = 0; i < 4; i++) {
        s_bot(&bots[i], ids[i]);
        items[i].bot = &bots[i];
        items[i].selected = true;
        plan_estimate_bot(&bots[i], &p.prices, 2048, 4096, &items[i].est);
    }
    p.items = items;
    p.nitems = 4;
    p.nselected = 4;
    /* Two measured bots, alike: 1000 characters of each kind of source. */
    struct bot_measure m[2];
    size_t which[2] = {0, 1};
    for (int k = 0; k < 2; k++) {
        memset(&m[k], 0, sizeof m[k]);
        const char *lines[] = {"0th document metadata: {'source': 'faq.md'}", "0th document content length: 1000",
                               "1th document metadata: {'source': 'handbook.pdf'}", "1th document content length: 1000",
                               "2th document metadata: {'source': 'https://example.com/a'}", "2th document content length: 1000",
                               "3th document metadata: {'source': 'https://example.com/p'}", "3th document content length: 1000"};
        for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
            bot_measure_add_line(&m[k], &bots[k], lines[i]);
        bot_measure_set_times(&m[k], 0, 0, 1000, 31000);
        bot_measure_finish(&m[k], &bots[k], &p.prices, 2048, 4096);
    }
    struct calibration c;
    assert_int_equal(calibrate_plan(&p, m, which, 2, &c), 0);
    assert_int_equal(c.measured, 2);
    assert_int_equal(c.remaining, 2);
    assert_float_equal(c.measured_usd, m[0].usd + m[1].usd, 1e-12);
    assert_int_equal(c.url_tokens.samples, 2);
    assert_float_equal(c.url_tokens.center, 1000 / MEASURE_CPT_LATIN, 1e-9);
    /* Narrower than the model's own range, and it contains what the two measured. */
    assert_true(calibrate_relative_width(c.remaining_lo, c.remaining_hi) <
                0.5 * calibrate_relative_width(c.remaining_uncal_lo, c.remaining_uncal_hi));
    assert_true(c.remaining_lo <= 2 * m[0].usd && 2 * m[0].usd <= c.remaining_hi);
    assert_float_equal(c.total_lo, c.measured_usd + c.remaining_lo, 1e-12);
    /* Nothing measured that the plan knows: no calibration. */
    size_t stranger[1] = {SIZE_MAX};
    assert_int_equal(calibrate_plan(&p, m, stranger, 1, &c), -1);
    price_table_free(&p.prices);
}

static void test_sitemap_count(void **state)
{
    (void)state;
    size_t pages, children;
    const char *set = "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                      "<url><loc>a</loc></url><url><loc>b</loc></url><url><lastmod>x</lastmod></url></urlset>";
    assert_int_equal(web_probe_count_sitemap(set, strlen(set), &pages, &children), 0);
    assert_int_equal(pages, 2);
    assert_int_equal(children, 0);
    const char *index = "<sitemapindex><sitemap><loc>s1</loc></sitemap><sitemap><loc>s2</loc></sitemap></sitemapindex>";
    assert_int_equal(web_probe_count_sitemap(index, strlen(index), &pages, &children), 0);
    assert_int_equal(pages, 0);
    assert_int_equal(children, 2);
    /* An entity bomb or an external entity is not expanded; HTML is not a sitemap. */
    const char *ent = "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><urlset><url><loc>&e;</loc></url></urlset>";
    assert_int_equal(web_probe_count_sitemap(ent, strlen(ent), &pages, &children), 0);
    assert_int_equal(pages, 1);
    const char *html = "<html><body>hi</body></html>";
    assert_int_equal(web_probe_count_sitemap(html, strlen(html), &pages, &children), -1);
    assert_int_equal(web_probe_count_sitemap("", 0, &pages, &children), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecr_uri),
        cmocka_unit_test(test_fix_command_and_share),
        cmocka_unit_test(test_nat_line),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_launch_order_longest_first),
        cmocka_unit_test(test_measure_from_log),
        cmocka_unit_test(test_calibration_narrows_and_counts_measured),
        cmocka_unit_test(test_sitemap_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
