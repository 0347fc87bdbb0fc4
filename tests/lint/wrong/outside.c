/*
 * Wrong: awaitable calls whose result does not go to TIDE_AWAIT*: nothing
 * suspends the task they registered as waiting.
 */
#include <tide.h>

/* Awaitables return an int, or a type of their own with a header that has
 * one (TIDE_AWAITABLE), whose int RC() reads: this compiles with either. */
#ifdef TIDE_AWAITABLE
typedef tide_await awaitable;
#define RC(a) ((a).tide__rc)
#else
typedef int awaitable;
#define RC(a) (a)
#endif

struct prog {
    TIDE_FRAME;
    tide_task *t;
    tide_lock *lock;
    tide_queue *q;
    void *item;
    int rc;
};

/* A wrapper that returns the awaitable's result is an awaitable too. */
static awaitable nap(double s)
{
    return tide_sleep(s);
}

static int on_timer(void *arg)
{
    struct prog *p = arg;
    return RC(tide_queue_put(p->q, NULL)); /* lint: awaitable-outside-await */
}

static tide_status prog(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, RC(tide_sleep(1.0))); /* lint: awaitable-outside-await */
    TIDE_TRY(p, RC(tide_lock_acquire(p->lock))); /* lint: awaitable-outside-await */
    p->rc = RC(tide_join(p->t, NULL)); /* lint: awaitable-outside-await */
    if (RC(tide_sleep(1)) < 0) /* lint: awaitable-outside-await */
        TIDE_THROW(p, TIDE_EUSER);
    tide_queue_get(p->q, &p->item); /* lint: awaitable-outside-await */
    nap(2); /* lint: awaitable-outside-await */
    TIDE_TRY(p, tide_call_soon(tide_running_loop(), on_timer, p, NULL));
    TIDE_AWAIT(p, nap(1));
    TIDE_END(p);
}
