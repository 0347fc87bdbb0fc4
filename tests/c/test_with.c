/*
 * test_with.c - TIDE_WITH, Python's `async with`, on a lock, a semaphore,
 * a condition, a timeout and a task group; and TIDE_GATHER_OWN, the gather
 * that keeps the handles it is given.
 *
 * What is checked is when each scope is left - at the block's end, by
 * break, continue, TIDE_RETURN, an error raised or propagated, a
 * cancellation, a goto, the end of a sub-coroutine's frame, in FINALLY, at
 * the task's end, at the loop's destruction - and what outcome leaves it.
 * The timeout cases are those of tmo.py in the comments below, run on
 * CPython 3.13: their lines are what it printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define VAL(n) ((void *)(intptr_t)(n))
#define EBODY (TIDE_EUSER - 1)

static const char *name_of(int e)
{
    if (e == 0 || e == EBODY)
        return e ? "EBODY" : "ok";
    return tide_errname(e) + 5; /* without "TIDE_" */
}

/* In FINALLY: the helper tasks t[0..n) still running are cancelled and
 * awaited, not released (a gather may own them), so that none waits on
 * what the case destroys next - when an injected out-of-memory error cut
 * the case short. */
struct settle {
    TIDE_FRAME;
    tide_task **t;
    size_t n, i;
    int rc;
};
static tide_status settle(void *frame)
{
    struct settle *f = frame;
    TIDE_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++) {
        if (!f->t[f->i] || tide_task_is_done(f->t[f->i]))
            continue;
        tide_task_cancel(f->t[f->i], NULL);
        TIDE_AWAIT_CATCH(f, tide_join(f->t[f->i], NULL), f->rc);
    }
    TIDE_END(f);
}
#define SETTLE(f, arr, count)                                                  \
    TIDE_AWAIT_CALL_INIT(f, settle, &(f)->settle, .t = (arr), .n = (count))

/* ---- lock: the block's end, in order with other takers -------------------- */

struct taker {
    TIDE_FRAME;
    tide_lock *lock;
    const char *name;
};
static tide_status taker(void *frame)
{
    struct taker *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        th_log("%s:in", f->name);
        TIDE_YIELD(f);
        th_log("%s:out", f->name);
    }
    th_log("%s:after:%d", f->name, tide_lock_is_locked(f->lock));
    TIDE_END(f);
}

struct with_lock {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[3];
    struct settle settle;
};
static tide_status with_lock(void *frame)
{
    struct with_lock *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->t[0], .lock = f->lock, .name = "a"));
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->t[1], .lock = f->lock, .name = "b"));
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->t[2], .lock = f->lock, .name = "c"));
    TIDE_AWAIT(f, tide_gather(f->t, 3, TIDE_GATHER_OWN, NULL, NULL));
    /* each takes it in turn; the last one out leaves it free */
    TH_LOG_IS("a:in a:out a:after:0 b:in b:out b:after:0 c:in c:out "
              "c:after:0");
    TIDE_FINALLY(f);
    SETTLE(f, f->t, 3);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- break, continue, TIDE_RETURN ------------------------------------------- */

struct returner {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status returner(void *frame)
{
    struct returner *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        TIDE_YIELD(f);
        TIDE_RETURN(f, VAL(7));
    }
    th_log("not reached");
    TIDE_FINALLY(f);
    th_log("finally:locked=%d", tide_lock_is_locked(f->lock));
    TIDE_END(f);
}

struct with_jumps {
    TIDE_FRAME;
    tide_lock *lock;
    int i;
    struct returner ret;
};
static tide_status with_jumps(void *frame)
{
    struct with_jumps *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    for (f->i = 0; f->i < 3; f->i++) {
        TIDE_WITH(f, tide_lock_scope(f->lock)) {
            if (f->i == 1)
                break; /* tide-lint: ignore */
            th_log("in%d", f->i);
        }
        th_log("after%d:%d", f->i, tide_lock_is_locked(f->lock));
    }
    for (f->i = 0; f->i < 2; f->i++) {
        TIDE_WITH(f, tide_lock_scope(f->lock)) {
            TIDE_YIELD(f);
            if (f->i == 0)
                continue; /* tide-lint: ignore */
            th_log("in%d", f->i);
        }
        th_log("after%d:%d", f->i, tide_lock_is_locked(f->lock));
    }
    TIDE_AWAIT_CALL_INIT(f, returner, &f->ret, .lock = f->lock);
    TH_CHECK(TIDE_RESULT(&f->ret) == VAL(7));
    th_log("returned:locked=%d", tide_lock_is_locked(f->lock));
    TH_LOG_IS("in0 after0:0 after1:0 in2 after2:0 after0:0 in1 after1:0 "
              "finally:locked=0 returned:locked=0");
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- errors: raised, propagated, in nested scopes, with their message ----- */

struct nest_body {
    TIDE_FRAME;
    tide_lock *outer, *inner;
    int rc;
};
static tide_status nest_body(void *frame)
{
    struct nest_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->outer))
    TIDE_WITH(f, tide_lock_scope(f->inner)) {
        TIDE_YIELD(f); /* the waiters queue up on both locks */
        TIDE_THROW_MSG(f, EBODY, "body failed");
    }
    TIDE_FINALLY(f);
    th_log("finally:%s:%s:%d%d", name_of(TIDE_ERROR(f)),
           TIDE_ERROR_MESSAGE(f), tide_lock_is_locked(f->outer),
           tide_lock_is_locked(f->inner));
    TIDE_END(f);
}

struct with_errors {
    TIDE_FRAME;
    tide_lock *outer, *inner;
    tide_task *w[2];
    struct nest_body body;
    struct settle settle;
    int rc;
};
static tide_status with_errors(void *frame)
{
    struct with_errors *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->outer));
    TIDE_TRY(f, tide_lock_create(NULL, &f->inner));
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->w[0], .lock = f->outer, .name = "o"));
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->w[1], .lock = f->inner, .name = "i"));
    f->body = (struct nest_body){.outer = f->outer, .inner = f->inner};
    TIDE_AWAIT_CALL_CATCH(f, nest_body, &f->body, f->rc);
    TH_EQ_INT(f->rc, EBODY);
    TH_EQ_STR(tide_error_message(), "body failed");
    TIDE_AWAIT(f, tide_gather(f->w, 2, TIDE_GATHER_OWN, NULL, NULL));
    /* the inner lock was let go first: its waiter runs first */
    TH_LOG_IS("finally:EBODY:body failed:00 i:in o:in i:out i:after:0 "
              "o:out o:after:0");
    TIDE_FINALLY(f);
    SETTLE(f, f->w, 2);
    TH_EQ_INT(tide_lock_destroy(f->outer), 0);
    TH_EQ_INT(tide_lock_destroy(f->inner), 0);
    TIDE_END(f);
}

