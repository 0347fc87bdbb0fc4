/*
 * tasks.c - the tutorial's first program: three workers started as named
 * tasks, then gathered. Results come back in argument order (A, B, C) even
 * though B finishes first.
 *
 * Settings (params.h): delay_a=3 delay_b=1 delay_c=2, the workers' sleeps.
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

struct worker {
    TIDE_FRAME;
    const char *name;
    double delay;
    char result[32];
};

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

struct program {
    TIDE_FRAME;
    double delays[3]; /* A, B, C */
    tide_task *tasks[3];
    char *results[3];
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    /* Spawned tasks start once this one yields, in creation order. */
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-A", &p->tasks[0], .name = "A",
                           .delay = p->delays[0]));
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-B", &p->tasks[1], .name = "B",
                           .delay = p->delays[1]));
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-C", &p->tasks[2], .name = "C",
                           .delay = p->delays[2]));
    puts("Tasks are running...");
    TIDE_AWAIT(p, tide_gather(p->tasks, 3, 0, (void **)p->results, NULL));
    printf("['%s', '%s', '%s']\n", p->results[0], p->results[1], p->results[2]);
    TIDE_FINALLY(p);
    for (int i = 0; i < 3; i++)
        tide_task_release(p->tasks[i]);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.delays = {param_num("delay_a", 3, 0, 60),
                                   param_num("delay_b", 1, 0, 60),
                                   param_num("delay_c", 2, 0, 60)}};
    return tide_main(program, &p, sizeof p);
}
