/* The copy way as one engine object: everything `copy` does, from the snapshot to the
 * cleaned-up temporary cluster, driven by the one event loop and observed by the views
 * (the headless `copy` command, the wizard's copy step) through a state snapshot and a
 * change callback.
 *
 * Owns: the copy's orchestration and its order — resolve the deployment and the v1
 * cluster, list or take the snapshot, load and select the bots, preview both ways, wait
 * for the confirmation, open the copy journal and write its header (the run id is
 * journaled before anything is created), bring up the temporary cluster
 * (temp_cluster.h), count the rows on both sides, decide each bot's way once, copy the
 * rows (row_copy.h), verify the per-bot counts (engine/verify/vector_counts.h), then
 * remove or keep the temporary resources — and the resume of an unfinished copy found
 * in the journal. It measures the copy rate (rows/s, bytes/s) per bot and overall and
 * derives the ETAs. It knows nothing of terminals, prompts or signals: a view turns a
 * key press or a Ctrl-C into one of the commands below.
 *
 * Never blocking: every function returns at once; work happens in callbacks of the
 * session's event loop (curl multi, timers). The change callback is called from the
 * loop (never inline from a command), after each change of the state, at most about
 * four times a second for progress alone. Inside it a view may read the state and
 * call any command except copy_session_free.
 *
 * Nothing secret is ever in the state: no password, no secret value, no row content.
 *
 * Typical use (headless): copy_session_new, copy_session_start, run the loop until
 * state->phase is COPY_PHASE_DONE; answer COPY_PHASE_PREVIEW with copy_session_confirm
 * (or copy_session_cancel) and COPY_PHASE_CLEANUP_ASK with copy_session_cleanup; map
 * state->outcome to an exit code (copy_outcome_exit_code); copy_session_free.
 *
 * API changes after the first commit are listed here:
 *   (none yet) */
#ifndef BCM_ENGINE_COPY_SESSION_H
#define BCM_ENGINE_COPY_SESSION_H

#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_preview.h"
#include "engine/copy/snapshots.h"
#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_session;
struct deployment;
struct plan;
struct cJSON;
struct copy_session_state;

/* Where the session is. Phases only move forward (a resume starts at RESOLVING too). */
enum copy_phase {
    COPY_PHASE_IDLE,           /* made, not started */
    COPY_PHASE_RESOLVING,      /* deployment, v1 cluster (DescribeDBClusters, subnet group) */
    COPY_PHASE_SNAPSHOTS,      /* listing the v0 cluster's snapshots */
    COPY_PHASE_CHOOSE,         /* waits: state->snapshots listed, none named:
                                  copy_session_choose_snapshot (or cancel) */
    COPY_PHASE_BOTS,           /* reading the bots, building the selection */
    COPY_PHASE_PREVIEW,        /* waits: state->preview ready: copy_session_confirm / cancel
                                  (skipped when the config says confirmed) */
    COPY_PHASE_PREPARING,      /* secret, security group, restore, instance, password, Data API */
    COPY_PHASE_COUNTING,       /* rows per bot in the temporary cluster and in v1 */
    COPY_PHASE_COPYING,        /* bot by bot; then REINDEX */
    COPY_PHASE_VERIFYING,      /* rows per bot in v1 against the snapshot's */
    COPY_PHASE_CLEANUP_ASK,    /* waits (cleanup policy ASK only): copy_session_cleanup(remove?) */
    COPY_PHASE_CLEANING,       /* instance, cluster, security group, secret being deleted */
    COPY_PHASE_DONE,           /* final: see outcome */
};

/* "idle", "resolving", "snapshots", "choose", "bots", "preview", "preparing", "counting",
 * "copying", "verifying", "cleanup_ask", "cleaning", "done" (stable JSON values). */
const char *copy_phase_name(enum copy_phase p);

