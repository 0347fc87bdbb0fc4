/*
 * timer.c - timers: a hierarchical timer wheel whose buckets are lists
 * through the timers themselves (no array sized by the number of timers),
 * plus the "due" list of timers collected at the start of an iteration. Due
 * timers fire after the callbacks that were already ready, as in asyncio's
 * _run_once; a due timer stopped before it fires is unlinked from the list.
 *
 * Time is counted in units of 2^UNIT_SHIFT ns (1.024 us) from -TIDE__NEVER,
 * so a unit is never negative. The wheel has LEVELS levels of 64 buckets;
 * the cursor L->wheel_pos is a unit, at or before the clock, never past the
 * earliest timer. A timer whose unit u is at or before the cursor is in
 * the cursor's bucket (level 0, index pos % 64); otherwise its level is
 * where u and the cursor first differ, counting 6 bits a level from the top,
 * and its bucket there is u's 6 bits of that level. Where a timer is follows
 * from its deadline and the cursor alone, so stopping one finds its bucket
 * without storing it, and timers with equal deadlines are always in the
 * same bucket. When the cursor moves into a bucket of level >= 1, the bucket
 * is emptied into the levels below ("cascaded").
 *
 * FIFO among equal deadlines without a start number: a list only ever grows
 * at its tail, and a timer started later with the same deadline lands where
 * the earlier one is at that moment: as the cursor moves towards a deadline,
 * the deadline's level only goes down, and it moves down (cascades) exactly
 * when the cursor enters its bucket, before any later start can land below.
 * So each bucket holds equal deadlines in start order, and a stable sort by
 * deadline when a level-0 bucket comes due gives asyncio's order.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

#define UNIT_SHIFT 10
#define LEVEL_BITS 6
#define SLOTS 64
#define LEVELS TIDE__WHEEL_LEVELS
/* 64 - 6 x 9 = 10: units (deadlines within +-TIDE__NEVER, 2^62 ns wide,
 * so under 2^52 units) differ in at most 52 bits: 9 levels of 6 bits. */
_Static_assert(LEVELS * LEVEL_BITS >= 62 - UNIT_SHIFT, "levels cover units");

/* Tag bits in a timer's prev link (timers are 8-aligned). */
#define TAG_KIND 1u  /* TIDE__TIMER_HANDLE */
#define TAG_DUE 2u   /* in L->due */
#define TAG_NEVER 4u /* in L->timers_never: at or past the horizon */
#define TAGS 7u

static tide__timer *prev_of(const tide__timer *t)
{
    return (tide__timer *)(t->prev & ~(uintptr_t)TAGS);
}

static void set_prev(tide__timer *t, tide__timer *p)
{
    t->prev = (uintptr_t)p | (t->prev & TAGS);
}

void tide__timer_init(tide__timer *t, unsigned kind)
{
    t->when = 0;
    t->next = NULL;
    t->prev = kind & TAG_KIND;
}

/* ---- circular lists through the timers; a head points at the first */

static void list_append(tide__timer **head, tide__timer *t)
{
    tide__timer *first = *head;
    if (!first) {
        t->next = t;
        set_prev(t, t);
        *head = t;
        return;
    }
    tide__timer *last = prev_of(first);
    t->next = first;
    set_prev(t, last);
    last->next = t;
    set_prev(first, t);
}

/* Returns 1 if the list is empty now. */
static int list_remove(tide__timer **head, tide__timer *t)
{
    tide__timer *next = t->next;
    if (next == t) {
        *head = NULL;
        return 1;
    }
    tide__timer *prev = prev_of(t);
    prev->next = next;
    set_prev(next, prev);
    if (*head == t)
        *head = next;
    return 0;
}

/* Takes a whole list out as a NULL-terminated chain appended at *tail;
 * returns the new end of the chain. */
static tide__timer **list_take(tide__timer **head, tide__timer **tail)
{
    tide__timer *first = *head, *last = prev_of(first);
    *head = NULL;
    last->next = NULL;
    *tail = first;
    return &last->next;
}

/* Makes a NULL-terminated chain a circular list (the chain's tags kept,
 * `tags` added); returns how many it holds. */
static uint32_t list_close(tide__timer **head, tide__timer *chain,
                           uintptr_t tags)
{
    uint32_t n = 0;
    tide__timer *prev = NULL, *t;
    for (t = chain; t; prev = t, t = t->next, n++)
        t->prev = (uintptr_t)prev | (t->prev & TAG_KIND) | tags;
    prev->next = chain;
    set_prev(chain, prev);
    *head = chain;
    return n;
}

