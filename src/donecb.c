/*
 * donecb.c - done callbacks on tasks, one iteration after they finish.
 * See internal.h.
 */
#include "internal.h"

void tide__donecb_run(tide__runnable *r)
{
    tide__donecb *cb = TIDE__CONTAINER(r, tide__donecb, run);
    cb->fn(cb);
}

static void user_donecb_run(tide__donecb *cb);

void tide__donecb_fire(tide__waiter *w, tide_task *task)
{
    tide__donecb *cb = TIDE__CONTAINER(w, tide__donecb, waiter);
    cb->linked = 0;
    /* its outcome reached someone; a program's own callback only counts
     * if it reads the outcome (tide_task_result), as in asyncio */
    if (cb->fn != user_donecb_run)
        task->flags |= TIDE__T_RETRIEVED;
    cb->status = task->status;
    cb->msg = tide__msg_ref(task->msg);
    cb->value = task->status >= 0
                    ? ((tide_frame *)tide__task_frame(task))->result
                    : NULL;
    cb->run.run = tide__donecb_run;
    tide__ready_push(task->loop, &cb->run);
}

void tide__donecb_add(tide__donecb *cb, tide_task *task,
                      void (*fn)(tide__donecb *cb),
                      void (*release)(tide__donecb *cb))
{
    cb->task = task;
    cb->fn = fn;
    cb->release = release;
    cb->msg = NULL;
    cb->waiter.fire = tide__donecb_fire;
    if (task->flags & TIDE__T_DONE) {
        cb->linked = 0;
        tide__donecb_fire(&cb->waiter, task);
        return;
    }
    cb->linked = 1;
    tide__awaiters_push(task, &cb->waiter.node);
}

void tide__donecb_remove(tide__donecb *cb)
{
    if (cb->linked) {
        tide__awaiters_remove(cb->task, &cb->waiter.node);
        cb->linked = 0;
    }
}

void tide__donecb_clear(tide_loop *L, tide__donecb *cb)
{
    tide__msg_unref(L, cb->msg);
    cb->msg = NULL;
}

void tide__donecbs_remove(tide__donecb *cbs, size_t n, uint32_t *refs)
{
    for (size_t i = 0; i < n; i++) {
        if (cbs[i].linked) {
            tide__donecb_remove(&cbs[i]);
            --*refs;
        }
    }
}

tide_task *tide__donecbs_pending(const tide__donecb *cbs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cbs[i].linked)
            return cbs[i].task;
    return NULL;
}

void tide__donecbs_clear(tide_loop *L, tide__donecb *cbs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tide__donecb_clear(L, &cbs[i]);
}

/* ---- the public form: tide_task_add_done_callback -------------------------
 * A record per registration, on the loop's list so that teardown finds
 * those that never ran. It holds a reference to the task, so the callback
 * gets a live handle even if everyone else released theirs. */

typedef struct user_donecb {
    tide__donecb cb;
    tide__node link; /* in L->user_donecbs */
    tide_done_fn fn;
    void *arg;
} user_donecb;

static void user_donecb_free(user_donecb *u)
{
    tide_loop *L = u->cb.task->loop;
    tide__list_remove(&u->link);
    tide__donecb_remove(&u->cb);
    tide__donecb_clear(L, &u->cb);
    tide_task_release(u->cb.task);
    tide__free(L, u, sizeof *u);
}

static void user_donecb_run(tide__donecb *cb)
{
    user_donecb *u = TIDE__CONTAINER(cb, user_donecb, cb);
    tide__donecb_call(cb->task->loop, u->fn, cb->task, u->arg);
    user_donecb_free(u);
}

static void user_donecb_release(tide__donecb *cb)
{
    user_donecb_free(TIDE__CONTAINER(cb, user_donecb, cb));
}

int tide_task_add_done_callback(tide_task *t, tide_done_fn fn, void *arg)
{
    if (!t || !fn)
        return TIDE__NULL_ARG(t ? "fn" : "t");
    tide_loop *L = t->loop;
    if (tide__foreign(L))
        return tide__fail_thread(__func__);
    user_donecb *u = tide__alloc(L, sizeof *u);
    if (!u)
        return TIDE_ENOMEM;
    u->fn = fn;
    u->arg = arg;
    tide__list_push(&L->user_donecbs, &u->link);
    tide__donecb_add(&u->cb, tide_task_retain(t), user_donecb_run,
                     user_donecb_release);
    /* a task already done: queued now, like asyncio's call_soon */
    tide__wakeup(L);
    return 0;
}

int tide_task_remove_done_callback(tide_task *t, tide_done_fn fn, void *arg)
{
    if (!t || !fn)
        return TIDE__NULL_ARG(t ? "fn" : "t");
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    int n = 0;
    tide__node *next;
    for (tide__node *i = tide__awaiters_first(t); i; i = next) {
        next = tide__awaiters_next(t, i); /* before i may be unlinked */
        tide__waiter *w = TIDE__CONTAINER(i, tide__waiter, node);
        if (w->fire != tide__donecb_fire)
            continue;
        tide__donecb *cb = TIDE__CONTAINER(w, tide__donecb, waiter);
        if (cb->fn != user_donecb_run)
            continue;
        user_donecb *u = TIDE__CONTAINER(cb, user_donecb, cb);
        if (u->fn == fn && u->arg == arg) {
            user_donecb_free(u);
            n++;
        }
    }
    return n;
}

void tide__user_donecbs_destroy(tide_loop *L)
{
    while (!tide__list_empty(&L->user_donecbs))
        user_donecb_free(TIDE__CONTAINER(L->user_donecbs.next, user_donecb,
                                         link));
}
