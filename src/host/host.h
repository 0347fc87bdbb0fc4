/*
 * host.h - the contract between the core (the files of src/) and a host:
 * everything a host implements, what it must do, and on which hosts it
 * does anything. The core never asks which host it is built for;
 * src/host/select.c picks one host per build and compiles its files into
 * one object.
 *
 * The hosts and their files:
 *   native      posix.c (clock_gettime, poll, the wakeup pipe, fds),
 *               threads_pthread.c (to_thread on a pool of pthreads),
 *               calls_none.c (no JS: host calls and HTTP refused)
 *   WASI        wasi.c (clock_time_get, poll_oneoff, fds), wasi_stop.c (the
 *               export a runner calls to cancel main), threads_none.c
 *               (to_thread inline), calls_none.c
 *   Emscripten  emscripten.c (the loop as a guest of the JS event loop,
 *               + emscripten.js), emscripten_jsapi.c (what the JS API of
 *               web/package/tide.mjs asks of a run: trace, cancel, dump,
 *               outcome), calls_js.c (+ calls.js: JS calls and fetch),
 *               fd_none.c (no fds to wait for: streams refused);
 *               with -pthread threads_pthread.c + threads_emscripten.c
 *               (to_thread on Web Workers), else threads_none.c
 * Blocking hosts (native, WASI) own the thread: the core's driver (run.c,
 * tide__run_blocking) runs the loop and asks the host to wait between
 * iterations. The guest host (Emscripten) never blocks: JS calls it for
 * turns, and it runs iterations until it must give the thread back.
 *
 * internal.h includes this file where the loop's structure needs the
 * host's types; a host file includes internal.h.
 */
#ifndef TIDE_HOST_H
#define TIDE_HOST_H

/* ---- the clock -------------------------------------------------------- */

/* The loop's real clock, ns, monotonic: every host hands its raw reading
 * to tide__clock_reading (internal.h), which also covers a failed read.
 * L may be NULL (tide_time outside a loop). */
int64_t tide__host_now(tide_loop *L);

/* ---- the C stack ------------------------------------------------------- */

/* Sets *end to the lowest address the calling thread's C stack may grow
 * down to and returns 1 on hosts where running past it is not a clean
 * crash (wasm: it overwrites static data, or traps); returns 0 where a
 * guard page ends it. TIDE_AWAIT_CALL keeps a margin above *end, so that a
 * deep chain of sub-coroutines fails with TIDE_ESTATE instead. */
int tide__host_stack_end(uintptr_t *end);

/* ---- driving the loop -------------------------------------------------- */

/* tide_loop_run has made main: drive the run. Blocking hosts call
 * tide__run_blocking (run.c) and return the run's result; the guest host
 * asks JS for a first turn and returns TIDE_EINPROGRESS. */
int tide__host_drive(tide_loop *L);
/* Blocking hosts: sleep until a host event or until `timeout` ns pass
 * (timeout < 0: until a host event; only while L->host_pending > 0, so
 * only where a thread or a watched fd can end the wait; timeout 0: only
 * look, as the driver does on iterations with work ready while fds are
 * watched). A watched fd found ready is a host event: tide__io_fire.
 * Native also takes in what other threads delivered
 * (tide__host_threads_poll). The guest host never gets this call. */
void tide__host_wait(tide_loop *L, int64_t timeout);
/* New ready work while the loop may be idle between turns: the guest host
 * asks JS for a turn; blocking hosts do nothing (their driver owns the
 * thread). The core calls it through tide__wakeup (internal.h), which
 * tests L->host.idle first. */
void tide__host_wakeup(tide_loop *L);
/* A tide_main program ended with this process exit status: the guest host
 * tells JS (main() has long returned); elsewhere tide_main returns it. */
void tide__host_exit(int status);
/* A to_thread call ran inline on the loop's thread (a host without
 * threads): the guest host tells the JS API, which says so once a run;
 * elsewhere nothing (debug mode reports it in the core). */
void tide__host_ran_inline(tide_loop *L);
/* tide_loop_destroy, once its tasks and threads are gone: let go of what
 * the host holds for L (native: the wakeup pipe). */
void tide__host_loop_destroy(tide_loop *L);

