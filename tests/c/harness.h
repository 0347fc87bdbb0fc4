/*
 * harness.h - a small test harness for Tide's C tests. The same sources
 * run on every host: natively (also under ASan+UBSan), under WASI and under
 * Emscripten, where a run finishes asynchronously.
 *
 * A test is a main coroutine whose frame struct is named like it, listed in
 * a table with the checklist item it covers:
 *
 *     struct loop01 { TIDE_FRAME; int step; };
 *     static tide_status loop01(void *frame) { ... TH_CHECK(x == 1); ... }
 *     static const th_case cases[] = { TH_CASE("LOOP-01 ...", loop01), };
 *     TH_MAIN(cases)
 *
 * Each case gets a fresh loop with the virtual clock and a counting
 * allocator: a case fails if it leaks a byte, and TH_OOM cases are re-run
 * with the Nth allocation failing for every N until one run succeeds.
 * TH_OOM_ALL=1 in the environment (TIDE_TEST_OOM_ALL=1 on the wasm hosts)
 * sweeps every case that way.
 * Output is TAP ("ok 3 - LOOP-03 ..."), read by tests/c/c.test.mjs.
 *
 * The helpers the cases share live here too, once (the end of this file):
 * a test file defines only what is its own.
 */
#ifndef TIDE_TEST_HARNESS_H
#define TIDE_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <tide.h>

typedef struct th_case th_case;
/* Optional check after the run: main's task and the run's result. */
typedef void (*th_after_fn)(tide_loop *loop, tide_task *main, int err);

enum {
    TH_EXPECT_ERROR = 1, /* the run may fail; `after` judges it */
    TH_OOM = 2,          /* also sweep allocation failures */
    TH_REAL_CLOCK = 4,   /* use the real clock (short sleeps only) */
};

struct th_case {
    const char *name;
    tide_fn fn;
    size_t frame_size;
    th_after_fn after;
    unsigned flags;
};

#define TH_CASE(name, fn) {(name), (fn), sizeof(struct fn), NULL, 0}
#define TH_CASE_AFTER(name, fn, after, flags)                                  \
    {(name), (fn), sizeof(struct fn), (after), (flags)}

/* Record a failure (the test goes on). */
#define TH_CHECK(cond) th_check((cond) != 0, #cond, __FILE__, __LINE__)
#define TH_EQ_INT(a, b) th_eq_int((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
#define TH_EQ_STR(a, b) th_eq_str((a), (b), #a, #b, __FILE__, __LINE__)

void th_check(int ok, const char *expr, const char *file, int line);
void th_eq_int(long long a, long long b, const char *ea, const char *eb,
               const char *file, int line);
void th_eq_str(const char *a, const char *b, const char *ea, const char *eb,
               const char *file, int line);

/* An event log for asserting order: th_log("A"), then
 * TH_LOG_IS("A B C") compares the space-separated sequence. */
void th_log(const char *fmt, ...);
const char *th_log_text(void);
#define TH_LOG_IS(expected) TH_EQ_STR(th_log_text(), (expected))

/* Reports that reached the loop's exception handler in this case, as
 * "context:ERRNAME" words separated by spaces. */
const char *th_reports(void);
/* The same reports with their messages, one a line:
 * "context:ERRNAME: message". */
const char *th_report_messages(void);

/* Debug reports of this case (the debug handler), each "KIND: text" with
 * KIND one of SLOW UNRETRIEVED LEFTOVER OPEN SWALLOWED BLOCKING DEADLOCK,
 * separated by newlines. */
const char *th_debug_reports(void);
/* Whether some debug report of `kind` (TIDE_DEBUG_*) contains `text`. */
int th_debug_has(int kind, const char *text);

/* A case's cleanup in FINALLY: cancel, await and release the helper tasks
 * t[0..n) (NULL entries skipped, each set to NULL), so that none still waits
 * on an object about to be destroyed - when an injected out-of-memory cut
 * the case short, say. Await it as a sub-coroutine:
 *     TIDE_AWAIT_CALL_INIT(f, th_reap, &f->reap, .t = f->tasks, .n = 3); */
