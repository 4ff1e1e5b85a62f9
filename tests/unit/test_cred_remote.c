/* The credential providers that reach out over HTTP — container endpoint, instance
 * metadata, assume role, web identity, SSO — against the fake transport: the exact
 * requests sent (method, URL, headers, body), replies good and bad, retries, expiry and
 * refresh through the cache, cancellation, and the default chain's use of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/config_file.h"
#include "aws/cred_providers.h"
#include "aws/credentials.h"
#include "support/cred_answer.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static time_t s_clock = 1893456000 - 7200; /* two hours before 2030-01-01 */

static time_t s_fake_now(void)
{
    return s_clock;
}

static int s_clean_env(void **state)
{
    (void)state;
    cred_test_clean_env();
    s_clock = 1893456000 - 7200;
    return 0;
}

static void s_contains(const char *haystack, const char *needle)
{
    if (!haystack || !strstr(haystack, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, haystack ? haystack : "(null)");
}

/* ---- fixture: a loop, the fake transport, parsed config, a context ------------------- */

struct fixture {
    struct ev_loop *loop;
    struct fake_http http;
    struct aws_config *cfg;
    struct cred_ctx ctx;
    char dir[64];
};

static void s_fixture_init(struct fixture *f, const char *config, const char *creds,
                           struct fake_reply *replies, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->loop = ev_loop_new();
    fake_http_init(&f->http, f->loop, replies, n);
    char *error = NULL;
    f->cfg = aws_config_parse(config, creds, &error);
    if (!f->cfg)
        fail_msg("config: %s", error);
    f->ctx = (struct cred_ctx){
        .loop = f->loop,
        .http = &f->http.base,
        .region = "eu-west-1",
        .config = f->cfg,
        .config_path = "CFG",
        .credentials_path = "CREDS",
        .wall_clock = s_fake_now,
        .retry_delay_ms = 1,
    };
    strcpy(f->dir, "/tmp/bcm-credr-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
}

static char *s_write_file(struct fixture *f, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", f->dir, name);
    char *slash = strrchr(path, '/');
    /* Nested names: create the directories on the way. */
    for (char *p = path + strlen(f->dir) + 1; p <= slash; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void s_fixture_cleanup(struct fixture *f)
{
    /* Let replies still queued in the fake drain (cancelled requests free themselves). */
    for (int i = 0; i < 5; i++)
        ev_loop_run_once(f->loop, 0);
    fake_http_cleanup(&f->http);
    aws_config_free(f->cfg);
    ev_loop_free(f->loop);
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void s_get(struct fixture *f, struct cred_provider *p, struct cred_answer *a)
{
    cred_answer_free(a);
    cred_provider_get(p, cred_answer_record, a);
    ev_loop_run_until(f->loop, (volatile bool *)&a->done);
}

static char *s_url(const struct http_request *r)
{
    return http_request_url(r);
}

static void s_assert_url(const struct http_request *r, const char *expected)
{
    char *url = s_url(r);
    assert_string_equal(url, expected);
    free(url);
}

static const char s_container_ok[] =
    "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"containersecret\","
    "\"Token\":\"containertoken\",\"Expiration\":\"2030-01-01T00:00:00Z\","
    "\"Code\":\"Success\",\"Type\":\"AWS-HMAC\"}";

/* ---- container ---------------------------------------------------------------------- */

static void test_container_relative_uri(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, s_container_ok, NULL}};
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 1);
    struct cred_provider *p = cred_provider_container_new(&f.ctx);
    struct cred_answer a = {0};

    /* Not configured: the chain moves on, nothing is sent. */
    cred_provider_get(p, cred_answer_record, &a);
    assert_true(a.done);
    assert_false(a.have);
    assert_null(a.error);
    assert_int_equal(f.http.nsent, 0);

    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/3f2a-uuid", 1);
    s_get(&f, p, &a);
    assert_true(a.have);
    assert_int_equal(f.http.nsent, 1);
    assert_string_equal(f.http.sent[0].method, "GET");
    s_assert_url(&f.http.sent[0], "http://169.254.170.2/v2/credentials/3f2a-uuid");
    assert_string_equal(http_request_header(&f.http.sent[0], "Accept"), "application/json");
    assert_null(http_request_header(&f.http.sent[0], "Authorization"));
    assert_string_equal(a.creds.access_key_id, "ASIACONTAINER");
    assert_string_equal(a.creds.secret_access_key, "containersecret");
    assert_string_equal(a.creds.session_token, "containertoken");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source, "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");

    /* RELATIVE wins over FULL, as in botocore. */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:1338/x", 1);
    s_get(&f, p, &a);
    assert_true(a.have);
    s_assert_url(&f.http.sent[1], "http://169.254.170.2/v2/credentials/3f2a-uuid");

    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/no-slash", 1);
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "must be a path starting with '/'");
    assert_int_equal(f.http.nsent, 2);

    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

/* CloudShell: a FULL_URI on localhost and a token in the environment. */
static void test_container_full_uri_and_tokens(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, s_container_ok, NULL}};
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 1);
    struct cred_provider *p = cred_provider_container_new(&f.ctx);
    struct cred_answer a = {0};

    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI",
           "http://localhost:1338/latest/meta-data/container/security-credentials", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "cloudshell-token-1", 1);
    s_get(&f, p, &a);
    assert_true(a.have);
    assert_string_equal(f.http.sent[0].host, "localhost:1338");
    s_assert_url(&f.http.sent[0],
                 "http://localhost:1338/latest/meta-data/container/security-credentials");
    assert_string_equal(http_request_header(&f.http.sent[0], "Authorization"), "cloudshell-token-1");
    assert_string_equal(a.creds.source, "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)");

    /* The token file wins over the variable and is read again at every get; a trailing
     * newline is not part of the token. */
    char *token_path = s_write_file(&f, "token", "file-token-1\n");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_path, 1);
    s_get(&f, p, &a);
    assert_string_equal(http_request_header(&f.http.sent[1], "Authorization"), "file-token-1");
    free(s_write_file(&f, "token", "file-token-2"));
    s_get(&f, p, &a);
    assert_string_equal(http_request_header(&f.http.sent[2], "Authorization"), "file-token-2");

    /* A token that would split the header is refused before anything is sent. */
    free(s_write_file(&f, "token", "evil\r\nX-Injected: 1"));
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "must be one line");
    assert_null(strstr(a.error, "evil"));
    assert_int_equal(f.http.nsent, 3);

    free(s_write_file(&f, "token", ""));
    s_get(&f, p, &a);
    s_contains(a.error, "is empty");

    unlink(token_path);
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    s_contains(a.error, "cannot be read");
    assert_int_equal(f.http.nsent, 3);
    free(token_path);

    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_container_full_uri_hosts(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, s_container_ok, NULL}};
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 1);
    struct cred_provider *p = cred_provider_container_new(&f.ctx);
    struct cred_answer a = {0};
    static const struct {
        const char *uri;
        const char *host;   /* NULL: refused */
        const char *url;
    } cases[] = {
        {"http://127.0.0.1/creds", "127.0.0.1", "http://127.0.0.1/creds"},
        {"http://127.9.9.9:8080/a?b=c", "127.9.9.9:8080", "http://127.9.9.9:8080/a?b=c"},
        {"http://[::1]:1338/x", "[::1]:1338", "http://[::1]:1338/x"},
        {"http://169.254.170.23/v1/credentials", "169.254.170.23", "http://169.254.170.23/v1/credentials"},
        {"http://[fd00:ec2::23]/v1/credentials", "[fd00:ec2::23]", "http://[fd00:ec2::23]/v1/credentials"},
        {"http://169.254.170.2/v2/x", "169.254.170.2", "http://169.254.170.2/v2/x"},
        {"https://creds.example.com/x", "creds.example.com", "https://creds.example.com/x"},
        {"http://LOCALHOST", "LOCALHOST", "http://LOCALHOST/"},
        {"http://creds.example.com/x", NULL, NULL},
        {"http://10.0.0.1/x", NULL, NULL},
        {"http://127.0.0.1.nip.io/x", NULL, NULL},
        {"http://user:pw@localhost/x", NULL, NULL},
        {"ftp://localhost/x", NULL, NULL},
        {"localhost:1338/x", NULL, NULL},
        {"http:///x", NULL, NULL},
        {"http://[::1/x", NULL, NULL},
    };
    size_t sent = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", cases[i].uri, 1);
        s_get(&f, p, &a);
        if (cases[i].host) {
            if (!a.have)
                fail_msg("%s refused: %s", cases[i].uri, a.error);
            assert_string_equal(f.http.sent[sent].host, cases[i].host);
            s_assert_url(&f.http.sent[sent], cases[i].url);
            sent++;
        } else {
            if (a.have)
                fail_msg("%s accepted", cases[i].uri);
            s_contains(a.error, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
            assert_int_equal(f.http.nsent, sent);
        }
    }
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/x", 1);
    s_get(&f, p, &a);
    s_contains(a.error, "use https://");

    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_container_retries_and_failures(void **state)
{
    (void)state;
    struct cred_answer a = {0};
    struct fixture f;
    /* Server errors and dropped connections are tried three times. */
    struct fake_reply flaky[] = {
        {503, HTTP_OK, "busy", NULL},
        {0, HTTP_ERR_CONNECT, NULL, NULL},
        {200, HTTP_OK, s_container_ok, NULL},
    };
    s_fixture_init(&f, NULL, NULL, flaky, 3);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);
    struct cred_provider *p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    assert_true(a.have);
    assert_int_equal(f.http.nsent, 3);
    cred_provider_free(p);
    s_fixture_cleanup(&f);

    struct fake_reply down[] = {{0, HTTP_ERR_TIMEOUT, NULL, NULL}};
    s_fixture_init(&f, NULL, NULL, down, 1);
    p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    assert_false(a.have);
    assert_int_equal(f.http.nsent, 3);
    s_contains(a.error, "http://127.0.0.1:9/creds");
    s_contains(a.error, "after 3 attempts: fake transport failure");
    s_contains(a.error, "unset AWS_CONTAINER_CREDENTIALS_FULL_URI");
    cred_provider_free(p);
    s_fixture_cleanup(&f);

    /* A refusal is final at once, and says what to do about the token. */
    struct fake_reply refused[] = {{401, HTTP_OK, "{\"message\":\"token expired\"}", NULL}};
    s_fixture_init(&f, NULL, NULL, refused, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "old", 1);
    p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    assert_false(a.have);
    assert_int_equal(f.http.nsent, 1);
    s_contains(a.error, "HTTP 401: token expired");
    s_contains(a.error, "refused the authorization token");
    cred_provider_free(p);
    s_fixture_cleanup(&f);
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");

    struct fake_reply missing_token[] = {{403, HTTP_OK, "\x1b]52;c;bad\x07no", NULL}};
    s_fixture_init(&f, NULL, NULL, missing_token, 1);
    p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    s_contains(a.error, "wants an authorization token");
    assert_null(strchr(a.error, '\x1b'));
    cred_provider_free(p);
    s_fixture_cleanup(&f);

    /* Not JSON: retried (the endpoint may be starting), then reported. */
    struct fake_reply garbage[] = {{200, HTTP_OK, "<html>starting</html>", NULL}};
    s_fixture_init(&f, NULL, NULL, garbage, 1);
    p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    assert_false(a.have);
    assert_int_equal(f.http.nsent, 3);
    s_contains(a.error, "not a JSON object");
    cred_provider_free(p);
    s_fixture_cleanup(&f);

    struct fake_reply partial[] = {
        {200, HTTP_OK, "{\"AccessKeyId\":\"ASIA\",\"Token\":\"t\",\"Expiration\":\"2030-01-01T00:00:00Z\"}", NULL},
        {200, HTTP_OK, "{\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"s\",\"Expiration\":\"next week\"}", NULL},
    };
    s_fixture_init(&f, NULL, NULL, partial, 2);
    p = cred_provider_container_new(&f.ctx);
    s_get(&f, p, &a);
    s_contains(a.error, "without a usable \"SecretAccessKey\"");
    s_get(&f, p, &a);
    s_contains(a.error, "without a usable \"Expiration\"");
    assert_int_equal(f.http.nsent, 2);
    cred_provider_free(p);
    s_fixture_cleanup(&f);
    cred_answer_free(&a);
}

