/* Normalising failure reasons and deciding when the first outcomes show a systematic failure. */
#include "engine/run/early_failure.h"

#include "engine/message/message.h"
#include "util/buf.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CAUSE_MAX 120

#define CAUSE_BEDROCK "Bedrock model access denied"
#define CAUSE_NO_STATUS "the task stopped without writing a status"
#define CAUSE_POPPLER "Unable to get page count (poppler)"
#define CAUSE_NUL "a document holds NUL bytes (invalid byte sequence for encoding UTF8: 0x00)"
#define CAUSE_DATABASE "the task could not reach the Aurora cluster"
#define CAUSE_NO_REASON "no reason given"

static const struct {
    const char *mark;        /* case-insensitive substring of the reason */
    const char *cause;
} KNOWN[] = {
    {"don't have access to the model", CAUSE_BEDROCK},
    {"not authorized to invoke this API", CAUSE_BEDROCK},
    {"You don't have access", CAUSE_BEDROCK},
    {"without writing a SyncStatus", CAUSE_NO_STATUS},
    {"Unable to get page count", CAUSE_POPPLER},
    {"invalid byte sequence for encoding \"UTF8\": 0x00", CAUSE_NUL},
    {"could not connect to server", CAUSE_DATABASE},
    {"Connection refused", CAUSE_DATABASE},
    {"DatabaseResumingException", CAUSE_DATABASE},
};

char *early_failure_cause(const char *reason)
{
    if (!reason || !*reason)
        return xstrdup(CAUSE_NO_REASON);
    for (size_t i = 0; i < sizeof KNOWN / sizeof *KNOWN; i++)
        if (strcasestr(reason, KNOWN[i].mark))
            return xstrdup(KNOWN[i].cause);
    /* Unknown: the first line, with what differs from bot to bot blanked (numbers, ids,
     * 'quoted' and "quoted" names), so one document error on many bots is one cause. */
    buf_t b = BUF_INIT;
    char quote = 0;
    for (const char *p = reason; *p && *p != '\n' && *p != '\r' && b.len < CAUSE_MAX; p++) {
        if (quote) {
            if (*p == quote) {
                quote = 0;
                buf_putc(&b, *p);
            }
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            buf_puts(&b, "\"…");
            continue;
        }
        if (isdigit((unsigned char)*p)) {
            if (!b.len || b.data[b.len - 1] != '#')
                buf_putc(&b, '#');
            continue;
        }
        buf_putc(&b, *p);
    }
    return buf_detach(&b);
}

/* The known causes as messages (each template's English is the cause's name), with what
 * to fix for each: one table, so the English texts and the catalogue cannot drift apart. */
static const struct {
    const char *cause;
    enum message_id cause_id;
    enum message_id hint_id;
} CAUSE_MESSAGES[] = {
    {CAUSE_BEDROCK, MSG_EARLY_CAUSE_BEDROCK, MSG_EARLY_HINT_BEDROCK},
    {CAUSE_NO_STATUS, MSG_EARLY_CAUSE_NO_STATUS, MSG_EARLY_HINT_NO_STATUS},
    {CAUSE_POPPLER, MSG_EARLY_CAUSE_POPPLER, MSG_EARLY_HINT_POPPLER},
    {CAUSE_NUL, MSG_EARLY_CAUSE_NUL, MSG_EARLY_HINT_NUL},
    {CAUSE_DATABASE, MSG_EARLY_CAUSE_DATABASE, MSG_EARLY_HINT_DATABASE},
    {CAUSE_NO_REASON, MSG_EARLY_CAUSE_NO_REASON, MSG_EARLY_HINT_OTHER},
};

static int s_known(const char *cause)
{
    for (size_t i = 0; cause && i < sizeof CAUSE_MESSAGES / sizeof *CAUSE_MESSAGES; i++)
        if (strcmp(cause, CAUSE_MESSAGES[i].cause) == 0)
            return (int)i;
    return -1;
}

const char *early_failure_hint(const char *cause)
{
    if (!cause)
        return NULL;
    int k = s_known(cause);
    return message_template(k >= 0 ? CAUSE_MESSAGES[k].hint_id : MSG_EARLY_HINT_OTHER);
}

struct message early_failure_cause_message(const char *cause)
{
    int k = s_known(cause);
    return k >= 0 ? MESSAGE0(CAUSE_MESSAGES[k].cause_id) : message_text(cause ? cause : "");
}

struct message early_failure_hint_message(const char *cause)
{
    int k = s_known(cause);
    return MESSAGE0(k >= 0 ? CAUSE_MESSAGES[k].hint_id : MSG_EARLY_HINT_OTHER);
}

void early_failure_init(struct early_failure_watch *w, int threshold)
{
    memset(w, 0, sizeof(*w));
    w->threshold = threshold > 0 ? threshold : 0;
    w->window = (size_t)w->threshold > EARLY_FAILURE_WINDOW ? (size_t)w->threshold : EARLY_FAILURE_WINDOW;
    w->causes = xcalloc(w->window, sizeof(char *));
}

void early_failure_free(struct early_failure_watch *w)
{
    for (size_t i = 0; w->causes && i < w->seen; i++)
        free(w->causes[i]);
    free(w->causes);
    free(w->cause);
    memset(w, 0, sizeof(*w));
}

/* The most frequent failure cause among the first `seen`, and its count. */
static const char *s_top_cause(const struct early_failure_watch *w, size_t *count)
{
    const char *top = NULL;
    *count = 0;
    for (size_t i = 0; i < w->seen; i++) {
        if (!w->causes[i])
            continue;
        size_t n = 0;
        for (size_t j = 0; j < w->seen; j++)
            n += w->causes[j] && strcmp(w->causes[j], w->causes[i]) == 0;
        if (n > *count) {
            *count = n;
            top = w->causes[i];
        }
    }
    return top;
}

bool early_failure_note(struct early_failure_watch *w, bool failed, const char *reason)
{
    if (w->threshold == 0 || w->tripped || w->seen >= w->window)
        return false;
    w->causes[w->seen++] = failed ? early_failure_cause(reason) : NULL;
    size_t count;
    const char *top = s_top_cause(w, &count);
    bool all_first = w->seen == (size_t)w->threshold && count == w->seen;
    bool share = w->seen == w->window && (double)count >= EARLY_FAILURE_SHARE * (double)w->window;
    if (!top || (!all_first && !share))
        return false;
    w->tripped = true;
    w->cause = xstrdup(top);
    w->cause_count = count;
    return true;
}
