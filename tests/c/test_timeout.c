/*
 * test_timeout.c - checklist section 10, timeout scopes (TMO-*):
 * tide_timeout_enter/enter_at/exit/reschedule/expired/when/destroy.
 *
 * Python to C, as used below: `async with timeout(d) as cm: body` is
 * tide_timeout_enter(d, &cm); the body's outcome caught into rc (one
 * TIDE_AWAIT_CATCH, or a sub-coroutine through TIDE_AWAIT_CALL_CATCH);
 * rc = tide_timeout_exit(cm, rc). TimeoutError is TIDE_ETIMEDOUT,
 * CancelledError TIDE_ECANCELLED, `timeout(None)` / `reschedule(None)` are
 * INFINITY, `when() is None` is when() == INFINITY, and the RuntimeError of
 * misuse is TIDE_ESTATE (TIDE_ENOLOOP outside a task). Times are exact:
 * every case runs on the virtual clock except TMO-05's busy loop.
 *
 * Python-only parts and their nearest C meaning:
 * - TMO-08, TMO-09, TMO-14 `__cause__` / `__context__` chains: C errors do
 *   not chain. What is checked is which error comes out of the scope, with
 *   which message, and which error was pending in the cleanup when the
 *   expiry's cancellation reached it.
 * - TMO-09 splicing TimeoutError into each member of an ExceptionGroup: the
 *   C group keeps its members' codes and messages unchanged (checked).
 * - VER-01 (3.12 vs 3.13): Tide follows 3.13 only; its side of the
 *   difference is TMO-09 below and WFOR-05/07/08 in test_wait.c, where
 *   wait_for is a timeout scope as in 3.12+. There is no 3.12 mode to test.
 * - TMO-13 a Timeout never entered, or entered twice: a C scope exists only
 *   once entered, so neither can be written; leaving one twice is the
 *   nearest misuse (checked). repr strings: the states they name are read
 *   through expired() and when().
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "harness.h"

/* Errors a program defines (KeyError, ZeroDivisionError, ValueError). */
#define EKEY (TIDE_EUSER - 1)
#define EZERO (TIDE_EUSER - 2)
#define EVALUE (TIDE_EUSER - 3)

/* ---- TMO-01 -------------------------------------------------------------- */

struct tmo01_basic {
    TIDE_FRAME;
    tide_timeout *cm;
    int rc;
};
static tide_status tmo01_basic(void *frame)
{
    struct tmo01_basic *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TH_EQ_DBL(tide_timeout_when(f->cm), 0.5);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_CHECK(tide_error_message() == NULL);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct tmo01_at {
    TIDE_FRAME;
    tide_timeout *cm;
    double deadline;
    int rc;
};
static tide_status tmo01_at(void *frame)
{
    struct tmo01_at *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0.25));
    f->deadline = tide_time() + 0.5;
    TIDE_TRY(f, tide_timeout_enter_at(f->deadline, &f->cm));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_DBL(tide_timeout_when(f->cm), f->deadline);
    TH_EQ_DBL(tide_time(), 0.75);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct tmo01_not_called {
    TIDE_FRAME;
    tide_timeout *cm;
    int rc;
};
static tide_status tmo01_not_called(void *frame)
{
    struct tmo01_not_called *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(10, &f->cm));
    TIDE_AWAIT_CATCH(f, tide_sleep(0.5), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TH_EQ_DBL(tide_timeout_when(f->cm), 10);
    TH_CHECK(tide_timeout_when(f->cm) > tide_time());
    /* the old deadline passes: the scope it belonged to is gone */
    TIDE_AWAIT_CATCH(f, tide_sleep(20), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 20.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* timeout(None) and timeout_at(None) */
struct tmo01_disabled {
    TIDE_FRAME;
    tide_timeout *cm, *cm_at;
    int rc;
};
static tide_status tmo01_disabled(void *frame)
{
    struct tmo01_disabled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(INFINITY, &f->cm));
    TH_EQ_DBL(tide_timeout_when(f->cm), INFINITY);
    TIDE_AWAIT_CATCH(f, tide_sleep(1000), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TH_EQ_DBL(tide_timeout_when(f->cm), INFINITY);

    TIDE_TRY(f, tide_timeout_enter_at(INFINITY, &f->cm_at));
    TH_EQ_DBL(tide_timeout_when(f->cm_at), INFINITY);
    TIDE_AWAIT_CATCH(f, tide_sleep(1000), f->rc);
    f->rc = tide_timeout_exit(f->cm_at, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm_at), 0);
    TH_EQ_DBL(tide_timeout_when(f->cm_at), INFINITY);
    TH_EQ_DBL(tide_time(), 2000);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    tide_timeout_destroy(f->cm_at);
    TIDE_END(f);
}

/* ---- TMO-02 -------------------------------------------------------------- */

/* try: await sleep(10) finally: <cleanup that awaits>; the error goes on */
struct cleanup_body {
    TIDE_FRAME;
};
static tide_status cleanup_body(void *frame)
{
    struct cleanup_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(10));
    th_log("not-reached");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED) {
        th_log("body-cancelled@%g", tide_time());
        TIDE_AWAIT(f, tide_sleep(0.25));
        th_log("cleanup-done@%g", tide_time());
    }
    TIDE_END(f);
}

