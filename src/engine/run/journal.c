#include "engine/run/journal.h"

#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal {
    int fd;
    char *path;
    bool need_newline; /* the file ended mid-line (a writer died there) */
};

static char *s_safe_component(const char *s)
{
    char *out = xstrdup(s && *s ? s : "unknown");
    for (char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            *p = '_';
    }
    if (out[0] == '.')
        out[0] = '_';
    return out;
}

char *journal_default_path(const char *stack, const char *region)
{
    const char *state = getenv("XDG_STATE_HOME");
    char *base;
    if (state && state[0] == '/') {
        base = xasprintf("%s/bedrock-chat-migrate", state);
    } else {
        const char *home = getenv("HOME");
        base = xasprintf("%s/.local/state/bedrock-chat-migrate", home && *home ? home : ".");
    }
    char *st = s_safe_component(stack);
    char *rg = s_safe_component(region);
    char *path = xasprintf("%s/%s-%s.jsonl", base, st, rg);
    free(base);
    free(st);
    free(rg);
    return path;
}

/* mkdir -p for the journal's directory; new directories are private. */
static int s_make_parent_dirs(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            free(dir);
            return -1;
        }
        *p = '/';
    }
    int rc = (mkdir(dir, 0700) != 0 && errno != EEXIST) ? -1 : 0;
    free(dir);
    return rc;
}

int journal_fsync_dir(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

void (*journal_test_between_open_and_lock)(const char *path);

struct journal *journal_open_append(const char *path, char **error)
{
    if (s_make_parent_dirs(path) != 0) {
        *error = xasprintf("cannot create the directory for the journal %s: %s", path, strerror(errno));
        return NULL;
    }
    int fd = -1;
    /* Lock, then make sure the lock is on the file the path names now: a concurrent
     * --new-run may have moved the journal aside between our open and our lock. */
    for (int tries = 0; fd < 0; tries++) {
        bool existed = access(path, F_OK) == 0;
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            *error = xasprintf("cannot open the journal %s: %s (choose another path with --journal)",
                               path, strerror(errno));
            return NULL;
        }
        if (!existed)
            (void)journal_fsync_dir(path); /* the new name survives a crash */
        if (journal_test_between_open_and_lock)
            journal_test_between_open_and_lock(path);
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            *error = xasprintf("the journal %s is in use by another bedrock-chat-migrate process; "
                               "wait for it to finish, or stop it, before running again", path);
            close(fd);
            return NULL;
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino)
            break;
        close(fd);
        fd = -1;
        if (tries >= 5) {
            *error = xasprintf("the journal %s keeps being replaced while it is opened (another "
                               "bedrock-chat-migrate starting a new run?); try again", path);
            return NULL;
        }
    }
    /* An existing file keeps its mode; make sure it is private anyway. */
    (void)fchmod(fd, 0600);
    struct journal *j = xcalloc(1, sizeof(*j));
    j->fd = fd;
    j->path = xstrdup(path);
    off_t end = lseek(fd, 0, SEEK_END);
    if (end > 0) {
        char last;
        if (pread(fd, &last, 1, end - 1) == 1 && last != '\n')
            j->need_newline = true;
    }
    return j;
}

static int s_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int journal_append(struct journal *j, const cJSON *rec, char **error)
{
    char *text = cJSON_PrintUnformatted(rec);
    if (!text) {
        *error = xstrdup("out of memory while writing the journal");
        return -1;
    }
    buf_t line = BUF_INIT;
    if (j->need_newline)
        buf_putc(&line, '\n');
    buf_puts(&line, text);
    buf_putc(&line, '\n');
    cJSON_free(text);
    /* One write() per record: with O_APPEND a crash leaves at most one torn last line. */
    int rc = s_write_all(j->fd, line.data, line.len);
    buf_free(&line);
    if (rc == 0 && fdatasync(j->fd) != 0)
        rc = -1;
    if (rc != 0) {
        *error = xasprintf("cannot write the journal %s: %s (is the disk full?)", j->path, strerror(errno));
        return -1;
    }
    j->need_newline = false;
    return 0;
}

void journal_close(struct journal *j)
{
    if (!j)
        return;
    close(j->fd); /* releases the lock */
    free(j->path);
    free(j);
}

const char *journal_path(const struct journal *j)
{
    return j->path;
}

int journal_read_buffer(const char *data, size_t len, journal_record_fn fn, void *ud,
                        struct journal_read_stats *stats)
{
    struct journal_read_stats local = {0, 0};
    size_t pos = 0, line = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t n = end - pos;
        line++;
        bool blank = true;
        for (size_t i = pos; i < end; i++)
            if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r') {
                blank = false;
                break;
            }
        if (!blank) {
            cJSON *rec = NULL;
            /* A torn last line fails to parse (no proper prefix of a JSON object is an
             * object); one that lost only its newline is whole and counts. */
            if (n <= JOURNAL_MAX_LINE)
                rec = cJSON_ParseWithLength(data + pos, n);
            if (rec && cJSON_IsObject(rec)) {
                local.records++;
                int stop = fn(ud, rec, line);
                cJSON_Delete(rec);
                if (stop)
                    break;
            } else {
                cJSON_Delete(rec);
                local.skipped_lines++;
            }
        }
        pos = nl ? end + 1 : len;
    }
    if (stats)
        *stats = local;
    return 0;
}

int journal_read_locked(const struct journal *j, journal_record_fn fn, void *ud,
                        struct journal_read_stats *stats, char **error)
{
    if (stats)
        memset(stats, 0, sizeof(*stats));
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            data = xrealloc(data, cap);
        }
        ssize_t got = pread(j->fd, data + len, cap - len, (off_t)len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(data);
            *error = xasprintf("cannot read the journal %s: %s", j->path, strerror(errno));
            return -1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    int rc = journal_read_buffer(data ? data : "", len, fn, ud, stats);
    free(data);
    return rc;
}

int journal_read(const char *path, journal_record_fn fn, void *ud,
                 struct journal_read_stats *stats, char **error)
{
    if (stats)
        memset(stats, 0, sizeof(*stats));
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        *error = xasprintf("cannot read the journal %s: %s", path, strerror(errno));
        return -1;
    }
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            data = xrealloc(data, cap);
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(data);
        *error = xasprintf("cannot read the journal %s", path);
        return -1;
    }
    int rc = journal_read_buffer(data ? data : "", len, fn, ud, stats);
    free(data);
    return rc;
}