struct th_reap {
    TIDE_FRAME;
    tide_task **t;
    size_t n, i;
    int rc;
};
tide_status th_reap(void *frame);
/* Sets f->reap (a struct th_reap) to reap the array `arr`. */
#define TH_REAP(f, arr)                                                        \
    ((f)->reap = (struct th_reap){.t = (arr), .n = sizeof(arr) / sizeof *(arr)})

/* One task t (a frame member) in a FINALLY: cancelled unless done,
 * awaited, released and set to NULL. The frame needs an int reap_rc. */
#define TH_REAP_ONE(f, t)                                                      \
    do {                                                                       \
        if ((t) && !tide_task_is_done(t)) {                                       \
            tide_task_cancel((t), NULL);                                       \
            TIDE_AWAIT_CATCH(f, tide_join((t), NULL), (f)->reap_rc);           \
        }                                                                      \
        tide_task_release(t);                                                  \
        (t) = NULL;                                                            \
    } while (0)

/* ---- helpers the cases share ---- */

/* An int as a task's value, and back. */
#define IV(n) ((void *)(intptr_t)(n))
#define VI(p) ((int)(intptr_t)(p))

/* Spawns `fn` with its frame zeroed, named `name` (may be NULL), the
 * handle in *out. */
#define TH_SPAWN0(out, fn, name)                                               \
    tide_spawn((fn), &(struct fn){0}, sizeof(struct fn), (name), (out))

/* A destroy expected to be refused with TIDE_EBUSY; if it was not (a run
 * with an injected failure took another path), the object is gone: forget
 * it. */
#define TH_EXPECT_BUSY(destroy, obj)                                           \
    do {                                                                       \
        int busy_ = destroy(obj);                                              \
        TH_EQ_INT(busy_, TIDE_EBUSY);                                          \
        if (busy_ == 0)                                                        \
            (obj) = NULL;                                                      \
    } while (0)

/* Doubles compared exactly; a failure shows both to the last digit. */
#define TH_EQ_DBL(a, b) th_eq_dbl((a), (b), #a " == " #b, __FILE__, __LINE__)
void th_eq_dbl(double a, double b, const char *what, const char *file,
               int line);

/* Whether `text` (may be NULL) contains `part`; TH_HAS checks it. */
int th_contains(const char *text, const char *part);
#define TH_HAS(text, part)                                                     \
    th_check(th_contains((text), (part)), #text " contains \"" part "\"",      \
             __FILE__, __LINE__)

/* Callbacks for tide_call_soon and its kin: cancel the task `task`; log
 * the string `text`. */
int th_cancel_cb(void *task);
int th_log_cb(void *text);
/* An exception handler for a loop of a case's own: counts the reports
 * into the int `count` points to. */
void th_count_exception(tide_loop *loop, const char *context, int err,
                        const char *message, tide_task *task, void *count);

/* The current task's pending cancellations (tide_task_cancelling); the
 * running loop's iterations so far. */
int th_cancelling(void);
uint64_t th_iterations(void);

/* A child task: sleeps `delay` (no await at all if 0), logs `tag` (if
 * set), then throws `err` with `msg`, or returns `value`. */
struct th_child {
    TIDE_FRAME;
    const char *tag;
    double delay;
    void *value;
    int err;
    const char *msg;
};
tide_status th_child(void *frame);

/* Bytes live in the allocator of the current case, less the loop's cache of
 * freed task blocks (for tests of what a program retains). */
size_t th_live_bytes(void);
/* Whether this run of the case injects allocation failures. */
int th_oom_active(void);

int th_main(const th_case *cases, size_t n);
#define TH_MAIN(cases)                                                         \
    int main(void) { return th_main((cases), sizeof(cases) / sizeof((cases)[0])); }

#endif
