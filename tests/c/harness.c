/*
 * harness.c - runs a table of test cases, one fresh loop each, on any host.
 * See harness.h. Test support code, not part of the library: its state is
 * one static struct.
 */
#include "harness.h"
#include "internal.h" /* tide__blocks_cached_bytes */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TH_TEXT 8192

static struct {
    const th_case *cases;
    size_t n, i;
    int passed, failed;

    /* the run in progress */
    tide_loop *loop;
    tide_task *main;
    int in_sync_run; /* inside tide_loop_run on a blocking host */
    int exited;      /* on_exit ran for this run */
    int case_failed;
    char why[TH_TEXT];
    char log[TH_TEXT];
    char reports[TH_TEXT];
    char report_messages[TH_TEXT];
    char debug[TH_TEXT];

    /* OOM sweep: fail_at = 0 never fails; else the fail_at-th allocation */
    size_t fail_at, allocs, live;
    int injected;
    int sweeping;
    size_t sweep_points;
    int oom_all; /* TH_OOM_ALL=1: sweep every case, not only TH_OOM ones */
} H;

/* ---- text helpers ------------------------------------------------------- */

static void append(char *buf, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len >= TH_TEXT - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, TH_TEXT - len, fmt, ap);
    va_end(ap);
}

static void vfail(int always, const char *fmt, va_list ap)
{
    if (H.sweeping && !always)
        return; /* under injected failures only leaks and crashes count */
    H.case_failed = 1;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    append(H.why, "  # %s\n", line);
}

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(0, fmt, ap);
    va_end(ap);
}

static void fail_always(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(1, fmt, ap);
    va_end(ap);
}

void th_check(int ok, const char *expr, const char *file, int line)
{
    if (!ok)
        fail("%s:%d: check failed: %s", file, line, expr);
}

void th_eq_int(long long a, long long b, const char *ea, const char *eb,
               const char *file, int line)
{
    if (a != b)
        fail("%s:%d: %s == %s failed: %lld != %lld", file, line, ea, eb, a, b);
}

void th_eq_str(const char *a, const char *b, const char *ea, const char *eb,
               const char *file, int line)
{
    if (!a || !b || strcmp(a, b) != 0)
        fail("%s:%d: %s == %s failed: \"%s\" != \"%s\"", file, line, ea, eb,
             a ? a : "(null)", b ? b : "(null)");
}

void th_log(const char *fmt, ...)
{
    char word[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(word, sizeof word, fmt, ap);
    va_end(ap);
    append(H.log, "%s%s", H.log[0] ? " " : "", word);
}

const char *th_log_text(void)
{
    return H.log;
}

const char *th_reports(void)
{
    return H.reports;
}

const char *th_report_messages(void)
{
    return H.report_messages;
}

static const char *debug_kind(int kind)
{
    static const char *names[] = {"?", "SLOW", "UNRETRIEVED", "LEFTOVER",
                                  "OPEN", "SWALLOWED", "BLOCKING", "DEADLOCK"};
    return kind > 0 && kind <= TIDE_DEBUG_DEADLOCK ? names[kind] : "?";
}

static void th_debug(tide_loop *loop, int kind, const char *text,
                     tide_task *task, void *arg)
{
    (void)loop;
    (void)task;
    (void)arg;
    append(H.debug, "%s: %s\n", debug_kind(kind), text);
}

const char *th_debug_reports(void)
{
    return H.debug;
}

int th_debug_has(int kind, const char *text)
{
    char needle[64];
    snprintf(needle, sizeof needle, "%s: ", debug_kind(kind));
    for (const char *p = H.debug; (p = strstr(p, needle)); p++) {
        const char *end = strstr(p + 1, "\n");
        const char *hit = strstr(p, text);
        /* the text must lie within this report (reports may span lines:
         * a report ends where the next "KIND: " begins) */
        const char *next = NULL;
        for (int k = 1; k <= TIDE_DEBUG_DEADLOCK; k++) {
            char other[64];
            snprintf(other, sizeof other, "\n%s: ", debug_kind(k));
            const char *o = strstr(p + 1, other);
            if (o && (!next || o < next))
                next = o;
        }
        (void)end;
        if (hit && (!next || hit < next))
            return 1;
    }
    return 0;
}

size_t th_live_bytes(void)
{
    /* Task blocks the loop keeps for reuse are not the program's: bounded,
     * and given back by tide_loop_destroy (whose leak check sees them). */
    return H.live - (H.loop ? tide__blocks_cached_bytes(H.loop) : 0);
}

int th_oom_active(void)
{
    return H.fail_at != 0;
}

tide_status th_reap(void *frame)
{
    struct th_reap *f = frame;
    TIDE_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++) {
        if (!f->t[f->i])
            continue;
        tide_task_cancel(f->t[f->i], NULL);
        TIDE_AWAIT_CATCH(f, tide_join(f->t[f->i], NULL), f->rc);
        tide_task_release(f->t[f->i]);
        f->t[f->i] = NULL;
    }
    TIDE_END(f);
}

