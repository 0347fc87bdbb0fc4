/*
 * test_story.c - errors keep their story (issue 11): a TIDE_EGROUP carries
 * its children's errors (code, message, task) wherever it goes - to a
 * joiner, through gather, through a re-raise, nested in an outer group -
 * after its group is destroyed, and out of memory only shortens the story;
 * TIDE_THROW of a caught error re-raises it with its message.
 *
 * Python's counterparts: ExceptionGroup.exceptions is tide_egroup; a bare
 * `raise` in an except block is TIDE_THROW(f, rc) of the code caught.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define EZERO (TIDE_EUSER - 1)
#define EVALUE (TIDE_EUSER - 2)
#define EBODY (TIDE_EUSER - 3)

/* ---- tasks ---------------------------------------------------------------- */

/* sleep(delay) (no await if delay < 0), then raise err with msg (NULL:
 * none). */
struct failer {
    TIDE_FRAME;
    double delay;
    int err;
    const char *msg;
};
static tide_status failer(void *frame)
{
    struct failer *f = frame;
    TIDE_BEGIN(f);
    if (f->delay >= 0)
        TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_THROW_MSG(f, f->err, f->msg);
    TIDE_END(f);
}

/* sleep(delay), cancelled or not; then raise err("cleanup") in FINALLY. */
struct cleanup_failer {
    TIDE_FRAME;
    double delay;
    int err;
};
static tide_status cleanup_failer(void *frame)
{
    struct cleanup_failer *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_FINALLY(f);
    TIDE_THROW_MSG(f, f->err, "cleanup");
    TIDE_END(f);
}

struct sleeper {
    TIDE_FRAME;
    double delay;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_END(f);
}

/* ---- the price scenario: two of three children fail -------------------- */

/* Task-2 'runner' runs a group: Task-3 'price' and Task-5 'tax' fail in
 * the same iteration, Task-4 'stock' is cancelled. The group is destroyed
 * before anybody reads the error. */
struct runner {
    TIDE_FRAME;
    tide_group *g;
};
static tide_status runner(void *frame)
{
    struct runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, failer, "price", NULL, .delay = 0.1,
                                 .err = TIDE_EHOST,
                                 .msg = "price service down"));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, sleeper, "stock", NULL, .delay = 5));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, failer, "tax", NULL, .delay = 0.1,
                                 .err = TIDE_ETIMEDOUT, .msg = NULL));
    TIDE_AWAIT(f, tide_group_exit(f->g, 0));
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

#define PRICE_HEAD "2 of 3 child tasks failed: Task-3 'price': TIDE_EHOST"
#define PRICE_TAIL "; Task-5 'tax': TIDE_ETIMEDOUT"
#define PRICE_STORY PRICE_HEAD " price service down" PRICE_TAIL

/* What an EGROUP of the price scenario looks like: 'S' its whole story,
 * 'T' its message alone, 'N' nothing, 'X' something wrong. Out of memory
 * a child's message may be missing from both ('M': a child failed with
 * TIDE_ENOMEM instead, which the story tells). */
static int price_story(const char *msg, const tide_egroup *eg)
{
    if (msg && strstr(msg, ": TIDE_ENOMEM"))
        return 'M';
    if (msg && (strncmp(msg, PRICE_HEAD, strlen(PRICE_HEAD)) != 0 ||
                strlen(msg) < strlen(PRICE_TAIL) ||
                strcmp(msg + strlen(msg) - strlen(PRICE_TAIL), PRICE_TAIL)))
        return 'X';
    if (!eg)
        return msg ? 'T' : 'N';
    const char *m, *task;
    const tide_egroup *nested;
    if (!msg || tide_egroup_error_count(eg) != 2 ||
        tide_egroup_error(eg, 0, &m, &task, &nested) != TIDE_EHOST ||
        strcmp(task, "price") || nested ||
        (m && strcmp(m, "price service down")) ||
        tide_egroup_error(eg, 1, &m, &task, &nested) != TIDE_ETIMEDOUT ||
        strcmp(task, "tax") || nested || m)
        return 'X';
    return 'S';
}

