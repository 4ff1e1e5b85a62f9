#include "aws/rate_limiter.h"

#include "util/mem.h"
#include "util/token_bucket.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
#define MIN_FILL_RATE 0.5       /* requests a second: the slowest the bucket goes */
#define MAX_RATE_OVER_MEASURED 2.0
#define RATE_BUCKET_S 0.5       /* send rate measured over half-second buckets */
#define RATE_SMOOTHING 0.8

struct rate_limiter {
    char *key;
    bool enabled;
    struct token_bucket bucket;
    /* measured send rate */
    double measured;
    double last_bucket_s;
    unsigned count;
    /* cubic */
    double w_max, k, last_fail_s;
};

struct rate_limiters {
    struct rate_limiter **items;
    size_t n;
};

struct rate_limiters *rate_limiters_new(void)
{
    return xcalloc(1, sizeof(struct rate_limiters));
}

void rate_limiters_free(struct rate_limiters *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i]->key);
        free(set->items[i]);
    }
    free(set->items);
    free(set);
}

struct rate_limiter *rate_limiters_get(struct rate_limiters *set, const char *service_id,
                                       const char *operation)
{
    char *key = xasprintf("%s.%s", service_id, operation);
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i]->key, key) == 0) {
            free(key);
            return set->items[i];
        }
    }
    struct rate_limiter *rl = xcalloc(1, sizeof(*rl));
    rl->key = key;
    token_bucket_init(&rl->bucket, 1.0, MIN_FILL_RATE, 0);
    rl->last_bucket_s = -1.0;
    set->items = xrealloc(set->items, (set->n + 1) * sizeof(*set->items));
    set->items[set->n++] = rl;
    return rl;
}

uint64_t rate_limiter_acquire(struct rate_limiter *rl, uint64_t now_ms)
{
    if (!rl || !rl->enabled)
        return 0;
    uint64_t wait = token_bucket_wait_ms(&rl->bucket, now_ms);
    if (wait)
        return wait;
    token_bucket_take(&rl->bucket, now_ms);
    return 0;
}

/* Requests answered a second, smoothed over half-second buckets. */
static double s_measure(struct rate_limiter *rl, double t)
{
    double bucket = floor(t / RATE_BUCKET_S) * RATE_BUCKET_S;
    if (rl->last_bucket_s < 0)
        rl->last_bucket_s = bucket;
    rl->count++;
    if (bucket > rl->last_bucket_s) {
        double current = rl->count / (bucket - rl->last_bucket_s);
        rl->measured = current * RATE_SMOOTHING + rl->measured * (1.0 - RATE_SMOOTHING);
        rl->count = 0;
        rl->last_bucket_s = bucket;
    }
    return rl->measured;
}

void rate_limiter_on_reply(struct rate_limiter *rl, uint64_t now_ms, bool throttled)
{
    if (!rl)
        return;
    double t = (double)now_ms / 1000.0;
    double measured = s_measure(rl, t);
    double rate;
    if (throttled) {
        double use = rl->enabled ? fmin(measured, rl->bucket.rate) : measured;
        if (use < MIN_FILL_RATE)
            use = MIN_FILL_RATE;
        rl->w_max = use;
        rl->k = cbrt(rl->w_max * (1.0 - CUBIC_BETA) / CUBIC_C);
        rl->last_fail_s = t;
        rate = use * CUBIC_BETA;
        if (!rl->enabled) {
            rl->enabled = true;
            token_bucket_init(&rl->bucket, 1.0, MIN_FILL_RATE, now_ms);
            rl->bucket.tokens = 0.0;
        }
    } else {
        if (!rl->enabled)
            return;
        double dt = t - rl->last_fail_s - rl->k;
        rate = CUBIC_C * dt * dt * dt + rl->w_max;
    }
    if (measured > 0 && rate > MAX_RATE_OVER_MEASURED * measured)
        rate = MAX_RATE_OVER_MEASURED * measured;
    if (rate < MIN_FILL_RATE)
        rate = MIN_FILL_RATE;
    token_bucket_set_rate(&rl->bucket, fmax(1.0, rate), rate, now_ms);
}

bool rate_limiter_enabled(const struct rate_limiter *rl)
{
    return rl && rl->enabled;
}

double rate_limiter_rate(const struct rate_limiter *rl)
{
    return rl && rl->enabled ? rl->bucket.rate : 0.0;
}
