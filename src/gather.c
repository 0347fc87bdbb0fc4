/*
 * gather.c - tide_gather: wait for many tasks, results in argument order.
 *
 * As in asyncio, a child's completion reaches the gather through a done
 * callback that runs one iteration later, and the gather's own completion
 * wakes the awaiting task one iteration after that; keeping those hops keeps
 * the order of events the same as CPython's.
 *
 * One allocation per gather: the state plus one node per child. The state
 * lives until the awaiting task has stopped waiting and no node callback is
 * still queued (refs).
 */
#include "internal.h"

#include <string.h>

struct gather;

struct gnode {
    tide__waiter waiter;  /* in the child's awaiters while it is pending */
    tide__runnable run;   /* the done callback, queued when the child ends */
    struct gather *g;
    tide_task *child;     /* valid while linked (the child is pending) */
    size_t index;
    int status;
    tide__msg *msg;
    void *value;
    int linked;
};

struct gather {
    tide_loop *loop;
    tide_task *parent;
    size_t n, finished;
    unsigned flags;
    void **values;
    int *errors;
    uint32_t refs; /* the waiting parent + queued node callbacks */
    int cancel_requested;
    int done;
    struct gnode nodes[];
};


static size_t gather_size(size_t n)
{
    return sizeof(struct gather) + n * sizeof(struct gnode);
}

static void gather_unref(struct gather *g)
{
    if (--g->refs)
        return;
    for (size_t i = 0; i < g->n; i++)
        tide__msg_unref(g->loop, g->nodes[i].msg);
    tide__free(g->loop, g, gather_size(g->n));
}

static void unlink_all(struct gather *g)
{
    for (size_t i = 0; i < g->n; i++) {
        if (g->nodes[i].linked) {
            tide__list_remove(&g->nodes[i].waiter.node);
            g->nodes[i].linked = 0;
        }
    }
}

/* The gather has its outcome: stop listening and wake the parent. */
static void complete(struct gather *g, int status, tide__msg *msg)
{
    g->done = 1;
    unlink_all(g);
    tide__wake(g->parent, status, msg);
    gather_unref(g); /* the parent no longer waits on it */
}

static void gnode_run(tide__runnable *r)
{
    struct gnode *nd = TIDE__CONTAINER(r, struct gnode, run);
    struct gather *g = nd->g;
    g->finished++;
    if (!g->done) {
        if (!(g->flags & TIDE_GATHER_RETURN_ERRORS) && nd->status < 0) {
            complete(g, nd->status, nd->msg);
        } else {
            if (g->values && nd->status >= 0)
                g->values[nd->index] = nd->value;
            if (g->errors)
                g->errors[nd->index] = nd->status;
            if (g->finished == g->n) {
                if (g->cancel_requested)
                    complete(g, TIDE_ECANCELLED,
                             nd->status == TIDE_ECANCELLED ? nd->msg : NULL);
                else
                    complete(g, 0, NULL);
            }
        }
    }
    gather_unref(g);
}

static void gnode_fire(tide__waiter *w, tide_task *child)
{
    struct gnode *nd = TIDE__CONTAINER(w, struct gnode, waiter);
    nd->linked = 0;
    nd->status = child->status;
    nd->msg = tide__msg_ref(child->msg);
    if (child->status >= 0)
        nd->value = ((tide_frame *)tide__task_frame(child))->result;
    nd->g->refs++;
    tide__ready_push(nd->g->loop, &nd->run);
}

static int gather_cancel(tide_task *t, tide__msg *msg)
{
    struct gather *g = t->wait.on.obj;
    int taken = 0;
    /* Cancel each pending child once, even if it is listed twice. */
    for (size_t i = 0; i < g->n; i++) {
        tide_task *c = g->nodes[i].child;
        if (g->nodes[i].linked && !(c->flags & TIDE__T_MARK)) {
            c->flags |= TIDE__T_MARK;
            if (tide__task_cancel(c, msg) == 1)
                taken = 1;
        }
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].linked)
            g->nodes[i].child->flags &= (uint16_t)~TIDE__T_MARK;
    if (taken)
        g->cancel_requested = 1;
    return taken;
}

static void gather_drop(tide_task *t)
{
    struct gather *g = t->wait.on.obj;
    unlink_all(g);
    g->refs = 1;
    gather_unref(g);
}

static const tide__wait_ops gather_ops = {"gather", gather_cancel, NULL,
                                          gather_drop};

int tide_gather(tide_task *const *tasks, size_t n, unsigned flags,
                void **values, int *errors)
{
    int err;
    tide_task *t = tide__current_for_await(&err);
    if (!t)
        return err;
    if ((n && !tasks) || (flags & ~(unsigned)TIDE_GATHER_RETURN_ERRORS))
        return TIDE_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!tasks[i])
            return TIDE_EINVAL;
        if (tasks[i] == t)
            return TIDE_ESELF;
    }
    if (n == 0)
        return 0;
    if (n > (SIZE_MAX - sizeof(struct gather)) / sizeof(struct gnode))
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
    g->refs = 1;
    for (size_t i = 0; i < n; i++) {
        struct gnode *nd = &g->nodes[i];
        nd->g = g;
        nd->child = tasks[i];
        nd->index = i;
        nd->waiter.fire = gnode_fire;
        nd->run.run = gnode_run;
        if (tasks[i]->flags & TIDE__T_DONE) {
            gnode_fire(&nd->waiter, tasks[i]);
        } else {
            nd->linked = 1;
            tide__list_push(&tasks[i]->awaiters, &nd->waiter.node);
        }
    }
    t->wait.on.obj = g;
    return tide__suspend(t, &gather_ops, NULL);
}
