/* The headless view of a run: one line (or one JSON object) per state change, a periodic
 * summary with counts, throughput, ETA and the cost so far, and the final summary. It observes the
 * runner; it never changes it. */
#ifndef BCM_CLI_RUN_VIEW_H
#define BCM_CLI_RUN_VIEW_H

#include "engine/run/runner.h"

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct live_estimate;

struct run_view {
    bool json;
    bool finished;
    struct ev_loop *loop;
    struct runner *runner;
    uint64_t summary_timer;
    uint64_t summary_every_ms;
    /* The cost so far (measured) and the rest (refitted), when the run has a plan: fed on
     * every state change, printed with each summary (engine/estimate/live_cost.h). */
    struct live_estimate *live;
};

void run_view_init(struct run_view *v, struct ev_loop *loop, bool json);
struct runner_observer run_view_observer(struct run_view *v);
/* Starts the periodic summary once the runner exists. */
void run_view_attach(struct run_view *v, struct runner *r);
void run_view_print_summary(struct run_view *v, bool final);
void run_view_detach(struct run_view *v);

#endif
