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
 *     TIDE_TRY(m, TIDE_SPAWN(&t, worker, "worker-A", .name = "A", .delay = 3));
 *
 * TIDE_SPAWN(out, fn, name, fields...) needs the frame struct to be named
 * like the function (`struct worker` for `worker`); tide_spawn() is the
 * general form.
 *
 * Rules of the coroutine macros (read them once):
 *  1. A coroutine is `tide_status fn(void *frame)`. Its body sits between
 *     TIDE_BEGIN(f) and TIDE_END(f); `f` is a pointer to a frame struct whose
 *     first member is TIDE_FRAME.
 *  2. Locals do not survive an await: keep anything needed after one in the
 *     frame. Out-parameters of awaited calls must point into the frame.
 *  3. The macros use a `switch`: do not await inside a `switch` of your own
 *     (an `if`/`for`/`while` is fine).
 *  4. An awaited error propagates like an exception: the coroutine jumps to
 *     its TIDE_FINALLY section (if it has one), runs it, and finishes with
 *     the error. Writing nothing means "re-raise" - exactly what asyncio's
 *     "always re-raise CancelledError" asks for.
 *  5. Catching is explicit: TIDE_AWAIT_CATCH(f, call, rc) stores the error
 *     in `rc` instead of propagating (the C form of `except ...:`). In a
 *     FINALLY section, TIDE_ERROR(f) is the error being propagated (0 if
 *     none); TIDE_RETURN there swallows it (`except: return value`).
 *  6. An error raised inside FINALLY (by an await or TIDE_THROW) replaces the
 *     pending one and ends the coroutine, as in Python.
 *  7. A sub-coroutine is awaited inline with TIDE_AWAIT_CALL(f, fn, sub):
 *     `sub` points to its frame, usually a member of the caller's frame,
 *     zero-initialised (or a compound literal) before the call. It runs in
 *     the caller's task; its TIDE_RETURN value is `sub`'s TIDE_RESULT().
 *
 * Awaitable calls (tide_sleep, tide_join, tide_gather, ...) return 0 when they
 * complete at once, a negative error code, or TIDE_PENDING after registering
 * the current task as a waiter; TIDE_AWAIT suspends on TIDE_PENDING and reads
 * the outcome when the task is resumed. Call them only inside TIDE_AWAIT*.
 *
 * Ownership: functions say who owns what. Handles returned through `out`
 * parameters are owned by the caller and released with the paired function;
 * destroy/release(NULL) is a no-op. A task runs to completion whether or not
 * anybody still holds its handle.
 *
 * Threads: a loop belongs to the thread that runs it. Tide's only state
 * outside a loop is one thread-local pointer to the running loop (the same
 * thing asyncio keeps for get_running_loop()); it is what lets tide_sleep()
 * and friends find their loop without passing it around.
 */
#ifndef TIDE_H
#define TIDE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIDE_VERSION "0.1.0"

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
    X(EHOST, -20, "host call failed")

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

/* ------------------------------------------------------------------------ */
/* Handles                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct tide_loop tide_loop;     /* an event loop */
typedef struct tide_task tide_task;     /* a task: coroutine + frame */
typedef struct tide_handle tide_handle; /* a scheduled callback */

/* A coroutine returns TIDE__SUSPENDED (via the macros), 0 when it finished
 * successfully, or a negative error it finished with. */
typedef int tide_status;
typedef tide_status (*tide_fn)(void *frame);

/* A callback scheduled with tide_call_soon/later/at. A negative return is
 * reported to the loop's exception handler; the loop carries on. */
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
int tide_loop_create(tide_loop **out, tide_alloc_fn alloc, void *alloc_ud);

/* Destroys a loop that is not running. Tasks still pending are reported to
 * the exception handler ("task was destroyed but it is pending") and freed,
 * with every task handle, handle and message the loop still owns. NULL is
 * a no-op. Errors: TIDE_EBUSY if called while the loop runs (nothing is
 * freed then). Does not suspend. */
int tide_loop_destroy(tide_loop *loop);

/* Configuration: call before tide_loop_run(). Each returns 0, or TIDE_EINVAL
 * for a bad value, TIDE_EBUSY while the loop runs. Defaults live in
 * src/config.h. */

/* Virtual clock (default off): time starts at 0 and, whenever nothing is
 * ready, jumps straight to the next timer. Runs are instant and
 * deterministic; this is what tests and the docs page use. */
int tide_loop_set_virtual_clock(tide_loop *loop, int on);