/* Through the cache: kept until five minutes before expiry, then fetched again with the
 * token as it is then. */
static void test_container_refresh_through_cache(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {200, HTTP_OK, s_container_ok, NULL},
        {200, HTTP_OK,
         "{\"AccessKeyId\":\"ASIANEXT\",\"SecretAccessKey\":\"s2\",\"Token\":\"t2\","
         "\"Expiration\":\"2030-01-01T06:00:00Z\"}",
         NULL},
    };
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 2);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:1338/creds", 1);
    char *token_path = s_write_file(&f, "token", "token-a");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_path, 1);
    struct cred_provider *cache = cred_provider_cached_new(cred_provider_container_new(&f.ctx), s_fake_now);
    struct cred_answer a = {0};
    s_get(&f, cache, &a);
    assert_string_equal(a.creds.access_key_id, "ASIACONTAINER");

    s_clock = 1893456000 - 301;
    s_get(&f, cache, &a);
    assert_string_equal(a.creds.access_key_id, "ASIACONTAINER");
    assert_int_equal(f.http.nsent, 1);

    free(s_write_file(&f, "token", "token-b"));
    s_clock = 1893456000 - 299;
    s_get(&f, cache, &a);
    assert_string_equal(a.creds.access_key_id, "ASIANEXT");
    assert_int_equal(f.http.nsent, 2);
    assert_string_equal(http_request_header(&f.http.sent[1], "Authorization"), "token-b");

    cred_provider_free(cache);
    free(token_path);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_container_destroyed_midway(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{503, HTTP_OK, "", NULL}};
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 1);
    f.ctx.retry_delay_ms = 60000;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x", 1);
    struct cred_provider *p = cred_provider_container_new(&f.ctx);
    struct cred_answer a = {0};
    /* Destroyed with the request in flight. */
    cred_provider_get(p, cred_answer_record, &a);
    cred_provider_free(p);
    for (int i = 0; i < 3; i++)
        ev_loop_run_once(f.loop, 0);
    assert_false(a.done);

    /* Destroyed while waiting to retry. */
    p = cred_provider_container_new(&f.ctx);
    cred_provider_get(p, cred_answer_record, &a);
    while (f.http.nsent < 2)
        ev_loop_run_once(f.loop, 10);
    for (int i = 0; i < 3; i++)
        ev_loop_run_once(f.loop, 0);
    cred_provider_free(p);
    assert_false(a.done);
    s_fixture_cleanup(&f);
}

