/*
 * gather.c - tide_gather: wait for many tasks, results in argument order.
 *
 * As in asyncio, each child's completion reaches the gather through a done
 * callback that runs one iteration later, and the gather's own completion
 * wakes the awaiting task one iteration after that; keeping those hops
 * keeps the order of events the same as CPython's. Children already done
 * when it is called can settle it at once, without any hop (CPython 3.12+).
 *
 * One allocation per gather: the state plus one done callback per child.
 * It lives until the awaiting task has stopped waiting and no callback is
 * still queued (refs).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

struct gather {
    tide_loop *loop;
    tide_task *parent;
    size_t n, finished;
    unsigned flags;
    void **values;
    int *errors;
    uint32_t refs; /* the waiting parent + queued callbacks */
    tide__cancel_frame walk; /* walk.took: a cancel reached a child */
    int done;
    tide__donecb cbs[];
};

static size_t gather_size(size_t n)
{
    return sizeof(struct gather) + n * sizeof(tide__donecb);
}

static void gather_unref(struct gather *g)
{
    if (--g->refs)
        return;
    tide__donecbs_clear(g->loop, g->cbs, g->n);
    tide__free(g->loop, g, gather_size(g->n));
}

/* Stop watching the children still pending (the parent's own reference
 * keeps g alive meanwhile). */
static void remove_all(struct gather *g)
{
    tide__donecbs_remove(g->cbs, g->n, &g->refs);
}

/* CPython's gather keeps its callback on every child to the end, and the
 * callback reads the outcome even after the gather is over: no child's
 * error goes unretrieved (debug mode) because the gather stopped early. */
static void mark_retrieved(tide_task *const *tasks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tasks[i]->flags |= TIDE__T_RETRIEVED;
}

/* The gather has its outcome: stop listening and wake the parent. */
static void complete(struct gather *g, int status, tide__msg *msg)
{
    g->done = 1;
    for (size_t i = 0; i < g->n; i++)
        if (g->cbs[i].linked)
            g->cbs[i].task->flags |= TIDE__T_RETRIEVED;
    remove_all(g);
    tide__wake(g->parent, status, msg);
}

static void child_done(tide__donecb *cb)
{
    struct gather *g = cb->owner;
    g->finished++;
    if (!g->done) {
        if (!(g->flags & TIDE_GATHER_RETURN_ERRORS) && cb->status < 0) {
            complete(g, cb->status, cb->msg);
        } else {
            if (g->values && cb->status >= 0)
                g->values[cb->index] = cb->value;
            if (g->errors)
                g->errors[cb->index] = cb->status;
            if (g->finished == g->n) {
                if (g->walk.took)
                    complete(g, TIDE_ECANCELLED,
                             cb->status == TIDE_ECANCELLED ? cb->msg : NULL);
                else
                    complete(g, 0, NULL);
            }
        }
    }
    gather_unref(g);
}

static void child_release(tide__donecb *cb)
{
    gather_unref(cb->owner);
}

/* Cancelling the awaiter cancels each pending child, once per time it is
 * listed (as CPython's _GatheringFuture.cancel walks its children): the
 * cancel walk (cancel.c) does, through gather_awaited; if any took, the
 * gather ends cancelled once all are done (walk.took). */
static int gather_cancel(tide_task *t, tide__msg *msg)
{
    struct gather *g = t->wait.on.obj;
    for (size_t i = 0; i < g->n; i++) {
        if (g->cbs[i].linked &&
            (g->cbs[i].task->flags & TIDE__T_IN_CANCEL)) {
            /* the cancel came back round a cycle of tasks awaiting each
             * other: stop waiting, so that the cycle unwinds */
            complete(g, TIDE_ECANCELLED, msg);
            return 1;
        }
    }
    return TIDE__CANCEL_PASS;
}

static tide_task *gather_awaited(tide_task *t, size_t *i)
{
    struct gather *g = t->wait.on.obj;
    while (*i < g->n) {
        const tide__donecb *cb = &g->cbs[(*i)++];
        if (cb->linked)
            return cb->task;
    }
    return NULL;
}

static tide__cancel_frame *gather_frame(tide_task *t)
{
    return &((struct gather *)t->wait.on.obj)->walk;
}

static int gather_resume(tide_task *t, int status)
{
    gather_unref(t->wait.on.obj); /* the parent stops waiting on it */
    return status;
}

static void gather_drop(tide_task *t)
{
    struct gather *g = t->wait.on.obj;
    remove_all(g);
    g->refs = 1;
    gather_unref(g);
}

