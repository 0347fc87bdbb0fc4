/*
 * Wrong: pointers to locals handed to code that runs after the step has
 * returned to the loop - a spawned task's frame, a callback's argument.
 */
#include <tide.h>

struct child {
    TIDE_FRAME;
    int *out;
    char *buf;
    struct {
        int *where;
        int n;
    } inner;
};

static tide_status child(void *frame)
{
    struct child *c = frame;
    TIDE_BEGIN(c);
    if (c->out)
        *c->out = 1; /* the parent's local is long gone here */
    TIDE_END(c);
}

static int later(void *arg)
{
    *(int *)arg = 2;
    return 0;
}

static void done(tide_task *t, void *arg)
{
    (void)t;
    *(int *)arg = 3;
}

struct parent {
    TIDE_FRAME;
    tide_task *t;
    tide_group *g;
    tide_queue *q;
};

static tide_status parent(void *frame)
{
    struct parent *p = frame;
    TIDE_BEGIN(p);
    int result = 0;
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, &p->t, .out = &result)); /* lint: deferred-pointer-to-local */
    char name[16] = "x";
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, NULL, .buf = name)); /* lint: deferred-pointer-to-local */
    int deep = 0;
    TIDE_TRY(p, TIDE_SPAWN(child, NULL, NULL, .inner = {.where = &deep, .n = 1})); /* lint: deferred-pointer-to-local */
    int grouped = 0;
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->g, child, NULL, NULL, .out = &grouped)); /* lint: deferred-pointer-to-local */
    int kept = 0;
    struct child made = {.out = &kept}; /* lint: deferred-pointer-to-local */
    TIDE_TRY(p, tide_spawn(child, &made, sizeof made, NULL, NULL));
    char text[8] = "y";
    struct child set = {.inner = {.n = 1}};
    set.buf = text; /* lint: deferred-pointer-to-local */
    set.inner.where = &deep; /* lint: deferred-pointer-to-local */
    TIDE_TRY(p, tide_group_spawn(p->g, child, &set, sizeof set, NULL, NULL));
    char line[8] = "z";
    TIDE_TRY(p, tide_queue_put_nowait(p->q, line)); /* lint: deferred-pointer-to-local */
    int counter = 0;
    TIDE_TRY(p, tide_call_soon(tide_running_loop(), later, &counter, NULL)); /* lint: deferred-pointer-to-local */
    int seen = 0;
    TIDE_TRY(p, tide_task_add_done_callback(p->t, done, &seen)); /* lint: deferred-pointer-to-local */
    TIDE_AWAIT(p, tide_join(p->t, NULL));
    TIDE_END(p);
}
