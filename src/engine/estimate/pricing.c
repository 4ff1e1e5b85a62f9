/* Built-in list prices, the --prices override file, and Fargate task cost. */
#include "engine/estimate/pricing.h"

#include "util/mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NO_PRICE (-1.0)
#define OVERRIDE_MAX_BYTES (1024 * 1024)

/* Sources (see the project's pricing notes; no AWS page held machine-readable numbers,
 * so most figures are AWS Price List results saved in public places):
 * Fargate Linux/x86 us-east-1: Price List fixture of 2026-10-08, matching AWS's ECS
 *   pricing page per-second example ($0.000011244/vCPU-s); us-east-2/us-west-2: same
 *   rates (fgcalc data.js; a defang estimate fixture); eu-west-1: Price List audit
 *   2026-05-01; eu-central-1: price snapshot 2026-07-07; ap-northeast-1: Tokyo cost
 *   reports 2026-09-25/2026-10-08; ap-southeast-1: Price List query 2026-08-21;
 *   ap-southeast-2: Sydney notes citing aws.amazon.com/fargate/pricing (n.d.).
 * Fargate Linux/ARM64: us-east-1 from the USE1 AmazonECS offer file (n.d.); eu-west-1
 *   audit 2026-05-01; ap-southeast-1 query 2026-08-21; ap-southeast-2 notes (n.d.).
 * Cohere Embed Multilingual v3: $0.10 per 1M input tokens, US pricing (wring.co table
 *   2026-03-15 and several price maps). No Tokyo or EU figure was found.
 * DynamoDB on-demand reads after the 2024-11-01 cut: $0.125/M RRU us-east-1, $0.1425/M
 *   ap-northeast-1 (Price-List-based scripts, 2026-09).
 * NAT gateway data processing per GB: $0.045 us-east-1 (a cost document built from a
 *   bill, n.d.), $0.062 ap-northeast-1 (APN1-NatGateway-Bytes, Tokyo estimate from the
 *   Price List API, 2026-09-25). Other regions: not seen. */
struct builtin_row {
    const char *region;
    double x86_vcpu, x86_gb;
    double arm_vcpu, arm_gb;      /* NO_PRICE: not seen */
    double embed_1k;              /* NO_PRICE: not seen */
    double ddb_rru_million;       /* NO_PRICE: not seen */
    double nat_gb;                /* NO_PRICE: not seen */
};

static const struct builtin_row s_builtin[] = {
    {"us-east-1", 0.04048, 0.004445, 0.03238, 0.00356, 0.0001, 0.125, 0.045},
    {"us-east-2", 0.04048, 0.004445, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE},
    {"us-west-2", 0.04048, 0.004445, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE},
    {"eu-west-1", 0.04048, 0.004445, 0.03238, 0.00356, NO_PRICE, NO_PRICE, NO_PRICE},
    {"eu-central-1", 0.04656, 0.00511, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE, NO_PRICE},
    {"ap-northeast-1", 0.05056, 0.00553, NO_PRICE, NO_PRICE, NO_PRICE, 0.1425, 0.062},
    {"ap-southeast-1", 0.05056, 0.00553, 0.04045, 0.00442, NO_PRICE, NO_PRICE, NO_PRICE},
    {"ap-southeast-2", 0.04856, 0.00532, 0.03885, 0.00426, NO_PRICE, NO_PRICE, NO_PRICE},
};

/* Takes the message; its English is kept beside it for --json. */
static void s_note(struct price_table *t, struct message note)
{
    t->notes = xrealloc(t->notes, (t->nnotes + 1) * sizeof *t->notes);
    t->note_msgs = xrealloc(t->note_msgs, (t->nnotes + 1) * sizeof *t->note_msgs);
    t->notes[t->nnotes] = message_english(&note);
    t->note_msgs[t->nnotes++] = note;
}

static void s_set_source(struct price_table *t, struct message source)
{
    free(t->source);
    message_free(&t->source_msg);
    t->source_msg = source;
    t->source = message_english(&source);
}

static struct price_value s_value(double usd)
{
    struct price_value v = {usd >= 0, usd >= 0 ? usd : 0};
    return v;
}

static bool s_is_arm(const char *architecture)
{
    return architecture && strcmp(architecture, "ARM64") == 0;
}

