/*
 * fuzz_ops.c - a libFuzzer target that reads its input as a concurrent
 * program written against Tide's public API, runs it on a virtual clock
 * with an allocator that fails where the input says, and checks what it
 * can: nothing leaks, no sanitizer fires, the run ends, and the primitives
 * keep their promises (a queue never loses, duplicates or reorders an item,
 * a lock is never held twice, a joined task gives back what it returned...).
 *
 * Input layout (every byte is optional: missing bytes read as 0):
 *   [0]     mode: bits 0-1 allocation failures (0 none, 1 the Nth only,
 *           2 a burst of `len` from the Nth, 3 pseudo-random, 1 in `len`),
 *           bit 2 debug mode, bit 3 destroy the primitives (and the
 *           timeouts kept, the groups left behind, and release the
 *           handles) before the loop, not after it
 *   [1..2]  N, the first allocation to fail (little endian)
 *   [3]     len: burst length or 1-in-len odds
 *   [4..5]  shapes: semaphore values, barrier parties, queue bounds
 *   [6..]   the main task's script
 * A script starts with a policy byte (what the task does with errors it
 * gets, what its FINALLY cleans up), then operations: an opcode byte and
 * three argument bytes. A spawn takes the next bytes as the child's
 * script, so tasks nest the way the input does. Scripts have no loops, so
 * every task ends after finitely many steps: a run that goes on and on is
 * a livelock in Tide and aborts.
 *
 * `async with` is in the language as Tide writes it: WITH opens a
 * TIDE_WITH block - on a lock, a condition, a semaphore, a timeout (or
 * timeout_at), a task group (tasks whose policy may own groups) or
 * nothing - whose body is the script's next operations, up to WITH_END.
 * The block ends at its closing brace, by WITH_LEAVE (break, continue,
 * or a goto out that skips the exit until the frame returns), by RETURN
 * (TIDE_RETURN from inside: the script returns), by THROW or an error its
 * policy re-raises (a cancellation, a timeout expiring inside); blocks
 * nest, each in a sub-coroutine frame of its own (up to WITH_DEPTH), and
 * the entry itself may fail (out of memory, cancelled while waiting for
 * the lock, a destroyed primitive, a NaN delay, a wait outside
 * TIDE_AWAIT pending). Whatever happens, the scope must be left once, in
 * the frame's FINALLY at the latest: a lock or permit the scope holds
 * is released once, when the models say (they follow each entry and
 * exit, and other tasks' acquires check them), the release's own error
 * (TIDE_ENOTLOCKED, TIDE_EOVERFLOW: the block released it already)
 * replaces the block's outcome and nothing else does; a timeout turns
 * only a cancellation into TIDE_ETIMEDOUT, and only once expired; a
 * group's children are all done when its scope is left, and the group
 * (which other tasks may spawn into or cancel meanwhile) is gone.
 * A WITH whose c & 1 is set is written TIDE_WITH_CATCH instead: the
 * outcome it catches must be what the plain form would raise (the same
 * checks), a THROW's message comes with it, and it goes on as the policy
 * says (re-raised with TIDE_THROW, or swallowed). A timeout WITH whose
 * c & 4 is set enters a timeout of tide_timeout_create (_create_at with
 * b & 16) with tide_timeout_scope_of: before the entry exit and
 * reschedule refuse with TIDE_ESTATE, after the block it reads as the
 * block left it, with c & 8 entering it again (in FINALLY, with
 * TIDE_WITH_CATCH) fails with TIDE_ESTATE, and a TMO_EXIT with c & 16 in
 * its block destroys it there: it lives on until the block is left.
 * GATHER_OWN gathers with TIDE_GATHER_OWN into one of two arrays, giving
 * each handle a reference (none for a handle in the same place as in the
 * last gather into that array: tide.h says that one moves): the handles
 * must all be released by the time their gathering task ends, whatever
 * the outcome, so the loop's teardown (in debug mode) must report none
 * never released - but those of a gather that failed with TIDE_ENOMEM,
 * whose handles tide.h lets live until the loop goes (the summary counts
 * how often such a gather took none of them, and how often some).
 *
 * A run that ends with tasks still pending (stopped, or a deadlock that
 * outlived the cancellations) is drained by a second run on the same loop
 * that cancels them until their scripts end, so their cleanup runs and
 * every byte must come back. Programs that would hang in CPython too are
 * not generated: see P_GROUPS (a group child awaiting its group's owner)
 * and force_release (a condition wait whose lock's holder has finished).
 *
 * A bug found and not fixed yet may be worked around here so that fuzzing
 * goes on past it: guard the workaround with #ifndef FUZZ_NO_WORKAROUNDS
 * and keep the reproducer in fuzz/crashes/ (make fuzz-crashes runs those
 * with the workarounds off). None is needed at present: the bugs found so
 * far are fixed and their reproducers are in fuzz/corpus/ (regress-*).
 *
 * Misuse (issue 11) is part of the language, and each kind must end in
 * the documented error, with a message, never in a sanitizer report, a
 * hang or a leak:
 *  - STRAY makes the task's next awaitable a call outside TIDE_AWAIT: its
 *    result dropped, tested by TIDE_TRY, or taken for an error and raised;
 *    or the step returns "suspended" by hand, registered nowhere. What
 *    follows in the script decides how the stray registration is found: a
 *    second awaitable (refused with TIDE_ESTATE, the first undone), or the
 *    task finishing or failing (it ends with TIDE_ESTATE). Every report
 *    reaching the exception handler as "coroutine misuse" must have been
 *    expected, by task, with the text the runtime promises.
 *  - NEST runs a chain of TIDE_AWAIT_CALL sub-coroutines up to and past
 *    TIDE_MAX_CALL_DEPTH, and may re-create one frame between resumes
 *    (what a compound literal does): TIDE_ESTATE naming this file and the
 *    macro's line.
 *  - CHAIN spawns a chain of up to CHAIN_MAX tasks, each awaiting the next
 *    through a join, gather, wait_for or task group, ending in a wait that
 *    never ends, a failure, a return, a cycle back to the head, or a
 *    script task; the scripts then cancel it, time it out, deadlock on it.
 *  - THREAD calls Tide on the running loop from another thread: one helper
 *    thread, started on first use and kept for the whole process, runs one
 *    call at a time while the loop's thread waits for it (so runs stay
 *    deterministic and cost microseconds). Each call must fail with
 *    TIDE_ETHREAD (awaitables, with no loop on that thread: TIDE_ENOLOOP;
 *    tide_loop_run: TIDE_EBUSY) and change nothing, except
 *    tide_call_soon_threadsafe, whose callback must run on the loop's
 *    thread. Hosts without threads (WASI) make that call from the loop's
 *    own thread only.
 *  - the created timeouts of WITH above: used before their entry,
 *    entered twice, destroyed inside their own block.
 * The summary also counts these cases (misuse cases reached: N/M).
 *
 * Built two ways: with -fsanitize=fuzzer (make fuzz, make test) and, with
 * -DFUZZ_REPLAY, as a plain program that runs the files named on its
 * command line, or length-prefixed inputs from stdin
 * (build/asan/fuzz_replay, build/wasi/fuzz_replay.wasm) - for gcc's
 * sanitizers, 32-bit wasm, or a debugger. FUZZ_VERBOSE=1 prints what a
 * reproducer does.
 */
#define _POSIX_C_SOURCE 200809L /* pthreads under -std=c11 */
#include <tide.h>

#include "config.h" /* TIDE_MAX_CALL_DEPTH */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__wasi__) && !defined(__EMSCRIPTEN__)
#define FUZZ_THREADS 1
#include <pthread.h>
#else
#define FUZZ_THREADS 0
#endif

#define MAX_TASKS 96     /* tasks spawned per run (handles kept to the end) */
#define MAX_GROUPS 8     /* task groups per run */
#define MAX_GROUP_KIDS 12
#define MAX_HANDLES 16   /* callback handles kept */
#define MAX_ITEMS 2048   /* queue items modelled per queue */
#define NSEL 6           /* tasks in one gather / wait */
#define NTMO 4           /* timeout scopes open in one task */
#define NGRP 3           /* groups owned by one task */
#define STEP_CAP 400000  /* task steps per run before calling it a livelock */
#define REAP_ROUNDS 20000
#define CHAIN_MAX 1500   /* tasks in one CHAIN */
#define MAX_CHAINS 8     /* chains per run */
#define LINK_BUDGET 6000 /* chain tasks per run */
#define MAX_IDS 16384    /* task ids tracked per run (more go unchecked) */
#define NEST_MAX (TIDE_MAX_CALL_DEPTH + 4) /* levels in one NEST */
#define WITH_DEPTH 4     /* TIDE_WITH blocks nested in one task */
#define MAX_KEPT 8       /* exited timeouts kept to the end of a run */

/* Stop the process with a message: libFuzzer saves the input. */
#define FAIL(...)                                                              \
    do {                                                                       \
        fprintf(stderr, "fuzz_ops: invariant broken at %s:%d: ", __FILE__,     \
                __LINE__);                                                     \
        fprintf(stderr, __VA_ARGS__);                                          \
        fprintf(stderr, "\n");                                                 \
        abort();                                                               \
    } while (0)
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            FAIL("%s", #cond);                                                 \
    } while (0)

/* ---- operations -------------------------------------------------------- */

#define OPS(X)                                                                 \
    X(SLEEP) X(YIELD) X(SPAWN) X(CANCEL) X(UNCANCEL) X(CANCEL_SELF)            \
    X(UNCANCEL_SELF) X(JOIN) X(GATHER) X(WAIT) X(WAIT_FOR) X(SHIELD)           \
    X(TMO_ENTER) X(TMO_EXIT) X(TMO_RESCHEDULE) X(GROUP_CREATE)                 \
    X(GROUP_SPAWN) X(GROUP_EXIT) X(GROUP_CANCEL) X(LOCK_ACQUIRE)               \
    X(LOCK_RELEASE) X(SEM_ACQUIRE) X(SEM_RELEASE) X(EVENT_SET)                 \
    X(EVENT_CLEAR) X(EVENT_WAIT) X(COND_ACQUIRE) X(COND_RELEASE)               \
    X(COND_WAIT) X(COND_WAIT_FOR) X(COND_NOTIFY) X(COND_NOTIFY_ALL)            \
    X(BARRIER_WAIT) X(BARRIER_RESET) X(BARRIER_ABORT) X(Q_PUT) X(Q_GET)        \
    X(Q_PUT_NOWAIT) X(Q_GET_NOWAIT) X(Q_TASK_DONE) X(Q_JOIN) X(Q_SHUTDOWN)     \
    X(FLAG) X(CALL) X(HANDLE_CANCEL) X(THROW) X(RETURN) X(INSPECT)             \
    X(RECREATE) X(MISUSE) X(STOP) X(STRAY) X(NEST) X(CHAIN) X(THREAD)        \
    X(WITH) X(WITH_END) X(WITH_LEAVE) X(GATHER_OWN)

enum {
#define OP_ENUM(name) OP_##name,
    OPS(OP_ENUM)
#undef OP_ENUM
    OP_COUNT,
    OP_NONE = -1 /* an operation skipped */
};

static const char *const op_names[OP_COUNT] = {
#define OP_NAME(name) #name,
    OPS(OP_NAME)
#undef OP_NAME
};

/* How often each operation ran, over the whole process: the summary shows
 * which ones the corpus reaches. */
static uint64_t op_hits[OP_COUNT];

/* ---- misuse cases --------------------------------------------------------- */

/* Every awaitable, as a script op: STRAY calls each outside TIDE_AWAIT. */
#define STRAY_KINDS(X)                                                         \
    X(SLEEP) X(YIELD) X(JOIN) X(GATHER) X(WAIT) X(WAIT_FOR) X(SHIELD)          \
    X(GROUP_EXIT) X(LOCK_ACQUIRE) X(SEM_ACQUIRE) X(EVENT_WAIT)                 \
    X(COND_ACQUIRE) X(COND_WAIT) X(COND_WAIT_FOR) X(BARRIER_WAIT) X(Q_PUT)     \
    X(Q_GET) X(Q_JOIN)
static const int stray_ops[] = {
#define STRAY_OP(name) OP_##name,
    STRAY_KINDS(STRAY_OP)
#undef STRAY_OP
};
#define NKINDS ((int)(sizeof stray_ops / sizeof stray_ops[0]))

/* How a chain link awaits the next one. */
enum { VIA_JOIN, VIA_GATHER, VIA_WAIT_FOR, VIA_GROUP, NVIA };
static const char *const via_names[NVIA] = {"join", "gather", "wait_for",
                                            "group"};

/* Calls made from another thread, by what they touch. */
#define THREAD_CALLS(X)                                                        \
    X(LOCK) X(SEM) X(EVENT) X(BARRIER) X(QUEUE) X(TASK) X(SCHEDULE) X(SPAWN)   \
    X(CREATE) X(LOOP) X(GROUP) X(TIMEOUT) X(AWAIT) X(RUN)
enum {
#define T_ENUM(name) T_##name,
    THREAD_CALLS(T_ENUM)
#undef T_ENUM
    T_COUNT
};
static const char *const thread_names[T_COUNT] = {
#define T_NAME(name) #name,
    THREAD_CALLS(T_NAME)
#undef T_NAME
};

/* The cases the summary counts: each awaitable found registered by a
 * second awaitable and at the task's end, a step suspended by hand, the
 * TIDE_AWAIT_CALL limits, cancels and deadlocks through each kind of
 * chain link, and each group of foreign-thread calls (where threads are). */
enum {
    C_REFUSED = 0,
    C_AT_END = C_REFUSED + NKINDS,
    C_SUSPENDED = C_AT_END + NKINDS,
    C_NEST_AT_MAX,
    C_NEST_TOO_DEEP,
    C_NEST_RECREATED,
    C_NEST_STACK, /* (wasm only: refused for want of C stack) */
    C_CHAIN_CANCEL,
    C_CHAIN_DEADLOCK = C_CHAIN_CANCEL + NVIA,
    C_XCALL_RAN = C_CHAIN_DEADLOCK + NVIA,
    C_TMO_UNENTERED, /* a created timeout's exit, reschedule before entry */
    C_TMO_REENTERED, /* a created timeout entered a second time */
    C_TMO_DOOMED,    /* a created timeout destroyed in its own block */
    C_THREAD,
    C_COUNT = C_THREAD + (FUZZ_THREADS ? T_COUNT : 0)
};
static uint64_t case_hits[C_COUNT];

/* Whether case i can happen on this host. */
static int case_applies(int i)
{
#if !defined(__wasm__)
    if (i == C_NEST_STACK) /* native stacks end in a guard page */
        return 0;
#endif
    (void)i;
    return 1;
}

static const char *case_name(int i, char *buf, size_t n)
{
    if (i < C_AT_END)
        snprintf(buf, n, "refused:%s", op_names[stray_ops[i - C_REFUSED]]);
    else if (i < C_SUSPENDED)
        snprintf(buf, n, "at-end:%s", op_names[stray_ops[i - C_AT_END]]);
    else if (i == C_SUSPENDED)
        snprintf(buf, n, "suspended-by-hand");
    else if (i == C_NEST_AT_MAX)
        snprintf(buf, n, "call-depth-at-max");
    else if (i == C_NEST_TOO_DEEP)
        snprintf(buf, n, "call-depth-past-max");
    else if (i == C_NEST_RECREATED)
        snprintf(buf, n, "call-frame-recreated");
    else if (i == C_NEST_STACK)
        snprintf(buf, n, "call-stack-short");
    else if (i < C_CHAIN_DEADLOCK)
        snprintf(buf, n, "chain-cancelled:%s", via_names[i - C_CHAIN_CANCEL]);
    else if (i < C_XCALL_RAN)
        snprintf(buf, n, "chain-deadlocked:%s",
                 via_names[i - C_CHAIN_DEADLOCK]);
    else if (i == C_XCALL_RAN)
        snprintf(buf, n, "threadsafe-call-ran");
    else if (i == C_TMO_UNENTERED)
        snprintf(buf, n, "timeout-not-entered");
    else if (i == C_TMO_REENTERED)
        snprintf(buf, n, "timeout-entered-twice");
    else if (i == C_TMO_DOOMED)
        snprintf(buf, n, "timeout-destroyed-in-block");
    else
        snprintf(buf, n, "thread:%s", thread_names[i - C_THREAD]);
    return buf;
}
/* FUZZ_VERBOSE=1 in the environment: print every operation and outcome,
 * to read what a reproducer does; 2 also every allocation; 3 also every
 * trace event. */
static int verbose = -1;
#define SAY(...)                                                               \
    do {                                                                       \
        if (verbose)                                                           \
            fprintf(stderr, __VA_ARGS__);                                      \
    } while (0)
static uint64_t stat_runs, stat_injected, stat_deadlocks, stat_reaped,
    stat_stopped;
/* Runs where a TIDE_GATHER_OWN ran out of memory: [1] it took none of
 * the handles, [0] it took some (the ENOMEM of the gather itself). */
static uint64_t stat_own_loose[2];

/* ---- the state of one run ------------------------------------------------ */

/* The model of one queue: the items in it, with their put order. */
struct qmodel {
    uint32_t id[MAX_ITEMS];
    uint64_t seq[MAX_ITEMS];
    size_t n;
    uint64_t next_seq;
    size_t unfinished;
    int shutdown;
    int overflow; /* more items than the model holds: stop checking order */
};

struct task_rec {
    tide_task *t; /* a reference, released after the run */
    int index;
    int groups;   /* its policy lets it own task groups */
};

/* A misuse report the runtime owes a script task: the exception handler
 * gets it as "coroutine misuse", TIDE_ESTATE, with a message containing
 * `needle` (and `needle2` after it). */
struct expect {
    tide_task *t;     /* NULL: nothing expected */
    char needle[160];
    char needle2[64];
    int kind;         /* the stray awaitable's kind, for the case count */
    int got;          /* reports received */
    uint64_t nfailed; /* allocations failed before: a report without a
                         message needs one failed since */
};

