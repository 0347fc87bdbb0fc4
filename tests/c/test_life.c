/*
 * test_life.c - lifetimes and destroy order (LIFE-*): what a program's
 * objects do when they outlive their loop, when a reference is given back
 * once too often, and where tide_callback_fail's message goes from the
 * callbacks that are not tide_call_soon's (a done callback; a to_thread
 * function's is in test_thread.c, which ThreadSanitizer runs).
 *
 * Cases that need code after a loop's destroy run a loop of their own in
 * their `after` check, once the case's run has ended, with an allocator
 * that counts what is live: blocking hosts only, where that run returns
 * when it is over (as test_queue.c's outlive case does).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#if !defined(__EMSCRIPTEN__)
/* ---- an allocator of our own, for a loop a case destroys itself ---------- */

static long own_live;

static void *own_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    own_live += (long)new_size - (long)(ptr ? old_size : 0);
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* Debug reports of a loop of a case's own, counted. */
static void own_debug(tide_loop *loop, int kind, const char *text,
                      tide_task *task, void *count)
{
    (void)loop;
    (void)kind;
    (void)text;
    (void)task;
    ++*(int *)count;
}

/* Runs `main` on a loop of its own (virtual clock, own_alloc - whose count
 * the caller zeroes first -, reports
 * counted into *reports, and debug reports too in debug mode if `debug`
 * is not NULL), which the run is to stop; returns the loop, or NULL if it
 * could not be made. */
static tide_loop *own_run(tide_fn main, size_t frame_size, int *reports,
                          int *debug)
{
    tide_loop *l2 = NULL;
    TH_EQ_INT(tide_loop_create(own_alloc, NULL, &l2), 0);
    if (!l2)
        return NULL;
    tide_loop_set_virtual_clock(l2, 1);
    tide_loop_set_exception_handler(l2, th_count_exception, reports);
    if (debug) {
        tide_loop_set_debug(l2, 1);
        tide_loop_set_debug_handler(l2, own_debug, debug);
    }
    void *frame = calloc(1, frame_size);
    TH_CHECK(frame != NULL);
    TH_EQ_INT(tide_loop_run(l2, main, frame, frame_size, NULL),
              TIDE_ESTOPPED);
    free(frame);
    return l2;
}

/* ---- LIFE-01: timeouts may outlive their loop ------------------------------
 * A timeout is the program's, as a lock is: one never destroyed before
 * tide_loop_destroy (made and never entered, entered with
 * tide_timeout_enter and never left, entered by a TIDE_WITH block that was
 * still open when the run stopped) is destroyed after it, reads as it
 * stood, refuses exit and reschedule with TIDE_ESTATE, and gives back
 * every byte (ASan: nothing of the loop is touched). */
static tide_timeout *life01_tmo[3];

struct life01_main {
    TIDE_FRAME;
};
static tide_status life01_main(void *frame)
{
    struct life01_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_create(5, &life01_tmo[0]));
    TIDE_TRY(f, tide_timeout_enter(7, &life01_tmo[1]));
    TIDE_TRY(f, tide_timeout_create(9, &life01_tmo[2]));
    TIDE_WITH(f, tide_timeout_scope_of(life01_tmo[2])) {
        TH_EQ_INT(tide_loop_stop(tide_running_loop()), 0);
        TIDE_AWAIT(f, tide_sleep(3600)); /* the run stops first */
    }
    TIDE_END(f);
}

static void life01_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    int reports = 0;
    own_live = 0;
    tide_loop *l2 =
        own_run(life01_main, sizeof(struct life01_main), &reports, NULL);
    if (!l2)
        return;
    TH_EQ_INT(tide_loop_destroy(l2), 0);
    TH_EQ_INT(reports, 1); /* main, freed pending */
    TH_EQ_DBL(tide_timeout_when(life01_tmo[0]), 5);
    TH_EQ_DBL(tide_timeout_when(life01_tmo[1]), 7);
    TH_EQ_DBL(tide_timeout_when(life01_tmo[2]), 9);
    for (int i = 0; i < 3; i++) {
        TH_EQ_INT(tide_timeout_is_expired(life01_tmo[i]), 0);
        TH_EQ_INT(tide_timeout_exit(life01_tmo[i], 0), TIDE_ESTATE);
        TH_EQ_INT(tide_timeout_reschedule(life01_tmo[i], 1), TIDE_ESTATE);
        tide_timeout_destroy(life01_tmo[i]);
        life01_tmo[i] = NULL;
    }
    TH_EQ_INT(own_live, 0);
}

/* ---- LIFE-06: task groups may outlive their loop -------------------------
 * Groups of the long form that the program has not destroyed when its
 * loop is: one whose owner waits in tide_group_exit with a child still
 * running and another failed (an error record), one never exited with a
 * child whose done callback is queued, one exited with its body's error
 * (TIDE_EGROUP, one error counted). tide_loop_destroy lets go of their
 * children, records and owner; destroyed after it they count no errors,
 * give back every byte, and spawn, cancel and exit refuse with
 * TIDE_ESTATE in between. */
