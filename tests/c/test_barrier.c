/*
 * test_barrier.c - checklist section 16, tide_barrier (BAR-*), plus bad
 * input. The cases follow CPython's BarrierTests, N = 5 unless a test says.
 *
 * Python to C: `async with barrier as i` is tide_barrier_wait(b, &i) (its
 * __aexit__ does nothing); BrokenBarrierError is TIDE_EBROKEN; the results
 * lists are counters; `barrier._count` (a private field) is computed from
 * how many tasks have left; repr's filling/draining state is observed
 * through behaviour (n_waiting, whether a newcomer blocks).
 * `await barrier.reset()` / `abort()`: no task ever holds the barrier's
 * lock across an await, so asyncio's never wait for it; Tide's do not
 * suspend at all (see barrier.c) and are called directly.
 * No C meaning: TypeError for `await barrier` (not an awaitable call).
 */
#include <stdint.h>

#include "harness.h"

#define N 5
#define EAPP (TIDE_EUSER - 1)

/* What the tasks of one case share: the barriers, CPython's nonlocal
 * counters and result lists (as counts). */
struct shared {
    tide_barrier *b, *b2;
    int count, rewait_n, left;
    int r1, r2, r3;
    uint64_t base;
};

/* Waits once and logs "<tag>-<index>@<iteration>" (iterations from
 * s->base), or "<tag>-broken" / "<tag>-cancelled"; returns the index. */
struct bwaiter {
    TIDE_FRAME;
    struct shared *s;
    const char *tag;
    int index;
};
static tide_status bwaiter(void *frame)
{
    struct bwaiter *f = frame;
    TIDE_BEGIN(f);
    f->index = -1;
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, &f->index));
    th_log("%s-%d@%d", f->tag, f->index,
           (int)(tide_loop_iteration_count(tide_running_loop()) - f->s->base));
    TIDE_RETURN(f, (void *)(intptr_t)f->index);
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f) == TIDE_EBROKEN)
        th_log("%s-broken", f->tag);
    if (TIDE_ERROR(f) == TIDE_ECANCELLED)
        th_log("%s-cancelled", f->tag);
    TIDE_END(f);
}

static const char *const tags[] = {"a", "b", "c", "d", "e", "f", "g"};

/* Spawns n tasks of `fn` (frame `proto` of `size` bytes) into t[]. */
static int spawn_n(tide_task **t, int n, tide_fn fn, const void *proto,
                   size_t size)
{
    for (int i = 0; i < n; i++) {
        int rc = tide_spawn(fn, proto, size, tags[i], &t[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
#define SPAWN_N(t, n, fn, ...)                                                 \
    spawn_n((t), (n), (fn),                                                    \
            &(struct fn){.tide__frame = TIDE__FRAME_INIT, __VA_ARGS__},       \
            sizeof(struct fn))

/* bwaiter, with its tag from the task name. */
struct named {
    TIDE_FRAME;
    struct shared *s;
    struct bwaiter w;
};
static tide_status named(void *frame)
{
    struct named *f = frame;
    TIDE_BEGIN(f);
    f->w = (struct bwaiter){.s = f->s,
                            .tag = tide_task_name(tide_current_task())};
    TIDE_AWAIT_CALL(f, bwaiter, &f->w);
    TIDE_RETURN(f, TIDE_RESULT(&f->w));
    TIDE_END(f);
}

/* ---- BAR-01 ---------------------------------------------------------------- */

struct bar01_parties {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[2];
    int index;
    uint64_t it;
    void *v[2];
    struct th_reap reap;
};
static tide_status bar01_parties(void *frame)
{
    struct bar01_parties *f = frame;
    TIDE_BEGIN(f);
    tide_barrier *x = (tide_barrier *)1;
    TH_EQ_INT(tide_barrier_create(NULL, 0, &x), TIDE_EINVAL);
    TH_CHECK(x == NULL);
    TH_EQ_INT(tide_barrier_create(NULL, -4, &x), TIDE_EINVAL);
    TIDE_TRY(f, tide_barrier_create(NULL, 1, &f->s.b));
    TH_EQ_INT(tide_barrier_parties(f->s.b), 1);
    /* Barrier(1) never blocks: every wait returns 0 at once */
    f->it = tide_loop_iteration_count(tide_running_loop());
    f->index = -1;
    TIDE_AWAIT(f, tide_barrier_wait(f->s.b, &f->index));
    TH_EQ_INT(f->index, 0);
    f->index = -1;
    TIDE_AWAIT(f, tide_barrier_wait(f->s.b, &f->index));
    TH_EQ_INT(f->index, 0);
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->it);
    /* test_filling_one_task_twice */
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[0], .s = &f->s, .tag = "t1"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[1], .s = &f->s, .tag = "t2"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_result(f->t[0], &f->v[0]), 0);
    TH_EQ_INT(tide_task_result(f->t[1], &f->v[1]), 0);
    TH_CHECK(f->v[0] == f->v[1]);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-02 ---------------------------------------------------------------- */

/* The last arrival trips the barrier and returns first; the others leave
 * in the next iteration, in arrival order (as CPython 3.13 prints). */
struct bar02_order {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[3];
    struct th_reap reap;
};
static tide_status bar02_order(void *frame)
{
    struct bar02_order *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 3, &f->s.b));
    f->s.base = tide_loop_iteration_count(tide_running_loop()) + 1;
    TIDE_TRY(f, SPAWN_N(f->t, 3, named, .s = &f->s));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0); /* tripped: draining */
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, NULL, NULL));
    TH_LOG_IS("c-2@0 a-0@1 b-1@1");
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_filling_task_by_task, test_context_manager: n_waiting counts up,
 * the indexes are 0..N-1. */
