/* The price table: built-in rows and their gaps, the override file's validation, and
 * the Fargate formula at its edges (one-minute minimum, rounding up, unknown prices). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/estimate/pricing.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EPS 1e-9

static void test_builtin_us_east_1(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("us-east-1", "X86_64", &t);
    assert_string_equal(t.region, "us-east-1");
    assert_string_equal(t.architecture, "X86_64");
    assert_string_equal(t.source_date, PRICING_BUILTIN_DATE);
    assert_true(t.fargate_vcpu_hour.known);
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.04048, EPS);
    assert_float_equal(t.fargate_gb_hour.usd, 0.004445, EPS);
    assert_float_equal(t.embed_per_1k_tokens.usd, 0.0001, EPS);
    assert_float_equal(t.dynamodb_per_million_rru.usd, 0.125, EPS);
    assert_int_equal(t.nnotes, 0);
    price_table_free(&t);

    price_table_builtin("us-east-1", "ARM64", &t);
    assert_string_equal(t.architecture, "ARM64");
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.03238, EPS);
    assert_float_equal(t.fargate_gb_hour.usd, 0.00356, EPS);
    price_table_free(&t);
}

/* A region the table knows but whose Cohere price is unpublished gets the us-east-1 price
 * as a stated assumption; a region the table does not know gets nothing borrowed. */
static void test_builtin_gaps_are_stated_or_unknown(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("ap-northeast-1", NULL, &t);
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.05056, EPS);
    assert_float_equal(t.dynamodb_per_million_rru.usd, 0.1425, EPS);
    assert_true(t.embed_per_1k_tokens.known);
    assert_float_equal(t.embed_per_1k_tokens.usd, 0.0001, EPS);
    assert_int_equal(t.nnotes, 1);
    assert_non_null(strstr(t.notes[0], "ap-northeast-1"));
    assert_non_null(strstr(t.notes[0], "assumed"));
    price_table_free(&t);

    price_table_builtin("ap-northeast-3", "X86_64", &t);
    assert_false(t.fargate_vcpu_hour.known);
    assert_false(t.fargate_gb_hour.known);
    assert_false(t.embed_per_1k_tokens.known);
    assert_false(t.dynamodb_per_million_rru.known);
    assert_non_null(strstr(t.notes[0], "--prices"));
    assert_true(fargate_task_usd(&t, 2048, 4096, 100) < 0);
    price_table_free(&t);

    /* ARM where no ARM price was seen: unknown, though x86 is known. */
    price_table_builtin("eu-central-1", "ARM64", &t);
    assert_false(t.fargate_vcpu_hour.known);
    price_table_free(&t);

    price_table_builtin(NULL, NULL, &t);
    assert_string_equal(t.region, "us-east-1");
    price_table_free(&t);
}

static void test_fargate_formula(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("us-east-1", "X86_64", &t);
    assert_float_equal(fargate_hourly_usd(&t, 2048, 4096), 0.09874, EPS);
    /* One-minute minimum: a 1-second task and a 0-second task bill 60 s. */
    assert_float_equal(fargate_billed_seconds(0), 60, EPS);
    assert_float_equal(fargate_billed_seconds(1), 60, EPS);
    assert_float_equal(fargate_billed_seconds(-5), 60, EPS);
    assert_float_equal(fargate_billed_seconds(NAN), 60, EPS);
    assert_float_equal(fargate_billed_seconds(60), 60, EPS);
    assert_float_equal(fargate_billed_seconds(60.001), 61, EPS);
    assert_float_equal(fargate_billed_seconds(179.2), 180, EPS);
    assert_float_equal(fargate_task_usd(&t, 2048, 4096, 1), 0.09874 / 60, EPS);
    assert_float_equal(fargate_task_usd(&t, 2048, 4096, 120), 0.09874 / 30, EPS);
    /* The reference's example: 3 minutes ≈ $0.0049. */
    assert_float_equal(fargate_task_usd(&t, 2048, 4096, 180), 0.004937, 1e-6);
    /* Huge durations stay finite and proportional. */
    double day = fargate_task_usd(&t, 2048, 4096, 86400);
    assert_float_equal(day, 0.09874 * 24, 1e-9);
    price_table_free(&t);

    price_table_builtin("ap-northeast-1", "X86_64", &t);
    assert_float_equal(fargate_task_usd(&t, 2048, 4096, 60), 0.12324 / 60, EPS);
    price_table_free(&t);
}