/* ---- cancellation: while entering, and inside ------------------------------- */

struct canc_waiter {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status canc_waiter(void *frame)
{
    struct canc_waiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        th_log("waiter:in");
        TIDE_AWAIT(f, tide_sleep(10));
    }
    TIDE_FINALLY(f);
    th_log("waiter:%s", name_of(TIDE_ERROR(f)));
    TIDE_END(f);
}

struct with_cancel {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *w;
    struct settle settle;
    int rc;
};
static tide_status with_cancel(void *frame)
{
    struct with_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(canc_waiter, NULL, &f->w, .lock = f->lock));
    TIDE_YIELD(f); /* it waits for the lock */
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    tide_task_cancel(f->w, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    /* never entered, so nothing was released: still ours */
    TH_CHECK(tide_lock_is_locked(f->lock));
    TH_EQ_INT(tide_lock_release(f->lock), 0);
    tide_task_release(f->w);
    /* inside: the cancellation leaves the block, which lets go */
    TIDE_TRY(f, TIDE_SPAWN(canc_waiter, NULL, &f->w, .lock = f->lock));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_CHECK(tide_lock_is_locked(f->lock));
    tide_task_cancel(f->w, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->w, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_CHECK(!tide_lock_is_locked(f->lock));
    TH_LOG_IS("waiter:ECANCELLED waiter:in waiter:ECANCELLED");
    TIDE_FINALLY(f);
    SETTLE(f, &f->w, 1);
    tide_task_release(f->w);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- semaphore and condition ------------------------------------------------ */

struct sem_user {
    TIDE_FRAME;
    tide_sem *sem;
    int id;
};
static tide_status sem_user(void *frame)
{
    struct sem_user *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_sem_scope(f->sem)) {
        th_log("%d@%g", f->id, tide_time());
        TIDE_AWAIT(f, tide_sleep(1));
    }
    TIDE_END(f);
}

struct cond_user {
    TIDE_FRAME;
    tide_cond *cond;
    int *ready;
};
static tide_status cond_user(void *frame)
{
    struct cond_user *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_cond_scope(f->cond)) {
        while (!*f->ready)
            TIDE_AWAIT(f, tide_cond_wait(f->cond));
        th_log("woken:locked=%d", tide_cond_is_locked(f->cond));
    }
    th_log("left:locked=%d", tide_cond_is_locked(f->cond));
    TIDE_END(f);
}

struct with_sem_cond {
    TIDE_FRAME;
    tide_sem *sem;
    tide_cond *cond;
    tide_task *t[5], *c[1];
    struct settle settle;
    int ready;
};
static tide_status with_sem_cond(void *frame)
{
    struct with_sem_cond *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_sem_create(NULL, 2, 1, &f->sem));
    for (int i = 0; i < 5; i++)
        TIDE_TRY(f, TIDE_SPAWN(sem_user, NULL, &f->t[i], .sem = f->sem, .id = i));
    TIDE_AWAIT(f, tide_gather(f->t, 5, TIDE_GATHER_OWN, NULL, NULL));
    TH_LOG_IS("0@0 1@0 2@1 3@1 4@2");
    TH_EQ_INT(tide_sem_value(f->sem), 2); /* bounded: no release too many */
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    TIDE_TRY(f, TIDE_SPAWN(cond_user, NULL, &f->c[0], .cond = f->cond,
                           .ready = &f->ready));
    TIDE_YIELD(f);
    TIDE_WITH(f, tide_cond_scope(f->cond)) {
        f->ready = 1;
        TIDE_TRY(f, tide_cond_notify_all(f->cond));
    }
    TIDE_AWAIT(f, tide_gather(f->c, 1, TIDE_GATHER_OWN, NULL, NULL));
    TH_LOG_IS("0@0 1@0 2@1 3@1 4@2 woken:locked=1 left:locked=0");
    TIDE_FINALLY(f);
    SETTLE(f, f->t, 5);
    SETTLE(f, f->c, 1);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- timeouts (tmo.py, on CPython 3.13) ------------------------------------- */

/* a: async with timeout(1): await sleep(5)  -> TimeoutError, cancelling 0 */
struct tmo_expire {
    TIDE_FRAME;
    tide_timeout *cm;
};
static tide_status tmo_expire(void *frame)
{
    struct tmo_expire *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(1, &f->cm)) {
        TH_CHECK(f->cm != NULL && tide_timeout_when(f->cm) == 1);
        TIDE_AWAIT(f, tide_sleep(5));
    }
    TIDE_FINALLY(f);
    TH_CHECK(f->cm == NULL); /* the scope is gone with its block */
    th_log("a:%s@%g:%d", name_of(TIDE_ERROR(f)), tide_time(),
           tide_task_cancelling(tide_current_task()));
    TIDE_END(f);
}

/* b: the block catches the cancellation: nothing leaves it, cm expired */
struct tmo_swallow {
    TIDE_FRAME;
    tide_timeout *cm;
    int expired, rc;
};
static tide_status tmo_swallow(void *frame)
{
    struct tmo_swallow *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(1, &f->cm)) {
        TIDE_AWAIT_CATCH(f, tide_sleep(5), f->rc);
        th_log("b:caught:%s", name_of(f->rc));
        f->expired = tide_timeout_is_expired(f->cm);
    }
    th_log("b:after:%d:%d", f->expired,
           tide_task_cancelling(tide_current_task()));
    TIDE_END(f);
}

/* c: cancelled from outside inside the scope: CancelledError goes on */
struct tmo_foreign {
    TIDE_FRAME;
};
static tide_status tmo_foreign(void *frame)
{
    struct tmo_foreign *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(10, NULL)) {
        TIDE_AWAIT(f, tide_sleep(5));
    }
    TIDE_FINALLY(f);
    th_log("c:%s:%d", name_of(TIDE_ERROR(f)),
           tide_task_cancelling(tide_current_task()));
    TIDE_END(f);
}

/* d: expired, and a second cancel before the block ends: not ours */
struct tmo_second {
    TIDE_FRAME;
    int rc;
};
static tide_status tmo_second(void *frame)
{
    struct tmo_second *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(1, NULL)) {
        TIDE_AWAIT_CATCH(f, tide_sleep(5), f->rc);
        tide_task_cancel(tide_current_task(), NULL);
        TIDE_YIELD(f);
    }
    TIDE_END(f);
}