struct tmo02 {
    TIDE_FRAME;
    tide_timeout *cm;
    struct cleanup_body body;
    int rc;
};
static tide_status tmo02(void *frame)
{
    struct tmo02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TIDE_AWAIT_CALL_CATCH(f, cleanup_body, &f->body, f->rc);
    /* the body itself ends with the cancellation... */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    /* ...and only the scope turns it into a timeout */
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_LOG_IS("body-cancelled@0.5 cleanup-done@0.75");
    TH_EQ_DBL(tide_time(), 0.75);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* ---- TMO-03 -------------------------------------------------------------- */

struct tmo03 {
    TIDE_FRAME;
    tide_timeout *outer, *inner;
    int rc;
};
static tide_status tmo03(void *frame)
{
    struct tmo03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter_at(0.5, &f->outer));
    TIDE_TRY(f, tide_timeout_enter_at(0.5, &f->inner));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_cancelling(), 2); /* both fired */
    f->rc = tide_timeout_exit(f->inner, f->rc);
    /* the inner scope lets the cancellation through */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_cancelling(), 1);
    f->rc = tide_timeout_exit(f->outer, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->inner), 1);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 1);
    TH_EQ_INT(th_cancelling(), 0);
    TH_EQ_DBL(tide_time(), 0.5);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->inner);
    tide_timeout_destroy(f->outer);
    TIDE_END(f);
}

/* ---- TMO-04 -------------------------------------------------------------- */

struct tmo04 {
    TIDE_FRAME;
    tide_timeout *outer, *inner;
    int rc;
};
static tide_status tmo04(void *frame)
{
    struct tmo04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(10, &f->outer));
    TIDE_TRY(f, tide_timeout_enter(1, &f->inner));
    TIDE_AWAIT_CATCH(f, tide_sleep(5), f->rc);
    f->rc = tide_timeout_exit(f->inner, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 1);
    TH_EQ_INT(tide_timeout_is_expired(f->inner), 1);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 0);
    /* the outer body goes on, undisturbed */
    TIDE_AWAIT_CATCH(f, tide_sleep(2), f->rc);
    TH_EQ_INT(f->rc, 0);
    f->rc = tide_timeout_exit(f->outer, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 0);
    TH_EQ_DBL(tide_timeout_when(f->outer), 10);
    TH_EQ_DBL(tide_time(), 3);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->inner);
    tide_timeout_destroy(f->outer);
    TIDE_END(f);
}

/* ---- TMO-05 -------------------------------------------------------------- */

/* The outer (earlier) deadline fires while the inner scope is active. */
struct tmo05_concurrent {
    TIDE_FRAME;
    tide_timeout *outer, *inner;
    int rc;
};
static tide_status tmo05_concurrent(void *frame)
{
    struct tmo05_concurrent *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(1, &f->outer));
    TIDE_TRY(f, tide_timeout_enter(10, &f->inner));
    TIDE_AWAIT_CATCH(f, tide_sleep(5), f->rc);
    f->rc = tide_timeout_exit(f->inner, f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_timeout_is_expired(f->inner), 0);
    f->rc = tide_timeout_exit(f->outer, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 1);
    TH_EQ_DBL(tide_time(), 1);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->inner);
    tide_timeout_destroy(f->outer);
    TIDE_END(f);
}

/*
 * Both deadlines are past when the task next gets control:
 *     async with timeout(outer):
 *         with assertRaises(TimeoutError):     # passes CancelledError on
 *             async with timeout(inner):
 *                 <loop busy>; await sleep(1)
 *         await sleep(10)                      # never reached
 * `busy` 0: the virtual clock cannot be kept busy, so both deadlines are
 * set in the past (inner earlier than outer, as in CPython's test);
 * 1: the real clock and a busy wait past both deadlines.
 */
struct tmo05_busy {
    TIDE_FRAME;
    int busy;
    tide_timeout *outer, *inner;
    double t0;
    int rc;
};
static tide_status tmo05_busy(void *frame)
{
    struct tmo05_busy *f = frame;
    TIDE_BEGIN(f);
    if (!f->busy) {
        TIDE_AWAIT(f, tide_sleep(1));
        f->t0 = tide_time();
        TIDE_TRY(f, tide_timeout_enter(-0.25, &f->outer));
        TIDE_TRY(f, tide_timeout_enter(-0.5, &f->inner));
    } else {
        f->t0 = tide_time();
        TIDE_TRY(f, tide_timeout_enter(0.05, &f->outer));
        TIDE_TRY(f, tide_timeout_enter(0.005, &f->inner));
        while (tide_time() < f->t0 + 0.06)
            ; /* the loop is busy */
    }
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_cancelling(), 2);
    f->rc = tide_timeout_exit(f->inner, f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_timeout_is_expired(f->inner), 1);
    if (f->rc == TIDE_ETIMEDOUT) {
        th_log("after-inner");
        TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    }
    f->rc = tide_timeout_exit(f->outer, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 1);
    TH_EQ_INT(th_cancelling(), 0);
    TH_LOG_IS("");
    if (!f->busy)
        TH_EQ_DBL(tide_time(), f->t0);
    else
        TH_CHECK(tide_time() - f->t0 < 1);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->inner);
    tide_timeout_destroy(f->outer);
    TIDE_END(f);
}

