/* The model access verdict from Bedrock's four answers: any definite no is "not accessible",
 * an agreement being processed is "pending", all yes is "accessible", and a missing or
 * unknown answer is "unknown" (the check is then skipped, never failed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/model_access.h"

static void test_all_yes_is_accessible(void **state)
{
    (void)state;
    assert_int_equal(model_access_verdict_of("AVAILABLE", "AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_OK);
}

static void test_any_no_is_not_accessible(void **state)
{
    (void)state;
    assert_int_equal(model_access_verdict_of("AVAILABLE", "NOT_AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_NOT_ACCESSIBLE);
    assert_int_equal(model_access_verdict_of("AVAILABLE", "AUTHORIZED", "NOT_AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_NOT_ACCESSIBLE);
    assert_int_equal(model_access_verdict_of("AVAILABLE", "AUTHORIZED", "AVAILABLE", "NOT_AVAILABLE"),
                     MODEL_ACCESS_NOT_ACCESSIBLE);
    assert_int_equal(model_access_verdict_of("NOT_AVAILABLE", "NOT_AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_NOT_ACCESSIBLE);
    assert_int_equal(model_access_verdict_of("ERROR", "AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_NOT_ACCESSIBLE);
    /* a definite no wins even when another answer is missing */
    assert_int_equal(model_access_verdict_of(NULL, "NOT_AUTHORIZED", NULL, NULL), MODEL_ACCESS_NOT_ACCESSIBLE);
}

/* No agreement yet, all else yes: Bedrock may make the agreement on the first invocation,
 * so this is a warning of its own, not a refusal. */
static void test_no_agreement_alone_is_not_a_refusal(void **state)
{
    (void)state;
    assert_int_equal(model_access_verdict_of("NOT_AVAILABLE", "AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_NO_AGREEMENT);
    assert_int_equal(model_access_verdict_of("NOT_AVAILABLE", "AUTHORIZED", NULL, "AVAILABLE"),
                     MODEL_ACCESS_UNKNOWN);
}

static void test_pending_agreement(void **state)
{
    (void)state;
    assert_int_equal(model_access_verdict_of("PENDING", "AUTHORIZED", "AVAILABLE", "AVAILABLE"),
                     MODEL_ACCESS_PENDING);
}

static void test_missing_or_unknown_answers_are_unknown(void **state)
{
    (void)state;
    assert_int_equal(model_access_verdict_of(NULL, "AUTHORIZED", "AVAILABLE", "AVAILABLE"), MODEL_ACCESS_UNKNOWN);
    assert_int_equal(model_access_verdict_of("AVAILABLE", "AUTHORIZED", NULL, "AVAILABLE"), MODEL_ACCESS_UNKNOWN);
    assert_int_equal(model_access_verdict_of("AVAILABLE", "MAYBE", "AVAILABLE", "AVAILABLE"), MODEL_ACCESS_UNKNOWN);
    assert_int_equal(model_access_verdict_of(NULL, NULL, NULL, NULL), MODEL_ACCESS_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_yes_is_accessible),
        cmocka_unit_test(test_any_no_is_not_accessible),
        cmocka_unit_test(test_no_agreement_alone_is_not_a_refusal),
        cmocka_unit_test(test_pending_agreement),
        cmocka_unit_test(test_missing_or_unknown_answers_are_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
