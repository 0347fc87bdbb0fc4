/*
 * Right: local variables used correctly around awaits. The checker must
 * not flag anything here (tests/lint/lint.test.mjs).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tide.h>

#define NAP(f, s) TIDE_AWAIT(f, tide_sleep(s))
#define CATCH_NAP(f, s, rc) TIDE_AWAIT_CATCH(f, tide_sleep(s), rc)
#define STEP(f)                                                                \
    do {                                                                       \
        TIDE_YIELD(f);                                                         \
    } while (0)

struct prog {
    TIDE_FRAME;
    int count, i, total;
    int items[4];
    char label[16];
};

/* Locals used only between two awaits, in a loop kept in the frame. */
static tide_status between(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 0; p->i < 3; p->i++) {
        int sq = p->i * p->i;
        char line[32];
        snprintf(line, sizeof line, "%d", sq);
        puts(line);
        TIDE_YIELD(p);
    }
    TIDE_END(p);
}

/* Written again after the await before any read. */
static tide_status rewritten(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int x = p->count;
    p->total += x;
    TIDE_AWAIT(p, tide_sleep(1));
    x = p->count + 1;
    p->total += x;
    if (p->count)
        x = 2;
    else
        x = 3;
    TIDE_YIELD(p);
    int y;
    y = p->total;
    printf("%d %d\n", x = y, y);
    TIDE_END(p);
}

/* The frame pointer and values derived from the frame are set before
 * TIDE_BEGIN: that code runs again on every resume. */
static tide_status prologue(void *frame)
{
    struct prog *p = frame;
    int *items = p->items;
    const int n = p->count;
    TIDE_BEGIN(p);
    TIDE_YIELD(p);
    items[0] = n;
    TIDE_AWAIT(p, tide_sleep(n));
    printf("%d %d\n", items[0], n);
    TIDE_END(p);
}

/* TIDE_AWAIT_CATCH writes its rc after the resume: a local rc is fine. */
static tide_status caught(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int rc;
    TIDE_AWAIT_CATCH(p, tide_sleep(1), rc);
    if (rc == TIDE_ECANCELLED)
        puts("cancelled");
    CATCH_NAP(p, 2, rc);
    printf("%d\n", rc);
    TIDE_END(p);
}

/* Loops after the last await, in FINALLY, and locals declared in a loop
 * body that are written before they are read on every round. */
static tide_status loops(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    while (p->i < 3) {
        int k;
        k = p->i++;
        p->items[k] = k;
        STEP(p);
    }
    NAP(p, 0.5);
    TIDE_FINALLY(p);
    for (int i = 0; i < 4; i++)
        p->total += p->items[i];
    TIDE_END(p);
}

/* A static local survives: it is not on the stack. */
static tide_status counted(void *frame)
{
    static int calls;
    struct prog *p = frame;
    TIDE_BEGIN(p);
    calls++;
    TIDE_YIELD(p);
    p->total = calls;
    TIDE_END(p);
}

/* A value computed after the last await, returned. */
static tide_status returns(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    TIDE_YIELD(p);
    intptr_t sum = p->count + p->total;
    TIDE_RETURN(p, (void *)sum);
    TIDE_END(p);
}

/* A goto of the program's own between awaits. */
static tide_status jumps(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    TIDE_YIELD(p);
    int tries = 0;
again:
    tries++;
    if (tries < 3 && p->count)
        goto again;
    p->total = tries;
    TIDE_YIELD(p);
    TIDE_END(p);
}

/* Written before an await and never read after it. */
static tide_status dead(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int unused = p->count;
    p->total = unused;
    TIDE_YIELD(p);
    memset(p->label, 0, sizeof p->label);
    TIDE_END(p);
}

static int check(struct prog *p)
{
    return p->count-- > 0;
}

/* A do/while whose condition is written after the await of each round,
 * a `continue` past the await, a switch that sets locals between awaits,
 * and a struct filled after the await. */
static tide_status shapes(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int more;
    do {
        TIDE_YIELD(p);
        more = check(p);
    } while (more);
    for (p->i = 0; p->i < 4; p->i++) {
        if (p->i % 2)
            continue;
        TIDE_YIELD(p);
    }
    TIDE_YIELD(p);
    int weight, bonus;
    switch (p->count) {
    case 0:
        weight = 1;
        bonus = 0;
        break;
    default:
        weight = bonus = 2;
    }
    p->total = weight + bonus;
    struct {
        int a, b;
    } pair = {p->total, p->count};
    TIDE_AWAIT(p, tide_sleep(pair.a > 0 ? 0.5 : 0));
    pair.a = p->i;
    pair.b = p->count ? pair.a : -1;
    p->total = pair.b;
    TIDE_END(p);
}

/* `(void)x;` after an await (the idiom that silences "unused") reads
 * nothing: no finding for it, nor for a member of a local. A call cast to
 * void is still evaluated, and reads what it is given. */
static tide_status discarded(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int unused = p->count;
    struct {
        int a;
    } pair = {p->count};
    NAP(p, 1);
    (void)unused;
    (void)(pair.a);
    (void)printf("%d\n", p->count);
    TIDE_END(p);
}

/* An element at a constant index, written after the await, then read: it
 * is a part of its own, as a member is. */
static tide_status elements(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int arr[3] = {1, 2, 3};
    printf("%d\n", arr[0] + arr[1] + arr[2]);
    NAP(p, 1);
    arr[0] = p->count;
    arr[1] = arr[2] = 0;
    printf("%d %d %d\n", arr[0], arr[1], arr[2]);
    TIDE_END(p);
}
