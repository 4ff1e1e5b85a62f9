/* Display widths: CJK and emoji take two columns, cuts never split a character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/textwidth.h"

#include <stdlib.h>
#include <string.h>

static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("日本語"), 6);
    assert_int_equal(text_width("ｶﾀｶﾅ"), 4);       /* half-width katakana */
    assert_int_equal(text_width("Ａ"), 2);          /* full-width Latin */
    assert_int_equal(text_width("e\xcc\x81"), 1);  /* e + combining acute */
    assert_int_equal(text_width("📚"), 2);
    assert_int_equal(codepoint_width(0x4E00), 2);
    assert_int_equal(codepoint_width('a'), 1);
    assert_int_equal(codepoint_width(0x0301), 0);
}

/* What terminals agree on: after text_unambiguous, the sum of wcwidth is what xterm, tmux
 * and grapheme-aware terminals all draw. */
static void test_unambiguous_emoji(void **state)
{
    (void)state;
    struct { const char *in, *out; size_t width; } cases[] = {
        {"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", "\xf0\x9f\x91\xa9\xf0\x9f\x92\xbb", 4}, /* 👩‍💻 */
        {"\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5", "\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5", 2},   /* 🇯🇵 kept */
        {"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "\xf0\x9f\x91\x8d", 2},                      /* 👍🏽 */
        {"\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4", 1},                                  /* ❤️ */
        {"\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
         "\xf0\x9f\x8f\xb3\xf0\x9f\x8c\x88", 3},                                         /* 🏳️‍🌈 */
        {"e\xcc\x81t\xc3\xa9", "e\xcc\x81t\xc3\xa9", 3},  /* combining marks stay */
        {"日本語 abc", "日本語 abc", 10},
        {"", "", 0},
        {"a\xff\xe2\x80\x8d", "a\xff", 2},                  /* invalid byte kept as is */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = text_unambiguous(cases[i].in);
        assert_string_equal(t, cases[i].out);
        assert_int_equal(text_width(t), cases[i].width);
        free(t);
    }
    char *t = text_unambiguous(NULL);
    assert_string_equal(t, "");
    free(t);
}

static void test_truncate(void **state)
{
    (void)state;
    char *t = text_truncate("hello world", 5);
    assert_string_equal(t, "hell…");
    assert_int_equal(text_width(t), 5);
    free(t);
    t = text_truncate("short", 10);
    assert_string_equal(t, "short");
    free(t);
    /* A wide character that would straddle the limit is left out whole. */
    t = text_truncate("日本語のタイトル", 6);
    assert_string_equal(t, "日本…");
    assert_true(text_width(t) <= 6);
    free(t);
    t = text_truncate("日本語", 0);
    assert_string_equal(t, "");
    free(t);
}

static void test_fit_pads_to_exact_width(void **state)
{
    (void)state;
    char *t = text_fit("日本", 7, 0);
    assert_string_equal(t, "日本   ");
    assert_int_equal(text_width(t), 7);
    free(t);
    t = text_fit("42", 5, 1);
    assert_string_equal(t, "   42");
    free(t);
    t = text_fit("日本語タイトル", 7, 0);
    assert_int_equal(text_width(t), 7);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_unambiguous_emoji),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_fit_pads_to_exact_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
