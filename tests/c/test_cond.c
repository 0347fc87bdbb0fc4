/*
 * test_cond.c - checklist section 14, tide_cond (COND-*), plus bad input.
 *
 * Python to C: `cond._waiters` is tide_cond_waiter_count(); `wait()` returning
 * True is the await succeeding; a CancelledError's args are the message
 * (tide_error_message / TIDE_ERROR_MESSAGE / tide_task_message): "the same
 * instance" (COND-07) becomes "the same code with the same message".
 * test_cancelled_wakeup's `asyncio.timeout(0.01)` is a helper task that
 * cancels the waiting task after 0.01 s, which then uncancels itself: the
 * same cancellation reaching the same wait. repr is the accessors.
 */
#include <stdint.h>

#include "harness.h"

static int release_cb(void *cond)
{
    return tide_cond_release(cond);
}

/* Cleanup every case runs in FINALLY: until every helper is done, free the
 * condition's lock (whoever holds it) and cancel the helpers still running,
 * so that a case stopped early (an injected ENOMEM) cannot leave a helper
 * re-acquiring a lock nobody will release. (th_reap awaits one helper at a
 * time: one re-acquiring the lock behind another that finished holding it
 * would keep it waiting for good.) */
struct cond_reap {
    TIDE_FRAME;
    tide_task **t;
    size_t n;
    tide_cond *cond;
    size_t i;
    int pending;
};
static tide_status cond_reap(void *frame)
{
    struct cond_reap *f = frame;
    TIDE_BEGIN(f);
    for (;;) {
        if (f->cond && tide_cond_is_locked(f->cond))
            tide_cond_release(f->cond);
        f->pending = 0;
        for (f->i = 0; f->i < f->n; f->i++) {
            if (f->t[f->i] && !tide_task_is_done(f->t[f->i])) {
                tide_task_cancel(f->t[f->i], NULL);
                f->pending = 1;
            }
        }
        if (!f->pending)
            break;
        TIDE_YIELD(f);
    }
    for (f->i = 0; f->i < f->n; f->i++) {
        tide_task_release(f->t[f->i]);
        f->t[f->i] = NULL;
    }
    TIDE_END(f);
}
#define REAP(f, arr, c)                                                        \
    ((f)->reap = (struct cond_reap){                                           \
         .t = (arr), .n = sizeof(arr) / sizeof *(arr), .cond = (c)})

/* A waiter: acquires (unless `bare`), waits (for `pred` if set), logs
 * `tag`, and releases if `release` - or, whatever `release` says, when it
 * fails. Logs "<tag>-cancelled-<locked>" when cancelled. */
struct cwaiter {
    TIDE_FRAME;
    tide_cond *cond;
    const char *tag;
    int bare, release;
    tide_predicate pred;
    void *arg;
    int result;
    int held;
};
static tide_status cwaiter(void *frame)
{
    struct cwaiter *f = frame;
    TIDE_BEGIN(f);
    if (!f->bare)
        TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1; /* from here on, whatever the wait's outcome */
    if (f->pred)
        TIDE_AWAIT(f, tide_cond_wait_for(f->cond, f->pred, f->arg,
                                         &f->result));
    else
        TIDE_AWAIT(f, tide_cond_wait(f->cond));
    th_log("%s", f->tag);
    TIDE_RETURN(f, (void *)(intptr_t)f->result); /* wait_for's value */
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled-%d", f->tag, tide_cond_is_locked(f->cond));
    if (f->held && (f->release || TIDE_ERROR(f)))
        tide_cond_release(f->cond);
    TIDE_END(f);
}

static int read_flag(void *arg)
{
    return *(int *)arg;
}

/* ---- COND-01 ---------------------------------------------------------------- */

