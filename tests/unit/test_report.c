/* The run report: counts, inert Markdown for hostile titles, JSON fields, file placement
 * beside the journal, mode 0600 and atomic replacement, and a report built from a
 * journal read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/run/report.h"
#include "util/mem.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ESC CSI colour, an OSC 52 clipboard write, a right-to-left override, Markdown and HTML. */
#define HOSTILE_TITLE "Evil\x1b[31mRed\x1b]52;c;ZWNobyBwd25lZA==\x07 \xe2\x80\xaegnp.exe | <script>x</script> *b* [l](u)"

static struct run_bot s_bot(const char *id, const char *title, enum bot_state state)
{
    struct run_bot b;
    memset(&b, 0, sizeof(b));
    b.bot_id = (char *)id;
    b.pk = (char *)"user-1";
    b.sk = (char *)id;
    b.title = (char *)title;
    b.state = state;
    b.exit_code = -1;
    b.attempt = 1;
    return b;
}

static struct report_context s_ctx(const char *journal)
{
    struct report_context c;
    memset(&c, 0, sizeof(c));
    c.stack = "BedrockChatStack";
    c.region = "ap-northeast-1";
    c.journal_path = journal;
    c.cost_low_usd = -1;
    c.cost_high_usd = -1;
    c.generated_at_ms = 1767225600000ull; /* 2026-01-01T00:00:00Z */
    return c;
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_counts_and_all_succeeded(void **state)
{
    (void)state;
    struct run_bot bots[4] = {s_bot("a", "A", BOT_SUCCEEDED), s_bot("b", "B", BOT_FAILED),
                              s_bot("c", "C", BOT_SUCCEEDED), s_bot("d", "D", BOT_RUNNING)};
    struct report_context c = s_ctx("/tmp/x.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 4);
    assert_int_equal(rep->counts[BOT_SUCCEEDED], 2);
    assert_int_equal(rep->counts[BOT_FAILED], 1);
    assert_int_equal(rep->counts[BOT_RUNNING], 1);
    assert_false(report_all_succeeded(rep));
    report_free(rep);

    struct report *ok = report_new(&c, "run-2", "bcm-run-2", bots, 1);
    assert_true(report_all_succeeded(ok));
    report_free(ok);
}

static void test_markdown_renders_hostile_title_inert(void **state)
{
    (void)state;
    struct run_bot bots[2] = {s_bot("evil", HOSTILE_TITLE, BOT_FAILED), s_bot("good", "fine", BOT_SUCCEEDED)};
    bots[0].reason = (char *)"SyncStatus FAILED: \x1b[2Jboom | pipe";
    struct report_context c = s_ctx("/tmp/x.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 2);
    char *md = report_to_markdown(rep);
    assert_null(strchr(md, '\x1b'));
    assert_null(strchr(md, '\x07'));
    assert_null(strstr(md, "\xe2\x80\xae"));
    assert_null(strstr(md, "<script>"));
    assert_non_null(strstr(md, "&lt;script&gt;"));
    assert_non_null(strstr(md, "\\*b\\*"));
    assert_non_null(strstr(md, "\\[l\\]"));
    assert_non_null(strstr(md, "boom \\| pipe"));
    /* Every bot row keeps exactly the table's nine cell separators: a title's pipe did
     * not add a column. */
    const char *row = strstr(md, "| `evil` |");
    assert_non_null(row);
    const char *eol = strchr(row, '\n');
    size_t bars = 0;
    for (const char *p = row; p < eol; p++)
        bars += *p == '|' && p[-1] != '\\';
    assert_int_equal(bars, 9);
    free(md);
    report_free(rep);
}

static void test_markdown_cuts_wide_titles_by_columns(void **state)
{
    (void)state;
    /* 40 CJK characters: 80 columns, more than a title cell holds. */
    char title[40 * 3 + 1];
    for (int i = 0; i < 40; i++)
        memcpy(title + i * 3, "\xe6\x97\xa5", 3);
    title[120] = '\0';
    struct run_bot bots[1] = {s_bot("jp", title, BOT_SUCCEEDED)};
    struct report_context c = s_ctx("/tmp/x.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    char *md = report_to_markdown(rep);
    const char *cell = strstr(md, "| `jp` | ");
    assert_non_null(cell);
    cell += strlen("| `jp` | ");
    const char *end = strstr(cell, " |");
    char *text = xstrndup(cell, (size_t)(end - cell));
    assert_true(text_width(text) <= 60);
    assert_non_null(strstr(text, "…"));
    free(text);
    free(md);
    report_free(rep);
}

static void test_next_steps_follow_the_outcome(void **state)
{
    (void)state;
    struct run_bot failed[2] = {s_bot("a", "A", BOT_SUCCEEDED), s_bot("b", "B", BOT_FAILED)};
    struct report_context c = s_ctx("/var/tmp/j.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", failed, 2);
    char *md = report_to_markdown(rep);
    assert_non_null(strstr(md, "run --retry-failed --yes"));
    assert_non_null(strstr(md, "--journal /var/tmp/j.jsonl"));
    assert_non_null(strstr(md, "logs BOT_ID"));
    assert_non_null(strstr(md, "RAG bot"));
    assert_non_null(strstr(md, "2 bot(s): 1 succeeded, 1 failed."));
    assert_null(strstr(md, "DEMO"));
    free(md);
    report_free(rep);

    c.demo = true;
    rep = report_new(&c, "run-1", "bcm-run-1", failed, 1);
    md = report_to_markdown(rep);
    assert_null(strstr(md, "--retry-failed"));
    assert_non_null(strstr(md, "Nothing to retry"));
    assert_non_null(strstr(md, "DEMO"));
    free(md);
    report_free(rep);
}

static void test_unfinished_bots_are_called_out(void **state)
{
    (void)state;
    struct run_bot bots[2] = {s_bot("a", "A", BOT_RUNNING), s_bot("b", "B", BOT_QUEUED)};
    struct report_context c = s_ctx("/tmp/x.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 2);
    char *md = report_to_markdown(rep);
    assert_non_null(strstr(md, "2 bot(s) were not finished"));
    free(md);
    report_free(rep);
}

static void test_json_fields(void **state)
{
    (void)state;
    struct run_bot bots[2] = {s_bot("a", HOSTILE_TITLE, BOT_SUCCEEDED), s_bot("b", "B", BOT_FAILED)};
    bots[0].task_id = (char *)"task-a";
    bots[0].launched_at_ms = 1767225600000ull;
    bots[0].stopped_at_ms = 1767225690500ull;
    bots[1].reason = (char *)"no SyncStatus for this task";
    struct report_context c = s_ctx("/tmp/x.jsonl");
    c.account = "123456789012";
    c.cost_low_usd = 0.5;
    c.cost_high_usd = 1.25;
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 2);
    cJSON *j = report_to_json(rep);
    assert_int_equal(cJSON_GetObjectItem(j, "report_version")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(j, "run_id")->valuestring, "run-1");
    assert_string_equal(cJSON_GetObjectItem(j, "region")->valuestring, "ap-northeast-1");
    assert_string_equal(cJSON_GetObjectItem(j, "account")->valuestring, "123456789012");
    assert_string_equal(cJSON_GetObjectItem(j, "journal")->valuestring, "/tmp/x.jsonl");
    assert_string_equal(cJSON_GetObjectItem(j, "generated_at")->valuestring, "2026-01-01T00:00:00Z");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "demo")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "all_succeeded")));
    assert_int_equal(cJSON_GetObjectItem(j, "total")->valueint, 2);
    cJSON *counts = cJSON_GetObjectItem(j, "counts");
    assert_int_equal(cJSON_GetObjectItem(counts, "succeeded")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(counts, "failed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(counts, "queued")->valueint, 0);
    cJSON *cost = cJSON_GetObjectItem(j, "estimated_cost_usd");
    assert_true(cJSON_GetObjectItem(cost, "high")->valuedouble == 1.25);
    cJSON *b0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "bots"), 0);
    /* The JSON keeps the title as stored; cJSON escapes the control characters. */
    assert_string_equal(cJSON_GetObjectItem(b0, "title")->valuestring, HOSTILE_TITLE);
    assert_true(cJSON_GetObjectItem(b0, "duration_seconds")->valuedouble == 90.5);
    assert_string_equal(cJSON_GetObjectItem(b0, "launched_at")->valuestring, "2026-01-01T00:00:00Z");
    char *text = cJSON_PrintUnformatted(j);
    assert_null(strchr(text, '\x1b'));
    cJSON_free(text);
    cJSON *b1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "bots"), 1);
    assert_string_equal(cJSON_GetObjectItem(b1, "reason")->valuestring, "no SyncStatus for this task");
    assert_null(cJSON_GetObjectItem(b1, "duration_seconds"));
    cJSON_Delete(j);
    report_free(rep);

    c.cost_low_usd = -1;
    rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    j = report_to_json(rep);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "estimated_cost_usd")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "all_succeeded")));
    cJSON_Delete(j);
    report_free(rep);
}

