/*
 * internal.h - the loop and task structures and the internal interfaces
 * shared by the core files. Nothing here is API. Declarations are grouped
 * under the file that defines them.
 *
 * A map: a task's life through the files.
 *   spawn   task.c tide_loop_spawn: one allocation (task + frame + name),
 *           listed in L->tasks, pushed on the ready queue
 *   run     run.c tide_loop_run makes main and hands the loop to the host
 *           (tide__host_drive): native and WASI call run.c's
 *           tide__run_blocking, which iterates and waits in the host
 *           (posix.c, wasi.c); Emscripten runs turns of iterations when JS
 *           calls (src/host/emscripten.c)
 *   step    loop.c tide__loop_iterate takes what is ready; task.c
 *           tide__run_entries steps each task (task_step: its coroutine
 *           runs to its next await); misuse.c checks the step kept the
 *           coroutine protocol
 *   wait    an awaitable (sleep.c, lock.c, queue.c, gather.c, ...) links
 *           the task where it waits (a tide__waitq, waitq.c; a timer,
 *           timer.c) and suspends it with its tide__wait_ops
 *           (task.c tide__suspend)
 *   wake    whatever ends the wait calls task.c tide__wake: the task goes
 *           back on the ready queue; timers fire from the iteration; other
 *           threads hand work back through the host (thread.c, host.h);
 *           JS calls and fetch settle from the host (hostcall.c, http.c);
 *           a new ready item may ask the guest host for a turn
 *           (tide__wakeup)
 *   cancel  task.c tide_task_cancel; cancel.c passes it down the waits
 *           (wait ops' cancel hook); the shutdown of a run cancels the
 *           leftovers (run.c -> cancel.c)
 *   finish  task.c task_finish: outcome recorded, awaiters fired (tide_join;
 *           donecb.c callbacks, for gather.c, wait.c and group.c), the
 *           loop's reference dropped; run.c moves the run on when main is
 *           done
 *   free    task.c task_free once the last handle is released; the loop's
 *           destroy (loop.c) frees what is left, then the threads
 *           (thread.c) and the host's hold on the loop
 * The host hooks in at the clock (tide__host_now, through loop.c
 * tide__loop_now), the driving (tide__host_drive, _wait, _wakeup), threads
 * (thread.c <-> the host's thread part) and host operations (hostcall.c
 * <-> calls_*.c): src/host/host.h is that contract.
 */
#ifndef TIDE_INTERNAL_H
#define TIDE_INTERNAL_H

#include "tide.h"
#include "config.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* For the hot path: what must be inlined, and what must stay a call of its
 * own (a slow path, or a function that V8 must see called often). */
#if defined(__GNUC__) || defined(__clang__)
#define TIDE__INLINE inline __attribute__((always_inline))
#define TIDE__NOINLINE __attribute__((noinline))
#else
#define TIDE__INLINE inline
#define TIDE__NOINLINE
#endif

#define TIDE__CONTAINER(ptr, type, member)                                     \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- allocation (alloc.c): every byte goes through the loop's allocator */
void *tide__alloc(tide_loop *L, size_t size);
void *tide__realloc(tide_loop *L, void *p, size_t old_size, size_t new_size);
void tide__free(tide_loop *L, void *p, size_t size);
/* Task blocks: tide__alloc, unless a block of that size freed earlier is
 * kept in the loop's cache; freed into the cache while it has room
 * (TIDE_TASK_CACHE_* in config.h). tide__blocks_release gives the cache
 * back to the allocator (tide_loop_destroy). */
void *tide__block_alloc(tide_loop *L, size_t size);
void tide__block_free(tide_loop *L, void *p, size_t size);
void tide__blocks_release(tide_loop *L);
/* Bytes the cache holds (a walk: for tests of what a program retains). */
size_t tide__blocks_cached_bytes(tide_loop *L);
/* Memory that may be freed after its loop is gone (primitives, host-call
 * results handed to the program): the allocator is kept with the block. */
typedef struct tide__mem {
    tide_alloc_fn fn;
    void *ud;
} tide__mem;
void *tide__mem_alloc(tide_loop *L, size_t size, tide__mem *mem);
void tide__mem_free(const tide__mem *mem, void *p, size_t size);

/* ---- intrusive lists */
typedef struct tide__node {
    struct tide__node *prev, *next;
} tide__node;