/* What the sweep of out-of-memory runs saw (checked by the next case). */
static struct {
    int story, text, none, wrong;
} oom_seen;

struct price {
    TIDE_FRAME;
    tide_task *r;
    int rc, errs[1];
};
static tide_status price(void *frame)
{
    struct price *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(runner, "runner", &f->r));
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    if (th_oom_active()) { /* the error goes on, its story maybe shorter */
        if (f->rc == TIDE_EGROUP) {
            switch (price_story(tide_error_message(), tide_error_egroup())) {
            case 'S': oom_seen.story++; break;
            case 'T': oom_seen.text++; break;
            case 'N': oom_seen.none++; break;
            case 'M': break;
            default: oom_seen.wrong++; break;
            }
        }
        TIDE_RETURN(f, 0);
    }
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_STR(tide_error_message(), PRICE_STORY);
    TH_EQ_INT(price_story(tide_error_message(), tide_error_egroup()), 'S');
    /* the task keeps it, the same one */
    TH_EQ_STR(tide_task_message(f->r), PRICE_STORY);
    TH_CHECK(tide_task_egroup(f->r) == tide_error_egroup());
    /* through gather, failing... */
    TIDE_AWAIT_CATCH(f, tide_gather(&f->r, 1, 0, NULL, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(price_story(tide_error_message(), tide_error_egroup()), 'S');
    /* ...or returning it */
    TIDE_AWAIT_CATCH(f, tide_gather(&f->r, 1, TIDE_GATHER_RETURN_ERRORS, NULL,
                                    f->errs), f->rc);
    TH_EQ_INT(f->rc, 0);
    TH_EQ_INT(f->errs[0], TIDE_EGROUP);
    TH_CHECK(tide_error_egroup() == NULL); /* the gather succeeded */
    TH_EQ_INT(price_story(tide_task_message(f->r), tide_task_egroup(f->r)),
              'S');
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

struct price_oom {
    TIDE_FRAME;
};
static tide_status price_oom(void *frame)
{
    struct price_oom *f = frame;
    TIDE_BEGIN(f);
    /* every run of the sweep that got as far as the group's error saw it
     * whole or shortened, never wrong; both ways happened */
    TH_EQ_INT(oom_seen.wrong, 0);
    TH_CHECK(oom_seen.story > 0);
    TH_CHECK(oom_seen.text > 0);
    TIDE_END(f);
}

/* Debug mode: a failed task nobody awaited is reported with the story. */
struct unretrieved {
    TIDE_FRAME;
};
static tide_status unretrieved(void *frame)
{
    struct unretrieved *f = frame;
    TIDE_BEGIN(f);
    tide_loop_set_debug(tide_running_loop(), 1);
    TIDE_TRY(f, TIDE_SPAWN(runner, "runner", NULL));
    TIDE_AWAIT(f, tide_sleep(1));
    TIDE_END(f);
}
static void unretrieved_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, 0);
    TH_CHECK(th_debug_has(TIDE_DEBUG_UNRETRIEVED, "task Task-2 'runner' "
                          "failed with TIDE_EGROUP: " PRICE_STORY));
}

/* ---- nested groups and the body's error --------------------------------- */

/* A group whose one child (Task-4 'deep') fails with EVALUE "bad value". */
struct inner {
    TIDE_FRAME;
    tide_group *g;
};
static tide_status inner(void *frame)
{
    struct inner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, failer, "deep", NULL, .delay = 0.1,
                                 .err = EVALUE, .msg = "bad value"));
    TIDE_AWAIT(f, tide_group_exit(f->g, 0));
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

#define DEEP_STORY "1 of 1 child task failed: Task-4 'deep': TIDE_EUSER-2 bad value"

