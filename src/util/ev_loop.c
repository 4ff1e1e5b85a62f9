#include "util/ev_loop.h"

#include "util/mem.h"
#include "util/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EV_MAX_FDS 8

struct ev_timer {
    uint64_t id;
    uint64_t due_ms;
    ev_timer_fn fn;
    void *ud;
};

struct ev_transfer {
    CURL *easy;
    ev_transfer_fn fn;
    void *ud;
};

struct ev_watch {
    int fd;
    ev_fd_fn fn;
    void *ud;
};

struct ev_loop {
    CURLM *multi;
    struct ev_timer *timers;
    size_t ntimers, cap_timers;
    uint64_t next_timer_id;
    struct ev_transfer *transfers;
    size_t ntransfers, cap_transfers;
    struct ev_watch watches[EV_MAX_FDS];
    size_t nwatches;
    int wake_pipe[2];      /* signal handlers write here to interrupt the wait */
    uint64_t iterations;
};

uint64_t ev_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ev_loop *ev_loop_new(void)
{
    static int s_curl_ready;
    if (!s_curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        s_curl_ready = 1;
    }
    struct ev_loop *loop = xcalloc(1, sizeof(*loop));
    loop->multi = curl_multi_init();
    if (!loop->multi) {
        free(loop);
        return NULL;
    }
    loop->next_timer_id = 1;
    if (platform_pipe(loop->wake_pipe, true) != 0) {
        curl_multi_cleanup(loop->multi);
        free(loop);
        return NULL;
    }
    return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->ntransfers; i++) {
        curl_multi_remove_handle(loop->multi, loop->transfers[i].easy);
        /* The owner's state dies with the loop; nothing will call it again. */
    }
    free(loop->transfers);
    free(loop->timers);
    curl_multi_cleanup(loop->multi);
    close(loop->wake_pipe[0]);
    close(loop->wake_pipe[1]);
    free(loop);
}

uint64_t ev_timer_add(struct ev_loop *loop, uint64_t delay_ms, ev_timer_fn fn, void *ud)
{
    if (loop->ntimers == loop->cap_timers) {
        loop->cap_timers = loop->cap_timers ? loop->cap_timers * 2 : 16;
        loop->timers = xrealloc(loop->timers, loop->cap_timers * sizeof(*loop->timers));
    }
    struct ev_timer *t = &loop->timers[loop->ntimers++];
    t->id = loop->next_timer_id++;
    t->due_ms = ev_now_ms() + delay_ms;
    t->fn = fn;
    t->ud = ud;
    return t->id;
}

void ev_timer_cancel(struct ev_loop *loop, uint64_t id)
{
    for (size_t i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i].id == id) {
            loop->timers[i] = loop->timers[--loop->ntimers];
            return;
        }
    }
}

int ev_watch_fd(struct ev_loop *loop, int fd, ev_fd_fn fn, void *ud)
{
    for (size_t i = 0; i < loop->nwatches; i++) {
        if (loop->watches[i].fd == fd) {
            loop->watches[i].fn = fn;
            loop->watches[i].ud = ud;
            return 0;
        }
    }
    if (loop->nwatches == EV_MAX_FDS)
        return -1;
    loop->watches[loop->nwatches++] = (struct ev_watch){fd, fn, ud};
    return 0;
}

void ev_unwatch_fd(struct ev_loop *loop, int fd)
{
    for (size_t i = 0; i < loop->nwatches; i++) {
        if (loop->watches[i].fd == fd) {
            loop->watches[i] = loop->watches[--loop->nwatches];
            return;
        }
    }
}

int ev_loop_add_transfer(struct ev_loop *loop, CURL *easy, ev_transfer_fn fn, void *ud)
{
    if (loop->ntransfers == loop->cap_transfers) {
        loop->cap_transfers = loop->cap_transfers ? loop->cap_transfers * 2 : 16;
        loop->transfers = xrealloc(loop->transfers, loop->cap_transfers * sizeof(*loop->transfers));
    }
    if (curl_multi_add_handle(loop->multi, easy) != CURLM_OK)
        return -1;
    loop->transfers[loop->ntransfers++] = (struct ev_transfer){easy, fn, ud};
    return 0;
}

static int s_take_transfer(struct ev_loop *loop, CURL *easy, struct ev_transfer *out)
{
    for (size_t i = 0; i < loop->ntransfers; i++) {
        if (loop->transfers[i].easy == easy) {
            *out = loop->transfers[i];
            loop->transfers[i] = loop->transfers[--loop->ntransfers];
            return 0;
        }
    }
    return -1;
}

