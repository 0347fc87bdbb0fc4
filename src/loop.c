/*
 * loop.c - the event loop: creation, configuration, the clock, the ready
 * queue, callbacks (call_soon, call_later, call_at), one iteration, and
 * destroy. A run's phases and the blocking hosts' driver are run.c's; a
 * task's step is task.c's.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one piece of state outside a loop: which loop runs on this thread
 * (declared in internal.h so the hot paths can inline it). */
_Thread_local tide_loop *tide__running;

/* What a program compiled with tide.h links against (tide.h, TIDE_ABI). */
const char TIDE__ABI_SYMBOL(TIDE_ABI) = 0;

static void *default_alloc(void *ud, void *ptr, size_t old_size,
                           size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

static void default_exception(tide_loop *loop, const char *context, int err,
                              const char *message, tide_task *task, void *arg)
{
    (void)loop;
    (void)arg;
    const char *name = task ? tide_task_name(task) : NULL;
    fprintf(stderr, "tide: %s%s%s%s: %s%s%s\n", context, name ? " (" : "",
            name ? name : "", name ? ")" : "", tide_strerror(err),
            message ? ": " : "", message ? message : "");
}

int tide_loop_create(tide_alloc_fn alloc, void *alloc_ud, tide_loop **out)
{
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    if (!alloc)
        alloc = default_alloc;
    tide_loop *L = alloc(alloc_ud, NULL, 0, sizeof *L);
    if (!L)
        return TIDE_ENOMEM;
    memset(L, 0, sizeof *L);
    tide__msg_init_pinned(tide__step_mark(L), TIDE__STEP_MARK_TEXT);
    L->alloc = alloc;
    L->alloc_ud = alloc_ud;
    L->ready_tail = &L->ready_head;
    L->turn_budget = TIDE_DEFAULT_TURN_BUDGET_NS;
    L->call_room = TIDE_MAX_CALL_DEPTH;
    L->owner = tide__thread_id(); /* (not shared with anyone yet) */
    L->on_exception = default_exception;
    tide__list_init(&L->tasks);
    tide__list_init(&L->user_donecbs);
    tide__list_init(&L->msgs);
    tide__list_init(&L->io.all);
    tide__list_init(&L->held_handles);
    tide__debug_init(L);
    *out = L;
    return 0;
}

int tide_loop_set_virtual_clock(tide_loop *loop, int on)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    if (loop->flags & TIDE__L_RUNNING)
        return tide__fail(__func__, TIDE_EBUSY,
                          "the clock is chosen before the loop runs");
    loop->virtual_clock = on != 0;
    if (on)
        loop->now = 0;
    return 0;
}

int tide_loop_set_turn_budget(tide_loop *loop, double seconds)
{
    int64_t ns;
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__delay_ns(seconds, &ns) < 0 || ns <= 0)
        return tide__fail(__func__, TIDE_EINVAL,
                          "seconds is %g: a budget is a positive number",
                          seconds);
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->turn_budget = ns;
    return 0;
}

int tide_loop_set_exit_handler(tide_loop *loop, tide_exit_fn fn, void *arg)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->on_exit = fn;
    loop->on_exit_arg = arg;
    return 0;
}

int tide_loop_set_exception_handler(tide_loop *loop, tide_exception_fn fn,
                                    void *arg)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->on_exception = fn ? fn : default_exception;
    loop->on_exception_arg = fn ? arg : NULL;
    return 0;
}

int tide_loop_set_trace_handler(tide_loop *loop, tide_trace_fn fn, void *arg)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->trace = fn;
    loop->trace_arg = fn ? arg : NULL;
    tide__loop_hooks_update(loop);
    return 0;
}

void tide__report(tide_loop *L, const char *context, int err,
                  const tide__msg *msg, tide_task *task)
{
    L->on_exception(L, context, err, msg ? msg->text : NULL, task,
                    L->on_exception_arg);
}

tide_loop *tide_running_loop(void)
{
    return tide__running;
}

void tide__loop_set_running(tide_loop *L, int on)
{
    tide__running = on ? L : NULL;
}

