/*
 * emscripten_jsapi.c - what the JS API (web/package/tide.mjs) asks of the
 * runs of an Emscripten-built program: with src/host/emscripten.js, which
 * keeps the list of loops being driven, it lets JS cancel their main
 * tasks, trace them, dump them, and learn each run's outcome when it ends.
 *
 * A *run* is one tide_loop_run of a loop, from tide__host_drive to its end.
 * The JS handle of a program (web/package/tide.mjs) follows its runs:
 *   - tide.mjs's cancel() cancels the main task of every run under way;
 *   - with tracing on, every run is traced into a buffer of fixed-size
 *     records that goes to JS in one call per turn (or when full);
 *   - when a run ends, JS gets its outcome (error name, message, value)
 *     before the loop's own exit callback runs (which may free the task),
 *     then a count of the runs still going: at 0, with main() returned, the
 *     program is over.
 * What concerns one run lives in its loop (L->host); what concerns all the
 * runs of the instance (their list in start order, the run counter) lives
 * in TideHost (emscripten.js), which calls back per loop. No state here
 * outside a loop. The driver (emscripten.c) calls tide__jsapi_run_start,
 * tide__jsapi_turn_end and tide__jsapi_run_end.
 */
#include "../internal.h"

#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* src/host/emscripten.js */
extern int tide_js_trace_wanted(void);
extern int tide_js_report_wanted(void);
extern void tide_js_report(int kind, const char *text);
extern void tide_js_trace(const void *records, uint32_t count,
                          const char *names);
extern void tide_js_run_end(uint32_t run, int err, const char *name,
                            const char *text, const char *msg, void *value,
                            const tide_egroup *errors);
extern void tide_js_run_over(void);
extern void tide_js_flush_output(void);

enum { TRACE_CAP = 1024, NAMES_CAP = 16384 };

/* src/host/emscripten.js: the registry of runs under way */
extern uint32_t tide_js_run_start(tide_loop *L); /* returns the run's id */
extern void tide_js_run_stop(tide_loop *L);
extern void tide_js_trace_flush_all(void); /* every run, in start order */

/* One trace event as emscripten.js reads it: 32 bytes. */
typedef struct trace_rec {
    int32_t event;
    uint32_t run;
    uint32_t task;
    int32_t status;
    const char *what; /* a static string or NULL */
    int32_t name;     /* spawn of a named task: offset of the name in names,
                         else -1 */
    double time;      /* loop time, seconds */
} trace_rec;
_Static_assert(sizeof(trace_rec) == 32, "emscripten.js reads 32-byte records");

/* A traced run's buffer, allocated when the run starts, freed when it
 * ends (a loop cannot be destroyed while it runs). */
struct tide__embed_trace {
    trace_rec recs[TRACE_CAP];
    uint32_t len;
    uint32_t names_len;
    char names[NAMES_CAP];
};

/* Delivers one loop's buffered events. Called from JS (through
 * tide_js_trace_flush_all) for each run under way, in start order, so the
 * runs' events come out in the same order whichever loop asks. */
EMSCRIPTEN_KEEPALIVE void tide__embed_trace_flush(tide_loop *L)
{
    struct tide__embed_trace *b = L->host.trace;
    if (!b || !b->len)
        return;
    uint32_t n = b->len;
    b->len = 0; /* first: JS code may cause more events */
    b->names_len = 0;
    tide_js_trace(b->recs, n, b->names);
}

static void trace_flush(void)
{
    tide_js_trace_flush_all();
}

