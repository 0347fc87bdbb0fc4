/*
 * waitq.c - FIFO queues of waiting tasks for the primitives (lock, event,
 * condition, semaphore, barrier, queue). See internal.h.
 */
#include "internal.h"

void tide__waitq_init(tide__waitq *q)
{
    tide__list_init(&q->head);
    q->len = 0;
}

int tide__waitq_wait(tide__waitq *q, tide_task *t, const tide__wait_ops *ops,
                     void *out)
{
    t->wait.on.obj = q;
    t->wait.on.waiter.fire = NULL; /* woken by the primitive, not fired */
    tide__list_push(&q->head, &t->wait.on.waiter.node);
    q->len++;
    return tide__suspend(t, ops, out);
}

void tide__waitq_remove(tide_task *t)
{
    tide__node *n = &t->wait.on.waiter.node;
    if (n->next == n || n->next == NULL)
        return; /* not linked */
    tide__list_remove(n);
    tide__waitq_of(t)->len--;
}

static tide_task *entry(const tide__waitq *q, const tide__node *n)
{
    if (n == &q->head)
        return NULL;
    return TIDE__CONTAINER(n, tide_task, wait.on.waiter.node);
}

tide_task *tide__waitq_first(const tide__waitq *q)
{
    return entry(q, q->head.next);
}

tide_task *tide__waitq_next(const tide__waitq *q, const tide_task *t)
{
    return entry(q, t->wait.on.waiter.node.next);
}

void tide__waiter_wake(tide_task *t)
{
    tide__wake(t, 0, NULL);
}

int tide__waitq_cancel(tide_task *t, tide__msg *msg)
{
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

void tide__waitq_drop(tide_task *t)
{
    tide__waitq_remove(t);
}
