/*
 * group.c - task groups (asyncio.TaskGroup), following CPython's state
 * machine: a child's failure aborts the group (cancels the other children)
 * and cancels the body's task once, which tide_group_exit later undoes with
 * uncancel(); errors win over cancellation; a cancellation from outside is
 * never swallowed. Plus TaskGroup.cancel() (Python 3.15).
 *
 * Each child has a node holding its done callback and a reference to it
 * until that callback ran. A failed child's node (and its reference, for
 * the task's name) is kept, in completion order, as the group's record of
 * that error: recording an error never allocates. The TIDE_EGROUP that
 * exit returns carries those records, copied into its message (story.c).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

struct child {
    tide__donecb cb;   /* cb.owner is the group */
    tide__node link;   /* in g->children, then (failed) in g->errors */
    tide_task *task;   /* a reference, until the callback ran (failed:
                          until the record is freed) */
};

struct tide_group {
    tide_loop *loop;
    tide_task *parent;         /* a reference */
    tide__node children;       /* pending: done callback not yet run */
    size_t ntasks;
    size_t nspawned;           /* children ever spawned */
    tide__node errors;         /* failed children, in completion order */
    size_t nerrors;
    int body_err;              /* the body's own error, reported last */
    tide__msg *body_msg;
    int propagate;             /* a cancellation to pass on, or 0 */
    tide__msg *propagate_msg;
    int pending;               /* the latest cancellation seen in exit */
    tide__msg *pending_msg;
    uint8_t exiting, aborting, parent_cancel_requested, exited, waiting;
    uint8_t scoped;            /* a TIDE_WITH's: its block destroys it */
    /* The program's: tide_loop_destroy lets go of what it holds of the
     * loop (detached: an empty shell) and the program frees the shell
     * through `mem`, before or after. */
    tide__resource res;
    tide__mem mem;
};

static void group_detach(tide__resource *r);
/* (its children, if any, are reported as tasks) */
static const tide__resource_ops group_res = {
    .kind = "group",
    .describe = tide__resource_never_open,
    .detach = group_detach,
};

static struct child *child_of(tide__node *n)
{
    return TIDE__CONTAINER(n, struct child, link);
}

static void child_free(tide_group *g, struct child *c)
{
    tide_task_release(c->task);
    tide__donecb_clear(g->loop, &c->cb);
    tide__free(g->loop, c, sizeof *c);
}

/* A group whose loop was destroyed: spawn, cancel and exit are refused. */
static int group_gone(const char *fn)
{
    return tide__fail(fn, TIDE_ESTATE, "the task group's loop was destroyed");
}

int tide_group_create(tide_group **out)
{
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    tide_task *parent = tide_current_task();
    if (!parent)
        return TIDE_ENOLOOP;
    tide__mem mem;
    tide_group *g = tide__mem_alloc(parent->loop, sizeof *g, &mem);
    if (!g)
        return TIDE_ENOMEM;
    memset(g, 0, sizeof *g);
    g->mem = mem;
    g->loop = parent->loop;
    tide__resource_track(g->loop, &g->res, &group_res);
    g->parent = tide_task_retain(parent);
    tide__list_init(&g->children);
    tide__list_init(&g->errors);
    *out = g;
    return 0;
}

/* Cancel every child still running. */
static void abort_children(tide_group *g)
{
    g->aborting = 1;
    for (tide__node *n = g->children.next; n != &g->children; n = n->next) {
        tide_task *t = child_of(n)->task;
        if (!(t->flags & TIDE__T_DONE))
            tide__task_cancel(t, NULL);
    }
}

/* The loop is destroyed with a child's callback still queued. */
static void child_release(tide__donecb *cb)
{
    tide_group *g = cb->owner;
    struct child *c = TIDE__CONTAINER(cb, struct child, cb);
    tide_loop *L = c->task->loop;
    if (g) { /* the group lives on (its owner destroys it): forget c */
        tide__list_remove(&c->link);
        g->ntasks--;
    }
    tide_task_release(c->task);
    tide__donecb_clear(L, &c->cb);
    tide__free(L, c, sizeof *c);
}

