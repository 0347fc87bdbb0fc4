/*
 * test_future.c - checklist section 2, futures (FUT-01..03), on the one
 * future Tide has: the task. FUT-04 (a task awaiting itself) is in
 * test_task.c. No C meaning:
 *  - FUT-03's set_result/set_exception on a done future, StopIteration and
 *    exception classes: Tide has no settable future; a task's outcome is
 *    what its function returns or throws (FUT-04's "Task does not support
 *    set_result" holds by construction).
 */
#include <stdint.h>

#include "harness.h"

enum { E_BOOM = TIDE_EUSER - 1 };

/* A child that returns `value`, or throws `err`, after `hops` sleep(0)s. */
struct child {
    TIDE_FRAME;
    int hops, err;
    void *value;
};

static tide_status child(void *frame)
{
    struct child *c = frame;
    TIDE_BEGIN(c);
    while (c->hops-- > 0)
        TIDE_AWAIT(c, tide_sleep(0));
    if (c->err)
        TIDE_THROW_MSG(c, c->err, "boom");
    TIDE_RETURN(c, c->value);
    TIDE_END(c);
}

/* A done callback that logs its tag (arg) and what the task ended with. */
static void logged(tide_task *t, void *arg)
{
    void *value = NULL;
    int rc = tide_task_result(t, &value);
    if (rc < 0) /* E_BOOM shows as its message */
        th_log("cb%d:%s", (int)(intptr_t)arg,
               rc == E_BOOM ? tide_task_message(t) : tide_errname(rc));
    else
        th_log("cb%d:%d", (int)(intptr_t)arg, (int)(intptr_t)value);
}

static void other(tide_task *t, void *arg)
{
    (void)t;
    th_log("other%d", (int)(intptr_t)arg);
}

/* FUT-01: callbacks are queued when the task finishes and run one
 * iteration later, in registration order; also for a failed task. */
struct fut01 {
    TIDE_FRAME;
    tide_task *ok, *bad;
};

static tide_status fut01(void *frame)
{
    struct fut01 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(child, "ok", &f->ok, .value = IV(7)));
    TIDE_TRY(f, tide_task_add_done_callback(f->ok, logged, IV(42)));
    TIDE_TRY(f, tide_task_add_done_callback(f->ok, logged, IV(17)));
    TIDE_TRY(f, TIDE_SPAWN(child, "bad", &f->bad, .err = E_BOOM));
    TIDE_TRY(f, tide_task_add_done_callback(f->bad, logged, IV(1)));
    /* iteration 2: both children end; their callbacks are only queued */
    TIDE_AWAIT(f, tide_sleep(0));
    TH_CHECK(tide_task_is_done(f->ok) && tide_task_is_done(f->bad));
    th_log("hop1");
    /* iteration 3: the callbacks ran, in the order they were added */
    TIDE_AWAIT(f, tide_sleep(0));
    th_log("hop2");
    TH_LOG_IS("hop1 cb42:7 cb17:7 cb1:boom hop2");
    TIDE_FINALLY(f);
    tide_task_release(f->ok);
    tide_task_release(f->bad);
    TIDE_END(f);
}

/* FUT-01: added to a task already done, a callback is queued at once
 * (asyncio's call_soon): it runs in the next iteration, not inside the
 * call. */
struct fut01_done {
    TIDE_FRAME;
    tide_task *t;
};

static tide_status fut01_done(void *frame)
{
    struct fut01_done *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .value = IV(5)));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, logged, IV(3)));
    th_log("added");
    TIDE_AWAIT(f, tide_sleep(0));
    th_log("hop");
    TH_LOG_IS("added cb3:5 hop");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* FUT-02: remove_done_callback removes every registration of the pair and
 * returns how many; the others keep their order. Once the task is done
 * (callbacks queued) it removes nothing. */
struct fut02 {
    TIDE_FRAME;
    tide_task *t;
};

static tide_status fut02(void *frame)
{
    struct fut02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .hops = 1, .value = IV(9)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, other, IV(1)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, logged, IV(1)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, other, IV(2)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, other, IV(1)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, logged, IV(2)));
    TH_EQ_INT(tide_task_remove_done_callback(f->t, other, IV(1)), 2);
    TH_EQ_INT(tide_task_remove_done_callback(f->t, other, IV(1)), 0);
    TH_EQ_INT(tide_task_remove_done_callback(f->t, other, IV(5)), 0);
    TH_EQ_INT(tide_task_remove_done_callback(f->t, NULL, NULL), TIDE_EINVAL);
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    /* done: the rest are queued and no longer removable */
    TH_EQ_INT(tide_task_remove_done_callback(f->t, logged, IV(2)), 0);
    TIDE_AWAIT(f, tide_sleep(0));
    TH_LOG_IS("cb1:9 other2 cb2:9");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* FUT-03: a pending task has no result or error yet (InvalidStateError);
 * cancel() takes while pending and not once done; a cancelled task's
 * result is the cancellation. */
