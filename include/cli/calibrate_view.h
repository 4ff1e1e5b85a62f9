/* The headless view of a calibrated estimate: finished bots (a pilot's runner, or the
 * journals `plan --calibrate` reads) measured from their task logs and ECS times, the
 * plan refitted to them, printed as text or as a JSON object. Shared by `run --pilot`
 * and `plan --calibrate`; the measuring and the fit are the engine's
 * (engine/estimate/measure.h, engine/estimate/calibrate.h). */
#ifndef BCM_CLI_CALIBRATE_VIEW_H
#define BCM_CLI_CALIBRATE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct aws_session;
struct deployment;
struct plan;
struct run_bot;
struct cJSON;

/* Measures the bots among `bots` that succeeded, in the plan, and calibrates it. On
 * success returns 0 and sets *json_out (caller deletes) to
 * {"measured": [{bot_id, ..measure}], "calibration": {...}} and, when text_out is not
 * NULL, writes the text view to it. Returns -1 with *error (caller frees) when no finished bot belongs to the
 * plan. */
int calibrate_view(struct aws_session *s, const struct deployment *dep, const struct plan *p,
                   const struct run_bot *bots, size_t nbots, FILE *text_out, struct cJSON **json_out,
                   char **error);

/* Measures the bots among `bots` that succeeded and belong to the plan: *out[k] answers
 * plan item (*items)[k]; returns how many (caller frees both arrays). */
struct bot_measure;
size_t calibrate_measure_finished(struct aws_session *s, const struct deployment *dep,
                                  const struct plan *p, const struct run_bot *bots, size_t nbots,
                                  struct bot_measure **out, size_t **items);

#endif
