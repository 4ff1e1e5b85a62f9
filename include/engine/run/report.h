/* A run's outcome as a report a person keeps: Markdown to read, JSON for scripts, both
 * written next to the run's journal with mode 0600.
 *
 * Owns: the report's content (counts, one row per bot with state, attempts, task,
 * duration and reason, next steps) and where the files go. A report is a snapshot taken
 * from a runner (the wizard's summary, the headless run) or from a journal read back
 * (`status`); it knows nothing of terminals. Titles come from the table: the Markdown
 * renders them inert (control characters, escapes and bidi overrides removed, Markdown
 * and HTML metacharacters escaped); the JSON keeps them as stored, JSON-escaped. */
#ifndef BCM_ENGINE_REPORT_H
#define BCM_ENGINE_REPORT_H

#include "engine/run/runner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* What the runner does not know about itself. Strings are copied. */
struct report_context {
    const char *stack;          /* NULL: not named */
    const char *region;
    const char *account;        /* NULL: omitted */
    const char *journal_path;   /* required to write the files */
    bool demo;                  /* the local emulator: said so at the top */
    double cost_low_usd;        /* the plan's estimate for these bots; < 0: unknown */
    double cost_high_usd;
    uint64_t generated_at_ms;   /* wall clock; 0: now */
};

/* A bot's estimate beside what it really cost (measured by engine/estimate/measure.h
 * and handed in by the caller); USD, -1 unknown. */
struct report_cost {
    bool known;                 /* set for this bot */
    double estimate_lo, estimate_hi;
    double actual;
};

/* One bot's verification (the rows found in the new cluster), attached by engine/verify
 * when the vectors were verified. Strings are copied. */
struct report_check {
    const char *bot_id;
    const char *verdict;        /* "ok", "no_vectors", … */
    const char *verdict_label;  /* "no vectors" */
    const char *action;         /* what to do */
    long long rows;
    long long logged;           /* the count the task logged; -1 unknown */
    bool orphan;                /* rows of a bot id the table no longer has */
};

struct report_check_copy {
    char *bot_id, *verdict, *verdict_label, *action;
    long long rows, logged;
    bool orphan;
};

struct report {
    char *run_id;
    char *started_by;
    char *stack, *region, *account, *journal_path;
    bool demo;
    double cost_low_usd, cost_high_usd;
    uint64_t generated_at_ms;
    struct run_bot *bots;       /* deep copies */
    size_t nbots;
    size_t counts[BOT_STATE_COUNT];
    struct report_cost *costs;  /* per bot (same order), NULL when none was given */
    char *verified_at;          /* NULL: not verified */
    struct report_check_copy *checks;
    size_t nchecks;
    /* bots the run left out on purpose (Knowledge Base bots), with why: listed, never counted
     * among the run's bots */
    struct run_not_run *not_run;
    size_t nnot_run;
};

/* From any list of bots (tests, other views). */
struct report *report_new(const struct report_context *ctx, const char *run_id,
                          const char *started_by, const struct run_bot *bots, size_t nbots);
struct report *report_from_runner(const struct report_context *ctx, const struct runner *r);
struct report *report_from_journal(const struct report_context *ctx, const struct journal_view *v);
void report_free(struct report *rep);
/* Lists a bot the run left out on purpose (strings copied); report_from_runner and
 * report_from_journal add the run's own. */
void report_add_not_run(struct report *rep, const struct run_not_run *nr);
/* The estimate-vs-actual figures of one bot (found by id); ignored for an unknown id. */
void report_set_cost(struct report *rep, const char *bot_id, double estimate_lo,
                     double estimate_hi, double actual);
/* Adds a verification's verdict for one bot (or orphan id); verified_at ("2026-…Z") is kept
 * from the first call. The Markdown and JSON then carry the verification columns. */
void report_add_check(struct report *rep, const struct report_check *c, const char *verified_at);

/* True when every bot is final and none failed or was cancelled. */
bool report_all_succeeded(const struct report *rep);

struct cJSON *report_to_json(const struct report *rep);
char *report_to_markdown(const struct report *rep);

struct report_paths {
    char *markdown;
    char *json;
};
/* "<journal without extension>.report.md" / ".report.json" in the journal's directory:
 * one journal holds one run, so its report sits beside it and is replaced when
 * written again (after a retry). */
void report_paths_for(const char *journal_path, struct report_paths *out);
void report_paths_free(struct report_paths *p);

/* Writes both files (mode 0600, through a temporary file renamed into place, so a reader
 * never sees half a report). Returns 0 and fills *out (may be NULL), or -1 with *error
 * saying which file and why. */
int report_write(const struct report *rep, struct report_paths *out, char **error);

/* A file beside the journal (the report's, the verification's): mode 0600, written to a
 * temporary file, fsync'd and renamed into place. what names it in *error ("report"). */
int report_write_private_file(const char *path, const char *text, const char *what, char **error);

/* Seconds between launch and stop, or -1 when either is unknown. */
double report_bot_duration_seconds(const struct run_bot *b);

#endif
