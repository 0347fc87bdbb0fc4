/*
 * threads_pthread.c - to_thread on a pool of pthreads, and
 * call_soon_threadsafe from other threads: the host's thread part
 * (host.h) on native and on Emscripten with -pthread. The hub, its inbox
 * and the pool are described in pool.h, with the hooks through which the
 * two hosts differ (posix.c, threads_emscripten.c).
 */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tide__hub *hub_of(tide_loop *L)
{
    return __atomic_load_n(&L->xthread.hub, __ATOMIC_SEQ_CST);
}

static void hub_free(struct tide__hub *h)
{
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void tide__pool_unref(struct tide__hub *h)
{
    if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0)
        hub_free(h);
}

/* The loop's hub, created on first use by whichever thread gets there. */
static struct tide__hub *hub_get(tide_loop *L, int *err)
{
    struct tide__hub *h = hub_of(L);
    if (h)
        return h;
    h = malloc(sizeof *h);
    if (!h) {
        *err = TIDE_ENOMEM;
        return NULL;
    }
    memset(h, 0, sizeof *h);
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        *err = TIDE_EHOST;
        return NULL;
    }
    if (pthread_cond_init(&h->cv, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        free(h);
        *err = TIDE_EHOST;
        return NULL;
    }
    h->qtail = &h->qhead;
    h->loop = L;
    h->refs = 1;
    h->alloc = L->alloc;
    h->alloc_ud = L->alloc_ud;
    struct tide__hub *seen = NULL;
    if (!__atomic_compare_exchange_n(&L->xthread.hub, &seen, h, 0,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        hub_free(h); /* another thread made one first */
        return seen;
    }
    return h;
}

/* Push onto the inbox; returns 1 if it was empty: the caller must then
 * wake the loop (later pushers know a wake-up is on its way). */
static int inbox_push(struct tide__hub *h, tide__xnode *n)
{
    tide__xnode *old = __atomic_load_n(&h->inbox, __ATOMIC_RELAXED);
    do
        n->next = old;
    while (!__atomic_compare_exchange_n(&h->inbox, &old, n, 1,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return old == NULL;
}

tide__xnode *tide__pool_take(struct tide__hub *h)
{
    tide__xnode *n = __atomic_exchange_n(&h->inbox, NULL, __ATOMIC_SEQ_CST);
    tide__xnode *fifo = NULL;
    while (n) {
        tide__xnode *next = n->next;
        n->next = fifo;
        fifo = n;
        n = next;
    }
    return fifo;
}

void *tide__pool_worker(void *arg)
{
    struct tide__hub *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->qhead && !h->stop) {
            h->idle++;
            pthread_cond_wait(&h->cv, &h->mu);
            h->idle--;
        }
        if (h->stop)
            break; /* the loop emptied the queue before it said stop */
        tide__job *j = h->qhead;
        h->qhead = j->qnext;
        if (!h->qhead)
            h->qtail = &h->qhead;
        h->queued--;
        j->state = TIDE__JOB_RUNNING;
        pthread_mutex_unlock(&h->mu);

        void *value = NULL;
        int st = tide__job_call(j, &value);

        pthread_mutex_lock(&h->mu);
        j->result = value;
        j->status = st > 0 ? 0 : st;
        j->state = TIDE__JOB_DONE;
        /* Pushed under the mutex: whoever sees TIDE__JOB_DONE under it
         * knows the job is in the inbox already (the Emscripten release
         * counts on that). The wake-up goes out after unlocking. */
        if (inbox_push(h, &j->x)) {
            tide_loop *L = h->loop; /* native: alive until we are joined */
            pthread_mutex_unlock(&h->mu);
            tide__pool_wake(h, L);
            pthread_mutex_lock(&h->mu);
        }
    }
    pthread_mutex_unlock(&h->mu);
    tide__pool_worker_exit(h);
    return NULL;
}

static void queue_remove(struct tide__hub *h, tide__job *j)
{
    tide__job **p = &h->qhead;
    while (*p && *p != j)
        p = &(*p)->qnext;
    if (!*p)
        return;
    *p = j->qnext;
    if (h->qtail == &j->qnext)
        h->qtail = p;
    h->queued--;
}

/* Queue j for a thread, starting one if none is idle and the pool has
 * room. Fails only if no thread could be started and none exists. */
int tide__host_job_submit(tide_loop *L, tide_task *t, tide__job *j)
{
    int err = 0;
    struct tide__hub *h = hub_get(L, &err);
    if (!h) {
        if (err != TIDE_ENOMEM)
            tide__set_message(t, "to_thread: cannot set up a mutex");
        return err;
    }
    j->x.kind = TIDE__X_JOB;
    pthread_mutex_lock(&h->mu);
    j->state = TIDE__JOB_QUEUED;
    j->qnext = NULL;
    *h->qtail = j;
    h->qtail = &j->qnext;
    h->queued++;
    int rc = 0;
    if (h->queued > h->idle && h->nthreads < TIDE_THREAD_POOL_SIZE) {
        rc = tide__pool_start(h);
        if (rc == 0)
            h->nthreads++;
    }
    int none = h->nthreads == 0;
    if (none)
        queue_remove(h, j); /* nobody would ever run it */
    else if (h->idle)
        pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (none) {
        char text[160];
        snprintf(text, sizeof text, "to_thread: cannot start a thread: %s",
                 strerror(rc));
        tide__set_message(t, text);
        return TIDE_EHOST;
    }
    /* A failure while other threads exist is no error: they will get to
     * this job in turn. */
    return 0;
}

int tide__host_job_withdraw(tide_loop *L, tide__job *j)
{
    struct tide__hub *h = hub_of(L);
    int never = 0;
    pthread_mutex_lock(&h->mu);
    if (j->state == TIDE__JOB_QUEUED) {
        queue_remove(h, j);
        j->state = TIDE__JOB_NEVER;
        never = 1;
    }
    pthread_mutex_unlock(&h->mu);
    return never;
}

int tide__host_job_state(tide_loop *L, const tide__job *j)
{
    struct tide__hub *h = hub_of(L);
    pthread_mutex_lock(&h->mu);
    int state = j->state;
    pthread_mutex_unlock(&h->mu);
    return state;
}

int tide_to_thread_is_inline(void)
{
    return 0;
}

size_t tide_loop_thread_count(const tide_loop *loop)
{
    struct tide__hub *h = loop ? hub_of((tide_loop *)loop) : NULL;
    if (!h)
        return 0;
    pthread_mutex_lock(&h->mu);
    size_t n = h->nthreads;
    pthread_mutex_unlock(&h->mu);
    return n;
}

void tide__pool_drain(struct tide__hub *h)
{
    for (tide__xnode *n = tide__pool_take(h), *next; n; n = next) {
        next = n->next;
        if (n->kind == TIDE__X_CALL) {
            free(TIDE__CONTAINER(n, tide__xcall, x));
            continue;
        }
        tide__job *j = TIDE__CONTAINER(n, tide__job, x);
        if (j->loop)
            continue;
        if (j->abandon)
            j->abandon(j->arg, j->result, j->status);
        free(j->fail_text);
        h->alloc(h->alloc_ud, j, sizeof *j, 0);
    }
}

/* ---- call_soon_threadsafe ------------------------------------------------ */

static void xcall_unlink(tide__xcall *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->hub->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

static void xcall_run(tide__runnable *r)
{
    tide__xcall *c = TIDE__CONTAINER(r, tide__xcall, run);
    xcall_unlink(c);
    tide__callback_run(c->loop, c->cb, c->arg);
    free(c);
}

int tide__host_post(tide_loop *L, tide_callback cb, void *arg)
{
    int err = 0;
    struct tide__hub *h = hub_get(L, &err);
    if (!h)
        return err;
    tide__xcall *c = malloc(sizeof *c);
    if (!c)
        return TIDE_ENOMEM;
    memset(c, 0, sizeof *c);
    c->x.kind = TIDE__X_CALL;
    c->run.run = xcall_run;
    c->hub = h;
    c->loop = L;
    c->cb = cb;
    c->arg = arg;
    if (inbox_push(h, &c->x))
        tide__pool_wake(h, L);
    return 0;
}

/* ---- the loop's side -------------------------------------------------- */

int tide__host_threads_arrived(tide_loop *L)
{
    struct tide__hub *h = hub_of(L);
    return h && __atomic_load_n(&h->inbox, __ATOMIC_SEQ_CST) != NULL;
}

void tide__host_threads_poll(tide_loop *L)
{
    struct tide__hub *h = hub_of(L);
    if (!h || !__atomic_load_n(&h->inbox, __ATOMIC_RELAXED))
        return;
    int calls = 0;
    for (tide__xnode *n = tide__pool_take(h), *next; n; n = next) {
        next = n->next;
        if (n->kind == TIDE__X_JOB) {
            tide__job_arrived(L, TIDE__CONTAINER(n, tide__job, x));
        } else {
            tide__xcall *c = TIDE__CONTAINER(n, tide__xcall, x);
            c->prev = NULL;
            c->next = h->calls;
            if (c->next)
                c->next->prev = c;
            h->calls = c;
            tide__ready_push(L, &c->run);
            calls = 1;
        }
    }
    if (calls)
        tide__wakeup(L);
}

void tide__host_threads_stop(tide_loop *L)
{
    struct tide__hub *h = hub_of(L);
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    for (tide__job *j = h->qhead; j; j = j->qnext)
        j->state = TIDE__JOB_NEVER; /* not started: never will be */
    h->qhead = NULL;
    h->qtail = &h->qhead;
    h->queued = 0;
    h->stop = 1;
    pthread_cond_broadcast(&h->cv);
    tide__pool_release(h, L); /* unlocks */
    /* What arrived and was not taken in: callbacks never run; finished
     * jobs are still on the loop's list (the core abandons them), but for
     * those that left the loop while they ran (Emscripten). */
    tide__pool_drain(h);
    /* Callbacks taken in but not run: tide_loop_destroy has already
     * emptied the ready queue they sat in. */
    while (h->calls) {
        tide__xcall *c = h->calls;
        h->calls = c->next;
        free(c);
    }
}

void tide__host_threads_free(tide_loop *L)
{
    struct tide__hub *h = hub_of(L);
    if (!h)
        return;
    __atomic_store_n(&L->xthread.hub, NULL, __ATOMIC_SEQ_CST);
    tide__pool_unref(h); /* Emscripten: workers may hold it a little longer */
}
