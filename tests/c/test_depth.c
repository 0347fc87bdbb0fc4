/*
 * test_depth.c - no depth limits on the paths programs control: a chain of
 * tasks awaiting each other (through tide_join, tide_gather or
 * tide_wait_for) cancelled at its head, left over when main returns,
 * deadlocked, closed into a cycle, or pending when the loop is destroyed,
 * a million tasks deep (or a hundred thousand: chain_length). Each must end
 * as a short chain does, in the same order, with nothing recursing on the
 * C stack (which a wasm host would overflow) and nothing quadratic (which
 * no host would finish).
 *
 * What asyncio gives, checked on CPython 3.13 with short chains:
 * - head.cancel("stop") on link 0 of a chain of links each awaiting the
 *   next: the cancel passes down to the bottom link; the links end
 *   cancelled from the bottom up, one loop iteration apart (two through a
 *   gather: its done callback, then the wake-up), each with the message
 *   "stop" and cancelling() == 1.
 * - The same chain left over when main returns: asyncio.run cancels every
 *   task, and each cancel passes down through the links below, so link d
 *   ends with cancelling() == d + 1 whatever the order of the cancels
 *   (Tide counts up to INT16_MAX and stays there).
 * - A chain of links each running the next in a TaskGroup: the cancel goes
 *   down one link per iteration (each group cancels its child when its
 *   task resumes), then the links end from the bottom up, two iterations
 *   apart, each with cancelling() == 1; only link 0 has the message.
 * - gather(X, X) lists X twice and cancels it twice.
 *
 * Under the out-of-memory sweep (TH_OOM_ALL), where every case is re-run
 * with each allocation failing in turn, chains are 40 tasks long.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { VIA_JOIN, VIA_GATHER, VIA_WAIT_FOR, VIA_GROUP };

/* A million tasks for the two cases the issue names (a join chain
 * cancelled, a deadlock); a hundred thousand for the others, which share
 * their code paths: ten times the depth that overflowed the stack of a wasm
 * host before, and far past what a quadratic path could finish, at a tenth
 * of the time (they would take ~10 s more per wasm host at a million). */
static long chain_length(int million)
{
    const char *a = getenv("TH_OOM_ALL"), *b = getenv("TIDE_TEST_OOM_ALL");
    if ((a && *a && *a != '0') || (b && *b && *b != '0'))
        return 40;
    return million ? 1000000 : 100000;
}

/* The chain of the current case and what its links saw as they ended. */
static struct {
    long n;              /* links */
    int via;             /* how each link awaits the next */
    tide_event *ready;   /* set by the bottom link once the chain is built */
    tide_event *bottom;  /* what the bottom link waits on (never set) */
    int bottom_sleeps;   /* the bottom link sleeps for ever instead */
    int expect_err;      /* the error each link ends with */
    const char *expect_msg;
    int msg_at_head_only; /* the links below end without a message */
    long count_base;     /* link d ends with cancelling() == d + count_base
                            (0: == 1 for every link) */
    uint64_t hop;        /* loop iterations between two links' ends */
    long ended;          /* links ended so far */
    long wrong;          /* links that ended out of order or otherwise */
    long first_wrong;    /* the depth of the first of those, or -1 */
    uint64_t last_iteration;
} C;

static void chain_reset(int via, long n)
{
    memset(&C, 0, sizeof C);
    C.via = via;
    C.n = n;
    C.first_wrong = -1;
    C.expect_err = TIDE_ECANCELLED;
    C.hop = via == VIA_GATHER || via == VIA_GROUP ? 2 : 1;
}

static int expected_cancelling(long depth)
{
    if (!C.count_base)
        return 1;
    long c = depth + C.count_base;
    return c > INT16_MAX ? INT16_MAX : (int)c;
}

