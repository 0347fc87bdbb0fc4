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
 * seeded, its state shared by the tasks like Python's global generator */
static uint64_t rng = 2024;
static double uniform(double a, double b)
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return a + (b - a) * (double)(rng >> 11) / 9007199254740992.0; /* 2^53 */
}

enum { MAX_ITEMS = 200 };
static char items[MAX_ITEMS][24]; /* "item-0", ...: consumers read them */

struct producer { TIDE_FRAME; tide_queue *queue; int n, i; };

static tide_status producer(void *frame)
{
    struct producer *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 0; p->i < p->n; p->i++) {
        snprintf(items[p->i], sizeof items[p->i], "item-%d", p->i);
        /* waits while the queue is full */
        TIDE_AWAIT(p, tide_queue_put(p->queue, items[p->i]));
        printf("Produced: %s\n", items[p->i]);
        TIDE_AWAIT(p, tide_sleep(uniform(0.1, 0.5)));
    }
    TIDE_AWAIT(p, tide_queue_put(p->queue, NULL)); /* tells consumers to stop */
    TIDE_END(p);
}

struct consumer { TIDE_FRAME; tide_queue *queue; char name[16]; char *item; };

static tide_status consumer(void *frame)
{
    struct consumer *c = frame;
    TIDE_BEGIN(c);
    for (;;) {
        /* waits while it is empty */
        TIDE_AWAIT(c, tide_queue_get(c->queue, (void **)&c->item));
        if (!c->item) {
            /* leave it for the next consumer */
            TIDE_AWAIT(c, tide_queue_put(c->queue, NULL));
            break;
        }
        printf("  %s consumed: %s\n", c->name, c->item);
        TIDE_AWAIT(c, tide_sleep(uniform(0.2, 0.8)));
        TIDE_TRY(c, tide_queue_task_done(c->queue));
    }
    TIDE_END(c);
}

struct program { TIDE_FRAME; tide_queue *queue; tide_group *tg; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO,
                                  (size_t)param_int("maxsize", 5, 0, 1000),
                                  NULL, &p->queue));
    TIDE_WITH(p, tide_group_scope(&p->tg)) {
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, producer, "producer", NULL,
                                     .queue = p->queue,
                                     .n = param_int("items", 8, 0, MAX_ITEMS)));
        for (int i = 0; i < param_int("consumers", 2, 1, 26); i++) {
            struct consumer c = {.queue = p->queue}; /* "Consumer-A", ... */
            snprintf(c.name, sizeof c.name, "Consumer-%c", 'A' + i);
            TIDE_TRY(p, tide_group_spawn(p->tg, consumer, &c, sizeof c, NULL,
                                         NULL));
        }
    }
    TIDE_FINALLY(p);
    tide_queue_destroy(p->queue);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "items maxsize consumers");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