struct fut03 {
    TIDE_FRAME;
    tide_task *t, *u;
    void *value;
};

static tide_status fut03(void *frame)
{
    struct fut03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .hops = 2, .value = IV(4)));
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->u, .hops = 2));
    TH_EQ_INT(tide_task_result(f->t, &f->value), TIDE_ESTATE);
    TH_EQ_INT(tide_task_error(f->t), TIDE_ESTATE);
    TH_EQ_INT(tide_task_cancel(f->u, NULL), 1);
    TIDE_AWAIT(f, tide_join(f->t, &f->value));
    TH_EQ_INT((intptr_t)f->value, 4);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 0);
    TH_EQ_INT(tide_task_result(f->t, &f->value), 0);
    TH_CHECK(tide_task_is_cancelled(f->u));
    TH_EQ_INT(tide_task_result(f->u, &f->value), TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_error(f->u), TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_cancel(f->u, NULL), 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->u);
    TIDE_END(f);
}

/* Bad input, and registrations the run never gets to: the main task ends
 * while a child it watches still sleeps forever. The run cancels the child
 * at exit; whatever happens to the callback then, nothing leaks (the
 * harness counts bytes) and it is never called twice. */
struct leftover {
    TIDE_FRAME;
    tide_task *t;
};

static int leftover_calls;
static void count_call(tide_task *t, void *arg)
{
    (void)t;
    (void)arg;
    leftover_calls++;
}

static tide_status leftover(void *frame)
{
    struct leftover *f = frame;
    TIDE_BEGIN(f);
    leftover_calls = 0;
    TH_EQ_INT(tide_task_add_done_callback(NULL, logged, NULL), TIDE_EINVAL);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .hops = 1000000));
    TH_EQ_INT(tide_task_add_done_callback(f->t, NULL, NULL), TIDE_EINVAL);
    TIDE_TRY(f, tide_task_add_done_callback(f->t, count_call, NULL));
    /* the only handle goes: the registration keeps the task alive */
    tide_task_release(f->t);
    TIDE_AWAIT(f, tide_sleep(0));
    TIDE_END(f);
}

static void leftover_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    TH_CHECK(leftover_calls <= 1);
}

/* In debug mode, a failed task whose only observer is a done callback that
 * never reads the outcome is still reported as never retrieved (asyncio:
 * add_done_callback alone does not retrieve the exception); one that reads
 * it is not. */
struct unread {
    TIDE_FRAME;
    tide_task *quiet, *reader;
};

static tide_status unread(void *frame)
{
    struct unread *f = frame;
    TIDE_BEGIN(f);
    tide_loop_set_debug(tide_running_loop(), 1);
    TIDE_TRY(f, TIDE_SPAWN(child, "quiet", &f->quiet, .err = E_BOOM));
    TIDE_TRY(f, tide_task_add_done_callback(f->quiet, other, IV(1)));
    TIDE_TRY(f, TIDE_SPAWN(child, "reader", &f->reader, .err = E_BOOM));
    TIDE_TRY(f, tide_task_add_done_callback(f->reader, logged, IV(2)));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("other1 cb2:boom");
    tide_task_release(f->quiet);
    tide_task_release(f->reader);
    f->quiet = f->reader = NULL;
    TH_CHECK(th_debug_has(TIDE_DEBUG_UNRETRIEVED, "'quiet' failed"));
    TH_CHECK(!th_debug_has(TIDE_DEBUG_UNRETRIEVED, "'reader'"));
    TIDE_FINALLY(f);
    tide_task_release(f->quiet);
    tide_task_release(f->reader);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("FUT-01 done callbacks run one iteration after the task "
                  "ends, in registration order, also for a failed task",
                  fut01, NULL, TH_OOM),
    TH_CASE_AFTER("FUT-01 a callback added to a done task runs in the next "
                  "iteration",
                  fut01_done, NULL, TH_OOM),
    TH_CASE_AFTER("FUT-02 remove_done_callback removes every registration "
                  "of the pair and returns how many",
                  fut02, NULL, TH_OOM),
    TH_CASE_AFTER("FUT-03 a pending task has no result; cancel takes only "
                  "while pending",
                  fut03, NULL, TH_OOM),
    TH_CASE_AFTER("done callbacks: bad input; a registration left when the "
                  "run ends leaks nothing",
                  leftover, leftover_after, TH_OOM),
    TH_CASE("done callbacks: one that never reads a failed task's error "
            "leaves it reported as never retrieved in debug mode",
            unread),
};
TH_MAIN(cases)
