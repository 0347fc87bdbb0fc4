/*
 * Right: TIDE_WITH (`async with`) used as the rules say. Nothing here may
 * be flagged.
 */
#include <stdio.h>
#include <tide.h>

/* A program's own macro built on TIDE_WITH. */
#define WITH_LOCK(f, lock) TIDE_WITH(f, tide_lock_scope(lock))

struct prog {
    TIDE_FRAME;
    tide_lock *lock;
    tide_sem *sem;
    tide_group *tg;
    tide_timeout *tmo;
    int i, n, stop;
};

static tide_status body(void *frame)
{
    struct prog *p = frame;
    TIDE_BEGIN(p);
    /* break and continue of a loop inside the block, and of a switch */
    TIDE_WITH(p, tide_lock_scope(p->lock)) {
        for (int i = 0; i < 3; i++) {
            if (i == 1)
                continue;
            if (i == 2)
                break;
        }
        switch (p->n) {
        case 0:
            break;
        default:
            p->i = 1;
        }
    }
    /* a loop left after the block, by a flag */
    for (p->i = 0; p->i < 3 && !p->stop; p->i++) {
        TIDE_WITH(p, tide_sem_scope(p->sem)) {
            TIDE_YIELD(p);
            p->stop = p->i == 1;
        }
    }
    /* nested, chained, in an if, through a macro, with a goto inside */
    TIDE_WITH(p, tide_timeout_scope(10, &p->tmo))
    TIDE_WITH(p, tide_group_scope(&p->tg)) {
        if (p->n)
            WITH_LOCK(p, p->lock) {
                TIDE_YIELD(p);
            }
        else
            TIDE_AWAIT(p, tide_sleep(0));
        if (p->n > 1)
            goto skip;
        p->i = 2;
    skip:
        TIDE_RETURN(p, NULL);
    }
    TIDE_FINALLY(p);
    /* the outcome into a local, written as the block's exit ends */
    int rc;
    TIDE_WITH_CATCH(p, tide_timeout_scope(1, NULL), rc) {
        TIDE_YIELD(p);
    }
    if (rc == TIDE_ETIMEDOUT)
        p->n = 0;
    TIDE_WITH(p, tide_lock_scope(p->lock)) {
        p->i = 3;
        if (p->n > 2) /* a formatted error, raised from a block */
            TIDE_THROW_FMT(p, TIDE_EUSER, "n is %d", p->n);
    }
    TIDE_END(p);
}

int main(void)
{
    struct prog p = {0};
    return tide_main(body, &p, sizeof p);
}