/* e: an inner timeout expires inside an outer one, caught between them */
struct tmo_inner {
    TIDE_FRAME;
};
static tide_status tmo_inner(void *frame)
{
    struct tmo_inner *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(1, NULL)) {
        TIDE_AWAIT(f, tide_sleep(5));
    }
    TIDE_END(f);
}
struct tmo_nested {
    TIDE_FRAME;
    struct tmo_inner inner;
    int rc;
};
static tide_status tmo_nested(void *frame)
{
    struct tmo_nested *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(10, NULL)) {
        TIDE_AWAIT_CALL_CATCH(f, tmo_inner, &f->inner, f->rc);
        th_log("e:inner:%s:%d", name_of(f->rc),
               tide_task_cancelling(tide_current_task()));
        TIDE_AWAIT(f, tide_sleep(1));
    }
    th_log("e:done@%g:%d", tide_time(),
           tide_task_cancelling(tide_current_task()));
    TIDE_END(f);
}

/* f: the outer one expires while the inner one runs */
struct tmo_outer {
    TIDE_FRAME;
};
static tide_status tmo_outer(void *frame)
{
    struct tmo_outer *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(1, NULL))
    TIDE_WITH(f, tide_timeout_scope(10, NULL)) {
        TIDE_AWAIT(f, tide_sleep(5));
    }
    TIDE_END(f);
}

struct with_timeout {
    TIDE_FRAME;
    struct tmo_expire a;
    struct tmo_swallow b;
    struct tmo_second d;
    struct tmo_nested e;
    struct tmo_outer o;
    tide_task *c;
    int rc;
};
static tide_status with_timeout(void *frame)
{
    struct with_timeout *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_CATCH(f, tmo_expire, &f->a, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_CHECK(tide_error_message() == NULL);
    TIDE_AWAIT_CALL_CATCH(f, tmo_swallow, &f->b, f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_TRY(f, TIDE_SPAWN(tmo_foreign, NULL, &f->c));
    TIDE_AWAIT(f, tide_sleep(1));
    tide_task_cancel(f->c, "stop");
    TIDE_AWAIT_CATCH(f, tide_join(f->c, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop");
    TIDE_AWAIT_CALL_CATCH(f, tmo_second, &f->d, f->rc);
    th_log("d:%s", name_of(f->rc));
    /* the cancel it made itself is still requested: undo it */
    TH_EQ_INT(tide_task_uncancel(tide_current_task()), 0);
    TIDE_AWAIT_CALL_CATCH(f, tmo_nested, &f->e, f->rc);
    TH_EQ_INT(f->rc, 0);
    TIDE_AWAIT_CALL_CATCH(f, tmo_outer, &f->o, f->rc);
    th_log("f:%s:%d", name_of(f->rc),
           tide_task_cancelling(tide_current_task()));
    TH_LOG_IS("a:ETIMEDOUT@1:0 b:caught:ECANCELLED b:after:1:0 "
              "c:ECANCELLED:1 d:ECANCELLED e:inner:ETIMEDOUT:0 "
              "e:done@6:0 f:ETIMEDOUT:0");
    TIDE_FINALLY(f);
    tide_task_release(f->c);
    TIDE_END(f);
}

/* ---- task groups -------------------------------------------------------------- */

struct child {
    TIDE_FRAME;
    double delay;
    int err;
    const char *name;
};
static tide_status child(void *frame)
{
    struct child *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    if (f->err)
        TIDE_THROW_MSG(f, f->err, "child failed");
    th_log("%s:done", f->name);
    TIDE_RETURN(f, f->name);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s:cancelled", f->name);
    TIDE_END(f);
}

struct group_body {
    TIDE_FRAME;
    tide_group *tg;
    int fail_child, fail_body, cancel, ret;
    double start;
};
static tide_status group_body(void *frame)
{
    struct group_body *f = frame;
    TIDE_BEGIN(f);
    f->start = tide_time();
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, "x", NULL, .delay = 1,
                                     .name = "x"));
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, "y", NULL, .delay = 2,
                                     .err = f->fail_child, .name = "y"));
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, "z", NULL, .delay = 3,
                                     .name = "z"));
        if (f->ret)
            TIDE_RETURN(f, VAL(f->ret));
        TIDE_AWAIT(f, tide_sleep(0.5));
        if (f->cancel)
            TIDE_TRY(f, tide_group_cancel(f->tg));
        if (f->fail_body)
            TIDE_THROW_MSG(f, EBODY, "body failed");
        TIDE_AWAIT(f, tide_sleep(0));
        th_log("body:done");
    }
    th_log("after:%s@%g", f->tg ? "tg" : "null", tide_time() - f->start);
    TIDE_FINALLY(f);
    th_log("finally:%s", name_of(TIDE_ERROR(f)));
    TIDE_END(f);
}

/* The log since the last mark (each part after the first starts with a
 * space). */
static size_t log_mark;
static void mark(void)
{
    log_mark = strlen(th_log_text());
}
#define LOG_SINCE(s) TH_EQ_STR(th_log_text() + log_mark, (s))

