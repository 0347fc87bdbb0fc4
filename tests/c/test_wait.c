/*
 * test_wait.c - checklist sections 6, 8 and 9: tide_shield (SHIELD-*),
 * tide_wait (WAIT-*) and tide_wait_for (WFOR-*).
 *
 * Python to C, as used below: a future or coroutine handed to shield,
 * wait or wait_for is a task (a worker that sleeps, then returns or
 * raises); `shield(x)` awaited somewhere is a task awaiting
 * tide_shield(x) (a "shielder"), so cancelling the shield is cancelling
 * that task; `shield(gather(...))` shields a task that gathers.
 * wait() returns no sets: done/pending is tide_task_is_done() on each task.
 * wait_for(task, d) is tide_wait_for; wait_for(coroutine, d) runs the
 * coroutine inline (3.12+), so it is a timeout scope around
 * TIDE_AWAIT_CALL_CATCH of a sub-coroutine (WFOR-05, WFOR-08, WFOR-09).
 * TimeoutError is TIDE_ETIMEDOUT (asyncio.TimeoutError is the same one
 * code), CancelledError TIDE_ECANCELLED, ValueError on bad arguments
 * TIDE_EINVAL, None as a timeout INFINITY. Times are exact (virtual clock).
 *
 * Python-only parts and their nearest C meaning:
 * - WAIT-01 TypeError for wait(future) / wait(coroutine), iterators and
 *   generators as `fs`: the C signature takes an array of tasks only, so
 *   none can be written; a NULL array, a NULL task and the waiting task
 *   itself are the bad inputs checked.
 * - WFOR-03 the TimeoutError's `__context__`: C errors do not chain; the
 *   inner task ending cancelled before the timeout is what is checked.
 * - SHIELD-01 `outer.exception() is exc`: the same code and message.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "harness.h"

#define EAPP (TIDE_EUSER - 1)

/* Cancels a callback that borrows a task, so it cannot outlive it. */
static void drop_handle(tide_handle **h)
{
    tide_handle_cancel(*h);
    tide_handle_release(*h);
    *h = NULL;
}

/* Sleeps `delay` (if > 0), yields `yields` times, logs "<tag>-done", then
 * throws `err` with `msg` or returns `value`; logs "<tag>-cancelled" when
 * a cancellation ends it. */
struct worker {
    TIDE_FRAME;
    const char *tag;
    double delay;
    int yields;
    void *value;
    int err;
    const char *msg;
    int i;
};
static tide_status worker(void *frame)
{
    struct worker *f = frame;
    TIDE_BEGIN(f);
    if (f->delay > 0)
        TIDE_AWAIT(f, tide_sleep(f->delay));
    for (f->i = 0; f->i < f->yields; f->i++)
        TIDE_YIELD(f);
    if (f->tag)
        th_log("%s-done", f->tag);
    if (f->err)
        TIDE_THROW_MSG(f, f->err, f->msg);
    TIDE_RETURN(f, f->value);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED && f->tag)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* `return await shield(inner)`; logs "<tag>-after" past the shield and
 * "<tag>-cancelled" when cancelled. */
struct shielder {
    TIDE_FRAME;
    tide_task *inner;
    const char *tag;
    void *value;
};
static tide_status shielder(void *frame)
{
    struct shielder *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_shield(f->inner, &f->value));
    if (f->tag)
        th_log("%s-after", f->tag);
    TIDE_RETURN(f, f->value);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED && f->tag)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* `await gather(tasks[0], tasks[1])`, values into *values. */
struct gatherer {
    TIDE_FRAME;
    tide_task *tasks[2];
    void **values;
};
static tide_status gatherer(void *frame)
{
    struct gatherer *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_gather(f->tasks, 2, 0, f->values, NULL));
    TIDE_END(f);
}

/* ======================================================================== */
/* SHIELD                                                                   */
/* ======================================================================== */

/* ---- SHIELD-01 ----------------------------------------------------------- */

struct shield01_result {
    TIDE_FRAME;
    tide_task *inner;
    void *value;
    int rc;
};
static tide_status shield01_result(void *frame)
{
    struct shield01_result *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .tag = "inner",
                           .delay = 1, .value = IV(42)));
    TIDE_AWAIT_CATCH(f, tide_shield(f->inner, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(f->value == IV(42));
    TH_LOG_IS("inner-done");
    TH_EQ_DBL(tide_time(), 1);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

struct shield01_error {
    TIDE_FRAME;
    tide_task *inner;
    void *value;
    int rc;
};
static tide_status shield01_error(void *frame)
{
    struct shield01_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .delay = 1,
                           .err = EAPP, .msg = "expected"));
    f->value = IV(-1);
    TIDE_AWAIT_CATCH(f, tide_shield(f->inner, &f->value), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_STR(tide_error_message(), "expected");
    TH_CHECK(f->value == IV(-1));
    TH_EQ_DBL(tide_time(), 1);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

/* inner.cancel() while a task awaits shield(inner): that task ends
 * cancelled too. */
struct shield01_cancel_inner {
    TIDE_FRAME;
    tide_task *inner, *s;
    int rc;
};
static tide_status shield01_cancel_inner(void *frame)
{
    struct shield01_cancel_inner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .tag = "inner",
                           .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S", &f->s, .inner = f->inner,
                           .tag = "S"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->inner, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->s, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->s), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->inner), 1);
    TH_LOG_IS("inner-cancelled S-cancelled");
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->s);
    TIDE_END(f);
}