/* ---- sorting a chain by deadline, stably (equal deadlines keep their
 * order: start order). Natural merge sort: a sorted chain costs one pass. */

static tide__timer *take_run(tide__timer **chain)
{
    tide__timer *run = *chain, *p = run;
    while (p->next && p->next->when >= p->when)
        p = p->next;
    *chain = p->next;
    p->next = NULL;
    return run;
}

/* Sorts the (non-empty) chain; *last is then its last timer. */
static tide__timer *sort_chain(tide__timer *chain, tide__timer **last)
{
    for (;;) {
        tide__timer *out = NULL, **tail = &out, *end = NULL;
        int merges = 0;
        while (chain) {
            tide__timer *a = take_run(&chain);
            tide__timer *b = chain ? take_run(&chain) : NULL;
            merges++;
            while (a && b) {
                if (b->when < a->when) {
                    *tail = b;
                    b = b->next;
                } else {
                    *tail = a;
                    a = a->next;
                }
                tail = &(*tail)->next;
            }
            *tail = a ? a : b;
            while (*tail) {
                end = *tail;
                tail = &end->next;
            }
        }
        if (merges <= 1) {
            *last = end;
            return out;
        }
        chain = out;
    }
}

/* ---- the wheel */

static uint64_t unit_of(int64_t when)
{
    /* deadlines stay within +-TIDE__NEVER: the sum cannot overflow */
    return (uint64_t)(when + TIDE__NEVER) >> UNIT_SHIFT;
}

static unsigned level_of(uint64_t u, uint64_t pos)
{
    return (unsigned)(63 - __builtin_clzll(u ^ pos)) / LEVEL_BITS;
}

/* The bucket (level x 64 + index) of a timer of unit u. */
static uint32_t bucket_of(const tide_loop *L, uint64_t u)
{
    uint64_t pos = L->wheel_pos;
    if (u <= pos)
        return (uint32_t)(pos % SLOTS);
    unsigned level = level_of(u, pos);
    return level * SLOTS + (uint32_t)((u >> (level * LEVEL_BITS)) % SLOTS);
}

static void wheel_insert(tide_loop *L, tide__timer *t)
{
    uint32_t b = bucket_of(L, unit_of(t->when));
    tide__timer **head = &L->wheel[b];
    uint64_t bit = 1ull << (b % SLOTS);
    if (!*head) {
        L->wheel_bits[b / SLOTS] |= bit;
        L->wheel_sorted |= b < SLOTS ? bit : 0;
    } else if (b < SLOTS && t->when < prev_of(*head)->when) {
        L->wheel_sorted &= ~bit;
    }
    list_append(head, t);
}

/* Empties bucket i of `level` (>= 1) into the levels below: the cursor
 * has just moved into it. */
static void cascade(tide_loop *L, unsigned level, unsigned i)
{
    tide__timer *chain;
    L->wheel_bits[level] &= ~(1ull << i);
    list_take(&L->wheel[level * SLOTS + i], &chain);
    while (chain) {
        tide__timer *t = chain;
        chain = t->next;
        wheel_insert(L, t);
    }
}

/* Sorts a chain of timers whose units agree from bit 6 x level up (a
 * bucket of that level): distributes it, stably, by the next 6 bits down,
 * level by level, to single units, whose few timers a merge sort orders.
 * A pass a level, where a merge sort of a long chain makes about log2(n)
 * passes, each a cache miss a timer (a real clock's iteration may collect
 * a whole bucket of thousands). *last is then the chain's last timer. */
static tide__timer *sort_by_units(tide__timer *chain, unsigned level,
                                  tide__timer **last)
{
    unsigned n = 0;
    for (tide__timer *t = chain; t && n < 16; t = t->next)
        n++;
    if (level == 0 || n < 16)
        return sort_chain(chain, last);
    tide__timer *head[SLOTS], **tail[SLOTS];
    uint64_t used = 0;
    unsigned shift = (level - 1) * LEVEL_BITS;
    for (tide__timer *t = chain, *next; t; t = next) {
        next = t->next;
        unsigned i = (unsigned)((unit_of(t->when) >> shift) % SLOTS);
        if (used >> i & 1)
            *tail[i] = t;
        else
            head[i] = t;
        used |= 1ull << i;
        tail[i] = &t->next;
    }
    tide__timer *out = NULL, **end = &out;
    while (used) {
        unsigned i = (unsigned)__builtin_ctzll(used);
        used &= used - 1;
        *tail[i] = NULL;
        *end = sort_by_units(head[i], level - 1, last);
        end = &(*last)->next;
    }
    return out;
}

/* Takes bucket b whole onto the chain at *tail, in deadline order (equal
 * deadlines in start order); returns the new end of the chain. */
