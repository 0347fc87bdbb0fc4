/*
 * lock.c - tide_lock (asyncio.Lock): FIFO, no barging, and a wake-up is
 * never lost when a woken waiter is cancelled before it runs.
 *
 * Like asyncio, release() only wakes the first queued waiter, and only if
 * it has not been woken or cancelled already; a waiter that leaves by
 * cancellation wakes the new first one itself (LOCK-06, LOCK-07).
 */
#include "sync.h"

#include <stdio.h>

tide_loop *tide__sync_loop(tide_loop *loop, int *err, const char *fn)
{
    if (!loop)
        loop = tide_running_loop();
    *err = loop ? 0 : TIDE_ENOLOOP;
    if (loop && tide__foreign(loop)) {
        *err = tide__fail_thread(fn);
        return NULL;
    }
    return loop;
}

tide_task *tide__sync_task(tide_loop *L, int *err, const char *call)
{
    tide_task *t = tide__current_for_await(err, call);
    if (!L) { /* no primitive: bad input, after the misuse check */
        if (*err != TIDE_ESTATE)
            *err = TIDE_EINVAL;
        return NULL;
    }
    if (t && t->loop != L) {
        /* A primitive is bound to the loop it was created on; waking a task
         * of another loop would corrupt both (LOCK-09). */
        tide__set_message(t, "the primitive is bound to a different event "
                             "loop");
        *err = TIDE_ESTATE;
        return NULL;
    }
    return t;
}

void tide__lock_init(tide_lock *l, tide_loop *L)
{
    l->loop = L;
    tide__waitq_init(&l->waiters);
    l->locked = 0;
    l->holder = 0;
    l->scopes = 0;
    l->res.ops = NULL;
    tide__list_init(&l->res.link);
}

const char *tide__res_name(const tide__resource *r, const char *kind,
                           char *buf, size_t n)
{
    if (r && r->ops)
        snprintf(buf, n, "%s#%u", r->ops->kind, (unsigned)r->id);
    else
        snprintf(buf, n, "%s", kind);
    return buf;
}

tide_task *tide__lock_holder(const tide_lock *l, char *buf, size_t n)
{
    if (!l->locked) {
        snprintf(buf, n, "free");
        return NULL;
    }
    tide_task *t = l->holder ? tide__task_by_id(l->loop, l->holder) : NULL;
    char label[80];
    if (t)
        snprintf(buf, n, "held by %s%s",
                 tide__task_label(t, label, sizeof label),
                 (t->flags & TIDE__T_DONE) ? " (finished)" : "");
    else if (l->holder)
        snprintf(buf, n, "held by Task-%u (finished)", (unsigned)l->holder);
    else
        snprintf(buf, n, "held");
    /* a finished holder cannot release it: nothing holds the chain up */
    return t && !(t->flags & TIDE__T_DONE) ? t : NULL;
}

static int lock_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_lock *l = TIDE__CONTAINER(r, tide_lock, res);
    char holder[120];
    tide__lock_holder(l, holder, sizeof holder);
    snprintf(buf, n, "%s, %zu waiting", holder, l->waiters.len);
    return l->locked || l->waiters.len;
}

static const tide__resource_ops lock_res = {.kind = "lock",
                                            .describe = lock_describe};

int tide_lock_create(tide_loop *loop, tide_lock **out)
{
    int err;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    tide_loop *L = tide__sync_loop(loop, &err, __func__);
    if (!L)
        return err;
    tide__mem mem;
    tide_lock *l = tide__mem_alloc(L, sizeof *l, &mem);
    if (!l)
        return TIDE_ENOMEM;
    tide__lock_init(l, L);
    l->mem = mem;
    tide__resource_add(L, &l->res, &lock_res);
    *out = l;
    return 0;
}

int tide_lock_destroy(tide_lock *lock)
{
    if (!lock)
        return 0;
    if (tide__foreign_resource(&lock->res, lock->loop))
        return tide__fail_thread(__func__);
    if (lock->waiters.len)
        return tide__busy(__func__, 0);
    if (lock->scopes && tide__resource_in_run(&lock->res, lock->loop))
        return tide__busy(__func__, 1);
    tide__resource_remove(&lock->res);
    tide__mem_free(&lock->mem, lock, sizeof *lock);
    return 0;
}

int tide__lock_try(tide_lock *l)
{
    if (l->locked)
        return 0;
    /* Jumping the queue is allowed only past waiters that gave up. */
    for (tide_task *w = tide__waitq_first(&l->waiters); w;
         w = tide__waitq_next(&l->waiters, w))
        if (!tide__waiter_cancelled(w))
            return 0;
    l->locked = 1;
    tide_task *t = tide__current();
    l->holder = t ? t->id : 0;
    return 1;
}

/* Lock._wake_up_first: only the head matters; if it is already woken (or
 * cancelled) it will pass the lock on itself when it runs. */
static void wake_up_first(tide_lock *l)
{
    tide_task *w = tide__waitq_first(&l->waiters);
    if (w && !tide__waiter_done(w))
        tide__waiter_wake(w);
}

void tide__lock_unlock(tide_lock *l)
{
    l->locked = 0;
    l->holder = 0;
    wake_up_first(l);
}

tide_lock *tide__lock_of_waiter(tide_task *t)
{
    return TIDE__CONTAINER(tide__waitq_of(t), tide_lock, waiters);
}

int tide__lock_after_wait(tide_task *t, int status)
{
    tide_lock *l = tide__lock_of_waiter(t);
    tide__waitq_remove(t);
    if (status < 0) {
        /* Cancelled (before or after being woken): if nobody holds the
         * lock, make sure the new head gets its turn. */
        if (!l->locked)
            wake_up_first(l);
        return status;
    }
    l->locked = 1;
    l->holder = t->id;
    return 0;
}

static tide_task *lock_wait_describe(tide_task *t, char *buf, size_t n)
{
    tide_lock *l = tide__lock_of_waiter(t);
    char name[40], holder[120];
    tide_task *blocker = tide__lock_holder(l, holder, sizeof holder);
    snprintf(buf, n, "%s %s", tide__res_name(&l->res, "lock", name,
                                             sizeof name), holder);
    return blocker;
}

static const tide__wait_ops lock_ops = {
    .what = "lock",
    .cancel = tide__waitq_cancel,
    .resume = tide__lock_after_wait,
    .drop = tide__waitq_drop,
    .describe = lock_wait_describe,
};

int tide__lock_acquire(tide_lock *lock, const char *call)
{
    int err;
    tide_task *t = tide__sync_task(lock ? lock->loop : NULL, &err, call);
    if (!t)
        return err;
    if (tide__lock_try(lock))
        return 0;
    return tide__waitq_wait(&lock->waiters, t, &lock_ops, NULL);
}

tide_await tide_lock_acquire(tide_lock *lock)
{
    return tide__aw(tide__lock_acquire(lock, "tide_lock_acquire"));
}

int tide_lock_release(tide_lock *lock)
{
    if (!lock)
        return TIDE__NULL_ARG("lock");
    if (tide__foreign(lock->loop))
        return tide__fail_thread(__func__);
    if (!lock->locked)
        return TIDE_ENOTLOCKED;
    tide__lock_unlock(lock);
    return 0;
}

int tide_lock_is_locked(const tide_lock *lock)
{
    return lock ? lock->locked : 0;
}

size_t tide_lock_waiter_count(const tide_lock *lock)
{
    return lock ? lock->waiters.len : 0;
}
