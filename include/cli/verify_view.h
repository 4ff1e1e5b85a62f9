/* The headless view of a verification: a table of verdicts with what to do about each,
 * or the verification as one JSON object; the "waking the database" state on stderr.
 * Shared by `verify` and the end of `run`. */
#ifndef BCM_CLI_VERIFY_VIEW_H
#define BCM_CLI_VERIFY_VIEW_H

#include "app/options.h"
#include "engine/verify/verify_run.h"

/* Progress on stderr: phases once each, every wait for a resuming database. */
void verify_view_progress(const struct app_options *o, const struct verify_progress *p);
/* The verification (or why there is none). Returns the exit status it implies:
 * 0 all fine, 1 some bot needs attention, 3 not verified. */
int verify_view_print(const struct app_options *o, const struct verify_deployment_result *r);

#endif
