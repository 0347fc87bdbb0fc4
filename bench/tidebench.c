/*
 * tidebench.c - Tide's micro-benchmarks, one workload per run:
 *
 *   tidebench pingpong [switches] [reps] [sleep|queue]
 *       Two tasks hand control back and forth; reports ns per task switch.
 *       sleep: each yields with tide_sleep(0) (one loop iteration per
 *       yield, both tasks ready all the time). queue: they pass a token
 *       through two queues bounded at 1, so only the task holding the token
 *       is ever ready: the switch goes through a primitive's wait and wake.
 *
 *   tidebench spawn [tasks] [reps] [join|gather]
 *       Spawns `tasks` trivial tasks (all pending at once), then waits for
 *       them (tide_join on each, or one tide_gather); reports ns per task
 *       and bytes per pending task.
 *
 *   tidebench queue [items] [reps]
 *       One producer puts `items` items into a FIFO queue bounded at 1, one
 *       consumer gets them; reports ns per item.
 *
 *   tidebench sleepers [tasks] [reps] [real|virtual]
 *       Spawns `tasks` tasks that each sleep 1-2 ms (see sleeper_delay) and
 *       finish, then joins each; reports ns per task for the whole of it and
 *       bytes per sleeping task. real: the monotonic clock, waits included.
 *       virtual: the loop's virtual clock, which jumps to the next timer
 *       instead of waiting, so what remains is Tide's own work.
 *
 * A last argument `debug` runs any workload with debug mode on
 * (tide_loop_set_debug). tidebench_nohooks is this program built with
 * TIDE_HOOKS=0 (src/config.h): the tests for debug mode and tracing
 * compiled out, to measure what they cost when off; tidebench_nochecks
 * with TIDE_CHECKS=0: the always-on checks for misuse of the coroutine
 * protocol compiled out, to measure what they cost. All show in the JSON
 * line ("debug", "hooks", "checks").
 *
 * Every run does one warm-up repetition first (not timed into the result),
 * then `reps` timed ones, and keeps the best: noise only ever adds time.
 * The last line of output is `BENCH {json}` for bench/run.mjs.
 *
 * Memory is reported two ways, because they answer different questions:
 *   tide_bytes  bytes Tide itself asked for, from a counting allocator given
 *               to tide_loop_create (what the code controls);
 *   heap_bytes  what the process really paid, allocator overhead included:
 *               growth of the wasm heap break (sbrk(0)) during the first,
 *               cold spawn on wasm; glibc's in-use bytes (mallinfo2) on
 *               native. Emscripten's dlmalloc also gives in-use bytes
 *               (mallinfo), reported as inuse_bytes for every repetition.
 */
#define _DEFAULT_SOURCE /* clock_gettime, sbrk, mallinfo2 */
#include <tide.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 0 in tidebench_nohooks and tidebench_nochecks (see the top of this
 * file). */
#ifndef TIDE_CHECKS
#define TIDE_CHECKS 1
#endif
#ifndef TIDE_HOOKS
#define TIDE_HOOKS 1
#endif

#if defined(__EMSCRIPTEN__)
#include <malloc.h>
#define HOST "em"
#elif defined(__wasi__)
#define HOST "wasi"
#else
#include <malloc.h>
#define HOST "native"
#endif

/* ---- clock and memory probes -------------------------------------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Bytes the C allocator has handed out and not taken back, headers and
 * padding included; -1 where the libc cannot tell (wasi-libc). */
static long long heap_inuse(void)
{
#if defined(__EMSCRIPTEN__)
    return (long long)(unsigned)mallinfo().uordblks;
#elif defined(__GLIBC__)
    return (long long)mallinfo2().uordblks;
#else
    return -1;
#endif
}

/* The top of the heap: grows only when the allocator needs fresh memory,
 * so its growth over a cold allocation burst is the real footprint. */
static long long heap_break(void)
{
#if defined(__EMSCRIPTEN__) || defined(__wasi__)
    return (long long)(uintptr_t)sbrk(0);
#else
    return -1; /* glibc mixes brk and mmap: use heap_inuse instead */
#endif
}

/* ---- a counting allocator for the loop ---------------------------------- */

