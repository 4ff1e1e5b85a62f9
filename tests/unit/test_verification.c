/* Verdicts, the logged count, and the verification file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/verify/verification.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct verify_input s_in(bool succeeded, bool knowledge, long long logged, long long rows)
{
    struct verify_input in = {"01HBOT", "Title", succeeded ? "succeeded" : "failed", "journal",
                              succeeded, knowledge, false, logged, rows};
    return in;
}

static void test_judge(void **state)
{
    (void)state;
    struct verify_input in = s_in(true, true, 12, 12);
    assert_int_equal(verification_judge(&in), VERDICT_OK);
    in = s_in(true, true, -1, 5);
    assert_int_equal(verification_judge(&in), VERDICT_OK);          /* no log: rows alone */
    in = s_in(true, true, 12, 0);
    assert_int_equal(verification_judge(&in), VERDICT_NO_VECTORS);
    in = s_in(true, true, -1, 0);
    assert_int_equal(verification_judge(&in), VERDICT_NO_VECTORS);
    in = s_in(true, true, 12, 9);
    assert_int_equal(verification_judge(&in), VERDICT_COUNT_DIFFERS);
    in = s_in(true, false, -1, 0);
    assert_int_equal(verification_judge(&in), VERDICT_EMPTY_BY_DESIGN);
    in = s_in(true, true, -1, 0);
    in.no_contents = true;                                          /* "No contents to embed." */
    assert_int_equal(verification_judge(&in), VERDICT_EMPTY_BY_DESIGN);
    in = s_in(false, true, -1, 0);
    assert_int_equal(verification_judge(&in), VERDICT_NOT_SUCCEEDED);
    in = s_in(false, false, -1, 0);
    assert_int_equal(verification_judge(&in), VERDICT_EMPTY_BY_DESIGN);
    in = s_in(true, false, -1, 3);
    assert_int_equal(verification_judge(&in), VERDICT_COUNT_DIFFERS);
}

static void test_logged_count(void **state)
{
    (void)state;
    assert_int_equal(verification_logged_count("Successfully inserted 42 records."), 42);
    assert_int_equal(verification_logged_count("INFO: Successfully inserted 0 records."), 0);
    assert_int_equal(verification_logged_count("Successfully inserted 1 record."), 1);
    assert_int_equal(verification_logged_count("Successfully inserted many records."), -1);
    assert_int_equal(verification_logged_count("Successfully inserted 42"), -1);
    assert_int_equal(verification_logged_count("Successfully inserted -3 records."), -1);
    assert_int_equal(verification_logged_count("Successfully inserted 99999999999999999999999 records."), -1);
    assert_int_equal(verification_logged_count("Number of chunks: 5"), -1);
    assert_int_equal(verification_logged_count(NULL), -1);
}

static void test_exit_code_and_ids(void **state)
{
    (void)state;
    struct verification v;
    memset(&v, 0, sizeof(v));
    struct verify_input a = s_in(true, true, 3, 3);
    a.bot_id = "A";
    verification_add(&v, &a);
    verification_add_orphan(&v, "GONE", 7);
    assert_int_equal(verification_exit_code(&v), 0);   /* orphan rows alone do not fail */
    struct verify_input b = s_in(true, true, 3, 0);
    b.bot_id = "B";
    verification_add(&v, &b);
    struct verify_input c = s_in(true, true, 4, 0);
    c.bot_id = "C";
    verification_add(&v, &c);
    assert_int_equal(verification_exit_code(&v), 1);
    char *ids = verification_ids(&v, VERDICT_NO_VECTORS);
    assert_string_equal(ids, "B,C");
    free(ids);
    assert_null(verification_ids(&v, VERDICT_COUNT_DIFFERS));
    assert_int_equal(v.counts[VERDICT_ORPHAN_ROWS], 1);
    assert_int_equal(verification_find(&v, "GONE")->rows, 7);
    assert_null(verification_find(&v, "NOPE"));
    verification_free(&v);
}

static void test_json_round_trip_and_file(void **state)
{
    (void)state;
    struct verification v;
    memset(&v, 0, sizeof(v));
    v.cluster_arn = xstrdup("arn:aws:rds:ap-northeast-1:123456789012:cluster:vs");
    v.database = xstrdup("postgres");
    v.verified_at_ms = 1700000000123ull;
    struct verify_input a = s_in(true, true, 3, 2);
    a.title = "社内\x1b[31m";
    verification_add(&v, &a);
    verification_add_orphan(&v, "GONE", 7);

    char dir[] = "/tmp/bcm-verification-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *journal = xasprintf("%s/stack-region.jsonl", dir);
    char *path = verification_path_for(journal);
    assert_non_null(strstr(path, "/stack-region.verify.json"));
    char *error = NULL;
    assert_int_equal(verification_save(&v, path, &error), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    struct verification back;
    assert_int_equal(verification_load(path, &back, &error), 0);
    assert_int_equal(back.nrows, 2);
    assert_string_equal(back.rows[0].title, "社内\x1b[31m");
    assert_int_equal(back.rows[0].verdict, VERDICT_COUNT_DIFFERS);
    assert_int_equal(back.rows[0].logged, 3);
    assert_int_equal(back.rows[1].verdict, VERDICT_ORPHAN_ROWS);
    assert_null(back.rows[1].title);
    assert_int_equal(back.rows[1].logged, -1);
    assert_int_equal(back.verified_at_ms, 1700000000123ull);
    assert_int_equal(back.counts[VERDICT_COUNT_DIFFERS], 1);
    verification_free(&back);

    char *missing = xasprintf("%s/none.verify.json", dir);
    assert_int_equal(verification_load(missing, &back, &error), 1);
    FILE *f = fopen(missing, "w");
    fputs("{\"not\": 1}", f);
    fclose(f);
    assert_int_equal(verification_load(missing, &back, &error), -1);
    assert_non_null(error);
    free(error);
    unlink(missing);
    unlink(path);
    rmdir(dir);
    free(missing);
    free(path);
    free(journal);
    verification_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_logged_count),
        cmocka_unit_test(test_exit_code_and_ids),
        cmocka_unit_test(test_json_round_trip_and_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
