/*
 * test_cancel.c - checklist section 5, cancellation (CAN-*): tide_task_cancel,
 * tide_task_cancelling, tide_task_uncancel.
 *
 * Python to C, as used below: CancelledError is TIDE_ECANCELLED, an
 * exception's args are tide_task_message() / tide_error_message() (NULL for
 * `()`), "repr contains ' cancelling '" is tide_task_cancelling() > 0, a
 * future a task awaits is a sleep or another task.
 *
 * Items (or parts) without a C meaning:
 * - CAN-05 `cancel(5)`: messages are strings; there is no non-string value.
 * - CAN-05/CAN-07 `__context__` chains: C errors do not chain; what is left
 *   is which error and message each level sees (checked).
 * - CAN-08 `task._fut_waiter is None` is a private field; the C check is
 *   that both tasks end and nothing leaks.
 * - CAN-13 SystemExit as a BaseException escaping the loop from any task:
 *   Tide has no base errors; the nearest is the main task's error becoming
 *   tide_loop_run()'s result (checked).
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"

/* An error a program defines (asyncio's "any other exception"). */
#define EAPP (TIDE_EUSER - 1)

/* Compare a message that may be expected to be NULL (args == ()). */
#define EQ_MSG(got, want)                                                      \
    ((want) ? TH_EQ_STR((got), (want)) : TH_CHECK((got) == NULL))

static int cancel_msg_cb(void *task)
{
    int rc = tide_task_cancel(task, "msg");
    return rc < 0 ? rc : 0;
}

/* Sleeps `delay` seconds and returns `value`; logs "<name>-cancelled" when
 * the sleep is cancelled, and lets the cancellation go on. */
struct sleeper {
    TIDE_FRAME;
    double delay;
    const char *name;
    void *value;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_RETURN(f, f->value);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED && f->name)
        th_log("%s-cancelled", f->name);
    TIDE_END(f);
}

/* ---- CAN-01 -------------------------------------------------------------- */

/* Handles the cancellation over one extra iteration before re-raising, so
 * the canceller can see it pending while it is being cancelled. */
struct slow_cleanup {
    TIDE_FRAME;
};
static tide_status slow_cleanup(void *frame)
{
    struct slow_cleanup *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(10));
    TIDE_FINALLY(f);
    th_log("cleanup");
    TH_EQ_INT(tide_task_is_cancelled(tide_current_task()), 0);
    TIDE_YIELD(f);
    TIDE_END(f); /* re-raises ECANCELLED */
}

struct can01 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can01(void *frame)
{
    struct can01 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(slow_cleanup, NULL, &f->t));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_YIELD(f);
    /* inside its cleanup: requested, not yet cancelled */
    TH_LOG_IS("cleanup");
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-02 -------------------------------------------------------------- */

/* Catches one cancellation in sleep(delay), then awaits twice more. */
struct catch_once {
    TIDE_FRAME;
    double delay;
    int rc;
};
static tide_status catch_once(void *frame)
{
    struct catch_once *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(f->delay), f->rc);
    th_log("caught=%s", f->rc ? tide_errname(f->rc) : "none");
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_sleep(1));
    th_log("after");
    TIDE_RETURN(f, IV(42));
    TIDE_END(f);
}

/* Two cancels before the task runs again; delay 10: it waits in a sleep,
 * delay 0: it is runnable (in sleep(0)). */
struct can02 {
    TIDE_FRAME;
    double delay;
    tide_task *t;
    void *value;
};
static tide_status can02(void *frame)
{
    struct can02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(catch_once, NULL, &f->t, .delay = f->delay));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_CHECK(f->value == IV(42));
    TH_LOG_IS("caught=TIDE_ECANCELLED after");
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TH_CHECK(tide_time() == 1.0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct can02_waiting {
    TIDE_FRAME;
    struct can02 run;
};
static tide_status can02_waiting(void *frame)
{
    struct can02_waiting *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can02){.delay = 10};
    TIDE_AWAIT_CALL(f, can02, &f->run);
    TIDE_END(f);
}

struct can02_runnable {
    TIDE_FRAME;
    struct can02 run;
};
static tide_status can02_runnable(void *frame)
{
    struct can02_runnable *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can02){.delay = 0};
    TIDE_AWAIT_CALL(f, can02, &f->run);
    TIDE_END(f);
}

/* ---- CAN-03 -------------------------------------------------------------- */

struct fails {
    TIDE_FRAME;
};
static tide_status fails(void *frame)
{
    struct fails *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EAPP, "boom");
    TIDE_END(f);
}