/* Runs one iteration after a child finished (CPython's _on_task_done). */
static void child_done(tide__donecb *cb)
{
    tide_group *g = cb->owner;
    struct child *c = TIDE__CONTAINER(cb, struct child, cb);
    if (!g) { /* the group was destroyed while this callback was queued */
        tide_loop *L = c->task->loop;
        tide_task_release(c->task);
        tide__donecb_clear(L, &c->cb);
        tide__free(L, c, sizeof *c);
        return;
    }
    tide__list_remove(&c->link);
    g->ntasks--;
    if (g->waiting && g->ntasks == 0) {
        g->waiting = 0;
        tide__wake(g->parent, 0, NULL);
    }
    if (cb->status >= 0 || cb->status == TIDE_ECANCELLED) {
        child_free(g, c);
        return;
    }
    tide__list_push(&g->errors, &c->link);
    g->nerrors++;
    if (g->parent->flags & TIDE__T_DONE) {
        tide__report(g->loop, "a task group's child failed after its parent "
                     "finished", cb->status, cb->msg, g->parent);
        return;
    }
    if (!g->aborting && !g->parent_cancel_requested) {
        /* abort what the body is doing; tide_group_exit undoes this */
        abort_children(g);
        g->parent_cancel_requested = 1;
        tide__task_cancel(g->parent, NULL);
    }
}

int tide_group_spawn(tide_group *g, tide_fn fn, const void *frame,
                     size_t frame_size, const char *name, tide_task **out)
{
    if (out)
        *out = NULL;
    if (!g)
        return TIDE__NULL_ARG("g");
    if (tide__resource_detached(&g->res))
        return group_gone(__func__);
    if (tide__foreign(g->loop))
        return tide__fail_thread(__func__);
    if (g->exited || (g->exiting && g->ntasks == 0))
        return tide__fail(__func__, TIDE_ESTATE,
                          "the task group has finished");
    if (g->aborting)
        return tide__fail(__func__, TIDE_ESTATE,
                          "the task group is shutting down (a child "
                          "failed, or it was cancelled)");
    if (!fn || !frame || frame_size < sizeof(tide_frame))
        return tide__spawn_refused(__func__, fn, frame, frame_size);
    struct child *c = tide__alloc(g->loop, sizeof *c);
    if (!c)
        return TIDE_ENOMEM;
    memset(c, 0, sizeof *c);
    int rc = tide_loop_spawn(g->loop, fn, frame, frame_size, name, &c->task);
    if (rc < 0) {
        tide__free(g->loop, c, sizeof *c);
        return rc;
    }
    tide__list_push(&g->children, &c->link);
    g->ntasks++;
    g->nspawned++;
    c->cb.owner = g;
    c->cb.awaiter = g->parent;
    tide__donecb_add(&c->cb, c->task, child_done, child_release);
    if (out)
        *out = tide_task_retain(c->task);
    return 0;
}

int tide_group_cancel(tide_group *g)
{
    if (!g)
        return TIDE__NULL_ARG("g");
    if (tide__resource_detached(&g->res))
        return group_gone(__func__);
    if (tide__foreign(g->loop))
        return tide__fail_thread(__func__);
    if (g->exited)
        return tide__fail(__func__, TIDE_ESTATE,
                          "the task group has exited");
    if (g->exiting && g->ntasks == 0)
        return 0;
    if (!g->aborting) {
        abort_children(g);
        if (!g->parent_cancel_requested) {
            g->parent_cancel_requested = 1;
            tide__task_cancel(g->parent, NULL);
        }
    }
    return 0;
}

/* Remember the cancellation that reached the exit (message included). */
static void keep(tide_group *g, int *slot, tide__msg **msg_slot, int err,
                 tide__msg *msg)
{
    *slot = err;
    tide__msg_set(g->loop, msg_slot, msg);
}

/* ---- the story TIDE_EGROUP carries --------------------------------------- */

static int body_failed(const tide_group *g)
{
    return g->body_err < 0 && g->body_err != TIDE_ECANCELLED;
}

/* The name of the task that made an error (the default one is written
 * into buf if it was never asked for: no allocation here). */
