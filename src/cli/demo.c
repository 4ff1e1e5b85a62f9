#include "cli/demo.h"

#include "util/buf.h"
#include "util/mem.h"
#include "util/platform.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_SCRIPT "demo_env.py"
#define DEMO_READY_TIMEOUT_MS 90000

#ifndef BCM_DATADIR
#define BCM_DATADIR "/usr/local/share/bedrock-chat-migrate"
#endif

static bool s_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the demo's Python side lives: an explicit directory, the share directory of an
 * installed binary, or the source tree the binary was built in. */
static char *s_find_script(void)
{
    const char *dir = getenv("BCM_DEMO_DIR");
    if (dir && *dir) {
        char *p = xasprintf("%s/%s", dir, DEMO_SCRIPT);
        if (s_is_file(p))
            return p;
        free(p);
    }
    char *exe = platform_executable_path();
    if (exe) {
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            const char *candidates[] = {"../share/bedrock-chat-migrate/demo", "tests/integration",
                                        "../tests/integration", "../../tests/integration"};
            for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
                char *p = xasprintf("%s/%s/%s", exe, candidates[i], DEMO_SCRIPT);
                if (s_is_file(p)) {
                    free(exe);
                    return p;
                }
                free(p);
            }
        }
        free(exe);
    }
    char *p = xasprintf("%s/demo/%s", BCM_DATADIR, DEMO_SCRIPT);
    if (s_is_file(p))
        return p;
    free(p);
    return NULL;
}

int demo_parse_env_line(const char *line, char **key, char **value)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, "export ", 7) == 0)
        p += 7;
    const char *k = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == k || *p != '=' || isdigit((unsigned char)*k))
        return -1;
    size_t klen = (size_t)(p - k);
    p++;
    buf_t v = BUF_INIT;
    while (*p && *p != '\n' && *p != '\r') {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end)
                goto bad;
            buf_append(&v, p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                    p++;
                buf_putc(&v, *p++);
            }
            if (*p != '"')
                goto bad;
            p++;
        } else if (*p == '\\' && p[1]) {
            buf_putc(&v, p[1]);
            p += 2;
        } else if (*p == ' ' || *p == '\t' || *p == '#') {
            break;
        } else {
            buf_putc(&v, *p++);
        }
    }
    *key = xmalloc(klen + 1);
    memcpy(*key, k, klen);
    (*key)[klen] = '\0';
    *value = buf_detach(&v);
    return 0;
bad:
    buf_free(&v);
    return -1;
}

static int s_import_env(const char *path, char **error)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *error = xasprintf("the demo environment did not write %s: %s", path, strerror(errno));
        return -1;
    }
    char line[8192];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        char *k, *v;
        if (demo_parse_env_line(line, &k, &v) != 0)
            continue;
        setenv(k, v, 1);
        free(k);
        free_secret(v);
        count++;
    }
    fclose(f);
    if (count == 0) {
        *error = xasprintf("the demo environment file %s holds no settings", path);
        return -1;
    }
    return 0;
}

/* Everything the wizard could reach must be the emulator: clear whatever the operator's
 * shell says about real AWS before the demo's own settings are imported. */
static void s_forget_real_aws(void)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL",
    };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    extern char **environ;
    for (bool again = true; again;) {
        again = false;
        for (char **e = environ; *e; e++) {
            if (strncmp(*e, "AWS_ENDPOINT_URL_", 17) == 0) {
                char *eq = strchr(*e, '=');
                char *name = xasprintf("%.*s", (int)(eq ? eq - *e : (long)strlen(*e)), *e);
                unsetenv(name);
                free(name);
                again = true;
                break;
            }
        }
    }
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

/* The operator's state directory ($XDG_STATE_HOME, else ~/.local/state), read before the
 * demo's environment replaces it; NULL when neither is known. */
static char *s_user_state_home(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    if (state && state[0] == '/')
        return xstrdup(state);
    const char *home = getenv("HOME");
    return home && home[0] == '/' ? xasprintf("%s/.local/state", home) : NULL;
}

/* A fresh directory name for this demo's state under the operator's state directory. */
static char *s_demo_state_dir(const char *user_state)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32] = "demo";
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    return xasprintf("%s/bedrock-chat-migrate/demo/%s-%ld", user_state, stamp, (long)getpid());
}

static void s_rm_dir(const char *dir)
{
    char *env = xasprintf("%s/env", dir);
    char *log = xasprintf("%s/demo.log", dir);
    unlink(env);
    unlink(log);
    rmdir(dir);
    free(env);
    free(log);
}

