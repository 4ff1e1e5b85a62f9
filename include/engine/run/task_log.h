/* A bot's embedding task log in CloudWatch Logs.
 *
 * Owns: where a task's log is (stream `<awslogs-stream-prefix>/<container>/<task id>` in the
 * task definition's awslogs group) and reading it a page at a time, from the newest lines
 * or forward from a token, as plain events. The `logs` command and the wizard's live tail
 * are both views of it; neither talks to CloudWatch itself. */
#ifndef BCM_ENGINE_TASK_LOG_H
#define BCM_ENGINE_TASK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_client;
struct aws_error;

struct task_log_where {
    const char *log_group;      /* awslogs-group */
    const char *stream_prefix;  /* awslogs-stream-prefix; NULL: "embed-task" (the stack's) */
    const char *container;      /* NULL: "Container" (the stack's) */
    const char *task_id;        /* the last part of the task ARN */
};

/* "<prefix>/<container>/<task id>" (caller frees). */
char *task_log_stream(const struct task_log_where *where);

struct task_log_event {
    int64_t timestamp_ms;       /* when the task wrote it */
    int64_t ingestion_ms;       /* when CloudWatch took it; 0 unknown */
    char *message;              /* raw: sanitise before display */
};

struct task_log_page {
    struct task_log_event *events;
    size_t n;
    char *next_token;           /* nextForwardToken: read on from here; NULL when absent */
    bool at_end;                /* the same token came back: nothing newer yet */
    bool no_stream;             /* the stream does not exist (yet): the task wrote nothing */
};

/* The page is valid during the callback. err is NULL on success (also for no_stream). */
typedef void (*task_log_done_fn)(void *ud, const struct task_log_page *page,
                                 const struct aws_error *err);

/* from_token NULL: the newest `limit` lines (limit 0: CloudWatch's default); else the
 * lines after that token, oldest first. */
void task_log_read(struct aws_client *client, const struct task_log_where *where,
                   const char *from_token, int limit, task_log_done_fn done, void *ud);

#endif