/* A chain of tasks (CHAIN), each link awaiting the next. */
enum { B_EVENT, B_FOREVER, B_RETURN, B_FAIL, B_CYCLE, B_SCRIPT, NBOTTOM };
struct chain_rec {
    int n;             /* links it is to have */
    int kinds;         /* how each link awaits the next: VIA_* or mixed */
    int bottom;        /* what the last link does: B_* */
    int timeout;       /* wait_for links: index into delays[] */
    int cut;           /* the link that keeps a handle on itself */
    int seed;
    int task_index;    /* the head's index in F.task, or -1 */
    int script;        /* B_SCRIPT: the task it awaits (await_arg) */
    tide_event *ev;    /* B_EVENT: never set */
    tide_task *head;   /* references, released after the run */
    tide_task *cut_task;
    int spawned, finished;
    int vias;          /* bit per VIA_* of its links */
    int fail_msg;      /* B_FAIL's message was made: links carry it */
};

struct group_rec {
    tide_group *g;
    int owner;        /* index of the owning task */
    int exited;       /* tide_group_exit returned (not ESTATE) */
    int orphan;       /* its owner ended in its exit outside TIDE_AWAIT */
    int scoped;       /* made by a tide_group_scope: the scope frees it */
    int kids[MAX_GROUP_KIDS];
    int nkids;
};

static struct {
    const uint8_t *data;
    size_t size;

    /* allocator */
    int fail_mode;
    uint32_t fail_at, fail_len;
    uint64_t rng;
    size_t allocs, live, peak;
    int injected;

    tide_loop *loop;
    int debug;

    struct task_rec task[MAX_TASKS];
    int ntasks;
    uint32_t next_item;

    /* primitives: slot NULL when creation failed or after a destroy */
    tide_lock *lock[2];
    tide_cond *cond[2]; /* cond[1] shares lock[0] */
    tide_sem *sem[2];
    int sem_init[2], sem_bounded[2];
    long sem_acq[2], sem_rel[2];
    tide_event *ev[2];
    int ev_set[2];
    tide_barrier *bar;
    int parties;
    tide_queue *q[3];
    size_t qmax[3];
    struct qmodel qm[3];

    /* "locked" as the model sees it: lock[0] (and cond[1]), lock[1],
     * cond[0]'s own lock */
    int locked[3];

    struct group_rec grp[MAX_GROUPS];
    int ngroups;
    tide_handle *handle[MAX_HANDLES];
    /* exited timeouts kept past their task's end, and with mode bit 3
     * clear past the loop's destroy (a timeout may outlive its loop),
     * with what they read when kept */
    struct kept_tmo {
        tide_timeout *t;
        double when;
        int expired;
    } kept[MAX_KEPT];
    int nkept;
    int flag[2];

    uint64_t steps;
    int runaway;
    int in_reap;
    uint32_t max_id;   /* the highest task id seen (idflag[] to clear) */

    uint64_t nfailed;  /* allocations failed so far */
    struct expect exp[MAX_TASKS]; /* by script index */
    struct chain_rec chain[MAX_CHAINS];
    int nchains;
    int links;         /* chain tasks spawned */
    int xcalls_made, xcalls_ran;
    int spawning_detached;
    int detached_live; /* detached scripts not finished (no handle) */

    /* TIDE_WITH: the primitives an open scope holds a pointer to (not
     * destroyed meanwhile: the program's objects), by model lock and by
     * semaphore */
    int pinned[3], pinned_sem[2];
    /* TIDE_GATHER_OWN: handles given to a gather that failed with
     * TIDE_ENOMEM (tide.h: they may live on until the loop is destroyed),
     * and the "handle never released" reports of the loop's teardown */
    int own_loose;
    int destroying, unreleased;
} F;

/* Per task id, for the run: what the trace saw and what the task is. */
enum { ID_FINISHED = 1, ID_LINK = 2, ID_DETACHED = 4 };
static uint8_t idflag[MAX_IDS];
static uint8_t id_chain[MAX_IDS]; /* a link's chain */

/* ---- the failing, counting allocator ------------------------------------ */

static uint64_t rng_next(void)
{
    F.rng ^= F.rng << 13;
    F.rng ^= F.rng >> 7;
    F.rng ^= F.rng << 17;
    return F.rng;
}

static int should_fail(void)
{
    uint32_t n = (uint32_t)F.allocs;
    switch (F.fail_mode) {
    case 1:
        return n == F.fail_at;
    case 2:
        return n >= F.fail_at && n < F.fail_at + F.fail_len + 1;
    case 3:
        return n >= F.fail_at && rng_next() % (F.fail_len + 2) == 0;
    default:
        return 0;
    }
}

static void *fz_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    if (verbose > 1)
        fprintf(stderr, "  alloc #%zu: %p %zu -> %zu\n", F.allocs + (new_size != 0),
                ptr, old_size, new_size);
    if (new_size == 0) {
        if (ptr) {
            CHECK(F.live >= old_size);
            F.live -= old_size;
        }
        free(ptr);
        return NULL;
    }
    F.allocs++;
    if (should_fail()) {
        F.injected = 1;
        F.nfailed++;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p) {
        F.live += new_size - (ptr ? old_size : 0);
        if (F.live > F.peak)
            F.peak = F.live;
    }
    return p;
}

/* ---- handlers: quiet, and the livelock guard ------------------------------ */

/* The last misuse report's message ("" if it had none). */
static char last_report[400];

/* The expectation of the task t, if any. */
static struct expect *expect_of(const tide_task *t)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (F.exp[i].t && F.exp[i].t == t)
            return &F.exp[i];
    return NULL;
}

/* Whether text contains one of the '|'-separated words of `words` (or
 * `words` is empty). */
static int has_one_of(const char *text, const char *words)
{
    char word[64];
    if (!*words)
        return 1;
    while (*words) {
        size_t n = strcspn(words, "|");
        snprintf(word, sizeof word, "%.*s", (int)n, words);
        if (strstr(text, word))
            return 1;
        words += n + (words[n] == '|');
    }
    return 0;
}

/* A misuse report must be one the task's script expected, with the text
 * the runtime promises; without a message only if an allocation failed. */
static void misuse_reported(const char *message, tide_task *task)
{
    struct expect *e = expect_of(task);
    SAY("  misuse report: %s\n", message ? message : "(no message)");
    if (!e || !e->needle[0])
        FAIL("unexpected misuse report (Task-%u): %s",
             task ? (unsigned)tide_task_id(task) : 0u,
             message ? message : "(no message)");
    if (++e->got != 1)
        FAIL("misuse reported %d times: %s", e->got,
             message ? message : "(no message)");
    snprintf(last_report, sizeof last_report, "%s", message ? message : "");
    if (!message) {
        if (F.nfailed == e->nfailed)
            FAIL("a misuse report without a message, and no allocation "
                 "failed (expected \"%s\")", e->needle);
        return;
    }
    const char *at = strstr(message, e->needle);
    if (!at || !has_one_of(at + strlen(e->needle), e->needle2))
        FAIL("misuse report \"%s\" lacks \"%s\" ... \"%s\"", message,
             e->needle, e->needle2);
}

static void on_exception(tide_loop *loop, const char *context, int err,
                         const char *message, tide_task *task, void *arg)
{
    (void)loop, (void)arg;
    CHECK(context != NULL);
    CHECK(err < 0);
    if (strcmp(context, "coroutine misuse") == 0) {
        CHECK(err == TIDE_ESTATE);
        misuse_reported(message, task);
    }
    if (task) /* reading the name may allocate: it may fail, too */
        (void)tide_task_name(task);
}

static void on_debug(tide_loop *loop, int kind, const char *text,
                     tide_task *task, void *arg)
{
    (void)loop, (void)task, (void)arg;
    CHECK(kind >= TIDE_DEBUG_SLOW && kind <= TIDE_DEBUG_DEADLOCK);
    CHECK(text != NULL);
    if (F.destroying && kind == TIDE_DEBUG_OPEN &&
        strstr(text, "handle never released"))
        F.unreleased++;
    if (kind != TIDE_DEBUG_DEADLOCK)
        return;
    CHECK(strncmp(text, "deadlock: ", 10) == 0);
    /* every chain with links still waiting took part */
    for (int k = 0; k < F.nchains; k++)
        if (F.chain[k].spawned > F.chain[k].finished)
            for (int v = 0; v < NVIA; v++)
                if (F.chain[k].vias & (1 << v))
                    case_hits[C_CHAIN_DEADLOCK + v]++;
}

/* A task ends: a misuse it owed (an awaitable's registration left at its
 * end, a step suspended by hand) must have made it fail with TIDE_ESTATE. */
static void finished(tide_task *task, uint32_t id, int status)
{
    if (id < MAX_IDS) {
        idflag[id] |= ID_FINISHED;
        if (idflag[id] & ID_LINK)
            F.chain[id_chain[id]].finished++;
        if (idflag[id] & ID_DETACHED)
            F.detached_live--;
    }
    struct expect *e = expect_of(task);
    if (!e)
        return;
    if (e->got != 1 || status != TIDE_ESTATE)
        FAIL("Task-%u finished with %d (%s), %d misuse report(s); expected "
             "TIDE_ESTATE and \"%s\"",
             (unsigned)id, status, tide_errname(status), e->got, e->needle);
    case_hits[e->kind >= 0 ? C_AT_END + e->kind : C_SUSPENDED]++;
    memset(e, 0, sizeof *e);
}

static void on_trace(tide_loop *loop, int event, tide_task *task,
                     const char *what, int status, void *arg)
{
    (void)what, (void)arg;
    CHECK(event >= TIDE_TRACE_SPAWN && event <= TIDE_TRACE_FINISH);
    if (verbose > 2)
        fprintf(stderr, "  trace: %s Task-%u %s %d\n",
                (const char *[]){"?", "spawn", "run", "suspend", "wake",
                                 "finish"}[event],
                (unsigned)tide_task_id(task), what ? what : "", status);
    CHECK(task != NULL);
    uint32_t id = tide_task_id(task);
    if (id < MAX_IDS && id > F.max_id)
        F.max_id = id;
    if (event == TIDE_TRACE_SPAWN && F.spawning_detached && id < MAX_IDS) {
        idflag[id] |= ID_DETACHED;
        F.detached_live++;
    }
    if (id < MAX_IDS && (idflag[id] & ID_FINISHED))
        /* a finished task never runs, wakes or finishes again */
        FAIL("Task-%u: trace event %d after it finished", (unsigned)id,
             event);
    if (event == TIDE_TRACE_FINISH) {
        CHECK(status <= 0);
        finished(task, id, status);
    }
    if (event == TIDE_TRACE_RUN && ++F.steps == STEP_CAP) {
        F.runaway = 1;
        tide_loop_stop(loop);
    }
}

/* ---- models and their checks --------------------------------------------- */

static const int qkinds[3] = {TIDE_QUEUE_FIFO, TIDE_QUEUE_LIFO,
                              TIDE_QUEUE_PRIORITY};

static int item_prio(uint32_t id)
{
    return (int)((id * 2654435761u) >> 29); /* 0..7, scattered */
}

static int cmp_items(const void *a, const void *b)
{
    int x = item_prio((uint32_t)(uintptr_t)a);
    int y = item_prio((uint32_t)(uintptr_t)b);
    return (x > y) - (x < y);
}

static void qm_reset(int k)
{
    memset(&F.qm[k], 0, sizeof F.qm[k]);
}

static void qm_put(int k, uint32_t id)
{
    struct qmodel *m = &F.qm[k];
    m->unfinished++;
    if (m->n == MAX_ITEMS) {
        m->overflow = 1;
        return;
    }
    m->id[m->n] = id;
    m->seq[m->n] = m->next_seq++;
    m->n++;
}

/* An item came out of queue k: it must be the one the kind says. */
static void qm_got(int k, void *item)
{
    struct qmodel *m = &F.qm[k];
    uint32_t id = (uint32_t)(uintptr_t)item;
    if (m->overflow)
        return;
    CHECK(m->n > 0);
    size_t want = 0;
    for (size_t i = 1; i < m->n; i++) {
        int better;
        if (qkinds[k] == TIDE_QUEUE_FIFO)
            better = m->seq[i] < m->seq[want];
        else if (qkinds[k] == TIDE_QUEUE_LIFO)
            better = m->seq[i] > m->seq[want];
        else {
            int pi = item_prio(m->id[i]), pw = item_prio(m->id[want]);
            better = pi < pw || (pi == pw && m->seq[i] < m->seq[want]);
        }
        if (better)
            want = i;
    }
    if (m->id[want] != id)
        FAIL("queue %d gave item %u, the model expected %u (%zu in it)", k,
             id, m->id[want], m->n);
    m->n--;
    m->id[want] = m->id[m->n];
    m->seq[want] = m->seq[m->n];
}

static int real_locked(int i)
{
    switch (i) {
    case 0:
        return tide_lock_is_locked(F.lock[0]);
    case 1:
        return tide_lock_is_locked(F.lock[1]);
    default:
        return tide_cond_is_locked(F.cond[0]);
    }
}

static int lock_exists(int i)
{
    return i == 0 ? F.lock[0] != NULL : i == 1 ? F.lock[1] != NULL
                                               : F.cond[0] != NULL;
}

/* What every primitive says about itself agrees with the model. Called
 * between operations, when no task is half-way through one. */
static void check_models(void)
{
    for (int i = 0; i < 3; i++)
        if (lock_exists(i) && real_locked(i) != F.locked[i])
            FAIL("lock %d: locked() is %d, the model says %d", i,
                 real_locked(i), F.locked[i]);
    if (F.cond[1])
        CHECK(tide_cond_is_locked(F.cond[1]) == tide_lock_is_locked(F.lock[0]));
    for (int i = 0; i < 2; i++) {
        if (F.ev[i] && tide_event_is_set(F.ev[i]) != F.ev_set[i])
            FAIL("event %d: is_set() is %d, the model says %d", i,
                 tide_event_is_set(F.ev[i]), F.ev_set[i]);
        if (F.sem[i]) {
            int v = tide_sem_value(F.sem[i]);
            long most = F.sem_init[i] + F.sem_rel[i] - F.sem_acq[i];
            /* permits handed to woken waiters not yet running are in
             * neither count, so the value may be lower, never higher */
            if (v < 0 || v > most)
                FAIL("semaphore %d: value %d outside [0, %ld]", i, v, most);
            /* No "value <= bound" for the bounded one: a permit handed to
             * a woken waiter is in no count, so releases may refill the
             * semaphore meanwhile, and if that waiter is then cancelled it
             * gives its permit back on top. CPython's BoundedSemaphore
             * does the same (Semaphore.acquire's `self._value += 1`). */
        }
    }
    for (int k = 0; k < 3; k++) {
        if (!F.q[k])
            continue;
        size_t n = tide_queue_size(F.q[k]);
        if (!F.qm[k].overflow && n != F.qm[k].n)
            FAIL("queue %d: size %zu, the model holds %zu", k, n, F.qm[k].n);
        if (F.qmax[k])
            CHECK(n <= F.qmax[k]);
        CHECK(tide_queue_is_empty(F.q[k]) == (n == 0));
    }
    if (F.bar) {
        int w = tide_barrier_waiter_count(F.bar);
        CHECK(w >= 0 && w < F.parties);
        CHECK(tide_barrier_parties(F.bar) == F.parties);
    }
}

/* ---- primitives ---------------------------------------------------------- */

static void make_lock(int i)
{
    if (tide_lock_create(F.loop, &F.lock[i]) == 0)
        CHECK(!tide_lock_is_locked(F.lock[i]));
    F.locked[i] = 0;
}

static void make_cond(int i)
{
    /* cond[1] shares lock[0]; without it, it would make its own lock and
     * the model would be wrong, so it is left out */
    if (i == 1 && !F.lock[0])
        return;
    int rc = tide_cond_create(F.loop, i == 1 ? F.lock[0] : NULL, &F.cond[i]);
    CHECK(rc == 0 || rc == TIDE_ENOMEM);
    if (i == 0)
        F.locked[2] = 0;
}

static void make_sem(int i)
{
    tide_sem_create(F.loop, F.sem_init[i], F.sem_bounded[i], &F.sem[i]);
    F.sem_acq[i] = F.sem_rel[i] = 0;
}

static void make_event(int i)
{
    tide_event_create(F.loop, &F.ev[i]);
    F.ev_set[i] = 0;
}

static void make_barrier(void)
{
    tide_barrier_create(F.loop, F.parties, &F.bar);
}

static void make_queue(int k)
{
    tide_queue_create(F.loop, qkinds[k], F.qmax[k], cmp_items, &F.q[k]);
    qm_reset(k);
}

/* Destroys everything; with `must` every destroy has to succeed (nobody
 * can be waiting any more). */
