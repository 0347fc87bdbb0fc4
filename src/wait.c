/*
 * wait.c - waiting with limits: tide_wait (asyncio.wait), tide_shield,
 * tide_wait_for.
 *
 * Like CPython, wait and shield learn of a task's end through a done
 * callback (one iteration later) and then wake the waiting task (one more),
 * and wait_for(timeout > 0) is a timeout scope around a plain join.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- one task behind a done callback: shield, and wait_for(<= 0) ------- */

struct watch {
    tide__donecb cb;
    tide_task *parent;
    void **out;
    uint32_t refs;  /* the waiting parent + the callback until it ran */
    int done;       /* the parent has its outcome */
    int timed;      /* wait_for(<= 0): a cancelled end means ETIMEDOUT */
};

static void watch_unref(struct watch *w)
{
    if (--w->refs)
        return;
    tide__donecb_clear(w->parent->loop, &w->cb);
    tide__free(w->parent->loop, w, sizeof *w);
}

static void watch_release(tide__donecb *cb)
{
    watch_unref(cb->owner);
}

static void watch_done(tide__donecb *cb)
{
    struct watch *w = cb->owner;
    if (!w->done) {
        w->done = 1;
        int status = cb->status;
        tide__msg *msg = cb->msg;
        if (status == TIDE_ECANCELLED) {
            /* wait_for(<= 0): the cancel was ours, so it timed out; shield:
             * CPython re-cancels the outer future, without the message */
            status = w->timed ? TIDE_ETIMEDOUT : TIDE_ECANCELLED;
            msg = NULL;
        }
        if (status >= 0 && w->out)
            *w->out = cb->value;
        tide__wake(w->parent, status, msg);
    }
    watch_unref(w);
}

/* The waiting task is cancelled: it stops waiting at once (the watched task
 * runs on, as under shield). */