static int s_apply(struct price_table *t, const char *json, char **error)
{
    return price_table_apply_json(t, json, strlen(json), "p.json", error);
}

static void test_override_applies_region_over_top_level(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("ap-northeast-3", "X86_64", &t);
    char *error = NULL;
    int rc = s_apply(&t,
                     "{\"source_date\":\"2026-11-01\",\"source\":\"our EDP\","
                     "\"fargate_vcpu_hour\":1.0,\"embed_per_1k_tokens\":0.0002,"
                     "\"regions\":{\"ap-northeast-3\":{\"fargate_vcpu_hour\":0.05,"
                     "\"fargate_gb_hour\":0.006,\"fargate_arm_vcpu_hour\":9},"
                     "\"us-east-1\":{\"fargate_vcpu_hour\":7}}}",
                     &error);
    assert_int_equal(rc, 0);
    assert_null(error);
    assert_true(t.fargate_vcpu_hour.known);
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.05, EPS);  /* region wins */
    assert_float_equal(t.fargate_gb_hour.usd, 0.006, EPS);
    assert_float_equal(t.embed_per_1k_tokens.usd, 0.0002, EPS); /* top level */
    assert_false(t.dynamodb_per_million_rru.known);
    assert_string_equal(t.source_date, "2026-11-01");
    assert_non_null(strstr(t.source, "p.json"));
    assert_non_null(strstr(t.source, "our EDP"));
    price_table_free(&t);

    /* ARM keys apply to ARM only. */
    price_table_builtin("us-east-1", "ARM64", &t);
    assert_int_equal(s_apply(&t, "{\"fargate_vcpu_hour\":5,\"fargate_arm_vcpu_hour\":0.5}", &error), 0);
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.5, EPS);
    assert_string_equal(t.source_date, PRICING_BUILTIN_DATE);
    price_table_free(&t);

    /* The copy's Aurora prices: unknown built in (the copy preview has its own), given here. */
    price_table_builtin("ap-northeast-1", "X86_64", &t);
    assert_false(t.aurora_acu_hour.known);
    assert_false(t.aurora_storage_gb_month.known);
    cJSON *before = price_table_to_json(&t);
    assert_null(cJSON_GetObjectItem(before, "aurora_acu_hour"));
    cJSON_Delete(before);
    assert_int_equal(s_apply(&t, "{\"aurora_storage_gb_month\":0.2,\"regions\":{\"ap-northeast-1\":"
                                 "{\"aurora_acu_hour\":0.16}}}", &error), 0);
    assert_float_equal(t.aurora_acu_hour.usd, 0.16, EPS);
    assert_float_equal(t.aurora_storage_gb_month.usd, 0.2, EPS);
    cJSON *after = price_table_to_json(&t);
    assert_float_equal(cJSON_GetObjectItem(after, "aurora_acu_hour")->valuedouble, 0.16, EPS);
    cJSON_Delete(after);
    price_table_free(&t);

    /* Zero is a valid price (credits). */
    price_table_builtin("us-east-1", "X86_64", &t);
    assert_int_equal(s_apply(&t, "{\"embed_per_1k_tokens\":0}", &error), 0);
    assert_true(t.embed_per_1k_tokens.known);
    assert_float_equal(t.embed_per_1k_tokens.usd, 0, EPS);
    price_table_free(&t);
}

static void s_expect_error(const char *json, const char *needle)
{
    struct price_table t;
    price_table_builtin("us-east-1", "X86_64", &t);
    char *error = NULL;
    assert_int_equal(price_table_apply_json(&t, json, strlen(json), "p.json", &error), -1);
    assert_non_null(error);
    if (!strstr(error, needle))
        fail_msg("error \"%s\" lacks \"%s\"", error, needle);
    assert_non_null(strstr(error, "p.json"));
    /* Unchanged on error. */
    assert_float_equal(t.fargate_vcpu_hour.usd, 0.04048, EPS);
    assert_string_equal(t.source, "built-in table");
    free(error);
    price_table_free(&t);
}