static const char *error_task_name(tide_task *t, char *buf, size_t n)
{
    if (t->name)
        return t->name;
    snprintf(buf, n, "Task-%u", (unsigned)t->id);
    return buf;
}

/* One error of the story: from a failed child's record, or (c NULL) the
 * body's. */
struct story_item {
    int code;
    tide__msg *msg;
    tide_task *task;
    int body;
};

static struct story_item story_item(const tide_group *g,
                                    const struct child *c)
{
    if (c)
        return (struct story_item){c->cb.status, c->cb.msg, c->task, 0};
    return (struct story_item){g->body_err, g->body_msg, g->parent, 1};
}

/* The records in order: failed children, then the body (next of the last
 * child is NULL). */
static const struct child *first_error(const tide_group *g)
{
    return g->errors.next == &g->errors ? NULL : child_of(g->errors.next);
}
static const struct child *next_error(const tide_group *g,
                                      const struct child *c)
{
    return c->link.next == &g->errors ? NULL : child_of(c->link.next);
}

/* "2 of 3 child tasks failed: Task-3 'price': TIDE_EHOST price service
 * down; ..." into text; adds the bytes the tasks' names take to *names. */
static void story_text(const tide_group *g, char *text, size_t cap,
                       size_t *names)
{
    /* Room kept at the end for "; and N more" (20 digits at most). */
    enum { RESERVE = 40 };
    size_t n = g->nerrors + (size_t)body_failed(g), len, shown = 0;
    const char *s = g->nspawned == 1 ? "" : "s";
    if (g->nerrors && body_failed(g))
        len = (size_t)snprintf(text, cap, "%zu of %zu child task%s and the "
                               "body failed: ", g->nerrors, g->nspawned, s);
    else if (g->nerrors)
        len = (size_t)snprintf(text, cap, "%zu of %zu child task%s failed: ",
                               g->nerrors, g->nspawned, s);
    else
        len = (size_t)snprintf(text, cap, "the body failed: ");
    const struct child *c = first_error(g);
    for (size_t i = 0; i < n; i++, c = c ? next_error(g, c) : NULL) {
        struct story_item it = story_item(g, c);
        char name[TIDE_DEFAULT_NAME_MAX], label[160], entry[TIDE_EGROUP_TEXT_MAX];
        const char *task = error_task_name(it.task, name, sizeof name);
        *names += strlen(task) + 1;
        if (len + RESERVE + 64 > cap) /* too little room left to say it */
            continue;
        tide__label(label, sizeof label - 8, it.task->id, task);
        if (it.body)
            strcat(label, " (body)");
        tide__story_entry(entry, cap - RESERVE - len, label, it.code, it.msg);
        len += (size_t)snprintf(text + len, cap - len, "%s%s",
                                shown ? "; " : "", entry);
        shown++;
    }
    if (shown < n)
        snprintf(text + len, cap - len, "; and %zu more", n - shown);
}

/* TIDE_EGROUP's message with its story; out of memory, the message alone,
 * or nothing: the error goes on all the same. */
static tide__msg *story_message(const tide_group *g)
{
    char text[TIDE_EGROUP_TEXT_MAX];
    size_t names = 0, n = g->nerrors + (size_t)body_failed(g);
    story_text(g, text, sizeof text, &names);
    tide__msg *m = tide__story_new(g->loop, text, n, names);
    if (!m)
        return tide__msg_new(g->loop, text);
    const struct child *c = first_error(g);
    for (size_t i = 0; i < n; i++, c = c ? next_error(g, c) : NULL) {
        struct story_item it = story_item(g, c);
        char name[TIDE_DEFAULT_NAME_MAX];
        tide__story_put(m, i, it.code, it.task->id,
                        error_task_name(it.task, name, sizeof name), it.body,
                        it.msg);
    }
    return m;
}

/* All children are done: decide the group's outcome (CPython's _aexit
 * after its wait loop). */
