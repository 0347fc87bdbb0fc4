/*
 * debug.c - debug mode, deadlock reports and introspection: what each task
 * does and waits on, what holds it up, and what a run leaves behind.
 *
 * Everything here runs only when debug mode is on (one branch per step in
 * the hot paths), except the deadlock report, which replaces asyncio's hang
 * and so is always given.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void default_debug(tide_loop *loop, int kind, const char *text,
                          tide_task *task, void *arg)
{
    (void)loop;
    (void)kind;
    (void)task;
    (void)arg;
    fprintf(stderr, "tide: %s\n", text);
}

void tide__debug_init(tide_loop *L)
{
    tide__list_init(&L->done_tasks);
    tide__list_init(&L->resources);
    L->slow_ns = TIDE_DEFAULT_SLOW_NS;
    L->on_debug = default_debug;
    const char *env = getenv("TIDE_DEBUG");
    L->debug = env && *env && strcmp(env, "0") != 0;
    tide__loop_hooks_update(L);
}

void tide__debug_destroy(tide_loop *L)
{
    /* Primitives may be destroyed after their loop: detach them so that
     * their unlinking touches nothing of the loop. */
    while (!tide__list_empty(&L->resources))
        tide__list_remove(L->resources.next);
}

int tide_loop_set_debug(tide_loop *loop, int on)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->debug = on != 0;
    tide__loop_hooks_update(loop);
    return 0;
}

int tide_loop_debug(const tide_loop *loop)
{
    return loop ? loop->debug : 0;
}

int tide_loop_set_slow_callback_duration(tide_loop *loop, double seconds)
{
    int64_t ns;
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__seconds_ns(seconds, &ns) < 0 || ns < 0)
        return tide__fail(__func__, TIDE_EINVAL,
                          "seconds is %g: a duration is 0 or more", seconds);
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->slow_ns = ns;
    return 0;
}

