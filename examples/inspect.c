/*
 * inspect.c - the tutorial's task inspection: a task's name, done() and
 * cancelled() before, during and after it runs, then its result.
 * Unnamed tasks are called "Task-<n>"; the main task is Task-1, so the
 * worker is Task-2 (as in CPython). The worker is the one of tasks.c.
 *
 * Settings (params.h): delay=2, the worker's sleep; peek=1, how long main
 * waits before it looks again.
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

struct worker { TIDE_FRAME; const char *name; double delay; char result[32]; };

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    printf("%s started\n", w->name);
    TIDE_AWAIT(w, tide_sleep(w->delay));
    printf("%s finished\n", w->name);
    snprintf(w->result, sizeof w->result, "%s result", w->name);
    TIDE_RETURN(w, w->result);
    TIDE_END(w);
}

static const char *py_bool(int b)
{
    return b ? "True" : "False";
}

struct program { TIDE_FRAME; tide_task *task; char *result; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, TIDE_SPAWN(worker, NULL, &p->task, .name = "A",
                           .delay = param_num("delay", 2, 0, 60)));
    puts(tide_task_name(p->task));                     /* Task-2 */
    puts(py_bool(tide_task_is_done(p->task)));         /* not started yet */
    puts(py_bool(tide_task_is_cancelled(p->task)));
    TIDE_AWAIT(p, tide_sleep(param_num("peek", 1, 0, 60)));
    puts(py_bool(tide_task_is_done(p->task)));         /* A sleeps for 2 s */
    TIDE_AWAIT(p, tide_join(p->task, (void **)&p->result));
    puts(py_bool(tide_task_is_done(p->task)));
    puts(p->result);
    TIDE_FINALLY(p);
    tide_task_release(p->task);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "delay peek");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
