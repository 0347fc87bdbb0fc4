/*
 * Right: what a spawned task's frame and a callback's argument may carry -
 * values, pointers into the frame, static storage, memory of its own - and
 * a spawn outside any coroutine, where the local outlives the run.
 */
#include <stdlib.h>
#include <tide.h>

struct child {
    TIDE_FRAME;
    int *out;
    int n;
    const char *name;
};

static tide_status child(void *frame)
{
    struct child *c = frame;
    TIDE_BEGIN(c);
    if (c->out)
        *c->out = c->n;
    TIDE_END(c);
}

static int later(void *arg)
{
    (void)arg;
    return 0;
}

struct parent {
    TIDE_FRAME;
    tide_task *t;
    int result;
    int *heap;
    tide_queue *q;
};

static tide_status parent(void *frame)
{
    struct parent *p = frame;
    static int shared;
    TIDE_BEGIN(p);
    int n = 7;
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, &p->t, .out = &p->result, .n = n));
    TIDE_AWAIT(p, tide_join(p->t, NULL));
    tide_task_release(p->t);
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, NULL, .out = &shared, .name = "literal"));
    p->heap = malloc(sizeof *p->heap);
    int *where = p->heap;
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, NULL, .out = where));
    /* tide_spawn's general form: a frame made in a local, carrying
     * pointers into the parent's frame and a value */
    struct child c = {.out = &p->result};
    c.n = 3;
    c.name = "set";
    TIDE_TRY(p, tide_spawn(child, &c, sizeof c, NULL, NULL));
    TIDE_TRY(p, tide_queue_put_nowait(p->q, p->heap)); /* memory of its own */
    TIDE_TRY(p, tide_queue_put_nowait(p->q, "text"));
    TIDE_TRY(p, tide_call_soon(tide_running_loop(), later, p, NULL));
    TIDE_TRY(p, tide_call_soon(tide_running_loop(), later, &p->result, NULL));
    TIDE_YIELD(p);
    TIDE_FINALLY(p);
    free(p->heap);
    TIDE_END(p);
}

/* Not a coroutine: `result` lives until the run is over. */
int run_parent(tide_loop *loop)
{
    int result = 0;
    int rc = tide_loop_spawn(loop, child, &(struct child){.out = &result},
                             sizeof(struct child), NULL, NULL);
    if (rc == 0)
        rc = tide_loop_run(loop, parent, &(struct parent){0},
                           sizeof(struct parent), NULL);
    return rc ? rc : result;
}
