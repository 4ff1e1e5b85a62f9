/* The estimate's facts and what the plan makes of them: ECR image URIs, the S3 gateway
 * endpoint command, the share of tasks pulling through NAT, the NAT line, and the
 * concurrency bounds from quotas (smallest wins, each with its reason; unread quotas
 * assumed or left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/estimate/image_pull.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/quotas.h"
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
    free(n.fix_command);
    free(n.why);

    /* Covered by an S3 gateway endpoint: zero, no fix. */
    f.route = PULL_ROUTE_ENDPOINT;
    f.subnets_via_nat = 0;
    plan_nat_compute(&f, &prices, 40, 10.0, &n);
    assert_true(n.usd_lo == 0 && n.usd_hi == 0);
    assert_false(n.large);
    assert_null(n.fix_command);
    free(n.why);

    /* Small next to the rest: not worth a warning. */
    f.route = PULL_ROUTE_NAT;
    f.subnets_via_nat = 2;
    plan_nat_compute(&f, &prices, 1, 100.0, &n);
    assert_false(n.large);
    free(n.fix_command);
    free(n.why);

    /* Nothing read: assumed 2-3 GB through NAT. */
    plan_nat_compute(NULL, &prices, 10, 1.0, &n);
    assert_true(n.assumed);
    assert_float_equal(n.usd_lo, 10 * 2 * 0.062, 1e-9);
    assert_float_equal(n.usd_hi, 10 * 3 * 0.062, 1e-9);
    assert_null(n.fix_command);
    free(n.why);

    /* No NAT price for the region: unknown, never borrowed. */
    struct price_table other;
    price_table_builtin("eu-central-1", NULL, &other);
    plan_nat_compute(&f, &other, 10, 1.0, &n);
    assert_false(n.price_known);
    assert_false(n.large);
    assert_non_null(strstr(n.why, "nat_per_gb"));
    free(n.fix_command);
    free(n.why);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecr_uri),
        cmocka_unit_test(test_fix_command_and_share),
        cmocka_unit_test(test_nat_line),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_launch_order_longest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
