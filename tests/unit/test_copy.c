/* The copy engine's pure parts: the journal's records folded into a view (what a resumed
 * copy believes exists), deterministic resource names, the preview's way per bot, ULID
 * times, snapshot matching, RDS times and the type-name check guarding the INSERT's CAST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"
#include "engine/copy/row_copy.h"
#include "engine/copy/snapshots.h"
#include "engine/copy/temp_cluster.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "engine/run/journal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void s_apply(struct copy_view *v, cJSON *rec)
{
    copy_view_apply(v, rec);
    cJSON_Delete(rec);
}

static void test_journal_fold(void **state)
{
    (void)state;
    struct copy_view v;
    memset(&v, 0, sizeof(v));
    /* Records before a header belong to no copy. */
    s_apply(&v, copy_rec_step("password"));
    assert_false(v.password_set);
    struct copy_header h = {.run_id = "1a2b3c4d", .stack = "BedrockChatStack", .region = "ap-northeast-1",
                            .snapshot_id = "snap", .snapshot_created_ms = 1234};
    s_apply(&v, copy_rec_header(&h));
    assert_string_equal(v.run_id, "1a2b3c4d");
    assert_int_equal(v.snapshot_created_ms, 1234);
    s_apply(&v, copy_rec_resource("intent", COPY_RES_CLUSTER, "bcm-copy-1a2b3c4d", NULL));
    assert_int_equal(v.res[COPY_RES_CLUSTER].state, COPY_RES_INTENDED);
    s_apply(&v, copy_rec_resource("created", COPY_RES_CLUSTER, "bcm-copy-1a2b3c4d", "arn:c"));
    assert_int_equal(v.res[COPY_RES_CLUSTER].state, COPY_RES_CREATED);
    assert_string_equal(v.res[COPY_RES_CLUSTER].id, "arn:c");
    /* A late "intent" (a retried create) never demotes a created resource. */
    s_apply(&v, copy_rec_resource("intent", COPY_RES_CLUSTER, "bcm-copy-1a2b3c4d", NULL));
    assert_int_equal(v.res[COPY_RES_CLUSTER].state, COPY_RES_CREATED);
    s_apply(&v, copy_rec_step("password"));
    s_apply(&v, copy_rec_step("data_api"));
    assert_true(v.password_set && v.data_api_enabled);

    s_apply(&v, copy_rec_bot("bot", "B1", "copy", "rows in the snapshot", 10));
    s_apply(&v, copy_rec_bot("bot", "B2", "reembed", "created after the snapshot", -1));
    s_apply(&v, copy_rec_bot("bot_intent", "B1", NULL, NULL, 10));
    s_apply(&v, copy_rec_bot_tx("B1", "tx-1"));
    struct copy_bot_entry *b1 = copy_view_bot(&v, "B1");
    assert_non_null(b1);
    assert_int_equal(b1->state, COPY_BOT_STARTED);
    assert_string_equal(b1->tx_id, "tx-1");
    s_apply(&v, copy_rec_bot("bot_done", "B1", NULL, NULL, 10));
    b1 = copy_view_bot(&v, "B1");
    assert_int_equal(b1->state, COPY_BOT_COPIED);
    assert_null(b1->tx_id);
    /* Records of an unknown bot and unknown types are ignored. */
    s_apply(&v, copy_rec_bot("bot_done", "nobody", NULL, NULL, 1));
    assert_null(copy_view_bot(&v, "nobody"));
    s_apply(&v, copy_rec_resource("deleting", COPY_RES_CLUSTER, NULL, NULL));
    s_apply(&v, copy_rec_resource("deleted", COPY_RES_CLUSTER, NULL, NULL));
    assert_int_equal(v.res[COPY_RES_CLUSTER].state, COPY_RES_DELETED);
    assert_string_equal(v.res[COPY_RES_CLUSTER].name, "bcm-copy-1a2b3c4d");
    s_apply(&v, copy_rec_finished("copied"));
    assert_string_equal(v.finished, "copied");
    /* A new header starts a new copy. */
    h.run_id = "99999999";
    s_apply(&v, copy_rec_header(&h));
    assert_null(v.finished);
    assert_int_equal(v.nbots, 0);
    assert_int_equal(v.res[COPY_RES_CLUSTER].state, COPY_RES_NONE);
    copy_view_free(&v);
}

