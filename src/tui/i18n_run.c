/* Strings of the run dashboard, the summary and the resume offer (English, Japanese).
 * Owned with those screens; the core strings are in i18n.c. */
#include "tui/i18n.h"

#include <stddef.h>

const struct tr_entry tr_table_run[] = {
    {"step.run", "Run", "実行"},
    {"step.summary", "Summary", "結果"},
    {NULL, NULL, NULL},
};
