/* The defaults the options imply (see app/options.h). */
#include "app/options.h"

#include "engine/run/journal.h"
#include "util/mem.h"

#include <string.h>

char *app_journal_path(const struct app_options *o, const char *region)
{
    if (o->journal)
        return xstrdup(o->journal);
    return journal_default_path(o->stack ? o->stack : "BedrockChatStack", region ? region : "unknown");
}

char *app_pilot_journal_path(const char *journal_path)
{
    size_t n = strlen(journal_path);
    const char *ext = ".jsonl";
    size_t e = strlen(ext);
    if (n > e && strcmp(journal_path + n - e, ext) == 0)
        n -= e;
    return xasprintf("%.*s.pilot.jsonl", (int)n, journal_path);
}
