/*
 * waitq.c - FIFO queues of waiting tasks for the primitives (lock, event,
 * condition, semaphore, barrier, queue): the generic hooks. The queue's
 * own operations are inline, in internal.h.
 */
#include "internal.h"

int tide__waitq_cancel(tide_task *t, tide__msg *msg)
{
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

void tide__waitq_drop(tide_task *t)
{
    tide__waitq_remove(t);
}