/* ---- helpers the cases share -------------------------------------------- */

void th_eq_dbl(double a, double b, const char *what, const char *file, int line)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s (%.17g != %.17g)", what, a, b);
    th_check(a == b, buf, file, line);
}

int th_contains(const char *text, const char *part)
{
    return text && strstr(text, part) != NULL;
}

int th_cancel_cb(void *task)
{
    int rc = tide_task_cancel(task, NULL);
    return rc < 0 ? rc : 0;
}

int th_log_cb(void *text)
{
    th_log("%s", (const char *)text);
    return 0;
}

void th_count_exception(tide_loop *loop, const char *context, int err,
                        const char *message, tide_task *task, void *count)
{
    (void)loop;
    (void)context;
    (void)err;
    (void)message;
    (void)task;
    ++*(int *)count;
}

int th_cancelling(void)
{
    return tide_task_cancelling(tide_current_task());
}

uint64_t th_iterations(void)
{
    return tide_loop_iteration_count(tide_running_loop());
}

tide_status th_child(void *frame)
{
    struct th_child *c = frame;
    TIDE_BEGIN(c);
    if (c->delay > 0)
        TIDE_AWAIT(c, tide_sleep(c->delay));
    if (c->tag)
        th_log("%s", c->tag);
    if (c->err)
        TIDE_THROW_MSG(c, c->err, c->msg);
    TIDE_RETURN(c, c->value);
    TIDE_END(c);
}

/* ---- the counting, failing allocator ------------------------------------ */

static void *th_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    if (new_size == 0) {
        if (ptr)
            H.live -= old_size;
        free(ptr);
        return NULL;
    }
    H.allocs++;
    if (H.fail_at && H.allocs == H.fail_at) {
        H.injected = 1;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p)
        H.live += new_size - (ptr ? old_size : 0);
    return p;
}

static void th_exception(tide_loop *loop, const char *context, int err,
                         const char *message, tide_task *task, void *arg)
{
    (void)loop;
    (void)task;
    (void)arg;
    const char *name = tide_errname(err);
    append(H.reports, "%s%s:%s", H.reports[0] ? " " : "", context,
           name ? name : "user");
    append(H.report_messages, "%s:%s: %s\n", context, name ? name : "user",
           message ? message : "");
}

/* ---- running cases --------------------------------------------------------- */

static void run_next(void);

static void finish_run(void)
{
    const th_case *c = &H.cases[H.i];
    if (H.live != 0)
        fail_always("leaked %zu bytes (allocation %zu failing)", H.live,
                    H.fail_at);
    H.live = 0;
    /* Sweep: the first run is the plain one; then every allocation in turn
     * fails until a run makes no more allocations than fail_at. */
    int more = 0;
    int sweep = (c->flags & TH_OOM) || H.oom_all;
    if (sweep && !H.case_failed) {
        if (!H.sweeping) {
            H.sweeping = 1;
            H.fail_at = 1;
            more = 1;
        } else if (H.injected) {
            H.sweep_points++;
            H.fail_at++;
            more = 1;
        }
        if (H.case_failed) /* a leak under injection ends the sweep */
            more = 0;
    }
    if (more)
        return;
    if (H.case_failed) {
        H.failed++;
        printf("not ok %zu - %s\n%s", H.i + 1, c->name, H.why);
    } else {
        H.passed++;
        if (sweep)
            printf("ok %zu - %s (out of memory at each of %zu allocations)\n",
                   H.i + 1, c->name, H.sweep_points);
        else
            printf("ok %zu - %s\n", H.i + 1, c->name);
    }
    fflush(stdout);
    H.i++;
    H.sweeping = 0;
    H.sweep_points = 0;
    H.fail_at = 0;
    H.case_failed = 0;
    H.why[0] = 0;
}

