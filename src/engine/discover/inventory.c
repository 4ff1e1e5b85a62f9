/* The bot inventory: DescribeTable, a parallel paginated Scan of the sparse
 * LastBotUsedIndex (or the table), a tolerant bot model, and the S3 listing per bot. */
#include "engine/discover/inventory.h"

#include "aws/client.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOT_INDEX_NAME "LastBotUsedIndex"
#define BOT_MARKER "#BOT#"
/* One segment per this many bytes read, at most MAX_SEGMENTS: small tables are read by
 * one request chain, large ones in parallel without flooding the table. */
#define BYTES_PER_SEGMENT (64ull * 1024 * 1024)
#define MAX_SEGMENTS 16
/* S3 listings in flight at once. */
#define S3_IN_FLIGHT 8

/* The attributes read: the projection, and what an index must carry to be used. Keys
 * (PK, SK) are always projected. Each gets a placeholder name so reserved words never
 * matter. */
static const char *const s_attrs[] = {
    "PK", "SK", "Title", "Description", "Knowledge", "EmbeddingParams", "SyncStatus",
    "SyncStatusReason", "LastExecId", "PublicBotId", "ApiPublishmentStackName", "LastBotUsed",
    "BedrockKnowledgeBase",
};
#define NATTRS (sizeof s_attrs / sizeof *s_attrs)

struct s3_object {
    char *name;
    uint64_t bytes;
};

struct s3_listing {
    struct inv_load *load;
    size_t bot;
    char *prefix;
    char *token;               /* continuation token, NULL for the first page */
    struct s3_object *objects; /* under the prefix; names relative to it */
    size_t n;
};

struct inv_load {
    struct aws_client *client;
    char *table;
    char *bucket;
    struct inventory_options opts;
    inventory_progress_fn progress;
    inventory_done_fn done;
    void *ud;

    struct inventory inv;
    size_t cap;
    char *index_name;          /* NULL: scan the table */
    int segments;
    int pending;               /* requests in flight */
    char *error;

    size_t next_bot;           /* next bot to list in S3 */
    bool s3_stopped;
};

struct segment_call {
    struct inv_load *load;
    int segment;
};

/* ---- bots ---- */

static void s_warn(struct bot *b, char *text)
{
    b->warnings = xrealloc(b->warnings, (b->n_warnings + 1) * sizeof *b->warnings);
    b->warnings[b->n_warnings++] = text;
}

void bot_free(struct bot *b)
{
    if (!b)
        return;
    free(b->pk);
    free(b->sk);
    free(b->bot_id);
    free(b->title);
    free(b->description);
    for (size_t i = 0; i < b->n_source_urls; i++)
        free(b->source_urls[i]);
    free(b->source_urls);
    for (size_t i = 0; i < b->n_sitemap_urls; i++)
        free(b->sitemap_urls[i]);
    free(b->sitemap_urls);
    for (size_t i = 0; i < b->n_files; i++)
        free(b->files[i].name);
    free(b->files);
    free(b->sync_status);
    free(b->sync_status_reason);
    free(b->last_exec_id);
    for (size_t i = 0; i < b->n_warnings; i++)
        free(b->warnings[i]);
    free(b->warnings);
    memset(b, 0, sizeof *b);
}

void inventory_free(struct inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->nbots; i++)
        bot_free(&inv->bots[i]);
    free(inv->bots);
    free(inv->scan_source);
    free(inv->bucket_error);
    memset(inv, 0, sizeof *inv);
}

void inventory_move(struct inventory *dst, struct inventory *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static int s_cmp_bot(const void *a, const void *b)
{
    const struct bot *x = a, *y = b;
    int c = strcmp(x->pk ? x->pk : "", y->pk ? y->pk : "");
    return c ? c : strcmp(x->bot_id ? x->bot_id : "", y->bot_id ? y->bot_id : "");
}

const struct bot *inventory_find(const struct inventory *inv, const char *bot_id)
{
    if (!inv || !bot_id)
        return NULL;
    for (size_t i = 0; i < inv->nbots; i++)
        if (inv->bots[i].bot_id && strcmp(inv->bots[i].bot_id, bot_id) == 0)
            return &inv->bots[i];
    return NULL;
}

/* The string of an attribute value {"S": "…"}, or NULL. */
static const char *s_attr_string(const cJSON *av)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(av, "S");
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

static bool s_attr_is_null(const cJSON *av)
{
    return !av || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(av, "NULL"));
}