/* A link ends: the deepest first, then one hop of the loop apart each. */
static void link_ended(long depth, int err, const char *msg)
{
    uint64_t now = tide_loop_iteration_count(tide_running_loop());
    const char *want = depth == 0 || !C.msg_at_head_only ? C.expect_msg : NULL;
    int ok = depth == C.n - 1 - C.ended && err == C.expect_err &&
             (want ? msg && strcmp(msg, want) == 0 : !msg) &&
             tide_task_cancelling(tide_current_task()) ==
                 expected_cancelling(depth) &&
             (C.ended == 0 || now - C.last_iteration == C.hop);
    if (!ok && C.wrong++ == 0)
        C.first_wrong = depth;
    C.ended++;
    C.last_iteration = now;
}

struct link {
    TIDE_FRAME;
    long depth;
    tide_task *next;
    tide_group *tg;
};
static tide_status link(void *frame)
{
    struct link *f = frame;
    TIDE_BEGIN(f);
    if (f->depth + 1 == C.n) {
        tide_event_set(C.ready);
        if (C.bottom_sleeps)
            TIDE_AWAIT(f, tide_sleep(INFINITY));
        else
            TIDE_AWAIT(f, tide_event_wait(C.bottom));
    } else if (C.via == VIA_GROUP) {
        TIDE_TRY(f, tide_group_create(&f->tg));
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, link, NULL, NULL,
                                     .depth = f->depth + 1));
        TIDE_AWAIT(f, tide_group_exit(f->tg, 0));
    } else {
        TIDE_TRY(f, TIDE_SPAWN(link, NULL, &f->next, .depth = f->depth + 1));
        if (C.via == VIA_JOIN)
            TIDE_AWAIT(f, tide_join(f->next, NULL));
        else if (C.via == VIA_GATHER)
            TIDE_AWAIT(f, tide_gather(&f->next, 1, 0, NULL, NULL));
        else if (C.via == VIA_WAIT_FOR)
            TIDE_AWAIT(f, tide_wait_for(f->next, 1e9, NULL));
    }
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) != TIDE_ENOMEM) /* (the sweep's injected failures) */
        link_ended(f->depth, TIDE_ERROR(f), TIDE_ERROR_MESSAGE(f));
    tide_task_release(f->next);
    tide_group_destroy(f->tg);
    TIDE_END(f);
}

/* Main's part: make the events, start link 0, wait for the whole chain. */
struct chain_main {
    TIDE_FRAME;
    tide_task *head;
    int rc;
};

#define BUILD_CHAIN(f)                                                         \
    do {                                                                       \
        TIDE_TRY(f, tide_event_create(tide_running_loop(), &C.ready));         \
        TIDE_TRY(f, tide_event_create(tide_running_loop(), &C.bottom));        \
        TIDE_TRY(f, TIDE_SPAWN(link, NULL, &(f)->head, .depth = 0));           \
        TIDE_AWAIT(f, tide_event_wait(C.ready));                               \
    } while (0)

/* Main lets go of link 0 and of the events nobody waits on any more. */
static void chain_free(struct chain_main *f)
{
    tide_task_release(f->head);
    f->head = NULL;
    tide_event_destroy(C.ready);
    C.ready = NULL;
    if (tide_event_destroy(C.bottom) == 0)
        C.bottom = NULL;
}

/* Every link ended as expected. */
static void check_chain(void)
{
    TH_EQ_INT(C.ended, C.n);
    TH_EQ_INT(C.wrong, 0);
    TH_EQ_INT(C.first_wrong, -1);
}

/* After the run (every link done): the events main could not destroy
 * (an allocation failing under the sweep can leave part of a chain
 * running after main is done with it). */
static void chain_events_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    (void)err;
    tide_event_destroy(C.ready);
    tide_event_destroy(C.bottom);
    C.ready = C.bottom = NULL;
}

/* ---- cancelled at its head ------------------------------------------------ */

static int case_via; /* set by each entry point below, at every step */

