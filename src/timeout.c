/*
 * timeout.c - timeout scopes (asyncio.timeout / timeout_at): a deadline that
 * cancels the task that entered the scope; leaving the scope turns that one
 * cancellation into TIDE_ETIMEDOUT. The states and the uncancel() count
 * rule are CPython's, so nested scopes, foreign cancels and swallowed
 * cancellations behave as there.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

enum { T_ENTERED, T_EXPIRING, T_EXPIRED, T_EXITED, T_CREATED };

struct tide_timeout {
    tide_loop *loop;
    tide_task *task;     /* the task it cancels (a reference), once entered */
    tide_handle *handle; /* the pending expiry, or NULL */
    double when;         /* loop time; INFINITY: never */
    int state;
    int cancelling;      /* the task's cancelling() when it entered */
    int scoped;          /* a TIDE_WITH's: its block destroys it */
    /* made by tide_timeout_create: the program's, entered by a TIDE_WITH
     * (tide_timeout_scope_of), whose open block pins it; a destroy while
     * pinned is done when the block lets go */
    uint32_t pins;
    int doomed;
    /* The program's, it may outlive its loop as a lock may: the loop's
     * teardown detaches it (the task and the expiry go with the loop),
     * and its memory comes back through `mem`. */
    tide__resource res;
    tide__mem mem;
};

/* (never "in use at exit": its task was, if anything) */
static const tide__resource_ops timeout_res = {
    .kind = "timeout",
    .describe = tide__resource_never_open,
};

/* A timeout of loop L, zeroed, in state `state`; NULL out of memory. */
static tide_timeout *timeout_new(tide_loop *L, int state)
{
    tide__mem mem;
    tide_timeout *t = tide__mem_alloc(L, sizeof *t, &mem);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->mem = mem;
    t->loop = L;
    t->state = state;
    tide__resource_track(L, &t->res, &timeout_res);
    return t;
}

static void timeout_free(tide_timeout *t)
{
    tide__resource_remove(&t->res);
    tide__mem_free(&t->mem, t, sizeof *t);
}

static int on_expiry(void *arg)
{
    tide_timeout *t = arg;
    tide_handle_release(t->handle);
    t->handle = NULL;
    t->state = T_EXPIRING;
    int rc = tide_task_cancel(t->task, NULL);
    return rc < 0 ? rc : 0;
}

/* (Re)arm the expiry: a deadline already past fires in the next iteration
 * through the ready queue, as CPython's call_soon does. */
static int arm(tide_timeout *t, double when)
{
    tide_handle *h = NULL;
    int rc = 0;
    if (!isinf(when) || when < 0) {
        if (when <= tide_loop_time(t->loop))
            rc = tide_call_soon(t->loop, on_expiry, t, &h);
        else
            rc = tide_call_at(t->loop, when, on_expiry, t, &h);
        if (rc < 0)
            return rc;
    }
    if (t->handle) {
        tide_handle_cancel(t->handle);
        tide_handle_release(t->handle);
    }
    t->handle = h;
    t->when = when;
    return 0;
}

/* The arguments of `fn`, which makes a timeout: 0, or why not. */
static int timeout_args(const char *fn, const char *what, double time,
                        tide_timeout **out)
{
    if (!out)
        return tide__fail(fn, TIDE_EINVAL, "out is NULL");
    *out = NULL;
    return isnan(time) ? tide__nan_arg(fn, what) : 0;
}

static int enter_at(double when, tide_timeout **out)
{
    tide_task *task = tide_current_task();
    if (!task)
        return TIDE_ENOLOOP;
    tide_timeout *t = timeout_new(task->loop, T_ENTERED);
    if (!t)
        return TIDE_ENOMEM;
    t->task = task;
    t->cancelling = tide_task_cancelling(task);
    t->when = INFINITY;
    int rc = arm(t, when);
    if (rc < 0) {
        timeout_free(t);
        return rc;
    }
    tide_task_retain(task);
    *out = t;
    return 0;
}

int tide_timeout_enter_at(double when, tide_timeout **out)
{
    int rc = timeout_args(__func__, "when", when, out);
    return rc < 0 ? rc : enter_at(when, out);
}

/* A deadline `delay` seconds from now on L's clock; +inf stays +inf. */
static double deadline(tide_loop *L, double delay)
{
    return isinf(delay) && delay > 0 ? delay : tide_loop_time(L) + delay;
}

static int create_at(double when, tide_timeout **out)
{
    tide_loop *L = tide__running;
    if (!L)
        return TIDE_ENOLOOP;
    tide_timeout *t = timeout_new(L, T_CREATED);
    if (!t)
        return TIDE_ENOMEM;
    t->when = when;
    *out = t;
    return 0;
}

int tide_timeout_create_at(double when, tide_timeout **out)
{
    int rc = timeout_args(__func__, "when", when, out);
    return rc < 0 ? rc : create_at(when, out);
}