struct cond01_unacquired {
    TIDE_FRAME;
    tide_cond *cond;
    int rc;
};
static tide_status cond01_unacquired(void *frame)
{
    struct cond01_unacquired *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_AWAIT_CATCH(f, tide_cond_wait(f->cond), f->rc);
    TH_EQ_INT(f->rc, TIDE_ENOTLOCKED);
    TH_EQ_STR(tide_error_message(), "cannot wait on un-acquired lock");
    TH_EQ_INT(tide_cond_notify(f->cond, 1), TIDE_ENOTLOCKED);
    TH_EQ_INT(tide_cond_notify_all(f->cond), TIDE_ENOTLOCKED);
    TH_EQ_INT(tide_cond_release(f->cond), TIDE_ENOTLOCKED);
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-02: test_wait ------------------------------------------------------ */

struct cond02_wait {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[3];
    struct cond_reap reap;
};
static tide_status cond02_wait(void *frame)
{
    struct cond02_wait *f = frame;
    static const char *tags[] = {"1", "2", "3"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[i], .cond = f->cond,
                               .tag = tags[i]));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 3);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_YIELD(f);
    TH_LOG_IS(""); /* notified, but the lock is ours */
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1); /* 1 keeps it */
    TIDE_TRY(f, tide_cond_notify(f->cond, 2));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2 3");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_result(f->t[i], NULL), 0);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-03: test_notify, test_notify_all ------------------------------------ */

struct cond03_notify {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[3];
    struct cond_reap reap;
};
static tide_status cond03_notify(void *frame)
{
    struct cond03_notify *f = frame;
    static const char *tags[] = {"1", "2", "3"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[i], .cond = f->cond,
                               .tag = tags[i], .release = 1));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_TRY(f, tide_cond_notify(f->cond, 2048));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2 3");
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_result(f->t[i], NULL), 0);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

struct cond03_notify_all {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[2];
    struct cond_reap reap;
};
static tide_status cond03_notify_all(void *frame)
{
    struct cond03_notify_all *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "1", .release = 1));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[1], .cond = f->cond,
                           .tag = "2", .release = 1));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify_all(f->cond));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2");
    TH_EQ_INT(tide_task_result(f->t[0], NULL), 0);
    TH_EQ_INT(tide_task_result(f->t[1], NULL), 0);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-04: wait_for --------------------------------------------------- */

static int value_pred(void *arg)
{
    return *(int *)arg;
}

struct cond04_wait_for {
    TIDE_FRAME;
    tide_cond *cond;
    int presult;
    void *value;
    tide_task *t[1];
    struct cond_reap reap;
};
static tide_status cond04_wait_for(void *frame)
{
    struct cond04_wait_for *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "1", .release = 1, .pred = value_pred,
                           .arg = &f->presult));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS(""); /* woke, re-checked, waits again */
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 1);
    f->presult = 42;
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    f->value = NULL;
    TH_EQ_INT(tide_task_result(f->t[0], &f->value), 0);
    TH_EQ_INT((intptr_t)f->value, 42); /* the predicate's last value */
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* The predicate's value comes back; when it is already true the lock is
 * not needed; when it is false the lock is. */
static int list_pred(void *arg)
{
    (void)arg;
    return 123;
}

struct cond04_unacquired {
    TIDE_FRAME;
    tide_cond *cond;
    int zero, result, rc;
    uint64_t it;
};
static tide_status cond04_unacquired(void *frame)
{
    struct cond04_unacquired *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    f->it = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_cond_wait_for(f->cond, list_pred, NULL, &f->result));
    TH_EQ_INT(f->result, 123);
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it);
    TIDE_AWAIT(f, tide_cond_wait_for(f->cond, list_pred, NULL, NULL));
    f->result = -1;
    TIDE_AWAIT_CATCH(f, tide_cond_wait_for(f->cond, read_flag, &f->zero,
                                           &f->result), f->rc);
    TH_EQ_INT(f->rc, TIDE_ENOTLOCKED);
    TH_EQ_INT(f->result, 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-05: cancelled while waiting (test_wait_cancel) -------------------- */

struct cond05_wait_cancel {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int rc;
    struct cond_reap reap;
};
static tide_status cond05_wait_cancel(void *frame)
{
    struct cond05_wait_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    /* `create_task(cond.wait())`: waits on the lock main holds */
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "w", .bare = 1));
    TIDE_TRY(f,
             tide_call_soon(tide_running_loop(), th_cancel_cb, f->t[0], NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    /* it re-acquired before raising: held inside its handler */
    TH_LOG_IS("w-cancelled-1");
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* The re-acquire waits behind the task holding the lock. */
struct cond05_reacquire_waits {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int rc;
    struct cond_reap reap;
};
static tide_status cond05_reacquire_waits(void *frame)
{
    struct cond05_reacquire_waits *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "w"));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_AWAIT(f, tide_sleep(1));
    TH_EQ_INT(tide_task_is_done(f->t[0]), 0); /* waits for our lock */
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_LOG_IS("w-cancelled-1");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0); /* its FINALLY released it */
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-06 ------------------------------------------------------------------ */