static void test_override_validation(void **state)
{
    (void)state;
    s_expect_error("{\"fargate_vcpu_hours\":1}", "fargate_vcpu_hours");
    s_expect_error("{\"fargate_vcpu_hour\":-1}", "non-negative");
    s_expect_error("{\"fargate_vcpu_hour\":\"0.04\"}", "non-negative number");
    s_expect_error("{\"fargate_vcpu_hour\":null}", "non-negative number");
    s_expect_error("{\"source_date\":\"11/01/2026\"}", "YYYY-MM-DD");
    s_expect_error("{\"source_date\":\"2026-13-01\"}", "YYYY-MM-DD");
    s_expect_error("{\"source\":5}", "source");
    s_expect_error("[1,2]", "object");
    s_expect_error("{\"fargate_vcpu_hour\":0.1,", "not valid JSON");
    s_expect_error("", "not valid JSON");
    s_expect_error("{\"regions\":[]}", "regions");
    s_expect_error("{\"regions\":{\"us-east-1\":3}}", "regions.us-east-1");
    /* A bad entry for another region is still an error: the file is wrong. */
    s_expect_error("{\"regions\":{\"eu-west-1\":{\"fargate_gb_hour\":-2}}}", "regions.eu-west-1");
    s_expect_error("{\"regions\":{\"us-east-1\":{\"source_date\":\"2026-01-01\"}}}", "source_date");
    s_expect_error("{\"fargate_vcpu_hour\":1e400}", "non-negative");
}

static void test_override_file(void **state)
{
    (void)state;
    struct price_table t;
    price_table_builtin("us-east-1", "X86_64", &t);
    char *error = NULL;
    assert_int_equal(price_table_apply_file(&t, "/nonexistent/prices.json", &error), -1);
    assert_non_null(strstr(error, "/nonexistent/prices.json"));
    assert_non_null(strstr(error, "--prices"));
    free(error);
    assert_int_equal(price_table_apply_file(&t, "/tmp", &error), -1);
    assert_non_null(strstr(error, "directory"));
    free(error);

    char path[] = "/tmp/bcm-prices-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"fargate_gb_hour\": 0.01}", f);
    fclose(f);
    assert_int_equal(price_table_apply_file(&t, path, &error), 0);
    assert_float_equal(t.fargate_gb_hour.usd, 0.01, EPS);

    /* Larger than 1 MiB: refused, not truncated. */
    f = fopen(path, "w");
    fputc('{', f);
    for (int i = 0; i < 1100000; i++)
        fputc(' ', f);
    fputc('}', f);
    fclose(f);
    assert_int_equal(price_table_apply_file(&t, path, &error), -1);
    assert_non_null(strstr(error, "1 MiB"));
    free(error);
    unlink(path);
    price_table_free(&t);
}

static void test_json_and_copy(void **state)
{
    (void)state;
    struct price_table t, c;
    price_table_builtin("ap-northeast-1", "X86_64", &t);
    price_table_copy(&c, &t);
    price_table_free(&t);
    cJSON *j = price_table_to_json(&c);
    assert_string_equal(cJSON_GetObjectItem(j, "region")->valuestring, "ap-northeast-1");
    assert_string_equal(cJSON_GetObjectItem(j, "source_date")->valuestring, PRICING_BUILTIN_DATE);
    assert_float_equal(cJSON_GetObjectItem(j, "embed_per_1k_tokens")->valuedouble, 0.0001, EPS);
    assert_float_equal(cJSON_GetObjectItem(j, "fargate_vcpu_hour")->valuedouble, 0.05056, EPS);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "notes")), 1);
    cJSON_Delete(j);
    price_table_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_us_east_1),
        cmocka_unit_test(test_builtin_gaps_are_stated_or_unknown),
        cmocka_unit_test(test_fargate_formula),
        cmocka_unit_test(test_override_applies_region_over_top_level),
        cmocka_unit_test(test_override_validation),
        cmocka_unit_test(test_override_file),
        cmocka_unit_test(test_json_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