struct bar02_task_by_task {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[3];
    void *v[3];
    struct th_reap reap;
};
static tide_status bar02_task_by_task(void *frame)
{
    struct bar02_task_by_task *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 3, &f->s.b));
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[0], .s = &f->s, .tag = "t1"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 1);
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[1], .s = &f->s, .tag = "t2"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 2);
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[2], .s = &f->s, .tag = "t3"));
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, f->v, NULL));
    for (int i = 0; i < 3; i++)
        TH_EQ_INT((intptr_t)f->v[i], i); /* arrival order */
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-03 ---------------------------------------------------------------- */

/* test_filling_tasks_wait_twice / _check_return_value: two cycles. */
struct twice {
    TIDE_FRAME;
    struct shared *s;
    int i;
};
static tide_status twice(void *frame)
{
    struct twice *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    f->s->r1++;
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, &f->i));
    f->s->r2++;
    TIDE_RETURN(f, (void *)(intptr_t)f->i);
    TIDE_END(f);
}

struct bar03_cycles {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    void *v[N];
    int seen;
    struct th_reap reap;
};
static tide_status bar03_cycles(void *frame)
{
    struct bar03_cycles *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, twice, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, f->v, NULL));
    TH_EQ_INT(f->s.r1, N);
    TH_EQ_INT(f->s.r2, N);
    for (int i = 0; i < N; i++)
        f->seen |= 1 << (intptr_t)f->v[i];
    TH_EQ_INT(f->seen, (1 << N) - 1); /* sorted(res) == range(N) */
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_draining_state, through behaviour: while the tripped barrier
 * drains, a newcomer blocks outside (n_waiting stays 0); once the last
 * task has left, it is filling again and the newcomer gets in. */
struct bar03_draining {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[4];
    struct th_reap reap;
};
static tide_status bar03_draining(void *frame)
{
    struct bar03_draining *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 3, &f->s.b));
    f->s.base = tide_loop_iteration_count(tide_running_loop()) + 1;
    TIDE_TRY(f, SPAWN_N(f->t, 3, named, .s = &f->s));
    TIDE_YIELD(f); /* a, b, c arrive; c trips and leaves */
    TH_LOG_IS("c-2@0");
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[3], .s = &f->s,
                           .tag = "late"));
    TIDE_YIELD(f); /* a and b leave; the newcomer arrives after them */
    TH_LOG_IS("c-2@0 a-0@1 b-1@1");
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 1); /* filling again */
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-04: test_blocking_tasks_while_draining ------------------------------ */