struct nested {
    TIDE_FRAME;
    tide_group *g;
    int rc;
    const tide_egroup *eg, *sub;
    const char *msg, *task;
};
static tide_status nested(void *frame)
{
    struct nested *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, inner, "inner", NULL, .g = NULL));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, failer, "other", NULL, .delay = 0.1,
                                 .err = EZERO, .msg = "zero"));
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc);
    tide_group_destroy(f->g);
    f->g = NULL;
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    /* 'other' fails as 'deep' does; 'inner' is cancelled while its group
     * has an error already: errors win, it ends with its own EGROUP */
    TH_EQ_STR(tide_error_message(),
              "2 of 2 child tasks failed: Task-3 'other': TIDE_EUSER-1 zero; "
              "Task-2 'inner': TIDE_EGROUP (" DEEP_STORY ")");
    f->eg = tide_error_egroup();
    TH_EQ_INT(tide_egroup_error_count(f->eg), 2);
    TH_EQ_INT(tide_egroup_error(f->eg, 0, &f->msg, &f->task, &f->sub), EZERO);
    TH_EQ_STR(f->msg, "zero");
    TH_EQ_STR(f->task, "other");
    TH_CHECK(f->sub == NULL);
    TH_EQ_INT(tide_egroup_error(f->eg, 1, &f->msg, &f->task, &f->sub),
              TIDE_EGROUP);
    TH_EQ_STR(f->msg, DEEP_STORY);
    TH_EQ_STR(f->task, "inner");
    TH_EQ_INT(tide_egroup_error_count(f->sub), 1);
    TH_EQ_INT(tide_egroup_error(f->sub, 0, &f->msg, &f->task, &f->eg), EVALUE);
    TH_EQ_STR(f->msg, "bad value");
    TH_EQ_STR(f->task, "deep");
    TH_CHECK(f->eg == NULL);
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

/* Task-2 'runner': a group whose body fails ("body broke", from a helper
 * it awaits) while its child Task-4 'c' fails in its cleanup. */
struct body_runner {
    TIDE_FRAME;
    int with_child;
    tide_group *g;
    tide_task *helper;
    int rc;
};
static tide_status body_runner(void *frame)
{
    struct body_runner *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_SPAWN(failer, "helper", &f->helper, .delay = 0.1,
                           .err = EBODY, .msg = "body broke"));
    if (f->with_child)
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, cleanup_failer, "c", NULL,
                                     .delay = 5, .err = EZERO));
    TIDE_AWAIT_CATCH(f, tide_join(f->helper, NULL), f->rc);
    TIDE_AWAIT(f, tide_group_exit(f->g, f->rc));
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    tide_task_release(f->helper);
    TIDE_END(f);
}

