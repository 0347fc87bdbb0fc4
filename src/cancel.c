/*
 * cancel.c - cancelling a task passes the cancel down through the tasks it
 * awaits (asyncio's Task.cancel through _fut_waiter), and the shutdown pass
 * cancels every leftover task. Programs decide how deep a chain of tasks
 * awaiting each other goes (a million is fine), so nothing here recurses,
 * and a cancel never needs memory:
 *
 *  - A walk goes down depth first, in the order the recursive rule gives:
 *    each awaited task in turn, and everything below it, before the next.
 *    A wait on one task (join, wait_for) passes the cancel straight on and
 *    is never come back to; a wait on several (gather) keeps the walk's
 *    place in a tide__cancel_frame of its own, and those frames chain into
 *    the walk's stack. Tasks on the way down are marked TIDE__T_IN_CANCEL
 *    (the cycle rule of tide__cancel_awaited reads it); a run of single
 *    waits is unmarked, once the task at its end is done, by following it
 *    again from its top.
 *  - A pass (tide__cancel_leftovers) cancels many tasks in turn, and in a
 *    chain each cancel goes all the way down again: N^2 steps for N tasks.
 *    Yet a second walk through a task that passed the cancel on changes
 *    nothing below it but counts (tide_task_cancelling): everything there
 *    passed the cancel on or was woken the first time, and nothing has run
 *    since. So a pass walks through each such task once (TIDE__T_MARK), and
 *    adds the requests the repeated walks would have counted at the end,
 *    in one sweep of the waits in topological order (pass_settle). That
 *    sweep needs memory; if there is none, the pass walks every repeat as
 *    before: slower, same outcome.
 */
#include "internal.h"

#include <stdlib.h>

/* ---- one cancel ------------------------------------------------------------ */

static void count_requests(tide_task *t, uint32_t n)
{
    int64_t c = (int64_t)t->cancelling + n;
    t->cancelling = (int16_t)(c > INT16_MAX ? INT16_MAX : c);
}

static void must_cancel(tide_task *t, tide__msg *m)
{
    t->flags |= TIDE__T_MUST_CANCEL;
    tide__msg_set(t->loop, &t->cancel_msg, m);
}

/* The cancel reaches t, which is not done: count the request and offer it
 * to t's wait. TIDE__CANCEL_PASS: the wait passes it on to the tasks t
 * awaits, and t stays marked until the walk below it is over. Else 1. */
static int cancel_here(tide_task *t, tide__msg *m)
{
    count_requests(t, 1);
    const tide__wait_ops *ops = t->wait_ops;
    /* a cycle of tasks awaiting each other must not pass it round forever */
    if ((t->flags & TIDE__T_WAITING) && ops && ops->cancel &&
        !(t->flags & TIDE__T_IN_CANCEL)) {
        t->flags |= TIDE__T_IN_CANCEL;
        int rc = ops->cancel(t, m);
        if (rc == TIDE__CANCEL_PASS)
            return rc;
        t->flags &= (uint16_t)~TIDE__T_IN_CANCEL;
        if (rc)
            return 1;
    }
    must_cancel(t, m);
    return 1;
}

/* t's own cancel is over: unmark it; if its wait reached no pending task,
 * it must cancel itself at its next step. */
static void cancel_over(tide_task *t, int taken, tide__msg *m)
{
    t->flags &= (uint16_t)~TIDE__T_IN_CANCEL;
    if (!taken)
        must_cancel(t, m);
}

struct pass;
static int pass_arrive(struct pass *ps, tide_task *c, tide__msg *m);

typedef struct walk {
    tide__msg *msg;
    struct pass *pass;       /* the pass this walk is part of, or NULL */
    tide__cancel_frame *top; /* innermost wait on several tasks under way */
    tide_task *chain;        /* top of the run of single waits under way */
} walk;

static int arrive(walk *w, tide_task *c)
{
    return w->pass ? pass_arrive(w->pass, c, w->msg) : cancel_here(c, w->msg);
}

