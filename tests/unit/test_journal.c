/* The journal file: durable appends, exclusive lock, private mode, torn lines tolerated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/run/journal.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct collected {
    int seq[64];
    size_t n;
};

static int s_collect(void *ud, const cJSON *rec, size_t line)
{
    (void)line;
    struct collected *c = ud;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "seq");
    if (c->n < 64)
        c->seq[c->n++] = cJSON_IsNumber(v) ? v->valueint : -1;
    return 0;
}

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/bcm-journal-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void s_append_seq(struct journal *j, int seq)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "test");
    cJSON_AddNumberToObject(rec, "seq", seq);
    cJSON_AddStringToObject(rec, "pad", "some text, \"quoted\", 日本語");
    char *error = NULL;
    assert_int_equal(journal_append(j, rec, &error), 0);
    assert_null(error);
    cJSON_Delete(rec);
}

static void test_append_read_mode_and_lock(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/sub/dir/run.jsonl", s_dir);
    char *error = NULL;
    struct journal *j = journal_open_append(path, &error);
    assert_non_null(j);
    for (int i = 0; i < 5; i++)
        s_append_seq(j, i);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A second writer is refused while the first holds the journal. */
    struct journal *j2 = journal_open_append(path, &error);
    assert_null(j2);
    assert_non_null(error);
    assert_non_null(strstr(error, "in use"));
    free(error);
    error = NULL;

    struct collected c = {{0}, 0};
    struct journal_read_stats stats;
    assert_int_equal(journal_read(path, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 5);
    assert_int_equal(stats.records, 5);
    assert_int_equal(stats.skipped_lines, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(c.seq[i], i);
    journal_close(j);

    /* Reopened after close, appends continue. */
    j = journal_open_append(path, &error);
    assert_non_null(j);
    s_append_seq(j, 5);
    journal_close(j);
    c.n = 0;
    assert_int_equal(journal_read(path, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 6);
}

/* A concurrent --new-run moves the journal aside (and a new one appears) between this
 * process's open and its lock: the lock must end up on the file the path names, and what
 * is read is read from that same file. */
static int s_moves;
static void s_move_aside_once(const char *path)
{
    if (s_moves++)
        return;
    char aside[160];
    snprintf(aside, sizeof aside, "%s.aside", path);
    assert_int_equal(rename(path, aside), 0);
    char *error = NULL;
    struct journal *other = journal_open_append(path, &error); /* the new run's journal */
    assert_non_null(other);
    s_append_seq(other, 100);
    journal_close(other);
}

static void test_lock_follows_a_journal_moved_aside(void **state)
{
    (void)state;
    char path[128], aside[160];
    snprintf(path, sizeof path, "%s/run.jsonl", s_dir);
    snprintf(aside, sizeof aside, "%s.aside", path);
    char *error = NULL;
    struct journal *j = journal_open_append(path, &error);
    s_append_seq(j, 1);
    journal_close(j);

    s_moves = 0;
    journal_test_between_open_and_lock = s_move_aside_once;
    j = journal_open_append(path, &error);
    journal_test_between_open_and_lock = NULL;
    assert_non_null(j);
    struct collected c = {{0}, 0};
    struct journal_read_stats stats;
    assert_int_equal(journal_read_locked(j, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.seq[0], 100); /* the file at the path now, not the one moved aside */
    s_append_seq(j, 101);
    journal_close(j);
    c.n = 0;
    assert_int_equal(journal_read(aside, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 1); /* the earlier run's journal is untouched */
    assert_int_equal(c.seq[0], 1);
    c.n = 0;
    assert_int_equal(journal_read(path, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 2);
}

static void test_missing_file_is_empty(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/none.jsonl", s_dir);
    struct collected c = {{0}, 0};
    char *error = NULL;
    struct journal_read_stats stats;
    assert_int_equal(journal_read(path, s_collect, &c, &stats, &error), 0);
    assert_int_equal(c.n, 0);
}

/* A crash can cut the last record at any byte: everything before it must still load,
 * the torn record must never be half-applied, and the next append must start cleanly. */
static void test_truncated_at_every_offset(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/torn.jsonl", s_dir);
    char *error = NULL;
    struct journal *j = journal_open_append(path, &error);
    assert_non_null(j);
    for (int i = 0; i < 3; i++)
        s_append_seq(j, i);
    journal_close(j);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char data[4096];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    size_t last_start = len - 1;
    while (last_start > 0 && data[last_start - 1] != '\n')
        last_start--;

    for (size_t cut = last_start; cut < len; cut++) {
        struct collected c = {{0}, 0};
        struct journal_read_stats stats;
        assert_int_equal(journal_read_buffer(data, cut, s_collect, &c, &stats), 0);
        /* Only the newline missing: the record is whole and counts. */
        bool whole = cut == len - 1;
        assert_int_equal(c.n, whole ? 3 : 2);
        assert_int_equal(c.seq[0], 0);
        assert_int_equal(c.seq[1], 1);
        assert_int_equal(stats.skipped_lines, (cut > last_start && !whole) ? 1 : 0);

        /* Resume writing after the tear. */
        FILE *w = fopen(path, "wb");
        assert_non_null(w);
        assert_int_equal(fwrite(data, 1, cut, w), cut);
        fclose(w);
        j = journal_open_append(path, &error);
        assert_non_null(j);
        s_append_seq(j, 9);
        journal_close(j);
        c.n = 0;
        assert_int_equal(journal_read(path, s_collect, &c, &stats, &error), 0);
        assert_int_equal(c.n, whole ? 4 : 3);
        assert_int_equal(c.seq[c.n - 1], 9);
    }
}

static void test_garbage_lines_skipped(void **state)
{
    (void)state;
    const char *text = "{\"seq\":1}\nnot json\n[1,2]\n\n{\"seq\":2}\n{\"seq\":";
    struct collected c = {{0}, 0};
    struct journal_read_stats stats;
    journal_read_buffer(text, strlen(text), s_collect, &c, &stats);
    assert_int_equal(c.n, 2);
    assert_int_equal(stats.skipped_lines, 3);
}

static void test_default_path(void **state)
{
    (void)state;
    setenv("XDG_STATE_HOME", "/var/tmp/state", 1);
    char *p = journal_default_path("Bedrock/Chat Stack", "ap-northeast-1");
    assert_string_equal(p, "/var/tmp/state/bedrock-chat-migrate/Bedrock_Chat_Stack-ap-northeast-1.jsonl");
    free(p);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/op", 1);
    p = journal_default_path("BedrockChatStack", "us-east-1");
    assert_string_equal(p, "/home/op/.local/state/bedrock-chat-migrate/BedrockChatStack-us-east-1.jsonl");
    free(p);
    p = journal_default_path("../..", "x");
    assert_null(strstr(p, "/../"));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read_mode_and_lock, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_lock_follows_a_journal_moved_aside, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_is_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_at_every_offset, s_setup, s_teardown),
        cmocka_unit_test(test_garbage_lines_skipped),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
