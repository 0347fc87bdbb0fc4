/*
 * queue.c - asyncio.Queue, LifoQueue and PriorityQueue.
 *
 * The code follows CPython 3.13's queues.py step by step so that wake-ups
 * happen in the same iterations: put()/get() loop "while full/empty: wait",
 * a wake-up goes to the first waiter that is not done (_wakeup_next), and a
 * waiter that is cancelled after being woken passes the wake-up on.
 *
 * Waiters. Getters and putters wait in two tide__waitq FIFOs. Waking one
 * (fut.set_result) unlinks it at once, as CPython's popleft() does; a
 * waiter cancelled while still waiting (fut.cancel()) stays linked until
 * its task resumes. So at resume time "still linked" is exactly CPython's
 * getter.cancelled(): the wait was cancelled rather than woken - something
 * the status alone cannot tell, since a woken task that is then cancelled
 * also resumes with TIDE_ECANCELLED. join() waits like Event.wait(): its
 * entries stay linked until they resume.
 *
 * A waitq's `len` here counts the tasks that entered a wait in it and have
 * not resumed yet: a woken getter or putter leaves the list at once but
 * the count only when it resumes (its resume hook still reads the queue).
 * So the three counts are what makes destroy refuse with TIDE_EBUSY, and
 * the hand-over keeps no other count (the list, not `len`, says whether
 * anyone is left to wake).
 *
 * Storage: a ring buffer of item pointers for FIFO/LIFO, a binary heap of
 * (item, sequence) for PRIORITY; the sequence number breaks ties so equal
 * items come out first in, first out. Buffers grow by doubling (capped at
 * maxsize) and never shrink. A putter only ever blocks on a full queue, so
 * the buffer already holds maxsize slots when it resumes: a put that had to
 * wait cannot fail with TIDE_ENOMEM afterwards.
 */
#include "sync.h"

#include <stdio.h>
#include <string.h>

struct pq_entry {
    void *item;
    uint64_t seq;
};

struct tide_queue {
    tide_loop *loop;
    int kind;
    int is_shutdown;
    size_t maxsize; /* 0: unbounded */
    tide_compare_fn cmp;
    void *buf;      /* void *[cap] (ring) or struct pq_entry[cap] (heap) */
    size_t cap, head, len;
    /* A put finding len below this stores into the ring at once: it is cap
     * for a FIFO or LIFO queue not shut down (cap never exceeds maxsize),
     * else 0. One compare for what is four tests otherwise (shut down,
     * full, out of room, not a ring), on the hand-over's path. */
    size_t room;
    uint64_t next_seq;
    size_t unfinished; /* puts not yet matched by task_done */
    tide__waitq getters, putters, joiners;
    tide__mem mem;  /* its allocator: a queue may outlive its loop */
    tide__resource res;
};

static int queue_describe(const tide__resource *r, char *buf, size_t n)
{
    const tide_queue *q = TIDE__CONTAINER(r, tide_queue, res);
    snprintf(buf, n, "%zu item(s), %zu unfinished, %zu getter(s), "
             "%zu putter(s), %zu joiner(s) waiting", q->len, q->unfinished,
             q->getters.len, q->putters.len, q->joiners.len);
    return q->getters.len || q->putters.len || q->joiners.len;
}

static const tide__resource_ops queue_res = {.kind = "queue",
                                             .describe = queue_describe};

/* ---- storage ------------------------------------------------------------- */

static size_t elem_size(const tide_queue *q)
{
    return q->kind == TIDE_QUEUE_PRIORITY ? sizeof(struct pq_entry)
                                          : sizeof(void *);
}

static void update_room(tide_queue *q)
{
    q->room = q->is_shutdown || q->kind == TIDE_QUEUE_PRIORITY ? 0 : q->cap;
}

/* The buffer is full: grow it. Errors: TIDE_ENOMEM (nothing changed). */
static TIDE__NOINLINE int grow(tide_queue *q)
{
    size_t es = elem_size(q);
    size_t cap = q->cap ? q->cap * 2 : 8;
    if (cap < q->cap)
        return TIDE_ENOMEM;
    if (q->maxsize && cap > q->maxsize)
        cap = q->maxsize;
    if (cap > SIZE_MAX / es)
        return TIDE_ENOMEM;
    void *buf = q->mem.fn(q->mem.ud, q->buf, q->cap * es, cap * es);
    if (!buf)
        return TIDE_ENOMEM;
    if (q->kind != TIDE_QUEUE_PRIORITY && q->head + q->len > q->cap) {
        /* the ring wrapped: slide its back part [head, old cap) to the new
         * end (always fits, even when maxsize caps the growth) */
        void **items = buf;
        size_t back = q->cap - q->head;
        memmove(items + cap - back, items + q->head, back * sizeof(void *));
        q->head = cap - back;
    }
    q->buf = buf;
    q->cap = cap;
    update_room(q);
    return 0;
}