/* A string attribute copied into *slot; odd types become a warning. */
static void s_read_string(struct bot *b, const cJSON *item, const char *name, char **slot,
                          bool required)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name);
    if (s_attr_is_null(av)) {
        if (required)
            s_warn(b, xasprintf("%s is missing", name));
        return;
    }
    const char *s = s_attr_string(av);
    if (!s) {
        s_warn(b, xasprintf("%s is not a string; ignored", name));
        return;
    }
    *slot = xstrdup(s);
}

/* An N attribute as a number within [lo, hi]; false when absent or odd (warned). */
static bool s_read_number(struct bot *b, const cJSON *map, const char *name, const char *where,
                          double lo, double hi, double *out)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(map, name);
    if (s_attr_is_null(av))
        return false;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(av, "N");
    const char *text = cJSON_IsString(n) ? n->valuestring : NULL;
    char *end = NULL;
    errno = 0;
    double v = text ? strtod(text, &end) : NAN;
    if (!text || end == text || *end || errno || !isfinite(v) || v < lo || v > hi) {
        s_warn(b, xasprintf("%s%s is not a number in range; ignored", where, name));
        return false;
    }
    *out = v;
    return true;
}

static void s_read_string_list(struct bot *b, const cJSON *knowledge, const char *name,
                               char ***out, size_t *n)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(knowledge, name);
    if (s_attr_is_null(av))
        return;
    const char *lone = s_attr_string(av);
    if (lone) {
        /* Hand-edited items hold a lone name as a plain string: keep it, say so. */
        s_warn(b, xasprintf("Knowledge.%s is a single string, not a list; read as one entry",
                            name));
        if (*lone) {
            *out = xrealloc(*out, (*n + 1) * sizeof **out);
            (*out)[(*n)++] = xstrdup(lone);
        }
        return;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(av, "L");
    bool string_set = false;
    if (!cJSON_IsArray(list)) {
        list = cJSON_GetObjectItemCaseSensitive(av, "SS");
        string_set = true;
    }
    if (!cJSON_IsArray(list)) {
        s_warn(b, xasprintf("Knowledge.%s is not a list; ignored", name));
        return;
    }
    size_t odd = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, list) {
        const char *s = string_set ? (cJSON_IsString(el) ? el->valuestring : NULL)
                                   : s_attr_string(el);
        if (!s || !*s) {
            odd++;
            continue;
        }
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = xstrdup(s);
    }
    if (odd)
        s_warn(b, xasprintf("Knowledge.%s has %zu entr%s that %s not a non-empty string; "
                            "skipped", name, odd, odd == 1 ? "y" : "ies",
                            odd == 1 ? "is" : "are"));
}

