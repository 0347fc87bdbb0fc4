/*
 * test_trace.c - the loop's trace of task events (spawn, run, suspend on
 * what, wake, finish), which the docs page's timeline draws.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char *kind(int event)
{
    switch (event) {
    case TIDE_TRACE_SPAWN: return "spawn";
    case TIDE_TRACE_RUN: return "run";
    case TIDE_TRACE_SUSPEND: return "suspend";
    case TIDE_TRACE_WAKE: return "wake";
    case TIDE_TRACE_FINISH: return "finish";
    default: return "?";
    }
}

/* Logs "event:task[:what][:status]" for every task but the main one. */
static void tracer(tide_loop *loop, int event, tide_task *task,
                   const char *what, int status, void *arg)
{
    (void)loop;
    (void)arg;
    if (tide_task_id(task) == 1)
        return;
    char word[96];
    int n = snprintf(word, sizeof word, "%s:%s", kind(event),
                     tide_task_name(task));
    if (what)
        n += snprintf(word + n, sizeof word - (size_t)n, ":%s", what);
    if (status)
        snprintf(word + n, sizeof word - (size_t)n, ":%s",
                 tide_errname(status) ? tide_errname(status) : "user");
    th_log("%s", word);
}

struct sleeper {
    TIDE_FRAME;
    double delay;
};
static tide_status sleeper(void *frame)
{
    struct sleeper *f = frame;
    TIDE_BEGIN(f);
    TIDE_YIELD(f);
    TIDE_AWAIT(f, tide_sleep(f->delay));
    TIDE_END(f);
}

struct traced {
    TIDE_FRAME;
    tide_task *a, *b;
    int rc;
};
static tide_status traced(void *frame)
{
    struct traced *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_set_trace_handler(tide_running_loop(), tracer, NULL));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "a", &f->a, .delay = 1));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "b", &f->b, .delay = 5));
    TIDE_AWAIT(f, tide_join(f->a, NULL));
    tide_task_cancel(f->b, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->b, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_LOG_IS("spawn:a spawn:b run:a suspend:a:yield run:b suspend:b:yield "
              "run:a suspend:a:sleep run:b suspend:b:sleep wake:a:sleep "
              "run:a finish:a wake:b:sleep:TIDE_ECANCELLED "
              "run:b:TIDE_ECANCELLED finish:b:TIDE_ECANCELLED");
    tide_loop_set_trace_handler(tide_running_loop(), NULL, NULL);
    TIDE_FINALLY(f);
    tide_task_release(f->a);
    tide_task_release(f->b);
    TIDE_END(f);
}

/* A task cancelled before it ever ran finishes without a run event. */
struct never_ran {
    TIDE_FRAME;
    tide_task *t;
};
static tide_status never_ran(void *frame)
{
    struct never_ran *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_set_trace_handler(tide_running_loop(), tracer, NULL));
    TIDE_TRY(f, TIDE_SPAWN(sleeper, "t", &f->t, .delay = 1));
    tide_task_cancel(f->t, NULL);
    TIDE_YIELD(f);
    TH_LOG_IS("spawn:t finish:t:TIDE_ECANCELLED");
    TH_EQ_INT(tide_loop_set_trace_handler(NULL, tracer, NULL), TIDE_EINVAL);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE("trace reports spawn, run, suspend on what, wake and finish",
            traced),
    TH_CASE("trace: a task cancelled before its first step never runs",
            never_ran),
};
TH_MAIN(cases)
