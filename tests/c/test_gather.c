/*
 * test_gather.c - checklist section 7, tide_gather (GATHER-*).
 * C has no gather object: what CPython does to the gather future is tested
 * through the task awaiting it. Python-only parts are translated in a
 * comment on the case; items without any C meaning are listed at the end.
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"

enum { E_FIRST = TIDE_EUSER - 1, E_SECOND = TIDE_EUSER - 2 };

/* Sleeps until cancelled; logs "<tag>-cancelled" on the way out. */
struct forever {
    TIDE_FRAME;
    const char *tag;
};

static tide_status forever(void *frame)
{
    struct forever *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(INFINITY));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* Cancels *target with `msg` after `delay`. */
struct canceller {
    TIDE_FRAME;
    double delay;
    tide_task *const *target;
    const char *msg;
};

static tide_status canceller(void *frame)
{
    struct canceller *c = frame;
    TIDE_BEGIN(c);
    TIDE_AWAIT(c, tide_sleep(c->delay));
    TIDE_TRY(c, tide_task_cancel(*c->target, c->msg));
    TIDE_END(c);
}

/* ---- GATHER-01: argument order ------------------------------------------ */

struct gather01_order {
    TIDE_FRAME;
    tide_task *t[3];
    void *values[3];
};

static tide_status gather01_order(void *frame)
{
    struct gather01_order *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "a", .delay = 2,
                           .value = IV(2)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 1,
                           .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "c", .delay = 3,
                           .value = IV(3)));
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, f->values, NULL));
    th_log("gathered");
    TH_LOG_IS("b a c gathered");
    TH_CHECK(f->values[0] == IV(2));
    TH_CHECK(f->values[1] == IV(1));
    TH_CHECK(f->values[2] == IV(3));
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* The same with TIDE_GATHER_RETURN_ERRORS, one child already done. */
struct gather01_return_errors {
    TIDE_FRAME;
    tide_task *t[3];
    void *values[3];
    int errors[3];
};

static tide_status gather01_return_errors(void *frame)
{
    struct gather01_return_errors *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "a", .delay = 2,
                           .value = IV(2)));
    TIDE_TRY(f,
             TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "c", .delay = 3,
                           .value = IV(3)));
    TIDE_YIELD(f); /* b finishes before the gather starts */
    TH_CHECK(tide_task_is_done(f->t[1]));
    for (int i = 0; i < 3; i++)
        f->errors[i] = -1;
    TIDE_AWAIT(f, tide_gather(f->t, 3, TIDE_GATHER_RETURN_ERRORS, f->values,
                              f->errors));
    th_log("gathered");
    TH_LOG_IS("b a c gathered");
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(f->errors[i], 0);
    TH_CHECK(f->values[0] == IV(2));
    TH_CHECK(f->values[1] == IV(1));
    TH_CHECK(f->values[2] == IV(3));
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* ---- GATHER-02: the first error wins at once; the rest run on ---------- */

struct gather02_first_error {
    TIDE_FRAME;
    tide_task *t[3];
    void *values[3];
    void *value;
    int rc;
};

static tide_status gather02_first_error(void *frame)
{
    struct gather02_first_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "a", .delay = 1,
                           .err = E_FIRST, .msg = "first"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 2,
                           .value = IV(5)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "c", .delay = 3,
                           .err = E_SECOND, .msg = "second"));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 3, 0, f->values, NULL), f->rc);
    th_log("gather-failed");
    TH_EQ_INT(f->rc, E_FIRST);
    TH_EQ_STR(tide_error_message(), "first");
    /* the others were not cancelled and still run */
    for (int i = 1; i < 3; i++) {
        TH_CHECK(!tide_task_is_done(f->t[i]));
        TH_EQ_INT(tide_task_cancelling(f->t[i]), 0);
    }
    TIDE_AWAIT(f, tide_join(f->t[1], &f->value));
    TH_CHECK(f->value == IV(5));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[2], NULL), f->rc);
    TH_EQ_INT(f->rc, E_SECOND);
    TH_CHECK(!tide_task_is_cancelled(f->t[2]));
    TH_LOG_IS("a gather-failed b c");
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* Nothing that happens to the other children afterwards (a result, a
 * cancel, an error) reaches the awaiter or the exception handler. */
struct gather02_later_ignored {
    TIDE_FRAME;
    tide_task *t[3];
    int rc;
};

static tide_status gather02_later_ignored(void *frame)
{
    struct gather02_later_ignored *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f,
             TIDE_SPAWN(th_child, NULL, &f->t[0], .delay = 1, .err = E_FIRST));
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[1], .tag = "b"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "c", .delay = 3,
                           .err = E_SECOND));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 3, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST);
    TIDE_TRY(f, tide_task_cancel(f->t[1], "late"));
    /* this task's own awaits are not disturbed by what comes in late */
    TIDE_AWAIT(f, tide_sleep(5));
    th_log("slept");
    TH_CHECK(tide_task_is_cancelled(f->t[1]));
    TH_EQ_INT(tide_task_error(f->t[2]), E_SECOND);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_LOG_IS("b-cancelled c slept");
    TH_EQ_STR(th_reports(), "");
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* ---- GATHER-03: errors in their slots, and wait for all ----------------- */