/* Shielding a task that is already done gives its outcome at once. */
struct shield01_shortcut {
    TIDE_FRAME;
    tide_task *ok, *bad, *gone;
    void *value;
    uint64_t it0;
    int rc;
};
static tide_status shield01_shortcut(void *frame)
{
    struct shield01_shortcut *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "ok", &f->ok, .value = IV(42)));
    TIDE_TRY(f, TIDE_SPAWN(worker, "bad", &f->bad, .err = EAPP,
                           .msg = "expected"));
    TIDE_TRY(f, TIDE_SPAWN(worker, "gone", &f->gone, .delay = 10));
    TH_EQ_INT(tide_task_cancel(f->gone, "bye"), 1);
    TIDE_YIELD(f);
    TH_CHECK(tide_task_is_done(f->ok) && tide_task_is_done(f->bad) &&
             tide_task_is_done(f->gone));
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_shield(f->ok, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(f->value == IV(42));
    TIDE_AWAIT_CATCH(f, tide_shield(f->bad, NULL), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_STR(tide_error_message(), "expected");
    TIDE_AWAIT_CATCH(f, tide_shield(f->gone, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "bye");
    /* none of the three suspended */
    TH_EQ_INT(th_iterations() - f->it0, 0);
    TIDE_FINALLY(f);
    tide_task_release(f->ok);
    tide_task_release(f->bad);
    tide_task_release(f->gone);
    TIDE_END(f);
}

/* ---- SHIELD-02 ----------------------------------------------------------- */

struct shield02 {
    TIDE_FRAME;
    tide_task *inner, *s;
    void *value;
    int rc;
};
static tide_status shield02(void *frame)
{
    struct shield02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .tag = "inner",
                           .delay = 1, .value = IV(42)));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S", &f->s, .inner = f->inner,
                           .tag = "S"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->s, "stop"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->s, NULL), f->rc);
    /* the awaiting task is cancelled at once... */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop");
    TH_EQ_INT(tide_task_is_cancelled(f->s), 1);
    TH_EQ_DBL(tide_time(), 0);
    /* ...while the shielded task runs on, untouched */
    TH_EQ_INT(tide_task_is_done(f->inner), 0);
    TH_EQ_INT(tide_task_cancelling(f->inner), 0);
    TIDE_AWAIT(f, tide_join(f->inner, &f->value));
    TH_CHECK(f->value == IV(42));
    TH_EQ_INT(tide_task_is_cancelled(f->inner), 0);
    TH_EQ_DBL(tide_time(), 1);
    /* proof == 1: the inner finished once, the code after the shield
     * never ran */
    TH_LOG_IS("S-cancelled inner-done");
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->s);
    TIDE_END(f);
}

/* ---- SHIELD-03 ----------------------------------------------------------- */

/* shield(gather(c1, c2)): cancelling the shield leaves the gather running */
struct shield03_shield_gather {
    TIDE_FRAME;
    tide_task *c1, *c2, *g, *s;
    void *values[2];
    int rc;
};
static tide_status shield03_shield_gather(void *frame)
{
    struct shield03_shield_gather *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "c1", &f->c1, .delay = 1, .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(worker, "c2", &f->c2, .delay = 2, .value = IV(2)));
    TIDE_TRY(f, TIDE_SPAWN(gatherer, "gather", &f->g,
                           .tasks = {f->c1, f->c2}, .values = f->values));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S", &f->s, .inner = f->g, .tag = "S"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->s, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->s, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->s), 1);
    TH_EQ_INT(tide_task_is_done(f->g), 0);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->g, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(f->values[0] == IV(1));
    TH_CHECK(f->values[1] == IV(2));
    TH_EQ_INT(tide_task_is_cancelled(f->c1), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->c2), 0);
    TH_EQ_DBL(tide_time(), 2);
    TH_LOG_IS("S-cancelled");
    TIDE_FINALLY(f);
    tide_task_release(f->c1);
    tide_task_release(f->c2);
    tide_task_release(f->g);
    tide_task_release(f->s);
    TIDE_END(f);
}

/* gather(shield(c1), shield(c2)): cancelling the gather cancels the shields
 * but not c1 and c2 */
struct shield03_gather_shield {
    TIDE_FRAME;
    tide_task *c1, *c2, *s1, *s2, *p;
    void *values[2];
    void *value;
    int rc;
};
static tide_status shield03_gather_shield(void *frame)
{
    struct shield03_gather_shield *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "c1", &f->c1, .tag = "c1", .delay = 1,
                           .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(worker, "c2", &f->c2, .tag = "c2", .delay = 2,
                           .value = IV(2)));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S1", &f->s1, .inner = f->c1,
                           .tag = "S1"));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S2", &f->s2, .inner = f->c2,
                           .tag = "S2"));
    TIDE_TRY(f, TIDE_SPAWN(gatherer, "parent", &f->p,
                           .tasks = {f->s1, f->s2}, .values = f->values));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->p, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->p, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED); /* parent.exception(): cancelled */
    TH_EQ_INT(tide_task_is_cancelled(f->s1), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->s2), 1);
    TH_EQ_INT(tide_task_is_done(f->c1), 0);
    TH_EQ_INT(tide_task_is_done(f->c2), 0);
    TH_EQ_INT(tide_task_cancelling(f->c1), 0);
    TH_EQ_INT(tide_task_cancelling(f->c2), 0);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_AWAIT(f, tide_join(f->c1, &f->value));
    TH_CHECK(f->value == IV(1));
    TIDE_AWAIT(f, tide_join(f->c2, &f->value));
    TH_CHECK(f->value == IV(2));
    TH_EQ_DBL(tide_time(), 2);
    TH_LOG_IS("S1-cancelled S2-cancelled c1-done c2-done");
    TIDE_FINALLY(f);
    tide_task_release(f->c1);
    tide_task_release(f->c2);
    tide_task_release(f->s1);
    tide_task_release(f->s2);
    tide_task_release(f->p);
    TIDE_END(f);
}

/* ---- SHIELD-04 ----------------------------------------------------------- */

/* wait_for(shield(task), timeout): `timeout` 0.25, 0 or INFINITY */
struct shield04 {
    TIDE_FRAME;
    double timeout;
    tide_task *inner, *s;
    void *value;
    int rc;
};
static tide_status shield04(void *frame)
{
    struct shield04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .tag = "inner",
                           .delay = 1, .value = IV(3)));
    TIDE_TRY(f, TIDE_SPAWN(shielder, "S", &f->s, .inner = f->inner));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->s, f->timeout, &f->value), f->rc);
    if (isinf(f->timeout)) {
        TH_EQ_INT(f->rc, 0);
        TH_CHECK(f->value == IV(3));
        TH_EQ_INT(tide_task_is_done(f->inner), 1);
        TH_EQ_DBL(tide_time(), 1);
    } else {
        TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
        TH_EQ_DBL(tide_time(), f->timeout);
        TH_EQ_INT(tide_task_is_cancelled(f->s), 1);
        /* the task runs on in the background */
        TH_EQ_INT(tide_task_is_done(f->inner), 0);
        TH_EQ_INT(tide_task_cancelling(f->inner), 0);
        TIDE_AWAIT(f, tide_sleep(2));
        TH_EQ_INT(tide_task_is_done(f->inner), 1);
        TH_EQ_INT(tide_task_is_cancelled(f->inner), 0);
        TH_EQ_INT(tide_task_result(f->inner, &f->value), 0);
        TH_CHECK(f->value == IV(3));
    }
    TH_LOG_IS("inner-done");
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->s);
    TIDE_END(f);
}

struct shield04_timeout {
    TIDE_FRAME;
    struct shield04 run;
};
static tide_status shield04_timeout(void *frame)
{
    struct shield04_timeout *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct shield04){.timeout = 0.25};
    TIDE_AWAIT_CALL(f, shield04, &f->run);
    TIDE_END(f);
}