struct body {
    TIDE_FRAME;
    int with_child;
    tide_task *r;
    int rc;
    const char *msg, *task;
};
static tide_status body(void *frame)
{
    struct body *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(body_runner, "runner", &f->r,
                           .with_child = f->with_child));
    TIDE_AWAIT_CATCH(f, tide_join(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    if (f->with_child) {
        TH_EQ_STR(tide_error_message(),
                  "1 of 1 child task and the body failed: Task-4 'c': "
                  "TIDE_EUSER-1 cleanup; Task-2 'runner' (body): TIDE_EUSER-3 "
                  "body broke");
        TH_EQ_INT(tide_egroup_error_count(tide_error_egroup()), 2);
        TH_EQ_INT(tide_egroup_error(tide_error_egroup(), 0, &f->msg, &f->task,
                                    NULL), EZERO);
        TH_EQ_STR(f->task, "c");
    } else {
        TH_EQ_STR(tide_error_message(), "the body failed: Task-2 'runner' "
                  "(body): TIDE_EUSER-3 body broke");
        TH_EQ_INT(tide_egroup_error_count(tide_error_egroup()), 1);
    }
    /* the body's error comes last, named after the task that ran it */
    TH_EQ_INT(tide_egroup_error(tide_error_egroup(), f->with_child ? 1 : 0,
                                &f->msg, &f->task, NULL), EBODY);
    TH_EQ_STR(f->msg, "body broke");
    TH_EQ_STR(f->task, "runner");
    TIDE_FINALLY(f);
    tide_task_release(f->r);
    TIDE_END(f);
}

struct body_child {
    struct body b;
};
static tide_status body_child(void *frame)
{
    struct body_child *f = frame;
    f->b.with_child = 1;
    return body(&f->b);
}

/* ---- a long story, a deep one -------------------------------------------- */

enum { MANY = 60 };

struct many {
    TIDE_FRAME;
    tide_group *g;
    int i, rc;
    char msgs[MANY][64];
    const char *msg, *task;
};
static tide_status many(void *frame)
{
    struct many *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_group_create(&f->g));
    for (f->i = 0; f->i < MANY; f->i++) {
        snprintf(f->msgs[f->i], sizeof f->msgs[f->i],
                 "child %d failed with a message long enough", f->i);
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, failer, NULL, NULL, .delay = 1,
                                     .err = EVALUE, .msg = f->msgs[f->i]));
    }
    TIDE_AWAIT_CATCH(f, tide_group_exit(f->g, 0), f->rc);
    tide_group_destroy(f->g);
    f->g = NULL;
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    {
        /* one line, cut to fit, saying how many it leaves out */
        const char *text = tide_error_message();
        TH_CHECK(text && strlen(text) < 1024 && strlen(text) > 900);
        size_t shown = 0;
        for (const char *p = text; p && (p = strstr(p, "; Task-")); p++)
            shown++;
        char tail[40];
        snprintf(tail, sizeof tail, "; and %zu more", MANY - shown - 1);
        TH_CHECK(shown > 5 && shown < MANY - 1);
        TH_CHECK(text && strlen(text) > strlen(tail) &&
                 strcmp(text + strlen(text) - strlen(tail), tail) == 0);
#define MANY_HEAD "60 of 60 child tasks failed: Task-2: TIDE_EUSER-2 child 0 "
        TH_CHECK(text && strncmp(text, MANY_HEAD, strlen(MANY_HEAD)) == 0);
    }
    /* the list has them all */
    TH_EQ_INT(tide_egroup_error_count(tide_error_egroup()), MANY);
    for (f->i = 0; f->i < MANY; f->i++) {
        char name[24];
        snprintf(name, sizeof name, "Task-%d", f->i + 2);
        TH_EQ_INT(tide_egroup_error(tide_error_egroup(), (size_t)f->i,
                                    &f->msg, &f->task, NULL), EVALUE);
        TH_EQ_STR(f->msg, f->msgs[f->i]);
        TH_EQ_STR(f->task, name);
    }
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

/* Groups nested DEEP levels: level n runs a group whose child is level
 * n - 1; level 0 fails. Reading and freeing the story uses no recursion
 * (it would overflow the stack on wasm). Out-of-memory sweeps (TH_OOM_ALL)
 * fail each allocation of a nest DEEP_SWEPT levels deep instead. */
enum { DEEP = 100000, DEEP_SWEPT = 40 };

struct level {
    TIDE_FRAME;
    int n;
    tide_group *g;
};
static tide_status level(void *frame)
{
    struct level *f = frame;
    TIDE_BEGIN(f);
    if (f->n == 0)
        TIDE_THROW_MSG(f, EVALUE, "at the bottom");
    TIDE_TRY(f, tide_group_create(&f->g));
    TIDE_TRY(f, TIDE_GROUP_SPAWN(f->g, level, NULL, NULL, .n = f->n - 1));
    TIDE_AWAIT(f, tide_group_exit(f->g, 0));
    TIDE_FINALLY(f);
    tide_group_destroy(f->g);
    TIDE_END(f);
}

