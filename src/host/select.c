/*
 * select.c - the one place where the host is chosen, at compile time.
 * Each host file implements the interface in src/internal.h ("host
 * interface"): the clock, waiting (blocking hosts) or scheduling turns
 * (guest host), and the exit status of tide_main programs; and host
 * operations (src/hostcall.h): JS calls and fetch, or TIDE_ENOTSUP.
 */
#if defined(__EMSCRIPTEN__)
#include "emscripten.c"
#include "calls_js.c"
#elif defined(__wasi__)
#include "wasi.c"
#include "calls_none.c"
#else
#include "posix.c"
#include "calls_none.c"
#endif
