/*
 * test_group.c - checklist section 11, TaskGroup (TG-01..TG-17), VER-02 in
 * its lazy-task form and VER-03 (TaskGroup.cancel), plus bad input.
 *
 * Python to C, as used below:
 *  - `async with TaskGroup() as tg: body` is tide_group_create, the body
 *    with its awaits caught into f->rc (or run as a sub-coroutine with
 *    TIDE_AWAIT_CALL_CATCH), tide_group_exit(tg, rc), tide_group_destroy.
 *  - ExceptionGroup is TIDE_EGROUP; its `exceptions` are the group's error
 *    list (tide_group_error_count / tide_group_error), compared as text
 *    "Name:message ..." (see group_errors). A nested group's ExceptionGroup
 *    is a TIDE_EGROUP entry in the outer group's list.
 *  - Python exception classes are user codes (<= TIDE_EUSER) below; their
 *    args are TIDE_THROW_MSG messages. CancelledError is TIDE_ECANCELLED.
 *  - "code after `async with` does not run": exit's error is re-raised with
 *    TIDE_AWAIT, so an "after" log entry must be missing.
 *  - NUM counters of CPython's tests are ints the children point to.
 *
 * Parts without a C meaning (what stands in for them, if anything):
 *  - TG-09 KeyboardInterrupt/SystemExit/BaseExceptionGroup: Tide has no
 *    base errors; every non-cancellation code, even a core one, is grouped
 *    like any other (checked). Escaping the loop run: no counterpart.
 *  - TG-13 "has not been entered" / "already been entered": creating a
 *    group enters it, so there is no group to use before or enter twice;
 *    the closest misuses, exit twice and exit by another task, are bad-input
 *    cases. "Closes the coroutine": a refused spawn creates nothing (no new
 *    pending task, no allocation left behind).
 *  - TG-14 `len(g._tasks)` is private; the stand-ins are the loop's count
 *    of pending tasks and the allocator's live bytes.
 *  - TG-15 contextvars: C has no implicit context; the nearest is state the
 *    spawner hands to the child through its frame (checked).
 *  - TG-17 __context__/__cause__ chains and the spliced TimeoutErrors: C
 *    errors do not chain; what is left is which errors reach the group and
 *    that the timeout leaves no cancellation behind (checked).
 *  - VER-02 eager_task_factory: Tide starts tasks lazily only; the scenario
 *    is checked in its lazy form (the creating sibling is cancelled at its
 *    second sleep(0)).
 *  - VER-03 cancel() before entry: create enters, so there is no "before".
 *  - GeneratorExit (a group in an async generator being closed): C has no
 *    generators to close; nothing stands in.
 *  - VER-04 a bare GeneratorExit re-raised, KeyboardInterrupt/SystemExit
 *    winning over child errors: no generators and no base errors (TG-09
 *    above), so no C meaning.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

/* Python exception classes of the scenarios. */
#define EZERO (TIDE_EUSER - 1)    /* ZeroDivisionError */
#define EVALUE (TIDE_EUSER - 2)   /* ValueError */
#define EMYEXC (TIDE_EUSER - 3)   /* MyExc */
#define ERUNTIME (TIDE_EUSER - 4) /* RuntimeError */
#define ECUSTOM (TIDE_EUSER - 5)  /* CustomException */
#define EMYERROR (TIDE_EUSER - 6) /* MyError */

/* TIDE_EGROUP's message tells its story in one line (tests/c/test_story.c
 * has the rest): the children's errors as "Task-N: TIDE_EUSER-K msg". */
#define ZERO_IN(n) "Task-" #n ": TIDE_EUSER-1 zero"
#define CLEANUP_IN(n) "Task-" #n ": TIDE_EUSER-1 cleanup"

static const char *err_name(int e)
{
    switch (e) {
    case 0: return "ok";
    case EZERO: return "ZeroDivisionError";
    case EVALUE: return "ValueError";
    case EMYEXC: return "MyExc";
    case ERUNTIME: return "RuntimeError";
    case ECUSTOM: return "CustomException";
    case EMYERROR: return "MyError";
    default: break;
    }
    const char *n = tide_errname(e);
    return n ? n : "unknown";
}

/* The group's error list as "Name:message Name ..." (no ":" without a
 * message). Static buffer: use the result before the next call. */
static const char *group_errors(const tide_group *g)
{
    static char buf[1024];
    buf[0] = 0;
    size_t n = tide_group_error_count(g);
    for (size_t i = 0; i < n; i++) {
        const char *msg = NULL;
        int e = tide_group_error(g, i, &msg);
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%s%s%s", i ? " " : "",
                 err_name(e), msg ? ":" : "", msg ? msg : "");
    }
    return buf;
}

/* What a runner task saw when its group exited, for the task awaiting it. */
struct out {
    int rc;         /* the outcome of the exit (or of the runner's body) */
    int cancelling; /* the runner's cancelling() right after the exit */
    char errors[1024];
};

static void save(struct out *o, const tide_group *g, int rc)
{
    o->rc = rc;
    o->cancelling = tide_task_cancelling(tide_current_task());
    snprintf(o->errors, sizeof o->errors, "%s", group_errors(g));
}

/* ---- children ----------------------------------------------------------- */

/* sleep(delay); return value. Logs "<name>-done" / "<name>-cancelled". */
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
    if (f->name)
        th_log("%s-done", f->name);
    TIDE_RETURN(f, f->value);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED && f->name)
        th_log("%s-cancelled", f->name);
    TIDE_END(f);
}

/* sleep(delay) (no await if delay < 0), `yields` more sleep(0)s, then
 * raise err(msg). Also used inline as a body. */
struct crasher {
    TIDE_FRAME;
    double delay;
    int yields;
    int err;
    const char *msg;
};
static tide_status crasher(void *frame)
{
    struct crasher *f = frame;
    TIDE_BEGIN(f);
    if (f->delay >= 0)
        TIDE_AWAIT(f, tide_sleep(f->delay));
    while (f->yields-- > 0)
        TIDE_YIELD(f);
    TIDE_THROW_MSG(f, f->err, f->msg);
    TIDE_END(f);
}

/* try: await sleep(delay) finally: raise err("cleanup") */
struct crash_in_finally {
    TIDE_FRAME;
    double delay;
    int err;
};
static tide_status crash_in_finally(void *frame)
{
    struct crash_in_finally *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_FINALLY(f);
    TIDE_THROW_MSG(f, f->err, "cleanup");
    TIDE_END(f);
}

/* try: await sleep(delay) except CancelledError: NUM += 1; raise */
struct counter {
    TIDE_FRAME;
    double delay;
    int *num;
};
static tide_status counter(void *frame)
{
    struct counter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        ++*f->num;
    TIDE_END(f);
}

/* A body: sleep(delay), logging "body-cancelled" if that is cancelled. */
struct body_sleep {
    TIDE_FRAME;
    double delay;
};
static tide_status body_sleep(void *frame)
{
    struct body_sleep *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("body-cancelled");
    TIDE_END(f);
}

/* ---- TG-01 -------------------------------------------------------------- */

/* test_taskgroup_01: both children awaited, results kept */
struct tg01_all {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t1, *t2;
    int rc;
    void *v1, *v2;
};
static tide_status tg01_all(void *frame)
{
    struct tg01_all *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t1, .delay = 0.1,
                                 .name = "foo1", .value = IV(42)));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t2, .delay = 0.2,
                                 .name = "foo2", .value = IV(11)));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_group_error_count(f->tg), 0);
    TH_EQ_INT(tide_task_result(f->t1, &f->v1), 0);
    TH_EQ_INT(tide_task_result(f->t2, &f->v2), 0);
    TH_CHECK(f->v1 == IV(42));
    TH_CHECK(f->v2 == IV(11));
    TH_LOG_IS("foo1-done foo2-done");
    TH_CHECK(NEAR(tide_time(), 0.2));
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* test_taskgroup_02: a child spawned after another one finished */
struct tg01_late {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t1, *t2;
    int rc;
    void *v1, *v2;
};
static tide_status tg01_late(void *frame)
{
    struct tg01_late *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t1, .delay = 0.1,
                                 .name = "foo1", .value = IV(42)));
    TIDE_AWAIT_CATCH(f, tide_sleep(0.15), f->rc);
    if (f->rc == 0) {
        TH_EQ_INT(tide_task_is_done(f->t1), 1);
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t2, .delay = 0.2,
                                     .name = "foo2", .value = IV(11)));
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_task_result(f->t1, &f->v1), 0);
    TH_EQ_INT(tide_task_result(f->t2, &f->v2), 0);
    TH_CHECK(f->v1 == IV(42));
    TH_CHECK(f->v2 == IV(11));
    TH_LOG_IS("foo1-done foo2-done");
    TH_CHECK(NEAR(tide_time(), 0.35));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* test_taskgroup_03: cancelling one child explicitly is no group error */