struct shield04_zero {
    TIDE_FRAME;
    struct shield04 run;
};
static tide_status shield04_zero(void *frame)
{
    struct shield04_zero *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct shield04){.timeout = 0};
    TIDE_AWAIT_CALL(f, shield04, &f->run);
    TIDE_END(f);
}

struct shield04_none {
    TIDE_FRAME;
    struct shield04 run;
};
static tide_status shield04_none(void *frame)
{
    struct shield04_none *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct shield04){.timeout = INFINITY};
    TIDE_AWAIT_CALL(f, shield04, &f->run);
    TIDE_END(f);
}

/* ======================================================================== */
/* WAIT                                                                     */
/* ======================================================================== */

/* ---- WAIT-01 ------------------------------------------------------------- */

struct wait01_errors {
    TIDE_FRAME;
    tide_task *a;
    tide_task *one[1], *with_null[2], *with_self[2];
    uint64_t it0;
    int rc;
};
static tide_status wait01_errors(void *frame)
{
    struct wait01_errors *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 10));
    f->one[0] = f->a;
    f->with_null[0] = f->a;
    f->with_self[0] = f->a;
    f->with_self[1] = tide_current_task();
    f->it0 = th_iterations();
    /* wait([]) */
    TIDE_AWAIT_CATCH(f, tide_wait(f->one, 0, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_wait(NULL, 1, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    /* return_when=-1 and other unknown values */
    TIDE_AWAIT_CATCH(f, tide_wait(f->one, 1, -1, INFINITY), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_wait(f->one, 1, 0, INFINITY), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_wait(f->one, 1, 4, INFINITY), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_wait(f->one, 1, TIDE_ALL_COMPLETED, NAN), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid timeout: NaN (not a number)");
    TIDE_AWAIT_CATCH(f,
                     tide_wait(f->with_null, 2, TIDE_FIRST_COMPLETED, 1),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f,
                     tide_wait(f->with_self, 2, TIDE_FIRST_COMPLETED, 1),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_ESELF);
    /* each failed at once, without waiting */
    TH_EQ_INT(th_iterations() - f->it0, 0);
    TH_EQ_INT(tide_task_is_done(f->a), 0);
    TH_EQ_INT(tide_task_cancelling(f->a), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    TIDE_END(f);
}

struct wait01_first_completed {
    TIDE_FRAME;
    tide_task *a, *b;
    tide_task *tasks[2];
    int rc;
};
static tide_status wait01_first_completed(void *frame)
{
    struct wait01_first_completed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(worker, "b", &f->b, .delay = 0.1));
    f->tasks[0] = f->b;
    f->tasks[1] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_FIRST_COMPLETED,
                                  INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.1);
    TH_EQ_INT(tide_task_is_done(f->b), 1);
    TH_EQ_INT(tide_task_result(f->b, NULL), 0);
    TH_EQ_INT(tide_task_is_done(f->a), 0);
    TH_EQ_INT(tide_task_cancelling(f->a), 0);
    /* then wait for the rest */
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_task_is_done(f->a), 1);
    TH_EQ_DBL(tide_time(), 10);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

/* FIRST_EXCEPTION: b failing before the wait (`delay` 0, after a yield)
 * or during it (`delay` 0.01). */
struct wait01_first_exception {
    TIDE_FRAME;
    double delay;
    tide_task *a, *b;
    tide_task *tasks[2];
    int rc;
};
static tide_status wait01_first_exception(void *frame)
{
    struct wait01_first_exception *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(worker, "b", &f->b, .delay = f->delay,
                           .err = EAPP, .msg = "err"));
    if (f->delay == 0) {
        TIDE_YIELD(f);
        TH_EQ_INT(tide_task_error(f->b), EAPP);
    }
    f->tasks[0] = f->b;
    f->tasks[1] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_FIRST_EXCEPTION,
                                  INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0); /* the child's error does not fail the wait */
    TH_EQ_DBL(tide_time(), f->delay);
    TH_EQ_INT(tide_task_error(f->b), EAPP);
    TH_EQ_INT(tide_task_is_done(f->a), 0);
    TH_EQ_INT(tide_task_cancelling(f->a), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

struct wait01_first_exception_done {
    TIDE_FRAME;
    struct wait01_first_exception run;
};
static tide_status wait01_first_exception_done(void *frame)
{
    struct wait01_first_exception_done *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wait01_first_exception){.delay = 0};
    TIDE_AWAIT_CALL(f, wait01_first_exception, &f->run);
    TIDE_END(f);
}

struct wait01_first_exception_in_wait {
    TIDE_FRAME;
    struct wait01_first_exception run;
};
static tide_status wait01_first_exception_in_wait(void *frame)
{
    struct wait01_first_exception_in_wait *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wait01_first_exception){.delay = 0.01};
    TIDE_AWAIT_CALL(f, wait01_first_exception, &f->run);
    TIDE_END(f);
}

/* FIRST_EXCEPTION is not triggered by a cancelled task, and acts as
 * ALL_COMPLETED when nothing fails. */
struct wait01_first_exception_other {
    TIDE_FRAME;
    tide_task *a, *c, *d, *x, *y;
    tide_task *acd[3], *xy[2];
    tide_handle *h;
    int rc;
};
static tide_status wait01_first_exception_other(void *frame)
{
    struct wait01_first_exception_other *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(worker, "c", &f->c, .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(worker, "d", &f->d, .delay = 0.25, .err = EAPP));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 0.125, th_cancel_cb, f->c,
                                &f->h));
    f->acd[0] = f->a;
    f->acd[1] = f->c;
    f->acd[2] = f->d;
    TIDE_AWAIT_CATCH(f, tide_wait(f->acd, 3, TIDE_FIRST_EXCEPTION, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.25);
    TH_EQ_INT(tide_task_is_cancelled(f->c), 1);
    TH_EQ_INT(tide_task_error(f->d), EAPP);
    TH_EQ_INT(tide_task_is_done(f->a), 0);

    TIDE_TRY(f, TIDE_SPAWN(worker, "x", &f->x, .delay = 0.25));
    TIDE_TRY(f, TIDE_SPAWN(worker, "y", &f->y, .delay = 0.5));
    f->xy[0] = f->x;
    f->xy[1] = f->y;
    TIDE_AWAIT_CATCH(f, tide_wait(f->xy, 2, TIDE_FIRST_EXCEPTION, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.75);
    TH_CHECK(tide_task_is_done(f->x) && tide_task_is_done(f->y));
    TIDE_FINALLY(f);
    drop_handle(&f->h);
    tide_task_release(f->a);
    tide_task_release(f->c);
    tide_task_release(f->d);
    tide_task_release(f->x);
    tide_task_release(f->y);
    TIDE_END(f);
}

struct wait01_all_completed {
    TIDE_FRAME;
    tide_task *a, *b;
    tide_task *tasks[2];
    uint64_t it0;
    int rc;
};
static tide_status wait01_all_completed(void *frame)
{
    struct wait01_all_completed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 0.1));
    TIDE_TRY(f, TIDE_SPAWN(worker, "b", &f->b, .delay = 0.15));
    f->tasks[0] = f->b;
    f->tasks[1] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(tide_task_is_done(f->a) && tide_task_is_done(f->b));
    TH_EQ_DBL(tide_time(), 0.15);
    /* again, on done tasks: no time passes, yet it suspends */
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.15);
    TH_CHECK(th_iterations() > f->it0);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

