/* The paste / file parser for stack outputs: detects the format from the first line that
 * says something, splits it into key/value pairs, and leaves matching to
 * stack_outputs_resolve. Every error names the line and what was expected there. */
#include "engine/discover/stack_outputs.h"

#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct text_line {
    const char *s;   /* trimmed */
    size_t len;
    int no;          /* 1-based */
};

struct text_lines {
    struct text_line *items;
    size_t n;
};

/* Several stacks may appear in one paste (describe-stacks of a whole region, a cdk
 * outputs file): their outputs are kept apart and one is chosen at the end. */
struct stack_group {
    char *name;
    struct stack_output_pairs pairs;
};

struct paste_state {
    struct stack_group *groups;
    size_t ngroups;
    buf_t error;
};

const char *outputs_paste_format_name(enum outputs_paste_format f)
{
    switch (f) {
    case PASTE_FORMAT_CONSOLE: return "console Outputs copy";
    case PASTE_FORMAT_JSON: return "describe-stacks JSON";
    case PASTE_FORMAT_CLI_TEXT: return "describe-stacks text";
    case PASTE_FORMAT_CLI_TABLE: return "describe-stacks table";
    case PASTE_FORMAT_ASSIGNMENTS: return "KEY=VALUE lines";
    default: return "unknown format";
    }
}

/* ---- small text helpers ------------------------------------------------------------ */

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static void s_trim(const char **s, size_t *len)
{
    /* U+00A0 and U+3000 (ideographic space) arrive from browsers and Japanese IMEs. */
    for (;;) {
        if (*len && s_space(**s)) {
            (*s)++, (*len)--;
        } else if (*len >= 2 && (unsigned char)(*s)[0] == 0xC2 && (unsigned char)(*s)[1] == 0xA0) {
            *s += 2, *len -= 2;
        } else if (*len >= 3 && memcmp(*s, "\xE3\x80\x80", 3) == 0) {
            *s += 3, *len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (*len && s_space((*s)[*len - 1]))
            (*len)--;
        else if (*len >= 2 && (unsigned char)(*s)[*len - 2] == 0xC2 && (unsigned char)(*s)[*len - 1] == 0xA0)
            *len -= 2;
        else if (*len >= 3 && memcmp(*s + *len - 3, "\xE3\x80\x80", 3) == 0)
            *len -= 3;
        else
            break;
    }
}

static bool s_ident(const char *s, size_t len, bool allow_underscore)
{
    if (!len || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !(allow_underscore && s[i] == '_'))
            return false;
    return true;
}

static bool s_eq(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* A short excerpt of a line for an error message, cut on a UTF-8 boundary. */
static char *s_excerpt(const char *s, size_t len)
{
    size_t max = 48;
    if (len <= max)
        return xstrndup(s, len);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    char *cut = xstrndup(s, max);
    char *r = xasprintf("%s…", cut);
    free(cut);
    return r;
}

static void s_fail(struct paste_state *st, int line, const char *expected, const char *s, size_t len)
{
    if (st->error.len)
        return;
    char *ex = s_excerpt(s, len);
    buf_printf(&st->error, "line %d: expected %s; found \"%s\"", line, expected, ex);
    free(ex);
}

static struct stack_output_pairs *s_group(struct paste_state *st, const char *name)
{
    if (name || !st->ngroups) {
        st->groups = xrealloc(st->groups, (st->ngroups + 1) * sizeof(*st->groups));
        memset(&st->groups[st->ngroups], 0, sizeof(st->groups[0]));
        st->groups[st->ngroups].name = name ? xstrdup(name) : NULL;
        st->ngroups++;
    }
    return &st->groups[st->ngroups - 1].pairs;
}

/* ---- splitting into lines ------------------------------------------------------------ */

static int s_split_lines(const char *text, size_t len, struct text_lines *out, buf_t *err)
{
    size_t cap = 64;
    out->items = xcalloc(cap, sizeof(*out->items));
    out->n = 0;
    size_t pos = 0;
    int no = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n' && text[end] != '\r')
            end++;
        no++;
        if (end - pos > STACK_OUTPUTS_MAX_LINE) {
            buf_printf(err, "line %d is longer than %u characters: expected stack outputs, "
                            "one per line", no, STACK_OUTPUTS_MAX_LINE);
            return -1;
        }
        if (memchr(text + pos, '\0', end - pos)) {
            buf_printf(err, "line %d holds a NUL byte: expected text, not a binary file", no);
            return -1;
        }
        const char *s = text + pos;
        size_t l = end - pos;
        s_trim(&s, &l);
        if (out->n == cap) {
            cap *= 2;
            out->items = xrealloc(out->items, cap * sizeof(*out->items));
        }
        out->items[out->n++] = (struct text_line){s, l, no};
        if (end < len && text[end] == '\r' && end + 1 < len && text[end + 1] == '\n')
            end++;
        pos = end + 1;
    }
    return 0;
}

static bool s_comment(const struct text_line *l)
{
    return l->len && (l->s[0] == '#' || (l->len >= 2 && l->s[0] == '/' && l->s[1] == '/'));
}

/* ---- detection ------------------------------------------------------------------------ */

static bool s_box_start(const char *s, size_t len)
{
    /* U+2500..U+257F box drawing: E2 94 80 .. E2 95 BF */
    return len >= 3 && (unsigned char)s[0] == 0xE2 &&
           ((unsigned char)s[1] == 0x94 || (unsigned char)s[1] == 0x95);
}

static bool s_assignment_start(const char *s, size_t len)
{
    size_t i = 0;
    if (len > 7 && strncmp(s, "export", 6) == 0 && s_space(s[6])) {
        i = 6;
        while (i < len && s_space(s[i]))
            i++;
    }
    if (i >= len || !(isalpha((unsigned char)s[i]) || s[i] == '_'))
        return false;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
        i++;
    while (i < len && s_space(s[i]))
        i++;
    if (i < len && s[i] == ':') { /* Python annotation: NAME: str = "…" */
        i++;
        while (i < len && (s_space(s[i]) || isalnum((unsigned char)s[i])))
            i++;
    }
    return i < len && s[i] == '=' && (i + 1 >= len || s[i + 1] != '=');
}

static bool s_cli_text_start(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && isupper((unsigned char)s[i]))
        i++;
    return i >= 4 && i < len && s[i] == '\t';
}

