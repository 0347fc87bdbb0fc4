/*
 * sem.c - tide_sem (asyncio.Semaphore and BoundedSemaphore), after 3.13's
 * locks.py: release() hands the permit straight to the first waiter not
 * yet woken (taking it off `value` there and then), newcomers queue behind
 * any waiter that has not given up, and a waiter that runs wakes as many
 * more as the value allows (SEM-08).
 */
#include "sync.h"

#include <stdio.h>

#include <limits.h>

struct tide_sem {
    tide_loop *loop;
    tide__mem mem;
    tide__waitq waiters;
    int value;
    int bound; /* initial value of a bounded semaphore, else -1 */
    uint32_t scopes; /* open TIDE_WITH blocks on it: destroy is refused */
    tide__resource res;
};

static int sem_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_sem *s = TIDE__CONTAINER(r, tide_sem, res);
    snprintf(buf, n, "value %d, %zu waiting", s->value, s->waiters.len);
    /* open: tasks wait, or a bounded one has permits out */
    return s->waiters.len || (s->bound >= 0 && s->value < s->bound);
}

static const tide__resource_ops sem_res = {.kind = "semaphore",
                                           .describe = sem_describe};

/* A waiter handed a permit by wake_up_next is marked through its wait's
 * out slot (the acquire itself delivers no value): asyncio's "fut.done()
 * and not fut.cancelled()", which the resume hook can no longer read from
 * the status once a later cancel has overridden it. */
#define HANDED(t) ((t)->wait_out != NULL)

int tide_sem_create(tide_loop *loop, int value, int bounded, tide_sem **out)
{
    int err;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    if (value < 0)
        return tide__fail(__func__, TIDE_EINVAL,
                          "value is %d: a semaphore starts with 0 or more "
                          "permits",
                          value);
    tide_loop *L = tide__sync_loop(loop, &err, __func__);
    if (!L)
        return err;
    tide__mem mem;
    tide_sem *s = tide__mem_alloc(L, sizeof *s, &mem);
    if (!s)
        return TIDE_ENOMEM;
    s->loop = L;
    s->mem = mem;
    tide__waitq_init(&s->waiters);
    s->value = value;
    s->bound = bounded ? value : -1;
    s->scopes = 0;
    tide__resource_add(L, &s->res, &sem_res);
    *out = s;
    return 0;
}

void tide__sem_pin(tide_sem *sem, int by)
{
    sem->scopes += (uint32_t)by;
}

int tide_sem_destroy(tide_sem *sem)
{
    if (!sem)
        return 0;
    if (tide__foreign_resource(&sem->res, sem->loop))
        return tide__fail_thread(__func__);
    if (sem->waiters.len)
        return tide__busy(__func__, 0);
    if (sem->scopes && tide__resource_in_run(&sem->res, sem->loop))
        return tide__busy(__func__, 1);
    tide__resource_remove(&sem->res);
    tide__mem_free(&sem->mem, sem, sizeof *sem);
    return 0;
}

int tide_sem_is_locked(const tide_sem *sem)
{
    if (!sem)
        return 0;
    if (sem->value == 0)
        return 1;
    /* FIFO: a waiter that still wants a permit goes first. */
    for (tide_task *w = tide__waitq_first(&sem->waiters); w;
         w = tide__waitq_next(&sem->waiters, w))
        if (!tide__waiter_cancelled(w))
            return 1;
    return 0;
}

/* Semaphore._wake_up_next: give a permit to the first waiter not woken. */
static int wake_up_next(tide_sem *s)
{
    for (tide_task *w = tide__waitq_first(&s->waiters); w;
         w = tide__waitq_next(&s->waiters, w)) {
        if (!tide__waiter_done(w)) {
            s->value--;
            w->wait_out = s;
            tide__waiter_wake(w);
            return 1;
        }
    }
    return 0;
}

static int sem_resume(tide_task *t, int status)
{
    tide_sem *s = TIDE__CONTAINER(tide__waitq_of(t), tide_sem, waiters);
    tide__waitq_remove(t);
    if (status < 0 && HANDED(t))
        s->value++; /* handed a permit, but cancelled: give it back */
    /* Waiters that queued behind us only for fairness may go now. */
    while (s->value > 0 && wake_up_next(s))
        ;
    return status;
}

static tide_task *sem_wait_describe(tide_task *t, char *buf, size_t n)
{
    tide_sem *s = TIDE__CONTAINER(tide__waitq_of(t), tide_sem, waiters);
    char name[40];
    snprintf(buf, n, "%s (value %d)",
             tide__res_name(&s->res, "semaphore", name, sizeof name),
             s->value);
    return NULL; /* permits have no single holder */
}

static const tide__wait_ops sem_ops = {
    .what = "semaphore",
    .cancel = tide__waitq_cancel,
    .resume = sem_resume,
    .drop = tide__waitq_drop,
    .describe = sem_wait_describe,
};

static int sem_acquire(tide_sem *sem)
{
    int err;
    tide_task *t =
        tide__sync_task(sem ? sem->loop : NULL, &err, "tide_sem_acquire");
    if (!t)
        return err;
    if (!tide_sem_is_locked(sem)) {
        sem->value--;
        return 0;
    }
    return tide__waitq_wait(&sem->waiters, t, &sem_ops, NULL);
}

tide_await tide_sem_acquire(tide_sem *sem)
{
    return tide__aw(sem_acquire(sem));
}

int tide_sem_release(tide_sem *sem)
{
    if (!sem)
        return TIDE__NULL_ARG("sem");
    if (tide__foreign(sem->loop))
        return tide__fail_thread(__func__);
    if (sem->bound >= 0 && sem->value >= sem->bound)
        return tide__fail(__func__, TIDE_EOVERFLOW, /* asyncio's words */
                          "BoundedSemaphore released too many times (its "
                          "value is %d)",
                          sem->bound);
    if (sem->value == INT_MAX) /* a plain one cannot count further */
        return tide__fail(__func__, TIDE_EOVERFLOW,
                          "the semaphore's value is INT_MAX already");
    sem->value++;
    wake_up_next(sem);
    return 0;
}

int tide_sem_value(const tide_sem *sem)
{
    return sem ? sem->value : 0;
}

size_t tide_sem_waiter_count(const tide_sem *sem)
{
    return sem ? sem->waiters.len : 0;
}
