/*
 * semaphore.c - the tutorial's rate limit: ten fake fetches of one second
 * each, at most three at a time, so they finish in four rounds: 4.0 s.
 * The time comes from the loop's clock (virtual under TIDE_CLOCK=virtual).
 */
#include <stdio.h>
#include <tide.h>

struct fetch_with_limit {
    TIDE_FRAME;
    tide_sem *semaphore;
    const char *url;
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
    TIDE_AWAIT(f, tide_sleep(1)); /* simulate HTTP request */
    snprintf(f->result, sizeof f->result, "Data from %s", f->url);
    TIDE_RETURN(f, f->result);
    TIDE_FINALLY(f);
    if (f->held)
        tide_sem_release(f->semaphore);
    TIDE_END(f);
}

enum { N_URLS = 10 };

struct program {
    TIDE_FRAME;
    char urls[N_URLS][48];
    tide_sem *semaphore;
    tide_task *tasks[N_URLS];
    char *results[N_URLS];
    double start;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    for (int i = 0; i < N_URLS; i++)
        snprintf(p->urls[i], sizeof p->urls[i],
                 "https://api.example.com/item/%d", i);
    /* allow maximum 3 concurrent requests */
    TIDE_TRY(p, tide_sem_create(NULL, 3, 0, &p->semaphore));
    p->start = tide_time();
    for (int i = 0; i < N_URLS; i++)
        TIDE_TRY(p, TIDE_SPAWN(&p->tasks[i], fetch_with_limit, NULL,
                               .semaphore = p->semaphore, .url = p->urls[i]));
    TIDE_AWAIT(p, tide_gather(p->tasks, N_URLS, 0, (void **)p->results, NULL));
    printf("\nFetched %d URLs in %.1fs\n", N_URLS, tide_time() - p->start);
    TIDE_FINALLY(p);
    for (int i = 0; i < N_URLS; i++)
        tide_task_release(p->tasks[i]);
    tide_sem_destroy(p->semaphore);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
