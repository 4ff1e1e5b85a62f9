/* The shared config/credentials parser against the AWS CLI's behaviour: both section
 * syntaxes, credentials-file precedence, comments, line endings, nested blocks,
 * sso-session sections, errors with line numbers, the profile list, file locations,
 * and region / profile-name resolution order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/config_file.h"
#include "aws/cred_providers.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const s_env_vars[] = {
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "BCM_TEST_DIR",
};

static int s_clean_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(s_env_vars) / sizeof(s_env_vars[0]); i++)
        unsetenv(s_env_vars[i]);
    return 0;
}

static struct aws_config *s_parse_ok(const char *config, const char *creds)
{
    char *error = NULL;
    struct aws_config *cfg = aws_config_parse(config, creds, &error);
    if (!cfg)
        fail_msg("unexpected parse error: %s", error);
    assert_null(error);
    return cfg;
}

/* Parses text expected to fail; returns the message (caller frees). */
static char *s_parse_err(const char *config, const char *creds)
{
    char *error = NULL;
    struct aws_config *cfg = aws_config_parse(config, creds, &error);
    assert_null(cfg);
    assert_non_null(error);
    return error;
}

static void test_profile_sections_both_syntaxes(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[default]\nregion = us-east-1\n"
                                        "[profile dev]\nregion = eu-west-1\n"
                                        "[dev2]\nregion = ap-south-1\n"           /* not a profile in config */
                                        "[profile  \"my team\" ]\nregion = ca-central-1\n",
                                        "[prod]\naws_access_key_id = AKIDPROD\n");
    assert_string_equal(aws_config_get(cfg, "default", "region"), "us-east-1");
    assert_string_equal(aws_config_get(cfg, "dev", "region"), "eu-west-1");
    assert_null(aws_config_get(cfg, "dev2", "region"));
    assert_string_equal(aws_config_get(cfg, "my team", "region"), "ca-central-1");
    assert_string_equal(aws_config_get(cfg, "prod", "aws_access_key_id"), "AKIDPROD");
    assert_null(aws_config_get(cfg, "prod", "region"));
    assert_null(aws_config_get(cfg, "nosuch", "region"));
    assert_true(aws_config_has_profile(cfg, "prod"));
    assert_false(aws_config_has_profile(cfg, "dev2"));
    aws_config_free(cfg);
}

static void test_credentials_file_wins_per_key(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[profile dev]\nregion = eu-west-1\n"
                                        "aws_access_key_id = AKIDCONFIG\noutput = json\n",
                                        "[dev]\naws_access_key_id = AKIDCREDS\n");
    assert_string_equal(aws_config_get(cfg, "dev", "aws_access_key_id"), "AKIDCREDS");
    /* Keys only in the config file still come through. */
    assert_string_equal(aws_config_get(cfg, "dev", "region"), "eu-west-1");
    assert_string_equal(aws_config_get_from(cfg, AWS_CONFIG_FILE_CONFIG, "dev", "aws_access_key_id"),
                        "AKIDCONFIG");
    assert_string_equal(aws_config_get_from(cfg, AWS_CONFIG_FILE_CREDENTIALS, "dev", "aws_access_key_id"),
                        "AKIDCREDS");
    assert_null(aws_config_get_from(cfg, AWS_CONFIG_FILE_CREDENTIALS, "dev", "region"));
    aws_config_free(cfg);
}

static void test_credentials_file_profile_prefix_is_literal(void **state)
{
    (void)state;
    /* In the credentials file the section name is the profile name, prefix or not. */
    struct aws_config *cfg = s_parse_ok(NULL, "[profile x]\nregion = r1\n");
    assert_string_equal(aws_config_get(cfg, "profile x", "region"), "r1");
    assert_null(aws_config_get(cfg, "x", "region"));
    aws_config_free(cfg);
}

