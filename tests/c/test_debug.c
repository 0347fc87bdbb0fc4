/*
 * test_debug.c - debug mode's reports, the deadlock report and the
 * introspection API: each report names the tasks and, for a deadlock, what
 * every task waits on and the wait-for chain.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static tide_loop *loop_on(void)
{
    tide_loop *L = tide_running_loop();
    tide_loop_set_debug(L, 1);
    return L;
}

/* ---- helpers: small task bodies ------------------------------------------ */

struct sleeper {
    TIDE_FRAME;
    double delay;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_END(f);
}

struct failer {
    TIDE_FRAME;
};
static tide_status failer(void *frame)
{
    struct failer *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_THROW_MSG(f, TIDE_EUSER - 3, "boom");
    TIDE_END(f);
}

/* Awaits another task (through a pointer: it may not exist yet). */
struct joiner {
    TIDE_FRAME;
    tide_task **other;
};
static tide_status joiner(void *frame)
{
    struct joiner *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_join(*f->other, NULL));
    TIDE_END(f);
}

/* ---- slow steps ------------------------------------------------------------ */

struct slow {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status slow(void *frame)
{
    struct slow *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = loop_on();
    /* a threshold of 0 makes every step "slow": the content is what counts */
    TIDE_TRY(f, tide_loop_set_slow_callback_duration(L, 0));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "worker", &f->t, .delay = 0));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_CHECK(th_debug_has(TIDE_DEBUG_SLOW, "slow step: task Task-2 'worker' "
                                           "took"));
    TH_EQ_INT(tide_loop_set_slow_callback_duration(tide_running_loop(), NAN),
              TIDE_EINVAL);
    TH_EQ_INT(tide_loop_set_slow_callback_duration(tide_running_loop(), -1),
              TIDE_EINVAL);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* Off by default, and quiet then, even for steps "slower" than 0 s. */
struct quiet {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status quiet(void *frame)
{
    struct quiet *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TH_EQ_INT(tide_loop_debug(L), 0);
    tide_loop_set_slow_callback_duration(L, 0);
    TIDE_TRY(f, TIDE_SPAWN(failer, "bad", NULL));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "w", &f->t, .delay = 1));
    TIDE_AWAIT(f, tide_sleep(0.5));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}
static void quiet_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    TH_EQ_INT(err, 0);
    TH_EQ_STR(th_debug_reports(), "");
}

/* ---- never-retrieved errors ---------------------------------------------- */

struct unretrieved {
    TIDE_FRAME;
    tide_task *seen, *late;
    int rc;
};
static tide_status unretrieved(void *frame)
{
    struct unretrieved *f = frame;
    TIDE_BEGIN(f);
    loop_on();
    TIDE_TRY(f, TIDE_SPAWN(failer, "lost", NULL)); /* detached: never read */
    TIDE_TRY(f, TIDE_SPAWN(failer, "seen", &f->seen));
    TIDE_TRY(f, TIDE_SPAWN(failer, "late", &f->late));
    TIDE_AWAIT_CATCH(f, tide_join(f->seen, NULL), f->rc);
    TIDE_AWAIT(f, tide_sleep(1));
    TH_CHECK(th_debug_has(TIDE_DEBUG_UNRETRIEVED, "task Task-2 'lost' failed "
                          "with a user error: boom and nobody read its error"));
    TH_CHECK(!th_debug_has(TIDE_DEBUG_UNRETRIEVED, "'seen'"));
    /* joined after it failed (the join returns at once): read as well */
    TH_CHECK(tide_task_is_done(f->late));
    TIDE_AWAIT_CATCH(f, tide_join(f->late, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EUSER - 3);
    tide_task_release(f->late);
    f->late = NULL;
    TH_CHECK(!th_debug_has(TIDE_DEBUG_UNRETRIEVED, "'late'"));
    TIDE_FINALLY(f);
    tide_task_release(f->seen);
    tide_task_release(f->late);
    TIDE_END(f);
}

/* A handle released without looking: reported when it is released. */
struct released_unread {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status released_unread(void *frame)
{
    struct released_unread *f = frame;
    TIDE_BEGIN(f);
    loop_on();
    TIDE_TRY(f, TIDE_SPAWN(failer, "ignored", &f->t));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_EQ_STR(th_debug_reports(), "");
    tide_task_release(f->t);
    f->t = NULL;
    TH_CHECK(th_debug_has(TIDE_DEBUG_UNRETRIEVED, "'ignored' failed"));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- leftovers and open resources at exit ---------------------------------- */

struct leftover {
    TIDE_FRAME;
    tide_lock *lock;
};
static tide_status leftover(void *frame)
{
    struct leftover *f = frame;
    TIDE_BEGIN(f);
    loop_on();
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "straggler", NULL, .delay = 100));
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_AWAIT(f, tide_lock_acquire(f->lock));
    TIDE_YIELD(f);
    TIDE_RETURN(f, f->lock); /* returns still holding the lock */
    TIDE_END(f);
}
static void leftover_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    void *lock = NULL;
    TH_EQ_INT(err, 0);
    TH_CHECK(th_debug_has(TIDE_DEBUG_LEFTOVER, "Task-2 'straggler' waiting on "
                          "sleep until 100.000 s when the main task finished; "
                          "cancelling it"));
    TH_CHECK(th_debug_has(TIDE_DEBUG_OPEN, "lock#1 still in use at exit: held "
                          "by Task-1 (finished), 0 waiting"));
    tide_task_result(main, &lock);
    tide_lock_destroy(lock);
}