struct tg01_cancel_one {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t1, *t2;
    int rc;
    void *v2;
};
static tide_status tg01_cancel_one(void *frame)
{
    struct tg01_cancel_one *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t1, .delay = 1,
                                 .name = "foo1", .value = IV(42)));
    TIDE_AWAIT_CATCH(f, tide_sleep(0.15), f->rc);
    if (f->rc == 0) {
        TH_EQ_INT(tide_task_cancel(f->t1, NULL), 1);
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t2, .delay = 0.2,
                                     .name = "foo2", .value = IV(11)));
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_group_error_count(f->tg), 0);
    TH_EQ_INT(tide_task_is_cancelled(f->t1), 1);
    TH_EQ_INT(tide_task_result(f->t2, &f->v2), 0);
    TH_CHECK(f->v2 == IV(11));
    TH_LOG_IS("foo1-cancelled foo2-done");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(NEAR(tide_time(), 0.35));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* ---- TG-02 -------------------------------------------------------------- */

/* test_taskgroup_04 (many = 0) and test_cancel_children_on_child_error
 * (many = 1: three failing children and a body waiting in sleep(10)). */
struct tg02_runner {
    TIDE_FRAME;
    struct out *out;
    tide_task **t2;
    int many;
    tide_group *tg;
    int rc, i;
    struct body_sleep body;
};
static tide_status tg02_runner(void *frame)
{
    struct tg02_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    for (f->i = 0; f->i < (f->many ? 3 : 1); f->i++)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                     .err = EZERO, .msg = "zero"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, f->t2,
                                 .delay = f->many ? 5 : 1, .name = "foo2"));
    if (f->many) {
        f->body = (struct body_sleep){.delay = 10};
        TIDE_AWAIT_CALL_CATCH(f, body_sleep, &f->body, f->rc);
    }
    TIDE_AWAIT(f, tide_group_exit(f->tg, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->out, f->tg, TIDE_ERROR(f));
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

struct tg02 {
    TIDE_FRAME;
    int many;
    struct out out;
    tide_task *r, *t2;
    int rc;
};
static tide_status tg02(void *frame)
{
    struct tg02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg02_runner, "runner", &f->r, .out = &f->out,
                           .t2 = &f->t2, .many = f->many));
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(tide_error_message(),
              f->many ? "3 of 4 child tasks failed: " ZERO_IN(3) "; " ZERO_IN(4)
                        "; " ZERO_IN(5)
                      : "1 of 2 child tasks failed: " ZERO_IN(3));
    TH_EQ_INT(f->out.rc, TIDE_EGROUP);
    if (f->many) {
        TH_EQ_STR(f->out.errors, "ZeroDivisionError:zero "
                                 "ZeroDivisionError:zero "
                                 "ZeroDivisionError:zero");
        TH_LOG_IS("foo2-cancelled body-cancelled");
    } else {
        TH_EQ_STR(f->out.errors, "ZeroDivisionError:zero");
        TH_LOG_IS("foo2-cancelled");
    }
    TH_EQ_INT(tide_task_is_cancelled(f->t2), 1);
    TH_EQ_INT(f->out.cancelling, 0);
    TH_CHECK(NEAR(tide_time(), 0.1));
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    tide_task_release(f->t2);
    TIDE_END(f);
}

struct tg02_one {
    TIDE_FRAME;
    struct tg02 run;
};
static tide_status tg02_one(void *frame)
{
    struct tg02_one *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg02){.many = 0};
    TIDE_AWAIT_CALL(f, tg02, &f->run);
    TIDE_END(f);
}

struct tg02_many {
    TIDE_FRAME;
    struct tg02 run;
};
static tide_status tg02_many(void *frame)
{
    struct tg02_many *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg02){.many = 1};
    TIDE_AWAIT_CALL(f, tg02, &f->run);
    TIDE_END(f);
}

/* ---- TG-03 -------------------------------------------------------------- */

/* Two children failing in the same iteration both count, in completion
 * order; a third one cancelled by the abort adds nothing. `late` makes the
 * first-spawned child finish one iteration after the second. */
struct tg03 {
    TIDE_FRAME;
    int late;
    tide_group *tg;
    tide_task *c;
    int rc;
};
static tide_status tg03(void *frame)
{
    struct tg03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                 .yields = f->late, .err = EZERO,
                                 .msg = "a"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                 .err = EVALUE, .msg = "b"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->c, .delay = 1,
                                 .name = "c"));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(tide_group_error_count(f->tg), 2);
    if (f->late)
        TH_EQ_STR(group_errors(f->tg), "ValueError:b ZeroDivisionError:a");
    else
        TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:a ValueError:b");
    TH_EQ_INT(tide_task_is_cancelled(f->c), 1);
    TH_LOG_IS("c-cancelled");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->c);
    TIDE_END(f);
}

struct tg03_same {
    TIDE_FRAME;
    struct tg03 run;
};
static tide_status tg03_same(void *frame)
{
    struct tg03_same *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg03){.late = 0};
    TIDE_AWAIT_CALL(f, tg03, &f->run);
    TIDE_END(f);
}

struct tg03_order {
    TIDE_FRAME;
    struct tg03 run;
};
static tide_status tg03_order(void *frame)
{
    struct tg03_order *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg03){.late = 1};
    TIDE_AWAIT_CALL(f, tg03, &f->run);
    TIDE_END(f);
}

/* ---- TG-04 -------------------------------------------------------------- */

/* test_taskgroup_09 (delay 0.1) and _10 (delay -1: raise at once): the
 * body's error cancels the children and comes back grouped. */
struct tg04_body {
    TIDE_FRAME;
    double delay;
    tide_group *tg;
    tide_task *t1, *t2;
    int rc;
    struct crasher body;
};
static tide_status tg04_body(void *frame)
{
    struct tg04_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t1, .delay = 1,
                                 .name = "foo1", .value = IV(42)));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->t2, .delay = 2,
                                 .name = "foo2", .value = IV(11)));
    f->body = (struct crasher){.delay = f->delay, .err = EZERO,
                               .msg = "zero"};
    TIDE_AWAIT_CALL_CATCH(f, crasher, &f->body, f->rc);
    TH_EQ_INT(f->rc, EZERO);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:zero");
    TH_EQ_INT(tide_task_is_cancelled(f->t1), 1);
    TH_EQ_INT(tide_task_is_cancelled(f->t2), 1);
    /* started children see the cancellation; unstarted ones never run */
    TH_LOG_IS(f->delay >= 0 ? "foo1-cancelled foo2-cancelled" : "");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

struct tg04_after_sleep {
    TIDE_FRAME;
    struct tg04_body run;
};
static tide_status tg04_after_sleep(void *frame)
{
    struct tg04_after_sleep *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg04_body){.delay = 0.1};
    TIDE_AWAIT_CALL(f, tg04_body, &f->run);
    TH_CHECK(NEAR(tide_time(), 0.1));
    TIDE_END(f);
}

struct tg04_at_once {
    TIDE_FRAME;
    struct tg04_body run;
};
static tide_status tg04_at_once(void *frame)
{
    struct tg04_at_once *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg04_body){.delay = -1};
    TIDE_AWAIT_CALL(f, tg04_body, &f->run);
    TH_CHECK(tide_time() == 0);
    TIDE_END(f);
}

/* test_taskgroup_19: a child error and a body error (raised by the body's
 * `finally` while the group cancels it): child's first, body's last. */
struct tg04_both {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
    struct crash_in_finally body;
};
static tide_status tg04_both(void *frame)
{
    struct tg04_both *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                 .err = EZERO, .msg = "zero"));
    f->body = (struct crash_in_finally){.delay = 10, .err = EMYEXC};
    TIDE_AWAIT_CALL_CATCH(f, crash_in_finally, &f->body, f->rc);
    TH_EQ_INT(f->rc, EMYEXC);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:zero MyExc:cleanup");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(NEAR(tide_time(), 0.1));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* The body fails first (at 0.05); the child it cancels fails later in its
 * cleanup: still the child's error first and the body's last. */
struct tg04_body_first {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
    struct crasher body;
};
static tide_status tg04_body_first(void *frame)
{
    struct tg04_body_first *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crash_in_finally, NULL, NULL,
                                 .delay = 10, .err = EZERO));
    f->body = (struct crasher){.delay = 0.05, .err = EMYEXC, .msg = "body"};
    TIDE_AWAIT_CALL_CATCH(f, crasher, &f->body, f->rc);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:cleanup MyExc:body");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* ---- TG-05 -------------------------------------------------------------- */

/* A group of `n` counters (sleep delay0, delay0 + 1, ...) whose body is
 * empty, or (body_waits) sleeps 10 and adds 10 to NUM when cancelled. */