static void destroy_primitives(int must)
{
#define DESTROY(fn, slot)                                                      \
    do {                                                                       \
        int rc_ = fn(slot);                                                    \
        if (must && rc_ != 0)                                                  \
            FAIL(#fn " returned %d with nobody waiting", rc_);                 \
        if (rc_ == 0)                                                          \
            slot = NULL;                                                       \
    } while (0)
    DESTROY(tide_cond_destroy, F.cond[1]); /* before the lock it shares */
    DESTROY(tide_cond_destroy, F.cond[0]);
    for (int i = 0; i < 2; i++) {
        DESTROY(tide_lock_destroy, F.lock[i]);
        DESTROY(tide_sem_destroy, F.sem[i]);
        DESTROY(tide_event_destroy, F.ev[i]);
    }
    DESTROY(tide_barrier_destroy, F.bar);
    for (int k = 0; k < 3; k++)
        DESTROY(tide_queue_destroy, F.q[k]);
#undef DESTROY
}

/* A timeout its task exited and is done with: kept to the end of the run
 * (see F.kept), or destroyed now if there is no room. */
static void keep_timeout(tide_timeout *t)
{
    if (!t)
        return;
    if (F.nkept == MAX_KEPT) {
        tide_timeout_destroy(t);
        return;
    }
    struct kept_tmo *k = &F.kept[F.nkept++];
    k->t = t;
    k->when = tide_timeout_when(t);
    k->expired = tide_timeout_is_expired(t);
}

/* The kept timeouts, before or after their loop's destroy: they read as
 * they were left, refuse to be left or moved again, and are freed. */
static void drop_kept(void)
{
    for (int i = 0; i < F.nkept; i++) {
        struct kept_tmo *k = &F.kept[i];
        CHECK(tide_timeout_when(k->t) == k->when ||
              (isnan(k->when) && isnan(tide_timeout_when(k->t))));
        CHECK(tide_timeout_is_expired(k->t) == k->expired);
        CHECK(tide_timeout_exit(k->t, 0) == TIDE_ESTATE);
        CHECK(tide_timeout_reschedule(k->t, 1) == TIDE_ESTATE);
        tide_timeout_destroy(k->t);
        k->t = NULL;
    }
    F.nkept = 0;
}

/* The groups whose owner ended registered in their exit (see the
 * script's FINALLY), before or after their loop's destroy: a group may
 * outlive its loop, and then counts no errors. */
static void drop_orphans(int after_loop)
{
    for (int i = 0; i < F.ngroups; i++)
        if (F.grp[i].orphan) {
            if (after_loop)
                CHECK(tide_group_error_count(F.grp[i].g) == 0);
            CHECK(tide_group_destroy(F.grp[i].g) == 0);
            F.grp[i].g = NULL;
        }
}

/* ---- callbacks ------------------------------------------------------------ */

static int cb_action(void *arg)
{
    uintptr_t a = (uintptr_t)arg;
    int which = (int)(a >> 4) & 1;
    CHECK(tide_current_task() == NULL);
    switch (a & 15) {
    case 0:
        if (F.ev[which]) {
            tide_event_set(F.ev[which]);
            F.ev_set[which] = 1;
        }
        return 0;
    case 1:
        if (F.sem[which] && tide_sem_release(F.sem[which]) == 0)
            F.sem_rel[which]++;
        return 0;
    case 2: {
        int k = (int)(a >> 4) % 3;
        uint32_t id = ++F.next_item;
        int rc = tide_queue_put_nowait(F.q[k], (void *)(uintptr_t)id);
        if (rc == 0)
            qm_put(k, id);
        return 0;
    }
    case 3:
        if (F.lock[which]) {
            int rc = tide_lock_release(F.lock[which]);
            CHECK((rc == 0) == F.locked[which]);
            F.locked[which] = 0;
        }
        return 0;
    case 4:
        F.flag[which] ^= 1;
        return 0;
    case 5: {
        int n = (int)(a >> 4);
        if (F.ntasks)
            tide_task_cancel(F.task[n % F.ntasks].t, "from a callback");
        return 0;
    }
    case 6:
        if (F.bar)
            tide_barrier_abort(F.bar);
        return 0;
    default:
        return TIDE_EUSER; /* goes to the exception handler */
    }
}

/* ---- a task running a script --------------------------------------------- */

enum {
    P_RERAISE_CANCEL = 1 << 0, /* re-raise a cancellation (asyncio's rule) */
    P_RERAISE_ERROR = 1 << 1,  /* re-raise any other error */
    P_UNCANCEL = 1 << 2,       /* a swallowed cancel is uncancelled */
    P_RELEASE = 1 << 3,        /* FINALLY releases the locks it took */
    P_GROUP_EXIT = 1 << 4,     /* FINALLY awaits its groups' exit */
    P_NAMED = 1 << 5,          /* spawned with a name */
    /* May own task groups. Such a task is never the target of an await
     * that passes cancellation on (join, gather, wait_for): a group's exit
     * waits for its children whatever cancels arrive (as in asyncio), so
     * a child awaiting its group's owner, even through other tasks, is a
     * program that hangs in CPython too, not a bug to find. */
    P_GROUPS = 1 << 6,
};

/* A TIDE_WITH block (WITH): the scope WITH names, and a block made of the
 * script's next operations, up to WITH_END (or WITH_LEAVE, RETURN, THROW,
 * an error the policy re-raises, the end of the script). */
enum { W_LOCK, W_COND, W_SEM, W_TIMEOUT, W_GROUP, W_NULL, NWITH };
enum { L_END, L_BREAK, L_CONTINUE, L_GOTO };
struct script;
struct with_frame {
    TIDE_FRAME;
    struct script *s;
    int level;          /* in s->wf */
    int kind, which, m; /* W_*, the primitive, its model lock */
    int entered;        /* the block began: the scope was entered */
    int leave;          /* how the block ends: L_* */
    int ret;            /* RETURN in the block: the script returns */
    int how;            /* the outcome leaving the block (0 or an error) */
    int pred;           /* what the exit's release must give */
    int expired;        /* the timeout had expired when the block ended */
    int gi;             /* a group scope's record in F.grp, or -1 */
    int rc;
    tide_timeout *tmo;  /* the timeout scope's `out` */
    tide_group *g;      /* the group scope's `out` */
    /* TIDE_WITH_CATCH (the WITH's c & 1): the block's outcome, caught,
     * goes through the policy as the plain form's would */
    int catching;
    int caught;
    int left;           /* with_left ran: the block's outcome was caught */
    int thrown_msg;     /* THROW in the block gave the message "thrown" */
    uint64_t thrown_nfailed; /* allocations failed before that THROW */
    /* a timeout of tide_timeout_create (W_TIMEOUT, c & 4), entered with
     * tide_timeout_scope_of: the frame's, destroyed in its FINALLY unless
     * the block destroyed it (doomed: freed by the block's exit) */
    int created;
    int doomed;
    tide_timeout *cm;
};

struct script {
    TIDE_FRAME;
    const uint8_t *p, *end;
    int index;         /* in F.task */
    uint8_t policy;
    uint8_t holds;     /* bit i: it took model lock i */
    int op, a, b, c;   /* the operation being run and its arguments */
    int rc;            /* its outcome */
    int ret;           /* return value of a call that does not suspend */
    int suspended;     /* the awaitable did not complete at once */
    int raise;
    void *value;
    void *item;
    int bindex;
    int pred;
    tide_task *sel[NSEL];
    size_t nsel;
    void *values[NSEL];
    int errors[NSEL];
    tide_timeout *tmo[NTMO];
    int ntmo;
    tide_timeout *tmo_done; /* the last scope exited, kept for misuse */
    int grp[NGRP];
    int ngrp;
    int gi;            /* the group a GROUP_EXIT works on */
    int i;
    /* misuse */
    int shape;         /* STRAY: how the next awaitable is called outside
                          TIDE_AWAIT (S_*), 0: it is not */
    int stray;         /* the task is registered by an awaitable called
                          outside TIDE_AWAIT: that op + 1 */
    const char *stray_what; /* what a report says it waits on */
    int stray_gi;      /* the group of a GROUP_EXIT outside TIDE_AWAIT */
    int was_stray;     /* the awaitable being awaited starts registered */
    struct nest_call *nest; /* NEST in progress */
    struct with_frame wf[WITH_DEPTH]; /* TIDE_WITH blocks open */
    /* GATHER_OWN: two arrays of handles given away, as the last gather
     * into each took them; one that failed with TIDE_ENOMEM is not used
     * again (which handles it took is not said) */
    tide_task *own[2][NSEL];
    size_t own_n[2];
    int own_dead[2];
    uint64_t own_nfailed; /* allocations failed before the last GATHER_OWN */
};

static tide_status script(void *frame);

static uint8_t next_byte(struct script *f)
{
    return f->p < f->end ? *f->p++ : 0;
}

static void *token(int index)
{
    return (void *)(uintptr_t)(0x1000 + index);
}

static const double delays[16] = {
    0, -1, 0.001, 0.01, 0.5, 1, 3, 1e-9, 1e9, 1e300, INFINITY, -INFINITY,
    NAN, 5e9, 2.5, 0.25,
};

static double delay_of(int a)
{
    return delays[a & 15];
}

/* A task of the table, or NULL (an empty table): NULL is bad input too. */
static tide_task *task_arg(int a)
{
    return F.ntasks ? F.task[a % F.ntasks].t : NULL;
}

/* A task for an await that passes cancellation on: NULL (bad input) in
 * place of a task that may own groups (see P_GROUPS). */
static tide_task *await_arg(int a)
{
    if (!F.ntasks || F.task[a % F.ntasks].groups)
        return NULL;
    return F.task[a % F.ntasks].t;
}

static int task_index_of(tide_task *t)
{
    for (int i = 0; i < F.ntasks; i++)
        if (F.task[i].t == t)
            return i;
    return -1;
}

/* Takes `len` bytes of this script as a new task's script. */
static int spawn_child(struct script *f, int len, int group, int detached)
{
    /* the child's bytes are skipped whether it is spawned or not, so that
     * the rest of the script reads the same either way */
    size_t left = (size_t)(f->end - f->p);
    if ((size_t)len > left)
        len = (int)left;
    struct script child;
    memset(&child, 0, sizeof child);
    child.p = f->p;
    child.end = f->p + len;
    f->p += len;
    if (F.ntasks >= MAX_TASKS || (group >= 0 && group >= F.ngroups))
        return 0;
    child.policy = next_byte(&child);
    child.index = F.ntasks;
    const char *name = (child.policy & P_NAMED) ? "worker" : NULL;
    tide_task *t = NULL;
    int rc;
    if (group >= 0) {
        struct group_rec *g = &F.grp[group];
        rc = tide_group_spawn(g->g, script, &child, sizeof child, name, &t);
        if (!g->g)
            CHECK(rc == TIDE_EINVAL);
        if (rc == 0 && g->nkids < MAX_GROUP_KIDS)
            g->kids[g->nkids++] = child.index;
    } else {
        F.spawning_detached = detached; /* (on_trace marks it) */
        rc = tide_spawn(script, &child, sizeof child, name,
                        detached ? NULL : &t);
        F.spawning_detached = 0;
    }
    if (rc == 0 && !detached) {
        CHECK(t != NULL);
        CHECK(!tide_task_is_done(t));
        F.task[F.ntasks].t = t;
        F.task[F.ntasks].index = child.index;
        F.task[F.ntasks].groups = (child.policy & P_GROUPS) != 0;
        F.ntasks++;
    } else if (rc == 0) {
        F.ntasks++; /* its index is used, but nobody can name it */
    } else {
        CHECK(t == NULL);
    }
    return rc;
}

static int pred_flag(void *arg)
{
    return *(int *)arg;
}

/* Picks up to NSEL tasks (repeats allowed) from a mask and a start. */
static void select_tasks(struct script *f, int start, int mask, int passes)
{
    f->nsel = 0;
    for (int i = 0; i < NSEL; i++)
        if (mask & (1 << i)) {
            int a = start + i * (1 + (mask >> 6));
            f->sel[f->nsel++] = passes ? await_arg(a) : task_arg(a);
        }
    memset(f->values, 0, sizeof f->values);
    for (int i = 0; i < NSEL; i++)
        f->errors[i] = 1; /* "not written" */
}

/* GATHER_OWN: the selected tasks go into the array f->own[k], each with
 * a reference of its own for the gather to take - except a handle in the
 * place it had in the last gather into that array, whose reference moves
 * to the new gather (tide.h). */
static int own_take(struct script *f)
{
    int k = (f->c >> 4) & 1;
    if (f->own_dead[k])
        k ^= 1;
    if (f->own_dead[k] || f->nsel == 0) {
        f->nsel = 0; /* (n == 0 takes nothing, leaves the last gather's) */
        return -1;
    }
    for (size_t i = 0; i < f->nsel; i++) {
        tide_task *t = f->sel[i];
        int moves = i < f->own_n[k] && f->own[k][i] == t;
        if (t && !moves) {
            tide_task_retain(t);
            f->ret++; /* references given */
        }
        f->own[k][i] = t;
    }
    f->own_n[k] = f->nsel;
    return k;
}

/* Starts the operation f->op: awaitables return what they return (0, an
 * error or TIDE_PENDING, wrapped for TIDE_AWAIT); the others return 0 with
 * their result in ret. */
static tide_await issue(struct script *f)
{
    int which = f->a & 1;
    f->ret = 0;
    f->value = NULL;
    f->item = NULL;
    f->bindex = -1;
    f->pred = -1;
    switch (f->op) {
    case OP_SLEEP:
        return tide_sleep(delay_of(f->a));
    case OP_YIELD:
        return tide_sleep(0);
    case OP_JOIN:
        f->sel[0] = (f->b & 1) ? tide_current_task() : await_arg(f->a);
        return tide_join(f->sel[0], (f->b & 2) ? NULL : &f->value);
    case OP_GATHER:
        select_tasks(f, f->a, f->b, 1);
        return tide_gather(f->nsel ? f->sel : NULL, f->nsel,
                           (unsigned)(f->c & 3), (f->c & 4) ? NULL : f->values,
                           (f->c & 8) ? NULL : f->errors);
    case OP_GATHER_OWN: {
        select_tasks(f, f->a, f->b, 1);
        f->bindex = own_take(f); /* (which array; f->ret: references) */
        f->own_nfailed = F.nfailed;
        tide_task *none[1] = {NULL};
        return tide_gather(f->bindex < 0 ? none : f->own[f->bindex],
                           f->bindex < 0 ? 0 : f->nsel,
                           TIDE_GATHER_OWN | (unsigned)(f->c & 1),
                           (f->c & 4) ? NULL : f->values,
                           (f->c & 8) ? NULL : f->errors);
    }
    case OP_WAIT:
        select_tasks(f, f->a, f->b, 0);
        return tide_wait(f->sel, f->nsel, f->c & 3, delay_of(f->c >> 2));
    case OP_WAIT_FOR:
        f->sel[0] = await_arg(f->a);
        return tide_wait_for(f->sel[0], delay_of(f->b), &f->value);
    case OP_SHIELD:
        f->sel[0] = task_arg(f->a);
        return tide_shield(f->sel[0], &f->value);
    case OP_GROUP_EXIT:
        return tide_group_exit(F.grp[f->gi].g, f->b & 1 ? 0 : TIDE_EUSER);
    case OP_LOCK_ACQUIRE:
        return tide_lock_acquire(F.lock[which]);
    case OP_SEM_ACQUIRE:
        return tide_sem_acquire(F.sem[which]);
    case OP_EVENT_WAIT:
        return tide_event_wait(F.ev[which]);
    case OP_COND_ACQUIRE:
        return tide_cond_acquire(F.cond[which]);
    case OP_COND_WAIT:
        return tide_cond_wait(F.cond[which]);
    case OP_COND_WAIT_FOR:
        return tide_cond_wait_for(F.cond[which],
                                  (f->a & 2) ? NULL : pred_flag,
                                  &F.flag[(f->a >> 2) & 1],
                                  (f->a & 8) ? NULL : &f->pred);
    case OP_BARRIER_WAIT:
        return tide_barrier_wait(F.bar, (f->a & 1) ? NULL : &f->bindex);
    case OP_Q_PUT: {
        int k = f->a % 3;
        uint32_t id = ++F.next_item;
        f->item = (void *)(uintptr_t)id;
        return tide_queue_put(F.q[k], f->item);
    }
    case OP_Q_GET:
        return tide_queue_get(F.q[f->a % 3], (f->b & 1) ? NULL : &f->item);
    case OP_Q_JOIN:
        return tide_queue_join(F.q[f->a % 3]);
    default: {
        tide_await none = {0};
        return none;
    }
    }
}

/* The model lock behind a lock or condition operand. */
static int model_lock(int op, int which)
{
    if (op == OP_LOCK_ACQUIRE || op == OP_LOCK_RELEASE)
        return which;
    return which == 0 ? 2 : 0; /* cond[0] owns lock 2; cond[1] uses lock 0 */
}

/* issue(), plus what a wait does to the models the moment it starts. */
static tide_await start_op(struct script *f)
{
    tide_await aw = issue(f);
    int rc = aw.tide__rc;
    f->suspended = rc > 0; /* TIDE_PENDING, or TIDE__YIELDED */
    if (f->suspended && (f->op == OP_COND_WAIT || f->op == OP_COND_WAIT_FOR)) {
        /* a condition wait lets go of the lock while it waits */
        int m = model_lock(f->op, f->a & 1);
        CHECK(F.locked[m]);
        F.locked[m] = 0;
    }
    return aw;
}

static int awaits(int op)
{
    switch (op) {
    case OP_SLEEP: case OP_YIELD: case OP_JOIN: case OP_GATHER: case OP_WAIT:
    case OP_WAIT_FOR: case OP_SHIELD: case OP_GROUP_EXIT:
    case OP_LOCK_ACQUIRE: case OP_SEM_ACQUIRE: case OP_EVENT_WAIT:
    case OP_COND_ACQUIRE: case OP_COND_WAIT: case OP_COND_WAIT_FOR:
    case OP_BARRIER_WAIT: case OP_Q_PUT: case OP_Q_GET: case OP_Q_JOIN:
        return 1;
    default:
        return 0;
    }
}

static void took_lock(struct script *f, int m)
{
    if (F.locked[m])
        FAIL("lock %d acquired by task %d while the model says it is held", m,
             f->index);
    F.locked[m] = 1;
    f->holds |= (uint8_t)(1 << m);
}

/* A task that finished with success returned its token. */
static void check_value(tide_task *t, void *value)
{
    int i = task_index_of(t);
    if (i >= 0 && value != token(F.task[i].index))
        FAIL("task %d gave %p, it returned %p", F.task[i].index, value,
             token(F.task[i].index));
}

/* A task group's exit returned rc: every child must be done. */
static void group_exited(int gi, int rc)
{
    struct group_rec *g = &F.grp[gi];
    g->exited = 1;
    for (int i = 0; i < g->nkids; i++)
        if (!tide_task_is_done(F.task[g->kids[i]].t))
            FAIL("group %d exited with child %d still running", gi,
                 g->kids[i]);
    size_t n = tide_group_error_count(g->g);
    if (rc == TIDE_EGROUP)
        CHECK(n >= 1);
    for (size_t i = 0; i < n; i++) {
        const char *msg;
        int err = tide_group_error(g->g, i, &msg);
        CHECK(err < 0 && err != TIDE_ECANCELLED);
    }
    CHECK(tide_group_error(g->g, n, NULL) == TIDE_EINVAL);
    /* no new child once it has exited */
    struct script s;
    memset(&s, 0, sizeof s);
    CHECK(tide_group_spawn(g->g, script, &s, sizeof s, NULL, NULL) ==
          TIDE_ESTATE);
}

/* After an awaitable completed with f->rc: update the models and check
 * what the outcome promises. */
static void after_await(struct script *f)
{
    int which = f->a & 1;
    int rc = f->rc;
    CHECK(rc <= 0);
    switch (f->op) {
    case OP_SLEEP:
        if (isnan(delay_of(f->a)))
            CHECK(rc == TIDE_EINVAL);
        break;
    case OP_JOIN:
        if (f->b & 1)
            CHECK(rc == TIDE_ESELF);
        else if (!f->sel[0])
            CHECK(rc == TIDE_EINVAL);
        if (rc == 0 && !(f->b & 2)) {
            CHECK(tide_task_is_done(f->sel[0]));
            check_value(f->sel[0], f->value);
        }
        break;
    case OP_GATHER_OWN:
        if (rc == TIDE_ENOMEM && f->bindex >= 0) {
            /* which handles it took is not said: they may live on until
             * the loop goes; the array is not used again */
            f->own_dead[f->bindex] = 1;
            F.own_loose += f->ret;
        }
        TIDE__FALLTHROUGH; /* the outcome is a gather's */
    case OP_GATHER:
        if (rc == 0) {
            for (size_t i = 0; i < f->nsel; i++) {
                CHECK(tide_task_is_done(f->sel[i]));
                int err = tide_task_error(f->sel[i]);
                if (!(f->c & 1))
                    CHECK(err == 0);
                if (!(f->c & 8))
                    CHECK(f->errors[i] == err);
                if (!(f->c & 4) && err == 0)
                    check_value(f->sel[i], f->values[i]);
            }
        }
        if (f->op == OP_GATHER && (f->c & 2))
            CHECK(rc == TIDE_EINVAL || (rc == TIDE_ENOLOOP));
        break;
    case OP_WAIT:
        if (rc == 0 && isinf(delay_of(f->c >> 2)) && delay_of(f->c >> 2) > 0) {
            size_t done = 0, failed = 0;
            for (size_t i = 0; i < f->nsel; i++) {
                done += tide_task_is_done(f->sel[i]) != 0;
                int e = tide_task_error(f->sel[i]);
                failed += tide_task_is_done(f->sel[i]) && e < 0 &&
                          e != TIDE_ECANCELLED;
            }
            int when = f->c & 3;
            if (when == TIDE_FIRST_COMPLETED)
                CHECK(done >= 1);
            else if (when == TIDE_ALL_COMPLETED)
                CHECK(done == f->nsel);
            else if (when == TIDE_FIRST_EXCEPTION)
                CHECK(failed >= 1 || done == f->nsel);
        }
        if ((f->c & 3) == 0 || f->nsel == 0 || isnan(delay_of(f->c >> 2)))
            CHECK(rc == TIDE_EINVAL);
        break;
    case OP_WAIT_FOR:
    case OP_SHIELD:
        if (!f->sel[0])
            CHECK(rc == TIDE_EINVAL);
        if (rc == 0) {
            CHECK(tide_task_is_done(f->sel[0]));
            check_value(f->sel[0], f->value);
        }
        break;
    case OP_GROUP_EXIT: {
        struct group_rec *g = &F.grp[f->gi];
        if (!g->g) {
            CHECK(rc == TIDE_EINVAL);
            break;
        }
        if (rc == TIDE_ESTATE)
            break;
        CHECK(g->owner == f->index);
        group_exited(f->gi, rc);
        /* the `async with` is over: read the errors, free the group (not
         * always the innermost one: a misuse exits any of its own) */
        CHECK(tide_group_destroy(g->g) == 0);
        g->g = NULL;
        int at = -1;
        for (int i = 0; i < f->ngrp; i++)
            if (f->grp[i] == f->gi)
                at = i;
        CHECK(at >= 0);
        for (int i = at; i + 1 < f->ngrp; i++)
            f->grp[i] = f->grp[i + 1];
        f->ngrp--;
        break;
    }
    case OP_LOCK_ACQUIRE:
    case OP_COND_ACQUIRE:
        if (rc == 0)
            took_lock(f, model_lock(f->op, which));
        break;
    case OP_COND_WAIT:
    case OP_COND_WAIT_FOR: {
        int m = model_lock(f->op, which);
        /* a wait that started gives the lock back whatever its outcome */
        if (f->suspended) {
            took_lock(f, m);
            if (f->op == OP_COND_WAIT_FOR && rc == 0 && !(f->a & 8))
                CHECK(f->pred != 0);
        } else if (rc == TIDE_ENOTLOCKED) {
            CHECK(!F.locked[m]);
        }
        break;
    }
    case OP_SEM_ACQUIRE:
        if (rc == 0)
            F.sem_acq[which]++;
        break;
    case OP_EVENT_WAIT:
        break;
    case OP_BARRIER_WAIT:
        if (rc == 0 && !(f->a & 1))
            CHECK(f->bindex >= 0 && f->bindex < F.parties);
        break;
    case OP_Q_PUT:
        if (rc == 0)
            qm_put(f->a % 3, (uint32_t)(uintptr_t)f->item);
        break;
    case OP_Q_GET:
        if (f->b & 1)
            CHECK(rc == TIDE_EINVAL);
        if (rc == 0)
            qm_got(f->a % 3, f->item);
        break;
    case OP_Q_JOIN:
        if (rc == 0 && !f->suspended)
            CHECK(F.qm[f->a % 3].unfinished == 0);
        break;
    default:
        break;
    }
}

/* ---- misuse: awaitables outside TIDE_AWAIT --------------------------------- */

/* How STRAY has the next awaitable called (tide.h's rules broken on
 * purpose, as a cast or another language would): its result dropped,
 * given to TIDE_TRY (TIDE_PENDING is not an error), or taken for an
 * error and raised; or the step returns "suspended" by hand. */
enum { S_DROPPED = 1, S_TRY, S_RAISED, S_BY_HAND };

static const char *call_name(int op)
{
    switch (op) {
    case OP_SLEEP: case OP_YIELD: return "tide_sleep";
    case OP_JOIN: return "tide_join";
    case OP_GATHER: case OP_GATHER_OWN: return "tide_gather";
    case OP_WITH: return "TIDE_WITH";
    case OP_WAIT: return "tide_wait";
    case OP_WAIT_FOR: return "tide_wait_for";
    case OP_SHIELD: return "tide_shield";
    case OP_GROUP_EXIT: return "tide_group_exit";
    case OP_LOCK_ACQUIRE: return "tide_lock_acquire";
    case OP_SEM_ACQUIRE: return "tide_sem_acquire";
    case OP_EVENT_WAIT: return "tide_event_wait";
    case OP_COND_ACQUIRE: return "tide_cond_acquire";
    case OP_COND_WAIT: return "tide_cond_wait";
    case OP_COND_WAIT_FOR: return "tide_cond_wait_for";
    case OP_BARRIER_WAIT: return "tide_barrier_wait";
    case OP_Q_PUT: return "tide_queue_put";
    case OP_Q_GET: return "tide_queue_get";
    default: return "tide_queue_join";
    }
}

static int stray_kind(int op)
{
    for (int k = 0; k < NKINDS; k++)
        if (stray_ops[k] == op)
            return k;
    FAIL("%s is no awaitable", op_names[op]);
}

/* What a report says the task waits on, after registering in f->op. */
static const char *registered_on(const struct script *f)
{
    switch (f->op) {
    case OP_SLEEP: return delay_of(f->a) <= 0 ? "a yield" : "sleep";
    case OP_YIELD: return "a yield";
    case OP_JOIN: case OP_WAIT_FOR: case OP_SHIELD: return "task";
    case OP_GATHER: return "gather";
    case OP_WAIT: return "wait";
    case OP_GROUP_EXIT: return "group";
    case OP_LOCK_ACQUIRE: case OP_COND_ACQUIRE: return "lock";
    case OP_COND_WAIT: case OP_COND_WAIT_FOR: return "condition";
    case OP_SEM_ACQUIRE: return "semaphore";
    case OP_EVENT_WAIT: return "event";
    /* (a barrier waits in a condition: once woken, reports call it so) */
    case OP_BARRIER_WAIT: return "barrier|condition";
    default: return "queue";
    }
}

/* The runtime owes this task a misuse report (see misuse_reported). */
static void expect_misuse(struct script *f, int kind, const char *needle2,
                          const char *fmt, const char *arg)
{
    struct expect *e = &F.exp[f->index];
    CHECK(!e->t);
    e->t = tide_current_task();
    snprintf(e->needle, sizeof e->needle, fmt, arg);
    snprintf(e->needle2, sizeof e->needle2, "%s", needle2);
    e->kind = kind;
    e->got = 0;
    e->nfailed = F.nfailed;
}

/* The reports received for the expectation, which ends. */
static int expect_take(struct script *f)
{
    struct expect *e = &F.exp[f->index];
    int got = e->got;
    memset(e, 0, sizeof *e);
    return got;
}

/* An awaitable `op` is called while the task is registered already: it
 * must be refused with TIDE_ESTATE, naming itself and the first wait. */
static void expect_refusal(struct script *f, int op)
{
    expect_misuse(f, stray_kind(f->stray - 1), f->stray_what,
                  "%s called while the task already waits on ",
                  call_name(op));
}

/* ...and it was: the first registration is undone. */
static void refused(struct script *f)
{
    int got = expect_take(f);
    if (got != 1 || f->rc != TIDE_ESTATE)
        FAIL("task %d: %s while registered by %s gave %d (%s), %d misuse "
             "report(s); expected TIDE_ESTATE", f->index, op_names[f->op],
             op_names[f->stray - 1], f->rc, tide_errname(f->rc), got);
    case_hits[C_REFUSED + stray_kind(f->stray - 1)]++;
    f->stray = 0;
    /* A GATHER_OWN refused, out of memory to keep the handles: it let go
     * of the references it took, and those that moved stay with the
     * earlier gather into the array (tide.h). Which it was is not said:
     * the array is not used again. */
    if (f->op == OP_GATHER_OWN && f->bindex >= 0 &&
        F.nfailed != f->own_nfailed)
        f->own_dead[f->bindex] = 1;
}

/* The awaitable f->op called outside TIDE_AWAIT: registered (the task is
 * now f->stray until something finds it), refused (it was registered
 * already), or complete at once (an ordinary outcome). */
static void stray_call(struct script *f)
{
    f->was_stray = f->stray != 0;
    if (f->was_stray)
        expect_refusal(f, f->op);
    f->rc = start_op(f).tide__rc; /* tide-lint: ignore */
    SAY("[t=%g] task %d: %s outside TIDE_AWAIT -> %s\n", tide_time(),
        f->index, op_names[f->op],
        f->rc > 0 ? "registered" /* (a yield: its mark) */
        : f->rc   ? tide_errname(f->rc)
                  : "ok");
    if (f->was_stray) {
        refused(f);
    } else if (f->rc > 0) {
        f->stray = f->op + 1;
        f->stray_what = registered_on(f);
        f->stray_gi = f->gi;
    } else {
        after_await(f);
    }
}

/* The step ends while registered: the task must fail with TIDE_ESTATE. */
static void expect_end_registered(struct script *f)
{
    if (f->stray)
        expect_misuse(f, stray_kind(f->stray - 1), f->stray_what, "%s",
                      "while it still waited on ");
}

/* S_BY_HAND: the step is to return "suspended" registered nowhere; the
 * task then fails without running its FINALLY, so only a task that owns no
 * group does it, and it closes its timeout scopes first. */
static int suspend_by_hand(struct script *f)
{
    if (f->stray || f->ngrp)
        return 0;
    while (f->ntmo)
        tide_timeout_destroy(f->tmo[--f->ntmo]);
    tide_timeout_destroy(f->tmo_done);
    f->tmo_done = NULL;
    expect_misuse(f, -1, "", "%s",
                  "returned 'suspended' without waiting on anything");
    return 1;
}

/* ---- misuse: TIDE_AWAIT_CALL past its limits -------------------------------- */

/* A chain of sub-coroutines, each awaiting the next with TIDE_AWAIT_CALL;
 * the innermost awaits once. */
struct nest_call;
struct nest {
    TIDE_FRAME;
    struct nest_call *call;
    int level;
    int rc;
};
struct nest_call {
    int index;       /* the script's */
    int depth;       /* levels, each one TIDE_AWAIT_CALL */
    int recreate_at; /* the level whose frame is made anew on resume, -1 */
    int action;      /* the innermost's: yield, sleep, event wait, raise */
    int which;
    int fat;         /* each level also keeps 256 bytes of C stack */
    int line;        /* of the TIDE_AWAIT_CALL named in the expectation */
    double delay;
    int suspended;   /* the innermost's await suspended */
    struct nest frames[];
};

/* The frame of `level`, passed to the TIDE_AWAIT_CALL on `line`. When the
 * call resumes it, the frame of recreate_at is made anew, as a compound
 * literal would be; the runtime must refuse that, and a call nested deeper
 * than TIDE_MAX_CALL_DEPTH (or, on wasm, than the C stack allows): each
 * message names this file and the line. */
static struct nest *nest_sub(struct nest_call *c, int level, int line)
{
    struct nest *s = &c->frames[level];
    struct expect *e = &F.exp[c->index];
    if (level == c->recreate_at && s->tide__frame.pc != 0) {
        *s = (struct nest){.call = c, .level = level};
        snprintf(e->needle2, sizeof e->needle2, "%s",
                 "resumed a sub-coroutine frame that is not suspended");
    }
    if (line != c->line) {
        c->line = line;
        snprintf(e->needle, sizeof e->needle, "TIDE_AWAIT_CALL at %s:%d ",
                 __FILE__, line);
    }
    return s;
}

/* A level's frame, set before its first call (what TIDE_AWAIT_CALL_INIT
 * does, without the compound literal's C stack). */
static void nest_init(struct nest_call *c, int level)
{
    c->frames[level] = (struct nest){.call = c, .level = level};
}

static tide_await innermost(struct nest_call *c)
{
    tide_await aw = {0};
    if (c->action == 0)
        aw = tide_sleep(0);
    else if (c->action == 1)
        aw = tide_sleep(c->delay);
    else if (c->action == 2)
        aw = tide_event_wait(F.ev[c->which]);
    c->suspended |= aw.tide__rc > 0;
    return aw;
}

static tide_status nest(void *frame);

/* nest with 256 bytes more of C stack per level, kept across the call. */
static tide_status nest_fat(void *frame)
{
    volatile char scratch[256];
    int at = ((struct nest *)frame)->level & 255; /* (all of it is kept) */
    scratch[at] = 1;
    tide_status st = nest(frame);
    CHECK(scratch[at] == 1); /* (and the frame stays until here) */
    return st;
}
#define NEST_FN(c) ((c)->fat ? nest_fat : nest)

static tide_status nest(void *frame)
{
    struct nest *f = frame;
    TIDE_BEGIN(f);
    if (f->level + 1 < f->call->depth) {
        nest_init(f->call, f->level + 1);
        // clang-format off
        TIDE_AWAIT_CALL(f, NEST_FN(f->call), nest_sub(f->call, f->level + 1, __LINE__));
        // clang-format on
    } else {
        TIDE_AWAIT_CATCH(f, innermost(f->call), f->rc);
        if (f->rc < 0)
            TIDE_THROW(f, f->rc);
        if (f->call->action == 3)
            TIDE_THROW_MSG(f, TIDE_EUSER - 6, "nested");
    }
    TIDE_RETURN(f, (intptr_t)f->level);
    TIDE_END(f);
}

/* NEST a b c: c bits 0-1 the depth (1 + a % 16; TIDE_MAX_CALL_DEPTH - a % 4;
 * one to four past it; 1 + (a | b << 8) % NEST_MAX), bits 2-3 the
 * innermost's action, bit 4 re-create the frame of level b % depth on
 * resume, bits 5-7 the sleep; b bit 7 fat levels. Not while registered
 * (the innermost's await would be refused: STRAY does that). Returns 0 if
 * skipped. */
static int nest_start(struct script *f)
{
    int depth;
    switch (f->c & 3) {
    case 0: depth = 1 + f->a % 16; break;
    case 1: depth = TIDE_MAX_CALL_DEPTH - (f->a & 3); break;
    case 2: depth = TIDE_MAX_CALL_DEPTH + 1 + (f->a & 3); break;
    default: depth = 1 + (f->a | f->b << 8) % NEST_MAX; break;
    }
    if (f->stray)
        return 0;
    struct nest_call *c =
        calloc(1, sizeof *c + (size_t)depth * sizeof(struct nest));
    if (!c)
        return 0;
    c->index = f->index;
    c->depth = depth;
    c->recreate_at = (f->c & 16) ? f->b % depth : -1;
    c->action = (f->c >> 2) & 3;
    c->which = f->b & 1;
    c->fat = (f->b & 0x80) != 0;
    c->delay = delay_of((f->c >> 5) & 7);
    nest_init(c, 0);
    f->nest = c;
    /* a report may come: nest_sub says which */
    expect_misuse(f, -2, "nests deeper than", "%s", "");
    last_report[0] = 0;
    return 1;
}

static void nest_end(struct script *f)
{
    struct nest_call *c = f->nest;
    int got = expect_take(f);
    int too_deep = c->depth > TIDE_MAX_CALL_DEPTH;
    int recreated = !too_deep && c->recreate_at >= 0 && c->suspended;
    int by_stack = got && strstr(last_report, "than the C stack allows");
    SAY("[t=%g] task %d: NEST depth %d%s -> %s%s%s%s\n", tide_time(),
        f->index, c->depth, c->fat ? " (fat)" : "",
        f->rc ? tide_errname(f->rc) ? tide_errname(f->rc) : "error" : "ok",
        too_deep ? " (too deep)" : "", recreated ? " (re-created)" : "",
        by_stack ? " (short of stack)" : "");
#if !defined(__wasm__)
    if (by_stack) /* native stacks end in a guard page: never checked */
        FAIL("NEST depth %d: refused for the C stack: %s", c->depth,
             last_report);
#endif
    if (too_deep || recreated || by_stack) {
        if (got != 1 || f->rc != TIDE_ESTATE)
            FAIL("NEST depth %d%s: %d (%s), %d report(s); expected "
                 "TIDE_ESTATE", c->depth, too_deep ? "" : " re-created",
                 f->rc, tide_errname(f->rc), got);
        case_hits[by_stack    ? C_NEST_STACK
                  : too_deep ? C_NEST_TOO_DEEP
                             : C_NEST_RECREATED]++;
    } else if (got) {
        /* only a refusal whose message could not be allocated is left:
         * on wasm it may be the stack's */
#if defined(__wasm__)
        CHECK(!last_report[0] && f->rc == TIDE_ESTATE);
#else
        FAIL("NEST depth %d: an unexpected refusal: %s", c->depth,
             last_report);
#endif
    } else {
        if (f->rc == 0) {
            CHECK(TIDE_RESULT(&c->frames[0]) == NULL); /* level 0's */
            if (c->depth == TIDE_MAX_CALL_DEPTH)
                case_hits[C_NEST_AT_MAX]++;
        } else if (f->rc != TIDE_ECANCELLED && f->rc != TIDE_EUSER - 6 &&
                   f->rc != TIDE_EINVAL && f->rc != TIDE_ENOMEM) {
            FAIL("NEST depth %d: %d (%s)", c->depth, f->rc,
                 tide_errname(f->rc));
        }
    }
    free(c);
    f->nest = NULL;
}

/* ---- misuse: deep chains of tasks ------------------------------------------ */

struct link {
    TIDE_FRAME;
    int chain, depth;
    int via;           /* how it awaits the next link, -1: it is the last */
    tide_task *next;
    tide_group *tg;
};
static tide_status link(void *frame);

static int link_via(const struct chain_rec *c, int depth)
{
    if (c->kinds < NVIA)
        return c->kinds;
    uint32_t h = ((uint32_t)depth + 1) * 2654435761u ^ (uint32_t)c->seed * 40503u;
    return (int)((h >> 13) % NVIA);
}

static void link_spawned(int k, tide_task *t)
{
    uint32_t id = tide_task_id(t);
    CHECK(id < MAX_IDS);
    idflag[id] |= ID_LINK;
    id_chain[id] = (uint8_t)k;
    F.chain[k].spawned++;
    F.links++;
}

static int spawn_link(struct link *f, tide_group *g, tide_task **out)
{
    struct link next = {.chain = f->chain, .depth = f->depth + 1};
    tide_task *t = NULL;
    int rc = g ? tide_group_spawn(g, link, &next, sizeof next, NULL, &t)
               : tide_spawn(link, &next, sizeof next, NULL, &t);
    if (rc < 0)
        return rc;
    link_spawned(f->chain, t);
    if (out)
        *out = t;
    else
        tide_task_release(t);
    return 0;
}

static tide_await link_await(struct link *f, const struct chain_rec *c)
{
    if (f->via == VIA_JOIN)
        return tide_join(f->next, NULL);
    if (f->via == VIA_GATHER)
        return tide_gather(&f->next, 1, 0, NULL, NULL);
    return tide_wait_for(f->next, delay_of(c->timeout), NULL);
}

/* The last link's wait. */
static tide_await bottom(const struct chain_rec *c)
{
    switch (c->bottom) {
    case B_EVENT: return tide_event_wait(c->ev);
    case B_FOREVER: return tide_sleep(INFINITY);
    case B_CYCLE: return tide_join(c->head, NULL);
    case B_SCRIPT: return tide_join(await_arg(c->script), NULL);
    default: return tide_sleep(0);
    }
}

/* A link ends with what its wait gave (or a cancel before it started):
 * nothing else is allowed, and a failure keeps its message on its way up. */
static void link_ended(struct link *f, struct chain_rec *c, int err,
                       const char *msg)
{
    if (f->via < 0 && c->bottom == B_FAIL && err == TIDE_EUSER - 5 && msg)
        c->fail_msg = 1;
    if (err == TIDE_EUSER - 5 && c->fail_msg &&
        (!msg || strcmp(msg, "chain failed") != 0))
        FAIL("chain %d link %d failed without its message: %s",
             f->chain, f->depth, msg ? msg : "(none)");
    if (err == TIDE_EGROUP && f->via == VIA_GROUP)
        CHECK(tide_group_error_count(f->tg) >= 1);
    if (err == TIDE_ECANCELLED && f->via >= 0)
        case_hits[C_CHAIN_CANCEL + f->via]++;
    if (c->bottom == B_SCRIPT) /* a script's error travels up */
        return;
    if (err != 0 && err != TIDE_ECANCELLED && err != TIDE_ETIMEDOUT &&
        err != TIDE_EGROUP && err != TIDE_ENOMEM && err != TIDE_EINVAL &&
        err != TIDE_EUSER - 5)
        FAIL("chain %d link %d ended with %d (%s)", f->chain, f->depth, err,
             tide_errname(err));
}

static tide_status link(void *frame)
{
    struct link *f = frame;
    struct chain_rec *c = &F.chain[f->chain];
    TIDE_BEGIN(f);
    if (f->depth == c->cut && !c->cut_task)
        c->cut_task = tide_task_retain(tide_current_task());
    f->via = f->depth + 1 < c->n && F.links < LINK_BUDGET
                 ? link_via(c, f->depth)
                 : -1;
    if (f->via == VIA_GROUP) {
        c->vias |= 1 << f->via;
        TIDE_TRY(f, tide_group_create(&f->tg));
        TIDE_TRY(f, spawn_link(f, f->tg, NULL));
        TIDE_AWAIT(f, tide_group_exit(f->tg, 0));
    } else if (f->via >= 0) {
        c->vias |= 1 << f->via;
        TIDE_TRY(f, spawn_link(f, NULL, &f->next));
        TIDE_AWAIT(f, link_await(f, c));
    } else {
        TIDE_AWAIT(f, bottom(c));
        if (c->bottom == B_FAIL)
            TIDE_THROW_MSG(f, TIDE_EUSER - 5, "chain failed");
    }
    TIDE_RETURN(f, f->depth == 0 && c->task_index >= 0 ? token(c->task_index)
                                                       : NULL);
    TIDE_FINALLY(f);
    link_ended(f, c, TIDE_ERROR(f), TIDE_ERROR_MESSAGE(f));
    tide_task_release(f->next);
    f->next = NULL;
    CHECK(tide_group_destroy(f->tg) == 0);
    f->tg = NULL;
    TIDE_END(f);
}

static int chain_has_group(const struct chain_rec *c)
{
    for (int d = 0; d + 1 < c->n; d++)
        if (link_via(c, d) == VIA_GROUP)
            return 1;
    return 0;
}

/* CHAIN a b c e1 e2: 2 + (a | b << 8 & 0xf00) % (CHAIN_MAX - 1) links; b
 * bits 4-6 the last link's wait (B_*); c bits 0-2 how links await (VIA_*,
 * 4-7 mixed), bits 3-6 wait_for's timeout; e1 the link that keeps a
 * handle on itself (e1 * n / 256), e2 the seed of a mix and B_SCRIPT's
 * task. With c bit 7, cancel that link of the last chain instead. The
 * head goes into the task table: scripts join, gather, cancel it. */
static void chain_op(struct script *f)
{
    uint8_t e1 = next_byte(f), e2 = next_byte(f);
    if (f->c & 0x80) {
        struct chain_rec *c = F.nchains ? &F.chain[F.nchains - 1] : NULL;
        if (c && c->cut_task) {
            int rc = tide_task_cancel(c->cut_task, "cut");
            CHECK(rc >= 0 || rc == TIDE_ENOMEM);
        }
        return;
    }
    if (F.nchains == MAX_CHAINS || F.links >= LINK_BUDGET)
        return;
    int k = F.nchains;
    struct chain_rec *c = &F.chain[k];
    memset(c, 0, sizeof *c);
    c->n = 2 + ((f->a | (f->b & 15) << 8) % (CHAIN_MAX - 1));
    c->bottom = ((f->b >> 4) & 7) % NBOTTOM;
    c->kinds = (f->c & 7) % (NVIA + 1);
    c->timeout = (f->c >> 3) & 15;
    c->cut = e1 * c->n / 256;
    c->seed = c->script = e2;
    c->task_index = -1;
    int groups = chain_has_group(c);
    if (groups && c->bottom == B_CYCLE) /* a group waits for its children
                                            whatever cancels come: a cycle
                                            through one hangs (P_GROUPS) */
        c->bottom = B_EVENT;
    if (c->bottom == B_EVENT)
        tide_event_create(F.loop, &c->ev); /* NULL: the wait fails */
    struct link head = {.chain = k};
    tide_task *t = NULL;
    if (tide_spawn(link, &head, sizeof head, "chain", &t) < 0) {
        tide_event_destroy(c->ev);
        memset(c, 0, sizeof *c);
        return;
    }
    F.nchains++;
    link_spawned(k, t);
    c->head = t;
    if (F.ntasks < MAX_TASKS) {
        c->task_index = F.ntasks;
        F.task[F.ntasks].t = tide_task_retain(t);
        F.task[F.ntasks].index = F.ntasks;
        F.task[F.ntasks].groups = groups;
        F.ntasks++;
    }
    SAY("  chain %d: %d links, via %d, bottom %d%s\n", k, c->n, c->kinds,
        c->bottom, groups ? " (with groups)" : "");
}

/* After the run, with nothing pending: every link ended, nothing is kept. */
static void chains_done(int clean)
{
    for (int k = 0; k < F.nchains; k++) {
        struct chain_rec *c = &F.chain[k];
        if (clean && c->finished != c->spawned)
            FAIL("chain %d: %d of %d links finished", k, c->finished,
                 c->spawned);
        tide_task_release(c->head);
        tide_task_release(c->cut_task);
        int rc = tide_event_destroy(c->ev);
        if (clean)
            CHECK(rc == 0);
        else if (rc != 0) /* still waited on: after the loop, then */
            continue;
        c->ev = NULL;
    }
}

/* ---- misuse: calls from a thread that does not own the loop ------------------ */

/* tide_call_soon_threadsafe's callback: on the loop's thread, outside any
 * task, at most once per call. */
#if FUZZ_THREADS
static pthread_t loop_thread;
#endif
static int xcall_ran(void *arg)
{
    (void)arg;
#if FUZZ_THREADS
    CHECK(pthread_equal(pthread_self(), loop_thread));
#endif
    CHECK(tide_current_task() == NULL);
    CHECK(++F.xcalls_ran <= F.xcalls_made);
    case_hits[C_XCALL_RAN]++;
    return 0;
}

#if FUZZ_THREADS
/* One helper thread for the whole process, started on first use; it runs
 * one function at a time while the loop's thread waits for it. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started, busy;
    void (*fn)(void *);
    void *arg;
} H = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};

static void *helper_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&H.mu);
    for (;;) {
        while (!H.fn)
            pthread_cond_wait(&H.cv, &H.mu);
        void (*fn)(void *) = H.fn;
        pthread_mutex_unlock(&H.mu);
        fn(H.arg);
        pthread_mutex_lock(&H.mu);
        H.fn = NULL;
        pthread_cond_broadcast(&H.cv);
    }
    return NULL;
}

/* Runs fn(arg) on the helper thread and waits for it; 0 if there is none. */
static int run_elsewhere(void (*fn)(void *), void *arg)
{
    if (!H.started) {
        pthread_t t;
        if (pthread_create(&t, NULL, helper_main, NULL) != 0)
            return 0;
        pthread_detach(t);
        H.started = 1;
    }
    pthread_mutex_lock(&H.mu);
    H.arg = arg;
    H.fn = fn;
    pthread_cond_broadcast(&H.cv);
    while (H.fn)
        pthread_cond_wait(&H.cv, &H.mu);
    pthread_mutex_unlock(&H.mu);
    return 1;
}

/* One call from the helper thread, and what it must give. */
struct foreign {
    int group, sub, which, k;
    tide_task *task;
    tide_group *g;
    tide_handle *h;
    tide_timeout *tmo;
    int rc, want;
    const void *out; /* what a create, spawn or schedule call gave back */
};

static int walk_nothing(tide_task *t, void *arg)
{
    (void)t, (void)arg;
    FAIL("tide_loop_walk ran from a foreign thread");
}

static void done_nothing(tide_task *t, void *arg)
{
    (void)t, (void)arg;
    FAIL("a done callback added from a foreign thread ran");
}

/* An awaitable, called where no loop runs. */
static tide_await foreign_await(struct foreign *x, void **item)
{
    int w = x->which, k = x->k;
    switch (x->sub % 6) {
    case 0: return tide_sleep(0);
    case 1: return tide_lock_acquire(F.lock[w]);
    case 2: return tide_queue_get(F.q[k], item);
    case 3: return tide_join(x->task, NULL);
    case 4: return tide_event_wait(F.ev[w]);
    default: return tide_group_exit(x->g, 0);
    }
}

static void foreign_call(void *arg)
{
    struct foreign *x = arg;
    int w = x->which, k = x->k, sub = x->sub;
    void *item = NULL;
    tide_task *t = NULL;
    struct script s;
    memset(&s, 0, sizeof s);
    switch (x->group) {
    case T_LOCK:
        x->rc = sub % 3 == 0   ? tide_lock_release(F.lock[w])
                : sub % 3 == 1 ? tide_cond_notify(F.cond[w], 1)
                               : tide_cond_notify_all(F.cond[w]);
        break;
    case T_SEM:
        x->rc = tide_sem_release(F.sem[w]);
        break;
    case T_EVENT:
        x->rc = sub & 1 ? tide_event_clear(F.ev[w]) : tide_event_set(F.ev[w]);
        break;
    case T_BARRIER:
        x->rc = sub & 1 ? tide_barrier_abort(F.bar) : tide_barrier_reset(F.bar);
        break;
    case T_QUEUE:
        switch (sub % 4) {
        case 0: x->rc = tide_queue_put_nowait(F.q[k], (void *)1); break;
        case 1: x->rc = tide_queue_get_nowait(F.q[k], &item); break;
        case 2: x->rc = tide_queue_task_done(F.q[k]); break;
        default: x->rc = tide_queue_shutdown(F.q[k], (sub >> 2) & 1); break;
        }
        x->out = item;
        break;
    case T_TASK:
        switch (sub % 6) {
        case 0: x->rc = tide_task_cancel(x->task, "thread"); break;
        case 1: x->rc = tide_task_uncancel(x->task); break;
        case 2: x->rc = tide_task_result(x->task, &item); break;
        case 3: x->rc = tide_task_error(x->task); break;
        case 4:
            x->rc = tide_task_add_done_callback(x->task, done_nothing, NULL);
            break;
        default:
            x->rc =
                tide_task_remove_done_callback(x->task, done_nothing, NULL);
            break;
        }
        x->out = item;
        break;
    case T_SCHEDULE: {
        tide_handle *h = NULL;
        switch (sub % 4) {
        case 0: x->rc = tide_call_soon(F.loop, xcall_ran, NULL, &h); break;
        case 1:
            x->rc = tide_call_later(F.loop, 0.5, xcall_ran, NULL, &h);
            break;
        case 2: x->rc = tide_call_at(F.loop, 1.0, xcall_ran, NULL, &h); break;
        default: x->rc = tide_handle_cancel(x->h); break;
        }
        x->out = h;
        break;
    }
    case T_SPAWN:
        x->rc = sub & 1 ? tide_group_spawn(x->g, script, &s, sizeof s, NULL, &t)
                        : tide_loop_spawn(F.loop, script, &s, sizeof s, NULL,
                                          &t);
        x->out = t;
        break;
    case T_CREATE: {
        void *o = NULL;
        switch (sub % 8) {
        case 0: x->rc = tide_lock_create(F.loop, (tide_lock **)&o); break;
        case 1: x->rc = tide_sem_create(F.loop, 1, 0, (tide_sem **)&o); break;
        case 2: x->rc = tide_event_create(F.loop, (tide_event **)&o); break;
        case 3:
            x->rc = tide_cond_create(F.loop, NULL, (tide_cond **)&o);
            break;
        case 4:
            x->rc = tide_barrier_create(F.loop, 2, (tide_barrier **)&o);
            break;
        case 5:
            x->rc = tide_queue_create(F.loop, TIDE_QUEUE_FIFO, 0, NULL,
                                      (tide_queue **)&o);
            break;
        case 6: x->rc = tide_lock_create(NULL, (tide_lock **)&o); break;
        default: x->rc = tide_group_create((tide_group **)&o); break;
        }
        x->out = o;
        break;
    }
    case T_LOOP:
        switch (sub % 11) {
        case 0: x->rc = tide_loop_stop(F.loop); break;
        case 1: x->rc = tide_loop_set_debug(F.loop, !F.debug); break;
        case 2: x->rc = tide_loop_set_virtual_clock(F.loop, 0); break;
        case 3: x->rc = tide_loop_set_turn_budget(F.loop, 0.01); break;
        case 4: x->rc = tide_loop_set_slow_callback_duration(F.loop, 1); break;
        case 5: x->rc = tide_loop_set_exception_handler(F.loop, NULL, NULL); break;
        case 6: x->rc = tide_loop_set_trace_handler(F.loop, NULL, NULL); break;
        case 7: x->rc = tide_loop_set_exit_handler(F.loop, NULL, NULL); break;
        case 8: x->rc = tide_loop_walk(F.loop, walk_nothing, NULL); break;
        case 9: x->rc = tide_loop_set_debug_handler(F.loop, NULL, NULL); break;
        default: x->rc = tide_loop_destroy(F.loop); break;
        }
        break;
    case T_GROUP:
        x->rc = sub & 1 ? tide_group_destroy(x->g) : tide_group_cancel(x->g);
        break;
    case T_TIMEOUT: {
        tide_timeout *o = NULL;
        switch (x->tmo ? sub % 3 : 2) {
        case 0: x->rc = tide_timeout_exit(x->tmo, 0); break;
        case 1: x->rc = tide_timeout_reschedule(x->tmo, 2.0); break;
        default: x->rc = tide_timeout_enter(1.0, &o); break;
        }
        x->out = o;
        break;
    }
    case T_AWAIT: /* no loop runs on this thread: refused at once */
        x->rc = foreign_await(x, &item).tide__rc; /* tide-lint: ignore */
        x->out = item;
        break;
    default: { /* T_RUN: the loop runs already, on another thread */
        tide_task *m = NULL;
        x->rc = tide_loop_run(F.loop, script, &s, sizeof s, &m);
        x->out = m;
        break;
    }
    }
}

/* The objects a foreign call needs, or 0 if it has none to work on. */
static int foreign_prepare(struct script *f, struct foreign *x)
{
    int w = x->which, k = x->k, sub = x->sub;
    x->task = task_arg(f->c >> 1);
    x->g = F.ngroups ? F.grp[(f->c >> 1) % F.ngroups].g : NULL;
    x->h = F.handle[(f->c >> 1) % MAX_HANDLES];
    x->tmo = f->ntmo ? f->tmo[f->ntmo - 1] : NULL;
    x->want = TIDE_ETHREAD;
    switch (x->group) {
    case T_LOCK: return sub % 3 == 0 ? F.lock[w] != NULL : F.cond[w] != NULL;
    case T_SEM: return F.sem[w] != NULL;
    case T_EVENT: return F.ev[w] != NULL;
    case T_BARRIER: return F.bar != NULL;
    case T_QUEUE: return F.q[k] != NULL;
    case T_TASK: return x->task != NULL;
    case T_SCHEDULE: return sub % 4 != 3 || x->h != NULL;
    case T_SPAWN: return !(sub & 1) || x->g != NULL;
    case T_CREATE:
        if (sub % 8 >= 6) /* no loop argument: this thread has none */
            x->want = TIDE_ENOLOOP;
        return 1;
    case T_GROUP: return x->g != NULL;
    case T_TIMEOUT:
        if (!x->tmo || sub % 3 == 2)
            x->want = TIDE_ENOLOOP;
        return 1;
    case T_AWAIT:
        x->want = TIDE_ENOLOOP;
        switch (sub % 6) {
        case 1: return F.lock[w] != NULL;
        case 2: return F.q[k] != NULL;
        case 3: return x->task != NULL;
        case 4: return F.ev[w] != NULL;
        case 5: return x->g != NULL;
        default: return 1;
        }
    case T_RUN:
        x->want = TIDE_EBUSY;
        return 1;
    default:
        return 1;
    }
}

/* What a foreign call must leave as it was (besides the models). */
struct snapshot {
    size_t pending, timers;
    int debug, cancelling, done, handle_cancelled, broken;
};

static void snap(const struct foreign *x, struct snapshot *s)
{
    memset(s, 0, sizeof *s); /* (padding: compared with memcmp) */
    s->pending = tide_loop_task_count(F.loop);
    s->timers = tide_loop_timer_count(F.loop);
    s->debug = tide_loop_debug(F.loop);
    s->cancelling = x->task ? tide_task_cancelling(x->task) : 0;
    s->done = x->task ? tide_task_is_done(x->task) : 0;
    s->handle_cancelled = x->h ? tide_handle_is_cancelled(x->h) : 0;
    s->broken = F.bar ? tide_barrier_is_broken(F.bar) : 0;
}

static void foreign_op(struct script *f)
{
    struct foreign x;
    struct snapshot before, after;
    memset(&x, 0, sizeof x);
    x.group = f->a % T_COUNT;
    x.sub = f->b;
    x.which = f->b & 1;
    x.k = f->b % 3;
    if (!foreign_prepare(f, &x))
        return;
    snap(&x, &before);
    if (!run_elsewhere(foreign_call, &x))
        return;
    snap(&x, &after);
    if (x.rc != x.want || x.out)
        FAIL("from another thread, %s call %d gave %d (%s)%s; expected %s",
             thread_names[x.group], x.sub, x.rc, tide_errname(x.rc),
             x.out ? " and an object" : "", tide_errname(x.want));
    if (memcmp(&before, &after, sizeof before) != 0)
        FAIL("from another thread, %s call %d changed the loop's state",
             thread_names[x.group], x.sub);
    case_hits[C_THREAD + x.group]++;
}

static void xcall_elsewhere(void *arg)
{
    int *rc = arg;
    *rc = tide_call_soon_threadsafe(F.loop, xcall_ran, NULL);
}
#endif /* FUZZ_THREADS */

/* THREAD a b c: with c bit 0, tide_call_soon_threadsafe (from the helper
 * thread, or the loop's own with c bit 1 or no threads); else a call of
 * group a % T_COUNT, variant b, from the helper thread. */
static void thread_op(struct script *f)
{
    int rc = 0;
    if (!(f->c & 1)) {
#if FUZZ_THREADS
        foreign_op(f);
#endif
        return;
    }
    F.xcalls_made++; /* before: on the loop's own thread it may run soon */
#if FUZZ_THREADS
    if (!(f->c & 2)) {
        if (!run_elsewhere(xcall_elsewhere, &rc))
            rc = TIDE_EHOST;
    } else
#endif
        rc = tide_call_soon_threadsafe(F.loop, xcall_ran, NULL);
    if (rc < 0) {
        CHECK(rc == TIDE_ENOMEM || rc == TIDE_EHOST);
        F.xcalls_made--;
    }
}

/* Runs an operation that never suspends. */
static void run_now(struct script *f)
{
    int which = f->a & 1;
    tide_task *self = tide_current_task();
    int rc;
    switch (f->op) {
    case OP_SPAWN:
        spawn_child(f, 1 + f->a % 48, -1, f->b & 1);
        break;
    case OP_CANCEL: {
        tide_task *t = task_arg(f->a);
        rc = tide_task_cancel(t, (f->b & 1) ? "fuzz" : NULL);
        if (!t)
            CHECK(rc == TIDE_EINVAL);
        else if (rc == 0)
            CHECK(tide_task_is_done(t));
        break;
    }
    case OP_UNCANCEL: {
        tide_task *t = task_arg(f->a);
        if (t) {
            int before = tide_task_cancelling(t);
            rc = tide_task_uncancel(t);
            CHECK(rc == (before > 0 ? before - 1 : 0));
        }
        break;
    }
    case OP_CANCEL_SELF:
        rc = tide_task_cancel(self, (f->a & 1) ? "self" : NULL);
        CHECK(rc == 1 || rc == TIDE_ENOMEM);
        break;
    case OP_UNCANCEL_SELF:
        tide_task_uncancel(self);
        break;
    case OP_TMO_ENTER:
        if (f->ntmo < NTMO) {
            tide_timeout *t = NULL;
            double d = delay_of(f->a);
            rc = (f->b & 1) ? tide_timeout_enter_at(tide_time() + d, &t)
                            : tide_timeout_enter(d, &t);
            if (isnan(d))
                CHECK(rc == TIDE_EINVAL);
            if (rc == 0)
                f->tmo[f->ntmo++] = t;
            else
                CHECK(t == NULL);
        }
        break;
    case OP_TMO_EXIT:
        if (f->ntmo) {
            tide_timeout *t = f->tmo[--f->ntmo];
            int expired = tide_timeout_is_expired(t);
            int in = (f->b & 1) ? TIDE_ECANCELLED : f->rc;
            rc = tide_timeout_exit(t, in);
            if (rc == TIDE_ETIMEDOUT && in != TIDE_ETIMEDOUT)
                CHECK(expired && tide_timeout_is_expired(t));
            if (!expired)
                CHECK(rc == in);
            f->rc = rc;
            tide_timeout_destroy(f->tmo_done);
            f->tmo_done = t;
        } else if (f->tmo_done) {
            /* leaving a scope twice */
            CHECK(tide_timeout_exit(f->tmo_done, 0) == TIDE_ESTATE);
        }
        break;
    case OP_TMO_RESCHEDULE:
        if (f->ntmo) {
            tide_timeout *t = f->tmo[f->ntmo - 1];
            double when = tide_time() + delay_of(f->a);
            rc = tide_timeout_reschedule(t, when);
            if (isnan(when))
                CHECK(rc == TIDE_EINVAL);
            else if (rc == 0)
                CHECK(tide_timeout_when(t) == when);
        }
        break;
    case OP_GROUP_CREATE:
        if ((f->policy & P_GROUPS) && f->ngrp < NGRP &&
            F.ngroups < MAX_GROUPS) {
            tide_group *g = NULL;
            rc = tide_group_create(&g);
            if (rc == 0) {
                struct group_rec *r = &F.grp[F.ngroups];
                memset(r, 0, sizeof *r);
                r->g = g;
                r->owner = f->index;
                f->grp[f->ngrp++] = F.ngroups++;
            } else {
                CHECK(rc == TIDE_ENOMEM && g == NULL);
            }
        }
        break;
    case OP_GROUP_SPAWN:
        spawn_child(f, 1 + f->b % 48, F.ngroups ? f->a % F.ngroups : 0, 0);
        break;
    case OP_GROUP_CANCEL:
        if (F.ngroups) {
            struct group_rec *g = &F.grp[f->a % F.ngroups];
            rc = tide_group_cancel(g->g);
            if (!g->g)
                CHECK(rc == TIDE_EINVAL);
            else if (g->exited)
                CHECK(rc == TIDE_ESTATE);
        }
        break;
    case OP_LOCK_RELEASE:
    case OP_COND_RELEASE: {
        int m = model_lock(f->op, which);
        rc = f->op == OP_LOCK_RELEASE ? tide_lock_release(F.lock[which])
                                      : tide_cond_release(F.cond[which]);
        int exists = f->op == OP_LOCK_RELEASE ? F.lock[which] != NULL
                                              : F.cond[which] != NULL;
        if (!exists) {
            CHECK(rc == TIDE_EINVAL);
            break;
        }
        if (F.locked[m])
            CHECK(rc == 0);
        else
            CHECK(rc == TIDE_ENOTLOCKED);
        F.locked[m] = 0;
        f->holds &= (uint8_t)~(1 << m);
        break;
    }
    case OP_SEM_RELEASE:
        rc = tide_sem_release(F.sem[which]);
        if (rc == 0)
            F.sem_rel[which]++;
        else if (F.sem[which])
            CHECK(rc == TIDE_EOVERFLOW && F.sem_bounded[which]);
        break;
    case OP_EVENT_SET:
        tide_event_set(F.ev[which]);
        if (F.ev[which])
            F.ev_set[which] = 1;
        break;
    case OP_EVENT_CLEAR:
        tide_event_clear(F.ev[which]);
        F.ev_set[which] = 0;
        break;
    case OP_COND_NOTIFY:
    case OP_COND_NOTIFY_ALL: {
        rc = f->op == OP_COND_NOTIFY ? tide_cond_notify(F.cond[which],
                                                        (size_t)(f->b % 4))
                                     : tide_cond_notify_all(F.cond[which]);
        if (F.cond[which])
            CHECK(rc == (F.locked[model_lock(f->op, which)] ? 0
                                                            : TIDE_ENOTLOCKED));
        break;
    }
    case OP_BARRIER_RESET:
        rc = tide_barrier_reset(F.bar);
        break;
    case OP_BARRIER_ABORT:
        rc = tide_barrier_abort(F.bar);
        if (F.bar)
            CHECK(tide_barrier_is_broken(F.bar));
        break;
    case OP_Q_PUT_NOWAIT: {
        int k = f->a % 3;
        uint32_t id = ++F.next_item;
        rc = tide_queue_put_nowait(F.q[k], (void *)(uintptr_t)id);
        if (rc == 0)
            qm_put(k, id);
        else if (F.q[k] && rc == TIDE_EQUEUEFULL)
            CHECK(tide_queue_is_full(F.q[k]));
        else if (F.q[k] && rc == TIDE_ESHUTDOWN)
            CHECK(F.qm[k].shutdown);
        break;
    }
    case OP_Q_GET_NOWAIT: {
        int k = f->a % 3;
        void *item = NULL;
        rc = tide_queue_get_nowait(F.q[k], &item);
        if (rc == 0)
            qm_got(k, item);
        else if (F.q[k])
            CHECK(F.qm[k].n == 0 || F.qm[k].overflow);
        break;
    }
    case OP_Q_TASK_DONE: {
        int k = f->a % 3;
        rc = tide_queue_task_done(F.q[k]);
        if (F.q[k]) {
            if (F.qm[k].unfinished == 0)
                CHECK(rc == TIDE_EOVERFLOW);
            else {
                CHECK(rc == 0);
                F.qm[k].unfinished--;
            }
        }
        break;
    }
    case OP_Q_SHUTDOWN: {
        int k = f->a % 3;
        rc = tide_queue_shutdown(F.q[k], f->b & 1);
        if (F.q[k]) {
            struct qmodel *m = &F.qm[k];
            m->shutdown = 1;
            if (f->b & 1) {
                size_t dropped = m->n < m->unfinished ? m->n : m->unfinished;
                m->unfinished -= dropped;
                m->n = 0;
                m->overflow = 0;
                CHECK(tide_queue_size(F.q[k]) == 0);
            }
        }
        break;
    }
    case OP_FLAG:
        F.flag[which] ^= 1;
        break;
    case OP_CALL: {
        tide_handle **out = NULL;
        for (int i = 0; i < MAX_HANDLES && !(f->c & 1); i++)
            if (!F.handle[i]) {
                out = &F.handle[i];
                break;
            }
        void *arg = (void *)(uintptr_t)f->b;
        double d = delay_of(f->a >> 2);
        switch (f->a & 3) {
        case 0:
            rc = tide_call_soon(F.loop, cb_action, arg, out);
            break;
        case 1:
            rc = tide_call_later(F.loop, d, cb_action, arg, out);
            break;
        default:
            rc = tide_call_at(F.loop, tide_time() + d, cb_action, arg, out);
            break;
        }
        if ((f->a & 3) && isnan(d))
            CHECK(rc == TIDE_EINVAL);
        if (rc < 0 && out)
            CHECK(*out == NULL);
        break;
    }
    case OP_HANDLE_CANCEL: {
        tide_handle *h = F.handle[f->a % MAX_HANDLES];
        if (h) {
            int first = tide_handle_cancel(h);
            CHECK(first == 0 || first == 1);
            CHECK(tide_handle_cancel(h) == 0);
            CHECK(tide_handle_is_cancelled(h)); /* ran or not, as asyncio */
        }
        break;
    }
    case OP_INSPECT: {
        char buf[256];
        tide_task *t = task_arg(f->a);
        size_t need = tide_loop_dump(F.loop, buf, (size_t)(f->b % 4) * 64);
        (void)need;
        if (t) {
            const char *state = tide_task_state(t);
            CHECK(state != NULL);
            int done = !strcmp(state, "done") || !strcmp(state, "cancelled") ||
                       !strcmp(state, "failed");
            CHECK(done == (tide_task_is_done(t) != 0));
            tide_task_describe_wait(t, buf, sizeof buf);
            tide_task *aw[4];
            tide_task_awaiters(t, aw, 4);
            (void)tide_task_awaiting(t);
            (void)tide_task_waiting_since(t);
            (void)tide_task_name(t);
            (void)tide_task_message(t);
            CHECK(tide_task_cancelling(t) >= 0);
            if (tide_task_is_done(t)) {
                void *v = NULL;
                if (tide_task_result(t, &v) == 0)
                    check_value(t, v);
            } else {
                CHECK(tide_task_result(t, NULL) == TIDE_ESTATE);
            }
        }
        CHECK(tide_loop_task_count(F.loop) >= 1);
        (void)tide_loop_timer_count(F.loop);
        (void)tide_error_message();
        break;
    }
    case OP_RECREATE:
        /* destroy a primitive (refused while tasks wait) and make it anew;
         * not one an open TIDE_WITH holds (the program's to keep) */
        switch (f->a % 7) {
        case 0:
            if (!F.pinned[1] && tide_lock_destroy(F.lock[1]) == 0) {
                F.lock[1] = NULL;
                if (f->b & 1)
                    make_lock(1);
            }
            break;
        case 1:
            if (!F.pinned_sem[which] && tide_sem_destroy(F.sem[which]) == 0) {
                F.sem[which] = NULL;
                if (f->b & 1)
                    make_sem(which);
            }
            break;
        case 2:
            if (tide_event_destroy(F.ev[which]) == 0) {
                F.ev[which] = NULL;
                if (f->b & 1)
                    make_event(which);
            }
            break;
        case 3:
            if (!(which == 0 && F.pinned[2]) &&
                tide_cond_destroy(F.cond[which]) == 0) {
                F.cond[which] = NULL;
                if (f->b & 1)
                    make_cond(which);
            }
            break;
        case 4:
            if (tide_barrier_destroy(F.bar) == 0) {
                F.bar = NULL;
                if (f->b & 1)
                    make_barrier();
            }
            break;
        default: {
            int k = f->a % 3;
            if (tide_queue_destroy(F.q[k]) == 0) {
                F.q[k] = NULL;
                if (f->b & 1)
                    make_queue(k);
            }
            break;
        }
        }
        break;
    case OP_MISUSE:
        /* calls that must be refused, and leave everything as it was */
        switch (f->a % 8) {
        case 0:
            CHECK(tide_loop_destroy(F.loop) == TIDE_EBUSY);
            break;
        case 1:
            CHECK(tide_loop_set_virtual_clock(F.loop, 0) == TIDE_EBUSY);
            break;
        case 2: {
            struct script s;
            memset(&s, 0, sizeof s);
            CHECK(tide_loop_run(F.loop, script, &s, sizeof s, NULL) ==
                  TIDE_ERUNNING);
            break;
        }
        case 3: {
            tide_sem *s = NULL;
            CHECK(tide_sem_create(F.loop, -1, 0, &s) == TIDE_EINVAL && !s);
            tide_barrier *b = NULL;
            CHECK(tide_barrier_create(F.loop, 0, &b) == TIDE_EINVAL && !b);
            break;
        }
        case 4: {
            tide_queue *q = NULL;
            CHECK(tide_queue_create(F.loop, TIDE_QUEUE_PRIORITY, 0, NULL,
                                    &q) == TIDE_EINVAL);
            CHECK(tide_queue_create(F.loop, 7, 0, NULL, &q) == TIDE_EINVAL);
            break;
        }
        case 5:
            CHECK(tide_spawn(NULL, f, sizeof *f, NULL, NULL) == TIDE_EINVAL);
            CHECK(tide_spawn(script, f, 1, NULL, NULL) == TIDE_EINVAL);
            break;
        case 6: {
            tide_timeout *t = NULL;
            CHECK(tide_timeout_enter(NAN, &t) == TIDE_EINVAL && !t);
            CHECK(tide_timeout_exit(NULL, 0) == TIDE_ESTATE);
            break;
        }
        default:
            CHECK(tide_loop_set_turn_budget(F.loop, -1) == TIDE_EINVAL);
            CHECK(tide_loop_set_turn_budget(F.loop, NAN) == TIDE_EINVAL);
            break;
        }
        break;
    case OP_STOP:
        if (!F.in_reap)
            CHECK(tide_loop_stop(F.loop) == 0);
        break;
    case OP_CHAIN:
        chain_op(f);
        break;
    case OP_THREAD:
        thread_op(f);
        break;
    default:
        break;
    }
}

/* Reads the next operation into f->op and its arguments. */
static void read_op(struct script *f)
{
    if (!f->stray) /* (a wait outside TIDE_AWAIT may hold a hand-over) */
        check_models();
    CHECK(!F.exp[f->index].t);
    f->op = next_byte(f) % OP_COUNT;
    f->a = next_byte(f);
    f->b = next_byte(f);
    f->c = next_byte(f);
    op_hits[f->op]++;
    SAY("[t=%g] task %d: %s %d %d %d\n", tide_time(), f->index,
        op_names[f->op], f->a, f->b, f->c);
    if (f->op == OP_GROUP_EXIT) { /* its innermost group, or (misuse)
                                     any: ESTATE if not ours */
        f->gi = f->ngrp && !(f->b & 2) ? f->grp[f->ngrp - 1]
                                       : f->a % MAX_GROUPS;
        /* not a group scope's own group, from its block: the scope owns
         * it (exiting it there is a misuse of another kind) */
        if (F.grp[f->gi].scoped && F.grp[f->gi].owner == f->index)
            f->op = OP_NONE;
    }
}

/* Releases what a task took, as `async with` would. */
static void release_held(struct script *f)
{
    for (int m = 0; m < 3; m++) {
        if (!(f->holds & (1 << m)) || !F.locked[m] || !lock_exists(m))
            continue;
        int rc = m == 0   ? tide_lock_release(F.lock[0])
                 : m == 1 ? tide_lock_release(F.lock[1])
                          : tide_cond_release(F.cond[0]);
        CHECK(rc == 0);
        F.locked[m] = 0;
    }
    f->holds = 0;
}

/* ---- async with: TIDE_WITH blocks and their checks ------------------------- */

static tide_status with_co(void *frame);

/* What WITH enters: a lock, a condition or a semaphore (held by the
 * scope: not destroyed meanwhile), a timeout, a task group (for a task
 * whose policy lets it own groups, else nothing), or nothing. */
static tide_scope scope_of(struct with_frame *w)
{
    switch (w->kind) {
    case W_LOCK:
        F.pinned[w->m]++;
        return tide_lock_scope(F.lock[w->which]);
    case W_COND:
        F.pinned[w->m]++;
        return tide_cond_scope(F.cond[w->which]);
    case W_SEM:
        F.pinned_sem[w->which]++;
        return tide_sem_scope(F.sem[w->which]);
    case W_TIMEOUT:
        if (w->created) /* (NULL if its creation failed: TIDE_EINVAL) */
            return tide_timeout_scope_of(w->cm);
        return (w->s->b & 16) ? tide_timeout_at_scope(
                                    tide_time() + delay_of(w->s->b), &w->tmo)
                              : tide_timeout_scope(delay_of(w->s->b), &w->tmo);
    case W_GROUP:
        return tide_group_scope(&w->g);
    default:
        return tide_null_scope();
    }
}

/* `cm = asyncio.timeout(d)` apart from its `async with`: made now, its
 * deadline fixed, not entered (exit and reschedule refuse). */
static void timeout_create(struct with_frame *w, int b)
{
    double d = delay_of(b);
    double when = isinf(d) && d > 0 ? d : tide_time() + d;
    int rc = (b & 16) ? tide_timeout_create_at(when, &w->cm)
                      : tide_timeout_create(d, &w->cm);
    w->created = 1;
    if (isnan(d))
        CHECK(rc == TIDE_EINVAL);
    if (rc < 0) {
        CHECK(rc == TIDE_EINVAL || rc == TIDE_ENOMEM);
        CHECK(w->cm == NULL);
        return;
    }
    CHECK(tide_timeout_when(w->cm) == when);
    CHECK(!tide_timeout_is_expired(w->cm));
    CHECK(tide_timeout_exit(w->cm, 0) == TIDE_ESTATE);
    CHECK(tide_timeout_reschedule(w->cm, tide_time() + 1) == TIDE_ESTATE);
    case_hits[C_TMO_UNENTERED]++;
}

/* A WITH op (f->a: the scope, f->b its operand) opens a block at `level`. */
static void with_init(struct script *f, int level)
{
    struct with_frame *w = &f->wf[level];
    memset(w, 0, sizeof *w);
    w->s = f;
    w->level = level;
    w->kind = f->a % NWITH;
    if (w->kind == W_GROUP && !(f->policy & P_GROUPS))
        w->kind = W_NULL; /* (see P_GROUPS) */
    w->which = f->b & 1;
    w->m = model_lock(w->kind == W_LOCK ? OP_LOCK_ACQUIRE : OP_COND_ACQUIRE,
                      w->which);
    w->gi = -1;
    w->catching = f->c & 1;
    if (w->kind == W_TIMEOUT && (f->c & 4))
        timeout_create(w, f->b);
}

/* The block begins: the scope is entered, and holds what it says. */
static void with_entered(struct with_frame *w)
{
    w->entered = 1;
    SAY("[t=%g] task %d: TIDE_WITH %d entered (level %d)\n", tide_time(),
        w->s->index, w->kind, w->level);
    switch (w->kind) {
    case W_LOCK:
    case W_COND:
        if (F.locked[w->m])
            FAIL("lock %d entered by task %d's scope while the model says "
                 "it is held", w->m, w->s->index);
        F.locked[w->m] = 1;
        break;
    case W_SEM:
        F.sem_acq[w->which]++;
        break;
    case W_TIMEOUT:
        CHECK(w->created ? w->cm != NULL : w->tmo != NULL);
        break;
    case W_GROUP:
        CHECK(w->g != NULL);
        if (F.ngroups < MAX_GROUPS) { /* others may spawn into it, cancel it */
            struct group_rec *r = &F.grp[F.ngroups];
            memset(r, 0, sizeof *r);
            r->g = w->g;
            r->owner = w->s->index;
            r->scoped = 1;
            w->gi = F.ngroups++;
        }
        break;
    default:
        break;
    }
}

/* The block ends with `how` (0 or the error leaving it): the scope's exit
 * runs next, in this same step, so the models learn now what it does. */
static void with_leaving(struct with_frame *w, int how)
{
    w->how = how;
    switch (w->kind) {
    case W_LOCK:
    case W_COND:
        w->pred = F.locked[w->m] ? 0 : TIDE_ENOTLOCKED;
        F.locked[w->m] = 0;
        break;
    case W_SEM: {
        int v = tide_sem_value(F.sem[w->which]);
        w->pred = F.sem_bounded[w->which] && v >= F.sem_init[w->which]
                      ? TIDE_EOVERFLOW
                      : 0;
        if (w->pred == 0)
            F.sem_rel[w->which]++;
        break;
    }
    case W_TIMEOUT:
        /* (a created one destroyed in the block lives until its exit) */
        CHECK(w->created ? w->cm != NULL : w->tmo != NULL);
        w->expired = tide_timeout_is_expired(w->created ? w->cm : w->tmo);
        break;
    default:
        break;
    }
    SAY("[t=%g] task %d: TIDE_WITH %d left (%s, %s)\n", tide_time(),
        w->s->index, w->kind,
        (const char *[]){"end", "break", "continue", "goto"}[w->leave],
        how ? tide_errname(how) ? tide_errname(how) : "user error" : "ok");
}

/* The scope is left (FINALLY of its frame): however the block ended, what
 * it held is released once and its outcome is the one promised. */
static void with_left(struct with_frame *w, int err)
{
    SAY("[t=%g] task %d: TIDE_WITH %d done: %s\n", tide_time(), w->s->index,
        w->kind, err ? tide_errname(err) ? tide_errname(err) : "user error"
                     : "ok");
    if (w->kind == W_LOCK || w->kind == W_COND)
        F.pinned[w->m]--;
    else if (w->kind == W_SEM)
        F.pinned_sem[w->which]--;
    if (!w->entered) {
        /* refused, out of memory, cancelled while waiting for the lock, a
         * NULL object or a NaN delay: nothing was entered or is held */
        if (err >= 0)
            FAIL("TIDE_WITH %d failed to enter with %d", w->kind, err);
        CHECK(w->tmo == NULL && w->g == NULL);
        return;
    }
    switch (w->kind) {
    case W_LOCK:
    case W_COND:
    case W_SEM:
        /* the release's error replaces the block's outcome */
        if (err != (w->pred < 0 ? w->pred : w->how))
            FAIL("TIDE_WITH %d: the block left with %d, the release gave "
                 "%d, the scope with %d", w->kind, w->how, w->pred, err);
        break;
    case W_TIMEOUT:
        CHECK(w->tmo == NULL); /* the scope owns it: gone */
        if (w->created && !w->doomed) /* the program's: left readable */
            CHECK(tide_timeout_is_expired(w->cm) == w->expired);
        if (!w->expired)
            CHECK(err == w->how);
        else if (err == TIDE_ETIMEDOUT)
            CHECK(w->how == TIDE_ECANCELLED || w->how == TIDE_ETIMEDOUT);
        else
            CHECK(err == w->how);
        break;
    case W_GROUP:
        CHECK(w->g == NULL); /* exited and destroyed */
        CHECK(err == 0 || err == w->how || err == TIDE_EGROUP ||
              err == TIDE_ECANCELLED || err == TIDE_ENOMEM);
        if (w->gi >= 0) {
            struct group_rec *r = &F.grp[w->gi];
            for (int i = 0; i < r->nkids; i++)
                if (!tide_task_is_done(F.task[r->kids[i]].t))
                    FAIL("group scope %d left with child %d still running",
                         w->gi, r->kids[i]);
            r->g = NULL;
            r->exited = 1;
        }
        break;
    default:
        CHECK(err == w->how);
        break;
    }
}

/* After an await or an inner block in a block (or the script) ended with
 * f->rc: whether the policy raises it. */
static int policy_raises(struct script *f)
{
    if (f->rc == TIDE_ECANCELLED) {
        if (f->policy & P_RERAISE_CANCEL)
            return 1;
        if (f->policy & P_UNCANCEL)
            tide_task_uncancel(tide_current_task());
        return 0;
    }
    return f->rc < 0 && (f->policy & P_RERAISE_ERROR);
}

/* An operation of a block that does not await. */
static void block_run_now(struct with_frame *w)
{
    struct script *f = w->s;
    tide_timeout *tmo = w->created ? w->cm : w->tmo;
    if (f->op == OP_TMO_RESCHEDULE && tmo) { /* the block's timeout */
        double when = tide_time() + delay_of(f->a);
        int rc = tide_timeout_reschedule(tmo, when);
        if (isnan(when))
            CHECK(rc == TIDE_EINVAL);
        else if (rc == 0)
            CHECK(tide_timeout_when(tmo) == when);
        return;
    }
    if (f->op == OP_TMO_EXIT && w->created && !w->doomed && (f->c & 16)) {
        /* destroyed in its own block: freed when the block is left, and
         * usable until then */
        tide_timeout_destroy(w->cm);
        w->doomed = 1;
        (void)tide_timeout_when(w->cm);
        case_hits[C_TMO_DOOMED]++;
        return;
    }
    if (f->op == OP_STRAY || f->op == OP_NEST)
        return; /* (not in blocks: their expectations are the script's) */
    run_now(f);
}

/* A TIDE_WITH (one per frame, so its exit runs right before FINALLY) whose
 * block runs the script's operations: nested blocks are frames of their
 * own, awaited with TIDE_AWAIT_CALL. */
/* TIDE_WITH_CATCH caught the block's outcome: an error the block threw
 * with a message, and that its scope's exit let through as it was, comes
 * with that message (none only if an allocation failed since). */
static void caught_message(struct with_frame *w)
{
    int kept = w->kind == W_NULL || w->kind == W_TIMEOUT ||
               ((w->kind == W_LOCK || w->kind == W_COND ||
                 w->kind == W_SEM) && w->pred == 0);
    if (!w->entered || !w->thrown_msg || w->caught != w->how || !kept)
        return;
    const char *m = tide_error_message();
    if (m)
        CHECK(strcmp(m, "thrown") == 0);
    else
        CHECK(F.nfailed != w->thrown_nfailed);
}

/* The block of a WITH, the same for TIDE_WITH and TIDE_WITH_CATCH (one
 * statement, expanded after each). */
#define WITH_BLOCK(w, f)                                                       \
    {                                                                          \
        with_entered(w);                                                       \
        while (f->p < f->end) {                                                \
            read_op(f);                                                        \
            if (f->op == OP_WITH_END)                                          \
                break;                                                         \
            if (f->op == OP_WITH_LEAVE) {                                      \
                w->leave = L_BREAK + f->a % 3;                                 \
                if (w->catching && w->leave == L_GOTO)                         \
                    w->leave = L_BREAK; /* (what a goto out of a caught        \
                                           block goes on with: not modelled) */ \
                break;                                                         \
            }                                                                  \
            if (f->op == OP_RETURN) { /* TIDE_RETURN from inside */            \
                w->ret = 1;                                                    \
                with_leaving(w, 0);                                            \
                TIDE_RETURN(w, NULL);                                          \
            }                                                                  \
            if (f->op == OP_THROW) {                                           \
                with_leaving(w, TIDE_EUSER - (f->b & 3));                      \
                w->thrown_msg = f->a & 1;                                      \
                w->thrown_nfailed = F.nfailed;                                 \
                if (f->a & 1)                                                  \
                    TIDE_THROW_MSG(w, TIDE_EUSER - (f->b & 3), "thrown");      \
                TIDE_THROW(w, TIDE_EUSER - (f->b & 3));                        \
            }                                                                  \
            if (f->op == OP_WITH) {                                            \
                if (w->level + 1 == WITH_DEPTH)                                \
                    continue; /* (its block runs in this one) */               \
                with_init(f, w->level + 1);                                    \
                TIDE_AWAIT_CALL_CATCH(w, with_co, &f->wf[w->level + 1],        \
                                      w->rc);                                  \
                f->rc = w->rc;                                                 \
                if (f->rc == 0 && f->wf[w->level + 1].ret) {                   \
                    w->ret = 1;                                                \
                    with_leaving(w, 0);                                        \
                    TIDE_RETURN(w, NULL);                                      \
                }                                                              \
            } else if (awaits(f->op) || f->op == OP_GATHER_OWN) {              \
                f->rc = 0;                                                     \
                f->suspended = 0;                                              \
                f->was_stray = 0;                                              \
                TIDE_AWAIT_CATCH(w, start_op(f), w->rc);                       \
                f->rc = w->rc;                                                 \
                SAY("[t=%g] task %d: %s -> %s%s (in a block)\n", tide_time(),  \
                    f->index, op_names[f->op],                                 \
                    f->rc ? tide_errname(f->rc) : "ok",                        \
                    f->suspended ? " (after waiting)" : "");                   \
                after_await(f);                                                \
            } else {                                                           \
                block_run_now(w);                                              \
                continue;                                                      \
            }                                                                  \
            if (policy_raises(f)) {                                            \
                with_leaving(w, f->rc);                                        \
                TIDE_THROW(w, f->rc);                                          \
            }                                                                  \
        }                                                                      \
        /* the ways out that tide-lint reports, on purpose */                  \
        if (w->leave == L_GOTO)                                                \
            goto exit_skipped; /* tide-lint: ignore */                         \
        with_leaving(w, 0);                                                    \
        if (w->leave == L_BREAK)                                               \
            break; /* tide-lint: ignore */                                     \
        if (w->leave == L_CONTINUE)                                            \
            continue; /* tide-lint: ignore */                                  \
    }

static tide_status with_co(void *frame)
{
    struct with_frame *w = frame;
    struct script *f = w->s;
    TIDE_BEGIN(w);
    if (!w->catching) {
        TIDE_WITH(w, scope_of(w))
        WITH_BLOCK(w, f)
    } else {
        TIDE_WITH_CATCH(w, scope_of(w), w->caught)
        WITH_BLOCK(w, f)
        /* the outcome the plain form would raise, caught; it goes on as
         * the policy says (TIDE_THROW re-raises it with its message) */
        w->left = 1;
        with_left(w, w->caught);
        caught_message(w);
        f->rc = w->caught;
        /* an entry refused (a wait outside TIDE_AWAIT pending) is the
         * script's to check: passed on, as the plain form passes it */
        if ((!w->entered && f->was_stray) || policy_raises(f))
            TIDE_THROW(w, w->caught);
        TIDE_RETURN(w, NULL);
    }
    if (0) {
    exit_skipped:
        /* a goto out of the block skips the exit (tide-lint reports it):
         * the scope stays open until the frame returns, and is left then */
        with_leaving(w, 0);
        TIDE_RETURN(w, NULL);
    }
    TIDE_FINALLY(w);
    if (!w->left)
        with_left(w, TIDE_ERROR(w));
    if (w->created && !w->doomed && w->cm) {
        if (w->entered && (f->c & 8)) { /* entered once only */
            TIDE_WITH_CATCH(w, tide_timeout_scope_of(w->cm), w->rc) {
                FAIL("a created timeout entered a second time");
            }
            CHECK(w->rc == TIDE_ESTATE || w->rc == TIDE_ENOMEM);
            if (w->rc == TIDE_ESTATE) {
                const char *m = tide_error_message();
                CHECK(!m || strstr(m, "entered already"));
                case_hits[C_TMO_REENTERED]++;
            }
        }
        tide_timeout_destroy(w->cm);
        w->cm = NULL;
    }
    TIDE_END(w);
}

static tide_status script(void *frame)
{
    struct script *f = frame;
    TIDE_BEGIN(f);
    if (f->index == 0) { /* main: keep a handle on it like on the others */
        F.task[0].t = tide_task_retain(tide_current_task());
        F.task[0].index = 0;
        F.task[0].groups = (f->policy & P_GROUPS) != 0;
        F.ntasks = 1;
    }
    while (f->p < f->end) {
        read_op(f);
        if (awaits(f->op) && f->shape) {
            /* the awaitable outside TIDE_AWAIT, as STRAY asked */
            stray_call(f);
            if (f->shape == S_TRY)
                TIDE_TRY(f, f->rc);
            else if (f->shape == S_RAISED && f->rc)
                TIDE_THROW(f, f->rc < 0 ? f->rc : TIDE_EUSER - 3);
            f->shape = 0;
        } else if (awaits(f->op) || f->op == OP_NEST || f->op == OP_WITH ||
                   f->op == OP_GATHER_OWN) {
            f->shape = 0;
            f->rc = 0;
            if (f->op == OP_WITH) {
                /* TIDE_WITH's entry is an await: refused while registered */
                f->was_stray = f->stray != 0;
                if (f->was_stray)
                    expect_refusal(f, f->op);
                with_init(f, 0);
                TIDE_AWAIT_CALL_CATCH(f, with_co, &f->wf[0], f->rc);
                if (f->was_stray)
                    refused(f);
                if (f->rc == 0 && f->wf[0].ret)
                    break; /* RETURN in the block */
            } else if (f->op == OP_NEST) {
                if (nest_start(f)) {
                    // clang-format off
                    TIDE_AWAIT_CALL_CATCH(f, NEST_FN(f->nest), nest_sub(f->nest, 0, __LINE__), f->rc);
                    // clang-format on
                    nest_end(f);
                }
            } else {
                f->suspended = 0;
                f->was_stray = f->stray != 0;
                if (f->was_stray)
                    expect_refusal(f, f->op);
                TIDE_AWAIT_CATCH(f, start_op(f), f->rc);
                SAY("[t=%g] task %d: %s -> %s%s\n", tide_time(), f->index,
                    op_names[f->op], f->rc ? tide_errname(f->rc) : "ok",
                    f->suspended ? " (after waiting)" : "");
                if (f->was_stray)
                    refused(f);
                else
                    after_await(f);
            }
            if (policy_raises(f))
                TIDE_THROW(f, f->rc);
        } else if (f->op == OP_STRAY) {
            f->shape = S_DROPPED + f->a % 4;
            if (f->shape == S_BY_HAND) {
                f->shape = 0;
                if (suspend_by_hand(f))
                    return TIDE__SUSPENDED; /* registered nowhere */
            }
        } else if (f->op == OP_THROW) {
            f->shape = 0;
            if (f->a & 1)
                TIDE_THROW_MSG(f, TIDE_EUSER - (f->b & 3), "thrown");
            TIDE_THROW(f, TIDE_EUSER);
        } else if (f->op == OP_RETURN) {
            break;
        } else {
            f->shape = 0;
            run_now(f);
        }
    }
    SAY("task %d: end of script\n", f->index);
    TIDE_RETURN(f, token(f->index));
    TIDE_FINALLY(f);
    SAY("task %d: finally (%s)\n", f->index,
        TIDE_ERROR(f) ? tide_errname(TIDE_ERROR(f)) ? tide_errname(TIDE_ERROR(f))
                                                     : "user error"
                      : "ok");
    if (!f->stray)
        check_models();
    free(f->nest); /* (freed already unless NEST's call never returned) */
    f->nest = NULL;
    /* timeout scopes close innermost first, then the groups are left */
    while (f->ntmo)
        tide_timeout_destroy(f->tmo[--f->ntmo]);
    keep_timeout(f->tmo_done);
    f->tmo_done = NULL;
    if (f->stray == OP_GROUP_EXIT + 1 && (f->policy & P_GROUP_EXIT)) {
        /* a group is not destroyed while its exit waits (EBUSY): a second
         * await finds the exit outside TIDE_AWAIT and undoes it... */
        expect_refusal(f, OP_YIELD);
        TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc);
        refused(f);
    } else if (f->stray == OP_GROUP_EXIT + 1) {
        /* ...or the task ends registered, and its group is destroyed
         * after the run */
        F.grp[f->stray_gi].orphan = 1;
    }
    for (f->i = f->ngrp; f->i-- > 0;) {
        if (F.grp[f->grp[f->i]].orphan)
            continue;
        if (!F.grp[f->grp[f->i]].exited && (f->policy & P_GROUP_EXIT)) {
            do { /* refused once if a wait outside TIDE_AWAIT is pending */
                f->was_stray = f->stray != 0;
                if (f->was_stray)
                    expect_refusal(f, OP_GROUP_EXIT);
                TIDE_AWAIT_CATCH(f, tide_group_exit(F.grp[f->grp[f->i]].g,
                                                    TIDE_ERROR(f)),
                                 f->rc);
                if (f->was_stray)
                    refused(f);
            } while (f->was_stray);
            CHECK(f->rc != TIDE_ESTATE);
            group_exited(f->grp[f->i], f->rc);
        }
        CHECK(tide_group_destroy(F.grp[f->grp[f->i]].g) == 0);
        F.grp[f->grp[f->i]].g = NULL;
    }
    f->ngrp = 0;
    if (f->policy & P_RELEASE)
        release_held(f);
    expect_end_registered(f);
    TIDE_END(f);
}

