/*
 * barrier.c - tide_barrier (asyncio.Barrier), built like CPython's: a
 * condition, a count of tasks inside wait(), and a state that goes
 * filling -> draining (tripped) -> filling, or to resetting / broken.
 *
 * wait() in asyncio is
 *     async with cond:
 *         await block()          # wait_for(not draining/resetting)
 *         index = count; count += 1
 *         try:   last arrival: state = draining, notify_all
 *                others: await wait_for(state != filling)
 *         finally: count -= 1; exit()
 * Each await is a step of the chain below, so the last arrival returns
 * first and the others leave after it, each re-acquiring the condition's
 * lock in turn, as in CPython.
 */
#include "sync.h"

#include <stdio.h>

enum { FILLING, DRAINING, RESETTING, BROKEN };

struct tide_barrier {
    tide_loop *loop;
    tide_cond cond;
    int parties;
    int count;    /* tasks inside wait(), past block() */
    int state;
    size_t active; /* waits in progress */
    tide__resource res;
};

static int barrier_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_barrier *b = TIDE__CONTAINER(r, tide_barrier, res);
    static const char *states[] = {"filling", "draining", "resetting",
                                   "broken"};
    snprintf(buf, n, "%s, %d of %d arrived", states[b->state], b->count,
             b->parties);
    return b->active != 0;
}

static const tide__resource_ops barrier_res = {.kind = "barrier",
                                               .describe = barrier_describe};

struct bwait {
    tide__cwait w; /* first: the task's wait_out points at either */
    tide_barrier *b;
    int index;
    int *out;
};

int tide_barrier_create(tide_loop *loop, int parties, tide_barrier **out)
{
    int err;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    if (parties < 1)
        return tide__fail(__func__, TIDE_EINVAL,
                          "parties is %d: a barrier needs 1 or more",
                          parties);
    tide_loop *L = tide__sync_loop(loop, &err, __func__);
    if (!L)
        return err;
    tide__mem mem;
    tide_barrier *b = tide__mem_alloc(L, sizeof *b, &mem);
    if (!b)
        return TIDE_ENOMEM;
    b->loop = L;
    tide__cond_init(&b->cond, L, NULL);
    b->cond.own.mem = mem;
    b->parties = parties;
    b->count = 0;
    b->state = FILLING;
    b->active = 0;
    tide__resource_add(L, &b->res, &barrier_res);
    b->cond.named = &b->res; /* its waits are reported as the barrier's */
    *out = b;
    return 0;
}

int tide_barrier_destroy(tide_barrier *b)
{
    if (!b)
        return 0;
    if (tide__foreign_resource(&b->res, b->loop))
        return tide__fail_thread(__func__);
    if (b->active || b->cond.own.waiters.len || b->cond.waiters.len)
        return tide__busy(__func__, 0);
    tide__resource_remove(&b->res);
    tide__mem_free(&b->cond.own.mem, b, sizeof *b);
    return 0;
}

int tide_barrier_parties(const tide_barrier *b)
{
    return b ? b->parties : 0;
}

int tide_barrier_waiter_count(const tide_barrier *b)
{
    return b && b->state == FILLING ? b->count : 0;
}

int tide_barrier_is_broken(const tide_barrier *b)
{
    return b && b->state == BROKEN;
}

static int not_draining(void *arg)
{
    tide_barrier *b = arg;
    return b->state != DRAINING && b->state != RESETTING;
}

static int not_filling(void *arg)
{
    return ((tide_barrier *)arg)->state != FILLING;
}

/* Barrier._exit: the last task out ends a drain or a reset. */
static void barrier_exit(tide_barrier *b)
{
    if (b->count == 0) {
        if (b->state == RESETTING || b->state == DRAINING)
            b->state = FILLING;
        tide__cond_notify(&b->cond, b->cond.waiters.len);
    }
}

static void bwait_free(tide__cwait *w)
{
    struct bwait *bw = (struct bwait *)w;
    bw->b->active--;
    tide__free(bw->b->loop, bw, sizeof *bw);
}

static int after_wait(tide_task *t, tide__cwait *w, int rc);
static void barrier_exit(tide_barrier *b);

/* Given up in the step that began it (cond.c, a misuse): an arrival
 * already counted leaves as a failed one would. */
static void bwait_withdraw(tide__cwait *w)
{
    struct bwait *bw = (struct bwait *)w;
    if (w->next == after_wait) {
        bw->b->count--;
        barrier_exit(bw->b);
    }
    bwait_free(w);
}

/* Leaves wait(): `async with`'s release (if the lock is held), then the
 * outcome. */
static int leave(struct bwait *bw, int rc, int locked)
{
    if (locked)
        tide__lock_unlock(bw->b->cond.lock);
    if (rc == 0 && bw->out)
        *bw->out = bw->index;
    bwait_free(&bw->w);
    return rc;
}