struct tmo05_busy_virtual {
    TIDE_FRAME;
    struct tmo05_busy run;
};
static tide_status tmo05_busy_virtual(void *frame)
{
    struct tmo05_busy_virtual *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo05_busy){.busy = 0};
    TIDE_AWAIT_CALL(f, tmo05_busy, &f->run);
    TIDE_END(f);
}

struct tmo05_busy_real {
    TIDE_FRAME;
    struct tmo05_busy run;
};
static tide_status tmo05_busy_real(void *frame)
{
    struct tmo05_busy_real *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo05_busy){.busy = 1};
    TIDE_AWAIT_CALL(f, tmo05_busy, &f->run);
    TIDE_END(f);
}

/* ---- TMO-06 -------------------------------------------------------------- */

/* timeout(delay) around one sleep(body_sleep), entered at t=0.5 */
struct tmo06 {
    TIDE_FRAME;
    double delay, body_sleep;
    uint64_t hops; /* iterations from the enter to the body's wake-up */
    tide_timeout *cm;
    uint64_t it0;
    int rc;
};
static tide_status tmo06(void *frame)
{
    struct tmo06 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0.5));
    f->it0 = th_iterations();
    TIDE_TRY(f, tide_timeout_enter(f->delay, &f->cm));
    TH_EQ_DBL(tide_timeout_when(f->cm), 0.5 + f->delay);
    TIDE_AWAIT_CATCH(f, tide_sleep(f->body_sleep), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    /* fired on the next iteration, not later */
    TH_EQ_INT(th_iterations() - f->it0, f->hops);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* The expiry runs on the next iteration and cancels the sleep; the task
 * wakes one iteration after that (sleep(0): the cancel is thrown into the
 * step that iteration runs anyway). */
struct tmo06_zero {
    TIDE_FRAME;
    struct tmo06 run;
};
static tide_status tmo06_zero(void *frame)
{
    struct tmo06_zero *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo06){.delay = 0, .body_sleep = 10, .hops = 2};
    TIDE_AWAIT_CALL(f, tmo06, &f->run);
    TIDE_END(f);
}

struct tmo06_zero_sleep_zero {
    TIDE_FRAME;
    struct tmo06 run;
};
static tide_status tmo06_zero_sleep_zero(void *frame)
{
    struct tmo06_zero_sleep_zero *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo06){.delay = 0, .body_sleep = 0, .hops = 1};
    TIDE_AWAIT_CALL(f, tmo06, &f->run);
    TIDE_END(f);
}

struct tmo06_past_sleep_zero {
    TIDE_FRAME;
    struct tmo06 run;
};
static tide_status tmo06_past_sleep_zero(void *frame)
{
    struct tmo06_past_sleep_zero *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo06){.delay = -11, .body_sleep = 0, .hops = 1};
    TIDE_AWAIT_CALL(f, tmo06, &f->run);
    TIDE_END(f);
}

/* A body without any await finishes before the expiry can run. */
struct tmo06_no_await {
    TIDE_FRAME;
    tide_timeout *cm, *past;
    int rc;
};
static tide_status tmo06_no_await(void *frame)
{
    struct tmo06_no_await *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0, &f->cm));
    TH_EQ_INT(tide_timeout_exit(f->cm, 0), 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TIDE_TRY(f, tide_timeout_enter(-11, &f->past));
    TH_EQ_INT(tide_timeout_exit(f->past, 0), 0);
    TH_EQ_INT(tide_timeout_is_expired(f->past), 0);
    /* nothing fires afterwards */
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(th_cancelling(), 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    tide_timeout_destroy(f->past);
    TIDE_END(f);
}

/* ---- TMO-07 -------------------------------------------------------------- */

struct raise_key {
    TIDE_FRAME;
};
static tide_status raise_key(void *frame)
{
    struct raise_key *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EKEY, "key");
    TIDE_END(f);
}

