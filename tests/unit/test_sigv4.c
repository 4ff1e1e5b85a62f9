/* SigV4: every intermediate compared with botocore's signer on the generated cases in
 * tests/sigv4/cases.json (see tests/sigv4/gen_cases.py), plus focused checks of the
 * encoder, the query ordering and known vectors computed with botocore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASES_FILE "tests/sigv4/cases.json" /* unit tests run from the repository root */
#define MIN_CASES 200

static const char AKID[] = "AKIDEXAMPLE";
static const char SECRET[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static const time_t SUITE_TIME = 1440938160; /* 2015-08-30T12:36:00Z */

/* ---- reading the cases ---------------------------------------------------------------- */

static char *s_read_file(const char *path, size_t *len)
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
    *len = b.len;
    return buf_detach(&b);
}

static const char *s_str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int s_hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The body spec: {"text": …}, {"hex": …} or {"repeat": pattern, "length": n}. */
static bool s_build_body(const cJSON *spec, buf_t *out)
{
    const char *text = s_str(spec, "text");
    const char *hex = s_str(spec, "hex");
    const char *pattern = s_str(spec, "repeat");
    if (text) {
        buf_append(out, text, strlen(text));
        return true;
    }
    if (hex) {
        size_t n = strlen(hex);
        if (n % 2)
            return false;
        for (size_t i = 0; i < n; i += 2) {
            int hi = s_hex_nibble(hex[i]), lo = s_hex_nibble(hex[i + 1]);
            if (hi < 0 || lo < 0)
                return false;
            buf_putc(out, (char)(hi << 4 | lo));
        }
        return true;
    }
    const cJSON *length = cJSON_GetObjectItemCaseSensitive(spec, "length");
    if (!pattern || !*pattern || !cJSON_IsNumber(length) || length->valuedouble < 0)
        return false;
    size_t want = (size_t)length->valuedouble, plen = strlen(pattern);
    buf_append(out, "", 0);
    buf_reserve(out, want);
    while (out->len + plen <= want)
        buf_append(out, pattern, plen);
    buf_append(out, pattern, want - out->len);
    return true;
}

/* Appends a header even when one of the same name exists: repeated headers are part of
 * what the cases exercise, and http_request_set_header would replace. */
static void s_append_header(struct http_request *r, const char *name, const char *value)
{
    r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
    r->headers[r->nheaders].name = xstrdup(name);
    r->headers[r->nheaders].value = xstrdup(value);
    r->nheaders++;
}

static bool s_build_request(const cJSON *c, struct http_request *r)
{
    const char *method = s_str(c, "method"), *scheme = s_str(c, "scheme");
    const char *host = s_str(c, "host"), *path = s_str(c, "path");
    if (!method || !scheme || !host || !path)
        return false;
    http_request_init(r, method, scheme, host, path);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(c, "query"))
    {
        const cJSON *n = cJSON_GetArrayItem(kv, 0), *v = cJSON_GetArrayItem(kv, 1);
        if (!cJSON_IsString(n) || !cJSON_IsString(v))
            return false;
        http_request_add_query(r, n->valuestring, v->valuestring);
    }
    cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(c, "headers"))
    {
        const cJSON *n = cJSON_GetArrayItem(kv, 0), *v = cJSON_GetArrayItem(kv, 1);
        if (!cJSON_IsString(n) || !cJSON_IsString(v))
            return false;
        s_append_header(r, n->valuestring, v->valuestring);
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(c, "body");
    return cJSON_IsObject(body) && s_build_body(body, &r->body);
}

static int s_check(const char *name, const char *field, const char *want, const char *got)
{
    if (want == got || (want && got && strcmp(want, got) == 0))
        return 0;
    print_message("MISMATCH %s: %s\n  botocore: %s\n  ours:     %s\n", name, field,
                  want ? want : "(none)", got ? got : "(none)");
    return 1;
}

