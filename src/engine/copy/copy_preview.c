#include "engine/copy/copy_preview.h"

#include "engine/copy/snapshots.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The model's constants, each stated as an assumption in the preview. */
#define RESTORE_MINUTES_LO 15.0   /* restore + db.serverless instance + password + Data API */
#define RESTORE_MINUTES_HI 45.0
#define REMOVE_MINUTES 10.0       /* deleting the instance and cluster, billed meanwhile */
#define COPY_ROWS_PER_S_LO 20.0   /* one bot at a time through the Data API, both ways */
#define COPY_ROWS_PER_S_HI 80.0
#define ROWS_PER_READ 25          /* a read page stays well under the 1 MiB reply limit */
#define ROWS_PER_WRITE 60         /* a batch stays well under the 4 MB request limit */
#define REQUESTS_PER_BOT 6        /* count, begin, delete, commit, and a retry allowance */
#define DEFAULT_CHUNK 1000
#define DEFAULT_OVERLAP 200

const char *copy_way_name(enum copy_way w)
{
    switch (w) {
    case COPY_WAY_COPY: return "copy";
    case COPY_WAY_REEMBED: return "reembed";
    case COPY_WAY_SKIP: return "skip";
    }
    return "skip";
}

/* Public list prices, USD. Sources (read 2026-12): the Aurora pricing page and guides
 * quoting it (Serverless v2 $0.12 per ACU-hour and storage $0.10 per GB-month in
 * us-east-1; Tokyo $0.15 and $0.12), the RDS Data API's $0.35 per million requests
 * (us-east-1; $0.42 in Tokyo, quoted by operators), Secrets Manager $0.40 per secret-month.
 * --prices may give the ACU-hour and storage prices (aurora_acu_hour,
 * aurora_storage_gb_month); a region's absence is said in the preview. */
void copy_prices_for_region(const char *region, struct copy_prices *out)
{
    static const struct {
        const char *region;
        double acu, storage, data_api;
    } table[] = {
        {"us-east-1", 0.12, 0.10, 0.35},
        {"us-east-2", 0.12, 0.10, 0.35},
        {"us-west-2", 0.12, 0.10, 0.35},
        {"eu-west-1", 0.13, 0.11, 0.35},
        {"eu-central-1", 0.14, 0.119, 0.40},
        {"ap-northeast-1", 0.15, 0.12, 0.42},
    };
    memset(out, 0, sizeof(*out));
    out->secret_month = 0.40;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (region && strcmp(region, table[i].region) == 0) {
            out->acu_hour = table[i].acu;
            out->storage_gb_month = table[i].storage;
            out->data_api_per_million = table[i].data_api;
            out->region = table[i].region;
            out->region_exact = true;
            return;
        }
    }
    out->acu_hour = table[0].acu;
    out->storage_gb_month = table[0].storage;
    out->data_api_per_million = table[0].data_api;
    out->region = table[0].region;
    out->region_exact = false;
}

int64_t copy_ulid_time_ms(const char *id)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (!id || strlen(id) != 26)
        return -1;
    int64_t t = 0;
    for (int i = 0; i < 10; i++) {
        char c = id[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        const char *p = strchr(alphabet, c);
        if (!p || !c)
            return -1;
        t = t * 32 + (p - alphabet);
    }
    for (int i = 10; i < 26; i++) {
        char c = id[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!c || !strchr(alphabet, c))
            return -1;
    }
    return t;
}

static int64_t s_rows_for(const struct copy_row_count *rows, size_t n, const char *bot_id)
{
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i].bot_id && strcmp(rows[i].bot_id, bot_id) == 0)
            return rows[i].rows;
    return -1;
}

