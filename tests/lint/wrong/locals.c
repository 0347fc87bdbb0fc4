/*
 * Wrong: local variables used across an await. Each marked line must be
 * flagged (tests/lint/lint.test.mjs), and only those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

#define NAP(f, s) TIDE_AWAIT(f, tide_sleep(s))

struct child {
    TIDE_FRAME;
    int n;
};

static tide_status child(void *frame)
{
    struct child *c = frame;
    TIDE_BEGIN(c);
    TIDE_YIELD(c);
    TIDE_END(c);
}

struct prog {
    TIDE_FRAME;
    int count, i;
    struct child child;
};

/* The classic: the loop counter lives on the C stack. */
static tide_status counter(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    for (int i = 0; i < 3; i++) /* lint: local-across-await */
        TIDE_YIELD(p);
    TIDE_END(p);
}

/* Straight line: written, awaited, read. */
static tide_status straight(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int x = p->count * 2;
    TIDE_AWAIT(p, tide_sleep(1));
    printf("%d\n", x); /* lint: local-across-await */
    TIDE_END(p);
}

/* The read comes first in the text but after the await on the second
 * time round the loop. */
static tide_status round_the_loop(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int sum = 0;
    for (p->i = 0; p->i < 3; p->i++) {
        sum += p->i; /* lint: local-across-await */
        TIDE_YIELD(p);
    }
    TIDE_END(p);
}

/* Decremented after the await: the read of `left--` sees a lost value. */
static tide_status countdown(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int left = p->count;
    while (p->count > 0) {
        TIDE_YIELD(p);
        left--; /* lint: local-across-await */
        p->count = left;
    }
    TIDE_END(p);
}

/* Cleanup of a local after an await: FINALLY runs after the coroutine was
 * resumed, with its locals gone. */
static tide_status cleanup(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    char *buf = malloc(16);
    TIDE_AWAIT(p, tide_sleep(1));
    TIDE_FINALLY(p);
    free(buf); /* lint: local-across-await */
    TIDE_END(p);
}

/* TIDE_AWAIT_CALL evaluates the sub-frame again on every resume. */
static tide_status via_pointer(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    struct child *c = &p->child;
    memset(c, 0, sizeof *c);
    TIDE_AWAIT_CALL(p, child, c); /* lint: local-across-await */
    TIDE_END(p);
}

/* A prologue variable changed in the body: the prologue runs again on
 * resume and puts back its own value. */
static tide_status prologue_changed(void *frame)
{
    struct prog *p = frame;
    int n = p->count;
    TIDE_BEGIN(p);
    n = n * 2;
    TIDE_YIELD(p);
    p->count = n; /* lint: local-across-await */
    TIDE_END(p);
}

/* Read inside the next await's own arguments. */
static tide_status in_next_await(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    double d = 0.5;
    TIDE_YIELD(p);
    TIDE_AWAIT(p, tide_sleep(d)); /* lint: local-across-await */
    TIDE_END(p);
}

/* A struct member and an array element. */
struct pair {
    int a, b;
};

static tide_status aggregates(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    struct pair q;
    char name[16];
    q.a = 1;
    snprintf(name, sizeof name, "n%d", p->count);
    TIDE_YIELD(p);
    p->count = q.a; /* lint: local-across-await */
    puts(name); /* lint: local-across-await */
    struct pair r = {1, 2};
    TIDE_YIELD(p);
    r.a = 3; /* a member written again: the other one is still lost */
    p->count = r.a + r.b; /* lint: local-across-await */
    TIDE_END(p);
}

/* Through a macro of the program's own, built on TIDE_AWAIT. */
static tide_status own_macro(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int k = p->count;
    NAP(p, 1);
    printf("%d\n", k); /* lint: local-across-await */
    TIDE_END(p);
}

/* Written on one branch only: one path still loses it. */
static tide_status one_branch(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int v = 0;
    TIDE_YIELD(p);
    if (p->count)
        v = 1;
    printf("%d\n", v); /* lint: local-across-await */
    TIDE_END(p);
}

/* A call cast to void still reads what it is given. */
static tide_status void_call(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int lost = p->count;
    TIDE_YIELD(p);
    (void)printf("%d\n", lost); /* lint: local-across-await */
    TIDE_END(p);
}

/* One element written after the await: the others are still lost. */
static tide_status other_element(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int arr[2] = {p->count, p->count};
    TIDE_YIELD(p);
    arr[0] = 1;
    p->count = arr[0] + arr[1]; /* lint: local-across-await */
    TIDE_END(p);
}