struct gather03_slots {
    TIDE_FRAME;
    tide_task *t[4];
    void *values[4];
    int errors[4];
    int only_errors[4];
    int rc;
};

static tide_status gather03_slots(void *frame)
{
    struct gather03_slots *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "a", .delay = 2,
                           .value = IV(3)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 4,
                           .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "c", .delay = 1,
                           .err = E_FIRST));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[3], .tag = "d", .delay = 3,
                           .err = E_SECOND));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 4, TIDE_GATHER_RETURN_ERRORS,
                                    f->values, f->errors),
                     f->rc);
    th_log("gathered");
    TH_EQ_INT(f->rc, 0);
    TH_LOG_IS("c a d b gathered"); /* only once the last child is done */
    TH_CHECK(f->values[0] == IV(3));
    TH_CHECK(f->values[1] == IV(1));
    TH_EQ_INT(f->errors[0], 0);
    TH_EQ_INT(f->errors[1], 0);
    TH_EQ_INT(f->errors[2], E_FIRST);
    TH_EQ_INT(f->errors[3], E_SECOND);
    /* values may be NULL; all children are done now */
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 4, TIDE_GATHER_RETURN_ERRORS, NULL,
                                    f->only_errors),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(f->only_errors[1], 0);
    TH_EQ_INT(f->only_errors[2], E_FIRST);
    TH_EQ_INT(f->only_errors[3], E_SECOND);
    TIDE_FINALLY(f);
    for (int i = 0; i < 4; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* ---- GATHER-04: a cancelled child, without RETURN_ERRORS --------------- */

/* gather.cancelled() is False becomes: the awaiter gets TIDE_ECANCELLED as
 * an error, yet nobody cancelled it (cancelling 0, its next await runs). */
struct gather04_child_cancelled {
    TIDE_FRAME;
    tide_task *t[2];
    void *value;
    int rc;
};

static tide_status gather04_child_cancelled(void *frame)
{
    struct gather04_child_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[0], .tag = "a"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 2,
                           .value = IV(66)));
    TIDE_TRY(f, TIDE_SPAWN(canceller, NULL, NULL, .delay = 1,
                           .target = &f->t[0], .msg = "m1"));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, 0, NULL, NULL), f->rc);
    th_log("caught");
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "m1");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(!tide_task_is_done(f->t[1])); /* the sibling was not cancelled */
    TIDE_AWAIT_CATCH(f, tide_sleep(0.5), f->rc);
    TH_EQ_INT(f->rc, 0);
    th_log("slept");
    TIDE_AWAIT(f, tide_join(f->t[1], &f->value));
    TH_CHECK(f->value == IV(66));
    TH_LOG_IS("a-cancelled caught slept b");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

/* A child already cancelled when the gather starts counts the same. */
struct gather04_done_cancelled {
    TIDE_FRAME;
    tide_task *t[2];
    int rc;
};

static tide_status gather04_done_cancelled(void *frame)
{
    struct gather04_done_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[0], .tag = "a"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 1));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(f->t[0], "early"));
    TIDE_YIELD(f);
    TH_CHECK(tide_task_is_cancelled(f->t[0]));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, 0, NULL, NULL), f->rc);
    th_log("caught");
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "early");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT(f, tide_join(f->t[1], NULL));
    TH_LOG_IS("a-cancelled caught b");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

/* ---- GATHER-05: a cancelled child with RETURN_ERRORS -------------------- */

/* The slot holds TIDE_ECANCELLED; the CancelledError('m1') instance becomes
 * the child's message, read with tide_task_message(). */
struct gather05_cancelled_slot {
    TIDE_FRAME;
    tide_task *t[2];
    void *values[2];
    int errors[2];
    int rc;
};

static tide_status gather05_cancelled_slot(void *frame)
{
    struct gather05_cancelled_slot *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[0], .tag = "a"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 2,
                           .value = IV(7)));
    TIDE_TRY(f, TIDE_SPAWN(canceller, NULL, NULL, .delay = 1,
                           .target = &f->t[0], .msg = "m1"));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, TIDE_GATHER_RETURN_ERRORS,
                                    f->values, f->errors),
                     f->rc);
    th_log("gathered");
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(f->errors[0], TIDE_ECANCELLED);
    TH_EQ_INT(f->errors[1], 0);
    TH_CHECK(f->values[1] == IV(7));
    TH_CHECK(tide_task_is_cancelled(f->t[0]));
    TH_EQ_STR(tide_task_message(f->t[0]), "m1");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_LOG_IS("a-cancelled b gathered");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

/* ---- GATHER-06: cancelling the awaiter ---------------------------------- */

/* Gathers `tasks` with `flags`, logging how the await ended. */
struct waiter {
    TIDE_FRAME;
    tide_task *const *tasks;
    size_t n;
    unsigned flags;
    void *values[4];
    int errors[4];
};

