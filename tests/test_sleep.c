/*
 * test_sleep.c - checklist section 4, sleep (SLEEP-*).
 *
 * Items without a C meaning:
 * - SLEEP-01/02 `sleep(dt, result)` returning `result`: tide_sleep has no
 *   value to hand back (it completes with 0); a task returns its own value
 *   with TIDE_RETURN, which is what SLEEP-02 checks instead.
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"

static int log_cb(void *arg)
{
    th_log("%s", (const char *)arg);
    return 0;
}

/* Logs "a" and queues "b": "b" shows up one iteration after "a". */
static int log_a_then_b(void *arg)
{
    th_log("a");
    return tide_call_soon(arg, log_cb, "b", NULL);
}

/* SLEEP-01: sleep(d) for d <= 0 yields exactly one iteration, no timer. */
struct sleep01 {
    TIDE_FRAME;
    int i;
    int rc;
    uint64_t iter;
    size_t live;
};
static tide_status sleep01(void *frame)
{
    static const double delays[] = {0.0, -1.0, -INFINITY};
    struct sleep01 *f = frame;
    TIDE_BEGIN(f);
    /* A timer would grow the loop's timer heap, which stays allocated until
     * the loop dies: unchanged live bytes mean no timer was used. */
    f->live = th_live_bytes();
    for (f->i = 0; f->i < 3; f->i++) {
        TIDE_TRY(f, tide_call_soon(tide_running_loop(), log_a_then_b,
                                   tide_running_loop(), NULL));
        f->iter = tide_loop_iterations(tide_running_loop());
        TIDE_AWAIT_CATCH(f, tide_sleep(delays[f->i]), f->rc);
        TH_EQ_INT(f->rc, 0);
        TH_EQ_INT(tide_loop_iterations(tide_running_loop()) - f->iter, 1);
        th_log("task");
        TIDE_YIELD(f);
        TH_CHECK(tide_time() == 0.0);
    }
    /* "a" ran before the task resumed, "b" (queued by "a") only after. */
    TH_LOG_IS("a task b a task b a task b");
    TH_EQ_INT(th_live_bytes(), f->live);
    TIDE_END(f);
}

/* SLEEP-02: two sleep(dt/2) end at dt; the task's value comes back. */
struct sleeper {
    TIDE_FRAME;
    double dt;
    const char *arg;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->dt / 2));
    TH_CHECK(tide_time() == 0.05);
    TIDE_AWAIT(f, tide_sleep(f->dt / 2));
    TIDE_RETURN(f, f->arg);
    TIDE_END(f);
}

struct sleep02 {
    TIDE_FRAME;
    tide_task *t;
    const char *res;
};
static tide_status sleep02(void *frame)
{
    struct sleep02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(&f->t, sleeper, "sleeper", .dt = 0.1,
                           .arg = "yeah"));
    TIDE_AWAIT(f, tide_join(f->t, (void **)&f->res));
    TH_EQ_STR(f->res, "yeah");
    TH_CHECK(tide_task_done(f->t));
    TH_CHECK(tide_time() == 0.1);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-02: sleep(NaN) fails at once with EINVAL and CPython's message. */
struct nan_sleeper {
    TIDE_FRAME;
};
static tide_status nan_sleeper(void *frame)
{
    struct nan_sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(NAN));
    th_log("not-reached");
    TIDE_END(f);
}

struct sleep02_nan {
    TIDE_FRAME;
    int rc;
    uint64_t iter;
    tide_task *t;
};
static tide_status sleep02_nan(void *frame)
{
    struct sleep02_nan *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), log_cb, "soon", NULL));
    f->iter = tide_loop_iterations(tide_running_loop());
    TIDE_AWAIT_CATCH(f, tide_sleep(NAN), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid delay: NaN (not a number)");
    /* raised before suspending: the queued callback has not run yet */
    TH_EQ_INT(tide_loop_iterations(tide_running_loop()), f->iter);
    TH_LOG_IS("");
    /* uncaught, it ends the task with the same error and message */
    TIDE_TRY(f, TIDE_SPAWN(&f->t, nan_sleeper, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_task_error(f->t), TIDE_EINVAL);
    TH_EQ_STR(tide_task_message(f->t), "Invalid delay: NaN (not a number)");
    TH_LOG_IS("soon");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-03: cancelling a task in sleep(10) disarms the sleep's timer. */
struct long_sleep {
    TIDE_FRAME;
};
static tide_status long_sleep(void *frame)
{
    struct long_sleep *f = frame;
    TIDE_BEGIN(f);
    th_log("start");
    TIDE_AWAIT(f, tide_sleep(10));
    th_log("woke");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("cancelled");
    TIDE_END(f);
}

struct sleep03 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
    uint64_t iter;
};
static tide_status sleep03(void *frame)
{
    struct sleep03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(&f->t, long_sleep, "sleeper"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_CHECK(tide_time() == 0.0);
    /* sleep(20) takes two iterations: its timer fires in one, the task
     * resumes in the next. With the cancelled sleep's timer still armed the
     * virtual clock would also stop at t=10: a third one. */
    f->iter = tide_loop_iterations(tide_running_loop());
    TIDE_AWAIT(f, tide_sleep(20));
    TH_EQ_INT(tide_loop_iterations(tide_running_loop()) - f->iter, 2);
    TH_CHECK(tide_time() == 20.0);
    TH_LOG_IS("start cancelled");
    TH_CHECK(tide_task_cancelled(f->t));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-04: awaiting a sleeping task that is cancelled at t=0.1 fails at
 * t=0.1, not at the sleep's 5000 s deadline. */
struct sleep5000 {
    TIDE_FRAME;
};
static tide_status sleep5000(void *frame)
{
    struct sleep5000 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(5000));
    TIDE_END(f);
}

static int cancel_cb(void *task)
{
    int rc = tide_task_cancel(task, NULL);
    return rc < 0 ? rc : 0;
}

struct sleep04 {
    TIDE_FRAME;
    tide_task *t;
    tide_handle *h;
    int rc;
    const char *outcome;
};
static tide_status sleep04(void *frame)
{
    struct sleep04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(&f->t, sleep5000, "sleeper"));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 0.1, cancel_cb, f->t,
                                &f->h));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    f->outcome = f->rc == TIDE_ECANCELLED ? "cancelled" : "slept in";
    TH_EQ_STR(f->outcome, "cancelled");
    TH_CHECK(tide_time() == 0.1);
    TH_CHECK(tide_task_cancelled(f->t));
    TIDE_FINALLY(f);
    /* the timer borrows t: disarm it before letting t go */
    tide_handle_cancel(f->h);
    tide_handle_release(f->h);
    tide_task_release(f->t);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("SLEEP-01 sleep(0), sleep(-1) and sleep(-inf) yield exactly one "
            "iteration, without a timer",
            sleep01),
    TH_CASE("SLEEP-02 two sleep(0.05) end at virtual time 0.1 and the task "
            "returns its value",
            sleep02),
    TH_CASE("SLEEP-02 sleep(NaN) fails at once with EINVAL and "
            "'Invalid delay: NaN (not a number)'",
            sleep02_nan),
    TH_CASE_AFTER("SLEEP-03 cancelling a task in sleep(10) disarms its timer",
                  sleep03, NULL, TH_OOM),
    TH_CASE_AFTER("SLEEP-04 awaiting a sleeping task cancelled at t=0.1 fails "
                  "at t=0.1",
                  sleep04, NULL, TH_OOM),
};
TH_MAIN(cases)
