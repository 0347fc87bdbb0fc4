/*
 * task.c - tasks: spawn, handles and names, the error messages of frames,
 * suspend and wake, the step, finish, cancel/uncancel, awaiting a task
 * (tide_join), freeing them with their loop, and introspection.
 *
 * A task step mirrors asyncio's Task.__step: a cancellation requested while
 * the task was not waiting on anything cancellable (must_cancel) is thrown in
 * at the start of the next step; one requested while it waits cancels the
 * wait, which then wakes the task with TIDE_ECANCELLED.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Frees the name t->name points to, if it has a block of its own. */
static void name_free(tide_task *t)
{
    tide_loop *L = t->loop;
    if (!t->name || (t->flags & TIDE__T_OWN_NAME))
        return;
    if (t->flags & TIDE__T_SET_NAME)
        tide__free(L, t->name, strlen(t->name) + 1);
    else
        tide__free(L, t->name, TIDE_DEFAULT_NAME_MAX);
}

static void task_free(tide_task *t)
{
    tide_loop *L = t->loop;
    if (TIDE__DEBUG_ON(L))
        tide__debug_freed(L, t);
    tide__list_remove(&t->link); /* from the loop's list of done tasks */
    /* a task freed in the middle of its FINALLY still holds its message */
    tide__msg_unref(L, tide__frame_msg_take(tide__task_frame(t)));
    tide__msg_unref(L, t->msg);
    tide__msg_unref(L, t->cancel_msg);
    name_free(t);
    if (TIDE_CHECKS)
        t->refs = 0; /* for a release after this one to find (below) */
    tide__block_free(L, t, t->alloc_size);
}

static void task_unref(tide_task *t)
{
    if (t->refs == 1) /* (no store into a block about to be freed) */
        task_free(t);
    else
        t->refs--;
}

/* The spawn, its arguments checked: inline in both entries, so that a
 * spawn from a task is one call, not two (issue 15's spawn+join row). */
static TIDE__INLINE int spawn_on(tide_loop *L, tide_fn fn, const void *frame,
                                 size_t frame_size, const char *name,
                                 tide_task **out)
{
    size_t name_len = name ? strlen(name) + 1 : 0;
    size_t size = TIDE__FRAME_OFFSET + frame_size;
    if (size < frame_size || size + name_len < size)
        return TIDE_ENOMEM;
    size += name_len;
    tide_task *t = tide__block_alloc(L, size);
    if (!t)
        return TIDE_ENOMEM;
    /* The task and its frame's header in one fill (a fresh start, whatever
     * the given header holds); then only the frame's own fields, if any. */
    memset(t, 0, TIDE__FRAME_OFFSET + sizeof(tide_frame));
    t->loop = L;
    t->fn = fn;
    t->id = ++L->next_task_id;
    t->alloc_size = size;
    t->refs = 1;
    t->flags = TIDE__T_LOOP_REF;
    char *fr = tide__task_frame(t);
    if (frame_size > sizeof(tide_frame))
        memcpy(fr + sizeof(tide_frame),
               (const char *)frame + sizeof(tide_frame),
               frame_size - sizeof(tide_frame));
    if (name) {
        t->name = fr + frame_size;
        memcpy(t->name, name, name_len);
        t->flags |= TIDE__T_OWN_NAME;
    }
    tide__list_push(&L->tasks, &t->link);
    L->ntasks++;
    tide__ready_push_task(L, t);
    TIDE__TRACE(L, TIDE_TRACE_SPAWN, t, NULL, 0);
    if (out) {
        t->refs++;
        *out = t;
    }
    tide__wakeup(L);
    return 0;
}

const char *tide__spawn_args_why(tide_fn fn, const void *frame,
                                 size_t frame_size, char *buf, size_t n)
{
    if (!fn)
        return "fn is NULL";
    if (!frame)
        return "frame is NULL";
    if (frame_size >= sizeof(tide_frame))
        return NULL;
    snprintf(buf, n,
             "frame_size %zu is less than a tide_frame's (%zu): a frame "
             "begins with TIDE_FRAME",
             frame_size, sizeof(tide_frame));
    return buf;
}

int tide__spawn_refused(const char *call, tide_fn fn, const void *frame,
                        size_t frame_size)
{
    char buf[128];
    const char *why = tide__spawn_args_why(fn, frame, frame_size, buf,
                                           sizeof buf);
    return tide__fail(call, TIDE_EINVAL, "%s", why ? why : "bad arguments");
}

