/*
 * test_lock.c - checklist section 12, tide_lock (LOCK-*), plus bad input.
 *
 * Python to C: `async with lock` is acquire + a `held` flag + release in
 * FINALLY; `lock._waiters` is tide_lock_waiter_count(); repr's locked/waiters
 * are tide_lock_is_locked()/tide_lock_waiter_count().
 *
 * No C meaning:
 *  - LOCK-08 `await lock` raising TypeError: a tide_lock is not an
 *    awaitable call, so C rejects it at compile time. The `loop=` keyword:
 *    C passes the loop explicitly by design (NULL = the running loop); the
 *    case below checks both forms.
 *  - LOCK-09 binds on first wait in CPython; a Tide primitive is bound to
 *    the loop it is created on, and every await from a task of another loop
 *    fails with TIDE_ESTATE (the fast path too), leaving it untouched.
 */
#include <string.h>

#include "harness.h"

#define EAPP (TIDE_EUSER - 1)

/* Acquires, logs `tag`, yields `hold` times holding the lock, and releases
 * it unless `keep`; logs "<tag>-cancelled" if cancelled. */
struct locker {
    TIDE_FRAME;
    tide_lock *lock;
    const char *tag;
    int hold, keep;
    int i, held;
};
static tide_status locker(void *frame)
{
    struct locker *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    th_log("%s", f->tag);
    for (f->i = 0; f->i < f->hold; f->i++)
        TIDE_YIELD(f);
    TIDE_FINALLY(f);
    if (f->held && !f->keep)
        tide_lock_release(f->lock);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* ---- LOCK-01 --------------------------------------------------------- */

struct lock01_basic {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status lock01_basic(void *frame)
{
    struct lock01_basic *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_EQ_INT(tide_lock_release(f->lock), TIDE_ENOTLOCKED);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TH_EQ_INT(tide_lock_release(f->lock), 0);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_EQ_INT(tide_lock_release(f->lock), TIDE_ENOTLOCKED);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* `async with lock:` whose body fails: the lock is released on the way
 * out and the error goes on. */
struct guarded {
    TIDE_FRAME;
    tide_lock *lock;
    int held;
};
static tide_status guarded(void *frame)
{
    struct guarded *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    th_log("inside-%d", tide_lock_is_locked(f->lock));
    TIDE_YIELD(f);
    TIDE_THROW(f, EAPP);
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock);
    TIDE_END(f);
}

struct lock01_async_with {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status lock01_async_with(void *frame)
{
    struct lock01_async_with *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, TIDE_SPAWN(guarded, NULL, &f->t[0], .lock = f->lock));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, EAPP);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_LOG_IS("inside-1");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-02: FIFO, one waiter per release (test_acquire) ------------ */

struct lock02_fifo {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[3];
    struct th_reap reap;
};
static tide_status lock02_fifo(void *frame)
{
    struct lock02_fifo *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "1", .keep = 1));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[1], .lock = f->lock,
                           .tag = "2", .keep = 1));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 2);
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[2], .lock = f->lock,
                           .tag = "3", .keep = 1));
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2");
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_YIELD(f);
    TH_LOG_IS("1 2 3");
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_result(f->t[i], NULL), 0);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-03: no barging --------------------------------------------- */

struct lock03_no_barging {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[4];
    int held;
    struct th_reap reap;
};
static tide_status lock03_no_barging(void *frame)
{
    struct lock03_no_barging *f = frame;
    static const char *tags[] = {"w0", "w1", "w2"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[i], .lock = f->lock,
                               .tag = tags[i], .hold = 1));
    TIDE_YIELD(f);
    f->held = 0;
    TIDE_TRY(f, tide_lock_release(f->lock));
    /* Free, yet a newcomer - even the releasing task - queues behind. */
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[3], .lock = f->lock,
                           .tag = "barger"));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    th_log("main");
    f->held = 0;
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_AWAIT(f, tide_gather(f->t, 4, 0, NULL, NULL));
    TH_LOG_IS("w0 w1 w2 main barger");
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-04: barging past waiters that are all cancelled ------------ */

