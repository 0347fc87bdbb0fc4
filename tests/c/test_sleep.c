/*
 * test_sleep.c - checklist section 4, sleep (SLEEP-*).
 *
 * Items without a C meaning:
 * - SLEEP-01/02 `sleep(dt, result)` returning `result`: tide_sleep has no
 *   value to hand back (it completes with 0); a task returns its own value
 *   with TIDE_RETURN, which is what SLEEP-02 checks instead.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

/* Logs "a" and queues "b": "b" shows up one iteration after "a". */
static int log_a_then_b(void *arg)
{
    th_log("a");
    return tide_call_soon(arg, th_log_cb, "b", NULL);
}

/* SLEEP-01: sleep(d) for d <= 0 yields exactly one iteration, no timer. */
struct sleep01 {
    TIDE_FRAME;
    int i;
    int rc;
    uint64_t iter;
    size_t live;
};
static tide_status sleep01(void *frame)
{
    static const double delays[] = {0.0, -1.0, -INFINITY};
    struct sleep01 *f = frame;
    TIDE_BEGIN(f);
    /* A first timer allocates the loop's timer wheel, which stays allocated
     * until the loop dies: unchanged live bytes mean no timer was used. */
    f->live = th_live_bytes();
    for (f->i = 0; f->i < 3; f->i++) {
        TIDE_TRY(f, tide_call_soon(tide_running_loop(), log_a_then_b,
                                   tide_running_loop(), NULL));
        f->iter = tide_loop_iteration_count(tide_running_loop());
        TIDE_AWAIT_CATCH(f, tide_sleep(delays[f->i]), f->rc);
        TH_EQ_INT(f->rc, 0);
        TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()) - f->iter, 1);
        th_log("task");
        TIDE_YIELD(f);
        TH_CHECK(tide_time() == 0.0);
    }
    /* "a" ran before the task resumed, "b" (queued by "a") only after. */
    TH_LOG_IS("a task b a task b a task b");
    TH_EQ_INT(th_live_bytes(), f->live);
    TIDE_END(f);
}

/* SLEEP-02: two sleep(dt/2) end at dt; the task's value comes back. */
struct sleeper {
    TIDE_FRAME;
    double dt;
    const char *arg;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->dt / 2));
    TH_CHECK(tide_time() == 0.05);
    TIDE_AWAIT(f, tide_sleep(f->dt / 2));
    TIDE_RETURN(f, f->arg);
    TIDE_END(f);
}

struct sleep02 {
    TIDE_FRAME;
    tide_task *t;
    const char *res;
};
static tide_status sleep02(void *frame)
{
    struct sleep02 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "sleeper", &f->t, .dt = 0.1,
                           .arg = "yeah"));
    TIDE_AWAIT(f, tide_join(f->t, (void **)&f->res));
    TH_EQ_STR(f->res, "yeah");
    TH_CHECK(tide_task_is_done(f->t));
    TH_CHECK(tide_time() == 0.1);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-02: sleep(NaN) fails at once with EINVAL and CPython's message. */
struct nan_sleeper {
    TIDE_FRAME;
};
static tide_status nan_sleeper(void *frame)
{
    struct nan_sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(NAN));
    th_log("not-reached");
    TIDE_END(f);
}

struct sleep02_nan {
    TIDE_FRAME;
    int rc;
    uint64_t iter;
    tide_task *t;
};
static tide_status sleep02_nan(void *frame)
{
    struct sleep02_nan *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), th_log_cb, "soon", NULL));
    f->iter = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT_CATCH(f, tide_sleep(NAN), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_STR(tide_error_message(), "Invalid delay: NaN (not a number)");
    /* raised before suspending: the queued callback has not run yet */
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iter);
    TH_LOG_IS("");
    /* uncaught, it ends the task with the same error and message */
    TIDE_TRY(f, TIDE_SPAWN(nan_sleeper, NULL, &f->t));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_task_error(f->t), TIDE_EINVAL);
    TH_EQ_STR(tide_task_message(f->t), "Invalid delay: NaN (not a number)");
    TH_LOG_IS("soon");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-03: cancelling a task in sleep(10) disarms the sleep's timer. */
