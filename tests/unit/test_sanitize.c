/* The terminal sanitiser: nothing that can drive a terminal gets through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/sanitize.h"

#include <stdlib.h>
#include <string.h>

static char *s1(const char *s)
{
    return sanitize_for_terminal(s, strlen(s), 4096);
}

static void expect_clean(const char *input, const char *want)
{
    char *got = s1(input);
    assert_string_equal(got, want);
    free(got);
}

/* No byte that starts or ends a control function survives. */
static void assert_inert(const char *out)
{
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        assert_true(*p >= 0x20 && *p != 0x7F);
        if (*p == 0xC2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9F); /* C1 controls in UTF-8 */
    }
}

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    expect_clean("Sales FAQ bot", "Sales FAQ bot");
    expect_clean("社内規程ボット 📚", "社内規程ボット 📚");
    expect_clean("", "");
}

static void test_escape_sequences_dropped_whole(void **state)
{
    (void)state;
    expect_clean("a\x1b[31mred\x1b[0m b", "ared b");
    expect_clean("x\x1b]0;evil title\x07y", "xy");
    /* OSC 52 writes the clipboard: the payload must vanish too. */
    expect_clean("t\x1b]52;c;ZWNobyBoaQ==\x1b\\end", "tend");
    expect_clean("p\x1bP1;2|junk\x1b\\q", "pq");
    expect_clean("\x1b" "cReset", "Reset");
    /* C1 CSI (U+009B) encoded in UTF-8. */
    expect_clean("a\xc2\x9b" "2Jb", "ab");
    /* Unterminated OSC swallows the rest rather than leaking half of it. */
    expect_clean("ok\x1b]52;c;AAAA", "ok");
}

static void test_controls_and_whitespace(void **state)
{
    (void)state;
    expect_clean("a\tb\nc\rd", "a b c d");
    char *got = s1("bell\x07 del\x7f nul-free");
    assert_inert(got);
    assert_non_null(strstr(got, "\xEF\xBF\xBD"));
    free(got);
    char *ml = sanitize_multiline("l1\r\nl2\rl3\n\x1b[2Kl4", strlen("l1\r\nl2\rl3\n\x1b[2Kl4"), 100);
    assert_string_equal(ml, "l1\nl2\nl3\nl4");
    free(ml);
}

static void test_bidi_overrides_removed(void **state)
{
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE and U+2066 LEFT-TO-RIGHT ISOLATE. */
    expect_clean("abc\xe2\x80\xae" "fdp.exe", "abcfdp.exe");
    expect_clean("\xe2\x81\xa6x\xe2\x81\xa9", "x");
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    expect_clean("a\xff" "b", "a\xEF\xBF\xBD" "b");
    expect_clean("\xc0\xaf", "\xEF\xBF\xBD\xEF\xBF\xBD");       /* overlong '/' */
    expect_clean("\xed\xa0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    expect_clean("\xe3\x81", "\xEF\xBF\xBD\xEF\xBF\xBD");       /* truncated */
}

static void test_length_bound_on_character_boundary(void **state)
{
    (void)state;
    size_t n = 100 * 1024;
    char *big = malloc(n + 1);
    for (size_t i = 0; i + 3 <= n; i += 3)
        memcpy(big + i, "\xe3\x81\x82", 3); /* あ */
    big[n - n % 3] = '\0';
    char *out = sanitize_for_terminal(big, strlen(big), 64);
    assert_true(strlen(out) <= 64);
    size_t len = strlen(out);
    assert_true(len >= 3);
    assert_memory_equal(out + len - 3, "\xE2\x80\xA6", 3);
    /* Every character before the ellipsis is whole. */
    assert_int_equal((len - 3) % 3, 0);
    free(out);
    free(big);
    /* Exactly max bytes fits without an ellipsis. */
    char *exact = sanitize_for_terminal("abcdef", 6, 6);
    assert_string_equal(exact, "abcdef");
    free(exact);
}

static void test_embedded_nul_and_null_input(void **state)
{
    (void)state;
    char *out = sanitize_for_terminal("a\0b", 3, 100);
    assert_inert(out);
    assert_int_equal(strncmp(out, "a", 1), 0);
    free(out);
    out = sanitize_for_terminal(NULL, 5, 100);
    assert_string_equal(out, "");
    free(out);
}

static void test_json_text_escapes_c1_and_bidi(void **state)
{
    (void)state;
    char *out = sanitize_json_text("{\"t\":\"a\xc2\x9b" "2J\xe2\x80\xae" "b\x7f\xff" "c\"}");
    assert_string_equal(out, "{\"t\":\"a\\u009b2J\\u202eb\\u007f\xEF\xBF\xBD" "c\"}");
    free(out);
    out = sanitize_json_text("{\"t\":\"日本語\"}");
    assert_string_equal(out, "{\"t\":\"日本語\"}");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_escape_sequences_dropped_whole),
        cmocka_unit_test(test_controls_and_whitespace),
        cmocka_unit_test(test_bidi_overrides_removed),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_length_bound_on_character_boundary),
        cmocka_unit_test(test_embedded_nul_and_null_input),
        cmocka_unit_test(test_json_text_escapes_c1_and_bidi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
