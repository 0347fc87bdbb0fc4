/*
 * lock.c - the tutorial's lock-protected counter: five tasks each read the
 * counter, sleep, and write it back plus one. The lock makes every
 * read-sleep-write happen alone, so no update is lost: the count ends at 5.
 *
 * Settings (params.h): tasks=5, work=0.1 (the sleep between read and
 * write), use_lock=1; with use_lock=0 the block runs in no scope at all
 * (Python's contextlib.nullcontext()): every task reads before any writes,
 * and all but one update are lost.
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

static int shared_counter;

struct increment { TIDE_FRAME; tide_lock *lock; int id, current; };

static tide_status increment(void *frame)
{
    struct increment *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, f->lock ? tide_lock_scope(f->lock) : tide_null_scope()) {
        f->current = shared_counter;
        /* other tasks run meanwhile */
        TIDE_AWAIT(f, tide_sleep(param_num("work", 0.1, 0, 10)));
        shared_counter = f->current + 1;
        printf("Task-%d: counter is now %d\n", f->id, shared_counter);
    }
    TIDE_END(f);
}

enum { MAX_TASKS = 50 };

struct program { TIDE_FRAME; tide_lock *lock; tide_task *tasks[MAX_TASKS]; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (param_int("use_lock", 1, 0, 1))
        TIDE_TRY(p, tide_lock_create(NULL, &p->lock));
    int n = param_int("tasks", 5, 1, MAX_TASKS);
    for (int i = 0; i < n; i++)
        TIDE_TRY(p, TIDE_SPAWN(increment, NULL, &p->tasks[i], .lock = p->lock,
                               .id = i));
    TIDE_AWAIT(p, tide_gather(p->tasks, (size_t)n, TIDE_GATHER_OWN, NULL,
                              NULL));
    printf("Final counter: %d\n", shared_counter);
    TIDE_FINALLY(p);
    tide_lock_destroy(p->lock);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "tasks work use_lock");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