/* Tasks still waiting when a run is stopped: pending at exit, with what
 * they wait on; the dump says the same, with how long. */
static int stop_cb(void *arg)
{
    (void)arg;
    return tide_loop_stop(tide_running_loop());
}

struct stopped_main {
    TIDE_FRAME;
    tide_task *t, *u;
};
static tide_status stopped_main(void *frame)
{
    struct stopped_main *f = frame;
    TIDE_BEGIN(f);
    loop_on();
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "sleepy", &f->t, .delay = 100));
    TIDE_TRY(f, TIDE_SPAWN(joiner, "waits", &f->u, .other = &f->t));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1, stop_cb, NULL, NULL));
    TIDE_AWAIT(f, tide_sleep(10)); /* the stop comes first */
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    tide_task_release(f->u);
    TIDE_END(f);
}
static void stopped_after(tide_loop *L, tide_task *main, int err)
{
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_CHECK(th_debug_has(TIDE_DEBUG_LEFTOVER, "still pending at exit: Task-1 "
                          "waiting on sleep until 10.000 s"));
    TH_CHECK(th_debug_has(TIDE_DEBUG_LEFTOVER, "still pending at exit: Task-3 "
                          "'waits' waiting on task Task-2 'sleepy'"));
    char dump[1024];
    size_t need = tide_loop_dump(L, dump, sizeof dump);
    TH_EQ_INT(need, strlen(dump));
    TH_EQ_STR(dump, "Task-1 waiting on sleep until 10.000 s for 1.000 s\n"
                    "Task-2 'sleepy' waiting on sleep until 100.000 s for "
                    "1.000 s\n"
                    "Task-3 'waits' waiting on task Task-2 'sleepy' for "
                    "1.000 s\n");
}

/* ---- swallowed cancellation ------------------------------------------------ */

struct swallower {
    TIDE_FRAME;
    int rc;
};
static tide_status swallower(void *frame)
{
    struct swallower *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc); /* catches the cancel... */
    TIDE_AWAIT(f, tide_sleep(1));               /* ...and goes on awaiting */
    TIDE_END(f);
}

struct well_behaved {
    TIDE_FRAME;
    int rc;
};
static tide_status well_behaved(void *frame)
{
    struct well_behaved *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    tide_task_uncancel(tide_current_task()); /* says: handled on purpose */
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}

struct cleans_up {
    TIDE_FRAME;
};
static tide_status cleans_up(void *frame)
{
    struct cleans_up *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(10));
    TIDE_FINALLY(f);
    TIDE_AWAIT(f, tide_sleep(1)); /* cleanup while the cancellation goes on */
    TIDE_END(f);
}

