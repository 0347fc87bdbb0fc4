/*
 * tidebench.c - Tide's micro-benchmarks, one workload per run:
 *
 *   tidebench pingpong [switches] [reps]
 *       Two tasks hand control back and forth; reports ns per task switch.
 *       The hand-over is tide_sleep(0) (one loop iteration per yield): the
 *       only way to yield that exists until a Queue-based channel arrives.
 *
 *   tidebench spawn [tasks] [reps] [join|gather]
 *       Spawns `tasks` trivial tasks (all pending at once), then waits for
 *       them (tide_join on each, or one tide_gather); reports ns per task
 *       and bytes per pending task.
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

struct config {
    const char *workload; /* "pingpong" or "spawn" */
    long n;               /* switches (pingpong) or tasks (spawn) */
    int reps;
    int use_gather;
    struct counter *counter;
    tide_task **tasks; /* spawn: the handles, allocated before measuring */
};

struct results {
    double best_ns;        /* best total time of one repetition */
    double best_spawn_ns;  /* spawn: the spawning part of that total */
    double warm_ns;        /* the warm-up repetition, for reference */
    long long tide_bytes;  /* spawn: Tide's bytes for n pending tasks */
    long long heap_bytes;  /* spawn: real cost of n pending tasks */
    long long inuse_bytes; /* spawn: allocator in-use growth, best rep */
    const char *heap_method;
    int done_reps;
};

static struct config cfg;
static struct results res = {.best_ns = -1, .best_spawn_ns = -1,
                             .tide_bytes = -1, .heap_bytes = -1,
                             .inuse_bytes = -1};

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

/* ---- the workloads (main tasks) ----------------------------------------- */

struct pingpong_main {
    TIDE_FRAME;
    int rep;
    double t0;
    tide_task *a, *b;
};

static tide_status pingpong_main(void *frame)
{
    struct pingpong_main *m = frame;
    TIDE_BEGIN(m);
    for (m->rep = 0; m->rep <= cfg.reps; m->rep++) {
        long per_task = cfg.n / 2; /* each task does half the switches */
        m->t0 = now_ns();
        TIDE_TRY(m, TIDE_SPAWN(&m->a, yielder, "ping", .n = per_task));
        TIDE_TRY(m, TIDE_SPAWN(&m->b, yielder, "pong", .n = per_task));
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
        res.tide_bytes = cfg.counter->live - tide0;
        if (inuse0 >= 0)
            res.inuse_bytes = heap_inuse() - inuse0;
        if (m->rep == 0) {
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

/* ---- report ------------------------------------------------------------- */

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
    exit_status = 0;
    int spawn = strcmp(cfg.workload, "spawn") == 0;
    double per = res.best_ns / (double)cfg.n;
    if (!spawn) {
        printf("%s pingpong: %ld switches (tide_sleep(0) yields), best of %d: "
               "%.2f ns/switch\n",
               HOST, cfg.n, cfg.reps, per);
        printf("BENCH {\"host\":\"%s\",\"workload\":\"pingpong\","
               "\"mechanism\":\"tide_sleep(0)\",\"n\":%ld,\"reps\":%d,"
               "\"ns_per_switch\":%.3f,\"warmup_ns_per_switch\":%.3f}\n",
               HOST, cfg.n, cfg.reps, per, res.warm_ns / (double)cfg.n);
        return;
    }
    double n = (double)cfg.n;
    const char *how = cfg.use_gather ? "gather" : "join";
    printf("%s spawn+%s: %ld tasks, best of %d: %.2f ns/task "
           "(spawn %.2f); %.1f Tide bytes/task, %.1f heap bytes/task (%s)\n",
           HOST, how, cfg.n, cfg.reps, per, res.best_spawn_ns / n,
           (double)res.tide_bytes / n, (double)res.heap_bytes / n,
           res.heap_method);
    printf("BENCH {\"host\":\"%s\",\"workload\":\"spawn\",\"mode\":\"%s\","
           "\"n\":%ld,\"reps\":%d,\"ns_per_task\":%.3f,"
           "\"spawn_ns_per_task\":%.3f,\"tide_bytes_per_task\":%.3f,"
           "\"heap_bytes_per_task\":%.3f,\"heap_method\":\"%s\","
           "\"inuse_bytes_per_task\":%.3f,\"tide_peak_bytes\":%lld}\n",
           HOST, how, cfg.n, cfg.reps, per, res.best_spawn_ns / n,
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
    fprintf(stderr, "usage: tidebench pingpong [switches] [reps]\n"
                    "       tidebench spawn [tasks] [reps] [join|gather]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static struct counter counter;
    if (argc < 2)
        return usage();
    cfg.workload = argv[1];
    cfg.counter = &counter;
    int spawn = strcmp(cfg.workload, "spawn") == 0;
    if (!spawn && strcmp(cfg.workload, "pingpong") != 0)
        return usage();
    cfg.n = argc > 2 ? atol(argv[2]) : (spawn ? 1000000 : 2000000);
    cfg.reps = argc > 3 ? atoi(argv[3]) : (spawn ? 3 : 5);
    if (argc > 4) {
        if (strcmp(argv[4], "gather") == 0)
            cfg.use_gather = 1;
        else if (strcmp(argv[4], "join") != 0)
            return usage();
    }
    if (!spawn)
        cfg.n -= cfg.n % 2; /* two tasks, n / 2 yields each */
    if (cfg.n < 2 || cfg.reps < 1)
        return usage();
    if (spawn) {
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
#endif
    tide_loop *loop;
    int rc = tide_loop_create(&loop, counting_alloc, &counter);
    if (rc < 0) {
        fprintf(stderr, "tidebench: %s\n", tide_strerror(rc));
        return 1;
    }
    tide_loop_on_exit(loop, run_finished, NULL);
    if (spawn)
        rc = tide_loop_run(loop, spawn_main, &(struct spawn_main){0},
                           sizeof(struct spawn_main), NULL);
    else
        rc = tide_loop_run(loop, pingpong_main, &(struct pingpong_main){0},
                           sizeof(struct pingpong_main), NULL);
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
