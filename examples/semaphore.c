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

struct fetch_with_limit {
    TIDE_FRAME;
    tide_sem *semaphore;
    const char *url;
    double delay;
    char result[64];
    int held;
};

static tide_status fetch_with_limit(void *frame)
{
    struct fetch_with_limit *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sem_acquire(f->semaphore)); /* async with semaphore: */
    f->held = 1;
    printf("Fetching %s\n", f->url);
    TIDE_AWAIT(f, tide_sleep(f->delay)); /* simulate HTTP request */
    snprintf(f->result, sizeof f->result, "Data from %s", f->url);
    TIDE_RETURN(f, f->result);
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->semaphore);
    TIDE_END(f);
}

enum { MAX_URLS = 100 };

struct program {
    TIDE_FRAME;
    int n_urls, limit;
    double delay;
    char urls[MAX_URLS][48];
    tide_sem *semaphore;
    tide_task *tasks[MAX_URLS];
    char *results[MAX_URLS];
    double start;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    for (int i = 0; i < p->n_urls; i++)
        snprintf(p->urls[i], sizeof p->urls[i],
                 "https://api.example.com/item/%d", i);
    /* allow at most `limit` (3) concurrent requests */
    TIDE_TRY(p, tide_sem_create(NULL, p->limit, 0, &p->semaphore));
    p->start = tide_time();
    for (int i = 0; i < p->n_urls; i++)
        TIDE_TRY(p, TIDE_SPAWN(fetch_with_limit, NULL, &p->tasks[i],
                               .semaphore = p->semaphore, .url = p->urls[i],
                               .delay = p->delay));
    TIDE_AWAIT(p, tide_gather(p->tasks, (size_t)p->n_urls, 0,
                              (void **)p->results, NULL));
    printf("\nFetched %d URLs in %.1fs\n", p->n_urls, tide_time() - p->start);
    TIDE_FINALLY(p);
    for (int i = 0; i < p->n_urls; i++)
        tide_task_release(p->tasks[i]);
    tide_sem_destroy(p->semaphore);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.n_urls = param_int("urls", 10, 1, MAX_URLS),
                        .limit = param_int("limit", 3, 1, MAX_URLS),
                        .delay = param_num("delay", 1, 0, 60)};
    return tide_main(program, &p, sizeof p);
}