struct can03 {
    TIDE_FRAME;
    tide_task *ok, *bad, *gone;
    int rc;
};
static tide_status can03(void *frame)
{
    struct can03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "ok", &f->ok, .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(fails, "bad", &f->bad));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "gone", &f->gone, .name = "gone",
                           .delay = 10));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->gone, "bye"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->ok, NULL), f->rc);
    TIDE_AWAIT_CATCH(f, tide_join(f->bad, NULL), f->rc);
    TIDE_AWAIT_CATCH(f, tide_join(f->gone, NULL), f->rc);
    TH_CHECK(tide_task_is_done(f->ok) && tide_task_is_done(f->bad) &&
             tide_task_is_done(f->gone));
    TH_EQ_INT(tide_task_cancel(f->ok, NULL), 0);
    TH_EQ_INT(tide_task_cancel(f->bad, "late"), 0);
    TH_EQ_INT(tide_task_cancel(f->gone, "late"), 0);
    TH_EQ_INT(tide_task_cancelling(f->ok), 0);
    TH_EQ_INT(tide_task_cancelling(f->bad), 0);
    TH_EQ_INT(tide_task_cancelling(f->gone), 1);
    /* the outcomes stay as they were */
    TH_EQ_INT(tide_task_error(f->ok), 0);
    TH_EQ_INT(tide_task_error(f->bad), EAPP);
    TH_EQ_STR(tide_task_message(f->bad), "boom");
    TH_EQ_INT(tide_task_error(f->gone), TIDE_ECANCELLED);
    TH_EQ_STR(tide_task_message(f->gone), "bye");
    TH_LOG_IS("gone-cancelled");
    TIDE_FINALLY(f);
    tide_task_release(f->ok);
    tide_task_release(f->bad);
    tide_task_release(f->gone);
    TIDE_END(f);
}

/* ---- CAN-04 -------------------------------------------------------------- */

struct never_started {
    TIDE_FRAME;
};
static tide_status never_started(void *frame)
{
    struct never_started *f = frame;
    TIDE_BEGIN(f);
    th_log("started");
    TIDE_FINALLY(f);
    th_log("finally");
    TIDE_END(f);
}

struct can04 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can04(void *frame)
{
    struct can04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(never_started, NULL, &f->t));
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_YIELD(f);
    /* done within its first step, without running a line of its body
     * (FINALLY included: a coroutine never entered has nothing to unwind) */
    TH_EQ_INT(tide_task_is_done(f->t), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_LOG_IS("");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-05 -------------------------------------------------------------- */

/* Cancels a sleeper with `msg` (before it starts if !started), waits for it
 * (asyncio.wait), checks what each accessor says, then awaits it uncaught
 * (task.result()), so this task ends with the same error and message. */
struct can05_outer {
    TIDE_FRAME;
    const char *msg;
    int started;
    tide_task *inner;
    int rc;
};
static tide_status can05_outer(void *frame)
{
    struct can05_outer *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "inner", &f->inner, .name = "inner",
                           .delay = 10));
    if (f->started)
        TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(f->inner, f->msg));
    TIDE_AWAIT_CATCH(f, tide_join(f->inner, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    EQ_MSG(tide_error_message(), f->msg);
    TH_EQ_INT(tide_task_result(f->inner, NULL), TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_error(f->inner), TIDE_ECANCELLED);
    EQ_MSG(tide_task_message(f->inner), f->msg);
    TIDE_AWAIT(f, tide_join(f->inner, NULL));
    th_log("not-reached");
    TIDE_FINALLY(f);
    tide_task_release(f->inner);
    TIDE_END(f);
}

struct can05 {
    TIDE_FRAME;
    const char *msg;
    int started;
    tide_task *outer;
    int rc;
};
static tide_status can05(void *frame)
{
    struct can05 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(can05_outer, "outer", &f->outer, .msg = f->msg,
                           .started = f->started));
    TIDE_AWAIT_CATCH(f, tide_join(f->outer, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    EQ_MSG(tide_error_message(), f->msg);
    TH_EQ_INT(tide_task_is_cancelled(f->outer), 1);
    EQ_MSG(tide_task_message(f->outer), f->msg);
    /* the inner task logs its cancellation only if it ever ran */
    TH_LOG_IS(f->started ? "inner-cancelled" : "");
    TIDE_FINALLY(f);
    tide_task_release(f->outer);
    TIDE_END(f);
}

struct can05_none {
    TIDE_FRAME;
    struct can05 run;
};
static tide_status can05_none(void *frame)
{
    struct can05_none *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can05){.msg = NULL, .started = 1};
    TIDE_AWAIT_CALL(f, can05, &f->run);
    TIDE_END(f);
}

struct can05_msg {
    TIDE_FRAME;
    struct can05 run;
};
static tide_status can05_msg(void *frame)
{
    struct can05_msg *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can05){.msg = "my message", .started = 1};
    TIDE_AWAIT_CALL(f, can05, &f->run);
    TIDE_END(f);
}

struct can05_unstarted {
    TIDE_FRAME;
    struct can05 run;
};
static tide_status can05_unstarted(void *frame)
{
    struct can05_unstarted *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can05){.msg = "my message", .started = 0};
    TIDE_AWAIT_CALL(f, can05, &f->run);
    TIDE_END(f);
}

