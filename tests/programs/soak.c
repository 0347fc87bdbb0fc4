/*
 * soak.c - soak and scale: many tasks through the primitives in one run,
 * many timers at once, and memory before and after.
 *
 *   soak [tasks] [timers] [rounds]      (defaults 1000000 100000 2)
 *
 * Each round runs two loops, one after the other, each with a counting
 * allocator:
 *   pipeline  `tasks` worker tasks, spawned as a semaphore lets them (at
 *             most LIMIT alive), each taking a lock (some yield while
 *             holding it), a second semaphore, and putting its number in a
 *             bounded queue that four consumers drain, with task_done/join.
 *   timers    `timers` tasks sleeping at once (deadlines with many ties)
 *             and timers/2 callbacks, half of them cancelled.
 * Pass/fail is on counts and invariants only: every item arrives exactly
 * once, the lock is never held twice, no more than LIMIT workers live,
 * timers fire in deadline order and never early, cancelled callbacks never
 * run, the primitives end as they began, and Tide's allocator is back to
 * zero after each loop. On wasm the heap break after the second round must
 * equal the one after the first (nothing grows when the same work runs
 * again). Times and bytes are printed for `make bench`, never judged.
 *
 * The last line is `SOAK {json}`; the exit status is 0 if every check held.
 * Runs on every host; on the guest host (Emscripten) each run ends in the
 * loop's exit callback, which starts the next one.
 */
#define _DEFAULT_SOURCE /* clock_gettime, sbrk */
#include <tide.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__EMSCRIPTEN__)
#define HOST "em"
#elif defined(__wasi__)
#define HOST "wasi"
#else
#define HOST "native"
#endif

#define LIMIT 1000    /* workers alive at once */
#define CONSUMERS 4
#define QUEUE_MAX 64
#define POOL 16       /* the second semaphore */

static long n_tasks = 1000000, n_timers = 100000;
static int n_rounds = 2;
static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                      \
    } while (0)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The top of the wasm heap; -1 natively (glibc mixes brk and mmap). */
static long long heap_break(void)
{
#if defined(__EMSCRIPTEN__) || defined(__wasi__)
    return (long long)(uintptr_t)sbrk(0);
#else
    return -1;
#endif
}

/* ---- the counting allocator ---------------------------------------------- */

static size_t live, peak;

static void *counting(void *ud, void *p, size_t old, size_t n)
{
    (void)ud;
    if (n == 0) {
        if (p)
            live -= old;
        free(p);
        return NULL;
    }
    void *q = realloc(p, n);
    if (q) {
        live += n - (p ? old : 0);
        if (live > peak)
            peak = live;
    }
    return q;
}

/* ---- the pipeline ------------------------------------------------------------ */

static struct {
    tide_lock *lock;
    tide_sem *limit, *pool;
    tide_queue *q;
    long counter;      /* bumped under the lock */
    int in_lock;       /* tasks inside the critical section */
    long alive, max_alive;
    long received, dup;
    uint8_t *seen;     /* bit per item */
} P;

struct worker {
    TIDE_FRAME;
    long i;
    int held, pooled;
};

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    if (++P.alive > P.max_alive)
        P.max_alive = P.alive;
    TIDE_AWAIT(w, tide_lock_acquire(P.lock));
    w->held = 1;
    CHECK(P.in_lock == 0);
    P.in_lock++;
    P.counter++;
    if (w->i % 16 == 0) /* hold it across a yield: others queue up */
        TIDE_YIELD(w);
    P.in_lock--;
    tide_lock_release(P.lock);
    w->held = 0;
    TIDE_AWAIT(w, tide_sem_acquire(P.pool));
    w->pooled = 1;
    TIDE_AWAIT(w, tide_queue_put(P.q, (void *)(intptr_t)(w->i + 1)));
    TIDE_FINALLY(w);
    if (w->held)
        tide_lock_release(P.lock);
    if (w->pooled)
        tide_sem_release(P.pool);
    P.alive--;
    tide_sem_release(P.limit);
    TIDE_END(w);
}

struct spawner {
    TIDE_FRAME;
    long i;
};