struct tg05_runner {
    TIDE_FRAME;
    struct out *out;
    int *num;
    int n;
    double delay0;
    int body_waits;
    tide_group *tg;
    int rc, i;
};
static tide_status tg05_runner(void *frame)
{
    struct tg05_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    for (f->i = 0; f->i < f->n; f->i++)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, counter, NULL, NULL,
                                     .delay = f->delay0 + f->i,
                                     .num = f->num));
    if (f->body_waits) {
        TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
        if (f->rc == TIDE_ECANCELLED)
            *f->num += 10;
    }
    TIDE_AWAIT(f, tide_group_exit(f->tg, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->out, f->tg, TIDE_ERROR(f));
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* Cancel the runner with "test" after `wait`: it ends cancelled, message
 * kept, having cancelled every child. */
struct tg05 {
    TIDE_FRAME;
    int n;
    double delay0, wait;
    int body_waits, want_num;
    struct out out;
    int num, rc;
    tide_task *r;
};
static tide_status tg05(void *frame)
{
    struct tg05 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg05_runner, "runner", &f->r, .out = &f->out,
                           .num = &f->num, .n = f->n, .delay0 = f->delay0,
                           .body_waits = f->body_waits));
    TIDE_AWAIT(f, tide_sleep(f->wait));
    TH_EQ_INT(tide_task_is_done(f->r), 0);
    TH_EQ_INT(tide_task_cancel(f->r, "test"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "test");
    TH_EQ_INT(tide_task_is_cancelled(f->r), 1);
    TH_EQ_STR(tide_task_message(f->r), "test");
    TH_EQ_INT(f->out.rc, TIDE_ECANCELLED);
    TH_EQ_STR(f->out.errors, "");
    TH_EQ_INT(f->num, f->want_num);
    TH_LOG_IS(""); /* nothing after the group ran */
    TH_CHECK(NEAR(tide_time(), f->wait));
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

/* test_cancellation: five children, cancel while the runner is in exit */
struct tg05_in_exit {
    TIDE_FRAME;
    struct tg05 run;
};
static tide_status tg05_in_exit(void *frame)
{
    struct tg05_in_exit *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg05){.n = 5, .delay0 = 5, .wait = 0.1, .want_num = 5};
    TIDE_AWAIT_CALL(f, tg05, &f->run);
    TIDE_END(f);
}

/* test_taskgroup_07: the same, cancelled in the body: NUM == 15 */
struct tg05_in_body {
    TIDE_FRAME;
    struct tg05 run;
};
static tide_status tg05_in_body(void *frame)
{
    struct tg05_in_body *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg05){.n = 5, .delay0 = 5, .wait = 0.1,
                           .body_waits = 1, .want_num = 15};
    TIDE_AWAIT_CALL(f, tg05, &f->run);
    TIDE_END(f);
}

/* test_taskgroup_17: no children, the body is cancelled: NUM == 10 */
struct tg05_no_children {
    TIDE_FRAME;
    struct tg05 run;
};
static tide_status tg05_no_children(void *frame)
{
    struct tg05_no_children *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg05){.n = 0, .wait = 0.1, .body_waits = 1,
                           .want_num = 10};
    TIDE_AWAIT_CALL(f, tg05, &f->run);
    TIDE_END(f);
}

/* test_taskgroup_22: children sleeping 1 and 2, cancelled at 0.05 */
struct tg05_early {
    TIDE_FRAME;
    struct tg05 run;
};
static tide_status tg05_early(void *frame)
{
    struct tg05_early *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg05){.n = 2, .delay0 = 1, .wait = 0.05, .want_num = 2};
    TIDE_AWAIT_CALL(f, tg05, &f->run);
    TIDE_END(f);
}

/* ---- TG-06 -------------------------------------------------------------- */

/* test_taskgroup_08: five children raise in their `finally` when the
 * outside cancel aborts them; the body sleeps. */
struct tg06_runner {
    TIDE_FRAME;
    struct out *out;
    tide_group *tg;
    int rc, i;
};
static tide_status tg06_runner(void *frame)
{
    struct tg06_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    for (f->i = 0; f->i < 5; f->i++)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crash_in_finally, NULL, NULL,
                                     .delay = 10, .err = EZERO));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TIDE_AWAIT(f, tide_group_exit(f->tg, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->out, f->tg, TIDE_ERROR(f));
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

struct tg06_finally {
    TIDE_FRAME;
    struct out out;
    tide_task *r;
    int rc;
};
static tide_status tg06_finally(void *frame)
{
    struct tg06_finally *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg06_runner, "runner", &f->r, .out = &f->out));
    TIDE_AWAIT(f, tide_sleep(0.1));
    TH_EQ_INT(tide_task_is_done(f->r), 0);
    TH_EQ_INT(tide_task_cancel(f->r, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(tide_task_is_cancelled(f->r), 0);
    TH_EQ_STR(f->out.errors,
              "ZeroDivisionError:cleanup ZeroDivisionError:cleanup "
              "ZeroDivisionError:cleanup ZeroDivisionError:cleanup "
              "ZeroDivisionError:cleanup");
    /* the outside cancel is not swallowed (TG-12) */
    TH_EQ_INT(f->out.cancelling, 1);
    TH_LOG_IS("");
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

/* test_taskgroup_15's body: catches the outside cancel, sleeps 0.5 more
 * (cut short by the child's crash at 0.3), re-raises. */
struct slow_handler {
    TIDE_FRAME;
    int rc;
};
static tide_status slow_handler(void *frame)
{
    struct slow_handler *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    th_log("caught@%g:%s", tide_time(), err_name(f->rc));
    TIDE_AWAIT(f, tide_sleep(0.5));
    if (f->rc < 0)
        TIDE_THROW(f, f->rc);
    TIDE_FINALLY(f);
    th_log("body-ends@%g:%s", tide_time(), err_name(TIDE_ERROR(f)));
    TIDE_END(f);
}

struct tg06_runner15 {
    TIDE_FRAME;
    struct out *out;
    tide_group *tg;
    int rc;
    struct slow_handler body;
};
static tide_status tg06_runner15(void *frame)
{
    struct tg06_runner15 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.3,
                                 .err = EZERO, .msg = "zero"));
    TIDE_AWAIT_CALL_CATCH(f, slow_handler, &f->body, f->rc);
    TIDE_AWAIT(f, tide_group_exit(f->tg, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->out, f->tg, TIDE_ERROR(f));
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* test_taskgroup_16: `t = create_task(nested_runner()); await t` */
struct join_runner15 {
    TIDE_FRAME;
    struct out *out;
    tide_task *t;
};
static tide_status join_runner15(void *frame)
{
    struct join_runner15 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg06_runner15, "nested", &f->t, .out = f->out));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

struct tg06_handler {
    TIDE_FRAME;
    int nested;
    struct out out;
    tide_task *r;
    int rc;
};
static tide_status tg06_handler(void *frame)
{
    struct tg06_handler *f = frame;
    TIDE_BEGIN(f);
    if (f->nested)
        TIDE_TRY(f, TIDE_SPAWN(join_runner15, "runner", &f->r,
                               .out = &f->out));
    else
        TIDE_TRY(f, TIDE_SPAWN(tg06_runner15, "runner", &f->r,
                               .out = &f->out));
    TIDE_AWAIT(f, tide_sleep(0.1));
    TH_EQ_INT(tide_task_is_done(f->r), 0);
    TH_EQ_INT(tide_task_cancel(f->r, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(f->out.rc, TIDE_EGROUP);
    TH_EQ_STR(f->out.errors, "ZeroDivisionError:zero");
    TH_EQ_INT(f->out.cancelling, 1);
    TH_LOG_IS("caught@0.1:TIDE_ECANCELLED body-ends@0.3:TIDE_ECANCELLED");
    TH_CHECK(NEAR(tide_time(), 0.3));
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

struct tg06_handler_direct {
    TIDE_FRAME;
    struct tg06_handler run;
};
static tide_status tg06_handler_direct(void *frame)
{
    struct tg06_handler_direct *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg06_handler){.nested = 0};
    TIDE_AWAIT_CALL(f, tg06_handler, &f->run);
    TIDE_END(f);
}

struct tg06_handler_nested {
    TIDE_FRAME;
    struct tg06_handler run;
};
static tide_status tg06_handler_nested(void *frame)
{
    struct tg06_handler_nested *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg06_handler){.nested = 1};
    TIDE_AWAIT_CALL(f, tg06_handler, &f->run);
    TIDE_END(f);
}

/* ---- TG-07 -------------------------------------------------------------- */

/* except CancelledError: NUM += 10; raise MyExc */
struct to_myexc {
    TIDE_FRAME;
    int *num;
    int rc;
};
static tide_status to_myexc(void *frame)
{
    struct to_myexc *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    if (f->rc == TIDE_ECANCELLED) {
        *f->num += 10;
        TIDE_THROW_MSG(f, EMYEXC, "my");
    }
    TIDE_END(f);
}

struct tg07_runner {
    TIDE_FRAME;
    struct out *out;
    int *num;
    tide_group *tg;
    int rc;
    struct to_myexc body;
};
static tide_status tg07_runner(void *frame)
{
    struct tg07_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    f->body = (struct to_myexc){.num = f->num};
    TIDE_AWAIT_CALL_CATCH(f, to_myexc, &f->body, f->rc);
    TIDE_AWAIT(f, tide_group_exit(f->tg, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->out, f->tg, TIDE_ERROR(f));
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

struct tg07 {
    TIDE_FRAME;
    struct out out;
    tide_task *r;
    int num, rc;
};
static tide_status tg07(void *frame)
{
    struct tg07 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg07_runner, "runner", &f->r, .out = &f->out,
                           .num = &f->num));
    TIDE_AWAIT(f, tide_sleep(0.1));
    TH_EQ_INT(tide_task_is_done(f->r), 0);
    TH_EQ_INT(tide_task_cancel(f->r, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(f->out.errors, "MyExc:my");
    TH_EQ_INT(f->num, 10);
    TH_LOG_IS("");
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

/* ---- TG-08 -------------------------------------------------------------- */

/* test_taskgroup_11 (no outer child) and _12 (outer child sleep(10)): the
 * runner is cancelled while its inner group's children raise in their
 * `finally`: EG(EG({ZeroDivisionError x5})). */
struct tg08_runner {
    TIDE_FRAME;
    struct out *outer_out, *inner_out;
    int outer_child;
    tide_group *outer, *inner;
    int rc, i;
};
static tide_status tg08_runner(void *frame)
{
    struct tg08_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->outer));
    if (f->outer_child)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->outer, sleeper, NULL, NULL,
                                     .delay = 10, .name = "g1child"));
    TIDE_TRY(f, tide_group_create(&f->inner));
    for (f->i = 0; f->i < 5; f->i++)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->inner, crash_in_finally, NULL, NULL,
                                     .delay = 10, .err = EZERO));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->inner, f->rc), f->rc);
    save(f->inner_out, f->inner, f->rc);
    tide_group_destroy(f->inner);
    f->inner = NULL;
    TIDE_AWAIT(f, tide_group_exit(f->outer, f->rc));
    th_log("after");
    TIDE_FINALLY(f);
    save(f->outer_out, f->outer, TIDE_ERROR(f));
    tide_group_destroy(f->inner);
    tide_group_destroy(f->outer);
    TIDE_END(f);
}