/* ---- draining a run that ended with tasks still pending ------------------- */

struct reaper {
    TIDE_FRAME;
    int round;
    int rc;
};

static void force_release(void)
{
    for (int m = 0; m < 3; m++) {
        if (!F.locked[m] || !lock_exists(m))
            continue;
        int rc = m == 0   ? tide_lock_release(F.lock[0])
                 : m == 1 ? tide_lock_release(F.lock[1])
                          : tide_cond_release(F.cond[0]);
        CHECK(rc == 0);
        F.locked[m] = 0;
    }
}

static int cancel_other(tide_task *t, void *self)
{
    uint32_t id = tide_task_id(t);
    if (t == self)
        return 0;
    /* a chain link never swallows a cancel: once is enough (again and
     * again would walk the chain below it every round) */
    if (id < MAX_IDS && (idflag[id] & ID_LINK) && tide_task_cancelling(t))
        return 0;
    tide_task_cancel(t, NULL);
    return 0;
}

/* A second run on the same loop that cancels the leftovers again and again
 * until each has worked through its script (each cancel moves a task on by
 * at least one operation), so their FINALLY sections free what they own. */
static tide_status reaper(void *frame)
{
    struct reaper *r = frame;
    TIDE_BEGIN(r);
    for (r->round = 0; tide_loop_task_count(F.loop) > 1; r->round++) {
        if (r->round == REAP_ROUNDS)
            FAIL("%zu task(s) still pending after %d rounds of cancels",
                 tide_loop_task_count(F.loop) - 1, REAP_ROUNDS);
        /* Every task once, and those without a handle (detached scripts)
         * every round; the others through the table: a walk of thousands
         * of chain links every round, as a chain unwinds, is slow. */
        if (r->round % 64 == 0 || F.detached_live > 0) {
            tide_loop_walk(F.loop, cancel_other, tide_current_task());
        } else {
            for (int i = 0; i < F.ntasks; i++)
                if (F.task[i].t && !tide_task_is_done(F.task[i].t))
                    cancel_other(F.task[i].t, NULL);
        }
        /* A condition wait re-acquires its lock whatever cancels come (as
         * in asyncio): if the lock's holder finished without releasing it,
         * only a release frees the waiter. Anyone may release a lock. */
        if (r->round >= 2)
            force_release();
        TIDE_AWAIT_CATCH(r, tide_sleep(0), r->rc);
    }
    TIDE_END(r);
}