int tide_loop_spawn(tide_loop *L, tide_fn fn, const void *frame,
                    size_t frame_size, const char *name, tide_task **out)
{
    if (out)
        *out = NULL;
    if (!L)
        return TIDE__NULL_ARG("loop");
    if (!fn || !frame || frame_size < sizeof(tide_frame))
        return tide__spawn_refused(__func__, fn, frame, frame_size);
    if (tide__foreign(L))
        return tide__fail_thread(__func__);
    return spawn_on(L, fn, frame, frame_size, name, out);
}

int tide_spawn(tide_fn fn, const void *frame, size_t frame_size,
               const char *name, tide_task **out)
{
    /* The running loop is this thread's: no thread test. */
    tide_loop *L = tide__running; /* (inline: every spawn passes here) */
    if (out)
        *out = NULL;
    if (!L)
        return TIDE_ENOLOOP;
    if (!fn || !frame || frame_size < sizeof(tide_frame))
        return tide__spawn_refused(__func__, fn, frame, frame_size);
    return spawn_on(L, fn, frame, frame_size, name, out);
}

tide_task *tide_task_retain(tide_task *t)
{
    if (t)
        t->refs++;
    return t;
}

void tide_task_release(tide_task *t)
{
    if (!t)
        return;
    if (t->refs <= 1) {
        if (TIDE_CHECKS && t->refs == 0) {
            /* Freed by the last release, its block not yet taken by a
             * spawn (the loop's cache keeps it, and task_free zeroed the
             * count): freeing it again would give one block to two
             * tasks. Only the loop is read, which the block keeps. */
            tide__report(t->loop,
                         "task handle released too many times (the task "
                         "was already freed)",
                         TIDE_EOVERFLOW, NULL, NULL);
            return;
        }
        if (t->flags & TIDE__T_LOOP_REF) {
            /* A pending task's last reference is its loop's: a release
             * that takes it is one more than the program held, and would
             * free the task while it runs on. */
            tide__report(t->loop, "task handle released too many times",
                         TIDE_EOVERFLOW, NULL, t);
            return;
        }
    }
    task_unref(t);
}

int tide__nan_refused(tide_task *t, const char *what)
{
    return tide__await_fail(t, TIDE_EINVAL, "Invalid %s: NaN (not a number)",
                            what);
}

int tide__other_loop(tide_task *t)
{
    return tide__await_fail(t, TIDE_EINVAL,
                            "the task belongs to a different event loop");
}

tide_task *tide_current_task(void)
{
    return tide__current();
}

const char *tide_task_name(tide_task *t)
{
    if (!t)
        return NULL;
    if (!t->name) {
        char *name = tide__alloc(t->loop, TIDE_DEFAULT_NAME_MAX);
        if (!name)
            return NULL;
        snprintf(name, TIDE_DEFAULT_NAME_MAX, "Task-%u", (unsigned)t->id);
        t->name = name;
    }
    return t->name;
}

int tide_task_set_name(tide_task *t, const char *name)
{
    if (!t)
        return TIDE__NULL_ARG("t");
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    char *copy = NULL;
    if (name) { /* copied first: out of memory, the old name stays */
        size_t len = strlen(name) + 1;
        copy = tide__alloc(t->loop, len);
        if (!copy)
            return TIDE_ENOMEM;
        memcpy(copy, name, len);
    }
    name_free(t);
    t->name = copy; /* NULL: the default, made again when asked for */
    t->flags &= (uint16_t)~(TIDE__T_OWN_NAME | TIDE__T_SET_NAME);
    if (copy)
        t->flags |= TIDE__T_SET_NAME;
    return 0;
}

uint32_t tide_task_id(const tide_task *t)
{
    return t ? t->id : 0;
}

int tide_task_is_done(const tide_task *t)
{
    return t && (t->flags & TIDE__T_DONE);
}

int tide_task_is_cancelled(const tide_task *t)
{
    return tide_task_is_done(t) && t->status == TIDE_ECANCELLED;
}

/* The outcome of t as `fn` reads it (fn NULL: tide_task_value, which
 * returns no code and leaves no detail); a failed task's message is the
 * detail of its error, so TIDE_TRY of tide_task_result re-raises it as
 * asyncio's task.result() does. */