/* Guest hosts (Emscripten): how long one turn may run before the loop yields
 * a macrotask so the page can render. Default 6 ms. */
int tide_loop_set_turn_budget(tide_loop *loop, double seconds);

/* Called when the loop's work is finished (main task done and leftover
 * tasks cancelled), outside any turn: the callback may destroy the loop.
 * On blocking hosts it runs just before tide_loop_run() returns. */
typedef void (*tide_exit_fn)(tide_loop *loop, tide_task *main, int err,
                             void *arg);
int tide_loop_on_exit(tide_loop *loop, tide_exit_fn fn, void *arg);

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
 * host's event loop drives it and tide_loop_on_exit() reports the end.
 *
 * Errors: TIDE_EINVAL (fn NULL, frame_size too small, frame NULL),
 * TIDE_ERUNNING (a loop already runs on this thread), TIDE_EBUSY (this loop
 * already has a main task), TIDE_ENOMEM, TIDE_EDEADLOCK (every task waits
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
uint64_t tide_loop_iterations(const tide_loop *loop);

/* Tasks created on this loop and not yet finished. */
size_t tide_loop_pending_tasks(const tide_loop *loop);

/* The loop running on this thread, or NULL. */
tide_loop *tide_running_loop(void);

/* Time of the running loop (0 if none). */
double tide_time(void);

/*
 * Program entry for the examples and simple programs: creates a loop, runs
 * `main`, reports a failure of main on stderr and returns a process exit
 * status (0 ok, 1 failed). The environment variable TIDE_CLOCK=virtual
 * selects the virtual clock. On the guest host it starts the loop and
 * returns 0; the process exit status is set when the loop finishes.
 */
int tide_main(tide_fn main, const void *frame, size_t frame_size);

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------ */

/* Schedule cb(arg) on `loop`: soon (next iteration, FIFO), after `delay`
 * seconds, or at loop time `when`. A negative delay means "due now"; NaN is
 * TIDE_EINVAL. If `out` is not NULL it receives a handle the caller owns
 * (tide_handle_release), usable to cancel. Errors: TIDE_EINVAL, TIDE_ENOMEM
 * (cb is then never called). Do not suspend. */
int tide_call_soon(tide_loop *loop, tide_callback cb, void *arg,
                   tide_handle **out);
int tide_call_later(tide_loop *loop, double delay, tide_callback cb,
                    void *arg, tide_handle **out);
int tide_call_at(tide_loop *loop, double when, tide_callback cb, void *arg,
                 tide_handle **out);

/* Cancels a scheduled callback: it will never run. Returns 1 if it was
 * pending, 0 if it already ran or was cancelled. */
int tide_handle_cancel(tide_handle *h);
int tide_handle_cancelled(const tide_handle *h);
/* Releases the caller's reference. NULL is a no-op. */
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
 * the function. TIDE_SPAWN(&t, worker, "w1", .delay = 2) */
#define TIDE_SPAWN(out, fn, name, ...)                                         \
    tide_spawn((fn), &(struct fn){TIDE__FRAME_INIT, __VA_ARGS__},              \
               sizeof(struct fn), (name), (out))

/* Adds a reference (returns t); each is dropped by tide_task_release. */
tide_task *tide_task_retain(tide_task *t);
/* Drops the caller's reference. A pending task keeps running; the task is
 * freed once it is finished and unreferenced. NULL is a no-op. */
void tide_task_release(tide_task *t);

/* The task running now, or NULL outside any task. */
tide_task *tide_current_task(void);

/* The task's name: the one given at spawn, else "Task-<n>". The string is
 * owned by the task. Returns NULL only if a default name could not be
 * allocated. */
const char *tide_task_name(tide_task *t);
/* The task's number n (1, 2, ... per loop, in creation order). */
uint32_t tide_task_id(const tide_task *t);

int tide_task_done(const tide_task *t);      /* finished in any way */
int tide_task_cancelled(const tide_task *t); /* finished with ECANCELLED */

/* The task's outcome. Returns TIDE_ESTATE while it is pending, its error if
 * it failed (TIDE_ECANCELLED if cancelled), else 0 and stores the value it
 * returned with TIDE_RETURN in *value (if value is not NULL). */
int tide_task_result(const tide_task *t, void **value);
/* 0 if it succeeded, its error if it failed, TIDE_ESTATE if pending. */
int tide_task_error(const tide_task *t);
/* The message of the task's error (a cancel message, a TIDE_THROW_MSG
 * text), or NULL. Owned by the task. */
const char *tide_task_message(const tide_task *t);

/*
 * Requests cancellation (asyncio's Task.cancel(msg)): the task gets
 * TIDE_ECANCELLED at its current or next await; `msg` (may be NULL) is
 * copied and travels with the error. Returns 1 if the request took, 0 if
 * the task is already finished, TIDE_ENOMEM if the message could not be
 * copied (nothing changed then). Each call that takes counts in
 * tide_task_cancelling(). Does not suspend; a task may cancel itself.
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

/* Suspends the current task for `seconds` (asyncio.sleep). 0 or negative
 * yields for exactly one iteration; +inf sleeps until cancelled.
 * Errors: TIDE_EINVAL (NaN), TIDE_ENOLOOP (not in a task), TIDE_ECANCELLED
 * (cancelled while sleeping). Suspends. */
int tide_sleep(double seconds);

/* Waits for task `t` to finish (asyncio's `await task`): succeeds with its
 * value in *value (if not NULL) or fails with its error and message.
 * Cancelling the awaiting task cancels `t` too, and the awaiter gets what
 * `t` ends with. Returns at once if `t` is already done.
 * Errors: TIDE_EINVAL (t NULL), TIDE_ESELF (t is the current task),
 * TIDE_ENOLOOP, and whatever `t` failed with. Suspends unless t is done. */
int tide_join(tide_task *t, void **value);

/* Options for tide_gather. */
enum {
    /* asyncio's return_exceptions=True: child errors stay in their slots of
     * `errors` and the gather succeeds once every child is done. */
    TIDE_GATHER_RETURN_ERRORS = 1
};

/*
 * Waits for all `n` tasks (asyncio.gather). `values[i]` (if values is not
 * NULL) receives task i's value and `errors[i]` (if errors is not NULL) its
 * error (0 on success), in argument order whatever the completion order.
 * Without TIDE_GATHER_RETURN_ERRORS the first child error fails the gather
 * at once; the other children are not cancelled. Cancelling the awaiting
 * task cancels every unfinished child, and the awaiter gets TIDE_ECANCELLED
 * (even with TIDE_GATHER_RETURN_ERRORS). n == 0 succeeds at once.
 * The `values`/`errors` arrays must stay valid until the await ends (put
 * them in the frame). A task may appear more than once.
 * Errors: TIDE_EINVAL (tasks NULL with n > 0, a NULL task, unknown flags),
 * TIDE_ESELF (the current task is among them), TIDE_ENOMEM, TIDE_ENOLOOP,
 * TIDE_ECANCELLED, or a child's error. Suspends unless n == 0.
 */
int tide_gather(tide_task *const *tasks, size_t n, unsigned flags,
                void **values, int *errors);

/* The message of the error the current task is handling (inside FINALLY or
 * after TIDE_AWAIT_CATCH), or NULL. Owned by the task. */
const char *tide_error_message(void);

/* ------------------------------------------------------------------------ */
/* Coroutine macros                                                          */
/* ------------------------------------------------------------------------ */

/* The frame header: first member of every frame struct. Its fields are
 * private to the macros. */
typedef struct tide_frame {
    int pc;         /* resume point; 0 = not started */
    int err;        /* error being propagated, 0 if none */
    void *result;   /* value given to TIDE_RETURN */
    int unwinding;  /* inside the FINALLY section */
} tide_frame;

#define TIDE_FRAME tide_frame tide__frame
#define TIDE__FRAME_INIT {0, 0, 0, 0}

/* Internal values of the protocol between the macros and the core. */
#define TIDE_PENDING 1       /* an awaitable registered the task: suspend */
#define TIDE__SUSPENDED 1    /* a coroutine returned to the loop */
#define TIDE__PC_UNWIND (-1) /* resume in FINALLY (or END if none) */
#define TIDE__PC_END (-2)    /* resume at END */

#if defined(__GNUC__) || defined(__clang__)
#define TIDE__FALLTHROUGH __attribute__((fallthrough))
#else
#define TIDE__FALLTHROUGH ((void)0)
#endif

int tide__wake_status(void);
void tide__set_message(const char *msg);
tide_status tide__end(tide_frame *fr);

#define TIDE__FR(f) (&(f)->tide__frame)

/* Jump to FINALLY (or, inside it, to END) carrying error `e`. */
#define TIDE__RAISE(f, e)                                                      \
    do {                                                                       \
        TIDE__FR(f)->err = (e);                                                \
        TIDE__FR(f)->pc =                                                      \
            TIDE__FR(f)->unwinding ? TIDE__PC_END : TIDE__PC_UNWIND;           \
        goto tide__top;                                                        \
    } while (0)

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

#define TIDE_END(f)                                                            \
    TIDE__FALLTHROUGH;                                                         \
    default:                                                                   \
        break;                                                                 \
    }                                                                          \
    if (0)                                                                     \
        goto tide__top;                                                        \
    return tide__end(TIDE__FR(f))

