/*
 * app_ratelimit.c - a program as people write them, beside its Python twin
 * (app_ratelimit.py, on CPython 3.13; tests/js/apps.test.mjs compares the
 * two on every host): a token bucket, a bounded semaphore that a call_later
 * callback refills and reschedules, under three bursts of requests, each
 * burst a task group. What it covers that the differential programs do
 * not: a callback that re-arms itself (releasing its own handle as it
 * runs), a bounded semaphore refusing a release when full (Python's
 * ValueError), a handle cancelled at the end.
 */
#include <stdio.h>
#include <tide.h>

enum { RATE = 2, CAPACITY = 3 };

struct bucket_state {
    tide_loop *loop;
    tide_sem *bucket;
    tide_handle *handle;
};

static int refill(void *arg)
{
    struct bucket_state *s = arg;
    int rc = tide_sem_release(s->bucket); /* one more token */
    if (rc < 0 && rc != TIDE_EOVERFLOW)   /* EOVERFLOW: the bucket is full */
        return rc;
    tide_handle_release(s->handle); /* (this one, running now) */
    return tide_call_later(s->loop, 1.0 / RATE, refill, s, &s->handle);
}

struct request { TIDE_FRAME; tide_sem *bucket; char name[16]; };

static tide_status request(void *frame)
{
    struct request *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->bucket)); /* take a token */
    printf("%.2f %s sent\n", tide_time(), f->name);
    TIDE_END(f);
}

struct burst {
    TIDE_FRAME;
    tide_sem *bucket;
    double at;
    int n, i;
    const char *tag;
    tide_group *tg;
};

static tide_status burst(void *frame)
{
    struct burst *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->at));
    printf("%.2f burst %s of %d\n", tide_time(), f->tag, f->n);
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        for (f->i = 0; f->i < f->n; f->i++) {
            struct request r = {.bucket = f->bucket};
            snprintf(r.name, sizeof r.name, "%s%d", f->tag, f->i);
            TIDE_TRY(f, tide_group_spawn(f->tg, request, &r, sizeof r, NULL,
                                         NULL));
        }
    }
    TIDE_END(f);
}

struct program { TIDE_FRAME; struct bucket_state s; tide_task *bursts[3]; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    static const struct { double at; int n; const char *tag; } plan[3] = {
        {0, 6, "a"}, {2.6, 3, "b"}, {4.1, 5, "c"}};
    TIDE_BEGIN(p);
    p->s.loop = tide_running_loop();
    TIDE_TRY(p, tide_sem_create(NULL, CAPACITY, 1, &p->s.bucket));
    TIDE_TRY(p, tide_call_later(p->s.loop, 1.0 / RATE, refill, &p->s,
                                &p->s.handle));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(p, TIDE_SPAWN(burst, NULL, &p->bursts[i], .bucket = p->s.bucket,
                               .at = plan[i].at, .n = plan[i].n,
                               .tag = plan[i].tag));
    TIDE_AWAIT(p, tide_gather(p->bursts, 3, TIDE_GATHER_OWN, NULL, NULL));
    tide_handle_cancel(p->s.handle);
    printf("%.2f done, %d tokens left\n", tide_time(),
           tide_sem_value(p->s.bucket));
    TIDE_FINALLY(p);
    tide_handle_release(p->s.handle);
    tide_sem_destroy(p->s.bucket);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