void price_table_builtin(const char *region, const char *architecture, struct price_table *out)
{
    memset(out, 0, sizeof *out);
    out->region = xstrdup(region && *region ? region : "us-east-1");
    out->architecture = xstrdup(s_is_arm(architecture) ? "ARM64" : "X86_64");
    s_set_source(out, MESSAGE0(MSG_PRICES_BUILTIN));
    out->source_date = xstrdup(PRICING_BUILTIN_DATE);

    const struct builtin_row *row = NULL;
    for (size_t i = 0; i < sizeof s_builtin / sizeof s_builtin[0]; i++)
        if (strcmp(s_builtin[i].region, out->region) == 0)
            row = &s_builtin[i];
    if (!row) {
        s_note(out, MESSAGE(MSG_PRICE_NOTE_NO_REGION, MSG_S("region", out->region)));
        return;
    }
    bool arm = s_is_arm(architecture);
    out->fargate_vcpu_hour = s_value(arm ? row->arm_vcpu : row->x86_vcpu);
    out->fargate_gb_hour = s_value(arm ? row->arm_gb : row->x86_gb);
    out->embed_per_1k_tokens = s_value(row->embed_1k);
    out->dynamodb_per_million_rru = s_value(row->ddb_rru_million);
    out->nat_per_gb = s_value(row->nat_gb);
    if (!out->fargate_vcpu_hour.known)
        s_note(out, MESSAGE(MSG_PRICE_NOTE_NO_FARGATE, MSG_S("architecture", out->architecture),
                            MSG_S("region", out->region)));
    /* Bedrock's on-demand Cohere price is not published for every region; an estimate
     * with a stated assumption serves the operator better than no total at all. */
    if (!out->embed_per_1k_tokens.known) {
        out->embed_per_1k_tokens = s_value(s_builtin[0].embed_1k);
        s_note(out, MESSAGE(MSG_PRICE_NOTE_EMBED_ASSUMED, MSG_S("model", PRICING_EMBED_MODEL),
                            MSG_S("region", out->region), MSG_F("price", "%.4f", s_builtin[0].embed_1k)));
    }
    if (!out->dynamodb_per_million_rru.known) {
        out->dynamodb_per_million_rru = s_value(s_builtin[0].ddb_rru_million);
        s_note(out, MESSAGE(MSG_PRICE_NOTE_DDB_ASSUMED, MSG_S("region", out->region),
                            MSG_F("price", "%.3f", s_builtin[0].ddb_rru_million)));
    }
}

static char *s_dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

void price_table_copy(struct price_table *dst, const struct price_table *src)
{
    *dst = *src;
    dst->region = s_dup_or_empty(src->region);
    dst->architecture = s_dup_or_empty(src->architecture);
    dst->source = s_dup_or_empty(src->source);
    message_copy(&dst->source_msg, &src->source_msg);
    dst->source_date = s_dup_or_empty(src->source_date);
    dst->notes = src->nnotes ? xcalloc(src->nnotes, sizeof *dst->notes) : NULL;
    dst->note_msgs = src->nnotes ? xcalloc(src->nnotes, sizeof *dst->note_msgs) : NULL;
    for (size_t i = 0; i < src->nnotes; i++) {
        dst->notes[i] = s_dup_or_empty(src->notes[i]);
        if (src->note_msgs)
            message_copy(&dst->note_msgs[i], &src->note_msgs[i]);
        else
            dst->note_msgs[i] = message_text(src->notes[i]);
    }
}

struct message price_table_source_message(const struct price_table *t)
{
    struct message m = {0};
    if (t->source_msg.id != MSG_NONE) {
        char *english = message_english(&t->source_msg);
        bool same = t->source && strcmp(english, t->source) == 0;
        free(english);
        if (same) {
            message_copy(&m, &t->source_msg);
            return m;
        }
    }
    return message_text(t->source ? t->source : "");
}

void price_table_free(struct price_table *t)
{
    if (!t)
        return;
    free(t->region);
    free(t->architecture);
    free(t->source);
    message_free(&t->source_msg);
    free(t->source_date);
    for (size_t i = 0; i < t->nnotes; i++) {
        free(t->notes[i]);
        if (t->note_msgs)
            message_free(&t->note_msgs[i]);
    }
    free(t->notes);
    free(t->note_msgs);
    memset(t, 0, sizeof *t);
}

/* ---- override file ---- */

struct price_key {
    const char *name;
    size_t offset;   /* of the struct price_value in struct price_table */
    int arch;        /* 0: any, 1: X86_64 only, 2: ARM64 only */
};

static const struct price_key s_keys[] = {
    {"fargate_vcpu_hour", offsetof(struct price_table, fargate_vcpu_hour), 1},
    {"fargate_gb_hour", offsetof(struct price_table, fargate_gb_hour), 1},
    {"fargate_arm_vcpu_hour", offsetof(struct price_table, fargate_vcpu_hour), 2},
    {"fargate_arm_gb_hour", offsetof(struct price_table, fargate_gb_hour), 2},
    {"embed_per_1k_tokens", offsetof(struct price_table, embed_per_1k_tokens), 0},
    {"dynamodb_per_million_rru", offsetof(struct price_table, dynamodb_per_million_rru), 0},
    {"nat_per_gb", offsetof(struct price_table, nat_per_gb), 0},
    {"aurora_acu_hour", offsetof(struct price_table, aurora_acu_hour), 0},
    {"aurora_storage_gb_month", offsetof(struct price_table, aurora_storage_gb_month), 0},
};
#define NKEYS (sizeof s_keys / sizeof s_keys[0])

