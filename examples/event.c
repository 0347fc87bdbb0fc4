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

struct waiter { TIDE_FRAME; tide_event *event; char name[16]; };

static tide_status waiter(void *frame)
{
    struct waiter *w = frame;
    TIDE_BEGIN(w);
    printf("%s waiting for signal...\n", w->name);
    TIDE_AWAIT(w, tide_event_wait(w->event));
    printf("%s received signal — proceeding\n", w->name);
    TIDE_END(w);
}

struct trigger { TIDE_FRAME; tide_event *event; };

static tide_status trigger(void *frame)
{
    struct trigger *t = frame;
    TIDE_BEGIN(t);
    puts("Preparing...");
    TIDE_AWAIT(t, tide_sleep(param_num("delay", 2, 0, 60)));
    puts("Sending signal!");
    tide_event_set(t->event); /* wakes every waiter */
    TIDE_END(t);
}

struct program { TIDE_FRAME; tide_event *event; tide_group *tg; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_event_create(NULL, &p->event));
    TIDE_WITH(p, tide_group_scope(&p->tg)) {
        for (int i = 0; i < param_int("workers", 3, 1, 26); i++) {
            struct waiter w = {.event = p->event}; /* "Worker A", ... */
            snprintf(w.name, sizeof w.name, "Worker %c", 'A' + i);
            TIDE_TRY(p, tide_group_spawn(p->tg, waiter, &w, sizeof w, NULL,
                                         NULL));
        }
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, trigger, NULL, NULL,
                                     .event = p->event));
    }
    TIDE_FINALLY(p);
    tide_event_destroy(p->event);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "workers delay");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
