/* The wizard's words in English and Japanese: every UI string goes through tr("key").
 *
 * Owns: choosing the language (--lang ja|en, else LC_ALL / LC_MESSAGES / LANG starting
 * with "ja") and the string tables. The core table lives in src/tui/i18n.c; the run
 * dashboard and summary strings in src/tui/i18n_run.c (owned with those screens). */
#ifndef BCM_TUI_I18N_H
#define BCM_TUI_I18N_H

#include <stdbool.h>
#include <stddef.h>

enum ui_lang { UI_LANG_EN, UI_LANG_JA };

struct tr_entry {
    const char *key;
    const char *en;
    const char *ja;
};

/* Tables linked in (core and run); each ends with an entry whose key is NULL. */
extern const struct tr_entry tr_table_core[];
extern const struct tr_entry tr_table_run[];

/* lang_option: --lang value or NULL (then the environment decides). Returns -1 when the
 * option names an unknown language. */
int i18n_init(const char *lang_option);
enum ui_lang i18n_lang(void);
/* The translation of key; the key itself when unknown (so a missing string shows up). */
const char *tr(const char *key);
/* A translated printf format, filled in: a new string (caller frees). Use this instead of
 * xasprintf(tr(key), …), which -Wformat-nonliteral refuses. The unit test checks that the
 * English and Japanese texts of every key take the same conversions in the same order. */
char *trf(const char *key, ...);
/* For tests: every table's entries, one after the other (NULL when i is past the end). */
const struct tr_entry *i18n_entry(size_t i);

#endif