/* ---- the clock ----------------------------------------------------------- */

int64_t tide__loop_now(tide_loop *L)
{
    if (!L->virtual_clock)
        L->now = tide__host_now(L);
    return L->now;
}

double tide_loop_time(const tide_loop *loop)
{
    if (!loop)
        return 0;
    if (loop->virtual_clock)
        return (double)loop->now / 1e9;
    return (double)tide__host_now((tide_loop *)loop) / 1e9;
}

double tide_time(void)
{
    return tide_loop_time(tide__running);
}

/* ---- counters ------------------------------------------------------------ */

uint64_t tide_loop_iteration_count(const tide_loop *loop)
{
    return loop ? loop->iterations : 0;
}

size_t tide_loop_task_count(const tide_loop *loop)
{
    return loop ? loop->ntasks : 0;
}

/* ---- ready queue ------------------------------------------------------- */

void tide__ready_remove(tide_loop *L, tide__ready *e)
{
    uintptr_t *p = &L->ready_head;
    while (*p && tide__ready_entry(*p) != e)
        p = &tide__ready_entry(*p)->next;
    if (!*p)
        return; /* not queued */
    *p = e->next;
    if (L->ready_tail == &e->next)
        L->ready_tail = p;
    e->next = 0;
}

/* ---- callbacks ------------------------------------------------------------ */

struct tide_handle {
    tide__runnable run;
    tide__timer timer;
    tide_loop *loop;
    tide_callback cb;
    void *arg;
    uint32_t refs; /* the caller's (if it asked for the handle) + pending */
    uint8_t cancelled;
    uint8_t pending; /* queued or armed; the loop holds a reference */
    uint8_t held;    /* the program holds a reference, linked in `link` */
    tide__node link; /* in L->held_handles while held */
};

static void handle_unref(tide_handle *h)
{
    if (--h->refs == 0)
        tide__free(h->loop, h, sizeof *h);
}

/* Lets go of a message tide_callback_fail left. */
static void callback_msg_drop(tide_loop *L)
{
    tide__msg_unref(L, L->cb_msg);
    L->cb_msg = NULL;
}

void tide__callback_run(tide_loop *L, tide_callback cb, void *arg)
{
    if (L->cb_msg) /* left by a call outside any callback: not this one's */
        callback_msg_drop(L);
    int rc = cb(arg);
    if (rc < 0)
        tide__report(L, "exception in callback", rc,
                     rc == L->cb_err ? L->cb_msg : NULL, NULL);
    if (L->cb_msg)
        callback_msg_drop(L);
}

int tide_callback_fail(int err, const char *fmt, ...)
{
    tide_loop *L = tide__running;
    if (err >= 0 || !fmt)
        return err;
    va_list ap;
    va_start(ap, fmt);
    /* a to_thread function's (on any thread): the await's message */
    int kept = tide__job_fail(err, fmt, ap);
    va_end(ap);
    /* only a callback's failure has a report to carry the message: in a
     * task (TIDE_THROW_FMT's place) or with no loop there is none */
    if (kept || !L || tide__current())
        return err;
    va_start(ap, fmt);
    tide__msg *m = tide__msg_vfmt(L, fmt, ap); /* (out of memory: none) */
    va_end(ap);
    tide__msg_unref(L, L->cb_msg); /* the last call's is the one */
    L->cb_msg = m;
    L->cb_err = err;
    return err;
}

void tide__donecb_call(tide_loop *L, tide_done_fn fn, tide_task *t,
                       void *arg)
{
    if (L->cb_msg) /* left by a call outside any callback */
        callback_msg_drop(L);
    L->cb_err = 0;
    fn(t, arg);
    /* it returns nothing: a tide_callback_fail in it is its failure */
    if (L->cb_err < 0)
        tide__report(L, "exception in done callback", L->cb_err, L->cb_msg,
                     t);
    L->cb_err = 0;
    if (L->cb_msg)
        callback_msg_drop(L);
}

