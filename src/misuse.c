/*
 * misuse.c - what happens when a program breaks the coroutine protocol in a
 * way the compiler could not stop (tide.h, rules 1-7).
 *
 * The step sets TIDE__T_UNREGISTERED before the coroutine runs, and every
 * wait that registers the task clears it. A yield, and every such wait,
 * also leaves the step's mark in t->msg (tide__step_mark), which the step
 * clears when it ends. So an awaitable that finds the mark (every entry
 * tests t->msg, inline) or the flag clear was called after another one
 * whose result did not go to TIDE_AWAIT; a step that finishes with either
 * left a registration nobody will consume; a step that suspends with the
 * flag set registered nowhere.
 * Either way the registration is withdrawn - the task leaves the wait as a
 * cancelled waiter would, handing on what it was given, and leaves the
 * ready queue - and the task gets TIDE_ESTATE with a message saying what
 * happened, which also goes to the exception handler at once: a program
 * that never reads the task's error still hears of it.
 *
 * TIDE_AWAIT_CALL's checks (a re-created sub-coroutine frame, nesting
 * deeper than TIDE_MAX_CALL_DEPTH) end here too.
 */
#include "internal.h"

#include <stdio.h>

#define MISUSE_CONTEXT "coroutine misuse"

/* What the task is registered on, for the message: "sleep until 1.000 s",
 * "lock#2 held by Task-1", "a yield (tide_sleep(0))". */
static void describe_registration(tide_task *t, char *buf, size_t n)
{
    const tide__wait_ops *ops = t->wait_ops;
    if (!ops)
        snprintf(buf, n, "a yield (tide_sleep(0))");
    else if ((t->flags & TIDE__T_WAITING) && ops->describe)
        ops->describe(t, buf, n);
    else
        snprintf(buf, n, "%s%s", ops->what,
                 (t->flags & TIDE__T_WAITING) ? "" : " (already woken)");
}

/* Undo the registration the running step made: the task neither waits nor
 * is ready afterwards, and the object it waited on is as if a waiter had
 * been cancelled (what it was handed goes to the next one). */
static void withdraw(tide_task *t)
{
    tide_loop *L = t->loop;
    const tide__wait_ops *ops = t->wait_ops;
    if (ops && ops->withdraw) {
        ops->withdraw(t);
    } else if (ops) {
        int taken = 0;
        if ((t->flags & TIDE__T_WAITING) && ops->cancel)
            taken = ops->cancel(t, NULL);
        if (ops->resume)
            ops->resume(t, TIDE_ECANCELLED); /* never waits again: see
                                                 tide__wait_ops.withdraw */
        else if (!taken && ops->drop)
            ops->drop(t);
    }
    t->flags = (uint16_t)((t->flags & ~TIDE__T_WAITING) | TIDE__UNREG);
    t->wait_ops = NULL;
    t->wait_out = NULL;
    t->status = 0;
    tide__ready_remove(L, &t->run);
    tide__msg_set(L, &t->msg, NULL);
}

/* Give t the message `text` and tell the exception handler now. */
static int misuse(tide_task *t, const char *text)
{
    /* (over the step's mark, if any: this report is the misuse) */
    tide__replace_message(t, text);
    tide__report(t->loop, MISUSE_CONTEXT, TIDE_ESTATE, t->msg, t);
    return TIDE_ESTATE;
}

int tide__await_refused(tide_task *t, const char *call)
{
    char what[200], text[400];
    describe_registration(t, what, sizeof what);
    withdraw(t);
    snprintf(text, sizeof text,
             "%s called while the task already waits on %s: an awaitable's "
             "result must go to TIDE_AWAIT (that earlier call is undone)",
             call, what);
    return misuse(t, text);
}

tide_task *tide__await_begin(tide_task *t, int *err, const char *call)
{
    if (tide__registered(t) || tide__step_marked(t)) {
        *err = tide__await_refused(t, call);
        return NULL;
    }
    /* a new await: no stale message travels on (not marked: tested
     * above, so no second test of tide__clear_message's) */
    tide__msg_set(t->loop, &t->msg, NULL);
    return t;
}

