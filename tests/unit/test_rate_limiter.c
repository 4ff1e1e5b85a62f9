/* The token bucket that paces RunTask and the adaptive limiter (SDK "adaptive" mode) the
 * client puts in front of ECS and DynamoDB calls once AWS throttles them. Time is passed
 * in, so nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/rate_limiter.h"
#include "util/token_bucket.h"

static void test_bucket_burst_then_rate(void **state)
{
    (void)state;
    struct token_bucket b;
    token_bucket_init(&b, 20, 20, 1000);
    for (int i = 0; i < 20; i++)
        assert_true(token_bucket_take(&b, 1000));
    assert_false(token_bucket_take(&b, 1000));
    assert_int_equal(token_bucket_wait_ms(&b, 1000), 50); /* 20 a second */
    assert_false(token_bucket_take(&b, 1049));
    assert_true(token_bucket_take(&b, 1050));
    /* a whole second refills the burst, no more */
    uint64_t t = 5000;
    int n = 0;
    while (token_bucket_take(&b, t))
        n++;
    assert_int_equal(n, 20);
    token_bucket_drain(&b, 7000);
    assert_false(token_bucket_take(&b, 7000));
}

static void test_over_a_minute_the_bucket_keeps_its_rate(void **state)
{
    (void)state;
    struct token_bucket b;
    token_bucket_init(&b, 20, 20, 0);
    int sent = 0;
    for (uint64_t t = 0; t <= 60000; t += 5)
        while (token_bucket_take(&b, t))
            sent++;
    assert_in_range(sent, 20 + 20 * 60 - 1, 20 + 20 * 60); /* floating point may lose the last */
}

static void test_limiter_off_until_throttled(void **state)
{
    (void)state;
    struct rate_limiters *set = rate_limiters_new();
    struct rate_limiter *rl = rate_limiters_get(set, "ECS", "DescribeTasks");
    assert_ptr_equal(rl, rate_limiters_get(set, "ECS", "DescribeTasks"));
    assert_ptr_not_equal(rl, rate_limiters_get(set, "ECS", "ListTasks"));
    uint64_t t = 0;
    for (int i = 0; i < 200; i++, t += 10) { /* 100 a second, all answered */
        assert_int_equal(rate_limiter_acquire(rl, t), 0);
        rate_limiter_on_reply(rl, t, false);
    }
    assert_false(rate_limiter_enabled(rl));
    rate_limiters_free(set);
}

static void test_throttling_cuts_the_rate_and_success_grows_it_back(void **state)
{
    (void)state;
    struct rate_limiters *set = rate_limiters_new();
    struct rate_limiter *rl = rate_limiters_get(set, "DynamoDB", "BatchGetItem");
    uint64_t t = 0;
    for (int i = 0; i < 300; i++, t += 10)
        rate_limiter_on_reply(rl, t, false);       /* measured: about 100 a second */
    rate_limiter_on_reply(rl, t, true);
    assert_true(rate_limiter_enabled(rl));
    double cut = rate_limiter_rate(rl);
    assert_true(cut > 60.0 && cut < 75.0);        /* β = 0.7 of the measured rate */
    /* Sending as fast as the limiter allows: about `cut` a second, not 100. */
    int sent = 0;
    uint64_t start = t;
    while (t < start + 1000) {
        uint64_t wait = rate_limiter_acquire(rl, t);
        if (wait) {
            t += wait;
            continue;
        }
        sent++;
        rate_limiter_on_reply(rl, t, false);
    }
    assert_true(sent < 100);
    /* Success after success, the cubic curve brings the rate back up. */
    double later = rate_limiter_rate(rl);
    assert_true(later > cut);
    /* A second throttle cuts again. */
    rate_limiter_on_reply(rl, t, true);
    assert_true(rate_limiter_rate(rl) < later);
    rate_limiters_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_rate),
        cmocka_unit_test(test_over_a_minute_the_bucket_keeps_its_rate),
        cmocka_unit_test(test_limiter_off_until_throttled),
        cmocka_unit_test(test_throttling_cuts_the_rate_and_success_grows_it_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