static tide_status waiter(void *frame)
{
    struct waiter *w = frame;
    TIDE_BEGIN(w);
    TIDE_AWAIT(w, tide_gather(w->tasks, w->n, w->flags, w->values, w->errors));
    th_log("waiter-done");
    TIDE_FINALLY(w);
    if (TIDE_ERROR(w) == TIDE_ECANCELLED)
        th_log("waiter-cancelled");
    TIDE_END(w);
}

/* "Or the gather itself" has no C meaning (no gather object); after the
 * cancel every child is done, so no further cancel takes (CPython's
 * gatherer.cancel() returning False). */
struct gather06_broadcast {
    TIDE_FRAME;
    tide_task *t[3];
    tide_task *w;
    int taken, rc;
};

static tide_status gather06_broadcast(void *frame)
{
    struct gather06_broadcast *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "early",
                           .delay = 0.5, .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[1], .tag = "f1"));
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[2], .tag = "f2"));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->w, .tasks = f->t, .n = 3,
                           .flags = TIDE_GATHER_RETURN_ERRORS));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_TRY(f, f->taken = tide_task_cancel(f->w, "stop"));
    TH_EQ_INT(f->taken, 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop");
    TH_CHECK(tide_task_is_cancelled(f->w));
    TH_LOG_IS("early f1-cancelled f2-cancelled waiter-cancelled");
    /* the finished child kept its result; the others carry the message */
    TH_EQ_INT(tide_task_error(f->t[0]), 0);
    for (int i = 1; i < 3; i++) {
        TH_CHECK(tide_task_is_cancelled(f->t[i]));
        TH_EQ_STR(tide_task_message(f->t[i]), "stop");
    }
    for (int i = 0; i < 3; i++)
        TH_EQ_INT(tide_task_cancel(f->t[i], NULL), 0);
    TH_EQ_INT(tide_task_cancel(f->w, NULL), 0);
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    tide_task_release(f->w);
    TIDE_END(f);
}

/* A child that swallows the cancel and returns still leaves the awaiter
 * cancelled (bpo-32684), with TIDE_GATHER_RETURN_ERRORS too. */
struct swallower {
    TIDE_FRAME;
};

static tide_status swallower(void *frame)
{
    struct swallower *s = frame;
    TIDE_BEGIN(s);
    TIDE_AWAIT(s, tide_sleep(10));
    TIDE_FINALLY(s);
    if (TIDE_ERROR(s) == TIDE_ECANCELLED) {
        th_log("swallowed");
        TIDE_RETURN(s, IV(5));
    }
    TIDE_END(s);
}

struct gather06_swallowed {
    TIDE_FRAME;
    tide_task *t[2];
    tide_task *w;
    void *value;
    int rc;
};

static tide_status gather06_swallowed(void *frame)
{
    struct gather06_swallowed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(swallower, NULL, &f->t[0],  ));
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t[1], .tag = "f"));
    TIDE_TRY(f, TIDE_SPAWN(waiter, NULL, &f->w, .tasks = f->t, .n = 2,
                           .flags = TIDE_GATHER_RETURN_ERRORS));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_TRY(f, tide_task_cancel(f->w, "msg"));
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_CHECK(tide_task_is_cancelled(f->w));
    TH_LOG_IS("swallowed f-cancelled waiter-cancelled");
    TH_EQ_INT(tide_task_result(f->t[0], &f->value), 0);
    TH_CHECK(f->value == IV(5));
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    tide_task_release(f->w);
    TIDE_END(f);
}

/* test_cancel_gather_2: a task looping over gathers of short sleeps is
 * cancelled with a message (or none); whoever awaits it gets that. */
struct repeat {
    TIDE_FRAME;
    double time;
    tide_task *t;
    int errors[1];
};

static tide_status repeat(void *frame)
{
    struct repeat *r = frame;
    TIDE_BEGIN(r);
    for (;;) {
        r->time += 0.05;
        TIDE_TRY(r, TIDE_SPAWN(th_child, NULL, &r->t, .delay = 0.05));
        TIDE_AWAIT(r, tide_gather(&r->t, 1, TIDE_GATHER_RETURN_ERRORS, NULL,
                                  r->errors));
        tide_task_release(r->t);
        r->t = NULL;
        if (r->time > 1)
            TIDE_RETURN(r, NULL);
    }
    TIDE_FINALLY(r);
    tide_task_release(r->t);
    TIDE_END(r);
}

