/*
 * test_misuse.c - breaking the coroutine protocol ends in a clear error,
 * never in a hang, a crash, a lost wake-up or a leak (issue 11), on every
 * host.
 *
 * The compiler refuses an awaitable outside TIDE_AWAIT (tide_await is a
 * struct; tests/c/misuse.test.mjs checks that it does). What it cannot stop -
 * a cast, another language, a hand-made binding - is what these cases do
 * on purpose with RAW(): the awaitable's raw result, used as the issue's
 * programs used it. Each case checks the error and its message, that the
 * report reached the exception handler at once, that the object waited on
 * is left as a cancelled waiter would leave it (nobody waits on it, what
 * was handed on is not lost, no timer is armed), and that the rest of the
 * program goes on; the harness fails any case that leaks a byte.
 *
 * The thread cases (TIDE_ETHREAD) are in test_thread.c, which runs under
 * ThreadSanitizer too.
 */
/* Every misuse here is deliberate: the checker would flag it.
 * tide-lint: ignore-file */
#include <stdio.h>
#include <string.h>

#include "config.h" /* TIDE_MAX_CALL_DEPTH */
#include "harness.h"

/* An awaitable's outcome taken out of its wrapper: what a cast does. */
#define RAW(call) ((call).tide__rc)

#define ONE_REPORT "coroutine misuse:TIDE_ESTATE"

/* ---- an awaitable outside TIDE_AWAIT, then the step ends ---------------- */

/* The first program: `TIDE_TRY(f, tide_sleep(1.0))` in main. It
 * used to run main's body again and again with the clock stuck. */
struct sleep_in_main {
    TIDE_FRAME;
};
static tide_status sleep_in_main(void *frame)
{
    struct sleep_in_main *f = frame;
    TIDE_BEGIN(f);
    th_log("body");
    TIDE_TRY(f, RAW(tide_sleep(1.0))); /* TIDE_PENDING is not < 0 */
    th_log("end");
    TIDE_END(f);
}
static void sleep_in_main_after(tide_loop *loop, tide_task *main, int err)
{
    TH_EQ_INT(err, TIDE_ESTATE);
    TH_LOG_IS("body end"); /* once */
    TH_HAS(tide_task_message(main),
           "the task finished while it still waited on sleep until 1.000 s: "
           "an awaitable was called outside TIDE_AWAIT");
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_HAS(th_report_messages(), "finished while it still waited on sleep");
    TH_EQ_INT(tide_loop_timer_count(loop), 0);
    TH_CHECK(tide_loop_time(loop) < 1.0); /* nothing waited for the timer */
}

/* The same in a task nobody holds: it was a use-after-free. Nobody reads
 * its error, so the exception handler is the only one to hear of it. */
struct lone_sleeper {
    TIDE_FRAME;
};
static tide_status lone_sleeper(void *frame)
{
    struct lone_sleeper *f = frame;
    TIDE_BEGIN(f);
    th_log("sleeper");
    TIDE_TRY(f, RAW(tide_sleep(1.0)));
    TIDE_END(f);
}
struct detached {
    TIDE_FRAME;
    int i;
};
static tide_status detached(void *frame)
{
    struct detached *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(NULL, lone_sleeper, "sleeper"));
    for (f->i = 0; f->i < 3; f->i++)
        TIDE_YIELD(f);
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TIDE_AWAIT(f, tide_sleep(2.0));
    th_log("main");
    TH_LOG_IS("sleeper main");
    TIDE_END(f);
}

/* A plain yield outside TIDE_AWAIT: the task would have run once more. */
struct yielder {
    TIDE_FRAME;
};
static tide_status yielder(void *frame)
{
    struct yielder *f = frame;
    TIDE_BEGIN(f);
    th_log("run");
    (void)RAW(tide_sleep(0));
    TIDE_END(f);
}

/* Joins `t` and checks that it failed with TIDE_ESTATE, its message
 * containing `f->expect`, reported once. */
struct expect_misuse {
    TIDE_FRAME;
    tide_task *t;
    const char *expect;
    int rc;
};
static tide_status expect_misuse(void *frame)
{
    struct expect_misuse *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    th_check(th_contains(tide_error_message(), f->expect), f->expect, __FILE__,
             __LINE__);
    th_check(th_contains(th_report_messages(), f->expect), f->expect, __FILE__,
             __LINE__);
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TIDE_END(f);
}

struct yield_then_end {
    TIDE_FRAME;
    tide_task *t;
    struct expect_misuse check;
    int i;
};
static tide_status yield_then_end(void *frame)
{
    struct yield_then_end *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, yielder, "yielder"));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->t,
                         .expect = "waited on a yield (tide_sleep(0))");
    for (f->i = 0; f->i < 3; f->i++)
        TIDE_YIELD(f);
    TH_LOG_IS("run");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* A step that returns "suspended" by hand, registered nowhere: the task
 * would never run again (and nothing would say so). */
