/*
 * queue.c - the tutorial's producer/consumer: one producer of 8 items and
 * two consumers through a queue bounded at 5, so the producer can never run
 * more than 5 items ahead. A NULL item (Python's None) tells the consumers
 * to stop; each one puts it back for the other.
 *
 * The random delays come from a small seeded generator of our own rather
 * than rand(), so the output is the same on every host.
 */
#include <stdint.h>
#include <stdio.h>
#include <tide.h>

/* random.uniform(a, b) from a 64-bit LCG (top 53 bits as the fraction) */
static uint64_t rng_state = 2024;

static double uniform(double a, double b)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    double u = (double)(rng_state >> 11) / 9007199254740992.0; /* 2^53 */
    return a + (b - a) * u;
}

/* The items' text: it must outlive the producer, as consumers read it. */
enum { N_ITEMS = 8 };
static char items[N_ITEMS][24];

struct producer {
    TIDE_FRAME;
    tide_queue *queue;
    int n, i;
};

static tide_status producer(void *frame)
{
    struct producer *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 0; p->i < p->n; p->i++) {
        snprintf(items[p->i], sizeof items[p->i], "item-%d", p->i);
        TIDE_AWAIT(p, tide_queue_put(p->queue, items[p->i]));
        printf("Produced: %s\n", items[p->i]);
        TIDE_AWAIT(p, tide_sleep(uniform(0.1, 0.5)));
    }
    /* signal consumers to stop */
    TIDE_AWAIT(p, tide_queue_put(p->queue, NULL));
    TIDE_END(p);
}

struct consumer {
    TIDE_FRAME;
    tide_queue *queue;
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
        TIDE_AWAIT(c, tide_sleep(uniform(0.2, 0.8)));
        TIDE_TRY(c, tide_queue_task_done(c->queue));
    }
    TIDE_END(c);
}

struct program {
    TIDE_FRAME;
    tide_queue *queue;
    tide_task *tasks[3];
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 5, NULL, &p->queue));
    /* The tutorial uses a TaskGroup here; these spawned tasks plus gather
     * become one once Tide's TaskGroup is in. */
    TIDE_TRY(p, TIDE_SPAWN(&p->tasks[0], producer, "producer",
                           .queue = p->queue, .n = N_ITEMS));
    TIDE_TRY(p, TIDE_SPAWN(&p->tasks[1], consumer, "consumer-A",
                           .queue = p->queue, .name = "Consumer-A"));
    TIDE_TRY(p, TIDE_SPAWN(&p->tasks[2], consumer, "consumer-B",
                           .queue = p->queue, .name = "Consumer-B"));
    TIDE_AWAIT(p, tide_gather(p->tasks, 3, 0, NULL, NULL));
    TIDE_FINALLY(p);
    for (int i = 0; i < 3; i++)
        tide_task_release(p->tasks[i]);
    tide_queue_destroy(p->queue);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
