/* Setting a journal aside: renamed under its run id with its reports, never over another
 * file, refused while a run holds the journal, a no-op when there is no journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/run/journal_aside.h"
#include "util/mem.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/bcm-aside-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(s_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s/%s", s_dir, e->d_name);
        unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(s_dir);
    return 0;
}

static char *s_path(const char *name)
{
    return xasprintf("%s/%s", s_dir, name);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define RUN_RECORD "{\"type\":\"run\",\"version\":1,\"run_id\":\"R-1\",\"started_by\":\"bcm-R-1\",\"cluster\":\"c\"}\n"

static void test_no_journal_is_a_no_op(void **state)
{
    (void)state;
    char *j = s_path("none.jsonl");
    char *aside = (char *)"x", *error = NULL;
    assert_int_equal(journal_set_aside(j, &aside, &error), 0);
    assert_null(aside);
    assert_null(error);
    free(j);
}

static void test_moves_journal_and_reports(void **state)
{
    (void)state;
    char *j = s_path("S-r.jsonl"), *md = s_path("S-r.report.md"), *js = s_path("S-r.report.json");
    s_write(j, RUN_RECORD);
    s_write(md, "report");
    s_write(js, "{}");
    char *aside = NULL, *error = NULL;
    assert_int_equal(journal_set_aside(j, &aside, &error), 0);
    char *want = s_path("S-r.R-1.jsonl");
    assert_string_equal(aside, want);
    assert_int_equal(access(j, F_OK), -1);
    assert_int_equal(access(want, F_OK), 0);
    char *md2 = s_path("S-r.R-1.report.md"), *js2 = s_path("S-r.R-1.report.json");
    assert_int_equal(access(md2, F_OK), 0);
    assert_int_equal(access(js2, F_OK), 0);
    assert_int_equal(access(md, F_OK), -1);

    /* A second run with the same id (a copy put back) does not replace the first aside. */
    s_write(j, RUN_RECORD);
    char *aside2 = NULL;
    assert_int_equal(journal_set_aside(j, &aside2, &error), 0);
    char *want2 = s_path("S-r.R-1-2.jsonl");
    assert_string_equal(aside2, want2);
    assert_int_equal(access(want, F_OK), 0);
    free(aside);
    free(aside2);
    free(want);
    free(want2);
    free(md2);
    free(js2);
    free(j);
    free(md);
    free(js);
}

static void test_hostile_run_id_stays_in_the_directory(void **state)
{
    (void)state;
    char *j = s_path("h.jsonl");
    s_write(j, "{\"type\":\"run\",\"run_id\":\"../../etc/x\\u001b\",\"cluster\":\"c\"}\n");
    char *aside = NULL, *error = NULL;
    assert_int_equal(journal_set_aside(j, &aside, &error), 0);
    char *want = s_path("h.______etc_x_.jsonl");
    assert_string_equal(aside, want);
    free(want);
    free(aside);
    free(j);
}

static void test_refused_while_a_run_holds_it(void **state)
{
    (void)state;
    char *j = s_path("busy.jsonl");
    s_write(j, RUN_RECORD);
    int fd = open(j, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    /* flock locks belong to the open file description: a second open conflicts. */
    char *aside = NULL, *error = NULL;
    assert_int_equal(journal_set_aside(j, &aside, &error), -1);
    assert_non_null(error);
    assert_non_null(strstr(error, "in use"));
    assert_int_equal(access(j, F_OK), 0);
    free(error);
    close(fd);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_journal_is_a_no_op, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_moves_journal_and_reports, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_run_id_stays_in_the_directory, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refused_while_a_run_holds_it, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