/* ---- one input ------------------------------------------------------------ */

static uint8_t hdr(size_t i)
{
    return i < F.size ? F.data[i] : 0;
}

static void run_input(const uint8_t *data, size_t size)
{
    memset(&F, 0, sizeof F);
    if (verbose < 0) {
        const char *v = getenv("FUZZ_VERBOSE");
        verbose = v && *v ? atoi(v) : 0;
    }
    F.data = data;
    F.size = size;
    uint8_t mode = hdr(0);
    F.fail_mode = mode & 3;
    F.fail_at = 1 + (uint32_t)(hdr(1) | hdr(2) << 8);
    F.fail_len = hdr(3);
    F.rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)F.fail_at << 20) ^ F.fail_len;
    F.debug = (mode >> 2) & 1;
    uint8_t shape = hdr(4), shape2 = hdr(5);
    F.sem_init[0] = shape & 3;
    F.sem_init[1] = 1 + ((shape >> 2) & 1);
    F.sem_bounded[1] = 1;
    F.parties = 1 + ((shape >> 3) & 3);
    F.qmax[0] = shape2 & 3;
    F.qmax[1] = (shape2 >> 2) & 1;
    F.qmax[2] = (shape2 >> 3) & 3;
    stat_runs++;

    if (tide_loop_create(fz_alloc, NULL, &F.loop) < 0) {
        CHECK(F.injected && F.live == 0);
        return;
    }
