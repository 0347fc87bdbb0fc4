/*
 * emscripten.c - guest host: the loop lives inside the JS event loop and
 * never blocks (Emscripten's nanosleep would busy-spin).
 *
 * A turn runs loop iterations until nothing is ready, or until the slice
 * since the last macrotask has used up the turn budget; then it asks JS for
 * the next turn:
 *   - work arriving from outside a turn (first start, a JS completion): a
 *     microtask, the lowest latency;
 *   - budget used up: a macrotask (setImmediate on Node, MessageChannel in
 *     browsers), so the page renders and takes input; never setTimeout(0),
 *     which is clamped to 1-4 ms;
 *   - only timers pending: one setTimeout for the earliest deadline (with
 *     the virtual clock, time jumps instead and the turn goes on).
 * The JS half is src/host/emscripten.js. What the JS API asks of a run
 * (traces, cancel, its outcome) is emscripten_jsapi.c's: the driver tells
 * it when a run starts and ends, and when a turn is over.
 */
#include "../internal.h"

#include <emscripten.h>
#include <emscripten/stack.h>

enum { TURN_MICRO = 1, TURN_MACRO = 2, TURN_TIMER = 3 };

/* src/host/emscripten.js */
extern double tide_js_now(void);
extern void tide_js_request_turn(tide_loop *L, int kind);
extern void tide_js_arm_timer(tide_loop *L, double ms);
extern void tide_js_cancel_timer(tide_loop *L);
extern void tide_js_exit(int status);
extern void tide_js_ran_inline(void);

/* emscripten_jsapi.c: the JS API's view of each run */
void tide__jsapi_run_start(tide_loop *L);
void tide__jsapi_run_end(tide_loop *L); /* ends the run; may destroy L */
void tide__jsapi_turn_end(tide_loop *L);

int tide__host_stack_end(uintptr_t *end)
{
    *end = emscripten_stack_get_end(); /* this thread's, pthreads too */
    return 1;
}

int64_t tide__host_now(tide_loop *L)
{
    return tide__clock_reading(L, 1, (int64_t)(tide_js_now() * 1e6));
}

void tide__host_wait(tide_loop *L, int64_t timeout)
{
    (void)L;
    (void)timeout; /* never called: this host does not block */
}

static void request_turn(tide_loop *L, int kind)
{
    L->host.idle = 0;
    if (L->host.scheduled)
        return;
    L->host.scheduled = kind;
    tide_js_request_turn(L, kind);
}

static void arm_timer(tide_loop *L, int64_t delay)
{
    int64_t at = tide__host_now(L) + delay;
    if (L->host.timer_at >= 0 && L->host.timer_at <= at)
        return; /* an earlier timer will run a turn anyway */
    L->host.timer_at = at;
    tide_js_arm_timer(L, (double)delay / 1e6);
}

void tide__host_wakeup(tide_loop *L)
{
    if ((L->flags & TIDE__L_RUNNING) && !L->host.in_turn)
        request_turn(L, TURN_MICRO);
}

int tide__host_drive(tide_loop *L)
{
    L->host.timer_at = -1;
    L->host.scheduled = 0;
    L->host.slice_start = tide__host_now(L);
    tide__jsapi_run_start(L);
    request_turn(L, TURN_MICRO);
    return TIDE_EINPROGRESS;
}

/* Called from JS for each requested turn or expired timer. */
EMSCRIPTEN_KEEPALIVE void tide__guest_turn(tide_loop *L, int kind)
{
    if (kind == TURN_TIMER)
        L->host.timer_at = -1;
    else
        L->host.scheduled = 0;
    if (!(L->flags & TIDE__L_RUNNING) || L->host.in_turn)
        return;
    if (tide_running_loop()) { /* another loop's turn is on the stack */
        request_turn(L, TURN_MACRO);
        return;
    }
    if (kind != TURN_MICRO)
        L->host.slice_start = tide__host_now(L);
    L->host.in_turn = 1;
    L->host.idle = 0;
    tide__loop_set_running(L, 1);
    int over = 0;
    /* The clock is a call into JS: read it only every so often. */
    uint64_t checked_steps = L->steps, checked_iters = L->iterations;
    for (;;) {
        int64_t timeout = L->ready_head ? 0 : tide__loop_timeout(L);
        if (timeout < 0) {
            if (L->host_pending)
                break; /* JS will call back when its work completes */
            if (tide__loop_deadlock(L)) {
                over = 1;
                break;
            }
            continue;
        }
        if (timeout > 0) {
            if (!L->virtual_clock || tide__virtual_grace(L)) {
                /* real time; or, virtual, the host's grace for its work */
                arm_timer(L, L->virtual_clock ? TIDE_VIRTUAL_GRACE_NS
                                              : timeout);
                break;
            }
            L->now = tide__timers_next(L);
        }
        tide__loop_iterate(L);
        if (tide__loop_advance_fast(L)) {
            over = 1;
            break;
        }
        if (L->steps - checked_steps < TIDE_TURN_CHECK_STEPS &&
            L->iterations - checked_iters < TIDE_TURN_CHECK_ITERATIONS)
            continue;
        checked_steps = L->steps;
        checked_iters = L->iterations;
        if (tide__host_now(L) - L->host.slice_start >= L->turn_budget) {
            request_turn(L, TURN_MACRO);
            break;
        }
    }
    L->host.in_turn = 0;
    if (over) {
        if (L->host.timer_at >= 0) {
            tide_js_cancel_timer(L);
            L->host.timer_at = -1;
        }
        L->host.idle = 0;
        tide__jsapi_run_end(L); /* may destroy L */
        return;
    }
    L->host.idle = !L->host.scheduled;
    tide__loop_set_running(L, 0);
    tide__jsapi_turn_end(L);
}

void tide__host_ran_inline(tide_loop *L)
{
    (void)L;
    tide_js_ran_inline();
}

void tide__host_exit(int status)
{
    tide_js_exit(status);
}

void tide__host_loop_destroy(tide_loop *L)
{
    (void)L; /* a run's trace buffer goes when the run ends */
}