static void test_comments_spaces_and_delimiters(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("# a comment\n"
                                        "; another\n"
                                        "   # indented comment\n"
                                        "\n"
                                        "[default]   \n"
                                        "  region   =   us-west-2   \n"
                                        "Output: json\n"
                                        "cli_pager=\n"
                                        "note = a # not a comment in the CLI either\n"
                                        "url = https://example.com/a=b\n",
                                        NULL);
    assert_string_equal(aws_config_get(cfg, "default", "region"), "us-west-2");
    /* Names are case-insensitive (lower-cased), ':' works like '='. */
    assert_string_equal(aws_config_get(cfg, "default", "output"), "json");
    assert_string_equal(aws_config_get(cfg, "default", "cli_pager"), "");
    assert_string_equal(aws_config_get(cfg, "default", "note"), "a # not a comment in the CLI either");
    assert_string_equal(aws_config_get(cfg, "default", "url"), "https://example.com/a=b");
    aws_config_free(cfg);
}

static void test_crlf_lone_cr_and_bom(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("\xEF\xBB\xBF[default]\r\nregion = eu-north-1\r\n"
                                        "[profile b]\rregion = eu-south-1\r",
                                        "\xEF\xBB\xBF[c]\r\naws_access_key_id = AKIDC\r\n");
    assert_string_equal(aws_config_get(cfg, "default", "region"), "eu-north-1");
    assert_string_equal(aws_config_get(cfg, "b", "region"), "eu-south-1");
    assert_string_equal(aws_config_get(cfg, "c", "aws_access_key_id"), "AKIDC");
    aws_config_free(cfg);
}

static void test_nested_blocks_and_continuations(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[default]\n"
                                        "s3 =\n"
                                        "    addressing_style = path\n"
                                        "\n"
                                        "    # a comment inside the block\n"
                                        "    max_concurrent_requests=20\n"
                                        "region = us-east-1\n"
                                        "description = first line\n"
                                        "  second line\n"
                                        "\n"
                                        "[profile next]\n"
                                        "  region = ap-northeast-1\n",
                                        NULL);
    assert_string_equal(aws_config_get(cfg, "default", "s3"), "");
    assert_string_equal(aws_config_get(cfg, "default", "s3.addressing_style"), "path");
    assert_string_equal(aws_config_get(cfg, "default", "s3.max_concurrent_requests"), "20");
    assert_string_equal(aws_config_get(cfg, "default", "region"), "us-east-1");
    assert_string_equal(aws_config_get(cfg, "default", "description"), "first line\nsecond line");
    /* An indented option right after a header is an option, not a continuation. */
    assert_string_equal(aws_config_get(cfg, "next", "region"), "ap-northeast-1");
    aws_config_free(cfg);
}

static void test_sso_session_and_services_sections(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[profile sso-dev]\n"
                                        "sso_session = corp\n"
                                        "sso_account_id = 111122223333\n"
                                        "sso_role_name = Dev\n"
                                        "[sso-session corp]\n"
                                        "sso_start_url = https://corp.awsapps.com/start\n"
                                        "sso_region = us-east-1\n"
                                        "sso_registration_scopes = sso:account:access\n"
                                        "[services local]\n"
                                        "dynamodb =\n  endpoint_url = http://localhost:8000\n",
                                        NULL);
    assert_string_equal(aws_config_sso_session(cfg, "corp", "sso_region"), "us-east-1");
    assert_string_equal(aws_config_sso_session(cfg, "corp", "sso_start_url"),
                        "https://corp.awsapps.com/start");
    assert_null(aws_config_sso_session(cfg, "other", "sso_region"));
    /* An sso-session is not a profile, and neither is a services section. */
    assert_false(aws_config_has_profile(cfg, "corp"));
    assert_false(aws_config_has_profile(cfg, "local"));
    assert_string_equal(aws_config_get(cfg, "sso-dev", "sso_session"), "corp");
    aws_config_free(cfg);
}

static void test_default_and_profile_default_later_wins(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[profile default]\nregion = r-first\noutput = text\n"
                                        "[default]\nregion = r-second\n",
                                        NULL);
    assert_string_equal(aws_config_get(cfg, "default", "region"), "r-second");
    /* The whole section is replaced, not merged (botocore's dict update per section). */
    assert_null(aws_config_get(cfg, "default", "output"));
    aws_config_free(cfg);
}