static tide_group *life06_g[3];

struct life06_body {
    TIDE_FRAME;
    int rc;
};
static tide_status life06_body(void *frame)
{
    struct life06_body *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&life06_g[1]));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(life06_g[1], th_child, NULL, NULL));
    TIDE_TRY(f, tide_group_create(&life06_g[2]));
    TIDE_AWAIT_CATCH(f, tide_group_exit(life06_g[2], TIDE_EUSER), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(tide_group_error_count(life06_g[2]), 1);
    TIDE_YIELD(f); /* the child ran, its callback is queued */
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_AWAIT(f, tide_sleep(3600));
    TIDE_END(f);
}

struct life06_main {
    TIDE_FRAME;
    int rc;
};
static tide_status life06_main(void *frame)
{
    struct life06_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&life06_g[0]));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(life06_g[0], th_child, NULL, NULL,
                                 .delay = 3600));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(life06_g[0], th_child, NULL, NULL,
                                 .err = TIDE_EUSER, .msg = "failed"));
    TIDE_TRY(f, tide_loop_spawn(tide_running_loop(), life06_body,
                                &(struct life06_body){0},
                                sizeof(struct life06_body), NULL, NULL));
    TIDE_AWAIT_CATCH(f, tide_group_exit(life06_g[0], 0), f->rc);
    TH_CHECK(!"the run was to stop first");
    TIDE_END(f);
}

static void life06_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    int reports = 0;
    own_live = 0;
    tide_loop *l2 =
        own_run(life06_main, sizeof(struct life06_main), &reports, NULL);
    if (!l2)
        return;
    TH_EQ_INT(tide_group_destroy(life06_g[0]), TIDE_EBUSY); /* in exit */
    TH_EQ_INT(tide_loop_destroy(l2), 0);
    TH_EQ_INT(reports, 3); /* main, the sleeping child, the body */
    for (int i = 0; i < 3; i++) {
        TH_EQ_INT(tide_group_error_count(life06_g[i]), 0);
        TH_EQ_INT(tide_group_spawn(life06_g[i], th_child,
                                   &(struct th_child){0},
                                   sizeof(struct th_child), NULL, NULL),
                  TIDE_ESTATE);
        TH_EQ_INT(tide_group_cancel(life06_g[i]), TIDE_ESTATE);
        TH_EQ_INT(tide_group_destroy(life06_g[i]), 0);
        life06_g[i] = NULL;
    }
    TH_EQ_INT(own_live, 0);
}

/* ---- LIFE-07: a timeout kept after its block holds its task no longer ----
 * Python's `cm.expired()` after `async with cm:` keeps the timeout past
 * the task that entered it. Once left, the timeout only reads as it
 * stood: the task, finished and released, is freed, and debug mode's
 * teardown finds no task handle left unreleased; the timeout is destroyed
 * after the loop. */
static tide_timeout *life07_cm;

struct life07_worker {
    TIDE_FRAME;
};
static tide_status life07_worker(void *frame)
{
    struct life07_worker *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_create(10, &life07_cm));
    TIDE_WITH(f, tide_timeout_scope_of(life07_cm)) {
        TIDE_AWAIT(f, tide_sleep(1));
    }
    TIDE_END(f);
}

struct life07_main {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status life07_main(void *frame)
{
    struct life07_main *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(life07_worker, "worker", &f->t));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    tide_task_release(f->t);
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_AWAIT(f, tide_sleep(3600));
    TIDE_END(f);
}

static void life07_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    int reports = 0, debug = 0;
    own_live = 0;
    tide_loop *l2 = own_run(life07_main, sizeof(struct life07_main),
                            &reports, &debug);
    if (!l2)
        return;
    TH_EQ_INT(tide_loop_destroy(l2), 0);
    TH_EQ_INT(reports, 1); /* main, freed pending */
    TH_EQ_INT(debug, 1);   /* main still pending at exit; no handle */
    TH_CHECK(life07_cm != NULL);
    TH_EQ_INT(tide_timeout_is_expired(life07_cm), 0);
    TH_EQ_DBL(tide_timeout_when(life07_cm), 10);
    tide_timeout_destroy(life07_cm);
    life07_cm = NULL;
    TH_EQ_INT(own_live, 0);
}