int tide_timeout_create(double delay, tide_timeout **out)
{
    tide_loop *L = tide__running;
    int rc = timeout_args(__func__, "delay", delay, out);
    if (rc < 0)
        return rc;
    return create_at(L ? deadline(L, delay) : 0, out);
}

int tide__timeout_enter_created(tide_timeout *t)
{
    tide_task *task = tide_current_task();
    if (!task)
        return TIDE_ENOLOOP;
    if (t->state != T_CREATED || t->loop != task->loop) {
        tide__set_message(task, t->state != T_CREATED
                                    ? "tide_timeout_scope_of: the timeout "
                                      "was entered already"
                                    : "tide_timeout_scope_of: a timeout of "
                                      "another loop");
        return TIDE_ESTATE;
    }
    t->task = task;
    t->state = T_ENTERED;
    t->cancelling = tide_task_cancelling(task);
    double when = t->when;
    t->when = INFINITY;
    int rc = arm(t, when);
    if (rc < 0) { /* not entered: it may be entered again */
        t->task = NULL;
        t->state = T_CREATED;
        t->when = when;
        return rc;
    }
    tide_task_retain(task);
    return 0;
}

void tide__timeout_pin(tide_timeout *t, int by)
{
    t->pins += (uint32_t)by;
    if (!t->pins && t->doomed)
        tide_timeout_destroy(t);
}

int tide_timeout_enter(double delay, tide_timeout **out)
{
    tide_task *task = tide_current_task();
    int rc = timeout_args(__func__, "delay", delay, out);
    if (rc < 0)
        return rc;
    return enter_at(task ? deadline(task->loop, delay) : 0, out);
}

/* Why `fn` cannot act on the scope t (not active): TIDE_ESTATE. */
static int not_active(const char *fn, const tide_timeout *t)
{
    const char *why = t->state == T_CREATED ? "not entered yet"
                      : t->state == T_EXITED || t->state == T_EXPIRED
                          ? "left already"
                          : "expiring";
    return tide__fail(fn, TIDE_ESTATE, "the timeout scope is %s", why);
}

/* The loop of a timeout is gone (and its scope with it). */
static int timeout_gone(const char *fn)
{
    return tide__fail(fn, TIDE_ESTATE, "the timeout's loop was destroyed");
}

int tide_timeout_exit(tide_timeout *t, int rc)
{
    if (!t)
        return tide__fail(__func__, TIDE_ESTATE, "t is NULL");
    if (tide__resource_detached(&t->res))
        return timeout_gone(__func__);
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    if (t->state != T_ENTERED && t->state != T_EXPIRING)
        return not_active(__func__, t);
    if (t->handle) {
        tide_handle_cancel(t->handle);
        tide_handle_release(t->handle);
        t->handle = NULL;
    }
    if (t->state == T_ENTERED) {
        t->state = T_EXITED;
    } else {
        t->state = T_EXPIRED;
        /* Ours only if no other cancel arrived since the scope was
         * entered. */
        if (tide_task_uncancel(t->task) <= t->cancelling &&
            rc == TIDE_ECANCELLED) {
            tide__set_message(t->task, NULL);
            rc = TIDE_ETIMEDOUT;
        }
    }
    /* Left, it only reads as it stood: a timeout kept for its expired()
     * holds its task no longer. */
    tide_task_release(t->task);
    t->task = NULL;
    return rc;
}

int tide_timeout_reschedule(tide_timeout *t, double when)
{
    if (!t)
        return TIDE__NULL_ARG("t");
    if (isnan(when))
        return tide__nan_arg(__func__, "when");
    if (tide__resource_detached(&t->res))
        return timeout_gone(__func__);
    if (tide__foreign(t->loop))
        return tide__fail_thread(__func__);
    if (t->state != T_ENTERED)
        return not_active(__func__, t);
    return arm(t, when);
}

int tide_timeout_is_expired(const tide_timeout *t)
{
    return t && (t->state == T_EXPIRING || t->state == T_EXPIRED);
}

double tide_timeout_when(const tide_timeout *t)
{
    return t ? t->when : INFINITY;
}

void tide__timeout_set_scoped(tide_timeout *t, int on)
{
    if (t)
        t->scoped = on;
}

void tide_timeout_destroy(tide_timeout *t)
{
    if (!t || t->scoped) /* a TIDE_WITH's: the block's exit frees it */
        return;
    if (tide__resource_detached(&t->res)) { /* task, expiry: gone with it */
        timeout_free(t);
        return;
    }
    if (t->pins) { /* a block entered it: freed once that lets go */
        t->doomed = 1;
        return;
    }
    if (t->state == T_ENTERED || t->state == T_EXPIRING)
        tide_timeout_exit(t, 0);
    tide_task_release(t->task);
    timeout_free(t);
}