struct tmo07_foreign_error {
    TIDE_FRAME;
    tide_timeout *cm;
    struct raise_key body;
    int rc;
};
static tide_status tmo07_foreign_error(void *frame)
{
    struct tmo07_foreign_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->cm));
    TIDE_AWAIT_CALL_CATCH(f, raise_key, &f->body, f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, EKEY);
    TH_EQ_STR(tide_error_message(), "key");
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    /* the deadline went with the scope */
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* async with timeout(10): current_task().cancel("foreign"); sleep(10) */
struct foreign_cancel {
    TIDE_FRAME;
    tide_timeout *cm;
    int rc;
};
static tide_status foreign_cancel(void *frame)
{
    struct foreign_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(10, &f->cm));
    TIDE_TRY(f, tide_task_cancel(tide_current_task(), "foreign"));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "foreign");
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TH_EQ_DBL(tide_time(), 0);
    th_log("exit=%s", tide_errname(f->rc));
    if (f->rc < 0)
        TIDE_THROW(f, f->rc);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct tmo07_foreign_cancel {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status tmo07_foreign_cancel(void *frame)
{
    struct tmo07_foreign_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, foreign_cancel, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TH_LOG_IS("exit=TIDE_ECANCELLED");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- TMO-08 -------------------------------------------------------------- */

/* try: 1/0 finally: await sleep(1) */
struct raise_then_sleep {
    TIDE_FRAME;
};
static tide_status raise_then_sleep(void *frame)
{
    struct raise_then_sleep *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EZERO, "division by zero");
    TIDE_FINALLY(f);
    th_log("cleanup-handling-%s",
           TIDE_ERROR(f) == EZERO ? "EZERO" : "other");
    TIDE_AWAIT(f, tide_sleep(1)); /* the expiry's cancel lands here */
    th_log("not-reached");
    TIDE_END(f);
}

struct tmo08 {
    TIDE_FRAME;
    tide_timeout *cm;
    struct raise_then_sleep body;
    int rc;
};
static tide_status tmo08(void *frame)
{
    struct tmo08 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TIDE_AWAIT_CALL_CATCH(f, raise_then_sleep, &f->body, f->rc);
    /* the cancellation raised in the cleanup replaced ZeroDivisionError */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_CHECK(tide_error_message() == NULL);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_LOG_IS("cleanup-handling-EZERO");
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* ---- TMO-09 -------------------------------------------------------------- */

/* try: await sleep(1) finally: 1/0 */
struct crash {
    TIDE_FRAME;
};
static tide_status crash(void *frame)
{
    struct crash *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    th_log("crash-cleanup@%g", tide_time());
    TIDE_THROW_MSG(f, EZERO, "division by zero");
    TIDE_END(f);
}

struct tmo09_foreign {
    TIDE_FRAME;
    tide_timeout *cm;
    struct crash body;
    int rc;
};
static tide_status tmo09_foreign(void *frame)
{
    struct tmo09_foreign *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TIDE_AWAIT_CALL_CATCH(f, crash, &f->body, f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, EZERO);
    TH_EQ_STR(tide_error_message(), "division by zero");
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_INT(th_cancelling(), 0);
    TH_LOG_IS("crash-cleanup@0.5");
    TH_EQ_DBL(tide_time(), 0.5);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* try: raise ValueError finally: await sleep(1) */
struct value_then_sleep {
    TIDE_FRAME;
};
static tide_status value_then_sleep(void *frame)
{
    struct value_then_sleep *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW(f, EVALUE);
    TIDE_FINALLY(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}

/*
 * async with timeout(0.5):
 *     async with TaskGroup() as tg:
 *         tg.create_task(crash())
 *         try: raise ValueError finally: await sleep(1)
 * The group's error comes out of the scope unchanged.
 */
struct tmo09_group {
    TIDE_FRAME;
    tide_timeout *cm;
    tide_group *g;
    struct value_then_sleep body;
    const char *msg;
    int rc;
};
static tide_status tmo09_group(void *frame)
{
    struct tmo09_group *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, crash, "crash", NULL));
    TIDE_AWAIT_CALL_CATCH(f, value_then_sleep, &f->body, f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_INT(tide_group_error_count(f->g), 1);
    TH_EQ_INT(tide_group_error(f->g, 0, &f->msg), EZERO);
    TH_EQ_STR(f->msg, "division by zero");
    TH_EQ_INT(th_cancelling(), 0);
    TH_LOG_IS("crash-cleanup@0.5");
    TH_EQ_DBL(tide_time(), 0.5);
    /* nothing is left to cancel this task later */
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* ---- TMO-10 -------------------------------------------------------------- */

/* `swallow` 0: catch TimeoutError after the scope; 1: the body swallows
 * the CancelledError and the scope exits without error. Either way the
 * task then runs on and returns 7. */
struct outer_task {
    TIDE_FRAME;
    int swallow;
    tide_timeout *cm;
    int rc;
};
static tide_status outer_task(void *frame)
{
    struct outer_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->cm));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    if (f->swallow && f->rc == TIDE_ECANCELLED)
        f->rc = 0;
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, f->swallow ? 0 : TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 1);
    TH_EQ_INT(th_cancelling(), 0);
    /* not cancelled any more: the next await runs to its end */
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_RETURN(f, IV(7));
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct tmo10 {
    TIDE_FRAME;
    int swallow;
    tide_task *t;
    void *value;
};
static tide_status tmo10(void *frame)
{
    struct tmo10 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(outer_task, NULL, &f->t, .swallow = f->swallow));
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_CHECK(f->value == IV(7));
    TH_EQ_INT(tide_task_is_done(f->t), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_DBL(tide_time(), 1.25);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct tmo10_caught {
    TIDE_FRAME;
    struct tmo10 run;
};
static tide_status tmo10_caught(void *frame)
{
    struct tmo10_caught *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo10){.swallow = 0};
    TIDE_AWAIT_CALL(f, tmo10, &f->run);
    TIDE_END(f);
}

struct tmo10_swallowed {
    TIDE_FRAME;
    struct tmo10 run;
};
static tide_status tmo10_swallowed(void *frame)
{
    struct tmo10_swallowed *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo10){.swallow = 1};
    TIDE_AWAIT_CALL(f, tmo10, &f->run);
    TIDE_END(f);
}

/* ---- TMO-11 -------------------------------------------------------------- */

/*
 * try: current_task().cancel(); await sleep(1)
 * except CancelledError: pass
 * finally: async with timeout(...): [cancel again;] await sleep(...)
 * `again` 0: timeout(0), expiry gives ETIMEDOUT; 1: timeout(1) and a new
 * cancel() inside gives ECANCELLED.
 */
struct after_cancel {
    TIDE_FRAME;
    int again;
    tide_timeout *cm;
    int rc;
};
static tide_status after_cancel(void *frame)
{
    struct after_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_task_cancel(tide_current_task(), NULL));
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_cancelling(), 1);
    TIDE_TRY(f, tide_timeout_enter(f->again ? 1.0 : 0.0, &f->cm));
    if (f->again)
        TIDE_TRY(f, tide_task_cancel(tide_current_task(), NULL));
    TIDE_AWAIT_CATCH(f, tide_sleep(f->again ? 2 : 1), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, f->again ? TIDE_ECANCELLED : TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), !f->again);
    /* back at the level it entered with (plus the new cancel) */
    TH_EQ_INT(th_cancelling(), f->again ? 2 : 1);
    TH_EQ_DBL(tide_time(), 0);
    th_log("exit=%s", tide_errname(f->rc));
    if (f->rc < 0 && f->rc != TIDE_ETIMEDOUT) /* except TimeoutError: pass */
        TIDE_THROW(f, f->rc);
    TIDE_RETURN(f, IV(5));
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