static void test_paths_beside_the_journal(void **state)
{
    (void)state;
    struct report_paths p;
    report_paths_for("/s/bcm/BedrockChatStack-ap-northeast-1.jsonl", &p);
    assert_string_equal(p.markdown, "/s/bcm/BedrockChatStack-ap-northeast-1.report.md");
    assert_string_equal(p.json, "/s/bcm/BedrockChatStack-ap-northeast-1.report.json");
    report_paths_free(&p);
    report_paths_for("/s/dir.d/journal", &p);
    assert_string_equal(p.markdown, "/s/dir.d/journal.report.md");
    report_paths_free(&p);
    report_paths_for(".hidden", &p);
    assert_string_equal(p.json, ".hidden.report.json");
    report_paths_free(&p);
}

struct tmpdir {
    char path[64];
};

static void s_mkdtemp(struct tmpdir *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/bcm-report-XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static void s_rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

static size_t s_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = xcalloc(1, 1 << 20);
    size_t n = fread(data, 1, (1 << 20) - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static void test_write_is_private_and_replaces(void **state)
{
    (void)state;
    struct tmpdir t;
    s_mkdtemp(&t);
    char *journal = xasprintf("%s/Stack-r.jsonl", t.path);
    struct report_paths expected;
    report_paths_for(journal, &expected);
    /* A world-readable report left by someone else must not stay world-readable. */
    FILE *old = fopen(expected.markdown, "w");
    fputs("old", old);
    fclose(old);
    chmod(expected.markdown, 0644);
    mode_t saved_umask = umask(0);

    struct run_bot bots[1] = {s_bot("a", "A", BOT_FAILED)};
    struct report_context c = s_ctx(journal);
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    struct report_paths got;
    char *error = NULL;
    assert_int_equal(report_write(rep, &got, &error), 0);
    umask(saved_umask);
    assert_null(error);
    assert_string_equal(got.markdown, expected.markdown);
    assert_string_equal(got.json, expected.json);
    struct stat st;
    assert_int_equal(stat(got.markdown, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(got.json, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *md = s_slurp(got.markdown);
    assert_null(strstr(md, "old"));
    assert_non_null(strstr(md, "# Bedrock Chat migration report"));
    free(md);
    char *js = s_slurp(got.json);
    cJSON *j = cJSON_Parse(js);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "run_id")->valuestring, "run-1");
    cJSON_Delete(j);
    free(js);
    /* Only the two reports: no temporary file left behind. */
    assert_int_equal(s_entries(t.path), 2);

    report_paths_free(&got);
    report_paths_free(&expected);
    report_free(rep);
    free(journal);
    s_rm_tree(t.path);
}

static void test_write_failure_names_the_file(void **state)
{
    (void)state;
    struct run_bot bots[1] = {s_bot("a", "A", BOT_SUCCEEDED)};
    struct report_context c = s_ctx("/nonexistent-bcm-dir/sub/j.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    char *error = NULL;
    struct report_paths got = {NULL, NULL};
    assert_int_equal(report_write(rep, &got, &error), -1);
    assert_non_null(error);
    assert_non_null(strstr(error, "/nonexistent-bcm-dir/sub/j.report.md"));
    assert_null(got.markdown);
    free(error);
    report_free(rep);

    c.journal_path = NULL;
    rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    error = NULL;
    assert_int_equal(report_write(rep, NULL, &error), -1);
    assert_non_null(error);
    free(error);
    report_free(rep);
}

static void test_from_journal(void **state)
{
    (void)state;
    struct tmpdir t;
    s_mkdtemp(&t);
    char *journal = xasprintf("%s/j.jsonl", t.path);
    FILE *f = fopen(journal, "w");
    assert_non_null(f);
    fputs("{\"type\":\"run\",\"version\":1,\"run_id\":\"R1\",\"started_by\":\"bcm-R1\",\"stack\":\"S\","
          "\"cluster\":\"c\",\"log_group\":\"g\",\"log_stream_prefix\":\"p\",\"container\":\"Container\",\"at_ms\":1}\n"
          "{\"type\":\"bot\",\"bot_id\":\"b1\",\"pk\":\"u\",\"sk\":\"u#BOT#b1\",\"title\":\"One\",\"at_ms\":2}\n"
          "{\"type\":\"bot\",\"bot_id\":\"b2\",\"pk\":\"u\",\"sk\":\"u#BOT#b2\",\"title\":\"Two\",\"at_ms\":2}\n"
          "{\"type\":\"intent\",\"bot_id\":\"b1\",\"attempt\":1,\"try\":0,\"client_token\":\"t\",\"at_ms\":10000}\n"
          "{\"type\":\"launched\",\"bot_id\":\"b1\",\"attempt\":1,\"task_arn\":\"arn:aws:ecs:r:1:task/c/abc\",\"at_ms\":10000}\n"
          "{\"type\":\"outcome\",\"bot_id\":\"b1\",\"attempt\":1,\"state\":\"failed\",\"reason\":\"exit 1\",\"at_ms\":70000}\n",
          f);
    fclose(f);
    struct journal_view v;
    char *error = NULL;
    assert_int_equal(journal_view_load(journal, &v, &error), 0);
    struct report_context c = s_ctx(journal);
    c.stack = NULL; /* taken from the journal */
    struct report *rep = report_from_journal(&c, &v);
    journal_view_free(&v);
    assert_string_equal(rep->run_id, "R1");
    assert_string_equal(rep->stack, "S");
    assert_int_equal(rep->nbots, 2);
    assert_int_equal(rep->counts[BOT_FAILED], 1);
    assert_int_equal(rep->counts[BOT_QUEUED], 1);
    assert_string_equal(rep->bots[0].task_id, "abc");
    assert_true(report_bot_duration_seconds(&rep->bots[0]) == 60.0);
    char *md = report_to_markdown(rep);
    assert_int_equal(s_count(md, "| `u` |"), 2);
    assert_non_null(strstr(md, "| 1m 00s |"));
    free(md);
    report_free(rep);
    free(journal);
    s_rm_tree(t.path);
}

/* A retried bot's earlier attempt keeps how long its task ran (what Fargate billed for it)
 * when the journal is read back, and the next attempt starts with no times of its own. */
static void test_journal_keeps_earlier_attempts_time(void **state)
{
    (void)state;
    struct tmpdir t;
    s_mkdtemp(&t);
    char *journal = xasprintf("%s/j.jsonl", t.path);
    FILE *f = fopen(journal, "w");
    assert_non_null(f);
    fputs("{\"type\":\"run\",\"version\":1,\"run_id\":\"R1\",\"started_by\":\"bcm-R1\",\"stack\":\"S\","
          "\"cluster\":\"c\",\"log_group\":\"g\",\"log_stream_prefix\":\"p\",\"container\":\"Container\",\"at_ms\":1}\n"
          "{\"type\":\"bot\",\"bot_id\":\"b1\",\"pk\":\"u\",\"sk\":\"u#BOT#b1\",\"title\":\"One\",\"at_ms\":2}\n"
          "{\"type\":\"intent\",\"bot_id\":\"b1\",\"attempt\":1,\"try\":0,\"client_token\":\"t\",\"at_ms\":10000}\n"
          "{\"type\":\"launched\",\"bot_id\":\"b1\",\"attempt\":1,\"task_arn\":\"arn:aws:ecs:r:1:task/c/abc\",\"at_ms\":10000}\n"
          "{\"type\":\"outcome\",\"bot_id\":\"b1\",\"attempt\":1,\"state\":\"failed\",\"reason\":\"ThrottlingException\","
          "\"task_started_at_ms\":20000,\"task_stopped_at_ms\":95000,\"pull_started_at_ms\":15000,"
          "\"pull_stopped_at_ms\":19000,\"times_from_ecs\":true,\"at_ms\":96000}\n"
          "{\"type\":\"retry\",\"bot_id\":\"b1\",\"automatic\":true,\"at_ms\":96000}\n"
          "{\"type\":\"intent\",\"bot_id\":\"b1\",\"attempt\":2,\"try\":0,\"client_token\":\"t2\",\"at_ms\":97000}\n"
          "{\"type\":\"launched\",\"bot_id\":\"b1\",\"attempt\":2,\"task_arn\":\"arn:aws:ecs:r:1:task/c/def\",\"at_ms\":97000}\n",
          f);
    fclose(f);
    struct journal_view v;
    char *error = NULL;
    assert_int_equal(journal_view_load(journal, &v, &error), 0);
    assert_int_equal(v.nbots, 1);
    const struct run_bot *b = &v.bots[0];
    assert_string_equal(b->task_id, "def");
    assert_non_null(b->earlier_tasks);
    assert_string_equal(b->earlier_tasks, "abc");
    /* From the image pull's start to the stop: 80 s. */
    assert_int_equal(b->nearlier_task_seconds, 1);
    assert_true(b->earlier_task_seconds[0] == 80.0);
    assert_int_equal(b->started_at_ms, 0);
    assert_int_equal(b->pull_started_at_ms, 0);
    assert_int_equal(b->stopped_at_ms, 0);
    /* A copy owns its own array. */
    struct run_bot copy;
    run_bot_copy(&copy, b);
    assert_ptr_not_equal(copy.earlier_task_seconds, b->earlier_task_seconds);
    assert_true(copy.earlier_task_seconds[0] == 80.0);
    run_bot_free(&copy);
    journal_view_free(&v);
    free(journal);
    s_rm_tree(t.path);
}

/* Bots left out on purpose (Knowledge Base bots) are listed with why, never counted among
 * the run's bots; their titles are as inert as the run's. */
static void test_not_run_bots_are_listed_with_why(void **state)
{
    (void)state;
    struct run_bot bots[1] = {s_bot("a", "A", BOT_SUCCEEDED)};
    struct report_context c = s_ctx("/tmp/x.jsonl");
    struct report *rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    struct run_not_run kb = {(char *)"kb-bot", (char *)"user-1", (char *)HOSTILE_TITLE,
                             (char *)"Bedrock Knowledge Base bot: no embedding task"};
    report_add_not_run(rep, &kb);
    assert_int_equal(rep->nbots, 1);
    assert_true(report_all_succeeded(rep));
    char *md = report_to_markdown(rep);
    const char *section = strstr(md, "## Not run");
    assert_non_null(section);
    assert_non_null(strstr(section, "| `kb-bot` |"));
    assert_non_null(strstr(section, "Bedrock Knowledge Base bot: no embedding task"));
    assert_null(strchr(md, '\x1b'));
    free(md);
    cJSON *j = report_to_json(rep);
    cJSON *nr = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "not_run"), 0);
    assert_string_equal(cJSON_GetObjectItem(nr, "bot_id")->valuestring, "kb-bot");
    assert_string_equal(cJSON_GetObjectItem(nr, "reason")->valuestring,
                        "Bedrock Knowledge Base bot: no embedding task");
    assert_int_equal(cJSON_GetObjectItem(j, "total")->valueint, 1);
    cJSON_Delete(j);
    report_free(rep);

    /* None: no section, an empty list. */
    rep = report_new(&c, "run-1", "bcm-run-1", bots, 1);
    md = report_to_markdown(rep);
    assert_null(strstr(md, "## Not run"));
    free(md);
    j = report_to_json(rep);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "not_run")), 0);
    cJSON_Delete(j);
    report_free(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_all_succeeded),
        cmocka_unit_test(test_markdown_renders_hostile_title_inert),
        cmocka_unit_test(test_markdown_cuts_wide_titles_by_columns),
        cmocka_unit_test(test_next_steps_follow_the_outcome),
        cmocka_unit_test(test_unfinished_bots_are_called_out),
        cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_paths_beside_the_journal),
        cmocka_unit_test(test_write_is_private_and_replaces),
        cmocka_unit_test(test_write_failure_names_the_file),
        cmocka_unit_test(test_from_journal),
        cmocka_unit_test(test_journal_keeps_earlier_attempts_time),
        cmocka_unit_test(test_not_run_bots_are_listed_with_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
