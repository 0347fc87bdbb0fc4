/*
 * test_loop.c - checklist section 1, event loop and scheduling (LOOP-*),
 * plus the loop's own bad-input and deadlock behaviour.
 *
 * No C meaning here:
 *  - LOOP-01's "from another thread" half: call_soon_threadsafe arrives with
 *    to_thread (the thread pool), and is tested in tests/c/test_thread.c.
 *  - LOOP-08: the debug-mode slow-callback report belongs to debug mode;
 *    passing a coroutine to call_soon is a type error C rejects at compile
 *    time.
 *  - LOOP-07's "after close()": a destroyed loop is freed memory in C; the
 *    C meaning of "close a running loop" is tested (TIDE_EBUSY).
 */
#include <math.h>
#include <string.h>

#include "harness.h"

/* LOOP-01: call_soon callbacks run in strict FIFO order. */
struct loop01 {
    TIDE_FRAME;
};
static tide_status loop01(void *frame)
{
    struct loop01 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    static const char *words[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        TIDE_TRY(f, tide_call_soon(L, th_log_cb, (void *)words[i], NULL));
    TIDE_YIELD(f);
    TH_LOG_IS("a b c d e");
    TIDE_END(f);
}

/* LOOP-02: what a running callback schedules waits for the next iteration;
 * so does a task's sleep(0) resume, but it was queued earlier. */
static int sched_a2(void *arg)
{
    (void)arg;
    th_log("A");
    return tide_call_soon(tide_running_loop(), th_log_cb, "A2", NULL);
}

struct loop02 {
    TIDE_FRAME;
    uint64_t it;
};
static tide_status loop02(void *frame)
{
    struct loop02 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TIDE_TRY(f, tide_call_soon(L, sched_a2, NULL, NULL));
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "B", NULL));
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "C", NULL));
    f->it = tide_loop_iteration_count(L);
    TIDE_YIELD(f);
    th_log("main"); /* locals do not survive an await: ask for the loop */
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it + 1);
    TIDE_YIELD(f);
    TH_LOG_IS("A B C main A2");
    TIDE_END(f);
}

/* LOOP-03: due timers run in deadline order, after what was already ready;
 * a negative delay means "due now"; NaN is refused. */
struct loop03 {
    TIDE_FRAME;
};
static tide_status loop03(void *frame)
{
    struct loop03 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TIDE_TRY(f, tide_call_later(L, -1, th_log_cb, "a", NULL));
    TIDE_TRY(f, tide_call_later(L, -2, th_log_cb, "b", NULL));
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "soon", NULL));
    TIDE_TRY(f, tide_call_later(L, 0.2, th_log_cb, "later", NULL));
    TIDE_TRY(f,
             tide_call_at(L, tide_loop_time(L) + 0.1, th_log_cb, "at", NULL));
    TH_EQ_INT(tide_call_later(L, NAN, th_log_cb, "nan", NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_call_at(L, NAN, th_log_cb, "nan", NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_call_soon(L, NULL, NULL, NULL), TIDE_EINVAL);
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("soon b a at later");
    TIDE_END(f);
}

/* LOOP-04 [no-assert]: timers with identical deadlines all run; their
 * order is unspecified, so only the count is checked. */
static int count_cb(void *arg)
{
    (*(int *)arg)++;
    return 0;
}

struct loop04 {
    TIDE_FRAME;
    int count;
};
static tide_status loop04(void *frame)
{
    struct loop04 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    for (int i = 0; i < 20; i++)
        TIDE_TRY(f, tide_call_at(L, 5.0, count_cb, &f->count, NULL));
    TIDE_AWAIT(f, tide_sleep(6));
    TH_EQ_INT(f->count, 20);
    TIDE_END(f);
}

/* LOOP-05: a cancelled handle never runs; a failing callback goes to the
 * exception handler and the loop carries on. */
static int failing_cb(void *arg)
{
    (void)arg;
    th_log("fails");
    return TIDE_EUSER;
}

struct loop05 {
    TIDE_FRAME;
    tide_handle *soon, *later;
};
static tide_status loop05(void *frame)
{
    struct loop05 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "never-soon", &f->soon));
    TIDE_TRY(f, tide_call_later(L, 0.5, th_log_cb, "never-later", &f->later));
    TIDE_TRY(f, tide_call_soon(L, failing_cb, NULL, NULL));
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "after", NULL));
    TH_EQ_INT(tide_handle_is_cancelled(f->soon), 0);
    TH_EQ_INT(tide_handle_cancel(f->soon), 1);
    TH_EQ_INT(tide_handle_cancel(f->later), 1);
    TH_EQ_INT(tide_handle_cancel(f->later), 0);
    TH_EQ_INT(tide_handle_is_cancelled(f->soon), 1);
    TH_EQ_INT(tide_handle_is_cancelled(f->later), 1);
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("fails after");
    TH_EQ_STR(th_reports(), "exception in callback:user");
    TIDE_FINALLY(f);
    tide_handle_release(f->soon);
    tide_handle_release(f->later);
    TIDE_END(f);
}

