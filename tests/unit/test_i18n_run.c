/* The run screens' strings: every entry translated in the Japanese catalog, no key twice,
 * and the printf conversions of each Japanese string the same, in the same order, as the
 * English one (the screens format them with the same arguments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/i18n.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The conversions of a format, e.g. "%zu %s %d" → "zu,s,d,". */
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
        while (*p && strchr("-+ #0123456789.*", *p))
            p++;
        while (*p && strchr("hlLzjt", *p)) {
            if (o + 2 < n)
                out[o++] = *p;
            p++;
        }
        if (!*p)
            break;
        if (o + 3 < n) {
            out[o++] = *p;
            out[o++] = ',';
        }
        out[o] = '\0';
    }
}

/* The run table's entries, with the Japanese catalog loaded. */
static int s_setup_japanese(void **state)
{
    (void)state;
    unsetenv("LANGUAGE");
    unsetenv("BCM_LOCALEDIR");
    if (i18n_init("ja") != 0 || i18n_lang() != UI_LANG_JA) {
        fprintf(stderr, "the Japanese catalog was not found (make builds build/locale)\n");
        return -1;
    }
    return 0;
}

static void test_conversions_match(void **state)
{
    (void)state;
    size_t checked = 0;
    for (const struct tr_entry *e = tr_table_run; e->key; e++) {
        char en[64], ja[64];
        s_conversions(e->en, en, sizeof en);
        s_conversions(tr(e->key), ja, sizeof ja);
        if (strcmp(en, ja) != 0)
            fail_msg("%s: English has \"%s\", Japanese \"%s\"", e->key, en, ja);
        checked += en[0] != '\0';
    }
    assert_true(checked >= 8); /* the table does hold format strings */
}

static void test_every_entry_translated_once(void **state)
{
    (void)state;
    /* Symbols and names that read the same in Japanese. */
    const char *same[] = {" ", "#", "SyncStatus"};
    for (const struct tr_entry *e = tr_table_run; e->key; e++) {
        assert_non_null(e->en);
        assert_true(e->en[0] != '\0');
        const char *ja = tr(e->key);
        assert_true(ja[0] != '\0');
        bool kept = false;
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
            kept = kept || strcmp(e->en, same[i]) == 0;
        if (!kept && strcmp(ja, e->en) == 0)
            fail_msg("%s: \"%s\" has no Japanese translation in po/ja.po", e->key, e->en);
        for (const struct tr_entry *f = e + 1; f->key; f++)
            if (strcmp(e->key, f->key) == 0)
                fail_msg("%s appears twice", e->key);
    }
}

static void test_self_check_of_the_parser(void **state)
{
    (void)state;
    char out[64];
    s_conversions("%zu of %zu bots, 100%% %-3d %s", out, sizeof out);
    assert_string_equal(out, "zu,zu,d,s,");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_check_of_the_parser),
        cmocka_unit_test_setup(test_conversions_match, s_setup_japanese),
        cmocka_unit_test_setup(test_every_entry_translated_once, s_setup_japanese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
