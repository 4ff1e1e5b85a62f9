/* The process's one random source: repeatable from a seed, spread over [0, 1), and
 * seeded from the system when nobody chose a seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/random.h"

#include <string.h>

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    uint64_t a[8], b[8];
    random_reseed(42);
    for (int i = 0; i < 8; i++)
        a[i] = random_u64();
    random_reseed(42);
    for (int i = 0; i < 8; i++)
        b[i] = random_u64();
    assert_memory_equal(a, b, sizeof a);
    random_reseed(43);
    assert_true(random_u64() != a[0]);
    random_reseed(0);
}

static void test_unit_interval_is_spread(void **state)
{
    (void)state;
    random_reseed(7);
    int buckets[10] = {0};
    for (int i = 0; i < 10000; i++) {
        double u = random_unit();
        assert_true(u >= 0.0 && u < 1.0);
        buckets[(int)(u * 10)]++;
    }
    /* 1,000 expected per tenth; a generator stuck in one region fails this. */
    for (int k = 0; k < 10; k++)
        assert_in_range(buckets[k], 850, 1150);
    random_reseed(0);
}

static void test_fill_covers_odd_lengths(void **state)
{
    (void)state;
    random_reseed(9);
    unsigned char buf[13];
    memset(buf, 0, sizeof buf);
    random_fill(buf, sizeof buf);
    int zeros = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        zeros += buf[i] == 0;
    assert_true(zeros < 4); /* the tail past the last whole word is written too */
    random_reseed(0);
}

static void test_system_seed_differs_from_a_fixed_one(void **state)
{
    (void)state;
    random_reseed(0);
    uint64_t x = random_u64();
    random_reseed(0);
    uint64_t y = random_u64();
    /* Two system seeds agree with probability 2^-64: a constant seed would repeat. */
    assert_true(x != y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_unit_interval_is_spread),
        cmocka_unit_test(test_fill_covers_odd_lengths),
        cmocka_unit_test(test_system_seed_differs_from_a_fixed_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