struct tmo11 {
    TIDE_FRAME;
    int again;
    tide_task *t;
    void *value;
    int rc;
};
static tide_status tmo11(void *frame)
{
    struct tmo11 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(after_cancel, NULL, &f->t, .again = f->again));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, &f->value), f->rc);
    if (!f->again) {
        TH_EQ_INT(f->rc, 0);
        TH_CHECK(f->value == IV(5));
        TH_EQ_INT(tide_task_is_cancelled(f->t), 0);
        TH_EQ_INT(tide_task_cancelling(f->t), 1);
        TH_LOG_IS("exit=TIDE_ETIMEDOUT");
    } else {
        TH_EQ_INT(f->rc, TIDE_ECANCELLED);
        TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
        TH_EQ_INT(tide_task_cancelling(f->t), 2);
        TH_LOG_IS("exit=TIDE_ECANCELLED");
    }
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct tmo11_timeout {
    TIDE_FRAME;
    struct tmo11 run;
};
static tide_status tmo11_timeout(void *frame)
{
    struct tmo11_timeout *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo11){.again = 0};
    TIDE_AWAIT_CALL(f, tmo11, &f->run);
    TIDE_END(f);
}

struct tmo11_cancel {
    TIDE_FRAME;
    struct tmo11 run;
};
static tide_status tmo11_cancel(void *frame)
{
    struct tmo11_cancel *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tmo11){.again = 1};
    TIDE_AWAIT_CALL(f, tmo11, &f->run);
    TIDE_END(f);
}

/* ---- TMO-12 -------------------------------------------------------------- */

/* async with timeout_at(10) as cm: <publish cm>; await sleep(50) */
struct rescheduled {
    TIDE_FRAME;
    tide_timeout **cm; /* in the parent's frame; the parent destroys it */
    int rc;
};
static tide_status rescheduled(void *frame)
{
    struct rescheduled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter_at(10, f->cm));
    TIDE_AWAIT_CATCH(f, tide_sleep(50), f->rc);
    f->rc = tide_timeout_exit(*f->cm, f->rc);
    th_log("exit=%s", f->rc ? tide_errname(f->rc) : "ok");
    if (f->rc < 0)
        TIDE_THROW(f, f->rc);
    TIDE_END(f);
}