struct long_sleep {
    TIDE_FRAME;
};
static tide_status long_sleep(void *frame)
{
    struct long_sleep *f = frame;
    TIDE_BEGIN(f);
    th_log("start");
    TIDE_AWAIT(f, tide_sleep(10));
    th_log("woke");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("cancelled");
    TIDE_END(f);
}

struct sleep03 {
    TIDE_FRAME;
    tide_task *t;
    int rc;
    uint64_t iter;
};
static tide_status sleep03(void *frame)
{
    struct sleep03 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(long_sleep, "sleeper", &f->t));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_cancel(f->t, NULL), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_CHECK(tide_time() == 0.0);
    /* sleep(20) takes two iterations: its timer fires in one, the task
     * resumes in the next. With the cancelled sleep's timer still armed the
     * virtual clock would also stop at t=10: a third one. */
    f->iter = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_sleep(20));
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()) - f->iter, 2);
    TH_CHECK(tide_time() == 20.0);
    TH_LOG_IS("start cancelled");
    TH_CHECK(tide_task_is_cancelled(f->t));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* SLEEP-04: awaiting a sleeping task that is cancelled at t=0.1 fails at
 * t=0.1, not at the sleep's 5000 s deadline. */
struct sleep5000 {
    TIDE_FRAME;
};
static tide_status sleep5000(void *frame)
{
    struct sleep5000 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(5000));
    TIDE_END(f);
}

struct sleep04 {
    TIDE_FRAME;
    tide_task *t;
    tide_handle *h;
    int rc;
    const char *outcome;
};
static tide_status sleep04(void *frame)
{
    struct sleep04 *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleep5000, "sleeper", &f->t));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 0.1, th_cancel_cb, f->t,
                                &f->h));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    f->outcome = f->rc == TIDE_ECANCELLED ? "cancelled" : "slept in";
    TH_EQ_STR(f->outcome, "cancelled");
    TH_CHECK(tide_time() == 0.1);
    TH_CHECK(tide_task_is_cancelled(f->t));
    TIDE_FINALLY(f);
    /* the timer borrows t: disarm it before letting t go */
    tide_handle_cancel(f->h);
    tide_handle_release(f->h);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- SLEEP-05: sleep(inf), and deadlines past the clock's horizon ------- */

/*
 * asyncio arms a timer even for sleep(inf) or sleep(1e300); it never comes
 * due, so the task sleeps until cancelled. Tide's clock counts nanoseconds
 * and ends about 73 years (2^61 ns) after it starts: a deadline past that
 * horizon is the same as never - no timer is armed for a sleep, and a
 * timer there (call_later, a timeout) keeps nothing waiting, so a loop
 * with nothing else to do reports a deadlock instead of jumping the
 * virtual clock 73 years ahead. Checked on CPython 3.13.0 (real clock):
 *
 *     s1 = create_task(far(1e300)); s2 = create_task(far(4e9))
 *     await asyncio.sleep(0.05)          # both still pending
 *     s1.cancel(); s2.cancel()           # both end cancelled
 *     async with asyncio.timeout(1e300) as cm:   # cm.when() == 1e300
 *         await asyncio.sleep(0.01)      # cm.expired() is False after
 *     await asyncio.wait_for(create_task(sleep(0.02, result=7)), 1e300) # 7
 *     await asyncio.wait([t], timeout=1e300)     # t done, none pending
 *     h = loop.call_later(1e300, ...); h2 = loop.call_at(1e300, ...)
 *     # never run; cancel() works on both
 */

/* Sleeps `delay`; logs "<tag>-woke" at the time it wakes, or
 * "<tag>-cancelled". */