struct deep {
    TIDE_FRAME;
    tide_task *top;
    int depth, rc;
};
static tide_status deep(void *frame)
{
    struct deep *f = frame;
    TIDE_BEGIN(f);
    f->depth = th_oom_active() ? DEEP_SWEPT : DEEP;
    TIDE_TRY(f, TIDE_SPAWN(level, "top", &f->top, .n = f->depth));
    TIDE_AWAIT_CATCH(f, tide_join(f->top, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
#define DEEP_HEAD "1 of 1 child task failed: Task-3: TIDE_EGROUP (1 of 1 " \
                  "child task failed: Task-4: TIDE_EGROUP ("
    {
        const char *text = tide_error_message(); /* NULL out of memory */
        TH_CHECK(text && strncmp(text, DEEP_HEAD, strlen(DEEP_HEAD)) == 0);
        TH_CHECK(text && strlen(text) < 1024);
    }
    {
        const tide_egroup *eg = tide_task_egroup(f->top), *next;
        const char *msg = NULL, *task = NULL;
        int depth = 0, code = 0;
        while (eg) {
            depth++;
            TH_EQ_INT(tide_egroup_error_count(eg), 1);
            code = tide_egroup_error(eg, 0, &msg, &task, &next);
            eg = next;
        }
        TH_EQ_INT(depth, f->depth);
        TH_EQ_INT(code, EVALUE);
        TH_EQ_STR(msg, "at the bottom");
        char name[24];
        snprintf(name, sizeof name, "Task-%d", f->depth + 2);
        TH_EQ_STR(task, name);
    }
    TIDE_FINALLY(f);
    tide_task_release(f->top); /* frees DEEP nested stories */
    TIDE_END(f);
}

/* ---- bad input ------------------------------------------------------------ */

struct accessors {
    TIDE_FRAME;
    tide_task *pending, *plain, *group;
    const char *msg, *task;
    const tide_egroup *eg;
    int rc;
};
static tide_status accessors(void *frame)
{
    struct accessors *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_egroup_error_count(NULL), 0);
    f->msg = f->task = "x";
    f->eg = (const tide_egroup *)f;
    TH_EQ_INT(tide_egroup_error(NULL, 0, &f->msg, &f->task, &f->eg),
              TIDE_EINVAL);
    TH_CHECK(!f->msg && !f->task && !f->eg);
    TH_CHECK(tide_task_egroup(NULL) == NULL);
    TH_CHECK(tide_error_egroup() == NULL);
    TIDE_TRY(f, TIDE_SPAWN(sleeper, NULL, &f->pending, .delay = 1));
    TH_CHECK(tide_task_egroup(f->pending) == NULL);
    /* an error that is not a group's has no list */
    TIDE_TRY(f, TIDE_SPAWN(failer, NULL, &f->plain, .delay = -1, .err = EZERO,
                           .msg = "plain"));
    TIDE_AWAIT_CATCH(f, tide_join(f->plain, NULL), f->rc);
    TH_EQ_INT(f->rc, EZERO);
    TH_CHECK(tide_task_egroup(f->plain) == NULL);
    TH_CHECK(tide_error_egroup() == NULL);
    /* out of range on a real list */
    TIDE_TRY(f, TIDE_SPAWN(runner, NULL, &f->group));
    TIDE_AWAIT_CATCH(f, tide_join(f->group, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(tide_egroup_error_count(tide_error_egroup()), 2);
    f->msg = f->task = "x";
    f->eg = (const tide_egroup *)f;
    TH_EQ_INT(tide_egroup_error(tide_error_egroup(), 2, &f->msg, &f->task,
                                &f->eg), TIDE_EINVAL);
    TH_CHECK(!f->msg && !f->task && !f->eg);
    /* outputs not wanted */
    TH_EQ_INT(tide_egroup_error(tide_error_egroup(), 1, NULL, NULL, NULL),
              TIDE_ETIMEDOUT);
    TIDE_FINALLY(f);
    tide_task_release(f->group);
    tide_task_cancel(f->pending, NULL);
    tide_task_release(f->pending);
    tide_task_release(f->plain);
    TIDE_END(f);
}

/* ---- re-raising ------------------------------------------------------------ */

/* What a re-raising task does (`how`), the child it catches from failing
 * with err("boom") */
enum {
    AT_ONCE,       /* catch, TIDE_THROW */
    AFTER_AWAITS,  /* catch, yield, sleep, a caught success, TIDE_THROW */
    IN_FINALLY,    /* TIDE_AWAIT fails; FINALLY yields, re-raises */
    FINALLY_CATCH, /* the same; FINALLY catches "second" and re-raises it */
    OTHER_CODE,    /* catch, TIDE_THROW of another code: no message */
    OLDER,         /* catch boom, catch "second" (EVALUE), TIDE_THROW boom */
    NEW_MESSAGE,   /* catch, TIDE_THROW_MSG with a new message */
    BY_TRY,        /* catch, TIDE_TRY of a call returning the same code */
    SUB,           /* a sub-coroutine's error caught, TIDE_THROW */
};

struct boom_sub {
    TIDE_FRAME;
    int catch_it; /* catch the error and return normally */
    tide_task *t;
    int rc;
};
static tide_status boom_sub(void *frame)
{
    struct boom_sub *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(failer, NULL, &f->t, .delay = -1, .err = EZERO,
                           .msg = "sub boom"));
    if (f->catch_it)
        TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    else
        TIDE_AWAIT(f, tide_join(f->t, NULL));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

static int give(int err)
{
    return err;
}

struct reraiser {
    TIDE_FRAME;
    int how;
    tide_task *a, *b;
    int rc, rc2;
    struct boom_sub sub;
};
static tide_status reraiser(void *frame)
{
    struct reraiser *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(failer, NULL, &f->a, .delay = -1, .err = EZERO,
                           .msg = "boom"));
    TIDE_TRY(f, TIDE_SPAWN(failer, NULL, &f->b, .delay = -1, .err = EVALUE,
                           .msg = "second"));
    if (f->how == SUB) {
        f->sub = (struct boom_sub){.catch_it = 1};
        TIDE_AWAIT_CALL_CATCH(f, boom_sub, &f->sub, f->rc);
        /* a sub that caught its error and returned leaves no message */
        TH_EQ_INT(f->rc, 0);
        TH_CHECK(tide_error_message() == NULL);
        f->sub = (struct boom_sub){.catch_it = 0};
        TIDE_AWAIT_CALL_CATCH(f, boom_sub, &f->sub, f->rc);
        TH_EQ_INT(f->rc, EZERO);
        TIDE_THROW(f, f->rc);
    }
    if (f->how == IN_FINALLY || f->how == FINALLY_CATCH)
        TIDE_AWAIT(f, tide_join(f->a, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->a, NULL), f->rc);
    TH_EQ_INT(f->rc, EZERO);
    /* (no awaits in a switch: rule 3) */
    if (f->how == AFTER_AWAITS) {
        TIDE_YIELD(f);
        TH_CHECK(tide_error_message() == NULL); /* nothing stale */
        TIDE_AWAIT(f, tide_sleep(0.5));
        TIDE_AWAIT_CATCH(f, tide_sleep(0), f->rc2);
    } else if (f->how == OTHER_CODE) {
        TIDE_THROW(f, EBODY);
    } else if (f->how == OLDER) {
        TIDE_AWAIT_CATCH(f, tide_join(f->b, NULL), f->rc2);
        TH_EQ_INT(f->rc2, EVALUE);
    } else if (f->how == NEW_MESSAGE) {
        TIDE_THROW_MSG(f, f->rc, "new");
    } else if (f->how == BY_TRY) {
        TIDE_TRY(f, give(f->rc));
    }
    TIDE_THROW(f, f->rc);
    TIDE_FINALLY(f);
    if (f->how == IN_FINALLY || f->how == FINALLY_CATCH) {
        TH_EQ_INT(TIDE_ERROR(f), EZERO);
        TH_EQ_STR(TIDE_ERROR_MESSAGE(f), "boom");
        TIDE_YIELD(f);
        if (f->how == FINALLY_CATCH)
            TIDE_AWAIT_CATCH(f, tide_join(f->b, NULL), f->rc2);
    }
    tide_task_release(f->a);
    tide_task_release(f->b);
    f->a = f->b = NULL;
    if (f->how == FINALLY_CATCH)
        TIDE_THROW(f, f->rc2); /* replaces the error, with its message */
    if (f->how == IN_FINALLY)
        TIDE_THROW(f, TIDE_ERROR(f));
    TIDE_END(f);
}

struct reraise {
    TIDE_FRAME;
    int how;
    int err;          /* what the re-raising task ends with */
    const char *msg;  /* and its message (NULL: none) */
    tide_task *t;
    int rc;
};
static tide_status reraise(void *frame)
{
    struct reraise *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(reraiser, NULL, &f->t, .how = f->how));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, f->err);
    if (f->msg)
        TH_EQ_STR(tide_error_message(), f->msg);
    else
        TH_CHECK(tide_error_message() == NULL);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

#define RERAISE(fn, how_, err_, msg_)                                          \
    struct fn {                                                                \
        struct reraise r;                                                      \
    };                                                                         \
    static tide_status fn(void *frame)                                         \
    {                                                                          \
        struct fn *f = frame;                                                  \
        if (!f->r.tide__frame.pc)                                              \
            f->r = (struct reraise){.how = (how_), .err = (err_),              \
                                    .msg = (msg_)};                            \
        return reraise(&f->r);                                                 \
    }

RERAISE(rr_at_once, AT_ONCE, EZERO, "boom")
RERAISE(rr_after_awaits, AFTER_AWAITS, EZERO, "boom")
RERAISE(rr_in_finally, IN_FINALLY, EZERO, "boom")
RERAISE(rr_finally_catch, FINALLY_CATCH, EVALUE, "second")
RERAISE(rr_other_code, OTHER_CODE, EBODY, NULL)
RERAISE(rr_older, OLDER, EZERO, NULL)
RERAISE(rr_new_message, NEW_MESSAGE, EZERO, "new")
RERAISE(rr_by_try, BY_TRY, EZERO, NULL)
RERAISE(rr_sub, SUB, EZERO, "sub boom")

/* A cancellation caught, cleaned up after (with awaits), re-raised. */
struct cancel_catcher {
    TIDE_FRAME;
    int rc;
};
static tide_status cancel_catcher(void *frame)
{
    struct cancel_catcher *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_sleep(10), f->rc);
    th_log("caught:%s", tide_errname(f->rc));
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_sleep(0.5));
    th_log("cleaned");
    TIDE_THROW(f, f->rc);
    TIDE_END(f);
}