struct swallowed {
    TIDE_FRAME;
    tide_task *a, *b, *c;
};
static tide_status swallowed(void *frame)
{
    struct swallowed *f = frame;
    TIDE_BEGIN(f);
    loop_on();
    TIDE_TRY(f, TIDE_SPAWN(swallower, "swallower", &f->a));
    TIDE_TRY(f, TIDE_SPAWN(well_behaved, "polite", &f->b));
    TIDE_TRY(f, TIDE_SPAWN(cleans_up, "tidy", &f->c));
    TIDE_YIELD(f);
    tide_task_cancel(f->a, NULL);
    tide_task_cancel(f->b, NULL);
    tide_task_cancel(f->c, NULL);
    TIDE_AWAIT(f, tide_sleep(5));
    TH_CHECK(th_debug_has(TIDE_DEBUG_SWALLOWED, "task Task-2 'swallower' "
                          "caught a cancellation and awaits again (on sleep) "
                          "without tide_task_uncancel()"));
    TH_CHECK(!th_debug_has(TIDE_DEBUG_SWALLOWED, "'polite'"));
    TH_CHECK(!th_debug_has(TIDE_DEBUG_SWALLOWED, "'tidy'"));
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    tide_task_release(f->c);
    TIDE_END(f);
}

/* ---- deadlock ---------------------------------------------------------------- */

struct locker {
    TIDE_FRAME;
    tide_lock *mine, *theirs;
    int held;
};
static tide_status locker(void *frame)
{
    struct locker *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->mine));
    f->held = 1;
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->theirs)); /* each waits on the other */
    tide_lock_release(f->theirs);
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->mine);
    TIDE_END(f);
}

struct lock_cycle {
    TIDE_FRAME;
    tide_lock *l1, *l2;
    tide_task *a, *b;
    tide_task *tasks[2];
};
static tide_status lock_cycle(void *frame)
{
    struct lock_cycle *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->l1));
    TIDE_TRY(f, tide_lock_create(NULL, &f->l2));
    TIDE_TRY(f, TIDE_SPAWN(locker, "alice", &f->a, .mine = f->l1,
                           .theirs = f->l2));
    TIDE_TRY(f, TIDE_SPAWN(locker, "bob", &f->b, .mine = f->l2,
                           .theirs = f->l1));
    f->tasks[0] = f->a;
    f->tasks[1] = f->b;
    TIDE_AWAIT(f, tide_gather(f->tasks, 2, TIDE_GATHER_RETURN_ERRORS, NULL,
                              NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    tide_lock_destroy(f->l1);
    tide_lock_destroy(f->l2);
    TIDE_END(f);
}
static void lock_cycle_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    const char *lines[] = {
        "deadlock: 3 task(s) wait and nothing can wake any of them",
        "  Task-1 waiting on gather of 2 task(s), 0 finished",
        "  Task-2 'alice' waiting on lock#2 held by Task-3 'bob'",
        "  Task-3 'bob' waiting on lock#1 held by Task-2 'alice'",
        "  cycle: Task-2 'alice' -> Task-3 'bob' -> Task-2 'alice'",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK, lines[i]));
    /* the locks are released by the cancelled tasks' cleanup */
    TH_EQ_STR(th_log_text(), "");
}

/* A chain through awaited tasks: main -> a -> b -> a. */
struct join_cycle {
    TIDE_FRAME;
    tide_task *a, *b;
};
static tide_status join_cycle(void *frame)
{
    struct join_cycle *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(joiner, "a", &f->a, .other = &f->b));
    TIDE_TRY(f, TIDE_SPAWN(joiner, "b", &f->b, .other = &f->a));
    TIDE_AWAIT(f, tide_join(f->a, NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}
static void join_cycle_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_EQ_INT(tide_task_is_cancelled(main), 1);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "  Task-1 waiting on task Task-2 'a'"));
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "  cycle: Task-2 'a' -> Task-3 'b' -> Task-2 'a'"));
}

/* ---- introspection ------------------------------------------------------------ */

static int count_cb(tide_task *t, void *arg)
{
    (void)t;
    return ++*(int *)arg == 3 ? 99 : 0; /* stop at the third */
}