static enum outputs_paste_format s_detect(const struct text_lines *lines)
{
    for (size_t i = 0; i < lines->n; i++) {
        const struct text_line *l = &lines->items[i];
        if (!l->len || s_comment(l))
            continue;
        if (l->s[0] == '{' || l->s[0] == '[')
            return PASTE_FORMAT_JSON;
        if (l->s[0] == '|' || l->s[0] == '+' || (l->len >= 2 && l->s[0] == '-' && l->s[1] == '-') ||
            s_box_start(l->s, l->len))
            return PASTE_FORMAT_CLI_TABLE;
        if (s_cli_text_start(l->s, l->len))
            return PASTE_FORMAT_CLI_TEXT;
        if (s_assignment_start(l->s, l->len))
            return PASTE_FORMAT_ASSIGNMENTS;
        return PASTE_FORMAT_CONSOLE;
    }
    return PASTE_FORMAT_UNKNOWN;
}

/* ---- cells: tab- or space-separated, table cells ------------------------------------ */

struct cell {
    const char *s;
    size_t len;
};

#define MAX_CELLS 32

/* Splits on tabs when there are any, else on runs of spaces. Empty cells are dropped:
 * the console leaves them for missing descriptions. */
static size_t s_split_cells(const char *s, size_t len, struct cell *cells, size_t max)
{
    bool tabs = memchr(s, '\t', len) != NULL;
    size_t n = 0, pos = 0;
    while (pos < len && n < max) {
        size_t end = pos;
        if (tabs)
            while (end < len && s[end] != '\t')
                end++;
        else
            while (end < len && !s_space(s[end]))
                end++;
        const char *c = s + pos;
        size_t cl = end - pos;
        s_trim(&c, &cl);
        if (cl)
            cells[n++] = (struct cell){c, cl};
        pos = end + 1;
        while (!tabs && pos < len && s_space(s[pos]))
            pos++;
    }
    return n;
}

/* The index of a cell holding an output key this tool knows, or -1. */
static int s_known_key_cell(const struct cell *cells, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (!s_ident(cells[i].s, cells[i].len, false))
            continue;
        char *k = xstrndup(cells[i].s, cells[i].len);
        enum stack_output_field f = stack_output_key_field(k);
        free(k);
        if (f < SO_NFIELDS)
            return (int)i;
    }
    return -1;
}