struct gather06_message {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status gather06_message(void *frame)
{
    struct gather06_message *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(repeat, NULL, &f->t, .time = 0));
    TIDE_AWAIT(f, tide_sleep(0.125)); /* between two of its deadlines */
    TIDE_TRY(f, tide_task_cancel(f->t, "my message"));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "my message");
    TH_EQ_STR(tide_task_message(f->t), "my message");
    tide_task_release(f->t);
    f->t = NULL;
    /* no message: none arrives */
    TIDE_TRY(f, TIDE_SPAWN(repeat, NULL, &f->t, .time = 0));
    TIDE_AWAIT(f, tide_sleep(0.125));
    TIDE_TRY(f, tide_task_cancel(f->t, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_CHECK(tide_error_message() == NULL);
    TH_CHECK(tide_task_is_cancelled(f->t));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- GATHER-07: all children done, then a cancel ----------------------- */

/* No gather object to cancel: the nearest is cancelling the awaiter after
 * its last child finished but before the gather's result reached it. No
 * child is touched (the result 42 stands) and, as a CPython task whose
 * waiter refuses the cancel, the awaiter itself is cancelled at its await
 * (checked on CPython 3.11). */
struct yielder {
    TIDE_FRAME;
    const char *tag;
    void *value;
};

static tide_status yielder(void *frame)
{
    struct yielder *y = frame;
    TIDE_BEGIN(y);
    TIDE_YIELD(y);
    th_log("%s", y->tag);
    TIDE_RETURN(y, y->value);
    TIDE_END(y);
}

/* Yields once, then cancels *target and logs whether it took. */
struct yield_cancel {
    TIDE_FRAME;
    tide_task *const *target;
};

static tide_status yield_cancel(void *frame)
{
    struct yield_cancel *c = frame;
    TIDE_BEGIN(c);
    TIDE_YIELD(c);
    th_log("cancel:%d", tide_task_cancel(*c->target, NULL));
    TIDE_END(c);
}

struct gather07_all_done {
    TIDE_FRAME;
    tide_task *me, *t;
    void *values[1];
    void *value;
    int rc;
};

static tide_status gather07_all_done(void *frame)
{
    struct gather07_all_done *f = frame;
    TIDE_BEGIN(f);
    f->me = tide_current_task();
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t, .tag = "child-done",
                           .value = IV(42)));
    TIDE_TRY(f, TIDE_SPAWN(yield_cancel, NULL, NULL, .target = &f->me));
    TIDE_AWAIT_CATCH(f, tide_gather(&f->t, 1, 0, f->values, NULL), f->rc);
    th_log(f->rc == TIDE_ECANCELLED ? "cancelled" : "gathered");
    TH_LOG_IS("child-done cancel:1 cancelled");
    TH_CHECK(!tide_task_is_cancelled(f->t));
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_result(f->t, &f->value), 0);
    TH_CHECK(f->value == IV(42));
    TH_EQ_INT(tide_task_uncancel(f->me), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* The contrast: a cancel arriving before the last child finished reaches
 * that child (CPython gives the same). */
struct gather07_not_yet_done {
    TIDE_FRAME;
    tide_task *me, *t;
    int rc;
};

static tide_status gather07_not_yet_done(void *frame)
{
    struct gather07_not_yet_done *f = frame;
    TIDE_BEGIN(f);
    f->me = tide_current_task();
    TIDE_TRY(f, TIDE_SPAWN(yield_cancel, NULL, NULL, .target = &f->me));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t, .tag = "child-done",
                           .value = IV(42)));
    TIDE_AWAIT_CATCH(f, tide_gather(&f->t, 1, 0, NULL, NULL), f->rc);
    th_log(f->rc == TIDE_ECANCELLED ? "cancelled" : "gathered");
    TH_LOG_IS("cancel:1 cancelled");
    TH_CHECK(tide_task_is_cancelled(f->t));
    TH_EQ_INT(tide_task_uncancel(f->me), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- GATHER-08: a task listed several times; nothing to gather ---------- */

/* A coroutine object passed twice becomes a task handle passed twice. */
struct gather08_duplicates {
    TIDE_FRAME;
    tide_task *t[3];
    tide_task *list[4];
    void *values[4];
    int errors[4];
    int rc;
};

static tide_status gather08_duplicates(void *frame)
{
    struct gather08_duplicates *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "c",
                           .value = (void *)"abc"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "d",
                           .value = (void *)"def"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[2], .tag = "e", .delay = 1,
                           .err = E_FIRST));
    f->list[0] = f->list[1] = f->list[3] = f->t[0];
    f->list[2] = f->t[1];
    TIDE_AWAIT(f, tide_gather(f->list, 4, 0, f->values, NULL));
    TH_EQ_STR(f->values[0], "abc");
    TH_EQ_STR(f->values[1], "abc");
    TH_EQ_STR(f->values[2], "def");
    TH_EQ_STR(f->values[3], "abc");
    /* again, now that they are done */
    for (int i = 0; i < 4; i++)
        f->values[i] = NULL;
    TIDE_AWAIT(f, tide_gather(f->list, 4, 0, f->values, NULL));
    TH_EQ_STR(f->values[0], "abc");
    TH_EQ_STR(f->values[2], "def");
    TH_EQ_STR(f->values[3], "abc");
    /* a failing task listed twice fills both slots, and fails the gather
     * once without RETURN_ERRORS */
    f->list[0] = f->list[1] = f->t[2];
    TIDE_AWAIT(f, tide_gather(f->list, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], E_FIRST);
    TH_EQ_INT(f->errors[1], E_FIRST);
    TIDE_AWAIT_CATCH(f, tide_gather(f->list, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST);
    TH_LOG_IS("c d e"); /* each ran once */
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

struct gather08_empty {
    TIDE_FRAME;
    uint64_t iterations;
    int rc;
};

static tide_status gather08_empty(void *frame)
{
    struct gather08_empty *f = frame;
    TIDE_BEGIN(f);
    f->iterations = tide_loop_iteration_count(tide_running_loop());
    f->rc = -1;
    TIDE_AWAIT_CATCH(f, tide_gather(NULL, 0, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    f->rc = -1;
    TIDE_AWAIT_CATCH(f, tide_gather(NULL, 0, TIDE_GATHER_RETURN_ERRORS, NULL,
                                    NULL),
                     f->rc);
    TH_EQ_INT(f->rc, 0);
    /* done at once: no iteration passed */
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iterations);
    TIDE_END(f);
}

/* ---- GATHER-09: bad arguments -------------------------------------------- */

/* A non-awaitable argument becomes a NULL task (TIDE_EINVAL); the current
 * task among them is TIDE_ESELF. Refused gathers register nothing: the
 * valid child runs on and can be gathered later, and nothing is reported. */
struct gather09_bad_args {
    TIDE_FRAME;
    tide_task *c;
    tide_task *with_null[2], *with_self[2];
    void *values[2];
    uint64_t iterations;
    int rc;
};

static tide_status gather09_bad_args(void *frame)
{
    struct gather09_bad_args *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->c, .tag = "c", .delay = 1,
                           .value = IV(3)));
    f->with_null[0] = f->c;
    f->with_self[0] = f->c;
    f->with_self[1] = tide_current_task();
    f->iterations = tide_loop_iteration_count(tide_running_loop());
    f->values[0] = IV(-1);
    TIDE_AWAIT_CATCH(f, tide_gather(f->with_null, 2, 0, f->values, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_gather(NULL, 1, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_gather(f->with_self, 1, 0x100, NULL, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_gather(f->with_self, 2, 0, f->values, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_ESELF);
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iterations);
    TH_CHECK(f->values[0] == IV(-1));
    TH_EQ_INT(tide_task_cancelling(f->c), 0);
    TIDE_AWAIT(f, tide_sleep(2)); /* c finishes with nobody waiting */
    TH_LOG_IS("c");
    TIDE_AWAIT(f, tide_gather(&f->c, 1, 0, f->values, NULL));
    TH_CHECK(f->values[0] == IV(3));
    TIDE_FINALLY(f);
    tide_task_release(f->c);
    TIDE_END(f);
}

static void gather09_bad_args_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)err;
    TH_EQ_STR(th_reports(), "");
    /* no running task */
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    TH_EQ_INT(tide_gather(&main, 1, 0, NULL, NULL).tide__rc, TIDE_ENOLOOP);
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    TH_EQ_INT(tide_gather(NULL, 0, 0, NULL, NULL).tide__rc, TIDE_ENOLOOP);
}

/* Futures of another loop: C can make a task of another (not running)
 * loop with tide_loop_spawn; gathering it is TIDE_EINVAL (ValueError). */
static tide_loop *gather09_other;
static tide_task *gather09_here;

static void quiet(tide_loop *loop, const char *context, int err,
                  const char *message, tide_task *task, void *arg)
{
    (void)loop;
    (void)context;
    (void)err;
    (void)message;
    (void)task;
    (void)arg;
}

struct gather09_other_loop {
    TIDE_FRAME;
    tide_task *t[2];
    int rc;
};

static tide_status gather09_other_loop(void *frame)
{
    struct gather09_other_loop *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_create(NULL, NULL, &gather09_other));
    tide_loop_set_exception_handler(gather09_other, quiet, NULL);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "here"));
    gather09_here = f->t[0];
    TIDE_TRY(f, tide_loop_spawn(gather09_other, th_child,
                                &(struct th_child){.tag = "there"},
                                sizeof(struct th_child), NULL, &f->t[1]));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_HAS(tide_error_message(), "different event loop");
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("here");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    tide_loop_destroy(gather09_other);
    gather09_other = NULL;
    TIDE_END(f);
}

