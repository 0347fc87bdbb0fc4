/*
 * thread.c - to_thread and call_soon_threadsafe: what they mean, on every
 * host. Where a function runs and how its outcome comes back to the loop's
 * thread is the host's part (src/host/host.h, "threads").
 *
 * A to_thread call is a *job*, allocated on the loop's thread with the
 * loop's allocator and freed there too. The awaiting task points at it
 * (t->wait.on.obj) until it resumes; the job points back at the task until
 * the task gives it up (cancelled, or its loop destroyed), after which the
 * outcome goes to the call's `abandon` function when it arrives.
 *
 * Hosts with threads run fn on a pool of threads and hand the finished job
 * back with tide__job_arrived. Hosts without threads (WASI preview1,
 * Emscripten without pthreads) decline, and fn runs inline here; the job
 * still completes through the ready queue, so the task suspends and
 * resumes as everywhere else.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef tide__job job;

/* The job whose function runs on this thread now, for tide_callback_fail. */
static _Thread_local job *job_now;

int tide__job_call(job *j, void **value)
{
    job *outer = job_now; /* (an inline fn may await nothing, but may nest
                             another loop's run) */
    job_now = j;
    int st = j->fn(j->arg, value);
    job_now = outer;
    return st;
}

int tide__job_fail(int err, const char *fmt, va_list ap)
{
    job *j = job_now;
    if (!j)
        return 0;
    /* fn's thread is not the loop's: malloc, as call_soon_threadsafe's
     * calls are; the loop's thread makes the message of it */
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text)
        vsnprintf(text, (size_t)n + 1, fmt, again);
    va_end(again);
    free(j->fail_text); /* the last call's is the one */
    j->fail_text = text;  /* (out of memory: none) */
    j->fail_err = err;
    return 1;
}

/* ---- jobs, on the loop's thread --------------------------------------- */

static void job_link(tide_loop *L, job *j)
{
    j->prev = NULL;
    j->next = L->xthread.jobs;
    if (j->next)
        j->next->prev = j;
    L->xthread.jobs = j;
}

void tide__job_unlink(tide_loop *L, job *j)
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
    free(j->fail_text);
    tide__job_unlink(L, j);
    tide__free(L, j, sizeof *j);
}

void tide__job_abandon(tide_loop *L, job *j)
{
    if (j->abandon) {
        if (j->state == TIDE__JOB_NEVER)
            j->abandon(j->arg, NULL, TIDE_ECANCELLED);
        else
            j->abandon(j->arg, j->result, j->status);
    }
    job_free(L, j);
}

void tide__job_arrived(tide_loop *L, job *j)
{
    if (j->threaded)
        L->host_pending--;
    if (!j->task) {
        tide__job_abandon(L, j);
        return;
    }
    j->delivered = 1;
    tide__msg *m = NULL;
    if (j->fail_text && j->status < 0 && j->status == j->fail_err)
        m = tide__msg_new(L, j->fail_text); /* (out of memory: none) */
    tide__wake(j->task, j->status, m);
    tide__msg_unref(L, m);
}

/* ---- the await -------------------------------------------------------- */

static int tt_cancel(tide_task *t, tide__msg *msg)
{
    job *j = t->wait.on.obj;
    tide_loop *L = t->loop;
    int never = 0;
    if (j->threaded) {
        never = tide__host_job_withdraw(L, j); /* as in concurrent.futures */
        if (!(t->flags & TIDE__T_WAITING))
            return 0; /* taken in while the host waited for its lock */
        if (never)
            L->host_pending--;
    }
    /* asyncio's to_thread: the await ends now, the thread runs on. Past
     * this point a thread may still write j->state: read `never` only. */
    j->task = NULL;
    t->wait.on.obj = NULL;
    if (never)
        tide__job_abandon(L, j);
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
        tide__job_abandon(t->loop, j);
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
        tide__job_abandon(t->loop, j);
    /* otherwise tide__threads_destroy finishes it */
}

static tide_task *tt_describe(tide_task *t, char *buf, size_t n)
{
    job *j = t->wait.on.obj;
    int state = !j              ? TIDE__JOB_DONE
                : j->threaded ? tide__host_job_state(t->loop, j)
                              : j->state;
    snprintf(buf, n, "to_thread (%s)",
             !j                            ? "given up"
             : !j->threaded                ? "ran inline"
             : state == TIDE__JOB_QUEUED   ? "waiting for a thread"
             : state == TIDE__JOB_DONE     ? "returned"
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

static void job_run_inline(tide__runnable *r)
{
    job *j = TIDE__CONTAINER(r, job, run);
    tide__job_arrived(j->loop, j);
}

/* No threads on this host: the loop stands still while fn runs. The
 * outcome still reaches the task from the ready queue, one iteration on,
 * so the await behaves as on a threaded host. */
static void run_inline(tide_loop *L, tide_task *t, job *j)
{
    tide__debug_blocking(L, t, "to_thread");
    tide__host_ran_inline(L);
    void *value = NULL;
    int st = tide__job_call(j, &value);
    j->result = value;
    j->status = st > 0 ? 0 : st;
    j->state = TIDE__JOB_DONE;
    j->run.run = job_run_inline;
    tide__ready_push(L, &j->run);
}

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
    j->loop = L;
    j->task = t;
    j->fn = fn;
    j->arg = arg;
    j->abandon = abandon;
    int rc = tide__host_job_submit(L, t, j);
    if (rc < 0) {
        tide__free(L, j, sizeof *j);
        return rc;
    }
    if (rc == TIDE__JOB_INLINE) {
        run_inline(L, t, j);
    } else {
        j->threaded = 1;
        L->host_pending++; /* an idle loop waits for it: no deadlock */
    }
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

/* ---- call_soon_threadsafe ------------------------------------------------ */

int tide_call_soon_threadsafe(tide_loop *loop, tide_callback cb, void *arg)
{
    if (!loop || !cb)
        return TIDE__NULL_ARG(loop ? "cb" : "loop");
    if (tide__running != loop) {
        int rc = tide__host_post(loop, cb, arg);
        if (rc <= 0)
            return rc;
    }
    /* The loop's own thread (or the only thread there is): asyncio's
     * call_soon_threadsafe appends to the same ready queue. */
    return tide_call_soon(loop, cb, arg, NULL);
}

/* ---- teardown ----------------------------------------------------------- */

void tide__threads_destroy(tide_loop *L)
{
    tide__host_threads_stop(L);
    /* Every job left: never ran, or returned without being taken in. */
    while (L->xthread.jobs) {
        job *j = L->xthread.jobs;
        if (j->task) { /* its task is still there: it lets go of the job */
            j->task->wait.on.obj = NULL;
            j->task = NULL;
        }
        tide__job_abandon(L, j);
    }
    tide__host_threads_free(L);
}