struct rr_cancel {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status rr_cancel(void *frame)
{
    struct rr_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(cancel_catcher, NULL, &f->t));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_EQ_INT(tide_task_cancel(f->t, "stop"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop");
    TH_CHECK(tide_task_is_cancelled(f->t));
    TH_EQ_STR(tide_task_message(f->t), "stop");
    TH_LOG_IS("caught:TIDE_ECANCELLED cleaned");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* A group's error re-raised after its group is gone keeps its story. */
struct group_reraiser {
    TIDE_FRAME;
    struct runner run;
    int rc;
};
static tide_status group_reraiser(void *frame)
{
    struct group_reraiser *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL_CATCH(f, runner, &f->run, f->rc); /* destroys its group */
    TIDE_YIELD(f);
    TIDE_THROW(f, f->rc);
    TIDE_END(f);
}

struct rr_group {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};
static tide_status rr_group(void *frame)
{
    struct rr_group *f = frame;
    TIDE_BEGIN(f);
    /* Task-2 is the re-raiser; its sub-coroutine's children are 3, 4, 5 */
    TIDE_TRY(f, TIDE_SPAWN(group_reraiser, "runner", &f->t));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EGROUP);
    TH_EQ_INT(price_story(tide_error_message(), tide_error_egroup()), 'S');
    TH_EQ_STR(tide_error_message(), PRICE_STORY);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- frames abandoned by a destroyed loop ---------------------------------- */

/* A sub-coroutine holding a message when its task is destroyed pending:
 * one it caught (kept for a re-raise) or, in FINALLY, the one of the error
 * it propagates. Nothing leaks: the loop cannot reach such a frame, but it
 * drops frames' references to messages when it is destroyed. */
struct holder_sub {
    TIDE_FRAME;
    int in_finally;
    tide_task *t;
    int rc;
};
static tide_status holder_sub(void *frame)
{
    struct holder_sub *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(failer, NULL, &f->t, .delay = -1, .err = EZERO,
                           .msg = "held by a frame"));
    if (f->in_finally)
        TIDE_AWAIT(f, tide_join(f->t, NULL));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    th_log("caught");
    TIDE_AWAIT(f, tide_sleep(100));
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    f->t = NULL;
    if (f->in_finally) {
        th_log("finally");
        TIDE_AWAIT(f, tide_sleep(100));
    }
    TIDE_END(f);
}

struct holder {
    TIDE_FRAME;
    struct holder_sub sub;
};
static tide_status holder(void *frame)
{
    struct holder *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CALL(f, holder_sub, &f->sub);
    TIDE_END(f);
}

struct abandoned {
    TIDE_FRAME;
};
static tide_status abandoned(void *frame)
{
    struct abandoned *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(holder, NULL, NULL, .sub = {.in_finally = 0}));
    TIDE_TRY(f, TIDE_SPAWN(holder, NULL, NULL, .sub = {.in_finally = 1}));
    TIDE_AWAIT(f, tide_sleep(1));
    TH_LOG_IS("caught finally");
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_AWAIT(f, tide_sleep(100));
    TIDE_END(f);
}
static void abandoned_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED); /* the harness then destroys the loop */
}