/* wait([c, c, d]): c counts once */
struct wait01_duplicates {
    TIDE_FRAME;
    tide_task *c, *d;
    tide_task *tasks[3];
    void *value;
    int rc;
};
static tide_status wait01_duplicates(void *frame)
{
    struct wait01_duplicates *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "c", &f->c, .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(worker, "d", &f->d, .delay = 0.5, .value = IV(2)));
    f->tasks[0] = f->c;
    f->tasks[1] = f->c;
    f->tasks[2] = f->d;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 3, TIDE_ALL_COMPLETED, INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(tide_task_result(f->c, &f->value), 0);
    TH_CHECK(f->value == IV(1));
    TH_EQ_INT(tide_task_result(f->d, &f->value), 0);
    TH_CHECK(f->value == IV(2));
    TIDE_FINALLY(f);
    tide_task_release(f->c);
    tide_task_release(f->d);
    TIDE_END(f);
}

/* ---- WAIT-02 ------------------------------------------------------------- */

/* wait([b, a], timeout): a sleeps 0.1, b 0.15 */
struct wait02 {
    TIDE_FRAME;
    double timeout;
    tide_task *a, *b;
    tide_task *tasks[2];
    int rc;
};
static tide_status wait02(void *frame)
{
    struct wait02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 0.1));
    TIDE_TRY(f, TIDE_SPAWN(worker, "b", &f->b, .tag = "b", .delay = 0.15));
    /* as in CPython's test, a and b start (and arm their sleeps) before
     * the wait arms its timeout: with equal deadlines, a's fires first */
    TIDE_YIELD(f);
    f->tasks[0] = f->b;
    f->tasks[1] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_ALL_COMPLETED,
                                  f->timeout),
                     f->rc);
    TH_EQ_INT(f->rc, 0); /* no TimeoutError */
    TH_EQ_DBL(tide_time(), f->timeout);
    TH_EQ_INT(tide_task_is_done(f->a), 1);
    TH_EQ_INT(tide_task_is_done(f->b), 0);
    TH_EQ_INT(tide_task_cancelling(f->b), 0);
    /* the pending task was not cancelled */
    TIDE_AWAIT_CATCH(f, tide_join(f->b, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0.15);
    TH_LOG_IS("b-done");
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

struct wait02_timeout {
    TIDE_FRAME;
    struct wait02 run;
};
static tide_status wait02_timeout(void *frame)
{
    struct wait02_timeout *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wait02){.timeout = 0.11};
    TIDE_AWAIT_CALL(f, wait02, &f->run);
    TIDE_END(f);
}

/* a finishes at the very deadline (0.1) and still counts as done */
struct wait02_concurrent {
    TIDE_FRAME;
    struct wait02 run;
};
static tide_status wait02_concurrent(void *frame)
{
    struct wait02_concurrent *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wait02){.timeout = 0.1};
    TIDE_AWAIT_CALL(f, wait02, &f->run);
    TIDE_END(f);
}

/* A timeout of 0 or below returns at once, with nothing done. */
struct wait02_no_time {
    TIDE_FRAME;
    tide_task *a;
    tide_task *tasks[1];
    int rc;
};
static tide_status wait02_no_time(void *frame)
{
    struct wait02_no_time *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .delay = 1));
    f->tasks[0] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 1, TIDE_ALL_COMPLETED, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 1, TIDE_FIRST_COMPLETED, -1),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 0);
    TH_EQ_INT(tide_task_is_done(f->a), 0);
    TH_EQ_INT(tide_task_cancelling(f->a), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    TIDE_END(f);
}

/* ---- WAIT-03 ------------------------------------------------------------- */

/* d, p = await wait([inner]); proof += 100 */
struct waiter {
    TIDE_FRAME;
    tide_task *tasks[1];
};
static tide_status waiter(void *frame)
{
    struct waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_wait(f->tasks, 1, TIDE_ALL_COMPLETED, INFINITY));
    th_log("W-after");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("W-cancelled");
    TIDE_END(f);
}

struct wait03_cancel {
    TIDE_FRAME;
    tide_task *inner, *w;
    int rc;
};
static tide_status wait03_cancel(void *frame)
{
    struct wait03_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .tag = "inner",
                           .delay = 1));
    TIDE_TRY(f, TIDE_SPAWN(waiter, "W", &f->w, .tasks = {f->inner}));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->w, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_DBL(tide_time(), 0);
    TH_EQ_INT(tide_task_is_done(f->inner), 0);
    TH_EQ_INT(tide_task_cancelling(f->inner), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->inner, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_task_is_cancelled(f->inner), 0);
    TH_EQ_DBL(tide_time(), 1);
    TH_LOG_IS("W-cancelled inner-done"); /* proof == 1 */
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->w);
    TIDE_END(f);
}

/* a: sleep(0); b: sleep(0) twice; wait([b, a], FIRST_COMPLETED) reports
 * b done too: it finished while the wake-up was on its way. */
struct wait03_really_done {
    TIDE_FRAME;
    tide_task *a, *b;
    tide_task *tasks[2];
    int rc;
};
static tide_status wait03_really_done(void *frame)
{
    struct wait03_really_done *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "a", &f->a, .tag = "a", .yields = 1));
    TIDE_TRY(f, TIDE_SPAWN(worker, "b", &f->b, .tag = "b", .yields = 2));
    f->tasks[0] = f->b;
    f->tasks[1] = f->a;
    TIDE_AWAIT_CATCH(f, tide_wait(f->tasks, 2, TIDE_FIRST_COMPLETED,
                                  INFINITY),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_task_is_done(f->a), 1);
    TH_EQ_INT(tide_task_is_done(f->b), 1);
    TH_EQ_INT(tide_task_result(f->a, NULL), 0);
    TH_EQ_INT(tide_task_result(f->b, NULL), 0);
    TH_LOG_IS("a-done b-done");
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