static void test_profile_list_sorted_unique(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[profile zeta]\n[default]\n[profile alpha]\n"
                                        "[sso-session s]\n[plugins]\n",
                                        "[alpha]\n[beta]\n[default]\n");
    size_t n = 0;
    const char *const *names = aws_config_profiles(cfg, &n);
    assert_int_equal(n, 4);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "beta");
    assert_string_equal(names[2], "default");
    assert_string_equal(names[3], "zeta");
    aws_config_free(cfg);

    cfg = s_parse_ok(NULL, NULL);
    names = aws_config_profiles(cfg, &n);
    assert_int_equal(n, 0);
    (void)names;
    aws_config_free(cfg);
}

static void test_malformed_lines_report_line_numbers(void **state)
{
    (void)state;
    char *e = s_parse_err("[default]\nregion = x\nthis line has no delimiter\n", NULL);
    assert_non_null(strstr(e, "config file: line 3:"));
    assert_non_null(strstr(e, "name = value"));
    free(e);

    e = s_parse_err("region = x\n[default]\n", NULL);
    assert_non_null(strstr(e, "line 1:"));
    assert_non_null(strstr(e, "before any [section]"));
    free(e);

    e = s_parse_err(NULL, "[a]\nk = 1\n[b]\n[a]\n");
    assert_non_null(strstr(e, "credentials file: line 4:"));
    assert_non_null(strstr(e, "[a] appears twice (first at line 1)"));
    free(e);

    e = s_parse_err("[default]\nRegion = a\nregion = b\n", NULL);
    assert_non_null(strstr(e, "line 3:"));
    assert_non_null(strstr(e, "'region' is set twice"));
    free(e);

    e = s_parse_err("[default]\n = value\n", NULL);
    assert_non_null(strstr(e, "line 2:"));
    free(e);

    e = s_parse_err("[default]\ns3 =\n  addressing_style = path\n  oops\n", NULL);
    assert_non_null(strstr(e, "line 4:"));
    assert_non_null(strstr(e, "nested under 's3'"));
    free(e);

    e = s_parse_err("[]\n", NULL);
    assert_non_null(strstr(e, "line 1:"));
    free(e);

    e = s_parse_err("[default\n", NULL);
    assert_non_null(strstr(e, "line 1:"));
    free(e);
}

static void test_errors_never_quote_values(void **state)
{
    (void)state;
    /* A secret pasted on a line of its own must not end up in an error message. */
    char *e = s_parse_err(NULL, "[default]\naws_access_key_id = AKID\nwJalrXUtnFEMIK7MDENGbPxRfiCYSECRET\n");
    assert_non_null(strstr(e, "line 3:"));
    assert_null(strstr(e, "SECRET"));
    free(e);
    e = s_parse_err(NULL, "aws_secret_access_key = TOPSECRETVALUE\n");
    assert_null(strstr(e, "TOPSECRET"));
    free(e);
}

static void test_bounds(void **state)
{
    (void)state;
    size_t line_len = 64 * 1024 + 10;
    char *text = xmalloc(line_len + 64);
    strcpy(text, "[default]\nregion = ");
    size_t n = strlen(text);
    memset(text + n, 'a', line_len);
    strcpy(text + n + line_len, "\n");
    char *e = s_parse_err(text, NULL);
    assert_non_null(strstr(e, "line 2:"));
    assert_non_null(strstr(e, "64 KiB"));
    free(e);
    free(text);

    /* Just under the line limit is fine. */
    text = xmalloc(64 * 1024 + 64);
    strcpy(text, "[default]\nk=");
    n = strlen(text);
    memset(text + n, 'b', 64 * 1024 - 2);
    text[n + 64 * 1024 - 2] = '\0';
    struct aws_config *cfg = s_parse_ok(text, NULL);
    assert_int_equal(strlen(aws_config_get(cfg, "default", "k")), 64 * 1024 - 2);
    aws_config_free(cfg);
    free(text);

    size_t big = 1024 * 1024 + 1;
    text = xmalloc(big + 1);
    memset(text, '#', big);
    text[big] = '\0';
    e = s_parse_err(text, NULL);
    assert_non_null(strstr(e, "1 MiB"));
    free(e);
    free(text);
}