/* The error being propagated (in FINALLY), 0 if none. */
#define TIDE_ERROR(f) (TIDE__FR(f)->err)
/* The value passed to TIDE_RETURN by a finished sub-coroutine frame. */
#define TIDE_RESULT(f) (TIDE__FR(f)->result)

/* Finish successfully with `value` (a void *), running FINALLY first. Inside
 * FINALLY it also swallows the pending error. */
#define TIDE_RETURN(f, value)                                                  \
    do {                                                                       \
        TIDE__FR(f)->result = (void *)(value);                                 \
        TIDE__FR(f)->err = 0;                                                  \
        TIDE__FR(f)->pc =                                                      \
            TIDE__FR(f)->unwinding ? TIDE__PC_END : TIDE__PC_UNWIND;           \
        goto tide__top;                                                        \
    } while (0)

/* Raise error `e` (negative) like an exception; with a message (copied). */
#define TIDE_THROW(f, e) TIDE__RAISE(f, (e))
#define TIDE_THROW_MSG(f, e, msg)                                              \
    do {                                                                       \
        tide__set_message(msg);                                                \
        TIDE__RAISE(f, (e));                                                   \
    } while (0)

/* Evaluate a non-suspending call; a negative result is raised. */
#define TIDE_TRY(f, call)                                                      \
    do {                                                                       \
        int tide__rc_ = (call);                                                \
        if (tide__rc_ < 0)                                                     \
            TIDE__RAISE(f, tide__rc_);                                         \
    } while (0)