/* LOOP-05, the exception's text: a callback fails with a message
 * (Python's raise ValueError(f"bad value {x}") in it), which the exception
 * handler gets with the error; only the callback's own, and only with the
 * error it goes with. */
static int fail_msg_cb(void *arg)
{
    return tide_callback_fail(TIDE_EUSER, "bad value %d", VI(arg));
}

static int fail_long_cb(void *arg)
{
    (void)arg;
    char text[400];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = 0;
    return tide_callback_fail(TIDE_EUSER - 1, "%s!", text);
}

static int fail_then_succeed_cb(void *arg)
{
    (void)arg;
    tide_callback_fail(TIDE_EUSER, "dropped");
    return 0; /* no failure: nothing reported */
}

static int fail_other_error_cb(void *arg)
{
    (void)arg;
    tide_callback_fail(TIDE_EUSER, "not this one's");
    return TIDE_EINVAL; /* another error: reported without that text */
}

static int fail_twice_cb(void *arg)
{
    (void)arg;
    tide_callback_fail(TIDE_EUSER, "first");
    return tide_callback_fail(TIDE_EUSER, "second");
}

struct loop05_msg {
    TIDE_FRAME;
};
static tide_status loop05_msg(void *frame)
{
    struct loop05_msg *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TIDE_TRY(f, tide_call_soon(L, fail_msg_cb, IV(7), NULL));
    TIDE_TRY(f, tide_call_later(L, 0.5, fail_msg_cb, IV(8), NULL));
    TIDE_TRY(f, tide_call_soon_threadsafe(L, fail_msg_cb, IV(9)));
    TIDE_TRY(f, tide_call_soon(L, fail_then_succeed_cb, NULL, NULL));
    TIDE_TRY(f, tide_call_soon(L, fail_other_error_cb, NULL, NULL));
    TIDE_TRY(f, tide_call_soon(L, fail_twice_cb, NULL, NULL));
    TIDE_TRY(f, tide_call_soon(L, fail_long_cb, NULL, NULL));
    /* in a task it only returns the error: no message is left over for
     * the plain failure that follows */
    TH_EQ_INT(tide_callback_fail(TIDE_EUSER, "in a task"), TIDE_EUSER);
    TH_EQ_INT(tide_callback_fail(0, "no failure"), 0);
    TIDE_TRY(f, tide_call_soon(L, failing_cb, NULL, NULL));
    TIDE_AWAIT(f, tide_sleep(1));
    if (!th_oom_active()) {
        char expected[700];
        memset(expected, 0, sizeof expected);
        strcat(expected, "exception in callback:user: bad value 7\n"
                         "exception in callback:user: bad value 9\n"
                         "exception in callback:TIDE_EINVAL: \n"
                         "exception in callback:user: second\n"
                         "exception in callback:user: ");
        memset(expected + strlen(expected), 'x', 399);
        strcat(expected, "!\n"
                         "exception in callback:user: \n"
                         "exception in callback:user: bad value 8\n");
        TH_EQ_STR(th_report_messages(), expected);
    }
    TH_EQ_INT(th_reports()[0] != 0, 1);
    TIDE_END(f);
}

/* A handle that already ran is not pending any more: cancel() returns 0,
 * but marks it cancelled all the same, as CPython 3.13's Handle.cancel()
 * does (cancelled() is True afterwards). */