static void s_parse_bot(const cJSON *item, struct bot *b)
{
    memset(b, 0, sizeof *b);
    b->pk = xstrdup(s_attr_string(cJSON_GetObjectItemCaseSensitive(item, "PK")));
    b->sk = xstrdup(s_attr_string(cJSON_GetObjectItemCaseSensitive(item, "SK")));
    const char *mark = strstr(b->sk, BOT_MARKER);
    b->bot_id = xstrdup(mark ? mark + strlen(BOT_MARKER) : "");
    if (!*b->bot_id)
        s_warn(b, xstrdup("the sort key has no bot id after #BOT#"));

    s_read_string(b, item, "Title", &b->title, true);
    if (!b->title)
        b->title = xstrdup("");
    s_read_string(b, item, "Description", &b->description, false);
    s_read_string(b, item, "SyncStatus", &b->sync_status, false);
    s_read_string(b, item, "SyncStatusReason", &b->sync_status_reason, false);
    s_read_string(b, item, "LastExecId", &b->last_exec_id, false);
    char *public_id = NULL, *stack = NULL;
    s_read_string(b, item, "PublicBotId", &public_id, false);
    s_read_string(b, item, "ApiPublishmentStackName", &stack, false);
    b->is_public = public_id && *public_id;
    b->is_published = stack && *stack;
    free(public_id);
    free(stack);
    double used = 0;
    if (s_read_number(b, item, "LastBotUsed", "", -9.2e18, 9.2e18, &used))
        b->last_used_ms = (int64_t)used;

    /* v1.2.5+ bots backed by a Bedrock Knowledge Base carry this map; only its presence
     * matters (an empty map still names the feature). */
    b->knowledge_base = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "BedrockKnowledgeBase"), "M"));

    const cJSON *knowledge = cJSON_GetObjectItemCaseSensitive(item, "Knowledge");
    const cJSON *kmap = cJSON_GetObjectItemCaseSensitive(knowledge, "M");
    if (s_attr_is_null(knowledge)) {
        s_warn(b, xstrdup("Knowledge is missing; treated as no knowledge"));
    } else if (!cJSON_IsObject(kmap)) {
        s_warn(b, xstrdup("Knowledge is not a map; treated as no knowledge"));
    } else {
        s_read_string_list(b, kmap, "source_urls", &b->source_urls, &b->n_source_urls);
        s_read_string_list(b, kmap, "sitemap_urls", &b->sitemap_urls, &b->n_sitemap_urls);
        char **names = NULL;
        size_t n = 0;
        s_read_string_list(b, kmap, "filenames", &names, &n);
        b->files = n ? xcalloc(n, sizeof *b->files) : NULL;
        for (size_t i = 0; i < n; i++)
            b->files[i].name = names[i];
        b->n_files = n;
        free(names);
    }

    const cJSON *params = cJSON_GetObjectItemCaseSensitive(item, "EmbeddingParams");
    const cJSON *pmap = cJSON_GetObjectItemCaseSensitive(params, "M");
    if (!s_attr_is_null(params) && !cJSON_IsObject(pmap)) {
        s_warn(b, xstrdup("EmbeddingParams is not a map; the task's defaults are assumed"));
    } else if (pmap) {
        double v;
        if (s_read_number(b, pmap, "chunk_size", "EmbeddingParams.", 1, 1e9, &v))
            b->chunk_size = (int)v;
        if (s_read_number(b, pmap, "chunk_overlap", "EmbeddingParams.", 0, 1e9, &v))
            b->chunk_overlap = (int)v;
        const cJSON *pdf = cJSON_GetObjectItemCaseSensitive(pmap, "enable_partition_pdf");
        if (!s_attr_is_null(pdf)) {
            const cJSON *flag = cJSON_GetObjectItemCaseSensitive(pdf, "BOOL");
            if (cJSON_IsBool(flag))
                b->enable_partition_pdf = cJSON_IsTrue(flag);
            else
                s_warn(b, xstrdup("EmbeddingParams.enable_partition_pdf is not a boolean; "
                                  "ignored"));
        }
    }
}

/* ---- finishing ---- */

static void s_finish(struct inv_load *l)
{
    /* The caller may be about to wait in the loop for its done flag: make sure that
     * wait returns even if this callback ran before the loop's poll. */
    ev_loop_wakeup(aws_client_loop(l->client));
    if (l->error) {
        l->done(l->ud, NULL, l->error);
    } else {
        if (l->inv.nbots > 1)
            qsort(l->inv.bots, l->inv.nbots, sizeof *l->inv.bots, s_cmp_bot);
        l->done(l->ud, &l->inv, NULL);
    }
    inventory_free(&l->inv);
    free(l->error);
    free(l->table);
    free(l->bucket);
    free(l->index_name);
    free(l);
}

static void s_fail(struct inv_load *l, char *error)
{
    if (!l->error)
        l->error = error;
    else
        free(error);
}

static char *s_describe_failure(const char *what, const struct aws_error *e)
{
    char *desc = aws_error_describe(e);
    const char *hint = aws_error_hint(e);
    char *msg = xasprintf("%s failed: %s%s%s", what, desc, hint ? ". " : "", hint ? hint : "");
    free(desc);
    return msg;
}

/* ---- S3 ---- */