/* ---- LIFE-08: objects of another loop ------------------------------------
 * Loop A makes a timeout (tide_timeout_create), a lock, a task group and a
 * task, and stops; a task of loop B then uses them. Entering A's timeout
 * or lock fails with TIDE_ESTATE and a message, leaving A's objects as
 * they were; awaiting A's task (join, wait_for, wait) is TIDE_EINVAL, with
 * a message; exiting A's group is
 * TIDE_ESTATE (B's task is not its owner). Spawning into A's group is
 * allowed, as asyncio's TaskGroup.create_task makes the task on the
 * group's loop: the child is a task of A. Then B, A's group, loop A and
 * A's timeout go, in that order. */
static struct {
    tide_timeout *cm;
    tide_lock *lock;
    tide_group *g;
    tide_task *t;
} life08;

struct life08_a {
    TIDE_FRAME;
};
static tide_status life08_a(void *frame)
{
    struct life08_a *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_create(5, &life08.cm));
    TIDE_TRY(f, tide_lock_create(NULL, &life08.lock));
    TIDE_TRY(f, tide_group_create(&life08.g));
    TIDE_TRY(f, TIDE_SPAWN(th_child, "a-child", &life08.t, .delay = 3600));
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_AWAIT(f, tide_sleep(3600));
    TIDE_END(f);
}

struct life08_b {
    TIDE_FRAME;
    tide_task *kid;
    int rc;
};
static tide_status life08_b(void *frame)
{
    struct life08_b *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH_CATCH(f, tide_timeout_scope_of(life08.cm), f->rc) {
        TH_CHECK(!"entered a timeout of another loop");
    }
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "another loop");
    TH_EQ_DBL(tide_timeout_when(life08.cm), 5);
    TH_EQ_INT(tide_timeout_exit(life08.cm, 0), TIDE_ESTATE); /* not entered */
    TIDE_WITH_CATCH(f, tide_lock_scope(life08.lock), f->rc) {
        TH_CHECK(!"entered a lock of another loop");
    }
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_HAS(tide_error_message(), "different event loop");
    TH_EQ_INT(tide_lock_is_locked(life08.lock), 0);
    TIDE_AWAIT_CATCH(f, tide_join(life08.t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_HAS(tide_error_message(), "different event loop");
    TIDE_AWAIT_CATCH(f, tide_wait_for(life08.t, 1, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_HAS(tide_error_message(), "different event loop");
    TIDE_AWAIT_CATCH(f, tide_wait(&life08.t, 1, TIDE_FIRST_COMPLETED, 1),
                     f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_HAS(tide_error_message(), "different event loop");
    TIDE_AWAIT_CATCH(f, tide_group_exit(life08.g, 0), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_INT(tide_group_spawn(life08.g, th_child, &(struct th_child){0},
                               sizeof(struct th_child), "b-spawned",
                               &f->kid),
              0);
    TH_CHECK(f->kid != NULL && !tide_task_is_done(f->kid));
    tide_task_release(f->kid);
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_AWAIT(f, tide_sleep(3600));
    TIDE_END(f);
}

static void life08_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    int reports = 0;
    own_live = 0;
    tide_loop *la = own_run(life08_a, sizeof(struct life08_a), &reports, NULL);
    if (!la)
        return;
    tide_loop *lb = own_run(life08_b, sizeof(struct life08_b), &reports, NULL);
    TH_EQ_INT(tide_loop_destroy(lb), 0);
    TH_EQ_INT(tide_loop_task_count(la), 3); /* main, its child, b's kid */
    TH_EQ_INT(tide_group_destroy(life08.g), 0); /* (cancels A's children) */
    tide_lock_destroy(life08.lock);
    tide_task_release(life08.t);
    TH_EQ_INT(tide_loop_destroy(la), 0);
    TH_EQ_INT(reports, 1 + 3); /* b's main; a's main, child and kid */
    tide_timeout_destroy(life08.cm);
    memset(&life08, 0, sizeof life08);
    TH_EQ_INT(own_live, 0);
}

/* The case itself runs nothing: its `after` does. */
struct life01 {
    TIDE_FRAME;
};
static tide_status life01(void *frame)
{
    struct life01 *f = frame;
    TIDE_BEGIN(f);
    TIDE_END(f);
}
#endif


/* ---- LIFE-02: handles the program still holds go with the loop ------------
 * tide_loop_destroy frees every handle the loop made, as it frees task
 * handles: one that ran, one cancelled and one still armed, none of them
 * released, leak nothing (the harness counts every byte). */
struct life02 {
    TIDE_FRAME;
    tide_handle *h[3];
};
static tide_status life02(void *frame)
{
    struct life02 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "ran", &f->h[0]));
    TIDE_TRY(f, tide_call_later(L, 1, th_log_cb, "cancelled", &f->h[1]));
    TIDE_TRY(f, tide_call_later(L, 3600, th_log_cb, "never", &f->h[2]));
    TH_EQ_INT(tide_handle_cancel(f->h[1]), 1);
    TIDE_AWAIT(f, tide_sleep(2));
    TH_LOG_IS("ran");
    /* ... and the run ends with h[2] armed: nothing fires it now */
    TIDE_END(f);
}

/* ---- LIFE-03: a reference given back once too often ----------------------
 * While a task is pending its loop holds a reference of its own: a
 * tide_task_release past the program's would take that one and free a
 * task that still runs. It is refused and reported (TIDE_EOVERFLOW), and
 * the task runs to its end. The same for a handle still pending: the
 * second release is refused, and the callback still runs. */
struct life03 {
    TIDE_FRAME;
    tide_task *t;
    tide_handle *h;
};
static tide_status life03(void *frame)
{
    struct life03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, "twice", &f->t, .tag = "child",
                           .delay = 1));
    tide_task_release(f->t);
    tide_task_release(f->t); /* one too many: refused */
    f->t = NULL;
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 0.5, th_log_cb,
                                "callback", &f->h));
    tide_handle_release(f->h);
    tide_handle_release(f->h); /* one too many: refused */
    f->h = NULL;
    TH_EQ_STR(th_reports(), "task handle released too many times:"
                            "TIDE_EOVERFLOW handle released too many "
                            "times:TIDE_EOVERFLOW");
    TIDE_AWAIT(f, tide_sleep(2));
    TH_LOG_IS("callback child");
    TIDE_END(f);
}