static tide__timer **take_sorted(tide_loop *L, uint32_t b, tide__timer **tail)
{
    if (b < SLOTS && (L->wheel_sorted >> b & 1))
        return list_take(&L->wheel[b], tail);
    tide__timer *chain, *last;
    list_take(&L->wheel[b], &chain);
    *tail = sort_by_units(chain, b / SLOTS, &last);
    return &last->next;
}

static void sort_bucket(tide_loop *L, unsigned i)
{
    tide__timer *chain;
    take_sorted(L, i, &chain);
    list_close(&L->wheel[i], chain, 0);
    L->wheel_sorted |= 1ull << i;
}

static int wheel_create(tide_loop *L)
{
    size_t n = (size_t)LEVELS * SLOTS * sizeof *L->wheel;
    L->wheel = tide__alloc(L, n);
    if (!L->wheel)
        return TIDE_ENOMEM;
    memset(L->wheel, 0, n);
    memset(L->wheel_bits, 0, sizeof L->wheel_bits);
    L->wheel_sorted = 0;
    L->wheel_pos = unit_of(L->now);
    return 0;
}

int tide__timer_start(tide_loop *L, tide__timer *t, int64_t when)
{
    tide__timer_stop(L, t);
    if (!L->wheel && wheel_create(L) < 0)
        return TIDE_ENOMEM;
    t->when = when;
    /* An empty wheel may move its cursor anywhere: to the clock, which
     * tide_call_at does not read (a cursor far behind puts every timer in
     * a high level), or back (a virtual clock set after a real run). */
    if (!L->wheel_n)
        L->wheel_pos = unit_of(tide__loop_now(L));
    if (when >= TIDE__NEVER) { /* never fires: kept apart, for the count */
        t->prev = (t->prev & TAG_KIND) | TAG_NEVER;
        list_append(&L->timers_never, t);
        L->timers_never_n++;
        return 0;
    }
    wheel_insert(L, t);
    L->wheel_n++;
    return 0;
}

int tide__timer_stop(tide_loop *L, tide__timer *t)
{
    if (!t->next)
        return 0;
    if (t->prev & TAG_DUE) {
        list_remove(&L->due, t);
    } else if (t->prev & TAG_NEVER) {
        list_remove(&L->timers_never, t);
        L->timers_never_n--;
    } else {
        uint32_t b = bucket_of(L, unit_of(t->when));
        if (list_remove(&L->wheel[b], t))
            L->wheel_bits[b / SLOTS] &= ~(1ull << (b % SLOTS));
        L->wheel_n--;
    }
    t->next = NULL;
    t->prev &= TAG_KIND;
    return 1;
}

/* Buckets set in `mask` of `level`, taken whole onto the chain at *tail,
 * each sorted, in index order: buckets hold disjoint ranges of units, so
 * the chain is in deadline order (and ties are never in two buckets). */
static tide__timer **take_buckets(tide_loop *L, unsigned level, uint64_t mask,
                                  tide__timer **tail)
{
    L->wheel_bits[level] &= ~mask;
    while (mask) {
        unsigned i = (unsigned)__builtin_ctzll(mask);
        mask &= mask - 1;
        tail = take_sorted(L, level * SLOTS + i, tail);
    }
    return tail;
}

/* Moves the cursor forward to unit q: every timer of a unit before q is
 * due (taken onto the chain at *tail), the bucket q enters at the highest
 * level that changes is cascaded. */
static tide__timer **advance(tide_loop *L, uint64_t q, tide__timer **tail)
{
    uint64_t pos = L->wheel_pos;
    unsigned top = level_of(q, pos);
    for (unsigned level = 0; level < top; level++)
        tail = take_buckets(L, level, L->wheel_bits[level], tail);
    unsigned shift = top * LEVEL_BITS;
    unsigned from = (unsigned)((pos >> shift) % SLOTS);
    unsigned to = (unsigned)((q >> shift) % SLOTS);
    /* [from, to): below q; (at top >= 1, bucket `from` is empty) */
    uint64_t mask = (~0ull << from) & ((1ull << to) - 1);
    tail = take_buckets(L, top, L->wheel_bits[top] & mask, tail);
    L->wheel_pos = q;
    if (top > 0 && (L->wheel_bits[top] >> to & 1))
        cascade(L, top, to);
    return tail;
}

/* The earliest deadline (the wheel is not empty). The virtual clock jumps
 * there, so it gets the exact deadline, cascading as needed; a real clock
 * gets, while the earliest timer is above level 0, the start of its bucket
 * (a lower bound: the host wakes then, and the cascade happens as the
 * cursor moves, so the cursor never runs ahead of the clock). */
