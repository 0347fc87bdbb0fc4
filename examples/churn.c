/*
 * churn.c - not from the tutorial: a stress run for the live page. It
 * starts 100,000 short tasks in waves of 1,000 (each sleeps 10 ms and
 * ends), so the loop creates, switches and frees tasks at full speed while
 * the page must stay responsive: Tide hands control back to the browser
 * every few milliseconds, whatever the program does.
 *
 * Settings (params.h): tasks=100000, wave=1000 (tasks alive at once),
 * delay=0.01 (each task's sleep). The lines give the loop's time, so they
 * differ between the virtual clock and real time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tide.h>

#include "params.h"

struct worker { TIDE_FRAME; };

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    TIDE_AWAIT(w, tide_sleep(param_num("delay", 0.01, 0, 1)));
    TIDE_END(w);
}

struct program {
    TIDE_FRAME;
    int tasks, wave, started, n, reported;
    double start;
    tide_task **batch; /* this wave's tasks */
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (!(p->batch = calloc((size_t)p->wave, sizeof *p->batch)))
        TIDE_THROW(p, TIDE_ENOMEM);
    printf("Churning through %d tasks, %d at a time\n", p->tasks, p->wave);
    p->start = tide_time();
    while (p->started < p->tasks) {
        p->n = p->tasks - p->started < p->wave ? p->tasks - p->started
                                                : p->wave;
        for (int i = 0; i < p->n; i++)
            TIDE_TRY(p, TIDE_SPAWN(worker, NULL, p->batch + i));
        /* the gather keeps the wave's tasks until the next one's gather */
        TIDE_AWAIT(p, tide_gather(p->batch, (size_t)p->n, TIDE_GATHER_OWN,
                                  NULL, NULL));
        p->started += p->n;
        if (p->started * 10LL / p->tasks > p->reported) { /* every tenth */
            p->reported = (int)(p->started * 10LL / p->tasks);
            printf("  %d tasks finished\n", p->started);
        }
    }
    printf("All %d tasks finished in %.2f s of loop time\n", p->tasks,
           tide_time() - p->start);
    TIDE_FINALLY(p);
    free(p->batch);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "tasks wave delay");
    struct program p = {.tasks = param_int("tasks", 100000, 1, 1000000),
                        .wave = param_int("wave", 1000, 1, 10000)};
    return tide_main(program, &p, sizeof p);
}
