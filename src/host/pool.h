/*
 * pool.h - the thread pool of the hosts with pthreads (threads_pthread.c),
 * and the hooks through which those hosts differ:
 *   native (posix.c)          threads are joined when the loop goes; a
 *                             byte down the loop's pipe wakes it from poll
 *   Emscripten with -pthread  Web Workers are never joined (the page's
 *   (threads_emscripten.c)    main thread must not wait); a call posted to
 *                             the main thread's event loop wakes it
 *
 * Everything other threads touch sits in one *hub* per loop:
 *  - an inbox: a lock-free stack that any thread pushes onto and the loop
 *    empties with one atomic exchange (then reverses, for FIFO order). It
 *    carries finished jobs and call_soon_threadsafe callbacks, so both
 *    arrive in the order they were posted. Whoever makes it non-empty wakes
 *    the loop (tide__pool_wake);
 *  - the pool: a mutex, a condition variable, the FIFO of jobs waiting for
 *    a thread, and the threads (started lazily, at most
 *    TIDE_THREAD_POOL_SIZE).
 * The hub comes from malloc(), not from the loop's allocator, because any
 * thread may be the first to need it, and because on Emscripten it must
 * outlive the loop until the last worker has let go of it.
 */
#ifndef TIDE_HOST_POOL_H
#define TIDE_HOST_POOL_H

#include "../internal.h"

#include <pthread.h>

enum { TIDE__X_JOB = 1, TIDE__X_CALL = 2 }; /* tide__xnode.kind */

struct tide__hub {
    tide__xnode *inbox;      /* atomic: LIFO stack of arrivals */
    tide_loop *loop;         /* atomic; NULL once destroyed (Emscripten) */
    int refs;                /* atomic: the loop's, plus on Emscripten each
                                live worker's and each wake-up in flight */
    tide_alloc_fn alloc;     /* the loop's allocator, for jobs that finish */
    void *alloc_ud;          /* after their loop is gone (Emscripten) */
    pthread_mutex_t mu;      /* guards what follows */
    pthread_cond_t cv;       /* idle threads wait here for work */
    tide__job *qhead, **qtail; /* jobs waiting for a thread, FIFO */
    unsigned queued;         /* their number */
    unsigned idle;           /* threads waiting on cv */
    unsigned nthreads;       /* threads started */
    int stop;                /* the loop is going: threads exit */
    pthread_t tids[TIDE_THREAD_POOL_SIZE]; /* native: to join them */
    struct tide__xcall *calls; /* loop thread: callbacks taken in, not run */
};

/* A call_soon_threadsafe callback from another thread. */
typedef struct tide__xcall {
    tide__xnode x;
    tide__runnable run;
    struct tide__xcall *prev, *next; /* in hub->calls once taken in */
    struct tide__hub *hub;
    tide_loop *loop;
    tide_callback cb;
    void *arg;
} tide__xcall;

/* ---- the pool, for the hooks (threads_pthread.c) */
/* A pool thread's body; its argument is the hub. */
void *tide__pool_worker(void *hub);
/* Takes the whole inbox, oldest first. */
tide__xnode *tide__pool_take(struct tide__hub *h);
/* Empties the inbox of a loop that is going or gone: callbacks are freed
 * without running; a job that left its loop while it ran (j->loop NULL)
 * goes to its `abandon` and is freed with the loop's allocator; other
 * jobs are still on the loop's list, where the core abandons them. */
void tide__pool_drain(struct tide__hub *h);
/* Drops one reference to the hub; the last one frees it. */
void tide__pool_unref(struct tide__hub *h);

/* ---- the hooks each pthreads host implements */
/* Under h->mu: start one more thread running tide__pool_worker(h).
 * Returns 0 or an errno value. */
int tide__pool_start(struct tide__hub *h);
/* After a push that found the inbox empty: make L's thread look at it.
 * Any thread; L is alive (the caller knows). */
void tide__pool_wake(struct tide__hub *h, tide_loop *L);
/* A pool thread is leaving; it never touches h again. */
void tide__pool_worker_exit(struct tide__hub *h);
/* The loop is going: called with h->mu held, h->stop set and the queue
 * emptied; returns with h->mu released, after which no thread touches L. */
void tide__pool_release(struct tide__hub *h, tide_loop *L);

#endif