static int task_outcome(const tide_task *t, void **value, const char *fn)
{
    if (!t)
        return fn ? tide__fail(fn, TIDE_EINVAL, "t is NULL") : TIDE_EINVAL;
    if (tide__foreign(t->loop))
        return fn ? tide__fail_thread(fn) : TIDE_ETHREAD;
    if (!(t->flags & TIDE__T_DONE))
        return fn ? tide__fail(fn, TIDE_ESTATE, "the task is still pending")
                  : TIDE_ESTATE;
    ((tide_task *)t)->flags |= TIDE__T_RETRIEVED;
    if (t->status < 0) {
        if (fn)
            tide__fail_with(t->loop, t->status, t->msg);
        return t->status;
    }
    if (value)
        *value = ((tide_frame *)tide__task_frame((tide_task *)t))->result;
    return 0;
}

int tide_task_result(const tide_task *t, void **value)
{
    return task_outcome(t, value, __func__);
}

void *tide_task_value(const tide_task *t)
{
    void *value = NULL;
    task_outcome(t, &value, NULL);
    return value;
}

int tide_task_error(const tide_task *t)
{
    return task_outcome(t, NULL, __func__);
}

const char *tide_task_message(const tide_task *t)
{
    return t && (t->flags & TIDE__T_DONE) && t->msg ? t->msg->text : NULL;
}

const char *tide_error_message(void)
{
    tide_task *t = tide_current_task();
    return t && t->msg ? t->msg->text : NULL;
}

void tide__set_message(tide_task *t, const char *text)
{
    /* The step's mark (a wait whose result was dropped) stays: a call
     * that does not await, made after it, must not hide that misuse from
     * the next await or the step's end (misuse.c). */
    if (!tide__step_marked(t))
        tide__replace_message(t, text);
}

int tide__await_fail(tide_task *t, int err, const char *fmt, ...)
{
    char text[TIDE_REPORT_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap); /* (cut short) */
    va_end(ap);
    tide__set_message(t, text);
    return err;
}

void tide__replace_message(tide_task *t, const char *text)
{
    tide__msg *m = text ? tide__msg_new(t->loop, text) : NULL;
    /* out of memory: the error still goes on, without its text */
    tide__msg_unref(t->loop, t->msg);
    t->msg = m;
}

/*
 * Messages travel with errors: t->msg is the message of the outcome of the
 * task's last await (reset when an awaitable starts, set by the wake-up);
 * a frame that raises keeps its own reference to the message of the error
 * it propagates, so awaits in its FINALLY section cannot lose it; a frame
 * that ends hands its message back to t->msg for the caller (or, for the
 * task's own frame, as the task's final message).
 * Re-raising (tide.h, rule 5): while no error propagates, the frame's
 * message slot keeps the message of the error it caught last, fr->caught
 * its code, so TIDE_THROW of that code after other awaits still has it.
 */
static unsigned caught_bits(int err)
{
    return (unsigned)err & 0x7fffffffu; /* one-to-one on negative ints */
}

/* The frame takes over a reference to m (may be NULL), dropping the one it
 * held. Frames' references are counted apart: tide__msg_drop_frames. */
static void frame_msg_set(tide_loop *L, tide_frame *fr, tide__msg *m)
{
    tide__msg *old = tide__frame_msg_take(fr);
    if (m)
        m->frame_refs++;
    fr->msg = m;
    tide__msg_unref(L, old);
}

tide__msg *tide__frame_msg_take(tide_frame *fr)
{
    tide__msg *m = fr->msg;
    if (m)
        m->frame_refs--;
    fr->msg = NULL;
    return m;
}

void tide__caught(tide_frame *fr, int err)
{
    tide_task *t = tide_current_task();
    fr->caught = caught_bits(err);
    if (t && !fr->err) /* the slot is free: keep the message */
        frame_msg_set(t->loop, fr, tide__msg_ref(t->msg));
}

/* The message TIDE_THROW(f, err) re-raises: that of the error FINALLY
 * propagates, or of the one caught last, if err is that error. A message
 * caught in a FINALLY entered with an error is only in t->msg. */
static tide__msg *reraised(const tide_frame *fr, tide_task *t, int err)
{
    if (err < 0 && err == fr->err)
        return fr->msg;
    if (err < 0 && fr->caught && fr->caught == caught_bits(err))
        return fr->err ? t->msg : fr->msg;
    return NULL;
}