static void test_journal_file_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/bcm-copy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char run[128];
    snprintf(run, sizeof run, "%s/Stack-region.jsonl", dir);
    char *path = copy_journal_path_for(run);
    char expect[160];
    snprintf(expect, sizeof expect, "%s/Stack-region.copy.jsonl", dir);
    assert_string_equal(path, expect);
    char *error = NULL;
    struct journal *j = journal_open_append(path, &error);
    assert_non_null(j);
    struct copy_view v;
    memset(&v, 0, sizeof(v));
    struct copy_header h = {.run_id = "0badcafe", .snapshot_id = "s"};
    assert_int_equal(copy_journal_write(j, &v, copy_rec_header(&h), &error), 0);
    assert_int_equal(copy_journal_write(j, &v, copy_rec_resource("intent", COPY_RES_SECRET, "n", NULL), &error), 0);
    journal_close(j);
    /* A torn last line (a writer killed mid-record) is skipped on reading. */
    FILE *f = fopen(path, "a");
    fputs("{\"type\":\"created\",\"resource\":\"secr", f);
    fclose(f);
    struct copy_view back;
    assert_int_equal(copy_view_load(path, &back, &error), 0);
    assert_string_equal(back.run_id, "0badcafe");
    assert_int_equal(back.res[COPY_RES_SECRET].state, COPY_RES_INTENDED);
    assert_int_equal(back.skipped_lines, 1);
    /* Nothing secret-shaped was written. */
    f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_null(strstr(buf, "password"));
    copy_view_free(&back);
    copy_view_free(&v);
    unlink(path);
    rmdir(dir);
    free(path);
}

static void test_resource_names(void **state)
{
    (void)state;
    char *c = copy_resource_name_for(COPY_RES_CLUSTER, "1a2b3c4d");
    char *i = copy_resource_name_for(COPY_RES_INSTANCE, "1a2b3c4d");
    char *s = copy_resource_name_for(COPY_RES_SECRET, "1a2b3c4d");
    assert_string_equal(c, "bcm-copy-1a2b3c4d");
    assert_string_equal(i, "bcm-copy-1a2b3c4d-1");
    assert_string_equal(s, "bedrock-chat-migrate/copy-1a2b3c4d");
    free(c);
    free(i);
    free(s);
    assert_string_equal(copy_resource_name(COPY_RES_SECURITY_GROUP), "security_group");
}

static void test_password(void **state)
{
    (void)state;
    char *a = temp_cluster_new_password();
    char *b = temp_cluster_new_password();
    assert_non_null(a);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    for (const char *p = a; *p; p++)
        assert_null(strchr("/@\" ", *p));
    free(a);
    free(b);
}

static void test_ulid_time(void **state)
{
    (void)state;
    assert_int_equal(copy_ulid_time_ms("01ARZ3NDEKTSV4RRFFQ69G5FAV"), 1469922850259LL);
    assert_int_equal(copy_ulid_time_ms("01arz3ndektsv4rrffq69g5fav"), 1469922850259LL);
    assert_int_equal(copy_ulid_time_ms("short"), -1);
    assert_int_equal(copy_ulid_time_ms("01ARZ3NDEKTSV4RRFFQ69G5FAU!"), -1);
    assert_int_equal(copy_ulid_time_ms("01ARZ3NDEKTSV4RRFFQ69G5FIL"), -1); /* I and L are not Crockford */
}