struct can05_unstarted_none {
    TIDE_FRAME;
    struct can05 run;
};
static tide_status can05_unstarted_none(void *frame)
{
    struct can05_unstarted_none *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can05){.msg = NULL, .started = 0};
    TIDE_AWAIT_CALL(f, can05, &f->run);
    TIDE_END(f);
}

/* ---- CAN-06 -------------------------------------------------------------- */

/* cancel("first"); cancel("second") on a sleeper that has not started
 * (steps 0), waits in sleep(10) (steps 1, delay 10) or is runnable in
 * sleep(0) (steps 1, delay 0); `want` is the message delivered. */
struct can06 {
    TIDE_FRAME;
    int steps;
    double delay;
    const char *want;
    tide_task *t;
    int rc;
};
static tide_status can06(void *frame)
{
    struct can06 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, NULL, &f->t, .delay = f->delay));
    if (f->steps)
        TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(f->t, "first"));
    TIDE_TRY(f, tide_task_cancel(f->t, "second"));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), f->want);
    TH_EQ_STR(tide_task_message(f->t), f->want);
    TH_EQ_INT(tide_task_cancelling(f->t), 2);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct can06_waiting {
    TIDE_FRAME;
    struct can06 run;
};
static tide_status can06_waiting(void *frame)
{
    struct can06_waiting *f = frame;
    TIDE_BEGIN(f);
    /* the first cancel already cancelled the sleep, with its message */
    f->run = (struct can06){.steps = 1, .delay = 10, .want = "first"};
    TIDE_AWAIT_CALL(f, can06, &f->run);
    TIDE_END(f);
}

struct can06_unstarted {
    TIDE_FRAME;
    struct can06 run;
};
static tide_status can06_unstarted(void *frame)
{
    struct can06_unstarted *f = frame;
    TIDE_BEGIN(f);
    /* nothing was cancelled yet: the pending message is overwritten */
    f->run = (struct can06){.steps = 0, .delay = 10, .want = "second"};
    TIDE_AWAIT_CALL(f, can06, &f->run);
    TIDE_END(f);
}

struct can06_runnable {
    TIDE_FRAME;
    struct can06 run;
};
static tide_status can06_runnable(void *frame)
{
    struct can06_runnable *f = frame;
    TIDE_BEGIN(f);
    /* sleep(0) has no future to cancel: like a task not started (P) */
    f->run = (struct can06){.steps = 1, .delay = 0, .want = "second"};
    TIDE_AWAIT_CALL(f, can06, &f->run);
    TIDE_END(f);
}

/* ---- CAN-07 -------------------------------------------------------------- */

/* `except CancelledError as ex: raise ValueError('cancelled') from ex`: the
 * chain has no C form; the handler sees the cancel message, and the error it
 * raises replaces the cancellation. */
struct can07_outer {
    TIDE_FRAME;
    tide_task *inner;
    tide_handle *h;
};
static tide_status can07_outer(void *frame)
{
    struct can07_outer *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "inner", &f->inner, .name = "inner",
                           .delay = 10));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), cancel_msg_cb, f->inner,
                               &f->h));
    TIDE_AWAIT(f, tide_join(f->inner, NULL));
    th_log("not-reached");
    TIDE_FINALLY(f);
    /* the callback borrows inner: it must not run once inner is released
     * (it has run by now, unless inner ended early, out of memory) */
    tide_handle_cancel(f->h);
    tide_handle_release(f->h);
    f->h = NULL;
    tide_task_release(f->inner);
    f->inner = NULL;
    if (TIDE_ERROR(f) == TIDE_ECANCELLED) {
        TH_EQ_STR(tide_error_message(), "msg");
        TIDE_THROW_MSG(f, EAPP, "cancelled");
    }
    TIDE_END(f);
}

struct can07 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can07(void *frame)
{
    struct can07 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, can07_outer, "outer"));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_STR(tide_error_message(), "cancelled");
    TH_EQ_INT(tide_task_error(f->t), EAPP);
    TH_EQ_STR(tide_task_message(f->t), "cancelled");
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_LOG_IS("inner-cancelled");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-08 -------------------------------------------------------------- */

/* Awaits task `other` (the "future") and returns what it returns. */
struct awaiter {
    TIDE_FRAME;
    tide_task *other;
    void *value;
};
static tide_status awaiter(void *frame)
{
    struct awaiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_join(f->other, &f->value));
    th_log("awaiter-got-%d", (int)(intptr_t)f->value);
    TIDE_RETURN(f, f->value);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("awaiter-cancelled");
    TIDE_END(f);
}

