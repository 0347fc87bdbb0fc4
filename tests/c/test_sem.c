/*
 * test_sem.c - checklist section 15, tide_sem (SEM-*): Semaphore and
 * BoundedSemaphore, plus bad input.
 *
 * Python to C: `sem._value` is tide_sem_value(), `len(sem._waiters)` is
 * tide_sem_waiter_count(); repr's locked/value/waiters are those accessors.
 * Semaphore() has no default argument in C: the default value 1 is passed.
 * TypeError for `await sem` has no C meaning (see test_lock.c, LOCK-08).
 * test_acquire_fifo_order's TaskGroup is spawned tasks plus a gather.
 */
#include <limits.h>

#include "harness.h"

/* Acquires, logs `tag`, sleeps `hold` seconds (none if 0), and releases
 * if `release` (also on error, like `async with sem`). Logs
 * "<tag>-cancelled" when cancelled. */
struct acq {
    TIDE_FRAME;
    tide_sem *sem;
    const char *tag;
    double hold;
    int release;
    int held;
};
static tide_status acq(void *frame)
{
    struct acq *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    f->held = 1;
    th_log("%s", f->tag);
    if (f->hold > 0)
        TIDE_AWAIT(f, tide_sleep(f->hold));
    TIDE_FINALLY(f);
    if (f->held && f->release)
        tide_sem_release(f->sem);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* ---- SEM-01 ---------------------------------------------------------------- */

struct sem01_values {
    TIDE_FRAME;
    tide_sem *zero, *one;
};
static tide_status sem01_values(void *frame)
{
    struct sem01_values *f = frame;
    TIDE_BEGIN(f);
    tide_sem *s = (tide_sem *)1;
    TH_EQ_INT(tide_sem_create(NULL, -1, 0, &s), TIDE_EINVAL);
    TH_CHECK(s == NULL);
    TH_EQ_INT(tide_sem_create(NULL, -1, 1, &s), TIDE_EINVAL);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->zero));
    TH_EQ_INT(tide_sem_is_locked(f->zero), 1);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->one));
    TH_EQ_INT(tide_sem_is_locked(f->one), 0);
    TH_EQ_INT(tide_sem_value(f->one), 1);
    TH_EQ_INT(tide_sem_waiter_count(f->one), 0);
    TIDE_AWAIT(f, tide_sem_acquire(f->one));
    TH_EQ_INT(tide_sem_is_locked(f->one), 1);
    TH_EQ_INT(tide_sem_value(f->one), 0);
    TIDE_TRY(f, tide_sem_release(f->one));
    TH_EQ_INT(tide_sem_is_locked(f->one), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_sem_destroy(f->zero), 0);
    TH_EQ_INT(tide_sem_destroy(f->one), 0);
    TIDE_END(f);
}

/* ---- SEM-02: test_acquire ------------------------------------------------- */

struct sem02_acquire {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[4];
    struct th_reap reap;
};
static tide_status sem02_acquire(void *frame)
{
    struct sem02_acquire *f = frame;
    static const char *tags[] = {"1", "2", "3", "4"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 3, 0, &f->sem));
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TH_EQ_INT(tide_sem_is_locked(f->sem), 0);
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[i], .sem = f->sem,
                               .tag = tags[i]));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1);
    TH_EQ_INT(tide_sem_waiter_count(f->sem), 2);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[3], .sem = f->sem,
                           .tag = tags[3]));
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_TRY(f, tide_sem_release(f->sem));
    TH_EQ_INT(tide_sem_value(f->sem), 0); /* handed straight over */
    TIDE_YIELD(f);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TH_LOG_IS("1 2 3");
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1);
    TH_EQ_INT(tide_sem_waiter_count(f->sem), 1);
    TH_EQ_INT(tide_task_is_done(f->t[3]), 0);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_AWAIT(f, tide_gather(f->t, 4, 0, NULL, NULL));
    TH_LOG_IS("1 2 3 4");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-03: locked() while a live waiter queues ----------------------- */

struct sem03_locked_fifo {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[1];
    uint64_t it;
    int rc;
    struct th_reap reap;
};
static tide_status sem03_locked_fifo(void *frame)
{
    struct sem03_locked_fifo *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "w"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1); /* value 0 */
    TIDE_TRY(f, tide_sem_release(f->sem));
    /* Value 1, and the only queued waiter gave up: free to take. */
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TH_EQ_INT(tide_sem_waiter_count(f->sem), 1);
    TH_EQ_INT(tide_sem_is_locked(f->sem), 0);
    f->it = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TH_LOG_IS("w-cancelled");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-04: FIFO over repeated acquire/release ----------------------- */

