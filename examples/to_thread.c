/*
 * to_thread.c - the tutorial's blocking_operation: a plain C function that
 * blocks (here it sleeps for two seconds) runs off the loop with
 * tide_to_thread, and the task gets its result, as with
 *
 *     result = await asyncio.to_thread(blocking_operation, 21)
 *
 * Natively and in a cross-origin isolated page (the em-mt build) the
 * function runs on a pool thread while the loop goes on; under WASI and in
 * the plain Emscripten build there are no threads, so it runs inline and
 * the loop waits (tide_to_thread_is_inline() says which). Either way the
 * program prints the same thing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <tide.h>

/* A blocking function: int fn(void *arg, void **result). It must not
 * touch the loop (it may be on another thread). */
static int blocking_operation(void *arg, void **result)
{
    int n = (int)(intptr_t)arg;
    struct timespec two_seconds = {2, 0};
    nanosleep(&two_seconds, NULL); /* time.sleep(2) */
    *result = (void *)(intptr_t)(n * 2);
    return 0;
}

struct program { TIDE_FRAME; void *result; }; /* out-parameters: in the frame */

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_AWAIT(p, tide_to_thread(blocking_operation, (void *)(intptr_t)21,
                                 &p->result));
    printf("%d\n", (int)(intptr_t)p->result); /* 42 */
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