/* How it ended (meaningful once phase is COPY_PHASE_DONE). */
enum copy_outcome {
    COPY_OUTCOME_NONE,         /* not finished */
    COPY_OUTCOME_COPIED,       /* every bot to copy copied and verified equal */
    COPY_OUTCOME_MISMATCH,     /* copied, but some bot's counts differ (state->verify) */
    COPY_OUTCOME_BOTS_FAILED,  /* some bot's copy failed; the temporary cluster is kept for a resume */
    COPY_OUTCOME_STOPPED,      /* stopped by copy_session_stop (cleaned unless kept) */
    COPY_OUTCOME_CANCELLED,    /* cancelled before anything was created */
    COPY_OUTCOME_NEEDS_CHOICE, /* headless: snapshots listed, none named (--snapshot) */
    COPY_OUTCOME_REFUSED,      /* a usage-type refusal (journal holds another run, no
                                  confirmation, bad --bots): state->error says why */
    COPY_OUTCOME_FAILED,       /* configuration or AWS error: state->error says what and why */
};

/* "none", "copied", "mismatch", "bots_failed", "stopped", "cancelled", "needs_choice",
 * "refused", "failed". */
const char *copy_outcome_name(enum copy_outcome o);
/* The `copy` command's exit codes (app/output.h): COPIED 0; MISMATCH, BOTS_FAILED 1;
 * NEEDS_CHOICE, REFUSED, CANCELLED 2; FAILED 3; STOPPED 130. */
int copy_outcome_exit_code(enum copy_outcome o);

/* What the session does with the temporary resources after a verified copy. */
enum copy_cleanup_policy {
    COPY_CLEANUP_REMOVE,       /* delete them (headless default) */
    COPY_CLEANUP_KEEP,         /* keep them (--keep-temporary); `cleanup` removes them later */
    COPY_CLEANUP_ASK,          /* stop in COPY_PHASE_CLEANUP_ASK (the wizard; default yes there) */
};

enum copy_cleanup_state {
    COPY_CLEANUP_NOT_YET,      /* nothing decided */
    COPY_CLEANUP_ASKING,       /* waiting for copy_session_cleanup */
    COPY_CLEANUP_REMOVING,
    COPY_CLEANUP_REMOVED,      /* every temporary resource is gone */
    COPY_CLEANUP_KEPT,         /* kept on purpose */
    COPY_CLEANUP_FAILED,       /* removal failed: `bedrock-chat-migrate cleanup --yes` retries */
};
const char *copy_cleanup_state_name(enum copy_cleanup_state s); /* "not_yet", "asking", … */

struct copy_session_config {
    struct aws_session *session;   /* open; its loop and client are used (borrowed) */
    const char *journal_path;      /* the copy journal (copy_journal_path_for); copied */
    /* What app_options holds for the run and plan commands (copied): */
    const char *stack;             /* NULL: the default stack name */
    const char *outputs_file;      /* --outputs */
    const char *snapshot;          /* --snapshot ID|ARN; NULL: list, then COPY_PHASE_CHOOSE */
    const char *bots_csv;          /* --bots */
    const char *exclude_csv;       /* --exclude */
    bool include_empty;
    bool scan_table;
    const char *prices_file;       /* --prices: also the copy's ACU-hour and storage prices */
    int concurrency;               /* bots copied at once; 0: 4 */
    bool new_run;                  /* refuse to resume; an unfinished journal is REFUSED */
    bool confirmed;                /* --yes: go past COPY_PHASE_PREVIEW without waiting */
    bool list_only;                /* headless without --snapshot: end NEEDS_CHOICE in CHOOSE */
    enum copy_cleanup_policy cleanup;
    /* Optional, borrowed, must outlive the session: a view that already resolved the
     * deployment (and built a plan from it) passes them and the session skips those
     * steps; the plan's selection is then the one copied. NULL: resolved here. */
    const struct deployment *deployment;
    const struct plan *plan;
    /* Called from the loop after the state changed (see above). */
    void (*changed)(void *ud, const struct copy_session_state *state);
    void *ud;
};