/* Given up in the step that began it: callbacks already queued find it
 * done and only let go of their reference. */
static void gather_withdraw(tide_task *t)
{
    struct gather *g = t->wait.on.obj;
    g->done = 1;
    remove_all(g);
    gather_unref(g);
}

static tide_task *gather_describe(tide_task *t, char *buf, size_t n)
{
    struct gather *g = t->wait.on.obj;
    snprintf(buf, n, "gather of %zu task(s), %zu finished", g->n, g->finished);
    return tide__donecbs_pending(g->cbs, g->n);
}

static const tide__wait_ops gather_ops = {
    .what = "gather",
    .cancel = gather_cancel,
    .resume = gather_resume,
    .drop = gather_drop,
    .describe = gather_describe,
    .awaited = gather_awaited,
    .frame = gather_frame,
    .withdraw = gather_withdraw,
};

/* Since 3.12 CPython's gather() handles the children already done inside
 * the call: if they settle the outcome (all done; or, without
 * RETURN_ERRORS, one that failed - the first in argument order), the await
 * completes at once, without a trip through the loop. Returns 1 and the
 * outcome in *rc if so; 0 leaves the done children to their callbacks
 * (queued now, they run before anything that finishes later). */
static int settled_at_once(tide_task *t, tide_task *const *tasks, size_t n,
                           unsigned flags, void **values, int *errors,
                           int *rc)
{
    tide_task *failed = NULL;
    size_t done = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        if (!(tasks[i]->flags & TIDE__T_DONE))
            continue;
        done++;
        if (tasks[i]->status < 0 && !(flags & TIDE_GATHER_RETURN_ERRORS))
            failed = tasks[i];
    }
    if (!failed && done < n)
        return 0;
    mark_retrieved(tasks, n);
    if (failed) {
        tide__msg_set(t->loop, &t->msg, failed->msg);
        *rc = failed->status;
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (values && tasks[i]->status >= 0)
            values[i] = ((tide_frame *)tide__task_frame(tasks[i]))->result;
        if (errors)
            errors[i] = tasks[i]->status;
    }
    *rc = 0;
    return 1;
}

/* t: the current task, past the awaitables' entry test */
static int gather(tide_task *t, tide_task *const *tasks, size_t n,
                  unsigned flags, void **values, int *errors)
{
    if ((n && !tasks) ||
        (flags & ~(unsigned)(TIDE_GATHER_RETURN_ERRORS | TIDE_GATHER_OWN)))
        return TIDE_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int err = tide__check_awaited(t, tasks[i]);
        if (err < 0)
            return err;
    }
    if (n == 0)
        return 0;
    int rc;
    if (settled_at_once(t, tasks, n, flags, values, errors, &rc))
        return rc;
    if (n > (SIZE_MAX - sizeof(struct gather)) / sizeof(tide__donecb))
        return TIDE_ENOMEM;
    tide_loop *L = t->loop;
    struct gather *g = tide__alloc(L, gather_size(n));
    if (!g)
        return TIDE_ENOMEM;
    memset(g, 0, gather_size(n));
    g->loop = L;
    g->parent = t;
    g->n = n;
    g->flags = flags;
    g->values = values;
    g->errors = errors;
    g->refs = 1 + (uint32_t)n; /* the parent + each callback until it has
                                  run or been removed */
    for (size_t i = 0; i < n; i++) {
        g->cbs[i].owner = g;
        g->cbs[i].awaiter = t;
        g->cbs[i].index = i;
        tide__donecb_add(&g->cbs[i], tasks[i], child_done, child_release);
    }
    t->wait.on.obj = g;
    return tide__suspend(t, &gather_ops, NULL);
}

tide_await tide_gather(tide_task *const *tasks, size_t n, unsigned flags,
                       void **values, int *errors)
{
    /* a gather called while the task waits already is refused first, as
     * every awaitable is (taking the handles may run out of memory and hide
     * it); owned handles are taken all the same, and let go of at once if
     * there was no memory to keep them */
    int err;
    tide_task *t = tide__current_for_await(&err, "tide_gather");
    if (flags & TIDE_GATHER_OWN) {
        int rc = tide__gather_own(tasks, n, !t);
        if (t && rc < 0)
            return tide__aw(rc);
    }
    if (!t)
        return tide__aw(err);
    return tide__aw(gather(t, tasks, n, flags, values, errors));
}
