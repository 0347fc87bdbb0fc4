/*
 * thread.c - to_thread and call_soon_threadsafe: how a loop deals with
 * other threads.
 *
 * A to_thread call is a *job*, allocated on the loop's thread with the
 * loop's allocator and freed there too. The awaiting task points at it
 * (t->wait.on.obj) until it resumes; the job points back at the task until
 * the task gives it up (cancelled, or its loop destroyed), after which the
 * outcome goes to the call's `abandon` function when it arrives.
 *
 * Everything other threads touch sits in one *hub* per loop:
 *  - an inbox: a lock-free stack that any thread pushes onto and the loop
 *    empties with one atomic exchange (then reverses, for FIFO order). It
 *    carries finished jobs and call_soon_threadsafe callbacks, so both
 *    arrive in the order they were posted. Whoever makes it non-empty wakes
 *    the loop: natively a byte down the loop's pipe (src/host/posix.c), on
 *    Emscripten a call posted to the page's main thread;
 *  - the pool: a mutex, a condition variable, the FIFO of jobs waiting for
 *    a thread, and the threads (started lazily, at most
 *    TIDE_THREAD_POOL_SIZE).
 * The hub comes from malloc(), not from the loop's allocator, because any
 * thread may be the first to need it, and because on Emscripten it must
 * outlive the loop until the last worker has let go of it: the page's main
 * thread never waits for a worker (pthread_join there freezes the page).
 *
 * Hosts without threads (WASI preview1, Emscripten without pthreads) run
 * the function inline and complete the job through the ready queue, so the
 * task still suspends and resumes as everywhere else.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__wasi__) ||                                                       \
    (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))
#define HAVE_THREADS 0
#else
#define HAVE_THREADS 1
#include <pthread.h>
#ifdef __EMSCRIPTEN__
#include <emscripten/threading.h>
#endif
#endif

enum {
    JOB_QUEUED,  /* waiting for a thread */
    JOB_RUNNING, /* a thread runs fn */
    JOB_DONE,    /* fn returned */
    JOB_NEVER    /* dropped before any thread took it: fn never runs */
};

enum { X_JOB = 1, X_CALL = 2 };

/* An entry of the hub's inbox. */
typedef struct xnode {
    struct xnode *next;
    int kind;
} xnode;

struct tide__job {
    xnode x;                       /* in the inbox once fn has returned */
    tide__runnable run;            /* inline hosts: completion via ready */
    struct tide__job *qnext;       /* in the pool's queue */
    struct tide__job *prev, *next; /* in L->xthread.jobs */
    tide_loop *loop;
    tide_task *task;               /* the awaiting task; NULL once given up */
    tide_thread_fn fn;
    tide_thread_abandon_fn abandon;
    void *arg;
    void *result;
    int status;
    int state;     /* JOB_*; under the hub's mutex while a thread may look */
    int threaded;  /* counted in L->host_pending until taken in */
    int delivered; /* its task was woken with the outcome */
};

typedef struct tide__job job;

/* ---- jobs, on the loop's thread --------------------------------------- */

static void job_link(tide_loop *L, job *j)
{
    j->prev = NULL;
    j->next = L->xthread.jobs;
    if (j->next)
        j->next->prev = j;
    L->xthread.jobs = j;
}

static void job_unlink(tide_loop *L, job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        L->xthread.jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    j->prev = j->next = NULL;
}

static void job_free(tide_loop *L, job *j)
{
    job_unlink(L, j);
    tide__free(L, j, sizeof *j);
}

/* Nobody will take the outcome: hand it to `abandon`, free the job. */
static void job_abandon(tide_loop *L, job *j)
{
    if (j->abandon) {
        if (j->state == JOB_NEVER)
            j->abandon(j->arg, NULL, TIDE_ECANCELLED);
        else
            j->abandon(j->arg, j->result, j->status);
    }
    job_free(L, j);
}

/* A finished job reaches the loop: wake its task with the outcome, or
 * abandon it if the task gave it up meanwhile. */
static void job_take_in(tide_loop *L, job *j)
{
    if (j->threaded)
        L->host_pending--;
    if (!j->task) {
        job_abandon(L, j);
        return;
    }
    j->delivered = 1;
    tide__wake(j->task, j->status, NULL);
}