/* If the gather was accepted, the main task stays stuck on the foreign
 * task and the run ends in a deadlock, its FINALLY never run: free what it
 * held here (the other loop frees its own task and handle). */
static void gather09_other_loop_after(tide_loop *loop, tide_task *main,
                                      int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, 0);
    if (gather09_other) {
        TH_CHECK(!"the gather of another loop's task was accepted");
        tide_loop_destroy(gather09_other);
        gather09_other = NULL;
        tide_task_release(gather09_here);
    }
    gather09_here = NULL;
}

/* "Marked retrieved, so no 'never retrieved' is logged": C has no such
 * log; the nearest is that a second child failing after the gather failed
 * (its handle already released) reaches no exception handler. */
struct gather09_second_error {
    TIDE_FRAME;
    tide_task *t[2];
    int rc;
};

static tide_status gather09_second_error(void *frame)
{
    struct gather09_second_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .tag = "a", .delay = 1,
                           .err = E_FIRST));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[1], .tag = "b", .delay = 2,
                           .err = E_SECOND));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    f->t[0] = f->t[1] = NULL;
    TIDE_AWAIT(f, tide_sleep(3));
    TH_LOG_IS("a b");
    TH_EQ_STR(th_reports(), "");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

static void gather09_second_error_after(tide_loop *loop, tide_task *main,
                                        int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, 0);
    TH_EQ_STR(th_reports(), "");
}

