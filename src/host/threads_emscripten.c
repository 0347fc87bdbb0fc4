/*
 * threads_emscripten.c - to_thread on Web Workers (Emscripten with
 * -pthread): the hooks of the thread pool (pool.h) for a host whose loop
 * runs on the page's main thread, which must never wait for a worker
 * (pthread_join there freezes the page). Workers are detached, each
 * holding a reference on the hub; a wake-up is a call posted to the main
 * thread's event loop, holding one too, so it may arrive after the loop
 * is gone; jobs still running when the loop goes leave it and are
 * abandoned when they return.
 */
#include "pool.h"

#include <emscripten/threading.h>

/* On the main thread, from its event loop: something arrived. */
static void arrived(void *arg)
{
    struct tide__hub *h = arg;
    tide_loop *L = __atomic_load_n(&h->loop, __ATOMIC_SEQ_CST);
    if (L)
        tide__host_threads_poll(L);
    else
        tide__pool_drain(h);
    tide__pool_unref(h);
}

void tide__pool_wake(struct tide__hub *h, tide_loop *L)
{
    (void)L;
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_VI, arrived, h);
}

int tide__pool_start(struct tide__hub *h)
{
    pthread_t tid;
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc != 0)
        return rc;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    rc = pthread_create(&tid, &attr, tide__pool_worker, h);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    return rc;
}

void tide__pool_worker_exit(struct tide__hub *h)
{
    tide__pool_unref(h); /* the reference that kept the hub alive for it */
}

void tide__pool_release(struct tide__hub *h, tide_loop *L)
{
    /* Jobs still running leave the loop: they arrive later, when the
     * posted wake-up finds no loop (tide__pool_drain). */
    __atomic_store_n(&h->loop, NULL, __ATOMIC_SEQ_CST);
    for (tide__job *j = L->xthread.jobs, *next; j; j = next) {
        next = j->next;
        if (j->state == TIDE__JOB_RUNNING) {
            tide__job_unlink(L, j);
            j->task = NULL;
            j->loop = NULL;
        }
    }
    pthread_mutex_unlock(&h->mu);
}