static void s_list_next(struct inv_load *l);
static void s_list_page(struct s3_listing *ls);

static int s_cmp_object(const void *a, const void *b)
{
    const struct s3_object *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static void s_listing_apply(struct s3_listing *ls)
{
    struct bot *b = &ls->load->inv.bots[ls->bot];
    if (ls->n > 1)
        qsort(ls->objects, ls->n, sizeof *ls->objects, s_cmp_object);
    b->document_bytes = 0;
    b->n_missing_files = 0;
    for (size_t i = 0; i < b->n_files; i++) {
        struct bot_file *f = &b->files[i];
        struct s3_object key = {f->name, 0};
        const struct s3_object *hit =
            ls->n ? bsearch(&key, ls->objects, ls->n, sizeof *ls->objects, s_cmp_object) : NULL;
        f->missing = hit == NULL;
        f->bytes = hit ? hit->bytes : 0;
        if (hit)
            b->document_bytes += hit->bytes;
        else
            b->n_missing_files++;
    }
}

static void s_listing_free(struct s3_listing *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->objects[i].name);
    free(ls->objects);
    free(ls->prefix);
    free(ls->token);
    free(ls);
}

static void s_listing_done(struct s3_listing *ls)
{
    struct inv_load *l = ls->load;
    s_listing_free(ls);
    l->pending--;
    s_list_next(l);
    if (l->pending == 0)
        s_finish(l);
}

static bool s_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* Undoes S3's encoding-type=url (as botocore does, unquote_plus): "+" is a space, %XX a
 * byte. NULL for a key that holds a NUL byte, which no C string (and no file name the
 * task could be given) can carry. */
static char *s_url_decode(const char *in)
{
    if (!in)
        return NULL;
    size_t n = strlen(in);
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '+') {
            out[o++] = ' ';
        } else if (in[i] == '%' && i + 2 < n && isxdigit((unsigned char)in[i + 1]) &&
                   isxdigit((unsigned char)in[i + 2])) {
            char hex[3] = {in[i + 1], in[i + 2], '\0'};
            char byte = (char)strtol(hex, NULL, 16);
            if (byte == '\0') {
                free(out);
                return NULL;
            }
            out[o++] = byte;
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return out;
}

static void s_on_list(void *ud, struct aws_response *resp)
{
    struct s3_listing *ls = ud;
    struct inv_load *l = ls->load;
    if (resp->err.kind != AWS_ERR_NONE) {
        if (!l->inv.bucket_error) {
            char *what = xasprintf("listing s3://%s/%s", l->bucket, ls->prefix);
            l->inv.bucket_error = s_describe_failure(what, &resp->err);
            free(what);
        }
        l->inv.bucket_listed = false;
        l->s3_stopped = true; /* the next prefixes would fail the same way */
        s_listing_done(ls);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    size_t plen = strlen(ls->prefix);
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "Contents") != 0)
            continue;
        char *encoded = aws_xml_text(n->children, "Key");
        char *key = s_url_decode(encoded);
        free(encoded);
        char *size = aws_xml_text(n->children, "Size");
        uint64_t bytes = 0;
        if (key && strncmp(key, ls->prefix, plen) == 0 && key[plen] &&
            s_parse_u64(size, &bytes)) {
            ls->objects = xrealloc(ls->objects, (ls->n + 1) * sizeof *ls->objects);
            ls->objects[ls->n].name = xstrdup(key + plen);
            ls->objects[ls->n].bytes = bytes;
            ls->n++;
        }
        free(key);
        free(size);
    }
    char *truncated = root ? aws_xml_text(root->children, "IsTruncated") : NULL;
    char *token = root ? aws_xml_text(root->children, "NextContinuationToken") : NULL;
    bool more = truncated && strcmp(truncated, "true") == 0 && token && *token;
    free(truncated);
    if (more) {
        free(ls->token);
        ls->token = token;
        s_list_page(ls);
        return;
    }
    free(token);
    s_listing_apply(ls);
    s_listing_done(ls);
}

