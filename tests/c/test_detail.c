/*
 * test_detail.c - a call that does not await says why it failed: TIDE_TRY
 * raises its error with the call's detail as the message ("tide_call_later:
 * delay is NaN (not a number)"), not the code's text alone; a program
 * that checks the code by hand reads the same words in tide_error_detail;
 * a detail left by a failure the program handled itself is never taken
 * for a later call's.
 *
 * The wrong-thread case (TIDE_ETHREAD from a thread with a loop of its
 * own) and objects whose loop was destroyed are in test_thread.c: they
 * need a second thread.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ---- the calls: each fails, for a reason its code does not tell ---------- */

/* What the calls act on, made by the main task (awaits needed). */
struct objects {
    tide_group *exited; /* a group that has exited */
};

typedef int (*call_fn)(struct objects *o);

/* The failure most cases make: a NaN delay, on the running loop. */
static int later_nan(void)
{
    return tide_call_later(tide_running_loop(), NAN, th_log_cb, "x", NULL);
}
static int call_later_nan(struct objects *o)
{
    (void)o;
    return later_nan();
}

static int call_at_nan(struct objects *o)
{
    (void)o;
    return tide_call_at(tide_running_loop(), NAN, th_log_cb, "x", NULL);
}

static int call_soon_null_cb(struct objects *o)
{
    (void)o;
    return tide_call_soon(tide_running_loop(), NULL, NULL, NULL);
}

/* reschedule with NaN, and of a timeout not entered yet */
static int reschedule(double when)
{
    tide_timeout *t;
    int rc = tide_timeout_create(INFINITY, &t);
    if (rc < 0)
        return rc;
    rc = tide_timeout_reschedule(t, when);
    tide_timeout_destroy(t); /* (leaves the detail alone: it cannot fail) */
    return rc;
}
static int reschedule_nan(struct objects *o)
{
    (void)o;
    return reschedule(NAN);
}
static int reschedule_created(struct objects *o)
{
    (void)o;
    return reschedule(5);
}

static int timeout_create_nan(struct objects *o)
{
    tide_timeout *t = NULL;
    (void)o;
    return tide_timeout_create(NAN, &t);
}

static int group_spawn_exited(struct objects *o)
{
    return tide_group_spawn(o->exited, th_child, &(struct th_child){0},
                            sizeof(struct th_child), NULL, NULL);
}

static int group_cancel_exited(struct objects *o)
{
    return tide_group_cancel(o->exited);
}

static int spawn_small_frame(struct objects *o)
{
    (void)o;
    return tide_spawn(th_child, &(struct th_child){0}, 4, NULL, NULL);
}

static int spawn_null_fn(struct objects *o)
{
    (void)o;
    return tide_spawn(NULL, &(struct th_child){0}, sizeof(struct th_child),
                      NULL, NULL);
}

static int queue_bad_kind(struct objects *o)
{
    tide_queue *q = NULL;
    (void)o;
    return tide_queue_create(NULL, 7, 0, NULL, &q);
}

static int get_nowait_null_item(struct objects *o)
{
    tide_queue *q;
    (void)o;
    int rc = tide_queue_create(NULL, TIDE_QUEUE_FIFO, 0, NULL, &q);
    if (rc < 0)
        return rc;
    rc = tide_queue_get_nowait(q, NULL);
    tide_queue_destroy(q);
    return rc;
}

static int bounded_released_twice(struct objects *o)
{
    tide_sem *s;
    (void)o;
    int rc = tide_sem_create(NULL, 1, 1, &s);
    if (rc < 0)
        return rc;
    rc = tide_sem_release(s);
    tide_sem_destroy(s);
    return rc;
}

static int reader_fd_below(struct objects *o)
{
    tide_reader *r = NULL;
    (void)o;
    return tide_reader_create(NULL, -5, 0, 0, &r);
}

static int reader_fd_closed(struct objects *o)
{
    tide_reader *r = NULL;
    (void)o;
    return tide_reader_create(NULL, 1000, 0, 0, &r); /* (never opened) */
}

static int writer_no_fd(struct objects *o)
{
    tide_writer *w = NULL;
    (void)o;
    return tide_writer_create(NULL, -1, 0, &w);
}

static int set_clock_running(struct objects *o)
{
    (void)o;
    return tide_loop_set_virtual_clock(tide_running_loop(), 0);
}

static int result_pending(struct objects *o)
{
    tide_task *t;
    (void)o;
    int rc = TH_SPAWN0(&t, th_child, NULL); /* (runs later, detached) */
    if (rc < 0)
        return rc;
    rc = tide_task_result(t, NULL);
    tide_task_release(t);
    return rc;
}

static int egroup_error_range(struct objects *o)
{
    (void)o;
    return tide_egroup_error(NULL, 0, NULL, NULL, NULL);
}