void tide__raise(tide_frame *fr, int err, int adopt, const char *text)
{
    tide_task *t = tide_current_task();
    tide__msg *m = NULL;
    if (err > 0) { /* only TIDE_THROW*: the macros raise negative codes */
        err = t ? tide__throw_refused(t, err, text) : TIDE_ESTATE;
        adopt = 1;
    }
    if (t && adopt == 2)
        m = tide__msg_ref(reraised(fr, t, err));
    else if (t && adopt == 3) /* TIDE_TRY: the failed call's detail */
        m = tide__msg_ref(tide__detail_of(t->loop, err));
    else if (t && adopt)
        m = tide__msg_ref(t->msg);
    else if (t && text)
        m = tide__msg_new(t->loop, text);
    if (t)
        frame_msg_set(t->loop, fr, m);
    fr->caught = 0; /* what it caught is no longer being handled */
    fr->err = err;
    tide__scope_unwind(t, fr);
}

void tide__raise_fmt(tide_frame *fr, int err, const char *fmt, ...)
{
    char small[256], *text = small;
    tide_task *t = tide_current_task();
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    /* longer: formatted again, in full (out of memory: cut short) */
    char *big = n >= (int)sizeof small && t
                    ? tide__alloc(t->loop, (size_t)n + 1)
                    : NULL;
    if (big) {
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        text = big;
    }
    tide__raise(fr, err, 0, n < 0 ? NULL : text);
    if (big)
        tide__free(t->loop, big, (size_t)n + 1);
}

void tide__raise_restore(tide_frame *fr, int err, tide__msg *msg)
{
    tide_task *t = tide_current_task();
    fr->err = err;
    fr->caught = 0;
    if (t)
        frame_msg_set(t->loop, fr, tide__msg_ref(msg));
}

void tide__raise_clear(tide_frame *fr)
{
    tide_task *t = tide_current_task();
    fr->err = 0;
    fr->caught = 0;
    if (t)
        frame_msg_set(t->loop, fr, NULL);
}

const char *tide__frame_message(const tide_frame *fr)
{
    const tide__msg *m = fr->msg;
    return m && fr->err ? m->text : NULL;
}

/* ---- waiting and waking ----------------------------------------------- */

void tide__clear_message(tide_task *t)
{
    if (!tide__step_marked(t)) /* (the mark stays: tide__set_message) */
        tide__msg_set(t->loop, &t->msg, NULL);
}

int tide__suspend_slow(tide_task *t, tide__msg *old)
{
    tide_loop *L = t->loop;
    /* reading a real clock costs: only when someone will look */
    t->since = TIDE__HOOKS_ON(L) ? tide__loop_now(L) : L->now;
    if (old)
        tide__msg_unref(L, old);
    return TIDE_PENDING;
}

void tide__wake_slow(tide_task *t, int status, tide__msg *msg)
{
    TIDE__TRACE(t->loop, TIDE_TRACE_WAKE, t, t->wait_ops ? t->wait_ops->what
                                                          : NULL, status);
    t->flags &= (uint16_t)~TIDE__T_WAITING;
    t->status = status;
    if (t == t->loop->current && tide__step_marked(t)) {
        /* t woke itself after a wait whose result its step dropped: the
         * mark stays for the rest of the step to find (the misuse undoes
         * the wait; what this wake-up carried has nobody to go to) */
    } else {
        tide__msg_set(t->loop, &t->msg, msg);
    }
    tide__ready_push_task(t->loop, t);
    tide__wakeup(t->loop);
}

int tide__wake_status(void)
{
    tide_task *t = tide__current();
    return t ? t->status : TIDE_ENOLOOP;
}

/* ---- finishing ------------------------------------------------------------ */

void tide__task_drop_loop_ref(tide_task *t)
{
    if (t->flags & TIDE__T_LOOP_REF) {
        t->flags &= (uint16_t)~TIDE__T_LOOP_REF;
        task_unref(t);
    }
}

