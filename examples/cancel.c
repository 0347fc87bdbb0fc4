/*
 * cancel.c - the tutorial's cancellation: a long task is cancelled while it
 * sleeps, cleans up in its FINALLY section and lets the cancellation go on
 * (writing nothing re-raises it); the awaiting task catches it.
 */
#include <stdio.h>
#include <tide.h>

struct long_task {
    TIDE_FRAME;
};

static tide_status long_task(void *frame)
{
    struct long_task *t = frame;
    TIDE_BEGIN(t);
    puts("Long task started");
    TIDE_AWAIT(t, tide_sleep(10));
    puts("Long task done");
    TIDE_FINALLY(t);
    if (TIDE_ERROR(t) == TIDE_ECANCELLED)
        puts("Long task was cancelled — cleaning up");
    TIDE_END(t); /* the cancellation propagates: the task ends cancelled */
}

struct program {
    TIDE_FRAME;
    tide_task *task;
    int rc;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, TIDE_SPAWN(&p->task, long_task, NULL));
    TIDE_AWAIT(p, tide_sleep(2)); /* let it run for 2 seconds */
    tide_task_cancel(p->task, NULL);
    TIDE_AWAIT_CATCH(p, tide_join(p->task, NULL), p->rc);
    if (p->rc == TIDE_ECANCELLED)
        puts("Task cancelled successfully");
    TIDE_FINALLY(p);
    tide_task_release(p->task);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