/* A awaits B. `who` says what gets cancelled: 1 A, 2 B, 3 B then A. */
struct can08 {
    TIDE_FRAME;
    int who;
    tide_task *a, *b;
    int rc;
};
static tide_status can08(void *frame)
{
    struct can08 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "B", &f->b, .name = "B", .delay = 10));
    TIDE_TRY(f, TIDE_SPAWN(awaiter, "A", &f->a, .other = f->b));
    TIDE_YIELD(f);
    if (f->who & 2)
        TH_EQ_INT(tide_task_cancel(f->b, "inner msg"), 1);
    if (f->who & 1)
        TH_EQ_INT(tide_task_cancel(f->a, "outer msg"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->a, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->a), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->b), 1);
    /* the sleep B waited in was cancelled, not run to its end */
    TH_CHECK(tide_time() == 0.0);
    TH_LOG_IS("B-cancelled awaiter-cancelled");
    /* B ends with the first message it got, and passes it on to A */
    TH_EQ_STR(tide_task_message(f->b), f->who & 2 ? "inner msg" : "outer msg");
    TH_EQ_STR(tide_task_message(f->a), f->who & 2 ? "inner msg" : "outer msg");
    TH_EQ_INT(tide_task_cancelling(f->a), f->who & 1 ? 1 : 0);
    TH_EQ_INT(tide_task_cancelling(f->b), f->who == 3 ? 2 : 1);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

struct can08_awaiter {
    TIDE_FRAME;
    struct can08 run;
};
static tide_status can08_awaiter(void *frame)
{
    struct can08_awaiter *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can08){.who = 1};
    TIDE_AWAIT_CALL(f, can08, &f->run);
    TIDE_END(f);
}

struct can08_awaited {
    TIDE_FRAME;
    struct can08 run;
};
static tide_status can08_awaited(void *frame)
{
    struct can08_awaited *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can08){.who = 2};
    TIDE_AWAIT_CALL(f, can08, &f->run);
    TIDE_END(f);
}

struct can08_both {
    TIDE_FRAME;
    struct can08 run;
};
static tide_status can08_both(void *frame)
{
    struct can08_both *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can08){.who = 3};
    TIDE_AWAIT_CALL(f, can08, &f->run);
    TIDE_END(f);
}

/* The awaited task swallows the cancel and returns 7 a second later. */
struct stubborn {
    TIDE_FRAME;
    int rc;
};
static tide_status stubborn(void *frame)
{
    struct stubborn *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED)
        th_log("B-caught");
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_RETURN(f, IV(7));
    TIDE_END(f);
}

struct can08_swallowed {
    TIDE_FRAME;
    tide_task *a, *b;
    void *value;
};
static tide_status can08_swallowed(void *frame)
{
    struct can08_swallowed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->b, stubborn, "B"));
    TIDE_TRY(f, TIDE_SPAWN(awaiter, "A", &f->a, .other = f->b));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->a, NULL), 1);
    /* as with `await task` in asyncio, A gets what B ends with */
    TIDE_AWAIT(f, tide_join(f->a, &f->value));
    TH_CHECK(f->value == IV(7));
    TH_LOG_IS("B-caught awaiter-got-7");
    TH_EQ_INT(tide_task_is_cancelled(f->a), 0);
    TH_EQ_INT(tide_task_cancelling(f->a), 1);
    TH_EQ_INT(tide_task_cancelling(f->b), 1);
    TH_CHECK(tide_time() == 1.0);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

/* ---- CAN-09 -------------------------------------------------------------- */

/* await fut1; try: await fut2 except CancelledError: return 42 */
struct catch_return {
    TIDE_FRAME;
    int rc;
};
static tide_status catch_return(void *frame)
{
    struct catch_return *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED)
        TIDE_RETURN(f, IV(42));
    TIDE_END(f);
}

/* The same with the handler in FINALLY: TIDE_RETURN there swallows. */
struct finally_return {
    TIDE_FRAME;
};
static tide_status finally_return(void *frame)
{
    struct finally_return *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_AWAIT(f, tide_sleep(10));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        TIDE_RETURN(f, IV(42));
    TIDE_END(f);
}

struct can09_return {
    TIDE_FRAME;
    tide_task *t[2];
    void *value[2];
    int i;
};
static tide_status can09_return(void *frame)
{
    struct can09_return *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t[0], catch_return, NULL));
    TIDE_TRY(f, TIDE_SPAWN(finally_return, NULL, &f->t[1]));
    TIDE_AWAIT(f, tide_sleep(2)); /* both are in their second sleep */
    for (f->i = 0; f->i < 2; f->i++) {
        TH_EQ_INT(tide_task_cancel(f->t[f->i], NULL), 1);
        TIDE_AWAIT(f, tide_join(f->t[f->i], &f->value[f->i]));
        TH_CHECK(f->value[f->i] == IV(42));
        TH_EQ_INT(tide_task_is_cancelled(f->t[f->i]), 0);
        TH_EQ_INT(tide_task_error(f->t[f->i]), 0);
        TH_EQ_INT(tide_task_cancelling(f->t[f->i]), 1);
    }
    TH_CHECK(tide_time() == 2.0);
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

/* await fut1; try: await fut2 except CancelledError: pass; return await fut3 */
struct catch_pass {
    TIDE_FRAME;
    tide_task *fut3;
    int rc;
    void *res;
};
static tide_status catch_pass(void *frame)
{
    struct catch_pass *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    th_log("caught=%s", f->rc ? tide_errname(f->rc) : "none");
    TIDE_AWAIT(f, tide_join(f->fut3, &f->res));
    TIDE_RETURN(f, f->res);
    TIDE_END(f);
}