struct rewaiter {
    TIDE_FRAME;
    struct shared *s;
};
static tide_status rewaiter(void *frame)
{
    struct rewaiter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    if (f->s->rewait_n > 0) {
        f->s->rewait_n--;
        TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    } else {
        TIDE_AWAIT(f, tide_barrier_wait(f->s->b2, NULL));
        TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    }
    f->s->r1++;
    TIDE_END(f);
}

struct bar04_blocked_while_draining {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar04_blocked_while_draining(void *frame)
{
    struct bar04_blocked_while_draining *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, tide_barrier_create(NULL, N - 2, &f->s.b2));
    f->s.rewait_n = 2;
    TIDE_TRY(f, SPAWN_N(f->t, N, rewaiter, .s = &f->s));
    /* success: b2 was waited exactly N-2 times, and nothing hangs */
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(f->s.r1, N);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b2), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TH_EQ_INT(tide_barrier_destroy(f->s.b2), 0);
    TIDE_END(f);
}

/* ---- BAR-05: test_filling_tasks_cancel_one --------------------------------- */

struct bar05_cancel_one {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[4];
    int rc;
    struct th_reap reap;
};
static tide_status bar05_cancel_one(void *frame)
{
    struct bar05_cancel_one *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 3, &f->s.b));
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[0], .s = &f->s, .tag = "t1"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 1);
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[1], .s = &f->s, .tag = "t2"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 2);
    TH_EQ_INT(tide_task_cancel(f->t[0], NULL), 1);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_task_is_cancelled(f->t[0]), 1);
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[2], .s = &f->s, .tag = "t3"));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 2);
    f->s.base = tide_loop_iteration_count(tide_running_loop()) + 1;
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[3], .s = &f->s, .tag = "t4"));
    TIDE_AWAIT(f, tide_gather(&f->t[1], 3, 0, NULL, NULL));
    /* t2 took index 1 while t1 was inside; t3 gets 1 again once t1 left:
     * CPython 3.13 prints the same. */
    TH_LOG_IS("t1-cancelled t4-2@0 t2-1@1 t3-1@1");
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-06: reset with tasks waiting ---------------------------------------- */

struct bar06_reset_idle {
    TIDE_FRAME;
    tide_barrier *b;
};
static tide_status bar06_reset_idle(void *frame)
{
    struct bar06_reset_idle *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 1, &f->b));
    TH_EQ_INT(tide_barrier_reset(f->b), 0);
    TH_EQ_INT(tide_barrier_waiter_count(f->b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->b), 0);
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_barrier_destroy(f->b), 0);
    TIDE_END(f);
}

/* A task that resets (`create_task(coro_reset())`). */
struct resetter {
    TIDE_FRAME;
    struct shared *s;
};
static tide_status resetter(void *frame)
{
    struct resetter *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_reset(f->s->b));
    TIDE_END(f);
}

/* test_reset_barrier_while_tasks_waiting: N-1 waiters all get EBROKEN. */
struct catcher {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status catcher(void *frame)
{
    struct catcher *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
    if (f->rc == TIDE_EBROKEN)
        f->s->r1++;
    TIDE_END(f);
}

struct bar06_reset_waiting {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar06_reset_waiting(void *frame)
{
    struct bar06_reset_waiting *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N - 1, catcher, .s = &f->s));
    TIDE_YIELD(f);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), N - 1);
    TIDE_TRY(f, TIDE_SPAWN(resetter, NULL, &f->t[N - 1], .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N - 1, 0, NULL, NULL));
    TH_EQ_INT(f->s.r1, N - 1);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_reset_barrier_while_tasks_waiting_and_waiting_again */
struct coro1 {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status coro1(void *frame)
{
    struct coro1 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
    if (f->rc == TIDE_EBROKEN)
        f->s->r1++;
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL)); /* the `finally` */
    f->s->r2++;
    TIDE_END(f);
}

struct coro2 {
    TIDE_FRAME;
    struct shared *s;
};
static tide_status coro2(void *frame)
{
    struct coro2 *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    f->s->r2++;
    TIDE_END(f);
}

