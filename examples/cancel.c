/*
 * cancel.c - the tutorial's cancellation: a long task is cancelled while it
 * sleeps, cleans up in its FINALLY section and lets the cancellation go on
 * (writing nothing re-raises it); the awaiting task catches it.
 *
 * Settings (params.h): work=10 (the long task's sleep), after=2 (when main
 * cancels it), swallow=0. swallow=1 makes the mistake the tutorial warns
 * about: the task catches the cancellation and carries on, so it ends
 * normally and the cancellation is lost. Debug mode (TIDE_DEBUG=1) reports
 * the await that follows the swallowed cancellation.
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

struct long_task { TIDE_FRAME; int rc; };

static tide_status long_task(void *frame)
{
    struct long_task *t = frame;
    TIDE_BEGIN(t);
    puts("Long task started");
    if (!param_int("swallow", 0, 0, 1)) {
        TIDE_AWAIT(t, tide_sleep(param_num("work", 10, 0, 60)));
    } else {
        TIDE_AWAIT_CATCH(t, tide_sleep(param_num("work", 10, 0, 60)), t->rc);
        if (t->rc == TIDE_ECANCELLED) {
            /* wrong: nothing re-raises it, and the task awaits again */
            puts("Long task ignored the cancellation");
            TIDE_AWAIT(t, tide_sleep(1));
        }
    }
    puts("Long task done");
    TIDE_FINALLY(t); /* except asyncio.CancelledError: */
    if (TIDE_ERROR(t) == TIDE_ECANCELLED)
        puts("Long task was cancelled — cleaning up");
    TIDE_END(t); /* it goes on (`raise`): the task ends cancelled */
}

struct program { TIDE_FRAME; tide_task *task; int rc; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, TIDE_SPAWN(long_task, NULL, &p->task));
    TIDE_AWAIT(p, tide_sleep(param_num("after", 2, 0, 60)));
    tide_task_cancel(p->task, NULL);
    TIDE_AWAIT_CATCH(p, tide_join(p->task, NULL), p->rc);
    if (p->rc == TIDE_ECANCELLED)
        puts("Task cancelled successfully");
    else if (p->rc == 0)
        puts("The task ended normally: it was not cancelled");
    TIDE_FINALLY(p);
    tide_task_release(p->task);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "work after swallow");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