/* ---- console copy -------------------------------------------------------------------- */

static bool s_console_header(const struct cell *cells, size_t n)
{
    if (n == 0)
        return false;
    /* The tab's title, "Outputs (14)" / "出力 (14)", when the selection started above it. */
    bool title = s_eq(cells[0].s, cells[0].len, "Outputs") ||
                 (cells[0].len >= 6 && memcmp(cells[0].s, "出力", 6) == 0);
    if (title && (n == 1 || (n == 2 && cells[1].s[0] == '(')))
        return true;
    if (n == 1 && cells[0].len > 8 && strncasecmp(cells[0].s, "Outputs (", 9) == 0)
        return true;
    return n >= 2 && (s_eq(cells[0].s, cells[0].len, "Key") || s_eq(cells[0].s, cells[0].len, "キー")) &&
           (s_eq(cells[1].s, cells[1].len, "Value") || s_eq(cells[1].s, cells[1].len, "値"));
}

static void s_parse_console(const struct text_lines *lines, struct paste_state *st)
{
    struct stack_output_pairs *pairs = s_group(st, NULL);
    bool value_last = false;   /* the previous row ended with its value: a wrap continues it */
    for (size_t i = 0; i < lines->n && !st->error.len; i++) {
        const struct text_line *l = &lines->items[i];
        if (!l->len || s_comment(l))
            continue;
        struct cell cells[MAX_CELLS];
        size_t n = s_split_cells(l->s, l->len, cells, MAX_CELLS);
        if (n == 0)
            continue; /* only separators on the line */
        if (s_console_header(cells, n)) {
            value_last = false;
            continue;
        }
        if (n == 1) {
            if (!pairs->n) {
                s_fail(st, l->no, "a key and its value separated by a tab or spaces, as "
                                  "copied from CloudFormation › Outputs", l->s, l->len);
                return;
            }
            if (value_last) {
                /* A long value the terminal or editor wrapped onto the next line. */
                struct stack_output_pair *p = &pairs->items[pairs->n - 1];
                char *joined = xasprintf("%s%.*s", p->value, (int)cells[0].len, cells[0].s);
                free(p->value);
                p->value = joined;
            }
            continue;
        }
        int k = s_known_key_cell(cells, n);
        if (k < 0) {
            if (!s_ident(cells[0].s, cells[0].len, false)) {
                s_fail(st, l->no, "an output key (letters and digits, like "
                                  "EmbeddingClusterNameXXXX) followed by its value", l->s, l->len);
                return;
            }
            k = 0;
        }
        stack_output_pairs_add(pairs, cells[k].s, cells[k].len, cells[k + 1].s, cells[k + 1].len, l->no);
        value_last = (size_t)k + 2 == n;
    }
}

/* ---- describe-stacks --output text -------------------------------------------------------- */

static char *s_stack_name_from_arn(const struct cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = memmem(cells[i].s, cells[i].len, ":stack/", 7);
        if (p && strncmp(cells[i].s, "arn:", 4) == 0) {
            p += 7;
            const char *end = memchr(p, '/', (size_t)(cells[i].s + cells[i].len - p));
            if (end)
                return xstrndup(p, (size_t)(end - p));
        }
    }
    return NULL;
}

/* Tab-only split that keeps empty cells: text output columns are positional. */
static size_t s_split_tabs(const char *s, size_t len, struct cell *cells, size_t max)
{
    size_t n = 0, pos = 0;
    while (n < max) {
        const char *tab = memchr(s + pos, '\t', len - pos);
        size_t end = tab ? (size_t)(tab - s) : len;
        const char *c = s + pos;
        size_t cl = end - pos;
        s_trim(&c, &cl);
        cells[n++] = (struct cell){c, cl};
        if (!tab)
            break;
        pos = end + 1;
    }
    return n;
}