/* The run of single waits from x down to `end` is over: unmark it. Each of
 * them passed the cancel straight on, so awaited() retraces the run. */
static void chain_done(tide_task *x, const tide_task *end)
{
    while (x && x != end && (x->flags & TIDE__T_IN_CANCEL)) {
        x->flags &= (uint16_t)~TIDE__T_IN_CANCEL;
        size_t i = 0;
        x = x->wait_ops->awaited(x, &i);
    }
}

/* Goes on with the next task of the innermost wait on several tasks that
 * has one left, closing the waits that have none; NULL once none has. */
static tide_task *walk_next(walk *w, const tide_task *root, int *root_taken)
{
    while (w->top) {
        tide__cancel_frame *f = w->top;
        tide_task *p = f->task, *c;
        while ((c = p->wait_ops->awaited(p, &f->next))) {
            if (c->flags & TIDE__T_DONE)
                continue; /* its cancel would return 0 */
            f->taken = 1;
            if (arrive(w, c) == TIDE__CANCEL_PASS)
                return c;
        }
        w->top = f->up;
        f->took |= f->taken;
        if (p == root)
            *root_taken = f->taken;
        else
            cancel_over(p, f->taken, w->msg);
        chain_done(f->chain, p);
    }
    return NULL;
}

/* root's wait has answered TIDE__CANCEL_PASS: cancel what root awaits, and
 * on down. Returns whether root's wait took the cancel (it reached a task
 * still pending); root itself is the caller's to finish. */
static int walk_down(tide_task *root, tide__msg *m, struct pass *ps)
{
    walk w = {m, ps, NULL, NULL};
    int root_taken = 0;
    tide_task *t = root;
    while (t) {
        /* here t's wait passes the cancel on */
        const tide__wait_ops *ops = t->wait_ops;
        tide__cancel_frame *f = ops->frame ? ops->frame(t) : NULL;
        if (f) {
            f->up = w.top;
            f->task = t;
            f->chain = w.chain;
            f->next = 0;
            f->taken = 0;
            w.top = f;
            w.chain = NULL;
        } else {
            size_t i = 0;
            tide_task *c = ops->awaited(t, &i);
            int pending = c && !(c->flags & TIDE__T_DONE);
            if (!w.chain && (t->flags & TIDE__T_IN_CANCEL))
                w.chain = t;
            if (t == root)
                root_taken = pending;
            if (pending && arrive(&w, c) == TIDE__CANCEL_PASS) {
                t = c;
                continue;
            }
            if (!pending && t != root)
                cancel_over(t, 0, m);
            chain_done(w.chain, pending ? c : t);
            w.chain = NULL;
        }
        t = walk_next(&w, root, &root_taken);
    }
    return root_taken;
}

static int cancel_task(tide_task *t, tide__msg *m, struct pass *ps)
{
    if (t->flags & TIDE__T_DONE)
        return 0;
    int rc = ps ? pass_arrive(ps, t, m) : cancel_here(t, m);
    if (rc == TIDE__CANCEL_PASS)
        cancel_over(t, walk_down(t, m, ps), m);
    return 1;
}

int tide__task_cancel(tide_task *t, tide__msg *m)
{
    return cancel_task(t, m, NULL);
}

int tide__cancel_wait(tide_task *t, tide__msg *m)
{
    const tide__wait_ops *ops = t->wait_ops;
    if (!ops || !ops->cancel)
        return 0;
    tide__msg_ref(m); /* it may be t's cancel_msg, which the walk resets */
    int rc = ops->cancel(t, m);
    if (rc == TIDE__CANCEL_PASS)
        rc = walk_down(t, m, NULL);
    tide__msg_unref(t->loop, m);
    return rc;
}