#if FUZZ_THREADS
    loop_thread = pthread_self();
#endif
    tide_loop_set_virtual_clock(F.loop, 1);
    tide_loop_set_exception_handler(F.loop, on_exception, NULL);
    tide_loop_set_debug_handler(F.loop, on_debug, NULL);
    tide_loop_set_trace_handler(F.loop, on_trace, NULL);
    if (F.debug)
        tide_loop_set_debug(F.loop, 1);

    make_lock(0);
    make_lock(1);
    make_cond(0);
    make_cond(1);
    make_sem(0);
    make_sem(1);
    make_event(0);
    make_event(1);
    make_barrier();
    for (int k = 0; k < 3; k++)
        make_queue(k);

    struct script main_frame;
    memset(&main_frame, 0, sizeof main_frame);
    main_frame.p = data + (size < 6 ? size : 6);
    main_frame.end = data + size;
    main_frame.policy = next_byte(&main_frame);
    main_frame.index = 0;
    tide_task *main = NULL;
    int rc = tide_loop_run(F.loop, script, &main_frame, sizeof main_frame,
                           &main);
    SAY("run: %s, %zu task(s) pending\n", rc ? tide_errname(rc) : "ok",
        tide_loop_task_count(F.loop));
    CHECK(rc <= 0 && rc != TIDE_EINPROGRESS);
    if (rc == TIDE_EDEADLOCK)
        stat_deadlocks++;
    if (F.runaway)
        FAIL("more than %d task steps: the run never settles", STEP_CAP);
    if (main) {
        CHECK(tide_task_is_done(main) || rc == TIDE_ESTOPPED ||
              rc == TIDE_EDEADLOCK);
        tide_task_release(main);
    } else {
        CHECK(rc == TIDE_ENOMEM && F.injected);
    }
    if (rc == TIDE_ESTOPPED)
        stat_stopped++;

    /* Tasks left pending (the run was stopped, or a deadlock outlived the
     * cancellations): drain them so their cleanup runs. */
    if (tide_loop_task_count(F.loop) > 0) {
        stat_reaped++;
        F.in_reap = 1;
        struct reaper r;
        memset(&r, 0, sizeof r);
        int rrc, tries = 0;
        do /* the reaper's own spawn may fail: then nothing ran; again */
            rrc = tide_loop_run(F.loop, reaper, &r, sizeof r, NULL);
        while (rrc == TIDE_ENOMEM && F.injected && ++tries < 1000);
        if (F.runaway)
            FAIL("more than %d task steps while draining", STEP_CAP);
        CHECK(tide_loop_task_count(F.loop) == 0);
    }
    int clean = tide_loop_task_count(F.loop) == 0;
    if (clean) {
        for (int i = 0; i < F.ntasks; i++)
            if (F.task[i].t && !tide_task_is_done(F.task[i].t))
                FAIL("task %d is not done after the run", i);
        /* with no task in flight the semaphores balance exactly */
        for (int i = 0; i < 2; i++)
            if (F.sem[i])
                CHECK(tide_sem_value(F.sem[i]) ==
                      F.sem_init[i] + F.sem_rel[i] - F.sem_acq[i]);
        /* what is left in each queue is exactly what the model holds */
        for (int k = 0; k < 3; k++) {
            void *item;
            while (F.q[k] && tide_queue_get_nowait(F.q[k], &item) == 0)
                qm_got(k, item);
            if (F.q[k] && !F.qm[k].overflow)
                CHECK(F.qm[k].n == 0);
        }
        check_models();
    }

    for (int i = 0; i < MAX_TASKS; i++)
        if (F.exp[i].t)
            FAIL("task %d: a misuse report it owed never came (\"%s\")", i,
                 F.exp[i].needle);
    chains_done(clean);
    for (int i = 0; i < F.ngroups; i++)
        if (F.grp[i].orphan)
            CHECK(clean);
    CHECK(F.xcalls_ran <= F.xcalls_made);
    for (int i = 0; i < F.ntasks; i++)
        tide_task_release(F.task[i].t);
    /* with mode bit 3 clear the loop's destroy frees the handles still
     * held, as it frees task handles (the leak count below sees it) */
    for (int i = 0; i < MAX_HANDLES && (mode & 8); i++)
        tide_handle_release(F.handle[i]);
    /* Every handle is released now (those given to TIDE_GATHER_OWN by the
     * gather, the others above), but for the ones a gather out of memory
     * may have left: the teardown in debug mode reports the others. */
    if (clean) {
        tide_loop_set_debug(F.loop, 1);
        F.destroying = 1;
    }
    if ((mode & 8) && clean) {
        destroy_primitives(1);
        drop_kept();
        drop_orphans(0);
        CHECK(tide_loop_destroy(F.loop) == 0);
    } else {
        CHECK(tide_loop_destroy(F.loop) == 0);
        destroy_primitives(1); /* a primitive may outlive its loop */
        drop_kept();           /* and so may a timeout */
        drop_orphans(1);       /* and a task group */
    }
    if (F.unreleased > F.own_loose)
        FAIL("%d task handle(s) never released (%d given to gathers that "
             "ran out of memory)", F.unreleased, F.own_loose);
    if (F.own_loose)
        stat_own_loose[F.unreleased == F.own_loose]++;
    for (int k = 0; k < F.nchains; k++) /* (one still waited on) */
        tide_event_destroy(F.chain[k].ev);
    for (int i = 0; i < F.ngroups; i++)
        CHECK(F.grp[i].g == NULL); /* every owner's FINALLY freed its own */
    memset(idflag, 0, (size_t)F.max_id + 1);
    memset(id_chain, 0, (size_t)F.max_id + 1);
    if (F.live != 0)
        FAIL("%zu byte(s) leaked", F.live);
    if (F.injected)
        stat_injected++;
}