int tide_loop_set_debug_handler(tide_loop *loop, tide_debug_fn fn, void *arg)
{
    if (!loop)
        return TIDE__NULL_ARG("loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    loop->on_debug = fn ? fn : default_debug;
    loop->on_debug_arg = fn ? arg : NULL;
    return 0;
}

void tide__debug_report(tide_loop *L, int kind, tide_task *task,
                        const char *fmt, ...)
{
    char text[TIDE_REPORT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    L->on_debug(L, kind, text, task, L->on_debug_arg);
}

/* ---- resources ------------------------------------------------------------ */

void tide__resource_add(tide_loop *L, tide__resource *r,
                        const tide__resource_ops *ops)
{
    r->ops = ops;
    r->id = ++L->next_resource_id;
    tide__list_push(&L->resources, &r->link);
}

int tide__resource_never_open(const tide__resource *r, char *buf, size_t n)
{
    (void)r;
    if (n)
        buf[0] = 0;
    return 0;
}

void tide__resource_track(tide_loop *L, tide__resource *r,
                          const tide__resource_ops *ops)
{
    r->ops = ops;
    r->id = 0;
    tide__list_push(&L->resources, &r->link);
}

void tide__resources_detach(tide_loop *L)
{
    for (tide__node *n = L->resources.next; n != &L->resources; n = n->next) {
        tide__resource *r = TIDE__CONTAINER(n, tide__resource, link);
        if (r->ops->detach)
            r->ops->detach(r); /* (stays linked: unlinked with the rest) */
    }
}

void tide__resource_remove(tide__resource *r)
{
    tide__list_remove(&r->link); /* a detached node links to itself */
}

/* ---- what a task waits on ------------------------------------------------ */

/* "Task-3 'x' waiting on lock#1 held by Task-2", "Task-4 ready", ... */
static int describe_task(tide_task *t, char *buf, size_t n,
                         tide_task **blocker)
{
    char label[80], wait[160];
    tide__task_label(t, label, sizeof label);
    *blocker = NULL;
    const char *state = tide_task_state(t);
    if (strcmp(state, "waiting") != 0)
        return snprintf(buf, n, "%s %s", label, state);
    *blocker = tide_task_describe_wait(t, wait, sizeof wait);
    return snprintf(buf, n, "%s waiting on %s", label, wait);
}

/* ---- the reports of debug mode ------------------------------------------- */

void tide__debug_slow(tide_loop *L, tide_task *t, int64_t took)
{
    if (took < L->slow_ns)
        return;
    char label[80];
    if (t)
        tide__debug_report(L, TIDE_DEBUG_SLOW, t, "slow step: task %s took "
                           "%.3f s", tide__task_label(t, label, sizeof label),
                           (double)took / 1e9);
    else
        tide__debug_report(L, TIDE_DEBUG_SLOW, NULL, "slow callback: took "
                           "%.3f s", (double)took / 1e9);
}

void tide__debug_suspended(tide_loop *L, tide_task *t)
{
    /* It saw a cancellation, is still counted as being cancelled, and waits
     * again - not in the cleanup of that very cancellation (its own frame
     * would be propagating TIDE_ECANCELLED then). */
    if (t->cancelling <= 0 || !(t->flags & TIDE__T_CANCEL_SEEN) ||
        (t->flags & TIDE__T_WARNED))
        return;
    tide_frame *fr = tide__task_frame(t);
    if (fr->err == TIDE_ECANCELLED)
        return;
    t->flags |= TIDE__T_WARNED;
    char label[80];
    tide__debug_report(
        L, TIDE_DEBUG_SWALLOWED, t,
        "task %s caught a cancellation and awaits again (on %s) without "
        "tide_task_uncancel(): whoever cancelled it may wait forever",
        tide__task_label(t, label, sizeof label),
        t->wait_ops ? t->wait_ops->what : "yield");
}

void tide__debug_freed(tide_loop *L, tide_task *t)
{
    if (!(t->flags & TIDE__T_DONE) || t->status >= 0 ||
        t->status == TIDE_ECANCELLED || (t->flags & TIDE__T_RETRIEVED))
        return;
    char label[80];
    const char *name = tide_errname(t->status);
    tide__debug_report(L, TIDE_DEBUG_UNRETRIEVED, t,
                       "task %s failed with %s%s%s and nobody read its error",
                       tide__task_label(t, label, sizeof label),
                       name ? name : "a user error", t->msg ? ": " : "",
                       t->msg ? t->msg->text : "");
}

void tide__debug_leftovers(tide_loop *L)
{
    for (tide__node *n = L->tasks.next; n != &L->tasks; n = n->next) {
        tide_task *t = TIDE__CONTAINER(n, tide_task, link), *blocker;
        char line[256];
        describe_task(t, line, sizeof line, &blocker);
        tide__debug_report(L, TIDE_DEBUG_LEFTOVER, t,
                           "%s when the main task finished; cancelling it",
                           line);
    }
}

void tide__debug_exit(tide_loop *L)
{
    for (tide__node *n = L->tasks.next; n != &L->tasks; n = n->next) {
        tide_task *t = TIDE__CONTAINER(n, tide_task, link), *blocker;
        char line[256];
        describe_task(t, line, sizeof line, &blocker);
        tide__debug_report(L, TIDE_DEBUG_LEFTOVER, t,
                           "still pending at exit: %s", line);
    }
    for (tide__node *n = L->resources.next; n != &L->resources; n = n->next) {
        tide__resource *r = TIDE__CONTAINER(n, tide__resource, link);
        char state[200];
        if (r->ops->describe(r, state, sizeof state))
            tide__debug_report(L, TIDE_DEBUG_OPEN, NULL,
                               "%s#%u still in use at exit: %s", r->ops->kind,
                               (unsigned)r->id, state);
    }
}

void tide__debug_blocking(tide_loop *L, tide_task *t, const char *what)
{
    if (!L->debug)
        return;
    char label[80];
    tide__debug_report(L, TIDE_DEBUG_BLOCKING, t,
                       "blocking call on the loop: %s ran inline in task %s "
                       "(no threads on this host); nothing else ran meanwhile",
                       what, t ? tide__task_label(t, label, sizeof label)
                               : "(none)");
}

/* ---- deadlock -------------------------------------------------------------- */

/* Appends to a report buffer, keeping it terminated. */
static void add(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len = *len + (size_t)k < n ? *len + (size_t)k : n;
}

/* What holds t up (an awaited task, a lock's holder), or NULL: for the
 * walks of a deadlock report, so cheap for waits on tasks. */
static tide_task *blocker_of(tide_task *t)
{
    if (!(t->flags & TIDE__T_WAITING) || !t->wait_ops)
        return NULL;
    tide_task *b;
    if (t->wait_ops->awaited) {
        size_t i = 0;
        b = t->wait_ops->awaited(t, &i);
    } else {
        char wait[160];
        b = tide_task_describe_wait(t, wait, sizeof wait);
    }
    return b && !(b->flags & TIDE__T_DONE) ? b : NULL;
}

static void unmark_tasks(tide_loop *L, uint16_t bits)
{
    for (tide__node *n = L->tasks.next; n != &L->tasks; n = n->next)
        TIDE__CONTAINER(n, tide_task, link)->flags &= (uint16_t)~bits;
}

/* What the report says of the waits. */
typedef struct waits {
    tide_task *cycle; /* the first cycle of tasks holding each other up */
    size_t depth;     /* the first task's chain of waits: how long */
    tide_task *end;   /* and its last task before it ends or loops */
} waits;

/* Follows what holds up each task, from the tasks in creation order.
 * Linear: each task is followed once (TIDE__T_MARK); TIDE__T_ON_PATH
 * marks the path being followed, so meeting it again closes a cycle. */
static waits follow_waits(tide_loop *L)
{
    waits w = {NULL, 0, NULL};
    for (tide__node *n = L->tasks.next; n != &L->tasks && !w.cycle;
         n = n->next) {
        tide_task *s = TIDE__CONTAINER(n, tide_task, link), *t = s;
        while (t && !(t->flags & TIDE__T_MARK)) {
            t->flags |= TIDE__T_MARK | TIDE__T_ON_PATH;
            if (n == L->tasks.next) {
                w.depth++;
                w.end = t;
            }
            t = blocker_of(t);
        }
        if (t && (t->flags & TIDE__T_ON_PATH))
            w.cycle = t;
        for (t = s; t && (t->flags & TIDE__T_ON_PATH); t = blocker_of(t))
            t->flags &= (uint16_t)~TIDE__T_ON_PATH;
    }
    unmark_tasks(L, TIDE__T_MARK);
    return w;
}

/* "  cycle: a -> b -> a": a long one is cut short to leave `n` room. */
static void add_cycle(tide_task *cycle, char *buf, size_t n, size_t *len)
{
    char label[80];
    size_t k = 1;
    for (tide_task *t = blocker_of(cycle); t != cycle; t = blocker_of(t))
        k++;
    add(buf, n, len, "  cycle: ");
    tide_task *t = cycle;
    do {
        if (*len + 2 * sizeof label + 48 > n) {
            add(buf, n, len, "... (%zu tasks) -> ", k);
            break;
        }
        add(buf, n, len, "%s -> ", tide__task_label(t, label, sizeof label));
        t = blocker_of(t);
    } while (t != cycle);
    add(buf, n, len, "%s\n", tide__task_label(cycle, label, sizeof label));
}

/* The report lists the tasks that fit (each line whole) in n - `keep`
 * bytes; for a longer list it says how many are left out and where the
 * first task's chain of waits ends (`keep` must leave room for that). */
static void add_tasks(tide_loop *L, const waits *w, char *buf, size_t n,
                      size_t *len, size_t keep)
{
    size_t listed = 0;
    for (tide__node *nd = L->tasks.next; nd != &L->tasks; nd = nd->next) {
        tide_task *t = TIDE__CONTAINER(nd, tide_task, link), *blocker;
        char line[256];
        int k = describe_task(t, line, sizeof line, &blocker);
        if (k < 0 || *len + (size_t)k + 4 + keep >= n)
            break;
        add(buf, n, len, "  %s\n", line);
        listed++;
    }
    if (listed == L->ntasks)
        return;
    add(buf, n, len, "  ... and %zu more task(s)\n", L->ntasks - listed);
    if (w->depth > listed) {
        char label[80], line[256];
        tide_task *b;
        tide__task_label(TIDE__CONTAINER(L->tasks.next, tide_task, link),
                         label, sizeof label);
        describe_task(w->end, line, sizeof line, &b);
        add(buf, n, len, "  chain of %zu task(s) from %s to: %s\n",
            w->depth, label, line);
    }
}

void tide__debug_deadlock(tide_loop *L)
{
    char text[TIDE_REPORT_MAX], cycle_text[TIDE_REPORT_MAX / 4];
    size_t len = 0, cycle_len = 0;
    waits w = follow_waits(L);
    if (w.cycle)
        add_cycle(w.cycle, cycle_text, sizeof cycle_text, &cycle_len);
    add(text, sizeof text, &len, "deadlock: %zu task(s) wait and nothing can "
        "wake any of them; cancelling them\n", L->ntasks);
    add_tasks(L, &w, text, sizeof text - cycle_len, &len, 400);
    if (w.cycle)
        add(text, sizeof text, &len, "%s", cycle_text);
    if (len && text[len - 1] == '\n')
        text[len - 1] = 0;
    L->on_debug(L, TIDE_DEBUG_DEADLOCK, text, NULL, L->on_debug_arg);
}

/* ---- introspection ---------------------------------------------------------- */

int tide_loop_walk(tide_loop *loop, int (*fn)(tide_task *t, void *arg),
                   void *arg)
{
    if (!loop || !fn)
        return TIDE__NULL_ARG(loop ? "fn" : "loop");
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    for (tide__node *n = loop->tasks.next; n != &loop->tasks;) {
        tide__node *next = n->next;
        int rc = fn(TIDE__CONTAINER(n, tide_task, link), arg);
        if (rc)
            return rc;
        n = next;
    }
    return 0;
}

size_t tide_loop_dump(tide_loop *loop, char *buf, size_t n)
{
    size_t need = 0;
    if (n)
        buf[0] = 0;
    if (!loop)
        return 0;
    double now = tide_loop_time(loop);
    for (tide__node *nd = loop->tasks.next; nd != &loop->tasks; nd = nd->next) {
        tide_task *t = TIDE__CONTAINER(nd, tide_task, link), *blocker;
        char line[320];
        int k = describe_task(t, line, sizeof line, &blocker);
        if (k > 0 && (t->flags & TIDE__T_WAITING))
            snprintf(line + strlen(line), sizeof line - strlen(line),
                     " for %.3f s", now - tide_task_waiting_since(t));
        int w = snprintf(need < n ? buf + need : NULL, need < n ? n - need : 0,
                         "%s\n", line);
        if (w > 0)
            need += (size_t)w;
    }
    return need;
}

uint64_t tide_loop_step_count(const tide_loop *loop)
{
    return loop ? loop->steps : 0;
}

size_t tide_loop_timer_count(const tide_loop *loop)
{
    return loop ? loop->wheel_n + loop->timers_never_n : 0;
}
