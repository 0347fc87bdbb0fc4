/*
 * select.c - the one place where the host is chosen, at compile time: its
 * files (host.h says what each one does) are compiled here into one
 * object, so the core never tests which host it is built for.
 */
#if defined(__EMSCRIPTEN__)
#include "emscripten.c"
#include "emscripten_jsapi.c"
#include "calls_js.c"
#include "fd_none.c"
#if defined(__EMSCRIPTEN_PTHREADS__)
#include "threads_pthread.c"
#include "threads_emscripten.c"
#else
#include "threads_none.c"
#endif
#elif defined(__wasi__)
#define TIDE__HOST_NAME "WASI"
#include "wasi.c"
#include "wasi_stop.c"
#include "fd_libc.c"
#include "threads_none.c"
#include "calls_none.c"
#else
#define TIDE__HOST_NAME "native"
#include "posix.c"
#include "fd_libc.c"
#include "threads_pthread.c"
#include "calls_none.c"
#endif