/* ======================================================================== */
/* WAIT_FOR                                                                 */
/* ======================================================================== */

static const char DONE[] = "done";
static const char OK[] = "ok";
static const char SLOW_RESULT[] = "slow-result";
static const char SWALLOWED[] = "swallowed";

/* ---- WFOR-01 ------------------------------------------------------------- */

struct wfor01_none {
    TIDE_FRAME;
    tide_task *t;
    void *value;
    int rc;
};
static tide_status wfor01_none(void *frame)
{
    struct wfor01_none *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "coro", &f->t, .value = (void *)DONE));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->t, INFINITY, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, DONE);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* `fut`: returns "ok" once the event is set */
struct event_waiter {
    TIDE_FRAME;
    tide_event *ev;
};
static tide_status event_waiter(void *frame)
{
    struct event_waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_event_wait(f->ev));
    TIDE_RETURN(f, OK);
    TIDE_END(f);
}

static int set_event(void *ev)
{
    tide_event_set(ev);
    return 0;
}

/* wait_for(fut, 0.2) with call_soon(fut.set_result, 'ok'): no spurious
 * timeout, and the deadline does not fire afterwards */
struct wfor01_race {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *fut;
    tide_handle *h;
    void *value;
    int rc, reap_rc;
};
static tide_status wfor01_race(void *frame)
{
    struct wfor01_race *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(event_waiter, "fut", &f->fut, .ev = f->ev));
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), set_event, f->ev, &f->h));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->fut, 0.2, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, OK);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    drop_handle(&f->h);
    TH_REAP_ONE(f, f->fut);
    tide_event_destroy(f->ev);
    TIDE_END(f);
}

/* the same with the result arriving later, still before the deadline */
struct wfor01_in_time {
    TIDE_FRAME;
    tide_task *fut;
    void *value;
    int rc;
};
static tide_status wfor01_in_time(void *frame)
{
    struct wfor01_in_time *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "fut", &f->fut, .delay = 0.1,
                           .value = (void *)OK));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->fut, 0.2, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, OK);
    TH_EQ_DBL(tide_time(), 0.1);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->fut);
    TIDE_END(f);
}

/* ---- WFOR-02 ------------------------------------------------------------- */

/* foo_running = True; try: await sleep(10) finally: foo_running = False */
struct foo {
    TIDE_FRAME;
};
static tide_status foo(void *frame)
{
    struct foo *f = frame;
    TIDE_BEGIN(f);
    th_log("foo-running");
    TIDE_AWAIT(f, tide_sleep(10));
    TIDE_RETURN(f, DONE);
    TIDE_FINALLY(f);
    th_log("foo-stopped");
    TIDE_END(f);
}

struct wfor02 {
    TIDE_FRAME;
    tide_task *fut;
    void *value;
    int rc;
};
static tide_status wfor02(void *frame)
{
    struct wfor02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->fut, foo, "foo"));
    f->value = IV(-1);
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->fut, 0.1, &f->value), f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_CHECK(tide_error_message() == NULL);
    TH_CHECK(f->value == IV(-1));
    TH_EQ_DBL(tide_time(), 0.1);
    TH_EQ_INT(tide_task_is_done(f->fut), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->fut), 1);
    /* its cleanup ran before the timeout came out */
    TH_LOG_IS("foo-running foo-stopped");
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->fut);
    TIDE_END(f);
}

/* ---- WFOR-03 ------------------------------------------------------------- */

/* try: await sleep(10) except CancelledError: await sleep(0.25); raise
 * finally: task_done = True */
struct slow_to_cancel {
    TIDE_FRAME;
};
static tide_status slow_to_cancel(void *frame)
{
    struct slow_to_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(10));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        TIDE_AWAIT(f, tide_sleep(0.25));
    th_log("inner-done@%g", tide_time());
    TIDE_END(f);
}

struct wfor03_slow_cancel {
    TIDE_FRAME;
    tide_task *inner;
    int rc;
};
static tide_status wfor03_slow_cancel(void *frame)
{
    struct wfor03_slow_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->inner, slow_to_cancel, "inner"));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->inner, 0.25, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_LOG_IS("inner-done@0.5");
    TH_EQ_INT(tide_task_is_cancelled(f->inner), 1);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

/* SlowTask: runs 0.5 s ignoring every cancel, then returns its value */
struct slow_task {
    TIDE_FRAME;
    double end;
    int rc;
};
static tide_status slow_task(void *frame)
{
    struct slow_task *f = frame;
    TIDE_BEGIN(f);
    f->end = tide_time() + 0.5;
    while (tide_time() < f->end) {
        TIDE_AWAIT_CATCH(f, tide_sleep(f->end - tide_time()), f->rc);
        if (f->rc == TIDE_ECANCELLED)
            th_log("ignored@%g", tide_time());
        else if (f->rc < 0)
            TIDE_THROW(f, f->rc);
    }
    th_log("exited");
    TIDE_RETURN(f, SLOW_RESULT);
    TIDE_END(f);
}

struct wfor03_slow_task {
    TIDE_FRAME;
    tide_task *inner;
    void *value;
    int rc;
};
static tide_status wfor03_slow_task(void *frame)
{
    struct wfor03_slow_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->inner, slow_task, "slow"));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->inner, 0.25, &f->value), f->rc);
    /* returns only once the inner exited, with its value (3.13) */
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, SLOW_RESULT);
    TH_LOG_IS("ignored@0.25 exited");
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

/* ---- WFOR-04 ------------------------------------------------------------- */

struct wfor04_done {
    TIDE_FRAME;
    tide_task *fut, *bad;
    void *value;
    uint64_t it0;
    int rc;
};
static tide_status wfor04_done(void *frame)
{
    struct wfor04_done *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "fut", &f->fut, .value = (void *)DONE));
    TIDE_TRY(f, TIDE_SPAWN(worker, "bad", &f->bad, .err = EAPP, .msg = "x"));
    TIDE_YIELD(f);
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->fut, 0, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, DONE);
    f->value = NULL;
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->fut, -1, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, DONE);
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->bad, 0, NULL), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_STR(tide_error_message(), "x");
    TH_EQ_INT(th_iterations() - f->it0, 0);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->fut);
    tide_task_release(f->bad);
    TIDE_END(f);
}