struct counter {
    long long live; /* bytes Tide holds right now */
    long long peak;
};

static void *counting_alloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size)
{
    struct counter *c = ud;
    if (new_size == 0) {
        free(ptr);
        c->live -= (long long)old_size;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (!p)
        return NULL;
    c->live += (long long)new_size - (long long)old_size;
    if (c->live > c->peak)
        c->peak = c->live;
    return p;
}

/* ---- configuration and results (one run = one workload) ----------------- */

enum workload { W_PINGPONG, W_SPAWN, W_QUEUE, W_SLEEPERS };

struct config {
    const char *workload; /* its name, as given */
    enum workload kind;
    long n;               /* switches, tasks or items */
    int reps;
    int use_gather;       /* spawn: one tide_gather instead of joins */
    int use_queue;        /* pingpong: hand over through queues */
    int virtual_clock;    /* sleepers: the loop's virtual clock */
    int debug;            /* debug mode on */
    struct counter *counter;
    tide_task **tasks; /* spawn, sleepers: the handles, allocated before
                          measuring */
};

struct results {
    double best_ns;        /* best total time of one repetition */
    double best_spawn_ns;  /* spawn: the spawning part of that total */
    double warm_ns;        /* the warm-up repetition, for reference */
    long long tide_bytes;  /* spawn, sleepers: Tide's bytes for n tasks */
    long long heap_bytes;  /* spawn, sleepers: real cost of n tasks */
    long long inuse_bytes; /* spawn: allocator in-use growth, best rep */
    const char *heap_method;
    int done_reps;
    int checked; /* every item, token and sleeper accounted for */
};

static struct config cfg;
static struct results res = {.best_ns = -1, .best_spawn_ns = -1,
                             .tide_bytes = -1, .heap_bytes = -1,
                             .inuse_bytes = -1, .checked = 1};

static void record(double total, double spawn_part)
{
    if (res.done_reps++ == 0) {
        res.warm_ns = total; /* repetition 0 warms caches and the heap */
        return;
    }
    if (res.best_ns < 0 || total < res.best_ns) {
        res.best_ns = total;
        res.best_spawn_ns = spawn_part;
    }
}

/* ---- the tasks ---------------------------------------------------------- */

struct trivial {
    TIDE_FRAME;
};

/* The smallest possible task: runs once and finishes. */
static tide_status trivial(void *frame)
{
    struct trivial *f = frame;
    TIDE_BEGIN(f);
    TIDE_END(f);
}

struct yielder {
    TIDE_FRAME;
    long n;
    long i;
};

/* Yields n times. With two of these ready, every yield hands the loop over
 * to the other one: one task switch per yield. */
static tide_status yielder(void *frame)
{
    struct yielder *y = frame;
    TIDE_BEGIN(y);
    for (y->i = 0; y->i < y->n; y->i++)
        TIDE_AWAIT(y, tide_sleep(0));
    TIDE_END(y);
}

/* The token of the channel ping-pong: any non-NULL pointer would do, but a
 * known one shows that what came back is what went out. */
static int token_storage;
#define TOKEN ((void *)&token_storage)

struct passer {
    TIDE_FRAME;
    tide_queue *in, *out;
    int serves; /* holds the token first: puts before it gets */
    long n;     /* round trips */
    long i;
    void *token;
};

/* One end of the channel ping-pong: takes the token from `in` and puts it
 * into `out`. With both queues bounded at 1 and a single token, only its
 * holder is ever ready, so each hand-over is one wake-up through a queue
 * and one task switch. */
static tide_status passer(void *frame)
{
    struct passer *p = frame;
    TIDE_BEGIN(p);
    p->token = TOKEN;
    for (p->i = 0; p->i < p->n; p->i++) {
        if (!p->serves)
            TIDE_AWAIT(p, tide_queue_get(p->in, &p->token));
        TIDE_AWAIT(p, tide_queue_put(p->out, p->token));
        if (p->serves)
            TIDE_AWAIT(p, tide_queue_get(p->in, &p->token));
    }
    if (p->token != TOKEN)
        res.checked = 0;
    TIDE_END(p);
}

struct producer {
    TIDE_FRAME;
    tide_queue *q;
    long n;
    long i;
};

/* Puts 1..n: their sum tells the consumer whether one went missing. */
static tide_status producer(void *frame)
{
    struct producer *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 1; p->i <= p->n; p->i++)
        TIDE_AWAIT(p, tide_queue_put(p->q, (void *)(uintptr_t)p->i));
    TIDE_END(p);
}