static void test_snapshot_matching(void **state)
{
    (void)state;
    assert_true(copy_snapshot_matches_stack("BedrockChatStack", "other", "BedrockChatStack"));
    assert_true(copy_snapshot_matches_stack("BedrockChatStack",
                                            "bedrockchatstack-vectorstorecluster0a1b-xyz", NULL));
    assert_false(copy_snapshot_matches_stack("BedrockChatStack", "bedrockchatstackx-vs", NULL));
    assert_false(copy_snapshot_matches_stack("BedrockChatStack", "bedrockchatstack", NULL));
    assert_false(copy_snapshot_matches_stack("BedrockChatStack", "otherstack-x", "OtherStack"));
    assert_true(copy_snapshot_matches_stack(NULL, "bedrockchatstack-a", NULL));
}

static void test_rds_time(void **state)
{
    (void)state;
    assert_int_equal(copy_parse_rds_time("2024-05-29T10:11:12.345Z"), 1716977472345LL);
    assert_int_equal(copy_parse_rds_time("2024-05-29T10:11:12Z"), 1716977472000LL);
    assert_int_equal(copy_parse_rds_time("2024-05-29 10:11:12.5+00:00"), 1716977472500LL);
    assert_int_equal(copy_parse_rds_time("yesterday"), 0);
    assert_int_equal(copy_parse_rds_time(NULL), 0);
}

static void test_type_name(void **state)
{
    (void)state;
    assert_true(row_copy_type_name_ok("vector(1024)"));
    assert_true(row_copy_type_name_ok("double precision[]"));
    assert_false(row_copy_type_name_ok("vector); DROP TABLE items; --"));
    assert_false(row_copy_type_name_ok(""));
    assert_false(row_copy_type_name_ok(NULL));
}

/* ---- the preview's way per bot ---- */

static struct bot s_bot(const char *id, const char *status, bool knowledge)
{
    struct bot b;
    memset(&b, 0, sizeof(b));
    b.bot_id = (char *)id;
    b.sync_status = (char *)status;
    static char *urls[] = {"https://example.com/a"};
    if (knowledge) {
        b.source_urls = urls;
        b.n_source_urls = 1;
    }
    return b;
}

