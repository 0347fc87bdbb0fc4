/*
 * taskgroup.c - the tutorial's TaskGroup: three fetches of different
 * lengths run in a group; leaving the group waits for all of them, and
 * their results are read afterwards. Had one failed, the others would have
 * been cancelled and the failures reported together (TIDE_EGROUP).
 */
#include <stdio.h>
#include <tide.h>

struct fetch {
    TIDE_FRAME;
    const char *name;
    double delay;
    char data[32];
};

static tide_status fetch(void *frame)
{
    struct fetch *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    snprintf(f->data, sizeof f->data, "Data from %s", f->name);
    TIDE_RETURN(f, f->data);
    TIDE_END(f);
}

struct program {
    TIDE_FRAME;
    tide_group *tg;
    tide_task *tasks[3];
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    TIDE_TRY(p, tide_group_create(&p->tg));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, &p->tasks[0], fetch, NULL,
                                 .name = "database", .delay = 2));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, &p->tasks[1], fetch, NULL,
                                 .name = "API", .delay = 1));
    TIDE_TRY(p, TIDE_GROUP_SPAWN(p->tg, &p->tasks[2], fetch, NULL,
                                 .name = "cache", .delay = 0.5));
    TIDE_AWAIT(p, tide_group_exit(p->tg, 0));
    /* every child is done here */
    for (int i = 0; i < 3; i++) {
        void *data;
        TIDE_TRY(p, tide_task_result(p->tasks[i], &data));
        puts(data);
    }
    TIDE_FINALLY(p);
    tide_group_destroy(p->tg);
    for (int i = 0; i < 3; i++)
        tide_task_release(p->tasks[i]);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
