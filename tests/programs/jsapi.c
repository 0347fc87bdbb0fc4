/*
 * jsapi.c - a user program for the JS API tests (tests/js/jsapi.test.mjs,
 * tests/browser/browser-api.test.mjs), built the way users build theirs: with
 * web/package/tide-emcc. argv[1] picks what main does:
 *
 *   value N        the main task returns N
 *   string TEXT    the main task returns the string TEXT
 *   throw          the main task fails: TIDE_ETIMEDOUT "too slow"
 *   user           the main task fails with a program's own code
 *   nan            the main task's TIDE_TRY of tide_call_later with a NaN
 *                  delay fails: TIDE_EINVAL with the call's detail
 *   sleep S        prints "tick" each second for S seconds, then "slept";
 *                  its FINALLY prints "cleanup: <error name>"
 *   nap S          one sleep of S seconds (any double), then "woke"
 *   ignore         catches the first cancellation and goes on (asyncio's
 *                  uncancel), so only a second cancel ends it
 *   exit N         main() returns N without starting a loop
 *   task-exit N    a task calls exit(N)
 *   trap           a task traps (wasm unreachable)
 *   partial        prints a last line without its newline
 *   env NAME       prints NAME=<value of getenv(NAME)>
 *   spam N         prints N numbered lines
 *   workers        two named workers share a lock (the trace test)
 *   call NAME      awaits the embedder's JS function NAME (argument 21)
 *                  and prints "result: <its JSON>"
 *   group          a task group whose children fail: Task-2 'price'
 *                  awaits the JS function "price", Task-3 'inner' runs a
 *                  group of its own whose child Task-4 'tax' fails in its
 *                  cleanup when cancelled (TIDE_EUSER-3 "tax table
 *                  missing"); main lets the TIDE_EGROUP go
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

static const char *mode;
static const char *param;

struct worker {
    TIDE_FRAME;
    tide_lock *lock;
    double delay;
    int held;
};

static tide_status worker(void *frame)
{
    struct worker *w = frame;
    TIDE_BEGIN(w);
    TIDE_AWAIT(w, tide_lock_acquire(w->lock));
    w->held = 1;
    TIDE_AWAIT(w, tide_sleep(w->delay));
    TIDE_FINALLY(w);
    if (w->held)
        tide_lock_release(w->lock);
    TIDE_END(w);
}

struct exiter {
    TIDE_FRAME;
};

static tide_status exiter(void *frame)
{
    struct exiter *e = frame;
    TIDE_BEGIN(e);
    TIDE_AWAIT(e, tide_sleep(0.01));
    exit(atoi(param));
    TIDE_END(e);
}

/* group: the children */
struct pricer {
    TIDE_FRAME;
    char *json;
};

static tide_status pricer(void *frame)
{
    struct pricer *p = frame;
    TIDE_BEGIN(p);
    TIDE_AWAIT(p, tide_host_call("price", "\"ACME\"", &p->json));
    TIDE_FINALLY(p);
    tide_host_free(p->json);
    TIDE_END(p);
}

struct taxer {
    TIDE_FRAME;
    double delay;
};

static tide_status taxer(void *frame)
{
    struct taxer *t = frame;
    TIDE_BEGIN(t);
    TIDE_AWAIT(t, tide_sleep(t->delay));
    TIDE_FINALLY(t);
    TIDE_THROW_MSG(t, TIDE_EUSER - 3, "tax table missing");
    TIDE_END(t);
}

struct inner {
    TIDE_FRAME;
    tide_group *group;
};

static tide_status inner(void *frame)
{
    struct inner *n = frame;
    TIDE_BEGIN(n);
    TIDE_TRY(n, tide_group_create(&n->group));
    TIDE_TRY(n, TIDE_GROUP_SPAWN(n->group, taxer, "tax", NULL, .delay = 10));
    TIDE_AWAIT(n, tide_group_exit(n->group, 0));
    TIDE_FINALLY(n);
    tide_group_destroy(n->group);
    TIDE_END(n);
}