struct handle_after_run {
    TIDE_FRAME;
    tide_handle *h;
};
static tide_status handle_after_run(void *frame)
{
    struct handle_after_run *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), th_log_cb, "ran", &f->h));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_handle_is_cancelled(f->h), 0);
    TH_EQ_INT(tide_handle_cancel(f->h), 0);
    TH_EQ_INT(tide_handle_is_cancelled(f->h), 1);
    TH_EQ_INT(tide_handle_cancel(f->h), 0);
    TH_LOG_IS("ran");
    TIDE_FINALLY(f);
    tide_handle_release(f->h);
    TIDE_END(f);
}

/* LOOP-06: stop() ends the run after the current iteration, with the main
 * task still pending and still cancellable. */
static int stop_cb(void *arg)
{
    (void)arg;
    th_log("stop");
    return tide_loop_stop(tide_running_loop());
}

struct loop06 {
    TIDE_FRAME;
};
static tide_status loop06(void *frame)
{
    struct loop06 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), stop_cb, NULL, NULL));
    TIDE_AWAIT(f, tide_sleep(10));
    th_log("never");
    TIDE_END(f);
}
static void loop06_after(tide_loop *L, tide_task *main, int err)
{
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_EQ_INT(tide_task_is_done(main), 0);
    TH_EQ_INT(tide_task_cancel(main, NULL), 1);
    TH_LOG_IS("stop");
    TH_EQ_INT(tide_loop_stop(L), TIDE_ESTATE); /* not running any more */
}

/* A run stopped while tasks await each other (join, wait_for, done
 * callbacks), then the loop destroyed: teardown frees the pending tasks in
 * the order they were spawned, so some waiters unlink from a task freed
 * already (c's, e's) and others from one still there (main's, on g). The
 * sanitizers check that nobody touches freed memory; nothing may run. */
struct waits_on {
    TIDE_FRAME;
    tide_task *other;
    int with_limit; /* wait_for instead of join */
};
static tide_status waits_on(void *frame)
{
    struct waits_on *f = frame;
    TIDE_BEGIN(f);
    if (!f->other)
        TIDE_AWAIT(f, tide_sleep(10));
    else if (f->with_limit)
        TIDE_AWAIT(f, tide_wait_for(f->other, 20, NULL));
    else
        TIDE_AWAIT(f, tide_join(f->other, NULL));
    th_log("never");
    TIDE_END(f);
}
static void done_cb(tide_task *t, void *arg)
{
    (void)t;
    th_log("%s", (const char *)arg);
}

struct teardown {
    TIDE_FRAME;
    tide_task *c, *d, *e, *g;
};
static tide_status teardown(void *frame)
{
    struct teardown *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_spawn(waits_on, &(struct waits_on){0},
                           sizeof(struct waits_on), "c", &f->c));
    TIDE_TRY(f, tide_spawn(waits_on, &(struct waits_on){.other = f->c},
                           sizeof(struct waits_on), "d", &f->d));
    TIDE_TRY(f, tide_spawn(waits_on,
                           &(struct waits_on){.other = f->c, .with_limit = 1},
                           sizeof(struct waits_on), "e", &f->e));
    TIDE_TRY(f, tide_spawn(waits_on, &(struct waits_on){.other = f->e},
                           sizeof(struct waits_on), "g", &f->g));
    TIDE_TRY(f, tide_task_add_done_callback(f->c, done_cb, "c-done"));
    TIDE_TRY(f, tide_task_add_done_callback(f->g, done_cb, "g-done"));
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), stop_cb, NULL, NULL));
    TIDE_AWAIT(f, tide_join(f->g, NULL));
    th_log("never");
    TIDE_FINALLY(f);
    tide_task_release(f->c);
    tide_task_release(f->d);
    tide_task_release(f->e);
    tide_task_release(f->g);
    TIDE_END(f);
}
static void teardown_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_EQ_INT(tide_task_is_done(main), 0);
    TH_EQ_INT(tide_task_awaiters(main, NULL, 0), 0);
    TH_LOG_IS("stop");
}

/* LOOP-07: one loop per thread: running a loop inside a running loop, or
 * destroying a running loop, is refused. */
struct nested {
    TIDE_FRAME;
};
static tide_status nested(void *frame)
{
    struct nested *f = frame;
    TIDE_BEGIN(f);
    TIDE_END(f);
}

