/* The copy session's contract with its views, without AWS: the change callback comes from
 * the loop (never inside a command), a journal holding an unfinished copy is refused with
 * --new-run or another snapshot, a stop before anything exists ends STOPPED with nothing
 * created, the outcome names and exit codes, and the state's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/session.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_session.h"
#include "engine/run/journal.h"
#include "util/ev_loop.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct harness {
    struct ev_loop *loop;
    struct aws_session session;
    char dir[64];
    char journal[128];
    int changes;
    enum copy_phase last_phase;
};

static void s_on_changed(void *ud, const struct copy_session_state *st)
{
    struct harness *h = ud;
    h->changes++;
    h->last_phase = st->phase;
}

static void s_init(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    h->loop = ev_loop_new();
    h->session.loop = h->loop;
    h->session.region = "ap-northeast-1";
    strcpy(h->dir, "/tmp/bcm-copy-session-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    snprintf(h->journal, sizeof h->journal, "%s/x.copy.jsonl", h->dir);
}

static void s_cleanup(struct harness *h)
{
    unlink(h->journal);
    rmdir(h->dir);
    ev_loop_free(h->loop);
}

/* A journal holding an unfinished copy of run abcd0123 from snapshot snap-a. */
static void s_write_unfinished(struct harness *h)
{
    char *error = NULL;
    struct journal *j = journal_open_append(h->journal, &error);
    assert_non_null(j);
    struct copy_view v;
    memset(&v, 0, sizeof(v));
    struct copy_header hd = {.run_id = "abcd0123", .stack = "S", .region = "ap-northeast-1",
                             .snapshot_id = "snap-a", .snapshot_arn = "arn:snap-a"};
    assert_int_equal(copy_journal_write(j, &v, copy_rec_header(&hd), &error), 0);
    assert_int_equal(copy_journal_write(j, &v, copy_rec_resource("intent", COPY_RES_SECRET,
                                                                 "bedrock-chat-migrate/copy-abcd0123", NULL),
                                        &error),
                     0);
    journal_close(j);
    copy_view_free(&v);
}

static void s_run_until_done(struct harness *h, struct copy_session *s)
{
    const struct copy_session_state *st = copy_session_state(s);
    for (int i = 0; i < 1000 && st->phase != COPY_PHASE_DONE; i++)
        ev_loop_run_once(h->loop, 100);
    /* the last notification too */
    for (int i = 0; i < 10; i++)
        ev_loop_run_once(h->loop, 0);
}

static struct copy_session *s_new(struct harness *h, bool new_run, const char *snapshot)
{
    struct copy_session_config cfg = {
        .session = &h->session, .journal_path = h->journal, .snapshot = snapshot,
        .new_run = new_run, .confirmed = true, .changed = s_on_changed, .ud = h,
    };
    return copy_session_new(&cfg);
}

static void test_refuses_new_run_over_unfinished(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    s_write_unfinished(&h);
    struct copy_session *s = s_new(&h, true, "snap-a");
    assert_non_null(s);
    copy_session_start(s);
    /* Nothing happens inside the command: the journal is read from the loop. */
    assert_int_equal(h.changes, 0);
    assert_null(copy_session_state(s)->run_id);
    s_run_until_done(&h, s);
    const struct copy_session_state *st = copy_session_state(s);
    assert_int_equal(st->phase, COPY_PHASE_DONE);
    assert_int_equal(st->outcome, COPY_OUTCOME_REFUSED);
    assert_int_equal(copy_outcome_exit_code(st->outcome), 2);
    assert_true(h.changes > 0);
    assert_int_equal(h.last_phase, COPY_PHASE_DONE);
    char *text = message_english(&st->error);
    assert_non_null(strstr(text, "abcd0123"));
    assert_non_null(strstr(text, "cleanup"));
    free(text);
    copy_session_free(s);
    s_cleanup(&h);
}

static void test_refuses_another_snapshot_on_resume(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    s_write_unfinished(&h);
    struct copy_session *s = s_new(&h, false, "snap-b");
    copy_session_start(s);
    s_run_until_done(&h, s);
    const struct copy_session_state *st = copy_session_state(s);
    assert_int_equal(st->outcome, COPY_OUTCOME_REFUSED);
    assert_true(st->resuming);
    assert_string_equal(st->run_id, "abcd0123");
    /* The journal's resources are in the state the views read. */
    assert_int_equal(st->resources[COPY_RES_SECRET].state, COPY_RES_INTENDED);
    assert_string_equal(st->resources[COPY_RES_SECRET].name, "bedrock-chat-migrate/copy-abcd0123");
    char *text = message_english(&st->error);
    assert_non_null(strstr(text, "snap-a"));
    assert_non_null(strstr(text, "snap-b"));
    free(text);
    copy_session_free(s);
    s_cleanup(&h);
}