struct far_sleeper {
    TIDE_FRAME;
    const char *tag;
    double delay;
};
static tide_status far_sleeper(void *frame)
{
    struct far_sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    th_log("%s-woke@%.0f", f->tag, tide_time());
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

/* 1e300 and 4e9 s (past the horizon) sleep without a timer until
 * cancelled; 2e9 s (before it) is reached exactly, and from there 4e8 s
 * more is past the horizon again. */
struct sleep05_far {
    TIDE_FRAME;
    tide_task *t[4];
    int i, rc;
};
static tide_status sleep05_far(void *frame)
{
    struct sleep05_far *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t[0], .tag = "s1",
                           .delay = 1e300));
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t[1], .tag = "s2",
                           .delay = 4e9));
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t[2], .tag = "s3",
                           .delay = 2e9));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 1); /* s3's only */
    TIDE_AWAIT(f, tide_join(f->t[2], NULL));
    TH_CHECK(tide_time() == 2e9);
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t[3], .tag = "s4",
                           .delay = 4e8));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
    TH_EQ_STR(tide_task_state(f->t[3]), "waiting");
    TIDE_AWAIT(f, tide_sleep(5));
    for (int i = 0; i < 4; i++)
        if (i != 2)
            TH_EQ_INT(tide_task_cancel(f->t[i], NULL), 1);
    for (f->i = 0; f->i < 4; f->i++)
        if (f->i != 2) {
            TIDE_AWAIT_CATCH(f, tide_join(f->t[f->i], NULL), f->rc);
            TH_EQ_INT(f->rc, TIDE_ECANCELLED);
        }
    TH_CHECK(tide_time() == 2e9 + 5);
    TH_LOG_IS("s3-woke@2000000000 s1-cancelled s2-cancelled s4-cancelled");
    TIDE_FINALLY(f);
    for (int i = 0; i < 4; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* The other calls that take a timeout behave as asyncio with 1e300: never
 * due, everything else as usual. */
struct sleep05_timeouts {
    TIDE_FRAME;
    tide_timeout *tmo;
    tide_task *t;
    tide_handle *later, *at;
    void *value;
    int rc;
};
static int never_cb(void *arg)
{
    (void)arg;
    th_log("never-cb");
    return 0;
}
static tide_status sleep05_timeouts(void *frame)
{
    struct sleep05_timeouts *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_timeout_enter(1e300, &f->tmo));
    TH_CHECK(tide_timeout_when(f->tmo) == 1e300);
    TIDE_AWAIT_CATCH(f, tide_sleep(1), f->rc);
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(tide_timeout_is_expired(f->tmo), 0);
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t, .tag = "t", .delay = 2));
    TIDE_AWAIT(f, tide_wait_for(f->t, 1e300, &f->value));
    tide_task_release(f->t);
    f->t = NULL;
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, NULL, &f->t, .tag = "u", .delay = 2));
    TIDE_AWAIT(f, tide_wait(&f->t, 1, TIDE_ALL_COMPLETED, 1e300));
    TH_CHECK(tide_task_is_done(f->t));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1e300, never_cb, NULL,
                                &f->later));
    TIDE_TRY(f, tide_call_at(tide_running_loop(), 1e300, never_cb, NULL,
                             &f->at));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_CHECK(tide_time() == 6);
    TH_EQ_INT(tide_handle_cancel(f->later), 1); /* still pending */
    TH_EQ_INT(tide_handle_cancel(f->at), 1);
    TH_LOG_IS("t-woke@3 u-woke@5");
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    tide_task_release(f->t);
    tide_handle_release(f->later);
    tide_handle_release(f->at);
    TIDE_END(f);
}

/* Each waits on a task that never ends, with a timeout past the horizon
 * (or none). Logs "<tag>:<outcome>@<time>". */
struct far_waiter {
    TIDE_FRAME;
    const char *tag;
    int kind;
    tide_task *const *forever;
    tide_timeout *tmo;
    int rc;
};
enum { FAR_SLEEP, FAR_SLEEP_PAST, FAR_WAIT, FAR_WAIT_FOR, FAR_TIMEOUT,
       FAR_TIMEOUT_AT };
static tide_status far_waiter(void *frame)
{
    struct far_waiter *f = frame;
    TIDE_BEGIN(f);
    if (f->kind == FAR_TIMEOUT)
        TIDE_TRY(f, tide_timeout_enter(1e300, &f->tmo));
    else if (f->kind == FAR_TIMEOUT_AT)
        TIDE_TRY(f, tide_timeout_enter_at(5e9, &f->tmo));
    if (f->kind == FAR_SLEEP)
        TIDE_AWAIT_CATCH(f, tide_sleep(1e300), f->rc);
    else if (f->kind == FAR_SLEEP_PAST)
        TIDE_AWAIT_CATCH(f, tide_sleep(2.4e9), f->rc);
    else if (f->kind == FAR_WAIT)
        TIDE_AWAIT_CATCH(f, tide_wait(f->forever, 1, TIDE_ALL_COMPLETED,
                                      1e300),
                         f->rc);
    else if (f->kind == FAR_WAIT_FOR)
        TIDE_AWAIT_CATCH(f, tide_wait_for(*f->forever, 1e300, NULL), f->rc);
    else
        TIDE_AWAIT_CATCH(f, tide_join(*f->forever, NULL), f->rc);
    if (f->tmo)
        f->rc = tide_timeout_exit(f->tmo, f->rc);
    th_log("%s:%s@%.0f", f->tag, tide_errname(f->rc), tide_time());
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    TIDE_END(f);
}