static const struct price_key *s_find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(s_keys[i].name, name) == 0)
            return &s_keys[i];
    return NULL;
}

static const char s_known_keys[] = "fargate_vcpu_hour, fargate_gb_hour, fargate_arm_vcpu_hour, "
                                   "fargate_arm_gb_hour, embed_per_1k_tokens, "
                                   "dynamodb_per_million_rru, nat_per_gb, aurora_acu_hour, "
                                   "aurora_storage_gb_month";

/* Validates one object of price keys; values are recorded in vals[] (NAN: not given). */
static int s_read_prices(const cJSON *obj, const char *where, const char *origin,
                         bool allow_top_level_keys, double vals[NKEYS], char **error)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        const char *name = it->string ? it->string : "";
        if (allow_top_level_keys &&
            (strcmp(name, "source_date") == 0 || strcmp(name, "source") == 0 ||
             strcmp(name, "regions") == 0))
            continue;
        const struct price_key *k = s_find_key(name);
        if (!k) {
            *error = xasprintf("%s: unknown key \"%.64s\"%s%s; the price keys are %s",
                               origin, name, where ? " in " : "", where ? where : "",
                               s_known_keys);
            return -1;
        }
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < 0) {
            *error = xasprintf("%s: \"%s\"%s%s must be a non-negative number of US dollars",
                               origin, name, where ? " in " : "", where ? where : "");
            return -1;
        }
        vals[k - s_keys] = it->valuedouble;
    }
    return 0;
}

static bool s_is_date(const char *s)
{
    /* YYYY-MM-DD: enough to catch "11/01/2026" and free text. */
    if (strlen(s) != 10)
        return false;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    }
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

int price_table_apply_json(struct price_table *t, const char *json, size_t len,
                           const char *origin, char **error)
{
    *error = NULL;
    if (!origin)
        origin = "prices";
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!doc) {
        *error = xasprintf("%s is not valid JSON; expected an object such as "
                           "{\"source_date\": \"2026-11-01\", \"regions\": {\"%s\": "
                           "{\"fargate_vcpu_hour\": 0.04048}}}", origin,
                           t->region ? t->region : "us-east-1");
        return -1;
    }
    int rc = -1;
    double top[NKEYS], reg[NKEYS];
    for (size_t i = 0; i < NKEYS; i++)
        top[i] = reg[i] = NAN;
    const char *date = NULL, *source = NULL;

    if (!cJSON_IsObject(doc)) {
        *error = xasprintf("%s must hold a JSON object of prices", origin);
        goto done;
    }
    if (s_read_prices(doc, NULL, origin, true, top, error) != 0)
        goto done;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "source_date");
    if (d) {
        if (!cJSON_IsString(d) || !s_is_date(d->valuestring)) {
            *error = xasprintf("%s: \"source_date\" must be a date written YYYY-MM-DD", origin);
            goto done;
        }
        date = d->valuestring;
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "source");
    if (s) {
        if (!cJSON_IsString(s) || strlen(s->valuestring) > 200) {
            *error = xasprintf("%s: \"source\" must be a short text (200 characters at most)",
                               origin);
            goto done;
        }
        source = s->valuestring;
    }
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(doc, "regions");
    if (regions) {
        if (!cJSON_IsObject(regions)) {
            *error = xasprintf("%s: \"regions\" must be an object keyed by region name", origin);
            goto done;
        }
        const cJSON *r;
        cJSON_ArrayForEach(r, regions) {
            char *where = xasprintf("regions.%.64s", r->string ? r->string : "");
            int bad = 0;
            if (!cJSON_IsObject(r)) {
                *error = xasprintf("%s: \"%s\" must be an object of prices", origin, where);
                bad = 1;
            } else {
                double scratch[NKEYS];
                bool mine = t->region && r->string && strcmp(r->string, t->region) == 0;
                bad = s_read_prices(r, where, origin, false, mine ? reg : scratch, error);
            }
            free(where);
            if (bad)
                goto done;
        }
    }

    /* Everything validated: apply, the region's own figures winning over top-level ones. */
    bool arm = s_is_arm(t->architecture);
    int applied = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (s_keys[i].arch == 1 && arm)
            continue;
        if (s_keys[i].arch == 2 && !arm)
            continue;
        double v = !isnan(reg[i]) ? reg[i] : top[i];
        if (isnan(v))
            continue;
        struct price_value *slot = (struct price_value *)((char *)t + s_keys[i].offset);
        slot->known = true;
        slot->usd = v;
        applied++;
    }
    enum message_id sid = source ? (applied == 1 ? MSG_PRICES_OVERRIDE_SOURCE_ONE : MSG_PRICES_OVERRIDE_SOURCE)
                                 : (applied == 1 ? MSG_PRICES_OVERRIDE_ONE : MSG_PRICES_OVERRIDE);
    s_set_source(t, MESSAGE(sid, MSG_S("origin", origin), MSG_S("source", source), MSG_I("count", applied)));
    if (date) {
        free(t->source_date);
        t->source_date = xstrdup(date);
    }
    rc = 0;