int tide__cancel_awaited(tide_task *t, tide_task *child, tide__msg *msg)
{
    if (child->flags & TIDE__T_IN_CANCEL) {
        /* The cancel came back round a cycle of tasks awaiting each other:
         * stop waiting instead, as if the awaited task had been cancelled,
         * so that the cycle unwinds. */
        tide__awaiters_remove(child, &t->wait.on.waiter.node);
        tide__wake(t, TIDE_ECANCELLED, msg);
        return 1;
    }
    return TIDE__CANCEL_PASS;
}

/* ---- the shutdown pass ------------------------------------------------------ */

enum {
    PASS_PROBE, /* no repeat yet: mark what passes the cancel on */
    PASS_FAST,  /* repeats are counted, not walked; settled at the end */
    PASS_PLAIN, /* no memory for settling: every repeat is walked */
};

typedef struct pass_node {
    tide_task *task;
    uint32_t id;    /* task->id, here for the binary search */
    uint32_t total; /* walks through it: its own + those of its awaiters */
    uint32_t indeg; /* its awaiters not settled yet */
} pass_node;

typedef struct pass {
    tide_loop *loop;
    tide__msg *msg;
    int mode;
    size_t marked;   /* tasks flagged TIDE__T_MARK */
    pass_node *nodes; /* PASS_FAST: room for every pending task */
    uint32_t *queue;
    size_t cap;
} pass;

/* The first repeat: get the memory to settle repeats at the end. */
static int pass_go_fast(pass *ps)
{
    tide_loop *L = ps->loop;
    size_t n = L->ntasks;
    size_t each = sizeof(pass_node) + sizeof(uint32_t);
    if (n > UINT32_MAX || n > SIZE_MAX / each)
        return 0;
    ps->nodes = tide__alloc(L, n * each);
    if (!ps->nodes)
        return 0;
    ps->queue = (uint32_t *)(void *)(ps->nodes + n);
    ps->cap = n;
    return 1;
}

/* A cancel of the pass reaches c. If c has passed one on already, its wait
 * would pass this one on the same way: count it here, and what it would
 * count below c when the pass is settled. */
static int pass_arrive(pass *ps, tide_task *c, tide__msg *m)
{
    if ((c->flags & TIDE__T_MARK) && !(c->flags & TIDE__T_IN_CANCEL)) {
        if (ps->mode == PASS_PROBE)
            ps->mode = pass_go_fast(ps) ? PASS_FAST : PASS_PLAIN;
        if (ps->mode == PASS_FAST) {
            count_requests(c, 1);
            return 1;
        }
    }
    int rc = cancel_here(c, m);
    if (rc == TIDE__CANCEL_PASS && !(c->flags & TIDE__T_MARK) &&
        ps->mode != PASS_PLAIN) {
        c->flags |= TIDE__T_MARK;
        ps->marked++;
    }
    return rc;
}

static int node_cmp(const void *a, const void *b)
{
    uint32_t x = ((const pass_node *)a)->id, y = ((const pass_node *)b)->id;
    return (x > y) - (x < y);
}

static pass_node *node_of(const pass *ps, size_t n, const tide_task *t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->nodes[mid].id < t->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ps->nodes[lo].task == t ? &ps->nodes[lo] : NULL;
}