static void test_preview_ways(void **state)
{
    (void)state;
    /* ULID times: 01HF... is Nov 2023, 01M9... is later than the snapshot below. */
    struct bot bots[6] = {
        s_bot("01HF7ZTDBTYZXZXY71TJSNQMM4", "SUCCEEDED", true),  /* copy */
        s_bot("01HF826AXKJ736ZNBPAW9RWZ2E", "FAILED", true),     /* not succeeded */
        s_bot("01M94GACPXEFK9FC3WT0TKEPK0", "SUCCEEDED", true),  /* created after */
        s_bot("01HF8ED52AA9RVARD5SB1XZ3VF", "SUCCEEDED", true),  /* no rows */
        s_bot("01HF8XQZVCK0S5VECH9RC22ATB", "SUCCEEDED", true),  /* migrated */
        s_bot("01HF9EB00306XNRADASGV6RSH6", NULL, false),        /* not selected */
    };
    struct plan_item items[6];
    memset(items, 0, sizeof(items));
    for (int i = 0; i < 6; i++) {
        items[i].bot = &bots[i];
        items[i].selected = i != 5;
        items[i].why_not = i == 5 ? PLAN_WHY_EMPTY : NULL;
        items[i].est.text_bytes_lo = 8000;
        items[i].est.text_bytes_hi = 16000;
        items[i].est.usd_lo = 0.01;
        items[i].est.usd_hi = 0.02;
    }
    struct plan p;
    memset(&p, 0, sizeof(p));
    p.items = items;
    p.nitems = 6;
    p.totals.usd_lo = 0.05;
    p.totals.usd_hi = 0.1;
    struct copy_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    snap.id = "s";
    snap.created_ms = 1760000000000LL; /* Oct 2025 */
    snap.allocated_gb = 2;
    struct copy_row_count in_snap[] = {{"01HF7ZTDBTYZXZXY71TJSNQMM4", 37}, {"01HF8XQZVCK0S5VECH9RC22ATB", 5}};
    struct copy_row_count in_new[] = {{"01HF8XQZVCK0S5VECH9RC22ATB", 4}};
    struct copy_preview_options o = {.region = "ap-northeast-1", .snapshot_rows = in_snap, .n_snapshot_rows = 2,
                                     .new_rows = in_new, .n_new_rows = 1};
    struct copy_preview pv;
    copy_preview_build(&p, &snap, &o, &pv);
    assert_int_equal(pv.bots[0].way, COPY_WAY_COPY);
    assert_int_equal(pv.bots[0].rows_lo, 37);
    assert_int_equal(pv.bots[1].way, COPY_WAY_REEMBED);
    assert_string_equal(pv.bots[1].reason, COPY_WHY_NOT_SUCCEEDED);
    assert_int_equal(pv.bots[2].way, COPY_WAY_REEMBED);
    assert_string_equal(pv.bots[2].reason, COPY_WHY_CREATED_AFTER);
    assert_int_equal(pv.bots[3].way, COPY_WAY_REEMBED);
    assert_string_equal(pv.bots[3].reason, COPY_WHY_NO_ROWS);
    assert_int_equal(pv.bots[4].way, COPY_WAY_SKIP);
    assert_string_equal(pv.bots[4].reason, COPY_WHY_MIGRATED);
    assert_int_equal(pv.bots[5].way, COPY_WAY_SKIP);
    assert_string_equal(pv.bots[5].reason, PLAN_WHY_EMPTY);
    assert_int_equal(pv.ncopy, 1);
    assert_int_equal(pv.nreembed, 3);
    assert_int_equal(pv.nskip, 2);
    assert_int_equal(pv.rows_lo, 37);
    assert_true(pv.prices.region_exact);
    assert_true(pv.usd_lo > 0 && pv.usd_hi > pv.usd_lo);
    assert_true(pv.acu_hours_hi > pv.acu_hours_lo);
    assert_true(pv.reembed_rest_usd_lo > 0.029 && pv.reembed_rest_usd_lo < 0.031);
    cJSON *j = copy_preview_to_json(&pv);
    assert_non_null(cJSON_GetObjectItem(j, "copy"));
    cJSON_Delete(j);
    copy_preview_free(&pv);

    /* Before the snapshot is counted, every eligible bot is priced as a copy from its text. */
    struct copy_preview_options early = {.region = "mars-north-1"};
    copy_preview_build(&p, &snap, &early, &pv);
    assert_int_equal(pv.bots[3].way, COPY_WAY_COPY);
    assert_int_equal(pv.bots[3].rows_lo, 10); /* 8000 bytes / (1000 - 200) */
    assert_false(pv.prices.region_exact);
    copy_preview_free(&pv);

    /* Partly known (a finished copy of the same snapshot): a bot it found empty is
     * re-embedded, one it did not see is still priced as a copy. */
    struct copy_row_count known[] = {{"01HF8ED52AA9RVARD5SB1XZ3VF", 0}};
    struct copy_preview_options partial = {.region = "ap-northeast-1", .snapshot_rows = known,
                                           .n_snapshot_rows = 1, .snapshot_rows_partial = true};
    copy_preview_build(&p, &snap, &partial, &pv);
    assert_int_equal(pv.bots[3].way, COPY_WAY_REEMBED);
    assert_string_equal(pv.bots[3].reason, COPY_WHY_NO_ROWS);
    assert_int_equal(pv.bots[0].way, COPY_WAY_COPY);
    assert_int_equal(pv.bots[4].way, COPY_WAY_COPY);
    assert_int_equal(pv.ncopy, 2);
    copy_preview_free(&pv);

    /* --prices and a measured rate replace the built-in price and the assumed rate. */
    struct price_table prices;
    price_table_builtin("ap-northeast-1", "X86_64", &prices);
    char *error = NULL;
    const char *doc = "{\"aurora_acu_hour\":1.5,\"aurora_storage_gb_month\":0.5}";
    assert_int_equal(price_table_apply_json(&prices, doc, strlen(doc), "p.json", &error), 0);
    struct copy_preview base;
    copy_preview_build(&p, &snap, &o, &base);
    assert_false(base.rate_measured);
    struct copy_preview_options priced = o;
    priced.prices = &prices;
    priced.measured_rows_per_s = 2.0; /* slow: the copy's own time shows in the hours */
    priced.measured_bytes_per_s = 16000;
    priced.measured_from = "the finished copy run 1a2b3c4d";
    copy_preview_build(&p, &snap, &priced, &pv);
    assert_true(pv.prices.acu_from_file);
    assert_true(pv.prices.storage_from_file);
    assert_float_equal(pv.prices.acu_hour, 1.5, 1e-9);
    assert_true(pv.rate_measured);
    assert_float_equal(pv.rows_per_s_lo, 2.0, 1e-9);
    assert_float_equal(pv.rows_per_s_hi, 2.0 * 4, 1e-9);
    /* 37 rows at 2 rows/s, one bot at a time: 18.5 s more than the restore's hours */
    assert_float_equal(pv.hours_hi - base.hours_hi, 37 / 2.0 / 3600 - 37 / 20.0 / 3600, 1e-6);
    assert_true(pv.usd_hi > base.usd_hi);
    bool said = false;
    for (size_t i = 0; i < pv.nassumptions; i++)
        if (strstr(pv.assumptions[i], "measured 2 per second") &&
            strstr(pv.assumptions[i], "1a2b3c4d"))
            said = true;
    assert_true(said);
    cJSON *pj = copy_preview_to_json(&pv);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(pj, "rate"), "measured")));
    cJSON_Delete(pj);
    copy_preview_free(&pv);
    copy_preview_free(&base);
    price_table_free(&prices);
}

