/* Credentials without the network: the value helpers, the static, environment, profile
 * and credential_process providers, the cache (expiry, refresh, coalescing), and the
 * default chain's order and error text, with files in a temporary home directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/config_file.h"
#include "aws/cred_providers.h"
#include "aws/credentials.h"
#include "support/cred_answer.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_clean_env(void **state)
{
    (void)state;
    cred_test_clean_env();
    return 0;
}

/* Asks a provider that answers at once. */
static void s_get_now(struct cred_provider *p, struct cred_answer *a)
{
    cred_answer_free(a);
    cred_provider_get(p, cred_answer_record, a);
    assert_true(a->done);
}

/* Asks a provider and runs the loop until it answers. */
static void s_get_wait(struct ev_loop *loop, struct cred_provider *p, struct cred_answer *a)
{
    cred_answer_free(a);
    cred_provider_get(p, cred_answer_record, a);
    ev_loop_run_until(loop, (volatile bool *)&a->done);
}

/* ---- values and helpers ------------------------------------------------------------ */

static void test_copy_and_free(void **state)
{
    (void)state;
    struct aws_credentials src = {.access_key_id = "AKID", .secret_access_key = "SECRET",
                                  .session_token = NULL, .expiration = 42, .source = "here"};
    struct aws_credentials dst;
    aws_credentials_copy(&dst, &src);
    assert_string_equal(dst.access_key_id, "AKID");
    assert_ptr_not_equal(dst.secret_access_key, src.secret_access_key);
    assert_null(dst.session_token);
    assert_int_equal(dst.expiration, 42);
    aws_credentials_free(&dst);
    assert_null(dst.access_key_id);
    assert_null(dst.source);
    aws_credentials_free(NULL);
}

static void test_static_provider(void **state)
{
    (void)state;
    struct aws_credentials c = {.access_key_id = "AKID", .secret_access_key = "S", .session_token = "T"};
    struct cred_provider *p = cred_provider_static(&c);
    struct cred_answer a = {0};
    s_get_now(p, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.session_token, "T");
    assert_string_equal(a.creds.source, "static credentials");
    cred_provider_free(p);
    cred_provider_free(NULL);
    cred_answer_free(&a);
}

