/* The wizard's strings through gettext: every key has an English text with a Japanese
 * translation in the compiled catalog (build/locale, found beside this test program), no
 * key is defined twice, printf conversions agree between the languages, and the language
 * follows --lang, then LANGUAGE / LC_ALL / LC_MESSAGES / LANG, also where no ja_JP locale
 * is installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/i18n.h"
#include "util/mem.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The conversions of a printf format, e.g. "%zu %s %llu" → "zu s llu". */
static void s_conversions(const char *fmt, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        while (*p && strchr("-+ #0123456789.", *p))
            p++;
        while (*p && strchr("hlzjt", *p) && o + 2 < n)
            out[o++] = *p++;
        if (*p && o + 2 < n) {
            out[o++] = *p;
            out[o++] = ' ';
        }
        out[o] = '\0';
        if (!*p)
            break;
    }
}

/* Texts that read the same in Japanese (names and symbols): gettext cannot tell them from
 * a missing translation, so they are listed here. */
static bool s_same_in_japanese(const char *key)
{
    const char *keys[] = {"title.program", "run.col.icon", "run.col.attempt", "run.d.sync", "copy.label.data_api",
                          "copyrun.col.mb"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static void s_clean_environment(void)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    unsetenv("BCM_LOCALEDIR");
}

static void test_tables_complete_and_consistent(void **state)
{
    (void)state;
    s_clean_environment();
    assert_int_equal(i18n_init("ja"), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA); /* the catalog was found */
    size_t n = 0;
    const struct tr_entry *e;
    for (size_t i = 0; (e = i18n_entry(i)) != NULL; i++, n++) {
        assert_non_null(e->en);
        assert_true(e->en[0] != '\0'); /* "" is the catalog header's msgid */
        const char *ja = tr(e->key);
        if (strcmp(ja, e->en) == 0 && !s_same_in_japanese(e->key))
            fail_msg("key %s: \"%s\" has no Japanese translation in po/ja.po", e->key, e->en);
        char a[128], b[128];
        s_conversions(e->en, a, sizeof(a));
        s_conversions(ja, b, sizeof(b));
        if (strcmp(a, b) != 0)
            fail_msg("key %s: English takes '%s', Japanese '%s'", e->key, a, b);
        for (size_t j = 0; j < i; j++)
            if (strcmp(i18n_entry(j)->key, e->key) == 0)
                fail_msg("key %s is defined twice", e->key);
    }
    assert_true(n > 100);
}

/* One English text, two translations: the entries' contexts keep them apart. */
static void test_contexts_keep_translations_apart(void **state)
{
    (void)state;
    s_clean_environment();
    assert_int_equal(i18n_init("ja"), 0);
    assert_string_equal(tr("quit.no"), "続ける");
    assert_string_equal(tr("run.quit.no"), "とどまる");
    assert_string_equal(tr("run.col.reason"), "理由");
    assert_string_equal(tr("run.d.reason"), "判定理由");
    assert_int_equal(i18n_init("en"), 0);
    assert_string_equal(tr("quit.no"), "Stay");
    assert_string_equal(tr("run.quit.no"), "Stay");
}

static void test_language_choice(void **state)
{
    (void)state;
    s_clean_environment();
    /* No ja_JP locale is installed on build machines: the language still comes through. */
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    assert_string_equal(tr("step.welcome"), "はじめに");
    setenv("LC_MESSAGES", "C", 1);               /* LC_MESSAGES before LANG */
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(tr("step.welcome"), "Welcome");
    setenv("LC_ALL", "ja_JP.UTF-8", 1);          /* LC_ALL before both */
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    assert_int_equal(i18n_init("en"), 0);        /* --lang wins */
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(tr("step.welcome"), "Welcome");
    assert_int_equal(i18n_init("fr"), -1);
    assert_string_equal(tr("no.such.key"), "no.such.key");
    char *s = trf("identity.switched", "dev", "us-east-1");
    assert_string_equal(s, "Now using profile dev in us-east-1.");
    free(s);
    assert_int_equal(i18n_init("ja"), 0);
    s = trf("identity.switched", "dev", "us-east-1");
    assert_string_equal(s, "プロファイル dev（us-east-1）に切り替えました。");
    free(s);
}

/* --lang ja under the C locale: LANGUAGE=ja and a messages locale that lets gettext read
 * it; the next decision from the environment is the user's again. */
static void test_lang_option_under_c_locale(void **state)
{
    (void)state;
    s_clean_environment();
    setenv("LANG", "C", 1);
    assert_non_null(setlocale(LC_MESSAGES, "C"));
    assert_int_equal(i18n_init("ja"), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    assert_string_equal(tr("step.welcome"), "はじめに");
    assert_string_equal(getenv("LANGUAGE"), "ja");
    assert_string_not_equal(setlocale(LC_MESSAGES, NULL), "C");
    assert_int_equal(i18n_init(NULL), 0);
    assert_null(getenv("LANGUAGE"));
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(tr("step.welcome"), "Welcome");
}

/* LANGUAGE as gettext reads it: honoured under C.UTF-8, ignored under plain C, and a value
 * the user set is left alone. */
static void test_language_variable(void **state)
{
    (void)state;
    s_clean_environment();
    setenv("LANG", "C.UTF-8", 1);
    setenv("LANGUAGE", "ja", 1);
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    setenv("LANG", "C", 1);
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(tr("step.welcome"), "Welcome");
    setenv("LANG", "ja_JP.UTF-8", 1);            /* not installed; LANGUAGE says English */
    setenv("LANGUAGE", "en", 1);
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(getenv("LANGUAGE"), "en");
    assert_int_equal(i18n_init("ja"), 0);
    assert_int_equal(i18n_init("en"), 0);        /* gives the user's LANGUAGE back */
    assert_string_equal(getenv("LANGUAGE"), "en");
    assert_string_equal(tr("step.welcome"), "Welcome");
}

/* The catalog is looked up beside the program; BCM_LOCALEDIR overrides, and a directory
 * without the catalog means English, which i18n_lang() then says. */
static void test_catalog_directory(void **state)
{
    (void)state;
    s_clean_environment();
    assert_int_equal(i18n_init("ja"), 0);
    char *mo = xasprintf("%s/ja/LC_MESSAGES/%s.mo", i18n_locale_dir(), I18N_DOMAIN);
    assert_int_equal(access(mo, R_OK), 0);
    free(mo);
    char dir[] = "/tmp/bcm-i18n-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("BCM_LOCALEDIR", dir, 1);
    assert_int_equal(i18n_init("ja"), 0);
    assert_string_equal(i18n_locale_dir(), dir);
    assert_int_equal(i18n_lang(), UI_LANG_EN);
    assert_string_equal(tr("step.welcome"), "Welcome");
    unsetenv("BCM_LOCALEDIR");
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(i18n_init("ja"), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_complete_and_consistent),
        cmocka_unit_test(test_contexts_keep_translations_apart),
        cmocka_unit_test(test_language_choice),
        cmocka_unit_test(test_lang_option_under_c_locale),
        cmocka_unit_test(test_language_variable),
        cmocka_unit_test(test_catalog_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