static tide_status spawner(void *frame)
{
    struct spawner *s = frame;
    TIDE_BEGIN(s);
    for (s->i = 0; s->i < n_tasks; s->i++) {
        TIDE_AWAIT(s, tide_sem_acquire(P.limit));
        TIDE_TRY(s, TIDE_SPAWN(worker, NULL, NULL, .i = s->i));
    }
    TIDE_END(s);
}

struct consumer {
    TIDE_FRAME;
    void *item;
    int rc;
};

static tide_status consumer(void *frame)
{
    struct consumer *c = frame;
    TIDE_BEGIN(c);
    for (;;) {
        TIDE_AWAIT_CATCH(c, tide_queue_get(P.q, &c->item), c->rc);
        if (c->rc == TIDE_ESHUTDOWN)
            break;
        TIDE_TRY(c, c->rc);
        long i = (long)(intptr_t)c->item - 1;
        CHECK(i >= 0 && i < n_tasks);
        if (i >= 0 && i < n_tasks) {
            if (P.seen[i / 8] & (1 << (i % 8)))
                P.dup++;
            P.seen[i / 8] |= (uint8_t)(1 << (i % 8));
        }
        P.received++;
        TIDE_TRY(c, tide_queue_task_done(P.q));
    }
    TIDE_END(c);
}

struct pipeline {
    TIDE_FRAME;
    tide_task *spawner;
    tide_task *consumers[CONSUMERS];
    int k;
};

static tide_status pipeline(void *frame)
{
    struct pipeline *f = frame;
    TIDE_BEGIN(f);
    for (f->k = 0; f->k < CONSUMERS; f->k++)
        TIDE_TRY(f, TIDE_SPAWN(consumer, "consumer", &f->consumers[f->k]));
    TIDE_TRY(f, TIDE_SPAWN(spawner, "spawner", &f->spawner));
    TIDE_AWAIT(f, tide_join(f->spawner, NULL));
    /* every worker gives its permit back as it ends: holding them all
     * means all have ended */
    for (f->k = 0; f->k < LIMIT; f->k++)
        TIDE_AWAIT(f, tide_sem_acquire(P.limit));
    for (f->k = 0; f->k < LIMIT; f->k++)
        tide_sem_release(P.limit);
    TIDE_AWAIT(f, tide_queue_join(P.q)); /* every item processed */
    TIDE_TRY(f, tide_queue_shutdown(P.q, 0));
    TIDE_AWAIT(f, tide_gather(f->consumers, CONSUMERS, 0, NULL, NULL));
    CHECK(tide_loop_task_count(tide_running_loop()) == 1);
    TIDE_FINALLY(f);
    tide_task_release(f->spawner);
    for (f->k = 0; f->k < CONSUMERS; f->k++)
        tide_task_release(f->consumers[f->k]);
    TIDE_END(f);
}

/* ---- the timers ---------------------------------------------------------------- */

static struct {
    long woken, early, out_of_order;
    int64_t last; /* deadline (in ticks of 10 ms) of the latest wake-up */
    long cb_run, cb_cancelled_run, cb_out_of_order;
    int64_t cb_last;
    tide_handle **handles;
    size_t armed;
} T;

/* Deadlines in ticks of 10 ms, 1000 distinct values: many ties. */
static int64_t ticks_of(long i)
{
    return 1 + (i * 7919) % 1000;
}

struct sleeper {
    TIDE_FRAME;
    long i;
};

static tide_status sleeper(void *frame)
{
    struct sleeper *s = frame;
    TIDE_BEGIN(s);
    TIDE_AWAIT(s, tide_sleep((double)ticks_of(s->i) / 100));
    int64_t due = ticks_of(s->i);
    if (tide_time() * 100 < (double)due - 1e-6)
        T.early++;
    if (due < T.last)
        T.out_of_order++;
    T.last = due;
    T.woken++;
    TIDE_END(s);
}

static int timer_cb(void *arg)
{
    long j = (long)(intptr_t)arg;
    if (j % 2 == 1)
        T.cb_cancelled_run++;
    int64_t due = ticks_of(j);
    if (due < T.cb_last)
        T.cb_out_of_order++;
    T.cb_last = due;
    T.cb_run++;
    return 0;
}

struct timers {
    TIDE_FRAME;
    long i;
};

