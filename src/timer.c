/*
 * timer.c - timers: a 4-ary min-heap on deadline, plus the "due" list of
 * timers collected at the start of an iteration. Due timers fire after the
 * callbacks that were already ready, as in asyncio's _run_once; a due timer
 * stopped before it fires simply leaves a hole in the list.
 *
 * The due list grows with what comes due in one iteration; it always has
 * room for a few (allocated with the heap), so collecting cannot fail: if
 * it cannot grow, the other due timers wait for the next iteration.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

void tide__timer_init(tide__timer *t, unsigned kind)
{
    t->when = 0;
    t->slot = TIDE__TIMER_IDLE;
    t->order = kind & 1;
}

/* Earlier deadline first; equal deadlines in the order they were started
 * (start numbers compared modulo 2^31, so wrapping around is harmless). */
static int before(const tide__timer *a, const tide__timer *b)
{
    if (a->when != b->when)
        return a->when < b->when;
    return (int32_t)(a->order - b->order) < 0;
}

/* The heap keeps a small key for each timer beside its pointer (an array
 * of its own, in step with L->heap), so that comparing children reads the
 * keys of a level from one cache line instead of following a pointer into
 * each timer's task. A key is the deadline's distance from the loop's
 * key_base in units of 2^TIDE__TKEY_SHIFT ns, clamped to 16 bits: it grows
 * with the deadline, so different keys order two timers as their deadlines
 * do, and only equal keys (ties, deadlines within one unit, or clamped ones)
 * look inside the timers. The heap is ordered by the timers themselves; the
 * keys only answer most comparisons sooner. 16 bits keep a sleeping task
 * within 128 bytes (a wider key would cost 2-6 bytes more per task). */
#define TIDE__TKEY_SHIFT 10
#define TIDE__TKEY_MAX 0xFFFF

static tide__tkey key_of(const tide_loop *L, int64_t when)
{
    /* deadlines stay within +-TIDE__NEVER: the difference cannot overflow */
    int64_t d = when - L->key_base;
    if (d <= 0)
        return 0;
    d >>= TIDE__TKEY_SHIFT;
    return d >= TIDE__TKEY_MAX ? TIDE__TKEY_MAX : (tide__tkey)d;
}

/* Once the earliest deadline is half the keys' range past the base, most
 * keys are clamped; the base moves up to it and every key is computed again
 * (the order is unchanged: keys grow with deadlines whatever the base). At
 * most once per heap_len timer operations, so it costs O(1) a timer. */
static void keys_rebase(tide_loop *L)
{
    int64_t root = L->heap[0]->when;
    if (root >= TIDE__NEVER ||
        root - L->key_base < ((int64_t)TIDE__TKEY_MAX << TIDE__TKEY_SHIFT) / 2 ||
        L->key_ops < L->heap_len)
        return;
    L->key_base = root;
    L->key_ops = 0;
    for (uint32_t i = 0; i < L->heap_len; i++)
        L->heap_keys[i] = key_of(L, L->heap[i]->when);
}

static int key_before(tide__tkey ka, const tide__timer *a, tide__tkey kb,
                      const tide__timer *b)
{
    if (ka != kb)
        return ka < kb;
    return before(a, b);
}

static void heap_set(tide_loop *L, uint32_t i, tide__timer *t, tide__tkey k)
{
    L->heap[i] = t;
    L->heap_keys[i] = k;
    t->slot = i;
}

static void heap_move(tide_loop *L, uint32_t to, uint32_t from)
{
    heap_set(L, to, L->heap[from], L->heap_keys[from]);
}

/* A 4-ary heap: half the levels of a binary one, and the four children of
 * a node are neighbours in the array. */
#define ARITY 4

static void sift_up(tide_loop *L, uint32_t i)
{
    tide__timer *t = L->heap[i];
    tide__tkey k = L->heap_keys[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / ARITY;
        if (!key_before(k, t, L->heap_keys[parent], L->heap[parent]))
            break;
        heap_move(L, i, parent);
        i = parent;
    }
    heap_set(L, i, t, k);
}