/* With nothing else to do, a loop whose only timers are past the horizon
 * reports a deadlock at once (asyncio would sleep for ever), and nobody
 * times out: the timeouts never fired. */
struct sleep05_deadlock {
    TIDE_FRAME;
    tide_task *forever;
    tide_task *t[6];
};
static const char *const far_tags[] = {"sleep", "sleep-past", "wait",
                                       "wait_for", "timeout", "timeout_at"};
static tide_status sleep05_deadlock(void *frame)
{
    struct sleep05_deadlock *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(far_sleeper, "forever", &f->forever, .tag = "f",
                           .delay = INFINITY));
    for (int i = 0; i < 6; i++)
        TIDE_TRY(f, TIDE_SPAWN(far_waiter, far_tags[i], &f->t[i],
                               .tag = far_tags[i], .kind = i,
                               .forever = &f->forever));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1e300, never_cb, NULL,
                                NULL));
    TIDE_TRY(f, tide_call_at(tide_running_loop(), 4e9, never_cb, NULL, NULL));
    TIDE_AWAIT(f, tide_gather(f->t, 6, TIDE_GATHER_RETURN_ERRORS, NULL, NULL));
    th_log("not-reached");
    TIDE_FINALLY(f);
    tide_task_release(f->forever);
    for (int i = 0; i < 6; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}
static void sleep05_deadlock_after(tide_loop *L, tide_task *main, int err)
{
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_CHECK(tide_task_is_cancelled(main));
    TH_CHECK(tide_loop_time(L) == 0.0);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "Task-3 'sleep' waiting on sleep forever"));
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          "Task-4 'sleep-past' waiting on sleep forever"));
    /* (the order is that of the deadlock's cancellations: main first, its
     * gather passing it on to the waiters, wait_for to `forever`) */
    TH_LOG_IS("sleep:TIDE_ECANCELLED@0 sleep-past:TIDE_ECANCELLED@0 "
              "wait:TIDE_ECANCELLED@0 f-cancelled wait_for:TIDE_ECANCELLED@0 "
              "timeout:TIDE_ECANCELLED@0 timeout_at:TIDE_ECANCELLED@0");
    TH_EQ_STR(th_reports(), "");
}

/* SLEEP-06: timers come due in deadline order, equal deadlines in the order
 * they were started, whatever the spread: deadlines equal, a nanosecond
 * apart, within a microsecond (one unit of the heap's keys), seconds and an
 * hour apart; cancelled ones never fire. A ticker starts a timer every 50 ms
 * meanwhile (after the keys' base moved on, some due with a sleeper's). The
 * expected order is computed from the deadlines in ns. */
