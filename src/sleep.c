/*
 * sleep.c - tide_sleep: a timer inside the task itself, so sleeping never
 * allocates (beyond the timer wheel, once per loop). sleep(0) sends the task
 * back to the ready queue (its step queues it): it resumes after exactly one
 * iteration.
 */
#include "internal.h"

#include <stdio.h>

void tide__sleep_fire(tide__timer *timer)
{
    tide_task *t = TIDE__CONTAINER(timer, tide_task, wait.timer);
    tide__wake(t, 0, NULL);
}

static int sleep_cancel(tide_task *t, tide__msg *msg)
{
    tide__timer_stop(t->loop, &t->wait.timer);
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

static void sleep_drop(tide_task *t)
{
    tide__timer_stop(t->loop, &t->wait.timer);
}

static tide_task *sleep_describe(tide_task *t, char *buf, size_t n)
{
    snprintf(buf, n, "sleep until %.3f s",
             (double)t->wait.timer.when / 1e9);
    return NULL;
}

static const tide__wait_ops sleep_ops = {
    .what = "sleep",
    .cancel = sleep_cancel,
    .drop = sleep_drop,
    .describe = sleep_describe,
};
/* sleep(inf), or a deadline past the clock's horizon (asyncio's timer
 * there never comes due): no timer at all, only a cancel can end it */
static tide_task *forever_describe(tide_task *t, char *buf, size_t n)
{
    (void)t;
    snprintf(buf, n, "sleep forever (until cancelled)");
    return NULL;
}

static const tide__wait_ops forever_ops = {
    .what = "sleep",
    .cancel = sleep_cancel,
    .describe = forever_describe,
};

/* Everything but tide.h's inline yield: a sleep with a timer, no task, a
 * message of the previous await to clear first, or a misuse to refuse; and
 * every sleep of a caller without the inline part (C++, C before C11). */
static int sleep_slow(double seconds)
{
    int err;
    tide_task *t = tide__current_for_await(&err, "tide_sleep");
    if (!t)
        return err;
    if (seconds <= 0) /* the message is cleared now: the inline yield */
        return tide_sleep(seconds).tide__rc;
    tide_loop *L = t->loop;
    int64_t ns;
    if (tide__delay_ns(seconds, &ns) < 0)
        return tide__nan_refused(t, "delay");
    tide__timer_init(&t->wait.timer, TIDE__TIMER_SLEEP);
    if (!L->virtual_clock)
        L->now = tide__host_now(L);
    int64_t when = tide__deadline(L->now, ns);
    if (when >= TIDE__NEVER) /* inf, or past the clock's horizon */
        return tide__suspend(t, &forever_ops, NULL);
    int rc = tide__timer_start(L, &t->wait.timer, when);
    if (rc < 0)
        return rc;
    return tide__suspend(t, &sleep_ops, NULL);
}

tide_await tide__sleep(double seconds)
{
    return tide__aw(sleep_slow(seconds));
}