struct consumer {
    TIDE_FRAME;
    tide_queue *q;
    long n;
    long i;
    void *item;
    unsigned long long sum;
};

static tide_status consumer(void *frame)
{
    struct consumer *c = frame;
    TIDE_BEGIN(c);
    for (c->i = 0; c->i < c->n; c->i++) {
        TIDE_AWAIT(c, tide_queue_get(c->q, &c->item));
        c->sum += (uintptr_t)c->item;
    }
    if (c->sum != (unsigned long long)c->n * ((unsigned long long)c->n + 1) / 2)
        res.checked = 0;
    TIDE_END(c);
}

/*
 * The delay of sleeper i, the same in asyncio_bench.py and node_bench.mjs:
 * 1 ms plus 0-999 us. Different delays, because with one shared delay the
 * deadlines arrive in increasing order (the clock only moves forward), the
 * best case both for a timer heap (asyncio's) and for Node's per-duration
 * timer lists.
 * 7919 is prime to 1000, so neighbouring tasks get scattered delays and
 * every runtime has real ordering work to do. 1 ms is the shortest delay
 * Node's setTimeout honours, and short enough that a run is spent working
 * rather than waiting (see the virtual-clock variant).
 */
static double sleeper_delay(long i)
{
    return 1e-3 + (double)((i * 7919) % 1000) * 1e-6;
}

struct sleeper {
    TIDE_FRAME;
    double delay;
};

static tide_status sleeper(void *frame)
{
    struct sleeper *s = frame;
    TIDE_BEGIN(s);
    TIDE_AWAIT(s, tide_sleep(s->delay));
    TIDE_END(s);
}

/* ---- the workloads (main tasks) ----------------------------------------- */

struct pingpong_main {
    TIDE_FRAME;
    int rep;
    double t0;
    tide_task *a, *b;
    tide_queue *ab, *ba;
};

static tide_status pingpong_main(void *frame)
{
    struct pingpong_main *m = frame;
    TIDE_BEGIN(m);
    if (cfg.use_queue) {
        TIDE_TRY(m, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 1, NULL, &m->ab));
        TIDE_TRY(m, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 1, NULL, &m->ba));
    }
    for (m->rep = 0; m->rep <= cfg.reps; m->rep++) {
        long per_task = cfg.n / 2; /* each task does half the switches */
        m->t0 = now_ns();
        if (cfg.use_queue) {
            /* n / 2 round trips of two hand-overs each */
            TIDE_TRY(m, TIDE_SPAWN(passer, "ping", &m->a, .in = m->ba,
                                   .out = m->ab, .serves = 1, .n = per_task));
            TIDE_TRY(m, TIDE_SPAWN(passer, "pong", &m->b, .in = m->ab,
                                   .out = m->ba, .n = per_task));
        } else {
            TIDE_TRY(m, TIDE_SPAWN(yielder, "ping", &m->a, .n = per_task));
            TIDE_TRY(m, TIDE_SPAWN(yielder, "pong", &m->b, .n = per_task));
        }
        TIDE_AWAIT(m, tide_join(m->a, NULL));
        TIDE_AWAIT(m, tide_join(m->b, NULL));
        record(now_ns() - m->t0, 0);
        tide_task_release(m->a);
        tide_task_release(m->b);
        m->a = m->b = NULL;
    }
    TIDE_FINALLY(m);
    tide_task_release(m->a);
    tide_task_release(m->b);
    tide_queue_destroy(m->ab);
    tide_queue_destroy(m->ba);
    TIDE_END(m);
}

struct spawn_main {
    TIDE_FRAME;
    int rep;
    long i;
    double t0, spawn_ns, t1;
};

