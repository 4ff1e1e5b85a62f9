/* The cost of a run while it runs: what finished bots really cost (measured, not a range)
 * and the rest refitted to them as they finish, so the range narrows during the run.
 *
 * Owns: following a runner's bots, reading each finished task's log and ECS times
 * (engine/estimate/measure.h) a batch at a time from the loop, the refit of the bots still
 * to run (engine/estimate/calibrate.h: per source type, the measured text per byte, per URL
 * and per sitemap against the model's — actual/predicted by source type —, the measured
 * task and image-pull times), and the snapshot views draw. Views call live_cost_observe
 * after the runner's state changes and live_cost_get to draw; they never compute costs.
 *
 * A bot retried in the run is measured on its last task; its earlier attempts' tasks add
 * their Fargate time (ECS times the runner kept; their Bedrock tokens are not known) to
 * what it cost. NAT and the scan are outside these figures, as in the calibration. */
#ifndef BCM_ENGINE_LIVE_COST_H
#define BCM_ENGINE_LIVE_COST_H

#include <stdbool.h>
#include <stddef.h>

struct aws_session;
struct deployment;
struct plan;
struct runner;
struct run_bot;
struct cJSON;

struct live_cost {
    bool known;                /* the plan knows the run's bots and prices */
    size_t finished;           /* final bots with a task */
    size_t measured;           /* of them, measured (log and ECS times read) */
    double finished_usd;       /* what the measured ones cost (Fargate + Bedrock) */
    double running_usd;        /* Fargate of the tasks still running, so far (and of finished
                                  ones whose log is still being read) */
    double so_far_usd;         /* finished_usd + running_usd: measured, not a range */
    size_t remaining;          /* the plan's selected bots not finished (a pilot's runner holds
                                  only its own: the rest count here too) */
    double remaining_lo, remaining_hi;   /* their whole cost, refitted (USD; -1 unknown) */
    double remaining_model_lo, remaining_model_hi; /* the same bots by the plan's model alone */
    double total_lo, total_hi;           /* finished_usd + remaining */
    double remaining_wall_lo, remaining_wall_hi; /* seconds until the last one ends */
    size_t refit_bots;         /* succeeded bots the refit learnt from */
    size_t earlier_tasks;      /* tasks of retried bots' earlier attempts that ran */
    double earlier_usd;        /* their Fargate cost, in finished_usd (0 unknown prices) */
    size_t pull_samples;       /* image pulls measured (ECS pull times) */
    double pull_seconds;       /* their mean; -1 none */
};

struct live_estimate;
/* busy(ud, true) when a batch of logs starts being read, busy(ud, false) when it ends
 * (from the loop); the snapshot changed then. */
typedef void (*live_cost_busy_fn)(void *ud, bool busy);

/* plan, dep and s are borrowed and must outlive the estimate and any batch in flight
 * (live_cost_busy false, or live_cost_idle). */
struct live_estimate *live_cost_new(struct aws_session *s, const struct deployment *dep,
                                    const struct plan *p, live_cost_busy_fn busy, void *ud);
/* Notes the runner's bots: a newly final task is queued for measuring (read when no batch
 * is in flight). */
void live_cost_observe(struct live_estimate *le, const struct runner *r);
bool live_cost_idle(const struct live_estimate *le);
/* The snapshot now (running Fargate to this second). */
void live_cost_get(struct live_estimate *le, const struct runner *r, struct live_cost *out);
/* {"so_far_usd", "measured_bots", "finished_bots", "remaining_bots", "remaining_usd"{low,high},
 * "total_usd"{low,high}, "remaining_duration_s"{low,high}, "refit_bots", "pull_s",
 * "earlier_attempts"{tasks, usd}} */
struct cJSON *live_cost_to_json(const struct live_cost *c);
/* The Fargate cost of a retried bot's earlier attempts' tasks (0 for none; -1 when the
 * plan's prices do not give Fargate's): what the reports add to its measured last task. */
double live_cost_earlier_attempts_usd(const struct plan *p, const struct run_bot *b);
/* Frees; a batch still in flight is dropped when it answers (busy(ud, false) is still
 * called then, so a caller counting requests in flight waits for it). */
void live_cost_free(struct live_estimate *le);

#endif
