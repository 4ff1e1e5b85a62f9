/* The shared config and credentials files, read the way the AWS CLI reads them (Python's
 * RawConfigParser plus botocore's profile mapping), so a file that works with the CLI
 * works here and a broken one is reported with its line number.
 *
 * Nested blocks ("s3 =" followed by indented "addressing_style = path") are stored as
 * the parent key with an empty value plus dotted keys ("s3.addressing_style"). */
#include "aws/config_file.h"

#include "aws/cred_providers.h"
#include "util/buf.h"
#include "util/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_MAX_FILE_BYTES (1024u * 1024u)
#define CFG_MAX_LINE_BYTES (64u * 1024u)

enum cfg_kind {
    CFG_OTHER,        /* a section botocore ignores ([preview], [plugins], …) */
    CFG_PROFILE,
    CFG_SSO_SESSION,
    CFG_SERVICES,
};

struct cfg_kv {
    char *key;
    char *value;
};

struct cfg_section {
    enum cfg_kind kind;
    char *name;         /* the profile / session name, or the raw header for CFG_OTHER */
    char *header;       /* the text between the brackets, for duplicate detection */
    int line;
    struct cfg_kv *kv;
    size_t nkv, cap;
};

struct cfg_file {
    struct cfg_section *sections;
    size_t n, cap;
};

struct aws_config {
    struct cfg_file files[2]; /* indexed by enum aws_config_file_kind */
    char **profiles;
    size_t nprofiles;
};

/* ---- parsing ---------------------------------------------------------------------- */

struct cfg_parser {
    struct cfg_file *file;
    enum aws_config_file_kind which;
    const char *label;             /* file path or "config file", for messages */
    struct cfg_section *section;   /* current section, NULL before the first header */
    size_t option;                 /* index of the option continuation lines extend */
    bool in_option;
    size_t option_indent;          /* indentation of the current option or header line */
    int option_line;
    buf_t value;                   /* the option's value being assembled */
    size_t pending_blank;          /* blank lines inside a value, kept only if more follows */
    char *error;
};

/* Keeps the first error only: later ones are usually consequences of it. Messages
 * never quote a value (it may be a secret key); names and headers are fine. */
static void s_fail(struct cfg_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_fail(struct cfg_parser *p, int line, const char *fmt, ...)
{
    if (p->error)
        return;
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s: line %d: ", p->label, line);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    p->error = buf_detach(&b);
}

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* The text between [start, end) without surrounding whitespace, as a new string. */
static char *s_trimmed(const char *start, const char *end)
{
    while (start < end && s_is_space(*start))
        start++;
    while (end > start && s_is_space(end[-1]))
        end--;
    return xstrndup(start, (size_t)(end - start));
}

/* Splits a section header the way shlex.split does (POSIX mode: whitespace separates,
 * quotes group, backslash escapes outside single quotes). Returns the number of words
 * (at most 3 are kept; more only matters as "not 2"), or -1 on an unbalanced quote. */
static int s_split_words(const char *s, char *words[3])
{
    int n = 0;
    while (*s) {
        while (s_is_space(*s))
            s++;
        if (!*s)
            break;
        buf_t w = BUF_INIT;
        char quote = 0;
        buf_puts(&w, "");
        for (; *s && (quote || !s_is_space(*s)); s++) {
            if (quote == '\'') {
                if (*s == '\'')
                    quote = 0;
                else
                    buf_putc(&w, *s);
            } else if (quote == '"') {
                if (*s == '"')
                    quote = 0;
                else if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) 
                    buf_putc(&w, *++s);
                else
                    buf_putc(&w, *s);
            } else if (*s == '\'' || *s == '"') {
                quote = *s;
            } else if (*s == '\\' && s[1]) {
                buf_putc(&w, *++s);
            } else {
                buf_putc(&w, *s);
            }
        }
        if (quote) {
            buf_free(&w);
            for (int i = 0; i < n && i < 3; i++)
                free(words[i]);
            return -1;
        }
        if (n < 3)
            words[n] = buf_detach(&w);
        else
            buf_free(&w);
        n++;
    }
    return n;
}

/* Maps a config-file header to what botocore makes of it: "default", "profile NAME",
 * "sso-session NAME", "services NAME"; anything else is kept but never looked up. */