static void handle_invoke(tide_handle *h)
{
    h->pending = 0;
    if (!h->cancelled) {
        tide_loop *L = h->loop;
        int debug = TIDE__DEBUG_ON(L);
        int64_t started = debug ? tide__host_now(L) : 0;
        tide__callback_run(L, h->cb, h->arg);
        if (debug)
            tide__debug_slow(L, NULL, tide__host_now(L) - started);
    }
    handle_unref(h);
}

static void handle_run(tide__runnable *r)
{
    handle_invoke(TIDE__CONTAINER(r, tide_handle, run));
}

void tide__handle_fire(tide__timer *t)
{
    handle_invoke(TIDE__CONTAINER(t, tide_handle, timer));
}

/* The loop's teardown: an armed callback timer that will never fire. */
static void handle_timer_drop(tide__timer *t)
{
    tide_handle *h = TIDE__CONTAINER(t, tide_handle, timer);
    h->pending = 0;
    handle_unref(h);
}

/* Schedules: when < 0 means "soon" (ready queue), else a timer at `when`. */
/* (fn: the public call, named in its failures' details) */
static int schedule(tide_loop *L, int soon, int64_t when, tide_callback cb,
                    void *arg, tide_handle **out, const char *fn)
{
    if (out)
        *out = NULL;
    if (!L)
        return tide__fail(fn, TIDE_EINVAL, "loop is NULL");
    if (!cb)
        return tide__fail(fn, TIDE_EINVAL, "cb is NULL");
    if (tide__foreign(L)) /* call_soon_threadsafe is the way in */
        return tide__fail_thread(fn);
    tide_handle *h = tide__alloc(L, sizeof *h);
    if (!h)
        return TIDE_ENOMEM;
    memset(h, 0, sizeof *h);
    h->loop = L;
    h->cb = cb;
    h->arg = arg;
    h->refs = 1;
    h->pending = 1;
    tide__timer_init(&h->timer, TIDE__TIMER_HANDLE);
    if (soon) {
        h->run.run = handle_run;
        tide__ready_push(L, &h->run);
    } else {
        int rc = tide__timer_start(L, &h->timer, when);
        if (rc < 0) {
            tide__free(L, h, sizeof *h);
            return rc;
        }
    }
    if (out) {
        h->refs++;
        h->held = 1;
        tide__list_push(&L->held_handles, &h->link);
        *out = h;
    }
    tide__wakeup(L);
    return 0;
}

int tide_call_soon(tide_loop *loop, tide_callback cb, void *arg,
                   tide_handle **out)
{
    return schedule(loop, 1, 0, cb, arg, out, __func__);
}

int tide_call_later(tide_loop *loop, double delay, tide_callback cb,
                    void *arg, tide_handle **out)
{
    int64_t ns; /* negative delays keep their order: "due now" */
    if (out)
        *out = NULL;
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__seconds_ns(delay, &ns) < 0)
        return tide__nan_arg(__func__, "delay");
    if (tide__foreign(loop)) /* before reading its clock */
        return tide__fail_thread(__func__);
    return schedule(loop, 0, tide__deadline(tide__loop_now(loop), ns), cb,
                    arg, out, __func__);
}

int tide_call_at(tide_loop *loop, double when, tide_callback cb, void *arg,
                 tide_handle **out)
{
    int64_t at;
    if (out)
        *out = NULL;
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__seconds_ns(when, &at) < 0)
        return tide__nan_arg(__func__, "when");
    return schedule(loop, 0, at, cb, arg, out, __func__);
}

int tide_handle_cancel(tide_handle *h)
{
    if (!h)
        return 0;
    if (tide__foreign(h->loop))
        return tide__fail_thread(__func__);
    if (h->cancelled)
        return 0;
    h->cancelled = 1; /* also once it ran, as asyncio's Handle.cancel() */
    if (!h->pending)
        return 0;
    if (tide__timer_stop(h->loop, &h->timer)) {
        h->pending = 0;
        handle_unref(h); /* the loop's reference: it will not fire */
    }
    /* a queued handle stays in the ready queue and is skipped there */
    return 1;
}

int tide_handle_is_cancelled(const tide_handle *h)
{
    return h ? h->cancelled : 0;
}