struct hand_made {
    TIDE_FRAME;
};
static tide_status hand_made(void *frame)
{
    (void)frame;
    th_log("step");
    return TIDE__SUSPENDED;
}
struct suspended_nowhere {
    TIDE_FRAME;
    tide_task *t;
    struct expect_misuse check;
};
static tide_status suspended_nowhere(void *frame)
{
    struct suspended_nowhere *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, hand_made, "hand-made"));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->t,
                         .expect = "returned 'suspended' without waiting on "
                                   "anything");
    TH_LOG_IS("step");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* TIDE_THROW given a positive value - an errno, say - is no error: the
 * coroutine used to end as if it had succeeded, with no message. Now it
 * fails with TIDE_ESTATE, saying why and keeping the program's text
 * (Python's `raise 2` is a TypeError, not a return). */
struct errno_thrower {
    TIDE_FRAME;
};
static tide_status errno_thrower(void *frame)
{
    struct errno_thrower *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_THROW_MSG(f, 2, "no such file");
    th_log("after");
    TIDE_FINALLY(f);
    th_log("finally:%s", tide_errname(TIDE_ERROR(f)));
    TIDE_END(f);
}
struct throw_positive {
    TIDE_FRAME;
    tide_task *t;
    struct expect_misuse check;
};
static tide_status throw_positive(void *frame)
{
    struct throw_positive *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, errno_thrower, "errno"));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->t,
                         .expect = "TIDE_THROW given 2, which is not an "
                                   "error");
    TH_CHECK(th_contains(tide_task_message(f->t), ": no such file"));
    TH_LOG_IS("finally:TIDE_ESTATE");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- the other programs ------------------------------------------ */

/* tide_join outside TIDE_AWAIT: a use-after-free once the child finished
 * and woke the finished joiner. */
struct child7 {
    TIDE_FRAME;
};
static tide_status child7(void *frame)
{
    struct child7 *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TIDE_RETURN(f, IV(7));
    TIDE_END(f);
}
struct bad_joiner {
    TIDE_FRAME;
    tide_task *child;
};
static tide_status bad_joiner(void *frame)
{
    struct bad_joiner *f = frame;
    TIDE_BEGIN(f);
    (void)RAW(tide_join(f->child, NULL));
    TIDE_END(f);
}
struct join_outside {
    TIDE_FRAME;
    tide_task *child, *joiner;
    struct expect_misuse check;
    void *value;
};
static tide_status join_outside(void *frame)
{
    struct join_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->child, child7, "child"));
    TIDE_TRY(f, TIDE_SPAWN(bad_joiner, "joiner", &f->joiner,
                           .child = f->child));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->joiner,
                         .expect = "still waited on task Task-2 'child'");
    TH_EQ_INT(tide_task_awaiters(f->child, NULL, 0), 0);
    TIDE_AWAIT(f, tide_join(f->child, &f->value));
    TH_CHECK(f->value == IV(7));
    TIDE_FINALLY(f);
    tide_task_release(f->child);
    tide_task_release(f->joiner);
    TIDE_END(f);
}

/* tide_queue_get outside TIDE_AWAIT: the item put next went to a getter
 * that was gone, and was never delivered. Variant `self_put`: the task
 * puts an item itself after registering (woken in its own step): the
 * item stays in the queue. With self_put 2 it then awaits a yield, which
 * must be refused: the task is in the ready queue already (a second link
 * there would corrupt it). */
struct bad_getter {
    TIDE_FRAME;
    tide_queue *q;
    void *item;
    int self_put;
};
static tide_status bad_getter(void *frame)
{
    struct bad_getter *f = frame;
    TIDE_BEGIN(f);
    (void)RAW(tide_queue_get(f->q, &f->item));
    if (f->self_put)
        TIDE_TRY(f, tide_queue_put_nowait(f->q, IV(9)));
    if (f->self_put == 2) {
        TIDE_AWAIT(f, tide_sleep(0));
        th_log("yielded");
    }
    TIDE_END(f);
}
struct good_getter {
    TIDE_FRAME;
    tide_queue *q;
    void *item;
};
static tide_status good_getter(void *frame)
{
    struct good_getter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_queue_get(f->q, &f->item));
    th_log("got:%d", (int)(intptr_t)f->item);
    TIDE_END(f);
}
struct get_outside {
    TIDE_FRAME;
    tide_queue *q;
    tide_task *tasks[2]; /* BAD, GOOD */
    struct expect_misuse check;
    struct th_reap reap;
    void *item;
    int self_put;
};
enum { BAD, GOOD };
static tide_status get_outside(void *frame)
{
    struct get_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 0, NULL, &f->q));
    TIDE_TRY(f, TIDE_SPAWN(bad_getter, "bad", &f->tasks[BAD], .q = f->q));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->tasks[BAD],
                         .expect = "still waited on queue#1 (get: 0 item(s))");
    TIDE_TRY(f, TIDE_SPAWN(good_getter, "good", &f->tasks[GOOD], .q = f->q));
    TIDE_YIELD(f); /* the good getter waits now */
    TIDE_TRY(f, tide_queue_put_nowait(f->q, IV(5)));
    TIDE_AWAIT(f, tide_join(f->tasks[GOOD], NULL));
    TH_LOG_IS("got:5");
    /* woken by its own put in the same step: the item stays; then (2) a
     * yield awaited: refused, the task run no more */
    for (f->self_put = 1; f->self_put <= 2; f->self_put++) {
        tide_task_release(f->tasks[BAD]);
        f->tasks[BAD] = NULL;
        TIDE_TRY(f, TIDE_SPAWN(bad_getter, "bad", &f->tasks[BAD], .q = f->q,
                               .self_put = f->self_put));
        TIDE_AWAIT_CATCH(f, tide_join(f->tasks[BAD], NULL), f->check.rc);
        TH_EQ_INT(f->check.rc, TIDE_ESTATE);
        TH_CHECK(f->self_put == 1 ||
                 th_contains(tide_task_message(f->tasks[BAD]),
                             "tide_sleep called while the task already waits "
                             "on queue get (already woken)"));
        TH_EQ_INT(tide_queue_size(f->q), 1);
        TH_EQ_INT(tide_queue_get_nowait(f->q, &f->item), 0);
        TH_CHECK(f->item == IV(9));
    }
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TH_LOG_IS("got:5"); /* "yielded" never */
    TIDE_FINALLY(f);
    TIDE_AWAIT_CALL_INIT(f, th_reap, &f->reap, .t = f->tasks, .n = 2);
    TH_EQ_INT(tide_queue_destroy(f->q), 0); /* nobody counted as waiting */
    TIDE_END(f);
}