struct tmo12_from_outside {
    TIDE_FRAME;
    tide_timeout *cm;
    tide_task *t;
    int rc, reap_rc;
};
static tide_status tmo12_from_outside(void *frame)
{
    struct tmo12_from_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(rescheduled, NULL, &f->t, .cm = &f->cm));
    TIDE_YIELD(f);
    TH_CHECK(f->cm != NULL);
    TH_EQ_DBL(tide_timeout_when(f->cm), 10);
    TH_EQ_INT(tide_timeout_reschedule(f->cm, 30), 0);
    TH_EQ_DBL(tide_timeout_when(f->cm), 30);
    TH_EQ_INT(tide_timeout_reschedule(f->cm, INFINITY), 0);
    TH_EQ_DBL(tide_timeout_when(f->cm), INFINITY);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_timeout_is_expired(f->cm), 0);
    TH_LOG_IS("exit=TIDE_ECANCELLED");
    TH_EQ_DBL(tide_time(), 0);
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_timeout_destroy(f->cm);
    TIDE_END(f);
}

/* Earlier, later, disabled: only the last deadline counts. */
struct tmo12_moves {
    TIDE_FRAME;
    tide_timeout *earlier, *later, *off;
    int rc;
};
static tide_status tmo12_moves(void *frame)
{
    struct tmo12_moves *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(10, &f->earlier));
    TH_EQ_INT(tide_timeout_reschedule(f->earlier, 1), 0);
    TH_EQ_DBL(tide_timeout_when(f->earlier), 1);
    TIDE_AWAIT_CATCH(f, tide_sleep(5), f->rc);
    f->rc = tide_timeout_exit(f->earlier, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 1);

    TIDE_TRY(f, tide_timeout_enter(1, &f->later));
    TH_EQ_INT(tide_timeout_reschedule(f->later, 4), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(2), f->rc);
    f->rc = tide_timeout_exit(f->later, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->later), 0);
    TH_EQ_DBL(tide_timeout_when(f->later), 4);
    TH_EQ_DBL(tide_time(), 3);

    TIDE_TRY(f, tide_timeout_enter(1, &f->off));
    TH_EQ_INT(tide_timeout_reschedule(f->off, INFINITY), 0);
    TH_EQ_DBL(tide_timeout_when(f->off), INFINITY);
    TIDE_AWAIT_CATCH(f, tide_sleep(2), f->rc);
    f->rc = tide_timeout_exit(f->off, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->off), 0);
    TH_EQ_DBL(tide_time(), 5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->earlier);
    tide_timeout_destroy(f->later);
    tide_timeout_destroy(f->off);
    TIDE_END(f);
}

/* Rescheduling to now, or to the past, fires on the next iteration;
 * rescheduled twice, it still fires once. */
struct tmo12_now {
    TIDE_FRAME;
    tide_timeout *now, *past;
    uint64_t it0;
    int rc;
};
static tide_status tmo12_now(void *frame)
{
    struct tmo12_now *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0.5));
    TIDE_TRY(f, tide_timeout_enter(10, &f->now));
    TH_EQ_INT(tide_timeout_reschedule(f->now, tide_time()), 0);
    TH_EQ_INT(tide_timeout_reschedule(f->now, tide_time()), 0);
    TH_EQ_DBL(tide_timeout_when(f->now), 0.5);
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_iterations() - f->it0, 1);
    TH_EQ_INT(th_cancelling(), 1);
    f->rc = tide_timeout_exit(f->now, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);

    TIDE_TRY(f, tide_timeout_enter(10, &f->past));
    TH_EQ_INT(tide_timeout_reschedule(f->past, 0.25), 0);
    TH_EQ_DBL(tide_timeout_when(f->past), 0.25);
    f->it0 = th_iterations();
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_iterations() - f->it0, 2);
    f->rc = tide_timeout_exit(f->past, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->now);
    tide_timeout_destroy(f->past);
    TIDE_END(f);
}

/* ---- TMO-13 -------------------------------------------------------------- */

/* Finished, expired and expiring scopes refuse reschedule and exit. */
struct tmo13_states {
    TIDE_FRAME;
    tide_timeout *finished, *expired, *expiring;
    int rc;
};
static tide_status tmo13_states(void *frame)
{
    struct tmo13_states *f = frame;
    TIDE_BEGIN(f);
    /* active (repr "[active] when=..."): reschedulable */
    TIDE_TRY(f, tide_timeout_enter(10, &f->finished));
    TH_EQ_DBL(tide_timeout_when(f->finished), 10);
    TH_EQ_INT(tide_timeout_is_expired(f->finished), 0);
    /* finished */
    TH_EQ_INT(tide_timeout_exit(f->finished, 0), 0);
    TH_EQ_INT(tide_timeout_reschedule(f->finished, 20), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_reschedule(f->finished, INFINITY), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_exit(f->finished, 0), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_is_expired(f->finished), 0);
    TH_EQ_DBL(tide_timeout_when(f->finished), 10);

    /* expiring: fired, not yet exited */
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->expiring));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_timeout_is_expired(f->expiring), 1);
    TH_EQ_INT(tide_timeout_reschedule(f->expiring, 20), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_reschedule(f->expiring, INFINITY), TIDE_ESTATE);
    f->rc = tide_timeout_exit(f->expiring, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);

    /* expired */
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->expired));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->expired, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_reschedule(f->expired, 20), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_exit(f->expired, TIDE_ECANCELLED), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_is_expired(f->expired), 1);
    TH_EQ_DBL(tide_time(), 0.5);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->finished);
    tide_timeout_destroy(f->expired);
    tide_timeout_destroy(f->expiring);
    TIDE_END(f);
}

