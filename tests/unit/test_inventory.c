/* The inventory against a stateful fake of DynamoDB and S3: index or table chosen from
 * DescribeTable, parallel segments and pagination (pages with no matches included),
 * aliases and conversations never counted, the tolerant bot model, S3 sizes with
 * pagination and missing files, and errors that say what failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum index_shape { INDEX_LSI_ALL, INDEX_GSI_INCLUDE_SOME, INDEX_NONE };

struct fake_db {
    cJSON *items;               /* the table */
    enum index_shape index;
    int scans;
    int scans_on_index;
    int max_segment_seen;
    int total_segments_seen;
    bool filter_ok;             /* every Scan carried contains(SK, "#BOT#") */
    bool projection_ok;         /* every Scan projected through placeholders */
    int s3_lists;
    int s3_page_size;
    const char *s3_error;       /* answer every listing with this S3 error code */
    bool describe_denied;
    cJSON *objects;             /* S3: [{"Key":…,"Size":…}] */
};

static cJSON *s_s(const char *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "S", v);
    return o;
}

static cJSON *s_n(const char *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "N", v);
    return o;
}

static cJSON *s_list(const char *const *v, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *l = cJSON_AddArrayToObject(o, "L");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(l, s_s(v[i]));
    return o;
}

static cJSON *s_item(const char *pk, const char *sk_kind, const char *id, bool last_used)
{
    cJSON *it = cJSON_CreateObject();
    char sk[200];
    snprintf(sk, sizeof sk, "%s#%s#%s", pk, sk_kind, id);
    cJSON_AddItemToObject(it, "PK", s_s(pk));
    cJSON_AddItemToObject(it, "SK", s_s(sk));
    if (last_used)
        cJSON_AddItemToObject(it, "LastBotUsed", s_n("1700000000000"));
    return it;
}

static void s_add_object(struct fake_db *db, const char *key, const char *size)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Key", key);
    cJSON_AddStringToObject(o, "Size", size);
    cJSON_AddItemToArray(db->objects, o);
}