struct bar06_reset_and_wait_again {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N + 1];
    struct th_reap reap;
};
static tide_status bar06_reset_and_wait_again(void *frame)
{
    struct bar06_reset_and_wait_again *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N - 1, coro1, .s = &f->s));
    TIDE_TRY(f, TIDE_SPAWN(resetter, NULL, &f->t[N - 1], .s = &f->s));
    TIDE_YIELD(f);
    TIDE_TRY(f, TIDE_SPAWN(coro2, NULL, &f->t[N], .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N - 1, 0, NULL, NULL));
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TH_EQ_INT(f->s.r1, N - 1);
    TH_EQ_INT(f->s.r2, N);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-07: reset while draining -------------------------------------------- */

/* test_reset_barrier_when_tasks_half_draining: the task that leaves when
 * N//2 are still inside resets; those N//2 get EBROKEN. */
struct half_draining {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status half_draining(void *frame)
{
    struct half_draining *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
    if (f->rc == TIDE_EBROKEN) {
        f->s->r1++;
    } else {
        TIDE_TRY(f, f->rc);
        f->s->left++;
        if (N - f->s->left == N / 2) /* rest_of_tasks == barrier._count */
            TIDE_TRY(f, tide_barrier_reset(f->s->b));
    }
    TIDE_END(f);
}

struct bar07_half_draining {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar07_half_draining(void *frame)
{
    struct bar07_half_draining *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, half_draining, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(f->s.r1, N / 2);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_reset_barrier_when_tasks_half_draining_half_blocking */
struct half_blocking {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status half_blocking(void *frame)
{
    struct half_blocking *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
    if (f->rc == TIDE_EBROKEN) {
        f->s->r1++;
        TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    } else {
        TIDE_TRY(f, f->rc);
        f->s->count++;
        if (f->s->count > N / 2) {
            TIDE_TRY(f, tide_barrier_reset(f->s->b));
            TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
        } else {
            TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
            if (f->rc == TIDE_EBROKEN)
                f->s->r2++;
            else
                TIDE_TRY(f, f->rc);
        }
    }
    TIDE_END(f);
}

struct bar07_half_blocking {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar07_half_blocking(void *frame)
{
    struct bar07_half_blocking *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, half_blocking, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(f->s.r1, N / 2);
    TH_EQ_INT(f->s.r2, 0);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_reset_barrier_while_tasks_draining: the last task out resets; the
 * others, already out, are unaffected and their re-waits complete. */
struct drain_reset {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status drain_reset(void *frame)
{
    struct drain_reset *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    f->s->count++;
    if (f->s->count == N) {
        TIDE_TRY(f, tide_barrier_reset(f->s->b));
        TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    } else {
        TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
        if (f->rc == 0)
            f->s->r1++;
        else
            f->s->r2++;
    }
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    f->s->r3++;
    TIDE_END(f);
}

struct bar07_while_draining {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar07_while_draining(void *frame)
{
    struct bar07_while_draining *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, drain_reset, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TH_EQ_INT(f->s.r1, N - 1);
    TH_EQ_INT(f->s.r2, 0);
    TH_EQ_INT(f->s.r3, N);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* ---- BAR-08: abort ----------------------------------------------------------- */

struct bar08_abort_idle {
    TIDE_FRAME;
    tide_barrier *b;
    int rc;
};
static tide_status bar08_abort_idle(void *frame)
{
    struct bar08_abort_idle *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 1, &f->b));
    TH_EQ_INT(tide_barrier_abort(f->b), 0);
    TH_EQ_INT(tide_barrier_waiter_count(f->b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->b), 1);
    /* a future wait fails at once, even with parties 1 */
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->b, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EBROKEN);
    TH_EQ_STR(tide_error_message(), "Barrier aborted");
    TH_EQ_INT(tide_barrier_reset(f->b), 0);
    TH_EQ_INT(tide_barrier_is_broken(f->b), 0);
    TIDE_AWAIT(f, tide_barrier_wait(f->b, NULL));
    TIDE_FINALLY(f);
    TH_EQ_INT(tide_barrier_destroy(f->b), 0);
    TIDE_END(f);
}

/* test_abort_barrier_when_tasks_half_draining_half_blocking */
struct abort_half {
    TIDE_FRAME;
    struct shared *s;
    int rc;
};
static tide_status abort_half(void *frame)
{
    struct abort_half *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
    if (f->rc == TIDE_EBROKEN) {
        f->s->r1++;
    } else {
        TIDE_TRY(f, f->rc);
        f->s->count++;
        if (f->s->count > N / 2) {
            TIDE_TRY(f, tide_barrier_abort(f->s->b));
        } else {
            TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
            if (f->rc == TIDE_EBROKEN)
                f->s->r2++;
        }
    }
    TIDE_END(f);
}

struct bar08_abort_half {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar08_abort_half(void *frame)
{
    struct bar08_abort_half *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, abort_half, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 1);
    TH_EQ_INT(f->s.r1, N / 2);
    TH_EQ_INT(f->s.r2, N - N / 2 - 1);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_abort_barrier_when_exception: one task's body fails inside the
 * barrier and it aborts; the others' next wait is EBROKEN. */
struct raiser {
    TIDE_FRAME;
    struct shared *s;
    int i, rc;
};
static tide_status raiser(void *frame)
{
    struct raiser *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, &f->i), f->rc);
    if (f->rc == 0 && f->i == N / 2)
        f->rc = EAPP; /* raise RuntimeError inside `async with barrier` */
    if (f->rc == 0) {
        TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
        if (f->rc == 0)
            f->s->r1++;
    }
    if (f->rc == TIDE_EBROKEN)
        f->s->r2++;
    else if (f->rc == EAPP)
        TIDE_TRY(f, tide_barrier_abort(f->s->b));
    TIDE_END(f);
}

struct bar08_abort_on_error {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar08_abort_on_error(void *frame)
{
    struct bar08_abort_on_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, SPAWN_N(f->t, N, raiser, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 1);
    TH_EQ_INT(f->s.r1, 0);
    TH_EQ_INT(f->s.r2, N - 1);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* test_abort_barrier_when_exception_then_resetting */
struct abort_reset {
    TIDE_FRAME;
    struct shared *s;
    int i, rc;
};
static tide_status abort_reset(void *frame)
{
    struct abort_reset *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, &f->i), f->rc);
    if (f->rc == 0 && f->i == N / 2)
        f->rc = EAPP;
    if (f->rc == 0) {
        TIDE_AWAIT_CATCH(f, tide_barrier_wait(f->s->b, NULL), f->rc);
        if (f->rc == 0)
            f->s->r1++;
    }
    if (f->rc == TIDE_EBROKEN)
        f->s->r2++;
    else if (f->rc == EAPP)
        TIDE_TRY(f, tide_barrier_abort(f->s->b));
    /* synchronise, reset, synchronise, then the barrier works again */
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b2, &f->i));
    if (f->i == N / 2)
        TIDE_TRY(f, tide_barrier_reset(f->s->b));
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b2, NULL));
    TIDE_AWAIT(f, tide_barrier_wait(f->s->b, NULL));
    f->s->r3++;
    TIDE_END(f);
}

struct bar08_abort_then_reset {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[N];
    struct th_reap reap;
};
static tide_status bar08_abort_then_reset(void *frame)
{
    struct bar08_abort_then_reset *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b));
    TIDE_TRY(f, tide_barrier_create(NULL, N, &f->s.b2));
    TIDE_TRY(f, SPAWN_N(f->t, N, abort_reset, .s = &f->s));
    TIDE_AWAIT(f, tide_gather(f->t, N, 0, NULL, NULL));
    TH_EQ_INT(tide_barrier_is_broken(f->s.b), 0);
    TH_EQ_INT(f->s.r1, 0);
    TH_EQ_INT(f->s.r2, N - 1);
    TH_EQ_INT(f->s.r3, N);
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TH_EQ_INT(tide_barrier_destroy(f->s.b2), 0);
    TIDE_END(f);
}

