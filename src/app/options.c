/* The defaults the options imply (see app/options.h). */
#include "app/options.h"

#include "engine/run/journal.h"
#include "util/mem.h"

char *app_journal_path(const struct app_options *o, const char *region)
{
    if (o->journal)
        return xstrdup(o->journal);
    return journal_default_path(o->stack ? o->stack : "BedrockChatStack", region ? region : "unknown");
}