struct tg08_cancelled {
    TIDE_FRAME;
    int outer_child;
    struct out outer, inner;
    tide_task *r;
    int rc;
};
static tide_status tg08_cancelled(void *frame)
{
    struct tg08_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(tg08_runner, "runner", &f->r,
                           .outer_out = &f->outer, .inner_out = &f->inner,
                           .outer_child = f->outer_child));
    TIDE_AWAIT(f, tide_sleep(0.1));
    TH_EQ_INT(tide_task_is_done(f->r), 0);
    TH_EQ_INT(tide_task_cancel(f->r, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(f->inner.rc, TIDE_EGROUP);
    TH_EQ_STR(f->inner.errors,
              "ZeroDivisionError:cleanup ZeroDivisionError:cleanup "
              "ZeroDivisionError:cleanup ZeroDivisionError:cleanup "
              "ZeroDivisionError:cleanup");
    TH_EQ_INT(f->outer.rc, TIDE_EGROUP);
    if (f->outer_child)
        TH_EQ_STR(f->outer.errors, "TIDE_EGROUP:5 of 5 child tasks failed: "
                  CLEANUP_IN(4) "; " CLEANUP_IN(5) "; " CLEANUP_IN(6) "; "
                  CLEANUP_IN(7) "; " CLEANUP_IN(8));
    else
        TH_EQ_STR(f->outer.errors, "TIDE_EGROUP:5 of 5 child tasks failed: "
                  CLEANUP_IN(3) "; " CLEANUP_IN(4) "; " CLEANUP_IN(5) "; "
                  CLEANUP_IN(6) "; " CLEANUP_IN(7));
    TH_LOG_IS(f->outer_child ? "g1child-cancelled" : "");
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

struct tg08_cancel_inner_only {
    TIDE_FRAME;
    struct tg08_cancelled run;
};
static tide_status tg08_cancel_inner_only(void *frame)
{
    struct tg08_cancel_inner_only *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg08_cancelled){.outer_child = 0};
    TIDE_AWAIT_CALL(f, tg08_cancelled, &f->run);
    TIDE_END(f);
}

struct tg08_cancel_both {
    TIDE_FRAME;
    struct tg08_cancelled run;
};
static tide_status tg08_cancel_both(void *frame)
{
    struct tg08_cancel_both *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg08_cancelled){.outer_child = 1};
    TIDE_AWAIT_CALL(f, tg08_cancelled, &f->run);
    TIDE_END(f);
}

/* test_taskgroup_13 (outer child crashes first) and _14 (inner child
 * crashes first); the inner group's body is empty. */
struct tg08_crash {
    TIDE_FRAME;
    double outer_delay, inner_delay;
    tide_group *outer, *inner;
    int rc;
};
static tide_status tg08_crash(void *frame)
{
    struct tg08_crash *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->outer));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->outer, crasher, NULL, NULL,
                                 .delay = f->outer_delay, .err = EVALUE,
                                 .msg = "outer"));
    TIDE_TRY(f, tide_group_create(&f->inner));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->inner, crasher, NULL, NULL,
                                 .delay = f->inner_delay, .err = EVALUE,
                                 .msg = "inner"));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->inner, 0), f->rc);
    if (f->outer_delay < f->inner_delay) {
        /* cancelled by the outer group's abort: adds nothing */
        TH_EQ_INT(f->rc, TIDE_ECANCELLED);
        TH_EQ_STR(group_errors(f->inner), "");
    } else {
        TH_EQ_INT(f->rc, TIDE_EGROUP);
        TH_EQ_STR(group_errors(f->inner), "ValueError:inner");
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->outer, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    if (f->outer_delay < f->inner_delay)
        TH_EQ_STR(group_errors(f->outer), "ValueError:outer");
    else
        TH_EQ_STR(group_errors(f->outer), "TIDE_EGROUP:1 of 1 child task "
                  "failed: Task-3: TIDE_EUSER-2 inner");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(NEAR(tide_time(), 0.1));
    TIDE_FINALLY(f);
    tide_group_destroy(f->inner);
    tide_group_destroy(f->outer);
    TIDE_END(f);
}

struct tg08_outer_child_fails {
    TIDE_FRAME;
    struct tg08_crash run;
};
static tide_status tg08_outer_child_fails(void *frame)
{
    struct tg08_outer_child_fails *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg08_crash){.outer_delay = 0.1, .inner_delay = 10};
    TIDE_AWAIT_CALL(f, tg08_crash, &f->run);
    TIDE_END(f);
}

struct tg08_inner_child_fails {
    TIDE_FRAME;
    struct tg08_crash run;
};
static tide_status tg08_inner_child_fails(void *frame)
{
    struct tg08_inner_child_fails *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg08_crash){.outer_delay = 10, .inner_delay = 0.1};
    TIDE_AWAIT_CALL(f, tg08_crash, &f->run);
    TIDE_END(f);
}

/* ---- TG-09 -------------------------------------------------------------- */

/* test_taskgroup_20a / _21a without base errors: a child failing with a
 * core code (standing in for MyBaseExc) and the body's `finally` error are
 * grouped like any others, nothing re-raised bare. */
struct tg09 {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
    struct crash_in_finally body;
};
static tide_status tg09(void *frame)
{
    struct tg09 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                 .err = TIDE_EINVAL, .msg = "base"));
    f->body = (struct crash_in_finally){.delay = 10, .err = ERUNTIME};
    TIDE_AWAIT_CALL_CATCH(f, crash_in_finally, &f->body, f->rc);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "TIDE_EINVAL:base RuntimeError:cleanup");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* ---- TG-10 -------------------------------------------------------------- */

/* test_cancelling_level_preserved (delay 0: the child sleeps 0 first) and
 * test_cancellation_does_not_leak_out_of_tg (delay -1: it fails at once):
 * after the caught group error nothing is left cancelled. */
struct tg10 {
    TIDE_FRAME;
    double delay;
    tide_group *tg;
    int rc;
};
static tide_status tg10(void *frame)
{
    struct tg10 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL,
                                 .delay = f->delay, .err = ERUNTIME));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* except* RuntimeError: pass */
    TH_EQ_STR(group_errors(f->tg), "RuntimeError");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(NEAR(tide_time(), 1));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