struct loop07 {
    TIDE_FRAME;
    tide_loop *other;
};
static tide_status loop07(void *frame)
{
    struct loop07 *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    TH_EQ_INT(tide_loop_destroy(L), TIDE_EBUSY);
    TH_EQ_INT(tide_loop_run(L, nested, &(struct nested){TIDE__FRAME_INIT},
                            sizeof(struct nested), NULL),
              TIDE_ERUNNING);
    TIDE_TRY(f, tide_loop_create(NULL, NULL, &f->other));
    TH_EQ_INT(tide_loop_run(f->other, nested,
                            &(struct nested){TIDE__FRAME_INIT},
                            sizeof(struct nested), NULL),
              TIDE_ERUNNING);
    TIDE_FINALLY(f);
    tide_loop_destroy(f->other);
    TIDE_END(f);
}

/* LOOP-09: tiny timeouts count as due: a chain of ever smaller real sleeps
 * takes few iterations instead of spinning. */
struct loop09 {
    TIDE_FRAME;
    double d;
    uint64_t start;
};
static tide_status loop09(void *frame)
{
    struct loop09 *f = frame;
    TIDE_BEGIN(f);
    f->start = tide_loop_iteration_count(tide_running_loop());
    for (f->d = 1e-2; f->d >= 1e-10; f->d /= 100)
        TIDE_AWAIT(f, tide_sleep(f->d));
    TH_CHECK(tide_loop_iteration_count(tide_running_loop()) - f->start <= 20);
    TIDE_END(f);
}

/* LOOP-10: run() returns main's result or error, and at exit cancels the
 * leftover tasks and waits for them; a leftover's failure is reported. */
struct leftover {
    TIDE_FRAME;
    const char *name;
    int fail;
};
static tide_status leftover(void *frame)
{
    struct leftover *f = frame;
    TIDE_BEGIN(f);
    th_log("%s-start", f->name);
    TIDE_AWAIT(f, tide_sleep(100));
    th_log("never");
    TIDE_FINALLY(f);
    th_log("%s-cleanup", f->name);
    TIDE_AWAIT(f, tide_sleep(0.5)); /* cleanup may take awaits */
    th_log("%s-cleaned", f->name);
    if (f->fail)
        TIDE_THROW(f, TIDE_EUSER - 7);
    TIDE_END(f);
}

struct loop10 {
    TIDE_FRAME;
};
static tide_status loop10(void *frame)
{
    struct loop10 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(leftover, "quiet", NULL, .name = "q"));
    TIDE_TRY(f, TIDE_SPAWN(leftover, "loud", NULL, .name = "l", .fail = 1));
    TIDE_YIELD(f);
    th_log("main-returns");
    TIDE_RETURN(f, (void *)"forty-two");
    TIDE_END(f);
}
static void loop10_after(tide_loop *L, tide_task *main, int err)
{
    void *v = NULL;
    TH_EQ_INT(err, 0);
    TH_EQ_INT(tide_task_result(main, &v), 0);
    TH_EQ_STR((const char *)v, "forty-two");
    TH_EQ_INT(tide_loop_task_count(L), 0);
    TH_LOG_IS("q-start l-start main-returns q-cleanup l-cleanup q-cleaned "
              "l-cleaned");
    TH_EQ_STR(th_reports(), "task failed while cancelled at shutdown:user");
}

struct main_fails {
    TIDE_FRAME;
};
static tide_status main_fails(void *frame)
{
    struct main_fails *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_THROW_MSG(f, TIDE_EUSER - 1, "boom");
    TIDE_END(f);
}
static void main_fails_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    TH_EQ_INT(err, TIDE_EUSER - 1);
    TH_EQ_INT(tide_task_error(main), TIDE_EUSER - 1);
    TH_EQ_STR(tide_task_message(main), "boom");
    TH_EQ_INT(tide_task_is_cancelled(main), 0);
}

/* LOOP-10 bad input: tide_loop_run refuses a NULL coroutine, a frame too
 * small for the frame header, and a NULL loop. */
struct run_bad_input {
    TIDE_FRAME;
};
static tide_status run_bad_input(void *frame)
{
    struct run_bad_input *f = frame;
    TIDE_BEGIN(f);
    tide_frame small = {0};
    TH_EQ_INT(tide_loop_run(tide_running_loop(), NULL, &small, sizeof small,
                            NULL),
              TIDE_EINVAL);
    TH_EQ_INT(tide_loop_run(tide_running_loop(), nested, &small, 2, NULL),
              TIDE_EINVAL);
    TH_EQ_INT(tide_loop_run(NULL, nested, &small, sizeof small, NULL),
              TIDE_EINVAL);
    TIDE_END(f);
}