static void s_classify(struct cfg_section *sec, enum aws_config_file_kind which)
{
    sec->kind = CFG_OTHER;
    sec->name = xstrdup(sec->header);
    if (which == AWS_CONFIG_FILE_CREDENTIALS) {
        sec->kind = CFG_PROFILE;
        return;
    }
    if (strcmp(sec->header, "default") == 0) {
        sec->kind = CFG_PROFILE;
        return;
    }
    char *words[3] = {NULL, NULL, NULL};
    int n = s_split_words(sec->header, words);
    if (n == 2) {
        enum cfg_kind kind = CFG_OTHER;
        if (strcmp(words[0], "profile") == 0)
            kind = CFG_PROFILE;
        else if (strcmp(words[0], "sso-session") == 0)
            kind = CFG_SSO_SESSION;
        else if (strcmp(words[0], "services") == 0)
            kind = CFG_SERVICES;
        if (kind != CFG_OTHER) {
            sec->kind = kind;
            free(sec->name);
            sec->name = words[1];
            words[1] = NULL;
        }
    }
    for (int i = 0; i < n && i < 3; i++)
        free(words[i]);
}

static const struct cfg_kv *s_section_find(const struct cfg_section *sec, const char *key)
{
    for (size_t i = 0; i < sec->nkv; i++)
        if (strcmp(sec->kv[i].key, key) == 0)
            return &sec->kv[i];
    return NULL;
}

static void s_section_add(struct cfg_section *sec, char *key, char *value)
{
    if (sec->nkv == sec->cap) {
        sec->cap = sec->cap ? sec->cap * 2 : 8;
        sec->kv = xrealloc(sec->kv, sec->cap * sizeof(*sec->kv));
    }
    sec->kv[sec->nkv].key = key;
    sec->kv[sec->nkv].value = value;
    sec->nkv++;
}

/* A value that starts with a newline is a nested block: each non-blank line is
 * "name = value" (s_line has checked that) and becomes "parent.name". */
static void s_finish_nested(struct cfg_section *sec, const char *parent, const char *block)
{
    for (const char *s = block; *s;) {
        const char *nl = strchr(s, '\n');
        const char *end = nl ? nl : s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (eq) {
            char *name = s_trimmed(s, eq);
            char *key = xasprintf("%s.%s", parent, name);
            free(name);
            char *value = s_trimmed(eq + 1, end);
            /* A later line in the same block wins, as the Python dict update does. */
            struct cfg_kv *old = (struct cfg_kv *)s_section_find(sec, key);
            if (old) {
                free(key);
                free_secret(old->value);
                old->value = value;
            } else {
                s_section_add(sec, key, value);
            }
        }
        s = nl ? nl + 1 : end;
    }
}

/* Stores the value assembled for the current option. */
static void s_end_option(struct cfg_parser *p)
{
    if (!p->in_option)
        return;
    p->in_option = false;
    p->pending_blank = 0;
    struct cfg_section *sec = p->section;
    char *value = buf_detach(&p->value);
    if (value[0] == '\n') {
        char *parent = sec->kv[p->option].key;
        s_finish_nested(sec, parent, value + 1);
        sec->kv[p->option].value[0] = '\0';
        free_secret(value);
        return;
    }
    free_secret(sec->kv[p->option].value);
    sec->kv[p->option].value = value;
}

static void s_header(struct cfg_parser *p, const char *text, size_t len, int line)
{
    /* RawConfigParser takes everything up to the last ']' as the name. */
    const char *close = NULL;
    for (size_t i = len; i > 1; i--) {
        if (text[i - 1] == ']') {
            close = text + i - 1;
            break;
        }
    }
    if (!close || close == text + 1) {
        s_fail(p, line, "a section header needs a name between [ and ], as in [profile dev]");
        return;
    }
    char *header = xstrndup(text + 1, (size_t)(close - text - 1));
    struct cfg_file *f = p->file;
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->sections[i].header, header) == 0) {
            s_fail(p, line, "section [%s] appears twice (first at line %d); merge them",
                   header, f->sections[i].line);
            free(header);
            return;
        }
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->sections = xrealloc(f->sections, f->cap * sizeof(*f->sections));
    }
    struct cfg_section *sec = &f->sections[f->n++];
    memset(sec, 0, sizeof(*sec));
    sec->header = header;
    sec->line = line;
    s_classify(sec, p->which);
    p->section = sec;
}