/* wait_for(foo(), 0): foo never starts */
struct wfor04_not_started {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status wfor04_not_started(void *frame)
{
    struct wfor04_not_started *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, foo, "foo"));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->t, 0, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_LOG_IS(""); /* foo_started == False */
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* a started task and timeouts 0 and -1: cancelled, awaited, ETIMEDOUT */
struct wfor04_running {
    TIDE_FRAME;
    tide_task *t[2];
    int i, rc;
};
static tide_status wfor04_running(void *frame)
{
    static const double timeouts[2] = {0, -1};
    struct wfor04_running *f = frame;
    TIDE_BEGIN(f);
    for (f->i = 0; f->i < 2; f->i++) {
        TIDE_TRY(f, TH_SPAWN0(&f->t[f->i], foo, "foo"));
        TIDE_YIELD(f); /* await started */
        TIDE_AWAIT_CATCH(f, tide_wait_for(f->t[f->i], timeouts[f->i], NULL),
                         f->rc);
        TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
        TH_EQ_INT(tide_task_is_done(f->t[f->i]), 1);
        TH_EQ_INT(tide_task_is_cancelled(f->t[f->i]), 1);
    }
    TH_LOG_IS("foo-running foo-stopped foo-running foo-stopped");
    TH_EQ_DBL(tide_time(), 0);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

/* timeout 0 still waits for a cancellation that takes extra awaits */
struct wfor04_slow_cancel {
    TIDE_FRAME;
    tide_task *inner;
    int rc;
};
static tide_status wfor04_slow_cancel(void *frame)
{
    struct wfor04_slow_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->inner, slow_to_cancel, "inner"));
    TIDE_AWAIT(f, tide_sleep(0.25));
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->inner, 0, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_LOG_IS("inner-done@0.5");
    TH_EQ_INT(tide_task_is_cancelled(f->inner), 1);
    TH_EQ_DBL(tide_time(), 0.5);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

/* ---- WFOR-05 ------------------------------------------------------------- */

/* try: await sleep(1) finally: raise FooException */
struct foo_exception {
    TIDE_FRAME;
};
static tide_status foo_exception(void *frame)
{
    struct foo_exception *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    TIDE_THROW_MSG(f, EAPP, "foo");
    TIDE_END(f);
}

/* try: await sleep(10) except CancelledError: return 42 */
struct return_42 {
    TIDE_FRAME;
    int rc;
};
static tide_status return_42(void *frame)
{
    struct return_42 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED)
        TIDE_RETURN(f, IV(42));
    TIDE_END(f);
}

/* The inner's own outcome wins, for timeout 0.25 (`timeout`) and 0. */
struct wfor05 {
    TIDE_FRAME;
    double timeout;
    tide_task *raiser, *suppressor;
    void *value;
    int rc;
};
static tide_status wfor05(void *frame)
{
    struct wfor05 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->raiser, foo_exception, "raiser"));
    TIDE_TRY(f, TH_SPAWN0(&f->suppressor, return_42, "suppressor"));
    TIDE_YIELD(f);
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->raiser, f->timeout, NULL), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_STR(tide_error_message(), "foo");
    TH_EQ_DBL(tide_time(), f->timeout);
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->suppressor, f->timeout, &f->value),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(f->value == IV(42));
    TH_EQ_INT(tide_task_is_cancelled(f->suppressor), 0);
    TH_EQ_DBL(tide_time(), 2 * f->timeout);
    TH_EQ_INT(th_cancelling(), 0);
    /* nothing is left to cancel this task later */
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_task_release(f->raiser);
    tide_task_release(f->suppressor);
    TIDE_END(f);
}

struct wfor05_timeout {
    TIDE_FRAME;
    struct wfor05 run;
};
static tide_status wfor05_timeout(void *frame)
{
    struct wfor05_timeout *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor05){.timeout = 0.25};
    TIDE_AWAIT_CALL(f, wfor05, &f->run);
    TIDE_END(f);
}

struct wfor05_zero {
    TIDE_FRAME;
    struct wfor05 run;
};
static tide_status wfor05_zero(void *frame)
{
    struct wfor05_zero *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor05){.timeout = 0};
    TIDE_AWAIT_CALL(f, wfor05, &f->run);
    TIDE_END(f);
}

/* inner(): with assertRaises(CancelledError): await sleep(1); return 1
 * run inline under wait_for(inner(), 0.25) */
struct return_1 {
    TIDE_FRAME;
    int rc;
};
static tide_status return_1(void *frame)
{
    struct return_1 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_RETURN(f, IV(1));
    TIDE_END(f);
}

struct wfor05_inline {
    TIDE_FRAME;
    tide_timeout *cm;
    struct return_1 inner;
    int rc;
};
static tide_status wfor05_inline(void *frame)
{
    struct wfor05_inline *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->cm));
    TIDE_AWAIT_CALL_CATCH(f, return_1, &f->inner, f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(TIDE_RESULT(&f->inner) == IV(1));
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_DBL(tide_time(), 0.25);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* ---- WFOR-06 ------------------------------------------------------------- */

/* await wait_for(inner, timeout); logs "W-after" */
struct wait_for_task {
    TIDE_FRAME;
    tide_task *inner;
    double timeout, then;
    void *value;
};
static tide_status wait_for_task(void *frame)
{
    struct wait_for_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_wait_for(f->inner, f->timeout, &f->value));
    if (f->then > 0)
        TIDE_AWAIT(f, tide_sleep(f->then));
    th_log("W-after");
    TIDE_RETURN(f, f->value);
    TIDE_END(f);
}

struct wfor06 {
    TIDE_FRAME;
    double timeout;
    tide_task *b, *w;
    tide_handle *h;
    int rc;
};
static tide_status wfor06(void *frame)
{
    struct wfor06 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "blocking", &f->b, .tag = "B",
                           .delay = INFINITY));
    TIDE_TRY(f, TIDE_SPAWN(wait_for_task, "wait", &f->w, .inner = f->b,
                           .timeout = f->timeout));
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), th_cancel_cb, f->w, &f->h));
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->w), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->b), 1);
    TH_LOG_IS("B-cancelled");
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    drop_handle(&f->h);
    tide_task_release(f->b);
    tide_task_release(f->w);
    TIDE_END(f);
}

struct wfor06_none {
    TIDE_FRAME;
    struct wfor06 run;
};
static tide_status wfor06_none(void *frame)
{
    struct wfor06_none *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor06){.timeout = INFINITY};
    TIDE_AWAIT_CALL(f, wfor06, &f->run);
    TIDE_END(f);
}

struct wfor06_60 {
    TIDE_FRAME;
    struct wfor06 run;
};
static tide_status wfor06_60(void *frame)
{
    struct wfor06_60 *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor06){.timeout = 60};
    TIDE_AWAIT_CALL(f, wfor06, &f->run);
    TIDE_END(f);
}

/* ---- WFOR-07 ------------------------------------------------------------- */