/* ---- GATHER-10: children already done settle the gather at once --------- */

/*
 * CPython 3.12+ runs gather()'s done callback for each child already done
 * inside gather() itself; when they decide the outcome the await completes
 * without a trip through the loop. Checked on CPython 3.13.0 (and 3.11
 * showing the old order) with twins of these cases, e.g. the first one:
 *
 *     async def main():
 *         t1 = asyncio.create_task(ret(5))       # returns 5 at once
 *         t2 = asyncio.create_task(yielder('t2'))  # yields once, logs
 *         await asyncio.sleep(0)
 *         log.append('gathered %s' % await asyncio.gather(t1))
 *         await t2
 *     # 3.13: ['gathered [5]', 't2']   3.11: ['t2', 'gathered [5]']
 *
 * and with t1 raising ValueError('boom'): ['caught boom', 't2'];
 * gather(t1, t1, return_exceptions=True) over that failed t1:
 * ['gathered [boom, boom]', 't2']; gather(t3, t1) with t3 pending: t3 and t2
 * log first ('t3', 't2', 'gathered [None, 5]'), unless t1 failed and
 * return_exceptions is False ('caught boom' first); gather(ok, b, a) over
 * three done children, a failed before b: 'caught b'; a child cancelled
 * with 'early' before the gather: CancelledError('early') at once, the
 * awaiter's cancelling() 0; the awaiter cancelled by itself ('me') just
 * before gather(t1): gather still returns [5] at once and the next
 * sleep(0) raises CancelledError('me').
 */

/* All done: [5] at once, before t2's log and with no iteration passing. */
struct gather10_all_done {
    TIDE_FRAME;
    tide_task *t1, *t2;
    void *values[1];
    uint64_t iterations;
};

static tide_status gather10_all_done(void *frame)
{
    struct gather10_all_done *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t1, .value = IV(5)));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t2, .tag = "t2"));
    TIDE_YIELD(f);
    TH_CHECK(tide_task_is_done(f->t1));
    f->iterations = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_gather(&f->t1, 1, 0, f->values, NULL));
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iterations);
    th_log("gathered:%d", (int)(intptr_t)f->values[0]);
    TIDE_AWAIT(f, tide_join(f->t2, NULL));
    TH_LOG_IS("gathered:5 t2");
    TIDE_FINALLY(f);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* A done child that failed: its error and message at once; with
 * TIDE_GATHER_RETURN_ERRORS (listed twice) both slots, also at once. */
struct gather10_done_failed {
    TIDE_FRAME;
    tide_task *t1, *t2;
    tide_task *twice[2];
    int errors[2];
    uint64_t iterations;
    int rc;
};

static tide_status gather10_done_failed(void *frame)
{
    struct gather10_done_failed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f,
             TIDE_SPAWN(th_child, NULL, &f->t1, .err = E_FIRST, .msg = "boom"));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t2, .tag = "t2"));
    TIDE_YIELD(f);
    f->iterations = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT_CATCH(f, tide_gather(&f->t1, 1, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST);
    TH_EQ_STR(tide_error_message(), "boom");
    th_log("caught");
    f->twice[0] = f->twice[1] = f->t1;
    f->errors[0] = f->errors[1] = 1;
    TIDE_AWAIT(f, tide_gather(f->twice, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], E_FIRST);
    TH_EQ_INT(f->errors[1], E_FIRST);
    th_log("gathered");
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iterations);
    TIDE_AWAIT(f, tide_join(f->t2, NULL));
    TH_LOG_IS("caught gathered t2");
    TIDE_FINALLY(f);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* Done children that do not decide the outcome: the gather waits for the
 * pending one, as before. */
struct gather10_some_done {
    TIDE_FRAME;
    tide_task *ok, *t2, *t3;
    tide_task *list[2];
    void *values[2];
};

static tide_status gather10_some_done(void *frame)
{
    struct gather10_some_done *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->ok, .value = IV(5)));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t3, .tag = "t3", .value = IV(3)));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t2, .tag = "t2"));
    TIDE_YIELD(f);
    f->list[0] = f->ok;
    f->list[1] = f->t3;
    TIDE_AWAIT(f, tide_gather(f->list, 2, 0, f->values, NULL));
    th_log("gathered:%d,%d", (int)(intptr_t)f->values[0],
           (int)(intptr_t)f->values[1]);
    TIDE_AWAIT(f, tide_join(f->t2, NULL));
    TH_LOG_IS("t3 t2 gathered:5,3");
    TIDE_FINALLY(f);
    tide_task_release(f->ok);
    tide_task_release(f->t2);
    tide_task_release(f->t3);
    TIDE_END(f);
}

/* ... unless a done one failed without TIDE_GATHER_RETURN_ERRORS: then at
 * once, whatever is still pending. */