/* The rate a journal measured: rows per second of one bot's copy, from its intent and
 * done times. */
static void test_journal_measured_rate(void **state)
{
    (void)state;
    struct copy_view v;
    memset(&v, 0, sizeof(v));
    struct copy_header h = {.run_id = "1a2b3c4d", .snapshot_id = "s"};
    s_apply(&v, copy_rec_header(&h));
    double rps = 0, bps = 0;
    int64_t rows = 0;
    assert_false(copy_view_measured_rate(&v, &rps, &bps, &rows));
    const char *ids[2] = {"01HF7ZTDBTYZXZXY71TJSNQMM4", "01HF826AXKJ736ZNBPAW9RWZ2E"};
    for (int i = 0; i < 2; i++) {
        s_apply(&v, copy_rec_bot("bot", ids[i], "copy", COPY_WHY_COPY, 100));
        cJSON *intent = copy_rec_bot("bot_intent", ids[i], NULL, NULL, 100);
        cJSON_AddNumberToObject(intent, "at_ms", 1000000);
        s_apply(&v, intent);
        cJSON *done = copy_rec_bot("bot_done", ids[i], NULL, NULL, 100);
        cJSON_AddNumberToObject(done, "at_ms", 1000000 + (i == 0 ? 2000 : 8000));
        if (i == 0)
            cJSON_AddNumberToObject(done, "bytes", 400000);
        s_apply(&v, done);
    }
    assert_true(copy_view_measured_rate(&v, &rps, &bps, &rows));
    assert_int_equal(rows, 200);
    assert_float_equal(rps, 200.0 / 10.0, 1e-9);    /* 200 rows over 2 + 8 s of bot time */
    assert_float_equal(bps, 400000.0 / 2.0, 1e-9);  /* bytes only where the journal has them */
    copy_view_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_fold),
        cmocka_unit_test(test_journal_file_round_trip),
        cmocka_unit_test(test_resource_names),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_ulid_time),
        cmocka_unit_test(test_snapshot_matching),
        cmocka_unit_test(test_rds_time),
        cmocka_unit_test(test_type_name),
        cmocka_unit_test(test_preview_ways),
        cmocka_unit_test(test_journal_measured_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