/* Room for one more item. Errors: TIDE_ENOMEM (nothing changed). */
static TIDE__INLINE int reserve_one(tide_queue *q)
{
    return q->len < q->cap ? 0 : grow(q);
}

/* heap order: cmp first, then arrival */
static int pq_before(const tide_queue *q, const struct pq_entry *a,
                     const struct pq_entry *b)
{
    int c = q->cmp(a->item, b->item);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

/* The ring's slot i places after head (i <= len <= cap): a compare, not
 * a division (the capacity is maxsize, rarely a power of two, and a
 * division was a tenth of a hand-over). */
static size_t ring_index(const tide_queue *q, size_t i)
{
    size_t k = q->head + i;
    return k >= q->cap ? k - q->cap : k;
}

static TIDE__NOINLINE void store_heap(tide_queue *q, void *item)
{
    struct pq_entry *h = q->buf;
    struct pq_entry e = {item, q->next_seq++};
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pq_before(q, &e, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* _put(): the caller has reserved room. (The ring inline: it is the
 * hand-over's path.) */
static TIDE__INLINE void store_ring(tide_queue *q, void *item)
{
    void **items = q->buf;
    items[ring_index(q, q->len)] = item;
    q->len++;
}

static TIDE__INLINE void store(tide_queue *q, void *item)
{
    if (q->kind == TIDE_QUEUE_PRIORITY)
        store_heap(q, item);
    else
        store_ring(q, item);
}

static TIDE__NOINLINE void *take_heap(tide_queue *q)
{
    struct pq_entry *h = q->buf;
    void *item = h[0].item;
    struct pq_entry last = h[--q->len];
    size_t i = 0, n = q->len;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && pq_before(q, &h[child + 1], &h[child]))
            child++;
        if (!pq_before(q, &h[child], &last))
            break;
        h[i] = h[child];
        i = child;
    }
    h[i] = last;
    return item;
}

/* _get(): the queue is not empty. */
static TIDE__INLINE void *take(tide_queue *q)
{
    void **items = q->buf;
    if (q->kind == TIDE_QUEUE_FIFO) {
        void *item = items[q->head];
        q->head = ring_index(q, 1);
        q->len--;
        return item;
    }
    if (q->kind == TIDE_QUEUE_LIFO) {
        q->len--;
        return items[ring_index(q, q->len)];
    }
    return take_heap(q);
}

static TIDE__INLINE int is_full(const tide_queue *q)
{
    return q->maxsize && q->len >= q->maxsize;
}

/* ---- waking -------------------------------------------------------------- */

static int linked(tide_task *t)
{
    const tide__node *n = &t->wait.on.waiter.node;
    return n->next && n->next != n;
}

/* A woken getter or putter leaves the list (it stays counted in `len`
 * until it resumes, see the top). */
static void unlink_woken(tide_task *t)
{
    tide__list_remove(&t->wait.on.waiter.node);
}

/* _wakeup_next() past a first entry that was cancelled. */
static TIDE__NOINLINE void wakeup_next_slow(tide__waitq *wq)
{
    for (tide_task *t = tide__waitq_first(wq); t; t = tide__waitq_next(wq, t)) {
        if (!tide__waiter_done(t)) {
            unlink_woken(t);
            tide__waiter_wake(t);
            return;
        }
    }
}

/* _wakeup_next(): wake the first waiter still waiting, unlinking it.
 * Cancelled entries are left for their own resume to remove. Inline for
 * the common cases: nobody waits, or the first one still does. */
static TIDE__INLINE void wakeup_next(tide__waitq *wq)
{
    tide__node *first = wq->head.next;
    if (first == &wq->head)
        return;
    tide_task *t = TIDE__CONTAINER(first, tide_task, wait.on.waiter.node);
    if (tide__waiter_done(t)) {
        wakeup_next_slow(wq);
        return;
    }
    unlink_woken(t);
    tide__waiter_wake(t);
}

/* Wake every waiter still waiting; `unlink` as CPython's shutdown pops them
 * (Event.set, for join, leaves them). */
static void wake_all(tide__waitq *wq, int unlink)
{
    tide_task *t = tide__waitq_first(wq);
    while (t) {
        tide_task *next = tide__waitq_next(wq, t);
        if (!tide__waiter_done(t)) {
            if (unlink)
                unlink_woken(t);
            tide__waiter_wake(t);
        }
        t = next;
    }
}

/* A getter's or putter's wait is over (resumed or dropped): out of the
 * list if a cancel left it there, and out of the count. */
static void leave(tide_task *t)
{
    if (linked(t))
        tide__list_remove(&t->wait.on.waiter.node);
    tide__waitq_of(t)->len--;
}

/* ---- non-blocking operations -------------------------------------------- */

/* What a put does once the item is stored. */
static TIDE__INLINE void put_done(tide_queue *q)
{
    q->unfinished++;
    wakeup_next(&q->getters);
}

/* put_nowait past `room`: shut down, full, a buffer to grow, or a heap. */
static TIDE__NOINLINE int put_nowait_slow(tide_queue *q, void *item)
{
    if (q->is_shutdown)
        return TIDE_ESHUTDOWN;
    if (is_full(q))
        return TIDE_EQUEUEFULL;
    int rc = reserve_one(q);
    if (rc < 0)
        return rc;
    store(q, item);
    put_done(q);
    return 0;
}

static TIDE__INLINE int put_nowait(tide_queue *q, void *item)
{
    if (q->len >= q->room)
        return put_nowait_slow(q, item);
    store_ring(q, item); /* (room: a ring with a free slot) */
    put_done(q);
    return 0;
}

static TIDE__INLINE int get_nowait(tide_queue *q, void **item)
{
    if (q->len == 0)
        return q->is_shutdown ? TIDE_ESHUTDOWN : TIDE_EQUEUEEMPTY;
    *item = take(q);
    wakeup_next(&q->putters);
    return 0;
}

int tide_queue_put_nowait(tide_queue *q, void *item)
{
    if (!q)
        return TIDE__NULL_ARG("q");
    if (tide__foreign(q->loop))
        return tide__fail_thread(__func__);
    return put_nowait(q, item);
}

int tide_queue_get_nowait(tide_queue *q, void **item)
{
    if (!q || !item)
        return TIDE__NULL_ARG(q ? "item" : "q");
    if (tide__foreign(q->loop))
        return tide__fail_thread(__func__);
    return get_nowait(q, item);
}

/* ---- put / get: one pass of CPython's while loop each -------------------- */

static int join_resume(tide_task *t, int status);

static tide_queue *queue_of(tide_task *t, size_t which)
{
    char *q = (char *)tide__waitq_of(t);
    return (tide_queue *)(void *)(q - which);
}

static tide_task *get_describe(tide_task *t, char *buf, size_t n)
{
    tide_queue *q = queue_of(t, offsetof(tide_queue, getters));
    char name[40];
    snprintf(buf, n, "%s (get: %zu item(s))",
             tide__res_name(&q->res, "queue", name, sizeof name), q->len);
    return NULL;
}

static tide_task *put_describe(tide_task *t, char *buf, size_t n)
{
    tide_queue *q = queue_of(t, offsetof(tide_queue, putters));
    char name[40];
    snprintf(buf, n, "%s (put: full at %zu)",
             tide__res_name(&q->res, "queue", name, sizeof name), q->len);
    return NULL;
}

static tide_task *join_describe(tide_task *t, char *buf, size_t n)
{
    tide_queue *q = queue_of(t, offsetof(tide_queue, joiners));
    char name[40];
    snprintf(buf, n, "%s (join: %zu unfinished)",
             tide__res_name(&q->res, "queue", name, sizeof name),
             q->unfinished);
    return NULL;
}

const tide__wait_ops tide__queue_get_ops = {
    .what = "queue get",
    .cancel = tide__waitq_cancel,
    .resume = tide__queue_get_resume,
    .drop = leave,
    .describe = get_describe,
};
const tide__wait_ops tide__queue_put_ops = {
    .what = "queue put",
    .cancel = tide__waitq_cancel,
    .resume = tide__queue_put_resume,
    .drop = leave,
    .describe = put_describe,
};
static const tide__wait_ops join_ops = {
    .what = "queue join",
    .cancel = tide__waitq_cancel,
    .resume = join_resume,
    .drop = tide__waitq_drop,
    .describe = join_describe,
};

static TIDE__INLINE int get_step(tide_queue *q, tide_task *t, void **item)
{
    if (q->len == 0) {
        if (q->is_shutdown)
            return TIDE_ESHUTDOWN;
        return tide__waitq_wait(&q->getters, t, &tide__queue_get_ops, item);
    }
    return get_nowait(q, item);
}

/* The putter's item travels in wait_out: a put delivers no value. (The
 * fast path repeats put_nowait's on purpose: calling put_nowait after the
 * full test costs an instruction per item, callgrind says.) */
static TIDE__INLINE int put_step(tide_queue *q, tide_task *t, void *item)
{
    if (q->len < q->room) {
        store_ring(q, item);
        put_done(q);
        return 0;
    }
    if (is_full(q) && !q->is_shutdown)
        return tide__waitq_wait(&q->putters, t, &tide__queue_put_ops, item);
    return put_nowait_slow(q, item); /* shut down, growing, a heap */
}

/* The queue owning the waitq t waits (or waited) in. */
#define QUEUE_OF(t, member)                                                    \
    TIDE__CONTAINER(tide__waitq_of(t), tide_queue, member)

/*
 * The resume hooks. A wait that ends with status >= 0 was ended by a put,
 * a get or a shutdown, which unlinked the task: the hand-over's path, the
 * count and the re-check (the item stays queued until the getter runs,
 * A negative status is a cancellation, before the wake-up (the
 * task is still linked) or after it (not linked: what it was woken for
 * goes to the next waiter).
 */
static TIDE__NOINLINE int get_resume_failed(tide_queue *q, tide_task *t,
                                            int status)
{
    int cancelled = linked(t);
    leave(t);
    if (!cancelled && q->len) /* the item must not sit while getters wait */
        wakeup_next(&q->getters);
    return status;
}

int tide__queue_get_resume(tide_task *t, int status)
{
    tide_queue *q = QUEUE_OF(t, getters);
    if (status < 0)
        return get_resume_failed(q, t, status);
    q->getters.len--;
    return get_step(q, t, t->wait_out);
}

static TIDE__NOINLINE int put_resume_failed(tide_queue *q, tide_task *t,
                                            int status)
{
    int cancelled = linked(t);
    leave(t);
    if (!cancelled && !is_full(q)) /* the free slot goes to the next putter */
        wakeup_next(&q->putters);
    return status;
}

int tide__queue_put_resume(tide_task *t, int status)
{
    tide_queue *q = QUEUE_OF(t, putters);
    if (status < 0)
        return put_resume_failed(q, t, status);
    q->putters.len--;
    return put_step(q, t, t->wait_out);
}

static int join_resume(tide_task *t, int status)
{
    tide__waitq_remove(t);
    return status;
}

/* The awaiting task. A queue is bound to the loop it was made on: a task
 * of another loop waiting in it would be woken on the wrong loop (as the
 * other primitives, TIDE_ESTATE: CPython's RuntimeError). */
static TIDE__INLINE tide_task *awaiter(tide_queue *q, int *err, const char *call)
{
    tide_task *t = tide__current_for_await(err, call);
    if (t && !q) {
        *err = TIDE_EINVAL;
        return NULL;
    }
    if (t && t->loop != q->loop) {
        tide__set_message(t, "the queue is bound to a different event loop");
        *err = TIDE_ESTATE;
        return NULL;
    }
    return t;
}

/* Whether t (the current task, or NULL) awaits q with nothing to check:
 * awaiter()'s tests, without its error out-parameter. The awaitables take
 * this path inline and keep no stack frame (on wasm, an int whose address
 * is taken lives on the shadow stack: four instructions and two stores
 * more per await); the rest is out of line. */
static TIDE__INLINE int plain_awaiter(const tide_task *t, const tide_queue *q)
{
    return t && q && t->loop == q->loop &&
           !TIDE__AWAIT_OUT_OF_LINE(t);
}

static TIDE__NOINLINE tide_await put_checked(tide_queue *q, void *item)
{
    int err;
    tide_task *t = awaiter(q, &err, "tide_queue_put");
    return tide__aw(t ? put_step(q, t, item) : err);
}

tide_await tide_queue_put(tide_queue *q, void *item)
{
    tide_task *t = tide__current();
    if (!plain_awaiter(t, q))
        return put_checked(q, item);
    return tide__aw(put_step(q, t, item));
}

static TIDE__NOINLINE tide_await get_checked(tide_queue *q, void **item)
{
    int err;
    tide_task *t = awaiter(q, &err, "tide_queue_get");
    if (!t)
        return tide__aw(err);
    return tide__aw(item ? get_step(q, t, item) : TIDE_EINVAL);
}

tide_await tide_queue_get(tide_queue *q, void **item)
{
    tide_task *t = tide__current();
    if (!plain_awaiter(t, q) || !item)
        return get_checked(q, item);
    return tide__aw(get_step(q, t, item));
}

/* ---- join, task_done, shutdown ------------------------------------------- */

int tide_queue_task_done(tide_queue *q)
{
    if (!q)
        return TIDE__NULL_ARG("q");
    if (tide__foreign(q->loop))
        return tide__fail_thread(__func__);
    if (q->unfinished == 0) /* asyncio's words */
        return tide__fail(__func__, TIDE_EOVERFLOW,
                          "called too many times: no item put is left "
                          "unfinished");
    if (--q->unfinished == 0)
        wake_all(&q->joiners, 0);
    return 0;
}

tide_await tide_queue_join(tide_queue *q)
{
    int err;
    tide_task *t = awaiter(q, &err, "tide_queue_join");
    if (!t)
        return tide__aw(err);
    if (q->unfinished == 0)
        return tide__aw(0);
    return tide__aw(tide__waitq_wait(&q->joiners, t, &join_ops, NULL));
}

int tide_queue_shutdown(tide_queue *q, int immediate)
{
    if (!q)
        return TIDE__NULL_ARG("q");
    if (tide__foreign(q->loop))
        return tide__fail_thread(__func__);
    q->is_shutdown = 1;
    update_room(q);
    if (immediate) {
        /* the dropped items count as done */
        size_t dropped = q->len < q->unfinished ? q->len : q->unfinished;
        q->unfinished -= dropped;
        q->head = q->len = 0;
        if (q->unfinished == 0)
            wake_all(&q->joiners, 0);
    }
    /* woken getters and putters re-check and fail with TIDE_ESHUTDOWN */
    wake_all(&q->getters, 1);
    wake_all(&q->putters, 1);
    return 0;
}

/* ---- create, destroy, state ---------------------------------------------- */

int tide_queue_create(tide_loop *loop, int kind, size_t maxsize,
                      tide_compare_fn cmp, tide_queue **out)
{
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    if (kind != TIDE_QUEUE_FIFO && kind != TIDE_QUEUE_LIFO &&
        kind != TIDE_QUEUE_PRIORITY)
        return tide__fail(__func__, TIDE_EINVAL,
                          "kind %d is not a kind of queue (TIDE_QUEUE_FIFO, "
                          "_LIFO or _PRIORITY)",
                          kind);
    if (kind == TIDE_QUEUE_PRIORITY && !cmp)
        return tide__fail(__func__, TIDE_EINVAL,
                          "a priority queue needs cmp, which is NULL");
    if (!loop && !(loop = tide_running_loop()))
        return TIDE_ENOLOOP;
    if (tide__foreign(loop))
        return tide__fail_thread(__func__);
    tide__mem mem;
    tide_queue *q = tide__mem_alloc(loop, sizeof *q, &mem);
    if (!q)
        return TIDE_ENOMEM;
    memset(q, 0, sizeof *q);
    q->mem = mem;
    q->loop = loop;
    q->kind = kind;
    q->maxsize = maxsize;
    q->cmp = kind == TIDE_QUEUE_PRIORITY ? cmp : NULL;
    tide__waitq_init(&q->getters);
    tide__waitq_init(&q->putters);
    tide__waitq_init(&q->joiners);
    tide__resource_add(loop, &q->res, &queue_res);
    *out = q;
    return 0;
}

int tide_queue_destroy(tide_queue *q)
{
    if (!q)
        return 0;
    if (tide__foreign_resource(&q->res, q->loop))
        return tide__fail_thread(__func__);
    if (q->getters.len || q->putters.len || q->joiners.len)
        return tide__busy(__func__, 0);
    tide__resource_remove(&q->res);
    if (q->buf)
        tide__mem_free(&q->mem, q->buf, q->cap * elem_size(q));
    tide__mem_free(&q->mem, q, sizeof *q);
    return 0;
}

size_t tide_queue_size(const tide_queue *q)
{
    return q ? q->len : 0;
}

size_t tide_queue_maxsize(const tide_queue *q)
{
    return q ? q->maxsize : 0;
}

int tide_queue_is_empty(const tide_queue *q)
{
    return !q || q->len == 0;
}

int tide_queue_is_full(const tide_queue *q)
{
    return q && is_full(q);
}