/* ---- the table ---------------------------------------------------------- */

static const th_case cases[] = {
    TH_CASE_AFTER("a group's errors reach a joiner and gather after the "
                  "group is destroyed: one line, and the list",
                  price, NULL, TH_OOM),
    TH_CASE("out of memory the group's error goes on, its story whole or "
            "only its message, never wrong",
            price_oom),
    TH_CASE_AFTER("debug mode reports an unread group error with its story",
                  unretrieved, unretrieved_after, 0),
    TH_CASE_AFTER("nested groups nest: the inner group's errors in the outer "
                  "one's",
                  nested, NULL, TH_OOM),
    TH_CASE("the body's error comes last, after the children's, named after "
            "its task",
            body_child),
    TH_CASE_AFTER("a group whose body alone failed", body, NULL, 0),
    TH_CASE_AFTER("a long story is cut in its line, whole in its list", many,
                  NULL, 0),
    TH_CASE("groups nested 100000 deep: the story is read and freed without "
            "recursion",
            deep),
    TH_CASE_AFTER("bad input: the accessors on NULL, a pending task, another "
                  "error",
                  accessors, NULL, TH_OOM),
    TH_CASE_AFTER("re-raise: TIDE_THROW of the caught code keeps its message",
                  rr_at_once, NULL, TH_OOM),
    TH_CASE_AFTER("re-raise after other awaits in between", rr_after_awaits,
                  NULL, TH_OOM),
    TH_CASE_AFTER("re-raise from FINALLY (after an await there)",
                  rr_in_finally, NULL, TH_OOM),
    TH_CASE_AFTER("an error caught in FINALLY and re-raised replaces the "
                  "pending one, with its message",
                  rr_finally_catch, NULL, TH_OOM),
    TH_CASE_AFTER("raising another code is no re-raise: no message",
                  rr_other_code, NULL, TH_OOM),
    TH_CASE_AFTER("only the error caught last is re-raised with its message",
                  rr_older, NULL, TH_OOM),
    TH_CASE_AFTER("TIDE_THROW_MSG gives a new message", rr_new_message, NULL,
                  TH_OOM),
    TH_CASE_AFTER("TIDE_TRY never re-raises", rr_by_try, NULL, TH_OOM),
    TH_CASE_AFTER("a sub-coroutine's caught error re-raised; one that "
                  "caught its own leaves no message",
                  rr_sub, NULL, TH_OOM),
    TH_CASE_AFTER("a cancellation caught, cleaned up after, re-raised: "
                  "cancelled, with its message",
                  rr_cancel, NULL, TH_OOM),
    TH_CASE_AFTER("a group's error re-raised after its group is gone keeps "
                  "its story",
                  rr_group, NULL, TH_OOM),
    TH_CASE_AFTER("a loop destroyed with sub-coroutines holding messages "
                  "(caught, or propagated in FINALLY) leaks nothing",
                  abandoned, abandoned_after, TH_EXPECT_ERROR | TH_OOM),
};
TH_MAIN(cases)