static void s_option(struct cfg_parser *p, const char *text, size_t len, int line)
{
    const char *delim = NULL;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '=' || text[i] == ':') {
            delim = text + i;
            break;
        }
    }
    if (!p->section) {
        s_fail(p, line, "a setting comes before any [section] header; settings belong under "
                        "[default] or [profile NAME]");
        return;
    }
    if (!delim) {
        s_fail(p, line, "expected 'name = value', a [section] header or a comment");
        return;
    }
    char *key = s_trimmed(text, delim);
    if (!*key) {
        s_fail(p, line, "a setting has no name before '%c'", *delim);
        free(key);
        return;
    }
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    struct cfg_section *sec = p->section;
    if (s_section_find(sec, key)) {
        s_fail(p, line, "'%s' is set twice in [%s]; keep one", key, sec->header);
        free(key);
        return;
    }
    char *value = s_trimmed(delim + 1, text + len);
    s_section_add(sec, key, xstrdup(""));
    p->option = sec->nkv - 1;
    p->in_option = true;
    p->option_line = line;
    buf_reset(&p->value);
    buf_puts(&p->value, value);
    free(value);
}

static void s_line(struct cfg_parser *p, const char *line, size_t len, int lineno)
{
    size_t indent = 0;
    while (indent < len && s_is_space(line[indent]))
        indent++;
    const char *text = line + indent;
    size_t tlen = len - indent;
    while (tlen && s_is_space(text[tlen - 1]))
        tlen--;
    if (tlen == 0) {
        if (p->in_option)
            p->pending_blank++;
        return;
    }
    if (text[0] == '#' || text[0] == ';')
        return;
    if (memchr(text, '\0', tlen)) {
        s_fail(p, lineno, "the line contains a NUL byte; is this a text file?");
        return;
    }
    if (p->in_option && indent > p->option_indent) {
        /* "name =" with nothing after it opens a nested block of name = value lines. */
        if (p->value.len == 0 || p->value.data[0] == '\n') {
            if (!memchr(text, '=', tlen)) {
                s_fail(p, lineno, "the block nested under '%s' holds a line that is not "
                                  "'name = value'", p->section->kv[p->option].key);
                return;
            }
        }
        for (; p->pending_blank; p->pending_blank--)
            buf_putc(&p->value, '\n');
        buf_putc(&p->value, '\n');
        buf_append(&p->value, text, tlen);
        return;
    }
    s_end_option(p);
    if (p->error)
        return;
    p->option_indent = indent;
    if (text[0] == '[')
        s_header(p, text, tlen, lineno);
    else
        s_option(p, text, tlen, lineno);
}

static void s_file_free(struct cfg_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct cfg_section *s = &f->sections[i];
        for (size_t k = 0; k < s->nkv; k++) {
            free(s->kv[k].key);
            /* Values may be secret keys. */
            free_secret(s->kv[k].value);
        }
        free(s->kv);
        free(s->name);
        free(s->header);
    }
    free(f->sections);
    memset(f, 0, sizeof(*f));
}