/* The earliest of the children of i, or 0 if it has none. */
static uint32_t min_child(tide_loop *L, uint32_t i)
{
    uint32_t first = ARITY * i + 1;
    if (first >= L->heap_len)
        return 0;
    uint32_t end = first + ARITY < L->heap_len ? first + ARITY : L->heap_len;
    uint32_t best = first;
    tide__tkey bk = L->heap_keys[first];
    for (uint32_t c = first + 1; c < end; c++) {
        tide__tkey ck = L->heap_keys[c];
        if (ck < bk || (ck == bk && before(L->heap[c], L->heap[best]))) {
            best = c;
            bk = ck;
        }
    }
    return best;
}

static void sift_down(tide_loop *L, uint32_t i)
{
    tide__timer *t = L->heap[i];
    tide__tkey k = L->heap_keys[i];
    for (;;) {
        uint32_t child = min_child(L, i);
        if (!child || !key_before(L->heap_keys[child], L->heap[child], k, t))
            break;
        heap_move(L, i, child);
        i = child;
    }
    heap_set(L, i, t, k);
}

/* Takes the root out (the heap is not empty). Bottom-up: the hole goes
 * down to a leaf along the earliest children, and the last timer, nearly
 * always a late one, is sifted up from there: it is compared once or
 * twice instead of at every level. */
static tide__timer *pop_root(tide_loop *L)
{
    tide__timer *root = L->heap[0];
    uint32_t last = --L->heap_len;
    L->key_ops++;
    if (!last)
        return root;
    uint32_t i = 0, child;
    while ((child = min_child(L, i))) {
        heap_move(L, i, child);
        i = child;
    }
    heap_move(L, i, last);
    sift_up(L, i);
    return root;
}

static int heap_grow(tide_loop *L)
{
    uint32_t cap = L->heap_cap ? L->heap_cap * 2 : TIDE_TIMER_HEAP_INITIAL;
    if (cap <= L->heap_cap || cap >= TIDE__TIMER_DUE)
        return TIDE_ENOMEM;
    /* The due list has room for a few timers from the start, so that an
     * iteration always collects some, whatever the allocator says later. */
    if (!L->due_cap) {
        L->due = tide__alloc(L, TIDE_TIMER_HEAP_INITIAL * sizeof *L->due);
        if (!L->due)
            return TIDE_ENOMEM;
        L->due_cap = TIDE_TIMER_HEAP_INITIAL;
    }
    /* One block: the pointers, then the keys. */
    size_t each = sizeof(tide__tkey) + sizeof(tide__timer *);
    if (cap > SIZE_MAX / each)
        return TIDE_ENOMEM;
    tide__timer **heap = tide__alloc(L, (size_t)cap * each);
    if (!heap)
        return TIDE_ENOMEM;
    tide__tkey *keys = (tide__tkey *)(void *)(heap + cap);
    if (L->heap_len) {
        memcpy(keys, L->heap_keys, L->heap_len * sizeof *keys);
        memcpy(heap, L->heap, L->heap_len * sizeof *heap);
    }
    tide__free(L, L->heap, (size_t)L->heap_cap * each);
    L->heap_keys = keys;
    L->heap = heap;
    L->heap_cap = cap;
    return 0;
}

int tide__timer_start(tide_loop *L, tide__timer *t, int64_t when)
{
    tide__timer_stop(L, t);
    if (L->heap_len == L->heap_cap) {
        int rc = heap_grow(L);
        if (rc < 0)
            return rc;
    }
    t->when = when;
    t->order = (++L->timer_starts << 1) | (t->order & 1);
    L->heap[L->heap_len] = t;
    L->heap_keys[L->heap_len] = key_of(L, when);
    L->key_ops++;
    sift_up(L, L->heap_len++);
    return 0;
}