/* 40 bots for u1..u4, an alias and 3 conversations per user, and a few odd bots. */
static void s_seed(struct fake_db *db)
{
    db->items = cJSON_CreateArray();
    db->objects = cJSON_CreateArray();
    db->s3_page_size = 2;
    db->filter_ok = db->projection_ok = true;
    for (int u = 1; u <= 4; u++) {
        char pk[16];
        snprintf(pk, sizeof pk, "u%d", u);
        for (int b = 0; b < 10; b++) {
            char id[32];
            snprintf(id, sizeof id, "B%d%02d", u, b);
            cJSON *it = s_item(pk, "BOT", id, true);
            char title[64];
            snprintf(title, sizeof title, "Bot %s", id);
            cJSON_AddItemToObject(it, "Title", s_s(title));
            cJSON_AddItemToObject(it, "SyncStatus", s_s("SUCCEEDED"));
            cJSON *k = cJSON_CreateObject();
            cJSON *km = cJSON_AddObjectToObject(k, "M");
            const char *urls[] = {"https://example.com/a"};
            const char *files[] = {"a.txt", "b c.pdf", "c.md"};
            cJSON_AddItemToObject(km, "source_urls", s_list(urls, b % 3 == 0 ? 1 : 0));
            cJSON_AddItemToObject(km, "sitemap_urls", s_list(NULL, 0));
            cJSON_AddItemToObject(km, "filenames", s_list(files, (size_t)(b % 4)));
            cJSON_AddItemToObject(it, "Knowledge", k);
            cJSON_AddItemToArray(db->items, it);
            for (int f = 0; f < b % 4; f++) {
                char key[128];
                snprintf(key, sizeof key, "%s/%s/documents/%s", pk, id, files[f]);
                if (!(u == 2 && b == 3 && f == 2)) /* u2's B203 lacks c.md */
                    s_add_object(db, key, f == 1 ? "2000000" : "1000");
            }
        }
        cJSON_AddItemToArray(db->items, s_item(pk, "BOT_ALIAS", "ALIAS1", true));
        for (int c = 0; c < 3; c++) {
            char id[16];
            snprintf(id, sizeof id, "C%d", c);
            cJSON_AddItemToArray(db->items, s_item(pk, "CONV", id, false));
        }
    }
    /* Another bot's document under a similar prefix must not count. */
    s_add_object(db, "u1/B1000/documents-old/a.txt", "999");
    s_add_object(db, "u1/B10001/documents/a.txt", "999");

    /* Oddly typed bot: title a number, knowledge lists with a number, filenames as S. */
    cJSON *odd = s_item("u9", "BOT", "ODD", true);
    cJSON_AddItemToObject(odd, "Title", s_n("42"));
    cJSON *k = cJSON_CreateObject();
    cJSON *km = cJSON_AddObjectToObject(k, "M");
    cJSON *urls = cJSON_CreateObject();
    cJSON *l = cJSON_AddArrayToObject(urls, "L");
    cJSON_AddItemToArray(l, s_s("https://ok.example/"));
    cJSON_AddItemToArray(l, s_n("7"));
    cJSON_AddItemToObject(km, "source_urls", urls);
    cJSON_AddItemToObject(km, "filenames", s_s("just-a-string.pdf"));
    cJSON *ss = cJSON_CreateObject();
    cJSON *ssl = cJSON_AddArrayToObject(ss, "SS");
    cJSON_AddItemToArray(ssl, cJSON_CreateString("https://sitemap.example/sitemap.xml"));
    cJSON_AddItemToObject(km, "sitemap_urls", ss);
    cJSON_AddItemToObject(odd, "Knowledge", k);
    cJSON *ep = cJSON_CreateObject();
    cJSON *epm = cJSON_AddObjectToObject(ep, "M");
    cJSON_AddItemToObject(epm, "chunk_size", s_n("abc"));
    cJSON_AddItemToObject(epm, "chunk_overlap", s_n("100"));
    cJSON_AddItemToObject(epm, "enable_partition_pdf", s_s("yes"));
    cJSON_AddItemToObject(odd, "EmbeddingParams", ep);
    cJSON_AddItemToObject(odd, "PublicBotId", s_s("PUB1"));
    cJSON_AddItemToArray(db->items, odd);

    /* A bot with nothing but keys (and LastBotUsed). */
    cJSON_AddItemToArray(db->items, s_item("u9", "BOT", "BARE", true));
}

static struct fake_routed_reply s_json(long status, cJSON *doc)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, NULL};
    char *text = cJSON_PrintUnformatted(doc);
    r.body_owned = xstrdup(text);
    cJSON_free(text);
    cJSON_Delete(doc);
    return r;
}

static struct fake_routed_reply s_xml(long status, char *body)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, body};
    return r;
}