int demo_start(struct demo_env *d, char **error)
{
    memset(d, 0, sizeof(*d));
    d->pid = -1;
    char *script = s_find_script();
    if (!script) {
        *error = xstrdup("the demo needs its emulator scripts (demo_env.py) and could not find "
                         "them; run `make demo` from the source tree, or set BCM_DEMO_DIR to "
                         "the directory that holds demo_env.py");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    char *templ = xasprintf("%s/bcm-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ)) {
        *error = xasprintf("cannot create a temporary directory for the demo: %s", strerror(errno));
        free(templ);
        free(script);
        return -1;
    }
    d->dir = templ;
    char *env_path = xasprintf("%s/env", d->dir);
    char *log_path = xasprintf("%s/demo.log", d->dir);
    int out[2];
    if (pipe(out) != 0) {
        *error = xasprintf("cannot start the demo environment: %s", strerror(errno));
        goto fail;
    }
    fprintf(stderr, "Starting the demo: a local AWS emulator on 127.0.0.1 with a seeded "
                    "Bedrock Chat deployment (nothing here reaches real AWS)…\n");
    pid_t pid = fork();
    if (pid < 0) {
        *error = xasprintf("cannot start the demo environment: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        goto fail;
    }
    if (pid == 0) {
        setpgid(0, 0);
        platform_die_with_parent();
        int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        if (logfd >= 0)
            dup2(logfd, STDERR_FILENO);
        close(out[0]);
        /* Tasks take tens of seconds, compressed from real minutes; tests shorten them. */
        const char *duration = getenv("BCM_DEMO_TASK_SECONDS");
        if (!duration || !*duration || strspn(duration, "0123456789:.") != strlen(duration))
            duration = "8:40";
        execlp("python3", "python3", script, "--bots", "64", "--failing", "4", "--duration",
               duration, "--env-file", env_path, (char *)NULL);
        fprintf(stderr, "cannot run python3: %s\n", strerror(errno));
        _exit(127);
    }
    d->pid = pid;
    close(out[1]);
    /* Wait for "ready" without a deadline longer than the emulator's own start-up. */
    buf_t got = BUF_INIT;
    bool ready = false;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (elapsed >= DEMO_READY_TIMEOUT_MS)
            break;
        struct pollfd pfd = {out[0], POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(DEMO_READY_TIMEOUT_MS - elapsed));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break;
        char chunk[256];
        ssize_t n = read(out[0], chunk, sizeof chunk);
        if (n <= 0)
            break;
        buf_append(&got, chunk, (size_t)n);
        if (strstr(buf_cstr(&got), "ready\n")) {
            ready = true;
            break;
        }
    }
    buf_free(&got);
    close(out[0]);
    if (!ready) {
        *error = xasprintf("the demo environment did not start (its log: %s); check that "
                           "python3 with moto is installed (make deps)", log_path);
        /* Keep the log for the operator: stop the process but not the directory. */
        kill(-d->pid, SIGTERM);
        waitpid(d->pid, NULL, 0);
        d->pid = -1;
        free(d->dir);
        d->dir = NULL;
        free(env_path);
        free(log_path);
        free(script);
        return -1;
    }
    s_forget_real_aws();
    char *user_state = s_user_state_home();
    if (s_import_env(env_path, error) != 0) {
        free(user_state);
        goto fail;
    }
    /* The emulator's environment points state into its temporary directory, which goes
     * away with it; the report the wizard names at the end must stay. */
    if (user_state) {
        d->state_dir = s_demo_state_dir(user_state);
        setenv("XDG_STATE_HOME", d->state_dir, 1);
        free(user_state);
    }
    setenv("BCM_DEMO_ACTIVE", "1", 1);
    free(env_path);
    free(log_path);
    free(script);
    return 0;
fail:
    free(env_path);
    free(log_path);
    free(script);
    demo_stop(d);
    return -1;
}

void demo_stop(struct demo_env *d)
{
    if (d->pid > 0) {
        kill(-d->pid, SIGTERM);
        /* Give the emulator a moment to remove its files, then insist. */
        for (int i = 0; i < 100; i++) {
            pid_t w = waitpid(d->pid, NULL, WNOHANG);
            if (w == d->pid || (w < 0 && errno == ECHILD))
                break;
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
            if (i == 99) {
                kill(-d->pid, SIGKILL);
                waitpid(d->pid, NULL, 0);
            }
        }
        d->pid = -1;
    }
    if (d->dir) {
        s_rm_dir(d->dir);
        free(d->dir);
        d->dir = NULL;
    }
    if (d->state_dir) {
        /* Nothing launched, nothing written: leave no empty directories behind. */
        char *inner = xasprintf("%s/bedrock-chat-migrate", d->state_dir);
        (void)rmdir(inner);
        (void)rmdir(d->state_dir);
        free(inner);
        free(d->state_dir);
        d->state_dir = NULL;
    }
}
