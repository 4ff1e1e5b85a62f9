/* A token bucket on the event loop's clock: `capacity` tokens, refilled `rate` a second.
 *
 * Owns: the arithmetic only (take, time until the next token, empty). The runner paces
 * RunTask with one at Fargate's documented 20 calls/s; the client's adaptive rate limiter
 * (aws/rate_limiter.c) changes its rate as AWS answers. */
#ifndef BCM_UTIL_TOKEN_BUCKET_H
#define BCM_UTIL_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
    double capacity;
    double rate;        /* tokens a second; > 0 */
    double tokens;
    uint64_t at_ms;     /* when tokens was last brought up to date */
};

void token_bucket_init(struct token_bucket *b, double capacity, double rate, uint64_t now_ms);
/* Takes one token if there is one. */
bool token_bucket_take(struct token_bucket *b, uint64_t now_ms);
/* Milliseconds until a token is there (0: now). */
uint64_t token_bucket_wait_ms(struct token_bucket *b, uint64_t now_ms);
/* Throws the tokens away (the server said we were too fast: start again from empty). */
void token_bucket_drain(struct token_bucket *b, uint64_t now_ms);
/* New rate and capacity; the tokens held are kept (up to the new capacity). */
void token_bucket_set_rate(struct token_bucket *b, double capacity, double rate, uint64_t now_ms);

#endif