static const struct {
    call_fn fn;
    int err;
    const char *message;
} calls[] = {
    {call_later_nan, TIDE_EINVAL,
     "tide_call_later: delay is NaN (not a number)"},
    {call_at_nan, TIDE_EINVAL, "tide_call_at: when is NaN (not a number)"},
    {call_soon_null_cb, TIDE_EINVAL, "tide_call_soon: cb is NULL"},
    {reschedule_nan, TIDE_EINVAL,
     "tide_timeout_reschedule: when is NaN (not a number)"},
    {reschedule_created, TIDE_ESTATE,
     "tide_timeout_reschedule: the timeout scope is not entered yet"},
    {timeout_create_nan, TIDE_EINVAL,
     "tide_timeout_create: delay is NaN (not a number)"},
    {group_spawn_exited, TIDE_ESTATE,
     "tide_group_spawn: the task group has finished"},
    {group_cancel_exited, TIDE_ESTATE,
     "tide_group_cancel: the task group has exited"},
    {spawn_small_frame, TIDE_EINVAL,
     "tide_spawn: frame_size 4 is less than a tide_frame's"},
    {spawn_null_fn, TIDE_EINVAL, "tide_spawn: fn is NULL"},
    {queue_bad_kind, TIDE_EINVAL,
     "tide_queue_create: kind 7 is not a kind of queue"},
    {get_nowait_null_item, TIDE_EINVAL,
     "tide_queue_get_nowait: item is NULL"},
    {bounded_released_twice, TIDE_EOVERFLOW,
     "tide_sem_release: BoundedSemaphore released too many times"},
    {reader_fd_below, TIDE_EINVAL, "tide_reader_create: fd -5 is not an fd"},
#if defined(__EMSCRIPTEN__)
    {reader_fd_closed, TIDE_ENOTSUP,
     "tide_reader_create: this host has no fds to wait for (fd 1000)"},
#else
    {reader_fd_closed, TIDE_EINVAL, "tide_reader_create: fd 1000 is not open"},
#endif
    {writer_no_fd, TIDE_EINVAL, "tide_writer_create: fd -1 is not an fd"},
    {set_clock_running, TIDE_EBUSY,
     "tide_loop_set_virtual_clock: the clock is chosen before the loop runs"},
    {result_pending, TIDE_ESTATE,
     "tide_task_result: the task is still pending"},
    {egroup_error_range, TIDE_EINVAL,
     "tide_egroup_error: i is 0, and the group has 0 errors"},
};
enum { NCALLS = sizeof calls / sizeof calls[0] };

/* TIDE_TRY of call `which`: what a program writes. */
struct attempt {
    TIDE_FRAME;
    size_t which;
    struct objects *o;
};
static tide_status attempt(void *frame)
{
    struct attempt *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, calls[f->which].fn(f->o));
    TIDE_END(f);
}

/* Each call, in TIDE_TRY and by hand. */
struct every_call {
    TIDE_FRAME;
    struct objects o;
    struct attempt a;
    size_t i;
    int rc;
};
static tide_status every_call(void *frame)
{
    struct every_call *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->o.exited));
    TIDE_AWAIT(f, tide_group_exit(f->o.exited, 0));
    for (f->i = 0; f->i < NCALLS; f->i++) {
        f->a = (struct attempt){.tide__frame = TIDE__FRAME_INIT,
                                .which = f->i, .o = &f->o};
        TIDE_AWAIT_CALL_CATCH(f, attempt, &f->a, f->rc);
        th_eq_int(f->rc, calls[f->i].err, "TIDE_TRY's error", "expected",
                  __FILE__, (int)f->i);
        th_check(th_contains(tide_error_message(), calls[f->i].message),
                 calls[f->i].message, __FILE__, (int)f->i);
        /* by hand: the same words, for the code the call returned */
        f->rc = calls[f->i].fn(&f->o);
        th_eq_int(f->rc, calls[f->i].err, "the call's error", "expected",
                  __FILE__, (int)f->i);
        th_check(th_contains(tide_error_detail(f->rc), calls[f->i].message),
                 calls[f->i].message, __FILE__, (int)f->i);
        th_check(tide_error_detail(TIDE_EUSER) == NULL,
                 "no detail for another code", __FILE__, (int)f->i);
    }
    TIDE_FINALLY(f);
    tide_group_destroy(f->o.exited);
    TIDE_END(f);
}

/* ---- the main task's error, as tide_main prints it ---------------------- */

struct main_fails {
    TIDE_FRAME;
};
static tide_status main_fails(void *frame)
{
    struct main_fails *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, later_nan());
    th_log("not reached");
    TIDE_END(f);
}
static void main_fails_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, TIDE_EINVAL);
    TH_EQ_STR(tide_task_message(main),
              "tide_call_later: delay is NaN (not a number)");
    TH_LOG_IS("");
    /* no loop runs now: no detail to read */
    TH_CHECK(tide_error_detail(TIDE_EINVAL) == NULL);
}

