/* The wizard's string tables: every key has English and Japanese text, no key is defined
 * twice, printf conversions agree between the languages, and the language choice follows
 * --lang, then LC_ALL / LC_MESSAGES / LANG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void test_tables_complete_and_consistent(void **state)
{
    (void)state;
    size_t n = 0;
    const struct tr_entry *e;
    for (size_t i = 0; (e = i18n_entry(i)) != NULL; i++, n++) {
        assert_non_null(e->en);
        assert_non_null(e->ja);
        assert_true(e->en[0] != '\0' || e->ja[0] == '\0');
        char a[128], b[128];
        s_conversions(e->en, a, sizeof(a));
        s_conversions(e->ja, b, sizeof(b));
        if (strcmp(a, b) != 0)
            fail_msg("key %s: English takes '%s', Japanese '%s'", e->key, a, b);
        for (size_t j = 0; j < i; j++)
            if (strcmp(i18n_entry(j)->key, e->key) == 0)
                fail_msg("key %s is defined twice", e->key);
    }
    assert_true(n > 100);
}

static void test_language_choice(void **state)
{
    (void)state;
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_JA);
    assert_string_equal(tr("step.welcome"), "はじめに");
    setenv("LC_MESSAGES", "C", 1);               /* LC_MESSAGES before LANG */
    assert_int_equal(i18n_init(NULL), 0);
    assert_int_equal(i18n_lang(), UI_LANG_EN);
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_complete_and_consistent),
        cmocka_unit_test(test_language_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
