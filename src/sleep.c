/*
 * sleep.c - tide_sleep: a timer inside the task itself, so sleeping never
 * allocates beyond the timer heap's growth. sleep(0) puts the task straight
 * back in the ready queue: it resumes after exactly one iteration.
 */
#include "internal.h"

#include <math.h>
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

static const tide__wait_ops sleep_ops = {"sleep", sleep_cancel, NULL,
                                         sleep_drop, sleep_describe};
/* sleep(inf): no timer at all, only a cancel can end it */
static tide_task *forever_describe(tide_task *t, char *buf, size_t n)
{
    (void)t;
    snprintf(buf, n, "sleep forever (until cancelled)");
    return NULL;
}

static const tide__wait_ops forever_ops = {"sleep", sleep_cancel, NULL, NULL,
                                           forever_describe};

int tide_sleep(double seconds)
{
    int err;
    tide_task *t = tide__current_for_await(&err);
    if (!t)
        return err;
    tide_loop *L = t->loop;
    if (seconds <= 0) {
        /* one iteration, no timer; a cancel waits for the next step */
        t->status = 0;
        t->flags |= TIDE__T_QUEUED;
        tide__ready_push(L, &t->run);
        return TIDE_PENDING;
    }
    int64_t ns;
    if (tide__delay_ns(seconds, &ns) < 0) {
        tide__set_message(t, "Invalid delay: NaN (not a number)");
        return TIDE_EINVAL;
    }
    tide__timer_init(&t->wait.timer, TIDE__TIMER_SLEEP);
    if (isinf(seconds))
        return tide__suspend(t, &forever_ops, NULL);
    if (!L->virtual_clock)
        L->now = tide__host_now(L);
    int rc = tide__timer_start(L, &t->wait.timer, tide__deadline(L->now, ns));
    if (rc < 0)
        return rc;
    return tide__suspend(t, &sleep_ops, NULL);
}