struct tg10_after_sleep {
    TIDE_FRAME;
    struct tg10 run;
};
static tide_status tg10_after_sleep(void *frame)
{
    struct tg10_after_sleep *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg10){.delay = 0};
    TIDE_AWAIT_CALL(f, tg10, &f->run);
    TIDE_END(f);
}

struct tg10_at_once {
    TIDE_FRAME;
    struct tg10 run;
};
static tide_status tg10_at_once(void *frame)
{
    struct tg10_at_once *f = frame;
    TIDE_BEGIN(f);
    f->run = (struct tg10){.delay = -1};
    TIDE_AWAIT_CALL(f, tg10, &f->run);
    TIDE_END(f);
}

/* ---- TG-11 -------------------------------------------------------------- */

/* test_nested_groups_both_cancelled */
struct tg11 {
    TIDE_FRAME;
    tide_group *outer, *inner;
    int rc;
};
static tide_status tg11(void *frame)
{
    struct tg11 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->outer));
    TIDE_TRY(f, tide_group_create(&f->inner));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->inner, crasher, NULL, NULL, .delay = 0,
                                 .err = ERUNTIME));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->outer, crasher, NULL, NULL, .delay = 0,
                                 .err = EVALUE));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->inner, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* except* RuntimeError: pass */
    TH_EQ_STR(group_errors(f->inner), "RuntimeError");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 1);
    tide_group_destroy(f->inner);
    f->inner = NULL;
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->outer, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* except* ValueError: pass */
    TH_EQ_STR(group_errors(f->outer), "ValueError");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->inner);
    tide_group_destroy(f->outer);
    TIDE_END(f);
}

/* ---- TG-12 -------------------------------------------------------------- */

struct raise_error {
    TIDE_FRAME;
    tide_event *ev;
};
static tide_status raise_error(void *frame)
{
    struct raise_error *f = frame;
    TIDE_BEGIN(f);
    tide_event_set(f->ev);
    TIDE_YIELD(f);
    TIDE_THROW(f, ERUNTIME);
    TIDE_END(f);
}

struct tg12_inner {
    TIDE_FRAME;
    tide_event *ev;
    tide_group *tg;
    int rc;
};
static tide_status tg12_inner(void *frame)
{
    struct tg12_inner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, raise_error, NULL, NULL,
                                 .ev = f->ev));
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    if (f->rc == 0)
        th_log("sleep-in-group-not-cancelled");
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* except* RuntimeError */
    TH_EQ_STR(group_errors(f->tg), "RuntimeError");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 1);
    th_log("caught");
    TIDE_AWAIT(f, tide_sleep(1));
    th_log("sleep-after-group-not-cancelled");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

struct tg12 {
    TIDE_FRAME;
    tide_event *ev;
    tide_task *t;
    int rc;
};
static tide_status tg12(void *frame)
{
    struct tg12 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_event_create(NULL, &f->ev));
    TIDE_TRY(f, TIDE_SPAWN(tg12_inner, "inner", &f->t, .ev = f->ev));
    TIDE_AWAIT(f, tide_event_wait(f->ev));
    TH_EQ_INT(tide_task_cancelling(f->t), 0);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TH_EQ_INT(tide_task_cancelling(f->t), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t), 1);
    TH_LOG_IS("caught");
    TH_CHECK(tide_time() == 0);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_event_destroy(f->ev);
    TIDE_END(f);
}

/* ---- TG-13 -------------------------------------------------------------- */

/* test_taskgroup_no_create_task_after_failure: coro2 tries to spawn while
 * the group is aborting, and swallows its cancellation. */
struct spawn_when_cancelled {
    TIDE_FRAME;
    tide_group *g;
    int rc;
    size_t pending;
    tide_task *t;
};
static tide_status spawn_when_cancelled(void *frame)
{
    struct spawn_when_cancelled *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    f->pending = tide_loop_task_count(tide_running_loop());
    f->t = tide_current_task(); /* must be reset to NULL */
    TH_EQ_INT(TIDE_GROUP_SPAWN(f->g, crasher, NULL, &f->t, .delay = 0,
                               .err = EZERO),
              TIDE_ESTATE);
    TH_CHECK(f->t == NULL);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), f->pending);
    th_log("refused");
    TIDE_END(f); /* the cancellation is swallowed: returns normally */
}

struct tg13_aborting {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *c2;
    int rc;
};
static tide_status tg13_aborting(void *frame)
{
    struct tg13_aborting *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.001,
                                 .err = EZERO, .msg = "zero"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, spawn_when_cancelled, NULL, &f->c2,
                                 .g = f->tg));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:zero");
    TH_EQ_INT(tide_task_error(f->c2), 0);
    TH_LOG_IS("refused");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->c2);
    TIDE_END(f);
}

/* test_taskgroup_finished / test_coro_closed_when_tg_closed: spawning into
 * a finished group (empty, after children, after a failure) creates
 * nothing. */
struct tg13_finished {
    TIDE_FRAME;
    tide_group *g[3];
    tide_task *t;
    size_t pending;
    int rc, i;
};
static tide_status tg13_finished(void *frame)
{
    struct tg13_finished *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g[0]));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g[0], 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_TRY(f, tide_group_create(&f->g[1]));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g[1], sleeper, NULL, NULL, .delay = 0.1));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g[1], 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_TRY(f, tide_group_create(&f->g[2]));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g[2], crasher, NULL, NULL, .delay = 0.1,
                                 .err = EZERO));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g[2], 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    f->pending = tide_loop_task_count(tide_running_loop());
    TH_EQ_INT(f->pending, 1);
    for (f->i = 0; f->i < 3; f->i++) {
        f->t = tide_current_task(); /* must be reset to NULL */
        TH_EQ_INT(TIDE_GROUP_SPAWN(f->g[f->i], sleeper, NULL, &f->t,
                                   .delay = 0),
                  TIDE_ESTATE);
        TH_CHECK(f->t == NULL);
        TH_EQ_INT(tide_loop_task_count(tide_running_loop()), f->pending);
    }
    TIDE_FINALLY(f);
    for (f->i = 0; f->i < 3; f->i++)
        tide_group_destroy(f->g[f->i]);
    TIDE_END(f);
}

/* test_taskgroup_without_parent_task: no current task (a callback) */
struct tg13_no_task {
    TIDE_FRAME;
    tide_group *g;
    int rc;
};
static int create_outside_task(void *arg)
{
    struct tg13_no_task *f = arg;
    f->g = (tide_group *)&f->rc; /* must be reset to NULL */
    f->rc = tide_group_create(&f->g);
    return 0;
}
static tide_status tg13_no_task(void *frame)
{
    struct tg13_no_task *f = frame;
    TIDE_BEGIN(f);
    f->rc = 1;
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), create_outside_task, f,
                               NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(f->rc, TIDE_ENOLOOP);
    TH_CHECK(f->g == NULL);
    TIDE_FINALLY(f);
    if (f->rc == 0) /* a group created after all: do not leak it */
        tide_group_destroy(f->g);
    TIDE_END(f);
}

/* ---- TG-14 -------------------------------------------------------------- */

/* test_taskgroup_23: spawn a child every 0.1 s; finished ones are dropped
 * as they complete: at the end the group holds nothing of them. */
struct tg14_no_retention {
    TIDE_FRAME;
    tide_group *tg;
    int rc, count;
    size_t base;
};
static tide_status tg14_no_retention(void *frame)
{
    struct tg14_no_retention *f = frame;
    TIDE_BEGIN(f);
    /* warm the loop's timer arrays up to more timers than used below */
    for (f->count = 0; f->count < 8; f->count++)
        TIDE_TRY(f, TIDE_SPAWN(sleeper, NULL, NULL, .delay = 0.01));
    TIDE_AWAIT(f, tide_sleep(0.1));
    TIDE_TRY(f, tide_group_create(&f->tg));
    f->base = th_live_bytes();
    for (f->count = 0; f->count < 10; f->count++) {
        TIDE_AWAIT_CATCH(f, tide_sleep(0.1), f->rc);
        if (f->rc < 0)
            break;
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, NULL,
                                     .delay = 0.3));
        if (f->count == 5) /* children alive (the main task aside) */
            TH_CHECK(tide_loop_task_count(tide_running_loop()) - 1 < 5);
    }
    if (f->rc == 0)
        TIDE_AWAIT_CATCH(f, tide_sleep(1.35), f->rc);
    if (f->rc == 0) {
        TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
        TH_EQ_INT(th_live_bytes(), f->base);
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* test_taskgroup_24: a child spawns two more while the parent waits in
 * exit; the exit waits for them too. */
struct root24 {
    TIDE_FRAME;
    tide_group *g;
};
static tide_status root24(void *frame)
{
    struct root24 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0.1));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, sleeper, NULL, NULL, .delay = 0.1,
                                 .name = "c1"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, sleeper, NULL, NULL, .delay = 0.2,
                                 .name = "c2"));
    th_log("root-done");
    TIDE_END(f);
}