struct with_group {
    TIDE_FRAME;
    struct group_body g;
    const tide_egroup *eg;
    int rc;
};
static tide_status with_group(void *frame)
{
    struct with_group *f = frame;
    TIDE_BEGIN(f);
    /* all three succeed: leaving the block waited for them */
    mark();
    TIDE_AWAIT_CALL_INIT(f, group_body, &f->g, .fail_child = 0);
    LOG_SINCE("body:done x:done y:done z:done after:null@3 finally:ok");
    /* a child fails: the others and the body are cancelled, EGROUP */
    mark();
    f->g = (struct group_body){.fail_child = EBODY};
    TIDE_AWAIT_CALL_CATCH(f, group_body, &f->g, f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    f->eg = tide_error_egroup();
    TH_EQ_INT(tide_egroup_error_count(f->eg), 1);
    TH_EQ_INT(tide_egroup_error(f->eg, 0, NULL, NULL, NULL), EBODY);
    TH_CHECK(tide_error_message() &&
             strstr(tide_error_message(), "1 of 3 child tasks failed: ") ==
                 tide_error_message());
    TH_CHECK(f->g.tg == NULL);
    LOG_SINCE(" body:done x:done z:cancelled finally:EGROUP");
    /* the body fails: the children are cancelled, its error is in EGROUP */
    mark();
    f->g = (struct group_body){.fail_body = 1};
    TIDE_AWAIT_CALL_CATCH(f, group_body, &f->g, f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    f->eg = tide_error_egroup();
    TH_EQ_INT(tide_egroup_error_count(f->eg), 1);
    TH_EQ_INT(tide_egroup_error(f->eg, 0, NULL, NULL, NULL), EBODY);
    LOG_SINCE(" x:cancelled y:cancelled z:cancelled finally:EGROUP");
    /* TaskGroup.cancel(): the cancellation it causes is swallowed */
    mark();
    f->g = (struct group_body){.cancel = 1};
    TIDE_AWAIT_CALL_CATCH(f, group_body, &f->g, f->rc);
    TH_EQ_INT(f->rc, 0);
    LOG_SINCE(" x:cancelled y:cancelled z:cancelled after:null@0.5 finally:ok");
    /* return inside: the children are awaited first */
    mark();
    f->g = (struct group_body){.ret = 5};
    TIDE_AWAIT_CALL_CATCH(f, group_body, &f->g, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_CHECK(TIDE_RESULT(&f->g) == VAL(5));
    LOG_SINCE(" x:done y:done z:done finally:ok");
    TIDE_END(f);
}

/* ---- goto, FINALLY, sub-coroutines -------------------------------------------- */

struct goer {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status goer(void *frame)
{
    struct goer *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        goto out; /* tide-lint: ignore */
    }
out:
    th_log("goto:locked=%d", tide_lock_is_locked(f->lock));
    TIDE_YIELD(f);
    TIDE_END(f); /* the frame's end leaves it */
}

struct finally_with {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status finally_with(void *frame)
{
    struct finally_with *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EBODY, "first");
    TIDE_FINALLY(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        TIDE_YIELD(f);
        th_log("cleanup:%s:locked=%d", name_of(TIDE_ERROR(f)),
               tide_lock_is_locked(f->lock));
    }
    th_log("cleanup:after:locked=%d", tide_lock_is_locked(f->lock));
    TIDE_END(f); /* EBODY goes on */
}

struct with_frames {
    TIDE_FRAME;
    tide_lock *lock;
    struct goer goer;
    struct finally_with fin;
    int rc;
};
static tide_status with_frames(void *frame)
{
    struct with_frames *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT_CALL_INIT(f, goer, &f->goer, .lock = f->lock);
    th_log("returned:locked=%d", tide_lock_is_locked(f->lock));
    f->fin = (struct finally_with){.lock = f->lock};
    TIDE_AWAIT_CALL_CATCH(f, finally_with, &f->fin, f->rc);
    TH_EQ_INT(f->rc, EBODY);
    TH_EQ_STR(tide_error_message(), "first");
    TH_LOG_IS("goto:locked=1 returned:locked=0 cleanup:EBODY:locked=1 "
              "cleanup:after:locked=0");
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- misuse and entry errors -------------------------------------------------- */

/* A sub-frame re-made on every resume (rule 7): the call fails with
 * TIDE_ESTATE, the frame it abandoned still holds the lock - until the
 * task ends, which leaves it. */
struct holder {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status holder(void *frame)
{
    struct holder *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        TIDE_YIELD(f);
    }
    TIDE_END(f);
}
struct restarter {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status restarter(void *frame)
{
    struct restarter *f = frame;
    TIDE_BEGIN(f);
    /* tide-lint: ignore subframe-compound-literal */
    TIDE_AWAIT_CALL(f, holder, &(struct holder){.lock = f->lock});
    TIDE_END(f);
}

/* Entry errors are raised before the block: nothing runs, nothing is
 * held. (TIDE_WITH is one statement: it can be an if's branch.) */
struct null_enter {
    TIDE_FRAME;
    int which;
};
static tide_status null_enter(void *frame)
{
    struct null_enter *f = frame;
    TIDE_BEGIN(f);
    if (f->which == 0)
        TIDE_WITH(f, tide_lock_scope(NULL)) {
            th_log("not reached");
        }
    else if (f->which == 1)
        TIDE_WITH(f, tide_sem_scope(NULL)) {
            th_log("not reached");
        }
    else if (f->which == 2)
        TIDE_WITH(f, tide_cond_scope(NULL)) {
            th_log("not reached");
        }
    else if (f->which == 3)
        TIDE_WITH(f, tide_group_scope(NULL)) {
            th_log("not reached");
        }
    else
        TIDE_WITH(f, tide_timeout_scope(NAN, NULL)) {
            th_log("not reached");
        }
    th_log("not reached either");
    TIDE_END(f);
}

struct with_misuse {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t;
    struct null_enter ne;
    int rc;
};
static tide_status with_misuse(void *frame)
{
    struct with_misuse *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, TIDE_SPAWN(restarter, NULL, &f->t, .lock = f->lock));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_CHECK(!tide_lock_is_locked(f->lock)); /* left when the task ended */
    for (f->ne.which = 0; f->ne.which < 5; f->ne.which++) {
        f->ne = (struct null_enter){.which = f->ne.which};
        TIDE_AWAIT_CALL_CATCH(f, null_enter, &f->ne, f->rc);
        TH_EQ_INT(f->rc, TIDE_EINVAL);
        /* each says why */
        static const char *const why[] = {
            "TIDE_WITH: the lock (or the condition) is NULL",
            "TIDE_WITH: the semaphore is NULL",
            "TIDE_WITH: the lock (or the condition) is NULL",
            "TIDE_WITH: tide_group_scope's out is NULL",
            "Invalid timeout: NaN (not a number)",
        };
        TH_EQ_STR(tide_error_message(), why[f->ne.which]);
    }
    TH_LOG_IS("");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* ---- the loop destroyed with scopes open -------------------------------------- */

struct stuck_in_group {
    TIDE_FRAME;
    tide_group *tg;
};
static tide_status stuck_in_group(void *frame)
{
    struct stuck_in_group *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, NULL, NULL, .delay = 100,
                                     .name = "long"));
    } /* waits in the exit when the loop stops */
    TIDE_END(f);
}

struct stuck_in_timeout {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status stuck_in_timeout(void *frame)
{
    struct stuck_in_timeout *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope(50, NULL))
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        TIDE_AWAIT(f, tide_sleep(100));
    }
    TIDE_END(f);
}

static tide_lock *destroyed_lock;

struct with_destroyed {
    TIDE_FRAME;
};
static tide_status with_destroyed(void *frame)
{
    struct with_destroyed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &destroyed_lock));
    TIDE_TRY(f, TIDE_SPAWN(stuck_in_group, NULL, NULL));
    TIDE_TRY(f, TIDE_SPAWN(stuck_in_timeout, NULL, NULL,
                           .lock = destroyed_lock));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_CHECK(tide_lock_is_locked(destroyed_lock));
    TH_EQ_INT(tide_loop_stop(tide_running_loop()), 0);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}