/* A task's end: inline in the step's end, where tasks finish. */
static TIDE__INLINE void finish(tide_task *t, int status)
{
    tide_loop *L = t->loop;
    if (status >= 0 && (t->flags & TIDE__T_MUST_CANCEL)) {
        /* cancelled itself and returned without awaiting again (CAN-10) */
        status = TIDE_ECANCELLED;
        tide__msg_set(L, &t->msg, t->cancel_msg);
    }
    if (status >= 0) {
        status = 0;
        tide__msg_set(L, &t->msg, NULL);
    }
    t->flags = (uint16_t)((t->flags | TIDE__T_DONE) &
                          ~(TIDE__T_MUST_CANCEL | TIDE__T_WAITING));
    t->status = status;
    t->wait_ops = NULL;
    tide__msg_set(L, &t->cancel_msg, NULL);
    tide__list_remove(&t->link);
    tide__list_push(&L->done_tasks, &t->link);
    L->ntasks--;
    /* Wake everything awaiting this task, in the order they started. */
    tide__node *n;
    while ((n = tide__awaiters_first(t))) {
        tide__waiter *w = TIDE__CONTAINER(n, tide__waiter, node);
        tide__awaiters_remove(t, n);
        w->fire(w, t);
    }
    if (t == L->main)
        L->main_err = status;
    TIDE__TRACE(L, TIDE_TRACE_FINISH, t, NULL, status);
    if (t->flags & TIDE__T_LEFTOVER) /* (tested here: every finish passes) */
        tide__leftover_finished(t, status);
    tide__task_drop_loop_ref(t);
}

/* The same, out of line for the rare callers: a second inline copy would
 * land in the driver's loop (wasm-opt inlines step_prepare there), and
 * its growth cost the queue's hand-over on WASI. */
static void task_finish(tide_task *t, int status)
{
    finish(t, status);
}

/* A cancel requested during a step is delivered to the wait the task just
 * entered, if that wait can take it. */
static void deliver_cancel(tide_task *t)
{
    if ((t->flags & TIDE__T_MUST_CANCEL) && (t->flags & TIDE__T_WAITING) &&
        tide__cancel_wait(t, t->cancel_msg))
        t->flags &= (uint16_t)~TIDE__T_MUST_CANCEL;
}

/* The step's mark, known to be in t->msg, is cleared (it holds no
 * counted reference). */
static TIDE__INLINE void step_mark_clear(tide_task *t)
{
#if TIDE_CHECKS
    t->msg = NULL;
#else
    (void)t;
#endif
}

/* The same where the mark may not be there: a step that registered t is
 * over, and the mark has done its work. */
static TIDE__INLINE void unmark(tide_task *t)
{
    if (tide__step_marked(t))
        step_mark_clear(t);
}

/* A wait's resume hook, at the start of t's step (asyncio's code after
 * `await fut`). Returns 1 if t waits again (the hook re-suspended it).
 * Inline in the common step: an indirect call, no other. */
static TIDE__INLINE int step_resume(tide_loop *L, tide_task *t,
                                    const tide__wait_ops *ops)
{
    t->wait_ops = NULL;
    if (!ops->resume) /* (sleep, join: the wake-up is the outcome) */
        return 0;
    L->current = t; /* the hook may act for t (re-suspend it) */
    int rc = tide__resume_hook(ops, t, t->status);
    L->current = NULL;
    if (rc == TIDE_PENDING) { /* waiting again (the hook set it) */
        unmark(t); /* no coroutine ran to drop a result */
        deliver_cancel(t);
        return 1;
    }
    if (rc >= 0)
        tide__msg_set(L, &t->msg, NULL);
    t->status = rc;
    return 0;
}

/* The rare parts of a step, before the coroutine runs: a cancellation to
 * throw in, a cancel message to drop, the trace, debug mode. Returns 1 if
 * the step is over already (cancelled before its first step, or waiting
 * again after the wait's resume hook). */
static TIDE__NOINLINE int step_prepare(tide_task *t)
{
    tide_loop *L = t->loop;
    unsigned flags = t->flags;
    if (flags & TIDE__T_MUST_CANCEL) {
        flags &= ~(unsigned)TIDE__T_MUST_CANCEL;
        if (!(flags & TIDE__T_STARTED)) {
            /* cancelled before its first step: the body never runs */
            t->flags = (uint16_t)(flags | TIDE__T_STARTED);
            tide__msg_set(L, &t->msg, t->cancel_msg);
            task_finish(t, TIDE_ECANCELLED);
            return 1;
        }
        if (t->status != TIDE_ECANCELLED) {
            /* woken with an outcome, then cancelled before it could run:
             * the cancellation wins (the wait's resume hands on what the
             * wake-up gave) */
            t->status = TIDE_ECANCELLED;
            tide__msg_set(L, &t->msg, t->cancel_msg);
        }
    }
    t->flags = (uint16_t)(flags | TIDE__T_STARTED);
    if (t->cancel_msg)
        tide__msg_set(L, &t->cancel_msg, NULL);
    const tide__wait_ops *ops = t->wait_ops;
    if (ops && step_resume(L, t, ops))
        return 1;
    TIDE__TRACE(L, TIDE_TRACE_RUN, t, NULL, t->status);
    if (L->debug && t->status == TIDE_ECANCELLED)
        t->flags |= TIDE__T_CANCEL_SEEN;
    t->flags |= TIDE__UNREG; /* the coroutine runs now */
    return 0;
}