struct tg14_spawn_in_exit {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status tg14_spawn_in_exit(void *frame)
{
    struct tg14_spawn_in_exit *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, root24, NULL, NULL, .g = f->tg));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_LOG_IS("root-done c1-done c2-done");
    TH_CHECK(NEAR(tide_time(), 0.3));
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* test_taskgroup_25: hydras multiply while hercules fails */
struct hydra {
    TIDE_FRAME;
    tide_group *g;
    int *n;
};
static tide_status hydra(void *frame)
{
    struct hydra *f = frame;
    TIDE_BEGIN(f);
    ++*f->n;
    TIDE_AWAIT(f, tide_sleep(0.01));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, hydra, NULL, NULL, .g = f->g,
                                 .n = f->n));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, hydra, NULL, NULL, .g = f->g,
                                 .n = f->n));
    TIDE_END(f);
}

struct hercules {
    TIDE_FRAME;
    int *n;
};
static tide_status hercules(void *frame)
{
    struct hercules *f = frame;
    TIDE_BEGIN(f);
    while (*f->n < 10)
        TIDE_AWAIT(f, tide_sleep(0.015));
    TIDE_THROW_MSG(f, EZERO, "zero");
    TIDE_END(f);
}

struct tg14_hydra {
    TIDE_FRAME;
    tide_group *tg;
    int n, rc;
};
static tide_status tg14_hydra(void *frame)
{
    struct tg14_hydra *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, hydra, NULL, NULL, .g = f->tg,
                                 .n = &f->n));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, hercules, NULL, NULL, .n = &f->n));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:zero");
    TH_CHECK(f->n >= 10);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* ---- TG-15 -------------------------------------------------------------- */

struct whoami {
    TIDE_FRAME;
    int yields;
};
static tide_status whoami(void *frame)
{
    struct whoami *f = frame;
    TIDE_BEGIN(f);
    while (f->yields-- > 0)
        TIDE_YIELD(f);
    th_log("name=%s", tide_task_name(tide_current_task()));
    TIDE_END(f);
}

/* test_taskgroup_task_name / test_name */
struct tg15_name {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t;
    int rc;
};
static tide_status tg15_name(void *frame)
{
    struct tg15_name *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, whoami, "yolo", &f->t, .yields = 1));
    TH_EQ_STR(tide_task_name(f->t), "yolo");
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_LOG_IS("name=yolo");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* test_taskgroup_task_context, with an explicit context */
struct ctx {
    int cvar;
};
struct set_cvar {
    TIDE_FRAME;
    struct ctx *ctx;
    int val;
};
static tide_status set_cvar(void *frame)
{
    struct set_cvar *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    f->ctx->cvar = f->val;
    TIDE_END(f);
}

struct tg15_context {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t1, *t2;
    struct ctx ctx;
    int rc;
};
static tide_status tg15_context(void *frame)
{
    struct tg15_context *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TH_EQ_INT(f->ctx.cvar, 0);
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, set_cvar, NULL, &f->t1,
                                 .ctx = &f->ctx, .val = 1));
    TIDE_AWAIT_CATCH(f, tide_join(f->t1, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(f->ctx.cvar, 1);
    if (f->rc == 0)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, set_cvar, NULL, &f->t2,
                                     .ctx = &f->ctx, .val = 2));
    if (f->rc == 0)
        TIDE_AWAIT_CATCH(f, tide_join(f->t2, NULL), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(f->ctx.cvar, 2);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->t1);
    tide_task_release(f->t2);
    TIDE_END(f);
}

/* ---- TG-16 -------------------------------------------------------------- */

/* async with database(): tg.create_task(raise_exc()); await sleep(1)
 * where database's __aexit__ raises in its `finally`. */
struct database {
    TIDE_FRAME;
    tide_group *tg;
};
static tide_status database(void *frame)
{
    struct database *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = -1,
                                 .err = ECUSTOM, .msg = "child"));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    TIDE_THROW_MSG(f, ECUSTOM, "aexit");
    TIDE_END(f);
}

struct tg16 {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
    struct database body;
};
static tide_status tg16(void *frame)
{
    struct tg16 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    f->body = (struct database){.tg = f->tg};
    TIDE_AWAIT_CALL_CATCH(f, database, &f->body, f->rc);
    TH_EQ_INT(f->rc, ECUSTOM);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* except* CustomException */
    TH_EQ_INT(tide_group_error_count(f->tg), 2);
    TH_EQ_STR(group_errors(f->tg),
              "CustomException:child CustomException:aexit");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(tide_time() == 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* ---- TG-17 -------------------------------------------------------------- */

/* try: raise ValueError finally: await sleep(1) */
struct raise_then_sleep {
    TIDE_FRAME;
};
static tide_status raise_then_sleep(void *frame)
{
    struct raise_then_sleep *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EVALUE, "value");
    TIDE_FINALLY(f);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}

/* test_timeout_taskgroup */
struct tg17 {
    TIDE_FRAME;
    tide_timeout *tmo;
    tide_group *tg;
    int rc;
    struct raise_then_sleep body;
};
static tide_status tg17(void *frame)
{
    struct tg17 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.01, &f->tmo));
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crash_in_finally, NULL, NULL,
                                 .delay = 2, .err = EZERO));
    TIDE_AWAIT_CALL_CATCH(f, raise_then_sleep, &f->body, f->rc);
    /* the timeout's cancellation replaced the ValueError */
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:cleanup");
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP); /* not turned into a timeout */
    TH_EQ_INT(tide_timeout_is_expired(f->tmo), 1);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(NEAR(tide_time(), 0.01));
    /* no cancellation is left behind */
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_timeout_destroy(f->tmo);
    TIDE_END(f);
}

/* ---- VER-02 (lazy tasks) ------------------------------------------------ */

/* test_cancels_task_if_created_during_creation: second_task spawns a
 * failing third_task into the group and is cancelled at its second
 * sleep(0). */
struct second_task {
    TIDE_FRAME;
    tide_group *g;
    int rc1, rc2;
};
static tide_status second_task(void *frame)
{
    struct second_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, crasher, NULL, NULL, .delay = -1,
                                 .err = EMYERROR,
                                 .msg = "third task failed"));
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc1);
    if (f->rc1 == 0)
        TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc2);
    th_log("first:%s second:%s", err_name(f->rc1), err_name(f->rc2));
    th_log("ran");
    TIDE_END(f);
}

struct ver02 {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status ver02(void *frame)
{
    struct ver02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, second_task, NULL, NULL,
                                 .g = f->tg));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "MyError:third task failed");
    TH_LOG_IS("first:ok second:TIDE_ECANCELLED ran");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* ---- VER-03 ------------------------------------------------------------- */

/* cancel() from the body: children and body cancelled, the group exits
 * with 0; idempotent; refused once exited. */
struct ver03_body {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status ver03_body(void *frame)
{
    struct ver03_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, NULL, .delay = 10,
                                 .name = "c1"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, NULL, .delay = 10,
                                 .name = "c2"));
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc); /* the children start */
    if (f->rc == 0) {
        TH_EQ_INT(tide_group_cancel(f->tg), 0);
        TH_EQ_INT(tide_group_cancel(f->tg), 0);
        TH_EQ_INT(tide_task_cancelling(tide_current_task()), 1);
        TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
        TH_EQ_INT(f->rc, TIDE_ECANCELLED);
        th_log("body-cancelled");
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_group_error_count(f->tg), 0);
    TH_LOG_IS("c1-cancelled c2-cancelled body-cancelled");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_EQ_INT(tide_group_cancel(f->tg), TIDE_ESTATE);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(NEAR(tide_time(), 1));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* cancel() from a child while the parent waits in exit */
struct canceller {
    TIDE_FRAME;
    tide_group *g;
};
static tide_status canceller(void *frame)
{
    struct canceller *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(0.1));
    TH_EQ_INT(tide_group_cancel(f->g), 0);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("canceller-cancelled");
    TIDE_END(f);
}

struct ver03_child {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status ver03_child(void *frame)
{
    struct ver03_child *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, canceller, NULL, NULL, .g = f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, NULL, .delay = 10,
                                 .name = "other"));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_group_error_count(f->tg), 0);
    TH_LOG_IS("other-cancelled canceller-cancelled");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_CHECK(NEAR(tide_time(), 0.1));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* cancel() while the group already aborts for a child error: no second
 * cancel of the parent, and errors still win. */