static tide_status spawn_main(void *frame)
{
    struct spawn_main *m = frame;
    static const struct trivial zero; /* all zero: a fresh frame */
    TIDE_BEGIN(m);
    for (m->rep = 0; m->rep <= cfg.reps; m->rep++) {
        long long tide0 = cfg.counter->live;
        long long inuse0 = heap_inuse();
        long long brk0 = heap_break();
        m->t0 = now_ns();
        for (m->i = 0; m->i < cfg.n; m->i++)
            TIDE_TRY(m, tide_spawn(trivial, &zero, sizeof zero, NULL,
                                   &cfg.tasks[m->i]));
        m->spawn_ns = now_ns() - m->t0;
        /* Everything is pending now: take the memory readings outside the
         * timed parts (mallinfo walks the heap). */
        if (inuse0 >= 0)
            res.inuse_bytes = heap_inuse() - inuse0;
        if (m->rep == 0) {
            /* Later reps spawn into blocks the loop kept from this one's
             * tasks, which the counting allocator still counts as live. */
            res.tide_bytes = cfg.counter->live - tide0;
            /* Only the cold heap grows; later reps reuse freed memory. */
            if (brk0 >= 0) {
                res.heap_bytes = heap_break() - brk0;
                res.heap_method = "sbrk(0) growth, cold heap";
            } else {
                res.heap_bytes = res.inuse_bytes;
                res.heap_method = "mallinfo2().uordblks growth";
            }
        }
        m->t1 = now_ns();
        if (cfg.use_gather) {
            TIDE_AWAIT(m, tide_gather(cfg.tasks, (size_t)cfg.n, 0, NULL, NULL));
        } else {
            for (m->i = 0; m->i < cfg.n; m->i++)
                TIDE_AWAIT(m, tide_join(cfg.tasks[m->i], NULL));
        }
        for (m->i = 0; m->i < cfg.n; m->i++) {
            tide_task_release(cfg.tasks[m->i]);
            cfg.tasks[m->i] = NULL;
        }
        record(m->spawn_ns + (now_ns() - m->t1), m->spawn_ns);
    }
    TIDE_FINALLY(m);
    /* On an error, give back the handles still held. */
    for (long i = 0; i < cfg.n; i++) {
        tide_task_release(cfg.tasks[i]);
        cfg.tasks[i] = NULL;
    }
    TIDE_END(m);
}

struct queue_main {
    TIDE_FRAME;
    int rep;
    double t0;
    tide_queue *q;
    tide_task *prod, *cons;
};

static tide_status queue_main(void *frame)
{
    struct queue_main *m = frame;
    TIDE_BEGIN(m);
    /* One queue for every repetition: making one is not what is measured. */
    TIDE_TRY(m, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 1, NULL, &m->q));
    for (m->rep = 0; m->rep <= cfg.reps; m->rep++) {
        m->t0 = now_ns();
        TIDE_TRY(m, TIDE_SPAWN(producer, "producer", &m->prod, .q = m->q,
                               .n = cfg.n));
        TIDE_TRY(m, TIDE_SPAWN(consumer, "consumer", &m->cons, .q = m->q,
                               .n = cfg.n));
        TIDE_AWAIT(m, tide_join(m->prod, NULL));
        TIDE_AWAIT(m, tide_join(m->cons, NULL));
        record(now_ns() - m->t0, 0);
        tide_task_release(m->prod);
        tide_task_release(m->cons);
        m->prod = m->cons = NULL;
    }
    TIDE_FINALLY(m);
    tide_task_release(m->prod);
    tide_task_release(m->cons);
    tide_queue_destroy(m->q);
    TIDE_END(m);
}

struct sleepers_main {
    TIDE_FRAME;
    int rep;
    long i;
    double t0;
    long long tide0, brk0, inuse0;
};