done:
    cJSON_Delete(doc);
    return rc;
}

int price_table_apply_file(struct price_table *t, const char *path, char **error)
{
    *error = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *error = xasprintf("cannot open the prices file %s: %s; check the path given to "
                           "--prices", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        *error = xasprintf("the prices file %s is a directory; give a JSON file to --prices", path);
        return -1;
    }
    char *data = xmalloc(OVERRIDE_MAX_BYTES + 1);
    size_t n = fread(data, 1, OVERRIDE_MAX_BYTES + 1, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    int rc = -1;
    if (failed)
        *error = xasprintf("cannot read the prices file %s; check its permissions", path);
    else if (n > OVERRIDE_MAX_BYTES)
        *error = xasprintf("the prices file %s is larger than 1 MiB; it should hold a few "
                           "prices only", path);
    else
        rc = price_table_apply_json(t, data, n, path, error);
    free(data);
    return rc;
}

static void s_add_price(cJSON *obj, const char *name, struct price_value v)
{
    if (v.known)
        cJSON_AddNumberToObject(obj, name, v.usd);
    else
        cJSON_AddNullToObject(obj, name);
}

cJSON *price_table_to_json(const struct price_table *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "region", t->region ? t->region : "");
    cJSON_AddStringToObject(o, "architecture", t->architecture ? t->architecture : "");
    cJSON_AddStringToObject(o, "source", t->source ? t->source : "");
    cJSON_AddStringToObject(o, "source_date", t->source_date ? t->source_date : "");
    cJSON_AddStringToObject(o, "embed_model", PRICING_EMBED_MODEL);
    s_add_price(o, "fargate_vcpu_hour", t->fargate_vcpu_hour);
    s_add_price(o, "fargate_gb_hour", t->fargate_gb_hour);
    s_add_price(o, "embed_per_1k_tokens", t->embed_per_1k_tokens);
    s_add_price(o, "dynamodb_per_million_rru", t->dynamodb_per_million_rru);
    s_add_price(o, "nat_per_gb", t->nat_per_gb);
    /* The copy's prices appear only when given (--prices): the built-in ones are the copy
     * preview's, shown there. */
    if (t->aurora_acu_hour.known)
        cJSON_AddNumberToObject(o, "aurora_acu_hour", t->aurora_acu_hour.usd);
    if (t->aurora_storage_gb_month.known)
        cJSON_AddNumberToObject(o, "aurora_storage_gb_month", t->aurora_storage_gb_month.usd);
    if (t->source_msg.id != MSG_NONE)
        cJSON_AddItemToObject(o, "source_message", message_to_json(&t->source_msg));
    cJSON *notes = cJSON_AddArrayToObject(o, "notes");
    for (size_t i = 0; i < t->nnotes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(t->notes[i]));
    cJSON *note_ids = cJSON_AddArrayToObject(o, "note_messages");
    for (size_t i = 0; t->note_msgs && i < t->nnotes; i++)
        cJSON_AddItemToArray(note_ids, message_to_json(&t->note_msgs[i]));
    return o;
}

double fargate_hourly_usd(const struct price_table *t, int cpu_units, int memory_mib)
{
    if (!t->fargate_vcpu_hour.known || !t->fargate_gb_hour.known)
        return NO_PRICE;
    double vcpu = (cpu_units > 0 ? cpu_units : 0) / 1024.0;
    double gb = (memory_mib > 0 ? memory_mib : 0) / 1024.0;
    return vcpu * t->fargate_vcpu_hour.usd + gb * t->fargate_gb_hour.usd;
}

double fargate_billed_seconds(double seconds)
{
    if (!(seconds > 60.0)) /* also NaN and negatives */
        return 60.0;
    return ceil(seconds);
}

double fargate_task_usd(const struct price_table *t, int cpu_units, int memory_mib,
                        double seconds)
{
    double hourly = fargate_hourly_usd(t, cpu_units, memory_mib);
    if (hourly < 0)
        return NO_PRICE;
    return hourly * fargate_billed_seconds(seconds) / 3600.0;
}