static void trace_record(tide_loop *L, int event, tide_task *t,
                         const char *what, int status)
{
    struct tide__embed_trace *b = L->host.trace;
    const char *name = NULL;
    size_t len = 0;
    if (event == TIDE_TRACE_SPAWN) {
        /* Only a name the task has: JS names the others "Task-<id>", as
         * tide_task_name would, without making one for each task here. */
        name = t->name;
        len = name ? strlen(name) : 0;
        if (len > NAMES_CAP / 4)
            len = NAMES_CAP / 4; /* a silly name is cut, not lost */
    }
    if (b->len == TRACE_CAP || (name && b->names_len + len + 1 > NAMES_CAP))
        trace_flush(); /* all runs: older events of the others go first */
    trace_rec *r = &b->recs[b->len++];
    r->event = event;
    r->run = L->host.run_id;
    r->task = tide_task_id(t);
    r->status = status;
    r->what = what;
    r->name = -1;
    if (name) {
        memcpy(b->names + b->names_len, name, len);
        b->names[b->names_len + len] = 0;
        r->name = (int32_t)b->names_len;
        b->names_len += (uint32_t)len + 1;
    }
    /* The clock is read when a step starts; the other events of that step
     * follow it closely, and wakes come from timers that set L->now. */
    int64_t now = event == TIDE_TRACE_RUN ? tide__loop_now(L) : L->now;
    r->time = (double)now / 1e9;
}

static void trace_event(tide_loop *L, int event, tide_task *t,
                        const char *what, int status, void *arg)
{
    (void)arg;
    if (L->host.prev_trace)
        L->host.prev_trace(L, event, t, what, status, L->host.prev_arg);
    trace_record(L, event, t, what, status);
}

/* Tasks made before the run started (main among them) get their spawn
 * event now, in creation order (the program's own tracer saw them). */
static int trace_existing(tide_task *t, void *arg)
{
    (void)arg;
    trace_record(t->loop, TIDE_TRACE_SPAWN, t, NULL, 0);
    return 0;
}

/* Debug and deadlock reports go to the embedder's onReport, if it set one
 * (else the loop's handler prints them on stderr). */
static void report_to_js(tide_loop *loop, int kind, const char *text,
                         tide_task *task, void *arg)
{
    (void)loop;
    (void)task;
    (void)arg;
    tide_js_report(kind, text);
}

void tide__jsapi_run_start(tide_loop *L)
{
    L->host.run_id = tide_js_run_start(L);
    L->host.prev_trace = NULL;
    L->host.prev_arg = NULL;
    L->host.trace = NULL;
    if (tide_js_report_wanted())
        tide_loop_set_debug_handler(L, report_to_js, NULL);
    if (!tide_js_trace_wanted())
        return;
    L->host.trace = tide__alloc(L, sizeof *L->host.trace);
    if (!L->host.trace)
        return; /* out of memory: the run goes on untraced */
    L->host.trace->len = 0;
    L->host.trace->names_len = 0;
    if (L->trace != trace_event) {
        L->host.prev_trace = L->trace;
        L->host.prev_arg = L->trace_arg;
    }
    tide_loop_set_trace_handler(L, trace_event, NULL);
    tide__loop_now(L); /* stamp them with the clock now, not before */
    tide_loop_walk(L, trace_existing, NULL);
}

void tide__jsapi_turn_end(tide_loop *L)
{
    if (L->host.trace)
        trace_flush(); /* one batch of trace events per turn */
}

/* Wraps the loop's exit callback for the one call tide__loop_end_run
 * makes, so the outcome is read before the callback may free the task. */
typedef struct embed_ending {
    tide_exit_fn fn;
    void *arg;
} embed_ending;

static void embed_exit(tide_loop *L, tide_task *main, int err, void *arg)
{
    embed_ending *e = arg;
    uint32_t id = L->host.run_id;
    L->on_exit = e->fn; /* put back first: fn may destroy or rerun L */
    L->on_exit_arg = e->arg;
    if (L->host.trace) {
        trace_flush(); /* while L is still a run under way */
        if (L->trace == trace_event)
            tide_loop_set_trace_handler(L, L->host.prev_trace, L->host.prev_arg);
        tide__free(L, L->host.trace, sizeof *L->host.trace);
        L->host.trace = NULL;
    }
    tide_js_run_stop(L); /* before fn, which may start another run */
    const char *msg = NULL;
    const tide_egroup *errors = NULL; /* a TIDE_EGROUP's story */
    void *value = NULL;
    if (main && err < 0 && tide_task_error(main) == err) {
        msg = tide_task_message(main);
        errors = tide_task_egroup(main);
    }
    if (main && err == 0)
        tide_task_result(main, &value);
    tide_js_run_end(id, err, tide_errname(err), tide_strerror(err), msg,
                    value, errors);
    if (e->fn)
        e->fn(L, main, err, e->arg);
    fflush(stdout);
    fflush(stderr);
    tide_js_flush_output();
    tide_js_run_over();
}