struct gather10_some_failed {
    TIDE_FRAME;
    tide_task *bad, *t2, *t3;
    tide_task *list[2];
    int errors[2];
    int rc;
};

static tide_status gather10_some_failed(void *frame)
{
    struct gather10_some_failed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(
        f, TIDE_SPAWN(th_child, NULL, &f->bad, .err = E_FIRST, .msg = "boom"));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t3, .tag = "t3"));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t2, .tag = "t2"));
    TIDE_YIELD(f);
    f->list[0] = f->t3;
    f->list[1] = f->bad;
    TIDE_AWAIT_CATCH(f, tide_gather(f->list, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST);
    TH_EQ_STR(tide_error_message(), "boom");
    th_log("caught");
    TIDE_AWAIT(f, tide_gather(f->list, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              f->errors));
    TH_EQ_INT(f->errors[0], 0);
    TH_EQ_INT(f->errors[1], E_FIRST);
    th_log("gathered");
    TH_LOG_IS("caught t3 t2 gathered");
    TIDE_FINALLY(f);
    tide_task_release(f->bad);
    tide_task_release(f->t2);
    tide_task_release(f->t3);
    TIDE_END(f);
}

/* Several done children failed: the first in argument order wins, not the
 * first to fail. */
struct gather10_first_in_order {
    TIDE_FRAME;
    tide_task *list[3];
    int rc;
};

static tide_status gather10_first_in_order(void *frame)
{
    struct gather10_first_in_order *f = frame;
    TIDE_BEGIN(f);
    /* a fails first (spawned first), then b */
    TIDE_TRY(
        f, TIDE_SPAWN(th_child, NULL, &f->list[2], .err = E_FIRST, .msg = "a"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->list[0], .value = IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->list[1], .err = E_SECOND,
                           .msg = "b"));
    TIDE_YIELD(f);
    TIDE_AWAIT_CATCH(f, tide_gather(f->list, 3, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_SECOND);
    TH_EQ_STR(tide_error_message(), "b");
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->list[i]);
    TIDE_END(f);
}

/* A child cancelled before the gather: TIDE_ECANCELLED with its message at
 * once; the awaiter itself is not cancelled. */
struct gather10_done_cancelled {
    TIDE_FRAME;
    tide_task *t, *t2;
    int rc;
};

static tide_status gather10_done_cancelled(void *frame)
{
    struct gather10_done_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(forever, NULL, &f->t, .tag = "t"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(f->t, "early"));
    TIDE_YIELD(f);
    TH_CHECK(tide_task_is_cancelled(f->t));
    TIDE_TRY(f, TIDE_SPAWN(yielder, NULL, &f->t2, .tag = "t2"));
    TIDE_YIELD(f);
    TIDE_AWAIT_CATCH(f, tide_gather(&f->t, 1, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "early");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    th_log("caught");
    TIDE_AWAIT(f, tide_join(f->t2, NULL));
    TH_LOG_IS("t-cancelled caught t2");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* The awaiter has a cancellation of its own pending: the settled gather
 * still returns its result; the cancellation comes at the next await. */
struct gather10_pending_cancel {
    TIDE_FRAME;
    tide_task *t1;
    void *values[1];
    int rc;
};

static tide_status gather10_pending_cancel(void *frame)
{
    struct gather10_pending_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t1, .value = IV(5)));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_task_cancel(tide_current_task(), "me"));
    TIDE_AWAIT(f, tide_gather(&f->t1, 1, 0, f->values, NULL));
    th_log("gathered:%d", (int)(intptr_t)f->values[0]);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "me");
    th_log("then-cancelled");
    TH_EQ_INT(tide_task_uncancel(tide_current_task()), 0);
    TH_LOG_IS("gathered:5 then-cancelled");
    TIDE_FINALLY(f);
    tide_task_release(f->t1);
    TIDE_END(f);
}

/* Debug mode: the children's errors the gather did not hand on still count
 * as read (CPython's callback stays on every child and reads the outcome):
 * a child failing after a gather that already failed, at once or not, is
 * not reported as unretrieved. */
struct gather10_debug_retrieved {
    TIDE_FRAME;
    tide_task *bad, *later[2];
    tide_task *list[2];
    int rc;
};