void tide_handle_release(tide_handle *h)
{
    if (!h)
        return;
    if (!h->held) {
        /* Released already, and still pending: the one reference left is
         * the loop's, which taking would free a handle about to run. */
        tide__report(h->loop, "handle released too many times",
                     TIDE_EOVERFLOW, NULL, NULL);
        return;
    }
    h->held = 0;
    tide__list_remove(&h->link);
    handle_unref(h);
}

/* ---- one iteration ---------------------------------------------------- */

void tide__loop_iterate(tide_loop *L)
{
    L->iterations++;
    if (L->wheel_n)
        tide__timers_collect(L, tide__loop_now(L));
    /* Run only what was ready when the iteration started. */
    uintptr_t r = L->ready_head;
    L->ready_head = 0;
    L->ready_tail = &L->ready_head;
    tide__run_entries(L, r);
    if (L->due)
        tide__timers_fire_due(L);
}

int64_t tide__loop_timeout(tide_loop *L)
{
    if (L->ready_head)
        return 0;
    /* no timer, or only timers past the clock's horizon: none will fire */
    if (!L->wheel_n)
        return -1;
    int64_t d = tide__timers_next(L) - tide__loop_now(L);
    return d > 0 ? d : 0;
}

/* ---- destroy -------------------------------------------------------------- */

int tide_loop_destroy(tide_loop *loop)
{
    if (!loop)
        return 0;
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    if (loop->flags & TIDE__L_RUNNING)
        return tide__fail(__func__, TIDE_EBUSY,
                          "the loop is running: destroy it after "
                          "tide_loop_run returns");
    tide_loop *L = loop;
    /* Scopes the pending tasks still have open are left first, while
     * everything they touch is whole (their side effects land in the
     * ready queue, cleared next). */
    tide__scopes_destroy(L);
    /* What the program still has that holds the loop's things (a task
     * group: its children, error records and parent) lets go of them now,
     * while they are whole; the shells are the program's. */
    tide__resources_detach(L);
    /* Pending callbacks: the ready queue holds handles and tasks; tasks are
     * freed with the task list, handles here. */
    uintptr_t link = L->ready_head;
    while (link) {
        tide__ready *e = tide__ready_entry(link);
        uintptr_t call = link & TIDE__READY_CALL;
        link = e->next;
        if (!call)
            continue; /* a task */
        tide__runnable *r = TIDE__CONTAINER(e, tide__runnable, link);
        if (r->run == handle_run) {
            tide_handle *h = TIDE__CONTAINER(r, tide_handle, run);
            h->pending = 0;
            handle_unref(h);
        } else if (r->run == tide__donecb_run) {
            tide__donecb *cb = TIDE__CONTAINER(r, tide__donecb, run);
            cb->release(cb);
        }
    }
    L->ready_head = 0;
    L->ready_tail = &L->ready_head;
    tide__io_destroy(L); /* after the ready queue: queued attempts went */
    /* Armed callback timers. Task timers die with their tasks. */
    tide__timers_drop_handles(L, handle_timer_drop);
    tide__user_donecbs_destroy(L); /* while their tasks exist */
    tide_task_release(L->main);
    L->main = NULL;
    tide__task_free_all(L);
    /* Handles the program still holds go with the loop, as its task
     * handles do: the tasks, gone, let go of theirs. */
    while (!tide__list_empty(&L->held_handles)) {
        tide_handle *h = TIDE__CONTAINER(L->held_handles.next, tide_handle,
                                         link);
        tide__list_remove(&h->link);
        tide__free(L, h, sizeof *h);
    }
    tide__threads_destroy(L); /* after the tasks: they let go of their calls */
    tide__host_loop_destroy(L); /* after the threads: none wakes L now */
    callback_msg_drop(L); /* (left by a call outside any callback) */
    tide__detail_drop(L);
    tide__msg_drop_frames(L); /* after the tasks: frames went with them */
    tide__debug_destroy(L);
    tide__timers_free(L);
    tide__blocks_release(L); /* after everything that frees tasks */
    L->alloc(L->alloc_ud, L, sizeof *L, 0);
    return 0;
}
