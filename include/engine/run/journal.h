/* The run journal's file: append-only JSON lines, one record per line.
 *
 * Owns: where journals live (XDG state directory, one per stack and region), opening one
 * for appending with an exclusive lock (two runs must never drive the same journal), mode
 * 0600, durable appends (each record written whole and fsync'd before the caller acts on
 * it), and reading a journal back with torn or corrupt lines skipped and counted. What the
 * records mean belongs to the runner (runner_journal.c). */
#ifndef BCM_ENGINE_JOURNAL_H
#define BCM_ENGINE_JOURNAL_H

#include <stddef.h>

struct cJSON;
struct journal;

/* Longest record accepted when reading; longer lines count as damaged. */
#define JOURNAL_MAX_LINE (1024u * 1024u)

/* $XDG_STATE_HOME/bedrock-chat-migrate/<stack>-<region>.jsonl (XDG_STATE_HOME defaults
 * to ~/.local/state); unsafe characters in stack/region become '_'. */
char *journal_default_path(const char *stack, const char *region);

/* Creates the file (and its directory, 0700, fsync'd so the new name survives a crash)
 * if needed, locks it, and checks the lock holds the file the path names (a concurrent
 * --new-run may move it aside in between: then it opens the new one). NULL with *error
 * when it cannot be opened or another process holds it. */
struct journal *journal_open_append(const char *path, char **error);
/* fsync of the directory holding path, after a create or rename there. */
int journal_fsync_dir(const char *path);
/* Tests only: called between open and lock, to play a concurrent --new-run. */
extern void (*journal_test_between_open_and_lock)(const char *path);
/* Writes rec as one line and fsyncs. A record never straddles a crash as valid JSON: a
 * torn write leaves an unterminated, unparsable last line that the reader skips. If the previous
 * writer died mid-line, the first append starts a fresh line. */
int journal_append(struct journal *j, const struct cJSON *rec, char **error);
void journal_close(struct journal *j);
const char *journal_path(const struct journal *j);

struct journal_read_stats {
    size_t records;
    size_t skipped_lines;
};

/* Calls fn for each valid record in order (line is 1-based); fn returns non-zero to stop.
 * A missing file is an empty journal (returns 0). -1 with *error when it cannot be read. */
typedef int (*journal_record_fn)(void *ud, const struct cJSON *rec, size_t line);
int journal_read(const char *path, journal_record_fn fn, void *ud,
                 struct journal_read_stats *stats, char **error);

/* Reads the locked journal through its own descriptor (never by path again: the name may
 * have moved on); like journal_read. */
int journal_read_locked(const struct journal *j, journal_record_fn fn, void *ud,
                        struct journal_read_stats *stats, char **error);

/* The same over bytes already in memory (tests and the fuzz target). */
int journal_read_buffer(const char *data, size_t len, journal_record_fn fn, void *ud,
                        struct journal_read_stats *stats);

#endif
