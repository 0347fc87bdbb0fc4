/*
 * Wrong: awaits inside a switch statement of the program's own. The
 * coroutine macros are built on a switch: an await's resume point inside
 * another switch would belong to that one.
 */
#include <tide.h>

#define NAP(f, s) TIDE_AWAIT(f, tide_sleep(s))

struct sub {
    TIDE_FRAME;
};

static tide_status sub(void *frame)
{
    struct sub *s = frame;
    TIDE_BEGIN(s);
    TIDE_YIELD(s);
    TIDE_END(s);
}

struct prog {
    TIDE_FRAME;
    int mode, i, rc;
    struct sub sub;
};

static tide_status prog(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    switch (p->mode) {
    case 0:
        TIDE_YIELD(p); /* lint: await-in-switch */
        break;
    case 1:
        TIDE_AWAIT_CATCH(p, tide_sleep(1), p->rc); /* lint: await-in-switch */
        break;
    default:
        for (p->i = 0; p->i < 2; p->i++) {
            if (p->i)
                NAP(p, 0.5); /* lint: await-in-switch */
        }
    }
    /* a switch without awaits is fine */
    switch (p->mode) {
    case 2:
        p->i = 7;
        break;
    }
    while (p->i < 9) {
        switch (p->i) {
        case 7:
            TIDE_AWAIT_CALL(p, sub, &p->sub); /* lint: await-in-switch */
            break;
        }
        p->i++;
    }
    TIDE_END(p);
}