static void on_exit_cb(tide_loop *loop, tide_task *main, int err, void *arg)
{
    (void)arg;
    const th_case *c = &H.cases[H.i];
    H.exited = 1;
    /* Under a sweep only leaks and crashes count, so `after` checks are
     * not wanted - but with TH_OOM_ALL it runs anyway (its checks muted),
     * because some cases free what they made there. */
    if (!H.sweeping || H.oom_all) {
        if (!(c->flags & TH_EXPECT_ERROR) && err != 0) {
            const char *msg = main ? tide_task_message(main) : NULL;
            fail("run failed: %s%s%s", tide_errname(err) ? tide_errname(err)
                                                        : "user error",
                 msg ? ": " : "", msg ? msg : "");
        }
        if (c->after)
            c->after(loop, main, err);
    }
    tide_task_release(H.main);
    H.main = NULL;
    if (tide_loop_destroy(loop) != 0)
        fail("tide_loop_destroy failed");
    H.loop = NULL;
    finish_run();
    if (!H.in_sync_run)
        run_next(); /* guest host: continue from this callback */
}

/* Starts the current case; returns 1 if it finishes later (guest host). */
static int start_run(void)
{
    const th_case *c = &H.cases[H.i];
    H.log[0] = 0;
    H.reports[0] = 0;
    H.report_messages[0] = 0;
    H.debug[0] = 0;
    H.allocs = 0;
    H.injected = 0;
    H.exited = 0;
    int rc = tide_loop_create(th_alloc, NULL, &H.loop);
    if (rc < 0) {
        if (!H.injected)
            fail("tide_loop_create: %s", tide_strerror(rc));
        finish_run();
        return 0;
    }
    if (!(c->flags & TH_REAL_CLOCK))
        tide_loop_set_virtual_clock(H.loop, 1);
    tide_loop_set_exit_handler(H.loop, on_exit_cb, NULL);
    tide_loop_set_exception_handler(H.loop, th_exception, NULL);
    tide_loop_set_debug_handler(H.loop, th_debug, NULL);
    void *frame = calloc(1, c->frame_size);
    if (!frame) {
        fail("calloc");
        tide_loop_destroy(H.loop);
        finish_run();
        return 0;
    }
    H.in_sync_run = 1;
    rc = tide_loop_run(H.loop, c->fn, frame, c->frame_size, &H.main);
    H.in_sync_run = 0;
    free(frame);
    if (rc == TIDE_EINPROGRESS)
        return 1;
    if (!H.exited) { /* the run could not start */
        if (!H.injected)
            fail("tide_loop_run: %s", tide_strerror(rc));
        tide_task_release(H.main);
        H.main = NULL;
        tide_loop_destroy(H.loop);
        H.loop = NULL;
        finish_run();
    }
    return 0;
}

static void run_next(void)
{
    while (H.i < H.n) {
        if (start_run())
            return;
    }
    printf("1..%zu\n# passed %d, failed %d\n", H.n, H.passed, H.failed);
    fflush(stdout);
}

int th_main(const th_case *cases, size_t n)
{
    H.cases = cases;
    H.n = n;
    /* The wasm runners pass on only TIDE_* variables: both names work. */
    const char *all = getenv("TH_OOM_ALL");
    if (!all)
        all = getenv("TIDE_TEST_OOM_ALL");
    H.oom_all = all && *all && *all != '0';
    run_next();
    return H.failed ? 1 : 0;
}