/* A step that awaited a yield: back in the ready queue, to resume with 0
 * (a cancel requested meanwhile waits for the next step, as asyncio's
 * does for sleep(0)), its mark cleared. */
static TIDE__INLINE void yield_queue(tide_loop *L, tide_task *t)
{
    step_mark_clear(t);
    t->status = 0;
    tide__ready_push_task(L, t);
}

/* The rare ends of a step: the task finished, or suspended with hooks on,
 * a cancel to deliver, or registered nowhere (a misuse; a step that ends
 * registered is one too, see misuse.c). */
static TIDE__NOINLINE void step_end(tide_loop *L, tide_task *t, int st)
{
    if (st == TIDE__YIELDED) {
        yield_queue(L, t);
    } else if (st != TIDE__SUSPENDED) {
        if (tide__registered(t) || tide__step_marked(t))
            st = tide__step_misused(t, st);
        finish(t, st);
        return;
    }
    if (TIDE__HOOKS_ON(L)) {
        TIDE__TRACE(L, TIDE_TRACE_SUSPEND, t,
                    t->wait_ops ? t->wait_ops->what : "yield", 0);
        if (L->debug)
            tide__debug_suspended(L, t);
    }
    if (st == TIDE__SUSPENDED && (t->flags & TIDE__UNREG)) {
        task_finish(t, tide__step_misused(t, st));
        return;
    }
    unmark(t); /* (a yield's went in yield_queue) */
    if (t->flags & TIDE__T_MUST_CANCEL)
        deliver_cancel(t);
}

/*
 * One step: the hot path of every task switch. The common case (a yield or
 * a wake-up with nothing to deliver, no trace, no debug mode) costs one
 * test before the coroutine runs and one after, which also checks that a
 * suspended step registered the task somewhere (misuse.c); everything else
 * is in step_prepare and step_end.
 */
static TIDE__INLINE void task_step(tide_loop *L, tide_task *t)
{
    int debug = 0; /* the step may switch it: measure consistently */
    int64_t started = 0;
    unsigned flags = t->flags;
    if ((flags & TIDE__T_MUST_CANCEL) | (uintptr_t)t->cancel_msg |
        (unsigned)TIDE__HOOKS_ON(L)) {
        if (step_prepare(t))
            return;
        debug = L->debug;
        if (debug)
            started = tide__host_now(L); /* real time, whatever the clock */
    } else {
        /* a wake-up from a primitive: its code after the await first */
        const tide__wait_ops *ops = t->wait_ops;
        if (ops) { /* (it waited, so it has started) */
            if (step_resume(L, t, ops))
                return;
            flags = t->flags;
        }
        t->flags = (uint16_t)(flags | TIDE__T_STARTED | TIDE__UNREG);
    }
    L->current = t;
    L->wake_status = t->status;
    int st = t->fn(tide__task_frame(t));
    L->current = NULL;
    if (debug)
        tide__debug_slow(L, t, tide__host_now(L) - started);
    /* the common ends: a yield, registered nowhere else, no hooks; or
     * suspended, registered (so marked), no cancel to deliver, no hooks */
    if (st == TIDE__YIELDED) { /* (the yield's entry tested registration) */
        if (TIDE__HOOKS_ON(L))
            step_end(L, t, st);
        else
            yield_queue(L, t);
    } else if (st != TIDE__SUSPENDED ||
               (t->flags & (TIDE__UNREG | TIDE__T_MUST_CANCEL)) |
                   TIDE__HOOKS_ON(L)) {
        step_end(L, t, st);
    } else {
        step_mark_clear(t);
    }
}

/* Runs what the iteration took from the ready queue: r is the first
 * entry's tagged link. Tasks (nearly always) take their step inline. */
