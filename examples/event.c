/*
 * event.c - the tutorial's signal: three workers wait on an event; a
 * trigger sets it after two seconds and all three are released at once,
 * in the order they started waiting.
 *
 * Settings (params.h): workers=3, delay=2 (seconds before the signal).
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

struct waiter {
    TIDE_FRAME;
    tide_event *event;
    const char *name;
};

static tide_status waiter(void *frame)
{
    struct waiter *w = frame;
    TIDE_BEGIN(w);
    printf("%s waiting for signal...\n", w->name);
    TIDE_AWAIT(w, tide_event_wait(w->event));
    printf("%s received signal — proceeding\n", w->name);
    TIDE_END(w);
}

struct trigger {
    TIDE_FRAME;
    tide_event *event;
    double delay;
};

static tide_status trigger(void *frame)
{
    struct trigger *t = frame;
    TIDE_BEGIN(t);
    puts("Preparing...");
    TIDE_AWAIT(t, tide_sleep(t->delay));
    puts("Sending signal!");
    tide_event_set(t->event);
    TIDE_END(t);
}

enum { MAX_WORKERS = 26 };

struct program {
    TIDE_FRAME;
    int workers;
    double delay;
    char names[MAX_WORKERS][16]; /* "Worker A", "Worker B", ... */
    tide_event *event;
    tide_group *tg;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_event_create(NULL, &p->event));
    /* async with TaskGroup() as tg: four children; leaving waits for all */
    TIDE_TRY(p, tide_group_create(&p->tg));
    for (int i = 0; i < p->workers; i++) {
        snprintf(p->names[i], sizeof p->names[i], "Worker %c", 'A' + i);
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, waiter, NULL, NULL,
                                     .event = p->event, .name = p->names[i]));
    }
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, trigger, NULL, NULL, .event = p->event,
                                 .delay = p->delay));
    TIDE_AWAIT(p, tide_group_exit(p->tg, 0));
    TIDE_FINALLY(p);
    tide_group_destroy(p->tg);
    tide_event_destroy(p->event);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.workers = param_int("workers", 3, 1, MAX_WORKERS),
                        .delay = param_num("delay", 2, 0, 60)};
    return tide_main(program, &p, sizeof p);
}
