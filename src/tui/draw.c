/* Drawing helpers shared by every wizard screen: semantic colours with a monochrome
 * fallback, text cut by display width, wrapping, boxes, bars, buttons, the title bar with
 * its breadcrumb and the key bar. */
#include "tui/tui.h"

#include "app/options.h"
#include "engine/run/runner.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Colour pairs in the order of enum ui_color (pair 0 is the terminal default). */
static const struct {
    short fg, bg;
    attr_t extra;
    attr_t mono;
} s_palette[UI_COLOR_COUNT] = {
    [UI_NORMAL] = {-1, -1, 0, A_NORMAL},
    [UI_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [UI_BADGE] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_CRUMB] = {COLOR_CYAN, COLOR_BLUE, 0, A_REVERSE},
    [UI_CRUMB_NOW] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_BOLD},
    [UI_KEYBAR] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [UI_KEY] = {COLOR_WHITE, COLOR_BLACK, A_BOLD, A_BOLD},
    [UI_HEADING] = {COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [UI_DIM] = {-1, -1, A_DIM, A_DIM},
    [UI_OK] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [UI_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [UI_FAIL] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_RUNNING] = {COLOR_BLUE, -1, A_BOLD, A_BOLD},
    [UI_ACCENT] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
};

void ui_colors_init(struct wizard *w)
{
    const char *no_color = getenv("NO_COLOR");
    bool want = !(no_color && *no_color) && !(w->opts && w->opts->no_color);
    w->color = want && has_colors() && start_color() == OK;
    if (w->color)
        use_default_colors();
    for (int c = 0; c < UI_COLOR_COUNT; c++) {
        if (!w->color) {
            w->attrs[c] = s_palette[c].mono;
            continue;
        }
        if (c == UI_NORMAL || (s_palette[c].fg == -1 && s_palette[c].bg == -1)) {
            w->attrs[c] = s_palette[c].extra;
            continue;
        }
        init_pair((short)c, s_palette[c].fg, s_palette[c].bg);
        w->attrs[c] = COLOR_PAIR(c) | s_palette[c].extra;
    }
}

attr_t ui_attr(const struct wizard *w, enum ui_color c)
{
    return (c >= 0 && c < UI_COLOR_COUNT) ? w->attrs[c] : A_NORMAL;
}

enum ui_color ui_state_color(int bot_state)
{
    switch ((enum bot_state)bot_state) {
    case BOT_QUEUED: return UI_DIM;
    case BOT_LAUNCHING:
    case BOT_PROVISIONING:
    case BOT_PENDING:
    case BOT_RUNNING:
    case BOT_STOPPED: return UI_RUNNING;
    case BOT_SUCCEEDED: return UI_OK;
    case BOT_FAILED: return UI_FAIL;
    case BOT_SKIPPED:
    case BOT_CANCELLED: return UI_WARN;
    case BOT_STATE_COUNT: break;
    }
    return UI_NORMAL;
}

static void s_put(int y, int x, attr_t attr, const char *text)
{
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(attr);
    mvaddstr(y, x, text);
    attr_set(old_attr, old_pair, NULL);
}

int ui_text(int y, int x, int max_cols, attr_t attr, const char *text)
{
    if (max_cols <= 0 || !text)
        return 0;
    char *cut = text_truncate(text, (size_t)max_cols);
    s_put(y, x, attr, cut);
    int used = (int)text_width(cut);
    free(cut);
    return used;
}

char *ui_sanitize(const char *raw, size_t len, size_t max)
{
    char *safe = sanitize_for_terminal(raw ? raw : "", raw ? len : 0, max);
    char *same_everywhere = text_unambiguous(safe);
    free(safe);
    return same_everywhere;
}

int ui_untrusted(int y, int x, int max_cols, attr_t attr, const char *raw)
{
    if (!raw)
        return 0;
    char *safe = ui_sanitize(raw, strlen(raw), 4096);
    int used = ui_text(y, x, max_cols, attr, safe);
    free(safe);
    return used;
}