/* Signs one case and compares each intermediate; returns the number of mismatches. */
static int s_run_case(const cJSON *c)
{
    const char *name = s_str(c, "name");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "time");
    const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(c, "s3");
    if (!name || !cJSON_IsObject(exp) || !cJSON_IsNumber(t) || !cJSON_IsBool(s3)) {
        print_message("malformed case %s\n", name ? name : "?");
        return 1;
    }
    struct aws_credentials creds = {
        .access_key_id = (char *)s_str(c, "access_key"),
        .secret_access_key = (char *)s_str(c, "secret_key"),
        .session_token = (char *)s_str(c, "token"),
    };
    struct sigv4_params p = {
        .creds = &creds,
        .region = s_str(c, "region"),
        .service = s_str(c, "service"),
        .now = (time_t)t->valuedouble,
        .s3 = cJSON_IsTrue(s3),
    };
    struct http_request r;
    memset(&r, 0, sizeof(r));
    int bad = 0;
    if (!s_build_request(c, &r)) {
        print_message("malformed request in case %s\n", name);
        http_request_free(&r);
        return 1;
    }
    struct sigv4_result out;
    if (sigv4_sign(&r, &p, &out) != 0) {
        print_message("%s: sigv4_sign failed\n", name);
        http_request_free(&r);
        return 1;
    }
    bad += s_check(name, "canonical_request", s_str(exp, "canonical_request"), out.canonical_request);
    bad += s_check(name, "string_to_sign", s_str(exp, "string_to_sign"), out.string_to_sign);
    bad += s_check(name, "signed_headers", s_str(exp, "signed_headers"), out.signed_headers);
    bad += s_check(name, "scope", s_str(exp, "scope"), out.scope);
    bad += s_check(name, "payload_hash", s_str(exp, "payload_hash"), out.payload_hash);
    bad += s_check(name, "signature", s_str(exp, "signature"), out.signature);
    bad += s_check(name, "authorization", s_str(exp, "authorization"), out.authorization);
    /* What goes on the wire: the headers the signer added to the request. */
    bad += s_check(name, "Authorization header", s_str(exp, "authorization"),
                   http_request_header(&r, "Authorization"));
    bad += s_check(name, "X-Amz-Date header", s_str(exp, "x_amz_date"),
                   http_request_header(&r, "X-Amz-Date"));
    bad += s_check(name, "X-Amz-Security-Token header", s_str(exp, "x_amz_security_token"),
                   http_request_header(&r, "X-Amz-Security-Token"));
    bad += s_check(name, "X-Amz-Content-SHA256 header", s_str(exp, "x_amz_content_sha256"),
                   http_request_header(&r, "X-Amz-Content-SHA256"));
    sigv4_result_free(&out);
    http_request_free(&r);
    return bad;
}

static void test_differential_botocore_cases(void **state)
{
    (void)state;
    const char *path = getenv("BCM_SIGV4_CASES");
    if (!path || !*path)
        path = CASES_FILE;
    size_t len = 0;
    char *text = s_read_file(path, &len);
    if (!text)
        fail_msg("cannot read %s (run the unit tests from the repository root, or set "
                 "BCM_SIGV4_CASES)", path);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    assert_non_null(doc);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    assert_true(cJSON_IsArray(cases));

    int compared = 0, failed_cases = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        compared++;
        if (s_run_case(c) != 0)
            failed_cases++;
    }
    cJSON_Delete(doc);
    print_message("# sigv4: compared %d botocore cases (7 intermediates + 4 headers each), "
                  "%d differ\n", compared, failed_cases);
    assert_int_equal(failed_cases, 0);
    assert_true(compared >= MIN_CASES);
}

/* ---- focused tests -------------------------------------------------------------------- */