static void s_parse_cli_text(const struct text_lines *lines, struct paste_state *st)
{
    struct stack_output_pairs *pairs = NULL;
    for (size_t i = 0; i < lines->n && !st->error.len; i++) {
        const struct text_line *l = &lines->items[i];
        if (!l->len || s_comment(l))
            continue;
        if (!s_cli_text_start(l->s, l->len)) {
            s_fail(st, l->no, "a row of `aws cloudformation describe-stacks --output text` "
                              "(OUTPUTS<TAB>…)", l->s, l->len);
            return;
        }
        struct cell cells[MAX_CELLS];
        size_t n = s_split_tabs(l->s, l->len, cells, MAX_CELLS);
        if (s_eq(cells[0].s, cells[0].len, "STACKS")) {
            char *name = s_stack_name_from_arn(cells + 1, n - 1);
            pairs = s_group(st, name ? name : "");
            free(name);
            continue;
        }
        if (!s_eq(cells[0].s, cells[0].len, "OUTPUTS"))
            continue; /* PARAMETERS, TAGS, CAPABILITIES…: not ours */
        if (!pairs)
            pairs = s_group(st, NULL);
        int k = s_known_key_cell(cells + 1, n - 1);
        if (k >= 0) {
            k += 1;
        } else if (n >= 3) {
            /* Columns are sorted by name: …, OutputKey, OutputValue come last. */
            k = (int)n - 2;
        } else {
            s_fail(st, l->no, "OUTPUTS followed by the key and the value, separated by tabs",
                   l->s, l->len);
            return;
        }
        stack_output_pairs_add(pairs, cells[k].s, cells[k].len, cells[k + 1].s, cells[k + 1].len, l->no);
    }
}

/* ---- describe-stacks --output table (or any | Key | Value | table) --------------------- */

/* Replaces the vertical box-drawing bars (│ ┃ ║) with '|' so both renderings split alike. */
static char *s_normalise_bars(const char *s, size_t len, size_t *outlen)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && (unsigned char)s[i] == 0xE2 &&
            (((unsigned char)s[i + 1] == 0x94 && ((unsigned char)s[i + 2] == 0x82 || (unsigned char)s[i + 2] == 0x83)) ||
             ((unsigned char)s[i + 1] == 0x95 && (unsigned char)s[i + 2] == 0x91))) {
            buf_putc(&b, '|');
            i += 2;
        } else {
            buf_putc(&b, s[i]);
        }
    }
    *outlen = b.len;
    return buf_detach(&b);
}

static bool s_table_rule(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '|' || c == '+' || c == '-' || c == '=' || c == ':' || s_space((char)c))
            continue;
        if (c == 0xE2 && i + 2 < len && ((unsigned char)s[i + 1] == 0x94 || (unsigned char)s[i + 1] == 0x95)) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

static bool s_is_key_header(const struct cell *c)
{
    return s_eq(c->s, c->len, "OutputKey") || s_eq(c->s, c->len, "Key") || s_eq(c->s, c->len, "キー");
}

static bool s_is_value_header(const struct cell *c)
{
    return s_eq(c->s, c->len, "OutputValue") || s_eq(c->s, c->len, "Value") || s_eq(c->s, c->len, "値");
}

static void s_parse_table(const struct text_lines *lines, struct paste_state *st)
{
    struct stack_output_pairs *pairs = s_group(st, NULL);
    int key_col = -1, val_col = -1;
    size_t ncols = 0;
    char *pending_key = NULL, *pending_value = NULL;
    int pending_line = 0;
    bool stack_seen = false;

    for (size_t i = 0; i < lines->n && !st->error.len; i++) {
        const struct text_line *l = &lines->items[i];
        if (!l->len || s_table_rule(l->s, l->len))
            continue;
        size_t nlen;
        char *row = s_normalise_bars(l->s, l->len, &nlen);
        if (row[0] != '|') {
            s_fail(st, l->no, "a table row starting with |", l->s, l->len);
            free(row);
            break;
        }
        /* Strip the nesting bars on both sides, then split on the inner ones. */
        size_t a = 0, b = nlen;
        while (a < b && (row[a] == '|' || s_space(row[a])))
            a++;
        while (b > a && (row[b - 1] == '|' || s_space(row[b - 1])))
            b--;
        struct cell cells[MAX_CELLS];
        size_t n = 0, pos = a;
        while (pos < b && n < MAX_CELLS) {
            const char *bar = memchr(row + pos, '|', b - pos);
            size_t end = bar ? (size_t)(bar - row) : b;
            const char *c = row + pos;
            size_t cl = end - pos;
            s_trim(&c, &cl);
            cells[n++] = (struct cell){c, cl};
            pos = end + 1;
        }

        if (n == 1 && s_eq(cells[0].s, cells[0].len, "Stacks")) {
            if (stack_seen)
                pairs = s_group(st, "");
            stack_seen = true;
            key_col = val_col = -1;
        } else if (n >= 2) {
            int kc = -1, vc = -1;
            for (size_t c = 0; c < n; c++) {
                if (s_is_key_header(&cells[c]))
                    kc = (int)c;
                else if (s_is_value_header(&cells[c]))
                    vc = (int)c;
            }
            int known = s_known_key_cell(cells, n);
            if (n == 2 && s_eq(cells[0].s, cells[0].len, "OutputKey")) {
                free(pending_key);
                pending_key = xstrndup(cells[1].s, cells[1].len);
                pending_line = l->no;
            } else if (n == 2 && s_eq(cells[0].s, cells[0].len, "OutputValue")) {
                free(pending_value);
                pending_value = xstrndup(cells[1].s, cells[1].len);
            } else if (kc >= 0 && vc >= 0 && known < 0) {
                key_col = kc;
                val_col = vc;
                ncols = n;
            } else if (key_col >= 0 && n == ncols) {
                stack_output_pairs_add(pairs, cells[key_col].s, cells[key_col].len,
                                       cells[val_col].s, cells[val_col].len, l->no);
            } else if (known >= 0) {
                stack_output_pairs_add(pairs, cells[known].s, cells[known].len,
                                       cells[known + 1].s, cells[known + 1].len, l->no);
            } else {
                key_col = val_col = -1;
            }
            if (pending_key && pending_value) {
                stack_output_pairs_add(pairs, pending_key, strlen(pending_key), pending_value,
                                       strlen(pending_value), pending_line);
                free(pending_key);
                free(pending_value);
                pending_key = pending_value = NULL;
            }
        }
        free(row);
    }
    free(pending_key);
    free(pending_value);
}