int tide__timer_stop(tide_loop *L, tide__timer *t)
{
    uint32_t slot = t->slot;
    if (slot == TIDE__TIMER_IDLE)
        return 0;
    t->slot = TIDE__TIMER_IDLE;
    if (slot & TIDE__TIMER_DUE) {
        L->due[slot & ~TIDE__TIMER_DUE] = NULL;
        return 1;
    }
    uint32_t last = --L->heap_len;
    if (slot < last) {
        tide__timer *moved = L->heap[last];
        heap_move(L, slot, last);
        sift_down(L, slot);
        sift_up(L, moved->slot);
    }
    return 1;
}

/* Room for one more due timer. The list grows with what comes due in one
 * iteration, not with the heap (most timers are stopped before they come
 * due: timeouts). If it cannot grow, the rest wait an iteration. */
static int due_room(tide_loop *L)
{
    if (L->due_len < L->due_cap)
        return 1;
    uint32_t cap = L->due_cap * 2;
    if (cap <= L->due_cap || cap >= TIDE__TIMER_DUE)
        return 0;
    tide__timer **due = tide__realloc(
        L, L->due, (size_t)L->due_cap * sizeof *due, (size_t)cap * sizeof *due);
    if (!due)
        return 0;
    L->due = due;
    L->due_cap = cap;
    return 1;
}

void tide__timers_collect(tide_loop *L, int64_t now)
{
    if (L->heap_len)
        keys_rebase(L);
    while (L->heap_len && L->heap[0]->when <= now + TIDE_CLOCK_RESOLUTION_NS &&
           L->heap[0]->when < TIDE__NEVER && due_room(L)) {
        tide__timer *t = pop_root(L);
        t->slot = TIDE__TIMER_DUE | L->due_len;
        L->due[L->due_len++] = t;
    }
}

void tide__timers_fire_due(tide_loop *L)
{
    /* Firing may start new timers (into the heap, not the due list) and
     * stop collected ones (leaving NULL holes); the list itself is stable. */
    for (uint32_t i = 0; i < L->due_len; i++) {
        tide__timer *t = L->due[i];
        if (!t)
            continue;
        L->due[i] = NULL;
        t->slot = TIDE__TIMER_IDLE;
        if (t->order & 1)
            tide__handle_fire(t);
        else
            tide__sleep_fire(t);
    }
    L->due_len = 0;
}

void tide__timers_free(tide_loop *L)
{
    tide__free(L, L->heap, (size_t)L->heap_cap *
                                    (sizeof(tide__tkey) + sizeof(tide__timer *)));
    tide__free(L, L->due, (size_t)L->due_cap * sizeof(tide__timer *));
    L->heap = L->due = NULL;
    L->heap_keys = NULL;
    L->heap_len = L->heap_cap = L->due_len = L->due_cap = 0;
}

int tide__seconds_ns(double seconds, int64_t *out)
{
    if (isnan(seconds))
        return TIDE_EINVAL;
    /* beyond the horizon (about 73 years of ns) is "never" (or "long
     * ago"): deadlines stay within +-TIDE__NEVER so that sums and
     * differences cannot overflow */
    if (seconds >= (double)TIDE__NEVER / 1e9)
        *out = TIDE__NEVER;
    else if (seconds <= -(double)TIDE__NEVER / 1e9)
        *out = -TIDE__NEVER;
    else
        *out = (int64_t)ceil(seconds * 1e9);
    return 0;
}

int64_t tide__deadline(int64_t now, int64_t delay)
{
    if (delay > 0 && now > TIDE__NEVER - delay)
        return TIDE__NEVER;
    if (delay < 0 && now < -TIDE__NEVER - delay)
        return -TIDE__NEVER;
    return now + delay;
}

int tide__delay_ns(double seconds, int64_t *out)
{
    if (seconds <= 0) { /* the common sleep(0); NaN fails this test */
        *out = 0;
        return 0;
    }
    int rc = tide__seconds_ns(seconds, out);
    if (rc == 0 && *out < 0)
        *out = 0;
    return rc;
}