/* ---- files on disk ----------------------------------------------------------------- */

struct tmp {
    char dir[64];
    char config[128];
    char creds[128];
};

static void s_tmp_init(struct tmp *t)
{
    strcpy(t->dir, "/tmp/bcm-cfg-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->config, sizeof(t->config), "%s/config", t->dir);
    snprintf(t->creds, sizeof(t->creds), "%s/credentials", t->dir);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void s_tmp_cleanup(struct tmp *t)
{
    unlink(t->config);
    unlink(t->creds);
    char aws[160];
    snprintf(aws, sizeof(aws), "%s/.aws/config", t->dir);
    unlink(aws);
    snprintf(aws, sizeof(aws), "%s/.aws", t->dir);
    rmdir(aws);
    rmdir(t->dir);
}

static void test_load_from_environment_paths(void **state)
{
    (void)state;
    struct tmp t;
    s_tmp_init(&t);
    s_write(t.config, "[profile dev]\nregion = eu-west-3\n");
    s_write(t.creds, "[dev]\naws_access_key_id = AKIDFILE\n");
    setenv("AWS_CONFIG_FILE", t.config, 1);
    /* $VAR expansion, as botocore does for these paths. */
    setenv("BCM_TEST_DIR", t.dir, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "${BCM_TEST_DIR}/credentials", 1);
    char *error = NULL;
    struct aws_config *cfg = aws_config_load(&error);
    assert_non_null(cfg);
    assert_string_equal(aws_config_get(cfg, "dev", "region"), "eu-west-3");
    assert_string_equal(aws_config_get(cfg, "dev", "aws_access_key_id"), "AKIDFILE");
    aws_config_free(cfg);

    char *path = aws_config_file_path(AWS_CONFIG_FILE_CREDENTIALS);
    assert_string_equal(path, t.creds);
    free(path);

    /* A parse error names the file and the line. */
    s_write(t.config, "[default]\nbroken\n");
    cfg = aws_config_load(&error);
    assert_null(cfg);
    assert_non_null(strstr(error, t.config));
    assert_non_null(strstr(error, "line 2"));
    free(error);
    s_tmp_cleanup(&t);
}

static void test_load_missing_files_and_home_default(void **state)
{
    (void)state;
    struct tmp t;
    s_tmp_init(&t);
    char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", t.dir, 1);
    char *error = NULL;
    struct aws_config *cfg = aws_config_load(&error);
    assert_non_null(cfg); /* neither file exists: fine */
    size_t n = 0;
    aws_config_profiles(cfg, &n);
    assert_int_equal(n, 0);
    aws_config_free(cfg);

    char aws[160];
    snprintf(aws, sizeof(aws), "%s/.aws", t.dir);
    assert_int_equal(mkdir(aws, 0700), 0);
    snprintf(aws, sizeof(aws), "%s/.aws/config", t.dir);
    s_write(aws, "[default]\nregion = sa-east-1\n");
    cfg = aws_config_load(&error);
    assert_non_null(cfg);
    assert_string_equal(aws_config_get(cfg, "default", "region"), "sa-east-1");
    aws_config_free(cfg);

    /* "~/" expands to the home directory. */
    setenv("AWS_CONFIG_FILE", "~/.aws/config", 1);
    char *path = aws_config_file_path(AWS_CONFIG_FILE_CONFIG);
    assert_string_equal(path, aws);
    free(path);

    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_home);
    s_tmp_cleanup(&t);
}

/* ---- profile name and region --------------------------------------------------------- */

static void test_profile_name_order(void **state)
{
    (void)state;
    assert_string_equal(aws_config_profile_name(NULL), "default");
    setenv("AWS_DEFAULT_PROFILE", "older", 1);
    assert_string_equal(aws_config_profile_name(NULL), "older");
    setenv("AWS_PROFILE", "fromenv", 1);
    assert_string_equal(aws_config_profile_name(NULL), "fromenv");
    assert_string_equal(aws_config_profile_name(""), "fromenv");
    assert_string_equal(aws_config_profile_name("explicit"), "explicit");
}

static void test_region_resolution_order(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok("[default]\nregion = us-east-2\n[profile p]\nregion = eu-central-1\n",
                                        NULL);
    const char *src = NULL;
    char *r = aws_resolve_region(cfg, NULL, "p", &src);
    assert_string_equal(r, "eu-central-1");
    assert_string_equal(src, "the profile's region setting");
    free(r);

    /* NULL profile: AWS_PROFILE, else default. */
    r = aws_resolve_region(cfg, NULL, NULL, &src);
    assert_string_equal(r, "us-east-2");
    free(r);
    setenv("AWS_PROFILE", "p", 1);
    r = aws_resolve_region(cfg, NULL, NULL, &src);
    assert_string_equal(r, "eu-central-1");
    free(r);

    setenv("AWS_DEFAULT_REGION", "ap-southeast-1", 1);
    r = aws_resolve_region(cfg, NULL, "p", &src);
    assert_string_equal(r, "ap-southeast-1");
    assert_string_equal(src, "AWS_DEFAULT_REGION");
    free(r);

    setenv("AWS_REGION", "ap-southeast-2", 1);
    r = aws_resolve_region(cfg, NULL, "p", &src);
    assert_string_equal(r, "ap-southeast-2");
    assert_string_equal(src, "AWS_REGION");
    free(r);

    r = aws_resolve_region(cfg, "me-south-1", "p", &src);
    assert_string_equal(r, "me-south-1");
    assert_string_equal(src, "--region");
    free(r);

    /* Empty values are skipped like unset ones. */
    setenv("AWS_REGION", "", 1);
    r = aws_resolve_region(cfg, "", "p", &src);
    assert_string_equal(r, "ap-southeast-1");
    free(r);

    aws_config_free(cfg);
}

static void test_region_none_and_invalid(void **state)
{
    (void)state;
    struct aws_config *cfg = s_parse_ok(NULL, NULL);
    const char *src = "unchanged";
    char *r = aws_resolve_region(cfg, NULL, "default", &src);
    assert_null(r);
    assert_null(src);

    /* Region names become host names: anything but a DNS label is refused, and the
     * source says where the bad value is rather than silently using another. */
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    setenv("AWS_REGION", "evil.example.com/x", 1);
    r = aws_resolve_region(cfg, NULL, "default", &src);
    assert_null(r);
    assert_string_equal(src, "AWS_REGION");
    aws_config_free(cfg);

    r = aws_resolve_region(NULL, "-bad", "default", &src);
    assert_null(r);
    assert_string_equal(src, "--region");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_profile_sections_both_syntaxes, s_clean_env),
        cmocka_unit_test_setup(test_credentials_file_wins_per_key, s_clean_env),
        cmocka_unit_test_setup(test_credentials_file_profile_prefix_is_literal, s_clean_env),
        cmocka_unit_test_setup(test_comments_spaces_and_delimiters, s_clean_env),
        cmocka_unit_test_setup(test_crlf_lone_cr_and_bom, s_clean_env),
        cmocka_unit_test_setup(test_nested_blocks_and_continuations, s_clean_env),
        cmocka_unit_test_setup(test_sso_session_and_services_sections, s_clean_env),
        cmocka_unit_test_setup(test_default_and_profile_default_later_wins, s_clean_env),
        cmocka_unit_test_setup(test_profile_list_sorted_unique, s_clean_env),
        cmocka_unit_test_setup(test_malformed_lines_report_line_numbers, s_clean_env),
        cmocka_unit_test_setup(test_errors_never_quote_values, s_clean_env),
        cmocka_unit_test_setup(test_bounds, s_clean_env),
        cmocka_unit_test_setup(test_load_from_environment_paths, s_clean_env),
        cmocka_unit_test_setup(test_load_missing_files_and_home_default, s_clean_env),
        cmocka_unit_test_setup(test_profile_name_order, s_clean_env),
        cmocka_unit_test_setup(test_region_resolution_order, s_clean_env),
        cmocka_unit_test_setup(test_region_none_and_invalid, s_clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
