/*
 * tide.h - Python's asyncio, in C, for WebAssembly and native hosts.
 *
 * The one public header. Everything a program needs is here; every name
 * starts with tide_ / TIDE_ (internals use tide__ and are not API).
 *
 * ---------------------------------------------------------------------------
 * The model in one page
 * ---------------------------------------------------------------------------
 * A *loop* runs *tasks*. A task is a stackless coroutine: a C function plus a
 * heap *frame* (a struct you declare) that holds every local living across an
 * await. A task is one allocation: a small header followed by your frame.
 *
 *     struct worker { TIDE_FRAME; const char *name; double delay; };
 *
 *     static tide_status worker(void *frame)
 *     {
 *         struct worker *w = frame;
 *         TIDE_BEGIN(w);
 *         printf("%s started\n", w->name);
 *         TIDE_AWAIT(w, tide_sleep(w->delay));   // suspends; errors propagate
 *         printf("%s finished\n", w->name);
 *         TIDE_RETURN(w, (void *)w->name);
 *         TIDE_END(w);
 *     }
 *
 * Spawn it with an initial frame (copied into the task) and a name:
 *
 *     tide_task *t;
 *     TIDE_TRY(m, TIDE_SPAWN(worker, "worker-A", &t, .name = "A", .delay = 3));
 *
 * TIDE_SPAWN(fn, name, out, fields...) needs the frame struct to be named
 * like the function (`struct worker` for `worker`); tide_spawn() is the
 * general form.
 *
 * Rules of the coroutine macros (read them once). Coroutines are C (C11;
 * C99 works): C++ can call the API but not hold the macros, which jump
 * over initialised locals.
 *  1. A coroutine is `tide_status fn(void *frame)`. Its body sits between
 *     TIDE_BEGIN(f) and TIDE_END(f); `f` is a pointer to a frame struct whose
 *     first member is TIDE_FRAME.
 *  2. Locals do not survive an await: keep anything needed after one in the
 *     frame. Out-parameters of awaited calls must point into the frame, and
 *     so must pointers handed to what runs later (a spawned task's frame
 *     fields, a callback's argument): it runs after this step has returned.
 *  3. The macros use a `switch`: do not await inside a `switch` of your own
 *     (an `if`/`for`/`while` is fine). tide-lint flags it; at run time the
 *     task fails with TIDE_ESTATE where it would resume there.
 *  4. An awaited error propagates like an exception: the coroutine jumps to
 *     its TIDE_FINALLY section (if it has one), runs it, and finishes with
 *     the error. Writing nothing means "re-raise" - exactly what asyncio's
 *     "always re-raise CancelledError" asks for.
 *  5. Catching is explicit: TIDE_AWAIT_CATCH(f, call, rc) stores the error
 *     in `rc` instead of propagating (the C form of `except ...:`). In a
 *     FINALLY section, TIDE_ERROR(f) is the error being propagated (0 if
 *     none); TIDE_RETURN there swallows it (`except: return value`).
 *     To re-raise, TIDE_THROW(f, rc) with the code you caught (Python's bare
 *     `raise`): the error goes on with its message and, for TIDE_EGROUP,
 *     its children's errors. The frame keeps what it caught last until it
 *     raises or ends, across other awaits; in FINALLY, TIDE_THROW(f,
 *     TIDE_ERROR(f)) re-raises the error being propagated. (Inside a FINALLY
 *     entered with an error, a caught error's message lasts until the next
 *     await.) TIDE_THROW_MSG gives a new message; TIDE_TRY never re-raises.
 *  6. An error raised inside FINALLY (by an await or TIDE_THROW) replaces the
 *     pending one and ends the coroutine, as in Python.
 *  7. A sub-coroutine is awaited inline with TIDE_AWAIT_CALL(f, fn, sub):
 *     `sub` points to its frame, a member of the caller's frame (so that it
 *     lives as long as the call), set before the call - in one statement:
 *         TIDE_AWAIT_CALL_INIT(f, fetch, &f->fetch, .url = u);
 *     It runs in the caller's task; its TIDE_RETURN value is `sub`'s
 *     TIDE_RESULT(). Not a compound literal nor a local variable: those are
 *     made anew each time the caller resumes, and the sub-coroutine would
 *     start over (a frame found not suspended on resume - what a compound
 *     literal gives - fails with TIDE_ESTATE instead, naming file and line;
 *     a local's leftover bytes cannot be told from a frame).
 *     Calls nest at most TIDE_MAX_CALL_DEPTH deep (src/config.h, 1000, like
 *     Python's recursion limit); a deeper one fails with TIDE_ESTATE. On
 *     wasm, where nothing guards the end of the C stack (WASI's is 64 KiB
 *     by default), so does one that would leave less than
 *     TIDE_CALL_STACK_MARGIN (16 KiB) of it: big C frames reach that first.
 *  8. `async with x: body` is TIDE_WITH(f, scope) { body } (a lock, a
 *     semaphore, a condition, a timeout, a task group: "async with" below);
 *     the scope is left however the block ends. `break` and `continue`
 *     directly in the block leave the block, not a loop around it.
 *     `try: async with x: body` + `except:` is TIDE_WITH_CATCH(f, scope,
 *     rc) { body }: the block's outcome goes to `rc`, as with
 *     TIDE_AWAIT_CATCH.
 *
 * Awaitable calls (tide_sleep, tide_join, tide_gather, ...) register the
 * current task as a waiter and return a tide_await, which only TIDE_AWAIT*
 * accept: the macro suspends the task and reads the outcome when it is
 * resumed. The compiler refuses an awaitable anywhere else (TIDE_TRY, an
 * int, a comparison) and warns about one whose result is dropped.
 * tide-lint checks the rules above that a compiler cannot, on clang's AST,
 * with file and line (`make lint`, `npx tide-lint file.c`; README "The
 * coroutine rules, checked").
 * What slips past both (a cast, another language) is caught at run time,
 * always, not only in debug mode: an awaitable called while the task is
 * already registered as a waiter, or a step that ends while it is still
 * registered, undoes that registration (no lost wake-up, item or timer) and
 * fails the task with TIDE_ESTATE and a message naming the call, reported
 * at once to the loop's exception handler ("coroutine misuse").
 *
 * Names: one scheme for every object (loop, task, lock, queue, ...):
 *   tide_<object>_<verb>(obj, ...)       an action: tide_lock_acquire,
 *                                        tide_queue_put, tide_task_cancel
 *   tide_<object>_create(..., &out)      makes one; tide_<object>_destroy
 *                                        frees it (tasks and handles are
 *                                        shared: _retain / _release)
 *   out-parameters come last, always     tide_loop_create(alloc, ud, &loop),
 *                                        TIDE_SPAWN(fn, name, &t, fields...);
 *                                        a buffer and its size count as one,
 *                                        as in snprintf: tide_loop_dump(loop,
 *                                        buf, n)
 *   tide_<object>_is_<state>(obj)        a predicate, 0 or 1:
 *                                        tide_task_is_done, tide_lock_is_locked
 *   tide_<object>_<thing>_count(obj)     how many: tide_lock_waiter_count,
 *                                        tide_loop_task_count
 *   tide_<object>_<property>(obj)        a value: tide_task_name,
 *                                        tide_sem_value, tide_queue_size
 *   tide_<object>_set_<property>(obj, v) its setter; handlers are
 *                                        tide_loop_set_<event>_handler(loop,
 *                                        fn, arg)
 *   tide_<object>_scope(obj, ...)        what TIDE_WITH enters (`async
 *                                        with obj:`): tide_lock_scope,
 *                                        tide_timeout_scope
 * Calls that can fail return int (0 or a TIDE_E* code); awaitables return
 * tide_await. asyncio's module-level functions keep their asyncio names:
 * tide_sleep, tide_gather, tide_wait_for, tide_shield, tide_current_task.
 *
 * Ownership: functions say who owns what. Handles returned through `out`
 * parameters are owned by the caller and released with the paired function;
 * destroy/release(NULL) is a no-op. A task runs to completion whether or not
 * anybody still holds its handle. Destroying an object twice, or using it
 * after its destroy, is undefined, as free() twice is: a pointer cannot
 * say that its object is gone (set it to NULL). Releasing a pending task
 * or handle once more than it was retained is caught (see
 * tide_task_release). What outlives its loop: the objects a program makes
 * on it - primitives, queues, streams, timeouts, task groups - may be
 * destroyed after tide_loop_destroy; task handles and callback handles
 * may not (the loop's destroy frees them).
 *
 * Threads: a loop belongs to one thread, its owner: the thread that created
 * it, until a tide_loop_run() from another thread makes that one the owner
 * (a loop may be set up on one thread and run on another; the owner then
 * also destroys it). A call on a loop, or on anything of a loop (a task, a
 * lock, a queue, ...), from any other thread fails with TIDE_ETHREAD and
 * changes nothing - except tide_call_soon_threadsafe(), the one way in from
 * other threads. Functions that return no error code (accessors such as
 * tide_lock_is_locked, and the release functions) must not be called from
 * other threads either; they cannot say so. Tide's only state outside a
 * loop is one thread-local pointer to the running loop (the same thing
 * asyncio keeps for get_running_loop()); it is what lets tide_sleep() and
 * friends find their loop without passing it around.
 */
#ifndef TIDE_H
#define TIDE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIDE_VERSION "0.1.0"

/*
 * This header and the library share some layouts: the frame the macros
 * write, the heads of the loop and the task that the inline yield and the
 * resume points read, and the protocol values between them. A program
 * compiled with one tide.h and linked with a libtide.a of another layout
 * would read the wrong fields, silently. So every object that includes
 * tide.h refers to a symbol named after TIDE_ABI, which only a library of
 * the same layout defines: such a program fails to link, with "undefined
 * reference to tide_abi_<N>_header_and_library_must_match" (rebuild both
 * from one version). Raised whenever one of those layouts, or what the
 * macros expect of the library, changes (src/internal.h pins them). 2: the
 * inline entry test reads the step's mark in t->msg only. 3: a task's
 * message follows its ready-queue link. 4: TIDE_TRY clears the loop's
 * detail before its call (testing its code at the end of the loop's head)
 * and raises with it (adopt 3).
 */
#define TIDE_ABI 4
#define TIDE__ABI_SYMBOL_(n) tide_abi_##n##_header_and_library_must_match
#define TIDE__ABI_SYMBOL(n) TIDE__ABI_SYMBOL_(n)
extern const char TIDE__ABI_SYMBOL(TIDE_ABI);
#if defined(__GNUC__) || defined(__clang__)
/* One weak copy per program; `used` keeps it (and its reference) from
 * being dropped, by the compiler or by wasm-ld. */