struct can09_ignore {
    TIDE_FRAME;
    tide_task *t, *fut3;
    void *value;
};
static tide_status can09_ignore(void *frame)
{
    struct can09_ignore *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "fut3", &f->fut3, .name = "fut3",
                           .delay = 5, .value = IV(42)));
    TIDE_TRY(f, TIDE_SPAWN(catch_pass, NULL, &f->t, .fut3 = f->fut3));
    TIDE_AWAIT(f, tide_sleep(2));
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT(f, tide_sleep(1));
    /* it went past the cancelled await and now waits on fut3 */
    TH_LOG_IS("caught=TIDE_ECANCELLED");
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_CHECK(f->value == IV(42));
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->fut3), 0);
    TH_CHECK(tide_time() == 5.0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->fut3);
    TIDE_END(f);
}

/* ---- CAN-10 -------------------------------------------------------------- */

struct self_cancel_sleep {
    TIDE_FRAME;
};
static tide_status self_cancel_sleep(void *frame)
{
    struct self_cancel_sleep *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_task_cancel(tide_current_task(), NULL), 1);
    TIDE_AWAIT(f, tide_sleep(100));
    TIDE_RETURN(f, IV(12));
    TIDE_FINALLY(f);
    th_log("%s@%g", TIDE_ERROR(f) ? tide_errname(TIDE_ERROR(f)) : "ok",
           tide_time());
    TIDE_END(f);
}

struct can10_sleep {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can10_sleep(void *frame)
{
    struct can10_sleep *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(self_cancel_sleep, NULL, &f->t));
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    /* the sleep(100) failed at once, at t=0 */
    TH_LOG_IS("TIDE_ECANCELLED@0");
    TH_CHECK(tide_time() == 0.0);
    TH_EQ_INT(tide_task_is_done(f->t), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct self_cancel_return {
    TIDE_FRAME;
};
static tide_status self_cancel_return(void *frame)
{
    struct self_cancel_return *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_task_cancel(tide_current_task(), "bye"), 1);
    TIDE_RETURN(f, IV(12));
    TIDE_END(f);
}

struct can10_return {
    TIDE_FRAME;
    tide_task *t;
    int rc;
    void *value;
};
static tide_status can10_return(void *frame)
{
    struct can10_return *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(self_cancel_return, NULL, &f->t));
    f->value = IV(-1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, &f->value), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "bye");
    TH_CHECK(f->value == IV(-1)); /* the returned 12 is not delivered */
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_result(f->t, &f->value), TIDE_ECANCELLED);
    TH_CHECK(f->value == IV(-1));
    TH_EQ_STR(tide_task_message(f->t), "bye");
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-11 -------------------------------------------------------------- */

struct can11_coro {
    TIDE_FRAME;
    tide_task *nested;
};
static tide_status can11_coro(void *frame)
{
    struct can11_coro *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "nested", &f->nested, .name = "nested",
                           .delay = INFINITY));
    TIDE_YIELD(f); /* nested now waits in its sleep (the future) */
    TH_EQ_INT(tide_task_cancel(tide_current_task(), NULL), 1);
    TIDE_AWAIT(f, tide_join(f->nested, NULL));
    th_log("not-reached");
    TIDE_FINALLY(f);
    TH_EQ_INT(TIDE_ERROR(f), TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->nested), 1);
    tide_task_release(f->nested);
    TIDE_END(f);
}

struct can11 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can11(void *frame)
{
    struct can11 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, can11_coro, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_LOG_IS("nested-cancelled");
    TH_CHECK(tide_time() == 0.0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-12 -------------------------------------------------------------- */

/* inner(): try: await waiter except CancelledError: proof += 1; raise */
struct chain_inner {
    TIDE_FRAME;
    int *proof;
};
static tide_status chain_inner(void *frame)
{
    struct chain_inner *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(INFINITY)); /* the waiter future */
    th_log("inner-past-waiter");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED) {
        *f->proof += 1;
        th_log("inner");
    }
    TIDE_END(f);
}

/* outer(): try: await inner() except CancelledError: proof += 100
 *          else: proof += 10 */
struct chain_outer {
    TIDE_FRAME;
    int proof;
    int as_task; /* inner as a task of its own instead of inline */
    struct chain_inner inner;
    tide_task *t;
};
static tide_status chain_outer(void *frame)
{
    struct chain_outer *f = frame;
    TIDE_BEGIN(f);
    if (f->as_task) {
        TIDE_TRY(f, TIDE_SPAWN(chain_inner, "inner", &f->t,
                               .proof = &f->proof));
        TIDE_AWAIT(f, tide_join(f->t, NULL));
    } else {
        f->inner = (struct chain_inner){.proof = &f->proof};
        TIDE_AWAIT_CALL(f, chain_inner, &f->inner);
    }
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    f->t = NULL;
    if (TIDE_ERROR(f) == TIDE_ECANCELLED) {
        f->proof += 100;
        th_log("outer");
        TIDE_RETURN(f, IV(f->proof));
    }
    if (TIDE_ERROR(f) == 0) {
        f->proof += 10;
        TIDE_RETURN(f, IV(f->proof));
    }
    TIDE_END(f); /* any other error goes on */
}