/* A wait outside TIDE_AWAIT that the task's own step then completes (an
 * event it sets) leaves the step's mark, and nothing else, to say so; a
 * call made next that sets or clears the task's message - a timeout's
 * exit turning its expiry into TIDE_ETIMEDOUT (how 1), the end of a
 * TIDE_WITH block (how 2) - used to wipe the mark: the next await went
 * through, the task sat in the ready queue twice, ran again from the top
 * after it finished and corrupted the timers. The mark stays now: that
 * await is refused, and the task runs once. */
struct self_woken {
    TIDE_FRAME;
    int how;
    tide_event *ev;
    tide_lock *lock;
    tide_timeout *tmo;
    int rc;
};
static tide_status self_woken(void *frame)
{
    struct self_woken *f = frame;
    TIDE_BEGIN(f);
    th_log("run");
    if (f->how == 1) {
        TIDE_TRY(f, tide_timeout_enter(0.5, &f->tmo));
        TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
        (void)RAW(tide_event_wait(f->ev));
        TIDE_TRY(f, tide_event_set(f->ev)); /* wakes this task */
        TH_EQ_INT(tide_timeout_exit(f->tmo, f->rc), TIDE_ETIMEDOUT);
    } else {
        TIDE_WITH(f, tide_lock_scope(f->lock)) {
            (void)RAW(tide_event_wait(f->ev));
            TIDE_TRY(f, tide_event_set(f->ev)); /* wakes this task */
        }
    }
    TIDE_AWAIT(f, tide_sleep(0)); /* refused */
    th_log("yielded");
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    TIDE_END(f);
}

/* Both ways, one after the other: each task fails with TIDE_ESTATE,
 * reported once, and runs once. */
struct self_woken_check {
    TIDE_FRAME;
    int how;
    tide_event *ev;
    tide_lock *lock;
    tide_task *t;
    int rc;
};
static tide_status self_woken_check(void *frame)
{
    struct self_woken_check *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    for (f->how = 1; f->how <= 2; f->how++) {
        TIDE_TRY(f, tide_event_clear(f->ev));
        TIDE_TRY(f, TIDE_SPAWN(self_woken, NULL, &f->t, .how = f->how,
                               .ev = f->ev, .lock = f->lock));
        TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
        TH_EQ_INT(f->rc, TIDE_ESTATE);
        TH_HAS(tide_error_message(), "tide_sleep called while the task "
                                     "already waits on event (already "
                                     "woken)");
        TIDE_AWAIT(f, tide_sleep(2));
        tide_task_release(f->t);
        f->t = NULL;
    }
    TH_LOG_IS("run run"); /* each once, and no further */
    TH_EQ_STR(th_reports(), ONE_REPORT " " ONE_REPORT);
    TH_EQ_INT(tide_lock_is_locked(f->lock), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_event_destroy(f->ev);
    tide_lock_destroy(f->lock);
    TIDE_END(f);
}

/* `TIDE_TRY(f, tide_lock_acquire(l))` on a held lock: the task believed it
 * held the lock and left an ownerless waiter in the lock's queue. */
struct grabber {
    TIDE_FRAME;
    tide_lock *l;
};
static tide_status grabber(void *frame)
{
    struct grabber *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, RAW(tide_lock_acquire(f->l)));
    th_log("grabber-thinks-it-holds-it");
    TIDE_END(f);
}
struct holder {
    TIDE_FRAME;
    tide_lock *l;
};
static tide_status holder(void *frame)
{
    struct holder *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->l));
    th_log("holder");
    TIDE_TRY(f, tide_lock_release(f->l));
    TIDE_END(f);
}
struct lock_outside {
    TIDE_FRAME;
    tide_lock *l;
    tide_task *grab, *hold;
    struct expect_misuse check;
};
static tide_status lock_outside(void *frame)
{
    struct lock_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->l));
    TIDE_AWAIT(f, tide_lock_acquire(f->l));
    TIDE_TRY(f, TIDE_SPAWN(grabber, "grabber", &f->grab, .l = f->l));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->grab,
                         .expect = "still waited on lock#1 held by Task-1");
    TH_EQ_INT(tide_lock_waiter_count(f->l), 0);
    TIDE_TRY(f, TIDE_SPAWN(holder, "holder", &f->hold, .l = f->l));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_lock_waiter_count(f->l), 1);
    TIDE_TRY(f, tide_lock_release(f->l));
    TIDE_AWAIT(f, tide_join(f->hold, NULL));
    TH_LOG_IS("grabber-thinks-it-holds-it holder");
    TH_EQ_INT(tide_lock_is_locked(f->l), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->grab);
    tide_task_release(f->hold);
    TH_EQ_INT(tide_lock_destroy(f->l), 0);
    TIDE_END(f);
}

/* ---- registered twice: found where the second awaitable starts ----------- */

/* The second call fails (the first is undone); a program that catches the
 * error can go on awaiting correctly. */
struct registered_twice {
    TIDE_FRAME;
    tide_lock *l;
    int rc;
};
static tide_status registered_twice(void *frame)
{
    struct registered_twice *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->l));
    (void)RAW(tide_sleep(1.0));
    TIDE_AWAIT_CATCH(f, tide_lock_acquire(f->l), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(),
           "tide_lock_acquire called while the task already waits on sleep "
           "until 1.000 s: an awaitable's result must go to TIDE_AWAIT");
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_EQ_INT(tide_lock_is_locked(f->l), 0);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
    TIDE_AWAIT(f, tide_sleep(0.5)); /* the 1 s sleep is gone */
    th_log("t=%.1f", tide_time());
    TIDE_AWAIT(f, tide_lock_acquire(f->l));
    TIDE_TRY(f, tide_lock_release(f->l));
    TH_LOG_IS("t=0.5");
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TIDE_FINALLY(f);
    tide_lock_destroy(f->l);
    TIDE_END(f);
}