static tide_status timers(void *frame)
{
    struct timers *f = frame;
    TIDE_BEGIN(f);
    for (f->i = 0; f->i < n_timers; f->i++)
        TIDE_TRY(f, TIDE_SPAWN(sleeper, NULL, NULL, .i = f->i));
    for (long j = 0; j < n_timers / 2; j++)
        TIDE_TRY(f, tide_call_later(tide_running_loop(),
                                    (double)ticks_of(j) / 100, timer_cb,
                                    (void *)(intptr_t)j, &T.handles[j]));
    for (long j = 1; j < n_timers / 2; j += 2)
        CHECK(tide_handle_cancel(T.handles[j]) == 1);
    TIDE_YIELD(f); /* every sleeper has armed its timer now */
    T.armed = tide_loop_timer_count(tide_running_loop());
    CHECK(T.armed == (size_t)(n_timers + (n_timers / 2 + 1) / 2));
    CHECK(tide_loop_task_count(tide_running_loop()) ==
          (size_t)n_timers + 1);
    TIDE_AWAIT(f, tide_sleep(11)); /* past the last deadline (10 s) */
    CHECK(tide_loop_timer_count(tide_running_loop()) == 0);
    TIDE_END(f);
}

/* ---- rounds, driven from the exit callback ------------------------------------- */

struct result {
    double ms;
    size_t peak;
    size_t live_after;
};

static struct {
    int round, phase; /* phase 0 pipeline, 1 timers */
    double started;
    struct result pipe[4], tim[4];
    long long brk[4];
    int in_sync_run;
    tide_loop *loop;
} R;

static void next(void);

static int setup_pipeline(tide_loop *L)
{
    memset(&P, 0, sizeof P);
    P.seen = calloc((size_t)n_tasks / 8 + 1, 1);
    if (!P.seen)
        return TIDE_ENOMEM;
    int rc;
    if ((rc = tide_lock_create(L, &P.lock)) < 0 ||
        (rc = tide_sem_create(L, LIMIT, 1, &P.limit)) < 0 ||
        (rc = tide_sem_create(L, POOL, 1, &P.pool)) < 0 ||
        (rc = tide_queue_create(L, TIDE_QUEUE_FIFO, QUEUE_MAX, NULL, &P.q)) < 0)
        return rc;
    return 0;
}

static void check_pipeline(int err)
{
    CHECK(err == 0);
    CHECK(P.counter == n_tasks);
    CHECK(P.received == n_tasks);
    CHECK(P.dup == 0);
    long missing = 0;
    for (long i = 0; i < n_tasks; i++)
        missing += !(P.seen[i / 8] & (1 << (i % 8)));
    CHECK(missing == 0);
    CHECK(P.max_alive <= LIMIT);
    CHECK(P.alive == 0);
    CHECK(P.in_lock == 0);
    CHECK(tide_sem_value(P.limit) == LIMIT);
    CHECK(tide_sem_value(P.pool) == POOL);
    CHECK(!tide_lock_is_locked(P.lock));
    CHECK(tide_queue_size(P.q) == 0);
    CHECK(tide_lock_destroy(P.lock) == 0);
    CHECK(tide_sem_destroy(P.limit) == 0);
    CHECK(tide_sem_destroy(P.pool) == 0);
    CHECK(tide_queue_destroy(P.q) == 0);
    free(P.seen);
    P.seen = NULL;
}

static void check_timers(int err)
{
    CHECK(err == 0);
    CHECK(T.woken == n_timers);
    CHECK(T.early == 0);
    CHECK(T.out_of_order == 0);
    CHECK(T.cb_run == (n_timers / 2 + 1) / 2); /* the even ones */
    CHECK(T.cb_cancelled_run == 0);
    CHECK(T.cb_out_of_order == 0);
    for (long j = 0; j < n_timers / 2; j++)
        tide_handle_release(T.handles[j]);
    free(T.handles);
    T.handles = NULL;
}

static void on_exit_cb(tide_loop *L, tide_task *main, int err, void *arg)
{
    (void)main, (void)arg;
    struct result *r = R.phase == 0 ? &R.pipe[R.round] : &R.tim[R.round];
    r->ms = now_ms() - R.started;
    if (R.phase == 0)
        check_pipeline(err);
    else
        check_timers(err);
    CHECK(tide_loop_destroy(L) == 0);
    R.loop = NULL;
    r->peak = peak;
    r->live_after = live;
    CHECK(live == 0); /* Tide's allocator is back to zero */
    if (R.phase == 1)
        R.brk[R.round] = heap_break();
    if (++R.phase == 2) {
        R.phase = 0;
        R.round++;
    }
    if (!R.in_sync_run)
        next(); /* guest host: continue from this callback */
}