struct can12 {
    TIDE_FRAME;
    int as_task;
    tide_task *t;
    void *proof;
};
static tide_status can12(void *frame)
{
    struct can12 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(chain_outer, "outer", &f->t,
                           .as_task = f->as_task));
    TIDE_YIELD(f);
    if (f->as_task)
        TIDE_YIELD(f); /* the inner task starts one iteration later */
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT(f, tide_join(f->t, &f->proof));
    TH_EQ_INT((intptr_t)f->proof, 101);
    TH_LOG_IS("inner outer");
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct can12_inline {
    TIDE_FRAME;
    struct can12 run;
};
static tide_status can12_inline(void *frame)
{
    struct can12_inline *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can12){.as_task = 0};
    TIDE_AWAIT_CALL(f, can12, &f->run);
    TIDE_END(f);
}

struct can12_task {
    TIDE_FRAME;
    struct can12 run;
};
static tide_status can12_task(void *frame)
{
    struct can12_task *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct can12){.as_task = 1};
    TIDE_AWAIT_CALL(f, can12, &f->run);
    TIDE_END(f);
}

/* ---- CAN-13 -------------------------------------------------------------- */

/* try: await sleeper() except CancelledError: raise SystemExit (here: a
 * program's own error code) */
struct not_much {
    TIDE_FRAME;
    struct sleeper sub;
};
static tide_status not_much(void *frame)
{
    struct not_much *f = frame;
    TIDE_BEGIN(f);
    f->sub = (struct sleeper){.delay = 10};
    TIDE_AWAIT_CALL(f, sleeper, &f->sub);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        TIDE_THROW(f, EAPP);
    TIDE_END(f);
}

struct can13 {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status can13(void *frame)
{
    struct can13 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, not_much, NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_done(f->t), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_error(f->t), EAPP);
    TH_EQ_INT(tide_task_result(f->t, NULL), EAPP);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* The main task itself: cancelled by a callback, it raises its own error
 * from the handler, and that error is what the run returns. */
struct can13_main {
    TIDE_FRAME;
};
static tide_status can13_main(void *frame)
{
    struct can13_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), th_cancel_cb,
                               tide_current_task(), NULL));
    TIDE_AWAIT(f, tide_sleep(10));
    th_log("not-reached");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        TIDE_THROW_MSG(f, EAPP, "exit");
    TIDE_END(f);
}

static void can13_main_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, EAPP);
    TH_EQ_INT(tide_task_is_done(main), 1);
    TH_EQ_INT(tide_task_is_cancelled(main), 0);
    TH_EQ_INT(tide_task_error(main), EAPP);
    TH_EQ_STR(tide_task_message(main), "exit");
    TH_LOG_IS("");
    TH_EQ_STR(th_reports(), "");
}

/* ---- CAN-14 -------------------------------------------------------------- */

struct returns_5 {
    TIDE_FRAME;
};
static tide_status returns_5(void *frame)
{
    struct returns_5 *f = frame;
    TIDE_BEGIN(f);
    th_log("body");
    TIDE_RETURN(f, IV(5));
    TIDE_END(f);
}

struct can14_counts {
    TIDE_FRAME;
    tide_task *t;
    void *value;
};
static tide_status can14_counts(void *frame)
{
    struct can14_counts *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(returns_5, NULL, &f->t));
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 3);
    TH_EQ_INT(tide_task_uncancel(f->t), 2);
    TH_EQ_INT(tide_task_uncancel(f->t), 1);
    TH_EQ_INT(tide_task_uncancel(f->t), 0);
    TH_EQ_INT(tide_task_uncancel(f->t), 0); /* never below 0 */
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    /* back at 0 before its first step: the body runs after all */
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_CHECK(f->value == IV(5));
    TH_LOG_IS("body");
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* `await fut; return 42`, with fut a task that finishes after one yield */
struct quick {
    TIDE_FRAME;
};
static tide_status quick(void *frame)
{
    struct quick *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_RETURN(f, IV(1));
    TIDE_END(f);
}

struct await_then_42 {
    TIDE_FRAME;
    tide_task *fut;
};
static tide_status await_then_42(void *frame)
{
    struct await_then_42 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_join(f->fut, NULL));
    TIDE_RETURN(f, IV(42));
    TIDE_END(f);
}