struct twice {
    TIDE_FRAME;
    tide_sem *sem;
    const char *tag;
    int held;
};
static tide_status twice(void *frame)
{
    struct twice *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    f->held = 1;
    th_log("%s_1", f->tag);
    TIDE_AWAIT(f, tide_sleep(0.01));
    f->held = 0;
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    f->held = 1;
    th_log("%s_2", f->tag);
    TIDE_AWAIT(f, tide_sleep(0.01));
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->sem);
    TIDE_END(f);
}

struct sem04_fifo_twice {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[3];
    struct th_reap reap;
};
static tide_status sem04_fifo_twice(void *frame)
{
    struct sem04_fifo_twice *f = frame;
    static const char *tags[] = {"c1", "c2", "c3"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->sem));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(twice, NULL, &f->t[i], .sem = f->sem,
                               .tag = tags[i]));
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, NULL, NULL));
    TH_LOG_IS("c1_1 c2_1 c3_1 c1_2 c2_2 c3_2");
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* test_acquire_fifo_order_2: releasing and re-acquiring at once goes to
 * the back of the queue. */
struct again {
    TIDE_FRAME;
    tide_sem *sem;
};
static tide_status again(void *frame)
{
    struct again *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    th_log("2");
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    th_log("4");
    TIDE_END(f);
}

struct sem04_back_of_queue {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[3];
    struct th_reap reap;
};
static tide_status sem04_back_of_queue(void *frame)
{
    struct sem04_back_of_queue *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "1"));
    TIDE_TRY(f, TIDE_SPAWN(again, NULL, &f->t[1], .sem = f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[2], .sem = f->sem, .tag = "3"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, NULL, NULL));
    TH_LOG_IS("1 2 3 4");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-05: a waiter cancelled before any release takes nothing ------ */

struct sem05_cancel_first {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[3];
    int errors[3];
    struct th_reap reap;
};
static tide_status sem05_cancel_first(void *frame)
{
    struct sem05_cancel_first *f = frame;
    static const char *tags[] = {"1", "2", "3"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[i], .sem = f->sem,
                               .tag = tags[i]));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_AWAIT(f, tide_gather(f->t, 3, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_LOG_IS("1-cancelled 2 3");
    TH_EQ_INT(f->errors[0], TIDE_ECANCELLED);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-06: cancel, then release, in the same step -------------------- */

struct sem06_cancel_before_awoken {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[4];
    struct th_reap reap;
};
static tide_status sem06_cancel_before_awoken(void *frame)
{
    struct sem06_cancel_before_awoken *f = frame;
    static const char *tags[] = {"t1", "t2", "t3", "t4"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    for (int i = 0; i < 4; i++)
        TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[i], .sem = f->sem,
                               .tag = tags[i]));
    TIDE_YIELD(f);
    tide_task_cancel(f->t[0], NULL);
    tide_task_cancel(f->t[1], NULL);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_done(f->t[2]), 1);
    TH_EQ_INT(tide_task_is_done(f->t[3]), 0);
    TH_LOG_IS("t1-cancelled t2-cancelled t3");
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    tide_task_cancel(f->t[3], NULL);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_cancelled(f->t[3]), 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* test_acquire_hang: two waiters, cancel the first, release: no hang. */
struct sem06_no_hang {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[2];
    struct th_reap reap;
};
static tide_status sem06_no_hang(void *frame)
{
    struct sem06_no_hang *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "t1"));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[1], .sem = f->sem, .tag = "t2"));
    TIDE_YIELD(f);
    tide_task_cancel(f->t[0], NULL);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1);
    TH_EQ_INT(tide_task_is_done(f->t[1]), 1);
    TH_EQ_INT(tide_task_result(f->t[1], NULL), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-07 ----------------------------------------------------------------- */

/* Woken by release(), cancelled before it runs: the permit goes on. */
struct sem07_woken_cancelled {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[2];
    int errors[2];
    struct th_reap reap;
};
static tide_status sem07_woken_cancelled(void *frame)
{
    struct sem07_woken_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "1"));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[1], .sem = f->sem, .tag = "2"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TH_EQ_INT(tide_sem_value(f->sem), 0); /* handed to t1 */
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_LOG_IS("1-cancelled 2");
    TH_EQ_INT(f->errors[0], TIDE_ECANCELLED);
    TH_EQ_INT(f->errors[1], 0);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* test_acquire_no_hang: c1 holds the semaphore across a sleep(0) and then
 * cancels c2, which queued behind it. */
struct c1_hold {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task **victim;
    int held;
};
static tide_status c1_hold(void *frame)
{
    struct c1_hold *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    f->held = 1;
    TIDE_YIELD(f);
    f->held = 0;
    TIDE_TRY(f, tide_sem_release(f->sem));
    tide_task_cancel(*f->victim, NULL);
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->sem);
    TIDE_END(f);
}