/* ---- LIFE-04: tide_callback_fail from a done callback ----------------------
 * A done callback returns nothing, so a tide_callback_fail in it is how
 * it fails: the exception handler gets the error with the message (the
 * last call's), as for a tide_call_soon callback that returns it. One
 * that does not call it reports nothing. */
static void fail_done_cb(tide_task *t, void *arg)
{
    tide_callback_fail(TIDE_EUSER, "first");
    tide_callback_fail(TIDE_EUSER - 1, "%s ended, %d", tide_task_name(t),
                       VI(arg));
}

static void quiet_done_cb(tide_task *t, void *arg)
{
    (void)t;
    th_log("%s", (const char *)arg);
}

struct life04 {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status life04(void *frame)
{
    struct life04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, "worker", &f->t, .delay = 1));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, quiet_done_cb, "quiet"));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, fail_done_cb, IV(3)));
    TIDE_TRY(f, tide_task_add_done_callback(f->t, quiet_done_cb, "after"));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("quiet after");
    TH_EQ_STR(th_report_messages(),
              "exception in done callback:user: worker ended, 3\n");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- LIFE-09: a finished task released twice -----------------------------
 * Its first release frees it into the loop's cache of task blocks; the
 * second finds it there (its count zeroed) and is refused and reported,
 * where it used to free the block a second time: the next two spawns then
 * shared one block. Under ASan the cached block is poisoned, and ASan
 * reports the second release itself. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIFE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LIFE_ASAN 1
#endif
#ifndef LIFE_ASAN
struct life09 {
    TIDE_FRAME;
    tide_task *t, *a, *b;
};
static tide_status life09(void *frame)
{
    struct life09 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, "done", &f->t, .tag = "done"));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    tide_task_release(f->t);
    tide_task_release(f->t); /* one too many: refused */
    f->t = NULL;
    TH_EQ_STR(th_reports(), "task handle released too many times (the task "
                            "was already freed):TIDE_EOVERFLOW");
    TIDE_TRY(f, TIDE_SPAWN(th_child, "a", &f->a, .tag = "a", .delay = 1));
    TIDE_TRY(f, TIDE_SPAWN(th_child, "b", &f->b, .tag = "b", .delay = 2));
    TH_EQ_INT(f->a != f->b, 1); /* two tasks, two blocks */
    TIDE_AWAIT(f, tide_join(f->a, NULL));
    TIDE_AWAIT(f, tide_join(f->b, NULL));
    TH_EQ_STR(tide_task_name(f->a), "a");
    TH_EQ_STR(tide_task_name(f->b), "b");
    TH_LOG_IS("done a b");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}
#endif

static const th_case cases[] = {
#if !defined(__EMSCRIPTEN__)
    TH_CASE_AFTER("LIFE-01 timeouts outlive their loop", life01, life01_after,
                  0),
    TH_CASE_AFTER("LIFE-06 task groups outlive their loop", life01,
                  life06_after, 0),
    TH_CASE_AFTER("LIFE-07 a timeout kept after its block holds no task",
                  life01, life07_after, 0),
    TH_CASE_AFTER("LIFE-08 objects of another loop", life01, life08_after, 0),
#endif
    TH_CASE("LIFE-02 handles still held go with the loop", life02),
    TH_CASE("LIFE-03 one release too many is refused and reported", life03),
    TH_CASE("LIFE-04 tide_callback_fail in a done callback", life04),
#ifndef LIFE_ASAN
    TH_CASE("LIFE-09 a finished task released twice", life09),
#endif
};

TH_MAIN(cases)
