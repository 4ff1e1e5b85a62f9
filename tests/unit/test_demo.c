/* Demo mode: the environment file the emulator side writes is read exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/demo.h"

#include <stdlib.h>
#include <string.h>

static void expect_pair(const char *line, const char *key, const char *value)
{
    char *k = NULL, *v = NULL;
    assert_int_equal(demo_parse_env_line(line, &k, &v), 0);
    assert_string_equal(k, key);
    assert_string_equal(v, value);
    free(k);
    free(v);
}

static void test_shell_quoting(void **state)
{
    (void)state;
    expect_pair("AWS_REGION=ap-northeast-1\n", "AWS_REGION", "ap-northeast-1");
    expect_pair("AWS_ENDPOINT_URL='http://127.0.0.1:40123'\n", "AWS_ENDPOINT_URL", "http://127.0.0.1:40123");
    /* shlex.quote's way of writing a single quote inside a value. */
    expect_pair("X='it'\"'\"'s'\n", "X", "it's");
    expect_pair("export Y=\"a \\\"b\\\" $\"", "Y", "a \"b\" $");
    expect_pair("Z=a\\ b # comment", "Z", "a b");
    expect_pair("EMPTY=", "EMPTY", "");
    expect_pair("HOME='/tmp/bcm demo/home'", "HOME", "/tmp/bcm demo/home");
}

static void test_not_assignments(void **state)
{
    (void)state;
    char *k = NULL, *v = NULL;
    assert_int_equal(demo_parse_env_line("# comment", &k, &v), -1);
    assert_int_equal(demo_parse_env_line("", &k, &v), -1);
    assert_int_equal(demo_parse_env_line("1X=2", &k, &v), -1);
    assert_int_equal(demo_parse_env_line("X='unterminated", &k, &v), -1);
    assert_int_equal(demo_parse_env_line("=value", &k, &v), -1);
    assert_null(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shell_quoting),
        cmocka_unit_test(test_not_assignments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