/* ---- KEY=VALUE lines and the guide's Python block --------------------------------------- */

static void s_parse_assignments(const struct text_lines *lines, struct paste_state *st)
{
    struct stack_output_pairs *pairs = s_group(st, NULL);
    static const char expected[] = "NAME=value or NAME = \"value\" (like TABLE_NAME = \"…\")";
    for (size_t i = 0; i < lines->n && !st->error.len; i++) {
        const struct text_line *l = &lines->items[i];
        if (!l->len || s_comment(l))
            continue;
        const char *s = l->s, *end = l->s + l->len;
        if (!s_assignment_start(s, l->len)) {
            s_fail(st, l->no, expected, l->s, l->len);
            return;
        }
        if (end - s > 7 && strncmp(s, "export", 6) == 0 && s_space(s[6]))
            for (s += 6; s < end && s_space(*s);)
                s++;
        const char *name = s;
        while (s < end && (isalnum((unsigned char)*s) || *s == '_'))
            s++;
        size_t namelen = (size_t)(s - name);
        s = (const char *)memchr(s, '=', (size_t)(end - s)) + 1;
        while (s < end && s_space(*s))
            s++;
        buf_t value = BUF_INIT;
        if (s < end && (*s == '"' || *s == '\'')) {
            char q = *s++;
            bool closed = false;
            while (s < end) {
                if (*s == '\\' && s + 1 < end) {
                    buf_putc(&value, s[1]);
                    s += 2;
                } else if (*s == q) {
                    closed = true;
                    s++;
                    break;
                } else {
                    buf_putc(&value, *s++);
                }
            }
            if (!closed) {
                s_fail(st, l->no, "a closing quote at the end of the value", l->s, l->len);
                buf_free(&value);
                return;
            }
        } else {
            const char *v = s;
            while (s < end && !s_space(*s) && *s != '#' && *s != ';')
                s++;
            buf_append(&value, v, (size_t)(s - v));
        }
        while (s < end && (s_space(*s) || *s == ';'))
            s++;
        if (s < end && *s != '#') {
            s_fail(st, l->no, "nothing after the value but a # comment", l->s, l->len);
            buf_free(&value);
            return;
        }
        stack_output_pairs_add(pairs, name, namelen, buf_cstr(&value), value.len, l->no);
        buf_free(&value);
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

static int s_line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        if (*p == '\n' || (*p == '\r' && (p + 1 >= at || p[1] != '\n')))
            line++;
    return line;
}

static const char json_expected[] =
    "describe-stacks JSON ({\"Stacks\": [{\"Outputs\": [{\"OutputKey\": …, \"OutputValue\": …}]}]}), "
    "just its Outputs array, or {\"Key\": \"value\"} as in a cdk outputs file";

static bool s_json_outputs(const cJSON *arr, struct stack_output_pairs *pairs, buf_t *err)
{
    int idx = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        idx++;
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "OutputKey");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "OutputValue");
        if (!cJSON_IsString(k) || !cJSON_IsString(v)) {
            buf_printf(err, "output #%d of the JSON has no OutputKey / OutputValue strings: "
                            "expected {\"OutputKey\": \"…\", \"OutputValue\": \"…\"}", idx);
            return false;
        }
        stack_output_pairs_add(pairs, k->valuestring, strlen(k->valuestring), v->valuestring,
                               strlen(v->valuestring), 0);
    }
    return true;
}

