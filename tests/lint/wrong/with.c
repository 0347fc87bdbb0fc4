/*
 * Wrong: TIDE_WITH (`async with`) misused. Each marked line must be flagged
 * (tests/lint.test.mjs), and only those.
 */
#include <stdio.h>
#include <tide.h>

struct prog {
    TIDE_FRAME;
    tide_lock *lock;
    tide_timeout *tmo;
    int i, n;
};

/* break and continue leave the block, not the loop around it. */
static tide_status leaves(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    for (p->i = 0; p->i < 3; p->i++) {
        TIDE_WITH(p, tide_lock_scope(p->lock)) {
            if (p->i == 1)
                break; /* lint: break-in-with */
            if (p->i == 2)
                continue; /* lint: break-in-with */
            TIDE_YIELD(p);
        }
    }
    TIDE_END(p);
}

/* A goto out of the block skips its exit. */
static tide_status jumps(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    TIDE_WITH(p, tide_lock_scope(p->lock)) {
        if (p->n)
            goto done; /* lint: goto-out-of-with */
        TIDE_YIELD(p);
    }
done:
    p->n = 0;
    TIDE_END(p);
}

/* Entering and leaving suspend: locals do not survive either. */
static tide_status locals(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int before = p->n;
    TIDE_WITH(p, tide_timeout_scope(1, &p->tmo)) {
        printf("%d\n", before); /* lint: local-across-await */
    }
    int inside = 0;
    TIDE_WITH(p, tide_lock_scope(p->lock)) {
        inside = 1;
    }
    printf("%d\n", inside); /* lint: local-across-await */
    TIDE_END(p);
}

/* In a switch of one's own, and with another frame. */
static tide_status misplaced(void *frame)
{
    struct prog *p = frame, *other = frame;
    TIDE_BEGIN(p);
    switch (p->n) {
    case 1:
        TIDE_WITH(p, tide_lock_scope(p->lock)) { /* lint: await-in-switch */
            p->i = 1;
        }
        break;
    default:
        break;
    }
    TIDE_WITH(other, tide_lock_scope(p->lock)) { /* lint: await-wrong-frame */
        p->i = 2;
    }
    TIDE_END(p);
}

/* TIDE_WITH_CATCH is a TIDE_WITH: the same rules. */
static tide_status catches(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    int before = p->n;
    for (p->i = 0; p->i < 3; p->i++) {
        TIDE_WITH_CATCH(p, tide_lock_scope(p->lock), p->n) {
            if (p->i == 1)
                break; /* lint: break-in-with */
            printf("%d\n", before); /* lint: local-across-await */
        }
    }
    TIDE_END(p);
}

int main(void)
{
    tide_fn fns[] = {leaves, jumps, locals, misplaced, catches};
    return fns[0] == NULL;
}