static tide_status gather10_debug_retrieved(void *frame)
{
    struct gather10_debug_retrieved *f = frame;
    TIDE_BEGIN(f);
    tide_loop_set_debug(tide_running_loop(), 1);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->bad, .err = E_FIRST));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->later[0], .delay = 1,
                           .err = E_SECOND, .msg = "late"));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->later[1], .delay = 2,
                           .err = E_SECOND, .msg = "later"));
    TIDE_YIELD(f);
    f->list[0] = f->later[0];
    f->list[1] = f->bad;
    TIDE_AWAIT_CATCH(f, tide_gather(f->list, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_FIRST); /* at once */
    f->list[1] = f->later[1];
    TIDE_AWAIT_CATCH(f, tide_gather(f->list, 2, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, E_SECOND); /* later[0] at t=1; later[1] still runs */
    TH_EQ_STR(tide_error_message(), "late");
    for (int i = 0; i < 2; i++) {
        tide_task_release(f->later[i]);
        f->later[i] = NULL;
    }
    TIDE_AWAIT(f, tide_sleep(5));
    TH_EQ_STR(th_debug_reports(), "");
    TIDE_FINALLY(f);
    tide_task_release(f->bad);
    for (int i = 0; i < 2; i++)
        tide_task_release(f->later[i]);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("GATHER-01 results follow argument order, not completion "
                  "order",
                  gather01_order, NULL, TH_OOM),
    TH_CASE("GATHER-01 the same with TIDE_GATHER_RETURN_ERRORS and a child "
            "done before the gather",
            gather01_return_errors),
    TH_CASE_AFTER("GATHER-02 the first error fails the gather at once; the "
                  "other children run on, not cancelled",
                  gather02_first_error, NULL, TH_OOM),
    TH_CASE("GATHER-02 later cancels and errors of the other children are "
            "ignored, not reported",
            gather02_later_ignored),
    TH_CASE_AFTER("GATHER-03 with TIDE_GATHER_RETURN_ERRORS errors stay in "
                  "their slots and the gather waits for every child",
                  gather03_slots, NULL, TH_OOM),
    TH_CASE("GATHER-04 a cancelled child fails the gather with "
            "TIDE_ECANCELLED; the awaiter itself is not cancelled",
            gather04_child_cancelled),
    TH_CASE("GATHER-04 a child cancelled before the gather starts counts "
            "the same",
            gather04_done_cancelled),
    TH_CASE("GATHER-05 with TIDE_GATHER_RETURN_ERRORS a cancelled child's "
            "slot holds TIDE_ECANCELLED, its message on the child",
            gather05_cancelled_slot),
    TH_CASE_AFTER("GATHER-06 cancelling the awaiter cancels every unfinished "
                  "child and it gets TIDE_ECANCELLED, even with "
                  "TIDE_GATHER_RETURN_ERRORS",
                  gather06_broadcast, NULL, TH_OOM),
    TH_CASE("GATHER-06 a child swallowing the cancel still leaves the "
            "awaiter cancelled",
            gather06_swallowed),
    TH_CASE_AFTER("GATHER-06 the cancel message, or none, reaches whoever "
                  "awaits the cancelled task",
                  gather06_message, NULL, TH_OOM),
    TH_CASE("GATHER-07 cancelling the awaiter once every child is done "
            "touches no child",
            gather07_all_done),
    TH_CASE("GATHER-07 a cancel before the last child finishes reaches it",
            gather07_not_yet_done),
    TH_CASE_AFTER("GATHER-08 a task listed several times runs once and "
                  "fills every slot",
                  gather08_duplicates, NULL, TH_OOM),
    TH_CASE("GATHER-08 gathering nothing succeeds at once", gather08_empty),
    TH_CASE_AFTER("GATHER-09 a NULL task, NULL array or unknown flag is "
                  "TIDE_EINVAL, the current task TIDE_ESELF, nothing "
                  "registered or reported",
                  gather09_bad_args, gather09_bad_args_after, 0),
    TH_CASE_AFTER("GATHER-09 a task of another loop is TIDE_EINVAL",
                  gather09_other_loop, gather09_other_loop_after,
                  TH_EXPECT_ERROR),
    TH_CASE_AFTER("GATHER-09 a second child failing after the gather failed "
                  "is not reported",
                  gather09_second_error, gather09_second_error_after, 0),
    TH_CASE_AFTER("GATHER-10 children all done: the gather completes at once, "
                  "before the other tasks run",
                  gather10_all_done, NULL, TH_OOM),
    TH_CASE("GATHER-10 a done child that failed: its error at once; with "
            "TIDE_GATHER_RETURN_ERRORS (listed twice) every slot at once",
            gather10_done_failed),
    TH_CASE_AFTER("GATHER-10 some children done, none failed: the gather "
                  "waits for the others",
                  gather10_some_done, NULL, TH_OOM),
    TH_CASE("GATHER-10 a done child failed, another pending: the error at "
            "once without TIDE_GATHER_RETURN_ERRORS, the wait with it",
            gather10_some_failed),
    TH_CASE("GATHER-10 several done children failed: the first in argument "
            "order wins",
            gather10_first_in_order),
    TH_CASE("GATHER-10 a child cancelled before the gather: TIDE_ECANCELLED "
            "and its message at once",
            gather10_done_cancelled),
    TH_CASE("GATHER-10 an awaiter with a cancellation pending gets the "
            "settled result; the cancellation comes at its next await",
            gather10_pending_cancel),
    TH_CASE("GATHER-09/10 debug mode: a child failing after its gather "
            "failed is not reported as unretrieved",
            gather10_debug_retrieved),
};
TH_MAIN(cases)

/*
 * Items without a C meaning: none as a whole. Parts with none: the gather
 * future itself - cancelling it, gather.cancelled() (GATHER-04, -06, -07)
 * - since tide_gather is only ever seen through the task awaiting it.
 */