/* What a host keeps per loop (only the guest host keeps anything). */
struct tide__embed_trace; /* a traced run's buffer (emscripten_jsapi.c) */
typedef struct tide__host_state {
    int idle;            /* between turns, no turn requested: wake the host */
    int in_turn;         /* inside a turn */
    int scheduled;       /* a turn is requested (0 none, 1 micro, 2 macro) */
    int64_t timer_at;    /* deadline of the armed host timer, -1 if none */
    int64_t slice_start; /* start of the run of turns without a macrotask */
    /* The JS API's view of the run under way (emscripten_jsapi.c); the
     * list of all runs of the instance is kept on the JS side. */
    uint32_t run_id;          /* 1, 2, ... in the order runs start */
    tide_trace_fn prev_trace; /* the program's own tracer, still called */
    void *prev_arg;
    struct tide__embed_trace *trace; /* NULL: this run is not traced */
} tide__host_state;

/* ---- threads: to_thread and call_soon_threadsafe ----------------------
 *
 * The core (thread.c) owns a to_thread call, a *job*: what the await
 * means, when the job is freed, who gets an outcome nobody waits for. The
 * host's thread part runs job->fn somewhere and hands the job back:
 *   - with threads (threads_pthread.c): on a pool of threads; a finished
 *     job comes back through an inbox the loop empties on its own thread
 *     (tide__host_threads_poll), which calls tide__job_arrived;
 *   - without (threads_none.c): it declines, and the core runs fn inline
 *     and completes the job one iteration on, from the ready queue.
 * The host also implements tide_to_thread_is_inline and
 * tide_loop_thread_count (tide.h). */

enum {
    TIDE__JOB_QUEUED,  /* waiting for a thread */
    TIDE__JOB_RUNNING, /* a thread runs fn */
    TIDE__JOB_DONE,    /* fn returned */
    TIDE__JOB_NEVER    /* dropped before any thread took it: fn never runs */
};

/* An entry of a cross-thread inbox (threads_pthread.c): a finished job or
 * a call_soon_threadsafe callback, told apart by kind. */
typedef struct tide__xnode {
    struct tide__xnode *next;
    int kind;
} tide__xnode;

typedef struct tide__job {
    /* the host's */
    tide__xnode x;                 /* in the inbox once fn has returned */
    struct tide__job *qnext;       /* in the queue of jobs for a thread */
    /* the core's */
    tide__runnable run;            /* inline hosts: completion via ready */
    struct tide__job *prev, *next; /* in L->xthread.jobs */
    tide_loop *loop;
    tide_task *task;               /* the awaiting task; NULL once given up */
    tide_thread_fn fn;
    tide_thread_abandon_fn abandon;
    void *arg;
    /* written by whoever runs fn */
    void *result;
    int status;
    int state;     /* TIDE__JOB_*; under the host's lock while a thread may
                      look (tide__host_job_state reads it safely) */
    int threaded;  /* counted in L->host_pending until taken in */
    int delivered; /* its task was woken with the outcome */
    /* tide_callback_fail in fn: the message (malloc'd, made on fn's
     * thread) for the await's error, if fn returns `fail_err` */
    char *fail_text;
    int fail_err;
} tide__job;

struct tide__hub; /* what other threads share with a loop (pool.h) */
typedef struct tide__xthread {
    /* threads_pthread.c: what other threads share with the loop, created
     * by the first cross-thread use; other threads read the pointer, so it
     * is accessed with __atomic builtins. NULL on hosts without threads. */
    struct tide__hub *hub;
    tide__job *jobs;      /* thread.c: every to_thread call not yet freed */
    int wake_rd, wake_wr; /* posix.c: the wakeup pipe, fd + 1 (0: none) */
} tide__xthread;

/* tide__host_job_submit's answer on a host without threads. */
#define TIDE__JOB_INLINE 1
/* Start running j->fn(j->arg) on another thread, for the current task t.
 * 0: j is queued (j->state TIDE__JOB_QUEUED) and comes back through
 * tide__job_arrived once fn returned; TIDE__JOB_INLINE: no threads here,
 * the core runs fn itself; or an error (TIDE_ENOMEM; TIDE_EHOST with a
 * message set on t: no thread could be started and none exists). */
int tide__host_job_submit(tide_loop *L, tide_task *t, tide__job *j);
/* The task gave a submitted job up: if no thread has taken it, take it out
 * of the queue, mark it TIDE__JOB_NEVER and return 1 (fn never runs);
 * else 0. On Emscripten the loop's thread may take in finished jobs while
 * it waits for the host's lock: the caller looks at its task again. */