/* ---- the hub and the pool ------------------------------------------------ */

#if HAVE_THREADS

struct tide__hub {
    xnode *inbox;            /* atomic: LIFO stack of arrivals */
    tide_loop *loop;         /* atomic; NULL once destroyed (Emscripten) */
    int refs;                /* atomic: the loop's, plus on Emscripten each
                                live worker's and each wake-up in flight */
    tide_alloc_fn alloc;     /* the loop's allocator, for jobs that finish */
    void *alloc_ud;          /* after their loop is gone (Emscripten) */
    pthread_mutex_t mu;      /* guards what follows */
    pthread_cond_t cv;       /* idle threads wait here for work */
    job *qhead, **qtail;     /* jobs waiting for a thread, FIFO */
    unsigned queued;         /* their number */
    unsigned idle;           /* threads waiting on cv */
    unsigned nthreads;       /* threads started */
    int stop;                /* the loop is going: threads exit */
    pthread_t tids[TIDE_THREAD_POOL_SIZE];
    struct xcall *calls;     /* loop thread: callbacks taken in, not run */
};

/* A call_soon_threadsafe callback from another thread. */
typedef struct xcall {
    xnode x;
    tide__runnable run;
    struct xcall *prev, *next; /* in hub->calls once taken in */
    struct tide__hub *hub;
    tide_loop *loop;
    tide_callback cb;
    void *arg;
} xcall;

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

static void hub_unref(struct tide__hub *h)
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
static int inbox_push(struct tide__hub *h, xnode *n)
{
    xnode *old = __atomic_load_n(&h->inbox, __ATOMIC_RELAXED);
    do
        n->next = old;
    while (!__atomic_compare_exchange_n(&h->inbox, &old, n, 1,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return old == NULL;
}

/* Take the whole inbox, oldest first. */
static xnode *inbox_take(struct tide__hub *h)
{
    xnode *n = __atomic_exchange_n(&h->inbox, NULL, __ATOMIC_SEQ_CST);
    xnode *fifo = NULL;
    while (n) {
        xnode *next = n->next;
        n->next = fifo;
        fifo = n;
        n = next;
    }
    return fifo;
}

#ifdef __EMSCRIPTEN__
static void late_drain(struct tide__hub *h);

/* On the main thread, from its event loop: something arrived. */
static void em_arrived(void *arg)
{
    struct tide__hub *h = arg;
    tide_loop *L = __atomic_load_n(&h->loop, __ATOMIC_SEQ_CST);
    if (L)
        tide__threads_poll(L);
    else
        late_drain(h);
    hub_unref(h);
}
#endif

/* After a push that found the inbox empty: wake the loop. */
static void hub_wake(struct tide__hub *h, tide_loop *L)
{
#ifdef __EMSCRIPTEN__
    (void)L;
    /* The main thread is never blocked: post a call to its event loop.
     * The call holds a reference, so it may arrive after the loop died. */
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_VI, em_arrived,
                                                h);
#else
    (void)h;
    tide__host_xwake(L); /* a byte down the pipe that poll() watches */
#endif
}

static void *worker(void *arg)
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
        job *j = h->qhead;
        h->qhead = j->qnext;
        if (!h->qhead)
            h->qtail = &h->qhead;
        h->queued--;
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&h->mu);

        void *value = NULL;
        int st = j->fn(j->arg, &value);

        pthread_mutex_lock(&h->mu);
        j->result = value;
        j->status = st > 0 ? 0 : st;
        j->state = JOB_DONE;
        /* Pushed under the mutex: whoever sees JOB_DONE under it knows the
         * job is in the inbox already (the Emscripten destroy counts on
         * that). The wake-up goes out after unlocking. */
        if (inbox_push(h, &j->x)) {
            tide_loop *L = h->loop; /* native: alive until we are joined */
            pthread_mutex_unlock(&h->mu);
            hub_wake(h, L);
            pthread_mutex_lock(&h->mu);
        }
    }
    pthread_mutex_unlock(&h->mu);
#ifdef __EMSCRIPTEN__
    hub_unref(h); /* detached: this reference kept the hub alive for us */