/* The harness destroys the loop next, both tasks stuck in their scopes:
 * the group and the timeout, the scopes' own, are freed (its leak check
 * sees them); the lock is the program's, destroyed here first, held but
 * with nobody waiting: the teardown must leave it alone (ASan sees it). */
static void with_destroyed_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_CHECK(tide_lock_is_locked(destroyed_lock));
    TH_EQ_INT(tide_lock_destroy(destroyed_lock), 0);
}

/* ---- destroying what a block holds ------------------------------------------ */

/* A lock, a semaphore or a condition destroyed while a TIDE_WITH holds it
 * (nobody waiting) was freed, and the block's exit then released freed
 * memory: now the destroy is refused while the run is under way, as it
 * is while tasks wait, and succeeds once the block is left. The group and
 * the timeout a block makes are the block's: destroying one in it was a
 * use after free too; now a group's destroy is refused and a timeout's
 * does nothing. */
struct with_destroy_held {
    TIDE_FRAME;
    tide_lock *lock;
    tide_sem *sem;
    tide_cond *cond;
    tide_group *tg;
    tide_timeout *tmo;
    tide_task *t[1];
    struct settle settle;
};
static tide_status with_destroy_held(void *frame)
{
    struct with_destroy_held *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, tide_sem_create(NULL, 1, 1, &f->sem));
    TIDE_TRY(f, tide_cond_create(NULL, NULL, &f->cond));
    /* another task's block */
    TIDE_TRY(f, TIDE_SPAWN(taker, NULL, &f->t[0], .lock = f->lock,
                           .name = "a"));
    TIDE_YIELD(f); /* a is in its block, yielding */
    TH_CHECK(tide_lock_is_locked(f->lock));
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 0);
    TH_EXPECT_BUSY(tide_lock_destroy, f->lock);
    TIDE_AWAIT(f, tide_gather(f->t, 1, TIDE_GATHER_OWN, NULL, NULL));
    /* this task's own blocks */
    TIDE_WITH(f, tide_sem_scope(f->sem)) {
        TH_EXPECT_BUSY(tide_sem_destroy, f->sem);
        TIDE_WITH(f, tide_cond_scope(f->cond)) {
            TH_EXPECT_BUSY(tide_cond_destroy, f->cond);
            TIDE_YIELD(f);
        }
    }
    TH_LOG_IS("a:in a:out a:after:0");
    TH_EQ_INT(tide_sem_value(f->sem), 1);
    TH_CHECK(!tide_cond_is_locked(f->cond));
    /* what the block made */
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, NULL, NULL, .delay = 1,
                                     .name = "kid"));
        TH_EXPECT_BUSY(tide_group_destroy, f->tg);
    }
    TH_CHECK(f->tg == NULL);
    TH_LOG_IS("a:in a:out a:after:0 kid:done");
    TIDE_WITH(f, tide_timeout_scope(3, &f->tmo)) {
        tide_timeout_destroy(f->tmo);
        TH_EQ_DBL(tide_timeout_when(f->tmo), 4); /* still there */
        TIDE_AWAIT(f, tide_sleep(1));
    }
    TH_CHECK(f->tmo == NULL);
    TH_EQ_DBL(tide_time(), 2);
    TIDE_FINALLY(f);
    SETTLE(f, f->t, 1);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TH_EQ_INT(tide_cond_destroy(f->cond), 0);
    TIDE_END(f);
}

/* ---- TIDE_GATHER_OWN ------------------------------------------------------------ */

struct own_batch {
    TIDE_FRAME;
    tide_task *t[4];
    void *values[4];
    size_t live[3];
    int round, rc;
};
static tide_status own_batch(void *frame)
{
    struct own_batch *f = frame;
    TIDE_BEGIN(f);
    for (f->round = 0; f->round < 3; f->round++) {
        for (int i = 0; i < 4; i++)
            TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t[i], .delay = i,
                                   .name = "w"));
        TIDE_AWAIT(f, tide_gather(f->t, 4, TIDE_GATHER_OWN, f->values, NULL));
        /* the values point into the tasks' frames: still there */
        for (int i = 0; i < 4; i++)
            TH_EQ_STR(f->values[i], "w");
        f->live[f->round] = th_live_bytes();
    }
    /* each gather into the same array let go of the batch before it */
    TH_EQ_INT(f->live[1], f->live[0]);
    TH_EQ_INT(f->live[2], f->live[0]);
    /* the same handles gathered again: taken once, released once */
    TIDE_AWAIT(f, tide_gather(f->t, 4, TIDE_GATHER_OWN, f->values, NULL));
    TH_EQ_INT(th_live_bytes(), f->live[0]);
    /* an immediate error: the handles are taken all the same */
    f->t[1] = NULL;
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t[0], .delay = 0, .name = "v"));
    TIDE_AWAIT_CATCH(f, tide_gather(f->t, 2, TIDE_GATHER_OWN, NULL, NULL),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_END(f); /* the task's end releases what it still owns */
}

/* Outside a task (here a callback) the gather lets go of the handles at
 * once. The array may live in the frame of a task whose last handle it
 * holds, ahead of the others: that release frees the array, so it goes
 * last (it went first, and the next handle was read from freed memory). */
struct own_holder {
    TIDE_FRAME;
    tide_task *h[2];
};
static tide_status own_holder(void *frame)
{
    struct own_holder *f = frame;
    TIDE_BEGIN(f);
    f->h[0] = tide_task_retain(tide_current_task());
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->h[1], .delay = 0, .name = "x"));
    TIDE_RETURN(f, f->h);
    TIDE_END(f);
}
static int gather_in_callback(void *arg)
{
    tide_task **h = arg;
    /* outside a task on purpose: tide-lint: ignore awaitable-outside-await */
    int rc = tide_gather(h, 2, TIDE_GATHER_OWN, NULL, NULL).tide__rc;
    th_log("outside:%s", tide_errname(rc));
    return 0;
}
struct own_outside {
    TIDE_FRAME;
    tide_task *holder;
    void *handles;
    size_t live;
};
static tide_status own_outside(void *frame)
{
    struct own_outside *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(own_holder, NULL, &f->holder));
    TIDE_AWAIT(f, tide_join(f->holder, &f->handles));
    TIDE_AWAIT(f, tide_sleep(0)); /* the child "x" finishes */
    tide_task_release(f->holder); /* its last handle is its own h[0] */
    f->live = th_live_bytes();
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), gather_in_callback,
                               f->handles, NULL));
    TIDE_AWAIT(f, tide_sleep(0));
    TH_LOG_IS("x:done outside:TIDE_ENOLOOP");
    TH_CHECK(th_live_bytes() < f->live); /* both tasks are gone */
    TIDE_END(f);
}