struct ver03_after_error {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status ver03_after_error(void *frame)
{
    struct ver03_after_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = 0.1,
                                 .err = EZERO));
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 1);
    TH_EQ_INT(tide_group_cancel(f->tg), 0);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 1);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* gh-155433: a timeout expiring while a cancel()ed group waits for a
 * child's cleanup is not swallowed: the timeout still fires. */
struct slow_cleanup {
    TIDE_FRAME;
    int rc;
};
static tide_status slow_cleanup(void *frame)
{
    struct slow_cleanup *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_AWAIT(f, tide_sleep(0.2)); /* cleanup; then return normally */
    th_log("cleanup-done");
    TIDE_END(f);
}

struct ver03_timeout {
    TIDE_FRAME;
    tide_timeout *tmo;
    tide_group *tg;
    int rc;
};
static tide_status ver03_timeout(void *frame)
{
    struct ver03_timeout *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(0.1, &f->tmo));
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, slow_cleanup, NULL, NULL, .rc = 0));
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc); /* the child starts */
    if (f->rc == 0)
        TH_EQ_INT(tide_group_cancel(f->tg), 0);
    /* the body ends without awaiting again */
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_timeout_is_expired(f->tmo), 1);
    TH_LOG_IS("cleanup-done");
    TH_CHECK(NEAR(tide_time(), 0.2));
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_timeout_destroy(f->tmo);
    TIDE_END(f);
}

/* ---- bad input and misuse ----------------------------------------------- */

static const tide_frame blank_frame;

struct bad_null {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *t;
    const char *msg;
    int rc;
};
static tide_status bad_null(void *frame)
{
    struct bad_null *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_group_create(NULL), TIDE_EINVAL);
    f->t = tide_current_task();
    TH_EQ_INT(TIDE_GROUP_SPAWN(NULL, sleeper, NULL, &f->t, .delay = 0),
              TIDE_EINVAL);
    TH_CHECK(f->t == NULL);
    TH_EQ_INT(tide_group_cancel(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_group_error_count(NULL), 0);
    f->msg = "x";
    TH_EQ_INT(tide_group_error(NULL, 0, &f->msg), TIDE_EINVAL);
    TH_CHECK(f->msg == NULL);
    TH_EQ_INT(tide_group_destroy(NULL), 0);
    TIDE_AWAIT_CATCH(f, tide_group_exit(NULL, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "tide_group_exit: the group is NULL");
    /* a bad spawn into a live group creates nothing and breaks nothing */
    TIDE_TRY(f, tide_group_create(&f->tg));
    TH_EQ_INT(tide_group_spawn(f->tg, NULL, &blank_frame, sizeof blank_frame,
                               NULL, NULL),
              TIDE_EINVAL);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    f->msg = "x";
    TH_EQ_INT(tide_group_error(f->tg, 0, &f->msg), TIDE_EINVAL);
    TH_CHECK(f->msg == NULL);
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* Exit twice, after success and after failure: TIDE_ESTATE, the recorded
 * errors unchanged, nothing cancelled. */
struct bad_exit_twice {
    TIDE_FRAME;
    tide_group *ok, *failed;
    int rc;
};
static tide_status bad_exit_twice(void *frame)
{
    struct bad_exit_twice *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->ok));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->ok, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->ok, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_STR(tide_error_message(),
              "tide_group_exit: the group is exiting or has exited");
    TIDE_TRY(f, tide_group_create(&f->failed));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->failed, crasher, NULL, NULL, .delay = -1,
                                 .err = EZERO, .msg = "zero"));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->failed, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->failed, EVALUE), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_STR(group_errors(f->failed), "ZeroDivisionError:zero");
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_FINALLY(f);
    tide_group_destroy(f->ok);
    tide_group_destroy(f->failed);
    TIDE_END(f);
}

/* Another task (here a child) tries to exit the group, before and while
 * the owner exits, and to destroy it while the owner waits in exit. */
struct intruder {
    TIDE_FRAME;
    tide_group *g;
    int rc;
};
static tide_status intruder(void *frame)
{
    struct intruder *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc);
    th_log("exit-in-body:%s", err_name(f->rc));
    TIDE_AWAIT(f, tide_sleep(0.2));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc);
    th_log("exit-in-exit:%s", err_name(f->rc));
    th_log("destroy:%s", err_name(tide_group_destroy(f->g)));
    TIDE_END(f);
}

struct bad_other_task {
    TIDE_FRAME;
    tide_group *tg;
    int rc;
};
static tide_status bad_other_task(void *frame)
{
    struct bad_other_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, intruder, NULL, NULL, .g = f->tg));
    TIDE_AWAIT_CATCH(f, tide_sleep(0.1), f->rc);
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_group_error_count(f->tg), 0);
    TH_LOG_IS("exit-in-body:TIDE_ESTATE exit-in-exit:TIDE_ESTATE "
              "destroy:TIDE_EBUSY");
    TH_CHECK(NEAR(tide_time(), 0.2));
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* Destroying a group never exited cancels its children, which run on
 * detached; the parent is not cancelled. */
struct bad_destroy_unexited {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *a;
    int rc;
};
static tide_status bad_destroy_unexited(void *frame)
{
    struct bad_destroy_unexited *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, &f->a, .delay = 10,
                                 .name = "a"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, sleeper, NULL, NULL, .delay = 10,
                                 .name = "b"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crash_in_finally, NULL, NULL,
                                 .delay = 10, .err = EZERO));
    TIDE_YIELD(f); /* the children start */
    TH_EQ_INT(tide_group_destroy(f->tg), 0);
    f->tg = NULL;
    TIDE_AWAIT_CATCH(f, tide_join(f->a, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_YIELD(f);
    TH_LOG_IS("a-cancelled b-cancelled");
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_STR(th_reports(), "");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->a);
    TIDE_END(f);
}

/* The same with the children already finished (one failed) and their done
 * callbacks still queued: those neither touch the parent nor leak. */
struct bad_destroy_queued {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *ok, *bad;
    int rc;
};
static tide_status bad_destroy_queued(void *frame)
{
    struct bad_destroy_queued *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, &f->ok, .delay = -1,
                                 .err = 0));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, &f->bad, .delay = -1,
                                 .err = EZERO, .msg = "zero"));
    TIDE_YIELD(f); /* both finish; their callbacks run next iteration */
    TH_EQ_INT(tide_task_error(f->ok), 0);
    TH_EQ_INT(tide_task_error(f->bad), EZERO);
    TH_EQ_INT(tide_group_destroy(f->tg), 0);
    f->tg = NULL;
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_EQ_STR(th_reports(), "");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->ok);
    tide_task_release(f->bad);
    TIDE_END(f);
}

/* A group left without exit by a task that then finishes: its child's
 * later failure goes to the exception handler (CPython's "parent task is
 * already completed" report) and the group can still be destroyed. */
struct orphaning {
    TIDE_FRAME;
    tide_group **out;
};
static tide_status orphaning(void *frame)
{
    struct orphaning *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(f->out));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(*f->out, crasher, NULL, NULL, .delay = 0.1,
                                 .err = EZERO, .msg = "zero"));
    TIDE_END(f);
}

struct bad_parent_gone {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *p;
    int rc;
};
static tide_status bad_parent_gone(void *frame)
{
    struct bad_parent_gone *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(orphaning, "parent", &f->p, .out = &f->tg));
    TIDE_AWAIT(f, tide_join(f->p, NULL));
    TIDE_AWAIT(f, tide_sleep(0.2));
    TH_EQ_STR(th_reports(),
              "a task group's child failed after its parent finished:user");
    TH_EQ_INT(tide_task_error(f->p), 0);
    TH_EQ_STR(group_errors(f->tg), "ZeroDivisionError:zero");
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE); /* not the owner */
    TH_EQ_STR(tide_error_message(), "tide_group_exit: only the task that "
                                    "created the group exits it");
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_group_destroy(f->tg), 0);
    tide_task_release(f->p);
    TIDE_END(f);
}

/* Another task destroys the group in the iteration after the last child's
 * done callback woke the owner from exit, before the owner ran: the group
 * is not exited yet, so the destroy must be refused (TIDE_EBUSY). */
struct late_destroyer {
    TIDE_FRAME;
    tide_group *g;
    int rc;
};
static tide_status late_destroyer(void *frame)
{
    struct late_destroyer *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f); /* resumes right after the child's done callback */
    f->rc = tide_group_destroy(f->g);
    TH_EQ_INT(f->rc, TIDE_EBUSY);
    th_log("destroy:%s", err_name(f->rc));
    /* Freed anyway (the bug): the owner still points at it; stop the run
     * so the case fails instead of running on in freed memory. */
    if (f->rc == 0)
        tide_loop_stop(tide_running_loop());
    TIDE_END(f);
}