/* test_wait_cancel_contested: notified, then cancelled while waiting for
 * the contested lock, which is released in the same iteration. */
struct cond06_contested {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int rc;
    struct cond_reap reap;
};
static tide_status cond06_contested(void *frame)
{
    struct cond06_contested *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "w", .bare = 1));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_TRY(f,
             tide_call_soon(tide_running_loop(), th_cancel_cb, f->t[0], NULL));
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), release_cb, f->cond,
                               NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    /* CPython 3.13 ends it cancelled too (the test tolerates both). */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_LOG_IS("w-cancelled-1");
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* test_wait_cancel_after_notify: the body ran, and the task ends cancelled
 * holding the lock (its `async with` releases it). */
struct after_notify {
    TIDE_FRAME;
    tide_cond *cond;
    int *waited;
    int held;
};
static tide_status after_notify(void *frame)
{
    struct after_notify *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    *f->waited = 1;
    TIDE_AWAIT(f, tide_cond_wait(f->cond));
    TIDE_FINALLY(f);
    th_log("exit-%d-%d", TIDE_ERROR(f) == TIDE_ECANCELLED,
           tide_cond_is_locked(f->cond));
    if (f->held)
        tide_cond_release(f->cond);
    TIDE_END(f);
}

struct cond06_after_notify {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int waited;
    struct cond_reap reap;
};
static tide_status cond06_after_notify(void *frame)
{
    struct cond06_after_notify *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(after_notify, NULL, &f->t[0], .cond = f->cond,
                           .waited = &f->waited));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_YIELD(f); /* it gets to re-acquiring */
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_YIELD(f); /* the cancellation lands in the re-acquire */
    TH_EQ_INT(tide_task_is_done(f->t[0]), 0);
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_cancelled(f->t[0]), 1);
    TH_EQ_INT(f->waited, 1);
    TH_LOG_IS("exit-1-1");
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-07: the cancellation's message survives ---------------------------- */

/* `async with cond: await cond.wait_for(lambda: wake)`, re-raising. */
struct msg_waiter {
    TIDE_FRAME;
    tide_cond *cond;
    int *wake;
    int held;
};
static tide_status msg_waiter(void *frame)
{
    struct msg_waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    TIDE_AWAIT(f, tide_cond_wait_for(f->cond, read_flag, f->wake, NULL));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("raised:%s", TIDE_ERROR_MESSAGE(f) ? TIDE_ERROR_MESSAGE(f)
                                                  : "(none)");
    if (f->held)
        tide_cond_release(f->cond);
    TIDE_END(f);
}

struct cond07_wakeup_msg {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int wake, rc;
    struct cond_reap reap;
};
static tide_status cond07_wakeup_msg(void *frame)
{
    struct cond07_wakeup_msg *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(msg_waiter, NULL, &f->t[0], .cond = f->cond,
                           .wake = &f->wake));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(f->t[0], "foo"));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "foo");
    TH_EQ_STR(tide_task_message(f->t[0]), "foo");
    TH_LOG_IS("raised:foo");
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

