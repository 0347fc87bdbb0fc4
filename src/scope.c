/*
 * scope.c - `async with` (TIDE_WITH) and the handles a gather owns: what a
 * task holds until a block, or the task, ends.
 *
 * Each open scope is a record from the loop's allocator, linked at the
 * front of its task's list of awaiters (ahead of the tasks awaiting it,
 * which are appended at the back), newest first. So a task's records cost
 * its struct nothing, a task without any pays one pointer comparison where
 * a frame ends, and when a task finishes, finishing fires its awaiters in
 * order: records still open are left first, innermost first, before
 * anyone awaiting the task wakes.
 *
 * A TIDE_WITH record is found by frame and site (the TIDE_WITH's number in
 * its file): the macro's clauses keep no state of their own. Its phases:
 *   ENTERING  the entry is under way (waiting for a lock);
 *   ENTERED   entered, the block not begun;
 *   INSIDE    the block runs;
 *   LEFT      the block reached its end (the inner loop's increment);
 *   LEAVING   the exit runs: `how` is the outcome the block left with.
 * A raise in the frame (tide__raise) sends the frame to the exit of its
 * innermost open record, whose outcome then goes on to the next one, and
 * so to FINALLY: what Python does with __aexit__ on the way out.
 */
#include "internal.h"
#include "sync.h"

#include <math.h>
#include <string.h>

enum { ENTERING, ENTERED, INSIDE, LEFT, LEAVING };

typedef struct tide__scope tide__scope;

struct tide__scope_ops {
    const char *what;
    /* Enters (0, TIDE_PENDING while waiting, or an error: nothing held). */
    int (*enter)(tide__scope *s);
    /* Leaves with the block's outcome `rc`: returns the outcome to go on
     * with, or TIDE_PENDING while it waits (its wake-up status is then the
     * outcome). */
    int (*exit)(tide__scope *s, int rc);
    /* After the exit finished: lets go of what the scope made. NULL: none. */
    void (*after)(tide__scope *s);
    /* Leaves at once, without waiting (a goto, a task that finished or is
     * destroyed): releases what is held, frees what was made. */
    void (*abandon)(tide__scope *s);
    /* The object is the program's (a lock, ...): at the loop's teardown
     * it is left as it is, as the task's FINALLY does not run either - the
     * program may have destroyed it already (once the run was over). */
    int borrowed;
    /* Counts the open record on the program's object (by +1, then -1
     * when the record goes), so that destroying the object while the
     * scope may still leave it is refused. NULL: nothing to count. */
    void (*pin)(void *obj, int by);
};

struct tide__scope {
    tide__waiter waiter;      /* at the front of task->awaiters */
    const tide__scope_ops *ops;
    tide_task *task;
    const tide_frame *frame;  /* NULL: the task's own (owned handles) */
    void *obj;                /* lock, semaphore, condition; group, timeout */
    void **out;               /* where the made object is shown, or NULL */
    double time;              /* timeouts */
    int site, leave;          /* TIDE_WITH's number and its exit's pc */
    int phase;
    int how;                  /* the outcome leaving the block */
    int returning;            /* left by TIDE_RETURN */
    /* entered in FINALLY: the error that section propagates, and its
     * message (a reference), which a caught error must not end */
    int prior;
    tide__msg *prior_msg;
    /* owned handles (tide_gather with TIDE_GATHER_OWN): obj is the array */
    const void *key;          /* the caller's array of them */
    size_t n;
};

/* ---- a task's records ------------------------------------------------- */

static void scope_fire(tide__waiter *w, tide_task *t);

static tide__scope *as_scope(const tide__node *n)
{
    if (!n)
        return NULL;
    tide__waiter *w = TIDE__CONTAINER(n, tide__waiter, node);
    return w->fire == scope_fire ? TIDE__CONTAINER(w, tide__scope, waiter)
                                 : NULL;
}

static tide__scope *first(const tide_task *t)
{
    return as_scope(tide__awaiters_first(t));
}

static tide__scope *next(const tide__scope *s)
{
    return as_scope(tide__awaiters_next(s->task, &s->waiter.node));
}

