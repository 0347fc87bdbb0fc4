/*
 * taskgroup.c - the tutorial's TaskGroup: three fetches of different
 * lengths run in a group; leaving the group waits for all of them, and
 * their results are read afterwards.
 *
 * Settings (params.h): database=2 api=1 cache=0.5, the three delays, and
 * fail=NAME (database, API or cache) to make that fetch fail when its
 * delay is up. Then the group cancels the fetches still running, leaving
 * it fails with TIDE_EGROUP (asyncio's ExceptionGroup), and the program
 * says what became of each task before it lets the error go on.
 */
#include <stdio.h>
#include <string.h>
#include <tide.h>

#include "params.h"

struct fetch {
    TIDE_FRAME;
    const char *name;
    double delay;
    int fail;
    char data[32];
};

static tide_status fetch(void *frame)
{
    struct fetch *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    if (f->fail)
        TIDE_THROW_MSG(f, TIDE_EUSER, "no answer");
    snprintf(f->data, sizeof f->data, "Data from %s", f->name);
    TIDE_RETURN(f, f->data);
    TIDE_END(f);
}

static const char *const names[3] = {"database", "API", "cache"};

struct program {
    TIDE_FRAME;
    double delays[3];
    const char *fail; /* a name from names[], or NULL */
    tide_group *tg;
    tide_task *tasks[3];
    int rc;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_group_create(&p->tg));
    for (int i = 0; i < 3; i++)
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, fetch, names[i], &p->tasks[i],
                                     .name = names[i], .delay = p->delays[i],
                                     .fail = p->fail && !strcmp(p->fail, names[i])));
    /* leaving `async with` waits for every child */
    TIDE_AWAIT_CATCH(p, tide_group_exit(p->tg, 0), p->rc);
    for (int i = 0; i < 3; i++) {
        void *data;
        int err = tide_task_result(p->tasks[i], &data);
        if (err == 0)
            puts(data);
        else if (err == TIDE_ECANCELLED)
            printf("%s: cancelled\n", names[i]);
        else
            printf("%s: failed (%s)\n", names[i], tide_task_message(p->tasks[i]));
    }
    if (p->rc < 0)
        TIDE_THROW(p, p->rc); /* the group's error ends main, as in Python */
    TIDE_FINALLY(p);
    tide_group_destroy(p->tg);
    for (int i = 0; i < 3; i++)
        tide_task_release(p->tasks[i]);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv);
    struct program p = {.delays = {param_num("database", 2, 0, 60),
                                   param_num("api", 1, 0, 60),
                                   param_num("cache", 0.5, 0, 60)},
                        .fail = param_text("fail")};
    return tide_main(program, &p, sizeof p);
}