static void s_list_page(struct s3_listing *ls)
{
    struct inv_load *l = ls->load;
    l->inv.s3_requests++;
    /* encoding-type=url: a key with a character XML 1.0 cannot carry (a control
     * character) would otherwise make the whole page unparseable. */
    struct http_kv query[4] = {
        {(char *)"list-type", (char *)"2"},
        {(char *)"encoding-type", (char *)"url"},
        {(char *)"prefix", ls->prefix},
        {(char *)"continuation-token", ls->token},
    };
    char *path = xasprintf("/%s", l->bucket);
    aws_call_rest(l->client, &AWS_SVC_S3, "ListObjectsV2", "GET", path, query,
                  ls->token ? 4 : 3, NULL, 0, s_on_list, ls);
    free(path);
}

/* Starts listings until S3_IN_FLIGHT are out or every bot with files has one. */
static void s_list_next(struct inv_load *l)
{
    while (!l->s3_stopped && l->pending < S3_IN_FLIGHT && l->next_bot < l->inv.nbots) {
        size_t i = l->next_bot++;
        const struct bot *b = &l->inv.bots[i];
        if (b->n_files == 0 || !*b->bot_id)
            continue;
        struct s3_listing *ls = xcalloc(1, sizeof *ls);
        ls->load = l;
        ls->bot = i;
        ls->prefix = xasprintf("%s/%s/documents/", b->pk, b->bot_id);
        l->pending++;
        s_list_page(ls);
    }
}

static void s_start_documents(struct inv_load *l)
{
    if (l->inv.nbots > 1)
        qsort(l->inv.bots, l->inv.nbots, sizeof *l->inv.bots, s_cmp_bot);
    if (l->opts.skip_documents || !l->bucket || !*l->bucket) {
        if (!l->opts.skip_documents)
            l->inv.bucket_error = xstrdup("no document bucket is known (DocumentBucketName "
                                          "output missing); file sizes are unknown");
        s_finish(l);
        return;
    }
    l->inv.bucket_listed = true;
    l->pending++; /* hold the load open while starting */
    s_list_next(l);
    l->pending--;
    if (l->pending == 0)
        s_finish(l);
}

/* ---- Scan ---- */

static void s_scan_page(struct inv_load *l, int segment, cJSON *start_key);

static cJSON *s_scan_body(const struct inv_load *l, int segment, cJSON *start_key)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "TableName", l->table);
    if (l->index_name)
        cJSON_AddStringToObject(body, "IndexName", l->index_name);
    cJSON *names = cJSON_CreateObject();
    char *projection = NULL;
    for (size_t i = 0; i < NATTRS; i++) {
        char placeholder[16];
        snprintf(placeholder, sizeof placeholder, "#a%zu", i);
        cJSON_AddStringToObject(names, placeholder, s_attrs[i]);
        char *next = xasprintf("%s%s%s", projection ? projection : "", projection ? "," : "",
                               placeholder);
        free(projection);
        projection = next;
    }
    cJSON_AddStringToObject(body, "ProjectionExpression", projection);
    free(projection);
    /* SK is s_attrs[1]: contains() also keeps aliases out of the sparse index. */
    cJSON_AddStringToObject(body, "FilterExpression", "contains(#a1, :bot)");
    cJSON_AddItemToObject(body, "ExpressionAttributeNames", names);
    cJSON *values = cJSON_AddObjectToObject(body, "ExpressionAttributeValues");
    cJSON *bot = cJSON_AddObjectToObject(values, ":bot");
    cJSON_AddStringToObject(bot, "S", BOT_MARKER);
    cJSON_AddStringToObject(body, "ReturnConsumedCapacity", "TOTAL");
    if (l->segments > 1) {
        cJSON_AddNumberToObject(body, "Segment", segment);
        cJSON_AddNumberToObject(body, "TotalSegments", l->segments);
    }
    if (l->opts.page_limit > 0)
        cJSON_AddNumberToObject(body, "Limit", l->opts.page_limit);
    if (start_key)
        cJSON_AddItemToObject(body, "ExclusiveStartKey", start_key);
    return body;
}

static void s_segment_done(struct inv_load *l)
{
    l->pending--;
    if (l->pending > 0)
        return;
    if (l->error)
        s_finish(l);
    else
        s_start_documents(l);
}