void ev_loop_remove_transfer(struct ev_loop *loop, CURL *easy)
{
    struct ev_transfer t;
    if (s_take_transfer(loop, easy, &t) == 0)
        curl_multi_remove_handle(loop->multi, easy);
}

int ev_loop_transfers(const struct ev_loop *loop)
{
    return (int)loop->ntransfers;
}

uint64_t ev_loop_iterations(const struct ev_loop *loop)
{
    return loop->iterations;
}

void ev_loop_wakeup(struct ev_loop *loop)
{
    int saved = errno;
    char c = 1;
    ssize_t n = write(loop->wake_pipe[1], &c, 1);
    (void)n; /* a full pipe already means "wake up" */
    errno = saved;
}

static size_t s_drain_finished(struct ev_loop *loop)
{
    CURLMsg *msg;
    int left;
    size_t ran = 0;
    while ((msg = curl_multi_info_read(loop->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        struct ev_transfer t;
        if (s_take_transfer(loop, easy, &t) != 0)
            continue;
        curl_multi_remove_handle(loop->multi, easy);
        t.fn(t.ud, easy, result);
        ran++;
    }
    return ran;
}

/* Fires due timers. A timer callback may add or cancel timers, so due ones are picked
 * one at a time by id rather than by walking a list that changes underneath. */
static size_t s_fire_timers(struct ev_loop *loop)
{
    uint64_t now = ev_now_ms();
    uint64_t limit = loop->next_timer_id; /* timers added by callbacks wait a round */
    size_t ran = 0;
    for (;;) {
        size_t pick = SIZE_MAX;
        for (size_t i = 0; i < loop->ntimers; i++) {
            if (loop->timers[i].due_ms <= now && loop->timers[i].id < limit &&
                (pick == SIZE_MAX || loop->timers[i].due_ms < loop->timers[pick].due_ms))
                pick = i;
        }
        if (pick == SIZE_MAX)
            return ran;
        struct ev_timer t = loop->timers[pick];
        loop->timers[pick] = loop->timers[--loop->ntimers];
        t.fn(t.ud);
        ran++;
    }
}

static int s_wait_ms(const struct ev_loop *loop, int max_wait_ms)
{
    long wait = max_wait_ms < 0 ? INT_MAX : max_wait_ms;
    uint64_t now = ev_now_ms();
    for (size_t i = 0; i < loop->ntimers; i++) {
        long until = loop->timers[i].due_ms <= now ? 0 : (long)(loop->timers[i].due_ms - now);
        if (until < wait)
            wait = until;
    }
    return (int)wait;
}

void ev_loop_run_once(struct ev_loop *loop, int max_wait_ms)
{
    int running = 0;
    loop->iterations++;
    curl_multi_perform(loop->multi, &running);
    size_t ran = s_drain_finished(loop);
    ran += s_fire_timers(loop);

    struct curl_waitfd fds[EV_MAX_FDS + 1];
    size_t n = 0;
    fds[n++] = (struct curl_waitfd){.fd = loop->wake_pipe[0], .events = CURL_WAIT_POLLIN};
    for (size_t i = 0; i < loop->nwatches; i++)
        fds[n++] = (struct curl_waitfd){.fd = loop->watches[i].fd, .events = CURL_WAIT_POLLIN};

    int numfds = 0;
    /* A callback that ran above may have ended the caller's wait (ev_loop_run_until's
     * condition): do not sleep before the caller has looked. */
    curl_multi_poll(loop->multi, fds, (unsigned)n, ran ? 0 : s_wait_ms(loop, max_wait_ms), &numfds);

    if (fds[0].revents) {
        char drain[64];
        while (read(loop->wake_pipe[0], drain, sizeof drain) > 0) {
        }
    }
    /* Copy first: a callback may unwatch its fd or another. */
    struct ev_watch ready[EV_MAX_FDS];
    size_t nready = 0;
    for (size_t i = 1; i < n; i++) {
        if (fds[i].revents) {
            for (size_t w = 0; w < loop->nwatches; w++)
                if (loop->watches[w].fd == fds[i].fd)
                    ready[nready++] = loop->watches[w];
        }
    }
    for (size_t i = 0; i < nready; i++) {
        bool still = false;
        for (size_t w = 0; w < loop->nwatches; w++)
            still |= loop->watches[w].fd == ready[i].fd;
        if (still)
            ready[i].fn(ready[i].ud, ready[i].fd);
    }
    curl_multi_perform(loop->multi, &running);
    s_drain_finished(loop);
}

void ev_loop_run_until(struct ev_loop *loop, const volatile bool *done)
{
    while (!*done)
        ev_loop_run_once(loop, -1);
}