struct inspect {
    TIDE_FRAME;
    tide_task *s, *j, *fresh, *done, *failed;
    tide_task *who[4];
    int n;
};
static tide_status inspect(void *frame)
{
    struct inspect *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "done", &f->done, .delay = 0));
    TIDE_TRY(f, TIDE_SPAWN(failer, "failed", &f->failed));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "s", &f->s, .delay = 3));
    TIDE_TRY(f, TIDE_SPAWN(joiner, "j", &f->j, .other = &f->s));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "fresh", &f->fresh, .delay = 1));
    TH_EQ_STR(tide_task_state(tide_current_task()), "running");
    TH_EQ_STR(tide_task_state(f->done), "done");
    TH_EQ_STR(tide_task_state(f->failed), "failed");
    TH_EQ_STR(tide_task_state(f->s), "waiting");
    TH_EQ_STR(tide_task_state(f->fresh), "new");
    TH_EQ_STR(tide_task_awaiting(f->s), "sleep");
    TH_EQ_STR(tide_task_awaiting(f->j), "task");
    TH_CHECK(tide_task_awaiting(f->fresh) == NULL);
    TH_CHECK(tide_task_waiting_since(f->s) == 0.0);
    {
        char buf[128];
        TH_CHECK(tide_task_describe_wait(f->j, buf, sizeof buf) == f->s);
        TH_EQ_STR(buf, "task Task-4 's'");
        TH_CHECK(tide_task_describe_wait(f->fresh, buf, sizeof buf) == NULL);
        TH_EQ_STR(buf, "");
    }
    TH_EQ_INT(tide_task_awaiters(f->s, f->who, 4), 1);
    TH_CHECK(f->who[0] == f->j);
    TH_EQ_INT(tide_task_awaiters(f->j, f->who, 4), 0);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 4);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 1);
    TH_CHECK(tide_loop_step_count(tide_running_loop()) > 5);
    TH_EQ_INT(tide_loop_walk(tide_running_loop(), count_cb, &f->n), 99);
    TH_EQ_INT(f->n, 3);
    TH_EQ_INT(tide_loop_walk(NULL, count_cb, &f->n), TIDE_EINVAL);
    {
        char small[8];
        size_t need = tide_loop_dump(tide_running_loop(), small, sizeof small);
        TH_CHECK(need > sizeof small);
        TH_EQ_INT(strlen(small), sizeof small - 1);
    }
    tide_task_error(f->failed); /* read it: no report */
    TIDE_AWAIT(f, tide_join(f->j, NULL));
    TIDE_AWAIT(f, tide_join(f->fresh, NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->s);
    tide_task_release(f->j);
    tide_task_release(f->fresh);
    tide_task_release(f->done);
    tide_task_release(f->failed);
    TIDE_END(f);
}

/* TIDE_DEBUG=1 in the environment switches debug mode on for new loops. */
struct from_env {
    TIDE_FRAME;
};
static tide_status from_env(void *frame)
{
    struct from_env *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = NULL;
    setenv("TIDE_DEBUG", "1", 1);
    int rc = tide_loop_create(NULL, NULL, &L);
    unsetenv("TIDE_DEBUG");
    TIDE_TRY(f, rc);
    TH_EQ_INT(tide_loop_debug(L), 1);
    tide_loop_destroy(L);
    TIDE_TRY(f, tide_loop_create(NULL, NULL, &L));
    TH_EQ_INT(tide_loop_debug(L), 0);
    tide_loop_destroy(L);
    TH_EQ_INT(tide_loop_set_debug(NULL, 1), TIDE_EINVAL);
    TH_EQ_INT(tide_loop_set_debug_handler(NULL, NULL, NULL), TIDE_EINVAL);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("debug: a slow step is reported with the task's name", slow),
    TH_CASE_AFTER("debug: off by default, and nothing is reported", quiet,
                  quiet_after, 0),
    TH_CASE("debug: a failed task nobody read is reported when freed",
            unretrieved),
    TH_CASE("debug: an unread error is reported when the last handle goes",
            released_unread),
    TH_CASE_AFTER("debug: tasks left when main ends, and a lock still held",
                  leftover, leftover_after, 0),
    TH_CASE_AFTER("debug: tasks and waiters still there when a run stops",
                  stopped_main, stopped_after, TH_EXPECT_ERROR),
    TH_CASE("debug: a swallowed cancellation is warned about", swallowed),
    TH_CASE_AFTER("deadlock: two locks taken in opposite orders",
                  lock_cycle, lock_cycle_after, TH_EXPECT_ERROR | TH_OOM),
    TH_CASE_AFTER("deadlock: two tasks awaiting each other", join_cycle,
                  join_cycle_after, TH_EXPECT_ERROR),
    TH_CASE("introspection: state, what it awaits, who awaits it, dump",
            inspect),
    TH_CASE("debug: TIDE_DEBUG=1 switches it on", from_env),
};
TH_MAIN(cases)
