/*
 * jsthreads.c - a user program for the to_thread tests through the JS API
 * (tests/js/thread.test.mjs), built as users build theirs, in both variants:
 * `tide-emcc --threads`.
 *
 * A ticker task ticks every 10 ms while a blocking function, run with
 * tide_to_thread, waits for three ticks (giving up after about 2 s). Both
 * write to one shared log, in the order things happen, which the main task
 * prints at the end, after a first line naming the build:
 *   pthreads build:  build: threads, blocking: start, tick 1, tick 2,
 *                    tick 3, blocking: saw 3 ticks, ...
 *   inline build:    build: inline, blocking: start, blocking: saw 0 ticks,
 *                    tick 1, ...
 * The main task returns the number of ticks the function saw.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <tide.h>

enum { LOG_MAX = 64, LINE_MAX_ = 48 };

static char log_lines[LOG_MAX][LINE_MAX_];
static atomic_int log_len;
static atomic_int ticks;
static atomic_int stop;

/* From either thread: each line gets its own slot, in order of arrival. */
static void log_line(const char *what, int n)
{
    int i = atomic_fetch_add(&log_len, 1);
    if (i < LOG_MAX)
        snprintf(log_lines[i], LINE_MAX_, what, n);
}

static int blocking(void *arg, void **result)
{
    (void)arg;
    log_line("blocking: start", 0);
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 2000 && atomic_load(&ticks) < 3; i++)
        nanosleep(&ms, NULL);
    int seen = atomic_load(&ticks);
    log_line("blocking: saw %d ticks", seen);
    *result = (void *)(intptr_t)seen;
    return 0;
}

struct ticker {
    TIDE_FRAME;
};

static tide_status ticker(void *frame)
{
    struct ticker *f = frame;
    TIDE_BEGIN(f);
    while (!atomic_load(&stop)) {
        TIDE_AWAIT(f, tide_sleep(0.01));
        log_line("tick %d", atomic_fetch_add(&ticks, 1) + 1);
    }
    TIDE_END(f);
}

struct program {
    TIDE_FRAME;
    tide_task *ticker;
    void *seen;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    printf("build: %s\n", tide_to_thread_is_inline() ? "inline" : "threads");
    TIDE_TRY(p, TIDE_SPAWN(ticker, "ticker", &p->ticker));
    TIDE_AWAIT(p, tide_to_thread(blocking, NULL, &p->seen));
    atomic_store(&stop, 1);
    TIDE_AWAIT(p, tide_join(p->ticker, NULL));
    int n = atomic_load(&log_len);
    for (int i = 0; i < n && i < LOG_MAX; i++)
        puts(log_lines[i]);
    TIDE_RETURN(p, p->seen);
    TIDE_FINALLY(p);
    if (p->ticker)
        tide_task_release(p->ticker);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