/* ---- instance metadata -------------------------------------------------------------- */

struct imds_script {
    long token_status;           /* 0: transport failure */
    long role_status;
    const char *role_body;
    const char *creds_body;
};

static struct fake_routed_reply s_imds_route(void *ud, const struct http_request *req)
{
    const struct imds_script *s = ud;
    struct fake_routed_reply r = {{404, HTTP_OK, "", NULL}, NULL};
    if (strstr(req->path, "/latest/api/token")) {
        if (!s->token_status)
            r.reply = (struct fake_reply){0, HTTP_ERR_TIMEOUT, NULL, NULL};
        else
            r.reply = (struct fake_reply){s->token_status, HTTP_OK, "imds-session-token", NULL};
    } else if (strcmp(req->path + strlen(req->path) - 1, "/") == 0) {
        r.reply = (struct fake_reply){s->role_status, HTTP_OK, s->role_body, NULL};
    } else if (strstr(req->path, "/security-credentials/")) {
        r.reply = (struct fake_reply){200, HTTP_OK, s->creds_body, NULL};
    }
    return r;
}

static const char s_imds_creds[] =
    "{\"Code\":\"Success\",\"LastUpdated\":\"2029-12-31T20:00:00Z\",\"Type\":\"AWS-HMAC\","
    "\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imdssecret\",\"Token\":\"imdstoken\","
    "\"Expiration\":\"2030-01-01T00:00:00Z\"}";

static void s_imds_run(struct imds_script *script, struct fixture *f, struct cred_answer *a)
{
    struct fake_reply unused[] = {{500, HTTP_OK, "", NULL}};
    s_fixture_init(f, NULL, NULL, unused, 1);
    f->http.route = s_imds_route;
    f->http.route_ud = script;
    struct cred_provider *p = cred_provider_imds_new(&f->ctx);
    s_get(f, p, a);
    cred_provider_free(p);
}