void tide__run_entries(tide_loop *L, uintptr_t r)
{
    while (r) {
        tide__ready *e = tide__ready_entry(r);
        uintptr_t next = e->next; /* read first: the entry may be freed */
        if (!(r & TIDE__READY_CALL)) {
            task_step(L, TIDE__CONTAINER(e, tide_task, run));
        } else {
            tide__runnable *cb = TIDE__CONTAINER(e, tide__runnable, link);
            cb->run(cb);
        }
        L->steps++;
        r = next;
    }
}

tide_status tide__end(tide_frame *fr)
{
    tide_task *t = tide_current_task();
    if (t && t->awaiters && tide__task_has_scopes(t))
        tide__scopes_end_frame(t, fr); /* left open by a goto */
    int err = fr->err;
    if (t) { /* the error's message goes back to the task, for the caller;
                the message of a caught error, kept for a re-raise, not */
        tide__msg *m = tide__frame_msg_take(fr);
        if (tide__step_marked(t)) { /* for the step's end to report */
            tide__msg_unref(t->loop, m);
        } else {
            tide__msg_unref(t->loop, t->msg);
            t->msg = err ? m : NULL;
            if (!err)
                tide__msg_unref(t->loop, m);
        }
    }
    fr->msg = NULL;
    fr->pc = 0;
    fr->err = 0;
    fr->unwinding = 0;
    fr->caught = 0;
    return err;
}

/* ---- cancellation (the walk itself is in cancel.c) ------------------------ */

int tide_task_cancel(tide_task *t, const char *msg)
{
    if (!t)
        return TIDE__NULL_ARG("t");
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    if (t->flags & TIDE__T_DONE)
        return 0;
    tide__msg *m = NULL;
    if (msg && !(m = tide__msg_new(t->loop, msg)))
        return TIDE_ENOMEM;
    int rc = tide__task_cancel(t, m);
    tide__msg_unref(t->loop, m);
    return rc;
}

int tide_task_cancelling(const tide_task *t)
{
    return t ? t->cancelling : 0;
}

int tide_task_uncancel(tide_task *t)
{
    if (!t)
        return TIDE__NULL_ARG("t");
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    if (t->cancelling > 0 && --t->cancelling == 0)
        t->flags &= (uint16_t)~(TIDE__T_MUST_CANCEL | TIDE__T_CANCEL_SEEN);
    return t->cancelling;
}

/* ---- awaiting a task ---------------------------------------------------- */

static int join_cancel(tide_task *t, tide__msg *msg)
{
    /* Cancelling the awaiter cancels the awaited task; the awaiter gets
     * whatever that task ends with. */
    return tide__cancel_awaited(t, t->wait.on.obj, msg);
}

static tide_task *join_awaited(tide_task *t, size_t *i)
{
    return (*i)++ == 0 ? t->wait.on.obj : NULL;
}

static void join_drop(tide_task *t)
{
    tide__awaiters_remove(t->wait.on.obj, &t->wait.on.waiter.node);
}

static tide_task *join_describe(tide_task *t, char *buf, size_t n)
{
    char label[80];
    tide_task *child = t->wait.on.obj;
    snprintf(buf, n, "task %s", tide__task_label(child, label, sizeof label));
    return child;
}

static const tide__wait_ops join_ops = {
    .what = "task",
    .cancel = join_cancel,
    .drop = join_drop,
    .describe = join_describe,
    .awaited = join_awaited,
    .withdraw = join_drop,
};

static void deliver_outcome(tide_task *child, void **out, int *status,
                            tide__msg **msg)
{
    *status = child->status;
    *msg = child->msg;
    if (child->status >= 0 && out)
        *out = ((tide_frame *)tide__task_frame(child))->result;
}

static void join_fire(tide__waiter *w, tide_task *child)
{
    child->flags |= TIDE__T_RETRIEVED;
    tide_task *t = TIDE__CONTAINER(w, tide_task, wait.on.waiter);
    int status;
    tide__msg *msg;
    deliver_outcome(child, t->wait_out, &status, &msg);
    tide__wake(t, status, msg);
}