/* The try's finally: this task is out of the barrier. */
static int depart(struct bwait *bw, int rc)
{
    bw->b->count--;
    barrier_exit(bw->b);
    return leave(bw, rc, 1);
}

static int after_wait(tide_task *t, tide__cwait *w, int rc)
{
    struct bwait *bw = (struct bwait *)w;
    if (rc == 0 && (bw->b->state == BROKEN || bw->b->state == RESETTING)) {
        tide__set_message(t, "Abort or reset of barrier");
        rc = TIDE_EBROKEN;
    }
    return depart(bw, rc);
}

static int after_block(tide_task *t, tide__cwait *w, int rc)
{
    struct bwait *bw = (struct bwait *)w;
    tide_barrier *b = bw->b;
    if (rc == 0 && b->state == BROKEN) {
        tide__set_message(t, "Barrier aborted");
        rc = TIDE_EBROKEN;
    }
    if (rc < 0)
        return leave(bw, rc, 1);
    bw->index = b->count++;
    if (bw->index + 1 == b->parties) {
        /* Trip: release the others; they leave after us. */
        b->state = DRAINING;
        tide__cond_notify(&b->cond, b->cond.waiters.len);
        return depart(bw, 0);
    }
    w->pred = not_filling;
    w->next = after_wait;
    return tide__cwait_for(t, w);
}

/* Inside `async with cond`: block while the barrier drains or resets. */
static int entered(tide_task *t, struct bwait *bw)
{
    bw->w.pred = not_draining;
    bw->w.next = after_block;
    return tide__cwait_for(t, &bw->w);
}

static int enter_resume(tide_task *t, int status)
{
    struct bwait *bw = t->wait_out;
    int rc = tide__lock_after_wait(t, status);
    if (rc < 0)
        return leave(bw, rc, 0);
    return entered(t, bw);
}

static void enter_drop(tide_task *t)
{
    tide__waitq_remove(t);
    bwait_free(t->wait_out);
}

static tide_task *enter_describe(tide_task *t, char *buf, size_t n)
{
    struct bwait *bw = t->wait_out;
    char name[40], holder[120];
    tide_task *blocker = tide__lock_holder(bw->b->cond.lock, holder,
                                           sizeof holder);
    snprintf(buf, n, "%s (entering, its lock %s)",
             tide__res_name(&bw->b->res, "barrier", name, sizeof name),
             holder);
    return blocker;
}

static const tide__wait_ops enter_ops = {
    .what = "barrier",
    .cancel = tide__waitq_cancel,
    .resume = enter_resume,
    .drop = enter_drop,
    .describe = enter_describe,
};

static int barrier_wait(tide_barrier *b, int *index)
{
    int err;
    tide_task *t =
        tide__sync_task(b ? b->loop : NULL, &err, "tide_barrier_wait");
    if (!t)
        return err;
    struct bwait *bw = tide__alloc(b->loop, sizeof *bw);
    if (!bw)
        return TIDE_ENOMEM;
    *bw = (struct bwait){
        {&b->cond, 0, NULL, NULL, b, 0, NULL, bwait_free, bwait_withdraw}, b, 0,
        index};
    b->active++;
    /* `async with cond`; the lock is never contended (see reset below),
     * but waiting for it costs nothing to keep. */
    tide_lock *l = b->cond.lock;
    if (tide__lock_try(l))
        return entered(t, bw);
    return tide__waitq_wait(&l->waiters, t, &enter_ops, bw);
}

tide_await tide_barrier_wait(tide_barrier *b, int *index)
{
    return tide__aw(barrier_wait(b, index));
}

/* ---- reset and abort ------------------------------------------------------
 *
 * asyncio's are coroutines doing `async with cond: change state;
 * notify_all()`. Nobody holds the barrier's lock across an await (each
 * holder releases it within its step) and so nobody ever queues on it: the
 * acquire always takes the fast path and the release wakes nobody. Doing
 * the change directly is the same, and needs no task. */

int tide_barrier_reset(tide_barrier *b)
{
    if (!b)
        return TIDE__NULL_ARG("b");
    if (tide__foreign(b->loop))
        return tide__fail_thread(__func__);
    if (b->count > 0)
        b->state = RESETTING; /* the tasks inside fail, the last one out
                                 makes it filling again */
    else
        b->state = FILLING;
    tide__cond_notify(&b->cond, b->cond.waiters.len);
    return 0;
}

int tide_barrier_abort(tide_barrier *b)
{
    if (!b)
        return TIDE__NULL_ARG("b");
    if (tide__foreign(b->loop))
        return tide__fail_thread(__func__);
    b->state = BROKEN;
    tide__cond_notify(&b->cond, b->cond.waiters.len);
    return 0;
}