static void test_imds_v2(void **state)
{
    (void)state;
    unsetenv("AWS_EC2_METADATA_DISABLED");
    struct imds_script script = {200, 200, "app-instance-role\n", s_imds_creds};
    struct fixture f;
    struct cred_answer a = {0};
    s_imds_run(&script, &f, &a);
    assert_true(a.have);
    assert_int_equal(f.http.nsent, 3);
    assert_string_equal(f.http.sent[0].method, "PUT");
    s_assert_url(&f.http.sent[0], "http://169.254.169.254/latest/api/token");
    assert_string_equal(http_request_header(&f.http.sent[0], "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    assert_string_equal(f.http.sent[1].method, "GET");
    s_assert_url(&f.http.sent[1], "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    assert_string_equal(http_request_header(&f.http.sent[1], "x-aws-ec2-metadata-token"), "imds-session-token");
    s_assert_url(&f.http.sent[2],
                 "http://169.254.169.254/latest/meta-data/iam/security-credentials/app-instance-role");
    assert_string_equal(http_request_header(&f.http.sent[2], "x-aws-ec2-metadata-token"), "imds-session-token");
    assert_string_equal(a.creds.access_key_id, "ASIAIMDS");
    assert_string_equal(a.creds.session_token, "imdstoken");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source, "instance metadata (role app-instance-role)");
    s_fixture_cleanup(&f);

    /* The endpoint override, with a path of its own. */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111/imds/", 1);
    s_imds_run(&script, &f, &a);
    assert_true(a.have);
    s_assert_url(&f.http.sent[0], "http://127.0.0.1:8111/imds/latest/api/token");
    s_fixture_cleanup(&f);
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");

    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
    s_imds_run(&script, &f, &a);
    assert_string_equal(f.http.sent[0].host, "[fd00:ec2::254]");
    s_fixture_cleanup(&f);
    cred_answer_free(&a);
}

static void test_imds_v1_fallback_and_not_here(void **state)
{
    (void)state;
    unsetenv("AWS_EC2_METADATA_DISABLED");
    struct fixture f;
    struct cred_answer a = {0};
    static const long refusals[] = {403, 404, 405};
    for (size_t i = 0; i < 3; i++) {
        struct imds_script v1 = {refusals[i], 200, "legacy-role", s_imds_creds};
        s_imds_run(&v1, &f, &a);
        assert_true(a.have);
        assert_int_equal(f.http.nsent, 3);
        assert_null(http_request_header(&f.http.sent[1], "x-aws-ec2-metadata-token"));
        assert_null(http_request_header(&f.http.sent[2], "x-aws-ec2-metadata-token"));
        assert_string_equal(a.creds.source, "instance metadata (role legacy-role)");
        s_fixture_cleanup(&f);
    }

    /* IMDSv1 switched off: the refusal ends it. */
    setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
    struct imds_script v1 = {404, 200, "legacy-role", s_imds_creds};
    s_imds_run(&v1, &f, &a);
    assert_false(a.have);
    assert_null(a.error);
    assert_int_equal(f.http.nsent, 1);
    s_fixture_cleanup(&f);
    unsetenv("AWS_EC2_METADATA_V1_DISABLED");

    /* Nothing listening (off EC2): one request, no error. */
    struct imds_script absent = {0, 200, "r", s_imds_creds};
    s_imds_run(&absent, &f, &a);
    assert_false(a.have);
    assert_null(a.error);
    assert_int_equal(f.http.nsent, 1);
    s_fixture_cleanup(&f);

    /* A bad request is not retried without a token. */
    struct imds_script bad = {400, 200, "r", s_imds_creds};
    s_imds_run(&bad, &f, &a);
    assert_false(a.have);
    assert_int_equal(f.http.nsent, 1);
    s_fixture_cleanup(&f);

    struct {
        struct imds_script script;
        size_t sent;
    } broken[] = {
        {{200, 404, "", s_imds_creds}, 2},              /* no role attached */
        {{200, 200, "", s_imds_creds}, 2},
        {{200, 200, "bad/role name", s_imds_creds}, 2},
        {{200, 200, "r", "not json"}, 3},
        {{200, 200, "r", "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}"}, 3},
        {{200, 200, "r", "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
                         "\"Expiration\":\"soon\"}"}, 3},
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        s_imds_run(&broken[i].script, &f, &a);
        assert_false(a.have);
        assert_null(a.error);
        assert_int_equal(f.http.nsent, broken[i].sent);
        s_fixture_cleanup(&f);
    }

    /* More attempts when asked for. */
    setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2", 1);
    s_imds_run(&absent, &f, &a);
    assert_int_equal(f.http.nsent, 2);
    s_fixture_cleanup(&f);

    /* Disabled: nothing is sent at all. */
    setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
    s_imds_run(&absent, &f, &a);
    assert_false(a.have);
    assert_int_equal(f.http.nsent, 0);
    s_fixture_cleanup(&f);
    cred_answer_free(&a);
}

/* ---- assume role ------------------------------------------------------------------------ */

#define STS_OK(akid)                                                                          \
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>" \
    "<Credentials><AccessKeyId>" akid "</AccessKeyId><SecretAccessKey>rolesecret"             \
    "</SecretAccessKey><SessionToken>roletoken</SessionToken><Expiration>"                     \
    "2030-01-01T00:00:00.123Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:"  \
    "assumed-role/R/s</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>"  \
    "r1</RequestId></ResponseMetadata></AssumeRoleResponse>"

static const char s_role_config[] =
    "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n"
    "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\n"
    "role_session_name = migrate-run\nexternal_id = ext-42\nduration_seconds = 1800\n"
    "[profile chained]\nrole_arn = arn:aws:iam::210987654321:role/Second\nsource_profile = deploy\n"
    "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = loop-b\n"
    "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = loop-a\n"
    "[profile self]\nrole_arn = arn:aws:iam::1:role/Self\nsource_profile = self\n"
    "aws_access_key_id = AKIDSELF\naws_secret_access_key = selfsecret\n"
    "[profile self-nokeys]\nrole_arn = arn:aws:iam::1:role/Self\nsource_profile = self-nokeys\n"
    "[profile both]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = base\n"
    "credential_source = Environment\n"
    "[profile neither]\nrole_arn = arn:aws:iam::1:role/X\n"
    "[profile ghost]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = nosuch\n"
    "[profile mfa]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = base\n"
    "mfa_serial = arn:aws:iam::1:mfa/me\n"
    "[profile long]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = base\nduration_seconds = 99999\n"
    "[profile fromenv]\nrole_arn = arn:aws:iam::1:role/EnvRole\ncredential_source = Environment\n"
    "[profile fromimds]\nrole_arn = arn:aws:iam::1:role/X\ncredential_source = Ec2InstanceMetadata\n"
    "[profile oddsource]\nrole_arn = arn:aws:iam::1:role/X\ncredential_source = Laptop\n"
    "[profile emptybase]\nregion = eu-west-1\n"
    "[profile fromempty]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = emptybase\n"
    "[profile webrole]\nrole_arn = arn:aws:iam::1:role/Web\nweb_identity_token_file = /nonexistent\n";

static const char *s_body(const struct http_request *r)
{
    return buf_cstr(&r->body);
}

static void test_assume_role_source_profile(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, STS_OK("ASIAROLE1"), NULL}};
    struct fixture f;
    s_fixture_init(&f, s_role_config, NULL, replies, 1);
    const char *visited[] = {"deploy"};
    struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, "deploy", visited, 1);
    struct cred_answer a = {0};
    s_get(&f, p, &a);
    if (!a.have)
        fail_msg("%s", a.error);
    assert_int_equal(f.http.nsent, 1);
    const struct http_request *r = &f.http.sent[0];
    assert_string_equal(r->method, "POST");
    s_assert_url(r, "https://sts.eu-west-1.amazonaws.com/");
    assert_string_equal(s_body(r),
                        "Action=AssumeRole&DurationSeconds=1800&ExternalId=ext-42&RoleArn=arn%3Aaws"
                        "%3Aiam%3A%3A123456789012%3Arole%2FDeployer&RoleSessionName=migrate-run"
                        "&Version=2011-06-15");
    /* Signed with the source profile's keys, for STS in the working region. */
    const char *auth = http_request_header(r, "Authorization");
    s_contains(auth, "Credential=AKIDBASE/20291231/eu-west-1/sts/aws4_request");
    assert_null(http_request_header(r, "X-Amz-Security-Token"));
    assert_string_equal(a.creds.access_key_id, "ASIAROLE1");
    assert_string_equal(a.creds.secret_access_key, "rolesecret");
    assert_string_equal(a.creds.session_token, "roletoken");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source,
                        "profile deploy (assumed role arn:aws:iam::123456789012:role/Deployer)");
    cred_provider_free(p);

    /* A profile without role_arn is not this provider's business; nor is one that has
     * web_identity_token_file (the web identity provider takes it). */
    p = cred_provider_assume_role_new(&f.ctx, "base", NULL, 0);
    cred_answer_free(&a);
    cred_provider_get(p, cred_answer_record, &a);
    assert_true(a.done);
    assert_false(a.have);
    assert_null(a.error);
    cred_provider_free(p);
    p = cred_provider_assume_role_new(&f.ctx, "webrole", NULL, 0);
    s_get(&f, p, &a);
    assert_null(a.error);
    assert_false(a.have);
    cred_provider_free(p);
    assert_int_equal(f.http.nsent, 1);

    /* The STS endpoint can be redirected like any other. */
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5999", 1);
    p = cred_provider_assume_role_new(&f.ctx, "self", NULL, 0);
    s_get(&f, p, &a);
    assert_true(a.have);
    s_assert_url(&f.http.sent[1], "http://127.0.0.1:5999/");
    s_contains(http_request_header(&f.http.sent[1], "Authorization"), "Credential=AKIDSELF/");
    /* No role_session_name: one is made up from the clock. */
    s_contains(s_body(&f.http.sent[1]), "RoleSessionName=bedrock-chat-migrate-1893448800");
    assert_null(strstr(s_body(&f.http.sent[1]), "DurationSeconds"));
    cred_provider_free(p);

    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_assume_role_chained(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {200, HTTP_OK, STS_OK("ASIAFIRST"), NULL},
        {200, HTTP_OK, STS_OK("ASIASECOND"), NULL},
    };
    struct fixture f;
    s_fixture_init(&f, s_role_config, NULL, replies, 2);
    struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, "chained", NULL, 0);
    struct cred_answer a = {0};
    s_get(&f, p, &a);
    if (!a.have)
        fail_msg("%s", a.error);
    assert_int_equal(f.http.nsent, 2);
    s_contains(s_body(&f.http.sent[0]), "role%2FDeployer");
    s_contains(http_request_header(&f.http.sent[0], "Authorization"), "Credential=AKIDBASE/");
    /* The second hop is signed with the first role's session credentials. */
    s_contains(s_body(&f.http.sent[1]), "role%2FSecond");
    s_contains(http_request_header(&f.http.sent[1], "Authorization"), "Credential=ASIAFIRST/");
    assert_string_equal(http_request_header(&f.http.sent[1], "X-Amz-Security-Token"), "roletoken");
    assert_string_equal(a.creds.access_key_id, "ASIASECOND");
    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_assume_role_configuration_errors(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, STS_OK("ASIAX"), NULL}};
    struct fixture f;
    s_fixture_init(&f, s_role_config, NULL, replies, 1);
    static const struct {
        const char *profile;
        const char *expect[2];
    } cases[] = {
        {"loop-a", {"form a loop (loop-a -> loop-b -> loop-a)", "end the loop"}},
        {"self-nokeys", {"form a loop (self-nokeys -> self-nokeys)", ""}},
        {"both", {"both source_profile and credential_source", "keep only one"}},
        {"neither", {"neither source_profile nor credential_source", "add one"}},
        {"ghost", {"source_profile = nosuch", "no profile 'nosuch' in CFG or CREDS"}},
        {"mfa", {"needs an MFA code (mfa_serial)", "aws configure export-credentials --profile mfa"}},
        {"long", {"duration_seconds = 99999", "from 900 to 43200"}},
        {"oddsource", {"credential_source = Laptop", "Environment, Ec2InstanceMetadata or EcsContainer"}},
        {"fromenv", {"credential_source Environment", "none were found"}},
        {"fromimds", {"credential_source Ec2InstanceMetadata", "none were found"}},
        {"fromempty", {"source profile 'emptybase' has no credentials", "source_profile 'emptybase'"}},
    };
    struct cred_answer a = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, cases[i].profile, NULL, 0);
        s_get(&f, p, &a);
        if (a.have)
            fail_msg("profile %s gave credentials", cases[i].profile);
        s_contains(a.error, cases[i].expect[0]);
        s_contains(a.error, cases[i].expect[1]);
        cred_provider_free(p);
    }
    assert_int_equal(f.http.nsent, 0);

    /* credential_source = Environment with keys there. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, "fromenv", NULL, 0);
    s_get(&f, p, &a);
    assert_true(a.have);
    s_contains(http_request_header(&f.http.sent[0], "Authorization"), "Credential=AKIDFROMENV/");
    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_assume_role_sts_failures(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {403, HTTP_OK,
         "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User "
         "arn:aws:iam::1:user/base is not authorized to perform: sts:AssumeRole</Message></Error>"
         "<RequestId>req-9</RequestId></ErrorResponse>",
         NULL},
        {200, HTTP_OK, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A"
                       "</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>", NULL},
        {200, HTTP_OK, "this is not xml", NULL},
    };
    struct fixture f;
    s_fixture_init(&f, s_role_config, NULL, replies, 3);
    struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, "deploy", NULL, 0);
    struct cred_answer a = {0};
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "profile 'deploy' could not assume role arn:aws:iam::123456789012:role/Deployer");
    s_contains(a.error, "source_profile 'base'");
    s_contains(a.error, "AccessDenied: User arn:aws:iam::1:user/base is not authorized");
    s_contains(a.error, "req-9");
    s_contains(a.error, "trust policy");
    assert_null(strstr(a.error, "basesecret"));
    s_get(&f, p, &a);
    s_contains(a.error, "without a usable SecretAccessKey");
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "could not assume role");
    assert_int_equal(f.http.nsent, 3);
    cred_provider_free(p);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_assume_role_destroyed_midway(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, STS_OK("ASIAX"), NULL}};
    struct fixture f;
    s_fixture_init(&f, s_role_config, NULL, replies, 1);
    struct cred_answer a = {0};
    /* Before the call left, and with it in flight. */
    for (int wait = 0; wait < 2; wait++) {
        struct cred_provider *p = cred_provider_assume_role_new(&f.ctx, "chained", NULL, 0);
        cred_provider_get(p, cred_answer_record, &a);
        if (wait)
            while (f.http.nsent < 1)
                ev_loop_run_once(f.loop, 10);
        cred_provider_free(p);
        for (int i = 0; i < 5; i++)
            ev_loop_run_once(f.loop, 0);
        assert_false(a.done);
    }
    assert_int_equal(f.http.nsent, 1);
    s_fixture_cleanup(&f);
}