/* One temporary resource as the views show it. */
struct copy_session_resource {
    enum copy_resource kind;       /* copy_resource_label(kind): "temporary secret", … */
    enum copy_res_state state;     /* none, intended, created, deleting, deleted */
    const char *name;              /* deterministic name from the run id, or NULL */
    const char *id;                /* ARN or sg-…, once created, or NULL */
    const char *aws_status;        /* last status AWS reported ("creating", "available"), or NULL */
};

enum copy_bot_phase {
    COPY_BOT_NOT_COPIED,           /* way is reembed or skip */
    COPY_BOT_WAITING,              /* to copy, not started in this process */
    COPY_BOT_COPYING,              /* its transaction is open */
    COPY_BOT_DONE,                 /* committed (in this process or an earlier attempt) */
    COPY_BOT_FAILED,               /* rolled back; error says why */
};
const char *copy_bot_phase_name(enum copy_bot_phase p); /* "not_copied", "waiting", … */

struct copy_session_bot {
    const char *bot_id;
    const char *title;             /* raw: sanitise before display; may be NULL */
    enum copy_way way;             /* copy, reembed, skip */
    const char *reason;            /* why this way (COPY_WHY_* or the plan's words) */
    enum copy_bot_phase phase;
    bool copied_now;               /* started in this process (not by an earlier attempt) */
    int64_t rows_done;             /* rows written in this process (or all, once DONE) */
    int64_t rows_total;            /* the snapshot's count; -1 not counted yet */
    uint64_t bytes_done;           /* bytes of values written */
    double rows_per_s;             /* measured over this bot's copy; 0 unknown */
    double bytes_per_s;
    double eta_s;                  /* seconds left for this bot; -1 unknown */
    int64_t verified_rows;         /* rows in v1 after the copy; -1 not verified */
    bool verified_equal;           /* verified_rows equals rows_total */
    struct message error;          /* MSG_NONE unless FAILED */
};

/* The copy rate measured so far (also what feeds copy_preview's time estimate). */
struct copy_session_rate {
    int64_t rows;                  /* rows copied in this process */
    uint64_t bytes;
    double seconds;                /* time spent copying (bots in flight), > 0 once measured */
    double rows_per_s;             /* 0: not measured yet */
    double bytes_per_s;
    double eta_s;                  /* all bots left; -1 unknown */
};

/* A message the session wants shown, kept in order (the last COPY_SESSION_LOG_MAX). */
enum copy_msg_level { COPY_MSG_INFO, COPY_MSG_WARN, COPY_MSG_ERROR };
struct copy_session_message {
    enum copy_msg_level level;
    const char *code;              /* stable kind: "progress", "message", "resume", "mismatch",
                                      "interrupted" (the headless JSON "event" names) */
    struct message text;           /* render with message_render (MSG_TEXT for the engine
                                      parts' own English lines) */
    uint64_t seq;                  /* increases by one per message, from 1 */
};
#define COPY_SESSION_LOG_MAX 64

/* The whole state, owned by the session: valid until the next return to the event loop
 * (copy it to keep it). Strings are never NULL unless stated. */
struct copy_session_state {
    enum copy_phase phase;
    enum copy_outcome outcome;
    bool resuming;                 /* continuing an unfinished copy from the journal */
    bool nothing_to_copy;          /* DONE/COPIED without creating anything: no selected bot
                                      is left to copy (state->preview says why per bot) */
    bool stopping;                 /* copy_session_stop was asked: bots in flight finishing */
    const char *run_id;            /* NULL until the journal header is written */
    const char *journal_path;
    const char *region;
    const char *stack;             /* NULL until resolved */
    const char *target_cluster_arn;/* the v1 cluster, NULL until resolved */

