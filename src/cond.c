/*
 * cond.c - tide_cond (asyncio.Condition).
 *
 * Condition.wait is a coroutine in asyncio: release the lock, await a
 * future in the condition's queue, then re-acquire the lock in a loop that
 * swallows cancellations until it holds the lock, re-raise the last one,
 * and on any error notify another waiter in our place. Here each step
 * after an await is a resume hook, and re-acquiring re-suspends the task
 * in the lock's queue, so wake-ups, re-acquisitions and cancellations fall
 * in the same iterations as in CPython (COND-02, COND-05..08).
 *
 * The state of one wait lives in a tide__cwait, pointed to by the task's
 * wait_out while it waits (in the condition's queue or the lock's).
 */
#include "sync.h"

#include <stdio.h>

void tide__cond_init(tide_cond *c, tide_loop *L, tide_lock *lock)
{
    c->loop = L;
    tide__lock_init(&c->own, L);
    c->lock = lock ? lock : &c->own;
    tide__waitq_init(&c->waiters);
    c->active = 0;
    c->res.ops = NULL;
    tide__list_init(&c->res.link);
    c->named = NULL;
}

static int cond_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_cond *c = TIDE__CONTAINER(r, tide_cond, res);
    char holder[120];
    tide__lock_holder(c->lock, holder, sizeof holder);
    snprintf(buf, n, "lock %s, %zu waiting", holder, c->waiters.len);
    return c->waiters.len || c->lock->locked;
}

static const tide__resource_ops cond_res = {.kind = "condition",
                                            .describe = cond_describe};

int tide_cond_create(tide_loop *loop, tide_lock *lock, tide_cond **out)
{
    int err;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    tide_loop *L = tide__sync_loop(loop, &err, __func__);
    if (!L)
        return err;
    if (lock && lock->loop != L)
        return tide__fail(__func__, TIDE_EINVAL,
                          "the lock belongs to another loop");
    tide__mem mem;
    tide_cond *c = tide__mem_alloc(L, sizeof *c, &mem);
    if (!c)
        return TIDE_ENOMEM;
    tide__cond_init(c, L, lock);
    c->own.mem = mem;
    tide__resource_add(L, &c->res, &cond_res);
    c->named = &c->res;
    *out = c;
    return 0;
}

int tide_cond_destroy(tide_cond *cond)
{
    if (!cond)
        return 0;
    if (tide__foreign_resource(&cond->res, cond->loop))
        return tide__fail_thread(__func__);
    if (cond->waiters.len || cond->active || cond->own.waiters.len)
        return tide__busy(__func__, 0);
    if (cond->own.scopes && tide__resource_in_run(&cond->res, cond->loop))
        return tide__busy(__func__, 1);
    tide__resource_remove(&cond->res);
    tide__mem_free(&cond->own.mem, cond, sizeof *cond);
    return 0;
}

tide_await tide_cond_acquire(tide_cond *cond)
{
    return tide__aw(
        tide__lock_acquire(cond ? cond->lock : NULL, "tide_cond_acquire"));
}

int tide_cond_release(tide_cond *cond)
{
    return cond ? tide_lock_release(cond->lock) : TIDE_EINVAL;
}

int tide_cond_is_locked(const tide_cond *cond)
{
    return cond ? cond->lock->locked : 0;
}

size_t tide_cond_waiter_count(const tide_cond *cond)
{
    return cond ? cond->waiters.len : 0;
}

void tide__cond_notify(tide_cond *c, size_t n)
{
    size_t woken = 0;
    for (tide_task *w = tide__waitq_first(&c->waiters); w && woken < n;
         w = tide__waitq_next(&c->waiters, w)) {
        if (!tide__waiter_done(w)) {
            woken++;
            tide__waiter_wake(w);
        }
    }
}

int tide_cond_notify(tide_cond *cond, size_t n)
{
    if (!cond)
        return TIDE__NULL_ARG("cond");
    if (tide__foreign(cond->loop))
        return tide__fail_thread(__func__);
    if (!cond->lock->locked)
        return TIDE_ENOTLOCKED;
    tide__cond_notify(cond, n);
    return 0;
}

int tide_cond_notify_all(tide_cond *cond)
{
    return tide_cond_notify(cond, cond ? cond->waiters.len : 0);
}

/* ---- the wait ----------------------------------------------------------- */

static int cwait_woken(tide_task *t, int status);
static int cwait_relocked(tide_task *t, int status);
static void cwait_drop(tide_task *t);
static void cwait_withdraw(tide_task *t);
static void relock_withdraw(tide_task *t);

/* Waiting for a notify: nobody in particular holds it up. */
static tide_task *notify_describe(tide_task *t, char *buf, size_t n)
{
    tide__cwait *w = t->wait_out;
    char name[40];
    snprintf(buf, n, "%s (a notify)",
             tide__res_name(w->cond->named, "condition", name, sizeof name));
    return NULL;
}

/* Re-acquiring the lock: whoever holds it holds this wait up. */
static tide_task *relock_describe(tide_task *t, char *buf, size_t n)
{
    tide__cwait *w = t->wait_out;
    char name[40], holder[120];
    tide_task *blocker = tide__lock_holder(w->cond->lock, holder, sizeof holder);
    snprintf(buf, n, "%s (re-acquiring its lock, %s)",
             tide__res_name(w->cond->named, "condition", name, sizeof name),
             holder);
    return blocker;
}

