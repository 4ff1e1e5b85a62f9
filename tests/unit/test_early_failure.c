/* The early-failure watch: causes normalised (known ones named, ids and numbers blanked),
 * the first-N rule, the 80 % rule over the first ten, successes breaking the streak, and
 * 0 meaning never. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/run/early_failure.h"

#include <stdlib.h>
#include <string.h>

#define BEDROCK "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) " \
                "when calling the InvokeModel operation: You don't have access to the model with the "       \
                "specified model ID."

static void test_causes(void **state)
{
    (void)state;
    char *c = early_failure_cause(BEDROCK);
    assert_string_equal(c, "Bedrock model access denied");
    free(c);
    c = early_failure_cause("ValidationException: The caller is not authorized to invoke this API");
    assert_string_equal(c, "Bedrock model access denied");
    free(c);
    c = early_failure_cause("the task stopped without writing a SyncStatus for itself; Essential container "
                            "in task exited; container exit code 1");
    assert_string_equal(c, "the task stopped without writing a status");
    free(c);
    /* Unknown reasons: bot-specific names and numbers do not make two causes. */
    char *a = early_failure_cause("NoSuchKey: 'u1/bot1/documents/a.pdf' not found after 3 tries\nTraceback");
    char *b = early_failure_cause("NoSuchKey: 'u2/bot9/documents/b b.pdf' not found after 12 tries");
    assert_string_equal(a, b);
    assert_null(strstr(a, "Traceback"));
    free(a);
    free(b);
    a = early_failure_cause(NULL);
    assert_string_equal(a, "no reason given");
    free(a);
    assert_non_null(strstr(early_failure_hint("Bedrock model access denied"), "Model access"));
    assert_non_null(early_failure_hint("anything else"));
}

static void test_first_three_failing_the_same_way_trip(void **state)
{
    (void)state;
    struct early_failure_watch w;
    early_failure_init(&w, 3);
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_true(early_failure_note(&w, true, "ValidationException: not authorized to invoke this API"));
    assert_true(w.tripped);
    assert_string_equal(w.cause, "Bedrock model access denied");
    assert_int_equal(w.cause_count, 3);
    assert_false(early_failure_note(&w, true, BEDROCK)); /* only once */
    early_failure_free(&w);
}

static void test_a_success_or_another_cause_breaks_it(void **state)
{
    (void)state;
    struct early_failure_watch w;
    early_failure_init(&w, 3);
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_false(early_failure_note(&w, false, NULL));
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_false(w.tripped);
    early_failure_free(&w);

    early_failure_init(&w, 3);
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_false(early_failure_note(&w, true, "Unable to get page count. Is poppler installed"));
    assert_false(early_failure_note(&w, true, BEDROCK));
    assert_false(w.tripped);
    early_failure_free(&w);
}

static void test_eighty_percent_of_the_first_ten(void **state)
{
    (void)state;
    struct early_failure_watch w;
    early_failure_init(&w, 3);
    assert_false(early_failure_note(&w, false, NULL)); /* a success first: the first-3 rule cannot trip */
    assert_false(early_failure_note(&w, true, BEDROCK));
    for (int i = 0; i < 7; i++)
        assert_false(early_failure_note(&w, true, BEDROCK)); /* 9 seen, 8 failed */
    assert_true(early_failure_note(&w, true, "x: don't have access to the model")); /* 10 seen, 9 */
    assert_int_equal(w.cause_count, 9);
    early_failure_free(&w);

    early_failure_init(&w, 3);
    assert_false(early_failure_note(&w, false, NULL));
    assert_false(early_failure_note(&w, false, NULL));
    assert_false(early_failure_note(&w, false, NULL));
    for (int i = 0; i < 7; i++)
        assert_false(early_failure_note(&w, true, BEDROCK)); /* 7 of 10: not enough */
    assert_false(early_failure_note(&w, true, BEDROCK));     /* past the window: never */
    assert_false(w.tripped);
    early_failure_free(&w);
}

static void test_zero_never_trips_and_n_is_settable(void **state)
{
    (void)state;
    struct early_failure_watch w;
    early_failure_init(&w, 0);
    for (int i = 0; i < 20; i++)
        assert_false(early_failure_note(&w, true, BEDROCK));
    early_failure_free(&w);

    early_failure_init(&w, 1);
    assert_true(early_failure_note(&w, true, BEDROCK));
    early_failure_free(&w);

    early_failure_init(&w, 12); /* the window grows with N */
    for (int i = 0; i < 11; i++)
        assert_false(early_failure_note(&w, true, BEDROCK));
    assert_true(early_failure_note(&w, true, BEDROCK));
    early_failure_free(&w);
}

/* The causes and hints as structured messages: a known cause is its id (whose English is the
 * cause), an unknown one its text; every hint's English is early_failure_hint's. */
static void test_messages(void **state)
{
    (void)state;
    char *cause = early_failure_cause(BEDROCK);
    struct message m = early_failure_cause_message(cause);
    assert_string_equal(message_id_name(m.id), "early.cause.bedrock_access");
    char *en = message_english(&m);
    assert_string_equal(en, cause);
    free(en);
    message_free(&m);
    m = early_failure_hint_message(cause);
    assert_string_equal(message_id_name(m.id), "early.hint.bedrock_access");
    en = message_english(&m);
    assert_string_equal(en, early_failure_hint(cause));
    assert_non_null(strstr(en, "Model access"));
    free(en);
    message_free(&m);
    free(cause);

    cause = early_failure_cause("Some new error 42 on 'file.pdf'");
    m = early_failure_cause_message(cause);
    assert_int_equal(m.id, MSG_TEXT);
    en = message_english(&m);
    assert_string_equal(en, cause);
    free(en);
    message_free(&m);
    m = early_failure_hint_message(cause);
    assert_string_equal(message_id_name(m.id), "early.hint.other");
    message_free(&m);
    free(cause);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_causes),
        cmocka_unit_test(test_first_three_failing_the_same_way_trip),
        cmocka_unit_test(test_a_success_or_another_cause_breaks_it),
        cmocka_unit_test(test_eighty_percent_of_the_first_ten),
        cmocka_unit_test(test_zero_never_trips_and_n_is_settable),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