int tide__step_misused(tide_task *t, int st)
{
    tide_loop *L = t->loop;
    char what[200], text[480];
    if (st != TIDE__SUSPENDED)
        describe_registration(t, what, sizeof what);
    L->current = t; /* the wait's hooks may act for t */
    withdraw(t);
    L->current = NULL;
    if (st == TIDE__SUSPENDED) {
        return misuse(t, "the task's step returned 'suspended' without "
                         "waiting on anything, so it would never run again: "
                         "a coroutine returns only through the TIDE_ macros, "
                         "and TIDE_AWAIT takes only awaitables");
    }
    const char *name = tide_errname(st);
    snprintf(text, sizeof text,
             "the task %s%s while it still waited on %s: an awaitable was "
             "called outside TIDE_AWAIT (its result must go to TIDE_AWAIT; "
             "the wait is undone)",
             st < 0 ? "failed with " : "finished",
             st < 0 ? (name ? name : "a user error") : "", what);
    return misuse(t, text);
}

void tide__resume_lost(tide_frame *fr)
{
    tide_task *t = tide__current();
    tide__raise_fmt(fr, TIDE_ESTATE,
                    "the coroutine was resumed at its resume point %d, which "
                    "its switch does not hold: an await inside a switch "
                    "statement of the coroutine's own belongs to that switch "
                    "(TIDE_BEGIN is a switch too); use if/else there "
                    "(tide-lint: await-in-switch)",
                    fr->pc);
    if (t)
        tide__report(t->loop, MISUSE_CONTEXT, TIDE_ESTATE, fr->msg, t);
}

int tide__throw_refused(tide_task *t, int err, const char *text)
{
    char buf[400];
    snprintf(buf, sizeof buf,
             "TIDE_THROW given %d, which is not an error: errors are negative "
             "(a TIDE_E* code, or TIDE_EUSER and below; an errno value is "
             "positive)%s%s",
             err, text ? ": " : "", text ? text : "");
    return misuse(t, buf);
}

/* ---- TIDE_AWAIT_CALL -------------------------------------------------- */

int tide__call_refused(const char *file, int line)
{
    tide_loop *L = tide__running;
    if (!L)
        return TIDE_ENOLOOP; /* a coroutine called outside any loop */
    /* room left: the stack ran short first (wasm: see tide__stack_floor) */
    int depth = TIDE_MAX_CALL_DEPTH - L->call_room;
    int by_stack = L->call_room >= 0;
    L->call_room++; /* the macro counted this call before refusing it */
    tide_task *t = L->current;
    if (!t)
        return TIDE_ENOLOOP;
    char text[400];
    if (by_stack)
        snprintf(text, sizeof text,
                 "TIDE_AWAIT_CALL at %s:%d nests deeper than the C stack "
                 "allows (call %d, less than %d bytes left: "
                 "TIDE_CALL_STACK_MARGIN): each level costs C stack on every "
                 "resume; wasm has no guard page (link with a larger "
                 "stack, e.g. -Wl,-z,stack-size=1048576)",
                 file, line, depth, TIDE_CALL_STACK_MARGIN);
    else
        snprintf(text, sizeof text,
                 "TIDE_AWAIT_CALL at %s:%d nests deeper than %d calls "
                 "(TIDE_MAX_CALL_DEPTH): each level costs C stack on every "
                 "resume",
                 file, line, TIDE_MAX_CALL_DEPTH);
    return misuse(t, text);
}

int tide__call_restarted(const char *file, int line)
{
    tide_task *t = tide__current();
    if (!t)
        return TIDE_ENOLOOP;
    char text[400];
    snprintf(text, sizeof text,
             "TIDE_AWAIT_CALL at %s:%d resumed a sub-coroutine frame that is "
             "not suspended: it was made anew (a compound literal or a "
             "local?) and would start over; keep it in the caller's frame",
             file, line);
    return misuse(t, text);
}

/* The lowest stack pointer at which TIDE_AWAIT_CALL may still call on the
 * calling thread: TIDE_CALL_STACK_MARGIN above the end of its stack where
 * the host reports one (at most half the stack left), 0 where a guard page
 * ends it. */
uintptr_t tide__stack_floor(void)
{
    uintptr_t end;
    if (!tide__host_stack_end(&end))
        return 0;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t margin = TIDE_CALL_STACK_MARGIN;
    if (sp - end < 2 * margin)
        margin = (sp - end) / 2;
    return end + margin;
}

/* For C++ and pre-C11 code, which cannot read tide__running inline. */
int tide__call_enter(void)
{
    tide_loop *L = tide__running;
    return L && --L->call_room >= 0 &&
           (uintptr_t)__builtin_frame_address(0) > L->stack_floor;
}

void tide__call_leave(void)
{
    tide__running->call_room++;
}