static const tide__wait_ops wait_ops = {
    .what = "condition",
    .cancel = tide__waitq_cancel,
    .resume = cwait_woken,
    .drop = cwait_drop,
    .describe = notify_describe,
    .withdraw = cwait_withdraw,
};
static const tide__wait_ops relock_ops = {
    .what = "lock",
    .cancel = tide__waitq_cancel,
    .resume = cwait_relocked,
    .drop = cwait_drop,
    .describe = relock_describe,
    .withdraw = relock_withdraw,
};

static int unacquired(tide_task *t)
{
    tide__set_message(t, "cannot wait on un-acquired lock");
    return TIDE_ENOTLOCKED;
}

/* Release the lock and queue up for a notify (the caller holds the lock). */
static int cwait_suspend(tide_task *t, tide__cwait *w)
{
    tide__lock_unlock(w->cond->lock);
    return tide__waitq_wait(&w->cond->waiters, t, &wait_ops, w);
}

int tide__cwait_for(tide_task *t, tide__cwait *w)
{
    if (w->pred && (w->last = w->pred(w->arg)) != 0)
        return w->next(t, w, 0);
    if (!w->cond->lock->locked)
        return w->next(t, w, unacquired(t));
    return cwait_suspend(t, w);
}

/* The lock is ours again: re-raise what an earlier phase caught, or with a
 * predicate, check it and maybe wait once more. */
static int cwait_done(tide_task *t, tide__cwait *w)
{
    tide_loop *L = t->loop;
    int rc = w->err;
    w->err = 0;
    if (rc < 0) {
        /* We may have consumed a notify we will not act on: pass it on
         * (a spurious wake-up for someone is allowed; a lost one is not). */
        tide__cond_notify(w->cond, 1);
        tide__msg_set(L, &t->msg, w->msg);
    } else {
        tide__msg_set(L, &t->msg, NULL);
    }
    tide__msg_set(L, &w->msg, NULL);
    if (rc == 0 && w->pred)
        return tide__cwait_for(t, w);
    return w->next(t, w, rc);
}

/* The re-acquire loop: try again after each cancellation, keeping the
 * latest one to re-raise. */
static int relock(tide_task *t, tide__cwait *w)
{
    tide_lock *l = w->cond->lock;
    if (tide__lock_try(l))
        return cwait_done(t, w);
    return tide__waitq_wait(&l->waiters, t, &relock_ops, w);
}

static void keep_error(tide_task *t, tide__cwait *w, int status)
{
    w->err = status;
    tide__msg_set(t->loop, &w->msg, t->msg);
}

static int cwait_woken(tide_task *t, int status)
{
    tide__cwait *w = t->wait_out;
    tide__waitq_remove(t);
    if (status < 0)
        keep_error(t, w, status);
    return relock(t, w);
}

static int cwait_relocked(tide_task *t, int status)
{
    tide__cwait *w = t->wait_out;
    if (tide__lock_after_wait(t, status) < 0) {
        keep_error(t, w, status);
        return relock(t, w);
    }
    return cwait_done(t, w);
}

static void cwait_drop(tide_task *t)
{
    tide__cwait *w = t->wait_out;
    tide__waitq_remove(t);
    tide__msg_set(t->loop, &w->msg, NULL);
    w->drop(w);
}

/* Given up in the step that began it: a notify it received goes to
 * another waiter; the lock is not taken back (that could mean waiting). */
static void cwait_withdraw(tide_task *t)
{
    tide__cwait *w = t->wait_out;
    int notified = tide__waiter_done(t) && !tide__waiter_cancelled(t);
    tide__waitq_remove(t);
    if (notified)
        tide__cond_notify(w->cond, 1);
    tide__msg_set(t->loop, &w->msg, NULL);
    w->withdraw(w);
}

static void relock_withdraw(tide_task *t)
{
    tide__cwait *w = t->wait_out;
    tide__lock_after_wait(t, TIDE_ECANCELLED); /* hands the lock on */
    tide__msg_set(t->loop, &w->msg, NULL);
    w->withdraw(w);
}

/* ---- tide_cond_wait / tide_cond_wait_for -------------------------------- */

struct user_wait {
    tide__cwait w;
    int *result;
};

static void user_free(tide__cwait *w)
{
    w->cond->active--;
    tide__free(w->cond->loop, w, sizeof(struct user_wait));
}

static int user_done(tide_task *t, tide__cwait *w, int rc)
{
    (void)t;
    struct user_wait *u = (struct user_wait *)w;
    if (u->result)
        *u->result = w->last;
    user_free(w);
    return rc;
}

/* wait (pred NULL) or wait_for (with_pred: pred may not be NULL) */
static int start(tide_cond *cond, int with_pred, tide_predicate pred,
                 void *arg, int *result, const char *call)
{
    int err;
    tide_task *t = tide__sync_task(cond ? cond->loop : NULL, &err, call);
    if (!t)
        return err;
    if (with_pred && !pred)
        return TIDE_EINVAL;
    if (pred) {
        int r = pred(arg);
        if (result)
            *result = r;
        if (r)
            return 0; /* already true: the lock is not even needed */
    }
    if (!cond->lock->locked)
        return unacquired(t);
    struct user_wait *u = tide__alloc(cond->loop, sizeof *u);
    if (!u)
        return TIDE_ENOMEM;
    *u = (struct user_wait){
        {cond, 0, NULL, pred, arg, 0, user_done, user_free, user_free},
        result};
    cond->active++;
    return cwait_suspend(t, &u->w);
}

tide_await tide_cond_wait(tide_cond *cond)
{
    return tide__aw(start(cond, 0, NULL, NULL, NULL, "tide_cond_wait"));
}

tide_await tide_cond_wait_for(tide_cond *cond, tide_predicate pred, void *arg,
                              int *result)
{
    return tide__aw(start(cond, 1, pred, arg, result, "tide_cond_wait_for"));
}