/* TIDE_GATHER_OWN refused while registered, out of memory (found by
 * fuzz_ops): it let go of every handle in the array, also of those the
 * earlier gather into the same array holds (the same handle in the same
 * place is taken once), which that gather's owner let go of again when
 * the task ended: a use-after-free. The sweep fails each allocation in
 * turn, the regather's among them. */
struct own_refused {
    TIDE_FRAME;
    tide_task *t[2];
    int rc;
};
static tide_status own_refused(void *frame)
{
    struct own_refused *f = frame;
    TIDE_BEGIN(f);
    for (int i = 0; i < 2; i++)
        TIDE_TRY(f, tide_spawn(child7, &(struct child7){TIDE__FRAME_INIT},
                               sizeof(struct child7), NULL, &f->t[i]));
    TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_OWN, NULL, NULL));
    f->rc = RAW(tide_sleep(1.0));
    if (f->rc < 0) /* no memory for the timer: not registered */
        TIDE_THROW(f, f->rc);
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, TIDE_GATHER_OWN, NULL, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TIDE_END(f); /* the earlier gather's handles go now, once */
}
static void own_refused_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_CHECK(err == 0 || err == TIDE_ENOMEM);
}

/* Bad input while registered (found by fuzz_ops): the misuse is told
 * first, by every awaitable, and undoes the registration; the same call
 * unregistered is plain bad input. They used to return TIDE_EINVAL for a
 * NULL primitive (or predicate) before looking, leaving the task
 * registered. */
static const char *const bad_names[] = {
    "tide_lock_acquire", "tide_sem_acquire",  "tide_event_wait",
    "tide_cond_acquire", "tide_cond_wait",    "tide_cond_wait_for",
    "tide_barrier_wait", "tide_group_exit",
};
#define NBAD ((int)(sizeof bad_names / sizeof bad_names[0]))
static tide_await bad_call(int i, tide_cond *c)
{
    switch (i) {
    case 0: return tide_lock_acquire(NULL);
    case 1: return tide_sem_acquire(NULL);
    case 2: return tide_event_wait(NULL);
    case 3: return tide_cond_acquire(NULL);
    case 4: return tide_cond_wait(NULL);
    case 5: return tide_cond_wait_for(c, NULL, NULL, NULL);
    case 6: return tide_barrier_wait(NULL, NULL);
    default: return tide_group_exit(NULL, 0);
    }
}
struct bad_while_registered {
    TIDE_FRAME;
    tide_cond *c;
    int i, rc;
};
static tide_status bad_while_registered(void *frame)
{
    struct bad_while_registered *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->c));
    for (f->i = 0; f->i < NBAD; f->i++) {
        (void)RAW(tide_sleep(1.0));
        TIDE_AWAIT_CATCH(f, bad_call(f->i, f->c), f->rc);
        th_eq_int(f->rc, TIDE_ESTATE, bad_names[f->i], "TIDE_ESTATE",
                  __FILE__, __LINE__);
        char text[120];
        snprintf(text, sizeof text,
                 "%s called while the task already waits on sleep until "
                 "1.000 s", bad_names[f->i]);
        th_check(th_contains(tide_error_message(), text), text, __FILE__, __LINE__);
        TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
        TIDE_AWAIT_CATCH(f, bad_call(f->i, f->c), f->rc);
        th_eq_int(f->rc, TIDE_EINVAL, bad_names[f->i], "TIDE_EINVAL",
                  __FILE__, __LINE__);
    }
    TH_EQ_STR(th_reports(), ONE_REPORT " " ONE_REPORT " " ONE_REPORT
                            " " ONE_REPORT " " ONE_REPORT " " ONE_REPORT
                            " " ONE_REPORT " " ONE_REPORT);
    TIDE_YIELD(f); /* nothing left registered */
    TIDE_FINALLY(f);
    tide_cond_destroy(f->c);
    TIDE_END(f);
}

/* A yield, then an awaitable that would complete at once (a free lock):
 * refused all the same, and the task is not left in the ready queue. */
/* An await inside a switch statement of the coroutine's own: its resume
 * point is a `case` of that switch, not of TIDE_BEGIN's, so the resume
 * reached END's `default`, and the task ended as a success with the rest
 * of its body and its FINALLY skipped. Now it fails with TIDE_ESTATE, and
 * FINALLY runs. (In a sub-coroutine, its caller sees the error.) */