int64_t tide__timers_next(tide_loop *L)
{
    for (;;) {
        uint64_t pos = L->wheel_pos;
        uint64_t m = L->wheel_bits[0] & (~0ull << (pos % SLOTS));
        if (m) {
            unsigned i = (unsigned)__builtin_ctzll(m);
            if (!(L->wheel_sorted >> i & 1))
                sort_bucket(L, i);
            return L->wheel[i]->when;
        }
        unsigned level = 1;
        while (level < LEVELS && !L->wheel_bits[level])
            level++;
        if (level == LEVELS) /* (empty: the callers look first) */
            return TIDE__NEVER;
        unsigned i = (unsigned)__builtin_ctzll(L->wheel_bits[level]);
        unsigned shift = level * LEVEL_BITS;
        uint64_t start = (pos >> shift >> LEVEL_BITS << LEVEL_BITS | i) << shift;
        if (!L->virtual_clock)
            return (int64_t)(start << UNIT_SHIFT) - TIDE__NEVER;
        L->wheel_pos = start;
        cascade(L, level, i);
    }
}

void tide__timers_collect(tide_loop *L, int64_t now)
{
    int64_t limit = now < TIDE__NEVER - TIDE_CLOCK_RESOLUTION_NS
                        ? now + TIDE_CLOCK_RESOLUTION_NS
                        : TIDE__NEVER - 1;
    uint64_t q = unit_of(limit);
    tide__timer *chain = NULL, **tail = &chain;
    if (q > L->wheel_pos)
        tail = advance(L, q, tail);
    /* the cursor's bucket: what is due in it */
    unsigned c = (unsigned)(L->wheel_pos % SLOTS);
    tide__timer **head = &L->wheel[c];
    if (*head) {
        if (!(L->wheel_sorted >> c & 1))
            sort_bucket(L, c);
        tide__timer *first = *head, *last = prev_of(first);
        if (last->when <= limit) {
            L->wheel_bits[0] &= ~(1ull << c);
            tail = list_take(head, tail);
        } else if (first->when <= limit) {
            tide__timer *p = first;
            while (p->next->when <= limit)
                p = p->next;
            *head = p->next;
            set_prev(p->next, last);
            last->next = p->next;
            p->next = NULL;
            *tail = first;
        }
    }
    if (!chain)
        return;
    /* due: in deadline order, equal ones in start order (the units of
     * each piece taken come after those of the pieces before it) */
    tide__timer *due;
    L->wheel_n -= list_close(&due, chain, TAG_DUE);
    if (!L->due) {
        L->due = due;
        return;
    }
    /* (not reached by the loop, which fires what it collects first) */
    tide__timer *a_last = prev_of(L->due), *b_last = prev_of(due);
    a_last->next = due;
    set_prev(due, a_last);
    b_last->next = L->due;
    set_prev(L->due, b_last);
}

void tide__timers_fire_due(tide_loop *L)
{
    /* Firing may start new timers (into the wheel, not the due list) and
     * stop collected ones (unlinked from it). */
    while (L->due) {
        tide__timer *t = L->due;
        list_remove(&L->due, t);
        t->next = NULL;
        t->prev &= TAG_KIND;
        if (t->prev & TAG_KIND)
            tide__handle_fire(t);
        else
            tide__sleep_fire(t);
    }
}

/* Stops every callback timer and hands it to `drop` (the loop's teardown;
 * task timers die with their tasks). */
static void drop_handles_in(tide_loop *L, tide__timer **head,
                            void (*drop)(tide__timer *t))
{
    if (!*head)
        return;
    uint32_t n = 1;
    for (tide__timer *t = (*head)->next; t != *head; t = t->next)
        n++;
    tide__timer *t = *head;
    while (n--) {
        tide__timer *next = t->next;
        if (t->prev & TAG_KIND) {
            tide__timer_stop(L, t);
            drop(t);
        }
        t = next;
    }
}

void tide__timers_drop_handles(tide_loop *L, void (*drop)(tide__timer *t))
{
    if (L->wheel)
        for (uint32_t b = 0; b < LEVELS * SLOTS; b++)
            drop_handles_in(L, &L->wheel[b], drop);
    drop_handles_in(L, &L->timers_never, drop);
    drop_handles_in(L, &L->due, drop);
}

void tide__timers_free(tide_loop *L)
{
    tide__free(L, L->wheel, (size_t)LEVELS * SLOTS * sizeof *L->wheel);
    L->wheel = NULL;
    L->due = L->timers_never = NULL;
    L->wheel_n = L->timers_never_n = 0;
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
