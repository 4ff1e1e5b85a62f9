/* Reusable wizard widgets: a table (scroll, sort, `/` filter, selection marks), a multi-line
 * text box (typing and bracketed paste), a checklist (✓/✗/! with hints), a progress bar,
 * a confirm dialog (modal), and a log viewer (scroll, follow).
 *
 * Owns: widget layout and key handling only; the data stays with the caller (the table
 * asks for cells through callbacks). All widths are display columns (util/textwidth.h);
 * untrusted text is sanitised before it is drawn. Included by tui/tui.h. */
#ifndef BCM_TUI_WIDGETS_H
#define BCM_TUI_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

struct wizard;
struct rect;

/* --- table -------------------------------------------------------------------------- */

struct table_column {
    const char *title;       /* i18n key */
    int min_width;           /* columns at least */
    int weight;              /* share of the spare width (0: none) */
    bool align_right;
    bool untrusted;          /* cell text comes from AWS: sanitise before drawing */
};

struct ui_table {
    const struct table_column *columns;
    size_t ncolumns;
    size_t nrows;            /* rows in the caller's model */
    /* Text of a cell: return a pointer to static/owned text, or write into buf. */
    const char *(*cell)(void *ud, size_t row, size_t col, char *buf, size_t n);
    /* Sort order of two rows by column (<0, 0, >0); NULL: sort by cell text. */
    int (*compare)(void *ud, size_t a, size_t b, size_t col);
    /* Selection mark shown in a leading column ("✓"/" "); NULL: no mark column. */
    bool (*marked)(void *ud, size_t row);
    /* Row colour (e.g. by state); NULL: normal. Returns enum ui_color. */
    int (*row_color)(void *ud, size_t row);
    void *ud;

    /* View state, managed by the ui_table_* functions. */
    size_t *order;           /* visible model rows, filtered and sorted */
    size_t nvisible;
    size_t cursor;           /* index into order */
    size_t top;              /* first visible index into order */
    int sort_column;         /* -1: model order */
    bool sort_descending;
    char filter[128];        /* case-insensitive substring over every cell */
    bool filter_editing;     /* `/` pressed: keys edit the filter until Enter/Esc */
    int page_rows;           /* rows shown at the last draw (for PgUp/PgDn) */
};

/* Sets the model size (rows 0..nrows-1) and rebuilds the visible order, keeping the cursor
 * on the same model row when it is still visible. Call after the model changes. */
void ui_table_reset(struct ui_table *t, size_t nrows);
void ui_table_free(struct ui_table *t);
/* Sorts by column, or toggles the direction when already sorted by it. */
void ui_table_sort(struct ui_table *t, int column);
/* Cycles the sort column (s key): none → 0 → 1 … → none. */
void ui_table_sort_next(struct ui_table *t);
void ui_table_draw(const struct wizard *w, struct ui_table *t, struct rect r);
/* Arrows, PgUp/PgDn, Home/End, `/` (filter editing: typing, Backspace, Enter keeps, Esc
 * clears). Returns true when handled. */
bool ui_table_key(struct ui_table *t, wint_t wch, bool is_key_code);
/* The model row under the cursor, or SIZE_MAX when nothing is visible. */
size_t ui_table_current(const struct ui_table *t);

/* --- multi-line text box ------------------------------------------------------------ */

struct ui_textbox {
    char *text;              /* UTF-8, NUL-terminated, as typed or pasted (untrusted) */
    size_t len, cap;
    size_t max_bytes;        /* longer input is refused (and `truncated` set) */
    bool truncated;
    size_t top_line;         /* first line shown */
    bool focused;
};

void ui_textbox_init(struct ui_textbox *tb, size_t max_bytes);
void ui_textbox_free(struct ui_textbox *tb);
void ui_textbox_clear(struct ui_textbox *tb);
/* Appends bytes (a paste, or one typed character); CRLF/CR become LF. */
void ui_textbox_insert(struct ui_textbox *tb, const char *bytes, size_t n);
/* Typed characters, Enter (newline), Backspace, arrows scroll. True when handled. */
bool ui_textbox_key(struct ui_textbox *tb, wint_t wch, bool is_key_code);
size_t ui_textbox_lines(const struct ui_textbox *tb);
void ui_textbox_draw(const struct wizard *w, struct ui_textbox *tb, struct rect r,
                     const char *title);

/* --- checklist --------------------------------------------------------------------- */

enum ui_check { UI_CHECK_PENDING, UI_CHECK_OK, UI_CHECK_WARN, UI_CHECK_FAIL, UI_CHECK_SKIP };

struct ui_check_item {
    enum ui_check state;
    const char *label;       /* trusted (translated) */
    const char *detail;      /* untrusted (what was found), may be NULL */
    const char *hint;        /* untrusted (what to do), shown when not OK, may be NULL */
};

/* Draws from item `first` on; returns the rows all items need at this width (to scroll). */
int ui_checklist_draw(const struct wizard *w, const struct ui_check_item *items, size_t n,
                      struct rect r, int first_row);
/* "✓" "✗" "!" "…" "-" */
const char *ui_check_mark(enum ui_check c);

/* --- progress bar ------------------------------------------------------------------- */

/* "[█████▌     ] 45%  label" on one row. total 0 draws an empty bar. */
void ui_progress(const struct wizard *w, int y, int x, int width, double done, double total,
                 const char *label);

/* --- confirm dialog (modal) -------------------------------------------------------- */

typedef void (*ui_confirm_fn)(struct wizard *w, void *ud, bool yes);

/* Shows a modal question; focus starts on the "no" button so a stray Enter declines.
 * Tab/←/→ move focus, Enter presses the focused button, y answers yes, n/Esc no.
 * fn is called once with the answer after the modal is popped. body is trusted text. */
void ui_confirm(struct wizard *w, const char *title, const char *body, const char *yes_label,
                const char *no_label, ui_confirm_fn fn, void *ud);

/* --- log viewer --------------------------------------------------------------------- */

struct ui_logview {
    char **lines;            /* sanitised on append */
    size_t n, cap;
    size_t max_lines;        /* older lines are dropped */
    size_t top;              /* first line shown when not following */
    bool follow;             /* stick to the end as lines arrive */
    int page_rows;
};

void ui_logview_init(struct ui_logview *lv, size_t max_lines);
void ui_logview_free(struct ui_logview *lv);
void ui_logview_clear(struct ui_logview *lv);
/* Appends untrusted text; embedded newlines split it into several lines. */
void ui_logview_append(struct ui_logview *lv, const char *raw);
/* ↑↓ PgUp PgDn Home End scroll (leaving follow), End or f resumes following. */
bool ui_logview_key(struct ui_logview *lv, wint_t wch, bool is_key_code);
void ui_logview_draw(const struct wizard *w, struct ui_logview *lv, struct rect r);

#endif
