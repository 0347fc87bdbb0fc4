/*
 * hostfault.c - a real-clock program for host-failure injection: run under
 * tests/support/wasi-fault.mjs, which makes the host's poll_oneoff or
 * clock_time_get fail for some calls, it checks that the loop still keeps
 * time: every sleep lasts at least what was asked, timers fire in order,
 * a timeout still times out, and the run ends.
 *
 * Prints one line per check ("ok ..." or "not ok ...") and a summary line
 * `HOSTFAULT {json}`; the exit status is 0 if every check held. Runs
 * natively too, for comparison.
 */
#define _DEFAULT_SOURCE
#include <tide.h>

#include <stdio.h>
#include <time.h>

static int failures, checks;

static void check(int ok, const char *what, double a, double b)
{
    checks++;
    if (!ok)
        failures++;
    printf("%s %s (%.4f, %.4f)\n", ok ? "ok" : "not ok", what, a, b);
}

/* The host's own clock, read directly: what "at least this long" means. */
static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sleeper {
    TIDE_FRAME;
    double delay;
    int index;
    double start;
};

static int order[8], norder;

static tide_status sleeper(void *frame)
{
    struct sleeper *s = frame;
    TIDE_BEGIN(s);
    s->start = wall();
    TIDE_AWAIT(s, tide_sleep(s->delay));
    check(wall() - s->start >= s->delay - 1e-3, "a sleep lasts its delay",
          wall() - s->start, s->delay);
    order[norder++] = s->index;
    TIDE_END(s);
}

static int fired;
static int on_timer(void *arg)
{
    (void)arg;
    fired++;
    return 0;
}

struct mainf {
    TIDE_FRAME;
    tide_task *t[4];
    tide_task *slow;
    double start;
    int rc, i;
};

static tide_status mainf(void *frame)
{
    struct mainf *m = frame;
    TIDE_BEGIN(m);
    /* one sleep alone */
    m->start = wall();
    TIDE_AWAIT(m, tide_sleep(0.03));
    check(wall() - m->start >= 0.03 - 1e-3, "main's sleep lasts 30 ms",
          wall() - m->start, 0.03);
    /* several at once, woken in deadline order */
    for (m->i = 0; m->i < 4; m->i++)
        TIDE_TRY(m, TIDE_SPAWN(sleeper, NULL, &m->t[m->i],
                               .delay = 0.04 - 0.01 * m->i, .index = m->i));
    TIDE_TRY(m, tide_call_later(tide_running_loop(), 0.015, on_timer, NULL,
                                NULL));
    TIDE_AWAIT(m, tide_gather(m->t, 4, 0, NULL, NULL));
    check(norder == 4 && order[0] == 3 && order[1] == 2 && order[2] == 1 &&
              order[3] == 0,
          "sleepers wake in deadline order", norder, order[0]);
    check(fired == 1, "a call_later callback fired once", fired, 1);
    /* a timeout still times out */
    TIDE_TRY(m, TIDE_SPAWN(sleeper, NULL, &m->slow, .delay = 1, .index = 7));
    m->start = wall();
    TIDE_AWAIT_CATCH(m, tide_wait_for(m->slow, 0.02, NULL), m->rc);
    check(m->rc == TIDE_ETIMEDOUT, "wait_for times out", m->rc,
          TIDE_ETIMEDOUT);
    check(wall() - m->start >= 0.02 - 1e-3 && wall() - m->start < 0.9,
          "and neither early nor only when the task ends",
          wall() - m->start, 0.02);
    TIDE_FINALLY(m);
    for (m->i = 0; m->i < 4; m->i++)
        tide_task_release(m->t[m->i]);
    tide_task_release(m->slow);
    TIDE_END(m);
}

int main(void)
{
    tide_loop *L;
    if (tide_loop_create(NULL, NULL, &L) < 0)
        return 2;
    double start = wall();
    struct mainf m = {.tide__frame = TIDE__FRAME_INIT};
    int rc = tide_loop_run(L, mainf, &m, sizeof m, NULL);
    tide_loop_destroy(L);
    check(rc == 0, "the run succeeds", rc, 0);
    printf("HOSTFAULT {\"checks\":%d,\"failures\":%d,\"seconds\":%.3f}\n",
           checks, failures, wall() - start);
    return failures ? 1 : 0;
}
