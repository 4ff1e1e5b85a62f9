/* What the copy way's two screens share beyond tui.h: the choice screen (step_copy.c:
 * snapshots, both previews side by side, confirmation) hands over to the copy's
 * dashboard (step_copy_run.c), and both name ways, reasons and times alike.
 *
 * Owns: nothing but these few calls; each screen keeps its own state. */
#ifndef BCM_TUI_COPY_SCREENS_H
#define BCM_TUI_COPY_SCREENS_H

#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wizard;

/* After the explicit confirmation (or the operator's "resume"): the copy from this
 * snapshot (identifier or ARN, as listed) starts, or the journal's unfinished copy
 * resumes, and the dashboard becomes the current step. */
void copy_run_begin(struct wizard *w, const char *snapshot_id, bool resume);

/* The copy is under way (not finished): q and Ctrl-C ask copy_run_ask_quit. */
bool copy_run_live(const struct wizard *w);
/* Stop and remove the temporary resources (default), stop and keep them, leave at once
 * (the journal keeps everything), or go on. Asked a second time (a second Ctrl-C), it
 * leaves at once. */
void copy_run_ask_quit(struct wizard *w);
/* The program's exit code once the wizard ends on the copy way (the copy command's: 0
 * copied and verified, 1 mismatch or failed bots, 130 left unfinished, …) and a line for
 * standard error (the journal to resume from, or the cleanup command), or NULL. */
int copy_run_exit(const struct wizard *w, char **message);

/* "2026-12-06 04:35 UTC" (or "?" when unknown) into buf. */
void copy_format_time(char *buf, size_t n, int64_t ms);
/* "copy", "re-embed", "skip" in the wizard's language. */
const char *copy_way_label(enum copy_way way);
/* The engine's reason (COPY_WHY_*, PLAN_WHY_*) in the wizard's language; any other text
 * is returned as it is (untrusted: draw it with ui_untrusted). */
const char *copy_reason_text(const char *reason);
/* The i18n key naming a temporary resource ("copy.res.cluster", …). */
const char *copy_resource_key(int resource);

#endif
