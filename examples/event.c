/*
 * event.c - the tutorial's signal: three workers wait on an event; a
 * trigger sets it after two seconds and all three are released at once,
 * in the order they started waiting.
 */
#include <stdio.h>
#include <tide.h>

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
};

static tide_status trigger(void *frame)
{
    struct trigger *t = frame;
    TIDE_BEGIN(t);
    puts("Preparing...");
    TIDE_AWAIT(t, tide_sleep(2));
    puts("Sending signal!");
    tide_event_set(t->event);
    TIDE_END(t);
}

struct program {
    TIDE_FRAME;
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
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, NULL, waiter, NULL, .event = p->event,
                                 .name = "Worker A"));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, NULL, waiter, NULL, .event = p->event,
                                 .name = "Worker B"));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, NULL, waiter, NULL, .event = p->event,
                                 .name = "Worker C"));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, NULL, trigger, NULL, .event = p->event));
    TIDE_AWAIT(p, tide_group_exit(p->tg, 0));
    TIDE_FINALLY(p);
    tide_group_destroy(p->tg);
    tide_event_destroy(p->event);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
