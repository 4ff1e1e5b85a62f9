/* Stop burning money on a systematic failure: when the first bots of a run to finish all
 * fail the same way (Bedrock model access not enabled, the task contract, a stopped
 * cluster…), every later task would too.
 *
 * Owns: the normalised cause of a failure reason (so "the same way" ignores ids, counts and
 * document names), the rule that trips (the first N finished all failed with one cause;
 * or, of the first max(10, N), at least 80 % did), and what to fix for the known causes.
 * Pure logic: the runner feeds it outcomes and stops launching when it trips. */
#ifndef BCM_ENGINE_EARLY_FAILURE_H
#define BCM_ENGINE_EARLY_FAILURE_H

#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>

#define EARLY_FAILURE_DEFAULT 3      /* --max-early-failures when not given */
#define EARLY_FAILURE_WINDOW 10      /* the 80 % rule looks at this many first outcomes */
#define EARLY_FAILURE_SHARE 0.8

struct early_failure_watch {
    int threshold;           /* N ≥ 1; 0: never trips */
    size_t window;           /* max(EARLY_FAILURE_WINDOW, N) */
    size_t seen;             /* outcomes noted so far (only the first `window` count) */
    char **causes;           /* per noted outcome: its cause, NULL for a success */
    bool tripped;
    char *cause;             /* the shared cause, once tripped */
    size_t cause_count;      /* how many of the first `seen` had it */
};

void early_failure_init(struct early_failure_watch *w, int threshold);
void early_failure_free(struct early_failure_watch *w);

/* Notes one finished bot (failed, with its reason; or succeeded). Returns true exactly
 * once: when this outcome trips the watch. */
bool early_failure_note(struct early_failure_watch *w, bool failed, const char *reason);

/* The cause a reason normalises to (caller frees): a known cause's name ("Bedrock model
 * access denied", "the task stopped without writing a status", …), else the reason's
 * first line with digits and quoted names blanked, at most 120 bytes. */
char *early_failure_cause(const char *reason);

/* What to fix for a cause (static English text, the hint message's template). */
const char *early_failure_hint(const char *cause);

/* The same as structured messages (engine/message), for views that word them in their own
 * language: a known cause is its MSG_EARLY_CAUSE_* id, another one its text as it is; the
 * hint is the cause's MSG_EARLY_HINT_* (MSG_EARLY_HINT_OTHER for unknown causes). Caller
 * frees with message_free. */
struct message early_failure_cause_message(const char *cause);
struct message early_failure_hint_message(const char *cause);

#endif