/* Await an awaitable call; its error is raised. */
#define TIDE_AWAIT(f, call) TIDE__AWAIT(f, call, __COUNTER__ + 1, tide__rc_)

/* Await an awaitable call; its outcome (0 or error) goes to the int lvalue
 * `rc` and nothing is raised. */
#define TIDE_AWAIT_CATCH(f, call, rc)                                          \
    TIDE__AWAIT_CATCH(f, call, rc, __COUNTER__ + 1)

/* Await sub-coroutine `fn` on frame `sub` inline; its error is raised. */
#define TIDE_AWAIT_CALL(f, fn, sub)                                            \
    TIDE__AWAIT_CALL(f, fn, sub, __COUNTER__ + 1)

/* Yield to the loop for one iteration (asyncio.sleep(0)). */
#define TIDE_YIELD(f) TIDE_AWAIT(f, tide_sleep(0))

#define TIDE__AWAIT(f, call, id, rcv)                                          \
    do {                                                                       \
        int rcv = (call);                                                      \
        if (rcv == TIDE_PENDING) {                                             \
            TIDE__FR(f)->pc = (id);                                            \
            return TIDE__SUSPENDED;                                            \
        case (id):                                                             \
            rcv = tide__wake_status();                                         \
        }                                                                      \
        if (rcv < 0)                                                           \
            TIDE__RAISE(f, rcv);                                               \
    } while (0)

#define TIDE__AWAIT_CATCH(f, call, rc, id)                                     \
    do {                                                                       \
        (rc) = (call);                                                         \
        if ((rc) == TIDE_PENDING) {                                            \
            TIDE__FR(f)->pc = (id);                                            \
            return TIDE__SUSPENDED;                                            \
        case (id):                                                             \
            (rc) = tide__wake_status();                                        \
        }                                                                      \
        if ((rc) > 0)                                                          \
            (rc) = 0;                                                          \
    } while (0)

#define TIDE__AWAIT_CALL(f, fn, sub, id)                                       \
    do {                                                                       \
        int tide__rc_;                                                         \
        TIDE__FR(f)->pc = (id);                                                \
        TIDE__FALLTHROUGH;                                                     \
    case (id):                                                                 \
        tide__rc_ = (fn)(sub);                                                 \
        if (tide__rc_ == TIDE__SUSPENDED)                                      \
            return TIDE__SUSPENDED;                                            \
        if (tide__rc_ < 0)                                                     \
            TIDE__RAISE(f, tide__rc_);                                         \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* TIDE_H */
