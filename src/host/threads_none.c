/*
 * threads_none.c - the thread part (host.h) of hosts without threads:
 * WASI preview1 and Emscripten without -pthread. Every to_thread call is
 * declined, so the core runs it inline; no other thread can call
 * call_soon_threadsafe, so there is nothing to take in.
 */
#include "../internal.h"

int tide__host_job_submit(tide_loop *L, tide_task *t, tide__job *j)
{
    (void)L;
    (void)t;
    (void)j;
    return TIDE__JOB_INLINE;
}

int tide__host_job_withdraw(tide_loop *L, tide__job *j)
{
    (void)L;
    (void)j;
    return 0; /* never called: no job is ever on a thread */
}

int tide__host_job_state(tide_loop *L, const tide__job *j)
{
    (void)L;
    return j->state;
}

int tide__host_post(tide_loop *L, tide_callback cb, void *arg)
{
    (void)L;
    (void)cb;
    (void)arg;
    return 1; /* the caller is on the loop's thread: it schedules cb */
}

void tide__host_threads_poll(tide_loop *L)
{
    (void)L;
}

int tide__host_threads_arrived(tide_loop *L)
{
    (void)L;
    return 0;
}

void tide__host_threads_stop(tide_loop *L)
{
    (void)L;
}

void tide__host_threads_free(tide_loop *L)
{
    (void)L;
}

int tide_to_thread_is_inline(void)
{
    return 1;
}

size_t tide_loop_thread_count(const tide_loop *loop)
{
    (void)loop;
    return 0;
}
