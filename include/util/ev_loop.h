/* The one event loop: curl multi transfers, readable file descriptors and timers, all
 * driven from one thread.
 *
 * Owns: the CURLM handle, the timer list and the fd watch list. One iteration runs curl,
 * hands finished transfers to their owners, fires due timers, then waits in
 * curl_multi_poll for the earliest of: socket activity, a watched fd, the next timer.
 * Nothing spins: with no transfer and no timer due the process sleeps. */
#ifndef BCM_UTIL_EV_LOOP_H
#define BCM_UTIL_EV_LOOP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

struct ev_loop;

typedef void (*ev_timer_fn)(void *ud);
typedef void (*ev_fd_fn)(void *ud, int fd);
/* Called when a curl easy handle added with ev_loop_add_transfer finishes. */
typedef void (*ev_transfer_fn)(void *ud, CURL *easy, CURLcode result);

struct ev_loop *ev_loop_new(void);
/* Frees the loop; transfers still in flight are abandoned without their callbacks. */
void ev_loop_free(struct ev_loop *loop);

/* Milliseconds on a monotonic clock. */
uint64_t ev_now_ms(void);

/* Runs fn once after delay_ms. Returns a non-zero id for ev_timer_cancel. */
uint64_t ev_timer_add(struct ev_loop *loop, uint64_t delay_ms, ev_timer_fn fn, void *ud);
void ev_timer_cancel(struct ev_loop *loop, uint64_t id);

/* Calls fn whenever fd is readable, until ev_unwatch_fd. At most 8 fds. */
int ev_watch_fd(struct ev_loop *loop, int fd, ev_fd_fn fn, void *ud);
void ev_unwatch_fd(struct ev_loop *loop, int fd);

/* Starts a transfer; fn is called from the loop when it completes. */
int ev_loop_add_transfer(struct ev_loop *loop, CURL *easy, ev_transfer_fn fn, void *ud);
/* Removes a transfer without calling its callback (the caller cleans up the handle). */
void ev_loop_remove_transfer(struct ev_loop *loop, CURL *easy);
int ev_loop_transfers(const struct ev_loop *loop);

/* One iteration, waiting at most max_wait_ms (-1: until something happens). */
void ev_loop_run_once(struct ev_loop *loop, int max_wait_ms);
/* Iterates until *done is true. */
void ev_loop_run_until(struct ev_loop *loop, const volatile bool *done);
/* Wakes a waiting loop; safe to call from a signal handler. */
void ev_loop_wakeup(struct ev_loop *loop);

/* Counters for benchmarks and tests: iterations and wake-ups. */
uint64_t ev_loop_iterations(const struct ev_loop *loop);

#endif