struct cond07_reacquire_msg {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int wake, rc;
    struct cond_reap reap;
};
static tide_status cond07_reacquire_msg(void *frame)
{
    struct cond07_reacquire_msg *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(msg_waiter, NULL, &f->t[0], .cond = f->cond,
                           .wake = &f->wake));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->wake = 1;
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_YIELD(f); /* now re-acquiring */
    TIDE_TRY(f, tide_task_cancel(f->t[0], "foo"));
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "foo");
    TH_EQ_STR(tide_task_message(f->t[0]), "foo");
    TH_LOG_IS("raised:foo");
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* Cancelled while waiting ("first"), then again while re-acquiring
 * ("second"): the latest one is raised. */
struct cond07_latest_wins {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int wake, rc;
    struct cond_reap reap;
};
static tide_status cond07_latest_wins(void *frame)
{
    struct cond07_latest_wins *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(msg_waiter, NULL, &f->t[0], .cond = f->cond,
                           .wake = &f->wake));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TIDE_TRY(f, tide_task_cancel(f->t[0], "first"));
    TIDE_YIELD(f); /* it re-acquires behind us */
    TIDE_TRY(f, tide_task_cancel(f->t[0], "second"));
    TIDE_YIELD(f); /* and again, keeping "second" */
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_task_message(f->t[0]), "second");
    TH_LOG_IS("raised:second");
    TIDE_FINALLY(f);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- COND-08: no lost wake-up -------------------------------------------------- */

struct consumer {
    TIDE_FRAME;
    tide_cond *cond;
    int *state;
    const char *tag;
    int held;
};
static int state_nonzero(void *arg)
{
    return *(int *)arg != 0;
}
static int state_zero(void *arg)
{
    return *(int *)arg == 0;
}
static tide_status consumer(void *frame)
{
    struct consumer *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    for (;;) {
        TIDE_AWAIT(f, tide_cond_wait_for(f->cond, state_nonzero, f->state,
                                         NULL));
        if (*f->state < 0) {
            th_log("%s-exit", f->tag);
            break;
        }
        (*f->state)--;
        th_log("%s-consumed", f->tag);
    }
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    if (f->held)
        tide_cond_release(f->cond);
    TIDE_END(f);
}

/* asyncio.timeout(d) for the task `target`: cancel it after d. */
struct deadline {
    TIDE_FRAME;
    tide_task *target;
    double delay;
};
static tide_status deadline(void *frame)
{
    struct deadline *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    tide_task_cancel(f->target, NULL);
    TIDE_END(f);
}

struct lost_wakeup {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[3];
    int state, relock, held, rc;
    struct cond_reap reap;
};
static tide_status lost_wakeup(void *frame)
{
    struct lost_wakeup *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(consumer, NULL, &f->t[0], .cond = f->cond,
                           .state = &f->state, .tag = "c0"));
    TIDE_TRY(f, TIDE_SPAWN(consumer, NULL, &f->t[1], .cond = f->cond,
                           .state = &f->state, .tag = "c1"));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    f->state++;
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    if (f->relock)
        TIDE_YIELD(f); /* c0 settles on re-acquiring the lock */
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_TRY(f, TIDE_SPAWN(deadline, NULL, &f->t[2],
                           .target = tide_current_task(), .delay = 0.01));
    TIDE_AWAIT_CATCH(f, tide_cond_wait_for(f->cond, state_zero, &f->state,
                                           NULL), f->rc);
    if (f->rc == TIDE_ECANCELLED) {
        tide_task_uncancel(tide_current_task());
        th_log("timeout");
    }
    TH_EQ_INT(f->state, 0);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1); /* wait_for re-acquired it */
    f->state = -1;
    TIDE_TRY(f, tide_cond_notify_all(f->cond));
    f->held = 0;
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_AWAIT(f, tide_join(f->t[1], NULL));
    TH_LOG_IS("c0-cancelled c1-consumed timeout c1-exit");
    TH_EQ_INT(tide_task_is_cancelled(f->t[0]), 1);
    TIDE_FINALLY(f);
    if (f->held)
        tide_cond_release(f->cond);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* test_cancelled_wakeup (relock 0): c0 is cancelled before it runs;
 * test_cancelled_wakeup_relock (relock 1): while it re-acquires. */