/* Deadlock: every task waits and nothing can wake any of them. asyncio
 * hangs; Tide reports it, cancels the tasks and ends the run. */
struct deadlocked {
    TIDE_FRAME;
};
static tide_status deadlocked(void *frame)
{
    struct deadlocked *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(INFINITY)); /* only a cancel ends this */
    th_log("never");
    TIDE_FINALLY(f);
    th_log("cleanup:%s", tide_errname(TIDE_ERROR(f)));
    TIDE_END(f);
}
static void deadlocked_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_EQ_INT(tide_task_is_cancelled(main), 1);
    TH_LOG_IS("cleanup:TIDE_ECANCELLED");
    TH_EQ_STR(th_reports(), "");
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK, "Task-1 waiting on sleep"));
}

/* The virtual clock jumps to the next timer and is exact. */
struct virtual_clock {
    TIDE_FRAME;
};
static tide_status virtual_clock(void *frame)
{
    struct virtual_clock *f = frame;
    TIDE_BEGIN(f);
    TH_CHECK(tide_time() == 0.0);
    TIDE_AWAIT(f, tide_sleep(1.5));
    TH_CHECK(tide_time() == 1.5);
    TIDE_AWAIT(f, tide_sleep(3600));
    TH_CHECK(tide_time() == 3601.5);
    TIDE_END(f);
}

/* Callbacks allocate: a sweep of allocation failures leaks nothing. */
struct callbacks_oom {
    TIDE_FRAME;
    tide_handle *h;
};
static tide_status callbacks_oom(void *frame)
{
    struct callbacks_oom *f = frame;
    TIDE_BEGIN(f);
    tide_loop *L = tide_running_loop();
    for (int i = 0; i < 40; i++)
        TIDE_TRY(f, tide_call_later(L, i * 0.01, th_log_cb, "x", NULL));
    TIDE_TRY(f, tide_call_soon(L, th_log_cb, "y", &f->h));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_FINALLY(f);
    tide_handle_release(f->h);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("LOOP-01 call_soon callbacks run in FIFO order", loop01),
    TH_CASE("LOOP-02 work scheduled during an iteration runs in the next",
            loop02),
    TH_CASE("LOOP-03 due timers run in deadline order after ready callbacks",
            loop03),
    TH_CASE("LOOP-04 timers with the same deadline all run (order unspecified)",
            loop04),
    TH_CASE("LOOP-05 cancelled handles never run; failing callbacks are "
            "reported",
            loop05),
    TH_CASE("LOOP-05 a handle that ran: cancel returns 0 and marks it "
            "cancelled, as CPython", handle_after_run),
    TH_CASE_AFTER("LOOP-05 a callback fails with a message: "
                  "tide_callback_fail's text reaches the exception handler",
                  loop05_msg, NULL, TH_OOM),
    TH_CASE_AFTER("LOOP-06 stop ends the run with main pending and "
                  "cancellable",
                  loop06, loop06_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("a loop destroyed with tasks awaiting each other frees "
                  "them in any order",
                  teardown, teardown_after, TH_EXPECT_ERROR),
    TH_CASE("LOOP-07 running or destroying a running loop is refused", loop07),
    TH_CASE_AFTER("LOOP-09 tiny real sleeps do not spin the loop", loop09,
                  NULL, TH_REAL_CLOCK),
    TH_CASE_AFTER("LOOP-10 run returns main's value and cleans up leftovers",
                  loop10, loop10_after, TH_OOM),
    TH_CASE_AFTER("LOOP-10 run returns main's error and message", main_fails,
                  main_fails_after, TH_EXPECT_ERROR),
    TH_CASE("LOOP-10 run refuses bad arguments", run_bad_input),
    TH_CASE_AFTER("deadlock ends the run with TIDE_EDEADLOCK, tasks cancelled",
                  deadlocked, deadlocked_after, TH_EXPECT_ERROR),
    TH_CASE("virtual clock jumps to the next timer exactly", virtual_clock),
    TH_CASE_AFTER("callbacks under allocation failure leak nothing",
                  callbacks_oom, NULL, TH_OOM),
};
TH_MAIN(cases)