/* ---- a detail is the call's own, never an earlier one's ----------------- */

/* The program's own function, failing with a Tide code and no detail. */
static int parse_setting(const char *text)
{
    return text[0] ? 0 : TIDE_EINVAL;
}

struct stale {
    TIDE_FRAME;
    int rc;
};
static tide_status stale(void *frame)
{
    struct stale *f = frame;
    TIDE_BEGIN(f);
    /* a failure handled by hand: its detail stays for tide_error_detail */
    f->rc = later_nan();
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_HAS(tide_error_detail(TIDE_EINVAL), "delay is NaN");
    /* awaits and calls that succeed leave it where it is */
    TIDE_AWAIT(f, tide_sleep(0.5));
    f->rc = tide_call_soon(tide_running_loop(), th_log_cb, "soon", NULL);
    TH_EQ_INT(f->rc, 0);
    TH_HAS(tide_error_detail(TIDE_EINVAL), "delay is NaN");
    /* TIDE_TRY cleared it before its call, which failed with the same
     * code and said nothing: raised with no message, not the stale one */
    TIDE_TRY(f, parse_setting(""));
    TIDE_END(f);
}
static void stale_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, TIDE_EINVAL);
    TH_CHECK(tide_task_message(main) == NULL);
}

/* The program's own function: a Tide call fails, and it gives its own
 * code for that. */
static int load_config(void)
{
    int rc = later_nan();
    return rc < 0 ? TIDE_EUSER : 0;
}

/* A detail of another code is not raised either; an awaitable's failure
 * keeps its own message. */
struct other_code {
    TIDE_FRAME;
    int rc;
};
static tide_status other_code(void *frame)
{
    struct other_code *f = frame;
    TIDE_BEGIN(f);
    f->rc = later_nan();
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_sleep(NAN), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid delay: NaN (not a number)");
    /* the detail left inside is EINVAL's, not the code raised */
    TIDE_TRY(f, load_config());
    TIDE_END(f);
}
static void other_code_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, TIDE_EUSER);
    TH_CHECK(tide_task_message(main) == NULL);
}

/* ---- a failed task's result: its error, with its message ---------------- */

struct result_failed {
    TIDE_FRAME;
    tide_task *child;
    int rc;
};
static tide_status result_failed(void *frame)
{
    struct result_failed *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_spawn(th_child,
                           &(struct th_child){.err = TIDE_EUSER,
                                              .msg = "no answer"},
                           sizeof(struct th_child), NULL, &f->child));
    TIDE_AWAIT_CATCH(f, tide_join(f->child, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EUSER);
    /* by hand */
    TH_EQ_INT(tide_task_error(f->child), TIDE_EUSER);
    TH_EQ_STR(tide_error_detail(TIDE_EUSER), "no answer");
    /* asyncio's task.result(): raises the task's error, message and all */
    TIDE_TRY(f, tide_task_result(f->child, NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->child);
    TIDE_END(f);
}
static void result_failed_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, TIDE_EUSER);
    TH_EQ_STR(tide_task_message(main), "no answer");
}

/* ---- a destroy refused: which use holds the object ---------------------- */

struct busy {
    TIDE_FRAME;
    tide_lock *lock;
    int rc;
};
static tide_status busy(void *frame)
{
    struct busy *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_lock_create(NULL, &f->lock));
    TIDE_WITH(f, tide_lock_scope(f->lock)) {
        f->rc = tide_lock_destroy(f->lock);
        TH_EQ_INT(f->rc, TIDE_EBUSY);
        TH_EQ_STR(tide_error_detail(f->rc),
                  "tide_lock_destroy: an open TIDE_WITH block holds it");
    }
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_lock_destroy(f->lock), 0);
    TIDE_END(f);
}

/* Out of memory for the detail: the call fails as it would, without it. */
struct oom {
    TIDE_FRAME;
    int rc;
};
static tide_status oom(void *frame)
{
    struct oom *f = frame;
    TIDE_BEGIN(f);
    f->rc = later_nan();
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    if (!th_oom_active())
        TH_HAS(tide_error_detail(f->rc), "delay is NaN");
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("detail: TIDE_TRY of each failing call raises with its detail; "
            "tide_error_detail reads it after a call checked by hand",
            every_call),
    TH_CASE_AFTER("detail: main's error carries it to tide_main's report",
                  main_fails, main_fails_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("detail: TIDE_TRY never raises a stale detail of an "
                  "earlier failure handled by hand",
                  stale, stale_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("detail: nor one of another code; an await's message is "
                  "its own",
                  other_code, other_code_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("detail: TIDE_TRY of a failed task's result raises its "
                  "error with its message",
                  result_failed, result_failed_after, TH_EXPECT_ERROR),
    TH_CASE("detail: a destroy refused says what holds the object", busy),
    TH_CASE_AFTER("detail: out of memory, the call fails without one", oom,
                  NULL, TH_OOM),
};
TH_MAIN(cases)