void tide__jsapi_run_end(tide_loop *L)
{
    embed_ending e = {L->on_exit, L->on_exit_arg};
    L->on_exit = embed_exit;
    L->on_exit_arg = &e;
    tide__loop_end_run(L); /* calls embed_exit; may destroy L */
}

/* Cancels L's main task with `msg` (may be NULL); returns 1 if the
 * cancellation took. JS calls it for every run under way, between turns. */
EMSCRIPTEN_KEEPALIVE int tide_js_cancel_loop(tide_loop *L, const char *msg)
{
    if (!L->main || tide_task_is_done(L->main))
        return 0;
    tide__loop_now(L); /* the wakes it causes carry the cancel's time */
    return tide_task_cancel(L->main, msg) > 0;
}

/* A dump of L's pending tasks (tide_loop_dump) in a malloc'd string that
 * JS frees with tide_js_free, or NULL. JS joins the runs' dumps. */
EMSCRIPTEN_KEEPALIVE char *tide_js_dump_loop(tide_loop *L)
{
    size_t cap = tide_loop_dump(L, NULL, 0) + 1;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    buf[0] = 0;
    tide_loop_dump(L, buf, cap);
    return buf;
}

/* The memory strings cross in (a cancel message, a dump): malloc's, here
 * because the runtime exports malloc only to programs that ask for it. */
EMSCRIPTEN_KEEPALIVE char *tide_js_alloc(size_t size)
{
    return malloc(size);
}

EMSCRIPTEN_KEEPALIVE void tide_js_free(char *buf)
{
    free(buf);
}

/* Delivers the trace events buffered so far: web/package/tide.mjs calls it before
 * it hands a line of output on, so the line comes after the events that
 * led to it (and carries their loop time). */
EMSCRIPTEN_KEEPALIVE void tide_js_trace_flush(void)
{
    trace_flush();
}

/* The symbolic name of an error code, or NULL (trace events carry it). */
EMSCRIPTEN_KEEPALIVE const char *tide_js_errname(int err)
{
    return tide_errname(err);
}

/* A TIDE_EGROUP's errors, read by emscripten.js (TideHost.readErrors)
 * while the run ends: how many, the i-th's code, its nested group's
 * errors (or NULL), and its texts: 0 its message, 1 its task's name, 2
 * its code's name, 3 its code's description (NULL if none). */
EMSCRIPTEN_KEEPALIVE size_t tide_js_egroup_count(const tide_egroup *eg)
{
    return tide_egroup_error_count(eg);
}

EMSCRIPTEN_KEEPALIVE int tide_js_egroup_code(const tide_egroup *eg, size_t i)
{
    return tide_egroup_error(eg, i, NULL, NULL, NULL);
}

EMSCRIPTEN_KEEPALIVE const tide_egroup *
tide_js_egroup_nested(const tide_egroup *eg, size_t i)
{
    const tide_egroup *nested;
    tide_egroup_error(eg, i, NULL, NULL, &nested);
    return nested;
}

EMSCRIPTEN_KEEPALIVE const char *tide_js_egroup_text(const tide_egroup *eg,
                                                     size_t i, int field)
{
    const char *msg, *task;
    int code = tide_egroup_error(eg, i, &msg, &task, NULL);
    switch (field) {
    case 0:
        return msg;
    case 1:
        return task;
    case 2:
        return tide_errname(code);
    default:
        return tide_strerror(code);
    }
}