int tide__host_job_withdraw(tide_loop *L, tide__job *j);
/* j->state, read under the host's lock (a thread may be changing it). */
int tide__host_job_state(tide_loop *L, const tide__job *j);
/* call_soon_threadsafe from anywhere but a run of L on this thread: queue
 * cb(arg) for L's thread and wake it. 0, TIDE_ENOMEM, TIDE_EHOST; or 1 on
 * a host without threads (no other thread exists: the caller schedules it
 * as tide_call_soon would). */
int tide__host_post(tide_loop *L, tide_callback cb, void *arg);
/* Loop thread: take in what other threads delivered (finished jobs,
 * callbacks). Cheap when there is nothing. */
void tide__host_threads_poll(tide_loop *L);
/* The same for a driver's every pass: one relaxed load, and a call only
 * for a loop that other threads ever dealt with. */
#define TIDE__THREADS_POLL(L)                                                  \
    do {                                                                       \
        if (__atomic_load_n(&(L)->xthread.hub, __ATOMIC_RELAXED))              \
            tide__host_threads_poll(L);                                        \
    } while (0)
/* Whether anything waits to be taken in by tide__host_threads_poll. */
int tide__host_threads_arrived(tide_loop *L);
/* tide_loop_destroy, after the tasks are freed (tide__threads_destroy,
 * thread.c): `stop` ends the threads (natively it waits for functions
 * still running; on Emscripten they leave the loop, to be abandoned when
 * they return) and frees callbacks never run; the core then abandons the
 * jobs left; `free` lets go of the shared state. */
void tide__host_threads_stop(tide_loop *L);
void tide__host_threads_free(tide_loop *L);

/* ---- file descriptors: what streams read and write (io.c) -------------
 * posix.c (poll), wasi.c (poll_oneoff), fd_none.c on Emscripten (every
 * open refused with TIDE_ENOTSUP). tide__host_wait also polls the fds of
 * L->io.watched and calls tide__io_fire for each one ready or failing;
 * the blocking driver calls it with timeout 0 on iterations with ready
 * work, as asyncio's selector is polled on every iteration. */

/* Look at io->fd before a stream uses it for `events` (TIDE__IO_READ or
 * TIDE__IO_WRITE): set io->kind (TIDE__FD_POLLED, or TIDE__FD_ALWAYS for
 * a file that never makes anyone wait) and io->nonblock; or fail:
 * TIDE_EINVAL (not open, a directory), TIDE_ENOTSUP (this host, or this
 * runtime, cannot wait for the fd), each with its detail (tide__fail),
 * named after `fn`, the public call. */
int tide__host_fd_open(tide__io *io, int events, const char *fn);
/* What a read or write returns when the fd is not ready after all. */
#define TIDE__IO_AGAIN (-999)
/* One read or write that never blocks, of at most n bytes: the bytes
 * moved (0 from a read: end of file), TIDE__IO_AGAIN, or TIDE_EPIPE /
 * TIDE_EIO with the system's text in why ("Broken pipe"). */
ptrdiff_t tide__host_fd_read(tide__io *io, void *buf, size_t n, char *why,
                             size_t whyn);
ptrdiff_t tide__host_fd_write(tide__io *io, const void *buf, size_t n,
                              char *why, size_t whyn);
/* Close the fd (TIDE_STREAM_CLOSE_FD); errors are not reported. */
void tide__host_fd_close(int fd);
/* The bytes of L->io.scratch a wait needs to poll n watched fds (and
 * whatever else the host waits for): io.c keeps that much. */
size_t tide__host_io_room(uint32_t n);

/* ---- host operations: JS calls and fetch (src/hostcall.h) -------------
 * calls_js.c on Emscripten; calls_none.c elsewhere, where every start
 * fails with TIDE_ENOTSUP and a message saying what to use. The host also
 * implements tide_http_is_supported (tide.h). */
typedef struct tide__hostop tide__hostop;
/* Start the operation. 0: it runs and will be settled later
 * (tide__hostop_settle); a negative error: it failed at once (message, if
 * any, in op->text). */
int tide__host_call_start(tide__hostop *op, const char *name,
                          const char *arg_json);
int tide__host_http_start(tide__hostop *op, const tide_http_request *req);
/* The task stopped waiting (cancelled, or its loop is being destroyed):
 * abort the host side and never settle `op`. `reason` may be NULL. */
void tide__host_op_abort(tide__hostop *op, const char *reason);

#endif