int tide__waiter_is_scope(const tide__waiter *w)
{
    return w->fire == scope_fire;
}

int tide__task_has_scopes(const tide_task *t)
{
    return first(t) != NULL;
}

static tide__scope *scope_new(tide_task *t, const tide__scope_ops *ops)
{
    tide__scope *s = tide__alloc(t->loop, sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->waiter.fire = scope_fire;
    s->ops = ops;
    s->task = t;
    /* at the front: newest first, ahead of the task's awaiters */
    tide__awaiters_push_front(t, &s->waiter.node);
    return s;
}

static void scope_free(tide__scope *s)
{
    tide__msg_unref(s->task->loop, s->prior_msg);
    if (s->obj && s->ops->pin)
        s->ops->pin(s->obj, -1);
    tide__awaiters_remove(s->task, &s->waiter.node);
    tide__free(s->task->loop, s, sizeof *s);
}

/* Leaves s at once and frees it. */
static void scope_abandon(tide__scope *s)
{
    if (s->phase != ENTERING && s->ops->abandon)
        s->ops->abandon(s);
    scope_free(s);
}

/* The loop's teardown: frees s and what it made, touches nothing else. */
static void scope_drop(tide__scope *s)
{
    if (s->ops->borrowed) {
        s->phase = ENTERING;
        s->obj = NULL; /* not even its count */
    }
    scope_abandon(s);
}

/* The task finished (its awaiters fire, records first): a scope still open
 * is left now. */
static void scope_fire(tide__waiter *w, tide_task *t)
{
    (void)t;
    tide__scope *s = TIDE__CONTAINER(w, tide__scope, waiter);
    scope_abandon(s); /* (unlinked by the caller already) */
}

static tide__scope *find(const tide_frame *fr, int site)
{
    tide_task *t = tide__current();
    if (!t)
        return NULL;
    for (tide__scope *s = first(t); s; s = next(s))
        if (s->frame == fr && s->site == site)
            return s;
    return NULL;
}

/* ---- the TIDE_WITH protocol -------------------------------------------- */

void tide__with_start(tide_frame *fr, int site)
{
    /* still open from a goto out of this same block: left now */
    tide__scope *s = find(fr, site);
    if (s)
        scope_abandon(s);
}

int tide__with_next(tide_frame *fr, int site)
{
    tide__scope *s = find(fr, site);
    if (!s)
        return TIDE__WITH_ENTER;
    switch (s->phase) {
    case ENTERING: /* (only after a failed entry, which raised) */
    case ENTERED:
        s->phase = INSIDE;
        return TIDE__WITH_BODY;
    case INSIDE: /* left by break */
    case LEFT:
        s->phase = LEAVING;
        s->how = 0;
        return TIDE__WITH_LEAVE;
    default:
        return TIDE__WITH_LEAVE;
    }
}

int tide__with_phase(const tide_frame *fr, int site)
{
    const tide__scope *s = find(fr, site);
    if (!s || s->phase == ENTERING || s->phase == ENTERED)
        return TIDE__WITH_ENTER;
    return s->phase == LEAVING ? TIDE__WITH_LEAVE : TIDE__WITH_BODY;
}

static int with_enter(tide_frame *fr, int site, int leave, tide_scope sc)
{
    int err;
    tide_task *t = tide__current_for_await(&err, "TIDE_WITH");
    if (!t)
        return err;
    if (!sc.tide__ops)
        return tide__await_fail(t, TIDE_EINVAL,
                                "TIDE_WITH: an empty scope (make one with a "
                                "tide_*_scope function)");
    tide__scope *s = scope_new(t, sc.tide__ops);
    if (!s)
        return TIDE_ENOMEM;
    s->frame = fr;
    s->site = site;
    s->leave = leave;
    s->obj = sc.tide__obj;
    s->out = sc.tide__out;
    s->time = sc.tide__time;
    if (fr->unwinding && fr->err) {
        s->prior = fr->err;
        s->prior_msg = tide__msg_ref((tide__msg *)fr->msg);
    }
    if (s->obj && s->ops->pin)
        s->ops->pin(s->obj, 1);
    int rc = s->ops->enter(s);
    if (rc < 0)
        scope_free(s);
    return rc;
}

tide_await tide__with_enter(tide_frame *fr, int site, int leave,
                            tide_scope scope)
{
    return tide__aw(with_enter(fr, site, leave, scope));
}

void tide__with_entered(tide_frame *fr, int site)
{
    tide__scope *s = find(fr, site);
    if (s)
        s->phase = ENTERED;
}

int tide__with_inside(const tide_frame *fr, int site)
{
    const tide__scope *s = find(fr, site);
    return s && s->phase == INSIDE;
}

void tide__with_left(tide_frame *fr, int site)
{
    tide__scope *s = find(fr, site);
    if (s && s->phase == INSIDE)
        s->phase = LEFT;
}

int tide__with_exit(tide_frame *fr, int site)
{
    tide__scope *s = find(fr, site);
    if (!s)
        return TIDE_ESTATE;
    tide_task *t = s->task;
    /* the exit sees the block's outcome with its message (a group records
     * the body's error); an error of the exit's own comes with its own -
     * but the step's mark (a wait in the block whose result was dropped)
     * stays, for the next await or the step's end to report */
    if (!tide__step_marked(t))
        tide__msg_set(t->loop, &t->msg,
                      s->how < 0 ? (tide__msg *)fr->msg : NULL);
    return s->ops->exit(s, s->how);
}

/* Where a frame raising (or returning) goes on: the exit of its innermost
 * open scope, which learns the outcome; else FINALLY, or END from FINALLY.
 * Scopes still being entered were never entered: they are dropped. */
static void unwind(tide_task *t, tide_frame *fr)
{
    fr->pc = fr->unwinding ? TIDE__PC_END : TIDE__PC_UNWIND;
    if (!t || !first(t))
        return;
    tide__scope *s = first(t), *older;
    for (; s; s = older) {
        older = next(s);
        if (s->frame != fr)
            continue;
        if (s->phase == ENTERING) {
            scope_free(s);
            continue;
        }
        if (s->phase == LEAVING) /* its exit runs already */
            continue;
        s->phase = LEAVING;
        s->how = fr->err;
        s->returning = fr->err == 0;
        fr->pc = s->leave;
        return;
    }
}

void tide__scope_unwind(tide_task *t, tide_frame *fr)
{
    unwind(t, fr);
}

/* A left block's record, freed: its outcome, and what FINALLY propagated
 * before the block (prior_msg: a reference, for the caller to let go of). */
struct left {
    tide_task *t;
    int how, returning, prior;
    tide__msg *prior_msg;
};

static struct left record_done(tide__scope *s)
{
    struct left l = {s->task, s->how, s->returning, s->prior,
                     tide__msg_ref(s->prior_msg)};
    if (s->ops->after)
        s->ops->after(s);
    scope_free(s);
    return l;
}

/* The block's outcome stops here: the frame propagates nothing, or (in
 * FINALLY) again what it propagated before the block. */
static void back_to_prior(tide_frame *fr, const struct left *l)
{
    tide__raise_clear(fr);
    if (l->prior)
        tide__raise_restore(fr, l->prior, l->prior_msg);
}

int tide__with_done(tide_frame *fr, int site, int rc)
{
    tide__scope *s = find(fr, site);
    if (!s) /* cannot happen: the exit found it */
        return 0;
    struct left l = record_done(s);
    if (rc > 0)
        rc = 0;
    int goes_on = 1;
    if (rc < 0) {
        /* an error leaves: the block's own goes on as it was; another (a
         * timeout's, a group's) comes with the exit's message */
        if (rc != l.how)
            tide__raise(fr, rc, 1, NULL);
        else
            unwind(l.t, fr);
    } else if (l.returning) {
        unwind(l.t, fr);
    } else {
        goes_on = 0;
        if (l.how < 0) /* swallowed by the exit */
            back_to_prior(fr, &l);
    }
    tide__msg_unref(l.t->loop, l.prior_msg);
    return goes_on;
}

int tide__with_failed(tide_frame *fr, int site, int rc)
{
    if (rc >= 0)
        return 0;
    tide__scope *s = find(fr, site); /* (still there if it waited) */
    if (s)
        scope_free(s);
    return 1;
}

int tide__with_done_catch(tide_frame *fr, int site, int rc, int *out)
{
    tide__scope *s = find(fr, site);
    if (rc > 0)
        rc = 0;
    *out = rc;
    if (!s) /* cannot happen: the exit found it */
        return 0;
    struct left l = record_done(s);
    int goes_on = l.returning && rc == 0; /* a return is no error */
    if (goes_on) {
        unwind(l.t, fr);
    } else if (l.how < 0 || rc < 0) {
        back_to_prior(fr, &l);
        if (rc < 0)
            tide__caught(fr, rc);
    }
    tide__msg_unref(l.t->loop, l.prior_msg);
    return goes_on;
}

/* ---- leftovers ------------------------------------------------------------ */

void tide__scopes_end_frame(tide_task *t, const tide_frame *fr)
{
    tide__scope *s = first(t), *older;
    for (; s; s = older) {
        older = next(s);
        if (s->frame == fr)
            scope_abandon(s);
    }
}

void tide__scopes_destroy(tide_loop *L)
{
    for (tide__node *n = L->tasks.next; n != &L->tasks; n = n->next) {
        tide_task *t = TIDE__CONTAINER(n, tide_task, link);
        tide__scope *s;
        while ((s = first(t))) {
            if (s->phase == LEAVING && t->wait_ops) {
                /* waiting in this scope's exit (a group's): stop that
                 * wait first, as the loop's teardown would */
                if (t->wait_ops->drop)
                    t->wait_ops->drop(t);
                t->wait_ops = NULL;
            }
            scope_drop(s);
        }
    }
}

/* ---- lock, semaphore, condition ------------------------------------------- */

static int lock_enter(tide__scope *s)
{
    return s->obj ? tide__lock_acquire(s->obj, "tide_lock_scope")
                  : tide__await_fail(s->task, TIDE_EINVAL,
                                     "TIDE_WITH: the lock (or the condition) "
                                     "is NULL");
}

/* The release's own error replaces the block's (as an error raised in
 * __aexit__ does); else the block's outcome goes on. */
static int released(int release_rc, int rc)
{
    if (release_rc >= 0)
        return rc;
    tide__clear_message(tide__current());
    return release_rc;
}

static int lock_exit(tide__scope *s, int rc)
{
    return released(tide_lock_release(s->obj), rc);
}

static void lock_abandon(tide__scope *s)
{
    tide_lock_release(s->obj);
}

static void lock_pin(void *lock, int by)
{
    ((tide_lock *)lock)->scopes += (uint32_t)by;
}

static const tide__scope_ops lock_scope_ops = {
    .what = "lock",
    .enter = lock_enter,
    .exit = lock_exit,
    .abandon = lock_abandon,
    .borrowed = 1,
    .pin = lock_pin,
};

tide_scope tide_lock_scope(tide_lock *lock)
{
    return (tide_scope){&lock_scope_ops, lock, NULL, 0};
}

/* A condition's scope is its lock's. */
tide_scope tide_cond_scope(tide_cond *cond)
{
    return tide_lock_scope(cond ? cond->lock : NULL);
}

static int sem_enter(tide__scope *s)
{
    return s->obj ? tide_sem_acquire(s->obj).tide__rc
                  : tide__await_fail(s->task, TIDE_EINVAL,
                                     "TIDE_WITH: the semaphore is NULL");
}

static int sem_exit(tide__scope *s, int rc)
{
    return released(tide_sem_release(s->obj), rc);
}

static void sem_abandon(tide__scope *s)
{
    tide_sem_release(s->obj);
}

static void sem_pin(void *sem, int by)
{
    tide__sem_pin(sem, by);
}

static const tide__scope_ops sem_scope_ops = {
    .what = "semaphore",
    .enter = sem_enter,
    .exit = sem_exit,
    .abandon = sem_abandon,
    .borrowed = 1,
    .pin = sem_pin,
};

tide_scope tide_sem_scope(tide_sem *sem)
{
    return (tide_scope){&sem_scope_ops, sem, NULL, 0};
}

/* ---- nothing: contextlib.nullcontext() ------------------------------------ */

static int null_enter(tide__scope *s)
{
    (void)s;
    return 0;
}

static int null_exit(tide__scope *s, int rc)
{
    (void)s;
    return rc;
}

static const tide__scope_ops null_scope_ops = {
    .what = "nothing",
    .enter = null_enter,
    .exit = null_exit,
};

tide_scope tide_null_scope(void)
{
    return (tide_scope){&null_scope_ops, NULL, NULL, 0};
}

/* ---- timeouts --------------------------------------------------------------- */

static void show(tide__scope *s, void *obj)
{
    if (s->out)
        *s->out = obj;
}

/* Enters a timeout scope at loop time `when` (NaN: TIDE_EINVAL). */
static int timeout_enter_at(tide__scope *s, double when)
{
    tide_timeout *tmo;
    if (isnan(when)) /* (the entry is awaited: its error can say why) */
        return tide__nan_refused(s->task, "timeout");
    int rc = tide_timeout_enter_at(when, &tmo);
    if (rc < 0)
        return rc;
    tide__timeout_set_scoped(tmo, 1);
    s->obj = tmo;
    show(s, tmo);
    return 0;
}

static int timeout_enter(tide__scope *s)
{
    /* +inf stays +inf; anything else is relative to the loop's clock */
    double d = s->time;
    return timeout_enter_at(s, isinf(d) && d > 0 ? d : tide_time() + d);
}

static int timeout_at_enter(tide__scope *s)
{
    return timeout_enter_at(s, s->time);
}

static int timeout_exit(tide__scope *s, int rc)
{
    return tide_timeout_exit(s->obj, rc);
}

static void timeout_after(tide__scope *s)
{
    tide__timeout_set_scoped(s->obj, 0);
    tide_timeout_destroy(s->obj);
    show(s, NULL);
}

static const tide__scope_ops timeout_scope_ops = {
    .what = "timeout",
    .enter = timeout_enter,
    .exit = timeout_exit,
    .after = timeout_after,
    .abandon = timeout_after,
};

static const tide__scope_ops timeout_at_scope_ops = {
    .what = "timeout",
    .enter = timeout_at_enter,
    .exit = timeout_exit,
    .after = timeout_after,
    .abandon = timeout_after,
};

/* A timeout the program made (tide_timeout_create): entered here, left
 * by the exit, never freed by the block. */
static int timeout_of_enter(tide__scope *s)
{
    return s->obj ? tide__timeout_enter_created(s->obj)
                  : tide__await_fail(s->task, TIDE_EINVAL,
                                     "TIDE_WITH: the timeout is NULL");
}

static void timeout_of_abandon(tide__scope *s)
{
    tide_timeout_exit(s->obj, 0); /* (TIDE_ESTATE if left already) */
}

static void timeout_of_pin(void *t, int by)
{
    tide__timeout_pin(t, by);
}

static const tide__scope_ops timeout_of_scope_ops = {
    .what = "timeout",
    .enter = timeout_of_enter,
    .exit = timeout_exit,
    .abandon = timeout_of_abandon,
    .pin = timeout_of_pin,
};

tide_scope tide_timeout_scope_of(tide_timeout *t)
{
    return (tide_scope){&timeout_of_scope_ops, t, NULL, 0};
}

tide_scope tide_timeout_scope(double delay, tide_timeout **out)
{
    return (tide_scope){&timeout_scope_ops, NULL, (void *)out, delay};
}

tide_scope tide_timeout_at_scope(double when, tide_timeout **out)
{
    return (tide_scope){&timeout_at_scope_ops, NULL, (void *)out, when};
}

/* ---- task groups ------------------------------------------------------------ */

static int group_enter(tide__scope *s)
{
    tide_group *g;
    if (!s->out)
        return tide__await_fail(s->task, TIDE_EINVAL,
                                "TIDE_WITH: tide_group_scope's out is NULL");
    int rc = tide_group_create(&g);
    if (rc < 0)
        return rc;
    tide__group_set_scoped(g, 1);
    s->obj = g;
    show(s, g);
    return 0;
}

static int group_exit(tide__scope *s, int rc)
{
    return tide_group_exit(s->obj, rc).tide__rc;
}

static void group_after(tide__scope *s)
{
    tide__group_set_scoped(s->obj, 0);
    tide_group_destroy(s->obj);
    show(s, NULL);
}

static void group_abandon(tide__scope *s)
{
    tide__group_abandon(s->obj);
    show(s, NULL);
}

static const tide__scope_ops group_scope_ops = {
    .what = "task group",
    .enter = group_enter,
    .exit = group_exit,
    .after = group_after,
    .abandon = group_abandon,
};

tide_scope tide_group_scope(tide_group **out)
{
    return (tide_scope){&group_scope_ops, NULL, (void *)out, 0};
}

/* ---- handles a gather owns ------------------------------------------------- */

static void handles_release(tide__scope *s)
{
    tide_task **handles = s->obj;
    for (size_t i = 0; i < s->n; i++)
        tide_task_release(handles[i]);
    tide__free(s->task->loop, handles, s->n * sizeof *handles);
    s->n = 0;
}

static const tide__scope_ops owned_ops = {
    .what = "gathered tasks",
    .abandon = handles_release,
};

/* The scope in which t owns the handles of an earlier gather into the
 * array `tasks`, or NULL. */
static tide__scope *owned_for(tide_task *t, tide_task *const *tasks)
{
    for (tide__scope *o = first(t); o; o = next(o))
        if (o->ops == &owned_ops && o->key == tasks)
            return o;
    return NULL;
}

/* Whether tasks[i] is the handle in the same place in old: gathered again
 * without a new spawn, its reference moves rather than counts twice. */
static int moves(const tide__scope *old, tide_task *const *tasks, size_t i)
{
    return old && i < old->n && ((tide_task **)old->obj)[i] == tasks[i];
}

/* Lets go of the references a gather took in tasks (all but those that
 * move from old). The array may live in the frame of a task whose last
 * handle it holds: that release frees the array, so that task's handles
 * go last, after every entry has been read. */
static void release_taken(tide_task *const *tasks, size_t n,
                          const tide__scope *old)
{
    tide_task *holder = NULL;
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        tide_task *h = tasks[i];
        if (!h || moves(old, tasks, i))
            continue;
        if ((uintptr_t)tasks - (uintptr_t)h < h->alloc_size) {
            holder = h;
            held++;
        } else {
            tide_task_release(h);
        }
    }
    while (held--)
        tide_task_release(holder);
}

int tide__gather_own(tide_task *const *tasks, size_t n, int release)
{
    tide_task *t = tide__current();
    if (!t) { /* no task to keep them: let go of them now */
        if (tasks)
            release_taken(tasks, n, NULL);
        return TIDE_ENOLOOP;
    }
    if (!tasks || !n)
        return 0;
    tide__scope *old = owned_for(t, tasks);
    tide_task **handles = NULL;
    tide__scope *s = NULL;
    if (n <= SIZE_MAX / sizeof *handles)
        handles = tide__alloc(t->loop, n * sizeof *handles);
    if (handles && !(s = scope_new(t, &owned_ops)))
        tide__free(t->loop, handles, n * sizeof *handles);
    if (!s) { /* the handles stay as they are (valid until the loop goes),
                 unless the caller keeps none: then what it took goes */
        if (release)
            release_taken(tasks, n, old);
        return TIDE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (moves(old, tasks, i))
            ((tide_task **)old->obj)[i] = NULL;
        handles[i] = tasks[i];
    }
    if (old)
        scope_abandon(old);
    s->phase = INSIDE;
    s->obj = handles;
    s->n = n;
    s->key = tasks;
    return 0;
}
