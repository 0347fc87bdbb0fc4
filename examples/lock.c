/*
 * lock.c - the tutorial's lock-protected counter: five tasks each read the
 * counter, sleep, and write it back plus one. The lock makes every
 * read-sleep-write happen alone, so no update is lost: the count ends at 5.
 *
 * Settings (params.h): tasks=5, work=0.1 (the sleep between read and
 * write), use_lock=1; with use_lock=0 every task reads before any writes,
 * and all but one update are lost.
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

static int shared_counter;

struct increment {
    TIDE_FRAME;
    tide_lock *lock; /* NULL: no lock (use_lock=0) */
    double work;
    const char *name;
    int current;
    int held;
};

static tide_status increment(void *frame)
{
    struct increment *f = frame;
    TIDE_BEGIN(f);
    if (f->lock) {
        TIDE_AWAIT(f, tide_lock_acquire(f->lock)); /* async with lock: */
        f->held = 1;
    }
    /* only one task runs this block at a time (with the lock) */
    f->current = shared_counter;
    TIDE_AWAIT(f, tide_sleep(f->work)); /* simulate some work */
    shared_counter = f->current + 1;
    printf("%s: counter is now %d\n", f->name, shared_counter);
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock); /* leaving the block, on every path */
    TIDE_END(f);
}

enum { MAX_TASKS = 50 };

struct program {
    TIDE_FRAME;
    int n_tasks, use_lock;
    double work;
    tide_lock *lock;
    tide_task *tasks[MAX_TASKS];
    char names[MAX_TASKS][24];
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (p->use_lock)
        TIDE_TRY(p, tide_lock_create(NULL, &p->lock));
    for (int i = 0; i < p->n_tasks; i++) {
        snprintf(p->names[i], sizeof p->names[i], "Task-%d", i);
        TIDE_TRY(p, TIDE_SPAWN(increment, p->names[i], &p->tasks[i],
                               .lock = p->lock, .work = p->work,
                               .name = p->names[i]));
    }
    TIDE_AWAIT(p, tide_gather(p->tasks, (size_t)p->n_tasks, 0, NULL, NULL));
    printf("Final counter: %d\n", shared_counter);
    TIDE_FINALLY(p);
    for (int i = 0; i < p->n_tasks; i++)
        tide_task_release(p->tasks[i]);
    tide_lock_destroy(p->lock);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.n_tasks = param_int("tasks", 5, 1, MAX_TASKS),
                        .work = param_num("work", 0.1, 0, 10),
                        .use_lock = param_int("use_lock", 1, 0, 1)};
    return tide_main(program, &p, sizeof p);
}