struct cond08_cancel_woken {
    TIDE_FRAME;
    struct lost_wakeup sub;
};
static tide_status cond08_cancel_woken(void *frame)
{
    struct cond08_cancel_woken *f = frame;
    TIDE_BEGIN(f);
    f->sub = (struct lost_wakeup){.relock = 0};
    TIDE_AWAIT_CALL(f, lost_wakeup, &f->sub);
    TIDE_END(f);
}

struct cond08_cancel_relocking {
    TIDE_FRAME;
    struct lost_wakeup sub;
};
static tide_status cond08_cancel_relocking(void *frame)
{
    struct cond08_cancel_relocking *f = frame;
    TIDE_BEGIN(f);
    f->sub = (struct lost_wakeup){.relock = 1};
    TIDE_AWAIT_CALL(f, lost_wakeup, &f->sub);
    TIDE_END(f);
}

/* ---- COND-09: a shared lock ----------------------------------------------------- */

struct cond09_explicit_lock {
    TIDE_FRAME;
    tide_lock *lock;
    tide_cond *cond, *own;
};
static tide_status cond09_explicit_lock(void *frame)
{
    struct cond09_explicit_lock *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, tide_cond_create(NULL, f->lock, &f->cond));
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->own));
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TH_EQ_INT(tide_cond_is_locked(f->own), 0); /* its own lock is another */
    TIDE_TRY(f, tide_cond_release(f->cond));
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1);
    TIDE_TRY(f, tide_lock_release(f->lock));
    TH_EQ_INT(tide_cond_is_locked(f->cond), 0);
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_cond_destroy(f->own), 0);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* Two conditions on one lock: waiting on one releases the lock for the
 * other; waiters count per condition. */
struct cond09_two_conds {
    TIDE_FRAME;
    tide_lock *lock;
    tide_cond *a, *b;
    tide_task *t[2];
    struct cond_reap reap;
};
static tide_status cond09_two_conds(void *frame)
{
    struct cond09_two_conds *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, tide_cond_create(NULL, f->lock, &f->a));
    TIDE_TRY(f, tide_cond_create(NULL, f->lock, &f->b));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->a, .tag = "a",
                           .release = 1));
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[1], .cond = f->b, .tag = "b",
                           .release = 1));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_cond_waiter_count(f->a), 1);
    TH_EQ_INT(tide_cond_waiter_count(f->b), 1);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, tide_cond_notify(f->b, 1));
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_YIELD(f);
    TH_LOG_IS("b");
    TH_EQ_INT(tide_cond_waiter_count(f->a), 1);
    TH_EXPECT_BUSY(tide_cond_destroy, f->a);
    TIDE_FINALLY(f);
    REAP(f, f->t, f->a);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->a), 0);
    TH_EQ_INT(tide_cond_destroy(f->b), 0);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- bad input ----------------------------------------------------------------- */