/* ---- web identity ---------------------------------------------------------------------- */

#define WEB_OK                                                                                   \
    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"          \
    "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>websecret</SecretAccessKey>"             \
    "<SessionToken>webtoken</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"         \
    "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"

static void test_web_identity(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, WEB_OK, NULL}};
    struct fixture f;
    s_fixture_init(&f, "[profile ci]\nrole_arn = arn:aws:iam::1:role/FromProfile\n", NULL, replies, 1);
    char *token = s_write_file(&f, "token", "eyJhbGciOi.jwt+/=\n");
    char *profile_text = xasprintf("[profile ci]\nrole_arn = arn:aws:iam::1:role/FromProfile\n"
                                   "web_identity_token_file = %s\nrole_session_name = ci-run\n"
                                   "[profile norole]\nweb_identity_token_file = %s\n",
                                   token, token);
    aws_config_free(f.cfg);
    char *error = NULL;
    f.cfg = aws_config_parse(profile_text, NULL, &error);
    f.ctx.config = f.cfg;
    free(profile_text);
    struct cred_answer a = {0};

    /* From the environment; the variables win over the profile. */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/FromEnv", 1);
    setenv("AWS_ROLE_SESSION_NAME", "env-session", 1);
    struct cred_provider *p = cred_provider_web_identity_new(&f.ctx, "ci", true);
    s_get(&f, p, &a);
    if (!a.have)
        fail_msg("%s", a.error);
    const struct http_request *r = &f.http.sent[0];
    s_assert_url(r, "https://sts.eu-west-1.amazonaws.com/");
    assert_string_equal(s_body(r), "Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A1"
                                   "%3Arole%2FFromEnv&RoleSessionName=env-session&Version=2011-06-15"
                                   "&WebIdentityToken=eyJhbGciOi.jwt%2B%2F%3D");
    /* Unsigned: the token is the proof. */
    assert_null(http_request_header(r, "Authorization"));
    assert_string_equal(a.creds.access_key_id, "ASIAWEB");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source, "web identity (role arn:aws:iam::1:role/FromEnv)");
    cred_provider_free(p);

    /* An explicit profile ignores the environment. */
    p = cred_provider_web_identity_new(&f.ctx, "ci", false);
    s_get(&f, p, &a);
    assert_true(a.have);
    s_contains(s_body(&f.http.sent[1]), "role%2FFromProfile&RoleSessionName=ci-run&");
    cred_provider_free(p);

    /* Not configured at all. */
    p = cred_provider_web_identity_new(&f.ctx, "other", false);
    cred_answer_free(&a);
    cred_provider_get(p, cred_answer_record, &a);
    assert_true(a.done);
    assert_null(a.error);
    cred_provider_free(p);

    p = cred_provider_web_identity_new(&f.ctx, "norole", false);
    s_get(&f, p, &a);
    s_contains(a.error, "profile 'norole' has web_identity_token_file but no role_arn");
    cred_provider_free(p);

    unsetenv("AWS_ROLE_ARN");
    p = cred_provider_web_identity_new(&f.ctx, "nosuch", true);
    s_get(&f, p, &a);
    s_contains(a.error, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    cred_provider_free(p);

    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/FromEnv", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    p = cred_provider_web_identity_new(&f.ctx, "nosuch", true);
    s_get(&f, p, &a);
    s_contains(a.error, "AWS_WEB_IDENTITY_TOKEN_FILE /nonexistent/token cannot be read");
    cred_provider_free(p);
    assert_int_equal(f.http.nsent, 2);

    free(token);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

static void test_web_identity_rejected(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Incorrect "
                       "token audience</Message></Error></ErrorResponse>", NULL},
    };
    struct fixture f;
    s_fixture_init(&f, NULL, NULL, replies, 1);
    char *token = s_write_file(&f, "token", "jwt");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/R", 1);
    struct cred_provider *p = cred_provider_web_identity_new(&f.ctx, "default", true);
    struct cred_answer a = {0};
    s_get(&f, p, &a);
    assert_false(a.have);
    s_contains(a.error, "could not assume role arn:aws:iam::1:role/R with the web identity token in");
    s_contains(a.error, "InvalidIdentityToken: Incorrect token audience");
    s_contains(a.error, "expired or not accepted");
    cred_provider_free(p);
    free(token);
    cred_answer_free(&a);
    s_fixture_cleanup(&f);
}