static tide_status sleepers_main(void *frame)
{
    struct sleepers_main *m = frame;
    TIDE_BEGIN(m);
    for (m->rep = 0; m->rep <= cfg.reps; m->rep++) {
        m->tide0 = cfg.counter->live;
        m->brk0 = heap_break();
        m->inuse0 = heap_inuse();
        m->t0 = now_ns();
        for (m->i = 0; m->i < cfg.n; m->i++) {
            struct sleeper s = {.tide__frame = TIDE__FRAME_INIT,
                                .delay = sleeper_delay(m->i)};
            TIDE_TRY(m, tide_spawn(sleeper, &s, sizeof s, NULL,
                                   &cfg.tasks[m->i]));
        }
        /* The sleepers take their first step in the next iteration, ahead
         * of this task: once it resumes, every one of them sleeps. */
        TIDE_AWAIT(m, tide_sleep(0));
        if (m->rep == 0) {
            /* The cold repetition, untimed (it is the warm-up): only here
             * is timer storage allocated (Tide's wheel, once per loop),
             * and it is part of what a sleeping task costs. */
            if (tide_loop_task_count(tide_running_loop()) <= (size_t)cfg.n)
                res.checked = 0; /* a sleeper finished already */
            res.tide_bytes = cfg.counter->live - m->tide0;
            if (m->brk0 >= 0) {
                res.heap_bytes = heap_break() - m->brk0;
                res.heap_method = "sbrk(0) growth, cold heap";
            } else {
                res.heap_bytes = m->inuse0 >= 0 ? heap_inuse() - m->inuse0 : -1;
                res.heap_method = "mallinfo2().uordblks growth";
            }
        }
        for (m->i = 0; m->i < cfg.n; m->i++)
            TIDE_AWAIT(m, tide_join(cfg.tasks[m->i], NULL));
        for (m->i = 0; m->i < cfg.n; m->i++) {
            tide_task_release(cfg.tasks[m->i]);
            cfg.tasks[m->i] = NULL;
        }
        record(now_ns() - m->t0, 0);
    }
    TIDE_FINALLY(m);
    for (long i = 0; i < cfg.n; i++) {
        tide_task_release(cfg.tasks[i]);
        cfg.tasks[i] = NULL;
    }
    TIDE_END(m);
}

/* ---- report ------------------------------------------------------------- */

/* The start of every BENCH line: the host and how the loop ran. */
#define BENCH_HEAD                                                             \
    "BENCH {\"host\":\"%s\",\"debug\":%d,\"hooks\":%d,\"checks\":%d,"
#define BENCH_ARGS HOST, cfg.debug, TIDE_HOOKS, TIDE_CHECKS

static int exit_status = 1;
static int finished; /* run_finished has run */