struct switched {
    TIDE_FRAME;
    int i;
};
static tide_status switched(void *frame)
{
    struct switched *f = frame;
    TIDE_BEGIN(f);
    th_log("before");
    switch (f->i) {
    case 0:
        TIDE_YIELD(f);
        th_log("after");
        break;
    default:
        break;
    }
    th_log("end");
    TIDE_FINALLY(f);
    th_log("finally:%s", tide_errname(TIDE_ERROR(f)));
    TIDE_END(f);
}
struct switched_caller {
    TIDE_FRAME;
    struct switched sub;
    int rc;
};
static tide_status switched_caller(void *frame)
{
    struct switched_caller *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_CATCH(f, switched, &f->sub, f->rc);
    th_log("caller:%s", tide_errname(f->rc));
    TIDE_END(f);
}
struct await_in_switch {
    TIDE_FRAME;
    tide_task *t;
    struct expect_misuse check;
};
static tide_status await_in_switch(void *frame)
{
    struct await_in_switch *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TH_SPAWN0(&f->t, switched, "switched"));
    TIDE_AWAIT_CALL_INIT(f, expect_misuse, &f->check, .t = f->t,
                         .expect = "an await inside a switch statement");
    TH_LOG_IS("before finally:TIDE_ESTATE");
    tide_task_release(f->t);
    f->t = NULL;
    TIDE_TRY(f, TH_SPAWN0(&f->t, switched_caller, "caller"));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_LOG_IS("before finally:TIDE_ESTATE before finally:TIDE_ESTATE "
              "caller:TIDE_ESTATE");
    TH_EQ_STR(th_reports(), ONE_REPORT " " ONE_REPORT);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct yield_twice {
    TIDE_FRAME;
    tide_group *g;
    int rc;
};
static tide_status yield_twice(void *frame)
{
    struct yield_twice *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    (void)RAW(tide_sleep(0));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "tide_group_exit called while the task "
                                 "already waits on a yield (tide_sleep(0))");
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc); /* now it works */
    TH_EQ_INT(f->rc, 0);
    th_log("iterations:%d", (int)tide_loop_iteration_count(tide_running_loop()));
    TIDE_YIELD(f);
    th_log("iterations:%d", (int)tide_loop_iteration_count(tide_running_loop()));
    TH_LOG_IS("iterations:1 iterations:2");
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

/* A yield awaited while the task waits on something else: refused at
 * once, as any awaitable is (the yield's inline path in tide.h tests the
 * registration too). Then a stray yield followed by an awaited one: the
 * second finds the first's mark and is refused at once as well. */
struct yield_while_waiting {
    TIDE_FRAME;
    tide_lock *l;
    tide_task *hold;
    int rc;
    long it;
};
static tide_status yield_while_waiting(void *frame)
{
    struct yield_while_waiting *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->l));
    (void)RAW(tide_sleep(1.0));
    f->it = (long)tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(),
           "tide_sleep called while the task already waits on sleep until "
           "1.000 s: an awaitable's result must go to TIDE_AWAIT");
    TH_EQ_INT((long)tide_loop_iteration_count(tide_running_loop()) - f->it, 0);
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
    /* a waiter on a held lock, given up the same way */
    TIDE_AWAIT(f, tide_lock_acquire(f->l));
    TIDE_TRY(f, TH_SPAWN0(&f->hold, yielder, "other"));
    (void)RAW(tide_lock_acquire(f->l)); /* held by this task: it waits */
    TH_EQ_INT(tide_lock_waiter_count(f->l), 1);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "tide_sleep called while the task already "
                                 "waits on lock#1");
    TH_EQ_INT(tide_lock_waiter_count(f->l), 0);
    TH_EQ_INT(tide_lock_is_locked(f->l), 1); /* still this task's */
    TIDE_TRY(f, tide_lock_release(f->l));
    /* a stray yield, then an awaited one */
    f->it = (long)tide_loop_iteration_count(tide_running_loop());
    (void)RAW(tide_sleep(0));
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "tide_sleep called while the task already "
                                 "waits on a yield (tide_sleep(0))");
    TH_EQ_INT((long)tide_loop_iteration_count(tide_running_loop()) - f->it, 0);
    TIDE_AWAIT(f, tide_sleep(0)); /* and the next one works */
    TH_EQ_INT((long)tide_loop_iteration_count(tide_running_loop()) - f->it, 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->hold, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE); /* the yielder's own misuse */
    TIDE_FINALLY(f);
    tide_task_release(f->hold);
    tide_lock_destroy(f->l);
    TIDE_END(f);
}

/* A stray yield, then the task fails with an error of its own, or a
 * sub-coroutine that yielded stray ends and its caller finishes: the end
 * of the step finds the yield's mark. */
struct stray_sub {
    TIDE_FRAME;
};
static tide_status stray_sub(void *frame)
{
    struct stray_sub *f = frame;
    TIDE_BEGIN(f);
    (void)RAW(tide_sleep(0));
    TIDE_END(f);
}
struct yield_then_fail {
    TIDE_FRAME;
    int how;
    struct stray_sub sub;
};
static tide_status yield_then_fail(void *frame)
{
    struct yield_then_fail *f = frame;
    TIDE_BEGIN(f);
    if (f->how == 0) {
        (void)RAW(tide_sleep(0));
        TIDE_THROW(f, TIDE_EINVAL);
    }
    TIDE_AWAIT_CALL_INIT(f, stray_sub, &f->sub);
    th_log("after-sub");
    TIDE_END(f);
}
struct yield_then_fail_main {
    TIDE_FRAME;
    tide_task *t;
    struct expect_misuse check;
    int how;
};
static tide_status yield_then_fail_main(void *frame)
{
    struct yield_then_fail_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(yield_then_fail, "stray", &f->t, .how = f->how));
    TIDE_AWAIT_CALL_INIT(
        f, expect_misuse, &f->check, .t = f->t,
        .expect = f->how == 0 ? "failed with TIDE_EINVAL while it still "
                                "waited on a yield (tide_sleep(0))"
                              : "finished while it still waited on a yield "
                                "(tide_sleep(0))");
    TH_LOG_IS(f->how == 0 ? "" : "after-sub");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}
struct yield_then_raise {
    struct yield_then_fail_main m;
};
struct yield_in_sub {
    struct yield_then_fail_main m;
};
static tide_status yield_then_raise(void *frame)
{
    ((struct yield_then_fail_main *)frame)->how = 0;
    return yield_then_fail_main(frame);
}
static tide_status yield_in_sub(void *frame)
{
    ((struct yield_then_fail_main *)frame)->how = 1;
    return yield_then_fail_main(frame);
}

/* ---- every other kind of wait, given up cleanly ------------------------- */

/* One task per kind of wait: each calls its awaitable outside TIDE_AWAIT
 * and ends; afterwards each object is as if a waiter had been cancelled. */
