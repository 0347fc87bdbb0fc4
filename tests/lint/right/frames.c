/*
 * Right: sub-coroutines, out-parameters and wrappers that respect the
 * rules. Nothing here may be flagged.
 */
#include <stddef.h>
#include <tide.h>

/* Awaitables return an int, or a type of their own with a header that has
 * one (TIDE_AWAITABLE): this compiles with either. */
#ifdef TIDE_AWAITABLE
typedef tide_await awaitable;
static awaitable failed(int err)
{
    awaitable a = {err};
    return a;
}
#else
typedef int awaitable;
static awaitable failed(int err)
{
    return err;
}
#endif

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
    TIDE_RETURN(s, NULL);
    TIDE_END(s);
}

/* Sets the sub-frame, then awaits it. */
#define CALL_SET(f, fn, s, value)                                              \
    do {                                                                       \
        *(s) = (struct fn){.n = (value)};                                      \
        TIDE_AWAIT_CALL(f, fn, s);                                             \
    } while (0)

/* A wrapper: returns an awaitable's result, directly or through a local;
 * its callers await it. */
static awaitable nap(double s)
{
    return tide_sleep(s);
}

static awaitable checked_join(tide_task *t, void **value)
{
    if (!t)
        return failed(TIDE_EINVAL);
    awaitable rc = tide_join(t, value);
    return rc;
}

static int helper_sum(const int *v, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        switch (v[i]) {
        case 0:
            continue;
        default:
            sum += v[i];
        }
    }
    return sum;
}

struct prog {
    TIDE_FRAME;
    tide_task *tasks[2];
    void *values[2];
    int errors[2];
    tide_queue *q;
    void *item;
    int rc, index;
    tide_barrier *barrier;
    struct sub sub, subs[2];
    tide_http_response *resp;
};

static tide_status prog(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    /* sub-frames in the frame, zeroed before the call */
    p->sub = (struct sub){.n = 7};
    TIDE_AWAIT_CALL(p, sub, &p->sub);
    p->subs[1] = (struct sub){0};
    TIDE_AWAIT_CALL_CATCH(p, sub, &p->subs[1], p->rc);
    CALL_SET(p, sub, &p->subs[0], 3);
    /* a local's value, and a pointer into the frame, in a sub-frame */
    int n = 4;
    TIDE_AWAIT_CALL_INIT(p, sub, &p->sub, .n = n, .out = &p->rc);
    /* out-parameters into the frame */
    TIDE_AWAIT(p, tide_join(p->tasks[0], &p->values[0]));
    TIDE_AWAIT(p, tide_gather(p->tasks, 2, TIDE_GATHER_RETURN_ERRORS, p->values, p->errors));
    TIDE_AWAIT_CATCH(p, tide_queue_get(p->q, &p->item), p->rc);
    TIDE_AWAIT(p, tide_barrier_wait(p->barrier, &p->index));
    /* read-only input from a local: read before the call returns */
    tide_http_request req = {.url = "http://localhost/"};
    TIDE_AWAIT_CATCH(p, tide_http_fetch(&req, &p->resp), p->rc);
    /* a local array of tasks, passed as const: read at once */
    tide_task *both[2] = {p->tasks[0], p->tasks[1]};
    TIDE_AWAIT(p, tide_gather(both, 2, 0, NULL, NULL));
    /* wrappers, awaited */
    TIDE_AWAIT(p, nap(0.1));
    TIDE_AWAIT(p, checked_join(p->tasks[1], NULL));
    /* a switch with no await in it */
    switch (p->rc) {
    case 0:
        p->index = helper_sum(p->errors, 2);
        break;
    default:
        p->index = -1;
    }
    TIDE_END(p);
}

/* Returning a pointer into the frame, into static storage, or a local's
 * value (not its address). */
struct answer {
    TIDE_FRAME;
    int which;
    char text[16];
};

static tide_status answer(void *frame)
{
    static char shared[16] = "shared";
    struct answer *a = frame;
    TIDE_BEGIN(a);
    TIDE_YIELD(a);
    char *pick = a->which ? a->text : shared;
    if (a->which > 1)
        TIDE_RETURN(a, shared);
    TIDE_RETURN(a, pick);
    TIDE_END(a);
}