/* ---- SSO ------------------------------------------------------------------------------------- */

static const char s_sso_config[] =
    "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
    "sso_role_name = MigrateRole\n"
    "[sso-session my-sso]\nsso_start_url = https://example.awsapps.com/start\n"
    "sso_region = ap-northeast-1\nsso_registration_scopes = sso:account:access\n"
    "[profile legacy]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-2\n"
    "sso_account_id = 444455556666\nsso_role_name = Old\n"
    "[profile halfsso]\nsso_start_url = https://example.awsapps.com/start\n"
    "[profile nosession]\nsso_session = missing\nsso_account_id = 1\nsso_role_name = R\n"
    "[profile clash]\nsso_session = my-sso\nsso_region = eu-west-3\nsso_account_id = 1\n"
    "sso_role_name = R\n";

#define SSO_SESSION_CACHE ".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json"
#define SSO_URL_CACHE ".aws/sso/cache/e8be5486177c5b5392bd9aa76563515b29358e6e.json"
#define SSO_TOKEN_OK                                                                          \
    "{\"startUrl\":\"https://example.awsapps.com/start\",\"region\":\"ap-northeast-1\","       \
    "\"accessToken\":\"sso-access-token\",\"expiresAt\":\"2030-01-01T00:00:00UTC\"}"
#define SSO_PORTAL_OK                                                                         \
    "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"ssosecret\","     \
    "\"sessionToken\":\"ssotoken\",\"expiration\":1893456000000}}"

struct sso_fixture {
    struct fixture f;
    char *old_home;
};

static void s_sso_init(struct sso_fixture *s, struct fake_reply *replies, size_t n)
{
    s_fixture_init(&s->f, s_sso_config, NULL, replies, n);
    s->old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", s->f.dir, 1);
}

static void s_sso_cleanup(struct sso_fixture *s)
{
    if (s->old_home)
        setenv("HOME", s->old_home, 1);
    free(s->old_home);
    s_fixture_cleanup(&s->f);
}