static tide_status cancel_head(void *frame)
{
    struct chain_main *f = frame;
    TIDE_BEGIN(f);
    chain_reset(case_via, chain_length(case_via == VIA_JOIN));
    BUILD_CHAIN(f);
    C.expect_msg = "stop";
    C.msg_at_head_only = case_via == VIA_GROUP;
    TH_EQ_INT(tide_task_cancel(f->head, "stop"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->head, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop");
    check_chain();
    TIDE_FINALLY(f);
    chain_free(f);
    TIDE_END(f);
}

/* The three cases: cancel_head's frame, and how each link awaits. */
#define CANCEL_HEAD_CASE(name, via)                                            \
    struct name {                                                              \
        struct chain_main m;                                                   \
    };                                                                         \
    static tide_status name(void *frame)                                       \
    {                                                                          \
        case_via = (via);                                                      \
        return cancel_head(frame);                                             \
    }
CANCEL_HEAD_CASE(join_chain_cancelled, VIA_JOIN)
CANCEL_HEAD_CASE(gather_chain_cancelled, VIA_GATHER)
CANCEL_HEAD_CASE(wait_for_chain_cancelled, VIA_WAIT_FOR)
CANCEL_HEAD_CASE(group_chain_cancelled, VIA_GROUP)

/* ---- left over when main returns ------------------------------------------ */

struct chain_left_over {
    struct chain_main m;
};
static tide_status chain_left_over(void *frame)
{
    struct chain_main *f = frame;
    TIDE_BEGIN(f);
    chain_reset(VIA_JOIN, chain_length(0));
    BUILD_CHAIN(f);
    C.count_base = 1; /* link d: the cancels of links 0..d */
    TIDE_FINALLY(f);
    chain_free(f); /* C.bottom goes once the links are done */
    TIDE_END(f);
}
static void chain_left_over_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    TH_EQ_INT(err, 0);
    check_chain();
    TH_EQ_STR(th_reports(), ""); /* cancelled at shutdown: not failures */
    chain_events_after(L, main, err);
}

/* ---- deadlocked ------------------------------------------------------------ */

struct chain_deadlock {
    struct chain_main m;
};
static tide_status chain_deadlock(void *frame)
{
    struct chain_main *f = frame;
    TIDE_BEGIN(f);
    chain_reset(VIA_JOIN, chain_length(1));
    BUILD_CHAIN(f);
    C.count_base = 2; /* link d: the cancels of main and links 0..d */
    TIDE_AWAIT(f, tide_join(f->head, NULL)); /* nothing can wake it */
    TIDE_FINALLY(f);
    TH_EQ_INT(TIDE_ERROR(f), TIDE_ECANCELLED);
    chain_free(f);
    TIDE_END(f);
}
static void chain_deadlock_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    char text[160];
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_EQ_INT(tide_task_is_cancelled(main), 1);
    check_chain();
    snprintf(text, sizeof text, "deadlock: %ld task(s) wait and nothing can "
             "wake any of them; cancelling them", C.n + 1);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK, text));
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "\n  Task-1 waiting on task Task-2\n"
                          "  Task-2 waiting on task Task-3\n"));
    /* a long list is cut short, and says where the chain ends */
    snprintf(text, sizeof text, "  chain of %ld task(s) from Task-1 to: "
             "Task-%ld waiting on event#2 (not set)", C.n + 1, C.n + 1);
    TH_EQ_INT(th_debug_has(TIDE_DEBUG_DEADLOCK, text), C.n > 1000);
    TH_EQ_INT(th_debug_has(TIDE_DEBUG_DEADLOCK, " more task(s)\n"),
              C.n > 1000);
    TH_CHECK(!th_debug_has(TIDE_DEBUG_DEADLOCK, "cycle"));
    chain_events_after(L, main, err);
}

/* ---- a cycle ---------------------------------------------------------------- */

/* n tasks, each awaiting the next, the last awaiting the first; main
 * awaits the first. */
static struct {
    tide_task **ring;
    long n;
    long ended, wrong;
} R;