struct sem07_no_hang {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[2];
    int errors[2];
    int held;
    struct th_reap reap;
};
static tide_status sem07_no_hang(void *frame)
{
    struct sem07_no_hang *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(c1_hold, NULL, &f->t[0], .sem = f->sem,
                           .victim = &f->t[1]));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[1], .sem = f->sem, .tag = "c2",
                           .release = 1));
    TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], 0);
    TH_EQ_INT(f->errors[1], TIDE_ECANCELLED);
    TH_LOG_IS("c2-cancelled");
    TIDE_AWAIT(f, tide_sem_acquire(f->sem)); /* does not hang */
    f->held = 1;
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->sem);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* test_acquire_cancel: cancelled from a callback while waiting. */
struct sem07_acquire_cancel {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status sem07_acquire_cancel(void *frame)
{
    struct sem07_acquire_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->sem));
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "w"));
    TIDE_TRY(f,
             tide_call_soon(tide_running_loop(), th_cancel_cb, f->t[0], NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_sem_waiter_count(f->sem), 0);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-08: test_acquire_fifo_order_4 --------------------------------- */

struct c4 {
    TIDE_FRAME;
};
static tide_status c4(void *frame)
{
    struct c4 *f = frame;
    TIDE_BEGIN(f);
    th_log("4");
    TIDE_END(f);
}

struct c1_spawner {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task **t4;
};
static tide_status c1_spawner(void *frame)
{
    struct c1_spawner *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    /* our acquire woke c2 and c3 already */
    TH_EQ_INT(tide_sem_value(f->sem), 0);
    TIDE_TRY(f, tide_spawn(c4, &(struct c4){TIDE__FRAME_INIT}, sizeof(struct c4),
                           NULL, f->t4));
    th_log("1");
    TIDE_END(f);
}

struct c2_releaser {
    TIDE_FRAME;
    tide_sem *sem;
};
static tide_status c2_releaser(void *frame)
{
    struct c2_releaser *f = frame;
    TIDE_BEGIN(f);
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, tide_sem_release(f->sem));
    TH_EQ_INT(tide_sem_value(f->sem), 2);
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1); /* c1 has not run yet */
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    th_log("2");
    TIDE_END(f);
}

struct c3_locked {
    TIDE_FRAME;
    tide_sem *sem;
};
static tide_status c3_locked(void *frame)
{
    struct c3_locked *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TH_EQ_INT(tide_sem_is_locked(f->sem), 1);
    th_log("3");
    TIDE_END(f);
}

struct sem08_wake_many {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[4];
    struct th_reap reap;
};
static tide_status sem08_wake_many(void *frame)
{
    struct sem08_wake_many *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(c1_spawner, NULL, &f->t[0], .sem = f->sem,
                           .t4 = &f->t[3]));
    TIDE_TRY(f, TIDE_SPAWN(c2_releaser, NULL, &f->t[1], .sem = f->sem));
    TIDE_TRY(f, TIDE_SPAWN(c3_locked, NULL, &f->t[2], .sem = f->sem));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_sem_value(f->sem), 2);
    TH_EQ_INT(tide_sem_waiter_count(f->sem), 3);
    TIDE_YIELD(f);
    TH_CHECK(f->t[3] != NULL);
    if (f->t[3])
        TIDE_AWAIT(f, tide_gather(f->t, 4, 0, NULL, NULL));
    TH_LOG_IS("1 2 3 4");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

/* ---- SEM-09 / SEM-10 ------------------------------------------------------ */

struct sem09_above_initial {
    TIDE_FRAME;
    tide_sem *sem;
};
static tide_status sem09_above_initial(void *frame)
{
    struct sem09_above_initial *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 2, 0, &f->sem));
    TH_EQ_INT(tide_sem_release(f->sem), 0);
    TH_EQ_INT(tide_sem_release(f->sem), 0);
    TH_EQ_INT(tide_sem_value(f->sem), 4);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

struct sem10_bounded {
    TIDE_FRAME;
    tide_sem *sem, *two;
};
static tide_status sem10_bounded(void *frame)
{
    struct sem10_bounded *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 1, 1, &f->sem));
    TH_EQ_INT(tide_sem_release(f->sem), TIDE_EOVERFLOW);
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TIDE_AWAIT(f, tide_sem_acquire(f->sem));
    TH_EQ_INT(tide_sem_release(f->sem), 0);
    TH_EQ_INT(tide_sem_release(f->sem), TIDE_EOVERFLOW);
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TIDE_TRY(f, tide_sem_create(NULL, 2, 1, &f->two));
    TIDE_AWAIT(f, tide_sem_acquire(f->two));
    TIDE_AWAIT(f, tide_sem_acquire(f->two));
    TH_EQ_INT(tide_sem_release(f->two), 0);
    TH_EQ_INT(tide_sem_release(f->two), 0);
    TH_EQ_INT(tide_sem_release(f->two), TIDE_EOVERFLOW);
    TH_EQ_INT(tide_sem_value(f->two), 2);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TH_EQ_INT(tide_sem_destroy(f->two), 0);
    TIDE_END(f);
}