static void test_parse_time(void **state)
{
    (void)state;
    time_t t = 0;
    assert_int_equal(cred_parse_time("2025-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_equal(cred_parse_time("2025-01-01T00:00:00.123456Z", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_equal(cred_parse_time("2025-01-01T09:00:00+09:00", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_equal(cred_parse_time("2024-12-31T19:00:00-0500", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_equal(cred_parse_time("2025-01-01T00:00:00UTC", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_equal(cred_parse_time("2025-01-01T00:00:00", &t), 0);
    assert_int_equal(t, 1735689600);
    assert_int_not_equal(cred_parse_time("2025-13-01T00:00:00Z", &t), 0);
    assert_int_not_equal(cred_parse_time("2025-01-01", &t), 0);
    assert_int_not_equal(cred_parse_time("2025-01-01T00:00:00Zjunk", &t), 0);
    assert_int_not_equal(cred_parse_time("2025-01-01T00:00:00.Z", &t), 0);
    assert_int_not_equal(cred_parse_time("", &t), 0);
    assert_int_not_equal(cred_parse_time(NULL, &t), 0);
}

/* ---- environment ------------------------------------------------------------------ */

static void test_env_provider(void **state)
{
    (void)state;
    struct cred_provider *p = cred_provider_env_new();
    struct cred_answer a = {0};
    s_get_now(p, &a);
    assert_false(a.have);
    assert_null(a.error); /* not configured: the chain moves on */

    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    s_get_now(p, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "AWS_SECRET_ACCESS_KEY is not"));

    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "session-tok", 1);
    s_get_now(p, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKIDENV");
    assert_string_equal(a.creds.secret_access_key, "envsecret");
    assert_string_equal(a.creds.session_token, "session-tok");
    assert_string_equal(a.creds.source, "environment");
    assert_int_equal(a.creds.expiration, 0);

    /* The legacy name is read first, as botocore does. */
    setenv("AWS_SECURITY_TOKEN", "legacy-tok", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2025-01-01T00:00:00Z", 1);
    s_get_now(p, &a);
    assert_string_equal(a.creds.session_token, "legacy-tok");
    assert_int_equal(a.creds.expiration, 1735689600);

    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    s_get_now(p, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "AWS_CREDENTIAL_EXPIRATION"));
    assert_null(strstr(a.error, "envsecret"));

    cred_provider_free(p);
    cred_answer_free(&a);
}

/* ---- static keys from the files ---------------------------------------------------- */

static void test_profile_keys_provider(void **state)
{
    (void)state;
    char *error = NULL;
    struct aws_config *cfg = aws_config_parse(
        "[profile dev]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfgsecret\n"
        "[profile half]\naws_access_key_id = AKIDHALF\n"
        "[profile onlysecret]\naws_secret_access_key = lonely\n",
        "[dev]\naws_access_key_id = AKIDCRED\naws_secret_access_key = credsecret\n"
        "aws_security_token = legacytok\n",
        &error);
    assert_non_null(cfg);
    struct cred_ctx ctx = {.config = cfg, .config_path = "CFGPATH", .credentials_path = "CREDPATH"};
    struct cred_answer a = {0};

    struct cred_provider *p = cred_provider_profile_keys_new(&ctx, "dev", AWS_CONFIG_FILE_CREDENTIALS);
    s_get_now(p, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKIDCRED");
    assert_string_equal(a.creds.session_token, "legacytok");
    assert_string_equal(a.creds.source, "profile dev (credentials file)");
    cred_provider_free(p);

    p = cred_provider_profile_keys_new(&ctx, "dev", AWS_CONFIG_FILE_CONFIG);
    s_get_now(p, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKIDCFG");
    assert_null(a.creds.session_token);
    assert_string_equal(a.creds.source, "profile dev (config file)");
    cred_provider_free(p);

    p = cred_provider_profile_keys_new(&ctx, "half", AWS_CONFIG_FILE_CONFIG);
    s_get_now(p, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "CFGPATH"));
    assert_non_null(strstr(a.error, "no aws_secret_access_key"));
    cred_provider_free(p);

    /* A secret without a key id is not a configuration (botocore looks for the id). */
    p = cred_provider_profile_keys_new(&ctx, "onlysecret", AWS_CONFIG_FILE_CONFIG);
    s_get_now(p, &a);
    assert_false(a.have);
    assert_null(a.error);
    cred_provider_free(p);

    p = cred_provider_profile_keys_new(&ctx, "nosuch", AWS_CONFIG_FILE_CREDENTIALS);
    s_get_now(p, &a);
    assert_false(a.have);
    assert_null(a.error);
    cred_provider_free(p);

    aws_config_free(cfg);
    cred_answer_free(&a);
}

/* ---- credential_process ----------------------------------------------------------- */

struct proc_fixture {
    struct ev_loop *loop;
    struct aws_config *cfg;
    struct cred_ctx ctx;
};

static void s_proc_setup(struct proc_fixture *f, const char *command, unsigned timeout_ms)
{
    char *text = xasprintf("[profile p]\ncredential_process = %s\n", command);
    char *error = NULL;
    f->cfg = aws_config_parse(text, NULL, &error);
    free(text);
    if (!f->cfg)
        fail_msg("%s", error);
    f->loop = ev_loop_new();
    f->ctx = (struct cred_ctx){.loop = f->loop, .config = f->cfg, .process_timeout_ms = timeout_ms};
}

static void s_proc_teardown(struct proc_fixture *f)
{
    aws_config_free(f->cfg);
    ev_loop_free(f->loop);
}

/* Runs the profile's credential_process and returns the answer in *a. */
static void s_run_process(const char *command, unsigned timeout_ms, struct cred_answer *a)
{
    struct proc_fixture f;
    s_proc_setup(&f, command, timeout_ms);
    struct cred_provider *p = cred_provider_process_new(&f.ctx, "p");
    s_get_wait(f.loop, p, a);
    cred_provider_free(p);
    s_proc_teardown(&f);
}

static void test_process_success(void **state)
{
    (void)state;
    struct cred_answer a = {0};
    s_run_process("printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
                  "\"procsecret\", \"SessionToken\": \"proctok\", \"Expiration\": "
                  "\"2030-01-01T00:00:00Z\"}'",
                  5000, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKIDPROC");
    assert_string_equal(a.creds.secret_access_key, "procsecret");
    assert_string_equal(a.creds.session_token, "proctok");
    assert_int_equal(a.creds.expiration, 1893456000);
    assert_string_equal(a.creds.source, "profile p (credential_process)");

    /* No token and no expiry: long-term keys. */
    s_run_process("printf '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\"}'", 5000, &a);
    assert_true(a.have);
    assert_null(a.creds.session_token);
    assert_int_equal(a.creds.expiration, 0);
    cred_answer_free(&a);
}

static void test_process_failures(void **state)
{
    (void)state;
    struct cred_answer a = {0};
    s_run_process("echo 'token expired, log in again' >&2; exit 3", 5000, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "credential_process of profile 'p' failed (exit status 3)"));
    assert_non_null(strstr(a.error, "token expired, log in again"));

    s_run_process("echo not json", 5000, &a);
    assert_non_null(strstr(a.error, "not a JSON object"));

    s_run_process("printf '{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\"}'", 5000, &a);
    assert_non_null(strstr(a.error, "Version"));

    s_run_process("printf '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"hidden-secret\","
                  "\"Expiration\":\"soon\"}'",
                  5000, &a);
    assert_non_null(strstr(a.error, "Expiration"));
    assert_null(strstr(a.error, "hidden-secret"));

    s_run_process("printf '{\"Version\":1,\"AccessKeyId\":\"A\"}'", 5000, &a);
    assert_non_null(strstr(a.error, "SecretAccessKey"));

    s_run_process("/nonexistent/helper --flag", 5000, &a);
    assert_non_null(strstr(a.error, "exit status 127"));

    s_run_process("head -c 70000 /dev/zero | tr '\\0' x", 5000, &a);
    assert_non_null(strstr(a.error, "more than 64 KiB"));
    cred_answer_free(&a);
}

static void test_process_timeout(void **state)
{
    (void)state;
    struct cred_answer a = {0};
    uint64_t start = ev_now_ms();
    s_run_process("sleep 30", 200, &a);
    uint64_t took = ev_now_ms() - start;
    assert_false(a.have);
    assert_non_null(strstr(a.error, "did not finish within 0.200 s"));
    assert_true(took < 5000);
    cred_answer_free(&a);
}

static void test_process_not_configured_and_destroyed_midway(void **state)
{
    (void)state;
    struct proc_fixture f;
    s_proc_setup(&f, "sleep 30", 0);
    struct cred_answer a = {0};
    struct cred_provider *p = cred_provider_process_new(&f.ctx, "other");
    s_get_now(p, &a);
    assert_false(a.have);
    assert_null(a.error);
    cred_provider_free(p);

    /* Destroyed while the command runs: no answer, child gone, nothing leaked. */
    p = cred_provider_process_new(&f.ctx, "p");
    cred_answer_free(&a);
    cred_provider_get(p, cred_answer_record, &a);
    ev_loop_run_once(f.loop, 10);
    cred_provider_free(p);
    ev_loop_run_once(f.loop, 10);
    assert_false(a.done);
    s_proc_teardown(&f);
}

/* ---- the cache -------------------------------------------------------------------- */

static time_t s_clock;

static time_t s_fake_now(void)
{
    return s_clock;
}

/* An inner provider that answers later from the loop and counts how often it is asked. */
struct counting_provider {
    struct cred_provider base;
    struct ev_loop *loop;
    int calls;
    time_t expires_in;    /* 0: no expiry */
    bool fail;
    cred_done_fn done;
    void *ud;
};

static void s_counting_answer(void *ud)
{
    struct counting_provider *cp = ud;
    if (cp->fail) {
        cp->done(cp->ud, NULL, "inner failure");
        return;
    }
    char akid[32];
    snprintf(akid, sizeof(akid), "AKID%d", cp->calls);
    struct aws_credentials c = {.access_key_id = akid, .secret_access_key = "s",
                                .expiration = cp->expires_in ? s_clock + cp->expires_in : 0,
                                .source = "counting"};
    cp->done(cp->ud, &c, NULL);
}

static void s_counting_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct counting_provider *cp = (struct counting_provider *)p;
    cp->calls++;
    cp->done = done;
    cp->ud = ud;
    ev_timer_add(cp->loop, 0, s_counting_answer, cp);
}

static void s_counting_destroy(struct cred_provider *p)
{
    (void)p; /* lives on the test's stack */
}

static const struct cred_provider_vtable s_counting_vt = {s_counting_get, s_counting_destroy};

static void test_cache_expiry_and_refresh(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    struct counting_provider inner = {.base.vt = &s_counting_vt, .loop = loop, .expires_in = 3600};
    s_clock = 1000000;
    struct cred_provider *cache = cred_provider_cached_new(&inner.base, s_fake_now);
    struct cred_answer a = {0};

    s_get_wait(loop, cache, &a);
    assert_string_equal(a.creds.access_key_id, "AKID1");
    assert_int_equal(inner.calls, 1);

    /* Served from the cache, synchronously, until five minutes before expiry. */
    s_clock += 3600 - 301;
    s_get_now(cache, &a);
    assert_string_equal(a.creds.access_key_id, "AKID1");
    assert_int_equal(inner.calls, 1);

    s_clock += 1;
    s_get_wait(loop, cache, &a);
    assert_string_equal(a.creds.access_key_id, "AKID2");
    assert_int_equal(inner.calls, 2);

    /* Refresh fails while the old credentials still work: keep using them. */
    s_clock += 3600 - 120;
    inner.fail = true;
    s_get_wait(loop, cache, &a);
    assert_true(a.have);
    assert_string_equal(a.creds.access_key_id, "AKID2");
    assert_int_equal(inner.calls, 3);

    /* Once really expired, the failure is the answer. */
    s_clock += 600;
    s_get_wait(loop, cache, &a);
    assert_false(a.have);
    assert_string_equal(a.error, "inner failure");
    assert_int_equal(inner.calls, 4);

    cred_provider_free(cache);
    ev_loop_free(loop);
    cred_answer_free(&a);
}

static void test_cache_coalesces_concurrent_gets(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    struct counting_provider inner = {.base.vt = &s_counting_vt, .loop = loop, .expires_in = 0};
    s_clock = 5000;
    struct cred_provider *cache = cred_provider_cached_new(&inner.base, s_fake_now);
    struct cred_answer a[3] = {{0}};
    for (int i = 0; i < 3; i++)
        cred_provider_get(cache, cred_answer_record, &a[i]);
    assert_false(a[0].done);
    ev_loop_run_until(loop, (volatile bool *)&a[2].done);
    assert_int_equal(inner.calls, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(a[i].calls, 1);
        assert_string_equal(a[i].creds.access_key_id, "AKID1");
    }
    /* Credentials without an expiry are kept for good. */
    s_clock += 365 * 86400;
    s_get_now(cache, &a[0]);
    assert_int_equal(inner.calls, 1);
    cred_provider_free(cache);
    ev_loop_free(loop);
    for (int i = 0; i < 3; i++)
        cred_answer_free(&a[i]);
}

static void test_cache_destroyed_during_refresh(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    struct counting_provider inner = {.base.vt = &s_counting_vt, .loop = loop};
    struct cred_provider *cache = cred_provider_cached_new(&inner.base, NULL);
    struct cred_answer a = {0};
    cred_provider_get(cache, cred_answer_record, &a);
    cred_provider_free(cache);
    /* The inner provider's pending answer must not reach the freed cache: our fake's
     * destroy cannot cancel it, so drop the timer by freeing the loop unrun. */
    ev_loop_free(loop);
    assert_false(a.done);
}

/* A waiter that frees the cache from its callback; the other waiters still get answers. */
struct freeing_waiter {
    struct cred_provider **cache;
    struct cred_answer a;
};

static void s_free_cache_on_answer(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct freeing_waiter *w = ud;
    cred_answer_record(&w->a, creds, error);
    cred_provider_free(*w->cache);
    *w->cache = NULL;
}

static void test_cache_freed_by_a_waiter(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    struct counting_provider inner = {.base.vt = &s_counting_vt, .loop = loop};
    struct cred_provider *cache = cred_provider_cached_new(&inner.base, NULL);
    struct freeing_waiter w = {.cache = &cache};
    struct cred_answer second = {0};
    cred_provider_get(cache, s_free_cache_on_answer, &w);
    cred_provider_get(cache, cred_answer_record, &second);
    ev_loop_run_until(loop, (volatile bool *)&second.done);
    assert_null(cache);
    assert_true(w.a.have);
    assert_true(second.have);
    assert_string_equal(second.creds.access_key_id, "AKID1");
    ev_loop_free(loop);
    cred_answer_free(&w.a);
    cred_answer_free(&second);
}

/* ---- the default chain: order and messages ----------------------------------------- */

struct home {
    char dir[64];
    char config[128];
    char creds[128];
    char *old_home;
};

static void s_home_init(struct home *h, const char *config, const char *creds)
{
    strcpy(h->dir, "/tmp/bcm-cred-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    snprintf(h->config, sizeof(h->config), "%s/config", h->dir);
    snprintf(h->creds, sizeof(h->creds), "%s/credentials", h->dir);
    if (config) {
        FILE *f = fopen(h->config, "w");
        fputs(config, f);
        fclose(f);
    }
    if (creds) {
        FILE *f = fopen(h->creds, "w");
        fputs(creds, f);
        fclose(f);
    }
    h->old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", h->dir, 1);
    setenv("AWS_CONFIG_FILE", h->config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", h->creds, 1);
}

static void s_home_cleanup(struct home *h)
{
    unlink(h->config);
    unlink(h->creds);
    rmdir(h->dir);
    if (h->old_home)
        setenv("HOME", h->old_home, 1);
    free(h->old_home);
}

/* Resolves through a fresh default chain. */
static void s_chain_get(const char *explicit_profile, struct cred_answer *a)
{
    struct ev_loop *loop = ev_loop_new();
    struct cred_chain_config cc = {.profile = explicit_profile, .loop = loop, .http = NULL,
                                   .region = "us-east-1"};
    struct cred_provider *chain = cred_provider_default_chain(&cc);
    s_get_wait(loop, chain, a);
    cred_provider_free(chain);
    ev_loop_free(loop);
}

static const char s_files_config[] =
    "[default]\nregion = us-east-1\n"
    "[profile both]\naws_access_key_id = AKIDBOTHCFG\naws_secret_access_key = x\n"
    "[profile cfgonly]\naws_access_key_id = AKIDCFGONLY\naws_secret_access_key = x\n"
    "[profile proc]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"y\"}'\n"
    "[profile procandkeys]\naws_access_key_id = AKIDCFGKEYS\naws_secret_access_key = x\n"
    "credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC2\",\"SecretAccessKey\":\"y\"}'\n"
    "[profile empty]\nregion = eu-west-1\n";
static const char s_files_creds[] =
    "[both]\naws_access_key_id = AKIDBOTHCRED\naws_secret_access_key = x\n"
    "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n";

static void test_chain_order(void **state)
{
    (void)state;
    struct home h;
    s_home_init(&h, s_files_config, s_files_creds);
    struct cred_answer a = {0};

    s_chain_get(NULL, &a);
    assert_string_equal(a.creds.access_key_id, "AKIDDEFAULT");
    assert_string_equal(a.creds.source, "profile default (credentials file)");

    /* Environment beats the profile... */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    s_chain_get(NULL, &a);
    assert_string_equal(a.creds.access_key_id, "AKIDENV");
    /* ...also when the profile comes from AWS_PROFILE... */
    setenv("AWS_PROFILE", "both", 1);
    s_chain_get(NULL, &a);
    assert_string_equal(a.creds.access_key_id, "AKIDENV");
    /* ...but not an explicit --profile. */
    s_chain_get("both", &a);
    assert_string_equal(a.creds.access_key_id, "AKIDBOTHCRED");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    s_chain_get(NULL, &a);
    assert_string_equal(a.creds.access_key_id, "AKIDBOTHCRED");
    s_chain_get("cfgonly", &a);
    assert_string_equal(a.creds.access_key_id, "AKIDCFGONLY");
    assert_string_equal(a.creds.source, "profile cfgonly (config file)");
    s_chain_get("proc", &a);
    assert_string_equal(a.creds.access_key_id, "AKIDPROC");
    assert_string_equal(a.creds.source, "profile proc (credential_process)");
    /* botocore asks credential_process before the config file's static keys. */
    s_chain_get("procandkeys", &a);
    assert_string_equal(a.creds.access_key_id, "AKIDPROC2");

    cred_answer_free(&a);
    s_home_cleanup(&h);
}

static void test_chain_nothing_found_message(void **state)
{
    (void)state;
    struct home h;
    s_home_init(&h, s_files_config, s_files_creds);
    struct cred_answer a = {0};
    s_chain_get("empty", &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "no AWS credentials found: tried profile 'empty' in"));
    assert_non_null(strstr(a.error, h.config));
    assert_non_null(strstr(a.error, h.creds));
    assert_non_null(strstr(a.error, "container credentials endpoint, instance metadata (off"));
    assert_non_null(strstr(a.error, "aws sso login"));
    /* No explicit profile: the environment was tried too. */
    setenv("AWS_PROFILE", "empty", 1);
    s_chain_get(NULL, &a);
    assert_non_null(strstr(a.error, "tried environment, profile 'empty'"));
    assert_non_null(strstr(a.error, "set AWS_PROFILE"));
    cred_answer_free(&a);
    s_home_cleanup(&h);
}

static void test_chain_unknown_profile_and_broken_sources(void **state)
{
    (void)state;
    struct home h;
    s_home_init(&h, s_files_config, s_files_creds);
    struct cred_answer a = {0};
    s_chain_get("typo", &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "profile 'typo' was not found"));
    assert_non_null(strstr(a.error, "profiles there: both, cfgonly, default, empty, proc"));

    /* A broken source stops the chain instead of falling through to the next one. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    s_chain_get(NULL, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "AWS_SECRET_ACCESS_KEY"));
    unsetenv("AWS_ACCESS_KEY_ID");

    /* A file that cannot be parsed is reported with its line. */
    FILE *f = fopen(h.config, "a");
    fputs("garbage line\n", f);
    fclose(f);
    s_chain_get(NULL, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, h.config));
    assert_non_null(strstr(a.error, "line 17"));
    cred_answer_free(&a);
    s_home_cleanup(&h);
}