#define SLEEP06_N 160
#define SLEEP06_TICKS 240
static int sleep06_log[SLEEP06_N + SLEEP06_TICKS], sleep06_logged;
struct sleep06_ticker {
    TIDE_FRAME;
    int k;
};
static tide_status sleep06_ticker(void *frame)
{
    struct sleep06_ticker *f = frame;
    TIDE_BEGIN(f);
    for (f->k = 0; f->k < SLEEP06_TICKS; f->k++) {
        TIDE_AWAIT(f, tide_sleep(0.05));
        sleep06_log[sleep06_logged++] = SLEEP06_N + f->k;
    }
    TIDE_END(f);
}
struct sleep06_one {
    TIDE_FRAME;
    int idx;
    double delay;
};
static tide_status sleep06_one(void *frame)
{
    struct sleep06_one *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    sleep06_log[sleep06_logged++] = f->idx;
    TIDE_END(f);
}
static double sleep06_delay(int i)
{
    unsigned r = (unsigned)i * 2654435761u >> 7;
    switch (i % 5) {
    case 0: return 0.0005 * (r % 8);          /* many equal */
    case 1: return 0.01 + 1e-9 * (r % 5);     /* a nanosecond apart */
    case 2: return 1e-7 * (r % 30);           /* within one key unit */
    case 3: return 0.01 * (r % 1000);         /* up to 10 s */
    default: return 3600 + (r % 3) * 1e-3;    /* an hour on */
    }
}
struct sleep06 {
    TIDE_FRAME;
    tide_task *t[SLEEP06_N], *ticker;
    int i, rc;
};
static tide_status sleep06(void *frame)
{
    struct sleep06 *f = frame;
    TIDE_BEGIN(f);
    sleep06_logged = 0;
    for (f->i = 0; f->i < SLEEP06_N; f->i++)
        TIDE_TRY(f, TIDE_SPAWN(sleep06_one, NULL, &f->t[f->i], .idx = f->i,
                               .delay = sleep06_delay(f->i)));
    TIDE_TRY(f, TIDE_SPAWN(sleep06_ticker, NULL, &f->ticker));
    TIDE_AWAIT(f, tide_sleep(0)); /* every one sleeps, all from t=0 */
    for (f->i = 0; f->i < SLEEP06_N; f->i += 7)
        TH_EQ_INT(tide_task_cancel(f->t[f->i], NULL), 1);
    for (f->i = 0; f->i < SLEEP06_N; f->i++) {
        TIDE_AWAIT_CATCH(f, tide_join(f->t[f->i], NULL), f->rc);
        TH_EQ_INT(f->rc, f->i % 7 ? 0 : TIDE_ECANCELLED);
    }
    TIDE_AWAIT(f, tide_join(f->ticker, NULL));
    /* the expected order: by deadline in ns, then by start (the sleepers'
     * timers started before any of the ticker's) */
    int want[SLEEP06_N + SLEEP06_TICKS], n = 0;
    int64_t ns[SLEEP06_N + SLEEP06_TICKS];
    for (int i = 0; i < SLEEP06_N + SLEEP06_TICKS; i++) {
        ns[i] = i < SLEEP06_N ? (int64_t)ceil(sleep06_delay(i) * 1e9)
                              : (int64_t)ceil(0.05 * 1e9) * (i - SLEEP06_N + 1);
        if (i < SLEEP06_N && i % 7 == 0)
            continue;
        int j = n++;
        while (j > 0 && ns[want[j - 1]] > ns[i]) {
            want[j] = want[j - 1];
            j--;
        }
        want[j] = i;
    }
    TH_EQ_INT(sleep06_logged, n);
    int misplaced = 0;
    for (int i = 0; i < n && i < sleep06_logged; i++)
        misplaced += sleep06_log[i] != want[i];
    TH_EQ_INT(misplaced, 0);
    TH_CHECK(tide_time() >= 3600.0);
    TIDE_FINALLY(f);
    for (int i = 0; i < SLEEP06_N; i++)
        tide_task_release(f->t[i]);
    tide_task_release(f->ticker);
    TIDE_END(f);
}

/* SLEEP-07: the timer wheel against a model. Callback timers are started
 * at deadlines from a nanosecond to 2^50 ns (13 days) ahead (on the real
 * clock, where the loop wakes at the start of a far timer's bucket rather
 * than at the timer, up to 4 ms), a third of them on a few shared
 * deadlines (ties started at very different times: a far one is cascaded
 * down through the wheel's levels while later ones with the same deadline
 * land directly below it), a few in the past. Each one that fires starts
 * more (always after the iteration's due timers), cancels some: one of its
 * ties when it has one (a timer already collected, due in the same
 * iteration). The timers fired must come in deadline order, ties in start
 * order, each once, none cancelled, and every one not cancelled must fire.
 * (Checks are O(1) a timer: the case runs once per allocation in the
 * out-of-memory sweeps.) */