int tide__join(tide_task *child, void **value)
{
    int err;
    tide_task *t = tide__current_for_await(&err, "tide_join");
    if (!t)
        return err;
    if ((err = tide__check_awaited(t, child)) < 0)
        return err;
    if (child->flags & TIDE__T_DONE) {
        int status;
        tide__msg *msg;
        /* Only an error can go unretrieved (debug.c): a join of a task
         * that succeeded reads it and writes nothing, so a pass of joins
         * over many done tasks does not dirty their memory. */
        if (child->status < 0)
            child->flags |= TIDE__T_RETRIEVED;
        deliver_outcome(child, value, &status, &msg);
        tide__msg_set(t->loop, &t->msg, msg);
        return status;
    }
    t->wait.on.obj = child;
    t->wait.on.waiter.fire = join_fire;
    tide__awaiters_push(child, &t->wait.on.waiter.node);
    return tide__suspend(t, &join_ops, value);
}

tide_await tide_join(tide_task *child, void **value)
{
    return tide__aw(tide__join(child, value));
}

/* ---- loop teardown ------------------------------------------------------ */

void tide__task_free_all(tide_loop *L)
{
    while (!tide__list_empty(&L->tasks)) {
        tide_task *t = TIDE__CONTAINER(L->tasks.next, tide_task, link);
        tide__report(L, "task was destroyed but it is pending", TIDE_ESTATE,
                     NULL, t);
        tide__list_remove(&t->link);
        L->ntasks--;
        /* Detach from whatever it waits on (awaiters of t are pending tasks
         * too and go in this same sweep, unlinking themselves). */
        if (t->wait_ops && t->wait_ops->drop) /* waiting, or woken and
                                                   not yet resumed */
            t->wait_ops->drop(t);
        while (t->awaiters)
            tide__awaiters_remove(t, t->awaiters);
        task_free(t);
    }
    /* Finished tasks whose handles were never released: handles do not
     * outlive their loop. */
    while (!tide__list_empty(&L->done_tasks)) {
        tide_task *t = TIDE__CONTAINER(L->done_tasks.next, tide_task, link);
        if (L->debug)
            tide__debug_report(L, TIDE_DEBUG_OPEN, t, "task %s: handle never "
                               "released", tide_task_name(t));
        task_free(t);
    }
}

/* ---- introspection ------------------------------------------------------ */

tide_task *tide__task_by_id(tide_loop *L, uint32_t id)
{
    tide__node *lists[2] = {&L->tasks, &L->done_tasks};
    for (int i = 0; i < 2; i++)
        for (tide__node *n = lists[i]->next; n != lists[i]; n = n->next) {
            tide_task *t = TIDE__CONTAINER(n, tide_task, link);
            if (t->id == id)
                return t;
        }
    return NULL;
}

const char *tide__task_label(tide_task *t, char *buf, size_t n)
{
    return tide__label(buf, n, t->id, tide_task_name(t));
}

const char *tide_task_state(const tide_task *t)
{
    if (!t)
        return NULL;
    if (t->flags & TIDE__T_DONE)
        return t->status == 0 ? "done"
               : t->status == TIDE_ECANCELLED ? "cancelled" : "failed";
    if (tide__current() == t)
        return "running";
    if (t->flags & TIDE__T_WAITING)
        return "waiting";
    return (t->flags & TIDE__T_STARTED) ? "ready" : "new";
}

const char *tide_task_awaiting(const tide_task *t)
{
    if (!t || !(t->flags & TIDE__T_WAITING) || !t->wait_ops)
        return NULL;
    return t->wait_ops->what;
}

tide_task *tide_task_describe_wait(tide_task *t, char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
    const char *what = tide_task_awaiting(t);
    if (!what)
        return NULL;
    if (t->wait_ops->describe)
        return t->wait_ops->describe(t, buf, n);
    snprintf(buf, n, "%s", what);
    return NULL;
}

double tide_task_waiting_since(const tide_task *t)
{
    return t ? (double)t->since / 1e9 : 0;
}

size_t tide_task_awaiters(tide_task *t, tide_task **out, size_t max)
{
    size_t count = 0;
    if (!t)
        return 0;
    for (tide__node *n = tide__awaiters_first(t); n;
         n = tide__awaiters_next(t, n)) {
        tide__waiter *w = TIDE__CONTAINER(n, tide__waiter, node);
        if (tide__waiter_is_scope(w)) /* t's own open scopes */
            continue;
        tide_task *a = w->fire == tide__donecb_fire
                           ? TIDE__CONTAINER(w, tide__donecb, waiter)->awaiter
                           : TIDE__CONTAINER(w, tide_task, wait.on.waiter);
        if (a && count < max && out)
            out[count] = a;
        if (a)
            count++;
    }
    return count;
}
