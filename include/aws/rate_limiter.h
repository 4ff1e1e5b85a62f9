/* Client-side adaptive rate limiting, as the AWS SDKs' "adaptive" retry mode does it:
 * nothing is held back until AWS first throttles an operation; from then on its requests
 * wait for a token from a bucket whose rate drops to 70 % of the measured send rate at
 * each throttling answer and grows back along a cubic curve (CUBIC, C = 0.4, β = 0.7)
 * while answers succeed, never above twice the measured rate.
 *
 * Owns: one limiter per (service, operation) (AWS's own buckets are per API action), the
 * send-rate measurement (0.5 s buckets, smoothing 0.8) and the cubic rate. The client
 * (aws/client.c) asks before each attempt and reports each answer; which calls are
 * limited is its choice (ECS and DynamoDB; RunTask is paced by the runner at Fargate's
 * documented rate instead). */
#ifndef BCM_AWS_RATE_LIMITER_H
#define BCM_AWS_RATE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limiter;
struct rate_limiters;

struct rate_limiters *rate_limiters_new(void);
void rate_limiters_free(struct rate_limiters *set);
/* The limiter for service_id + operation, made on first use. */
struct rate_limiter *rate_limiters_get(struct rate_limiters *set, const char *service_id,
                                       const char *operation);

/* 0 when the request may go now (a token was taken), else how many ms to wait first. */
uint64_t rate_limiter_acquire(struct rate_limiter *rl, uint64_t now_ms);
/* Every HTTP answer: throttled or not. */
void rate_limiter_on_reply(struct rate_limiter *rl, uint64_t now_ms, bool throttled);
/* Whether throttling has switched it on, and its current rate (requests a second). */
bool rate_limiter_enabled(const struct rate_limiter *rl);
double rate_limiter_rate(const struct rate_limiter *rl);

#endif