/* Entering from a callback: a running loop but no task. */
struct outside {
    int ran;
    int enter_rc, enter_at_rc;
    tide_timeout *cm, *cm_at;
};
static int enter_outside(void *arg)
{
    struct outside *o = arg;
    o->cm = o->cm_at = (tide_timeout *)(void *)o; /* not NULL beforehand */
    o->enter_rc = tide_timeout_enter(1, &o->cm);
    o->enter_at_rc = tide_timeout_enter_at(1, &o->cm_at);
    o->ran = 1;
    return 0;
}

struct tmo13_outside {
    TIDE_FRAME;
    struct outside out;
};
static tide_status tmo13_outside(void *frame)
{
    struct tmo13_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), enter_outside, &f->out,
                               NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(f->out.ran, 1);
    TH_EQ_INT(f->out.enter_rc, TIDE_ENOLOOP);
    TH_EQ_INT(f->out.enter_at_rc, TIDE_ENOLOOP);
    TH_CHECK(f->out.cm == NULL);
    TH_CHECK(f->out.cm_at == NULL);
    TIDE_END(f);
}

/* After the run: no loop runs on this thread at all. */
static void tmo13_outside_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    tide_timeout *cm = (tide_timeout *)(void *)main;
    TH_EQ_INT(err, 0);
    TH_EQ_INT(tide_timeout_enter(1, &cm), TIDE_ENOLOOP);
    TH_CHECK(cm == NULL);
}

/* NaN, NULL, and scopes destroyed without an exit. */
struct tmo13_bad_input {
    TIDE_FRAME;
    tide_timeout *cm, *gone, *expiring;
    int rc;
};
static tide_status tmo13_bad_input(void *frame)
{
    struct tmo13_bad_input *f = frame;
    TIDE_BEGIN(f);
    f->cm = (tide_timeout *)(void *)f;
    TH_EQ_INT(tide_timeout_enter(NAN, &f->cm), TIDE_EINVAL);
    TH_CHECK(f->cm == NULL);
    f->cm = (tide_timeout *)(void *)f;
    TH_EQ_INT(tide_timeout_enter_at(NAN, &f->cm), TIDE_EINVAL);
    TH_CHECK(f->cm == NULL);
    TH_EQ_INT(tide_timeout_enter(1, NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_timeout_enter_at(1, NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_timeout_exit(NULL, 0), TIDE_ESTATE);
    TH_EQ_INT(tide_timeout_reschedule(NULL, 1), TIDE_EINVAL);
    TH_EQ_INT(tide_timeout_is_expired(NULL), 0);
    TH_EQ_DBL(tide_timeout_when(NULL), INFINITY);
    tide_timeout_destroy(NULL);

    /* reschedule(NaN) changes nothing */
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->cm));
    TH_EQ_INT(tide_timeout_reschedule(f->cm, NAN), TIDE_EINVAL);
    TH_EQ_DBL(tide_timeout_when(f->cm), 0.5);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->cm, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_DBL(tide_time(), 0.5);

    /* destroyed while active: its deadline never fires */
    TIDE_TRY(f, tide_timeout_enter(0.25, &f->gone));
    tide_timeout_destroy(f->gone);
    f->gone = NULL;
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(th_cancelling(), 0);

    /* destroyed while expiring: it is left first, taking its cancel back */
    TIDE_TRY(f, tide_timeout_enter(0, &f->expiring));
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(th_cancelling(), 1);
    tide_timeout_destroy(f->expiring);
    f->expiring = NULL;
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_DBL(tide_time(), 2.5);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    tide_timeout_destroy(f->gone);
    tide_timeout_destroy(f->expiring);
    TIDE_END(f);
}

/* ---- TMO-14 -------------------------------------------------------------- */

/*
 * try: await sleep(1)
 * finally:
 *     with assertRaises(TimeoutError):
 *         async with timeout(0.5): await sleep(10)
 */
struct timeout_in_finally {
    TIDE_FRAME;
    tide_timeout *inner;
    int rc;
};
static tide_status timeout_in_finally(void *frame)
{
    struct timeout_in_finally *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    th_log("finally@%g:%s:%d", tide_time(),
           TIDE_ERROR(f) == TIDE_ECANCELLED ? "cancelled" : "other",
           th_cancelling());
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->inner));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    f->rc = tide_timeout_exit(f->inner, f->rc);
    th_log("inner=%s@%g:%d", f->rc ? tide_errname(f->rc) : "ok", tide_time(),
           th_cancelling());
    TH_EQ_INT(tide_timeout_is_expired(f->inner), 1);
    TIDE_END(f); /* the outer expiry's cancellation goes on */
}

