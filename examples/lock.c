/*
 * lock.c - the tutorial's lock-protected counter: five tasks each read the
 * counter, sleep, and write it back plus one. The lock makes every
 * read-sleep-write happen alone, so no update is lost: the count ends at 5.
 */
#include <stdio.h>
#include <tide.h>

static int shared_counter;

struct increment {
    TIDE_FRAME;
    tide_lock *lock;
    const char *name;
    int current;
    int held;
};

static tide_status increment(void *frame)
{
    struct increment *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_lock_acquire(f->lock)); /* async with lock: */
    f->held = 1;
    /* only one task runs this block at a time */
    f->current = shared_counter;
    TIDE_AWAIT(f, tide_sleep(0.1)); /* simulate some work */
    shared_counter = f->current + 1;
    printf("%s: counter is now %d\n", f->name, shared_counter);
    TIDE_FINALLY(f);
    if (f->held)
        tide_lock_release(f->lock); /* leaving the block, on every path */
    TIDE_END(f);
}

struct program {
    TIDE_FRAME;
    tide_lock *lock;
    tide_task *tasks[5];
    char names[5][24];
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_lock_create(NULL, &p->lock));
    for (int i = 0; i < 5; i++) {
        snprintf(p->names[i], sizeof p->names[i], "Task-%d", i);
        TIDE_TRY(p, TIDE_SPAWN(&p->tasks[i], increment, p->names[i],
                               .lock = p->lock, .name = p->names[i]));
    }
    TIDE_AWAIT(p, tide_gather(p->tasks, 5, 0, NULL, NULL));
    printf("Final counter: %d\n", shared_counter);
    TIDE_FINALLY(p);
    for (int i = 0; i < 5; i++)
        tide_task_release(p->tasks[i]);
    tide_lock_destroy(p->lock);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