/* yields once, notes the iteration it finishes in, returns "done" */
struct finisher {
    TIDE_FRAME;
    uint64_t *at;
};
static tide_status finisher(void *frame)
{
    struct finisher *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    *f->at = th_iterations();
    TIDE_RETURN(f, DONE);
    TIDE_END(f);
}

/* The inner finishes in the same iteration as the outer is cancelled. */
struct wfor07_same_iteration {
    TIDE_FRAME;
    uint64_t at;
    tide_task *inner, *w;
    void *value;
    int rc;
};
static tide_status wfor07_same_iteration(void *frame)
{
    struct wfor07_same_iteration *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(finisher, "inner", &f->inner, .at = &f->at));
    TIDE_TRY(f, TIDE_SPAWN(wait_for_task, "wait", &f->w, .inner = f->inner,
                           .timeout = 100, .then = 1));
    while (!tide_task_is_done(f->inner))
        TIDE_YIELD(f);
    TH_EQ_INT(f->at, th_iterations());
    TH_EQ_INT(tide_task_is_done(f->w), 0);
    TH_EQ_INT(tide_task_cancel(f->w, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->w), 1);
    TH_LOG_IS(""); /* reached_end is False */
    TH_EQ_INT(tide_task_result(f->inner, &f->value), 0);
    TH_EQ_STR(f->value, DONE);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->w);
    TIDE_END(f);
}

/* CPython's test: the inner is done before wait_for starts; the cancel
 * reaches the sleep after it. */
struct wfor07_issue86296 {
    TIDE_FRAME;
    tide_task *inner, *w;
    void *value;
    int rc;
};
static tide_status wfor07_issue86296(void *frame)
{
    struct wfor07_issue86296 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "inner", &f->inner, .value = (void *)DONE));
    TIDE_TRY(f, TIDE_SPAWN(wait_for_task, "wait", &f->w, .inner = f->inner,
                           .timeout = 100, .then = 1));
    TH_EQ_INT(tide_task_is_done(f->w), 0);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->w, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_done(f->inner), 1);
    TH_EQ_INT(tide_task_result(f->inner, &f->value), 0);
    TH_EQ_STR(f->value, DONE);
    TH_LOG_IS("");
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    tide_task_release(f->w);
    TIDE_END(f);
}

/* ---- WFOR-08 ------------------------------------------------------------- */

/* The coroutine run inline: it is in the caller's task, and swallows the
 * caller's cancellation. */
struct swallower {
    TIDE_FRAME;
    tide_task *caller;
    int rc;
};
static tide_status swallower(void *frame)
{
    struct swallower *f = frame;
    TIDE_BEGIN(f);
    TH_CHECK(tide_current_task() == f->caller);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED)
        TIDE_RETURN(f, SWALLOWED);
    TIDE_RETURN(f, NULL);
    TIDE_END(f);
}

/* return await wait_for(swallower(), timeout) */
struct inline_wait_for {
    TIDE_FRAME;
    double timeout;
    tide_timeout *cm;
    struct swallower sub;
    int rc;
};
static tide_status inline_wait_for(void *frame)
{
    struct inline_wait_for *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(f->timeout, &f->cm));
    f->sub.caller = tide_current_task();
    TIDE_AWAIT_CALL_CATCH(f, swallower, &f->sub, f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    if (f->rc < 0)
        TIDE_THROW(f, f->rc);
    TIDE_RETURN(f, TIDE_RESULT(&f->sub));
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct wfor08 {
    TIDE_FRAME;
    double timeout;
    tide_task *t;
    void *value;
    int rc;
};
static tide_status wfor08(void *frame)
{
    struct wfor08 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(inline_wait_for, "wait_for", &f->t,
                           .timeout = f->timeout));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, &f->value), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(f->value, SWALLOWED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct wfor08_timeout {
    TIDE_FRAME;
    struct wfor08 run;
};
static tide_status wfor08_timeout(void *frame)
{
    struct wfor08_timeout *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor08){.timeout = 10};
    TIDE_AWAIT_CALL(f, wfor08, &f->run);
    TIDE_END(f);
}

struct wfor08_none {
    TIDE_FRAME;
    struct wfor08 run;
};
static tide_status wfor08_none(void *frame)
{
    struct wfor08_none *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct wfor08){.timeout = INFINITY};
    TIDE_AWAIT_CALL(f, wfor08, &f->run);
    TIDE_END(f);
}

/* ---- WFOR-09 ------------------------------------------------------------- */

/* wait_for(queue.get(), 0.1) times out and leaves no getter behind: a put
 * item stays in the queue, and the queue can be destroyed. */
struct wfor09_queue {
    TIDE_FRAME;
    tide_queue *q;
    tide_timeout *cm;
    void *item;
    int rc;
};
static tide_status wfor09_queue(void *frame)
{
    struct wfor09_queue *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 5, NULL, &f->q));
    TIDE_TRY(f, tide_timeout_enter(0.1, &f->cm));
    TIDE_AWAIT_CATCH(f, tide_queue_get(f->q, &f->item), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 0.1);
    TIDE_TRY(f, tide_queue_put_nowait(f->q, IV(7)));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_queue_size(f->q), 1);
    TH_EQ_INT(tide_queue_get_nowait(f->q, &f->item), 0);
    TH_CHECK(f->item == IV(7));
    TH_EQ_INT(tide_queue_destroy(f->q), 0);
    f->q = NULL;
    TIDE_FINALLY(f);
    tide_queue_destroy(f->q);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* async with cond: wait_for(cond.wait(), 0.5) times out with the lock held */
