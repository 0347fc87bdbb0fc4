/*
 * sync.h - what lock.c, cond.c, sem.c, event.c and barrier.c share: the
 * structures of the primitives and the pieces of Lock and Condition that
 * Condition and Barrier are built from, as in asyncio's locks.py.
 *
 * Each primitive keeps its waiters in a tide__waitq (asyncio's deque of
 * futures); the code asyncio runs after `await fut` is the wait's resume
 * hook, which may re-suspend the task (a condition re-acquiring its lock).
 */
#ifndef TIDE_SYNC_H
#define TIDE_SYNC_H

#include "internal.h"

/* A primitive's own memory is a tide__mem block (internal.h): it can be
 * destroyed after its loop (a run stopped with tasks still waiting leaves
 * it busy until tide_loop_destroy has detached them). */

struct tide_lock {
    tide_loop *loop;   /* compared, never used after the loop is gone */
    tide__mem mem;
    tide__waitq waiters;
    int locked;
    uint32_t holder;   /* id of the task that took it (reports), 0 if none */
    uint32_t scopes;   /* open TIDE_WITH blocks on it: destroy is refused */
    tide__resource res; /* registered if created by tide_lock_create */
};

/* Counts an open TIDE_WITH block on a semaphore (by +1 or -1): while
 * there is one, tide_sem_destroy is refused. (scope.c; a lock's count is
 * its `scopes`.) */
void tide__sem_pin(tide_sem *sem, int by);

struct tide_cond {
    tide_loop *loop;
    tide_lock *lock;   /* &own, or a lock shared with the caller */
    tide__waitq waiters;
    size_t active;     /* waits in progress, including re-acquiring ones */
    tide_lock own;
    tide__resource res; /* registered if created by tide_cond_create */
    const tide__resource *named; /* what reports call it: &res, a barrier */
};

/* The running loop if `loop` is NULL; NULL (and *err) if there is none,
 * or if it belongs to another thread (TIDE_ETHREAD, with its detail,
 * named after `fn`: the creating call). */
tide_loop *tide__sync_loop(tide_loop *loop, int *err, const char *fn);
/* The current task, if it may wait on a primitive of loop L in the
 * awaitable `call`; else NULL and *err (TIDE_ENOLOOP outside a task,
 * TIDE_ESTATE on another loop or on a misuse, TIDE_EINVAL if L is NULL: a
 * NULL primitive, told after a misuse so that every awaitable checks that
 * first). */
tide_task *tide__sync_task(tide_loop *L, int *err, const char *call);

/* "kind#id" of a registered resource, or just `kind`. */
const char *tide__res_name(const tide__resource *r, const char *kind,
                           char *buf, size_t n);
/* "held by Task-3 'x'" for a lock; returns the holder if still alive. */
tide_task *tide__lock_holder(const tide_lock *l, char *buf, size_t n);

/* ---- lock.c */
void tide__lock_init(tide_lock *l, tide_loop *L);
/* tide_lock_acquire, for the awaitable `call` (tide_cond_acquire too). */
int tide__lock_acquire(tide_lock *lock, const char *call);
/* Lock.acquire's fast path: takes the lock if it is free and every queued
 * waiter is cancelled. Returns 1 if taken. */
int tide__lock_try(tide_lock *l);
/* locked = False plus _wake_up_first(); the caller knows it was locked. */
void tide__lock_unlock(tide_lock *l);
/* Lock.acquire's code after `await fut`, for a task t that waited in a
 * lock's queue: unlinks t and returns 0 with the lock taken, or the error
 * (having handed a wake-up t received on). */
int tide__lock_after_wait(tide_task *t, int status);
tide_lock *tide__lock_of_waiter(tide_task *t);

/* ---- cond.c: Condition.wait / wait_for as a chain of resume hooks */
typedef struct tide__cwait tide__cwait;
struct tide__cwait {
    tide_cond *cond;
    int err;           /* error of an earlier phase, re-raised at the end */
    tide__msg *msg;    /* its message */
    tide_predicate pred; /* NULL: one wait; else wait until pred is true */
    void *arg;
    int last;          /* pred's last value */
    /* Continues once the wait (or wait_for) is over, the lock held again,
     * with its outcome; returns what the task's await sees or
     * TIDE_PENDING. Owns w from then on. */
    int (*next)(tide_task *t, tide__cwait *w, int rc);
    /* The loop is destroyed mid-wait: free w and undo its bookkeeping. */
    void (*drop)(tide__cwait *w);
    /* The task gave the wait up in the step that began it (a misuse): as
     * drop, but the primitive lives on, so undo what the wait changed in
     * it (a barrier's count of arrivals). The lock stays released. */
    void (*withdraw)(tide__cwait *w);
};
/* Condition.wait_for(pred) for the current task t, which holds the lock:
 * checks pred first, then waits until it holds. t->wait_out is w while t
 * waits. Returns w->next's result or TIDE_PENDING. */
int tide__cwait_for(tide_task *t, tide__cwait *w);
/* Condition._notify(n): wake up to n waiters not woken yet. */
void tide__cond_notify(tide_cond *c, size_t n);
void tide__cond_init(tide_cond *c, tide_loop *L, tide_lock *lock);

#endif
