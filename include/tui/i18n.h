/* The wizard's words: every UI string goes through tr("key"), English or Japanese.
 *
 * Owns: choosing the language (--lang ja|en, else LANGUAGE / LC_ALL / LC_MESSAGES / LANG as
 * gettext decides), binding the gettext domain to its catalogs, and the key → English
 * tables. The English text is the gettext msgid; the Japanese translations live in
 * po/ja.po, compiled to <localedir>/ja/LC_MESSAGES/bedrock-chat-migrate.mo. The core table
 * is in src/tui/i18n.c; the run dashboard and summary strings in src/tui/i18n_run.c, the
 * copy way's in src/tui/i18n_copy.c (each owned with those screens). After changing a table, run po/update.sh and translate what it
 * marks new or fuzzy in po/ja.po. */
#ifndef BCM_TUI_I18N_H
#define BCM_TUI_I18N_H

#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>

#define I18N_DOMAIN "bedrock-chat-migrate"

enum ui_lang { UI_LANG_EN, UI_LANG_JA };

/* context is NULL unless one English text needs different translations in different
 * places ("Stay" in two dialogs); it becomes the entry's msgctxt. */
struct tr_entry {
    const char *key;
    const char *en;
    const char *context;
};

/* Table markers for xgettext (po/update.sh), each filling both text fields of an entry:
 * {"key", N_("English")} or, with a context, {"key", NC_("context", "English")}. */
#define N_(english) english, NULL
#define NC_(context, english) english, context

/* Tables linked in (core, run and copy); each ends with an entry whose key is NULL. */
extern const struct tr_entry tr_table_core[];
extern const struct tr_entry tr_table_run[];
extern const struct tr_entry tr_table_copy[];

/* lang_option: --lang value or NULL (then the environment decides). Returns -1 when the
 * option names an unknown language. --lang ja works without a ja_JP locale installed:
 * it sets LANGUAGE=ja and, when the messages locale is C/POSIX, switches LC_MESSAGES to
 * C.UTF-8 (gettext ignores LANGUAGE under the C locale). */
int i18n_init(const char *lang_option);
/* The language the strings really come out in (English when no Japanese catalog was
 * found, whatever was asked). */
enum ui_lang i18n_lang(void);
/* The directory the domain is bound to (the one holding the catalogs, or the
 * compile-time default when none does). */
const char *i18n_locale_dir(void);
/* The translation of key; the key itself when unknown (so a missing string shows up). */
const char *tr(const char *key);
/* A translated printf format, filled in: a new string (caller frees). Use this instead of
 * xasprintf(tr(key), …), which -Wformat-nonliteral refuses. msgfmt --check-format and the
 * unit tests check that each translation takes the English text's conversions in order. */
char *trf(const char *key, ...);
/* An engine message in the wizard's language (caller frees): its template is looked up
 * in the same catalog (the templates are msgids, see engine/message/message.h), then filled in. */
char *tr_message(const struct message *m);
/* The same into buf (cut to n bytes), for table cells; returns buf. */
const char *tr_message_into(const struct message *m, char *buf, size_t n);
/* For tests: every table's entries, one after the other (NULL when i is past the end). */
const struct tr_entry *i18n_entry(size_t i);

#endif
