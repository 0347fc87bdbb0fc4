/*
 * queue_methods.c - the tutorial's tour of the queue methods on a queue
 * bounded at 10: put, put_nowait, get, get_nowait, task_done, join, and
 * the size, empty and full tests. Each line shows what the call returned:
 * 0 for success, or the error's name (TIDE_EQUEUEFULL is asyncio's
 * QueueFull, TIDE_EQUEUEEMPTY its QueueEmpty, TIDE_EOVERFLOW the
 * ValueError of one task_done too many).
 *
 * Settings (params.h): work=0.1 (the worker's time per item) and
 * room_after=0.5 (when the timer takes an item from the full queue).
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

static const char *jobs[] = {"job-0", "job-1", "job-2", "job-3",
                             "job-4", "job-5", "job-6", "job-7",
                             "job-8", "job-9", "job-10", "job-11"};

static const char *outcome(int rc)
{
    static char buf[32];
    if (rc >= 0) {
        snprintf(buf, sizeof buf, "%d", rc);
        return buf;
    }
    return tide_errname(rc) ? tide_errname(rc) : tide_strerror(rc);
}

static void show_state(const tide_queue *q)
{
    printf("qsize() = %zu, empty() = %d, full() = %d\n", tide_queue_size(q),
           tide_queue_is_empty(q), tide_queue_is_full(q));
}

/* Takes items one by one and marks each done after working 0.1 s on it. */
struct worker {
    TIDE_FRAME;
    tide_queue *queue;
    double work;
    const char *item;
};

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    for (;;) {
        TIDE_AWAIT(w, tide_queue_get(w->queue, (void **)&w->item));
        TIDE_AWAIT(w, tide_sleep(w->work));
        printf("worker: done with %s\n", w->item);
        TIDE_TRY(w, tide_queue_task_done(w->queue));
    }
    TIDE_END(w);
}

/* A timer makes room in the full queue after 0.5 s. */
static int make_room(void *arg)
{
    tide_queue *q = arg;
    void *item = NULL;
    int rc = tide_queue_get_nowait(q, &item);
    printf("timer: get_nowait() -> %s, item '%s'\n", outcome(rc),
           rc == 0 ? (const char *)item : "");
    return rc < 0 ? rc : tide_queue_task_done(q);
}

struct program {
    TIDE_FRAME;
    double work, room_after;
    tide_queue *queue;
    tide_task *worker;
    tide_handle *timer;
    const char *item;
    int rc;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_queue_create(NULL, TIDE_QUEUE_FIFO, 10, NULL, &p->queue));
    show_state(p->queue);

    TIDE_AWAIT_CATCH(p, tide_queue_put(p->queue, (void *)jobs[1]), p->rc);
    printf("await put('job-1') -> %s\n", outcome(p->rc));
    p->rc = tide_queue_put_nowait(p->queue, (void *)jobs[2]);
    printf("put_nowait('job-2') -> %s\n", outcome(p->rc));
    show_state(p->queue);
    for (int i = 3; i <= 10; i++)
        TIDE_TRY(p, tide_queue_put_nowait(p->queue, (void *)jobs[i]));
    puts("put_nowait('job-3') ... put_nowait('job-10') -> 0");
    show_state(p->queue);

    /* full: put_nowait refuses, put waits until the timer makes room */
    p->rc = tide_queue_put_nowait(p->queue, (void *)jobs[11]);
    printf("put_nowait('job-11') -> %s\n", outcome(p->rc));
    TIDE_TRY(p, tide_call_later(tide_running_loop(), p->room_after, make_room,
                                p->queue, &p->timer));
    TIDE_AWAIT_CATCH(p, tide_queue_put(p->queue, (void *)jobs[11]), p->rc);
    printf("await put('job-11') -> %s\n", outcome(p->rc));

    TIDE_AWAIT_CATCH(p, tide_queue_get(p->queue, (void **)&p->item), p->rc);
    printf("await get() -> %s, item '%s'\n", outcome(p->rc), p->item);
    p->rc = tide_queue_get_nowait(p->queue, (void **)&p->item);
    printf("get_nowait() -> %s, item '%s'\n", outcome(p->rc), p->item);
    printf("task_done() -> %s\n", outcome(tide_queue_task_done(p->queue)));
    printf("task_done() -> %s\n", outcome(tide_queue_task_done(p->queue)));

    /* join waits until every item put has been marked done */
    TIDE_TRY(p, TIDE_SPAWN(worker, "worker", &p->worker, .queue = p->queue,
                           .work = p->work));
    TIDE_AWAIT_CATCH(p, tide_queue_join(p->queue), p->rc);
    printf("await join() -> %s\n", outcome(p->rc));
    show_state(p->queue);

    p->rc = tide_queue_get_nowait(p->queue, (void **)&p->item);
    printf("get_nowait() -> %s\n", outcome(p->rc));
    printf("task_done() -> %s\n", outcome(tide_queue_task_done(p->queue)));

    tide_task_cancel(p->worker, NULL);
    TIDE_AWAIT_CATCH(p, tide_join(p->worker, NULL), p->rc);
    TIDE_FINALLY(p);
    tide_handle_release(p->timer);
    tide_task_release(p->worker);
    tide_queue_destroy(p->queue);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.work = param_num("work", 0.1, 0, 10),
                        .room_after = param_num("room_after", 0.5, 0, 10)};
    return tide_main(program, &p, sizeof p);
}
