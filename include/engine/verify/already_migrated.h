/* Bots the v1 stack already re-embedded in the new cluster, found before spending.
 *
 * Owns: the rule (vectors in the new cluster, SyncStatus SUCCEEDED, and that status
 * written after the cluster was created: the time of the last line its task logged,
 * stream <prefix>/<container>/<LastExecId>), the reason shown for each such bot, and
 * unselecting them in a plan (--include-migrated keeps them). An owner who edited a bot
 * after the upgrade made the stack embed it again; a second task would only cost. */
#ifndef BCM_ENGINE_ALREADY_MIGRATED_H
#define BCM_ENGINE_ALREADY_MIGRATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_session;
struct deployment;
struct inventory;
struct plan;

struct migrated_bot {
    char *bot_id;
    long long rows;
    int64_t embedded_at_ms;     /* the last line its task logged */
    char *reason;               /* "has 12 vectors in the new cluster, embedded … after its creation …" */
};

struct migrated_set {
    struct migrated_bot *bots;
    size_t n;
    int64_t cluster_created_ms; /* 0 unknown */
    bool checked;               /* false: the check could not run (see note) */
    char *note;                 /* why it could not run (permission, no cluster), or NULL */
};

/* Called once, from the event loop; set is valid during the callback (move it to keep). */
typedef void (*migrated_done_fn)(void *ud, struct migrated_set *set);

/* Finds the cluster and its creation time, counts the vectors, reads the candidates' task
 * logs. What it needs of dep and inv is copied: they may go before the answer. Never
 * fails the caller: when the check cannot run, set->checked is false and
 * set->note says why (the plan then stays as it was). */
void migrated_find(struct aws_session *s, const struct deployment *dep, const struct inventory *inv,
                   migrated_done_fn done, void *ud);

const struct migrated_bot *migrated_lookup(const struct migrated_set *set, const char *bot_id);
/* Unselects every selected bot of the set (PLAN_WHY_MIGRATED); returns how many. */
size_t migrated_apply_to_plan(const struct migrated_set *set, struct plan *p);
void migrated_set_move(struct migrated_set *dst, struct migrated_set *src);
void migrated_set_free(struct migrated_set *set);

#endif