static void test_chain_no_files_at_all(void **state)
{
    (void)state;
    struct home h;
    s_home_init(&h, NULL, NULL);
    struct cred_answer a = {0};
    s_chain_get(NULL, &a);
    assert_false(a.have);
    assert_non_null(strstr(a.error, "tried environment, profile 'default'"));
    cred_answer_free(&a);
    s_home_cleanup(&h);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_copy_and_free, s_clean_env),
        cmocka_unit_test_setup(test_static_provider, s_clean_env),
        cmocka_unit_test_setup(test_parse_time, s_clean_env),
        cmocka_unit_test_setup(test_env_provider, s_clean_env),
        cmocka_unit_test_setup(test_profile_keys_provider, s_clean_env),
        cmocka_unit_test_setup(test_process_success, s_clean_env),
        cmocka_unit_test_setup(test_process_failures, s_clean_env),
        cmocka_unit_test_setup(test_process_timeout, s_clean_env),
        cmocka_unit_test_setup(test_process_not_configured_and_destroyed_midway, s_clean_env),
        cmocka_unit_test_setup(test_cache_expiry_and_refresh, s_clean_env),
        cmocka_unit_test_setup(test_cache_coalesces_concurrent_gets, s_clean_env),
        cmocka_unit_test_setup(test_cache_destroyed_during_refresh, s_clean_env),
        cmocka_unit_test_setup(test_cache_freed_by_a_waiter, s_clean_env),
        cmocka_unit_test_setup(test_chain_order, s_clean_env),
        cmocka_unit_test_setup(test_chain_nothing_found_message, s_clean_env),
        cmocka_unit_test_setup(test_chain_unknown_profile_and_broken_sources, s_clean_env),
        cmocka_unit_test_setup(test_chain_no_files_at_all, s_clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
