/*
 * taskgroup.c - the tutorial's TaskGroup: three fetches of different
 * lengths run in a group; leaving the group waits for all of them, and
 * their results are read afterwards.
 *
 * Settings (params.h): database=2 api=1 cache=0.5, the three delays, and
 * fail=NAME (database, API or cache) to make that fetch fail when its
 * delay is up. Then the group cancels the fetches still running, and
 * leaving it raises TIDE_EGROUP (asyncio's ExceptionGroup), which ends the
 * program with its story: which task failed, and why.
 */
#include <stdio.h>
#include <string.h>
#include <tide.h>

#include "params.h"

struct fetch { TIDE_FRAME; const char *name; double delay; char data[32]; };

static tide_status fetch(void *frame)
{
    struct fetch *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    if (param_text("fail") && !strcmp(param_text("fail"), f->name))
        TIDE_THROW_MSG(f, TIDE_EUSER, "no answer");
    snprintf(f->data, sizeof f->data, "Data from %s", f->name);
    TIDE_RETURN(f, f->data);
    TIDE_END(f);
}

struct program { TIDE_FRAME; tide_group *tg; tide_task *db, *api, *cache; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_WITH(p, tide_group_scope(&p->tg)) {
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, fetch, NULL, &p->db,
                                     .name = "database",
                                     .delay = param_num("database", 2, 0, 60)));
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, fetch, NULL, &p->api, .name = "API",
                                     .delay = param_num("api", 1, 0, 60)));
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, fetch, NULL, &p->cache,
                                     .name = "cache",
                                     .delay = param_num("cache", 0.5, 0, 60)));
    } /* leaving the block waited for all three */
    puts(tide_task_value(p->db));
    puts(tide_task_value(p->api));
    puts(tide_task_value(p->cache));
    TIDE_FINALLY(p);
    tide_task_release(p->db);
    tide_task_release(p->api);
    tide_task_release(p->cache);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    params_init(argc, argv, "database api cache fail");
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
