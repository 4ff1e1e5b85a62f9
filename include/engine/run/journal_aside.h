/* Setting a journal's run aside so that a new run can start at the same (default) path,
 * while the old run stays readable: "<stem>.<run id>.jsonl" beside it, its report files
 * renamed the same way.
 *
 * Owns: the aside naming. Used by the wizard when an operator starts a new run over an
 * earlier one, and meant for `run --new-run` as well. Never deletes anything. */
#ifndef BCM_ENGINE_JOURNAL_ASIDE_H
#define BCM_ENGINE_JOURNAL_ASIDE_H

/* Returns 0 with *aside_path (caller frees; NULL when there was no journal to move), or
 * -1 with *error saying what failed and what to do. A journal another process holds
 * (a run in progress) is refused. */
int journal_set_aside(const char *path, char **aside_path, char **error);

#endif