static bool s_all_strings(const cJSON *obj)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, obj) if (!cJSON_IsString(c)) return false;
    return true;
}

static void s_json_stack(const cJSON *stack, struct paste_state *st)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(stack, "StackName");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(stack, "Outputs");
    struct stack_output_pairs *pairs = s_group(st, cJSON_IsString(name) ? name->valuestring : "");
    if (outputs && !cJSON_IsArray(outputs)) {
        buf_printf(&st->error, "the JSON's Outputs is not an array: expected %s", json_expected);
        return;
    }
    s_json_outputs(outputs, pairs, &st->error);
}

static void s_parse_json(const char *text, size_t len, struct paste_state *st)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        if (!at || at < text || at > text + len)
            at = text + len;
        buf_printf(&st->error, "line %d: the JSON is malformed here; expected %s",
                   s_line_of(text, at), json_expected);
        return;
    }
    if (end && end < text + len) {
        const char *p = end;
        while (p < text + len && (s_space(*p) || *p == '\n' || *p == '\r'))
            p++;
        if (p < text + len) {
            buf_printf(&st->error, "line %d: unexpected text after the JSON document; expected "
                                   "the end of the paste", s_line_of(text, p));
            cJSON_Delete(doc);
            return;
        }
    }
    const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(doc, "Stacks");
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(doc, "Outputs");
    if (cJSON_IsObject(doc) && cJSON_IsArray(stacks)) {
        const cJSON *s;
        cJSON_ArrayForEach(s, stacks) {
            if (!cJSON_IsObject(s)) {
                buf_printf(&st->error, "the JSON's Stacks holds something other than stacks: expected %s",
                           json_expected);
                break;
            }
            s_json_stack(s, st);
            if (st->error.len)
                break;
        }
    } else if (cJSON_IsObject(doc) && outputs) {
        s_json_stack(doc, st);
    } else if (cJSON_IsArray(doc)) {
        const cJSON *first = cJSON_GetArrayItem(doc, 0);
        if (first && cJSON_GetObjectItemCaseSensitive(first, "Outputs")) {
            const cJSON *s;
            cJSON_ArrayForEach(s, doc) s_json_stack(s, st);
        } else {
            s_json_outputs(doc, s_group(st, NULL), &st->error);
        }
    } else if (cJSON_IsObject(doc) && s_all_strings(doc)) {
        struct stack_output_pairs *pairs = s_group(st, NULL);
        const cJSON *c;
        cJSON_ArrayForEach(c, doc) stack_output_pairs_add(pairs, c->string, strlen(c->string),
                                                          c->valuestring, strlen(c->valuestring), 0);
    } else if (cJSON_IsObject(doc) && doc->child) {
        /* cdk deploy --outputs-file: {"StackName": {"Key": "value", …}, …} */
        const cJSON *s;
        cJSON_ArrayForEach(s, doc) {
            if (!cJSON_IsObject(s) || !s_all_strings(s)) {
                buf_printf(&st->error, "the JSON's \"%s\" is not a map of output names to "
                                       "values: expected %s", s->string, json_expected);
                break;
            }
            struct stack_output_pairs *pairs = s_group(st, s->string);
            const cJSON *c;
            cJSON_ArrayForEach(c, s) stack_output_pairs_add(pairs, c->string, strlen(c->string),
                                                            c->valuestring, strlen(c->valuestring), 0);
        }
    } else {
        buf_printf(&st->error, "the JSON holds no stack outputs: expected %s", json_expected);
    }
    cJSON_Delete(doc);
}

/* ---- choosing the stack and finishing ----------------------------------------------- */