static void test_uri_encode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool keep_slash;
        const char *want;
    } cases[] = {
        {"", false, ""},
        {"AZaz09-_.~", false, "AZaz09-_.~"},
        {"a b", false, "a%20b"},
        {"a/b", false, "a%2Fb"},
        {"a/b", true, "a/b"},
        {"100%", false, "100%25"},
        {"a+b=c&d", false, "a%2Bb%3Dc%26d"},
        {"!*'();:@$,?#[]", true, "%21%2A%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D"},
        {"\xe6\x97\xa5", false, "%E6%97%A5"}, /* 日: UTF-8 bytes, upper-case hex */
        {"\x7f\x01", false, "%7F%01"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = aws_uri_encode(cases[i].in, strlen(cases[i].in), cases[i].keep_slash);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    /* Length, not NUL, bounds the input. */
    char *got = aws_uri_encode("a\0b", 3, false);
    assert_string_equal(got, "a%00b");
    free(got);
}

static void test_canonical_query_sorted_by_encoded_name_then_value(void **state)
{
    (void)state;
    struct http_request r;
    http_request_init(&r, "GET", "https", "example.com", "/");
    char *none = sigv4_canonical_query(&r);
    assert_string_equal(none, "");
    free(none);
    /* "aé" encodes to "a%C3%A9", which sorts before "aa" although the raw bytes do not. */
    http_request_add_query(&r, "aa", "2");
    http_request_add_query(&r, "b", "z");
    http_request_add_query(&r, "b", "a b");
    http_request_add_query(&r, "b", "");
    http_request_add_query(&r, "a\xc3\xa9", "x/y");
    http_request_add_query(&r, "empty", NULL);
    http_request_add_query(&r, "B", "upper sorts first");
    char *q = sigv4_canonical_query(&r);
    assert_string_equal(q, "B=upper%20sorts%20first&a%C3%A9=x%2Fy&aa=2&b=&b=a%20b&b=z&empty=");
    free(q);
    /* The URL carries the same encoding, so what is signed is what is sent. */
    char *url = http_request_url(&r);
    assert_string_equal(url, "https://example.com/?B=upper%20sorts%20first&a%C3%A9=x%2Fy&aa=2"
                             "&b=&b=a%20b&b=z&empty=");
    free(url);
    http_request_free(&r);
}

static void s_sign_ok(struct http_request *r, const struct aws_credentials *creds,
                      const char *service, bool s3, struct sigv4_result *out)
{
    struct sigv4_params p = {creds, "us-east-1", service, SUITE_TIME, s3};
    assert_int_equal(sigv4_sign(r, &p, out), 0);
}

/* Values computed with botocore (SigV4Auth, clock frozen at 2015-08-30T12:36:00Z). */
static void test_known_vector_get_vanilla(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID, .secret_access_key = (char *)SECRET};
    struct http_request r;
    http_request_init(&r, "GET", "https", "example.amazonaws.com", "/");
    struct sigv4_result out;
    s_sign_ok(&r, &creds, "service", false, &out);
    assert_string_equal(out.canonical_request,
                        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "host;x-amz-date\n"
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(out.scope, "20150830/us-east-1/service/aws4_request");
    assert_string_equal(out.signature,
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_string_equal(http_request_header(&r, "Authorization"),
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73e"
                        "bf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_null(http_request_header(&r, "X-Amz-Security-Token"));
    assert_null(http_request_header(&r, "X-Amz-Content-SHA256"));

    /* Signing again (a retry) replaces the Authorization header instead of signing it. */
    sigv4_result_free(&out);
    s_sign_ok(&r, &creds, "service", false, &out);
    assert_string_equal(out.signed_headers, "host;x-amz-date");
    assert_string_equal(out.signature,
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    sigv4_result_free(&out);
    http_request_free(&r);
}

static void test_known_vector_s3_list_objects(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID, .secret_access_key = (char *)SECRET};
    struct http_request r;
    http_request_init(&r, "GET", "https", "s3.us-east-1.amazonaws.com", "/mybucket");
    http_request_add_query(&r, "list-type", "2");
    http_request_add_query(&r, "prefix", "runs/a b");
    http_request_add_query(&r, "continuation-token", "1/abc+def==");
    http_request_add_query(&r, "encoding-type", "url");
    struct sigv4_result out;
    s_sign_ok(&r, &creds, "s3", true, &out);
    assert_string_equal(out.signed_headers, "host;x-amz-content-sha256;x-amz-date");
    assert_string_equal(http_request_header(&r, "x-amz-content-sha256"),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(out.signature,
                        "b3f11cef2f4b1727c5d5d7ed34947ad8aa5e3864acc948d05d2b67cf00533ac4");
    sigv4_result_free(&out);
    http_request_free(&r);
}

static void test_known_vector_dynamodb_with_session_token(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID,
                                    .secret_access_key = (char *)SECRET,
                                    .session_token = (char *)"SESSIONTOKEN"};
    struct http_request r;
    http_request_init(&r, "POST", "https", "dynamodb.us-east-1.amazonaws.com", "/");
    http_request_set_header(&r, "Content-Type", "application/x-amz-json-1.0");
    http_request_set_header(&r, "X-Amz-Target", "DynamoDB_20120810.GetItem");
    const char *body = "{\"TableName\": \"T\", \"Key\": {\"pk\": {\"S\": \"a\"}}}";
    http_request_set_body(&r, body, strlen(body));
    struct sigv4_result out;
    s_sign_ok(&r, &creds, "dynamodb", false, &out);
    assert_string_equal(out.payload_hash,
                        "e401a05d011f91f032165ab19c41001bda43900f3d882561f91b250cd9a969be");
    assert_string_equal(out.signed_headers,
                        "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    assert_string_equal(http_request_header(&r, "X-Amz-Security-Token"), "SESSIONTOKEN");
    assert_string_equal(out.signature,
                        "28fca7c689c367abf68e5ade230528d0b4a80f9f42802c50e41c739fefcbe378");
    sigv4_result_free(&out);
    http_request_free(&r);
}

static void test_known_vector_sts_query_protocol(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID, .secret_access_key = (char *)SECRET};
    struct http_request r;
    http_request_init(&r, "POST", "https", "sts.us-east-1.amazonaws.com", "/");
    http_request_set_header(&r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    const char *body = "Action=GetCallerIdentity&Version=2011-06-15";
    http_request_set_body(&r, body, strlen(body));
    struct sigv4_result out;
    s_sign_ok(&r, &creds, "sts", false, &out);
    assert_string_equal(out.signed_headers, "content-type;host;x-amz-date");
    assert_string_equal(out.signature,
                        "52a8540fea00e731072179f763577cbe2a45eac2c5d32fb4d785f3eefac88165");
    sigv4_result_free(&out);
    http_request_free(&r);
}

static void test_canonical_uri_and_host_rules(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID, .secret_access_key = (char *)SECRET};
    struct http_request r;
    struct sigv4_result out;

    /* Non-S3: dot segments and "//" removed, then encoded again. Default port dropped. */
    http_request_init(&r, "get", "https", "Example.AmazonAWS.com:443", "/a/./b/../c//d%2Fe/");
    s_sign_ok(&r, &creds, "service", false, &out);
    assert_true(strncmp(out.canonical_request, "GET\n/a/c/d%252Fe/\n\nhost:example.amazonaws.com\n",
                        strlen("GET\n/a/c/d%252Fe/\n\nhost:example.amazonaws.com\n")) == 0);
    sigv4_result_free(&out);
    http_request_free(&r);

    /* S3: the path exactly as sent. A non-default port stays in the host. */
    http_request_init(&r, "GET", "http", "127.0.0.1:5000", "/b/./k//x/../%E3%81%82");
    s_sign_ok(&r, &creds, "s3", true, &out);
    assert_true(strncmp(out.canonical_request, "GET\n/b/./k//x/../%E3%81%82\n\nhost:127.0.0.1:5000\n",
                        strlen("GET\n/b/./k//x/../%E3%81%82\n\nhost:127.0.0.1:5000\n")) == 0);
    sigv4_result_free(&out);
    http_request_free(&r);

    /* Headers: trimmed, inner runs collapsed, repeats joined, hop-by-hop ones unsigned. */
    http_request_init(&r, "POST", "https", "example.amazonaws.com", "/");
    r.headers = xrealloc(r.headers, 5 * sizeof(*r.headers));
    r.headers[0] = (struct http_kv){xstrdup("X-Test"), xstrdup("\t a   b \t c  ")};
    r.headers[1] = (struct http_kv){xstrdup("User-Agent"), xstrdup("bcm/1")};
    r.headers[2] = (struct http_kv){xstrdup("x-test"), xstrdup(" second ")};
    r.headers[3] = (struct http_kv){xstrdup("Expect"), xstrdup("100-continue")};
    r.headers[4] = (struct http_kv){xstrdup("Authorization"), xstrdup("stale")};
    r.nheaders = 5;
    s_sign_ok(&r, &creds, "service", false, &out);
    assert_string_equal(out.signed_headers, "host;x-amz-date;x-test");
    assert_non_null(strstr(out.canonical_request, "\nx-test:a b c,second\n"));
    assert_null(strstr(out.canonical_request, "stale"));
    sigv4_result_free(&out);
    http_request_free(&r);
}

static void test_unsignable_requests_refused(void **state)
{
    (void)state;
    struct aws_credentials creds = {.access_key_id = (char *)AKID, .secret_access_key = (char *)SECRET};
    struct aws_credentials no_key = {.access_key_id = (char *)"", .secret_access_key = (char *)SECRET};
    struct http_request r;
    http_request_init(&r, "GET", "https", "example.amazonaws.com", "/");
    struct sigv4_result out;
    struct sigv4_params p = {NULL, "us-east-1", "s3", SUITE_TIME, true};
    assert_int_equal(sigv4_sign(&r, &p, &out), -1);
    p.creds = &no_key;
    assert_int_equal(sigv4_sign(&r, &p, &out), -1);
    p.creds = &creds;
    p.region = "";
    assert_int_equal(sigv4_sign(&r, &p, &out), -1);
    p.region = "us-east-1";
    p.service = NULL;
    assert_int_equal(sigv4_sign(&r, &p, &out), -1);
    assert_null(out.authorization);
    assert_null(http_request_header(&r, "Authorization"));
    sigv4_result_free(&out); /* safe on a failed result */
    http_request_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential_botocore_cases),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_canonical_query_sorted_by_encoded_name_then_value),
        cmocka_unit_test(test_known_vector_get_vanilla),
        cmocka_unit_test(test_known_vector_s3_list_objects),
        cmocka_unit_test(test_known_vector_dynamodb_with_session_token),
        cmocka_unit_test(test_known_vector_sts_query_protocol),
        cmocka_unit_test(test_canonical_uri_and_host_rules),
        cmocka_unit_test(test_unsignable_requests_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
