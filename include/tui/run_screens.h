/* What the run dashboard (step_run*.c), the summary (step_summary.c) and the resume offer
 * (resume_offer.c) share beyond tui.h.
 *
 * Owns: nothing but these few queries; each screen keeps its own state. */
#ifndef BCM_TUI_RUN_SCREENS_H
#define BCM_TUI_RUN_SCREENS_H

#include <stdbool.h>

struct wizard;

/* The last error the runner reported (why it stopped launching), or NULL. */
const char *step_run_last_error(const struct wizard *w);
/* Where the previous run's journal went when this run set it aside, or NULL. */
const char *step_run_aside_path(const struct wizard *w);
/* "Leave the run?" with what keeps running and where the journal is (q, and Ctrl-C on
 * the dashboard); the plain quit confirm when the run has finished. */
void step_run_ask_quit(struct wizard *w);
/* The plan's estimate for the run's bots (lo/hi USD; both -1 when unknown). */
void step_run_estimate(const struct wizard *w, double *lo, double *hi);

#endif