/* ---- bad input ------------------------------------------------------------------ */

struct bar_bad_input {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[1];
    int rc;
    struct th_reap reap;
};
static tide_status bar_bad_input(void *frame)
{
    struct bar_bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_barrier_create(NULL, 2, NULL), TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_barrier_wait(NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_barrier_reset(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_barrier_abort(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_barrier_parties(NULL), 0);
    TH_EQ_INT(tide_barrier_waiter_count(NULL), 0);
    TH_EQ_INT(tide_barrier_is_broken(NULL), 0);
    TH_EQ_INT(tide_barrier_destroy(NULL), 0);
    TIDE_TRY(f, tide_barrier_create(NULL, 2, &f->s.b));
    TIDE_TRY(f, TIDE_SPAWN(bwaiter, NULL, &f->t[0], .s = &f->s, .tag = "w"));
    TIDE_YIELD(f);
    TH_EXPECT_BUSY(tide_barrier_destroy, f->s.b);
    /* the other party arrives: w is released but has not left yet */
    f->s.base = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_barrier_wait(f->s.b, NULL));
    TH_EXPECT_BUSY(tide_barrier_destroy, f->s.b);
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_LOG_IS("w-0@1");
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

/* A barrier wait cancelled while blocked behind a drain leaves the count
 * untouched; its message is kept. */
struct bar_cancel_blocked {
    TIDE_FRAME;
    struct shared s;
    tide_task *t[3];
    int rc;
    struct th_reap reap;
};
static tide_status bar_cancel_blocked(void *frame)
{
    struct bar_cancel_blocked *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_barrier_create(NULL, 2, &f->s.b));
    f->s.base = tide_loop_iteration_count(tide_running_loop()) + 1;
    TIDE_TRY(f, SPAWN_N(f->t, 3, named, .s = &f->s));
    /* b trips; a is released and leaves next iteration; c, arriving in
     * between, blocks outside while the barrier drains */
    TIDE_YIELD(f);
    TH_LOG_IS("b-1@0");
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TH_EQ_INT(tide_task_cancel(f->t[2], "stop"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[2], NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_task_message(f->t[2]), "stop");
    TIDE_AWAIT(f, tide_gather(f->t, 2, 0, NULL, NULL));
    TH_LOG_IS("b-1@0 a-0@1 c-cancelled");
    TH_EQ_INT(tide_barrier_waiter_count(f->s.b), 0);
    TIDE_FINALLY(f);
    TH_REAP(f, f->t);
    TIDE_AWAIT_CALL(f, th_reap, &f->reap);
    TH_EQ_INT(tide_barrier_destroy(f->s.b), 0);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("BAR-01 parties < 1 is EINVAL; Barrier(1) never blocks",
                  bar01_parties, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-02 the last arrival returns first, the others next "
                  "iteration", bar02_order, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-02 n_waiting counts arrivals; indexes in arrival "
                  "order", bar02_task_by_task, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-03 reusable cycle after cycle, indexes 0..N-1",
                  bar03_cycles, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-03 draining until the last task leaves, then "
                  "filling", bar03_draining, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-04 re-waits while draining block until the drain "
                  "ends", bar04_blocked_while_draining, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-05 a cancelled waiter leaves; the barrier trips "
                  "with fresh parties", bar05_cancel_one, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-06 reset with nobody inside", bar06_reset_idle, NULL,
                  TH_OOM),
    TH_CASE_AFTER("BAR-06 reset with N-1 waiting: each gets EBROKEN",
                  bar06_reset_waiting, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-06 reset, then the same tasks wait again and pass",
                  bar06_reset_and_wait_again, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-07 reset half way through the drain: those still "
                  "inside get EBROKEN", bar07_half_draining, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-07 reset while half drain, half block: blocked "
                  "re-waits unaffected", bar07_half_blocking, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-07 reset by the last task out: re-waits complete",
                  bar07_while_draining, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-08 abort: broken, waits fail, reset repairs",
                  bar08_abort_idle, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-08 abort while half drain, half block",
                  bar08_abort_half, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-08 abort after an error inside: N-1 EBROKEN",
                  bar08_abort_on_error, NULL, TH_OOM),
    TH_CASE_AFTER("BAR-08 abort, then reset: all N pass", bar08_abort_then_reset,
                  NULL, TH_OOM),
    TH_CASE_AFTER("barrier bad input: NULL arguments, destroy while waited "
                  "on", bar_bad_input, NULL, TH_OOM),
    TH_CASE_AFTER("barrier wait cancelled while blocked by a drain",
                  bar_cancel_blocked, NULL, TH_OOM),
};

TH_MAIN(cases)
