/*
 * queue.c - the tutorial's producer/consumer: one producer of 8 items and
 * two consumers through a queue bounded at 5, so the producer can never run
 * more than 5 items ahead. A NULL item (Python's None) tells the consumers
 * to stop; each one puts it back for the other.
 *
 * The random delays come from a small seeded generator of our own rather
 * than rand(), so the output is the same on every host.
 *
 * Settings (params.h): items=8, maxsize=5, consumers=2.
 */
#include <stdint.h>
#include <stdio.h>
#include <tide.h>

#include "params.h"

/* random.uniform(a, b) from a 64-bit LCG (top 53 bits as the fraction),
 * its state shared by the three tasks like Python's global generator */
static double uniform(uint64_t *state, double a, double b)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    double u = (double)(*state >> 11) / 9007199254740992.0; /* 2^53 */
    return a + (b - a) * u;
}

enum { MAX_ITEMS = 200, MAX_CONSUMERS = 26 };

struct producer {
    TIDE_FRAME;
    tide_queue *queue;
    uint64_t *rng;
    char (*items)[24]; /* in the program's frame: consumers read them later */
    int n, i;
};

static tide_status producer(void *frame)
{
    struct producer *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 0; p->i < p->n; p->i++) {
        snprintf(p->items[p->i], sizeof p->items[p->i], "item-%d", p->i);
        TIDE_AWAIT(p, tide_queue_put(p->queue, p->items[p->i]));
        printf("Produced: %s\n", p->items[p->i]);
        TIDE_AWAIT(p, tide_sleep(uniform(p->rng, 0.1, 0.5)));
    }
    /* signal consumers to stop */
    TIDE_AWAIT(p, tide_queue_put(p->queue, NULL));
    TIDE_END(p);
}

struct consumer {
    TIDE_FRAME;
    tide_queue *queue;
    uint64_t *rng;
    const char *name;
    char *item;
};

static tide_status consumer(void *frame)
{
    struct consumer *c = frame;
    TIDE_BEGIN(c);
    for (;;) {
        TIDE_AWAIT(c, tide_queue_get(c->queue, (void **)&c->item));
        if (!c->item) {
            /* put it back for other consumers */
            TIDE_AWAIT(c, tide_queue_put(c->queue, NULL));
            break;
        }
        printf("  %s consumed: %s\n", c->name, c->item);
        TIDE_AWAIT(c, tide_sleep(uniform(c->rng, 0.2, 0.8)));
        TIDE_TRY(c, tide_queue_task_done(c->queue));
    }
    TIDE_END(c);
}

struct program {
    TIDE_FRAME;
    int n_items, maxsize, consumers;
    tide_queue *queue;
    tide_group *tg;
    uint64_t rng; /* seeded, so every host prints the same */
    char items[MAX_ITEMS][24];
    char names[MAX_CONSUMERS][2][16]; /* "Consumer-A" and its task's name */
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    p->rng = 2024;
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO, (size_t)p->maxsize,
                                  NULL, &p->queue));
    TIDE_TRY(p, tide_group_create(&p->tg));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, producer, "producer", NULL,
                                 .queue = p->queue, .rng = &p->rng,
                                 .items = p->items, .n = p->n_items));
    for (int i = 0; i < p->consumers; i++) {
        snprintf(p->names[i][0], sizeof p->names[i][0], "Consumer-%c", 'A' + i);
        snprintf(p->names[i][1], sizeof p->names[i][1], "consumer-%c", 'A' + i);
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, consumer, p->names[i][1], NULL,
                                     .queue = p->queue, .rng = &p->rng,
                                     .name = p->names[i][0]));
    }
    TIDE_AWAIT(p, tide_group_exit(p->tg, 0));
    TIDE_FINALLY(p);
    tide_group_destroy(p->tg);
    tide_queue_destroy(p->queue);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.n_items = param_int("items", 8, 0, MAX_ITEMS),
                        .maxsize = param_int("maxsize", 5, 0, 1000),
                        .consumers = param_int("consumers", 2, 1, MAX_CONSUMERS)};
    return tide_main(program, &p, sizeof p);
}