/* ---- entry points ----------------------------------------------------------- */

static void print_summary(void)
{
    int reached = 0;
    for (int i = 0; i < OP_COUNT; i++)
        reached += op_hits[i] != 0;
    fprintf(stderr,
            "fuzz_ops: %llu runs, %llu with allocation failures, %llu "
            "deadlocked, %llu stopped, %llu drained; operations reached: "
            "%d/%d\n",
            (unsigned long long)stat_runs, (unsigned long long)stat_injected,
            (unsigned long long)stat_deadlocks,
            (unsigned long long)stat_stopped, (unsigned long long)stat_reaped,
            reached, OP_COUNT);
    if (reached < OP_COUNT) {
        fprintf(stderr, "fuzz_ops: never reached:");
        for (int i = 0; i < OP_COUNT; i++)
            if (!op_hits[i])
                fprintf(stderr, " %s", op_names[i]);
        fprintf(stderr, "\n");
    }
    if (stat_own_loose[0] + stat_own_loose[1])
        fprintf(stderr,
                "fuzz_ops: TIDE_GATHER_OWN out of memory: %llu run(s) where "
                "it took none of the handles, %llu where it took some\n",
                (unsigned long long)stat_own_loose[1],
                (unsigned long long)stat_own_loose[0]);
    int cases = 0, ncases = 0;
    for (int i = 0; i < C_COUNT; i++) {
        ncases += case_applies(i);
        cases += case_applies(i) && case_hits[i] != 0;
    }
    fprintf(stderr, "fuzz_ops: misuse cases reached: %d/%d\n", cases,
            ncases);
    if (cases < ncases) {
        char name[64];
        fprintf(stderr, "fuzz_ops: misuse cases never reached:");
        for (int i = 0; i < C_COUNT; i++)
            if (case_applies(i) && !case_hits[i])
                fprintf(stderr, " %s", case_name(i, name, sizeof name));
        fprintf(stderr, "\n");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    atexit(print_summary);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_input(data, size);
    return 0;
}

#ifdef FUZZ_REPLAY
/* Runs one input from a buffer of exactly its size (ASan sees overruns). */
static void replay(const uint8_t *data, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, data, n);
    run_input(copy, n);
    free(copy);
}

/* Runs each file named on the command line once (directories are not
 * walked: pass each file of fuzz/corpus). With no arguments, reads inputs from stdin,
 * each as a 4-byte little-endian length and its bytes: that is how the
 * WASI build gets them without a preopened directory. */
int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    static uint8_t buf[1 << 20];
    if (argc == 1) {
        uint8_t len[4];
        while (fread(len, 1, 4, stdin) == 4) {
            size_t n = (size_t)len[0] | (size_t)len[1] << 8 |
                       (size_t)len[2] << 16 | (size_t)len[3] << 24;
            if (n > sizeof buf || fread(buf, 1, n, stdin) != n) {
                fprintf(stderr, "fuzz_replay: truncated input\n");
                return 2;
            }
            replay(buf, n);
        }
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 2;
        }
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        replay(buf, n);
    }
    return 0;
}
#endif