struct lock04_barge_cancelled {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[1];
    uint64_t it;
    int rc;
    struct th_reap reap;
};
static tide_status lock04_barge_cancelled(void *frame)
{
    struct lock04_barge_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "w"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_TRY(f, tide_lock_release(f->lock));
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1); /* the cancelled entry */
    f->it = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TH_EQ_INT(tide_task_is_done(f->t[0]), 0);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TH_LOG_IS("w-cancelled");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-05: a waiter cancelled while pending (test_acquire_cancel) -- */

struct lock05_cancel_waiter {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status lock05_cancel_waiter(void *frame)
{
    struct lock05_cancel_waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "w"));
    TIDE_TRY(f,
             tide_call_soon(tide_running_loop(), th_cancel_cb, f->t[0], NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1); /* still main's */
    TH_LOG_IS("w-cancelled");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-06: cancel and release in the same step -------------------- */

/* test_cancel_race: A holds the lock until `blocker` is set; B and C
 * wait. B is cancelled as A releases. */
struct holder {
    TIDE_FRAME;
    tide_lock *lock;
    tide_event *blocker;
    const char *tag;
    int held;
};
static tide_status holder(void *frame)
{
    struct holder *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    th_log("%s", f->tag);
    if (f->blocker)
        TIDE_AWAIT(f, tide_event_wait(f->blocker));
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock);
    TIDE_END(f);
}

struct lock06_cancel_race {
    TIDE_FRAME;
    tide_lock *lock;
    tide_event *fa;
    tide_task *t[3];
    int rc;
    struct th_reap reap;
};
static tide_status lock06_cancel_race(void *frame)
{
    struct lock06_cancel_race *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, tide_event_create(NULL, &f->fa));
    TIDE_TRY(f, TIDE_SPAWN(holder, NULL, &f->t[0], .lock = f->lock,
                           .blocker = f->fa, .tag = "A"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TIDE_TRY(f, TIDE_SPAWN(holder, NULL, &f->t[1], .lock = f->lock,
                           .tag = "B"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    TIDE_TRY(f, TIDE_SPAWN(holder, NULL, &f->t[2], .lock = f->lock,
                           .tag = "C"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 2);
    tide_event_set(f->fa);
    TH_EQ_INT(tide_task_cancel(f->t[1], NULL), 1);
    TIDE_YIELD(f);
    /* A released, but its release skipped B's cancelled entry. */
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TH_EQ_INT(tide_task_is_done(f->t[0]), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t[1]), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[2], NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_LOG_IS("A C");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->fa), 0);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* test_cancel_release_race: only one of the lockers ever gets the lock. */
struct lockit {
    TIDE_FRAME;
    tide_lock *lock;
    int *calls, *locks;
};
static tide_status lockit(void *frame)
{
    struct lockit *f = frame;
    TIDE_BEGIN(f);
    (*f->calls)++;
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    (*f->locks)++;
    TIDE_END(f);
}

struct trigger {
    tide_lock *lock;
    tide_task *victim;
};
static int trigger_cb(void *arg)
{
    struct trigger *tr = arg;
    tide_task_cancel(tr->victim, NULL);
    return tide_lock_release(tr->lock);
}

struct lock06_cancel_release_race {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[3];
    int calls, locks, rc;
    struct trigger tr;
    struct th_reap reap;
};
static tide_status lock06_cancel_release_race(void *frame)
{
    struct lock06_cancel_release_race *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(f, TIDE_SPAWN(lockit, NULL, &f->t[i], .lock = f->lock,
                               .calls = &f->calls, .locks = &f->locks));
    TIDE_YIELD(f);
    f->tr = (struct trigger){f->lock, f->t[0]};
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), trigger_cb, &f->tr, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(f->locks, 1);
    TH_EQ_INT(f->calls, 3);
    TH_CHECK(tide_task_is_cancelled(f->t[0]) && tide_task_is_done(f->t[1]));
    TH_EQ_INT(tide_task_is_done(f->t[2]), 0);
    tide_task_cancel(f->t[2], NULL);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_cancelled(f->t[2]), 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-07: woken, then cancelled before it runs ------------------- */

struct lock07_woken_cancelled {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[2];
    int errors[2];
    struct th_reap reap;
};
static tide_status lock07_woken_cancelled(void *frame)
{
    struct lock07_woken_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "w1"));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[1], .lock = f->lock,
                           .tag = "w2"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_lock_release(f->lock)); /* wakes w1 */
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], TIDE_ECANCELLED);
    TH_EQ_INT(f->errors[1], 0);
    TH_LOG_IS("w1-cancelled w2");
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* test_finished_waiter_cancelled: the second waiter, queued after the
 * first was woken, gets the lock when the first is cancelled. */
