/*
 * queue_methods.c - the tutorial's tour of the queue methods on a queue
 * bounded at 10: put, put_nowait, get, get_nowait, task_done, join, and
 * the size, empty and full tests. Each line shows what a call gave - the
 * item it got, ok, or the error's name: TIDE_EQUEUEFULL is asyncio's
 * QueueFull, TIDE_EQUEUEEMPTY its QueueEmpty, TIDE_EOVERFLOW the ValueError
 * of one task_done too many - and the queue's state after it.
 */
#include <stdio.h>
#include <tide.h>

/* What a call gave (*item, for a get that succeeded) and the state after. */
static void show(const char *call, int rc, void **item, tide_queue *q)
{
    const char *what = rc < 0 ? tide_errname(rc) : item ? *item : "ok";
    printf("%-19s -> %-16s qsize() = %zu, empty() = %d, full() = %d\n", call,
           what, tide_queue_size(q), tide_queue_is_empty(q),
           tide_queue_is_full(q));
}

struct program { TIDE_FRAME; tide_queue *q; void *item; int rc; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 10, NULL, &p->q));
    TIDE_AWAIT_CATCH(p, tide_queue_put(p->q, "job-1"), p->rc); /* full: waits */
    show("await put(job-1)", p->rc, NULL, p->q);
    show("put_nowait(job-2)", tide_queue_put_nowait(p->q, "job-2"), NULL, p->q);
    TIDE_AWAIT_CATCH(p, tide_queue_get(p->q, &p->item), p->rc);
    show("await get()", p->rc, &p->item, p->q);            /* if empty: waits */
    show("get_nowait()", tide_queue_get_nowait(p->q, &p->item), &p->item, p->q);
    show("get_nowait()", tide_queue_get_nowait(p->q, &p->item), &p->item, p->q);
    show("task_done()", tide_queue_task_done(p->q), NULL, p->q); /* job-1 */
    show("task_done()", tide_queue_task_done(p->q), NULL, p->q); /* job-2 */
    TIDE_AWAIT_CATCH(p, tide_queue_join(p->q), p->rc); /* all are finished */
    show("await join()", p->rc, NULL, p->q);
    show("task_done()", tide_queue_task_done(p->q), NULL, p->q); /* too many */
    while (tide_queue_put_nowait(p->q, "job") == 0)
        ;
    show("put_nowait(job)", tide_queue_put_nowait(p->q, "job"), NULL, p->q);
    TIDE_FINALLY(p);
    tide_queue_destroy(p->q);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