/* Parses len bytes of text into f. Returns 0, or -1 with *error set. */
static int s_parse(struct cfg_file *f, enum aws_config_file_kind which, const char *label,
                   const char *text, size_t len, char **error)
{
    if (len > CFG_MAX_FILE_BYTES) {
        *error = xasprintf("%s: the file is larger than 1 MiB, far more than any AWS config "
                           "file needs; check the path", label);
        return -1;
    }
    struct cfg_parser p;
    memset(&p, 0, sizeof(p));
    p.file = f;
    p.which = which;
    p.label = label;
    buf_init(&p.value);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    int lineno = 1;
    size_t pos = 0;
    while (pos < len && !p.error) {
        size_t end = pos;
        while (end < len && text[end] != '\n' && text[end] != '\r')
            end++;
        if (end - pos > CFG_MAX_LINE_BYTES) {
            s_fail(&p, lineno, "the line is longer than 64 KiB");
            break;
        }
        s_line(&p, text + pos, end - pos, lineno);
        /* "\r\n", "\n" and a lone "\r" each end a line (Python's universal newlines). */
        if (end < len && text[end] == '\r' && end + 1 < len && text[end + 1] == '\n')
            end++;
        pos = end + 1;
        lineno++;
    }
    if (!p.error)
        s_end_option(&p);
    cred_buf_wipe(&p.value);
    if (p.error) {
        *error = p.error;
        s_file_free(f);
        return -1;
    }
    return 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_collect_profiles(struct aws_config *cfg)
{
    size_t cap = 0;
    for (int w = 0; w < 2; w++)
        cap += cfg->files[w].n;
    cfg->profiles = xcalloc(cap + 1, sizeof(*cfg->profiles));
    size_t n = 0;
    for (int w = 0; w < 2; w++) {
        const struct cfg_file *f = &cfg->files[w];
        for (size_t i = 0; i < f->n; i++)
            if (f->sections[i].kind == CFG_PROFILE)
                cfg->profiles[n++] = f->sections[i].name;
    }
    qsort(cfg->profiles, n, sizeof(*cfg->profiles), s_cmp_str);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (out == 0 || strcmp(cfg->profiles[out - 1], cfg->profiles[i]) != 0)
            cfg->profiles[out++] = cfg->profiles[i];
    cfg->nprofiles = out;
}

static struct aws_config *s_parse_both(const char *texts[2], const size_t lens[2],
                                       const char *labels[2], char **error)
{
    struct aws_config *cfg = xcalloc(1, sizeof(*cfg));
    for (int w = 0; w < 2; w++) {
        if (!texts[w])
            continue;
        if (s_parse(&cfg->files[w], (enum aws_config_file_kind)w, labels[w], texts[w], lens[w],
                    error) != 0) {
            aws_config_free(cfg);
            return NULL;
        }
    }
    s_collect_profiles(cfg);
    return cfg;
}

struct aws_config *aws_config_parse(const char *config_text, const char *credentials_text,
                                    char **error)
{
    const char *texts[2] = {config_text, credentials_text};
    size_t lens[2] = {config_text ? strlen(config_text) : 0,
                      credentials_text ? strlen(credentials_text) : 0};
    const char *labels[2] = {"config file", "credentials file"};
    return s_parse_both(texts, lens, labels, error);
}

void aws_config_free(struct aws_config *cfg)
{
    if (!cfg)
        return;
    for (int w = 0; w < 2; w++)
        s_file_free(&cfg->files[w]);
    free(cfg->profiles);
    free(cfg);
}

/* ---- file locations and loading ---------------------------------------------------- */

const char *aws_home_directory(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return home;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "";
}

/* ~ and $VAR / ${VAR} expansion, as os.path.expanduser(os.path.expandvars(p)). Unknown
 * variables are left as written. */
static char *s_expand_path(const char *path)
{
    buf_t b = BUF_INIT;
    for (const char *s = path; *s;) {
        if (*s == '$') {
            bool braced = s[1] == '{';
            const char *name = s + (braced ? 2 : 1);
            size_t n = 0;
            while (isalnum((unsigned char)name[n]) || name[n] == '_')
                n++;
            if (n && (!braced || name[n] == '}')) {
                char *var = xstrndup(name, n);
                const char *val = getenv(var);
                free(var);
                size_t used = (size_t)(name - s) + n + (braced ? 1 : 0);
                if (val)
                    buf_puts(&b, val);
                else
                    buf_append(&b, s, used);
                s += used;
                continue;
            }
        }
        buf_putc(&b, *s++);
    }
    char *expanded = buf_detach(&b);
    if (expanded[0] == '~' && (expanded[1] == '/' || expanded[1] == '\0')) {
        char *full = xasprintf("%s%s", aws_home_directory(), expanded + 1);
        free(expanded);
        return full;
    }
    return expanded;
}

char *aws_config_file_path(enum aws_config_file_kind which)
{
    const char *env = getenv(which == AWS_CONFIG_FILE_CONFIG ? "AWS_CONFIG_FILE"
                                                             : "AWS_SHARED_CREDENTIALS_FILE");
    if (env && *env)
        return s_expand_path(env);
    return xasprintf("%s/.aws/%s", aws_home_directory(), which == AWS_CONFIG_FILE_CONFIG ? "config" : "credentials");
}

/* Reads a whole file of at most 1 MiB. Returns 1 when read, 0 when there is no such
 * regular file (that is fine), -1 with *error. */
static int s_read_file(const char *path, char **text, size_t *len, char **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        *error = xasprintf("%s: cannot be read (%s); fix its permissions or point the "
                           "environment variable for it elsewhere", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    size_t cap = CFG_MAX_FILE_BYTES + 1;
    char *data = xmalloc(cap + 1);
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *error = xasprintf("%s: read failed (%s)", path, strerror(errno));
            close(fd);
            free(data);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    data[n] = '\0';
    *text = data;
    *len = n;
    return 1;
}

struct aws_config *aws_config_load(char **error)
{
    char *paths[2] = {aws_config_file_path(AWS_CONFIG_FILE_CONFIG),
                      aws_config_file_path(AWS_CONFIG_FILE_CREDENTIALS)};
    char *texts[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    struct aws_config *cfg = NULL;
    int rc = 0;
    for (int w = 0; w < 2 && rc >= 0; w++)
        rc = s_read_file(paths[w], &texts[w], &lens[w], error);
    if (rc >= 0) {
        const char *ctexts[2] = {texts[0], texts[1]};
        const char *labels[2] = {paths[0], paths[1]};
        cfg = s_parse_both(ctexts, lens, labels, error);
    }
    for (int w = 0; w < 2; w++) {
        if (texts[w]) {
            memset(texts[w], 0, lens[w]);
            free(texts[w]);
        }
        free(paths[w]);
    }
    return cfg;
}

/* ---- lookups ---------------------------------------------------------------------- */

/* The section botocore would use: the last one of that kind and name ([default] and
 * [profile default] may both exist; the later one wins). */
static const struct cfg_section *s_find_section(const struct cfg_file *f, enum cfg_kind kind,
                                                const char *name)
{
    for (size_t i = f->n; i > 0; i--) {
        const struct cfg_section *s = &f->sections[i - 1];
        if (s->kind == kind && strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

const char *aws_config_get_from(const struct aws_config *cfg, enum aws_config_file_kind which,
                                const char *profile, const char *key)
{
    if (!cfg || !profile || !key)
        return NULL;
    const struct cfg_section *s = s_find_section(&cfg->files[which], CFG_PROFILE, profile);
    const struct cfg_kv *kv = s ? s_section_find(s, key) : NULL;
    return kv ? kv->value : NULL;
}

const char *aws_config_get(const struct aws_config *cfg, const char *profile, const char *key)
{
    const char *v = aws_config_get_from(cfg, AWS_CONFIG_FILE_CREDENTIALS, profile, key);
    return v ? v : aws_config_get_from(cfg, AWS_CONFIG_FILE_CONFIG, profile, key);
}

bool aws_config_has_profile(const struct aws_config *cfg, const char *profile)
{
    if (!cfg || !profile)
        return false;
    return s_find_section(&cfg->files[AWS_CONFIG_FILE_CONFIG], CFG_PROFILE, profile) ||
           s_find_section(&cfg->files[AWS_CONFIG_FILE_CREDENTIALS], CFG_PROFILE, profile);
}

const char *aws_config_sso_session(const struct aws_config *cfg, const char *session,
                                   const char *key)
{
    if (!cfg || !session || !key)
        return NULL;
    const struct cfg_section *s =
        s_find_section(&cfg->files[AWS_CONFIG_FILE_CONFIG], CFG_SSO_SESSION, session);
    const struct cfg_kv *kv = s ? s_section_find(s, key) : NULL;
    return kv ? kv->value : NULL;
}

const char *const *aws_config_profiles(const struct aws_config *cfg, size_t *n)
{
    *n = cfg ? cfg->nprofiles : 0;
    return cfg ? (const char *const *)cfg->profiles : NULL;
}

const char *aws_config_profile_name(const char *explicit_profile)
{
    if (explicit_profile && *explicit_profile)
        return explicit_profile;
    /* AWS CLI v2 reads AWS_PROFILE first, then the older AWS_DEFAULT_PROFILE. */
    const char *env = getenv("AWS_PROFILE");
    if (env && *env)
        return env;
    env = getenv("AWS_DEFAULT_PROFILE");
    if (env && *env)
        return env;
    return "default";
}

/* Region names end up in host names, so only a DNS label is accepted (botocore's
 * validate_region_name). */
static bool s_valid_region(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 63 || r[0] == '-' || r[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)r[i]) && r[i] != '-')
            return false;
    return true;
}

char *aws_resolve_region(const struct aws_config *cfg, const char *cli_region,
                         const char *profile, const char **source)
{
    struct {
        const char *value;
        const char *source;
    } candidates[] = {
        {cli_region, "--region"},
        {getenv("AWS_REGION"), "AWS_REGION"},
        {getenv("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"},
        {aws_config_get(cfg, profile ? profile : aws_config_profile_name(NULL), "region"),
         "the profile's region setting"},
    };
    *source = NULL;
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        const char *v = candidates[i].value;
        if (!v || !*v)
            continue;
        *source = candidates[i].source;
        /* An invalid name is not skipped in favour of the next source: that would hide
         * the mistake. NULL with *source set says where the bad value is. */
        return s_valid_region(v) ? xstrdup(v) : NULL;
    }
    return NULL;
}