#define SLEEP07_MAX 1200
#define SLEEP07_TIES 24
struct sleep07_timer {
    tide_handle *h;
    int64_t when;
    int armed, fired;
    int next_tie; /* the next timer started on the same shared deadline */
};
static struct {
    struct sleep07_timer t[SLEEP07_MAX];
    int64_t ties[SLEEP07_TIES];
    int tie_first[SLEEP07_TIES];
    int starts, started, armed, fired, cancelled, out_of_order, wrong;
    struct sleep07_timer *last; /* the last one fired */
    unsigned span; /* deadlines up to 2^(span - 1) ns ahead */
    int uniform;   /* spread evenly up to 2^span ns, not by powers of 2 */
    uint64_t rng;
} s07;
static uint64_t sleep07_rand(void)
{
    s07.rng ^= s07.rng << 13;
    s07.rng ^= s07.rng >> 7;
    s07.rng ^= s07.rng << 17;
    return s07.rng;
}
static int sleep07_fire(void *arg);
/* Starts one timer at least 10 us after `now_ns` (or in the past when
 * `past`): a shared deadline, or one 2^0..2^(span-1) ns on. */
static void sleep07_start(int64_t now_ns, int past)
{
    if (s07.started == s07.starts)
        return;
    int64_t at;
    uint64_t r = sleep07_rand();
    int tie = (int)(r % SLEEP07_TIES), tied = 0;
    struct sleep07_timer *t = &s07.t[s07.started];
    if (past) {
        at = -(int64_t)(r >> 20 & 0xFFFFFFF) * 1000;
    } else if (r >> 8 & 1 && s07.ties[tie] > now_ns + 10000) {
        at = s07.ties[tie];
        tied = 1;
    } else {
        at = now_ns + 10000 +
             (int64_t)((r >> 16) & ((1ull << (s07.uniform ? s07.span
                                                          : (r >> 10) % s07.span)) - 1));
    }
    double seconds = (double)at / 1e9;
    if (tide_call_at(tide_running_loop(), seconds, sleep07_fire, t, &t->h) < 0) {
        s07.wrong++; /* (out of memory, in the sweeps) */
        return;
    }
    t->next_tie = tied ? s07.tie_first[tie] : -1;
    if (tied)
        s07.tie_first[tie] = s07.started;
    t->when = (int64_t)ceil(seconds * 1e9); /* as tide_call_at rounds */
    t->armed = 1;
    s07.started++;
    s07.armed++;
}
static void sleep07_cancel(struct sleep07_timer *t)
{
    if (!t->armed)
        return;
    if (tide_handle_cancel(t->h) != 1)
        s07.wrong++;
    t->armed = 0;
    s07.armed--;
    s07.cancelled++;
}
static int sleep07_fire(void *arg)
{
    struct sleep07_timer *me = arg, *last = s07.last;
    if (me->fired++ || !me->armed)
        s07.wrong++; /* twice, or cancelled yet fired */
    me->armed = 0;
    s07.armed--;
    s07.fired++;
    /* (timers are only started after the due ones: deadline order is
     * the order they fire in) */
    if (last && (last->when > me->when || (last->when == me->when && last > me)))
        s07.out_of_order++;
    s07.last = me;
    int64_t now = (int64_t)(tide_loop_time(tide_running_loop()) * 1e9);
    uint64_t r = sleep07_rand();
    for (unsigned k = 0; k < r % 4; k++)
        sleep07_start(now, 0);
    if (r >> 4 & 1) /* cancel a tie of mine, if there is one */
        for (int i = me->next_tie; i >= 0; i = s07.t[i].next_tie)
            if (s07.t[i].armed) {
                sleep07_cancel(&s07.t[i]);
                break;
            }
    if ((r >> 5) % 3 == 0 && s07.started)
        sleep07_cancel(&s07.t[(r >> 8) % (uint64_t)s07.started]);
    return 0;
}
/* The first timers, from now (a few in the past). */
static void sleep07_setup(unsigned span, int starts, int uniform)
{
    memset(&s07, 0, sizeof s07);
    s07.span = span;
    s07.uniform = uniform;
    s07.starts = starts;
    s07.rng = 0x9E3779B97F4A7C15ull;
    int64_t now = (int64_t)(tide_loop_time(tide_running_loop()) * 1e9);
    for (unsigned i = 0; i < SLEEP07_TIES; i++) {
        s07.ties[i] = now + 10000 +
                      (int64_t)(sleep07_rand() & ((1ull << (i * (span - 1) / SLEEP07_TIES)) - 1));
        s07.tie_first[i] = -1;
    }
    for (int i = 0; i < (uniform ? starts * 2 / 3 : starts / 3); i++)
        sleep07_start(now, i % 50 == 0);
}
static void sleep07_check(void)
{
    TH_EQ_INT(s07.wrong, 0);
    TH_EQ_INT(s07.out_of_order, 0);
    TH_EQ_INT(s07.started, s07.starts);
    TH_EQ_INT(s07.fired + s07.cancelled, s07.starts);
    TH_CHECK(s07.cancelled > s07.starts / 20 && s07.fired > s07.starts / 2);
    TH_EQ_INT(tide_loop_timer_count(tide_running_loop()), 0);
}
static void sleep07_release(void)
{
    for (int i = 0; i < s07.started; i++)
        tide_handle_release(s07.t[i].h);
}
struct sleep07 {
    TIDE_FRAME;
};
static tide_status sleep07(void *frame)
{
    struct sleep07 *f = frame;
    TIDE_BEGIN(f);
    sleep07_setup(51, SLEEP07_MAX, 0);
    /* (this task's own sleeps are timers too, between the model's) */
    while (s07.armed > 0)
        TIDE_AWAIT(f, tide_sleep(3600));
    sleep07_check();
    TIDE_FINALLY(f);
    sleep07_release();
    TIDE_END(f);
}
struct sleep07_real {
    TIDE_FRAME;
    double until;
};
static tide_status sleep07_real(void *frame)
{
    struct sleep07_real *f = frame;
    TIDE_BEGIN(f);
    /* 400 timers spread over 1 ms, then 2 ms without a yield: they come
     * due in one iteration, whole buckets of 64 us with 20-30 each */
    sleep07_setup(20, 600, 1);
    f->until = tide_loop_time(tide_running_loop()) + 0.002;
    while (tide_loop_time(tide_running_loop()) < f->until)
        ;
    while (s07.armed > 0)
        TIDE_AWAIT(f, tide_sleep(0.002));
    sleep07_check();
    TIDE_FINALLY(f);
    sleep07_release();
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("SLEEP-01 sleep(0), sleep(-1) and sleep(-inf) yield exactly one "
            "iteration, without a timer",
            sleep01),
    TH_CASE("SLEEP-02 two sleep(0.05) end at virtual time 0.1 and the task "
            "returns its value",
            sleep02),
    TH_CASE("SLEEP-02 sleep(NaN) fails at once with EINVAL and "
            "'Invalid delay: NaN (not a number)'",
            sleep02_nan),
    TH_CASE_AFTER("SLEEP-03 cancelling a task in sleep(10) disarms its timer",
                  sleep03, NULL, TH_OOM),
    TH_CASE_AFTER("SLEEP-04 awaiting a sleeping task cancelled at t=0.1 fails "
                  "at t=0.1",
                  sleep04, NULL, TH_OOM),
    TH_CASE_AFTER("SLEEP-05 sleep(1e300) and sleeps past the clock's horizon "
                  "wait, without a timer, until cancelled; one just before "
                  "it is reached",
                  sleep05_far, NULL, TH_OOM),
    TH_CASE_AFTER("SLEEP-05 timeout scopes, wait_for, wait, call_later and "
                  "call_at with 1e300 never come due",
                  sleep05_timeouts, NULL, TH_OOM),
    TH_CASE_AFTER("SLEEP-05 timers past the horizon keep nothing waiting: a "
                  "deadlock at t=0, nobody timed out",
                  sleep05_deadlock, sleep05_deadlock_after, TH_EXPECT_ERROR),
    TH_CASE("SLEEP-06 timers come due by deadline, ties in start order: "
            "deadlines equal, 1 ns apart, within a microsecond, seconds and "
            "an hour apart; cancelled ones never",
            sleep06),
    TH_CASE("SLEEP-07 the timer wheel against a model: deadlines 1 ns to 13 "
            "days ahead, in the past, ties started far apart, cancels of "
            "collected timers; they fire in deadline order, ties in start "
            "order, each once",
            sleep07),
    TH_CASE_AFTER("SLEEP-07 the same on the real clock, 400 timers within 1 ms "
                  "due at once after 2 ms without a yield",
                  sleep07_real, NULL, TH_REAL_CLOCK),
};
TH_MAIN(cases)
