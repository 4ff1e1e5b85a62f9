/* The event loop: timers in order, cancellation, fd watches, wake-ups, and a real curl
 * transfer against a loopback listener so the multi plumbing is exercised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/ev_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct order {
    int seen[8];
    int n;
    bool done;
};

static void s_mark(struct order *o, int v)
{
    if (o->n < 8)
        o->seen[o->n++] = v;
}

static void s_t1(void *ud) { s_mark(ud, 1); }
static void s_t2(void *ud) { s_mark(ud, 2); }
static void s_t3(void *ud)
{
    struct order *o = ud;
    s_mark(o, 3);
    o->done = true;
}

static void test_timers_fire_in_due_order(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    struct order o = {0};
    uint64_t start = ev_now_ms();
    ev_timer_add(loop, 30, s_t3, &o);
    ev_timer_add(loop, 10, s_t2, &o);
    ev_timer_add(loop, 0, s_t1, &o);
    uint64_t cancelled = ev_timer_add(loop, 5, s_t2, &o);
    ev_timer_cancel(loop, cancelled);
    ev_loop_run_until(loop, &o.done);
    assert_true(ev_now_ms() - start >= 30);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.seen[0], 1);
    assert_int_equal(o.seen[1], 2);
    assert_int_equal(o.seen[2], 3);
    ev_loop_free(loop);
}

struct fdstate {
    int reads;
    bool done;
};

static void s_on_readable(void *ud, int fd)
{
    struct fdstate *s = ud;
    char c;
    if (read(fd, &c, 1) == 1)
        s->reads++;
    s->done = true;
}

static void test_fd_watch_and_idle_wait(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct fdstate s = {0};
    assert_int_equal(ev_watch_fd(loop, p[0], s_on_readable, &s), 0);
    /* Nothing readable: one bounded iteration returns without firing. */
    ev_loop_run_once(loop, 20);
    assert_int_equal(s.reads, 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    ev_loop_run_until(loop, &s.done);
    assert_int_equal(s.reads, 1);
    ev_unwatch_fd(loop, p[0]);
    close(p[0]);
    close(p[1]);
    ev_loop_free(loop);
}

static void test_wakeup_interrupts_wait(void **state)
{
    (void)state;
    struct ev_loop *loop = ev_loop_new();
    ev_loop_wakeup(loop);
    uint64_t start = ev_now_ms();
    ev_loop_run_once(loop, 5000);
    assert_true(ev_now_ms() - start < 4000);
    ev_loop_free(loop);
}

struct xfer {
    bool done;
    CURLcode rc;
};

static void s_on_transfer(void *ud, CURL *easy, CURLcode rc)
{
    (void)easy;
    struct xfer *x = ud;
    x->done = true;
    x->rc = rc;
}

static void test_transfer_completion_refused_port(void **state)
{
    (void)state;
    /* Bind a port, then close it: connecting there is refused at once. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));

    struct ev_loop *loop = ev_loop_new();
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    struct xfer x = {0};
    assert_int_equal(ev_loop_add_transfer(loop, e, s_on_transfer, &x), 0);
    assert_int_equal(ev_loop_transfers(loop), 1);
    ev_loop_run_until(loop, &x.done);
    assert_int_equal(x.rc, CURLE_COULDNT_CONNECT);
    assert_int_equal(ev_loop_transfers(loop), 0);
    curl_easy_cleanup(e);
    ev_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_due_order),
        cmocka_unit_test(test_fd_watch_and_idle_wait),
        cmocka_unit_test(test_wakeup_interrupts_wait),
        cmocka_unit_test(test_transfer_completion_refused_port),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
