/*
 * semaphore.c - the tutorial's rate limit: ten fake fetches of one second
 * each, at most three at a time, so they finish in four rounds: 4.0 s.
 * The time comes from the loop's clock (virtual under TIDE_CLOCK=virtual).
 *
 * Settings (params.h): urls=10, limit=3 (requests at once), delay=1 (the
 * length of one fake request).
 */
#include <stdio.h>
#include <tide.h>

#include "params.h"

struct fetch_with_limit { TIDE_FRAME; tide_sem *sem; char url[64], data[80]; };

static tide_status fetch_with_limit(void *frame)
{
    struct fetch_with_limit *f = frame;
    TIDE_BEGIN(f);
    TIDE_WITH(f, tide_sem_scope(f->sem)) { /* at most 3 inside at once */
        printf("Fetching %s\n", f->url);
        TIDE_AWAIT(f, tide_sleep(param_num("delay", 1, 0, 60))); /* request */
        snprintf(f->data, sizeof f->data, "Data from %s", f->url);
        TIDE_RETURN(f, f->data);
    }
    TIDE_END(f);
}

enum { MAX_URLS = 100 };

struct program {
    TIDE_FRAME;
    tide_sem *sem;
    tide_task *tasks[MAX_URLS];
    size_t n;
    double start;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    /* allow at most `limit` (3) requests at once */
    TIDE_TRY(p, tide_sem_create(NULL, param_int("limit", 3, 1, MAX_URLS), 0,
                                &p->sem));
    p->start = tide_time();
    p->n = (size_t)param_int("urls", 10, 1, MAX_URLS);
    for (size_t i = 0; i < p->n; i++) { /* each task has its URL in its frame */
        struct fetch_with_limit f = {.sem = p->sem};
        snprintf(f.url, sizeof f.url, "https://api.example.com/item/%zu", i);
        TIDE_TRY(p, tide_spawn(fetch_with_limit, &f, sizeof f, NULL,
                               p->tasks + i));
    }
    TIDE_AWAIT(p, tide_gather(p->tasks, p->n, TIDE_GATHER_OWN, NULL, NULL));
    printf("\nFetched %zu URLs in %.1fs\n", p->n, tide_time() - p->start);
    TIDE_FINALLY(p);
    tide_sem_destroy(p->sem);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "urls limit delay");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