#endif
    return NULL;
}

/* Starts one more thread; under h->mu. Returns 0 or an errno value. */
static int start_thread(struct tide__hub *h)
{
    pthread_t tid;
#ifdef __EMSCRIPTEN__
    /* Never joined (the main thread must not wait): detached, holding a
     * reference on the hub. */
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc != 0)
        return rc;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    rc = pthread_create(&tid, &attr, worker, h);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    return rc;
#else
    int rc = pthread_create(&tid, NULL, worker, h);
    if (rc == 0)
        h->tids[h->nthreads] = tid;
    return rc;
#endif
}

static void queue_remove(struct tide__hub *h, job *j)
{
    job **p = &h->qhead;
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
static int submit(tide_loop *L, tide_task *t, job *j)
{
    int err = 0;
    struct tide__hub *h = hub_get(L, &err);
    if (!h) {
        if (err != TIDE_ENOMEM)
            tide__set_message(t, "to_thread: cannot set up a mutex");
        return err;
    }
    pthread_mutex_lock(&h->mu);
    j->state = JOB_QUEUED;
    j->qnext = NULL;
    *h->qtail = j;
    h->qtail = &j->qnext;
    h->queued++;
    int rc = 0;
    if (h->queued > h->idle && h->nthreads < TIDE_THREAD_POOL_SIZE) {
        rc = start_thread(h);
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

#endif /* HAVE_THREADS */

/* ---- the await -------------------------------------------------------- */

static int tt_cancel(tide_task *t, tide__msg *msg)
{
    job *j = t->wait.on.obj;
    tide_loop *L = t->loop;
    int never = 0;
#if HAVE_THREADS
    if (j->threaded) {
        struct tide__hub *h = hub_of(L);
        pthread_mutex_lock(&h->mu);
        /* Emscripten may run posted calls (and so take in this very job)
         * while the main thread waits for a mutex: look again. */
        if (!(t->flags & TIDE__T_WAITING)) {
            pthread_mutex_unlock(&h->mu);
            return 0;
        }
        if (j->state == JOB_QUEUED) {
            queue_remove(h, j); /* as in concurrent.futures: never runs */
            j->state = JOB_NEVER;
            never = 1;
        }
        pthread_mutex_unlock(&h->mu);
        if (never)
            L->host_pending--;
    }
#endif
    /* asyncio's to_thread: the await ends now, the thread runs on. Past
     * this point a thread may still write j->state: read `never` only. */
    j->task = NULL;
    t->wait.on.obj = NULL;
    if (never)
        job_abandon(L, j);
    /* else running, or finished and not yet taken in: abandoned then */
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

static int tt_resume(tide_task *t, int status)
{
    job *j = t->wait.on.obj;
    if (!j)
        return status; /* given up by a cancellation */
    t->wait.on.obj = NULL;
    if (status == j->status) {
        if (status == 0 && t->wait_out)
            *(void **)t->wait_out = j->result;
        job_free(t->loop, j);
    } else {
        /* a cancellation overtook the outcome before the task ran */
        job_abandon(t->loop, j);
    }
    return status;
}

static void tt_drop(tide_task *t)
{
    job *j = t->wait.on.obj;
    if (!j)
        return;
    t->wait.on.obj = NULL;
    j->task = NULL;
    if (j->delivered)
        job_abandon(t->loop, j);
    /* otherwise tide__threads_destroy finishes it */
}

static tide_task *tt_describe(tide_task *t, char *buf, size_t n)
{
    job *j = t->wait.on.obj;
    int state = j ? j->state : JOB_DONE;
#if HAVE_THREADS
    if (j && j->threaded) { /* a thread may be changing it */
        struct tide__hub *h = hub_of(t->loop);
        pthread_mutex_lock(&h->mu);
        state = j->state;
        pthread_mutex_unlock(&h->mu);
    }
#endif
    snprintf(buf, n, "to_thread (%s)",
             !j                    ? "given up"
             : !j->threaded        ? "ran inline"
             : state == JOB_QUEUED ? "waiting for a thread"
             : state == JOB_DONE   ? "returned"
                                   : "running on a thread");
    return NULL;
}

static const tide__wait_ops to_thread_ops = {
    .what = "to_thread",
    .cancel = tt_cancel,
    .resume = tt_resume,
    .drop = tt_drop,
    .describe = tt_describe,
};

#if !HAVE_THREADS
static void job_run_inline(tide__runnable *r)
{
    job *j = TIDE__CONTAINER(r, job, run);
    job_take_in(j->loop, j);
}
#endif

static int to_thread(tide_thread_fn fn, void *arg, void **result,
                     tide_thread_abandon_fn abandon, const char *call)
{
    int err;
    tide_task *t = tide__current_for_await(&err, call);
    if (!t)
        return err;
    if (!fn)
        return TIDE_EINVAL;
    tide_loop *L = t->loop;
    job *j = tide__alloc(L, sizeof *j);
    if (!j)
        return TIDE_ENOMEM;
    memset(j, 0, sizeof *j);
    j->x.kind = X_JOB;
    j->loop = L;
    j->task = t;
    j->fn = fn;
    j->arg = arg;
    j->abandon = abandon;
#if HAVE_THREADS
    int rc = submit(L, t, j);
    if (rc < 0) {
        tide__free(L, j, sizeof *j);
        return rc;
    }
    j->threaded = 1;
    L->host_pending++; /* an idle loop waits for it: no deadlock */
#else
    /* No threads on this host: the loop stands still while fn runs. The
     * outcome still reaches the task from the ready queue, one iteration
     * on, so the await behaves as on a threaded host. */
    tide__debug_blocking(L, t, "to_thread");
    tide__host_ran_inline(L);
    void *value = NULL;
    int st = fn(arg, &value);
    j->result = value;
    j->status = st > 0 ? 0 : st;
    j->state = JOB_DONE;
    j->run.run = job_run_inline;
    tide__ready_push(L, &j->run);
#endif
    job_link(L, j);
    t->wait.on.obj = j;
    return tide__suspend(t, &to_thread_ops, result);
}

tide_await tide_to_thread_abandon(tide_thread_fn fn, void *arg,
                                  void **result,
                                  tide_thread_abandon_fn abandon)
{
    return tide__aw(to_thread(fn, arg, result, abandon,
                              "tide_to_thread_abandon"));
}

tide_await tide_to_thread(tide_thread_fn fn, void *arg, void **result)
{
    return tide__aw(to_thread(fn, arg, result, NULL, "tide_to_thread"));
}

int tide_to_thread_is_inline(void)
{
    return !HAVE_THREADS;
}

size_t tide_loop_thread_count(const tide_loop *loop)
{
#if HAVE_THREADS
    struct tide__hub *h = loop ? hub_of((tide_loop *)loop) : NULL;
    if (!h)
        return 0;
    pthread_mutex_lock(&h->mu);
    size_t n = h->nthreads;
    pthread_mutex_unlock(&h->mu);
    return n;
#else
    (void)loop;
    return 0;
#endif
}

/* ---- call_soon_threadsafe ------------------------------------------------ */

#if HAVE_THREADS
static void xcall_unlink(xcall *c)
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
    xcall *c = TIDE__CONTAINER(r, xcall, run);
    xcall_unlink(c);
    int rc = c->cb(c->arg);
    if (rc < 0)
        tide__report(c->loop, "exception in callback", rc, NULL, NULL);
    free(c);
}
#endif

int tide_call_soon_threadsafe(tide_loop *loop, tide_callback cb, void *arg)
{
    if (!loop || !cb)
        return TIDE_EINVAL;
#if HAVE_THREADS
    if (tide__running != loop) {
        int err = 0;
        struct tide__hub *h = hub_get(loop, &err);
        if (!h)
            return err;
        xcall *c = malloc(sizeof *c);
        if (!c)
            return TIDE_ENOMEM;
        memset(c, 0, sizeof *c);
        c->x.kind = X_CALL;
        c->run.run = xcall_run;
        c->hub = h;
        c->loop = loop;
        c->cb = cb;
        c->arg = arg;
        if (inbox_push(h, &c->x))
            hub_wake(h, loop);
        return 0;
    }
#endif
    /* The loop's own thread (or the only thread there is): asyncio's
     * call_soon_threadsafe appends to the same ready queue. */
    return tide_call_soon(loop, cb, arg, NULL);
}

/* ---- the loop's side -------------------------------------------------- */

int tide__threads_arrived(tide_loop *L)
{
#if HAVE_THREADS
    struct tide__hub *h = hub_of(L);
    return h && __atomic_load_n(&h->inbox, __ATOMIC_SEQ_CST) != NULL;
#else
    (void)L;
    return 0;
#endif
}

void tide__threads_poll(tide_loop *L)
{
#if HAVE_THREADS
    struct tide__hub *h = hub_of(L);
    if (!h || !__atomic_load_n(&h->inbox, __ATOMIC_RELAXED))
        return;
    int calls = 0;
    for (xnode *n = inbox_take(h), *next; n; n = next) {
        next = n->next;
        if (n->kind == X_JOB) {
            job_take_in(L, TIDE__CONTAINER(n, job, x));
        } else {
            xcall *c = TIDE__CONTAINER(n, xcall, x);
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
#else
    (void)L;
#endif
}

#if HAVE_THREADS && defined(__EMSCRIPTEN__)
/* After the loop was destroyed: callbacks never run; jobs that were still
 * running when it went are abandoned and freed with its allocator. */
static void late_drain(struct tide__hub *h)
{
    for (xnode *n = inbox_take(h), *next; n; n = next) {
        next = n->next;
        if (n->kind == X_CALL) {
            free(TIDE__CONTAINER(n, xcall, x));
            continue;
        }
        job *j = TIDE__CONTAINER(n, job, x);
        if (j->abandon)
            j->abandon(j->arg, j->result, j->status);
        h->alloc(h->alloc_ud, j, sizeof *j, 0);
    }
}
#endif

void tide__threads_destroy(tide_loop *L)
{
#if HAVE_THREADS
    struct tide__hub *h = hub_of(L);
    if (h) {
        pthread_mutex_lock(&h->mu);
        for (job *j = h->qhead; j; j = j->qnext)
            j->state = JOB_NEVER; /* not started: never will be */
        h->qhead = NULL;
        h->qtail = &h->qhead;
        h->queued = 0;
        h->stop = 1;
        pthread_cond_broadcast(&h->cv);
#ifdef __EMSCRIPTEN__
        /* The main thread cannot wait for a worker. Jobs still running
         * leave the loop: they arrive later, at late_drain. */
        __atomic_store_n(&h->loop, NULL, __ATOMIC_SEQ_CST);
        for (job *j = L->xthread.jobs, *next; j; j = next) {
            next = j->next;
            if (j->state == JOB_RUNNING) {
                job_unlink(L, j);
                j->task = NULL;
            }
        }
        pthread_mutex_unlock(&h->mu);
#else
        pthread_mutex_unlock(&h->mu);
        /* Natively the loop's thread may wait: functions still running
         * (their tasks gave them up) finish first. */
        for (unsigned i = 0; i < h->nthreads; i++)
            pthread_join(h->tids[i], NULL);
#endif
        /* What arrived and was not taken in: finished jobs are still on
         * the loop's list (handled below); callbacks never run. */
        for (xnode *n = inbox_take(h), *next; n; n = next) {
            next = n->next;
            if (n->kind == X_CALL)
                free(TIDE__CONTAINER(n, xcall, x));
        }
        /* Callbacks taken in but not run: tide_loop_destroy has already
         * emptied the ready queue they sat in. */
        while (h->calls) {
            xcall *c = h->calls;
            h->calls = c->next;
            free(c);
        }
    }
#endif
    /* Every job left: never ran, or returned without being taken in. */
    while (L->xthread.jobs) {
        job *j = L->xthread.jobs;
        if (j->task) { /* its task is still there: it lets go of the job */
            j->task->wait.on.obj = NULL;
            j->task = NULL;
        }
        job_abandon(L, j);
    }
#if HAVE_THREADS
    if (h) {
        __atomic_store_n(&L->xthread.hub, NULL, __ATOMIC_SEQ_CST);
        hub_unref(h); /* Emscripten: workers may hold it a little longer */
    }
#ifndef __EMSCRIPTEN__
    tide__host_xwake_close(L);
#endif
#endif
}
