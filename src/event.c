/*
 * event.c - tide_event (asyncio.Event): set() wakes every waiter; a waiter
 * once woken returns success even if the event is cleared before it runs
 * (EV-04), since the wake-up, not the flag, is what it receives.
 */
#include "sync.h"

#include <stdio.h>

struct tide_event {
    tide_loop *loop;
    tide__mem mem;
    tide__waitq waiters;
    int value;
    tide__resource res;
};

static int event_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_event *ev = TIDE__CONTAINER(r, tide_event, res);
    snprintf(buf, n, "%s, %zu waiting", ev->value ? "set" : "not set",
             ev->waiters.len);
    return ev->waiters.len != 0;
}

static const tide__resource_ops event_res = {.kind = "event",
                                             .describe = event_describe};

int tide_event_create(tide_loop *loop, tide_event **out)
{
    int err;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    tide_loop *L = tide__sync_loop(loop, &err, __func__);
    if (!L)
        return err;
    tide__mem mem;
    tide_event *ev = tide__mem_alloc(L, sizeof *ev, &mem);
    if (!ev)
        return TIDE_ENOMEM;
    ev->loop = L;
    ev->mem = mem;
    tide__waitq_init(&ev->waiters);
    ev->value = 0;
    tide__resource_add(L, &ev->res, &event_res);
    *out = ev;
    return 0;
}

int tide_event_destroy(tide_event *ev)
{
    if (!ev)
        return 0;
    if (tide__foreign_resource(&ev->res, ev->loop))
        return tide__fail_thread(__func__);
    if (ev->waiters.len)
        return tide__busy(__func__, 0);
    tide__resource_remove(&ev->res);
    tide__mem_free(&ev->mem, ev, sizeof *ev);
    return 0;
}

int tide_event_set(tide_event *ev)
{
    if (!ev)
        return TIDE__NULL_ARG("ev");
    if (tide__foreign(ev->loop))
        return tide__fail_thread(__func__);
    if (ev->value)
        return 0; /* a second set() adds no wake-ups */
    ev->value = 1;
    for (tide_task *w = tide__waitq_first(&ev->waiters); w;
         w = tide__waitq_next(&ev->waiters, w))
        if (!tide__waiter_done(w))
            tide__waiter_wake(w);
    return 0;
}

int tide_event_clear(tide_event *ev)
{
    if (!ev)
        return TIDE__NULL_ARG("ev");
    if (tide__foreign(ev->loop))
        return tide__fail_thread(__func__);
    ev->value = 0;
    return 0;
}

int tide_event_is_set(const tide_event *ev)
{
    return ev ? ev->value : 0;
}

static int event_resume(tide_task *t, int status)
{
    tide__waitq_remove(t);
    return status;
}

static tide_task *event_wait_describe(tide_task *t, char *buf, size_t n)
{
    tide_event *ev = TIDE__CONTAINER(tide__waitq_of(t), tide_event, waiters);
    char name[40];
    snprintf(buf, n, "%s (%s)",
             tide__res_name(&ev->res, "event", name, sizeof name),
             ev->value ? "set" : "not set");
    return NULL;
}

static const tide__wait_ops event_ops = {
    .what = "event",
    .cancel = tide__waitq_cancel,
    .resume = event_resume,
    .drop = tide__waitq_drop,
    .describe = event_wait_describe,
};

static int event_wait(tide_event *ev)
{
    int err;
    tide_task *t =
        tide__sync_task(ev ? ev->loop : NULL, &err, "tide_event_wait");
    if (!t)
        return err;
    if (ev->value)
        return 0;
    return tide__waitq_wait(&ev->waiters, t, &event_ops, NULL);
}

tide_await tide_event_wait(tide_event *ev)
{
    return tide__aw(event_wait(ev));
}

size_t tide_event_waiter_count(const tide_event *ev)
{
    return ev ? ev->waiters.len : 0;
}