struct wfor09_condition {
    TIDE_FRAME;
    tide_cond *c;
    tide_timeout *cm;
    int held, rc;
};
static tide_status wfor09_condition(void *frame)
{
    struct wfor09_condition *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->c));
    TIDE_AWAIT(f, tide_cond_acquire(f->c));
    f->held = 1;
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TIDE_AWAIT_CATCH(f, tide_cond_wait(f->c), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(tide_cond_is_locked(f->c), 1);
    TH_EQ_INT(tide_cond_waiter_count(f->c), 0);
    TH_EQ_INT(tide_cond_release(f->c), 0);
    f->held = 0;
    TH_EQ_INT(tide_cond_destroy(f->c), 0);
    f->c = NULL;
    TIDE_FINALLY(f);
    if (f->held)
        tide_cond_release(f->c);
    tide_cond_destroy(f->c);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* ======================================================================== */
/* Bad input                                                                */
/* ======================================================================== */

struct outside {
    int ran;
    tide_task *t;
    int wait_rc, wait_for_rc, shield_rc;
};
static int await_outside(void *arg)
{
    struct outside *o = arg;
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    o->wait_rc = tide_wait(&o->t, 1, TIDE_ALL_COMPLETED, INFINITY).tide__rc;
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    o->wait_for_rc = tide_wait_for(o->t, 1, NULL).tide__rc;
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    o->shield_rc = tide_shield(o->t, NULL).tide__rc;
    o->ran = 1;
    return 0;
}

struct bad_input {
    TIDE_FRAME;
    tide_task *t, *done;
    struct outside out;
    uint64_t it0;
    int rc;
};
static tide_status bad_input(void *frame)
{
    struct bad_input *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(worker, "t", &f->t, .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(worker, "done", &f->done));
    TIDE_YIELD(f);
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_wait_for(NULL, 1, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_wait_for(tide_current_task(), 1, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESELF);
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->t, NAN, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid timeout: NaN (not a number)");
    TIDE_AWAIT_CATCH(f, tide_wait_for(f->done, NAN, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid timeout: NaN (not a number)");
    TIDE_AWAIT_CATCH(f, tide_shield(NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_shield(tide_current_task(), NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESELF);
    TH_EQ_INT(th_iterations() - f->it0, 0);
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    /* from a callback: a running loop, no task */
    f->out.t = f->t;
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), await_outside, &f->out,
                               NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(f->out.ran, 1);
    TH_EQ_INT(f->out.wait_rc, TIDE_ENOLOOP);
    TH_EQ_INT(f->out.wait_for_rc, TIDE_ENOLOOP);
    TH_EQ_INT(f->out.shield_rc, TIDE_ENOLOOP);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->done);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("SHIELD-01 shield passes the inner task's result through",
                  shield01_result, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-01 shield passes the inner task's error and "
                  "message through",
                  shield01_error, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-01 a cancelled inner task cancels the task "
                  "awaiting the shield",
                  shield01_cancel_inner, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-01 shielding a done task gives its outcome without "
                  "suspending",
                  shield01_shortcut, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-02 cancelling the shield's awaiter cancels it at "
                  "once and leaves the inner running (proof 1)",
                  shield02, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-03 shield(gather(c1, c2)) cancelled: the gather "
                  "runs on and gives [1, 2]",
                  shield03_shield_gather, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-03 gather(shield(c1), shield(c2)) cancelled: the "
                  "shields are cancelled, c1 and c2 are not",
                  shield03_gather_shield, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-04 wait_for(shield(task), 0.25) gives ETIMEDOUT "
                  "while the task runs on to its value",
                  shield04_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-04 wait_for(shield(task), 0) cancels the shield at "
                  "once; the task runs on",
                  shield04_zero, NULL, TH_OOM),
    TH_CASE_AFTER("SHIELD-04 wait_for(shield(task), INFINITY) completes",
                  shield04_none, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 wait([]), bad return_when, NaN, NULL and self give "
                  "EINVAL/ESELF at once",
                  wait01_errors, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 FIRST_COMPLETED returns as soon as b is done; a "
                  "stays pending",
                  wait01_first_completed, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 FIRST_EXCEPTION returns at once for a task that "
                  "already failed",
                  wait01_first_exception_done, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 FIRST_EXCEPTION returns when a task fails during "
                  "the wait",
                  wait01_first_exception_in_wait, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 FIRST_EXCEPTION ignores a cancelled task and waits "
                  "for all when nothing fails",
                  wait01_first_exception_other, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 ALL_COMPLETED waits for all; again on done tasks "
                  "takes no time",
                  wait01_all_completed, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-01 a task listed twice counts once",
                  wait01_duplicates, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-02 wait with timeout 0.11 returns at 0.11 without "
                  "error and cancels nothing",
                  wait02_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-02 a task finishing at the deadline counts as done",
                  wait02_concurrent, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-02 timeouts 0 and -1 return at once with nothing "
                  "done",
                  wait02_no_time, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-03 cancelling the task in wait([t]) does not cancel "
                  "t (proof 1)",
                  wait03_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("WAIT-03 tasks finished in the same iteration as the "
                  "trigger count as done",
                  wait03_really_done, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-01 wait_for(t, INFINITY) is await t",
                  wfor01_none, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-01 a result set by call_soon right after wait_for "
                  "starts comes back, no spurious timeout",
                  wfor01_race, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-01 a result before the deadline comes back and the "
                  "deadline never fires",
                  wfor01_in_time, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-02 on timeout the inner task is cancelled, its "
                  "cleanup has run, and ETIMEDOUT comes out",
                  wfor02, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-03 wait_for waits for a cancellation that takes "
                  "extra awaits",
                  wfor03_slow_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-03 an inner that ignores cancels until it exits: "
                  "wait_for returns its value after it exited",
                  wfor03_slow_task, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-04 timeout 0 or -1 on a done task gives its outcome "
                  "at once",
                  wfor04_done, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-04 timeout 0 on a task not started: it never "
                  "starts, ETIMEDOUT",
                  wfor04_not_started, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-04 timeout 0 and -1 on a running task cancel it, "
                  "await it, then give ETIMEDOUT",
                  wfor04_running, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-04 timeout 0 waits for a cancellation that takes "
                  "extra awaits",
                  wfor04_slow_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-05 the inner's error or suppressed value during the "
                  "timeout's cancel wins (timeout 0.25)",
                  wfor05_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-05 the inner's error or suppressed value wins "
                  "(timeout 0)",
                  wfor05_zero, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-05 an inline coroutine that suppresses the cancel "
                  "returns its value",
                  wfor05_inline, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-06 cancelling the task in wait_for(t, INFINITY) "
                  "cancels t",
                  wfor06_none, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-06 cancelling the task in wait_for(t, 60) cancels t",
                  wfor06_60, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-07 the inner finishing in the iteration the outer is "
                  "cancelled: the outer still ends cancelled",
                  wfor07_same_iteration, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-07 a cancel after wait_for returned is not swallowed "
                  "(issue 86296)",
                  wfor07_issue86296, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-08 an inline coroutine swallowing the caller's "
                  "cancel: wait_for(c, 10) returns its value",
                  wfor08_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-08 the same with wait_for(c, INFINITY)",
                  wfor08_none, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-09 a timed-out queue get leaves no getter behind",
                  wfor09_queue, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-09 a timed-out condition wait still holds the lock",
                  wfor09_condition, NULL, TH_OOM),
    TH_CASE_AFTER("WFOR-01 SHIELD-01 WAIT-01 bad input: NULL, self and NaN "
                  "to wait_for and shield; all three outside a task",
                  bad_input, NULL, TH_OOM),
};
TH_MAIN(cases)