static int finish(tide_group *g, tide_task *t)
{
    g->exited = 1;
    if (g->parent_cancel_requested) {
        if (tide_task_uncancel(g->parent) == 0)
            keep(g, &g->propagate, &g->propagate_msg, 0, NULL);
        else if (!g->propagate) /* gh-155433: not ours, keep it */
            keep(g, &g->propagate, &g->propagate_msg, g->pending,
                 g->pending_msg);
    }
    if (g->propagate && g->nerrors == 0 && !body_failed(g)) {
        tide__msg_set(g->loop, &t->msg, g->propagate_msg);
        return TIDE_ECANCELLED;
    }
    if (g->nerrors || body_failed(g)) {
        /* an outside cancellation stays requested, its count unchanged */
        if (tide_task_cancelling(g->parent)) {
            tide_task_uncancel(g->parent);
            tide__task_cancel(g->parent, NULL);
        }
        tide__msg *m = story_message(g);
        tide__msg_unref(g->loop, t->msg);
        t->msg = m;
        return TIDE_EGROUP;
    }
    return 0;
}

static int group_resume(tide_task *t, int status);

static int group_cancel(tide_task *t, tide__msg *msg)
{
    /* on_completed_fut.cancel(): t no longer waits for the children (a
     * child finishing before t runs must not wake it a second time) */
    ((tide_group *)t->wait.on.obj)->waiting = 0;
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

static void group_drop(tide_task *t)
{
    ((tide_group *)t->wait.on.obj)->waiting = 0;
}

/* Given up in the step that began it: as if the exit was never called
 * (the children run on; exiting again, or destroying, is allowed). */
static void group_withdraw(tide_task *t)
{
    tide_group *g = t->wait.on.obj;
    g->waiting = 0;
    g->exiting = 0;
}

static tide_task *group_describe(tide_task *t, char *buf, size_t n)
{
    tide_group *g = t->wait.on.obj;
    snprintf(buf, n, "task group with %zu child(ren) running", g->ntasks);
    if (tide__list_empty(&g->children))
        return NULL;
    return TIDE__CONTAINER(g->children.next, struct child, link)->task;
}

static const tide__wait_ops group_ops = {
    .what = "group",
    .cancel = group_cancel,
    .resume = group_resume,
    .drop = group_drop,
    .describe = group_describe,
    .withdraw = group_withdraw,
};

/* The wait loop of _aexit: until every child is done. */
static int exit_loop(tide_group *g, tide_task *t)
{
    if (g->ntasks == 0)
        return finish(g, t);
    g->waiting = 1;
    t->wait.on.obj = g;
    return tide__suspend(t, &group_ops, NULL);
}

static int group_resume(tide_task *t, int status)
{
    tide_group *g = t->wait.on.obj;
    g->waiting = 0;
    if (status == TIDE_ECANCELLED) {
        keep(g, &g->pending, &g->pending_msg, status, t->msg);
        if (!g->aborting) { /* the parent is being cancelled from outside */
            keep(g, &g->propagate, &g->propagate_msg, status, t->msg);
            abort_children(g);
        }
    }
    return exit_loop(g, t);
}

static int group_exit(tide_group *g, int body_rc)
{
    tide_task *t = tide_current_task();
    if (t && (tide__registered(t) || tide__step_marked(t))) /* first */
        return tide__await_refused(t, "tide_group_exit");
    if (!t)
        return g ? TIDE_ENOLOOP : TIDE_EINVAL;
    if (!g)
        return tide__await_fail(t, TIDE_EINVAL,
                                "tide_group_exit: the group is NULL");
    if (tide__resource_detached(&g->res))
        return tide__await_fail(t, TIDE_ESTATE, "tide_group_exit: the task "
                                                "group's loop was destroyed");
    if (g->exiting)
        return tide__await_fail(t, TIDE_ESTATE, "tide_group_exit: the group "
                                                "is exiting or has exited");
    if (t != g->parent)
        return tide__await_fail(t, TIDE_ESTATE, "tide_group_exit: only the "
                                                "task that created the group "
                                                "exits it");
    tide__msg *body_msg = tide__msg_ref(t->msg); /* the body's last outcome */
    tide__clear_message(t);
    g->exiting = 1;
    if (body_rc > 0)
        body_rc = 0;
    g->body_err = body_rc;
    tide__msg_set(g->loop, &g->body_msg, body_msg);
    tide__msg_unref(g->loop, body_msg);
    if (body_rc == TIDE_ECANCELLED)
        keep(g, &g->propagate, &g->propagate_msg, body_rc, g->body_msg);
    if (body_rc < 0 && !g->aborting)
        abort_children(g);
    return exit_loop(g, t);
}

tide_await tide_group_exit(tide_group *g, int body_rc)
{
    return tide__aw(group_exit(g, body_rc));
}

size_t tide_group_error_count(const tide_group *g)
{
    if (!g)
        return 0;
    return g->nerrors + (size_t)(g->exited && body_failed(g));
}

int tide_group_error(const tide_group *g, size_t i, const char **msg)
{
    if (msg)
        *msg = NULL;
    if (!g)
        return TIDE__NULL_ARG("g");
    if (i >= tide_group_error_count(g))
        return tide__fail(__func__, TIDE_EINVAL,
                          "i is %zu, and the group has %zu errors", i,
                          tide_group_error_count(g));
    const tide__msg *m;
    int code;
    if (i == g->nerrors) { /* the body's own error comes last */
        code = g->body_err;
        m = g->body_msg;
    } else {
        const tide__node *n = g->errors.next;
        while (i--)
            n = n->next;
        const struct child *c = TIDE__CONTAINER(n, struct child, link);
        code = c->cb.status;
        m = c->cb.msg;
    }
    if (msg && m)
        *msg = m->text;
    return code;
}

/* Lets go of everything g holds of its loop: its children (a callback
 * already queued frees its own node), its error records, its messages
 * and its parent. */
static void group_let_go(tide_group *g)
{
    while (!tide__list_empty(&g->children)) {
        struct child *c = child_of(g->children.next);
        tide__list_remove(&c->link);
        if (!c->cb.linked) { /* its callback is queued: it frees the node */
            c->cb.owner = NULL;
            continue;
        }
        tide__donecb_remove(&c->cb);
        child_free(g, c);
    }
    g->ntasks = 0;
    while (!tide__list_empty(&g->errors)) {
        struct child *c = child_of(g->errors.next);
        tide__list_remove(&c->link);
        child_free(g, c);
    }
    g->nerrors = 0;
    g->body_err = 0; /* (no records left: no errors to count) */
    tide_loop *L = g->loop;
    tide__msg_unref(L, g->body_msg);
    tide__msg_unref(L, g->propagate_msg);
    tide__msg_unref(L, g->pending_msg);
    g->body_msg = g->propagate_msg = g->pending_msg = NULL;
    tide_task_release(g->parent);
    g->parent = NULL;
}

int tide_group_destroy(tide_group *g)
{
    if (!g)
        return 0;
    if (!tide__resource_detached(&g->res)) {
        if (tide__foreign(g->loop))
            return tide__fail_thread(__func__);
        if (g->exiting && !g->exited)
            return tide__fail(__func__, TIDE_EBUSY,
                              "its owner is in tide_group_exit");
        if (g->scoped)
            return tide__fail(__func__, TIDE_EBUSY,
                              "the group is its TIDE_WITH block's, still "
                              "open: the block destroys it");
        /* Never exited (the body failed before reaching tide_group_exit):
         * cancel the children and let them run on, detached. */
        if (g->ntasks)
            abort_children(g);
        group_let_go(g);
    }
    tide__resource_remove(&g->res);
    tide__mem_free(&g->mem, g, sizeof *g);
    return 0;
}

/* At tide_loop_destroy: the program still has g, and frees its shell
 * later (tide_group_destroy). */
static void group_detach(tide__resource *r)
{
    tide_group *g = TIDE__CONTAINER(r, tide_group, res);
    group_let_go(g); /* (detached once the teardown unlinks it) */
}

void tide__group_abandon(tide_group *g)
{
    if (g && !g->exited)
        g->exiting = 0; /* its owner no longer waits in the exit */
    tide__group_set_scoped(g, 0);
    tide_group_destroy(g);
}

void tide__group_set_scoped(tide_group *g, int on)
{
    if (g)
        g->scoped = (uint8_t)on;
}
