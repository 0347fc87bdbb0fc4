/*
 * Wrong: frames and out-parameters that do not survive a suspension.
 */
#include <tide.h>

struct sub {
    TIDE_FRAME;
    int n;
    int *out;
};

static tide_status sub(void *frame)
{
    struct sub *s = frame;
    TIDE_BEGIN(s);
    TIDE_YIELD(s);
    TIDE_END(s);
}

/* A macro of the program's own: sets the sub-frame, then awaits it. */
#define CALL_SET(f, fn, s, value)                                              \
    do {                                                                       \
        *(s) = (struct fn){.n = (value)};                                      \
        TIDE_AWAIT_CALL(f, fn, s);                                             \
    } while (0)

/* Another: an awaitable call whose out-parameter is the macro's argument. */
#define GET_INTO(f, q, out) TIDE_AWAIT(f, tide_queue_get((q), (out)))

static int work(void *arg, void **result)
{
    *result = arg;
    return 0;
}

struct prog {
    TIDE_FRAME;
    tide_task *tasks[2];
    tide_queue *q;
    void *result;
    int rc;
    struct sub sub;
};

static tide_status prog(void *frame)
{
    struct prog *p = frame;
    struct prog *other = p + 1;
    TIDE_BEGIN(p);
    /* header rule 7 once suggested this: it restarts on every resume */
    TIDE_AWAIT_CALL(p, sub, &(struct sub){.n = 7}); /* lint: subframe-compound-literal */
    struct sub mine = {.n = 1};
    TIDE_AWAIT_CALL(p, sub, &mine); /* lint: subframe-local */
    CALL_SET(p, sub, &mine, 2); /* lint: subframe-local */
    int total = 0; /* the sub-coroutine writes it after its yield */
    TIDE_AWAIT_CALL_INIT(p, sub, &p->sub, .n = 1, .out = &total); /* lint: pointer-to-local */
    void *value;
    TIDE_AWAIT(p, tide_join(p->tasks[0], &value)); /* lint: pointer-to-local */
    void *item;
    TIDE_AWAIT_CATCH(p, tide_queue_get(p->q, &item), p->rc); /* lint: pointer-to-local */
    void *got;
    GET_INTO(p, p->q, &got); /* lint: pointer-to-local */
    void *values[2];
    TIDE_AWAIT(p, tide_gather(p->tasks, 2, 0, values, NULL)); /* lint: pointer-to-local */
    int arg = 3;
    TIDE_AWAIT(p, tide_to_thread(work, &arg, &p->result)); /* lint: pointer-to-local */
    TIDE_AWAIT(other, tide_sleep(1)); /* lint: await-wrong-frame */
    TIDE_END(p);
}

/* An await in a function that is no coroutine (it compiles, inside a
 * switch of its own). */
static int helper(struct prog *p)
{
    switch (p->rc) {
    default:
        TIDE_AWAIT_CATCH(p, tide_sleep(1), p->rc); /* lint: await-outside-coroutine */
    }
    return 0;
}

/* The value of TIDE_RETURN is read after the coroutine has returned. */
#define DONE(f, v) TIDE_RETURN(f, v)

struct named {
    TIDE_FRAME;
    int n;
    char text[16];
};

static tide_status named(void *frame)
{
    struct named *s = frame;
    TIDE_BEGIN(s);
    char text[16] = "done";
    if (s->n)
        TIDE_RETURN(s, text); /* lint: return-pointer-to-local */
    struct named copy = *s;
    if (s->n > 1)
        DONE(s, &copy.n); /* lint: return-pointer-to-local */
    TIDE_RETURN(s, s->text);
    TIDE_END(s);
}