struct cond_bad_input {
    TIDE_FRAME;
    tide_cond *cond;
    tide_task *t[1];
    int rc, held;
    struct cond_reap reap;
};
static tide_status cond_bad_input(void *frame)
{
    struct cond_bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_cond_create(NULL, NULL, NULL), TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_cond_acquire(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_cond_wait(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_cond_wait_for(NULL, read_flag, &f->rc, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_cond_release(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_cond_notify(NULL, 1), TIDE_EINVAL);
    TH_EQ_INT(tide_cond_notify_all(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_cond_is_locked(NULL), 0);
    TH_EQ_INT(tide_cond_waiter_count(NULL), 0);
    TH_EQ_INT(tide_cond_destroy(NULL), 0);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    TIDE_AWAIT_CATCH(f, tide_cond_wait_for(f->cond, NULL, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_cond_is_locked(f->cond), 1); /* nothing changed */
    TIDE_TRY(f, TIDE_SPAWN(cwaiter, NULL, &f->t[0], .cond = f->cond,
                           .tag = "w", .release = 1));
    f->held = 0;
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_YIELD(f);
    /* destroy while waited on: in the condition's queue, ... */
    TH_EXPECT_BUSY(tide_cond_destroy, f->cond);
    TIDE_AWAIT(f, tide_cond_acquire(f->cond));
    f->held = 1;
    TIDE_TRY(f, tide_cond_notify(f->cond, 1));
    TIDE_YIELD(f);
    /* ... and while re-acquiring the lock (out of that queue) */
    TH_EQ_INT(tide_cond_waiter_count(f->cond), 0);
    TH_EXPECT_BUSY(tide_cond_destroy, f->cond);
    f->held = 0;
    TIDE_TRY(f, tide_cond_release(f->cond));
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("w");
    TIDE_FINALLY(f);
    if (f->held)
        tide_cond_release(f->cond);
    REAP(f, f->t, f->cond);
    TIDE_AWAIT_CALL(f, cond_reap, &f->reap);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("COND-01 wait, notify, notify_all without the lock are "
                  "ENOTLOCKED", cond01_unacquired, NULL, TH_OOM),
    TH_CASE_AFTER("COND-02 notify keeps the lock; woken waiters re-acquire "
                  "one at a time", cond02_wait, NULL, TH_OOM),
    TH_CASE_AFTER("COND-03 notify(1), notify(2048) wake FIFO, at most n",
                  cond03_notify, NULL, TH_OOM),
    TH_CASE_AFTER("COND-03 notify_all wakes everyone", cond03_notify_all,
                  NULL, TH_OOM),
    TH_CASE_AFTER("COND-04 wait_for re-checks the predicate after each "
                  "wake-up", cond04_wait_for, NULL, TH_OOM),
    TH_CASE_AFTER("COND-04 wait_for: true needs no lock and returns pred's "
                  "value; false needs it", cond04_unacquired, NULL, TH_OOM),
    TH_CASE_AFTER("COND-05 cancelled while waiting: re-acquires, then "
                  "ECANCELLED; waiter removed", cond05_wait_cancel, NULL,
                  TH_OOM),
    TH_CASE_AFTER("COND-05 the re-acquire after a cancel waits for the "
                  "holder", cond05_reacquire_waits, NULL, TH_OOM),
    TH_CASE_AFTER("COND-06 notified, cancelled while the lock is contested: "
                  "ends holding it", cond06_contested, NULL, TH_OOM),
    TH_CASE_AFTER("COND-06 cancelled after notify: body ran, cancelled, "
                  "lock held at exit", cond06_after_notify, NULL, TH_OOM),
    TH_CASE_AFTER("COND-07 cancel message kept when cancelled waiting for "
                  "the wake-up", cond07_wakeup_msg, NULL, TH_OOM),
    TH_CASE_AFTER("COND-07 cancel message kept when cancelled re-acquiring",
                  cond07_reacquire_msg, NULL, TH_OOM),
    TH_CASE_AFTER("COND-07 cancelled twice: the latest cancellation is "
                  "raised", cond07_latest_wins, NULL, TH_OOM),
    TH_CASE_AFTER("COND-08 woken by notify(1), cancelled before running: "
                  "the item is still consumed", cond08_cancel_woken, NULL,
                  TH_OOM),
    TH_CASE_AFTER("COND-08 woken by notify(1), cancelled re-acquiring: the "
                  "item is still consumed", cond08_cancel_relocking, NULL,
                  TH_OOM),
    TH_CASE_AFTER("COND-09 a shared lock: cond and lock see each other's "
                  "state", cond09_explicit_lock, NULL, TH_OOM),
    TH_CASE_AFTER("COND-09 two conditions on one lock keep separate "
                  "waiters", cond09_two_conds, NULL, TH_OOM),
    TH_CASE_AFTER("cond bad input: NULL arguments, destroy while waiting or "
                  "re-acquiring", cond_bad_input, NULL, TH_OOM),
};

TH_MAIN(cases)
