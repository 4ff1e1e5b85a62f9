/* credential_process: runs the profile's command through /bin/sh -c and reads
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"} from
 * its standard output. The child's pipes are watched by the event loop, so a slow
 * command (a browser login, an MFA prompt) does not freeze the program; a timeout
 * kills one that never finishes. Its standard error is the error message when it fails. */
#include "aws/cred_providers.h"

#include "aws/config_file.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/platform.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROC_MAX_STDOUT (64u * 1024u)
#define PROC_MAX_STDERR (4u * 1024u)
#define PROC_DEFAULT_TIMEOUT_MS 60000u
#define PROC_REAP_POLL_MS 5u

struct process_run;

struct process_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
    struct process_run *run;
};

struct process_run {
    struct process_provider *pp;
    pid_t pid;
    int out_fd;
    int err_fd;
    buf_t out;
    buf_t err;
    bool out_overflow;
    uint64_t timeout_timer;
    uint64_t reap_timer;
    cred_done_fn done;
    void *ud;
};

/* Releases everything the run holds; kills the child if it is still there. */
static void s_run_free(struct process_run *run)
{
    struct ev_loop *loop = run->pp->ctx->loop;
    if (run->timeout_timer)
        ev_timer_cancel(loop, run->timeout_timer);
    if (run->reap_timer)
        ev_timer_cancel(loop, run->reap_timer);
    int *fds[] = {&run->out_fd, &run->err_fd};
    for (size_t i = 0; i < 2; i++) {
        if (*fds[i] >= 0) {
            ev_unwatch_fd(loop, *fds[i]);
            close(*fds[i]);
            *fds[i] = -1;
        }
    }
    if (run->pid > 0) {
        kill(run->pid, SIGKILL);
        while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    cred_buf_wipe(&run->out);
    buf_free(&run->err);
    free(run);
}

/* Ends the run and answers; nothing of the provider is touched after done. */
static void s_answer(struct process_run *run, const struct aws_credentials *creds, const char *error)
{
    cred_done_fn done = run->done;
    void *ud = run->ud;
    run->pp->run = NULL;
    s_run_free(run);
    done(ud, creds, error);
}

static void s_fail(struct process_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_fail(struct process_run *run, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "credential_process of profile '%s' ", run->pp->profile);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = buf_detach(&b);
    s_answer(run, NULL, msg);
    free(msg);
}

/* The command's stderr, trimmed to one readable line for an error message. */
static char *s_stderr_summary(const buf_t *err)
{
    const char *s = buf_cstr(err);
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    if (n > 500)
        n = 500;
    char *out = xstrndup(s, n);
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return out;
}

static void s_parse_output(struct process_run *run)
{
    cJSON *doc = cJSON_ParseWithLength(buf_cstr(&run->out), run->out.len);
    if (!cJSON_IsObject(doc)) {
        cred_json_wipe_free(doc);
        s_fail(run, "printed something that is not a JSON object; it must print "
                    "{\"Version\": 1, \"AccessKeyId\": …, \"SecretAccessKey\": …}");
        return;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
    if (!cJSON_IsNumber(version) || version->valueint != 1 || version->valuedouble != 1.0) {
        cred_json_wipe_free(doc);
        s_fail(run, "printed an unsupported \"Version\" (only 1 is supported)");
        return;
    }
    struct aws_credentials c;
    const char *missing = NULL;
    int rc = cred_from_json(doc, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
                            &c, &missing);
    cred_json_wipe_free(doc);
    if (rc != 0) {
        s_fail(run, "printed JSON without a usable \"%s\"", missing);
        return;
    }
    c.source = xasprintf("profile %s (credential_process)", run->pp->profile);
    s_answer(run, &c, NULL);
    aws_credentials_free(&c);
}

static void s_finish(struct process_run *run, int status, bool status_known)
{
    run->pid = -1;
    if (status_known && WIFSIGNALED(status)) {
        char *why = s_stderr_summary(&run->err);
        s_fail(run, "was killed by signal %d%s%s", WTERMSIG(status), *why ? ": " : "", why);
        free(why);
        return;
    }
    if (status_known && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        char *why = s_stderr_summary(&run->err);
        s_fail(run, "failed (exit status %d)%s%s", WEXITSTATUS(status), *why ? ": " : "",
               *why ? why : "; run the command by hand to see why");
        free(why);
        return;
    }
    if (run->out_overflow) {
        s_fail(run, "printed more than 64 KiB; expected one small JSON object");
        return;
    }
    s_parse_output(run);
}

static void s_try_reap(void *ud)
{
    struct process_run *run = ud;
    run->reap_timer = 0;
    int status = 0;
    pid_t r;
    do {
        r = waitpid(run->pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == run->pid) {
        s_finish(run, status, true);
        return;
    }
    if (r < 0) {
        /* Someone else reaped it (SIGCHLD ignored): judge by the output alone. */
        s_finish(run, 0, false);
        return;
    }
    /* Output closed but not exited yet: look again shortly (the timeout still applies). */
    run->reap_timer = ev_timer_add(run->pp->ctx->loop, PROC_REAP_POLL_MS, s_try_reap, run);
}

static void s_on_readable(void *ud, int fd)
{
    struct process_run *run = ud;
    bool is_out = fd == run->out_fd;
    buf_t *b = is_out ? &run->out : &run->err;
    size_t limit = is_out ? PROC_MAX_STDOUT : PROC_MAX_STDERR;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            ev_unwatch_fd(run->pp->ctx->loop, fd);
            close(fd);
            if (is_out)
                run->out_fd = -1;
            else
                run->err_fd = -1;
            break;
        }
        size_t room = b->len < limit ? limit - b->len : 0;
        if ((size_t)n > room && is_out)
            run->out_overflow = true;
        buf_append(b, chunk, (size_t)n < room ? (size_t)n : room);
    }
    memset(chunk, 0, sizeof(chunk));
    if (run->out_fd < 0 && run->err_fd < 0)
        s_try_reap(run);
}

static void s_on_timeout(void *ud)
{
    struct process_run *run = ud;
    run->timeout_timer = 0;
    unsigned ms = run->pp->ctx->process_timeout_ms ? run->pp->ctx->process_timeout_ms
                                                   : PROC_DEFAULT_TIMEOUT_MS;
    s_fail(run, "did not finish within %u.%03u s and was stopped; run the command by hand to "
                "see where it waits", ms / 1000, ms % 1000);
}

static int s_start(struct process_run *run, const char *command, char **error)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (platform_pipe(out, false) != 0 || platform_pipe(err, false) != 0) {
        *error = xasprintf("could not create a pipe (%s)", strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    int rc = posix_spawn(&run->pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        run->pid = -1;
        *error = xasprintf("could not be started: /bin/sh: %s", strerror(rc));
        goto fail;
    }
    close(out[1]);
    close(err[1]);
    run->out_fd = out[0];
    run->err_fd = err[0];
    fcntl(run->out_fd, F_SETFL, fcntl(run->out_fd, F_GETFL) | O_NONBLOCK);
    fcntl(run->err_fd, F_SETFL, fcntl(run->err_fd, F_GETFL) | O_NONBLOCK);
    struct ev_loop *loop = run->pp->ctx->loop;
    if (ev_watch_fd(loop, run->out_fd, s_on_readable, run) != 0 ||
        ev_watch_fd(loop, run->err_fd, s_on_readable, run) != 0) {
        *error = xstrdup("could not be watched (too many open watches in the event loop)");
        return -1; /* s_run_free closes, unwatches and kills */
    }
    unsigned ms = run->pp->ctx->process_timeout_ms ? run->pp->ctx->process_timeout_ms
                                                   : PROC_DEFAULT_TIMEOUT_MS;
    run->timeout_timer = ev_timer_add(loop, ms, s_on_timeout, run);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    return -1;
}

static void s_process_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct process_provider *pp = (struct process_provider *)p;
    const char *command = aws_config_get(pp->ctx->config, pp->profile, "credential_process");
    if (!command || !*command) {
        done(ud, NULL, NULL);
        return;
    }
    if (!pp->ctx->loop) {
        done(ud, NULL, "internal error: credential_process needs the event loop");
        return;
    }
    struct process_run *run = xcalloc(1, sizeof(*run));
    run->pp = pp;
    run->pid = -1;
    run->out_fd = run->err_fd = -1;
    buf_init(&run->out);
    buf_init(&run->err);
    /* Reserved up front so the secret is never left behind in a freed, smaller block. */
    buf_reserve(&run->out, PROC_MAX_STDOUT + 1);
    run->done = done;
    run->ud = ud;
    pp->run = run;
    char *error = NULL;
    if (s_start(run, command, &error) != 0) {
        s_fail(run, "%s", error);
        free(error);
    }
}

static void s_process_destroy(struct cred_provider *p)
{
    struct process_provider *pp = (struct process_provider *)p;
    if (pp->run)
        s_run_free(pp->run);
    free(pp->profile);
    free(pp);
}

static const struct cred_provider_vtable s_process_vt = {s_process_get, s_process_destroy};

struct cred_provider *cred_provider_process_new(const struct cred_ctx *ctx, const char *profile)
{
    struct process_provider *pp = xcalloc(1, sizeof(*pp));
    pp->base.vt = &s_process_vt;
    pp->ctx = ctx;
    pp->profile = xstrdup(profile);
    return &pp->base;
}