extern const char *tide__abi_ref;
__attribute__((weak, used)) const char *tide__abi_ref =
    &TIDE__ABI_SYMBOL(TIDE_ABI);
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Every Tide error is a negative int from this one table. Codes at or below
 * TIDE_EUSER are free for programs (asyncio's "any other exception").
 *   X(name, value, python equivalent / meaning)
 */
#define TIDE_ERRORS(X)                                                         \
    X(ECANCELLED, -1, "cancelled")                                             \
    X(ETIMEDOUT, -2, "timed out")                                              \
    X(ENOMEM, -3, "out of memory")                                             \
    X(EINVAL, -4, "invalid argument")                                          \
    X(ESTATE, -5, "invalid state")                                             \
    X(ENOLOOP, -6, "no running loop on this thread")                           \
    X(ERUNNING, -7, "a loop is already running on this thread")                \
    X(ESELF, -8, "a task cannot await itself")                                 \
    X(EDEADLOCK, -9, "deadlock: tasks wait but nothing can wake them")         \
    X(ESTOPPED, -10, "loop stopped before the main task finished")             \
    X(EBUSY, -11, "the loop is running")                                       \
    X(EINPROGRESS, -12, "the loop runs on as a guest of the host event loop")  \
    X(ENOTSUP, -13, "not supported on this host")                              \
    X(EQUEUEFULL, -14, "queue full")                                           \
    X(EQUEUEEMPTY, -15, "queue empty")                                         \
    X(ESHUTDOWN, -16, "queue shut down")                                       \
    X(EBROKEN, -17, "broken barrier")                                          \
    X(ENOTLOCKED, -18, "lock is not acquired")                                 \
    X(EOVERFLOW, -19, "released or marked done too many times")                \
    X(EHOST, -20, "host call failed")                                          \
    X(EGROUP, -21, "a task group's children failed")                          \
    X(ETHREAD, -22, "called from a thread that does not own the loop")         \
    X(EINCOMPLETE, -23, "incomplete read: the stream ended first")             \
    X(ELIMIT, -24, "stream limit overrun")                                     \
    X(EPIPE, -25, "broken pipe")                                               \
    X(EIO, -26, "I/O error")

enum tide_error {
#define TIDE__ENUM(name, value, text) TIDE_##name = value,
    TIDE_ERRORS(TIDE__ENUM)
#undef TIDE__ENUM
    TIDE_EUSER = -1000 /* first code free for programs: TIDE_EUSER, -1001, ... */
};

/* A short English description of `err` ("cancelled"); "success" for 0,
 * "user error" for codes <= TIDE_EUSER, "unknown error" otherwise. Never NULL;
 * the string is static. */
const char *tide_strerror(int err);

/* The symbolic name of `err` ("TIDE_ECANCELLED"), or NULL if it has none. */
const char *tide_errname(int err);

/*
 * Where an error's message lives. An awaitable's error comes with its
 * message: TIDE_AWAIT raises it with the error, TIDE_AWAIT_CATCH leaves
 * it in tide_error_message(). A call that does not await returns its code
 * alone; when the code does not say it all (which argument is NULL, which
 * fd is not open, a NaN delay, a group that has exited, a call from the
 * wrong thread), the call leaves a *detail* for this thread, "function:
 * why" ("tide_reader_create: fd 0 is not open"). TIDE_TRY clears it
 * before its call and, when the call fails with the detail's code, raises
 * the error with the detail as its message. A program that checks the
 * code by hand reads it here, right after the call:
 *     rc = tide_call_later(loop, delay, cb, arg, NULL);
 *     if (rc < 0 && tide_error_detail(rc))
 *         fprintf(stderr, "%s\n", tide_error_detail(rc));
 * Returns the detail of the last call on this thread that failed with
 * `err` and left one; NULL if the last one that left a detail failed with
 * another code, or none did. The details live in the loop running on this
 * thread: with none running (before tide_loop_run, on another thread),
 * calls leave none, and this returns NULL. A failure that its code says
 * in full (TIDE_ENOMEM, TIDE_ENOLOOP, a full queue) leaves none, and does
 * not clear an earlier one: read it after the call it belongs to. The
 * text is valid until the next Tide call on this thread. Does not
 * suspend.
 */
const char *tide_error_detail(int err);

/* ------------------------------------------------------------------------ */
/* Handles                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct tide_loop tide_loop;     /* an event loop */
typedef struct tide_task tide_task;     /* a task: coroutine + frame */
typedef struct tide_handle tide_handle; /* a scheduled callback */

/* A coroutine returns TIDE__SUSPENDED or TIDE__YIELDED (via the macros), 0
 * when it finished successfully, or a negative error it finished with. */
typedef int tide_status;
typedef tide_status (*tide_fn)(void *frame);

/*
 * What an awaitable (tide_sleep, tide_join, tide_lock_acquire, ...)
 * returns: a struct, so that the compiler refuses it anywhere but in
 * TIDE_AWAIT / TIDE_AWAIT_CATCH, which unwrap it. `TIDE_TRY(f,
 * tide_sleep(1))`, `rc = tide_join(t, NULL)`, `if (tide_sleep(1) < 0)` do
 * not compile; a bare `tide_sleep(1);` warns. Its member is private to the
 * macros. (A struct of one int travels in a register, as the int would.)
 */
typedef struct tide_await {
    int tide__rc; /* 0, a negative error, TIDE_PENDING or TIDE__YIELDED */
} tide_await;

/* The return type of an awaitable, for declarations. */
#if defined(__GNUC__) || defined(__clang__)
#define TIDE_AWAITABLE __attribute__((warn_unused_result)) tide_await
#else
#define TIDE_AWAITABLE tide_await
#endif

/* A callback scheduled with tide_call_soon/later/at. A negative return is
 * reported to the loop's exception handler; the loop carries on. To fail
 * with a message as well, return tide_callback_fail(err, fmt, ...). */
typedef int (*tide_callback)(void *arg);

/*
 * Allocator: one function, Lua style. Called as fn(ud, ptr, old, new):
 * new == 0 frees ptr (returns NULL); otherwise (re)allocates and returns
 * NULL on failure, leaving ptr untouched. Every allocation Tide makes for a
 * loop goes through it, which is how out-of-memory paths are tested.
 */
typedef void *(*tide_alloc_fn)(void *ud, void *ptr, size_t old_size,
                               size_t new_size);

/* ------------------------------------------------------------------------ */
/* Loop                                                                      */
/* ------------------------------------------------------------------------ */

/* Creates a loop. `alloc` may be NULL (malloc/realloc/free). On success
 * *out owns the loop: destroy it with tide_loop_destroy().
 * Errors: TIDE_EINVAL (out is NULL), TIDE_ENOMEM. Does not suspend. */
int tide_loop_create(tide_alloc_fn alloc, void *alloc_ud, tide_loop **out);

/* Destroys a loop that is not running. Tasks still pending are reported to
 * the exception handler ("task was destroyed but it is pending") and freed,
 * with every task handle, handle and message the loop still owns - those
 * the program has not released too: releasing one after this is a use
 * after free. Scopes still open are left. The program's other objects
 * (primitives, queues, streams, timeouts, task groups) are detached, to
 * be destroyed by the program, before or after. NULL is a no-op.
 * Errors: TIDE_EBUSY if called while the loop runs (nothing is freed
 * then). Does not suspend. */
int tide_loop_destroy(tide_loop *loop);

/* Configuration: call before tide_loop_run(). Each returns 0, or TIDE_EINVAL
 * for a bad value, TIDE_EBUSY while the loop runs. Defaults live in
 * src/config.h. */

/* Virtual clock (default off): time starts at 0 and, whenever nothing is
 * ready, jumps straight to the next timer. Runs are instant and
 * deterministic; this is what tests and the docs page use. */
int tide_loop_set_virtual_clock(tide_loop *loop, int on);

/* Guest hosts (Emscripten): how long one turn may run before the loop yields
 * a macrotask so the page can render. Default 4 ms. */
int tide_loop_set_turn_budget(tide_loop *loop, double seconds);

/* Called when the loop's work is finished (main task done and leftover
 * tasks cancelled), outside any turn: the callback may destroy the loop.
 * On blocking hosts it runs just before tide_loop_run() returns. */
typedef void (*tide_exit_fn)(tide_loop *loop, tide_task *main, int err,
                             void *arg);
int tide_loop_set_exit_handler(tide_loop *loop, tide_exit_fn fn, void *arg);

/* Errors nobody can receive (a callback failed, a leftover task failed while
 * being cancelled at shutdown, a pending task destroyed) go to this handler.
 * `context` says what happened, `task` may be NULL, `message` may be NULL.
 * The default prints one line to stderr. fn NULL restores the default. */
typedef void (*tide_exception_fn)(tide_loop *loop, const char *context,
                                  int err, const char *message,
                                  tide_task *task, void *arg);
int tide_loop_set_exception_handler(tide_loop *loop, tide_exception_fn fn,
                                    void *arg);

/*
 * Runs `main` as the loop's main task (frame copied from `frame`,
 * `frame_size` bytes; its first member must be TIDE_FRAME), like
 * asyncio.run(): when main finishes, every task still pending is cancelled
 * and awaited, and its failures go to the exception handler.
 *
 * Blocking hosts (native, WASI): returns when all that is done, with main's
 * error (0 if it succeeded). If `main_out` is not NULL it receives a handle
 * on the main task (release it with tide_task_release) to read its result.
 * Guest host (Emscripten): starts the loop and returns TIDE_EINPROGRESS; the
 * host's event loop drives it and tide_loop_set_exit_handler() reports the end.
 *
 * The calling thread becomes the loop's owner (see Threads at the top).
 *
 * Errors: TIDE_EINVAL (fn NULL, frame_size too small, frame NULL),
 * TIDE_ERUNNING (a loop already runs on this thread), TIDE_EBUSY (this loop
 * already has a main task: a run is under way, on this thread or another
 * one), TIDE_ENOMEM, TIDE_EDEADLOCK (every task waits
 * and nothing - no ready task, timer or host work - can wake one; they are
 * cancelled and the run ends), TIDE_ESTOPPED (tide_loop_stop), or main's
 * own error. Does not suspend: it *is* the loop.
 */
int tide_loop_run(tide_loop *loop, tide_fn main, const void *frame,
                  size_t frame_size, tide_task **main_out);

/* Asks the running loop to return from tide_loop_run() after the current
 * iteration, leaving tasks pending (asyncio's loop.stop()). Errors:
 * TIDE_ESTATE if the loop is not running. Does not suspend. */
int tide_loop_stop(tide_loop *loop);

/* The loop's clock in seconds: monotonic real time, or virtual time. */
double tide_loop_time(const tide_loop *loop);

/* Iterations the loop has run (one per pass over its ready callbacks). */
uint64_t tide_loop_iteration_count(const tide_loop *loop);

/* Tasks created on this loop and not yet finished. */
size_t tide_loop_task_count(const tide_loop *loop);

/*
 * Tracing: fn is called for every task event, in order, from inside the
 * loop (it must not await; it may read the task with the accessors below).
 *   TIDE_TRACE_SPAWN    task created (status 0)
 *   TIDE_TRACE_RUN      a step of the task begins
 *   TIDE_TRACE_SUSPEND  the step ended waiting on `what` ("sleep", "lock",
 *                       "queue", "event", "task", "gather", ...; "yield"
 *                       for sleep(0))
 *   TIDE_TRACE_WAKE     what it waited on woke it, with `status`
 *   TIDE_TRACE_FINISH   it finished with `status` (0, or its error)
 * `what` is a static string or NULL. fn NULL stops tracing. Costs one
 * branch per event when off. Errors: TIDE_EINVAL.
 */
enum {
    TIDE_TRACE_SPAWN = 1,
    TIDE_TRACE_RUN = 2,
    TIDE_TRACE_SUSPEND = 3,
    TIDE_TRACE_WAKE = 4,
    TIDE_TRACE_FINISH = 5
};
typedef void (*tide_trace_fn)(tide_loop *loop, int event, tide_task *task,
                              const char *what, int status, void *arg);
int tide_loop_set_trace_handler(tide_loop *loop, tide_trace_fn fn, void *arg);

/*
 * Debug mode (asyncio's debug=True / PYTHONASYNCIODEBUG=1), off by default;
 * TIDE_DEBUG=1 in the environment switches it on for every loop created.
 * It reports, through the debug handler:
 *   TIDE_DEBUG_SLOW        a task step or callback ran longer than the
 *                          slow-callback duration (default 0.1 s)
 *   TIDE_DEBUG_UNRETRIEVED a failed task was freed without anyone reading
 *                          its error (name, error, message)
 *   TIDE_DEBUG_LEFTOVER    a task still running when main finished (it is
 *                          then cancelled), or still pending at exit
 *   TIDE_DEBUG_OPEN        a resource still in use when the run ends: a
 *                          lock held, tasks waiting on a queue or event
 *   TIDE_DEBUG_SWALLOWED   a task caught a cancellation and went on
 *                          awaiting without tide_task_uncancel (the classic
 *                          "swallowed CancelledError" hang)
 *   TIDE_DEBUG_BLOCKING    a blocking call ran on the loop (to_thread
 *                          running inline on a host without threads)
 * and, debug mode or not, TIDE_DEBUG_DEADLOCK: every task waits and nothing
 * can wake one; the report lists each task with what it waits on (the lock
 * and which task holds it, the queue, the awaited task) and a cycle of
 * tasks holding each other up, if any (a list too long for the report is
 * cut short: it then says how many tasks it left out and where the first
 * task's chain of waits ends), the run then ends with TIDE_EDEADLOCK
 * instead of hanging.
 * The default handler prints "tide: <text>" to stderr. Costs one branch
 * per step when off. Each setter returns 0 or TIDE_EINVAL.
 */
enum {
    TIDE_DEBUG_SLOW = 1,
    TIDE_DEBUG_UNRETRIEVED = 2,
    TIDE_DEBUG_LEFTOVER = 3,
    TIDE_DEBUG_OPEN = 4,
    TIDE_DEBUG_SWALLOWED = 5,
    TIDE_DEBUG_BLOCKING = 6,
    TIDE_DEBUG_DEADLOCK = 7
};
typedef void (*tide_debug_fn)(tide_loop *loop, int kind, const char *text,
                              tide_task *task, void *arg);
int tide_loop_set_debug(tide_loop *loop, int on);
int tide_loop_debug(const tide_loop *loop);
int tide_loop_set_slow_callback_duration(tide_loop *loop, double seconds);
/* fn NULL restores the default handler. */
int tide_loop_set_debug_handler(tide_loop *loop, tide_debug_fn fn, void *arg);

/*
 * Introspection: what every task is doing, for tools, the docs page and
 * reports. All of these only read; none suspends.
 */
/* Calls fn for each pending task in creation order; stops early if fn
 * returns non-zero (and returns that value). */
int tide_loop_walk(tide_loop *loop, int (*fn)(tide_task *t, void *arg),
                   void *arg);
/* A printable dump of the pending tasks, one line each ("Task-3 'fetch'
 * waiting on lock#1 held by Task-2 'main' for 1.500 s"), into buf (always
 * NUL-terminated when n > 0); returns the length it needed, like snprintf.*/
size_t tide_loop_dump(tide_loop *loop, char *buf, size_t n);
/* Loop statistics. */
uint64_t tide_loop_step_count(const tide_loop *loop);   /* task steps + callbacks */
size_t tide_loop_timer_count(const tide_loop *loop);    /* timers armed */

/* "new" (not started), "ready", "running", "waiting", "done",
 * "cancelled" or "failed". */
const char *tide_task_state(const tide_task *t);
/* What the task waits on ("sleep", "lock", "queue get", "task", ...), or
 * NULL if it is not waiting. */
const char *tide_task_awaiting(const tide_task *t);
/* The object it waits on, described ("lock#1 held by Task-2 'main'") into
 * buf like snprintf; returns the task holding it up (a lock's holder, an
 * awaited task) or NULL. */
tide_task *tide_task_describe_wait(tide_task *t, char *buf, size_t n);
/* Loop time at which it began waiting (meaningful while it waits). */
double tide_task_waiting_since(const tide_task *t);
/* Up to `max` tasks awaiting t (join, gather, wait, group, ...) into out;
 * returns how many there are. */
size_t tide_task_awaiters(tide_task *t, tide_task **out, size_t max);

/* The loop running on this thread, or NULL. */
tide_loop *tide_running_loop(void);

/* Time of the running loop (0 if none). */
double tide_time(void);

/*
 * Program entry for the examples and simple programs: creates a loop, runs
 * `main`, reports a failure of main on stderr and returns a process exit
 * status (0 ok, 1 failed; arguments a spawn refuses, such as a frame_size
 * smaller than a frame, are said on stderr too). The environment variable TIDE_CLOCK=virtual
 * selects the virtual clock. On the guest host it starts the loop and
 * returns 0; the process exit status is set when the loop finishes.
 * TIDE_TRACE_FD=N traces the run (tide_loop_set_trace_handler's events)
 * as text on the file descriptor N, opened by whoever starts the program
 * (`TIDE_TRACE_FD=3 ./prog 3>trace.txt`), one line per event:
 *     TIME EVENT TASK STATUS WHAT [NAME]
 * TIME loop time in seconds, EVENT spawn|run|suspend|wake|finish, TASK the
 * task's id, STATUS 0, an error's name (TIDE_ECANCELLED) or, for a code
 * without one (a program's own, TIDE_EUSER and below), its number (-1000),
 * WHAT what it waits on or "-", NAME (spawn only) the task's name, to the
 * line's end.
 * A bad N, or a descriptor that cannot be written, is reported on stderr
 * and the program runs untraced.
 */
int tide_main(tide_fn main, const void *frame, size_t frame_size);

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------ */

/* Schedule cb(arg) on `loop`: soon (next iteration, FIFO), after `delay`
 * seconds, or at loop time `when`. A negative delay means "due now"; NaN is
 * TIDE_EINVAL. A deadline past the clock's horizon (2^61 ns, about 73 years
 * of loop time; INFINITY too) is never reached: cb never runs and the
 * timer keeps nothing waiting (a loop with nothing else to do reports a
 * deadlock), as asyncio's timer there never comes due. If `out` is not NULL it receives a handle the caller owns
 * (tide_handle_release), usable to cancel. Errors: TIDE_EINVAL, TIDE_ENOMEM
 * (cb is then never called), TIDE_ETHREAD (from a thread that does not own
 * the loop: use tide_call_soon_threadsafe). Do not suspend. */
int tide_call_soon(tide_loop *loop, tide_callback cb, void *arg,
                   tide_handle **out);
int tide_call_later(tide_loop *loop, double delay, tide_callback cb,
                    void *arg, tide_handle **out);
int tide_call_at(tide_loop *loop, double when, tide_callback cb, void *arg,
                 tide_handle **out);

/*
 * Fails the callback running now with `err` and a message made like
 * printf's (Python's `raise ValueError(f"bad {x}")` in a callback):
 *     return tide_callback_fail(TIDE_EUSER, "bad value %d", x);
 * Returns `err`, for the callback to return; the exception handler then
 * gets that error with this message (as `message`; the last call's, if
 * several). For the callbacks of tide_call_soon, _later, _at and
 * tide_call_soon_threadsafe. Also:
 *  - in a done callback (tide_task_add_done_callback), which returns
 *    nothing: calling it is the failure, reported with the task
 *    ("exception in done callback");
 *  - in a to_thread function, on whichever thread it runs: the await
 *    fails with the error it returns and, if that is `err`, this message
 *    (tide_error_message), as a raise in asyncio.to_thread's function.
 * Anywhere else it only returns `err` and the message goes nowhere: in a
 * task (raise with TIDE_THROW_FMT there), with no loop running on this
 * thread, for `err` >= 0 (no failure), or if the callback returns
 * another value. Out of memory, the error is reported without its
 * message. Does not suspend.
 */
int tide_callback_fail(int err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Cancels a scheduled callback: it will never run. Returns 1 if it was
 * pending, 0 if it already ran or was cancelled, TIDE_ETHREAD from a thread
 * that does not own its loop. Either way (but the last) the handle counts
 * as cancelled afterwards, even if it ran: asyncio's handle.cancelled()
 * after handle.cancel(). */
int tide_handle_cancel(tide_handle *h);
int tide_handle_is_cancelled(const tide_handle *h);
/* Releases the caller's reference. NULL is a no-op. A second release of a
 * handle still pending is refused and reported to the exception handler
 * ("handle released too many times", TIDE_EOVERFLOW); once it has run or
 * been cancelled the first release freed it. tide_loop_destroy frees the
 * handles not released: release them before it, or not at all. */
void tide_handle_release(tide_handle *h);

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Creates a task on the running loop from `fn` and a copy of `frame_size`
 * bytes at `frame` (one allocation holds the task, the frame and the name).
 * It starts in the next iteration after the creator yields, in creation
 * order. `name` may be NULL ("Task-<n>"); it is copied.
 * If `out` is not NULL it receives a handle the caller owns and must release
 * with tide_task_release(); with NULL the task runs detached.
 * Errors: TIDE_EINVAL (fn NULL, frame NULL, frame_size < sizeof(tide_frame)),
 * TIDE_ENOLOOP, TIDE_ENOMEM (nothing was created). Does not suspend.
 */
int tide_spawn(tide_fn fn, const void *frame, size_t frame_size,
               const char *name, tide_task **out);
/* The same on a given loop, running or not (a task made before
 * tide_loop_run starts in its first iteration). */
int tide_loop_spawn(tide_loop *loop, tide_fn fn, const void *frame,
                    size_t frame_size, const char *name, tide_task **out);

/* Spawn with a compound-literal frame: the frame struct must be named like
 * the function. TIDE_SPAWN(worker, "w1", &t, .delay = 2) */
#define TIDE_SPAWN(fn, name, out, ...)                                         \
    tide_spawn((fn), &(struct fn){.tide__frame = TIDE__FRAME_INIT, __VA_ARGS__}, \
               sizeof(struct fn), (name), (out))

/* Adds a reference (returns t); each is dropped by tide_task_release. */
tide_task *tide_task_retain(tide_task *t);
/* Drops the caller's reference. A pending task keeps running; the task is
 * freed once it is finished and unreferenced. NULL is a no-op. A pending
 * task released more times than it was retained (its handle released
 * twice) is not freed under its loop: the release is refused and reported
 * to the exception handler ("task handle released too many times",
 * TIDE_EOVERFLOW). For a finished task the handle is gone with its last
 * release, as memory after free(): a release after that one is refused
 * and reported the same way as long as no spawn has reused the task's
 * memory (the loop keeps freed tasks for its next spawns); after that it
 * is undefined. tide_loop_destroy frees every task handle: release them
 * before it, or not at all. */
void tide_task_release(tide_task *t);

/* The task running now, or NULL outside any task. */
tide_task *tide_current_task(void);

/* The task's name: the one given at spawn or by tide_task_set_name, else
 * "Task-<n>". The string is owned by the task: valid until the task is
 * renamed or freed. Returns NULL only if a default name could not be
 * allocated. */
const char *tide_task_name(tide_task *t);
/* Renames the task (asyncio's Task.set_name), pending or done: `name` is
 * copied, any length; NULL gives back the default, "Task-<n>". Reports,
 * dumps and errors made from then on use the new name; a trace names a
 * task once, at its spawn, with the name it had then. The string an
 * earlier tide_task_name returned is freed. Errors: TIDE_EINVAL (t NULL),
 * TIDE_ENOMEM (the name is left as it was), TIDE_ETHREAD. Does not
 * suspend. */
int tide_task_set_name(tide_task *t, const char *name);
/* The task's number n (1, 2, ... per loop, in creation order). */
uint32_t tide_task_id(const tide_task *t);

int tide_task_is_done(const tide_task *t);      /* finished in any way */
int tide_task_is_cancelled(const tide_task *t); /* finished with ECANCELLED */

/* The task's outcome. Returns TIDE_ESTATE while it is pending, its error if
 * it failed (TIDE_ECANCELLED if cancelled), else 0 and stores the value it
 * returned with TIDE_RETURN in *value (if value is not NULL). A failed
 * task's message is the detail of its error (tide_error_detail): so
 * TIDE_TRY(f, tide_task_result(t, &v)) re-raises the task's error with
 * its message (and a TIDE_EGROUP's story), as asyncio's task.result()
 * re-raises the task's exception. Also TIDE_EINVAL (t NULL),
 * TIDE_ETHREAD. */
int tide_task_result(const tide_task *t, void **value);
/* The value it returned with TIDE_RETURN (task.result() for a task known
 * to have succeeded): NULL while it is pending, if it failed or was
 * cancelled (tide_task_result tells those apart), or from a thread that
 * does not own its loop. Counts as reading its outcome. */
void *tide_task_value(const tide_task *t);
/* 0 if it succeeded, its error if it failed, TIDE_ESTATE if pending;
 * details as tide_task_result's. */
int tide_task_error(const tide_task *t);
/* The message of the task's error (a cancel message, a TIDE_THROW_MSG
 * text), or NULL. Owned by the task. */
const char *tide_task_message(const tide_task *t);

/* A done callback: runs from the loop (not in a task) with the task, done. */
typedef void (*tide_done_fn)(tide_task *t, void *arg);
/*
 * asyncio's add_done_callback: once `t` finishes, `fn(t, arg)` runs from the
 * loop one iteration later, callbacks in registration order (never inside
 * the code that finished the task). If `t` is already done, it is queued at
 * once and runs in the next iteration. The registration holds a reference
 * to `t` until `fn` has run. A loop destroyed first frees it without
 * calling `fn`. Errors: TIDE_EINVAL (t or fn NULL), TIDE_ENOMEM (nothing
 * registered, fn never called). Does not suspend.
 */
int tide_task_add_done_callback(tide_task *t, tide_done_fn fn, void *arg);
/* Removes every registration of (fn, arg) on `t` that has not been queued
 * yet and returns how many it removed (0 if none; once `t` is done, all are
 * queued). Errors: TIDE_EINVAL (t or fn NULL). Does not suspend. */
int tide_task_remove_done_callback(tide_task *t, tide_done_fn fn, void *arg);

/*
 * Requests cancellation (asyncio's Task.cancel(msg)): the task gets
 * TIDE_ECANCELLED at its current or next await; `msg` (may be NULL) is
 * copied and travels with the error. Returns 1 if the request took, 0 if
 * the task is already finished, TIDE_ENOMEM if the message could not be
 * copied (nothing changed then). Each call that takes counts in
 * tide_task_cancelling(). If `t` awaits other tasks (tide_join, tide_gather,
 * tide_wait_for), they are cancelled too, and so on down, at any depth
 * (without recursion or allocation). Does not suspend; a task may cancel
 * itself.
 */
int tide_task_cancel(tide_task *t, const char *msg);
/* Number of pending cancellation requests. */
int tide_task_cancelling(const tide_task *t);
/* Decrements that count and returns what is left; reaching 0 also drops a
 * cancellation requested but not yet delivered. */
int tide_task_uncancel(tide_task *t);

/* ------------------------------------------------------------------------ */
/* Awaitables (use inside TIDE_AWAIT / TIDE_AWAIT_CATCH only)                */
/* ------------------------------------------------------------------------ */

/*
 * Every awaitable (TIDE_AWAITABLE in its declaration, here and in the
 * sections below) returns a tide_await that only TIDE_AWAIT* accept; the
 * compiler refuses it anywhere else. Misuse the compiler cannot see fails
 * at run time, in every build, with TIDE_ESTATE and a message (also sent
 * to the exception handler at once, context "coroutine misuse"):
 *  - an awaitable called while the task is already registered by another
 *    in the same step (whose result went elsewhere than TIDE_AWAIT): the
 *    call fails, the earlier registration is undone;
 *  - a step that ends while the task is still registered (the task
 *    finishes with TIDE_ESTATE instead of its own outcome, the
 *    registration undone), or that suspends registered nowhere.
 * Undone means as if the wait had been cancelled: the task leaves the
 * object's queue, whatever it was handed (a lock, a permit, a wake-up, a
 * queue slot) goes to the next waiter, its timer is stopped - with one
 * difference: a condition's lock, released by tide_cond_wait, is not
 * taken back. Each awaitable's "Errors" below list its own errors only.
 */

/* Suspends the current task for `seconds` (asyncio.sleep). 0 or negative
 * yields for exactly one iteration; +inf, or a deadline past the clock's
 * horizon (about 73 years: see tide_call_later), sleeps until cancelled.
 * Errors: TIDE_EINVAL (NaN), TIDE_ENOLOOP (not in a task), TIDE_ECANCELLED
 * (cancelled while sleeping). Suspends. */
static inline TIDE_AWAITABLE tide_sleep(double seconds);

/* Waits for task `t` to finish (asyncio's `await task`): succeeds with its
 * value in *value (if not NULL) or fails with its error and message.
 * Cancelling the awaiting task cancels `t` too, and the awaiter gets what
 * `t` ends with. Returns at once if `t` is already done.
 * Errors: TIDE_EINVAL (t NULL, or a task of another loop, whose message
 * says so: the same for every wait on tasks), TIDE_ESELF (t is the
 * current task), TIDE_ENOLOOP, and whatever `t` failed with. Suspends
 * unless t is done. */
TIDE_AWAITABLE tide_join(tide_task *t, void **value);

/* Options for tide_gather. */
enum {
    /* asyncio's return_exceptions=True: child errors stay in their slots of
     * `errors` and the gather succeeds once every child is done. */
    TIDE_GATHER_RETURN_ERRORS = 1,
    /* The gather takes over the caller's handles in `tasks` (whatever its
     * outcome, even an immediate error): the current task keeps them until
     * it finishes, or until it gathers into the same `tasks` array again
     * with TIDE_GATHER_OWN, which lets go of the earlier ones first. So the
     * values a gather returns, which often point into the tasks' frames,
     * live as long as Python's `results = await gather(...)` would, and
     * nothing needs releasing:
     *     for (int i = 0; i < n; i++)
     *         TIDE_TRY(f, TIDE_SPAWN(work, NULL, &f->tasks[i], .i = i));
     *     TIDE_AWAIT(f, tide_gather(f->tasks, n, TIDE_GATHER_OWN,
     *                               f->results, NULL));
     * Each gather takes one reference per entry: do not release those
     * handles yourself (the same handles gathered again into the same
     * array, in the same places, are taken once). So a task named twice,
     * as in Python's gather(t, t), needs a handle per repeat:
     *     f->t[1] = tide_task_retain(f->t[0]);
     * (with one, the task is released twice: refused and reported while
     * it is pending, see tide_task_release, not caught once it is done).
     * Outside a task the gather fails with TIDE_ENOLOOP and releases them
     * at once (so does a gather refused with TIDE_ESTATE, called while the
     * task waits already, if it had no memory to keep them: those taken
     * once stay with the earlier gather); out of memory for its record it
     * fails with TIDE_ENOMEM before it starts, and they live on until the
     * loop is destroyed (which frees every handle). */
    TIDE_GATHER_OWN = 4
};

/*
 * Waits for all `n` tasks (asyncio.gather). `values[i]` (if values is not
 * NULL) receives task i's value and `errors[i]` (if errors is not NULL) its
 * error (0 on success), in argument order whatever the completion order.
 * Without TIDE_GATHER_RETURN_ERRORS the first child error fails the gather
 * at once; the other children are not cancelled. Cancelling the awaiting
 * task cancels every unfinished child, and the awaiter gets TIDE_ECANCELLED
 * (even with TIDE_GATHER_RETURN_ERRORS). n == 0 succeeds at once, and so
 * does a gather that the children already done settle (CPython 3.12+):
 * all are done, or, without TIDE_GATHER_RETURN_ERRORS, one has failed (the
 * first in argument order gives the error).
 * The `values`/`errors` arrays must stay valid until the await ends (put
 * them in the frame). A task may appear more than once.
 * Errors: TIDE_EINVAL (tasks NULL with n > 0, a NULL task, unknown flags),
 * TIDE_ESELF (the current task is among them), TIDE_ENOMEM, TIDE_ENOLOOP,
 * TIDE_ECANCELLED, or a child's error. Suspends unless settled at once.
 */
TIDE_AWAITABLE tide_gather(tide_task *const *tasks, size_t n,
                           unsigned flags, void **values, int *errors);

/* The message of the outcome of the current task's last await (say, the
 * error TIDE_AWAIT_CATCH just caught), or NULL; valid until its next await.
 * In FINALLY, TIDE_ERROR_MESSAGE(f) is the message of the error being
 * propagated. */
const char *tide_error_message(void);

/* ------------------------------------------------------------------------ */
/* Waiting with limits: wait, wait_for, shield, timeouts                     */
/* ------------------------------------------------------------------------ */

/* When tide_wait returns (asyncio.FIRST_COMPLETED and friends). */
enum {
    TIDE_FIRST_COMPLETED = 1,
    TIDE_FIRST_EXCEPTION = 2,
    TIDE_ALL_COMPLETED = 3
};

/*
 * Waits until `return_when` holds for the `n` tasks, or `timeout` seconds
 * pass (INFINITY, or past the clock's horizon: no limit) - asyncio.wait.
 * Never fails because of the tasks' outcomes or the timeout, and cancels
 * nothing: afterwards, check tide_task_is_done() on each (tasks that finished
 * in the same iteration as the trigger are done too). Cancelling the
 * waiting task does not cancel the tasks. A task may appear more than once.
 * Errors: TIDE_EINVAL (n == 0, a NULL task, bad return_when, NaN timeout),
 * TIDE_ESELF, TIDE_ENOMEM, TIDE_ENOLOOP, TIDE_ECANCELLED. Always suspends
 * (done tasks report through callbacks, as in asyncio).
 */
TIDE_AWAITABLE tide_wait(tide_task *const *tasks, size_t n,
                         int return_when, double timeout);

/*
 * Awaits task `t` for at most `timeout` seconds (asyncio.wait_for): on
 * expiry `t` is cancelled and awaited, then TIDE_ETIMEDOUT is returned -
 * unless `t` ignored the cancellation and finished with a value, which is
 * then returned as if in time. Cancelling the waiting task cancels `t`.
 * timeout <= 0: a done task's outcome at once; a pending one is cancelled
 * (one that never started never runs) and TIDE_ETIMEDOUT follows.
 * INFINITY is tide_join. Errors: as tide_join, plus TIDE_EINVAL (NaN),
 * TIDE_ENOMEM, TIDE_ETIMEDOUT. Suspends unless t is done.
 */
TIDE_AWAITABLE tide_wait_for(tide_task *t, double timeout, void **value);

/*
 * Awaits task `t` without letting a cancellation reach it (asyncio.shield):
 * if the waiting task is cancelled it gets TIDE_ECANCELLED at once while
 * `t` runs on. Otherwise it gets `t`'s outcome, as tide_join.
 * Errors: as tide_join. Suspends unless t is done.
 */
TIDE_AWAITABLE tide_shield(tide_task *t, void **value);

/*
 * Timeout scopes (asyncio.timeout / timeout_at). `async with
 * asyncio.timeout(d): body` is TIDE_WITH(f, tide_timeout_scope(d, NULL))
 * { body } ("async with" below). These calls are its long form, for a
 * scope that does not follow a block:
 *     TIDE_TRY(f, tide_timeout_enter(d, &f->tmo));
 *     TIDE_AWAIT_CATCH(f, one_awaitable(...), f->rc);      // or
 *     TIDE_AWAIT_CALL_CATCH(f, body_coroutine, &f->body, f->rc);
 *     f->rc = tide_timeout_exit(f->tmo, f->rc);   // TIDE_ETIMEDOUT on expiry
 * When the deadline passes, the current task is cancelled; exit turns that
 * cancellation (and only that one) into TIDE_ETIMEDOUT. Scopes nest.
 * The scope stays readable (expired, when) until tide_timeout_destroy.
 */
typedef struct tide_timeout tide_timeout;

/* Enters a scope on the current task expiring in `delay` seconds (or at
 * loop time `when`); INFINITY, or a deadline past the clock's horizon (see
 * tide_call_later), never expires. On success *out is owned by the caller.
 * Errors: TIDE_EINVAL (NaN, out NULL), TIDE_ENOLOOP (not in a task),
 * TIDE_ENOMEM. Do not suspend. */
int tide_timeout_enter(double delay, tide_timeout **out);
int tide_timeout_enter_at(double when, tide_timeout **out);
/* Leaves the scope with the body's outcome `rc` (0 or an error) and
 * returns the outcome to continue with: TIDE_ETIMEDOUT if this scope's
 * expiry cancelled the body, otherwise rc. Left, the timeout only reads
 * as it stood (when, is_expired): it holds its task no longer. Errors:
 * TIDE_ESTATE if the scope is not entered (exited twice, t NULL, or its
 * loop destroyed), TIDE_ETHREAD. Does not suspend. */
int tide_timeout_exit(tide_timeout *t, int rc);
/* Moves the deadline (loop time; INFINITY disables). Errors: TIDE_ESTATE
 * if the scope is not active (not entered yet, expiring, exited, or its
 * loop destroyed), TIDE_EINVAL (t NULL, NaN), TIDE_ETHREAD, TIDE_ENOMEM
 * (the deadline is left as it was). */
int tide_timeout_reschedule(tide_timeout *t, double when);
int tide_timeout_is_expired(const tide_timeout *t);
double tide_timeout_when(const tide_timeout *t); /* INFINITY if none */
/* Frees the scope, leaving it first if needed. NULL is a no-op, and so is
 * a scope that a TIDE_WITH block made (tide_timeout_scope's `out`): the
 * block frees it when it is left. A timeout of tide_timeout_create whose
 * block is open is freed when the block is left. A timeout may outlive
 * its loop, as a lock may: destroyed after tide_loop_destroy, it reads as
 * it stood (when, is_expired), and exit and reschedule fail with
 * TIDE_ESTATE in between (its task and expiry went with the loop). */
void tide_timeout_destroy(tide_timeout *t);

/*
 * `cm = asyncio.timeout(delay)` (timeout_at(when)) apart from its `async
 * with cm:`, for a program that asks `cm.expired()` after the block: the
 * timeout is the program's (destroy it), made not entered, with its
 * deadline fixed now (INFINITY: none yet, for tide_timeout_reschedule in
 * the block). tide_timeout_scope_of(t) is what TIDE_WITH enters: it binds
 * the timeout to the current task and arms it; the block's exit leaves it
 * as tide_timeout_scope's does, and leaves it readable:
 *     TIDE_TRY(f, tide_timeout_create(INFINITY, &f->cm));
 *     TIDE_WITH_CATCH(f, tide_timeout_scope_of(f->cm), f->rc) {
 *         TIDE_TRY(f, tide_timeout_reschedule(f->cm, tide_time() + 10));
 *         TIDE_AWAIT(f, tide_join(f->task, NULL));
 *     }
 *     if (tide_timeout_is_expired(f->cm)) puts("not finished on time");
 *     tide_timeout_destroy(f->cm);
 * Before the entry: when() is the deadline, is_expired 0, reschedule and
 * exit TIDE_ESTATE (asyncio: "not entered"). A timeout is entered once:
 * entering it again fails with TIDE_ESTATE (asyncio: "already entered"),
 * and so does one of another loop. Errors of the two: TIDE_EINVAL (NaN,
 * out NULL), TIDE_ENOLOOP (no loop running on this thread), TIDE_ENOMEM.
 * The entry's: TIDE_EINVAL (t NULL), TIDE_ESTATE, TIDE_ENOMEM (not
 * entered), TIDE_ENOLOOP. None suspends.
 */
int tide_timeout_create(double delay, tide_timeout **out);
int tide_timeout_create_at(double when, tide_timeout **out);

/* ------------------------------------------------------------------------ */
/* TaskGroup                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * A task group (asyncio.TaskGroup): children spawned into it are awaited by
 * tide_group_exit; the first child failure cancels the other children and
 * the body (the task that created the group). `async with
 * asyncio.TaskGroup() as tg: body` is TIDE_WITH(f, tide_group_scope(&f->tg))
 * { body } ("async with" below); its long form is:
 *     TIDE_TRY(f, tide_group_create(&f->tg));
 *     ...body: tide_group_spawn(f->tg, ...), awaits (caught into f->rc)...
 *     TIDE_AWAIT_CATCH(f, tide_group_exit(f->tg, f->rc), f->rc);
 *     ...read errors...; tide_group_destroy(f->tg);
 * tide_group_exit returns 0, TIDE_EGROUP (then tide_group_error holds
 * every non-cancellation error of the children, in completion order, and
 * the body's own error last), or TIDE_ECANCELLED when the creating task was
 * cancelled from outside (errors take priority over it).
 *
 * A TIDE_EGROUP keeps its story wherever it goes (tide_join, tide_gather,
 * a re-raise, main's error that tide_main prints, JS's TideError.errors),
 * after the group is destroyed: its message says it in one line,
 *     "2 of 3 child tasks failed: Task-3 'price': TIDE_EHOST price service
 *      down; Task-4: TIDE_ETIMEDOUT"
 * (a nested group's in parentheses; past TIDE_EGROUP_TEXT_MAX bytes,
 * src/config.h, it ends "; and N more"), and it carries the list of those
 * errors, read with tide_egroup_* below. Out of memory, the story is
 * shortened (no list, or no message), never the error lost.
 */
typedef struct tide_group tide_group;

/* Creates and enters a group owned by the current task; *out is owned by
 * the caller. Errors: TIDE_EINVAL, TIDE_ENOLOOP (not in a task),
 * TIDE_ENOMEM. Does not suspend. */
int tide_group_create(tide_group **out);
/* Spawns a child (as tide_spawn). Errors: those of tide_spawn (g NULL is
 * TIDE_EINVAL too), TIDE_ESTATE when the group is shutting down or
 * finished, or its loop was destroyed (nothing is created then), and
 * TIDE_ETHREAD. Does not suspend. */
int tide_group_spawn(tide_group *g, tide_fn fn, const void *frame,
                     size_t frame_size, const char *name, tide_task **out);
#define TIDE_GROUP_SPAWN(g, fn, name, out, ...)                                \
    tide_group_spawn((g), (fn),                                                \
                     &(struct fn){.tide__frame = TIDE__FRAME_INIT, __VA_ARGS__},  \
                     sizeof(struct fn), (name), (out))
/* The group's __aexit__: `body_rc` is the body's outcome (0, or the error
 * that ended it). Waits for every child. Errors: TIDE_EGROUP,
 * TIDE_ECANCELLED, TIDE_ESTATE (exited twice, not the owner task, or its
 * loop destroyed), TIDE_EINVAL (g NULL); the refusals say which in the
 * await's message. Suspends while children run. */
TIDE_AWAITABLE tide_group_exit(tide_group *g, int body_rc);
/* Cancels the children and the body; the group then exits without error
 * (TaskGroup.cancel() from Python 3.15). Returns 0, or TIDE_ESTATE once
 * the group has exited (or its loop was destroyed), TIDE_EINVAL (g NULL),
 * TIDE_ETHREAD. Does not suspend. */
int tide_group_cancel(tide_group *g);
/* After TIDE_EGROUP: how many errors, and the i-th (its code; its message
 * in *msg if msg is not NULL, owned by the group). */
size_t tide_group_error_count(const tide_group *g);
int tide_group_error(const tide_group *g, size_t i, const char **msg);
/* Frees a group. While its owner is inside tide_group_exit, or while the
 * TIDE_WITH block that made it (tide_group_scope) is open: TIDE_EBUSY.
 * A group never exited (its body failed first) is freed after cancelling
 * its children, which run on detached. NULL is a no-op. A group may
 * outlive its loop: tide_loop_destroy lets go of its children, error
 * records and owner (it counts no errors then), spawn, cancel and exit
 * fail with TIDE_ESTATE, and this frees what is left. */
int tide_group_destroy(tide_group *g);

/* The errors a TIDE_EGROUP carries (asyncio's ExceptionGroup.exceptions):
 * the same as tide_group_error's, in the same order, but owned by the
 * error's message. */
typedef struct tide_egroup tide_egroup;
/* Those of a finished task that failed with TIDE_EGROUP (owned by the
 * task), or of the current task's last await (say, the TIDE_EGROUP that
 * TIDE_AWAIT_CATCH just caught; valid until its next await), or NULL:
 * another outcome, or the list could not be allocated. Do not suspend. */
const tide_egroup *tide_task_egroup(const tide_task *t);
const tide_egroup *tide_error_egroup(void);
/* How many errors (0 for NULL). */
size_t tide_egroup_error_count(const tide_egroup *eg);
/* The i-th error's code (TIDE_EINVAL if i is out of range); into each
 * pointer that is not NULL: its message (or NULL), the name of the task
 * that failed ("Task-3" if it has none; for the group's body, the task
 * that ran it) and, for a nested group's TIDE_EGROUP, its own errors (else
 * NULL). They live as long as `eg`. Does not suspend. */
int tide_egroup_error(const tide_egroup *eg, size_t i, const char **msg,
                      const char **task, const tide_egroup **nested);

/* ------------------------------------------------------------------------ */
/* Synchronisation: Lock, Event, Condition, Semaphore, Barrier               */
/* ------------------------------------------------------------------------ */

/*
 * Every primitive is created on a loop (NULL: the running loop) and owned by
 * the caller, who destroys it; destroying one that tasks wait on, or (during
 * a run) a lock, semaphore or condition that an open TIDE_WITH block holds,
 * is refused with TIDE_EBUSY, and from a thread that does not own the loop
 * (while the loop lives) with TIDE_ETHREAD. Waiters are served first come, first served; a waiter
 * that is cancelled takes nothing and passes a wake-up it received on.
 * Creation errors: TIDE_EINVAL, TIDE_ENOLOOP (loop NULL, none running),
 * TIDE_ENOMEM.
 * A primitive stays bound to its loop: awaiting it from a task of another
 * loop fails with TIDE_ESTATE and changes nothing (calls that never wait -
 * release, set, notify, reset - do not check). A NULL primitive is
 * TIDE_EINVAL (accessors return 0; destroy(NULL) is a no-op returning 0).
 * Awaitables need a task: outside one they return TIDE_ENOLOOP.
 * A primitive may outlive its loop and be destroyed after it: a run ended
 * by tide_loop_stop with tasks still waiting leaves it busy until
 * tide_loop_destroy has freed those tasks.
 *
 * `async with lock:` is one statement, TIDE_WITH(f, tide_lock_scope(lock))
 * (see "async with" below); acquire and release are the long form.
 */
typedef struct tide_lock tide_lock;
int tide_lock_create(tide_loop *loop, tide_lock **out);
int tide_lock_destroy(tide_lock *lock);
/* Awaitable. Errors: TIDE_ECANCELLED, TIDE_ENOLOOP, TIDE_ESTATE. Suspends
 * if locked or if others wait (no barging), unless all of them were
 * cancelled. */
TIDE_AWAITABLE tide_lock_acquire(tide_lock *lock);
/* Errors: TIDE_ENOTLOCKED. Does not suspend. */
int tide_lock_release(tide_lock *lock);
int tide_lock_is_locked(const tide_lock *lock);
size_t tide_lock_waiter_count(const tide_lock *lock);

typedef struct tide_event tide_event;
int tide_event_create(tide_loop *loop, tide_event **out);
int tide_event_destroy(tide_event *ev);
/* set() wakes every waiter. Both return 0, TIDE_EINVAL (ev NULL) or
 * TIDE_ETHREAD. */
int tide_event_set(tide_event *ev);
int tide_event_clear(tide_event *ev);
int tide_event_is_set(const tide_event *ev);
/* Awaitable. Errors: TIDE_ECANCELLED, TIDE_ENOLOOP. Suspends unless set. */
TIDE_AWAITABLE tide_event_wait(tide_event *ev);
size_t tide_event_waiter_count(const tide_event *ev);

typedef struct tide_cond tide_cond;
/* `lock` may be NULL (the condition makes its own) or a lock it shares,
 * of the same loop (else TIDE_EINVAL); a shared lock must outlive the
 * condition. Destroy is refused (TIDE_EBUSY) while a wait is under way,
 * including one re-acquiring the lock. */
int tide_cond_create(tide_loop *loop, tide_lock *lock, tide_cond **out);
int tide_cond_destroy(tide_cond *cond);
/* Awaitable, as tide_lock_acquire. */
TIDE_AWAITABLE tide_cond_acquire(tide_cond *cond);
int tide_cond_release(tide_cond *cond); /* TIDE_ENOTLOCKED */
int tide_cond_is_locked(const tide_cond *cond);
/* Awaitable: releases the lock, waits for a notify, re-acquires the lock
 * (even when cancelled: the lock is held again when it returns, whatever
 * the outcome). Errors: TIDE_ENOTLOCKED (lock not held), TIDE_ECANCELLED
 * (the latest one, with its message, if cancelled more than once; another
 * waiter is then notified in its place), TIDE_ENOMEM (nothing changed),
 * TIDE_ENOLOOP, TIDE_ESTATE. May return without a notify having reached
 * this waiter: loop on it. Suspends. */
TIDE_AWAITABLE tide_cond_wait(tide_cond *cond);
/* Awaitable: waits until pred(arg) returns non-zero, re-checking after each
 * wake-up (pred runs with the lock held, and must not await); *result (if
 * not NULL) gets pred's last value. If pred is true at once it returns
 * without suspending and without needing the lock. Errors: those of
 * tide_cond_wait, TIDE_EINVAL (pred NULL). */
typedef int (*tide_predicate)(void *arg);
TIDE_AWAITABLE tide_cond_wait_for(tide_cond *cond, tide_predicate pred,
                                  void *arg, int *result);
/* Wake up to n waiters / all of them. Errors: TIDE_ENOTLOCKED. */
int tide_cond_notify(tide_cond *cond, size_t n);
int tide_cond_notify_all(tide_cond *cond);
size_t tide_cond_waiter_count(const tide_cond *cond);

typedef struct tide_sem tide_sem;
/* A semaphore with `value` permits (>= 0, else TIDE_EINVAL). A bounded one
 * (asyncio.BoundedSemaphore) refuses releases above `value`. */
int tide_sem_create(tide_loop *loop, int value, int bounded, tide_sem **out);
int tide_sem_destroy(tide_sem *sem);
/* Awaitable, as tide_lock_acquire. */
TIDE_AWAITABLE tide_sem_acquire(tide_sem *sem);
/* Hands the permit straight to the first waiter, if any. Errors:
 * TIDE_EOVERFLOW (a bounded semaphore released above its value, or a
 * plain one past INT_MAX). Does not suspend. */
int tide_sem_release(tide_sem *sem);
/* Non-zero if an acquire would wait: no permit, or a waiter not cancelled
 * is queued (newcomers go behind it). */
int tide_sem_is_locked(const tide_sem *sem);
int tide_sem_value(const tide_sem *sem);
size_t tide_sem_waiter_count(const tide_sem *sem);

typedef struct tide_barrier tide_barrier;
/* Errors: TIDE_EINVAL if parties < 1. */
int tide_barrier_create(tide_loop *loop, int parties, tide_barrier **out);
int tide_barrier_destroy(tide_barrier *b);
/* Awaitable: waits until `parties` tasks wait; *index (if not NULL) gets
 * this task's arrival index 0..parties-1 (on success). The last arrival
 * returns at once; a wait started while the tripped barrier still drains
 * first waits for the drain to end. Errors: TIDE_EBROKEN (reset or
 * aborted), TIDE_ECANCELLED, TIDE_ENOMEM, TIDE_ENOLOOP, TIDE_ESTATE.
 * Suspends unless it is the last arrival. Destroy is refused (TIDE_EBUSY)
 * while a wait is under way. */
TIDE_AWAITABLE tide_barrier_wait(tide_barrier *b, int *index);
/* Back to the empty state; tasks waiting get TIDE_EBROKEN. Does not
 * suspend (asyncio's `await barrier.reset()` never waits either) and needs
 * no task. Errors: TIDE_EINVAL. */
int tide_barrier_reset(tide_barrier *b);
/* Broken for good (until reset): current and future waits fail. As reset,
 * it does not suspend. */
int tide_barrier_abort(tide_barrier *b);
int tide_barrier_parties(const tide_barrier *b);
int tide_barrier_waiter_count(const tide_barrier *b); /* 0 unless filling */
int tide_barrier_is_broken(const tide_barrier *b);

/* ------------------------------------------------------------------------ */
/* Queues                                                                     */
/* ------------------------------------------------------------------------ */

/* Kinds of queue: asyncio.Queue, LifoQueue, PriorityQueue. */
enum { TIDE_QUEUE_FIFO = 0, TIDE_QUEUE_LIFO = 1, TIDE_QUEUE_PRIORITY = 2 };
/* Priority order: negative if a comes out before b (smallest first).
 * Items that compare equal come out in the order they were put (CPython's
 * heapq promises no order among equal items). */
typedef int (*tide_compare_fn)(const void *a, const void *b);

typedef struct tide_queue tide_queue;
/*
 * A queue of `void *` items (the queue does not own what they point to;
 * NULL is an item like any other, Python's None). maxsize 0 is unbounded. PRIORITY needs `cmp`; the others ignore it.
 * Errors: TIDE_EINVAL (out NULL, bad kind, PRIORITY without cmp),
 * TIDE_ENOLOOP, TIDE_ENOMEM. Destroy refuses (TIDE_EBUSY) while tasks wait
 * on it, woken ones that have not run yet included.
 * The awaitables (put, get, join) also fail with TIDE_EINVAL (q NULL, or
 * get's `item` pointer NULL), TIDE_ENOLOOP (not in a task) and TIDE_ESTATE (a queue of another
 * loop). NULL reads as an empty, unbounded queue in the four state calls.
 */
int tide_queue_create(tide_loop *loop, int kind, size_t maxsize,
                      tide_compare_fn cmp, tide_queue **out);
int tide_queue_destroy(tide_queue *q);
/* Awaitable: waits while the queue is full. Errors: TIDE_ESHUTDOWN,
 * TIDE_ECANCELLED (the item is then not in the queue), TIDE_ENOMEM. */
TIDE_AWAITABLE tide_queue_put(tide_queue *q, void *item);
/* Awaitable: waits while empty; *item gets the item. Errors:
 * TIDE_ESHUTDOWN (shut down and empty, or shut down immediately),
 * TIDE_ECANCELLED (nothing was taken). */
TIDE_AWAITABLE tide_queue_get(tide_queue *q, void **item);
/* Errors: TIDE_EQUEUEFULL, TIDE_ESHUTDOWN (checked first), TIDE_ENOMEM. */
int tide_queue_put_nowait(tide_queue *q, void *item);
/* Errors: TIDE_EQUEUEEMPTY, TIDE_ESHUTDOWN. */
int tide_queue_get_nowait(tide_queue *q, void **item);
/* One put item is processed. Errors: TIDE_EOVERFLOW (more task_done calls
 * than puts). */
int tide_queue_task_done(tide_queue *q);
/* Awaitable: waits until every item put has been marked done.
 * Errors: TIDE_ECANCELLED. */
TIDE_AWAITABLE tide_queue_join(tide_queue *q);
/* Puts now fail with TIDE_ESHUTDOWN; gets drain what is left, then fail.
 * `immediate` drops the items (counting them done) and fails gets at once.*/
int tide_queue_shutdown(tide_queue *q, int immediate);
size_t tide_queue_size(const tide_queue *q);
size_t tide_queue_maxsize(const tide_queue *q);
int tide_queue_is_empty(const tide_queue *q);
int tide_queue_is_full(const tide_queue *q);

/* ------------------------------------------------------------------------ */
/* async with: TIDE_WITH                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Python's `async with x: body` is one statement:
 *
 *     TIDE_WITH(f, tide_lock_scope(f->lock)) {
 *         ...body: awaits, TIDE_RETURN, errors...
 *     }
 *
 * TIDE_WITH enters the scope (here: awaits the lock), runs the block, and
 * leaves the scope (releases the lock) however the block ends - at its
 * closing brace, by break or continue, by TIDE_RETURN, or by an error
 * raised or propagated in it, cancellation included: that is when
 * Python's __aexit__ runs. A scope's exit may turn the error that leaves
 * the block into another (a timeout's cancellation becomes TIDE_ETIMEDOUT),
 * raise one of its own (a task group's TIDE_EGROUP) or, for a group that
 * was cancelled with tide_group_cancel, swallow it; then the block's
 * outcome goes on: after the block, into the next enclosing scope, or to
 * FINALLY. Scopes nest, innermost left first, and may be written one after
 * the other for Python's `async with a, b:`
 *
 *     TIDE_WITH(f, tide_sem_scope(f->sem))
 *     TIDE_WITH(f, tide_timeout_scope(10, NULL)) {
 *         TIDE_AWAIT(f, tide_http_get(f->url, &f->response));
 *     }
 *
 * Rules:
 *  - `break` and `continue` directly in the block leave the block (and
 *    its scope), not a loop around it: TIDE_WITH is a loop of its own, as
 *    every block macro in C. tide-lint reports them.
 *  - A `goto` out of the block skips the exit: the scope stays open until
 *    the coroutine raises or returns (its exit runs then, as for an error
 *    in the block, and execution goes on as if it came from the block),
 *    until it ends or the same TIDE_WITH starts again (left then without
 *    waiting for anything: a group's children are cancelled). Do not:
 *    tide-lint reports it.
 *  - Leaving the block is an await (an exit may wait, as a group's does):
 *    tide_error_message() of an error caught in the block with
 *    TIDE_AWAIT_CATCH is gone after it. Read or copy it in the block.
 *  - A scope belongs to the frame that entered it: a sub-coroutine's
 *    scopes are left by the time TIDE_AWAIT_CALL returns. A TIDE_WITH in
 *    FINALLY works the same way; an error leaving it replaces the pending
 *    one, as any error raised in FINALLY does (rule 6); one that its exit
 *    swallows (a cancelled group's) does not: the pending error goes on,
 *    as in Python.
 *  - The scope's state is kept by the loop (a small record per open
 *    scope): frames do not grow, and the block may await anything.
 *    A task that finishes, or is destroyed with its loop, with a scope
 *    still open (a goto, a misuse) leaves it then, without waiting.
 *  - Entering can fail: TIDE_ENOMEM (nothing was entered), TIDE_ENOLOOP
 *    (not in a task), TIDE_EINVAL (a NULL object), or what the scope's own
 *    entry raises (TIDE_ECANCELLED while waiting for a lock). The error is
 *    raised like an await's, before the block runs.
 */
typedef struct tide__scope_ops tide__scope_ops;
/* What to enter: made by the tide_*_scope functions below and given to
 * TIDE_WITH (nothing happens until then). Its members are private. */
typedef struct tide_scope {
    const tide__scope_ops *tide__ops;
    void *tide__obj;   /* the lock, semaphore or condition */
    void *tide__out;   /* where the scope's own object goes, or NULL */
    double tide__time; /* a timeout's delay or deadline */
} tide_scope;

/* async with lock: / async with semaphore: / async with condition: -
 * acquire on entry (suspends while it must wait), release on exit (its
 * error, TIDE_ENOTLOCKED or TIDE_EOVERFLOW if the block released it
 * already, is raised then). */
tide_scope tide_lock_scope(tide_lock *lock);
tide_scope tide_sem_scope(tide_sem *sem);
tide_scope tide_cond_scope(tide_cond *cond);

/*
 * async with asyncio.timeout(delay) / timeout_at(when) [as cm]: a timeout
 * scope (tide_timeout_enter / _enter_at) for the block. If its deadline
 * cancels the task and that cancellation leaves the block, it leaves as
 * TIDE_ETIMEDOUT; a cancellation the block caught and did not re-raise is
 * not turned into anything, and any other error goes on unchanged; the
 * uncancel() count is kept as CPython's Timeout.__aexit__ keeps it. If
 * `out` is not NULL it points to the scope while the block runs (for
 * tide_timeout_reschedule, tide_timeout_is_expired), and is set to NULL
 * when the block ends: the block owns it (tide_timeout_destroy of it in
 * the block does nothing). Do not suspend on entry.
 */
tide_scope tide_timeout_scope(double delay, tide_timeout **out);
tide_scope tide_timeout_at_scope(double when, tide_timeout **out);
/* async with cm: for a timeout of tide_timeout_create (see there); the
 * block never frees it, and a tide_timeout_destroy in the block takes
 * effect when the block is left. */
tide_scope tide_timeout_scope_of(tide_timeout *t);

/*
 * async with asyncio.TaskGroup() as tg: creates a group (tide_group_create)
 * into *out on entry; leaving the block is tide_group_exit with the
 * block's outcome (it waits for every child; an error leaving the block
 * cancels them first), then tide_group_destroy, and *out is set to NULL.
 * Spawn into it with TIDE_GROUP_SPAWN(*out, ...). The group's outcome -
 * TIDE_EGROUP with its story, TIDE_ECANCELLED, or 0 - is the block's: an
 * error is raised after the block. `out` must point into the frame
 * (TIDE_EINVAL if NULL). The group is the block's: tide_group_destroy of
 * it in the block is refused with TIDE_EBUSY.
 */
tide_scope tide_group_scope(tide_group **out);

/* async with contextlib.nullcontext(): enters and leaves doing nothing,
 * for a block that is sometimes in a scope:
 *     TIDE_WITH(f, f->lock ? tide_lock_scope(f->lock) : tide_null_scope())
 * Never fails but for TIDE_ENOMEM and TIDE_ENOLOOP. */
tide_scope tide_null_scope(void);

/* ------------------------------------------------------------------------ */
/* Streams: reading and writing file descriptors                              */
/* ------------------------------------------------------------------------ */

/*
 * asyncio's StreamReader and StreamWriter over a file descriptor: stdin,
 * stdout, a pipe, a socket, a terminal or a file. The loop waits for the
 * fd (poll natively, poll_oneoff FD_READ / FD_WRITE subscriptions on
 * WASI) while other tasks run, and a loop whose tasks only wait for fds
 * waits for them instead of reporting a deadlock. A regular file (or
 * /dev/null) is always ready: it is read and written without waiting, one
 * chunk per loop iteration so other tasks get their turn. Tide never
 * changes the blocking mode of an fd it polls natively: it asks poll()
 * first and writes at most PIPE_BUF bytes at once to a blocking pipe, so
 * no call blocks (node:wasi makes every fd it polls non-blocking itself).
 * On Emscripten, which has no fds to wait for, creating either on an fd
 * fails with TIDE_ENOTSUP; a reader without an fd, fed by the program
 * (tide_reader_feed), works everywhere.
 *
 * A stream is created on a loop (NULL: the running loop), owned by the
 * caller and destroyed by it (TIDE_EBUSY while a task waits on it); like
 * the primitives above it may be destroyed after its loop. It leaves the
 * fd open unless created with TIDE_STREAM_CLOSE_FD (asyncio's transports
 * own theirs and close it). Errors from the fd come as TIDE_EPIPE (the
 * other end of a pipe or socket is closed) or TIDE_EIO (any other
 * failure), with the system's text in the message ("write to fd 1:
 * Broken pipe").
 *
 * Cancellation loses nothing: bytes read stay in the reader's buffer for
 * the next call, bytes written stay in the writer's buffer.
 */

/* Stream options (flags of tide_reader_create and tide_writer_create). */
enum {
    TIDE_STREAM_CLOSE_FD = 1 /* the stream closes the fd when it is done */
};

/* Bytes a read returns: `len` bytes at `data`, followed by a NUL (so a
 * line of text reads as a C string). Owned by the reader: valid until the
 * next read call on that reader completes, or the reader is destroyed. */
typedef struct tide_bytes {
    const char *data;
    size_t len;
} tide_bytes;

typedef struct tide_reader tide_reader;

/*
 * A reader over `fd` (asyncio.StreamReader), or, with fd -1, over what
 * the program feeds it (tide_reader_feed). `limit` (0: TIDE_STREAM_LIMIT,
 * src/config.h, 64 KiB as in asyncio) bounds what readline and readuntil
 * search for their separator. On success *out is owned by the caller.
 * Errors: TIDE_EINVAL (out NULL, unknown flags, fd below -1, not open,
 * or a directory), TIDE_ENOTSUP (this host cannot wait for fds:
 * Emscripten, or a WASI runtime without FD_READ / FD_WRITE
 * subscriptions), TIDE_ENOLOOP, TIDE_ETHREAD, TIDE_ENOMEM. Does not
 * suspend.
 */
int tide_reader_create(tide_loop *loop, int fd, size_t limit, unsigned flags,
                       tide_reader **out);
/* Frees the reader (and closes its fd with TIDE_STREAM_CLOSE_FD); bytes
 * still buffered are dropped. Errors: TIDE_EBUSY while a task waits on it
 * (nothing is freed), TIDE_ETHREAD from a thread that does not own its
 * loop (while the loop lives). NULL is a no-op. Does not suspend. */
int tide_reader_destroy(tide_reader *r);

/*
 * The reads: awaitables that complete with *out set (out must point into
 * the frame: it is written when the await completes). Only one task may
 * wait for data on a reader at a time: a read started while another task
 * waits fails with TIDE_ESTATE (asyncio's RuntimeError); a read the buffer
 * can already answer completes without suspending, as in asyncio. A read
 * error of the fd, once met, is the outcome of every read after it, even
 * with bytes still buffered (asyncio's exception()). All of them also fail
 * with TIDE_EINVAL (r or out NULL), TIDE_ENOLOOP (not in a task),
 * TIDE_ESTATE (a reader of another loop), TIDE_ECANCELLED (nothing is
 * consumed), TIDE_ENOMEM (nothing is consumed), TIDE_EIO.
 */

/* A line, ending with its "\n"; at end of file the last, partial line
 * without one, then empty reads (len 0). Errors: TIDE_ELIMIT, when the
 * line (not counting its "\n") is longer than the limit: the line is
 * dropped from the buffer if its "\n" was found, else the whole buffer is
 * (asyncio's ValueError). Suspends until a line is buffered or the end. */
TIDE_AWAITABLE tide_reader_readline(tide_reader *r, tide_bytes *out);

/* Bytes up to and including the separator (`sep`, seplen >= 1 bytes).
 * Errors: TIDE_EINCOMPLETE, at end of file before a separator: *out holds
 * everything buffered (asyncio's IncompleteReadError.partial) and the
 * buffer is emptied; TIDE_ELIMIT, when more than the limit would come
 * before the separator: the buffer is left as it is, and out->len says
 * how many bytes may be consumed (asyncio's LimitOverrunError.consumed;
 * out->data is NULL); TIDE_EINVAL (sep NULL or seplen 0). Suspends until
 * the separator is buffered, the limit is passed, or the end. */
TIDE_AWAITABLE tide_reader_readuntil(tide_reader *r, const void *sep,
                                     size_t seplen, tide_bytes *out);

/* Exactly n bytes (0 completes at once). Errors: TIDE_EINCOMPLETE, at end
 * of file before n bytes: *out holds the bytes there were and the buffer
 * is emptied. Not bound by the limit. Suspends until n bytes or the end. */
TIDE_AWAITABLE tide_reader_readexactly(tide_reader *r, size_t n,
                                       tide_bytes *out);

/* Up to n bytes, as soon as at least one is there; empty at end of file,
 * and for n == 0. n < 0 reads to end of file and returns everything (not
 * bound by the limit). Suspends until a byte (n > 0) or the end is there. */
TIDE_AWAITABLE tide_reader_read(tide_reader *r, ptrdiff_t n, tide_bytes *out);

/* The reader's state; none of the three suspends or fails (NULL reads as
 * 0). at_eof: 1 once the end of file was met and every byte read
 * (asyncio's at_eof), else 0. buffer_size: bytes buffered, not yet
 * returned by a read. limit: the reader's limit. */
int tide_reader_at_eof(const tide_reader *r);
size_t tide_reader_buffer_size(const tide_reader *r);
size_t tide_reader_limit(const tide_reader *r);

/* For a reader without an fd (fd -1), asyncio's feed_data and feed_eof:
 * bytes to buffer, and the end of the stream; a waiting read wakes when
 * they answer it. Errors: TIDE_EINVAL (r NULL, data NULL with len > 0),
 * TIDE_ESTATE (a reader with an fd, or fed after the end), TIDE_ENOMEM
 * (nothing buffered), TIDE_ETHREAD. Do not suspend. */
int tide_reader_feed(tide_reader *r, const void *data, size_t len);
int tide_reader_feed_eof(tide_reader *r);

typedef struct tide_writer tide_writer;

/*
 * A writer over `fd` (asyncio.StreamWriter over a pipe transport). Writes
 * go to the fd at once when it takes them; the rest is buffered and
 * written as the fd becomes ready, while the program runs on. Above the
 * high-water mark (TIDE_WRITE_HIGH_WATER, 64 KiB) tide_writer_drain waits
 * until the buffer is down to the low-water mark (TIDE_WRITE_LOW_WATER,
 * 16 KiB): asyncio's flow control. Bytes still buffered when the run ends
 * are never written: await drain, or close and wait_closed, first.
 * On success *out is owned by the caller. Errors: as tide_reader_create
 * (fd -1 is TIDE_EINVAL). Does not suspend.
 */
int tide_writer_create(tide_loop *loop, int fd, unsigned flags,
                       tide_writer **out);
/* Frees the writer, dropping what is still buffered (and closes its fd
 * with TIDE_STREAM_CLOSE_FD, if close did not already). Errors:
 * TIDE_EBUSY while a task waits on it, TIDE_ETHREAD from a thread that does
 * not own its loop (while the loop lives). NULL is a no-op. Does not
 * suspend. */
int tide_writer_destroy(tide_writer *w);

/* Writes (or buffers: see above) `len` bytes; never waits. Errors:
 * TIDE_EINVAL (w NULL, data NULL with len > 0), TIDE_ESTATE (after
 * tide_writer_close), TIDE_EPIPE or TIDE_EIO (the fd failed, now or
 * before: nothing more is written; tide_writer_drain gives the message),
 * TIDE_ENOMEM (nothing of it was buffered), TIDE_ETHREAD. Does not
 * suspend. */
int tide_writer_write(tide_writer *w, const void *data, size_t len);
/* printf into the writer, as tide_writer_write of the text. Errors: as
 * tide_writer_write, and TIDE_EINVAL for a bad format. */
int tide_writer_printf(tide_writer *w, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Awaitable (asyncio's drain): waits while the buffer is above the
 * high-water mark, until it is down to the low-water mark; returns at once
 * below it, or when closing. Errors: TIDE_EPIPE, TIDE_EIO (the fd failed;
 * the message says how), TIDE_ESTATE (closed), TIDE_ECANCELLED (the bytes
 * stay buffered), TIDE_EINVAL, TIDE_ENOLOOP. Suspends while above the
 * high-water mark. */
TIDE_AWAITABLE tide_writer_drain(tide_writer *w);

/* Stops taking writes; what is buffered is still written, then the writer
 * is closed (and the fd with TIDE_STREAM_CLOSE_FD, which the reader at the
 * other end of a pipe sees as its end of file). Returns 0, or TIDE_EINVAL.
 * A second call does nothing. Does not suspend. */
int tide_writer_close(tide_writer *w);
/* Awaitable (asyncio's wait_closed): waits until a closed writer has
 * written everything. Errors: TIDE_EPIPE, TIDE_EIO (the fd failed first),
 * TIDE_ESTATE (not closed), TIDE_ECANCELLED, TIDE_EINVAL, TIDE_ENOLOOP.
 * Suspends until everything is written. */
TIDE_AWAITABLE tide_writer_wait_closed(tide_writer *w);

/* The error the fd failed with (TIDE_EPIPE, TIDE_EIO), 0 if none (or w
 * NULL); its text in *message if message is not NULL (owned by the
 * writer; NULL if none): what a failed tide_writer_write has no room to
 * say. Does not suspend. */
int tide_writer_error(const tide_writer *w, const char **message);
/* The writer's state; neither suspends or fails (NULL reads as 0).
 * is_closing: 1 after tide_writer_close (asyncio's is_closing), else 0.
 * buffer_size: bytes buffered, not yet written (asyncio's
 * get_write_buffer_size). */
int tide_writer_is_closing(const tide_writer *w);
size_t tide_writer_buffer_size(const tide_writer *w);
/* asyncio's set_write_buffer_limits, with 0 for its None: high 0 is 4 *
 * low, or TIDE_WRITE_HIGH_WATER with low 0 too; low 0 is high / 4. A
 * drain waiting is woken if the buffer is now down to the new low mark.
 * Errors: TIDE_EINVAL (w NULL, low > high), TIDE_ETHREAD. Does not
 * suspend. */
int tide_writer_set_buffer_limits(tide_writer *w, size_t high, size_t low);

/* ------------------------------------------------------------------------ */
/* The JavaScript host: host calls and HTTP                                  */
/* ------------------------------------------------------------------------ */

/*
 * These need a JavaScript host: the Emscripten build, in Node.js or a
 * browser. On WASI and native every one of them fails at once with
 * TIDE_ENOTSUP (tide_strerror: "not supported on this host") and a message
 * saying what is missing; nothing is faked.
 *
 * While a call or request is under way the loop waits for it instead of
 * reporting a deadlock. Cancelling the awaiting task (tide_task_cancel, a
 * timeout scope, a TaskGroup) ends its await at once with TIDE_ECANCELLED
 * (or TIDE_ETIMEDOUT through tide_timeout_exit), as in asyncio, and aborts
 * the JS side: the function's AbortSignal fires, or fetch() is aborted.
 * Whatever the JS side does after that is ignored. If the result arrives
 * but the task is cancelled before it resumes, the task gets
 * TIDE_ECANCELLED and the result is freed.
 *
 * With the virtual clock, time jumps to the next timer only after the host
 * had TIDE_VIRTUAL_GRACE_NS (src/config.h, 50 ms) of real time with
 * nothing happening while a call or request is under way: a quick host
 * call finishes "at once", a hanging one meets its timeout quickly.
 */

/*
 * Awaitable: calls the JS function `name` that the page or Node program
 * running this one gave to the JS API, in the `functions` option of
 * start():
 *     program.start({ functions: { name: async (arg, { signal }) => result } })
 * (README, "JavaScript"). `arg_json` is a JSON
 * text parsed into `arg` (NULL passes undefined); `signal` is an
 * AbortSignal that fires if the task stops waiting (from a JS job of its
 * own, never inside a loop turn). The function is called at once, inside
 * the awaiting task's step; it may also be synchronous: its return value
 * counts as resolved.
 *
 * On success *result_json (if result_json is not NULL) receives the JSON
 * text of the resolved value (`undefined` gives "null"), NUL-terminated and
 * owned by the caller: free it with tide_host_free(). It is written when
 * the await completes, so result_json must point into the frame. On error
 * *result_json is NULL. tide_error_message() has the message.
 *
 * Errors:
 *   TIDE_EHOST      the function rejected (message: the JS error's
 *                   message), threw synchronously ("host function 'f'
 *                   threw: ...", returned at once), or resolved with a
 *                   value JSON cannot encode (a BigInt, a cycle, a
 *                   function);
 *   TIDE_EINVAL     name NULL or empty; no function of that name
 *                   (returned at once); arg_json is not valid JSON;
 *   TIDE_ECANCELLED the task was cancelled while waiting;
 *   TIDE_ENOMEM     the result (or the call) could not be allocated;
 *   TIDE_ENOTSUP    not a JavaScript host (WASI, native);
 *   TIDE_ENOLOOP    not called from a task.
 * Suspends unless it fails at once.
 */
TIDE_AWAITABLE tide_host_call(const char *name, const char *arg_json,
                              char **result_json);

/* Frees a result of tide_host_call (through the allocator of the loop it
 * was made on, which must still be usable; the loop itself may be gone).
 * NULL is a no-op. */
void tide_host_free(char *result_json);

/* One HTTP header: name and value, NUL-terminated. */
typedef struct tide_http_header {
    const char *name;
    const char *value;
} tide_http_header;

/* A request. Only `url` is required; zero the rest for a plain GET. The
 * struct and everything it points to are read during the tide_http_fetch
 * call only (the body is copied): they need not outlive the await. */
typedef struct tide_http_request {
    const char *method;               /* NULL: "GET" */
    const char *url;                  /* absolute, or relative to the page */
    const tide_http_header *headers;  /* n_headers of them, may be NULL */
    size_t n_headers;
    const void *body;                 /* body_len bytes; none if 0 */
    size_t body_len;
    size_t max_body; /* largest response body accepted; 0: the default,
                        TIDE_HTTP_MAX_BODY in src/config.h (16 MiB) */
} tide_http_request;

/* A response: status, headers and the whole body, in one block owned by the
 * caller (free with tide_http_response_free; like tide_host_free it may
 * outlive its loop). */
typedef struct tide_http_response tide_http_response;

/*
 * Awaitable: performs the request with the host's fetch() (redirects
 * followed) and reads the whole body. On success *out receives the response
 * (out must point into the frame); any status counts as success - check
 * tide_http_status() as you would response.ok. On error *out is NULL and
 * tide_error_message() says what happened.
 * Errors:
 *   TIDE_EHOST      the request failed: DNS, refused or dropped connection,
 *                   a malformed URL or header, the body cut short (the
 *                   message is fetch()'s, e.g. "fetch failed (other side
 *                   closed)");
 *   TIDE_ENOMEM     the body is larger than max_body (message "response
 *                   body ... exceeds the limit of N bytes"), or memory for
 *                   it could not be had; never a crash;
 *   TIDE_ECANCELLED cancelled while waiting: the request is aborted;
 *   TIDE_EINVAL     out, req or url NULL, headers or body NULL with a
 *                   non-zero count, a header with a NULL name or value;
 *   TIDE_ENOTSUP    no fetch(): WASI, native, or a JS host without it;
 *   TIDE_ENOLOOP    not called from a task.
 * Suspends unless it fails at once.
 */
TIDE_AWAITABLE tide_http_fetch(const tide_http_request *req,
                               tide_http_response **out);
/* tide_http_fetch of a plain GET. */
TIDE_AWAITABLE tide_http_get(const char *url, tide_http_response **out);

/* 1 where tide_http_fetch can work (a JS host with fetch()), else 0. */
int tide_http_is_supported(void);

/* Accessors; each returns 0 / NULL for a NULL response. Strings are owned
 * by the response. */
int tide_http_status(const tide_http_response *r);          /* 200, 404 */
const char *tide_http_status_text(const tide_http_response *r); /* "OK" */
const char *tide_http_url(const tide_http_response *r); /* after redirects */
/* The value of header `name` (case-insensitive; repeated headers come
 * joined with ", "), or NULL. */
const char *tide_http_header_get(const tide_http_response *r,
                                const char *name);
size_t tide_http_header_count(const tide_http_response *r);
/* The i-th header (names in lower case). Errors: TIDE_EINVAL if i is out
 * of range. */
int tide_http_header_at(const tide_http_response *r, size_t i,
                        const char **name, const char **value);
/* The body and (if len is not NULL) its length in bytes. Always followed by
 * a NUL, so a text body reads as a C string. */
const char *tide_http_body(const tide_http_response *r, size_t *len);
/* NULL is a no-op. */
void tide_http_response_free(tide_http_response *r);

/* ------------------------------------------------------------------------ */
/* Threads: to_thread and call_soon_threadsafe                               */
/* ------------------------------------------------------------------------ */

/*
 * A blocking function for tide_to_thread (the C form of the function given
 * to asyncio.to_thread). It runs on a pool thread - or, on a host without
 * threads, on the loop's own thread - and must not touch the loop except
 * through tide_call_soon_threadsafe. It returns 0 and may store a value in
 * *result, or returns a negative error (any code; TIDE_EUSER and below are
 * the program's own), which becomes the error of the await. A positive
 * return counts as 0. *result starts as NULL.
 */
typedef int (*tide_thread_fn)(void *arg, void **result);

/*
 * Called on the loop's thread when a to_thread call is given up: the
 * awaiting task was cancelled (or its loop destroyed) before it could take
 * the outcome. `result` is what the function stored (NULL if it never ran),
 * `err` what it returned (TIDE_ECANCELLED if it never ran). Release here
 * what `arg` and `result` own. It runs outside any task, possibly between
 * iterations or inside tide_loop_destroy: it must not await, nor count on
 * tide_running_loop().
 */
typedef void (*tide_thread_abandon_fn)(void *arg, void *result, int err);

/*
 * Awaitable (asyncio.to_thread): runs fn(arg, &value) off the loop and
 * resumes the current task with its outcome, while the loop goes on running
 * other tasks, callbacks and timers. On success *result (if not NULL)
 * receives the value; on failure it is left alone.
 *
 * Where the function runs:
 *  - native: on a small pool of threads owned by the loop (at most
 *    TIDE_THREAD_POOL_SIZE from src/config.h), started on first use and
 *    joined when the loop is destroyed; calls beyond that wait their turn,
 *    first come first served;
 *  - Emscripten built with pthreads (build/em-mt, tide-emcc --threads; it
 *    only loads in a cross-origin isolated page): on Web Workers, the same
 *    way, except that nothing ever blocks the page's main thread;
 *  - WASI preview1 and Emscripten without pthreads: inline, on the loop's
 *    thread, before the task is suspended: the loop stands still while it
 *    runs. tide_to_thread_is_inline() says which; in debug mode each inline
 *    call is reported (TIDE_DEBUG_BLOCKING), and on Emscripten the JS API
 *    says so once a run, debug mode or not.
 * In every case the task is suspended and resumed from the loop, so the
 * other tasks get their turn before it goes on.
 *
 * Cancellation is asyncio's: a thread cannot be interrupted. Cancelling the
 * awaiting task ends the await at once with TIDE_ECANCELLED; a call still
 * waiting for a thread is dropped and never runs; a running one runs on,
 * and when it returns its outcome goes to `abandon` (if not NULL) instead.
 * So `arg` must stay valid until the function has returned, which can be
 * after the awaiting task has finished: do not point it into the task's
 * frame unless the task never lets a cancellation through; hand over
 * ownership and free it in `abandon` (and after the await) instead.
 * `result` itself is only written while the task still waits, so it may
 * point into the frame.
 *
 * While calls run, a loop with nothing else to do waits for them rather
 * than reporting a deadlock. With the virtual clock, a call that returns
 * within the host's short grace of real time (src/config.h) takes no
 * virtual time; after that, virtual time jumps to the next timer as usual
 * (so a timeout around a long call can expire). A run (tide_loop_run) may
 * end while abandoned calls still run on; tide_loop_destroy waits for them
 * and hands their outcomes to `abandon` - except on Emscripten, where the
 * page's main thread must never wait: there they finish on their workers
 * and are freed later through the loop's allocator, which must stay
 * usable until then.
 *
 * Errors: TIDE_EINVAL (fn NULL), TIDE_ENOLOOP (not in a task), TIDE_ENOMEM,
 * TIDE_EHOST (no thread could be started and none is running; the message
 * says why), TIDE_ECANCELLED, or fn's own error. Suspends.
 */
TIDE_AWAITABLE tide_to_thread(tide_thread_fn fn, void *arg, void **result);
TIDE_AWAITABLE tide_to_thread_abandon(tide_thread_fn fn, void *arg,
                                      void **result,
                                      tide_thread_abandon_fn abandon);

/* 1 if tide_to_thread runs functions on the loop's own thread in this build
 * (WASI, Emscripten without pthreads), 0 if it uses threads. */
int tide_to_thread_is_inline(void);

/* Threads `loop` has started for to_thread calls and not yet stopped. */
size_t tide_loop_thread_count(const tide_loop *loop);

/*
 * Schedules cb(arg) on `loop` from any thread (asyncio's
 * call_soon_threadsafe). From the loop's own thread while it runs, this is
 * tide_call_soon: same ready queue, same FIFO. From another thread, the
 * call is queued for the loop and wakes it if it is blocked waiting; calls
 * from one thread run in the order they were made. Such a call is held in
 * memory from malloc(), not from the loop's allocator (which is only ever
 * used on the loop's thread); it runs in a later iteration, after what was
 * already ready. A negative return from cb goes to the exception handler.
 * A loop that is destroyed first frees pending calls without running them;
 * calling this on a destroyed loop is undefined, as with any handle.
 * Note: a loop with nothing to do ends its run (TIDE_EDEADLOCK) rather than
 * wait for other threads that are not to_thread calls.
 * Errors: TIDE_EINVAL (loop or cb NULL), TIDE_ENOMEM, TIDE_EHOST (the
 * block the loop shares with other threads, made on first use with
 * malloc(), could not get its mutex). Does not suspend.
 */
int tide_call_soon_threadsafe(tide_loop *loop, tide_callback cb, void *arg);

/* ------------------------------------------------------------------------ */
/* Coroutine macros                                                          */
/* ------------------------------------------------------------------------ */

/* The frame header: first member of every frame struct. Its fields are
 * private to the macros. */
typedef struct tide_frame {
    int pc;         /* resume point; 0 = not started */
    int err;        /* error being propagated, 0 if none */
    void *result;   /* value given to TIDE_RETURN */
    void *msg;      /* message of `err` (the core's reference); while err
                       is 0, of the error caught last (for a re-raise) */
    unsigned unwinding : 1; /* inside the FINALLY section */
    unsigned caught : 31;   /* the error caught last (its low 31 bits, which
                               tell negative codes apart), 0 if none */
} tide_frame;

#define TIDE_FRAME tide_frame tide__frame
#define TIDE__FRAME_INIT {0, 0, 0, 0, 0, 0}

/* Internal values of the protocol between the macros and the core. */
#define TIDE_PENDING 1       /* an awaitable registered the task: suspend */
#define TIDE__SUSPENDED 1    /* a coroutine returned to the loop */
/* tide_sleep(0), and the coroutine that awaited it: suspend, and the step
 * puts the task back in the ready queue (where it checks, for free, that
 * nothing else registered it). The macros pass any positive value up as it
 * is; this one is odd on purpose, so that no hand-written `return 2;` can
 * pass for it. */
#define TIDE__YIELDED 0x5E1D
#define TIDE__PC_UNWIND (-1) /* resume in FINALLY (or END if none) */
#define TIDE__PC_END (-2)    /* resume at END */

#if defined(__GNUC__) || defined(__clang__)
#define TIDE__FALLTHROUGH __attribute__((fallthrough))
#else
#define TIDE__FALLTHROUGH ((void)0)
#endif

int tide__wake_status(void);
/* How every loop begins, for the macros below, which read it through the
 * running loop's pointer (not API: src/internal.h's struct tide_loop
 * starts the same way, and checks that it does). First a message header,
 * the yield's mark, which tide_sleep(0) leaves in the task as the loop's
 * own address: a store of a register. */
struct tide__loop_head {
    void *tide__mark_links[2];
    uint32_t tide__mark_counts[3];
    void *tide__mark_ptrs[2];
    int wake_status; /* the outcome the resumed task's await sees */
    int call_room;   /* how many more TIDE_AWAIT_CALLs may nest */
    uintptr_t stack_floor; /* wasm: the lowest stack pointer for a call */
    struct tide__task_head *current; /* the task whose step runs, or NULL */
    int detail_code; /* the code of the loop's detail, 0 if none (TIDE_TRY) */
};
/* How every task begins, for tide_sleep's inline yield below (internal.h's
 * struct tide_task starts the same way, and checks that it does). */
struct tide__task_head {
    void *tide__run; /* its ready-queue link */
    void *msg;       /* its outcome's message; the step's mark (below) */
};
#define TIDE__LOOP_HEAD(L) ((struct tide__loop_head *)(void *)(L))
/* The wake-up outcome of the task being resumed, read where an await
 * resumes: a load, not a call, on the hot path of every task switch. */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) &&                      \
    __STDC_VERSION__ >= 201112L
extern _Thread_local tide_loop *tide__running;
#define TIDE__WAKE_STATUS() (TIDE__LOOP_HEAD(tide__running)->wake_status)
#define TIDE__INLINE_YIELD 1
#else
#define TIDE__WAKE_STATUS() tide__wake_status()
#define TIDE__INLINE_YIELD 0
#endif

/* tide_sleep: every case but the plain yield's common one (src/sleep.c). */
TIDE_AWAITABLE tide__sleep(double seconds);
/* The plain yield, inline in the coroutine that awaits it: a call less per
 * task switch (12.3 -> 10.8 ns on WASI, design.md). It registers nothing:
 * the step that TIDE__YIELDED returns to queues the task. A task whose
 * t->msg is set takes the out-of-line path: it holds the message of its
 * last await (which that path clears) or, with the misuse checks on, the
 * step's mark. The mark is the loop's address, which a yield and every
 * wait that registers the task leave in t->msg and the step's end clears:
 * an awaitable called after another one whose result was dropped finds it
 * here, and refuses (src/misuse.c). */
/* Whether task t (a tide__task_head, or src/internal.h's tide_task) must
 * take an awaitable's out-of-line entry: the test every awaitable makes
 * first (src/internal.h, tide__current_for_await). */
#define TIDE__AWAIT_OUT_OF_LINE(t) ((t)->msg != NULL)
#if defined(TIDE_CHECKS) && !TIDE_CHECKS /* measuring only: config.h */
#define TIDE__YIELD_MARK(L, t) ((void)0)
#else
#define TIDE__YIELD_MARK(L, t) ((void)((t)->msg = (L)))
#endif
static inline TIDE_AWAITABLE tide_sleep(double seconds)
{
#if TIDE__INLINE_YIELD
    struct tide__loop_head *L = TIDE__LOOP_HEAD(tide__running);
    struct tide__task_head *t = L ? L->current : NULL;
    if (t && !TIDE__AWAIT_OUT_OF_LINE(t) && seconds <= 0) { /* (NaN: not) */
        tide_await yielded = {TIDE__YIELDED};
        TIDE__YIELD_MARK(L, t);
        return yielded;
    }
#endif
    return tide__sleep(seconds);
}
/* Sets fr->err (and its message) and fr->pc: where the raise goes on -
 * the exit of the innermost scope the frame has open, else FINALLY (or,
 * inside it, END). */
void tide__raise(tide_frame *fr, int err, int adopt, const char *text);
void tide__raise_fmt(tide_frame *fr, int err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void tide__caught(tide_frame *fr, int err);
const char *tide__frame_message(const tide_frame *fr);
tide_status tide__end(tide_frame *fr);
/* A resume at a point that the coroutine's switch does not hold: raises
 * TIDE_ESTATE in fr, with a message, and reports it (src/misuse.c). */
void tide__resume_lost(tide_frame *fr);

#define TIDE__FR(f) (&(f)->tide__frame)

/* Jump to FINALLY (or, inside it, to END) carrying error `e`: with the
 * message of the await that failed (adopt 1), of the error being re-raised
 * (adopt 2: the one the frame caught or propagates, if it is `e`), the
 * detail of the call that failed (adopt 3: TIDE_TRY's, if its code is
 * `e`), with `text`, or none. */
#define TIDE__RAISE_AS(f, e, adopt, text)                                      \
    do {                                                                       \
        tide__raise(TIDE__FR(f), (e), (adopt), (text));                        \
        goto tide__top;                                                        \
    } while (0)
#define TIDE__RAISE(f, e) TIDE__RAISE_AS(f, e, 1, NULL)

#define TIDE_BEGIN(f)                                                          \
    tide__top:                                                                 \
    switch (TIDE__FR(f)->pc) {                                                 \
    case 0:

/* Starts the cleanup section, entered on normal completion, TIDE_RETURN or
 * an error. Optional; at most one, just before TIDE_END. */
#define TIDE_FINALLY(f)                                                        \
    TIDE__FALLTHROUGH;                                                         \
    case TIDE__PC_UNWIND:                                                      \
        TIDE__FR(f)->unwinding = 1

/* The switch's `default` is reached only by a jump: to END (pc
 * TIDE__PC_END, or TIDE__PC_UNWIND without a FINALLY), or to a resume
 * point this switch does not hold - an await inside a switch statement of
 * the coroutine's own, whose `case` went to that switch: the task fails
 * then (tide__resume_lost) instead of ending as a success. A body that
 * runs to its end skips the test. */
#define TIDE_END(f)                                                            \
    if (0) {                                                                   \
    default:                                                                   \
        if (TIDE__FR(f)->pc > 0) {                                             \
            tide__resume_lost(TIDE__FR(f));                                    \
            goto tide__top;                                                    \
        }                                                                      \
    }                                                                          \
    }                                                                          \
    return tide__end(TIDE__FR(f))

/* The error being propagated (in FINALLY), 0 if none, and its message
 * (NULL if none; valid until the frame ends or raises anew). */
#define TIDE_ERROR(f) (TIDE__FR(f)->err)
#define TIDE_ERROR_MESSAGE(f) tide__frame_message(TIDE__FR(f))
/* The value passed to TIDE_RETURN by a finished sub-coroutine frame. */
#define TIDE_RESULT(f) (TIDE__FR(f)->result)

/* Finish successfully with `value` (a void *), running FINALLY first. Inside
 * FINALLY it also swallows the pending error. */
#define TIDE_RETURN(f, value)                                                  \
    do {                                                                       \
        TIDE__FR(f)->result = (void *)(value);                                 \
        tide__raise(TIDE__FR(f), 0, 0, NULL);                                  \
        goto tide__top;                                                        \
    } while (0)

/* Raise error `e` (negative) like an exception. If `e` is the error the
 * frame caught last, or the one FINALLY propagates, this re-raises it with
 * its message and story (rule 5). TIDE_THROW_MSG: with a new message
 * (copied; if it cannot be allocated the error goes on without it).
 * A positive `e` (an errno value, say) is no error: TIDE_ESTATE is raised
 * instead, with a message saying so (and the message given), reported at
 * once to the exception handler ("coroutine misuse"). 0 raises nothing:
 * the coroutine goes on to FINALLY and ends without error. */
#define TIDE_THROW(f, e) TIDE__RAISE_AS(f, (e), 2, NULL)
#define TIDE_THROW_MSG(f, e, msg) TIDE__RAISE_AS(f, (e), 0, (msg))
/* TIDE_THROW_MSG with a message made printf-style, as Python's
 * raise E(f"..."): TIDE_THROW_FMT(f, TIDE_EUSER, "HTTP %d", status). */
#define TIDE_THROW_FMT(f, e, ...)                                              \
    do {                                                                       \
        tide__raise_fmt(TIDE__FR(f), (e), __VA_ARGS__);                        \
        goto tide__top;                                                        \
    } while (0)

/* Evaluate a non-suspending call; a negative result is raised, with the
 * call's detail as its message if it left one (tide_error_detail). Given
 * an awaitable, it stops the compile with a message saying what to
 * write. */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) &&                      \
    __STDC_VERSION__ >= 201112L
#define TIDE__NOT_AWAITABLE(call)                                              \
    _Static_assert(!_Generic((call), tide_await: 1, default: 0),               \
                   "TIDE_TRY(f, call) got an awaitable: write "                \
                   "TIDE_AWAIT(f, call) to await it");
#define TIDE__INT_RESULT(call) _Generic((call), tide_await: 0, default: (call))
#else
#define TIDE__NOT_AWAITABLE(call)
#define TIDE__INT_RESULT(call) (call)
#endif
/* The detail of an earlier failure is cleared first: only the call's own
 * can be raised with its error (tide_error_detail). Inline, a test of the
 * running loop's head; the call out only when there is one to clear. */
void tide__detail_clear(void);
#if TIDE__INLINE_YIELD
#define TIDE__DETAIL_CLEAR()                                                   \
    (tide__running && TIDE__LOOP_HEAD(tide__running)->detail_code              \
         ? tide__detail_clear()                                                \
         : (void)0)
#else
#define TIDE__DETAIL_CLEAR() tide__detail_clear()
#endif
#define TIDE_TRY(f, call)                                                      \
    do {                                                                       \
        TIDE__NOT_AWAITABLE(call)                                              \
        int tide__rc_ = (TIDE__DETAIL_CLEAR(), TIDE__INT_RESULT(call));        \
        if (tide__rc_ < 0)                                                     \
            TIDE__RAISE_AS(f, tide__rc_, 3, NULL);                             \
    } while (0)

/* Await an awaitable call; its error is raised. */
#define TIDE_AWAIT(f, call) TIDE__AWAIT(f, call, __COUNTER__ + 1, tide__rc_)

/* Await an awaitable call; its outcome (0 or error) goes to the int lvalue
 * `rc` and nothing is raised. */
#define TIDE_AWAIT_CATCH(f, call, rc)                                          \
    TIDE__AWAIT_CATCH(f, call, rc, __COUNTER__ + 1)

/* Await sub-coroutine `fn` on frame `sub` inline; its error is raised.
 * `sub` must stay the same frame until the call ends (rule 7). */
#define TIDE_AWAIT_CALL(f, fn, sub)                                            \
    TIDE__AWAIT_CALL(f, fn, sub, __COUNTER__ + 1)

/* Await sub-coroutine `fn` on frame `sub` inline; its outcome (0 or error)
 * goes to the int lvalue `rc` and nothing is raised. */
#define TIDE_AWAIT_CALL_CATCH(f, fn, sub, rc)                                  \
    TIDE__AWAIT_CALL_CATCH(f, fn, sub, rc, __COUNTER__ + 1)

/* TIDE_AWAIT_CALL on a frame set first to {fields...}: `sub` points to a
 * `struct fn` in the caller's frame (named like the function, as for
 * TIDE_SPAWN). TIDE_AWAIT_CALL_INIT(f, fetch, &f->fetch, .url = u) */
#define TIDE_AWAIT_CALL_INIT(f, fn, sub, ...)                                  \
    do {                                                                       \
        *(sub) = (struct fn){.tide__frame = TIDE__FRAME_INIT, __VA_ARGS__};    \
        TIDE_AWAIT_CALL(f, fn, sub);                                           \
    } while (0)

/* Yield to the loop for one iteration (asyncio.sleep(0)). */
#define TIDE_YIELD(f) TIDE_AWAIT(f, tide_sleep(0))

/* `async with scope:` - the block that follows runs inside `scope` (a
 * tide_scope from tide_lock_scope, tide_timeout_scope, ...). See "async
 * with: TIDE_WITH" above for what it does and its rules. */
#define TIDE_WITH(f, scope)                                                    \
    TIDE__WITH(f, scope, __COUNTER__ + 1, __COUNTER__ + 1, __COUNTER__ + 1)

/* `try: async with scope: body` with an `except` after it: the block runs
 * as TIDE_WITH's, but the outcome it leaves with (once the scope's exit
 * has had its say: TIDE_ETIMEDOUT from a timeout, TIDE_EGROUP from a
 * group, an error of the entry itself, which skips the block) goes to the
 * int lvalue `rc`, 0 if none, instead of being raised, as TIDE_AWAIT_CATCH
 * does: execution goes on after the block, tide_error_message() and
 * tide_error_egroup() describe it until the next await, and TIDE_THROW(f,
 * rc) re-raises it. A TIDE_RETURN in the block still returns.
 *     TIDE_WITH_CATCH(f, tide_timeout_scope(10, NULL), f->rc) {
 *         TIDE_AWAIT(f, tide_sleep(20));
 *     }
 *     if (f->rc == TIDE_ETIMEDOUT) puts("timed out");  // except TimeoutError
 *     else if (f->rc < 0) TIDE_THROW(f, f->rc);        // anything else: on
 * In FINALLY, what it catches does not end the error FINALLY propagates. */
#define TIDE_WITH_CATCH(f, scope, rc)                                          \
    TIDE__WITH_CATCH(f, scope, rc, __COUNTER__ + 1, __COUNTER__ + 1,           \
                     __COUNTER__ + 1)

/* The protocol between TIDE_WITH and the core (scope.c). A TIDE_WITH is a
 * loop whose passes are: enter (await the entry), the block (an inner
 * loop whose increment, like a break, ends it), leave (await the exit,
 * then go on after the block, or on with the error leaving it). Its state
 * lives in the loop's record of the scope, found by frame and `site` -
 * the clauses use no locals, so the switch may resume anywhere in it.
 * A raise, or TIDE_RETURN, in the block jumps to `leave`. */
enum { TIDE__WITH_ENTER = 0, TIDE__WITH_BODY = 1, TIDE__WITH_LEAVE = 2 };
void tide__with_start(tide_frame *fr, int site);
int tide__with_next(tide_frame *fr, int site);
int tide__with_phase(const tide_frame *fr, int site);
tide_await tide__with_enter(tide_frame *fr, int site, int leave,
                            tide_scope scope);
void tide__with_entered(tide_frame *fr, int site);
int tide__with_inside(const tide_frame *fr, int site);
void tide__with_left(tide_frame *fr, int site);
int tide__with_exit(tide_frame *fr, int site);
int tide__with_done(tide_frame *fr, int site, int rc);

/* TIDE_WITH_CATCH's: an entry that failed (rc < 0) leaves no record and
 * skips the block (1); the outcome after the exit goes to *out, raised
 * never - but a return from the block goes on (1). */
int tide__with_failed(tide_frame *fr, int site, int rc);
int tide__with_done_catch(tide_frame *fr, int site, int rc, int *out);

/* Both forms: `enter` awaits the entry, `failed` is non-zero when it
 * failed and was caught (the block is skipped), `done` is non-zero when
 * the block's outcome goes on elsewhere (a raise, a return). */
#define TIDE__WITH_(f, site, leave, resume, enter, failed, done)               \
    for (tide__with_start(TIDE__FR(f), site);;)                                \
        if (tide__with_next(TIDE__FR(f), site) == TIDE__WITH_ENTER) {          \
            enter;                                                             \
            if (failed)                                                        \
                break;                                                         \
            tide__with_entered(TIDE__FR(f), site);                             \
        } else if (tide__with_phase(TIDE__FR(f), site) == TIDE__WITH_LEAVE) {  \
            int tide__rc_;                                                     \
            if (0) {                                                           \
            case (leave):                                                      \
                ;                                                              \
            }                                                                  \
            tide__rc_ = tide__with_exit(TIDE__FR(f), site);                    \
            if (tide__rc_ == TIDE_PENDING) {                                   \
                TIDE__FR(f)->pc = (resume);                                    \
                return TIDE__SUSPENDED;                                        \
            case (resume):                                                     \
                tide__rc_ = TIDE__WAKE_STATUS();                               \
            }                                                                  \
            if (done)                                                          \
                goto tide__top;                                                \
            break;                                                             \
        } else                                                                 \
            for (; tide__with_inside(TIDE__FR(f), site);                       \
                 tide__with_left(TIDE__FR(f), site))

#define TIDE__WITH(f, scope, site, leave, resume)                              \
    TIDE__WITH_(f, site, leave, resume,                                        \
                TIDE__AWAIT(f, tide__with_enter(TIDE__FR(f), site, leave,      \
                                                scope),                        \
                            site, tide__rc_),                                  \
                0, tide__with_done(TIDE__FR(f), site, tide__rc_))

#define TIDE__WITH_CATCH(f, scope, rc, site, leave, resume)                    \
    TIDE__WITH_(f, site, leave, resume,                                        \
                TIDE__AWAIT_CATCH(f, tide__with_enter(TIDE__FR(f), site,       \
                                                      leave, scope),           \
                                  rc, site),                                   \
                tide__with_failed(TIDE__FR(f), site, (rc)),                    \
                tide__with_done_catch(TIDE__FR(f), site, tide__rc_, &(rc)))

#define TIDE__AWAIT(f, call, id, rcv)                                          \
    do {                                                                       \
        int rcv = (call).tide__rc;                                             \
        if (rcv > 0) { /* TIDE_PENDING or TIDE__YIELDED */                     \
            TIDE__FR(f)->pc = (id);                                            \
            return rcv;                                                        \
        case (id):                                                             \
            rcv = TIDE__WAKE_STATUS();                                         \
        }                                                                      \
        if (rcv < 0)                                                           \
            TIDE__RAISE(f, rcv);                                               \
    } while (0)

#define TIDE__AWAIT_CATCH(f, call, rc, id)                                     \
    do {                                                                       \
        (rc) = (call).tide__rc;                                                \
        if ((rc) > 0) { /* TIDE_PENDING or TIDE__YIELDED */                    \
            TIDE__FR(f)->pc = (id);                                            \
            return (rc);                                                       \
        case (id):                                                             \
            (rc) = TIDE__WAKE_STATUS();                                        \
        }                                                                      \
        if ((rc) > 0)                                                          \
            (rc) = 0;                                                          \
        else if ((rc) < 0)                                                     \
            tide__caught(TIDE__FR(f), (rc));                                   \
    } while (0)

/* Sub-coroutine calls. The loop counts the room left for nested calls
 * (call_room) and, on wasm, where nothing guards the end of the C stack,
 * keeps the lowest stack pointer a call may start from (stack_floor); the
 * slow paths below set the task's message and return
 * TIDE_ESTATE (or TIDE_ENOLOOP outside a loop). */
int tide__call_refused(const char *file, int line);
int tide__call_restarted(const char *file, int line);
#if defined(TIDE_CHECKS) && !TIDE_CHECKS /* measuring only: config.h */
#define TIDE__CALL_ENTER() 1
#define TIDE__CALL_LEAVE() ((void)0)
#define TIDE__CALL_FRESH(sub) 0
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) &&                    \
    __STDC_VERSION__ >= 201112L
#define TIDE__CALL_ROOM() (TIDE__LOOP_HEAD(tide__running)->call_room)
#if defined(__wasm__)
#define TIDE__STACK_OK()                                                       \
    ((uintptr_t)__builtin_frame_address(0) >                                   \
     TIDE__LOOP_HEAD(tide__running)->stack_floor)
#else
#define TIDE__STACK_OK() 1
#endif
#define TIDE__CALL_ENTER()                                                     \
    (tide__running && --TIDE__CALL_ROOM() >= 0 && TIDE__STACK_OK())
#define TIDE__CALL_LEAVE() ((void)++TIDE__CALL_ROOM())
#else
int tide__call_enter(void);
void tide__call_leave(void);
#define TIDE__CALL_ENTER() tide__call_enter()
#define TIDE__CALL_LEAVE() tide__call_leave()
#endif
#ifndef TIDE__CALL_FRESH
#define TIDE__CALL_FRESH(sub) (((tide_frame *)(sub))->pc == 0)
#endif

/* Runs (first pass) or resumes (case id) fn on sub, leaving its outcome in
 * rcv; returns from the caller if fn suspended. A resumed frame whose pc is
 * 0 was made anew since it suspended (rule 7): refused, never restarted. */
#define TIDE__CALL(f, fn, sub, id, rcv)                                        \
    do {                                                                       \
        void *tide__sub_;                                                      \
        int tide__resumed_;                                                    \
        if (0) {                                                               \
        case (id):                                                             \
            tide__resumed_ = 1;                                                \
        } else {                                                               \
            tide__resumed_ = 0;                                                \
        }                                                                      \
        tide__sub_ = (sub); /* (a compound literal lives to the block end) */ \
        if (tide__resumed_ && TIDE__CALL_FRESH(tide__sub_)) {                  \
            (rcv) = tide__call_restarted(__FILE__, __LINE__);                  \
            break;                                                             \
        }                                                                      \
        if (!TIDE__CALL_ENTER()) {                                             \
            (rcv) = tide__call_refused(__FILE__, __LINE__);                    \
            break;                                                             \
        }                                                                      \
        (rcv) = (fn)(tide__sub_);                                              \
        TIDE__CALL_LEAVE();                                                    \
        if ((rcv) > 0) { /* suspended: how, the step needs to know */          \
            TIDE__FR(f)->pc = (id);                                            \
            return (rcv);                                                      \
        }                                                                      \
    } while (0)

#define TIDE__AWAIT_CALL(f, fn, sub, id)                                       \
    do {                                                                       \
        int tide__rc_;                                                         \
        TIDE__CALL(f, fn, sub, id, tide__rc_);                                 \
        if (tide__rc_ < 0)                                                     \
            TIDE__RAISE(f, tide__rc_);                                         \
    } while (0)

#define TIDE__AWAIT_CALL_CATCH(f, fn, sub, rc, id)                             \
    do {                                                                       \
        TIDE__CALL(f, fn, sub, id, rc);                                        \
        if ((rc) < 0)                                                          \
            tide__caught(TIDE__FR(f), (rc));                                   \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* TIDE_H */
