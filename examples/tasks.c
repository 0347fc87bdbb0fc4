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

struct program { TIDE_FRAME; tide_task *tasks[3]; char *results[3]; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    /* each worker first runs when this task yields (at the gather) */
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-A", &p->tasks[0], .name = "A",
                           .delay = param_num("delay_a", 3, 0, 60)));
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-B", &p->tasks[1], .name = "B",
                           .delay = param_num("delay_b", 1, 0, 60)));
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker-C", &p->tasks[2], .name = "C",
                           .delay = param_num("delay_c", 2, 0, 60)));
    puts("Tasks are running...");
    /* results come back in argument order; the gather keeps the tasks */
    TIDE_AWAIT(p, tide_gather(p->tasks, 3, TIDE_GATHER_OWN,
                              (void **)p->results, NULL));
    printf("['%s', '%s', '%s']\n", p->results[0], p->results[1], p->results[2]);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "delay_a delay_b delay_c");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