static int watch_cancel(tide_task *t, tide__msg *msg)
{
    struct watch *w = t->wait.on.obj;
    if (w->done)
        return 0;
    w->done = 1;
    if (w->cb.linked) {
        tide__donecb_remove(&w->cb);
        w->refs--;
    }
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

static int watch_resume(tide_task *t, int status)
{
    watch_unref(t->wait.on.obj);
    return status;
}

static void watch_drop(tide_task *t)
{
    struct watch *w = t->wait.on.obj;
    tide__donecb_remove(&w->cb);
    w->refs = 1;
    watch_unref(w);
}

static tide_task *watch_describe(tide_task *t, char *buf, size_t n)
{
    struct watch *w = t->wait.on.obj;
    char label[80];
    tide_task *child = w->cb.linked ? w->cb.task : NULL;
    if (!child) {
        snprintf(buf, n, "a finished task");
        return NULL;
    }
    snprintf(buf, n, "task %s (%s)", tide__task_label(child, label, sizeof label),
             w->timed ? "wait_for" : "shield");
    return child;
}

static const tide__wait_ops watch_ops = {
    .what = "task",
    .cancel = watch_cancel,
    .resume = watch_resume,
    .drop = watch_drop,
    .describe = watch_describe,
};

/* The outcome of a finished task, as an await returns it. */
static int outcome(tide_task *t, tide_task *child, void **value)
{
    if (child->status >= 0 && value)
        *value = ((tide_frame *)tide__task_frame(child))->result;
    tide__msg_set(t->loop, &t->msg, child->msg);
    return child->status;
}

/* Checks shared by the single-task waits. */
static tide_task *await_task_checks(tide_task *child, int *err,
                                    const char *call)
{
    tide_task *t = tide__current_for_await(err, call);
    if (!t)
        return NULL;
    *err = tide__check_awaited(t, child);
    return *err ? NULL : t;
}

static int watch_start(tide_task *t, tide_task *child, void **value,
                       int timed)
{
    struct watch *w = tide__alloc(t->loop, sizeof *w);
    if (!w)
        return TIDE_ENOMEM;
    memset(w, 0, sizeof *w);
    w->parent = t;
    w->out = value;
    w->timed = timed;
    w->refs = 2;
    w->cb.owner = w;
    w->cb.awaiter = t;
    tide__donecb_add(&w->cb, child, watch_done, watch_release);
    t->wait.on.obj = w;
    return tide__suspend(t, &watch_ops, NULL);
}

tide_await tide_shield(tide_task *child, void **value)
{
    int err;
    tide_task *t = await_task_checks(child, &err, "tide_shield");
    if (!t)
        return tide__aw(err);
    if (child->flags & TIDE__T_DONE)
        return tide__aw(outcome(t, child, value));
    return tide__aw(watch_start(t, child, value, 0));
}

/* ---- wait_for ------------------------------------------------------------ */

/* wait_for(timeout > 0) is `async with timeout(d): return await task`:
 * a join (the parent's own waiter node sits in the child's awaiters)
 * whose resume leaves the timeout scope. */
struct wait_for {
    tide_task *parent;
    tide_task *child;
    void **out;
    tide_timeout *scope;
};

static void wait_for_fire(tide__waiter *waiter, tide_task *child)
{
    tide_task *t = TIDE__CONTAINER(waiter, tide_task, wait.on.waiter);
    struct wait_for *wf = t->wait.on.obj;
    if (child->status >= 0 && wf->out)
        *wf->out = ((tide_frame *)tide__task_frame(child))->result;
    child->flags |= TIDE__T_RETRIEVED;
    tide__wake(t, child->status, child->msg);
}

static int wait_for_cancel(tide_task *t, tide__msg *msg)
{
    struct wait_for *wf = t->wait.on.obj;
    return tide__cancel_awaited(t, wf->child, msg); /* as a join does */
}

static tide_task *wait_for_awaited(tide_task *t, size_t *i)
{
    struct wait_for *wf = t->wait.on.obj;
    return (*i)++ == 0 ? wf->child : NULL;
}

static void wait_for_free(struct wait_for *wf)
{
    tide_loop *L = wf->parent->loop;
    tide_timeout_destroy(wf->scope);
    tide__free(L, wf, sizeof *wf);
}

static int wait_for_resume(tide_task *t, int status)
{
    struct wait_for *wf = t->wait.on.obj;
    int rc = tide_timeout_exit(wf->scope, status);
    wait_for_free(wf);
    return rc;
}

static void wait_for_drop(tide_task *t)
{
    struct wait_for *wf = t->wait.on.obj;
    tide__awaiters_remove(wf->child, &t->wait.on.waiter.node);
    wait_for_free(wf);
}

static tide_task *wait_for_describe(tide_task *t, char *buf, size_t n)
{
    struct wait_for *wf = t->wait.on.obj;
    char label[80];
    snprintf(buf, n, "task %s (wait_for)",
             tide__task_label(wf->child, label, sizeof label));
    return wf->child;
}

/* (its cancel would reach the awaited task: the drop is what undoes it) */
static const tide__wait_ops wait_for_ops = {
    .what = "task",
    .cancel = wait_for_cancel,
    .resume = wait_for_resume,
    .drop = wait_for_drop,
    .describe = wait_for_describe,
    .awaited = wait_for_awaited,
    .withdraw = wait_for_drop,
};

static int wait_for(tide_task *child, double timeout, void **value)
{
    int err;
    tide_task *t = await_task_checks(child, &err, "tide_wait_for");
    if (!t)
        return err;
    if (isnan(timeout))
        return tide__nan_refused(t, "timeout");
    if (isinf(timeout) && timeout > 0)
        return tide__join(child, value);
    if (child->flags & TIDE__T_DONE)
        return outcome(t, child, value);
    if (timeout <= 0) {
        /* cancel it, wait until it is done, then judge its outcome */
        int rc = watch_start(t, child, value, 1);
        if (rc == TIDE_PENDING)
            tide__task_cancel(child, NULL);
        return rc;
    }
    struct wait_for *wf = tide__alloc(t->loop, sizeof *wf);
    if (!wf)
        return TIDE_ENOMEM;
    memset(wf, 0, sizeof *wf);
    int rc = tide_timeout_enter(timeout, &wf->scope);
    if (rc < 0) {
        tide__free(t->loop, wf, sizeof *wf);
        return rc;
    }
    wf->parent = t;
    wf->child = child;
    wf->out = value;
    t->wait.on.waiter.fire = wait_for_fire;
    tide__awaiters_push(child, &t->wait.on.waiter.node);
    t->wait.on.obj = wf;
    return tide__suspend(t, &wait_for_ops, NULL);
}

tide_await tide_wait_for(tide_task *child, double timeout, void **value)
{
    return tide__aw(wait_for(child, timeout, value));
}

/* ---- wait ------------------------------------------------------------------ */

struct waitset {
    tide_loop *loop;
    tide_task *parent;
    tide_handle *timer;
    size_t cap;     /* callbacks allocated (tasks given) */
    size_t n;       /* distinct tasks */
    size_t pending; /* of those, not yet reported done */
    int return_when;
    uint32_t refs;  /* the parent + callbacks not yet run or removed */
    int done;
    tide__donecb cbs[];
};

static size_t waitset_size(size_t n)
{
    return sizeof(struct waitset) + n * sizeof(tide__donecb);
}

static void waitset_unref(struct waitset *ws)
{
    if (--ws->refs)
        return;
    tide__donecbs_clear(ws->loop, ws->cbs, ws->n);
    tide__free(ws->loop, ws, waitset_size(ws->cap));
}

static void waitset_release(struct waitset *ws, int status, tide__msg *msg)
{
    if (ws->done)
        return;
    ws->done = 1;
    tide__wake(ws->parent, status, msg);
}

static int waitset_timeout(void *arg)
{
    waitset_release(arg, 0, NULL);
    return 0;
}

static void waitset_cb_release(tide__donecb *cb)
{
    waitset_unref(cb->owner);
}

static void waitset_child_done(tide__donecb *cb)
{
    struct waitset *ws = cb->owner;
    ws->pending--;
    if (ws->pending == 0 || ws->return_when == TIDE_FIRST_COMPLETED ||
        (ws->return_when == TIDE_FIRST_EXCEPTION && cb->status < 0 &&
         cb->status != TIDE_ECANCELLED)) {
        if (ws->timer)
            tide_handle_cancel(ws->timer);
        waitset_release(ws, 0, NULL);
    }
    waitset_unref(ws);
}

static int waitset_cancel(tide_task *t, tide__msg *msg)
{
    struct waitset *ws = t->wait.on.obj;
    if (ws->done)
        return 0;
    waitset_release(ws, TIDE_ECANCELLED, msg);
    return 1;
}

/* After the await: stop the timer and the callbacks, whatever woke us. */
static void waitset_finish(struct waitset *ws)
{
    if (ws->timer) {
        tide_handle_cancel(ws->timer);
        tide_handle_release(ws->timer);
        ws->timer = NULL;
    }
    tide__donecbs_remove(ws->cbs, ws->n, &ws->refs);
}

static int waitset_resume(tide_task *t, int status)
{
    struct waitset *ws = t->wait.on.obj;
    waitset_finish(ws);
    waitset_unref(ws);
    return status;
}

static void waitset_drop(tide_task *t)
{
    struct waitset *ws = t->wait.on.obj;
    waitset_finish(ws);
    ws->refs = 1;
    waitset_unref(ws);
}

/* The first task still pending, as the one holding the wait up. */
static tide_task *waitset_describe(tide_task *t, char *buf, size_t n)
{
    struct waitset *ws = t->wait.on.obj;
    snprintf(buf, n, "wait for %zu task(s), %zu pending", ws->n, ws->pending);
    return tide__donecbs_pending(ws->cbs, ws->n);
}

static const tide__wait_ops waitset_ops = {
    .what = "wait",
    .cancel = waitset_cancel,
    .resume = waitset_resume,
    .drop = waitset_drop,
    .describe = waitset_describe,
};

static int wait_set(tide_task *const *tasks, size_t n, int return_when,
                    double timeout)
{
    int err;
    tide_task *t = tide__current_for_await(&err, "tide_wait");
    if (!t)
        return err;
    if (isnan(timeout))
        return tide__nan_refused(t, "timeout");
    if (!tasks || n == 0 ||
        (return_when != TIDE_FIRST_COMPLETED &&
         return_when != TIDE_FIRST_EXCEPTION &&
         return_when != TIDE_ALL_COMPLETED))
        return TIDE_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((err = tide__check_awaited(t, tasks[i])) < 0)
            return err;
    if (n > (SIZE_MAX - sizeof(struct waitset)) / sizeof(tide__donecb))
        return TIDE_ENOMEM;
    tide_loop *L = t->loop;
    struct waitset *ws = tide__alloc(L, waitset_size(n));
    if (!ws)
        return TIDE_ENOMEM;
    memset(ws, 0, waitset_size(n));
    ws->loop = L;
    ws->parent = t;
    ws->cap = n;
    ws->return_when = return_when;
    ws->refs = 1;
    if (!(isinf(timeout) && timeout > 0)) {
        int rc = tide_call_later(L, timeout, waitset_timeout, ws, &ws->timer);
        if (rc < 0) {
            tide__free(L, ws, waitset_size(n));
            return rc;
        }
    }
    /* A task listed twice counts once, as in asyncio's set(fs). */
    for (size_t i = 0; i < n; i++) {
        if (tasks[i]->flags & TIDE__T_MARK)
            continue;
        tasks[i]->flags |= TIDE__T_MARK;
        tide__donecb *cb = &ws->cbs[ws->n];
        cb->owner = ws;
        cb->awaiter = t;
        cb->index = ws->n++;
        ws->refs++;
        tide__donecb_add(cb, tasks[i], waitset_child_done, waitset_cb_release);
    }
    for (size_t i = 0; i < n; i++)
        tasks[i]->flags &= (uint16_t)~TIDE__T_MARK;
    ws->pending = ws->n;
    t->wait.on.obj = ws;
    return tide__suspend(t, &waitset_ops, NULL);
}

tide_await tide_wait(tide_task *const *tasks, size_t n, int return_when,
                     double timeout)
{
    return tide__aw(wait_set(tasks, n, return_when, timeout));
}