struct program {
    TIDE_FRAME;
    int i, n, rc;
    tide_group *group;
    tide_lock *lock;
    tide_task *tasks[2];
    char text[256];
    char *json;
};

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (strcmp(mode, "value") == 0) {
        TIDE_YIELD(p);
        TIDE_RETURN(p, (intptr_t)atoi(param));
    } else if (strcmp(mode, "string") == 0) {
        TIDE_YIELD(p);
        snprintf(p->text, sizeof p->text, "%s", param);
        TIDE_RETURN(p, p->text);
    } else if (strcmp(mode, "throw") == 0) {
        TIDE_YIELD(p);
        TIDE_THROW_MSG(p, TIDE_ETIMEDOUT, "too slow");
    } else if (strcmp(mode, "stuck") == 0) {
        TIDE_AWAIT(p, tide_sleep(INFINITY)); /* nothing can wake it */
    } else if (strcmp(mode, "user") == 0) {
        TIDE_THROW_MSG(p, TIDE_EUSER - 7, "my own error");
    } else if (strcmp(mode, "nan") == 0) {
        TIDE_TRY(p, tide_call_later(tide_running_loop(), NAN, NULL, NULL,
                                    NULL));
    } else if (strcmp(mode, "sleep") == 0) {
        p->n = atoi(param);
        for (p->i = 0; p->i < p->n; p->i++) {
            TIDE_AWAIT(p, tide_sleep(1));
            puts("tick");
        }
        puts("slept");
    } else if (strcmp(mode, "nap") == 0) {
        TIDE_AWAIT(p, tide_sleep(atof(param)));
        puts("woke");
    } else if (strcmp(mode, "ignore") == 0) {
        TIDE_AWAIT_CATCH(p, tide_sleep(1000), p->rc);
        printf("caught %s: %s\n", tide_errname(p->rc),
               tide_error_message() ? tide_error_message() : "-");
        tide_task_uncancel(tide_current_task());
        TIDE_AWAIT(p, tide_sleep(1000));
    } else if (strcmp(mode, "task-exit") == 0) {
        TIDE_TRY(p, TIDE_SPAWN(exiter, "exiter", NULL));
        TIDE_AWAIT(p, tide_sleep(1000));
    } else if (strcmp(mode, "trap") == 0) {
        TIDE_YIELD(p);
        puts("about to trap");
        fflush(stdout);
        __builtin_trap();
    } else if (strcmp(mode, "partial") == 0) {
        printf("first line\nno newline at the end");
    } else if (strcmp(mode, "env") == 0) {
        printf("%s=%s\n", param, getenv(param) ? getenv(param) : "(unset)");
    } else if (strcmp(mode, "spam") == 0) {
        p->n = atoi(param);
        for (p->i = 0; p->i < p->n; p->i++) {
            printf("line %d\n", p->i);
            if (p->i % 100 == 99)
                TIDE_YIELD(p);
        }
    } else if (strcmp(mode, "call") == 0) {
        TIDE_AWAIT(p, tide_host_call(param, "21", &p->json));
        printf("result: %s\n", p->json);
    } else if (strcmp(mode, "workers") == 0) {
        TIDE_TRY(p, tide_lock_create(NULL, &p->lock));
        TIDE_TRY(p, TIDE_SPAWN(worker, "first", &p->tasks[0], .lock = p->lock,
                               .delay = 1));
        TIDE_TRY(p, TIDE_SPAWN(worker, "second", &p->tasks[1], .lock = p->lock,
                               .delay = 2));
        TIDE_AWAIT(p, tide_gather(p->tasks, 2, 0, NULL, NULL));
    } else if (strcmp(mode, "group") == 0) {
        TIDE_TRY(p, tide_group_create(&p->group));
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->group, pricer, "price", NULL,
                                     .json = NULL));
        TIDE_TRY(p, TIDE_GROUP_SPAWN(p->group, inner, "inner", NULL,
                                     .group = NULL));
        TIDE_AWAIT(p, tide_group_exit(p->group, 0));
    }
    TIDE_FINALLY(p);
    if (strcmp(mode, "sleep") == 0)
        printf("cleanup: %s\n",
               TIDE_ERROR(p) ? tide_errname(TIDE_ERROR(p)) : "none");
    tide_task_release(p->tasks[0]);
    tide_task_release(p->tasks[1]);
    tide_lock_destroy(p->lock);
    tide_group_destroy(p->group); /* before the error reaches JS */
    tide_host_free(p->json);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "value";
    param = argc > 2 ? argv[2] : "0";
    if (strcmp(mode, "exit") == 0)
        return atoi(param);
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