static void test_sso_session_and_legacy(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, SSO_PORTAL_OK, NULL}};
    struct sso_fixture s;
    s_sso_init(&s, replies, 1);
    free(s_write_file(&s.f, SSO_SESSION_CACHE, SSO_TOKEN_OK));
    struct cred_provider *p = cred_provider_sso_new(&s.f.ctx, "dev");
    struct cred_answer a = {0};
    s_get(&s.f, p, &a);
    if (!a.have)
        fail_msg("%s", a.error);
    const struct http_request *r = &s.f.http.sent[0];
    assert_string_equal(r->method, "GET");
    s_assert_url(r, "https://portal.sso.ap-northeast-1.amazonaws.com/federation/credentials"
                    "?account_id=111122223333&role_name=MigrateRole");
    assert_string_equal(http_request_header(r, "x-amz-sso_bearer_token"), "sso-access-token");
    assert_null(http_request_header(r, "Authorization"));
    assert_string_equal(a.creds.access_key_id, "ASIASSO");
    assert_string_equal(a.creds.secret_access_key, "ssosecret");
    assert_string_equal(a.creds.session_token, "ssotoken");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source, "profile dev (SSO, account 111122223333, role MigrateRole)");
    cred_provider_free(p);

    /* Legacy profiles key the cache by start URL. */
    free(s_write_file(&s.f, SSO_URL_CACHE, SSO_TOKEN_OK));
    p = cred_provider_sso_new(&s.f.ctx, "legacy");
    s_get(&s.f, p, &a);
    assert_true(a.have);
    s_assert_url(&s.f.http.sent[1], "https://portal.sso.us-east-2.amazonaws.com/federation/credentials"
                                    "?account_id=444455556666&role_name=Old");
    cred_provider_free(p);

    /* Not an SSO profile. */
    p = cred_provider_sso_new(&s.f.ctx, "other");
    cred_answer_free(&a);
    cred_provider_get(p, cred_answer_record, &a);
    assert_true(a.done);
    assert_null(a.error);
    cred_provider_free(p);
    cred_answer_free(&a);
    s_sso_cleanup(&s);
}

static void test_sso_token_problems(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, SSO_PORTAL_OK, NULL}};
    struct sso_fixture s;
    s_sso_init(&s, replies, 1);
    struct cred_provider *p = cred_provider_sso_new(&s.f.ctx, "dev");
    struct cred_answer a = {0};

    s_get(&s.f, p, &a);
    s_contains(a.error, "there is no SSO login for it");
    s_contains(a.error, "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    s_contains(a.error, "run `aws sso login --profile dev`");

    free(s_write_file(&s.f, SSO_SESSION_CACHE,
                      "{\"accessToken\":\"old\",\"expiresAt\":\"2029-12-31T21:59:59Z\"}"));
    s_get(&s.f, p, &a);
    s_contains(a.error, "the SSO login for profile 'dev' has expired: run `aws sso login --profile dev`");

    free(s_write_file(&s.f, SSO_SESSION_CACHE, "{\"accessToken\":\"x\"}"));
    s_get(&s.f, p, &a);
    s_contains(a.error, "needs accessToken and expiresAt");
    free(s_write_file(&s.f, SSO_SESSION_CACHE, "not json at all"));
    s_get(&s.f, p, &a);
    s_contains(a.error, "needs accessToken and expiresAt");
    assert_int_equal(s.f.http.nsent, 0);
    cred_provider_free(p);

    static const struct {
        const char *profile;
        const char *expect;
    } cases[] = {
        {"halfsso", "lacks sso_region, sso_account_id, sso_role_name in CFG: run `aws configure sso --profile halfsso`"},
        {"nosession", "no [sso-session missing] section"},
        {"clash", "differently from its [sso-session my-sso]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = cred_provider_sso_new(&s.f.ctx, cases[i].profile);
        s_get(&s.f, p, &a);
        assert_false(a.have);
        s_contains(a.error, cases[i].expect);
        cred_provider_free(p);
    }
    assert_int_equal(s.f.http.nsent, 0);
    cred_answer_free(&a);
    s_sso_cleanup(&s);
}

static void test_sso_portal_errors(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {401, HTTP_OK, "{\"message\":\"Session token not found or invalid\"}",
         "x-amzn-errortype: UnauthorizedException\n"},
        {403, HTTP_OK, "{\"message\":\"No access\"}", "x-amzn-errortype: ForbiddenException\n"},
        {200, HTTP_OK, "{\"roleCredentials\":{\"accessKeyId\":\"A\"}}", NULL},
        {200, HTTP_OK, "{}", NULL},
    };
    struct sso_fixture s;
    s_sso_init(&s, replies, 4);
    free(s_write_file(&s.f, SSO_SESSION_CACHE, SSO_TOKEN_OK));
    struct cred_provider *p = cred_provider_sso_new(&s.f.ctx, "dev");
    struct cred_answer a = {0};
    s_get(&s.f, p, &a);
    s_contains(a.error, "no longer valid");
    s_contains(a.error, "UnauthorizedException: Session token not found or invalid");
    s_contains(a.error, "run `aws sso login --profile dev`");
    assert_null(strstr(a.error, "sso-access-token"));
    s_get(&s.f, p, &a);
    s_contains(a.error, "cannot use role MigrateRole in account 111122223333");
    s_get(&s.f, p, &a);
    s_contains(a.error, "without a usable secretAccessKey");
    s_get(&s.f, p, &a);
    s_contains(a.error, "without a usable roleCredentials");
    assert_int_equal(s.f.http.nsent, 4);
    cred_provider_free(p);
    cred_answer_free(&a);
    s_sso_cleanup(&s);
}

/* ---- the default chain with the HTTP sources ------------------------------------------ */

struct chain_home {
    char dir[64];
    char *config, *creds;
};

