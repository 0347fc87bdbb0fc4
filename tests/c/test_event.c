/*
 * test_event.c - checklist section 13, tide_event (EV-*), plus bad input.
 *
 * Python to C: `ev._waiters` is tide_event_waiter_count(); `wait()` returning
 * True is the await succeeding (0). repr has no C form beyond the
 * accessors.
 */
#include "harness.h"

/* Waits for the event and logs `tag` (or "<tag>-cancelled"). */
struct waiter {
    TIDE_FRAME;
    tide_event *ev;
    const char *tag;
};
static tide_status waiter(void *frame)
{
    struct waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_event_wait(f->ev));
    th_log("%s", f->tag);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* ---- EV-01 --------------------------------------------------------------- */

struct ev01_set_clear {
    TIDE_FRAME;
    tide_event *ev;
    uint64_t it;
};
static tide_status ev01_set_clear(void *frame)
{
    struct ev01_set_clear *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TH_EQ_INT(tide_event_is_set(f->ev), 0);
    tide_event_set(f->ev);
    TH_EQ_INT(tide_event_is_set(f->ev), 1);
    f->it = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_event_wait(f->ev)); /* no suspension */
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it);
    tide_event_clear(f->ev);
    TH_EQ_INT(tide_event_is_set(f->ev), 0);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* ---- EV-02 / EV-03 ------------------------------------------------------- */

struct ev02_wakes_all {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[4];
    struct th_reap reap;
};
static tide_status ev02_wakes_all(void *frame)
{
    struct ev02_wakes_all *f = frame;
    static const char *tags[] = {"0", "1", "2", "3"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    for (int i = 0; i < 4; i++)
        TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[i], .ev = f->ev,
                               .tag = tags[i]));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 4);
    tide_event_set(f->ev);
    TIDE_YIELD(f);
    TH_LOG_IS("0 1 2 3");
    for (int i = 0; i < 4; i++)
        TH_EQ_INT(tide_task_result(f->t[i], NULL), 0);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* test_wait: a task created before set() but not started runs first. */
struct ev03_ready_order {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[3];
    struct th_reap reap;
};
static tide_status ev03_ready_order(void *frame)
{
    struct ev03_ready_order *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TH_EQ_INT(tide_event_is_set(f->ev), 0);
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "1"));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[1], .ev = f->ev, .tag = "2"));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[2], .ev = f->ev, .tag = "3"));
    tide_event_set(f->ev);
    TIDE_YIELD(f);
    TH_LOG_IS("3 1 2");
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_result(f->t[i], NULL), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* ---- EV-04: set; clear before the woken waiters run ---------------------- */

struct ev04_clear_with_waiters {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[1];
    struct th_reap reap;
};
static tide_status ev04_clear_with_waiters(void *frame)
{
    struct ev04_clear_with_waiters *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "1"));
    TIDE_YIELD(f);
    TH_LOG_IS("");
    tide_event_set(f->ev);
    tide_event_clear(f->ev);
    TH_EQ_INT(tide_event_is_set(f->ev), 0);
    tide_event_set(f->ev);
    tide_event_set(f->ev);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 1);
    TIDE_YIELD(f);
    TH_LOG_IS("1");
    TH_EQ_INT(tide_event_waiter_count(f->ev), 0);
    TH_EQ_INT(tide_task_result(f->t[0], NULL), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* Woken by set() and the flag cleared before it ran: it still succeeds,
 * while a wait started after the clear blocks again. */
struct ev04_clear_then_rewait {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[2];
    struct th_reap reap;
};
static tide_status ev04_clear_then_rewait(void *frame)
{
    struct ev04_clear_then_rewait *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "a"));
    TIDE_YIELD(f);
    tide_event_set(f->ev);
    tide_event_clear(f->ev);
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[1], .ev = f->ev, .tag = "b"));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("a");
    TH_EQ_INT(tide_task_is_done(f->t[1]), 0);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 1);
    tide_event_set(f->ev);
    TIDE_AWAIT(f, tide_join(f->t[1], NULL));
    TH_LOG_IS("a b");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* ---- EV-05: cancelled while waiting (test_wait_cancel) ------------------ */

struct ev05_wait_cancel {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status ev05_wait_cancel(void *frame)
{
    struct ev05_wait_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "w"));
    TIDE_TRY(f,
             tide_call_soon(tide_running_loop(), th_cancel_cb, f->t[0], NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_event_waiter_count(f->ev), 0);
    TH_LOG_IS("w-cancelled");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* Woken by set(), then cancelled before it runs: the cancellation wins
 * (asyncio's must-cancel), and the other waiters are unaffected. */
struct ev05_woken_then_cancelled {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[2];
    int errors[2];
    struct th_reap reap;
};
static tide_status ev05_woken_then_cancelled(void *frame)
{
    struct ev05_woken_then_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "a"));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[1], .ev = f->ev, .tag = "b"));
    TIDE_YIELD(f);
    tide_event_set(f->ev);
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], TIDE_ECANCELLED);
    TH_EQ_INT(f->errors[1], 0);
    TH_LOG_IS("a-cancelled b");
    TH_EQ_INT(tide_event_waiter_count(f->ev), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

/* ---- bad input ------------------------------------------------------------ */

struct ev_bad_input {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status ev_bad_input(void *frame)
{
    struct ev_bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_event_create(NULL, NULL), TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_event_wait(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    tide_event_set(NULL);
    tide_event_clear(NULL);
    TH_EQ_INT(tide_event_is_set(NULL), 0);
    TH_EQ_INT(tide_event_waiter_count(NULL), 0);
    TH_EQ_INT(tide_event_destroy(NULL), 0);
    /* destroy while waited on */
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->t[0], .ev = f->ev, .tag = "w"));
    TIDE_YIELD(f);
    TH_EXPECT_BUSY(tide_event_destroy, f->ev);
    tide_event_set(f->ev);
    TH_EXPECT_BUSY(tide_event_destroy, f->ev); /* woken, not run */
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("w");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_event_destroy(f->ev), 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("EV-01 new event unset; wait on a set event returns at "
                  "once; clear", ev01_set_clear, NULL, TH_OOM),
    TH_CASE_AFTER("EV-02 set wakes every waiter, in wait order",
                  ev02_wakes_all, NULL, TH_OOM),
    TH_CASE_AFTER("EV-03 a task created before set runs before the woken "
                  "waiters: 3 1 2", ev03_ready_order, NULL, TH_OOM),
    TH_CASE_AFTER("EV-04 set; clear; set; set before waiters run: one "
                  "wakeup, still success", ev04_clear_with_waiters, NULL,
                  TH_OOM),
    TH_CASE_AFTER("EV-04 a wait started after clear blocks until the next "
                  "set", ev04_clear_then_rewait, NULL, TH_OOM),
    TH_CASE_AFTER("EV-05 cancelled while waiting: ECANCELLED, waiter "
                  "removed", ev05_wait_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("EV-05 woken then cancelled before it runs: cancelled; "
                  "others unaffected", ev05_woken_then_cancelled, NULL,
                  TH_OOM),
    TH_CASE_AFTER("event bad input: NULL arguments, destroy while waited "
                  "on", ev_bad_input, NULL, TH_OOM),
};

TH_MAIN(cases)