struct can14_runnable {
    TIDE_FRAME;
    tide_task *fut, *t;
    void *value;
};
static tide_status can14_runnable(void *frame)
{
    struct can14_runnable *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(quick, NULL, &f->fut));
    TIDE_TRY(f, TIDE_SPAWN(await_then_42, NULL, &f->t, .fut = f->fut));
    TIDE_YIELD(f); /* t waits for fut */
    TIDE_YIELD(f); /* fut finished: t is woken, runs next iteration */
    TH_EQ_INT(tide_task_is_done(f->fut), 1);
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_EQ_INT(tide_task_uncancel(f->t), 0);
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_CHECK(f->value == IV(42));
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->fut);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-15 -------------------------------------------------------------- */

/* try: await sleep(10) except CancelledError: uncancel(); await sleep(10) */
struct uncancelling {
    TIDE_FRAME;
    int rc;
};
static tide_status uncancelling(void *frame)
{
    struct uncancelling *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED) {
        TH_EQ_INT(tide_task_uncancel(tide_current_task()), 0);
        TIDE_AWAIT(f, tide_sleep(10));
    }
    TIDE_END(f);
}

struct can15 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status can15(void *frame)
{
    struct can15 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, uncancelling, NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_YIELD(f);
    /* it uncancelled and sleeps again: no longer "cancelling" */
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1); /* counted from 1 again */
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_CHECK(tide_time() == 0.0);
    /* too late to undo: the task stays cancelled */
    TH_EQ_INT(tide_task_uncancel(f->t), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_is_done(f->t), 1);
    TH_EQ_INT(tide_task_error(f->t), TIDE_ECANCELLED);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- CAN-16 -------------------------------------------------------------- */

/* The structured-timeout pattern written out by hand:
 *
 *     try:
 *         <timed_block: sleep under a call_later(timeout, task.cancel)>
 *     except TimeoutError:
 *         pass
 *     <outer code>
 */
struct can16_outcome {
    int timed_out, block_finished, outer_reached;
};

struct request;

struct timed_block {
    TIDE_FRAME;
    struct request *req;
    tide_handle *timer;
};

/* try: except TimeoutError: pass */
struct timed_try {
    TIDE_FRAME;
    struct timed_block block;
};

struct request {
    TIDE_FRAME;
    double sleep, timeout;
    struct can16_outcome *out; /* in the spawner's frame */
    tide_task *self;
    struct timed_try guarded;
};

static int on_timeout(void *arg)
{
    struct request *req = arg;
    req->out->timed_out = 1;
    int rc = tide_task_cancel(req->self, NULL);
    return rc < 0 ? rc : 0;
}

static tide_status timed_block(void *frame)
{
    struct timed_block *f = frame;
    struct request *req = f->req;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_later(tide_running_loop(), req->timeout, on_timeout,
                                req, &f->timer));
    TIDE_AWAIT(f, tide_sleep(req->sleep));
    req->out->block_finished = 1;
    TIDE_FINALLY(f);
    /* the stimulus must not re-cancel the task later */
    tide_handle_cancel(f->timer);
    tide_handle_release(f->timer);
    f->timer = NULL;
    /* ours only if we fired, the count drops to 0, and it is a cancel */
    if (req->out->timed_out && tide_task_uncancel(req->self) == 0 &&
        TIDE_ERROR(f) == TIDE_ECANCELLED)
        TIDE_THROW(f, TIDE_ETIMEDOUT);
    TIDE_END(f);
}

static tide_status timed_try(void *frame)
{
    struct timed_try *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL(f, timed_block, &f->block);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ETIMEDOUT)
        TIDE_RETURN(f, NULL);
    TIDE_END(f);
}

static tide_status request(void *frame)
{
    struct request *f = frame;
    TIDE_BEGIN(f);
    f->self = tide_current_task();
    f->guarded = (struct timed_try){.block = {.req = f}};
    TIDE_AWAIT_CALL(f, timed_try, &f->guarded);
    f->out->outer_reached = 1; /* code after the block is not affected */
    TIDE_YIELD(f);
    TIDE_END(f);
}