struct lock07_finished_waiter {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[2];
    int rc;
    struct th_reap reap;
};
static tide_status lock07_finished_waiter(void *frame)
{
    struct lock07_finished_waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "b", .keep = 1));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[1], .lock = f->lock,
                           .tag = "c", .keep = 1));
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t[0]), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[1], NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    /* c started after b's cancel: it barged past the cancelled entry */
    TH_LOG_IS("c b-cancelled");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- LOCK-08 (C form): the loop is a parameter ----------------------- */

struct lock08_loop_param {
    TIDE_FRAME;
    tide_lock *a, *b;
};
static tide_status lock08_loop_param(void *frame)
{
    struct lock08_loop_param *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(tide_running_loop(), &f->a));
    TIDE_TRY(f, tide_lock_create(NULL, &f->b));
    TIDE_AWAIT(f, tide_lock_acquire(f->a));
    TIDE_AWAIT(f, tide_lock_acquire(f->b));
    TH_CHECK(tide_lock_is_locked(f->a) && tide_lock_is_locked(f->b));
    TH_EQ_INT(tide_lock_release(f->a), 0);
    TH_EQ_INT(tide_lock_release(f->b), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_lock_destroy(f->a), 0);
    TH_EQ_INT(tide_lock_destroy(f->b), 0);
    TIDE_END(f);
}

/* Outside a running loop (the `after` hook runs once the run is over):
 * NULL means "the running loop", and there is none. */
static void lock08_after(tide_loop *loop, tide_task *main, int err)
{
    (void)main;
    TH_EQ_INT(err, 0);
    tide_lock *l = (tide_lock *)1;
    TH_EQ_INT(tide_lock_create(NULL, &l), TIDE_ENOLOOP);
    TH_CHECK(l == NULL);
    TH_EQ_INT(tide_lock_create(loop, &l), 0);
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    TH_EQ_INT(tide_lock_acquire(l).tide__rc, TIDE_ENOLOOP); /* no task */
    TH_EQ_INT(tide_lock_is_locked(l), 0);
    TH_EQ_INT(tide_lock_destroy(l), 0);
}

/* ---- LOCK-09: primitives of another loop ----------------------------- */