/* ---- cm = asyncio.timeout(d), entered apart; try: async with: except ------- */

/* What CPython 3.13 printed for this (idioms_tmo.py, the times from 0):
 *     try:
 *         async with asyncio.timeout(None) as cm:
 *             cm.reschedule(loop.time() + 10)
 *             await asyncio.sleep(20)
 *     except TimeoutError:
 *         print("timeout at", loop.time())          # timeout at 10
 *     if cm.expired(): print("expired")             # expired
 *     print("when", cm.when())                      # when 10
 *     cm.reschedule(loop.time() + 1)   # Cannot change state of expired Timeout
 *     cm2 = asyncio.timeout(5)
 *     print(cm2.when(), cm2.expired())              # 15 False
 *     cm2.reschedule(1)                # Timeout has not been entered
 *     async with cm2: await asyncio.sleep(1)
 *     print(cm2.expired(), loop.time())             # False 11
 *     async with cm2: pass             # Timeout has already been entered */
struct tmo_apart {
    TIDE_FRAME;
    tide_timeout *cm, *cm2, *cm3;
    int rc;
};
static tide_status tmo_apart(void *frame)
{
    struct tmo_apart *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_create(INFINITY, &f->cm));
    TIDE_WITH_CATCH(f, tide_timeout_scope_of(f->cm), f->rc) {
        TIDE_TRY(f, tide_timeout_reschedule(f->cm, tide_time() + 10));
        TIDE_AWAIT(f, tide_sleep(20));
    }
    if (f->rc == TIDE_ETIMEDOUT)
        th_log("timeout@%g", tide_time());
    else if (f->rc < 0)
        TIDE_THROW(f, f->rc);
    if (tide_timeout_is_expired(f->cm))
        th_log("expired");
    th_log("when:%g", tide_timeout_when(f->cm));
    th_log("after:%s", name_of(tide_timeout_reschedule(f->cm, 11)));
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);

    TIDE_TRY(f, tide_timeout_create(5, &f->cm2));
    th_log("before:%g:%d:%s", tide_timeout_when(f->cm2),
           tide_timeout_is_expired(f->cm2),
           name_of(tide_timeout_reschedule(f->cm2, 1)));
    TH_EQ_INT(tide_timeout_exit(f->cm2, 0), TIDE_ESTATE);
    TIDE_WITH(f, tide_timeout_scope_of(f->cm2)) {
        TIDE_AWAIT(f, tide_sleep(1));
    }
    th_log("in-time:%d@%g", tide_timeout_is_expired(f->cm2), tide_time());
    TIDE_WITH_CATCH(f, tide_timeout_scope_of(f->cm2), f->rc) {
        th_log("never");
    }
    th_log("again:%s", name_of(f->rc));
    TH_HAS(tide_error_message(), "entered already");
    TIDE_WITH_CATCH(f, tide_timeout_scope_of(NULL), f->rc) {
        th_log("never");
    }
    th_log("null:%s", name_of(f->rc));

    /* destroyed in its block: freed when the block lets go, expiry and
     * all (the task's cancelling count comes back to 0) */
    TIDE_TRY(f, tide_timeout_create_at(tide_time() + 1, &f->cm3));
    TIDE_WITH_CATCH(f, tide_timeout_scope_of(f->cm3), f->rc) {
        tide_timeout_destroy(f->cm3);
        f->cm3 = NULL;
        TIDE_AWAIT(f, tide_sleep(5));
    }
    th_log("destroyed-in-block:%s@%g", name_of(f->rc), tide_time());
    TH_EQ_INT(tide_task_cancelling(tide_current_task()), 0);
    TH_LOG_IS("timeout@10 expired when:10 after:ESTATE before:15:0:ESTATE "
              "in-time:0@11 again:ESTATE null:EINVAL "
              "destroyed-in-block:ETIMEDOUT@12");
    tide_timeout *none;
    TH_EQ_INT(tide_timeout_create(NAN, &none), TIDE_EINVAL);
    TH_CHECK(none == NULL);
    TH_EQ_INT(tide_timeout_create(1, NULL), TIDE_EINVAL);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->cm);
    tide_timeout_destroy(f->cm2);
    tide_timeout_destroy(f->cm3);
    TIDE_END(f);
}

/* tide_timeout_create needs a loop running on this thread */
static void tmo_apart_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    tide_timeout *t = (tide_timeout *)&t;
    TH_EQ_INT(tide_timeout_create(1, &t), TIDE_ENOLOOP);
    TH_CHECK(t == NULL);
}

/* A sub-coroutine returning from inside a TIDE_WITH_CATCH: a return is no
 * error, it goes on. */
struct catch_return {
    TIDE_FRAME;
    int rc;
};
static tide_status catch_return(void *frame)
{
    struct catch_return *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH_CATCH(f, tide_timeout_scope(5, NULL), f->rc) {
        TIDE_AWAIT(f, tide_sleep(1));
        TIDE_RETURN(f, VAL(42));
    }
    th_log("not-here");
    TIDE_END(f);
}

/* In FINALLY, a caught error leaves the pending one as it was:
 *     try: raise E0("pending")
 *     finally:
 *         try:
 *             async with asyncio.timeout(0.5): await asyncio.sleep(1)
 *         except TimeoutError: print("caught in finally")
 * -> caught in finally, then E0 'pending' goes on. */
struct catch_in_finally {
    TIDE_FRAME;
    int rc;
};
static tide_status catch_in_finally(void *frame)
{
    struct catch_in_finally *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EBODY, "pending");
    TIDE_FINALLY(f);
    TIDE_WITH_CATCH(f, tide_timeout_scope(0.5, NULL), f->rc) {
        TIDE_AWAIT(f, tide_sleep(1));
    }
    th_log("finally:%s", name_of(f->rc));
    TIDE_END(f);
}

/* try: async with lock: ... except CancelledError: - cancelled while
 * waiting to enter: the block is skipped, nothing is held, the lock's
 * waiter is gone and the next entry works. */