static void s_chain_home(struct chain_home *h, const char *config)
{
    strcpy(h->dir, "/tmp/bcm-chain-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    h->config = xasprintf("%s/config", h->dir);
    h->creds = xasprintf("%s/credentials", h->dir);
    FILE *fp = fopen(h->config, "w");
    fputs(config, fp);
    fclose(fp);
    setenv("AWS_CONFIG_FILE", h->config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", h->creds, 1);
}

static void s_chain_home_free(struct chain_home *h)
{
    unlink(h->config);
    rmdir(h->dir);
    free(h->config);
    free(h->creds);
}

static void s_chain_get(const char *profile, struct fake_reply *replies, size_t n,
                        struct fake_http *http_out, struct cred_answer *a)
{
    struct ev_loop *loop = ev_loop_new();
    fake_http_init(http_out, loop, replies, n);
    struct cred_chain_config cc = {.profile = profile, .loop = loop, .http = &http_out->base,
                                   .region = "us-west-2"};
    struct cred_provider *chain = cred_provider_default_chain(&cc);
    cred_answer_free(a);
    cred_provider_get(chain, cred_answer_record, a);
    ev_loop_run_until(loop, (volatile bool *)&a->done);
    cred_provider_free(chain);
    for (int i = 0; i < 3; i++)
        ev_loop_run_once(loop, 0);
    ev_loop_free(loop);
}

static void test_chain_uses_remote_sources(void **state)
{
    (void)state;
    struct chain_home h;
    s_chain_home(&h, "[profile roleandkeys]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = keys\n"
                     "aws_access_key_id = AKIDOWN\naws_secret_access_key = own\n"
                     "[profile keys]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = k\n"
                     "[profile plain]\nregion = us-west-2\n");
    struct cred_answer a = {0};
    struct fake_http http;

    /* Assume role comes before the profile's own static keys. */
    struct fake_reply sts[] = {{200, HTTP_OK, STS_OK("ASIACHAIN"), NULL}};
    s_chain_get("roleandkeys", sts, 1, &http, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "ASIACHAIN");
    s_contains(http_request_header(&http.sent[0], "Authorization"),
               "Credential=AKIDKEYS/20");
    s_contains(http_request_header(&http.sent[0], "Authorization"), "/us-west-2/sts/");
    fake_http_cleanup(&http);

    /* With nothing in the profile, the container endpoint answers (CloudShell). */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:1338/creds", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "shell-token", 1);
    struct fake_reply container[] = {{200, HTTP_OK, s_container_ok, NULL}};
    s_chain_get("plain", container, 1, &http, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "ASIACONTAINER");
    assert_string_equal(http_request_header(&http.sent[0], "Authorization"), "shell-token");
    fake_http_cleanup(&http);

    /* A broken container endpoint stops the chain with its own error. */
    struct fake_reply broken[] = {{404, HTTP_OK, "nope", NULL}};
    s_chain_get("plain", broken, 1, &http, &a);
    assert_false(a.have);
    s_contains(a.error, "the container credentials endpoint http://localhost:1338/creds");
    s_contains(a.error, "HTTP 404");
    fake_http_cleanup(&http);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");

    /* Then instance metadata, when it is not switched off. */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    struct imds_script script = {200, 200, "ec2-role", s_imds_creds};
    struct ev_loop *loop = ev_loop_new();
    fake_http_init(&http, loop, container, 1);
    http.route = s_imds_route;
    http.route_ud = &script;
    struct cred_chain_config cc = {.profile = "plain", .loop = loop, .http = &http.base,
                                   .region = "us-west-2"};
    struct cred_provider *chain = cred_provider_default_chain(&cc);
    cred_answer_free(&a);
    cred_provider_get(chain, cred_answer_record, &a);
    ev_loop_run_until(loop, (volatile bool *)&a.done);
    assert_true(a.have);
    assert_string_equal(a.creds.source, "instance metadata (role ec2-role)");
    assert_int_equal(http.nsent, 3);
    cred_provider_free(chain);
    ev_loop_free(loop);
    fake_http_cleanup(&http);

    /* Nothing anywhere: the error lists every place looked at. */
    struct imds_script absent = {0, 200, "r", s_imds_creds};
    loop = ev_loop_new();
    fake_http_init(&http, loop, container, 1);
    http.route = s_imds_route;
    http.route_ud = &absent;
    cc.loop = loop;
    cc.http = &http.base;
    chain = cred_provider_default_chain(&cc);
    cred_answer_free(&a);
    cred_provider_get(chain, cred_answer_record, &a);
    ev_loop_run_until(loop, (volatile bool *)&a.done);
    assert_false(a.have);
    s_contains(a.error, "no AWS credentials found: tried profile 'plain' in");
    s_contains(a.error, "container credentials endpoint, instance metadata;");
    cred_provider_free(chain);
    ev_loop_free(loop);
    fake_http_cleanup(&http);

    cred_answer_free(&a);
    s_chain_home_free(&h);
}

/* An explicit --profile also keeps AWS_WEB_IDENTITY_TOKEN_FILE out, as botocore does. */
static void test_chain_web_identity_env(void **state)
{
    (void)state;
    struct chain_home h;
    s_chain_home(&h, "[profile keys]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = k\n");
    char *token = xasprintf("%s/token", h.dir);
    FILE *fp = fopen(token, "w");
    fputs("jwt", fp);
    fclose(fp);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/Pod", 1);
    struct cred_answer a = {0};
    struct fake_http http;
    struct fake_reply web[] = {{200, HTTP_OK, WEB_OK, NULL}};
    s_chain_get(NULL, web, 1, &http, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "ASIAWEB");
    fake_http_cleanup(&http);
    s_chain_get("keys", web, 1, &http, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKIDKEYS");
    assert_int_equal(http.nsent, 0);
    fake_http_cleanup(&http);
    unlink(token);
    free(token);
    cred_answer_free(&a);
    s_chain_home_free(&h);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_container_relative_uri, s_clean_env),
        cmocka_unit_test_setup(test_container_full_uri_and_tokens, s_clean_env),
        cmocka_unit_test_setup(test_container_full_uri_hosts, s_clean_env),
        cmocka_unit_test_setup(test_container_retries_and_failures, s_clean_env),
        cmocka_unit_test_setup(test_container_refresh_through_cache, s_clean_env),
        cmocka_unit_test_setup(test_container_destroyed_midway, s_clean_env),
        cmocka_unit_test_setup(test_imds_v2, s_clean_env),
        cmocka_unit_test_setup(test_imds_v1_fallback_and_not_here, s_clean_env),
        cmocka_unit_test_setup(test_assume_role_source_profile, s_clean_env),
        cmocka_unit_test_setup(test_assume_role_chained, s_clean_env),
        cmocka_unit_test_setup(test_assume_role_configuration_errors, s_clean_env),
        cmocka_unit_test_setup(test_assume_role_sts_failures, s_clean_env),
        cmocka_unit_test_setup(test_assume_role_destroyed_midway, s_clean_env),
        cmocka_unit_test_setup(test_web_identity, s_clean_env),
        cmocka_unit_test_setup(test_web_identity_rejected, s_clean_env),
        cmocka_unit_test_setup(test_sso_session_and_legacy, s_clean_env),
        cmocka_unit_test_setup(test_sso_token_problems, s_clean_env),
        cmocka_unit_test_setup(test_sso_portal_errors, s_clean_env),
        cmocka_unit_test_setup(test_chain_uses_remote_sources, s_clean_env),
        cmocka_unit_test_setup(test_chain_web_identity_env, s_clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