struct ring_member {
    TIDE_FRAME;
    long i;
};
static tide_status ring_member(void *frame)
{
    struct ring_member *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f); /* every member exists now */
    TIDE_AWAIT(f, tide_join(R.ring[(f->i + 1) % R.n], NULL));
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) != TIDE_ENOMEM) {
        /* The cancel of the pass went from main round the ring and came
         * back to the last member, which stopped waiting (the cycle rule):
         * the last ends first, then each one before it. Member i got the
         * cancels of main and of members 0..i. */
        long c = f->i + 2 > INT16_MAX ? INT16_MAX : f->i + 2;
        if (f->i != R.n - 1 - R.ended || TIDE_ERROR(f) != TIDE_ECANCELLED ||
            tide_task_cancelling(tide_current_task()) != c)
            R.wrong++;
        R.ended++;
    }
    TIDE_END(f);
}

struct ring_deadlock {
    TIDE_FRAME;
    long i;
};
static tide_status ring_deadlock(void *frame)
{
    struct ring_deadlock *f = frame;
    TIDE_BEGIN(f);
    memset(&R, 0, sizeof R);
    R.n = chain_length(0);
    R.ring = calloc((size_t)R.n, sizeof *R.ring);
    TH_CHECK(R.ring != NULL);
    if (!R.ring)
        TIDE_RETURN(f, NULL);
    for (f->i = 0; f->i < R.n; f->i++)
        TIDE_TRY(f, TIDE_SPAWN(ring_member, NULL, &R.ring[f->i], .i = f->i));
    TIDE_AWAIT(f, tide_join(R.ring[0], NULL));
    TIDE_END(f);
}
static void ring_deadlock_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    char text[160];
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_EQ_INT(R.ended, R.n);
    TH_EQ_INT(R.wrong, 0);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "\n  cycle: Task-2 -> Task-3 -> Task-4 -> "));
    /* a long cycle is cut short */
    if (R.n > 1000)
        snprintf(text, sizeof text, " -> ... (%ld tasks) -> Task-2\n", R.n);
    else
        snprintf(text, sizeof text, " -> Task-%ld -> Task-2\n", R.n + 1);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK, text));
    for (long i = 0; R.ring && i < R.n; i++)
        tide_task_release(R.ring[i]);
    free(R.ring);
    R.ring = NULL;
}

/* ---- the loop destroyed with the chain pending ------------------------------ */

static struct {
    long reports;  /* "task was destroyed but it is pending" */
    long wrong;    /* reports of another kind, or out of creation order */
    long expected; /* reports the destroy should make */
} X;

static void count_destroyed(tide_loop *loop, const char *context, int err,
                            const char *message, tide_task *task, void *arg)
{
    (void)loop;
    (void)message;
    (void)arg;
    /* link d is Task-(d + 2): reported in creation order */
    if (strcmp(context, "task was destroyed but it is pending") != 0 ||
        err != TIDE_ESTATE || !task ||
        tide_task_id(task) != (uint32_t)(X.reports + 2))
        X.wrong++;
    X.reports++;
}

struct chain_destroyed {
    struct chain_main m;
};
static tide_status chain_destroyed(void *frame)
{
    struct chain_main *f = frame;
    TIDE_BEGIN(f);
    chain_reset(VIA_JOIN, chain_length(0));
    C.bottom_sleeps = 1; /* nothing left for the destroy to hold up */
    memset(&X, 0, sizeof X);
    BUILD_CHAIN(f);
    TH_EQ_INT(tide_loop_stop(tide_running_loop()), 0);
    TIDE_FINALLY(f);
    chain_free(f);
    TIDE_END(f);
}
static void chain_destroyed_after(tide_loop *L, tide_task *main, int err)
{
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_EQ_INT(tide_loop_task_count(L), (size_t)C.n);
    /* The harness destroys the loop next: count what it reports there
     * (the next case checks); the harness's leak check sees the rest. */
    X.expected = (long)tide_loop_task_count(L);
    tide_loop_set_exception_handler(L, count_destroyed, NULL);
}

struct destroyed_reported {
    TIDE_FRAME;
};
static tide_status destroyed_reported(void *frame)
{
    struct destroyed_reported *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(X.reports, X.expected);
    TH_EQ_INT(X.wrong, 0);
    TIDE_END(f);
}

/* ---- counts in a small graph of waits -------------------------------------- */

