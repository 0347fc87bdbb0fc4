/*
 * config.h - every tunable knob of Tide, with its default, in one place.
 * Runtime setters (tide_loop_set_*) start from these values.
 */
#ifndef TIDE_CONFIG_H
#define TIDE_CONFIG_H

/* Guest host: a turn that has run this long yields a macrotask so the page
 * can render and take input. 4 ms, not the 5-8 that a 60 Hz frame allows:
 * the browser may add a garbage collection to the turn's task, and on a
 * busy machine its wall time was 20-40 ms (docs/design.md, the guest
 * host); the margin keeps the task under the 50 ms of a long task. */
#define TIDE_DEFAULT_TURN_BUDGET_NS (4 * 1000 * 1000)

/* Guest host: the JS clock is a call out of wasm, so a turn compares it
 * with the budget only after this many steps or this many iterations,
 * whichever comes first. 32 iterations (64 steps of a ping-pong) cost 4 %
 * of a task switch on Emscripten; iterations that run no step (timers
 * only) are rare and keep the second limit meaningful. */
#define TIDE_TURN_CHECK_STEPS 256
#define TIDE_TURN_CHECK_ITERATIONS 128

/* Timers due within this much of "now" count as due (asyncio's
 * clock_resolution), so tiny sleeps do not spin the loop. */
#define TIDE_CLOCK_RESOLUTION_NS 1000

/* Blocking hosts: the driver runs this many loop passes per call of its
 * inner function (run.c: V8 optimises a wasm function only for the calls
 * after it got hot, so the inner loop must return now and then). */
#define TIDE_DRIVE_BATCH 64

/* Buffer for default task names: "Task-" + up to 10 digits + NUL. */
#define TIDE_DEFAULT_NAME_MAX 16

/* Freed task blocks a loop keeps for its next spawns (alloc.c), in bins of
 * one block size each. The cache never makes a loop hold more task blocks,
 * cached and in use, than its tasks once held at once (their peak); it goes
 * back to the allocator when the loop is destroyed. 0 turns it off. */
#define TIDE_TASK_CACHE_BINS 4

/* Virtual clock with host work under way (a thread, a fetch): before time
 * jumps to the next timer, the host gets this much real time to finish. */
#define TIDE_VIRTUAL_GRACE_NS (50 * 1000 * 1000)

/* TIDE_TRACE_FD (trace_fd.c): the buffer of trace lines, and the longest
 * line (a longer task name is cut). */
#define TIDE_TRACE_FD_BUFFER 8192
#define TIDE_TRACE_FD_LINE 256

/* Debug mode: a task step or callback running longer than this is
 * reported (asyncio's slow_callback_duration, 0.1 s). */
#define TIDE_DEFAULT_SLOW_NS (100 * 1000 * 1000)

/* 0 compiles out the tests for debug mode and tracing on the hot paths
 * (they are then never on): not for use, only for measuring what those
 * tests cost when the modes are off. `make bench` builds tidebench_nohooks
 * this way beside tidebench. */
#ifndef TIDE_HOOKS
#define TIDE_HOOKS 1
#endif

/* How deep TIDE_AWAIT_CALL may nest in one task: each level is a C call
 * on every resume, so an unbounded chain would overflow the C stack (a
 * wasm engine's first, at some 10,000 levels). Deeper calls fail with
 * TIDE_ESTATE, like Python's RecursionError at its default limit. */
#define TIDE_MAX_CALL_DEPTH 1000

/* On wasm nothing guards the end of the C stack: a chain of TIDE_AWAIT_CALLs
 * that outgrows it overwrites the program's static data without a trap
 * (WASI's stack is 64 KiB unless linked with -z stack-size; a level with a
 * 64-byte C frame reaches that before TIDE_MAX_CALL_DEPTH). So a call there
 * also fails with TIDE_ESTATE once fewer than this many bytes of stack are
 * left, for the innermost step and the report. */
#define TIDE_CALL_STACK_MARGIN (16 * 1024)

/* 0 compiles out the always-on checks for misuse of the coroutine
 * protocol (an awaitable outside TIDE_AWAIT, a re-created sub-coroutine
 * frame, a call from a thread that does not own the loop): not for use,
 * only for measuring what they cost. `make bench` builds tidebench_nochecks
 * this way beside tidebench. tide.h reads the same name for the checks in
 * its macros. */
#ifndef TIDE_CHECKS
#define TIDE_CHECKS 1
#endif

/* Longest debug or deadlock report (bytes); longer ones are cut. */
#define TIDE_REPORT_MAX 4096

/* TIDE_EGROUP's message, one line telling every child's error: longer
 * ones end with "; and N more" (the list it carries has them all). A
 * nested group's line is cut shorter inside its parent's, and debug mode
 * prints nested groups this deep. */
#define TIDE_EGROUP_TEXT_MAX 1024
#define TIDE_EGROUP_NESTED_MAX 240
#define TIDE_EGROUP_PRINT_DEPTH 16

/* HTTP (tide_http_fetch): the largest response body accepted, in bytes,
 * when a request does not set its own max_body. A bigger body fails with
 * TIDE_ENOMEM instead of exhausting wasm memory (2 GB at most). */
#define TIDE_HTTP_MAX_BODY (16u * 1024 * 1024)

/* to_thread: the most threads one loop starts (lazily, one per call that
 * finds no idle thread). Emscripten's pthread build preloads as many Web
 * Workers: the Makefile reads this number for -sPTHREAD_POOL_SIZE. */
#define TIDE_THREAD_POOL_SIZE 4

/* Streams (tide_reader, tide_writer), with asyncio's defaults: the
 * reader's limit on a line or a search for a separator (asyncio's
 * _DEFAULT_LIMIT), and the writer's high- and low-water marks (its
 * FlowControlMixin's: drain waits above the high one until the buffer is
 * down to the low one, a quarter of it). */
#define TIDE_STREAM_LIMIT (64 * 1024)
#define TIDE_WRITE_HIGH_WATER (64 * 1024)
#define TIDE_WRITE_LOW_WATER (TIDE_WRITE_HIGH_WATER / 4)
/* One read from an fd takes at most this many bytes: a reader's buffer
 * grows by at most this much per loop iteration (asyncio's pipe transport
 * reads 256 KiB at a time, and stops reading above twice the limit). */
#define TIDE_READ_CHUNK (64 * 1024)

#endif
