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

void tide__donecb_fire(tide__waiter *w, tide_task *task)
{
    tide__donecb *cb = TIDE__CONTAINER(w, tide__donecb, waiter);
    cb->linked = 0;
    task->flags |= TIDE__T_RETRIEVED; /* its outcome reached someone */
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
    tide__list_push(&task->awaiters, &cb->waiter.node);
}

void tide__donecb_remove(tide__donecb *cb)
{
    if (cb->linked) {
        tide__list_remove(&cb->waiter.node);
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