/* X waits on an event; A gathers (X, X); B joins A; C gathers (A, B); D
 * joins C. Left over when main returns, each is cancelled once by the
 * shutdown, and each cancel passes down every path: CPython 3.13 ends them
 * with cancelling() X 13, A 6, B 3, C 2, D 1. */
static struct {
    tide_task *t[5];
    tide_event *ev;
    int cancelling[5];
} G;

struct graph_node {
    TIDE_FRAME;
    int i;
    tide_task *two[2];
};
static tide_status graph_node(void *frame)
{
    struct graph_node *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f); /* every node exists now */
    if (f->i == 0) {
        TIDE_AWAIT(f, tide_event_wait(G.ev));
    } else if (f->i == 1 || f->i == 3) {
        f->two[0] = G.t[f->i == 1 ? 0 : 1];
        f->two[1] = G.t[f->i == 1 ? 0 : 2];
        TIDE_AWAIT(f, tide_gather(f->two, 2, 0, NULL, NULL));
    } else {
        TIDE_AWAIT(f, tide_join(G.t[f->i - 1], NULL));
    }
    TIDE_FINALLY(f);
    G.cancelling[f->i] = tide_task_cancelling(tide_current_task());
    TIDE_END(f);
}

struct graph_left_over {
    TIDE_FRAME;
    int i;
};
static tide_status graph_left_over(void *frame)
{
    struct graph_left_over *f = frame;
    TIDE_BEGIN(f);
    memset(&G, 0, sizeof G);
    TIDE_TRY(f, tide_event_create(tide_running_loop(), &G.ev));
    for (f->i = 0; f->i < 5; f->i++)
        TIDE_TRY(f, TIDE_SPAWN(graph_node, NULL, &G.t[f->i], .i = f->i));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TIDE_END(f);
}
static void graph_left_over_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    static const int want[5] = {13, 6, 3, 2, 1};
    TH_EQ_INT(err, 0);
    for (int i = 0; i < 5; i++) {
        TH_EQ_INT(G.cancelling[i], want[i]);
        TH_CHECK(tide_task_is_cancelled(G.t[i]));
        tide_task_release(G.t[i]);
    }
    tide_event_destroy(G.ev);
}

static const th_case cases[] = {
    TH_CASE_AFTER("DEPTH-01 a join chain cancelled at its head ends from "
                  "the bottom up, one iteration apart, message kept",
                  join_chain_cancelled, chain_events_after, 0),
    TH_CASE_AFTER("DEPTH-02 a gather chain cancelled at its head ends from "
                  "the bottom up, two iterations apart, message kept",
                  gather_chain_cancelled, chain_events_after, 0),
    TH_CASE_AFTER("DEPTH-03 a wait_for chain cancelled at its head ends "
                  "from the bottom up, one iteration apart, message kept",
                  wait_for_chain_cancelled, chain_events_after, 0),
    TH_CASE_AFTER("DEPTH-09 a chain of task groups cancelled at its head "
                  "ends from the bottom up, two iterations apart",
                  group_chain_cancelled, chain_events_after, 0),
    TH_CASE_AFTER("DEPTH-04 a chain left over when main returns: each link "
                  "counts the cancels of the links above it",
                  chain_left_over, chain_left_over_after, 0),
    TH_CASE_AFTER("DEPTH-05 a deadlocked chain is reported, named and "
                  "cancelled; the run ends with TIDE_EDEADLOCK",
                  chain_deadlock, chain_deadlock_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("DEPTH-06 a deadlocked cycle of tasks is found and "
                  "unwinds through the cycle rule",
                  ring_deadlock, ring_deadlock_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("DEPTH-07 the loop is destroyed with a chain pending",
                  chain_destroyed, chain_destroyed_after, TH_EXPECT_ERROR),
    TH_CASE("DEPTH-07 the destroy reported each pending task once, in "
            "creation order", destroyed_reported),
    TH_CASE_AFTER("DEPTH-08 the shutdown counts cancels through gathers as "
                  "CPython does", graph_left_over, graph_left_over_after, 0),
};

TH_MAIN(cases)