struct can16_timeout {
    TIDE_FRAME;
    struct can16_outcome out;
    tide_task *t;
};
static tide_status can16_timeout(void *frame)
{
    struct can16_timeout *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(request, "request", &f->t, .sleep = 10,
                           .timeout = 0.1, .out = &f->out));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_EQ_INT(f->out.timed_out, 1);
    TH_EQ_INT(f->out.block_finished, 0);
    TH_EQ_INT(f->out.outer_reached, 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_CHECK(tide_time() == 0.1);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct can16_in_time {
    TIDE_FRAME;
    struct can16_outcome out;
    tide_task *t;
};
static tide_status can16_in_time(void *frame)
{
    struct can16_in_time *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(request, "request", &f->t, .sleep = 0,
                           .timeout = 10, .out = &f->out));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_EQ_INT(f->out.timed_out, 0);
    TH_EQ_INT(f->out.block_finished, 1);
    TH_EQ_INT(f->out.outer_reached, 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_error(f->t), 0);
    /* past the timeout: the cancelled timer never fires */
    TIDE_AWAIT(f, tide_sleep(20));
    TH_EQ_INT(f->out.timed_out, 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct can16_outside {
    TIDE_FRAME;
    struct can16_outcome out;
    tide_task *t;
    int rc;
};
static tide_status can16_outside(void *frame)
{
    struct can16_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(request, "request", &f->t, .sleep = 10,
                           .timeout = 0.1, .out = &f->out));
    TIDE_AWAIT(f, tide_sleep(0.05));
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    /* not our timeout: the cancellation goes on, outer code never runs */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_EQ_INT(f->out.block_finished, 0);
    TH_EQ_INT(f->out.outer_reached, 0);
    TIDE_AWAIT(f, tide_sleep(1));
    TH_EQ_INT(f->out.timed_out, 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("CAN-01 cancel on a pending task returns 1 twice, counts 1 then "
            "2, and cancelled() waits for the end",
            can01),
    TH_CASE("CAN-02 two cancels of a task waiting in sleep deliver one "
            "ECANCELLED",
            can02_waiting),
    TH_CASE("CAN-02 two cancels of a runnable task deliver one ECANCELLED",
            can02_runnable),
    TH_CASE("CAN-03 cancel on a done, failed or cancelled task returns 0 and "
            "changes nothing",
            can03),
    TH_CASE_AFTER("CAN-04 a task cancelled before its first step never runs "
                  "its body",
                  can04, NULL, TH_OOM),
    TH_CASE("CAN-05 cancel(NULL) gives no message through result, error and "
            "await",
            can05_none),
    TH_CASE_AFTER("CAN-05 cancel message round-trips through result, error "
                  "and await",
                  can05_msg, NULL, TH_OOM),
    TH_CASE_AFTER("CAN-05 cancel message of a task cancelled before it "
                  "started",
                  can05_unstarted, NULL, TH_OOM),
    TH_CASE("CAN-05 cancel(NULL) of a task cancelled before it started",
            can05_unstarted_none),
    TH_CASE("CAN-06 cancel('first'); cancel('second') on a waiting task "
            "delivers 'first'",
            can06_waiting),
    TH_CASE_AFTER("CAN-06 cancel('first'); cancel('second') on a task not "
                  "started delivers 'second'",
                  can06_unstarted, NULL, TH_OOM),
    TH_CASE("CAN-06 cancel('first'); cancel('second') on a task in sleep(0) "
            "delivers 'second'",
            can06_runnable),
    TH_CASE_AFTER("CAN-07 an error raised while handling a cancellation "
                  "replaces it; the handler sees the cancel message",
                  can07, NULL, TH_OOM),
    TH_CASE("CAN-08 cancelling a task that awaits another task cancels that "
            "task too",
            can08_awaiter),
    TH_CASE("CAN-08 cancelling the awaited task cancels the awaiter with its "
            "message",
            can08_awaited),
    TH_CASE("CAN-08 cancelling both the awaited task and the awaiter",
            can08_both),
    TH_CASE("CAN-08 an awaiter cancelled through its awaited task gets what "
            "that task ends with",
            can08_swallowed),
    TH_CASE("CAN-09 catching the cancellation and returning 42 gives a "
            "successful task",
            can09_return),
    TH_CASE("CAN-09 ignoring the cancellation carries on through the next "
            "await",
            can09_ignore),
    TH_CASE("CAN-10 a task that cancels itself fails at its next await at "
            "once",
            can10_sleep),
    TH_CASE_AFTER("CAN-10 a task that cancels itself and returns ends "
                  "cancelled",
                  can10_return, NULL, TH_OOM),
    TH_CASE_AFTER("CAN-11 a task that cancels itself then awaits a sub-task "
                  "cancels the sub-task and its sleep",
                  can11, NULL, TH_OOM),
    TH_CASE("CAN-12 cancellation travels down an inline await chain "
            "(proof 101)",
            can12_inline),
    TH_CASE("CAN-12 cancellation travels down a chain of tasks (proof 101)",
            can12_task),
    TH_CASE("CAN-13 an error raised while handling a cancellation ends the "
            "task failed, not cancelled",
            can13),
    TH_CASE_AFTER("CAN-13 the main task's error raised while handling its "
                  "cancellation is the run's result",
                  can13_main, can13_main_after, TH_EXPECT_ERROR),
    TH_CASE("CAN-14 uncancel counts down to 0 and drops a cancel not yet "
            "delivered to an unstarted task",
            can14_counts),
    TH_CASE("CAN-14 uncancel to 0 drops a cancel requested while the task is "
            "runnable",
            can14_runnable),
    TH_CASE("CAN-15 uncancel while handling the cancellation lets the task "
            "run on; a later cancel counts from 1",
            can15),
    TH_CASE_AFTER("CAN-16 a timeout turns the cancellation into ETIMEDOUT and "
                  "the task runs on",
                  can16_timeout, NULL, TH_OOM),
    TH_CASE("CAN-16 without a timeout the block finishes and the timer never "
            "fires",
            can16_in_time),
    TH_CASE("CAN-16 a cancel from outside is not turned into a timeout",
            can16_outside),
};
TH_MAIN(cases)