static inline void tide__list_init(tide__node *head)
{
    head->prev = head->next = head;
}
static inline int tide__list_empty(const tide__node *head)
{
    return head->next == head;
}
static inline void tide__list_push(tide__node *head, tide__node *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}
static inline void tide__list_remove(tide__node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

/* ---- messages: immutable, reference-counted strings (alloc.c) */
struct tide__story;
typedef struct tide__msg {
    tide__node link;     /* in the loop's list of messages */
    uint32_t refs;
    /* Of refs, those held by coroutine frames (tide_frame.msg). A frame
     * inside another (a sub-coroutine's) is out of the loop's reach when
     * it destroys a pending task: it lets go of these then. */
    uint32_t frame_refs;
    uint32_t len;
    /* A TIDE_EGROUP's message carries its children's errors, in the same
     * block after the text (story.c); NULL for any other message. */
    struct tide__story *story;
    char *text; /* right after this struct, in the same block (the
                   yield's mark, in the loop: a static string) */
} tide__msg;
tide__msg *tide__msg_new(tide_loop *L, const char *text); /* NULL on OOM */
/* A message formatted printf-style (NULL on OOM or a bad format). */
tide__msg *tide__msg_vfmt(tide_loop *L, const char *fmt, va_list ap);
/* Fills in a new message m (its block allocated by the caller, with room
 * for the text) and lists it in the loop. */
void tide__msg_init(tide_loop *L, tide__msg *m, const char *text,
                    size_t len);
/* Fills in m as a message whose text is the static string `text`, listed
 * nowhere and freed by nobody: the yield's mark (tide__msg_pinned). */
void tide__msg_init_pinned(tide__msg *m, const char *text);
/* m's last reference is gone: free it, and the messages its story holds,
 * without recursion (groups nest as deep as programs make them). */
void tide__msg_die(tide_loop *L, tide__msg *m);
/* (Inline: the hot paths set and clear messages that are nearly always
 * NULL, and a call per slot was a tenth of a queue hand-over.) */
static inline tide__msg *tide__msg_ref(tide__msg *m) /* NULL-safe */
{
    if (m)
        m->refs++;
    return m;
}
/* NULL-safe. */
static inline void tide__msg_unref(tide_loop *L, tide__msg *m)
{
    if (m && --m->refs == 0)
        tide__msg_die(L, m);
}
/* Replace *slot by m (taking a new reference to it). */
static inline void tide__msg_set(tide_loop *L, tide__msg **slot,
                                 tide__msg *m)
{
    tide__msg *old = *slot;
    if (!old && !m)
        return;
    *slot = tide__msg_ref(m);
    tide__msg_unref(L, old);
}
/* Loop teardown, once every task is freed: drop the references of the
 * frames that went with them (frees what nothing else holds). */
void tide__msg_drop_frames(tide_loop *L);
/* A frame lets go of its message: returns the reference (task.c). */
tide__msg *tide__frame_msg_take(tide_frame *fr);

/* ---- the story of a TIDE_EGROUP (story.c): the children's errors travel
 * with its message, so they outlive the group and go wherever the error
 * goes (tide_egroup in tide.h is a tide__msg with a story). */
typedef struct tide__story_error {
    int code;
    uint32_t task_id;
    int body;              /* the group's body failed (in task_id) */
    const char *task;      /* the task's name, in the message's block */
    tide__msg *msg;        /* its message (a reference), or NULL */
} tide__story_error;
struct tide__story {
    size_t size;           /* bytes of the message's whole block */
    tide__msg *dead;       /* tide__msg_unref's list of messages to free */
    char *names;           /* where the next name is copied (while built) */
    size_t n;
    tide__story_error errors[];
};
/* A message `text` with room for n errors whose task names take
 * names_size bytes (NULs included), filled with tide__story_put in order.
 * NULL on OOM (the caller falls back on a plain message). */
tide__msg *tide__story_new(tide_loop *L, const char *text, size_t n,
                           size_t names_size);
void tide__story_put(tide__msg *m, size_t i, int code, uint32_t task_id,
                     const char *task, int body, tide__msg *msg);
/* "Task-3 'price'" (or "Task-3" for a task with no name of its own) from
 * an id and a name (may be NULL), without allocating. */
const char *tide__label(char *buf, size_t n, uint32_t id, const char *name);
/* One error as a story tells it, into buf (cut with "..." to fit):
 * "LABEL: TIDE_EHOST price service down", a nested group's line in
 * parentheses and cut at TIDE_EGROUP_NESTED_MAX. */
void tide__story_entry(char *buf, size_t n, const char *label, int code,
                       const tide__msg *msg);
/* Debug mode: the errors of a failed main task's story on stderr, one a
 * line, nested groups indented (as deep as TIDE_EGROUP_PRINT_DEPTH). */
void tide__story_print(const tide__msg *m);

/* ---- ready queue entries: tasks, callbacks and other one-hop work.
 * Every entry starts with a tide__ready, whose `next` is a tagged pointer
 * to the entry after it: TIDE__READY_CALL set if that one is a
 * tide__runnable (a callback with a run function), clear if it is a task.
 * So a task's entry is the link alone, and running it needs no indirect
 * call: 4 bytes less per task on wasm32 (a sleeping task within 128). */
typedef struct tide__ready {
    uintptr_t next;
} tide__ready;
#define TIDE__READY_CALL ((uintptr_t)1)
static inline tide__ready *tide__ready_entry(uintptr_t link)
{
    return (tide__ready *)(link & ~TIDE__READY_CALL);
}
typedef struct tide__runnable {
    tide__ready link;
    void (*run)(struct tide__runnable *r);
} tide__runnable;


/* ---- timers (timer.c): a hierarchical wheel of lists through the timers */
typedef struct tide__timer {
    int64_t when;              /* loop time, ns */
    struct tide__timer *next;  /* in its list; NULL when not armed */
    /* The previous timer in its list, with tag bits (timers are 8-aligned):
     * the kind (a bit instead of a function pointer: there are only two
     * kinds) and which list holds it (timer.c). 16 bytes on wasm32. */
    uintptr_t prev;
} tide__timer;

enum { TIDE__TIMER_SLEEP = 0, TIDE__TIMER_HANDLE = 1 };
#define TIDE__WHEEL_LEVELS 9

/* What a due timer does, by kind (sleep.c, loop.c). */
void tide__sleep_fire(tide__timer *t);
void tide__handle_fire(tide__timer *t);

void tide__timer_init(tide__timer *t, unsigned kind);
/* Arms t (stopping it first if armed). Errors: TIDE_ENOMEM. */
int tide__timer_start(tide_loop *L, tide__timer *t, int64_t when);
/* Disarms t; returns 1 if it was armed. */
int tide__timer_stop(tide_loop *L, tide__timer *t);
static inline int tide__timer_armed(const tide__timer *t)
{
    return t->next != NULL;
}
/* Moves every timer due at `now` out of the wheel into the due list. */
void tide__timers_collect(tide_loop *L, int64_t now);
/* Fires the collected timers (those not stopped meanwhile), in order. */
void tide__timers_fire_due(tide_loop *L);
/* The earliest deadline, L->wheel_n > 0 (exact on the virtual clock, where
 * the clock jumps to it; a lower bound on a real one). */
int64_t tide__timers_next(tide_loop *L);
/* Stops every callback timer and passes it to drop (loop teardown). */
void tide__timers_drop_handles(tide_loop *L, void (*drop)(tide__timer *t));
void tide__timers_free(tide_loop *L);

/* Seconds (double) to ns: NaN is TIDE_EINVAL, huge values saturate far
 * from overflow. tide__delay_ns also turns negatives into 0. */
int tide__seconds_ns(double seconds, int64_t *out);
/* Loop times stay within +-TIDE__NEVER (2^61 ns, about 73 years), the
 * clock's horizon: a deadline at or past it is never reached, so a timer
 * there never fires and keeps nothing waiting (asyncio's sleep(inf), and in
 * practice any deadline no real clock gets to). */
#define TIDE__NEVER (INT64_MAX / 4)
/* now + delay, saturated to +-TIDE__NEVER. */
int64_t tide__deadline(int64_t now, int64_t delay);
int tide__delay_ns(double seconds, int64_t *out);

/* ---- waiting */

/*
 * Where a cancel walk (cancel.c) keeps its place in a wait on several tasks
 * (a gather) while it cancels them one by one: the walk's stack lives in
 * the waits it passes through, so its depth costs no C stack and no
 * allocation. In use by the walk while the waiting task is marked
 * TIDE__T_IN_CANCEL; `took` outlives it.
 */
typedef struct tide__cancel_frame {
    struct tide__cancel_frame *up; /* the frame the walk returns to */
    tide_task *task;               /* the task whose wait this is */
    tide_task *chain;              /* the single waits that led here */
    size_t next;                   /* where awaited(task, &next) goes on */
    uint8_t taken;                 /* this walk reached a pending task */
    uint8_t took;                  /* some walk did (asyncio's
                                      _cancel_requested) */
} tide__cancel_frame;

/* A cancel hook's answer: pass the cancel on to the awaited tasks. */
#define TIDE__CANCEL_PASS 2

/*
 * What a suspended task waits on. Each awaitable defines one of these.
 *
 * The hooks mirror the shape of an asyncio primitive written as
 *     fut = create_future(); waiters.append(fut)
 *     try: await fut
 *     finally/except: ...code after the await...
 * `cancel` is fut.cancel() (the task stays linked, like the cancelled
 * future stays in the deque), and `resume` is the code after the await: it
 * runs at the start of the task's next step, before the coroutine.
 */
typedef struct tide__wait_ops {
    const char *what; /* "sleep", "task", "lock", ... (trace, debug) */
    /* t waits here and is being cancelled with msg. Return 1 if the wait
     * takes care of it (t has been, or will be, woken with an outcome: a
     * wait that returns 1 or 0 has woken t or leaves it for good), 0 if
     * the cancel must wait for t's next step, TIDE__CANCEL_PASS if it is
     * passed on to the tasks t awaits (`awaited`). NULL = always 0. */
    int (*cancel)(tide_task *t, tide__msg *msg);
    /* t is about to run after this wait, with `status` (its wake-up
     * outcome, or TIDE_ECANCELLED if a cancellation arrived after it was
     * woken). Unlink t, hand on what it will not use, and return what the
     * coroutine's await sees - or TIDE_PENDING after re-suspending t on a
     * wait (e.g. re-acquiring a lock). NULL = return status unchanged. */
    int (*resume)(tide_task *t, int status);
    /* The loop is being destroyed with t still waiting, or woken but not
     * yet resumed: unlink t and free what the wait owns, without waking
     * anything. May be NULL. */
    void (*drop)(tide_task *t);
    /* For reports: writes what t waits on ("lock#2", "queue#1 (empty)")
     * into buf and returns the task holding it up (a lock's holder, an
     * awaited task), or NULL. May be NULL: `what` is used instead. */
    tide_task *(*describe)(tide_task *t, char *buf, size_t n);
    /* Waits on other tasks (join, gather, wait_for), whose cancel passes
     * the cancel on: the awaited task at *i or after it that is still
     * watched, advancing *i past it; NULL when there is none left. No
     * side effects: walks call it again. NULL for other waits. */
    tide_task *(*awaited)(tide_task *t, size_t *i);
    /* Waits on several tasks: where a cancel walk keeps its place among
     * them. NULL: the wait awaits one task, and a walk passes straight on
     * to it without coming back. */
    tide__cancel_frame *(*frame)(tide_task *t);
    /* t entered this wait in the step now running and gives it up (a
     * misuse: an awaitable outside TIDE_AWAIT): unlink t, hand on what it
     * received (a wake-up, a permit), free what the wait owns, without
     * waking t or anything it waits for. NULL: cancel (if t still waits),
     * then resume with TIDE_ECANCELLED, which is right for every wait
     * whose cancel does not reach other tasks and whose resume does not
     * wait again. */
    void (*withdraw)(tide_task *t);
} tide__wait_ops;

/* A node in a list of waiters on some object (a task's awaiters, a lock's
 * queue). `fire` is how the object notifies it. */
typedef struct tide__waiter {
    tide__node node;
    void (*fire)(struct tide__waiter *w, tide_task *source);
} tide__waiter;

/*
 * Resources: the primitives a loop knows of (locks, queues, events, ...),
 * for debug reports at exit and for deadlock reports. Each one embeds a
 * tide__resource; its `describe` says what state it is in and whether that
 * is worth a report at exit (a lock still held, tasks still waiting).
 */
typedef struct tide__resource tide__resource;
typedef struct tide__resource_ops {
    const char *kind; /* "lock", "queue", ... */
    /* Writes the state ("held by Task-3", "2 getters waiting") into buf;
     * returns 1 if it is open (worth a report at exit), else 0. */
    int (*describe)(const tide__resource *r, char *buf, size_t n);
    /* Optional: at tide_loop_destroy, before anything of the loop is freed,
     * lets go of what r holds of it (tasks, callbacks), so that r can be
     * destroyed later, when the loop is gone. */
    void (*detach)(tide__resource *r);
} tide__resource_ops;
struct tide__resource {
    tide__node link; /* in the loop's list; self-linked once detached */
    const tide__resource_ops *ops;
    uint32_t id;     /* "lock#<id>": numbered per loop */
};
void tide__resource_add(tide_loop *L, tide__resource *r,
                        const tide__resource_ops *ops);
/* Kept on the list for the detach at loop destroy only: not numbered, so
 * the primitives' numbers ("lock#2") do not depend on it. */
void tide__resource_track(tide_loop *L, tide__resource *r,
                          const tide__resource_ops *ops);
/* A `describe` for what is never worth a report at exit (writes ""). */
int tide__resource_never_open(const tide__resource *r, char *buf, size_t n);
void tide__resource_remove(tide__resource *r); /* safe after loop destroy */
/* Whether r's loop was destroyed (its teardown unlinks every resource):
 * only r's own fields are left. */
static inline int tide__resource_detached(const tide__resource *r)
{
    return r->link.next == &r->link;
}
/* Loop teardown: each resource with a `detach` lets go of the loop's
 * things while they are whole. */
void tide__resources_detach(tide_loop *L);

/* Task flags */
enum {
    TIDE__T_STARTED = 1 << 0,
    TIDE__T_DONE = 1 << 1,
    TIDE__T_MUST_CANCEL = 1 << 2,
    TIDE__T_WAITING = 1 << 3,  /* registered in a wait, not yet woken */
    /* not registered yet in a wait in the step now running: set before
     * the coroutine runs, cleared by every registration, tested when the
     * step ends and by an awaitable's out-of-line entry (misuse.c). Set,
     * not cleared, per step so that the step's store of its flags and its
     * test of them afterwards carry it at no cost. (The inline entry test
     * reads the step's mark instead: tide__step_mark.) */
    TIDE__T_UNREGISTERED = 1 << 4,
    TIDE__T_OWN_NAME = 1 << 5, /* name points inside the allocation */
    TIDE__T_LOOP_REF = 1 << 6, /* the loop holds a reference (pending) */
    TIDE__T_LEFTOVER = 1 << 7, /* cancelled by the shutdown phase of a run */
    TIDE__T_MARK = 1 << 8,     /* scratch bit for one-pass walks */
    TIDE__T_RETRIEVED = 1 << 9, /* its outcome was read (debug: errors) */
    TIDE__T_CANCEL_SEEN = 1 << 10, /* a cancellation reached its code */
    TIDE__T_WARNED = 1 << 11,  /* debug: swallowed-cancel warning given */
    TIDE__T_IN_CANCEL = 1 << 12, /* its cancel is passing down a wait chain */
    TIDE__T_ON_PATH = 1 << 13, /* scratch: on the path a one-pass walk follows */
    TIDE__T_SET_NAME = 1 << 14, /* name from tide_task_set_name: its own
                                   block of strlen + 1 bytes */
};

struct tide_task {
    /* first, as tide.h's struct tide__task_head (checked below). The ready
     * link at 0: the step's addresses are the entry's, with no offset to
     * subtract (wasm's offsets are unsigned). Link, message and status
     * are adjacent: a yield's end zeroes all three, which the compiler
     * merges, so clearing the step's mark there costs no store. */
    tide__ready run;      /* in the ready queue */
    tide__msg *msg;       /* message of the error in `status` */
    int32_t status;       /* wake-up outcome while pending; final error after */
    uint16_t flags;
    int16_t cancelling;   /* cancel requests not undone by uncancel */
    tide_loop *loop;
    tide_fn fn;
    uint32_t id;
    uint32_t refs;        /* handle references plus the loop's while pending */
    tide__msg *cancel_msg;/* message of a requested, undelivered cancel */
    char *name;           /* custom (in the allocation, or set later in a
                             block of its own) or default (lazy) */
    size_t alloc_size;    /* bytes of this allocation */
    tide__node link;      /* in the loop's list of pending tasks */
    tide__node *awaiters; /* tide__waiter nodes waiting for this task: the
                             last of a ring (tide__awaiters_*), or NULL */
    const tide__wait_ops *wait_ops; /* what it waits on, NULL if nothing */
    void *wait_out;       /* where the wait delivers its value */
    int64_t since;        /* loop time (ns) it began waiting */
    union {
        struct {
            tide__waiter waiter; /* on the object's list of waiters */
            void *obj;           /* the object waited on */
        } on;
        tide__timer timer;       /* sleeping */
    } wait;
    /* the frame follows, at tide__frame_offset */
};

/*
 * The waiters on a task (joins, wait_for, done callbacks), in the order
 * they started: a ring of their nodes with no head node, the task holding
 * the last one (a pointer, where a list head would take two). A node not
 * in a ring has NULL links, so a waiter may unlink itself after its task
 * is gone (the loop's teardown frees tasks in any order).
 */
static inline void tide__awaiters_push(tide_task *t, tide__node *n)
{
    tide__node *last = t->awaiters;
    if (!last) {
        n->next = n->prev = n;
    } else {
        n->prev = last;
        n->next = last->next;
        last->next->prev = n;
        last->next = n;
    }
    t->awaiters = n;
}
/* Links n first, ahead of every other waiter (scope.c's records). */
static inline void tide__awaiters_push_front(tide_task *t, tide__node *n)
{
    tide__node *last = t->awaiters;
    tide__awaiters_push(t, n);
    if (last)
        t->awaiters = last; /* n went in after the last: now the first */
}
/* Unlinks n from t's waiters (nothing if n is not linked). */
static inline void tide__awaiters_remove(tide_task *t, tide__node *n)
{
    if (!n->next)
        return;
    if (n->next == n) {
        t->awaiters = NULL;
    } else {
        if (t->awaiters == n)
            t->awaiters = n->prev;
        n->prev->next = n->next;
        n->next->prev = n->prev;
    }
    n->next = n->prev = NULL;
}
/* First waiter, or NULL; the one after n, or NULL. */
static inline tide__node *tide__awaiters_first(const tide_task *t)
{
    return t->awaiters ? t->awaiters->next : NULL;
}
static inline tide__node *tide__awaiters_next(const tide_task *t,
                                              const tide__node *n)
{
    return n == t->awaiters ? NULL : n->next;
}

/*
 * A FIFO of tasks waiting on a primitive, linked through each task's
 * t->wait.on.waiter.node, with t->wait.on.obj pointing back at the queue.
 * As in asyncio's deque of futures, an entry stays queued after it is woken
 * or cancelled, until its task resumes (the primitive's resume hook calls
 * tide__waitq_remove): "done" entries still count for no-barging rules.
 */
typedef struct tide__waitq {
    tide__node head;
    size_t len;
} tide__waitq;

/* (The waitq operations and the wake-up are inline, defined at the end of
 * this file: they are most of what a hand-over through a primitive costs.) */
static inline void tide__waitq_init(tide__waitq *q);
/* Appends the current task t and suspends it (returns TIDE_PENDING). */
static inline int tide__waitq_wait(tide__waitq *q, tide_task *t,
                                   const tide__wait_ops *ops, void *out);
/* Unlinks t from the queue it waits in (NULL-safe on a task not linked). */
static inline void tide__waitq_remove(tide_task *t);
/* The queue t waits in. */
static inline tide__waitq *tide__waitq_of(tide_task *t)
{
    return (tide__waitq *)t->wait.on.obj;
}
/* First entry, or NULL; next entry after t, or NULL. */
static inline tide_task *tide__waitq_first(const tide__waitq *q);
static inline tide_task *tide__waitq_next(const tide__waitq *q,
                                          const tide_task *t);
/* Entry states, asyncio's fut.done() / fut.cancelled(). */
static inline int tide__waiter_done(const tide_task *t)
{
    return !(t->flags & TIDE__T_WAITING);
}
static inline int tide__waiter_cancelled(const tide_task *t)
{
    return tide__waiter_done(t) && t->status == TIDE_ECANCELLED;
}
/* fut.set_result(): wake t with success (it stays queued). */
static inline void tide__waiter_wake(tide_task *t);
/* Generic hooks: `cancel` wakes t with TIDE_ECANCELLED and leaves it
 * queued (fut.cancel()); `drop` unlinks it. */
int tide__waitq_cancel(tide_task *t, tide__msg *msg);
void tide__waitq_drop(tide_task *t);

/* The resume hooks of a queue's get and put (queue.c), which the step
 * calls directly: through `ops` they were an indirect call, which on wasm
 * (call_indirect: a table and a signature check) cost about 1.5 ns of a
 * 23 ns hand-over. Any other wait's hook is called through its ops. */
extern const tide__wait_ops tide__queue_get_ops, tide__queue_put_ops;
int tide__queue_get_resume(tide_task *t, int status);
int tide__queue_put_resume(tide_task *t, int status);
static inline int tide__resume_hook(const tide__wait_ops *ops, tide_task *t,
                                    int status)
{
    if (ops == &tide__queue_get_ops)
        return tide__queue_get_resume(t, status);
    if (ops == &tide__queue_put_ops)
        return tide__queue_put_resume(t, status);
    return ops->resume(t, status);
}

/*
 * A done callback on a task (asyncio's add_done_callback): when the task
 * finishes, its outcome is recorded and `fn` runs one iteration later from
 * the ready queue. gather, wait, shield and wait_for are built on these so
 * their hops match CPython's. The owner keeps the node alive until `fn`
 * has run or the node was removed before the task finished.
 */
typedef struct tide__donecb {
    tide__waiter waiter;   /* in the task's awaiters while linked */
    tide__runnable run;    /* queued once the task finished */
    tide_task *task;       /* valid while linked (the task is pending) */
    void (*fn)(struct tide__donecb *cb);
    /* The loop is destroyed with this callback still queued: it will never
     * run; let go of what fn would have let go of. */
    void (*release)(struct tide__donecb *cb);
    void *owner;           /* for fn: the structure holding this node */
    tide_task *awaiter;    /* the task waiting through it (introspection) */
    size_t index;          /* for fn: its position there */
    int status;            /* the task's outcome, recorded at its end */
    tide__msg *msg;
    void *value;
    uint8_t linked;
} tide__donecb;

/* Watch `task` (already finished: fn is queued at once). */
void tide__donecb_add(tide__donecb *cb, tide_task *task,
                      void (*fn)(tide__donecb *cb),
                      void (*release)(tide__donecb *cb));
/* The ready-queue entry of a queued callback (to recognise them). */
void tide__donecb_run(tide__runnable *r);
/* The waiter's fire function for done callbacks (to recognise them). */
void tide__donecb_fire(tide__waiter *w, tide_task *task);
/* remove_done_callback: stop watching (a callback already queued still
 * runs; its owner ignores it). */
void tide__donecb_remove(tide__donecb *cb);
/* Release the recorded message. */
void tide__donecb_clear(tide_loop *L, tide__donecb *cb);
/* Loop teardown: frees the records of tide_task_add_done_callback that
 * never ran (before the tasks are freed). */
void tide__user_donecbs_destroy(tide_loop *L);
/* For owners of an array of them (gather, wait): remove those still
 * watching, dropping one of *refs for each; the first task still watched
 * (what holds the owner up), or NULL; release every recorded message. */
void tide__donecbs_remove(tide__donecb *cbs, size_t n, uint32_t *refs);
tide_task *tide__donecbs_pending(const tide__donecb *cbs, size_t n);
void tide__donecbs_clear(tide_loop *L, tide__donecb *cbs, size_t n);

#define TIDE__FRAME_ALIGN 8
#define TIDE__FRAME_OFFSET                                                     \
    ((sizeof(struct tide_task) + TIDE__FRAME_ALIGN - 1) &                      \
     ~(size_t)(TIDE__FRAME_ALIGN - 1))

static inline void *tide__task_frame(tide_task *t)
{
    return (char *)t + TIDE__FRAME_OFFSET;
}

/* ---- tasks (task.c) */
/* Suspend the current task on a wait: the caller has already linked it to
 * what it waits on (t->wait.on or t->wait.timer). Returns TIDE_PENDING for
 * the awaitable to return. */
static inline int tide__suspend(tide_task *t, const tide__wait_ops *ops,
                                void *out);
/* tide__suspend's rare end: t->since from the clock the hooks read, and
 * old (the message t->msg held, or NULL) let go of. Returns TIDE_PENDING. */
int tide__suspend_slow(tide_task *t, tide__msg *old);
/* Wake a waiting task with an outcome: it runs in the next iteration.
 * Inline for the common case (no message, no hooks); the rest is
 * tide__wake_slow's. */
static inline void tide__wake(tide_task *t, int status, tide__msg *msg);
void tide__wake_slow(tide_task *t, int status, tide__msg *msg);
/* tide_join's int form, for the awaitables built on it. */
int tide__join(tide_task *child, void **value);
/* The loop lets go of its reference to a task (it finished, or a misuse
 * path ends it early). */
void tide__task_drop_loop_ref(tide_task *t);
/* Clears the message of the previous await (tide__current_for_await, on
 * its slow path). */
void tide__clear_message(tide_task *t);
/* The message of an awaitable's immediate error (copied; NULL clears).
 * The step's mark, if there, stays (misuse.c reports it). */
void tide__set_message(tide_task *t, const char *text);
/* The same, over the mark too (the misuse's own report). */
void tide__replace_message(tide_task *t, const char *text);
/* An awaitable of t refused with `err`: its message, made like printf's,
 * is set (as tide__set_message) for the raise to carry. Returns err. The
 * await's counterpart of tide__fail, whose detail a call that does not
 * await leaves. */
int tide__await_fail(tide_task *t, int err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* An await of a task of another loop (t awaits): TIDE_EINVAL, with a
 * message saying so. */
int tide__other_loop(tide_task *t);
/* Whether the current task t may await task `child`: 0, or TIDE_EINVAL
 * (NULL, or a task of another loop: tide__other_loop) or TIDE_ESELF. The
 * tests every wait on tasks makes (join, wait_for, shield, wait, gather). */
static inline int tide__check_awaited(tide_task *t, const tide_task *child)
{
    if (!child)
        return TIDE_EINVAL;
    if (child->loop != t->loop)
        return tide__other_loop(t);
    return child == t ? TIDE_ESELF : 0;
}
/* A NaN given as `what` ("delay", "timeout") to an awaitable of t:
 * TIDE_EINVAL, with a message naming it. */
int tide__nan_refused(tide_task *t, const char *what);
/* Wraps an awaitable's outcome. */
static inline tide_await tide__aw(int rc)
{
    tide_await a = {rc};
    return a;
}
/* Runs the ready-queue entries r, r->next, ... that an iteration took off
 * the queue (task steps are inlined there). */
void tide__run_entries(tide_loop *L, uintptr_t r);
/* Loop teardown: frees every task, pending or finished and still held. */
void tide__task_free_all(tide_loop *L);
/* The task with that id among the loop's live tasks, or NULL. */
tide_task *tide__task_by_id(tide_loop *L, uint32_t id);
/* "Task-3 'name'" style label, into buf. */
const char *tide__task_label(tide_task *t, char *buf, size_t n);

/* ---- cancellation (cancel.c): none of it recurses or allocates */
/* Cancel with a message object (tide_task_cancel without the copy):
 * counts the request and passes it down through the tasks t awaits.
 * Returns 0 if t is done, else 1. */
int tide__task_cancel(tide_task *t, tide__msg *m);
/* A cancel requested during a step, offered to the wait the task has just
 * entered (it is not a new request: nothing is counted). Returns 1 if the
 * wait took it. */
int tide__cancel_wait(tide_task *t, tide__msg *m);
/* A join-like wait's cancel hook: TIDE__CANCEL_PASS (cancel the awaited
 * task `child`, whose outcome t then gets), or, if the cancel is coming
 * back round a cycle of tasks awaiting each other, stop t's wait with
 * TIDE_ECANCELLED and return 1. t waits through its own
 * t->wait.on.waiter node. */
int tide__cancel_awaited(tide_task *t, tide_task *child, tide__msg *msg);
/* The shutdown phase of a run (and a deadlock): cancel every pending task
 * not cancelled by it yet, in creation order, flagging it
 * TIDE__T_LEFTOVER. Same outcome as tide__task_cancel on each in turn,
 * in time linear in the tasks and waits involved. */
void tide__cancel_leftovers(tide_loop *L);

/* ---- misuse of the coroutine protocol (misuse.c) */
/* An awaitable `call` started while the task is already registered: undo
 * that registration, report the misuse and return TIDE_ESTATE. */
int tide__await_refused(tide_task *t, const char *call);
/* The slow path of tide__current_for_await (below): a message to clear,
 * or a misuse to refuse. */
tide_task *tide__await_begin(tide_task *t, int *err, const char *call);
/* The step of t ended with `st` in breach of the protocol (suspended but
 * registered nowhere, or finished while registered or with a yield's mark
 * left): undo, report, and
 * return the error to finish t with (TIDE_ESTATE). */
int tide__step_misused(tide_task *t, int st);
/* TIDE_THROW (_MSG, _FMT) given `err` > 0, which is no error: it would
 * end the coroutine as a success. Reports the misuse and returns
 * TIDE_ESTATE, t's message saying so (with `text`, the message the
 * program gave, if any), to raise instead. */
int tide__throw_refused(tide_task *t, int err, const char *text);
/* The stack floor of the calling thread (tide_loop.stack_floor). */
uintptr_t tide__stack_floor(void);

/* ---- scopes (scope.c): TIDE_WITH's records and owned handles */
/* Whether t has a record open (one comparison: they lead its awaiters). */
int tide__task_has_scopes(const tide_task *t);
/* Whether an entry of a task's awaiters is one of its own records. */
int tide__waiter_is_scope(const tide__waiter *w);
/* Sets fr->pc for a raise or return of fr (fr->err set): the exit of its
 * innermost open scope, else FINALLY or END. t may be NULL. */
void tide__scope_unwind(tide_task *t, tide_frame *fr);
/* fr ends with scopes still open (a goto out of a block): leave them. */
void tide__scopes_end_frame(tide_task *t, const tide_frame *fr);
/* Loop teardown, before anything else: leave every pending task's
 * scopes, without waiting. */
void tide__scopes_destroy(tide_loop *L);
/* tide_gather with TIDE_GATHER_OWN, before it starts: the current task
 * takes over the caller's references to tasks[0..n) (and lets go of those
 * an earlier gather into the same array took). TIDE_ENOMEM: nothing taken
 * (the handles live on until the loop is destroyed), or, with `release`
 * (a gather that is refused: nobody keeps them), the references it took
 * let go of at once; TIDE_ENOLOOP: not in a task, and they are let go of.
 * A reference that moves (the same handle in the same place of the same
 * array as last time) stays with the earlier gather's owner. */
int tide__gather_own(tide_task *const *tasks, size_t n, int release);
/* A scope's group left without waiting: destroyed even in its exit. */
void tide__group_abandon(tide_group *g);
/* A group or timeout a TIDE_WITH made (on 1) is the block's until it is
 * left (0): the program's destroy of it is refused (a group's, with
 * TIDE_EBUSY) or does nothing (a timeout's), where it freed what the
 * block's exit then used. */
void tide__group_set_scoped(tide_group *g, int on);
void tide__timeout_set_scoped(tide_timeout *t, int on);
/* tide_timeout_scope_of's entry: the created timeout t binds to the
 * current task and arms. TIDE_ESTATE (entered already, another loop's),
 * TIDE_ENOMEM (not entered), TIDE_ENOLOOP. */
int tide__timeout_enter_created(tide_timeout *t);
/* Counts the open block on t (by +1, -1); a destroy asked for meanwhile
 * is done when the count comes back to 0. */
void tide__timeout_pin(tide_timeout *t, int by);
/* The error fr propagates is swallowed (by a scope's exit): none is. */
void tide__raise_clear(tide_frame *fr);
/* fr propagates `err` with message `msg` (a new reference) again, as
 * before a block that caught another error (TIDE_WITH_CATCH in FINALLY). */
void tide__raise_restore(tide_frame *fr, int err, tide__msg *msg);

/* ---- file descriptors the loop waits for (io.c): what a stream
 * (reader.c, writer.c) needs from its fd, and the host polls */
enum { TIDE__IO_READ = 1, TIDE__IO_WRITE = 2 };
/* How an fd is waited for (tide__host_fd_open sets it): polled by the
 * host, or always ready (a regular file): tried once per iteration. */
enum { TIDE__FD_POLLED = 1, TIDE__FD_ALWAYS = 2 };
#define TIDE__IO_IDLE UINT32_MAX
typedef struct tide__io tide__io;
/* The fd may be ready for what io wants (err 0: try the call, which may
 * still find it not ready), or the host cannot wait for it (err < 0, with
 * the reason in why). Called from the loop, never inside a task. */
typedef void (*tide__io_ready_fn)(tide__io *io, int err, const char *why);
struct tide__io {
    tide__runnable run;   /* an always-ready fd's next attempt, queued */
    tide__node link;      /* in L->io.all until closed or the loop goes */
    tide_loop *loop;      /* NULL once the loop is destroyed */
    tide__io_ready_fn ready;
    int fd;
    uint32_t slot;        /* index in L->io.watched, or TIDE__IO_IDLE */
    uint8_t kind;         /* TIDE__FD_POLLED or TIDE__FD_ALWAYS */
    uint8_t events;       /* what is wanted (TIDE__IO_READ or _WRITE), 0 */
    uint8_t queued;       /* run is on the ready queue */
    uint8_t nonblock;     /* the host's: the fd is known non-blocking */
};

/* ---- the host (src/host/host.h): one implementation per build */
#include "host/host.h"

/* ---- io.c: the loop's side of waiting for fds */
/* Opens io on fd for `events`: the host looks at the fd first. Errors:
 * TIDE_EINVAL (not open, a directory), TIDE_ENOTSUP, with a detail named
 * after `fn` (the public call). */
int tide__io_open(tide_loop *L, tide__io *io, int fd, int events,
                  tide__io_ready_fn ready, const char *fn);
/* io wants `events`: a polled fd joins the host's watch list (and counts
 * as host work, so an idle loop waits for it rather than report a
 * deadlock); an always-ready fd gets an attempt queued for the next
 * iteration. Errors: TIDE_ENOMEM. */
int tide__io_want(tide__io *io, int events);
/* io wants nothing any more (an attempt already queued is skipped). */
void tide__io_unwant(tide__io *io);
/* The stream is done with io (also after its loop is gone). */
void tide__io_close(tide__io *io);
/* The host found the fd of a watched io ready (err 0) or failing. */
void tide__io_fire(tide__io *io, int err, const char *why);
/* An always-ready fd's queued attempt (the loop's destroy knows it). */
void tide__io_run(tide__runnable *r);
/* Loop teardown: forget every io (their streams may outlive the loop). */
void tide__io_destroy(tide_loop *L);

/* ---- to_thread and call_soon_threadsafe (thread.c) */
/* A job the host ran on a thread is back on the loop's thread: wake its
 * task with the outcome, or abandon it if the task gave it up. */
void tide__job_arrived(tide_loop *L, tide__job *j);
/* Runs j->fn(j->arg, value) on this thread, where tide_callback_fail
 * finds it: tide__job_fail keeps the message for the await (returns 1),
 * or returns 0 when no job's function runs here. */
int tide__job_call(tide__job *j, void **value);
int tide__job_fail(int err, const char *fmt, va_list ap);
/* Nobody will take j's outcome: hand it to its `abandon`, free the job. */
void tide__job_abandon(tide_loop *L, tide__job *j);
/* Takes j off the loop's list of jobs: a host whose threads outlive the
 * loop (Emscripten) finishes it when it returns. */
void tide__job_unlink(tide_loop *L, tide__job *j);
/* tide_loop_destroy, after the tasks are freed: stops the threads (which
 * natively waits for functions still running), abandons every call left
 * and frees callbacks never run. */
void tide__threads_destroy(tide_loop *L);

/* ---- the loop */
enum {
    TIDE__L_RUNNING = 1 << 0,  /* inside tide_loop_run's drive */
    TIDE__L_STOP = 1 << 1,     /* tide_loop_stop requested */
    TIDE__L_SHUTDOWN = 1 << 2, /* main finished; leftovers cancelled */
    TIDE__L_FINISHED = 1 << 3, /* run is over; result in main_err */
    TIDE__L_DEADLOCK = 1 << 4, /* nothing could wake the waiting tasks */
};

struct tide_loop {
    /* The step's mark (tide__step_mark), first, so that its address is
     * the loop's: tide_sleep(0) stores a register. Then what tide.h's
     * macros read (struct tide__loop_head; checked below). */
    tide__msg step_mark;
    /* The outcome the resumed task's await sees (TIDE__WAKE_STATUS): its
     * status, set by each step. */
    int wake_status;
    /* How many more TIDE_AWAIT_CALLs may nest (the macros count it down
     * and up again, right after wake_status). */
    int call_room;
    /* On wasm, the lowest stack pointer at which TIDE_AWAIT_CALL may still
     * call (TIDE_CALL_STACK_MARGIN above the stack's end), set by each run
     * for its thread; the macros read it right after call_room. 0
     * elsewhere: native stacks end in a guard page. */
    uintptr_t stack_floor;
    /* The task whose step runs, or NULL (tide.h's inline yield reads it). */
    tide_task *current;
    /* The code of the loop's detail (below), 0 if none: TIDE_TRY tests it
     * inline and calls out to clear it only when there is one. */
    int detail_code;
    /* The thread that owns the loop (tide__thread_id), read by any thread
     * (relaxed atomics), written by tide_loop_create and tide_loop_run;
     * and the thread a run is under way on, or NULL (claimed atomically,
     * so that two threads cannot start runs of one loop at once). */
    void *owner;
    void *runner;

    tide_alloc_fn alloc;
    void *alloc_ud;
    /* freed task blocks kept for reuse, one size per bin (alloc.c) */
    struct tide__block_bin {
        size_t size;
        void *head; /* each block's first word links to the next */
    } block_bins[TIDE_TASK_CACHE_BINS > 0 ? TIDE_TASK_CACHE_BINS : 1];
    size_t blocks_used, blocks_cached, blocks_peak; /* peak of used */

    /* ready queue: singly linked FIFO; each iteration takes the whole list */
    uintptr_t ready_head; /* tagged, as tide__ready.next */
    uintptr_t *ready_tail;

    /* timers */
    tide__timer **wheel; /* TIDE__WHEEL_LEVELS x 64 bucket lists (timer.c) */
    uint64_t wheel_bits[TIDE__WHEEL_LEVELS]; /* non-empty buckets */
    uint64_t wheel_sorted; /* level-0 buckets in deadline order */
    uint64_t wheel_pos;    /* the cursor, in units (timer.c) */
    tide__timer *due;      /* collected by this iteration, in firing order */
    tide__timer *timers_never; /* armed at or past the clock's horizon */
    uint32_t wheel_n, timers_never_n; /* armed timers in each */

    int64_t now; /* last clock reading (ns), the clock itself if virtual */
    int64_t turn_budget;
    int virtual_clock;
    unsigned flags;
    /* Rarely set, tested once per step: debug mode or a tracer is on
     * (tide__loop_hooks_update keeps it right). */
    int hooks;

    tide__node tasks; /* pending tasks, creation order */
    size_t ntasks;
    uint32_t next_task_id;
    uint64_t iterations;
    uint64_t steps; /* ready-queue entries run (task steps, callbacks) */

    tide_task *main;
    int main_err;

    tide_exit_fn on_exit;
    void *on_exit_arg;
    tide_exception_fn on_exception;
    void *on_exception_arg;
    /* tide_callback_fail's message for the callback running now, and
     * the error it goes with (loop.c) */
    tide__msg *cb_msg;
    int cb_err;
    /* The detail of the last call on this loop's thread that failed
     * without awaiting (tide__fail): why, in words (its code is in the
     * head, detail_code); what TIDE_TRY raises with and tide_error_detail
     * reads (detail.c). */
    tide__msg *detail;
    /* handles the program holds (tide_call_soon's `out`), which
     * tide_loop_destroy frees with the loop (loop.c) */
    tide__node held_handles;
    tide_trace_fn trace;
    void *trace_arg;

    /* debug mode (debug.c) */
    int debug;
    int64_t slow_ns;            /* report steps longer than this */
    tide_debug_fn on_debug;
    void *on_debug_arg;
    tide__node resources;       /* tide__resource.link */
    uint32_t next_resource_id;
    tide__node done_tasks;      /* finished tasks still referenced */
    tide__node msgs;            /* every message alive (tide__msg.link) */
    tide__node user_donecbs;    /* tide_task_add_done_callback records */

    /* Host operations under way (a JS call, a thread): while there are
     * any, a loop with nothing ready and no timer waits for the host
     * instead of reporting a deadlock. */
    uint32_t host_pending;
    uint64_t grace_steps; /* L->steps when the last virtual-clock grace
                             was given (run.c) */
    tide__host_state host;
    /* The real clock as the hosts report it (tide__clock_reading) */
    int64_t clock_base;  /* loop time = raw reading - clock_base */
    int64_t clock_last;  /* last loop time handed out */
    int clock_anchored;  /* 1: clock_base set; -1: reads failed before */

    tide__xthread xthread; /* to_thread: thread.c and the host's threads */

    /* fds (io.c): watched[0..n) are polled by the host as it waits; `all`
     * lists every open io; `scratch` is the host's room for a poll of all
     * of them (grown with the list, so a wait never allocates). */
    struct {
        tide__io **watched;
        uint32_t n, cap;
        tide__node all;
        void *scratch;
        size_t scratch_size;
    } io;
};

/*
 * The step's mark (with the misuse checks on). A step hands its result
 * over at most once: to a yield (tide_sleep(0), inline in tide.h, which
 * registers nothing and returns TIDE__YIELDED for the step to queue the
 * task) or to a wait that registers the task (tide__suspend). Either
 * leaves this message in t->msg, and the step's end clears it. An
 * awaitable called after one whose result was dropped finds the mark in
 * its entry test, which tests t->msg anyway (for the message of the last
 * await), so the test costs nothing with the checks on: that awaitable,
 * and a step that finishes with the mark left, are misuses (misuse.c).
 * One store when the result is handed over, one when the step ends.
 * While the step runs, the mark stays even if the task is woken (wake_slow:
 * a task that woke itself after a dropped wait). It is the loop's first
 * member, so that the yield's store is of the loop's address; nobody holds
 * a counted reference to it, and it is never freed (tide__msg_pinned).
 */
#define TIDE__STEP_MARK_TEXT                                                   \
    "an awaitable was called outside TIDE_AWAIT: its result was dropped"
static inline tide__msg *tide__step_mark(tide_loop *L)
{
    return &L->step_mark;
}
/* Whether m is the mark, which a reference count reaching 0 must not free:
 * code that sees it in t->msg counts it as any message. */
static inline int tide__msg_pinned(tide_loop *L, const tide__msg *m)
{
    return m == tide__step_mark(L);
}

static inline void tide__loop_hooks_update(tide_loop *L)
{
    L->hooks = L->debug || L->trace;
}
/* Whether debug mode or a tracer is on; whether debug mode is. Both are
 * constant 0 in a build with TIDE_HOOKS 0 (config.h). */
#define TIDE__HOOKS_ON(L) (TIDE_HOOKS ? (L)->hooks : 0)
#define TIDE__DEBUG_ON(L) (TIDE_HOOKS ? (L)->debug : 0)

/* Report a task event to the loop's tracer, if any. */
#define TIDE__TRACE(L, ev, t, what, status)                                    \
    do {                                                                       \
        if (TIDE_HOOKS && (L)->trace)                                          \
            (L)->trace((L), (ev), (t), (what), (status), (L)->trace_arg);      \
    } while (0)

static inline void tide__wakeup(tide_loop *L)
{
    if (L->host.idle)
        tide__host_wakeup(L);
}

/* tide.h's macros read the loop through struct tide__loop_head */
#define TIDE__HEAD_AT(m)                                                       \
    (offsetof(struct tide_loop, m) == offsetof(struct tide__loop_head, m))
_Static_assert(offsetof(struct tide_loop, step_mark) == 0 &&
                   sizeof(tide__msg) ==
                       offsetof(struct tide__loop_head, wake_status),
               "the loop's head starts with the step's mark");
_Static_assert(TIDE__HEAD_AT(wake_status) && TIDE__HEAD_AT(call_room) &&
                   TIDE__HEAD_AT(stack_floor) && TIDE__HEAD_AT(current) &&
                   TIDE__HEAD_AT(detail_code),
               "the loop's head is where tide.h reads it");
_Static_assert(offsetof(struct tide_task, msg) ==
                   offsetof(struct tide__task_head, msg),
               "a task's head is where tide.h's inline yield reads it");
/* What programs compiled against tide.h rely on, as TIDE_ABI 4 has it:
 * when this fails, the layout changed; raise TIDE_ABI, then update these.
 * (Raise it too when the meaning of a field changes: 1 to 2, the step's
 * mark in t->msg replaced a test of t->flags in the inline entry test; 2
 * to 3, the ready link went before t->msg; or what a macro asks of the
 * library: 3 to 4, TIDE_TRY's detail, whose code the loop's head now ends
 * with.) */
#define TIDE__BY_PTR(p32, p64) (sizeof(void *) == 4 ? (p32) : (p64))
_Static_assert(TIDE_ABI == 4 &&
                   sizeof(tide_frame) == TIDE__BY_PTR(20, 32) &&
                   offsetof(tide_frame, msg) == TIDE__BY_PTR(12, 16) &&
                   sizeof(struct tide__loop_head) == TIDE__BY_PTR(48, 80) &&
                   offsetof(struct tide__loop_head, wake_status) ==
                       TIDE__BY_PTR(28, 48) &&
                   sizeof(struct tide__task_head) == 2 * sizeof(void *) &&
                   offsetof(struct tide__task_head, msg) == sizeof(void *) &&
                   TIDE_PENDING == 1 &&
                   TIDE__SUSPENDED == 1 && TIDE__YIELDED == 0x5E1D &&
                   TIDE__PC_UNWIND == -1 && TIDE__PC_END == -2,
               "a layout tide.h shares changed: raise TIDE_ABI");

/* The loop running on this thread (loop.c); the hot paths read it inline. */
extern _Thread_local tide_loop *tide__running;

static inline tide_task *tide__current(void)
{
    return tide__running ? tide__running->current : NULL;
}

static inline void tide__ready_link(tide_loop *L, tide__ready *e,
                                    uintptr_t tag)
{
    e->next = 0;
    *L->ready_tail = (uintptr_t)e | tag;
    L->ready_tail = &e->next;
}
/* A callback (or other one-hop work) runs in the next iteration. */
static inline void tide__ready_push(tide_loop *L, tide__runnable *r)
{
    tide__ready_link(L, &r->link, TIDE__READY_CALL);
}
/* A task takes a step in the next iteration. */
static inline void tide__ready_push_task(tide_loop *L, tide_task *t)
{
    tide__ready_link(L, &t->run, 0);
}

/* TIDE__T_UNREGISTERED where the misuse checks are compiled in, else 0. */
#define TIDE__UNREG (TIDE_CHECKS ? TIDE__T_UNREGISTERED : 0)

/* ---- the inline hot paths of waiting and waking (declared above) */

static inline int tide__suspend(tide_task *t, const tide__wait_ops *ops,
                                void *out)
{
    tide_loop *L = t->loop;
    tide__msg *old = NULL;
    if (TIDE_CHECKS) {
        /* the step's mark; a message left in t->msg goes (the wait's
         * outcome would replace it): only a resume hook that waits again
         * can find one there, an awaitable's entry has cleared it */
        old = t->msg;
        t->msg = tide__step_mark(L);
    }
    t->wait_ops = ops;
    t->wait_out = out;
    t->flags = (uint16_t)((t->flags | TIDE__T_WAITING) & ~TIDE__UNREG);
    /* The rare work (a real clock to read for the hooks, a message to let
     * go of) is a tail call, last: no awaitable keeps L or t across a call,
     * so none saves callee-saved registers for it (callgrind: 2-4
     * instructions per wait). */
    if ((uintptr_t)old | (uintptr_t)TIDE__HOOKS_ON(L))
        return tide__suspend_slow(t, old);
    t->since = L->now;
    return TIDE_PENDING;
}

static inline void tide__wake(tide_task *t, int status, tide__msg *msg)
{
    tide_loop *L = t->loop;
    if (((uintptr_t)msg | (uintptr_t)t->msg) || TIDE__HOOKS_ON(L)) {
        tide__wake_slow(t, status, msg);
        return;
    }
    t->flags &= (uint16_t)~TIDE__T_WAITING;
    t->status = status;
    tide__ready_push_task(L, t);
    tide__wakeup(L);
}

static inline void tide__waitq_init(tide__waitq *q)
{
    tide__list_init(&q->head);
    q->len = 0;
}

static inline int tide__waitq_wait(tide__waitq *q, tide_task *t,
                                   const tide__wait_ops *ops, void *out)
{
    t->wait.on.obj = q;
    t->wait.on.waiter.fire = NULL; /* woken by the primitive, not fired */
    tide__list_push(&q->head, &t->wait.on.waiter.node);
    q->len++;
    return tide__suspend(t, ops, out);
}

static inline void tide__waitq_remove(tide_task *t)
{
    tide__node *n = &t->wait.on.waiter.node;
    if (n->next == n || n->next == NULL)
        return; /* not linked */
    tide__list_remove(n);
    tide__waitq_of(t)->len--;
}

static inline tide_task *tide__waitq_entry(const tide__waitq *q,
                                           const tide__node *n)
{
    if (n == &q->head)
        return NULL;
    return TIDE__CONTAINER(n, tide_task, wait.on.waiter.node);
}

static inline tide_task *tide__waitq_first(const tide__waitq *q)
{
    return tide__waitq_entry(q, q->head.next);
}

static inline tide_task *tide__waitq_next(const tide__waitq *q,
                                          const tide_task *t)
{
    return tide__waitq_entry(q, t->wait.on.waiter.node.next);
}

static inline void tide__waiter_wake(tide_task *t)
{
    tide__wake(t, 0, NULL);
}

/* Whether t already registered in a wait in this step. */
static inline int tide__registered(const tide_task *t)
{
    return TIDE_CHECKS && !(t->flags & TIDE__T_UNREGISTERED);
}
/* Whether the step's mark is in t->msg: this step handed its result to a
 * yield or a wait already. */
static inline int tide__step_marked(tide_task *t)
{
    /* (nearly always NULL: the loop is loaded only when it is not) */
    return TIDE_CHECKS && t->msg && tide__msg_pinned(t->loop, t->msg);
}

/* The current task for the awaitable `call` (its name, for reports), or
 * NULL with *err: TIDE_ENOLOOP outside a task, TIDE_ESTATE if the task is
 * already registered in this step (a misuse; undone and reported). It also
 * clears the message of the previous await. */
static inline tide_task *tide__current_for_await(int *err, const char *call)
{
    tide_task *t = tide__current();
    *err = t ? 0 : TIDE_ENOLOOP;
    if (t && TIDE__AWAIT_OUT_OF_LINE(t))
        return tide__await_begin(t, err, call);
    return t;
}

/* ---- threads: which one owns a loop */
/* This thread, as a token: the address of its own running-loop pointer
 * (distinct for every live thread, and free to compute). */
static inline void *tide__thread_id(void)
{
    return (void *)&tide__running;
}
/* Whether the calling thread is not L's owner: such calls fail with
 * TIDE_ETHREAD before they touch anything. */
static inline int tide__foreign(const tide_loop *L)
{
    return TIDE_CHECKS &&
           __atomic_load_n(&L->owner, __ATOMIC_RELAXED) != tide__thread_id();
}
/* The same for destroying a primitive (resource r of loop L), which may
 * outlive its loop: once tide_loop_destroy has detached r, L is gone and
 * nothing is shared any more, so any thread may free it. */
static inline int tide__foreign_resource(const tide__resource *r,
                                         const tide_loop *L)
{
    return !tide__resource_detached(r) && tide__foreign(L);
}
/* Whether a run of L is under way with resource r still attached: then an
 * open TIDE_WITH on r may yet leave it (release it), so destroying it is
 * refused. Once the run is over the scope never exits but through the
 * loop's teardown, which leaves the program's objects alone. */
static inline int tide__resource_in_run(const tide__resource *r,
                                        const tide_loop *L)
{
    return !tide__resource_detached(r) && (L->flags & TIDE__L_RUNNING);
}

/* ---- the loop (loop.c): creation, configuration, the clock, callbacks,
 * one iteration, destroy */
/* Hosts turn a raw clock reading (ok = the read worked) into loop time:
 * the host's own time, except that a failed read makes time stand still
 * instead of jumping back to 0 (a timer armed then would fire early),
 * and if reads failed before the first good one, time goes on from where
 * it stood rather than leaping ahead by the host's whole uptime. */
static inline int64_t tide__clock_reading(tide_loop *L, int ok, int64_t raw)
{
    if (!L)
        return ok ? raw : 0;
    if (!ok) {
        if (!L->clock_anchored)
            L->clock_anchored = -1;
        return L->clock_last;
    }
    if (L->clock_anchored != 1) {
        L->clock_base = L->clock_anchored ? raw - L->clock_last : 0;
        L->clock_anchored = 1;
    }
    int64_t t = raw - L->clock_base;
    if (t > L->clock_last) /* never backwards, whatever the host says */
        L->clock_last = t;
    return L->clock_last;
}
/* The loop's clock now (ns): reads the host clock unless virtual. */
int64_t tide__loop_now(tide_loop *L);
/* Taking a task back off the ready queue (a walk: misuse paths only). */
void tide__ready_remove(tide_loop *L, tide__ready *e);
/* One iteration: collect due timers, run what was ready when it began
 * (tide__run_entries), fire the due timers. */
void tide__loop_iterate(tide_loop *L);
/* ns until the next thing to do: 0 if ready work, -1 if nothing at all */
int64_t tide__loop_timeout(tide_loop *L);
/* ---- why a call that does not await failed (detail.c) */
/* Fails a call with `code` and a message made like printf's, "fn: text"
 * (fn NULL: the text alone), kept as the detail of the running loop of
 * this thread - the loop whose TIDE_TRY reads it, not the one the call
 * was about (that one may be another thread's). With no loop running on
 * this thread it keeps nothing. Returns code. Out of line: failures only. */
int tide__fail(const char *fn, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The common ones: an argument that is NULL, a call from a thread that
 * does not own the loop. */
#define TIDE__NULL_ARG(name)                                                   \
    tide__fail(__func__, TIDE_EINVAL, "%s is NULL", name)
int tide__fail_thread(const char *fn);
/* Why a spawn's arguments are refused (fn NULL, frame NULL, frame_size
 * too small: the text, in buf if it is made), or NULL if they are not. */
const char *tide__spawn_args_why(tide_fn fn, const void *frame,
                                 size_t frame_size, char *buf, size_t n);
/* A spawn (`call`) refused for its arguments: fn NULL, frame NULL or
 * frame_size too small. TIDE_EINVAL, with a detail saying which. */
int tide__spawn_refused(const char *call, tide_fn fn, const void *frame,
                        size_t frame_size);
/* An argument `name` of `fn` that is NaN: TIDE_EINVAL, with its detail. */
int tide__nan_arg(const char *fn, const char *name);
/* A destroy (`fn`) refused while the object is in use: tasks wait on it
 * (held 0), or an open TIDE_WITH block holds it (1). TIDE_EBUSY, with
 * its detail. */
int tide__busy(const char *fn, int held);
/* The detail is msg itself (a reference; NULL: none), a message of loop
 * L, for an error `code` that already has its words (a failed task's):
 * kept only if L is the loop running on this thread. */
void tide__fail_with(tide_loop *L, int code, tide__msg *msg);
/* The loop's teardown: the detail goes with it. */
void tide__detail_drop(tide_loop *L);
/* L's detail if its code is err (TIDE_TRY's raise adopts it), else NULL. */
tide__msg *tide__detail_of(tide_loop *L, int err);
/* An error for the loop's exception handler. */
void tide__report(tide_loop *L, const char *context, int err,
                  const tide__msg *msg, tide_task *task);
/* Runs a program's done callback: a tide_callback_fail in it (which it
 * cannot return) goes to the exception handler, with the task. */
void tide__donecb_call(tide_loop *L, tide_done_fn fn, tide_task *t,
                       void *arg);
/* Runs a callback (tide_call_soon and its kin, call_soon_threadsafe's);
 * a failure goes to the exception handler with the message the callback
 * gave tide_callback_fail, if any. */
void tide__callback_run(tide_loop *L, tide_callback cb, void *arg);
/* Sets or clears the loop running on this thread (tide__running). */
void tide__loop_set_running(tide_loop *L, int on);

/* ---- a run (run.c): its phases, like asyncio.run(), the blocking hosts'
 * driver, and tide_main */
int tide__run_blocking(tide_loop *L); /* the blocking hosts' driver */
/* Virtual clock, nothing ready, a timer next: returns 1 if the host should
 * first get TIDE_VIRTUAL_GRACE_NS of real time for its pending work. */
int tide__virtual_grace(tide_loop *L);
/* After an iteration: moves the run through its phases (main finished ->
 * cancel leftovers -> finished). Returns 1 once the run is over. The inline
 * test is the common case: main still running, nothing to do. */
int tide__loop_advance(tide_loop *L);
static inline int tide__loop_advance_fast(tide_loop *L)
{
    if (!(L->flags & (TIDE__L_STOP | TIDE__L_SHUTDOWN)) &&
        !(L->main->flags & TIDE__T_DONE))
        return 0;
    return tide__loop_advance(L);
}
/* Nothing is ready and no timer is pending: end the run with EDEADLOCK
 * (cancelling the stuck tasks). Returns 1 if the run is over. */
int tide__loop_deadlock(tide_loop *L);
int tide__loop_end_run(tide_loop *L); /* marks the run over, calls on_exit */
/* A leftover task (TIDE__T_LEFTOVER: cancelled at shutdown) finished: a
 * failure other than the cancellation is reported. */
void tide__leftover_finished(tide_task *t, int status);

/* ---- TIDE_TRACE_FD (trace_fd.c): tide_main's trace as text lines on a
 * file descriptor; start reads the environment, stop flushes and ends it */
void tide__trace_fd_start(tide_loop *L);
void tide__trace_fd_stop(tide_loop *L);

/* ---- debug mode (debug.c) */
void tide__debug_init(tide_loop *L);
void tide__debug_destroy(tide_loop *L);
/* Report `text` (printf-style) of `kind` about `task` (may be NULL). */
void tide__debug_report(tide_loop *L, int kind, tide_task *task,
                        const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void tide__debug_slow(tide_loop *L, tide_task *t, int64_t took);
void tide__debug_suspended(tide_loop *L, tide_task *t);
void tide__debug_freed(tide_loop *L, tide_task *t);
void tide__debug_leftovers(tide_loop *L);
void tide__debug_exit(tide_loop *L);
void tide__debug_deadlock(tide_loop *L);
/* A blocking call (`what`) ran inline on the loop (debug mode reports it). */
void tide__debug_blocking(tide_loop *L, tide_task *t, const char *what);

#endif