void ui_cell(int y, int x, int cols, attr_t attr, const char *text, bool align_right)
{
    if (cols <= 0)
        return;
    char *fit = text_fit(text ? text : "", (size_t)cols, align_right);
    s_put(y, x, attr, fit);
    free(fit);
}

/* Length in bytes of the UTF-8 sequence starting at s (1 for invalid bytes). */
static size_t s_utf8_len(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 1;
    if (n == 1) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* Japanese line breaking (kinsoku): closing punctuation never starts a line. */
static bool s_no_line_start(uint32_t cp)
{
    static const uint32_t closing[] = {
        0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF09, 0x300D, 0x300F, 0x3011, 0x3015,
        0xFF01, 0xFF1F, 0xFF1A, 0xFF1B, 0x30FC, 0x2026, 0x30FB,
    };
    for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]); i++)
        if (cp == closing[i])
            return true;
    return false;
}

/* Walks text line by line, breaking at spaces when possible and anywhere in CJK runs.
 * Calls emit(ud, row, start, len) for each produced row; returns the number of rows. */
static int s_wrap(int width, const char *text, void (*emit)(void *, int, const char *, size_t),
                  void *ud)
{
    if (width <= 0 || !text)
        return 0;
    int rows = 0;
    const char *p = text;
    for (;;) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        if (p == end) {
            if (emit)
                emit(ud, rows, p, 0);
            rows++;
        }
        while (p < end) {
            int cols = 0;
            const char *q = p, *last_break = NULL;
            while (q < end) {
                uint32_t cp;
                size_t n = s_utf8_len((const unsigned char *)q, &cp);
                int cw = codepoint_width(cp);
                if (cols + cw > width)
                    break;
                cols += cw;
                q += n;
                if (cp == ' ')
                    last_break = q;
                else if (cw == 2 && q < end) {
                    uint32_t next;
                    s_utf8_len((const unsigned char *)q, &next);
                    if (!s_no_line_start(next))
                        last_break = q;
                }
            }
            const char *cut = q;
            if (q < end && last_break && last_break > p)
                cut = last_break;
            if (cut == p) { /* a single character wider than the width */
                uint32_t cp;
                cut = p + s_utf8_len((const unsigned char *)p, &cp);
            }
            size_t len = (size_t)(cut - p);
            while (len > 0 && p[len - 1] == ' ')
                len--;
            if (emit)
                emit(ud, rows, p, len);
            rows++;
            p = cut;
            while (p < end && *p == ' ')
                p++;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return rows;
}

struct wrap_ctx {
    int y, x, skip, max_rows;
    attr_t attr;
};

static void s_emit_row(void *ud, int row, const char *s, size_t len)
{
    struct wrap_ctx *c = ud;
    row -= c->skip;
    if (row < 0 || row >= c->max_rows)
        return;
    char *line = xstrndup(s, len);
    s_put(c->y + row, c->x, c->attr, line);
    free(line);
}

int ui_wrap_skip(int y, int x, int width, int skip, int max_rows, attr_t attr, const char *text)
{
    if (max_rows <= 0)
        return 0;
    struct wrap_ctx c = {y, x, skip, max_rows, attr};
    int rows = s_wrap(width, text, s_emit_row, &c) - skip;
    if (rows < 0)
        rows = 0;
    return rows < max_rows ? rows : max_rows;
}

int ui_wrap(int y, int x, int width, int max_rows, attr_t attr, const char *text)
{
    return ui_wrap_skip(y, x, width, 0, max_rows, attr, text);
}

int ui_wrap_rows(int width, const char *text)
{
    return s_wrap(width, text, NULL, NULL);
}

void ui_fill(struct rect r, attr_t attr)
{
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(attr);
    for (int i = 0; i < r.h; i++)
        mvhline(r.y + i, r.x, ' ', r.w);
    attr_set(old_attr, old_pair, NULL);
}

void ui_box(const struct wizard *w, struct rect r, const char *title, attr_t attr)
{
    if (r.h < 2 || r.w < 2)
        return;
    /* UTF-8 line drawing rather than the alternate character set: it survives every
     * terminal (and multiplexer) that shows the rest of our UTF-8 text. */
    for (int i = 1; i < r.w - 1; i++) {
        ui_text(r.y, r.x + i, 1, attr, "─");
        ui_text(r.y + r.h - 1, r.x + i, 1, attr, "─");
    }
    for (int i = 1; i < r.h - 1; i++) {
        ui_text(r.y + i, r.x, 1, attr, "│");
        ui_text(r.y + i, r.x + r.w - 1, 1, attr, "│");
    }
    ui_text(r.y, r.x, 1, attr, "┌");
    ui_text(r.y, r.x + r.w - 1, 1, attr, "┐");
    ui_text(r.y + r.h - 1, r.x, 1, attr, "└");
    ui_text(r.y + r.h - 1, r.x + r.w - 1, 1, attr, "┘");
    if (title && *title) {
        mvaddch(r.y, r.x + 1, ' ');
        int used = ui_text(r.y, r.x + 2, r.w - 5, attr | ui_attr(w, UI_HEADING), title);
        mvaddch(r.y, r.x + 2 + used, ' ');
    }
}

void ui_bar(int y, int x, int width, double fraction, attr_t filled, attr_t empty)
{
    static const char *const partial[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    if (width <= 0)
        return;
    if (!(fraction >= 0))
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int eighths = (int)(fraction * width * 8 + 0.5);
    int full = eighths / 8, rest = eighths % 8;
    move(y, x);
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(filled);
    for (int i = 0; i < full; i++)
        addstr("█");
    if (full < width && rest) {
        addstr(partial[rest]);
        full++;
    }
    attrset(empty);
    for (int i = full; i < width; i++)
        addstr("░");
    attr_set(old_attr, old_pair, NULL);
}

struct rect ui_center(const struct wizard *w, int h, int wid)
{
    if (wid > w->cols - 2)
        wid = w->cols - 2;
    if (h > w->rows - 2)
        h = w->rows - 2;
    struct rect r = {(w->rows - h) / 2, (w->cols - wid) / 2, h, wid};
    return r;
}

int ui_buttons(const struct wizard *w, int y, int x, const char *const *labels, size_t n,
               int focused)
{
    int col = x;
    for (size_t i = 0; i < n; i++) {
        char *b = xasprintf("< %s >", labels[i]);
        attr_t a = (int)i == focused ? ui_attr(w, UI_SELECTED) | A_BOLD : ui_attr(w, UI_NORMAL);
        col += ui_text(y, col, w->cols - col, a, b);
        col += 2;
        free(b);
    }
    return col - x;
}

struct rect ui_body(const struct wizard *w)
{
    struct rect r = {2, 1, w->rows - 5, w->cols - 2};
    return r;
}

static const struct wizard_step *const s_crumb_steps[STEP_COUNT] = {
    &step_welcome, &step_identity, &step_outputs, &step_bots,
    &step_cost, &step_run, &step_summary, &step_copy, &step_copy_run,
};

void ui_title_bar(const struct wizard *w)
{
    attr_t bar = ui_attr(w, UI_TITLE);
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(bar);
    mvhline(0, 0, ' ', w->cols);
    attr_set(old_attr, old_pair, NULL);

    int right = w->cols;
    if (w->opts && w->opts->demo) {
        /* The long badge only when the program name and the current step still fit. */
        const char *badge = tr("title.demo");
        enum wizard_step_id path[STEP_COUNT];
        size_t npath = wizard_path(w, path);
        int pos = 0;
        for (size_t i = 0; i < npath; i++)
            if (path[i] == w->step)
                pos = (int)i;
        char *now = xasprintf("%d %s", pos + 1, tr(s_crumb_steps[w->step]->name));
        int need = 1 + (int)text_width(tr("title.program")) + 2 + 4 + (int)text_width(now) + 2;
        free(now);
        if (need + (int)text_width(badge) + 3 > w->cols)
            badge = tr("title.demo_short");
        int bw = (int)text_width(badge) + 2;
        right -= bw;
        char *b = xasprintf(" %s ", badge);
        ui_text(0, right, bw, ui_attr(w, UI_BADGE), b);
        free(b);
        right -= 1;
    }
    int col = 1;
    col += ui_text(0, col, right - col, bar, tr("title.program"));
    col += ui_text(0, col, right - col, bar, "  ");
    /* Breadcrumb: the current step stands out; when the width runs out, earlier steps go. */
    enum wizard_step_id path[STEP_COUNT];
    int npath = (int)wizard_path(w, path);
    int now = 0;
    for (int i = 0; i < npath; i++)
        if (path[i] == w->step)
            now = i;
    char *crumbs[STEP_COUNT];
    int total = 0;
    for (int i = 0; i < npath; i++) {
        crumbs[i] = xasprintf("%d %s", i + 1, tr(s_crumb_steps[path[i]]->name));
        total += (int)text_width(crumbs[i]) + (i ? 3 : 0);
    }
    int first = 0;
    while (first < now && total > right - col - 2) {
        total -= (int)text_width(crumbs[first]) + 3;
        first++;
    }
    if (first > 0)
        col += ui_text(0, col, right - col, ui_attr(w, UI_CRUMB), "… › ");
    for (int i = first; i < npath; i++) {
        /* Later steps that do not fit whole end the line with one "…". */
        if (i > now && col + 3 + (int)text_width(crumbs[i]) > right - 1) {
            ui_text(0, col, right - col, ui_attr(w, UI_CRUMB), " …");
            break;
        }
        if (i > first)
            col += ui_text(0, col, right - col, ui_attr(w, UI_CRUMB), " › ");
        attr_t a = i == now ? ui_attr(w, UI_CRUMB_NOW) : ui_attr(w, UI_CRUMB);
        col += ui_text(0, col, right - col, a, crumbs[i]);
    }
    for (int i = 0; i < npath; i++)
        free(crumbs[i]);
}

void ui_key_bar(const struct wizard *w, const struct key_help *keys)
{
    int y = w->rows - 1;
    attr_t bar = ui_attr(w, UI_KEYBAR);
    attr_t old_attr;
    short old_pair;
    attr_get(&old_attr, &old_pair, NULL);
    attrset(bar);
    mvhline(y, 0, ' ', w->cols);
    attr_set(old_attr, old_pair, NULL);
    int col = 0;
    for (size_t i = 0; keys && keys[i].keys; i++) {
        if (!keys[i].bar)
            continue;
        const char *what = tr(keys[i].what);
        int need = (int)text_width(keys[i].keys) + (int)text_width(what) + 3;
        if (col + need > w->cols)
            break;
        col += ui_text(y, col, w->cols - col, ui_attr(w, UI_KEY), keys[i].keys);
        col += ui_text(y, col, w->cols - col, bar, " ");
        col += ui_text(y, col, w->cols - col, bar, what);
        col += ui_text(y, col, w->cols - col, bar, "  ");
    }
}

void ui_status_line(const struct wizard *w, const char *text, enum ui_color c)
{
    int y = w->rows - 2;
    move(y, 0);
    clrtoeol();
    if (text)
        ui_untrusted(y, 1, w->cols - 2, ui_attr(w, c), text);
}

void ui_format_usd_range(char *buf, size_t n, double lo, double hi)
{
    char a[32], b[32];
    snprintf(a, sizeof(a), "$%.2f", lo);
    snprintf(b, sizeof(b), "$%.2f", hi);
    if (lo < 0 || hi < 0)
        snprintf(buf, n, "%s", tr("cost.unknown"));
    else if (strcmp(a, b) == 0) /* "$0.01–$0.01" says nothing a single figure does not */
        snprintf(buf, n, "%s", a);
    else
        snprintf(buf, n, "%s–%s", a, b);
}

void ui_format_bytes(char *buf, size_t n, uint64_t bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, n, "%.1f %s", v, units[u]);
}

void ui_format_duration(char *buf, size_t n, double seconds)
{
    if (!(seconds >= 0)) {
        snprintf(buf, n, "—");
        return;
    }
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s < 60)
        snprintf(buf, n, "%lus", s);
    else if (s < 3600)
        snprintf(buf, n, "%lum %02lus", s / 60, s % 60);
    else
        snprintf(buf, n, "%luh %02lum", s / 3600, (s % 3600) / 60);
}