struct lock09_other_loop {
    TIDE_FRAME;
    tide_loop *other;
    tide_lock *lock;
    tide_cond *cond;
    tide_sem *sem;
    tide_event *ev;
    tide_barrier *bar;
    int rc;
};
static tide_status lock09_other_loop(void *frame)
{
    struct lock09_other_loop *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_create(NULL, NULL, &f->other));
    TIDE_TRY(f, tide_lock_create(f->other, &f->lock));
    TIDE_TRY(f, tide_cond_create(f->other, f->lock, &f->cond));
    TIDE_TRY(f, tide_sem_create(f->other, 1, 0, &f->sem));
    TIDE_TRY(f, tide_event_create(f->other, &f->ev));
    TIDE_TRY(f, tide_barrier_create(f->other, 1, &f->bar));
    /* Even the uncontended fast paths refuse, and change nothing. */
    TIDE_AWAIT_CATCH(f, tide_lock_acquire(f->lock), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_STR(tide_error_message(),
              "the primitive is bound to a different event loop");
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TIDE_AWAIT_CATCH(f, tide_cond_acquire(f->cond), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TIDE_AWAIT_CATCH(f, tide_cond_wait(f->cond), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TIDE_AWAIT_CATCH(f, tide_sem_acquire(f->sem), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    tide_event_set(f->ev);
    TIDE_AWAIT_CATCH(f, tide_event_wait(f->ev), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->bar, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    /* Calls that never wait (release, set, notify, reset) do not check
     * the loop, as in CPython. */
    TH_EQ_INT(tide_barrier_reset(f->bar), 0);
    /* A condition cannot share a lock of another loop. */
    tide_cond *c = (tide_cond *)1;
    TH_EQ_INT(tide_cond_create(NULL, f->lock, &c), TIDE_EINVAL);
    TH_CHECK(c == NULL);
    TIDE_FINALLY(f);
    tide_barrier_destroy(f->bar);
    tide_event_destroy(f->ev);
    tide_sem_destroy(f->sem);
    tide_cond_destroy(f->cond);
    tide_lock_destroy(f->lock);
    tide_loop_destroy(f->other);
    TIDE_END(f);
}

/* ---- bad input ---------------------------------------------------------- */

struct lock_bad_input {
    TIDE_FRAME;
    int rc;
};
static tide_status lock_bad_input(void *frame)
{
    struct lock_bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_lock_create(NULL, NULL), TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_lock_acquire(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_lock_release(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_lock_destroy(NULL), 0);
    TH_EQ_INT(tide_lock_is_locked(NULL), 0);
    TH_EQ_INT(tide_lock_waiter_count(NULL), 0);
    TIDE_END(f);
}

/* Destroying a lock that tasks wait on is refused, then works once the
 * queue is empty - even while the lock is held. */
struct lock_destroy_busy {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[1];
    struct th_reap reap;
};
static tide_status lock_destroy_busy(void *frame)
{
    struct lock_destroy_busy *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(locker, NULL, &f->t[0], .lock = f->lock,
                           .tag = "w"));
    TIDE_YIELD(f);
    TH_EXPECT_BUSY(tide_lock_destroy, f->lock);
    /* A woken waiter that has not run yet still counts. */
    TIDE_TRY(f, tide_lock_release(f->lock));
    TH_EXPECT_BUSY(tide_lock_destroy, f->lock);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* Many waiters through one lock, each holding it across awaits: the
 * counter the tutorial protects comes out right. */
struct incr {
    TIDE_FRAME;
    tide_lock *lock;
    int *counter;
    int current, held;
};
static tide_status incr(void *frame)
{
    struct incr *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    f->held = 1;
    f->current = *f->counter;
    TIDE_AWAIT(f, tide_sleep(0.1));
    *f->counter = f->current + 1;
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock);
    TIDE_END(f);
}

struct lock_counter {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[20];
    int counter;
    struct th_reap reap;
};
static tide_status lock_counter(void *frame)
{
    struct lock_counter *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    for (int i = 0; i < 20; i++)
        TIDE_TRY(f, TIDE_SPAWN(incr, NULL, &f->t[i], .lock = f->lock,
                               .counter = &f->counter));
    TIDE_AWAIT(f, tide_gather(f->t, 20, 0, NULL, NULL));
    TH_EQ_INT(f->counter, 20);
    TH_EQ_INT(tide_time() > 1.99 && tide_time() < 2.01, 1);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("LOCK-01 acquire/locked/release; release unlocked is "
                  "ENOTLOCKED", lock01_basic, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-01 async-with idiom releases when the body fails",
                  lock01_async_with, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-02 FIFO: one waiter per release, late arrival waits "
                  "behind", lock02_fifo, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-03 no barging: newcomer and releaser queue behind "
                  "woken waiters", lock03_no_barging, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-04 barging past only-cancelled waiters succeeds in "
                  "the same iteration", lock04_barge_cancelled, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-05 a waiter cancelled while pending is removed and "
                  "takes nothing", lock05_cancel_waiter, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-06 cancel and release in the same step: the lock "
                  "passes to C", lock06_cancel_race, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-06 cancel then release from a callback: one lock "
                  "taken", lock06_cancel_release_race, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-07 woken then cancelled hands the wakeup on: "
                  "w1-cancelled w2", lock07_woken_cancelled, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-07 finished waiter cancelled: the later waiter gets "
                  "the lock", lock07_finished_waiter, NULL, TH_OOM),
    TH_CASE_AFTER("LOCK-08 (C form) explicit or NULL loop; NULL with no loop "
                  "is ENOLOOP", lock08_loop_param, lock08_after, TH_OOM),
    TH_CASE("LOCK-09 (C form) awaiting a primitive of another loop is "
            "ESTATE, state untouched", lock09_other_loop),
    TH_CASE("lock bad input: NULL arguments", lock_bad_input),
    TH_CASE_AFTER("lock destroy while waited on is EBUSY", lock_destroy_busy,
                  NULL, TH_OOM),
    TH_CASE_AFTER("lock protects a counter across awaits (20 tasks)",
                  lock_counter, NULL, TH_OOM),
};

TH_MAIN(cases)