enum { W_EVENT, W_SEM, W_SEM_HANDED, W_COND, W_BARRIER, W_GATHER, W_WAIT,
       W_WAIT_FOR, W_SHIELD, W_PUT, W_QJOIN, W_KINDS };
struct objects {
    tide_event *ev;
    tide_sem *sem;
    tide_cond *cond;
    tide_barrier *bar;
    tide_queue *full;   /* bounded at 1, holding one item */
    tide_task *kids[2]; /* one done, one pending */
};
struct waits_wrongly {
    TIDE_FRAME;
    struct objects *o;
    int kind;
};
static tide_status waits_wrongly(void *frame)
{
    struct waits_wrongly *f = frame;
    struct objects *o = f->o;
    TIDE_BEGIN(f);
    switch (f->kind) { /* (no await inside: rule 3) */
    case W_EVENT:
        (void)RAW(tide_event_wait(o->ev));
        break;
    case W_SEM:
        (void)RAW(tide_sem_acquire(o->sem));
        break;
    case W_SEM_HANDED: /* handed the permit in its own step */
        (void)RAW(tide_sem_acquire(o->sem));
        TIDE_TRY(f, tide_sem_release(o->sem));
        break;
    case W_COND:
        break; /* below: needs an await first */
    case W_BARRIER:
        (void)RAW(tide_barrier_wait(o->bar, NULL));
        break;
    case W_GATHER:
        (void)RAW(tide_gather(o->kids, 2, 0, NULL, NULL));
        break;
    case W_WAIT:
        (void)RAW(tide_wait(o->kids, 2, TIDE_ALL_COMPLETED, 5.0));
        break;
    case W_WAIT_FOR:
        (void)RAW(tide_wait_for(o->kids[1], 5.0, NULL));
        break;
    case W_SHIELD:
        (void)RAW(tide_shield(o->kids[1], NULL));
        break;
    case W_PUT:
        (void)RAW(tide_queue_put(o->full, IV(2)));
        break;
    case W_QJOIN:
        (void)RAW(tide_queue_join(o->full));
        break;
    }
    if (f->kind == W_COND) {
        TIDE_AWAIT(f, tide_cond_acquire(o->cond));
        (void)RAW(tide_cond_wait(o->cond)); /* lets go of the lock */
    }
    TIDE_END(f);
}

struct slow_kid {
    TIDE_FRAME;
};
static tide_status slow_kid(void *frame)
{
    struct slow_kid *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(1.0));
    TIDE_END(f);
}
struct quick_kid {
    TIDE_FRAME;
};
static tide_status quick_kid(void *frame)
{
    struct quick_kid *f = frame;
    TIDE_BEGIN(f);
    TIDE_END(f);
}
struct barrier_party {
    TIDE_FRAME;
    tide_barrier *b;
};
static tide_status barrier_party(void *frame)
{
    struct barrier_party *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_barrier_wait(f->b, NULL));
    TIDE_END(f);
}

struct every_wait {
    TIDE_FRAME;
    struct objects o;
    tide_task *t[W_KINDS + 2 + 2]; /* wrong ones, parties, kids */
    struct th_reap reap;
    int kind, rc, i;
    void *item;
};
static tide_status every_wait(void *frame)
{
    struct every_wait *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->o.ev));
    TIDE_TRY(f, tide_sem_create(NULL, 0, 0, &f->o.sem));
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->o.cond));
    TIDE_TRY(f, tide_barrier_create(NULL, 2, &f->o.bar));
    TIDE_TRY(f, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 1, NULL, &f->o.full));
    TIDE_TRY(f, tide_queue_put_nowait(f->o.full, IV(1)));
    TIDE_TRY(f, TH_SPAWN0(&f->o.kids[0], quick_kid, "quick"));
    TIDE_TRY(f, TH_SPAWN0(&f->o.kids[1], slow_kid, "slow"));
    f->t[W_KINDS + 2] = tide_task_retain(f->o.kids[0]);
    f->t[W_KINDS + 3] = tide_task_retain(f->o.kids[1]);
    TIDE_YIELD(f); /* quick is done, slow sleeps */
    for (f->kind = 0; f->kind < W_KINDS; f->kind++)
        TIDE_TRY(f, TIDE_SPAWN(waits_wrongly, "wrong", &f->t[f->kind],
                               .o = &f->o, .kind = f->kind));
    for (f->kind = 0; f->kind < W_KINDS; f->kind++) {
        TIDE_AWAIT_CATCH(f, tide_join(f->t[f->kind], NULL), f->rc);
        th_check(f->rc == TIDE_ESTATE, "kind fails with TIDE_ESTATE",
                 __FILE__, f->kind);
    }
    TH_EQ_INT(tide_event_waiter_count(f->o.ev), 0);
    TH_EQ_INT(tide_sem_waiter_count(f->o.sem), 0);
    TH_EQ_INT(tide_sem_value(f->o.sem), 1); /* the handed permit is back */
    TH_EQ_INT(tide_cond_waiter_count(f->o.cond), 0);
    TH_EQ_INT(tide_cond_is_locked(f->o.cond), 0);
    TH_EQ_INT(tide_barrier_waiter_count(f->o.bar), 0);
    TH_EQ_INT(tide_task_awaiters(f->o.kids[1], NULL, 0), 0);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 1); /* slow's own */
    /* everything still works */
    TIDE_AWAIT(f, tide_sem_acquire(f->o.sem));
    TIDE_AWAIT(f, tide_cond_acquire(f->o.cond));
    TIDE_TRY(f, tide_cond_notify_all(f->o.cond));
    TIDE_TRY(f, tide_cond_release(f->o.cond));
    for (f->i = 0; f->i < 2; f->i++)
        TIDE_TRY(f, TIDE_SPAWN(barrier_party, "party", &f->t[W_KINDS + f->i],
                               .b = f->o.bar));
    for (f->i = 0; f->i < 2; f->i++)
        TIDE_AWAIT(f, tide_join(f->t[W_KINDS + f->i], NULL));
    TIDE_AWAIT(f, tide_queue_get(f->o.full, &f->item));
    TH_CHECK(f->item == IV(1));
    TH_EQ_INT(tide_queue_size(f->o.full), 0); /* the put was undone */
    TIDE_TRY(f, tide_queue_task_done(f->o.full));
    TIDE_AWAIT(f, tide_queue_join(f->o.full));
    TIDE_AWAIT(f, tide_join(f->o.kids[1], NULL));
    TIDE_AWAIT(f, tide_sleep(10)); /* wait's and wait_for's timers are gone */
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
    TIDE_FINALLY(f);
    TIDE_AWAIT_CALL_INIT(f, th_reap, &f->reap, .t = f->t, .n = W_KINDS + 4);
    for (f->i = 0; f->i < 2; f->i++)
        tide_task_release(f->o.kids[f->i]);
    TH_EQ_INT(tide_event_destroy(f->o.ev), 0);
    TH_EQ_INT(tide_sem_destroy(f->o.sem), 0);
    TH_EQ_INT(tide_cond_destroy(f->o.cond), 0);
    TH_EQ_INT(tide_barrier_destroy(f->o.bar), 0);
    TH_EQ_INT(tide_queue_destroy(f->o.full), 0);
    TIDE_END(f);
}

