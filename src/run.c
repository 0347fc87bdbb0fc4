/*
 * run.c - the phases of a run, like asyncio.run(): the main task runs; when
 * it ends, leftover tasks are cancelled and awaited (their failures go to
 * the exception handler); then the run is over. The blocking hosts' driver
 * lives here too (the guest host drives the same phases from JS turns:
 * src/host/emscripten.c), and tide_main.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tide_loop_run(tide_loop *L, tide_fn fn, const void *frame,
                  size_t frame_size, tide_task **main_out)
{
    if (main_out)
        *main_out = NULL;
    if (!L)
        return TIDE__NULL_ARG("loop");
    if (!fn || !frame || frame_size < sizeof(tide_frame))
        return tide__spawn_refused(__func__, fn, frame, frame_size);
    if (tide_running_loop())
        return TIDE_ERUNNING;
    /* The run makes this thread the loop's owner: claim it first, so that
     * a run under way on another thread is refused without a race. */
    void *me = tide__thread_id(), *none = NULL;
    if (!__atomic_compare_exchange_n(&L->runner, &none, me, 0,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return TIDE_EBUSY; /* (no loop runs on this thread: no detail) */
    __atomic_store_n(&L->owner, me, __ATOMIC_RELAXED);
    L->stack_floor = tide__stack_floor(); /* this thread's stack */
    tide_task *m;
    int rc = tide_loop_spawn(L, fn, frame, frame_size, NULL, &m);
    if (rc < 0) {
        __atomic_store_n(&L->runner, NULL, __ATOMIC_RELEASE);
        return rc;
    }
    tide_task_release(L->main); /* the previous run's, if any */
    L->main = m;
    L->main_err = 0;
    L->flags = TIDE__L_RUNNING;
    if (main_out)
        *main_out = tide_task_retain(m);
    return tide__host_drive(L);
}

int tide_loop_stop(tide_loop *L)
{
    if (!L)
        return tide__fail(__func__, TIDE_ESTATE, "loop is NULL");
    if (tide__foreign(L))
        return tide__fail_thread(__func__);
    if (!(L->flags & TIDE__L_RUNNING))
        return tide__fail(__func__, TIDE_ESTATE, "the loop is not running");
    L->flags |= TIDE__L_STOP;
    return 0;
}

int tide__loop_advance(tide_loop *L)
{
    if (L->flags & TIDE__L_STOP)
        return 1;
    if (!(L->flags & TIDE__L_SHUTDOWN)) {
        if (!(L->main->flags & TIDE__T_DONE))
            return 0;
        L->flags |= TIDE__L_SHUTDOWN;
        if (L->debug)
            tide__debug_leftovers(L);
    }
    tide__cancel_leftovers(L);
    return L->ntasks == 0;
}

void tide__leftover_finished(tide_task *t, int status)
{
    if (status < 0 && status != TIDE_ECANCELLED)
        tide__report(t->loop, "task failed while cancelled at shutdown",
                     status, t->msg, t);
}

int tide__loop_deadlock(tide_loop *L)
{
    if (L->flags & TIDE__L_DEADLOCK)
        return 1; /* the cancellations did not unstick them either */
    L->flags |= TIDE__L_DEADLOCK;
    tide__debug_deadlock(L);
    L->flags |= TIDE__L_SHUTDOWN;
    tide__cancel_leftovers(L);
    return 0;
}

/* The run's outcome, computed once it is over. */
static int run_result(tide_loop *L)
{
    if (L->flags & TIDE__L_DEADLOCK)
        return TIDE_EDEADLOCK;
    if (L->flags & TIDE__L_STOP)
        return TIDE_ESTOPPED;
    return L->main_err;
}

int tide__loop_end_run(tide_loop *L)
{
    int rc = run_result(L);
    L->main->flags |= TIDE__T_RETRIEVED; /* its outcome is the run's */
    if (L->debug)
        tide__debug_exit(L);
    L->flags &= ~(unsigned)TIDE__L_RUNNING;
    L->flags |= TIDE__L_FINISHED;
    tide__loop_set_running(L, 0);
    __atomic_store_n(&L->runner, NULL, __ATOMIC_RELEASE);
    if (L->on_exit)
        L->on_exit(L, L->main, rc, L->on_exit_arg); /* may destroy L */
    return rc;
}

int tide__virtual_grace(tide_loop *L)
{
    /* Virtual time jumps only when nothing else can happen: while the host
     * has work under way (a thread, a fetch), it first gets this much real
     * time to finish, once per quiet spell (Trio's autojump threshold). */
    if (!L->host_pending || L->grace_steps == L->steps)
        return 0;
    L->grace_steps = L->steps;
    return 1;
}

/* At most TIDE_DRIVE_BATCH passes of the blocking driver; returns 1 once
 * the run is over. The driver calls it again and again rather than loop
 * in one call: V8 has no on-stack replacement for wasm, so a function
 * entered once keeps its baseline (Liftoff) code for the whole run, and
 * the driver's passes were a tenth of a task switch's cost. */
static TIDE__NOINLINE int run_passes(tide_loop *L)
{
    for (int n = 0; n < TIDE_DRIVE_BATCH; n++) {
        TIDE__THREADS_POLL(L); /* what other threads delivered meanwhile */
        int64_t timeout = L->ready_head ? 0 : tide__loop_timeout(L);
        if (timeout < 0 && L->host_pending) {
            /* host work (a thread, a watched fd) will wake us */
            tide__host_wait(L, -1);
            timeout = 0;
        } else if (timeout == 0 && L->io.n) {
            /* work is ready, and streams wait for fds: look at them
             * without waiting, as asyncio polls its selector every turn */
            tide__host_wait(L, 0);
        }
        if (timeout < 0) {
            if (tide__loop_deadlock(L))
                return 1;
            continue;
        }
        if (timeout > 0) {
            if (!L->virtual_clock)
                tide__host_wait(L, timeout);
            else if (tide__virtual_grace(L))
                tide__host_wait(L, TIDE_VIRTUAL_GRACE_NS);
            else
                L->now = tide__timers_next(L);
        }
        tide__loop_iterate(L);
        if (tide__loop_advance_fast(L))
            return 1;
    }
    return 0;
}

int tide__run_blocking(tide_loop *L)
{
    tide__loop_set_running(L, 1);
    /* Two call sites on purpose: wasm-opt (which clang runs at link when
     * it is installed) inlines a function called from one place only,
     * which would put the hot loop back in here, in baseline code. */
    if (!run_passes(L))
        while (!run_passes(L))
            ;
    return tide__loop_end_run(L);
}

/* ---- tide_main --------------------------------------------------------- */

static void main_exit(tide_loop *L, tide_task *main, int err, void *arg)
{
    int *exited = arg; /* NULL on the guest host: tide_main has returned */
    if (exited)
        *exited = 1;
    if (err < 0) {
        const char *msg = main ? tide_task_message(main) : NULL;
        fprintf(stderr, "tide: main task failed: %s%s%s\n", tide_strerror(err),
                msg ? ": " : "", msg ? msg : "");
        /* debug mode: a TIDE_EGROUP's errors one a line, nested ones too */
        if (main && tide_loop_debug(L) && tide_task_egroup(main))
            tide__story_print(main->msg);
    }
    tide__trace_fd_stop(L);
    tide_loop_destroy(L);
    tide__host_exit(err < 0 ? 1 : 0);
}

int tide_main(tide_fn fn, const void *frame, size_t frame_size)
{
    /* said here: with no loop running yet, the run's refusal keeps no
     * detail to say it with */
    char buf[128];
    const char *why = tide__spawn_args_why(fn, frame, frame_size, buf,
                                           sizeof buf);
    if (why) {
        fprintf(stderr, "tide: tide_main: %s\n", why);
        return 1;
    }
    tide_loop *L;
    int rc = tide_loop_create(NULL, NULL, &L);
    if (rc < 0) {
        fprintf(stderr, "tide: %s\n", tide_strerror(rc));
        return 1;
    }
    const char *clock = getenv("TIDE_CLOCK");
    if (clock && strcmp(clock, "virtual") == 0)
        tide_loop_set_virtual_clock(L, 1);
    tide__trace_fd_start(L);
    int exited = 0;
    tide_loop_set_exit_handler(L, main_exit, &exited);
    rc = tide_loop_run(L, fn, frame, frame_size, NULL);
    if (rc == TIDE_EINPROGRESS) {
        tide_loop_set_exit_handler(L, main_exit, NULL); /* `exited` dies with us */
        return 0;
    }
    if (!exited) { /* the run never started */
        fprintf(stderr, "tide: %s\n", tide_strerror(rc));
        tide__trace_fd_stop(L);
        tide_loop_destroy(L);
    }
    return rc < 0 ? 1 : 0;
}
