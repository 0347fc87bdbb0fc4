/*
 * config.h - every tunable knob of Tide, with its default, in one place.
 * Runtime setters (tide_loop_set_*) start from these values.
 */
#ifndef TIDE_CONFIG_H
#define TIDE_CONFIG_H

/* Guest host: a turn that has run this long yields a macrotask so the page
 * can render and take input (DESIGN.md: 5-8 ms keeps a 60 Hz frame). */
#define TIDE_DEFAULT_TURN_BUDGET_NS (6 * 1000 * 1000)

/* Timers due within this much of "now" count as due (asyncio's
 * clock_resolution), so tiny sleeps do not spin the loop. */
#define TIDE_CLOCK_RESOLUTION_NS 1000

/* Initial capacity of the timer heap; it doubles as needed. */
#define TIDE_TIMER_HEAP_INITIAL 16

/* Buffer for default task names: "Task-" + up to 10 digits + NUL. */
#define TIDE_DEFAULT_NAME_MAX 16

/* Virtual clock with host work under way (a thread, a fetch): before time
 * jumps to the next timer, the host gets this much real time to finish. */
#define TIDE_VIRTUAL_GRACE_NS (50 * 1000 * 1000)

/* Debug mode: a task step or callback running longer than this is
 * reported (asyncio's slow_callback_duration, 0.1 s). */
#define TIDE_DEFAULT_SLOW_NS (100 * 1000 * 1000)

/* Longest debug or deadlock report (bytes); longer ones are cut. */
#define TIDE_REPORT_MAX 4096

/* HTTP (tide_http_fetch): the largest response body accepted, in bytes,
 * when a request does not set its own max_body. A bigger body fails with
 * TIDE_ENOMEM instead of exhausting wasm memory (2 GB at most). */
#define TIDE_HTTP_MAX_BODY (16u * 1024 * 1024)

/* to_thread: the most threads one loop starts (lazily, one per call that
 * finds no idle thread). Emscripten's pthread build preloads as many Web
 * Workers (-sPTHREAD_POOL_SIZE in the Makefile): keep the two equal. */
#define TIDE_THREAD_POOL_SIZE 4

#endif