static void s_free_state(struct paste_state *st)
{
    for (size_t i = 0; i < st->ngroups; i++) {
        free(st->groups[i].name);
        stack_output_pairs_free(&st->groups[i].pairs);
    }
    free(st->groups);
    buf_free(&st->error);
}

static void s_take_group(struct paste_state *st, size_t i, struct stack_output_pairs *out)
{
    *out = st->groups[i].pairs;
    memset(&st->groups[i].pairs, 0, sizeof(st->groups[i].pairs));
}

static void s_choose(struct paste_state *st, struct stack_output_pairs *out)
{
    size_t with_pairs = 0, usable = 0, last_pairs = 0, last_usable = 0;
    for (size_t i = 0; i < st->ngroups; i++) {
        if (st->groups[i].pairs.n) {
            with_pairs++;
            last_pairs = i;
        }
        if (stack_output_pairs_usable(&st->groups[i].pairs)) {
            usable++;
            last_usable = i;
        }
    }
    if (usable == 1) {
        s_take_group(st, last_usable, out);
        return;
    }
    if (usable == 0 && with_pairs <= 1) {
        if (with_pairs)
            s_take_group(st, last_pairs, out);
        return;
    }
    buf_printf(&st->error, "the paste holds %s stacks (", usable ? "several Bedrock Chat" : "several");
    bool first = true;
    for (size_t i = 0; i < st->ngroups; i++) {
        if (usable ? !stack_output_pairs_usable(&st->groups[i].pairs) : !st->groups[i].pairs.n)
            continue;
        buf_printf(&st->error, "%s%s", first ? "" : ", ",
                   st->groups[i].name && *st->groups[i].name ? st->groups[i].name : "unnamed");
        first = false;
    }
    buf_puts(&st->error, "); expected the outputs of one stack: use "
                         "aws cloudformation describe-stacks --stack-name NAME");
}

int outputs_paste_pairs(const char *text, size_t len, struct stack_output_pairs *pairs,
                        enum outputs_paste_format *format, char **error)
{
    memset(pairs, 0, sizeof(*pairs));
    *error = NULL;
    if (format)
        *format = PASTE_FORMAT_UNKNOWN;
    if (len > STACK_OUTPUTS_MAX_INPUT) {
        *error = xasprintf("the outputs are %zu bytes, more than the %u accepted: expected the "
                           "stack's Outputs, a few kilobytes at most", len, STACK_OUTPUTS_MAX_INPUT);
        return -1;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    struct paste_state st = {NULL, 0, BUF_INIT};
    struct text_lines lines = {NULL, 0};
    enum outputs_paste_format fmt = PASTE_FORMAT_UNKNOWN;
    if (s_split_lines(text, len, &lines, &st.error) == 0) {
        fmt = s_detect(&lines);
        switch (fmt) {
        case PASTE_FORMAT_JSON: s_parse_json(text, len, &st); break;
        case PASTE_FORMAT_CLI_TEXT: s_parse_cli_text(&lines, &st); break;
        case PASTE_FORMAT_CLI_TABLE: s_parse_table(&lines, &st); break;
        case PASTE_FORMAT_ASSIGNMENTS: s_parse_assignments(&lines, &st); break;
        case PASTE_FORMAT_CONSOLE: s_parse_console(&lines, &st); break;
        default:
            buf_puts(&st.error, "the outputs are empty: paste the stack's Outputs (CloudFormation › "
                                "BedrockChatStack › Outputs), or the guide's variables");
            break;
        }
    }
    free(lines.items);
    if (format)
        *format = fmt;
    if (!st.error.len)
        s_choose(&st, pairs);
    if (!st.error.len && !pairs->n)
        buf_printf(&st.error, "no stack outputs found in the %s: expected keys such as "
                              "EmbeddingClusterName… with their values", outputs_paste_format_name(fmt));
    if (st.error.len) {
        stack_output_pairs_free(pairs);
        *error = buf_detach(&st.error);
        s_free_state(&st);
        return -1;
    }
    s_free_state(&st);
    return 0;
}

int outputs_paste_parse(const char *text, size_t len, struct stack_outputs *out,
                        enum outputs_paste_format *format, char **error)
{
    struct stack_output_pairs pairs;
    memset(out, 0, sizeof(*out));
    if (outputs_paste_pairs(text, len, &pairs, format, error) != 0)
        return -1;
    int rc = stack_outputs_resolve(&pairs, NULL, out, error);
    stack_output_pairs_free(&pairs);
    return rc;
}