struct catch_entry {
    TIDE_FRAME;
    tide_lock *lock;
    size_t live;
    int rc;
};
static tide_status catch_entry(void *frame)
{
    struct catch_entry *f = frame;
    TIDE_BEGIN(f);
    f->live = th_live_bytes();
    TIDE_WITH_CATCH(f, tide_lock_scope(f->lock), f->rc) {
        th_log("never");
    }
    th_log("entry:%s", name_of(f->rc));
    TH_EQ_INT(th_live_bytes(), f->live); /* its record went with it */
    tide_task_uncancel(tide_current_task());
    TIDE_WITH_CATCH(f, tide_lock_scope(f->lock), f->rc) {
        th_log("inside");
    }
    th_log("then:%s", name_of(f->rc));
    TIDE_END(f);
}
struct catch_entry_main {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *t[1];
    struct settle settle;
};
static tide_status catch_entry_main(void *frame)
{
    struct catch_entry_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_TRY(f, TIDE_SPAWN(catch_entry, NULL, &f->t[0], .lock = f->lock));
    TIDE_YIELD(f); /* it waits for the lock */
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    tide_task_cancel(f->t[0], NULL);
    TIDE_YIELD(f);
    /* its first entry gave up: it waits again, for the second one */
    TH_LOG_IS("entry:ECANCELLED");
    TH_EQ_INT(tide_lock_waiter_count(f->lock), 1);
    TIDE_TRY(f, tide_lock_release(f->lock));
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("entry:ECANCELLED inside then:ok");
    TH_CHECK(!tide_lock_is_locked(f->lock));
    TIDE_FINALLY(f);
    SETTLE(f, f->t, 1);
    tide_task_release(f->t[0]);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0); /* no record pins it */
    TIDE_END(f);
}

/* A run stopped with a task inside its block on a timeout of
 * tide_timeout_create: the program destroys the timeout before the loop
 * (as it must), the block still open: it is freed when the loop's
 * teardown leaves the block (the leak check and ASan see both). */
static tide_timeout *stuck_cm;
struct stuck_in_cm {
    TIDE_FRAME;
};
static tide_status stuck_in_cm(void *frame)
{
    struct stuck_in_cm *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_timeout_scope_of(stuck_cm)) {
        TIDE_AWAIT(f, tide_sleep(INFINITY));
    }
    TIDE_END(f);
}
struct cm_destroyed {
    TIDE_FRAME;
};
static tide_status cm_destroyed(void *frame)
{
    struct cm_destroyed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_create(100, &stuck_cm));
    TIDE_TRY(f, TIDE_SPAWN(stuck_in_cm, NULL, NULL));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_EQ_INT(tide_loop_stop(tide_running_loop()), 0);
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}
static void cm_destroyed_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_EQ_DBL(tide_timeout_when(stuck_cm), 100);
    tide_timeout_destroy(stuck_cm); /* the block pins it: freed later */
    stuck_cm = NULL;
}

/* In FINALLY, a block whose exit swallows its error (a group cancelled
 * with tide_group_cancel) leaves the pending error as it was: Python's
 * `finally:` goes on raising what it was raising when a context manager
 * swallows an exception raised inside it. (The pending error was lost:
 * the coroutine ended as a success.) */
struct swallow_in_finally {
    TIDE_FRAME;
    tide_group *tg;
};
static tide_status swallow_in_finally(void *frame)
{
    struct swallow_in_finally *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_MSG(f, EBODY, "pending");
    TIDE_FINALLY(f);
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        tide_group_cancel(f->tg);
        TIDE_YIELD(f);
    }
    th_log("finally:%s:%s", name_of(TIDE_ERROR(f)), TIDE_ERROR_MESSAGE(f));
    TIDE_END(f);
}

/* try: async with TaskGroup() as tg: ... raise ValueError("body")
 * except* ValueError as eg: -> the group's error, its story readable. */
struct catch_group {
    TIDE_FRAME;
    tide_group *tg;
    struct catch_return ret;
    struct catch_in_finally fin;
    struct swallow_in_finally swallow;
    int rc;
    const char *msg;
};
static tide_status catch_group(void *frame)
{
    struct catch_group *f = frame;
    const tide_egroup *eg;
    TIDE_BEGIN(f);
    TIDE_WITH_CATCH(f, tide_group_scope(&f->tg), f->rc) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, th_child, "sleeper", NULL,
                                     .delay = 1));
        TIDE_THROW_MSG(f, EBODY, "body");
    }
    th_log("group:%s", name_of(f->rc));
    eg = tide_error_egroup();
    TH_EQ_INT(tide_egroup_error_count(eg), 1);
    TH_EQ_INT(tide_egroup_error(eg, 0, &f->msg, NULL, NULL), EBODY);
    TH_EQ_STR(f->msg, "body");
    TIDE_AWAIT_CALL_INIT(f, catch_return, &f->ret);
    th_log("returned:%d", (int)(intptr_t)TIDE_RESULT(&f->ret));
    TIDE_AWAIT_CALL_CATCH(f, catch_in_finally, &f->fin, f->rc);
    th_log("then:%s:%s", name_of(f->rc), tide_error_message());
    TIDE_AWAIT_CALL_CATCH(f, swallow_in_finally, &f->swallow, f->rc);
    th_log("swallowed:%s:%s", name_of(f->rc), tide_error_message());
    /* nested: the inner block's timeout is caught by the outer block */
    TIDE_WITH_CATCH(f, tide_null_scope(), f->rc) {
        TIDE_WITH(f, tide_timeout_scope(1, NULL)) {
            TIDE_AWAIT(f, tide_sleep(2));
        }
        th_log("never");
    }
    th_log("nested:%s", name_of(f->rc));
    /* a caught error re-raised keeps its message */
    TIDE_WITH_CATCH(f, tide_null_scope(), f->rc) {
        TIDE_THROW_MSG(f, EBODY, "again");
    }
    TH_LOG_IS("group:EGROUP returned:42 finally:ETIMEDOUT then:EBODY:pending "
              "finally:EBODY:pending swallowed:EBODY:pending nested:ETIMEDOUT");
    TIDE_THROW(f, f->rc);
    TIDE_END(f);
}

static void catch_group_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, EBODY);
    TH_EQ_STR(tide_task_message(main), "again");
}

/* ---- out of memory everywhere ----------------------------------------------- */