static void report(int err)
{
    if (err < 0) {
        fprintf(stderr, "tidebench: %s failed: %s\n", cfg.workload,
                tide_strerror(err));
        exit_status = 1;
        return;
    }
    if (!res.checked) {
        fprintf(stderr, "tidebench: %s: check failed (an item went missing "
                        "or a sleeper woke too early)\n", cfg.workload);
        exit_status = 1;
        return;
    }
    exit_status = 0;
    double n = (double)cfg.n;
    double per = res.best_ns / n;
    switch (cfg.kind) {
    case W_PINGPONG: {
        const char *how = cfg.use_queue ? "two tide_queue(maxsize=1)"
                                        : "tide_sleep(0)";
        printf("%s pingpong: %ld switches (%s), best of %d: %.2f ns/switch\n",
               HOST, cfg.n, how, cfg.reps, per);
        printf(BENCH_HEAD "\"workload\":\"pingpong\","
               "\"mechanism\":\"%s\",\"n\":%ld,\"reps\":%d,"
               "\"ns_per_switch\":%.3f,\"warmup_ns_per_switch\":%.3f}\n",
               BENCH_ARGS, how, cfg.n, cfg.reps, per, res.warm_ns / n);
        return;
    }
    case W_QUEUE:
        printf("%s queue: %ld items through tide_queue(maxsize=1), best of "
               "%d: %.2f ns/item\n", HOST, cfg.n, cfg.reps, per);
        printf(BENCH_HEAD "\"workload\":\"queue\","
               "\"mechanism\":\"tide_queue(maxsize=1)\",\"n\":%ld,"
               "\"reps\":%d,\"ns_per_item\":%.3f,\"warmup_ns_per_item\":%.3f}\n",
               BENCH_ARGS, cfg.n, cfg.reps, per, res.warm_ns / n);
        return;
    case W_SLEEPERS: {
        const char *clock = cfg.virtual_clock ? "virtual" : "real";
        printf("%s sleepers: %ld tasks sleeping 1-2 ms (%s clock), best of "
               "%d: %.2f ns/task; %.1f Tide bytes/task, %.1f heap bytes/task "
               "(%s)\n", HOST, cfg.n, clock, cfg.reps, per,
               (double)res.tide_bytes / n, (double)res.heap_bytes / n,
               res.heap_method);
        printf(BENCH_HEAD "\"workload\":\"sleepers\","
               "\"clock\":\"%s\",\"n\":%ld,\"reps\":%d,\"ns_per_task\":%.3f,"
               "\"warmup_ns_per_task\":%.3f,\"tide_bytes_per_task\":%.3f,"
               "\"heap_bytes_per_task\":%.3f,\"heap_method\":\"%s\"}\n",
               BENCH_ARGS, clock, cfg.n, cfg.reps, per, res.warm_ns / n,
               (double)res.tide_bytes / n, (double)res.heap_bytes / n,
               res.heap_method);
        return;
    }
    case W_SPAWN:
        break;
    }
    const char *how = cfg.use_gather ? "gather" : "join";
    printf("%s spawn+%s: %ld tasks, best of %d: %.2f ns/task "
           "(spawn %.2f); %.1f Tide bytes/task, %.1f heap bytes/task (%s)\n",
           HOST, how, cfg.n, cfg.reps, per, res.best_spawn_ns / n,
           (double)res.tide_bytes / n, (double)res.heap_bytes / n,
           res.heap_method);
    printf(BENCH_HEAD "\"workload\":\"spawn\",\"mode\":\"%s\","
           "\"n\":%ld,\"reps\":%d,\"ns_per_task\":%.3f,"
           "\"spawn_ns_per_task\":%.3f,\"tide_bytes_per_task\":%.3f,"
           "\"heap_bytes_per_task\":%.3f,\"heap_method\":\"%s\","
           "\"inuse_bytes_per_task\":%.3f,\"tide_peak_bytes\":%lld}\n",
           BENCH_ARGS, how, cfg.n, cfg.reps, per, res.best_spawn_ns / n,
           (double)res.tide_bytes / n, (double)res.heap_bytes / n,
           res.heap_method, res.inuse_bytes < 0 ? -1.0 : (double)res.inuse_bytes / n,
           cfg.counter->peak);
}

/* Runs on every host when the loop's work is over (on Emscripten, long after
 * main() has returned), so the report lives here. */
static void run_finished(tide_loop *loop, tide_task *main_task, int err, void *arg)
{
    (void)main_task;
    (void)arg;
    finished = 1;
    report(err);
    tide_loop_destroy(loop);
    free(cfg.tasks);
    cfg.tasks = NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: tidebench pingpong [switches] [reps] [sleep|queue]\n"
                    "       tidebench spawn [tasks] [reps] [join|gather]\n"
                    "       tidebench queue [items] [reps]\n"
                    "       tidebench sleepers [tasks] [reps] [real|virtual]\n"
                    "       (then `debug`: with debug mode on)\n");
    return 2;
}

/* Each workload's name, defaults and variants (the first is the default;
 * NULL: it has none). */
static const struct {
    const char *name;
    enum workload kind;
    long n;
    int reps;
    const char *variants[2];
} WORKLOADS[] = {
    {"pingpong", W_PINGPONG, 2000000, 5, {"sleep", "queue"}},
    {"spawn", W_SPAWN, 1000000, 3, {"join", "gather"}},
    {"queue", W_QUEUE, 1000000, 3, {NULL, NULL}},
    {"sleepers", W_SLEEPERS, 100000, 3, {"real", "virtual"}},
};