    const struct copy_snapshots *snapshots;  /* listed (NULL before/when resuming) */
    const struct copy_snapshot *snapshot;    /* the one copied from, NULL until known */
    const struct copy_preview *preview;      /* NULL before COPY_PHASE_PREVIEW */

    struct copy_session_resource resources[COPY_RES_N];
    const struct copy_session_bot *bots;     /* the run's bots, in plan order */
    size_t nbots;
    size_t bots_to_copy, bots_copied, bots_failed, bots_reembed, bots_skipped;
    int64_t rows_total;            /* rows to copy (snapshot's counts), -1 not counted */
    int64_t rows_done;             /* of them, in v1 (earlier attempts count whole bots) */
    struct copy_session_rate rate;
    bool reindexed;
    const char *index_name;        /* the index rebuilt, or NULL */

    bool verified;                 /* verification ran */
    size_t mismatches;             /* bots whose counts differ */
    enum copy_cleanup_state cleanup;

    struct message error;          /* MSG_NONE, or what went wrong, why, what to do */
    const struct copy_session_message *log;  /* oldest first */
    size_t nlog;
    uint64_t requests;             /* Data API requests made by the row copy */
};

struct copy_session;

/* Makes a session (nothing happens until copy_session_start). NULL only on a bad config
 * (no session or journal path). */
struct copy_session *copy_session_new(const struct copy_session_config *cfg);
/* Starts, or resumes when the journal holds an unfinished copy (unless new_run). */
void copy_session_start(struct copy_session *s);
/* COPY_PHASE_CHOOSE: take this snapshot (identifier or ARN from state->snapshots). */
void copy_session_choose_snapshot(struct copy_session *s, const char *snapshot);
/* COPY_PHASE_PREVIEW: go ahead (the temporary cluster is created). */
void copy_session_confirm(struct copy_session *s);
/* Before anything was created (CHOOSE, PREVIEW or earlier): end CANCELLED (with a step
 * in flight, once it has answered). */
void copy_session_cancel(struct copy_session *s);
/* Stop-and-clean (the first Ctrl-C): start no further step or bot, let bots in flight
 * commit or roll back, then remove the temporary resources (clean = true) or keep them
 * (clean = false), and end STOPPED. A removal already under way is never cancelled
 * (a stop during it is ignored: the copy ends as it would have).
 * Before anything was created it ends STOPPED too, once the step in flight has answered
 * (state->run_id NULL: nothing was created). */
void copy_session_stop(struct copy_session *s, bool clean);
/* COPY_PHASE_CLEANUP_ASK: remove (true) or keep (false) the temporary resources. */
void copy_session_cleanup(struct copy_session *s, bool remove);

const struct copy_session_state *copy_session_state(const struct copy_session *s);
/* Frees the session. In an unfinished phase this is "leave at once" (a second Ctrl-C):
 * requests in flight are abandoned, the journal keeps what exists and the next start
 * resumes. Never call it from inside the change callback. */
void copy_session_free(struct copy_session *s);

/* The state as JSON for views that print it (no secrets, no rows): {"phase", "outcome",
 * "run_id", "bots": [{"bot_id", "way", "phase", "rows", "rows_total", "bytes",
 * "rows_per_s", "bytes_per_s", "eta_s"}], "rate": {...}, "cleanup", ...}. */
struct cJSON *copy_session_state_to_json(const struct copy_session_state *st);
/* One bot: {"bot_id", "way", "phase", "rows", "rows_total", "bytes", "rows_per_s",
 * "bytes_per_s", "eta_s" (null unknown)}. */
struct cJSON *copy_session_bot_to_json(const struct copy_session_bot *b);
/* The whole copy's progress: {"bots_to_copy", "bots_copied", "bots_failed", "rows",
 * "rows_total" (null unknown), "rows_copied_now", "bytes_copied_now", "seconds",
 * "rows_per_s", "bytes_per_s", "eta_s" (null unknown)}. */
struct cJSON *copy_session_rate_to_json(const struct copy_session_state *st);

#endif
