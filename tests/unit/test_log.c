/* Redaction: nothing that could carry a secret survives into the debug log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_authorization_signature_masked(void **state)
{
    (void)state;
    char *r = redact_secrets("Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sts/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef");
    assert_null(strstr(r, "0123456789abcdef"));
    assert_non_null(strstr(r, "Signature=***"));
    assert_non_null(strstr(r, "SignedHeaders=host;x-amz-date"));
    free(r);
}

static void test_json_secrets_masked(void **state)
{
    (void)state;
    char *r = redact_secrets("{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"tok\","
                             "\"SessionToken\": \"tok2\", \"Expiration\":\"x\"}");
    assert_null(strstr(r, "s3cr3t"));
    assert_null(strstr(r, "tok\""));
    assert_null(strstr(r, "tok2"));
    assert_non_null(strstr(r, "ASIA1"));
    assert_non_null(strstr(r, "Expiration"));
    free(r);
}

static void test_xml_and_query_secrets_masked(void **state)
{
    (void)state;
    char *r = redact_secrets("<SecretAccessKey>abc</SecretAccessKey><SessionToken>def</SessionToken>"
                             " url?X-Amz-Security-Token=ghi&X-Amz-Credential=AKID%2F1 done");
    assert_null(strstr(r, "abc"));
    assert_null(strstr(r, "def"));
    assert_null(strstr(r, "ghi"));
    assert_null(strstr(r, "AKID%2F1"));
    assert_non_null(strstr(r, "done"));
    free(r);
}

static void test_log_file_written_with_redaction(void **state)
{
    (void)state;
    char path[] = "/tmp/bcm-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *err = NULL;
    struct debug_log *log = debug_log_open(path, &err);
    assert_non_null(log);
    debug_log(log, "POST / %s", "Signature=deadbeef");
    debug_log(NULL, "ignored");
    debug_log_close(log);
    FILE *f = fopen(path, "r");
    char line[512] = {0};
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    assert_null(strstr(line, "deadbeef"));
    assert_non_null(strstr(line, "debug: POST /"));
}

static void test_buf_basics(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_string_equal(buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.data));
    buf_reset(&b);
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    char *d = buf_detach(&b);
    assert_int_equal(d[2], 'b');
    assert_null(b.data);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authorization_signature_masked),
        cmocka_unit_test(test_json_secrets_masked),
        cmocka_unit_test(test_xml_and_query_secrets_masked),
        cmocka_unit_test(test_log_file_written_with_redaction),
        cmocka_unit_test(test_buf_basics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