int main(int argc, char **argv)
{
    static struct counter counter;
    if (argc < 2)
        return usage();
    cfg.workload = argv[1];
    cfg.counter = &counter;
    size_t w = 0, nw = sizeof WORKLOADS / sizeof WORKLOADS[0];
    while (w < nw && strcmp(WORKLOADS[w].name, argv[1]) != 0)
        w++;
    if (w == nw)
        return usage();
    cfg.kind = WORKLOADS[w].kind;
    cfg.n = argc > 2 ? atol(argv[2]) : WORKLOADS[w].n;
    cfg.reps = argc > 3 ? atoi(argv[3]) : WORKLOADS[w].reps;
    int variant = 0; /* index into WORKLOADS[w].variants */
    int last = argc; /* a final "debug" is not a variant */
    if (argc > 4 && strcmp(argv[argc - 1], "debug") == 0) {
        cfg.debug = 1;
        last--;
    }
    if (last > 5)
        return usage();
    if (last > 4) {
        variant = -1;
        for (int v = 0; v < 2; v++)
            if (WORKLOADS[w].variants[v] &&
                strcmp(argv[4], WORKLOADS[w].variants[v]) == 0)
                variant = v;
        if (variant < 0)
            return usage();
    }
    cfg.use_gather = cfg.kind == W_SPAWN && variant == 1;
    cfg.use_queue = cfg.kind == W_PINGPONG && variant == 1;
    cfg.virtual_clock = cfg.kind == W_SLEEPERS && variant == 1;
    if (cfg.kind == W_PINGPONG)
        cfg.n -= cfg.n % 2; /* two tasks, n / 2 switches each */
    if (cfg.n < 2 || cfg.reps < 1)
        return usage();
    if (cfg.kind == W_SPAWN || cfg.kind == W_SLEEPERS) {
        /* The handle array is the benchmark's, not a task's: allocate it
         * before any measurement so it is counted nowhere. */
        cfg.tasks = calloc((size_t)cfg.n, sizeof *cfg.tasks);
        if (!cfg.tasks) {
            fprintf(stderr, "tidebench: out of memory\n");
            return 1;
        }
    }

#if defined(__GLIBC__)
    /* A wasm heap never shrinks, so after the warm-up its repetitions reuse
     * memory that is already mapped. glibc would instead hand the freed
     * top of the heap back to the kernel after each repetition and fault
     * it in again in the next (here, about 5 us per page: more than the
     * whole spawn). Keep it, so that native measures Tide, not the kernel. */
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    /* The same for blocks past glibc's mmap threshold (at most 32 MiB, 128
     * KiB to start with): each one is a fresh mapping, faulted in page by
     * page and given back when freed. spawn+gather's one block of done
     * callbacks, 112 bytes a task natively, is 112 MB for a million tasks:
     * remapped in every repetition, it made native gather 3-4x slower than
     * on WASI, whose heap keeps what it grew. */
    mallopt(M_MMAP_THRESHOLD, INT_MAX);
#endif
    tide_loop *loop;
    int rc = tide_loop_create(counting_alloc, &counter, &loop);
    if (rc < 0) {
        fprintf(stderr, "tidebench: %s\n", tide_strerror(rc));
        return 1;
    }
    if (cfg.virtual_clock)
        tide_loop_set_virtual_clock(loop, 1);
    if (cfg.debug)
        tide_loop_set_debug(loop, 1);
    cfg.debug = tide_loop_debug(loop); /* TIDE_DEBUG=1 turns it on too */
    tide_loop_set_exit_handler(loop, run_finished, NULL);
    switch (cfg.kind) {
    case W_PINGPONG:
        rc = tide_loop_run(loop, pingpong_main, &(struct pingpong_main){0},
                           sizeof(struct pingpong_main), NULL);
        break;
    case W_SPAWN:
        rc = tide_loop_run(loop, spawn_main, &(struct spawn_main){0},
                           sizeof(struct spawn_main), NULL);
        break;
    case W_QUEUE:
        rc = tide_loop_run(loop, queue_main, &(struct queue_main){0},
                           sizeof(struct queue_main), NULL);
        break;
    case W_SLEEPERS:
        rc = tide_loop_run(loop, sleepers_main, &(struct sleepers_main){0},
                           sizeof(struct sleepers_main), NULL);
        break;
    }
    if (rc == TIDE_EINPROGRESS)
        return 0; /* Emscripten: the host's event loop drives the run */
    if (!finished) { /* the run never started */
        fprintf(stderr, "tidebench: %s\n", tide_strerror(rc));
        tide_loop_destroy(loop);
        free(cfg.tasks);
        return 1;
    }
    return exit_status;
}