static void test_stop_before_anything_exists(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    struct copy_session *s = s_new(&h, false, "snap-a");
    copy_session_start(s);
    copy_session_stop(s, true);
    assert_true(copy_session_state(s)->stopping);
    s_run_until_done(&h, s);
    const struct copy_session_state *st = copy_session_state(s);
    assert_int_equal(st->outcome, COPY_OUTCOME_STOPPED);
    assert_int_equal(copy_outcome_exit_code(st->outcome), 130);
    assert_int_equal(st->cleanup, COPY_CLEANUP_NOT_YET);
    assert_null(st->run_id);
    /* No journal was made: nothing was created. */
    assert_int_not_equal(access(h.journal, F_OK), 0);
    copy_session_free(s);
    s_cleanup(&h);
}

static void test_names_codes_and_json(void **state)
{
    (void)state;
    assert_null(copy_session_new(NULL));
    struct copy_session_config bad = {0};
    assert_null(copy_session_new(&bad));
    assert_string_equal(copy_phase_name(COPY_PHASE_CLEANUP_ASK), "cleanup_ask");
    assert_string_equal(copy_phase_name(COPY_PHASE_DONE), "done");
    assert_string_equal(copy_outcome_name(COPY_OUTCOME_BOTS_FAILED), "bots_failed");
    assert_string_equal(copy_cleanup_state_name(COPY_CLEANUP_KEPT), "kept");
    assert_string_equal(copy_bot_phase_name(COPY_BOT_COPYING), "copying");
    assert_int_equal(copy_outcome_exit_code(COPY_OUTCOME_COPIED), 0);
    assert_int_equal(copy_outcome_exit_code(COPY_OUTCOME_MISMATCH), 1);
    assert_int_equal(copy_outcome_exit_code(COPY_OUTCOME_NEEDS_CHOICE), 2);
    assert_int_equal(copy_outcome_exit_code(COPY_OUTCOME_FAILED), 3);

    struct copy_session_bot bots[2];
    memset(bots, 0, sizeof(bots));
    bots[0] = (struct copy_session_bot){.bot_id = "A", .way = COPY_WAY_COPY, .phase = COPY_BOT_COPYING,
                                        .rows_done = 50, .rows_total = 200, .bytes_done = 400000,
                                        .rows_per_s = 25, .bytes_per_s = 200000, .eta_s = 6,
                                        .verified_rows = -1};
    bots[1] = (struct copy_session_bot){.bot_id = "B", .way = COPY_WAY_REEMBED, .reason = "x",
                                        .rows_total = -1, .eta_s = -1, .verified_rows = -1};
    struct copy_session_state st;
    memset(&st, 0, sizeof(st));
    st.phase = COPY_PHASE_COPYING;
    st.bots = bots;
    st.nbots = 2;
    st.rows_total = 200;
    st.rows_done = 50;
    st.rate = (struct copy_session_rate){.rows = 50, .bytes = 400000, .seconds = 2,
                                         .rows_per_s = 25, .bytes_per_s = 200000, .eta_s = 6};
    cJSON *j = copy_session_state_to_json(&st);
    assert_string_equal(cJSON_GetObjectItem(j, "phase")->valuestring, "copying");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "run_id")));
    cJSON *rate = cJSON_GetObjectItem(j, "rate");
    assert_int_equal((int)cJSON_GetObjectItem(rate, "rows_per_s")->valuedouble, 25);
    assert_int_equal((int)cJSON_GetObjectItem(rate, "eta_s")->valuedouble, 6);
    cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "bots"), 1);
    assert_string_equal(cJSON_GetObjectItem(b, "way")->valuestring, "reembed");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(b, "eta_s")));
    assert_null(cJSON_GetObjectItem(j, "error"));
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_new_run_over_unfinished),
        cmocka_unit_test(test_refuses_another_snapshot_on_resume),
        cmocka_unit_test(test_stop_before_anything_exists),
        cmocka_unit_test(test_names_codes_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