static void report(void)
{
    int last = R.round - 1;
    if (n_rounds >= 2 && R.brk[0] >= 0)
        CHECK(R.brk[last] == R.brk[0]); /* the second round grew nothing */
    for (int i = 0; i < R.round; i++)
        printf("round %d: %ld tasks through lock, semaphores and queue in "
               "%.0f ms (peak %zu bytes); %ld timers in %.0f ms (peak %zu "
               "bytes); heap break %lld\n",
               i + 1, n_tasks, R.pipe[i].ms, R.pipe[i].peak, n_timers,
               R.tim[i].ms, R.tim[i].peak, R.brk[i]);
    printf("SOAK {\"host\":\"%s\",\"tasks\":%ld,\"timers\":%ld,\"rounds\":%d,"
           "\"tasks_ms\":%.1f,\"tasks_peak_bytes\":%zu,\"timers_ms\":%.1f,"
           "\"timers_peak_bytes\":%zu,\"heap_break_first\":%lld,"
           "\"heap_break_last\":%lld,\"live_after\":%zu,\"failures\":%d}\n",
           HOST, n_tasks, n_timers, R.round, R.pipe[last].ms,
           R.pipe[last].peak, R.tim[last].ms, R.tim[last].peak, R.brk[0],
           R.brk[last], R.pipe[last].live_after + R.tim[last].live_after,
           failures);
    fflush(stdout);
}

/* Starts the next run; on blocking hosts it runs to the end here. */
static void start(void)
{
    live = peak = 0;
    int rc = tide_loop_create(counting, NULL, &R.loop);
    if (rc < 0) {
        CHECK(rc == 0);
        exit(1);
    }
    /* virtual clock: the timers' 10 s pass at once, and deterministically */
    tide_loop_set_virtual_clock(R.loop, 1);
    tide_loop_set_exit_handler(R.loop, on_exit_cb, NULL);
    R.started = now_ms();
    tide_fn fn;
    const void *frame;
    size_t size;
    struct pipeline pf = {.tide__frame = TIDE__FRAME_INIT};
    struct timers tf = {.tide__frame = TIDE__FRAME_INIT};
    if (R.phase == 0) {
        rc = setup_pipeline(R.loop);
        fn = pipeline, frame = &pf, size = sizeof pf;
    } else {
        memset(&T, 0, sizeof T);
        T.handles = calloc((size_t)n_timers / 2 + 1, sizeof *T.handles);
        rc = T.handles ? 0 : TIDE_ENOMEM;
        fn = timers, frame = &tf, size = sizeof tf;
    }
    if (rc < 0) {
        printf("FAIL: setting up: %s\n", tide_strerror(rc));
        exit(1);
    }
    R.in_sync_run = 1;
    rc = tide_loop_run(R.loop, fn, frame, size, NULL);
    R.in_sync_run = 0;
    if (rc != TIDE_EINPROGRESS && R.loop) { /* never started */
        printf("FAIL: tide_loop_run: %s\n", tide_strerror(rc));
        exit(1);
    }
}

static void next(void)
{
    while (R.round < n_rounds) {
        int before = R.round * 2 + R.phase;
        start();
        if (R.round * 2 + R.phase == before)
            return; /* guest host: the exit callback carries on */
    }
    report();
#if defined(__EMSCRIPTEN__)
    exit(failures ? 1 : 0); /* main() has long returned */
#endif
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_tasks = atol(argv[1]);
    if (argc > 2)
        n_timers = atol(argv[2]);
    if (argc > 3)
        n_rounds = atoi(argv[3]);
    if (n_tasks < 1 || n_timers < 2 || n_rounds < 1 || n_rounds > 4) {
        fprintf(stderr, "usage: soak [tasks >= 1] [timers >= 2] [rounds 1-4]\n");
        return 2;
    }
    next();
    return failures ? 1 : 0;
}