struct tmo14 {
    TIDE_FRAME;
    tide_timeout *outer;
    struct timeout_in_finally body;
    int rc;
};
static tide_status tmo14(void *frame)
{
    struct tmo14 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.5, &f->outer));
    TIDE_AWAIT_CALL_CATCH(f, timeout_in_finally, &f->body, f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    f->rc = tide_timeout_exit(f->outer, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->outer), 1);
    TH_LOG_IS("finally@0.5:cancelled:1 inner=TIDE_ETIMEDOUT@1:1");
    TH_EQ_DBL(tide_time(), 1);
    TH_EQ_INT(th_cancelling(), 0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->body.inner);
    tide_timeout_destroy(f->outer);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("TMO-01 timeout(0.5) around sleep(10) ends ETIMEDOUT at "
                  "0.5 and expired() is 1",
                  tmo01_basic, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-01 timeout_at(d) expires at d and when() == d",
                  tmo01_at, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-01 a scope left in time is not expired, when() is "
                  "later than now, and its deadline never fires",
                  tmo01_not_called, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-01 timeout(INFINITY) and timeout_at(INFINITY) never "
                  "fire; when() is INFINITY",
                  tmo01_disabled, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-02 the body sees ECANCELLED and runs an awaiting "
                  "cleanup; only the scope turns it into ETIMEDOUT",
                  tmo02, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-03 nested scopes with the same deadline: the inner "
                  "passes ECANCELLED, the outer gives ETIMEDOUT, both expired",
                  tmo03, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-04 a shorter inner timeout ends only the inner scope; "
                  "the outer goes on unexpired",
                  tmo04, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-05 the outer deadline firing first: the inner passes "
                  "ECANCELLED, the outer gives ETIMEDOUT",
                  tmo05_concurrent, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-05 both deadlines past when control returns (virtual "
                  "clock): count 2, the inner passes ECANCELLED",
                  tmo05_busy_virtual, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-05 both deadlines past after a busy loop (real "
                  "clock): the inner passes ECANCELLED, done in under 1 s",
                  tmo05_busy_real, NULL, TH_REAL_CLOCK | TH_OOM),
    TH_CASE_AFTER("TMO-06 timeout(0) fires on the next iteration; when() is "
                  "the entry time",
                  tmo06_zero, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-06 timeout(0) around a lone sleep(0) gives ETIMEDOUT",
                  tmo06_zero_sleep_zero, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-06 timeout(-11) around sleep(0) gives ETIMEDOUT; "
                  "when() is in the past",
                  tmo06_past_sleep_zero, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-06 timeout(0) and timeout(-11) around a body with no "
                  "await end without error, unexpired",
                  tmo06_no_await, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-07 an error from the body passes through unchanged; "
                  "not expired",
                  tmo07_foreign_error, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-07 a foreign cancel inside an unexpired scope stays "
                  "ECANCELLED",
                  tmo07_foreign_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-08 the expiry cancels a cleanup handling another "
                  "error; the scope gives ETIMEDOUT",
                  tmo08, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-09 a cleanup that raises during the expiry: its error "
                  "comes out, the scope is expired",
                  tmo09_foreign, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-09 a task group failing during the expiry: EGROUP "
                  "comes out with its member unchanged",
                  tmo09_group, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-10 after catching ETIMEDOUT the task is not cancelled "
                  "and finishes normally",
                  tmo10_caught, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-10 a body that swallows the expiry's cancel exits "
                  "without error, expired, and the task finishes normally",
                  tmo10_swallowed, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-11 a timeout in a task that swallowed a cancel "
                  "(cancelling 1) still gives ETIMEDOUT",
                  tmo11_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-11 a new cancel inside that timeout gives ECANCELLED",
                  tmo11_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-12 reschedule from another task, reschedule(INFINITY), "
                  "then a foreign cancel: ECANCELLED, not expired",
                  tmo12_from_outside, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-12 reschedule earlier, later and to INFINITY: only "
                  "the last deadline counts",
                  tmo12_moves, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-12 reschedule to now or to the past fires on the next "
                  "iteration, once",
                  tmo12_now, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-13 reschedule and exit on a finished, expiring or "
                  "expired scope give ESTATE",
                  tmo13_states, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-13 entering outside a task gives ENOLOOP",
                  tmo13_outside, tmo13_outside_after, TH_OOM),
    TH_CASE_AFTER("TMO-13 bad input: NaN and NULL give EINVAL; destroy "
                  "without exit leaves the scope",
                  tmo13_bad_input, NULL, TH_OOM),
    TH_CASE_AFTER("TMO-14 a timeout in the cleanup of an expiring one gives "
                  "its own ETIMEDOUT, then the outer gives ETIMEDOUT",
                  tmo14, NULL, TH_OOM),
};
TH_MAIN(cases)