static void s_assume(struct copy_preview *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_assume(struct copy_preview *p, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    p->assumptions = xrealloc(p->assumptions, (p->nassumptions + 1) * sizeof(*p->assumptions));
    p->assumptions[p->nassumptions++] = buf_detach(&b);
}

static void s_rows_estimate(const struct plan_item *it, int64_t *lo, int64_t *hi)
{
    const struct bot *b = it->bot;
    /* Absent parameters (0) mean the task's defaults, as in the plan's model. */
    int chunk = b->chunk_size > 0 ? b->chunk_size : DEFAULT_CHUNK;
    int overlap = b->chunk_size > 0 ? b->chunk_overlap : DEFAULT_OVERLAP;
    if (overlap < 0 || overlap >= chunk)
        overlap = 0;
    double step = (double)(chunk - overlap);
    *lo = (int64_t)((double)it->est.text_bytes_lo / step + 0.999);
    *hi = (int64_t)((double)it->est.text_bytes_hi / step + 0.999);
    if (*lo < 1)
        *lo = 1;
    if (*hi < *lo)
        *hi = *lo;
}

static bool s_succeeded(const struct bot *b)
{
    return !b->sync_status || strcmp(b->sync_status, "SUCCEEDED") == 0;
}

void copy_preview_build(const struct plan *plan, const struct copy_snapshot *snap,
                        const struct copy_preview_options *o, struct copy_preview *out)
{
    memset(out, 0, sizeof(*out));
    double min_acu = o && o->min_acu > 0 ? o->min_acu : 0.5;
    double max_acu = o && o->max_acu >= min_acu ? o->max_acu : (min_acu > 4 ? min_acu : 4);
    int concurrency = o && o->concurrency > 0 ? o->concurrency : 4;
    copy_prices_for_region(o ? o->region : NULL, &out->prices);
    if (o && o->prices && o->prices->aurora_acu_hour.known) {
        out->prices.acu_hour = o->prices->aurora_acu_hour.usd;
        out->prices.acu_from_file = true;
    }
    if (o && o->prices && o->prices->aurora_storage_gb_month.known) {
        out->prices.storage_gb_month = o->prices->aurora_storage_gb_month.usd;
        out->prices.storage_from_file = true;
    }

    out->bots = xcalloc(plan->nitems ? plan->nitems : 1, sizeof(*out->bots));
    out->nbots = plan->nitems;
    out->reembed_all_usd_lo = plan->totals.usd_lo;
    out->reembed_all_usd_hi = plan->totals.usd_hi;
    out->reembed_all_wall_lo = plan->totals.wall_seconds_lo;
    out->reembed_all_wall_hi = plan->totals.wall_seconds_hi;
    bool rest_unknown = false;
    for (size_t i = 0; i < plan->nitems; i++) {
        const struct plan_item *it = &plan->items[i];
        struct copy_bot_way *w = &out->bots[i];
        w->bot = it->bot;
        s_rows_estimate(it, &w->rows_lo, &w->rows_hi);
        int64_t in_new = s_rows_for(o ? o->new_rows : NULL, o ? o->n_new_rows : 0, it->bot->bot_id);
        int64_t in_snap = s_rows_for(o ? o->snapshot_rows : NULL, o ? o->n_snapshot_rows : 0,
                                     it->bot->bot_id);
        if (in_snap < 0 && o && o->snapshot_rows && !o->snapshot_rows_partial)
            in_snap = 0; /* counted: a bot absent from GROUP BY has no rows */
        int64_t born = copy_ulid_time_ms(it->bot->bot_id);
        if (!it->selected) {
            w->way = COPY_WAY_SKIP;
            w->reason = it->why_not;
        } else if (in_new > 0) {
            w->way = COPY_WAY_SKIP;
            w->reason = COPY_WHY_MIGRATED;
        } else if (snap && snap->created_ms > 0 && born > snap->created_ms) {
            w->way = COPY_WAY_REEMBED;
            w->reason = COPY_WHY_CREATED_AFTER;
        } else if (!s_succeeded(it->bot)) {
            w->way = COPY_WAY_REEMBED;
            w->reason = COPY_WHY_NOT_SUCCEEDED;
        } else if (in_snap == 0) {
            w->way = COPY_WAY_REEMBED;
            w->reason = COPY_WHY_NO_ROWS;
        } else {
            w->way = COPY_WAY_COPY;
            w->reason = COPY_WHY_COPY;
            if (in_snap > 0)
                w->rows_lo = w->rows_hi = in_snap;
        }
        switch (w->way) {
        case COPY_WAY_COPY:
            out->ncopy++;
            out->rows_lo += w->rows_lo;
            out->rows_hi += w->rows_hi;
            break;
        case COPY_WAY_REEMBED:
            out->nreembed++;
            if (it->est.usd_lo < 0)
                rest_unknown = true;
            out->reembed_rest_usd_lo += it->est.usd_lo;
            out->reembed_rest_usd_hi += it->est.usd_hi;
            break;
        case COPY_WAY_SKIP:
            out->nskip++;
            break;
        }
    }
    if (rest_unknown)
        out->reembed_rest_usd_lo = out->reembed_rest_usd_hi = -1;

    /* Requests: pages read, batches written, per-bot statements, and the one REINDEX. */
    out->requests_lo = (uint64_t)(out->rows_lo / ROWS_PER_READ + out->rows_lo / ROWS_PER_WRITE) +
                       out->ncopy * REQUESTS_PER_BOT + 2;
    out->requests_hi = (uint64_t)(out->rows_hi / ROWS_PER_READ + out->rows_hi / ROWS_PER_WRITE + 2) +
                       out->ncopy * (REQUESTS_PER_BOT + 2) + 2;
    /* The fast end: every slot busy at the high rate; the slow end: one bot at the low. */
    double measured = o && o->measured_rows_per_s > 0 ? o->measured_rows_per_s : 0;
    out->rate_measured = measured > 0;
    out->rows_per_s_lo = measured > 0 ? measured : COPY_ROWS_PER_S_LO;
    out->rows_per_s_hi = (measured > 0 ? measured : COPY_ROWS_PER_S_HI) * concurrency;
    double copy_s_lo = (double)out->rows_lo / out->rows_per_s_hi;
    double copy_s_hi = (double)out->rows_hi / out->rows_per_s_lo;
    out->hours_lo = (RESTORE_MINUTES_LO + REMOVE_MINUTES) / 60.0 + copy_s_lo / 3600.0;
    out->hours_hi = (RESTORE_MINUTES_HI + REMOVE_MINUTES) / 60.0 + copy_s_hi / 3600.0;
    out->acu_hours_lo = out->hours_lo * min_acu;
    out->acu_hours_hi = out->hours_hi * max_acu;
    double storage_gb = snap && snap->allocated_gb > 0 ? snap->allocated_gb : 1;
    const struct copy_prices *pr = &out->prices;
    double fixed_lo = storage_gb * pr->storage_gb_month * out->hours_lo / 730.0 +
                      pr->secret_month * out->hours_lo / 730.0;
    double fixed_hi = storage_gb * pr->storage_gb_month * out->hours_hi / 730.0 +
                      pr->secret_month * out->hours_hi / 730.0;
    out->usd_lo = out->acu_hours_lo * pr->acu_hour + fixed_lo +
                  (double)out->requests_lo * pr->data_api_per_million / 1e6;
    out->usd_hi = out->acu_hours_hi * pr->acu_hour + fixed_hi +
                  (double)out->requests_hi * pr->data_api_per_million / 1e6;

    s_assume(out, "the temporary cluster lives %.0f–%.0f minutes before the copy (restore, "
                  "instance, password, Data API) and %.0f minutes while it is deleted",
             RESTORE_MINUTES_LO, RESTORE_MINUTES_HI, REMOVE_MINUTES);
    s_assume(out, "it runs at %.1f–%.1f ACU (Serverless v2) at $%.3f per ACU-hour%s", min_acu,
             max_acu, pr->acu_hour,
             pr->acu_from_file ? " (from --prices)"
             : pr->region_exact ? "" : " (us-east-1's price: none built in for this region)");
    if (out->rate_measured && o)
        s_assume(out, "rows are copied at the measured %.0f per second per bot (%.2f MB/s, %s), "
                      "%d bots at once at best, one at a time at worst",
                 measured, (o->measured_bytes_per_s > 0 ? o->measured_bytes_per_s : 0) / 1e6,
                 o->measured_from ? o->measured_from : "measured", concurrency);
    else
        s_assume(out, "rows are copied at %.0f–%.0f per second per bot, %d bots at once "
                      "(assumed: no copy has been measured yet)",
                 COPY_ROWS_PER_S_LO, COPY_ROWS_PER_S_HI, concurrency);
    s_assume(out, "rows to copy are estimated from each bot's text (one row per chunk_size − "
                  "chunk_overlap characters) until the snapshot's own counts are read");
    s_assume(out, "Data API: %d rows per read page, %d per write batch, $%.2f per million requests",
             ROWS_PER_READ, ROWS_PER_WRITE, pr->data_api_per_million);
    s_assume(out, "storage: %.0f GB (the snapshot's allocated size) at $%.3f per GB-month%s, and "
                  "one secret at $%.2f per month, for the cluster's life",
             storage_gb, pr->storage_gb_month, pr->storage_from_file ? " (from --prices)" : "",
             pr->secret_month);
    s_assume(out, "bots created after the snapshot, or whose last embedding had not succeeded, "
                  "are re-embedded; bots with vectors in the new cluster are skipped");
}

void copy_preview_free(struct copy_preview *p)
{
    free(p->bots);
    for (size_t i = 0; i < p->nassumptions; i++)
        free(p->assumptions[i]);
    free(p->assumptions);
    memset(p, 0, sizeof(*p));
}

cJSON *copy_preview_to_json(const struct copy_preview *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *bots = cJSON_AddArrayToObject(o, "bots");
    for (size_t i = 0; i < p->nbots; i++) {
        const struct copy_bot_way *w = &p->bots[i];
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "bot_id", w->bot->bot_id);
        cJSON_AddStringToObject(b, "way", copy_way_name(w->way));
        cJSON_AddStringToObject(b, "reason", w->reason ? w->reason : "");
        cJSON_AddNumberToObject(b, "rows_lo", (double)w->rows_lo);
        cJSON_AddNumberToObject(b, "rows_hi", (double)w->rows_hi);
        cJSON_AddItemToArray(bots, b);
    }
    cJSON *copy = cJSON_AddObjectToObject(o, "copy");
    cJSON_AddNumberToObject(copy, "bots", (double)p->ncopy);
    cJSON_AddNumberToObject(copy, "rows_lo", (double)p->rows_lo);
    cJSON_AddNumberToObject(copy, "rows_hi", (double)p->rows_hi);
    cJSON_AddNumberToObject(copy, "data_api_requests_lo", (double)p->requests_lo);
    cJSON_AddNumberToObject(copy, "data_api_requests_hi", (double)p->requests_hi);
    cJSON_AddNumberToObject(copy, "hours_lo", p->hours_lo);
    cJSON_AddNumberToObject(copy, "hours_hi", p->hours_hi);
    cJSON_AddNumberToObject(copy, "acu_hours_lo", p->acu_hours_lo);
    cJSON_AddNumberToObject(copy, "acu_hours_hi", p->acu_hours_hi);
    cJSON_AddNumberToObject(copy, "usd_lo", p->usd_lo);
    cJSON_AddNumberToObject(copy, "usd_hi", p->usd_hi);
    cJSON_AddNumberToObject(copy, "reembed_bots", (double)p->nreembed);
    cJSON_AddNumberToObject(copy, "reembed_usd_lo", p->reembed_rest_usd_lo);
    cJSON_AddNumberToObject(copy, "reembed_usd_hi", p->reembed_rest_usd_hi);
    cJSON_AddNumberToObject(copy, "skipped_bots", (double)p->nskip);
    cJSON *re = cJSON_AddObjectToObject(o, "reembed");
    cJSON_AddNumberToObject(re, "usd_lo", p->reembed_all_usd_lo);
    cJSON_AddNumberToObject(re, "usd_hi", p->reembed_all_usd_hi);
    cJSON_AddNumberToObject(re, "wall_seconds_lo", p->reembed_all_wall_lo);
    cJSON_AddNumberToObject(re, "wall_seconds_hi", p->reembed_all_wall_hi);
    cJSON *prices = cJSON_AddObjectToObject(o, "prices");
    cJSON_AddStringToObject(prices, "region", p->prices.region ? p->prices.region : "");
    cJSON_AddBoolToObject(prices, "region_exact", p->prices.region_exact);
    cJSON_AddNumberToObject(prices, "acu_hour", p->prices.acu_hour);
    cJSON_AddNumberToObject(prices, "storage_gb_month", p->prices.storage_gb_month);
    cJSON_AddNumberToObject(prices, "data_api_per_million", p->prices.data_api_per_million);
    cJSON_AddBoolToObject(prices, "acu_hour_from_prices_file", p->prices.acu_from_file);
    cJSON_AddBoolToObject(prices, "storage_from_prices_file", p->prices.storage_from_file);
    cJSON *rate = cJSON_AddObjectToObject(o, "rate");
    cJSON_AddBoolToObject(rate, "measured", p->rate_measured);
    cJSON_AddNumberToObject(rate, "rows_per_s_lo", p->rows_per_s_lo);
    cJSON_AddNumberToObject(rate, "rows_per_s_hi", p->rows_per_s_hi);
    cJSON *as = cJSON_AddArrayToObject(o, "assumptions");
    for (size_t i = 0; i < p->nassumptions; i++)
        cJSON_AddItemToArray(as, cJSON_CreateString(p->assumptions[i]));
    return o;
}