static bool s_is_bot_item(const cJSON *item)
{
    const char *pk = s_attr_string(cJSON_GetObjectItemCaseSensitive(item, "PK"));
    const char *sk = s_attr_string(cJSON_GetObjectItemCaseSensitive(item, "SK"));
    return pk && sk && strstr(sk, BOT_MARKER);
}

static void s_on_scan(void *ud, struct aws_response *resp)
{
    struct segment_call *sc = ud;
    struct inv_load *l = sc->load;
    int segment = sc->segment;
    free(sc);
    l->inv.scan_requests++;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *what = xasprintf("Scan of %s%s", l->index_name ? "index " : "table ",
                               l->index_name ? l->index_name : l->table);
        s_fail(l, s_describe_failure(what, &resp->err));
        free(what);
        s_segment_done(l);
        return;
    }
    if (l->error) { /* another segment failed: stop paging */
        s_segment_done(l);
        return;
    }
    const cJSON *j = resp->json;
    const cJSON *scanned = cJSON_GetObjectItemCaseSensitive(j, "ScannedCount");
    if (cJSON_IsNumber(scanned) && scanned->valuedouble > 0)
        l->inv.items_scanned += (uint64_t)scanned->valuedouble;
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(j, "ConsumedCapacity");
    const cJSON *units = cJSON_GetObjectItemCaseSensitive(cc, "CapacityUnits");
    if (cJSON_IsNumber(units) && units->valuedouble > 0)
        l->inv.read_units += units->valuedouble;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "Items");
    const cJSON *item;
    cJSON_ArrayForEach(item, items) {
        if (!s_is_bot_item(item)) /* a filter the server ignored must not leak items */
            continue;
        if (l->inv.nbots == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->inv.bots = xrealloc(l->inv.bots, l->cap * sizeof *l->inv.bots);
        }
        s_parse_bot(item, &l->inv.bots[l->inv.nbots++]);
    }
    if (l->progress)
        l->progress(l->ud, l->inv.items_scanned, l->inv.nbots);
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(j, "LastEvaluatedKey");
    if (cJSON_IsObject(last) && last->child) {
        s_scan_page(l, segment, cJSON_Duplicate(last, true));
        return;
    }
    s_segment_done(l);
}

static void s_scan_page(struct inv_load *l, int segment, cJSON *start_key)
{
    struct segment_call *sc = xcalloc(1, sizeof *sc);
    sc->load = l;
    sc->segment = segment;
    aws_call_json(l->client, &AWS_SVC_DYNAMODB, "Scan", s_scan_body(l, segment, start_key),
                  s_on_scan, sc);
}

/* Does the index carry every attribute the projection asks for? NULL when yes, else a
 * static reason. */
static const char *s_index_unusable(const cJSON *index, bool global)
{
    if (global) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(index, "IndexStatus");
        if (cJSON_IsString(status) && strcmp(status->valuestring, "ACTIVE") != 0)
            return "it is not ACTIVE";
    }
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(index, "Projection");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(proj, "ProjectionType");
    if (!cJSON_IsString(type))
        return "its projection is not shown";
    if (strcmp(type->valuestring, "ALL") == 0)
        return NULL;
    if (strcmp(type->valuestring, "INCLUDE") != 0)
        return "it projects only keys";
    const cJSON *nonkey = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes");
    for (size_t i = 2; i < NATTRS; i++) {
        if (strcmp(s_attrs[i], "LastBotUsed") == 0) /* the index's own sort key */
            continue;
        bool found = false;
        const cJSON *a;
        cJSON_ArrayForEach(a, nonkey)
            found = found || (cJSON_IsString(a) && strcmp(a->valuestring, s_attrs[i]) == 0);
        if (!found)
            return "it does not project every attribute needed";
    }
    return NULL;
}

static bool s_key_schema_ok(const cJSON *table)
{
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(table, "KeySchema");
    bool hash = false, range = false;
    const cJSON *k;
    cJSON_ArrayForEach(k, ks) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(k, "AttributeName");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(k, "KeyType");
        if (!cJSON_IsString(name) || !cJSON_IsString(type))
            continue;
        hash = hash || (strcmp(name->valuestring, "PK") == 0 && strcmp(type->valuestring, "HASH") == 0);
        range = range || (strcmp(name->valuestring, "SK") == 0 && strcmp(type->valuestring, "RANGE") == 0);
    }
    return hash && range;
}