struct bad_destroy_waking {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *x;
    int rc;
};
static tide_status bad_destroy_waking(void *frame)
{
    struct bad_destroy_waking *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->tg));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, crasher, NULL, NULL, .delay = -1,
                                 .err = 0));
    TIDE_TRY(f, TIDE_SPAWN(late_destroyer, "x", &f->x, .g = f->tg));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, 0), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_LOG_IS("destroy:TIDE_EBUSY");
    TIDE_FINALLY(f);
    tide_group_destroy(f->tg);
    tide_task_release(f->x);
    TIDE_END(f);
}

static void bad_destroy_waking_after(tide_loop *loop, tide_task *main,
                                     int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, 0); /* TIDE_ESTOPPED: the destroy freed the group */
}

/* ---- the table ---------------------------------------------------------- */

static const th_case cases[] = {
    TH_CASE_AFTER("TG-01 the exit waits for every child; results are kept",
                  tg01_all, NULL, TH_OOM),
    TH_CASE_AFTER("TG-01 a child spawned after another finished is awaited "
                  "too",
                  tg01_late, NULL, TH_OOM),
    TH_CASE_AFTER("TG-01 cancelling one child explicitly is no group error",
                  tg01_cancel_one, NULL, TH_OOM),
    TH_CASE_AFTER("TG-02 a child error cancels the others; EGROUP, code "
                  "after the group does not run",
                  tg02_one, NULL, TH_OOM),
    TH_CASE_AFTER("TG-02 the body is cancelled at its current await",
                  tg02_many, NULL, TH_OOM),
    TH_CASE_AFTER("TG-03 two children failing in one iteration both count; "
                  "the cancelled one adds nothing",
                  tg03_same, NULL, TH_OOM),
    TH_CASE_AFTER("TG-03 errors are in completion order, not spawn order",
                  tg03_order, NULL, TH_OOM),
    TH_CASE_AFTER("TG-04 a body error after a sleep cancels the children "
                  "and comes back grouped",
                  tg04_after_sleep, NULL, TH_OOM),
    TH_CASE_AFTER("TG-04 a body error before any await: unstarted children "
                  "never run",
                  tg04_at_once, NULL, TH_OOM),
    TH_CASE_AFTER("TG-04 child error and body error: child's first, body's "
                  "last",
                  tg04_both, NULL, TH_OOM),
    TH_CASE_AFTER("TG-04 the body's error is last even when it came first",
                  tg04_body_first, NULL, TH_OOM),
    TH_CASE_AFTER("TG-05 an outside cancel during exit cancels every child; "
                  "ECANCELLED with its message",
                  tg05_in_exit, NULL, TH_OOM),
    TH_CASE_AFTER("TG-05 an outside cancel in the body: children and body "
                  "count 15",
                  tg05_in_body, NULL, TH_OOM),
    TH_CASE_AFTER("TG-05 an outside cancel of a group without children",
                  tg05_no_children, NULL, TH_OOM),
    TH_CASE_AFTER("TG-05 an outside cancel before any child finished",
                  tg05_early, NULL, TH_OOM),
    TH_CASE_AFTER("TG-06 children failing in cleanup after an outside "
                  "cancel: EGROUP, not ECANCELLED",
                  tg06_finally, NULL, TH_OOM),
    TH_CASE_AFTER("TG-06 a child crash while the body handles an outside "
                  "cancel: EGROUP",
                  tg06_handler_direct, NULL, TH_OOM),
    TH_CASE_AFTER("TG-06 the same with the group in a task awaited by the "
                  "cancelled one",
                  tg06_handler_nested, NULL, TH_OOM),
    TH_CASE_AFTER("TG-07 a body turning the outside cancel into MyExc gives "
                  "EGROUP {MyExc}",
                  tg07, NULL, TH_OOM),
    TH_CASE_AFTER("TG-08 outer cancelled while inner children raise: "
                  "EG(EG(ZeroDivisionError))",
                  tg08_cancel_inner_only, NULL, TH_OOM),
    TH_CASE_AFTER("TG-08 the same with an outer child",
                  tg08_cancel_both, NULL, TH_OOM),
    TH_CASE_AFTER("TG-08 an outer child fails: the inner group adds nothing",
                  tg08_outer_child_fails, NULL, TH_OOM),
    TH_CASE_AFTER("TG-08 an inner child fails: EG(EG(ValueError))",
                  tg08_inner_child_fails, NULL, TH_OOM),
    TH_CASE_AFTER("TG-09 no error is special: a core code is grouped with "
                  "the body's",
                  tg09, NULL, TH_OOM),
    TH_CASE_AFTER("TG-10 after a caught group error cancelling() is 0 and "
                  "awaits run",
                  tg10_after_sleep, NULL, TH_OOM),
    TH_CASE_AFTER("TG-10 the same with a child failing at its first step",
                  tg10_at_once, NULL, TH_OOM),
    TH_CASE_AFTER("TG-11 nested groups both failing: cancelling() 1 after "
                  "the inner, 0 after the outer",
                  tg11, NULL, TH_OOM),
    TH_CASE_AFTER("TG-12 a child error plus an outside cancel: EGROUP, the "
                  "cancel stays and ends the task",
                  tg12, NULL, TH_OOM),
    TH_CASE_AFTER("TG-13 spawning while the group aborts is TIDE_ESTATE and "
                  "creates nothing",
                  tg13_aborting, NULL, TH_OOM),
    TH_CASE_AFTER("TG-13 spawning into a finished group is TIDE_ESTATE and "
                  "creates nothing",
                  tg13_finished, NULL, TH_OOM),
    TH_CASE_AFTER("TG-13 creating a group outside any task is TIDE_ENOLOOP",
                  tg13_no_task, NULL, TH_OOM),
    TH_CASE_AFTER("TG-14 finished children are dropped as they complete",
                  tg14_no_retention, NULL, TH_OOM),
    TH_CASE_AFTER("TG-14 a child spawning into the group while the parent "
                  "waits in exit",
                  tg14_spawn_in_exit, NULL, TH_OOM),
    TH_CASE_AFTER("TG-14 spawning children racing with a failure",
                  tg14_hydra, NULL, TH_OOM),
    TH_CASE_AFTER("TG-15 a child's name is the one given to spawn",
                  tg15_name, NULL, TH_OOM),
    TH_CASE_AFTER("TG-15 a context handed to the children sees their writes",
                  tg15_context, NULL, TH_OOM),
    TH_CASE_AFTER("TG-16 a context manager failing in its exit and a child "
                  "error: both grouped, cancelling() 0",
                  tg16, NULL, TH_OOM),
    TH_CASE_AFTER("TG-17 a timeout around a group whose child fails in "
                  "cleanup: EGROUP, no timeout, nothing left cancelled",
                  tg17, NULL, TH_OOM),
    TH_CASE_AFTER("VER-02 a sibling spawning a failing child is cancelled "
                  "(lazy tasks: at its second sleep(0))",
                  ver02, NULL, TH_OOM),
    TH_CASE_AFTER("VER-03 cancel() cancels children and body; the group "
                  "exits with 0; idempotent",
                  ver03_body, NULL, TH_OOM),
    TH_CASE_AFTER("VER-03 cancel() from a child while the parent waits in "
                  "exit",
                  ver03_child, NULL, TH_OOM),
    TH_CASE_AFTER("VER-03 cancel() while aborting for a child error changes "
                  "nothing; errors win",
                  ver03_after_error, NULL, TH_OOM),
    TH_CASE_AFTER("VER-03 a timeout overlapping cancel() still fires "
                  "(gh-155433)",
                  ver03_timeout, NULL, TH_OOM),
    TH_CASE_AFTER("bad input: a NULL group and a bad spawn", bad_null, NULL,
                  TH_OOM),
    TH_CASE_AFTER("bad input: exiting twice is TIDE_ESTATE", bad_exit_twice,
                  NULL, TH_OOM),
    TH_CASE_AFTER("bad input: exit by another task is TIDE_ESTATE, destroy "
                  "during exit TIDE_EBUSY",
                  bad_other_task, NULL, TH_OOM),
    TH_CASE_AFTER("bad input: destroying a group never exited cancels its "
                  "children and leaks nothing",
                  bad_destroy_unexited, NULL, TH_OOM),
    TH_CASE_AFTER("bad input: destroying a group whose done callbacks are "
                  "queued",
                  bad_destroy_queued, NULL, TH_OOM),
    TH_CASE_AFTER("bad input: a child failing after its parent finished is "
                  "reported",
                  bad_parent_gone, NULL, TH_OOM),
    TH_CASE_AFTER("bad input: destroy by another task while the owner is "
                  "being woken from exit is TIDE_EBUSY",
                  bad_destroy_waking, bad_destroy_waking_after,
                  TH_EXPECT_ERROR | TH_OOM),
};
TH_MAIN(cases)