/* ---- sub-coroutines: TIDE_AWAIT_CALL ------------------------------------- */

struct sub {
    TIDE_FRAME;
    int n;
};
static tide_status sub(void *frame)
{
    struct sub *f = frame;
    TIDE_BEGIN(f);
    th_log("sub-start:%d", f->n);
    TIDE_YIELD(f);
    th_log("sub-end");
    TIDE_RETURN(f, IV(f->n));
    TIDE_END(f);
}

/* The program: the old rule 7 suggested a compound literal, which
 * is made anew at each resume: "sub start" forever. Now an error naming
 * the file and line. */
struct restart {
    TIDE_FRAME;
    int rc, line;
};
static tide_status restart(void *frame)
{
    struct restart *f = frame;
    TIDE_BEGIN(f);
    /* (on one line: the message names the line of the macro) */
    TIDE_AWAIT_CALL_CATCH(f, sub, &(struct sub){.n = 7}, f->rc); f->line = __LINE__; // clang-format off
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    char where[64];
    snprintf(where, sizeof where, "TIDE_AWAIT_CALL at %s:%d", __FILE__,
             f->line);
    th_check(th_contains(tide_error_message(), where), where, __FILE__,
             __LINE__);
    TH_HAS(tide_error_message(), "resumed a sub-coroutine frame that is not "
                                 "suspended");
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_LOG_IS("sub-start:7");
    TIDE_END(f);
}

/* The replacement: a frame member, set by TIDE_AWAIT_CALL_INIT. */
struct call_init {
    TIDE_FRAME;
    struct sub s;
};
static tide_status call_init(void *frame)
{
    struct call_init *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_INIT(f, sub, &f->s, .n = 3);
    th_log("result:%d", (int)(intptr_t)TIDE_RESULT(&f->s));
    TIDE_AWAIT_CALL_INIT(f, sub, &f->s, .n = 4); /* reset for a new call */
    TH_LOG_IS("sub-start:3 sub-end result:3 sub-start:4 sub-end");
    TH_EQ_STR(th_reports(), "");
    TIDE_END(f);
}

/* Depth: a chain of nested calls, the innermost yielding (every level is
 * resumed through all the others). TIDE_MAX_CALL_DEPTH calls work; one
 * more fails at the innermost call, and the error travels up. */