/* ---- bad input -------------------------------------------------------------- */

struct sem_bad_input {
    TIDE_FRAME;
    tide_sem *sem, *big;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status sem_bad_input(void *frame)
{
    struct sem_bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_sem_create(NULL, 1, 0, NULL), TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_sem_acquire(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_sem_release(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_sem_destroy(NULL), 0);
    TH_EQ_INT(tide_sem_is_locked(NULL), 0);
    TH_EQ_INT(tide_sem_value(NULL), 0);
    TH_EQ_INT(tide_sem_waiter_count(NULL), 0);
    /* A plain semaphore cannot count past INT_MAX. */
    TIDE_TRY(f, tide_sem_create(NULL, INT_MAX, 0, &f->big));
    TH_EQ_INT(tide_sem_release(f->big), TIDE_EOVERFLOW);
    TH_EQ_INT(tide_sem_value(f->big), INT_MAX);
    /* destroy while waited on */
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->sem));
    TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[0], .sem = f->sem, .tag = "w"));
    TIDE_YIELD(f);
    TH_EXPECT_BUSY(tide_sem_destroy, f->sem);
    TIDE_TRY(f, tide_sem_release(f->sem));
    TH_EXPECT_BUSY(tide_sem_destroy, f->sem); /* woken, not run */
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("w");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TH_EQ_INT(tide_sem_destroy(f->big), 0);
    TIDE_END(f);
}

/* The tutorial's shape: 10 tasks, at most 3 inside at a time, 1 s each:
 * 4 rounds, 4 s on the virtual clock. */
struct sem_limit {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *t[10];
    struct th_reap reap;
};
static tide_status sem_limit(void *frame)
{
    struct sem_limit *f = frame;
    static const char *tags[] = {"0", "1", "2", "3", "4",
                                 "5", "6", "7", "8", "9"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 3, 0, &f->sem));
    for (int i = 0; i < 10; i++)
        TIDE_TRY(f, TIDE_SPAWN(acq, NULL, &f->t[i], .sem = f->sem,
                               .tag = tags[i], .hold = 1, .release = 1));
    TIDE_AWAIT(f, tide_sleep(0.5));
    TH_LOG_IS("0 1 2");
    TIDE_AWAIT(f, tide_gather(f->t, 10, 0, NULL, NULL));
    TH_LOG_IS("0 1 2 3 4 5 6 7 8 9");
    TH_CHECK(tide_time() > 3.99 && tide_time() < 4.01);
    TH_EQ_INT(tide_sem_value(f->sem), 3);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("SEM-01 negative value is EINVAL; 0 is locked; 1 is "
                  "unlocked with value 1", sem01_values, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-02 Semaphore(3): releases hand permits straight to "
                  "waiters", sem02_acquire, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-03 locked only while a live waiter queues; cancelled "
                  "ones don't count", sem03_locked_fifo, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-04 FIFO over repeated acquire/release: c1_1 c2_1 "
                  "c3_1 c1_2 c2_2 c3_2", sem04_fifo_twice, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-04 release then re-acquire goes to the back: 1 2 3 4",
                  sem04_back_of_queue, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-05 a waiter cancelled before any release takes no "
                  "permit: 2 3", sem05_cancel_first, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-06 cancel t1, t2 then release: exactly t3 acquires",
                  sem06_cancel_before_awoken, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-06 cancel t1 then release: t2 acquires, locked "
                  "again", sem06_no_hang, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-07 woken then cancelled gives the permit to the "
                  "next waiter", sem07_woken_cancelled, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-07 async-with with a cancelled sibling waiter: no "
                  "hang", sem07_no_hang, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-07 a waiter cancelled from a callback leaves no "
                  "entry", sem07_acquire_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-08 one acquire wakes as many waiters as the value "
                  "allows: 1 2 3 4", sem08_wake_many, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-09 a plain semaphore releases above its initial "
                  "value", sem09_above_initial, NULL, TH_OOM),
    TH_CASE_AFTER("SEM-10 bounded release at the bound is EOVERFLOW",
                  sem10_bounded, NULL, TH_OOM),
    TH_CASE_AFTER("sem bad input: NULL arguments, INT_MAX, destroy while "
                  "waited on", sem_bad_input, NULL, TH_OOM),
    TH_CASE_AFTER("sem limits 10 tasks to 3 at a time: 4 s", sem_limit, NULL,
                  TH_OOM),
};

TH_MAIN(cases)