struct oom_all {
    TIDE_FRAME;
    tide_lock *lock;
    tide_sem *sem;
    tide_group *tg;
    tide_task *t[2];
    struct settle settle;
    int rc;
};
static tide_status oom_all(void *frame)
{
    struct oom_all *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_TRY(f, tide_sem_create(NULL, 1, 0, &f->sem));
    TIDE_WITH(f, tide_timeout_scope(10, NULL))
    TIDE_WITH(f, tide_sem_scope(f->sem))
    TIDE_WITH(f, tide_lock_scope(f->lock))
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, child, NULL, NULL, .delay = 1,
                                     .name = "g"));
        for (int i = 0; i < 2; i++)
            TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t[i], .delay = 1,
                                   .name = "o"));
        TIDE_AWAIT(f, tide_gather(f->t, 2, TIDE_GATHER_OWN, NULL, NULL));
    }
    TH_CHECK(!tide_lock_is_locked(f->lock));
    TIDE_FINALLY(f);
    /* whatever failed, every scope was left: nothing waits on these */
    SETTLE(f, f->t, 2);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TH_EQ_INT(tide_sem_destroy(f->sem), 0);
    TIDE_END(f);
}
static void oom_all_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_CHECK(err == 0 || err == TIDE_ENOMEM || err == TIDE_EGROUP);
}

/* ---- the smaller idioms: nullcontext, formatted errors, task values ------ */

struct nothing_body {
    TIDE_FRAME;
    int fail;
};
static tide_status nothing_body(void *frame)
{
    struct nothing_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_null_scope()) {
        TIDE_YIELD(f);
        if (f->fail)
            TIDE_THROW_FMT(f, EBODY, "failed %d %s", 42, "times");
        th_log("nothing:in");
    }
    th_log("nothing:after");
    TIDE_END(f);
}

struct long_message {
    TIDE_FRAME;
};
static tide_status long_message(void *frame)
{
    struct long_message *f = frame;
    TIDE_BEGIN(f);
    TIDE_THROW_FMT(f, EBODY, "%0300d|", 7); /* longer than the first try */
    TIDE_END(f);
}

struct idioms {
    TIDE_FRAME;
    struct nothing_body nb;
    struct long_message lm;
    tide_task *t;
    char expect[302];
    int rc;
};
static tide_status idioms(void *frame)
{
    struct idioms *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_INIT(f, nothing_body, &f->nb, .fail = 0);
    f->nb = (struct nothing_body){.fail = 1};
    TIDE_AWAIT_CALL_CATCH(f, nothing_body, &f->nb, f->rc);
    TH_EQ_INT(f->rc, EBODY);
    TH_EQ_STR(tide_error_message(), "failed 42 times");
    TH_LOG_IS("nothing:in nothing:after");
    TIDE_AWAIT_CALL_CATCH(f, long_message, &f->lm, f->rc);
    TH_EQ_INT(f->rc, EBODY);
    snprintf(f->expect, sizeof f->expect, "%0300d|", 7);
    TH_EQ_STR(tide_error_message(), f->expect);
    /* task.result() for a task that succeeded; NULL otherwise */
    TH_CHECK(tide_task_value(NULL) == NULL);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .delay = 0, .name = "v"));
    TH_CHECK(tide_task_value(f->t) == NULL); /* pending */
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_EQ_STR(tide_task_value(f->t), "v");
    tide_task_release(f->t);
    TIDE_TRY(f, TIDE_SPAWN(child, NULL, &f->t, .delay = 0, .err = EBODY));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_CHECK(tide_task_value(f->t) == NULL); /* failed */
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* Out of memory, a long formatted message is cut short, never lost with
 * its error. */
struct oom_message {
    TIDE_FRAME;
    struct long_message lm;
    int rc;
};
static tide_status oom_message(void *frame)
{
    struct oom_message *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_CATCH(f, long_message, &f->lm, f->rc);
    TH_EQ_INT(f->rc, EBODY);
    TH_CHECK(tide_error_message() == NULL ||
             strncmp(tide_error_message(), "0000", 4) == 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("WITH-01 lock: left at the block's end, takers in turn", with_lock),
    TH_CASE("WITH-02 break, continue and TIDE_RETURN leave the block", with_jumps),
    TH_CASE("WITH-03 an error leaves nested scopes innermost first", with_errors),
    TH_CASE("WITH-04 cancelled while entering, and inside", with_cancel),
    TH_CASE("WITH-05 semaphore and condition", with_sem_cond),
    TH_CASE("WITH-06 timeouts as CPython 3.13's Timeout.__aexit__", with_timeout),
    TH_CASE("WITH-07 task group: waits, EGROUP, cancel(), return", with_group),
    TH_CASE("WITH-08 goto, FINALLY and sub-coroutine frames", with_frames),
    TH_CASE("WITH-09 misuse: abandoned frame, NULL objects", with_misuse),
    TH_CASE_AFTER("WITH-10 loop destroyed with scopes open", with_destroyed,
                  with_destroyed_after, TH_EXPECT_ERROR),
    TH_CASE("WITH-12 destroying what a block holds or made is refused",
            with_destroy_held),
    TH_CASE("GATHER-OWN-01 handles kept until regathered or the task ends",
            own_batch),
    TH_CASE("GATHER-OWN-02 outside a task, the array in the frame of a task "
            "it holds the last handle to",
            own_outside),
    TH_CASE_AFTER("WITH-11 out of memory anywhere", oom_all, oom_all_after,
                  TH_EXPECT_ERROR | TH_OOM),
    TH_CASE("IDIOM-01 null scope, TIDE_THROW_FMT, tide_task_value", idioms),
    TH_CASE_AFTER("IDIOM-03 cm = timeout(d) made apart and entered with "
                  "tide_timeout_scope_of: expired() and when() after the "
                  "block, entered once",
                  tmo_apart, tmo_apart_after, TH_OOM),
    TH_CASE_AFTER("IDIOM-03 a timeout of tide_timeout_create destroyed "
                  "while a stopped run leaves its block open",
                  cm_destroyed, cm_destroyed_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("IDIOM-04 TIDE_WITH_CATCH of an entry cancelled while "
                  "it waits: the block skipped, nothing held",
                  catch_entry_main, NULL, TH_OOM),
    TH_CASE_AFTER("IDIOM-04 TIDE_WITH_CATCH: try: async with ...: except: "
                  "the outcome after the exit is caught; returns go on; in "
                  "FINALLY the pending error stays",
                  catch_group, catch_group_after, TH_EXPECT_ERROR | TH_OOM),
    TH_CASE_AFTER("IDIOM-02 TIDE_THROW_FMT out of memory", oom_message, NULL,
                  TH_OOM),
};

TH_MAIN(cases)