static const cJSON *s_find_index(const cJSON *list)
{
    const cJSON *ix;
    cJSON_ArrayForEach(ix, list) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(ix, "IndexName");
        if (cJSON_IsString(name) && strcmp(name->valuestring, BOT_INDEX_NAME) == 0)
            return ix;
    }
    return NULL;
}

static double s_number(const cJSON *obj, const char *name)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(n) && n->valuedouble > 0 ? n->valuedouble : 0;
}

static void s_on_describe(void *ud, struct aws_response *resp)
{
    struct inv_load *l = ud;
    l->pending--;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *what = xasprintf("DescribeTable on %s", l->table);
        s_fail(l, s_describe_failure(what, &resp->err));
        free(what);
        s_finish(l);
        return;
    }
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(resp->json, "Table");
    if (!cJSON_IsObject(table) || !s_key_schema_ok(table)) {
        s_fail(l, xasprintf("table %s does not have the key schema PK (hash) / SK (range) "
                            "of a Bedrock Chat conversation table; check the table output",
                            l->table));
        s_finish(l);
        return;
    }
    const cJSON *lsi = s_find_index(cJSON_GetObjectItemCaseSensitive(table, "LocalSecondaryIndexes"));
    const cJSON *gsi = s_find_index(cJSON_GetObjectItemCaseSensitive(table, "GlobalSecondaryIndexes"));
    const cJSON *index = lsi ? lsi : gsi;
    const char *why_not = NULL;
    if (l->opts.force_table_scan)
        why_not = "--scan-table";
    else if (!index)
        why_not = "index " BOT_INDEX_NAME " missing (a table from before v0.3.0?)";
    else
        why_not = s_index_unusable(index, index == gsi);

    double bytes;
    if (!why_not) {
        l->index_name = xstrdup(BOT_INDEX_NAME);
        l->inv.used_index = true;
        l->inv.scan_source = xasprintf("index %s", BOT_INDEX_NAME);
        bytes = s_number(index, "IndexSizeBytes");
    } else {
        l->inv.scan_source = index && !l->opts.force_table_scan
                                 ? xasprintf("table (index %s unusable: %s)", BOT_INDEX_NAME, why_not)
                                 : xasprintf("table (%s)", why_not);
        bytes = s_number(table, "TableSizeBytes");
    }
    int segments = l->opts.segments;
    if (segments <= 0) {
        double want = ceil(bytes / (double)BYTES_PER_SEGMENT);
        segments = want < 1 ? 1 : want > MAX_SEGMENTS ? MAX_SEGMENTS : (int)want;
    }
    if (segments > 1000000) /* DynamoDB's own limit on TotalSegments */
        segments = 1000000;
    l->segments = segments;
    l->pending = segments;
    for (int s = 0; s < segments; s++)
        s_scan_page(l, s, NULL);
}

void inventory_load(struct aws_session *s, const struct deployment *dep,
                    const struct inventory_options *opts, inventory_progress_fn progress,
                    inventory_done_fn done, void *ud)
{
    struct inv_load *l = xcalloc(1, sizeof *l);
    l->client = s->client;
    l->table = xstrdup(dep && dep->outputs.table ? dep->outputs.table : "");
    l->bucket = dep && dep->outputs.document_bucket ? xstrdup(dep->outputs.document_bucket) : NULL;
    if (opts)
        l->opts = *opts;
    l->progress = progress;
    l->done = done;
    l->ud = ud;
    if (!*l->table) {
        s_fail(l, xstrdup("no DynamoDB table is known for this deployment; resolve the "
                          "stack outputs first (see `bedrock-chat-migrate outputs`)"));
        s_finish(l);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "TableName", l->table);
    l->pending = 1;
    aws_call_json(l->client, &AWS_SVC_DYNAMODB, "DescribeTable", body, s_on_describe, l);
}
