/* Moving an earlier run's journal (and its reports) aside under a name carrying its run
 * id, so the default journal path is free for a new run. */
#include "engine/run/journal_aside.h"

#include "engine/run/journal.h"
#include "engine/run/report.h"
#include "engine/run/runner.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The stem of path (without the last extension of its file name) and that extension. */
static void s_split(const char *path, char **stem, const char **ext)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = path + strlen(path);
    *stem = xstrndup(path, (size_t)(dot - path));
    *ext = dot;
}

static bool s_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A run id comes from our own journal, but the file may have been edited: keep only
 * characters that are safe in a file name. */
static char *s_safe_id(const char *id)
{
    char *out = xstrdup(id && *id ? id : "earlier-run");
    for (char *p = out; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '_';
    return out;
}

int journal_set_aside(const char *path, char **aside_path, char **error)
{
    *aside_path = NULL;
    if (!s_exists(path))
        return 0;
    /* The journal's lock says whether a run is driving it right now. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *error = xasprintf("cannot open the journal %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        *error = xasprintf("the journal %s is in use by another bedrock-chat-migrate process; "
                           "let that run finish (or stop it) before starting a new one", path);
        return -1;
    }
    struct journal_view v;
    char *load_error = NULL;
    char *id = NULL;
    if (journal_view_load(path, &v, &load_error) == 0) {
        id = s_safe_id(v.run_id);
        journal_view_free(&v);
    } else {
        free(load_error);
        id = s_safe_id(NULL);
    }
    char *stem;
    const char *ext;
    s_split(path, &stem, &ext);
    char *target = xasprintf("%s.%s%s", stem, id, ext);
    for (int n = 2; s_exists(target) && n < 1000; n++) {
        free(target);
        target = xasprintf("%s.%s-%d%s", stem, id, n, ext);
    }
    int rc = 0;
    errno = 0;
    if (s_exists(target) || rename(path, target) != 0) {
        *error = xasprintf("cannot move the journal %s aside to %s: %s; move it yourself or pass "
                           "another --journal", path, target, errno ? strerror(errno) : "name taken");
        rc = -1;
    }
    close(fd);
    if (rc == 0)
        (void)journal_fsync_dir(path); /* the move survives a crash */
    if (rc == 0) {
        /* Its reports follow it, so the new run's reports do not replace them. */
        struct report_paths old_reports, new_reports;
        report_paths_for(path, &old_reports);
        report_paths_for(target, &new_reports);
        if (s_exists(old_reports.markdown))
            rename(old_reports.markdown, new_reports.markdown);
        if (s_exists(old_reports.json))
            rename(old_reports.json, new_reports.json);
        report_paths_free(&old_reports);
        report_paths_free(&new_reports);
        *aside_path = target;
        target = NULL;
    }
    free(target);
    free(stem);
    free(id);
    return rc;
}
