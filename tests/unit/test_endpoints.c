/* Default endpoints per partition, FIPS and dual-stack: every case of
 * tests/endpoints/cases.json (generated from botocore by tests/endpoints/gen_cases.py)
 * resolved by src/aws/endpoints.c, plus the environment and profile switches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/endpoints.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASES_FILE "tests/endpoints/cases.json" /* unit tests run from the repository root */
#define MIN_CASES 400

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_detach(&b);
}

static void test_every_botocore_case(void **state)
{
    (void)state;
    char *text = s_read_file(CASES_FILE);
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    assert_non_null(doc);
    const cJSON *c;
    int n = 0, wrong = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases")) {
        const char *svc = cJSON_GetObjectItemCaseSensitive(c, "service")->valuestring;
        const char *region = cJSON_GetObjectItemCaseSensitive(c, "region")->valuestring;
        const char *partition = cJSON_GetObjectItemCaseSensitive(c, "partition")->valuestring;
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(c, "url");
        struct aws_endpoint_variant v = {
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "fips")),
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "dualstack")),
        };
        char *error = NULL;
        char *got = aws_endpoint_default(svc, region, v, &error);
        bool ok = cJSON_IsString(url) ? got && strcmp(got, url->valuestring) == 0 : got == NULL && error;
        ok = ok && strcmp(aws_partition_for_region(region)->name, partition) == 0;
        if (!ok) {
            wrong++;
            print_error("%s %s fips=%d dualstack=%d: got %s (%s), botocore %s, partition %s/%s\n", svc, region,
                        v.fips, v.dualstack, got ? got : "(refused)", error ? error : "",
                        cJSON_IsString(url) ? url->valuestring : "(refused)",
                        aws_partition_for_region(region)->name, partition);
        }
        free(got);
        free(error);
        n++;
    }
    cJSON_Delete(doc);
    assert_true(n >= MIN_CASES);
    assert_int_equal(wrong, 0);
}

static void test_dualstack_refusal_says_what_to_unset(void **state)
{
    (void)state;
    struct aws_endpoint_variant v = {false, true};
    char *error = NULL;
    assert_null(aws_endpoint_default("ecs", "us-isob-east-1", v, &error));
    assert_non_null(strstr(error, "aws-iso-b"));
    assert_non_null(strstr(error, "AWS_USE_DUALSTACK_ENDPOINT"));
    free(error);
}

static void test_switches_come_from_the_environment(void **state)
{
    (void)state;
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    struct aws_endpoint_variant v = aws_endpoint_variant_configured(NULL, NULL);
    assert_false(v.fips);
    assert_false(v.dualstack);
    assert_false(aws_endpoint_urls_ignored(NULL, NULL));
    setenv("AWS_USE_FIPS_ENDPOINT", "TRUE", 1);
    setenv("AWS_USE_DUALSTACK_ENDPOINT", "true", 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    v = aws_endpoint_variant_configured(NULL, NULL);
    assert_true(v.fips);
    assert_true(v.dualstack);
    assert_true(aws_endpoint_urls_ignored(NULL, NULL));
    setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
    assert_false(aws_endpoint_variant_configured(NULL, NULL).fips);
    unsetenv("AWS_USE_FIPS_ENDPOINT");
    unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_botocore_case),
        cmocka_unit_test(test_dualstack_refusal_says_what_to_unset),
        cmocka_unit_test(test_switches_come_from_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