static uint32_t add_sat(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Collects the marked tasks (unmarking them), by id; `first` is the first
 * task the pass cancelled: it and those after it walked once each. */
static size_t pass_collect(pass *ps, const tide__node *first)
{
    tide_loop *L = ps->loop;
    size_t n = 0;
    int own = 0, sorted = 1;
    for (tide__node *nd = L->tasks.next; nd != &L->tasks && n < ps->marked;
         nd = nd->next) {
        own |= nd == first;
        tide_task *t = TIDE__CONTAINER(nd, tide_task, link);
        if (!(t->flags & TIDE__T_MARK))
            continue;
        t->flags &= (uint16_t)~TIDE__T_MARK;
        if (n && t->id <= ps->nodes[n - 1].id)
            sorted = 0; /* ids wrapped round */
        ps->nodes[n++] = (pass_node){t, t->id, (uint32_t)own, 0};
    }
    if (!sorted)
        qsort(ps->nodes, n, sizeof *ps->nodes, node_cmp);
    return n;
}

/*
 * Settles the repeats. A task that passed the cancel on was walked through
 * total = (its own cancel, if the pass made one) + the totals of the tasks
 * passing theirs on to it; each walk through it reached each task it
 * awaits, and the pass counted one of those arrivals: the others are
 * counted here, parents before children (Kahn's order). A task at the end
 * of a walk that gets more than one arrival must cancel itself at its next
 * step, as a second cancel_here would have set (its wait was offered the
 * first and has woken it). The waits passed through are acyclic by now:
 * the first walk round a cycle woke the task that closed it.
 */
static void pass_settle(pass *ps, const tide__node *first)
{
    size_t n = pass_collect(ps, first), head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        tide_task *p = ps->nodes[i].task, *c;
        size_t k = 0;
        while ((c = p->wait_ops->awaited(p, &k))) {
            pass_node *cn = node_of(ps, n, c);
            if (cn && !(c->flags & TIDE__T_DONE))
                cn->indeg++;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (ps->nodes[i].indeg == 0)
            ps->queue[tail++] = (uint32_t)i;
    while (head < tail) {
        pass_node *pn = &ps->nodes[ps->queue[head++]];
        tide_task *p = pn->task, *c;
        size_t k = 0;
        while ((c = p->wait_ops->awaited(p, &k))) {
            if (c->flags & TIDE__T_DONE)
                continue;
            pass_node *cn = node_of(ps, n, c);
            if (pn->total > 1) {
                count_requests(c, pn->total - 1);
                if (!cn && !(c->flags & TIDE__T_WAITING))
                    must_cancel(c, ps->msg);
            }
            if (cn) {
                cn->total = add_sat(cn->total, pn->total);
                if (--cn->indeg == 0)
                    ps->queue[tail++] = (uint32_t)(cn - ps->nodes);
            }
        }
    }
}

/* Unmarks what is still marked (a pass that did not settle). Only a run's
 * first pass marks anything, and it scans all the tasks anyway: tasks
 * spawned later are cancelled before their first step, waiting on
 * nothing. */
static void pass_unmark(pass *ps)
{
    tide_loop *L = ps->loop;
    for (tide__node *nd = L->tasks.next; nd != &L->tasks && ps->marked;
         nd = nd->next) {
        tide_task *t = TIDE__CONTAINER(nd, tide_task, link);
        if (t->flags & TIDE__T_MARK) {
            t->flags &= (uint16_t)~TIDE__T_MARK;
            ps->marked--;
        }
    }
}

void tide__cancel_leftovers(tide_loop *L)
{
    /* Tasks are listed in creation order and a pass flags every task it
     * cancels: the tasks not flagged yet (spawned since) end the list,
     * or are all of it (the first pass). */
    tide__node *first = L->tasks.next;
    if (first != &L->tasks &&
        (TIDE__CONTAINER(first, tide_task, link)->flags & TIDE__T_LEFTOVER)) {
        first = L->tasks.prev;
        while (!(TIDE__CONTAINER(first, tide_task, link)->flags &
                 TIDE__T_LEFTOVER))
            first = first->prev;
        first = first->next;
    }
    if (first == &L->tasks)
        return;
    pass ps = {L, NULL, PASS_PROBE, 0, NULL, NULL, 0};
    for (tide__node *n = first; n != &L->tasks; n = n->next) {
        tide_task *t = TIDE__CONTAINER(n, tide_task, link);
        t->flags |= TIDE__T_LEFTOVER;
        cancel_task(t, ps.msg, &ps);
    }
    if (ps.mode == PASS_FAST) {
        pass_settle(&ps, first);
        tide__free(L, ps.nodes,
                   ps.cap * (sizeof(pass_node) + sizeof(uint32_t)));
    } else {
        pass_unmark(&ps);
    }
}
