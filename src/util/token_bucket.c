#include "util/token_bucket.h"

#include <math.h>

static void s_refill(struct token_bucket *b, uint64_t now_ms)
{
    if (now_ms > b->at_ms) {
        b->tokens += (double)(now_ms - b->at_ms) / 1000.0 * b->rate;
        if (b->tokens > b->capacity)
            b->tokens = b->capacity;
    }
    b->at_ms = now_ms;
}

void token_bucket_init(struct token_bucket *b, double capacity, double rate, uint64_t now_ms)
{
    b->capacity = capacity < 1.0 ? 1.0 : capacity;
    b->rate = rate > 0.0 ? rate : 1.0;
    b->tokens = b->capacity;
    b->at_ms = now_ms;
}

bool token_bucket_take(struct token_bucket *b, uint64_t now_ms)
{
    s_refill(b, now_ms);
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

uint64_t token_bucket_wait_ms(struct token_bucket *b, uint64_t now_ms)
{
    s_refill(b, now_ms);
    if (b->tokens >= 1.0)
        return 0;
    return (uint64_t)ceil((1.0 - b->tokens) / b->rate * 1000.0);
}

void token_bucket_drain(struct token_bucket *b, uint64_t now_ms)
{
    s_refill(b, now_ms);
    b->tokens = 0.0;
}

void token_bucket_set_rate(struct token_bucket *b, double capacity, double rate, uint64_t now_ms)
{
    s_refill(b, now_ms);
    b->capacity = capacity < 1.0 ? 1.0 : capacity;
    b->rate = rate > 0.0 ? rate : b->rate;
    if (b->tokens > b->capacity)
        b->tokens = b->capacity;
}