static const char *s_query(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

static struct fake_routed_reply s_route_s3(struct fake_db *db, const struct http_request *req)
{
    db->s3_lists++;
    if (db->s3_error)
        return s_xml(403, xasprintf("<Error><Code>%s</Code><Message>denied</Message></Error>",
                                    db->s3_error));
    assert_string_equal(s_query(req, "list-type"), "2");
    const char *prefix = s_query(req, "prefix");
    assert_non_null(prefix);
    const char *token = s_query(req, "continuation-token");
    int start = token ? atoi(token) : 0;
    buf_t b = BUF_INIT;
    buf_puts(&b, "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    int seen = 0, emitted = 0;
    bool more = false;
    const cJSON *o;
    cJSON_ArrayForEach(o, db->objects) {
        const char *key = cJSON_GetObjectItem(o, "Key")->valuestring;
        if (strncmp(key, prefix, strlen(prefix)) != 0)
            continue;
        if (seen++ < start)
            continue;
        if (emitted == db->s3_page_size) {
            more = true;
            break;
        }
        buf_printf(&b, "<Contents><Key>%s</Key><Size>%s</Size></Contents>", key,
                   cJSON_GetObjectItem(o, "Size")->valuestring);
        emitted++;
    }
    buf_printf(&b, "<IsTruncated>%s</IsTruncated>", more ? "true" : "false");
    if (more)
        buf_printf(&b, "<NextContinuationToken>%d</NextContinuationToken>", start + emitted);
    buf_puts(&b, "</ListBucketResult>");
    return s_xml(200, buf_detach(&b));
}

static bool s_matches_segment(int i, int segment, int total)
{
    return total <= 1 || i % total == segment;
}

static struct fake_routed_reply s_route(void *ud, const struct http_request *req)
{
    struct fake_db *db = ud;
    if (s_query(req, "list-type") || strcmp(req->method, "GET") == 0)
        return s_route_s3(db, req);
    const char *target = http_request_header(req, "X-Amz-Target");
    const char *op = target ? strrchr(target, '.') + 1 : "";
    cJSON *body = cJSON_Parse(buf_cstr(&req->body));
    cJSON *out = cJSON_CreateObject();
    if (strcmp(op, "DescribeTable") == 0) {
        if (db->describe_denied) {
            cJSON_AddStringToObject(out, "__type", "com.amazonaws.dynamodb.v20120810#AccessDeniedException");
            cJSON_AddStringToObject(out, "message", "not authorized to perform dynamodb:DescribeTable");
            cJSON_Delete(body);
            return s_json(400, out);
        }
        cJSON *t = cJSON_AddObjectToObject(out, "Table");
        cJSON_AddStringToObject(t, "TableName", cJSON_GetObjectItem(body, "TableName")->valuestring);
        cJSON_AddNumberToObject(t, "ItemCount", cJSON_GetArraySize(db->items));
        cJSON_AddNumberToObject(t, "TableSizeBytes", 300e6); /* 5 segments */
        cJSON_AddItemToObject(t, "KeySchema", cJSON_Parse(
            "[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}]"));
        if (db->index == INDEX_LSI_ALL)
            cJSON_AddItemToObject(t, "LocalSecondaryIndexes", cJSON_Parse(
                "[{\"IndexName\":\"LastBotUsedIndex\",\"IndexSizeBytes\":1000,"
                "\"Projection\":{\"ProjectionType\":\"ALL\"}}]"));
        else if (db->index == INDEX_GSI_INCLUDE_SOME)
            cJSON_AddItemToObject(t, "GlobalSecondaryIndexes", cJSON_Parse(
                "[{\"IndexName\":\"LastBotUsedIndex\",\"IndexStatus\":\"ACTIVE\","
                "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"Title\"]}}]"));
        cJSON_Delete(body);
        return s_json(200, out);
    }
    assert_string_equal(op, "Scan");
    db->scans++;
    const cJSON *index = cJSON_GetObjectItem(body, "IndexName");
    if (index)
        db->scans_on_index++;
    /* The filter must be the bot filter, through the placeholder for SK. */
    const char *filter = cJSON_GetObjectItem(body, "FilterExpression")->valuestring;
    const cJSON *names = cJSON_GetObjectItem(body, "ExpressionAttributeNames");
    char ph[16] = "";
    sscanf(filter, "contains(%15[^,], :bot)", ph);
    const cJSON *sk_name = cJSON_GetObjectItem(names, ph);
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ExpressionAttributeValues"), ":bot"), "S");
    if (!cJSON_IsString(sk_name) || strcmp(sk_name->valuestring, "SK") != 0 || !cJSON_IsString(v) ||
        strcmp(v->valuestring, "#BOT#") != 0)
        db->filter_ok = false;
    const cJSON *proj = cJSON_GetObjectItem(body, "ProjectionExpression");
    if (!cJSON_IsString(proj) || strstr(proj->valuestring, "Title") || !strchr(proj->valuestring, '#'))
        db->projection_ok = false;
    if (strcmp(cJSON_GetObjectItem(body, "ReturnConsumedCapacity")->valuestring, "TOTAL") != 0)
        db->projection_ok = false;
    int segment = 0, total = 1;
    if (cJSON_GetObjectItem(body, "TotalSegments")) {
        segment = cJSON_GetObjectItem(body, "Segment")->valueint;
        total = cJSON_GetObjectItem(body, "TotalSegments")->valueint;
    }
    if (segment > db->max_segment_seen)
        db->max_segment_seen = segment;
    db->total_segments_seen = total;
    int limit = cJSON_GetObjectItem(body, "Limit") ? cJSON_GetObjectItem(body, "Limit")->valueint : 1000000;
    const cJSON *start = cJSON_GetObjectItem(body, "ExclusiveStartKey");
    int from = 0;
    if (start) /* our keys carry the position in a fake attribute */
        from = atoi(cJSON_GetObjectItem(cJSON_GetObjectItem(start, "POS"), "N")->valuestring);
    cJSON *items = cJSON_AddArrayToObject(out, "Items");
    int n = cJSON_GetArraySize(db->items), scanned = 0, i = from;
    for (; i < n && scanned < limit; i++) {
        const cJSON *it = cJSON_GetArrayItem(db->items, i);
        if (!s_matches_segment(i, segment, total))
            continue;
        if (index && !cJSON_GetObjectItem(it, "LastBotUsed"))
            continue; /* sparse index */
        scanned++;
        const char *sk = cJSON_GetObjectItem(cJSON_GetObjectItem(it, "SK"), "S")->valuestring;
        if (strstr(sk, "#BOT#"))
            cJSON_AddItemToArray(items, cJSON_Duplicate(it, true));
    }
    cJSON_AddNumberToObject(out, "Count", cJSON_GetArraySize(items));
    cJSON_AddNumberToObject(out, "ScannedCount", scanned);
    cJSON *cc = cJSON_AddObjectToObject(out, "ConsumedCapacity");
    cJSON_AddNumberToObject(cc, "CapacityUnits", 0.5);
    if (i < n) {
        cJSON *lek = cJSON_AddObjectToObject(out, "LastEvaluatedKey");
        char pos[16];
        snprintf(pos, sizeof pos, "%d", i);
        cJSON_AddItemToObject(lek, "POS", s_n(pos));
    }
    cJSON_Delete(body);
    return s_json(200, out);
}

struct harness {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_session session;
    struct fake_db db;
    struct deployment dep;
    bool done;
    struct inventory inv;
    char *error;
    int progress_calls;
};

static void s_progress(void *ud, uint64_t scanned, size_t found)
{
    struct harness *h = ud;
    (void)scanned;
    (void)found;
    h->progress_calls++;
}

static void s_done(void *ud, struct inventory *inv, const char *error)
{
    struct harness *h = ud;
    h->done = true;
    if (inv)
        inventory_move(&h->inv, inv);
    if (error)
        h->error = xstrdup(error);
}

static void s_init(struct harness *h)
{
    memset(h, 0, sizeof *h);
    h->loop = ev_loop_new();
    fake_http_init(&h->http, h->loop, NULL, 0);
    h->http.route = s_route;
    h->http.route_ud = &h->db;
    struct aws_credentials c = {.access_key_id = "AKID", .secret_access_key = "SECRET", .source = "test"};
    h->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {.loop = h->loop, .http = &h->http.base, .creds = h->creds,
                                    .region = "us-east-1", .max_attempts = 1};
    h->session.loop = h->loop;
    h->session.client = aws_client_new(&cfg);
    h->dep.outputs.table = (char *)"bedrock-chat-table";
    h->dep.outputs.document_bucket = (char *)"docs-bucket";
    s_seed(&h->db);
}

static void s_run(struct harness *h, const struct inventory_options *o)
{
    inventory_load(&h->session, &h->dep, o, s_progress, s_done, h);
    ev_loop_run_until(h->loop, &h->done);
}

static void s_free(struct harness *h)
{
    inventory_free(&h->inv);
    free(h->error);
    cJSON_Delete(h->db.items);
    cJSON_Delete(h->db.objects);
    aws_client_free(h->session.client);
    cred_provider_free(h->creds);
    fake_http_cleanup(&h->http);
    ev_loop_free(h->loop);
}

static const struct bot *s_find(const struct inventory *inv, const char *id)
{
    const struct bot *b = inventory_find(inv, id);
    if (!b)
        fail_msg("bot %s not found", id);
    return b;
}

static bool s_warned(const struct bot *b, const char *needle)
{
    for (size_t i = 0; i < b->n_warnings; i++)
        if (strstr(b->warnings[i], needle))
            return true;
    return false;
}

static void test_index_scan_paginated_and_sized(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    struct inventory_options o = {.page_limit = 3};
    s_run(&h, &o);
    assert_null(h.error);
    const struct inventory *inv = &h.inv;
    assert_int_equal(inv->nbots, 42);
    assert_true(inv->used_index);
    assert_string_equal(inv->scan_source, "index LastBotUsedIndex");
    /* Only bots and aliases are in the sparse index: conversations never read. */
    assert_int_equal(inv->items_scanned, 42 + 4);
    assert_int_equal(h.db.scans, h.db.scans_on_index);
    assert_int_equal(inv->scan_requests, (uint64_t)h.db.scans);
    assert_true(h.db.scans >= 16); /* 46 items at 3 a page */
    assert_float_equal(inv->read_units, 0.5 * h.db.scans, 1e-9);
    assert_true(h.db.filter_ok);
    assert_true(h.db.projection_ok);
    assert_int_equal(h.db.total_segments_seen, 1); /* a 1000-byte index: one segment */
    assert_true(h.progress_calls >= 16);

    /* Sorted by owner then id; no alias, no conversation. */
    for (size_t i = 1; i < inv->nbots; i++) {
        int c = strcmp(inv->bots[i - 1].pk, inv->bots[i].pk);
        assert_true(c < 0 || (c == 0 && strcmp(inv->bots[i - 1].bot_id, inv->bots[i].bot_id) < 0));
        assert_null(strstr(inv->bots[i].sk, "ALIAS"));
        assert_null(strstr(inv->bots[i].sk, "CONV"));
    }
    const struct bot *b = s_find(inv, "B103");
    assert_string_equal(b->title, "Bot B103");
    assert_string_equal(b->sk, "u1#BOT#B103");
    assert_int_equal(b->n_files, 3);
    assert_int_equal(b->document_bytes, 1000 + 2000000 + 1000);
    assert_int_equal(b->n_missing_files, 0);
    assert_false(b->files[1].missing);
    assert_int_equal(b->files[1].bytes, 2000000);
    assert_string_equal(b->sync_status, "SUCCEEDED");
    assert_int_equal(b->last_used_ms, 1700000000000);
    assert_int_equal(b->n_source_urls, 1);
    /* The one missing document is flagged. */
    b = s_find(inv, "B203");
    assert_int_equal(b->n_missing_files, 1);
    assert_true(b->files[2].missing);
    assert_string_equal(b->files[2].name, "c.md");
    assert_int_equal(b->document_bytes, 2001000);
    /* Bots with no files are not listed: 4 users × (3 bots with 1, 2, 3 files) ... */
    assert_true(inv->bucket_listed);
    assert_null(inv->bucket_error);
    assert_int_equal(inv->s3_requests, (uint64_t)h.db.s3_lists);
    const struct bot *e = s_find(inv, "B100");
    assert_int_equal(e->n_files, 0);
    assert_true(bot_has_knowledge(e)); /* a URL */
    assert_false(bot_has_knowledge(s_find(inv, "B101")) && s_find(inv, "B101")->n_files == 0);
    s_free(&h);
}

static void test_odd_attributes_warn_never_crash(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    s_run(&h, NULL);
    assert_null(h.error);
    const struct bot *b = s_find(&h.inv, "ODD");
    assert_string_equal(b->title, "");
    assert_true(s_warned(b, "Title is not a string"));
    assert_int_equal(b->n_source_urls, 1);
    assert_true(s_warned(b, "Knowledge.source_urls has 1 entry"));
    assert_int_equal(b->n_sitemap_urls, 1); /* a string set is accepted */
    assert_int_equal(b->n_files, 1); /* a lone string is read as one entry */
    assert_string_equal(b->files[0].name, "just-a-string.pdf");
    assert_true(b->files[0].missing);
    assert_true(s_warned(b, "Knowledge.filenames is a single string"));
    assert_int_equal(b->chunk_size, 0);
    assert_true(s_warned(b, "EmbeddingParams.chunk_size"));
    assert_int_equal(b->chunk_overlap, 100);
    assert_true(s_warned(b, "enable_partition_pdf"));
    assert_true(b->is_public);
    assert_false(b->is_published);
    const struct bot *bare = s_find(&h.inv, "BARE");
    assert_false(bot_has_knowledge(bare));
    assert_true(s_warned(bare, "Knowledge is missing"));
    assert_true(s_warned(bare, "Title is missing"));
    assert_null(bare->sync_status);
    s_free(&h);
}

static void test_table_scan_when_index_unusable_in_segments(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.db.index = INDEX_GSI_INCLUDE_SOME;
    s_run(&h, NULL);
    assert_null(h.error);
    assert_false(h.inv.used_index);
    assert_non_null(strstr(h.inv.scan_source, "table"));
    assert_non_null(strstr(h.inv.scan_source, "does not project"));
    assert_int_equal(h.db.scans_on_index, 0);
    /* 300 MB table: 5 segments of 64 MiB, all of them read. */
    assert_int_equal(h.db.total_segments_seen, 5);
    assert_int_equal(h.db.max_segment_seen, 4);
    assert_int_equal(h.inv.nbots, 42);
    /* The table scan reads conversations too. */
    assert_int_equal(h.inv.items_scanned, 42 + 4 + 12);
    s_free(&h);

    s_init(&h);
    h.db.index = INDEX_NONE;
    struct inventory_options o = {.segments = 3, .page_limit = 2};
    s_run(&h, &o);
    assert_int_equal(h.inv.nbots, 42);
    assert_non_null(strstr(h.inv.scan_source, "missing"));
    assert_int_equal(h.db.total_segments_seen, 3);
    s_free(&h);

    s_init(&h);
    struct inventory_options forced = {.force_table_scan = true, .skip_documents = true};
    s_run(&h, &forced);
    assert_false(h.inv.used_index);
    assert_non_null(strstr(h.inv.scan_source, "--scan-table"));
    assert_int_equal(h.db.s3_lists, 0);
    assert_int_equal(s_find(&h.inv, "B103")->document_bytes, 0);
    s_free(&h);
}

static void test_errors(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.db.describe_denied = true;
    s_run(&h, NULL);
    assert_non_null(h.error);
    assert_non_null(strstr(h.error, "DescribeTable"));
    assert_non_null(strstr(h.error, "bedrock-chat-table"));
    assert_non_null(strstr(h.error, "AccessDenied"));
    assert_int_equal(h.inv.nbots, 0);
    s_free(&h);

    /* S3 refusing: the inventory still arrives, with the reason. */
    s_init(&h);
    h.db.s3_error = "AccessDenied";
    s_run(&h, NULL);
    assert_null(h.error);
    assert_int_equal(h.inv.nbots, 42);
    assert_false(h.inv.bucket_listed);
    assert_non_null(strstr(h.inv.bucket_error, "AccessDenied"));
    assert_non_null(strstr(h.inv.bucket_error, "s3://docs-bucket/"));
    assert_true(h.db.s3_lists <= 8); /* stopped after the first failures */
    s_free(&h);

    /* No table known: an error, no call. */
    s_init(&h);
    h.dep.outputs.table = NULL;
    s_run(&h, NULL);
    assert_non_null(strstr(h.error, "no DynamoDB table"));
    assert_int_equal(h.db.scans, 0);
    s_free(&h);

    /* No bucket known: sizes unknown, said so. */
    s_init(&h);
    h.dep.outputs.document_bucket = NULL;
    s_run(&h, NULL);
    assert_null(h.error);
    assert_non_null(strstr(h.inv.bucket_error, "no document bucket"));
    s_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_scan_paginated_and_sized),
        cmocka_unit_test(test_odd_attributes_warn_never_crash),
        cmocka_unit_test(test_table_scan_when_index_unusable_in_segments),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