struct deep {
    TIDE_FRAME;
    int level, depth;
};
static struct deep chain[TIDE_MAX_CALL_DEPTH + 1];
static tide_status deep(void *frame)
{
    struct deep *f = frame;
    TIDE_BEGIN(f);
    if (f->level < f->depth) {
        TIDE_AWAIT_CALL_INIT(f, deep, &chain[f->level + 1],
                             .level = f->level + 1, .depth = f->depth);
    } else {
        TIDE_YIELD(f);
        th_log("innermost:%d", f->level);
    }
    TIDE_END(f);
}
struct call_depth {
    TIDE_FRAME;
    int rc;
};
static tide_status call_depth(void *frame)
{
    struct call_depth *f = frame;
    TIDE_BEGIN(f);
    /* main's call is the first: the innermost level is depth - 1 */
    chain[0] = (struct deep){.level = 0, .depth = TIDE_MAX_CALL_DEPTH - 1};
    TIDE_AWAIT_CALL_CATCH(f, deep, &chain[0], f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(th_reports(), "");
    chain[0] = (struct deep){.level = 0, .depth = TIDE_MAX_CALL_DEPTH};
    TIDE_AWAIT_CALL_CATCH(f, deep, &chain[0], f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    char text[64];
    snprintf(text, sizeof text, "nests deeper than %d calls",
             TIDE_MAX_CALL_DEPTH);
    th_check(th_contains(tide_error_message(), text), text, __FILE__,
             __LINE__);
    TH_EQ_STR(th_reports(), ONE_REPORT);
    char log[64];
    snprintf(log, sizeof log, "innermost:%d", TIDE_MAX_CALL_DEPTH - 1);
    TH_LOG_IS(log);
    /* and the count is back where it was: the limit works again */
    chain[0] = (struct deep){.level = 0, .depth = TIDE_MAX_CALL_DEPTH - 1};
    TIDE_AWAIT_CALL(f, deep, &chain[0]);
    TIDE_END(f);
}

/* Depth in bytes (found by fuzz_ops on WASI, where a 1000-level chain of
 * 64-byte C frames overwrote static data): wasm has no guard page below
 * the C stack, and WASI's is 64 KiB, so there a chain of sub-coroutines
 * with big C frames is refused before the stack runs out, at fewer than
 * TIDE_MAX_CALL_DEPTH levels; with native stacks and Emscripten's 5 MiB
 * it completes. Afterwards the room is back. */
#define FAT_DEPTH 400
struct fat {
    TIDE_FRAME;
    int level, depth;
};
static struct fat fats[FAT_DEPTH];
static tide_status fat(void *frame)
{
    struct fat *f = frame;
    volatile char scratch[1024]; /* C stack at every level, every resume */
    scratch[f->level % (int)sizeof scratch] = 1;
    TIDE_BEGIN(f);
    if (f->level + 1 < f->depth) {
        TIDE_AWAIT_CALL_INIT(f, fat, &fats[f->level + 1],
                             .level = f->level + 1, .depth = f->depth);
    } else {
        TIDE_YIELD(f);
        th_log("innermost:%d", f->level);
    }
    TIDE_END(f);
}
struct stack_depth {
    TIDE_FRAME;
    int rc;
};
static tide_status stack_depth(void *frame)
{
    struct stack_depth *f = frame;
    TIDE_BEGIN(f);
    fats[0] = (struct fat){.level = 0, .depth = FAT_DEPTH};
    TIDE_AWAIT_CALL_CATCH(f, fat, &fats[0], f->rc);
#if defined(__wasi__)
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "nests deeper than the C stack allows");
    TH_EQ_STR(th_reports(), ONE_REPORT);
    TH_LOG_IS("");
#else
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(th_reports(), "");
    TH_LOG_IS("innermost:399");
#endif
    fats[0] = (struct fat){.level = 0, .depth = 3};
    TIDE_AWAIT_CALL(f, fat, &fats[0]);
#if defined(__wasi__)
    TH_LOG_IS("innermost:2");
#else
    TH_LOG_IS("innermost:399 innermost:2");
#endif
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("misuse: tide_sleep outside TIDE_AWAIT in main: TIDE_ESTATE "
                  "once, no re-run, no timer left",
                  sleep_in_main, sleep_in_main_after, TH_EXPECT_ERROR),
    TH_CASE("misuse: the same in a detached task: reported at once, the "
            "program goes on",
            detached),
    TH_CASE("misuse: a yield outside TIDE_AWAIT: the task does not run again",
            yield_then_end),
    TH_CASE("misuse: a step returning 'suspended' registered nowhere fails",
            suspended_nowhere),
    TH_CASE("misuse: TIDE_THROW of a positive value fails, never succeeds",
            throw_positive),
    TH_CASE("misuse: tide_join outside TIDE_AWAIT: the child finishes later "
            "without touching the joiner",
            join_outside),
    TH_CASE("misuse: tide_queue_get outside TIDE_AWAIT: the next item goes to "
            "a real getter; one handed over in the same step stays queued",
            get_outside),
    TH_CASE("misuse: tide_lock_acquire outside TIDE_AWAIT on a held lock "
            "leaves no ownerless waiter",
            lock_outside),
    TH_CASE("misuse: an awaitable while already registered: it fails, the "
            "first is undone, awaiting works again",
            registered_twice),
    TH_CASE_AFTER("misuse: TIDE_GATHER_OWN refused while registered, out "
                  "of memory: only the references it took are let go of",
                  own_refused, own_refused_after,
                  TH_EXPECT_ERROR | TH_OOM),
    TH_CASE("misuse: bad input to an awaitable while registered: the "
            "misuse is told first, the registration undone",
            bad_while_registered),
    TH_CASE("misuse: an await inside a switch statement of the coroutine's "
            "own fails with TIDE_ESTATE (FINALLY runs) instead of ending the "
            "task as a success",
            await_in_switch),
    TH_CASE("misuse: a wait outside TIDE_AWAIT woken in its own step, then a "
            "timeout's exit or its block's end: the next await is still "
            "refused",
            self_woken_check),
    TH_CASE("misuse: an awaitable after a stray yield is refused, and the "
            "task is not left in the ready queue",
            yield_twice),
    TH_CASE("misuse: a yield awaited while the task waits on something else "
            "is refused at the step's end (the other wait undone); a stray "
            "yield then an awaited one: the second is refused at once",
            yield_while_waiting),
    TH_CASE("misuse: a stray yield, then the task fails with an error of its "
            "own: the step's end reports the yield",
            yield_then_raise),
    TH_CASE("misuse: a sub-coroutine that yielded stray returns, its caller "
            "finishes: the step's end reports the yield",
            yield_in_sub),
    TH_CASE("misuse: every kind of wait given up leaves its object usable "
            "(event, semaphore, condition, barrier, gather, wait, wait_for, "
            "shield, queue put and join)",
            every_wait),
    TH_CASE("misuse: TIDE_AWAIT_CALL on a compound literal fails with file "
            "and line instead of restarting the sub-coroutine",
            restart),
    TH_CASE("TIDE_AWAIT_CALL_INIT sets a frame member and awaits it", call_init),
    TH_CASE("TIDE_AWAIT_CALL: TIDE_MAX_CALL_DEPTH nested calls work, one more "
            "fails with TIDE_ESTATE",
            call_depth),
    TH_CASE("TIDE_AWAIT_CALL: big C frames are refused before the stack runs "
            "out where nothing guards its end (WASI), and work elsewhere",
            stack_depth),
};

TH_MAIN(cases)
