/*
 * test_task.c - checklist section 3, tasks and spawning (TASK-*).
 * Python-only parts of an item are translated to their nearest C meaning in
 * a comment on the case; items without any C meaning are listed at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Program errors, the C form of KeyError and ValueError. */
enum { E_KEY = TIDE_EUSER - 1, E_VALUE = TIDE_EUSER - 2 };

/* ---- TASK-01: spawning is lazy; first steps run in creation order ----- */

struct task01_order {
    TIDE_FRAME;
    tide_task *t[5];
};

static tide_status task01_order(void *frame)
{
    static const char *tags[] = {"w0", "w1", "w2", "w3", "w4"};
    struct task01_order *f = frame;
    TIDE_BEGIN(f);
    for (int i = 0; i < 5; i++)
        TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[i], .tag = tags[i]));
    th_log("parent");
    /* nothing ran yet: spawning only queued the first steps */
    TH_LOG_IS("parent");
    TH_CHECK(!tide_task_is_done(f->t[0]));
    TIDE_YIELD(f);
    TH_LOG_IS("parent w0 w1 w2 w3 w4");
    TIDE_FINALLY(f);
    for (int i = 0; i < 5; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* Logs A and spawns a child logging C (CPython's order: A, B, main, C). */
struct spawner {
    TIDE_FRAME;
};

static tide_status spawner(void *frame)
{
    struct spawner *s = frame;
    TIDE_BEGIN(s);
    th_log("A");
    TIDE_TRY(s, TIDE_SPAWN(th_child, NULL, NULL, .tag = "C"));
    TIDE_END(s);
}

struct task01_nested {
    TIDE_FRAME;
};

static tide_status task01_nested(void *frame)
{
    struct task01_nested *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(spawner, NULL, NULL,  ));
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, NULL, .tag = "B"));
    TIDE_YIELD(f);
    /* C was queued behind this task's own wake-up */
    th_log("main");
    TIDE_YIELD(f);
    TH_LOG_IS("A B main C");
    TIDE_END(f);
}

/* ---- TASK-02: bad spawns, names ---------------------------------------- */

/* create_task(123) -> TypeError becomes: a NULL fn, a NULL frame or a frame
 * too small for the header is TIDE_EINVAL, and a repeat gives the same. */
struct task02_einval {
    TIDE_FRAME;
    tide_task *t;
};

static tide_status task02_einval(void *frame)
{
    struct task02_einval *f = frame;
    struct th_child fr = {.tag = "never"};
    TIDE_BEGIN(f);
    for (int round = 0; round < 2; round++) {
        f->t = tide_current_task(); /* any non-NULL value: must be reset */
        TH_EQ_INT(tide_spawn(NULL, &fr, sizeof fr, "x", &f->t), TIDE_EINVAL);
        TH_CHECK(f->t == NULL);
        f->t = tide_current_task();
        TH_EQ_INT(tide_spawn(th_child, NULL, sizeof fr, NULL, &f->t),
                  TIDE_EINVAL);
        TH_CHECK(f->t == NULL);
        f->t = tide_current_task();
        TH_EQ_INT(
            tide_spawn(th_child, &fr, sizeof(tide_frame) - 1, NULL, &f->t),
            TIDE_EINVAL);
        TH_CHECK(f->t == NULL);
    }
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    /* the failures took no task number: the next task is still Task-2 */
    TIDE_TRY(f, tide_spawn(th_child, &fr, sizeof fr, NULL, &f->t));
    TH_EQ_INT(tide_task_id(f->t), 2);
    TH_EQ_STR(tide_task_name(f->t), "Task-2");
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_LOG_IS("never");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* Outside a running loop (the run is over when `after` is called). */
static void task02_einval_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)err;
    struct th_child fr = {.tag = "never"};
    tide_task *t = main;
    TH_CHECK(tide_running_loop() == NULL);
    TH_EQ_INT(tide_spawn(th_child, &fr, sizeof fr, NULL, &t), TIDE_ENOLOOP);
    TH_CHECK(t == NULL);
    TH_EQ_INT(tide_spawn(th_child, &fr, sizeof fr, NULL, NULL), TIDE_ENOLOOP);
}

struct task02_names {
    TIDE_FRAME;
    tide_task *t[3];
    char buf[16];
};

static tide_status task02_names(void *frame)
{
    struct task02_names *f = frame;
    TIDE_BEGIN(f);
    /* the main task is the loop's first: Task-1 */
    TH_EQ_INT(tide_task_id(tide_current_task()), 1);
    TH_EQ_STR(tide_task_name(tide_current_task()), "Task-1");
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t[0], .value = NULL));
    strcpy(f->buf, "No-op");
    TIDE_TRY(f, TIDE_SPAWN(th_child, f->buf, &f->t[1], .value = NULL));
    strcpy(f->buf, "changed"); /* the name was copied */
    TIDE_TRY(f, TIDE_SPAWN(th_child, "", &f->t[2], .value = NULL));
    TH_EQ_INT(tide_task_id(f->t[0]), 2);
    TH_EQ_INT(tide_task_id(f->t[1]), 3);
    TH_EQ_INT(tide_task_id(f->t[2]), 4);
    TH_EQ_STR(tide_task_name(f->t[0]), "Task-2");
    TH_EQ_STR(tide_task_name(f->t[1]), "No-op");
    TH_EQ_STR(tide_task_name(f->t[2]), ""); /* given, even if empty */
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, NULL, NULL));
    /* names outlive the run of the task */
    TH_EQ_STR(tide_task_name(f->t[0]), "Task-2");
    TH_EQ_STR(tide_task_name(f->t[1]), "No-op");
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* Task.set_name: a copy, any time (pending, running, done), NULL for the
 * default back; dumps and group stories made afterwards use it. */
struct task02_set_name {
    TIDE_FRAME;
    tide_task *t[2];
    tide_group *tg;
    char buf[16];
};

static tide_status task02_set_name(void *frame)
{
    struct task02_set_name *f = frame;
    char dump[256];
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, "w", &f->t[0], .delay = 1));
    strcpy(f->buf, "renamed");
    TIDE_TRY(f, tide_task_set_name(f->t[0], f->buf));
    strcpy(f->buf, "changed"); /* copied */
    TH_EQ_STR(tide_task_name(f->t[0]), "renamed");
    TIDE_TRY(f, tide_task_set_name(tide_current_task(), "boss"));
    TH_EQ_STR(tide_task_name(tide_current_task()), "boss");
    TIDE_TRY(f, tide_task_set_name(tide_current_task(), "boss, again"));
    TH_EQ_STR(tide_task_name(tide_current_task()), "boss, again");
    /* the default back, made anew; then a name again */
    TIDE_TRY(f, tide_task_set_name(tide_current_task(), NULL));
    TH_EQ_STR(tide_task_name(tide_current_task()), "Task-1");
    TIDE_TRY(f, tide_task_set_name(tide_current_task(), "main"));
    TH_EQ_INT(tide_task_set_name(NULL, "x"), TIDE_EINVAL);
    TIDE_YIELD(f);
    tide_loop_dump(tide_running_loop(), dump, sizeof dump);
    TH_HAS(dump, "Task-2 'renamed'");
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TIDE_TRY(f, tide_task_set_name(f->t[0], "after")); /* done: still */
    TH_EQ_STR(tide_task_name(f->t[0]), "after");
    /* a child renamed after its spawn fails under its new name */
    TIDE_WITH(f, tide_group_scope(&f->tg)) {
        TIDE_TRY(f, TIDE_GROUP_SPAWN(f->tg, th_child, NULL, &f->t[1],
                                     .err = TIDE_EUSER, .msg = "boom"));
        TIDE_TRY(f, tide_task_set_name(f->t[1], "child"));
    }
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    if (TIDE_ERROR(f) == TIDE_EGROUP) {
        if (!th_oom_active())
            TH_HAS(TIDE_ERROR_MESSAGE(f), "Task-3 'child': TIDE_EUSER boom");
        TIDE_RETURN(f, NULL);
    }
    TIDE_END(f);
}

/* "Coroutine-like objects are accepted": any tide_fn, macros or not. */
struct handmade {
    TIDE_FRAME;
    int err;
};

static tide_status handmade(void *frame)
{
    struct handmade *h = frame;
    th_log("handmade");
    return h->err;
}

struct task02_handmade {
    TIDE_FRAME;
    tide_task *ok, *bad;
    void *value;
    int rc;
};

static tide_status task02_handmade(void *frame)
{
    struct task02_handmade *f = frame;
    TIDE_BEGIN(f);
    f->value = IV(1);
    TIDE_TRY(f, TIDE_SPAWN(handmade, NULL, &f->ok, .err = 0));
    TIDE_TRY(f, TIDE_SPAWN(handmade, NULL, &f->bad, .err = E_VALUE));
    TIDE_AWAIT(f, tide_join(f->ok, &f->value));
    TH_CHECK(f->value == NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->bad, NULL), f->rc);
    TH_EQ_INT(f->rc, E_VALUE);
    TH_LOG_IS("handmade handmade");
    TIDE_FINALLY(f);
    tide_task_release(f->ok);
    tide_task_release(f->bad);
    TIDE_END(f);
}

/* ---- TASK-03: the current task ----------------------------------------- */

struct current_worker {
    TIDE_FRAME;
    const char *tag;
    tide_task *const *self; /* the spawner's slot holding this task */
    int i;
};

static tide_status current_worker(void *frame)
{
    struct current_worker *w = frame;
    TIDE_BEGIN(w);
    for (w->i = 0; w->i < 3; w->i++) {
        TH_CHECK(tide_current_task() == *w->self);
        th_log("%s%d", w->tag, w->i);
        TIDE_YIELD(w);
    }
    TH_CHECK(tide_current_task() == *w->self);
    TIDE_END(w);
}

static tide_task *task03_seen_main;

struct task03_interleave {
    TIDE_FRAME;
    tide_task *t[2];
};

static tide_status task03_interleave(void *frame)
{
    struct task03_interleave *f = frame;
    TIDE_BEGIN(f);
    task03_seen_main = tide_current_task();
    TH_CHECK(task03_seen_main != NULL);
    TIDE_TRY(f, TIDE_SPAWN(current_worker, "a", &f->t[0], .tag = "a",
                           .self = &f->t[0]));
    TIDE_TRY(f, TIDE_SPAWN(current_worker, "b", &f->t[1], .tag = "b",
                           .self = &f->t[1]));
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TH_CHECK(tide_current_task() == task03_seen_main);
    TIDE_AWAIT(f, tide_join(f->t[1], NULL));
    TH_CHECK(tide_current_task() == task03_seen_main);
    TH_LOG_IS("a0 b0 a1 b1 a2 b2");
    TIDE_FINALLY(f);
    tide_task_release(f->t[0]);
    tide_task_release(f->t[1]);
    TIDE_END(f);
}

static void task03_interleave_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)err;
    TH_CHECK(task03_seen_main == main);
}

static tide_task *task03_in_callback;

static int record_current(void *arg)
{
    (void)arg;
    task03_in_callback = tide_current_task();
    th_log("cb");
    return 0;
}

struct task03_outside {
    TIDE_FRAME;
};

static tide_status task03_outside(void *frame)
{
    struct task03_outside *f = frame;
    TIDE_BEGIN(f);
    task03_in_callback = tide_current_task(); /* must be overwritten */
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), record_current, NULL,
                               NULL));
    TIDE_YIELD(f);
    TH_LOG_IS("cb");
    TH_CHECK(task03_in_callback == NULL);
    TIDE_END(f);
}

static void task03_outside_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    (void)err;
    TH_CHECK(tide_current_task() == NULL);
}

/* ---- TASK-04: results and errors of a task ------------------------------ */

struct task04_value {
    TIDE_FRAME;
    tide_task *t;
    void *joined, *again, *read;
    uint64_t iterations;
};

static tide_status task04_value(void *frame)
{
    struct task04_value *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t, .delay = 1, .value = IV(7)));
    /* pending: no outcome to read yet */
    f->read = IV(-1);
    TH_EQ_INT(tide_task_result(f->t, &f->read), TIDE_ESTATE);
    TH_CHECK(f->read == IV(-1));
    TH_EQ_INT(tide_task_error(f->t), TIDE_ESTATE);
    TH_CHECK(!tide_task_is_done(f->t));
    TH_CHECK(tide_task_message(f->t) == NULL);
    TIDE_AWAIT(f, tide_join(f->t, &f->joined));
    TH_CHECK(f->joined == IV(7));
    TH_CHECK(tide_task_is_done(f->t));
    TH_CHECK(!tide_task_is_cancelled(f->t));
    TH_EQ_INT(tide_task_result(f->t, &f->read), 0);
    TH_CHECK(f->read == IV(7));
    TH_EQ_INT(tide_task_result(f->t, NULL), 0);
    TH_EQ_INT(tide_task_error(f->t), 0);
    /* awaiting a finished task does not suspend */
    f->iterations = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT(f, tide_join(f->t, &f->again));
    TH_CHECK(f->again == IV(7));
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iterations);
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* __traceback__ has no C meaning; the error's message is what travels
 * with it instead. */
struct task04_error {
    TIDE_FRAME;
    tide_task *t;
    void *read;
    int rc;
};

static tide_status task04_error(void *frame)
{
    struct task04_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, NULL, &f->t, .delay = 1, .err = E_VALUE,
                           .msg = "bad value"));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, E_VALUE);
    TH_EQ_STR(tide_error_message(), "bad value");
    TH_EQ_INT(tide_task_error(f->t), E_VALUE);
    TH_EQ_STR(tide_task_message(f->t), "bad value");
    TH_CHECK(!tide_task_is_cancelled(f->t));
    /* result() re-raises: the error, and no value */
    f->read = IV(-1);
    TH_EQ_INT(tide_task_result(f->t, &f->read), E_VALUE);
    TH_CHECK(f->read == IV(-1));
    /* awaiting it again gives the same error and message */
    f->rc = 0;
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, E_VALUE);
    TH_EQ_STR(tide_error_message(), "bad value");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* Joins *target and logs "tag:value" (or "tag:error"). */
struct joiner {
    TIDE_FRAME;
    const char *tag;
    tide_task *const *target;
    void *value;
    int rc;
};

static tide_status joiner(void *frame)
{
    struct joiner *j = frame;
    TIDE_BEGIN(j);
    TIDE_AWAIT_CATCH(j, tide_join(*j->target, &j->value), j->rc);
    th_log("%s:%d", j->tag, j->rc ? j->rc : (int)(intptr_t)j->value);
    TIDE_END(j);
}

struct task04_awaiters {
    TIDE_FRAME;
    tide_task *t[3];
};

static tide_status task04_awaiters(void *frame)
{
    struct task04_awaiters *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f,
             TIDE_SPAWN(th_child, NULL, &f->t[0], .delay = 1, .value = IV(9)));
    TIDE_TRY(f, TIDE_SPAWN(joiner, NULL, &f->t[1], .tag = "j1",
                           .target = &f->t[0]));
    TIDE_TRY(f, TIDE_SPAWN(joiner, NULL, &f->t[2], .tag = "j2",
                           .target = &f->t[0]));
    TIDE_AWAIT(f, tide_gather(f->t, 3, 0, NULL, NULL));
    TH_LOG_IS("j1:9 j2:9");
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* Bad input to tide_join (a task awaiting itself is FUT-04's ESELF). */
struct task04_badjoin {
    TIDE_FRAME;
    int rc;
    void *value;
};

static tide_status task04_badjoin(void *frame)
{
    struct task04_badjoin *f = frame;
    TIDE_BEGIN(f);
    f->value = IV(-1);
    TIDE_AWAIT_CATCH(f, tide_join(tide_current_task(), &f->value), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESELF);
    TIDE_AWAIT_CATCH(f, tide_join(NULL, &f->value), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(f->value == IV(-1));
    TH_EQ_INT(tide_task_result(NULL, NULL), TIDE_EINVAL);
    TH_EQ_STR(tide_error_detail(TIDE_EINVAL), "tide_task_result: t is NULL");
    TH_EQ_INT(tide_task_error(NULL), TIDE_EINVAL);
    TH_EQ_STR(tide_error_detail(TIDE_EINVAL), "tide_task_error: t is NULL");
    /* the refused awaits left this task able to run on */
    TIDE_YIELD(f);
    th_log("alive");
    TH_LOG_IS("alive");
    TIDE_END(f);
}

static void task04_badjoin_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, 0);
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    TH_EQ_INT(tide_join(main, NULL).tide__rc, TIDE_ENOLOOP); /* no task */
    TH_EQ_INT(tide_task_result(main, NULL), 0);
}

/* ---- TASK-05: errors raised while another is being handled ------------- */

/* __context__ has no C meaning. The nearest: while a task handles an error
 * (in FINALLY), awaiting a task that fails and catching that failure gives
 * the new error with its own message, and leaves the handled error - code
 * and message - to propagate unchanged (Python: bare `raise` re-raises
 * KeyError('key') after the inner except). */
struct handles_key {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status handles_key(void *frame)
{
    struct handles_key *h = frame;
    TIDE_BEGIN(h);
    TIDE_THROW_MSG(h, E_KEY, "key");
    TIDE_FINALLY(h);
    TH_EQ_INT(TIDE_ERROR(h), E_KEY);
    TH_EQ_STR(TIDE_ERROR_MESSAGE(h), "key");
    TIDE_TRY(h,
             TIDE_SPAWN(th_child, NULL, &h->t, .err = E_VALUE, .msg = "value"));
    TIDE_AWAIT_CATCH(h, tide_join(h->t, NULL), h->rc);
    TH_EQ_INT(h->rc, E_VALUE);
    TH_EQ_STR(tide_error_message(), "value");
    /* still handling the first error */
    TH_EQ_INT(TIDE_ERROR(h), E_KEY);
    TH_EQ_STR(TIDE_ERROR_MESSAGE(h), "key");
    tide_task_release(h->t);
    TIDE_END(h); /* re-raises E_KEY */
}

struct task05_chain {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status task05_chain(void *frame)
{
    struct task05_chain *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(handles_key, NULL, &f->t, .rc = 0));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, E_KEY);
    TH_EQ_STR(tide_error_message(), "key");
    TH_EQ_STR(tide_task_message(f->t), "key");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* The same with an await that succeeds (Python: `finally: await sleep()`
 * re-raises KeyError('key') unchanged). */
struct sleeps_in_cleanup {
    TIDE_FRAME;
};

static tide_status sleeps_in_cleanup(void *frame)
{
    struct sleeps_in_cleanup *s = frame;
    TIDE_BEGIN(s);
    TIDE_THROW_MSG(s, E_KEY, "key");
    TIDE_FINALLY(s);
    TIDE_AWAIT(s, tide_sleep(0.1));
    TH_EQ_STR(TIDE_ERROR_MESSAGE(s), "key");
    TIDE_END(s);
}

struct task05_cleanup_await {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status task05_cleanup_await(void *frame)
{
    struct task05_cleanup_await *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(sleeps_in_cleanup, NULL, &f->t,  ));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, E_KEY);
    TH_EQ_STR(tide_error_message(), "key");
    TH_EQ_STR(tide_task_message(f->t), "key");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* A new error raised while another is handled is a different error: it
 * carries its own message (none here), not the handled one's (Python:
 * `except KeyError: raise ValueError()` gives args ()). */
struct raises_after_catch {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status raises_after_catch(void *frame)
{
    struct raises_after_catch *r = frame;
    TIDE_BEGIN(r);
    TIDE_TRY(r, TIDE_SPAWN(th_child, NULL, &r->t, .err = E_KEY, .msg = "key"));
    TIDE_AWAIT_CATCH(r, tide_join(r->t, NULL), r->rc);
    TH_EQ_INT(r->rc, E_KEY);
    TIDE_THROW(r, E_VALUE);
    TIDE_FINALLY(r);
    tide_task_release(r->t);
    TIDE_END(r);
}

/* An await refused at once (TIDE_EINVAL) right after a caught failure. */
struct fails_after_catch {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status fails_after_catch(void *frame)
{
    struct fails_after_catch *r = frame;
    TIDE_BEGIN(r);
    TIDE_TRY(r, TIDE_SPAWN(th_child, NULL, &r->t, .err = E_KEY, .msg = "key"));
    TIDE_AWAIT_CATCH(r, tide_join(r->t, NULL), r->rc);
    TH_EQ_INT(r->rc, E_KEY);
    TIDE_AWAIT(r, tide_join(NULL, NULL));
    TIDE_FINALLY(r);
    tide_task_release(r->t);
    TIDE_END(r);
}

struct raises_in_cleanup {
    TIDE_FRAME;
};

static tide_status raises_in_cleanup(void *frame)
{
    struct raises_in_cleanup *r = frame;
    TIDE_BEGIN(r);
    TIDE_THROW_MSG(r, E_KEY, "key");
    TIDE_FINALLY(r);
    if (TIDE_ERROR(r) == E_KEY)
        TIDE_THROW(r, E_VALUE);
    TIDE_END(r);
}

struct task05_new_error {
    TIDE_FRAME;
    tide_task *t[3];
    int rc[3];
};

static tide_status task05_new_error(void *frame)
{
    struct task05_new_error *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(raises_after_catch, NULL, &f->t[0], .rc = 0));
    TIDE_TRY(f, TIDE_SPAWN(raises_in_cleanup, NULL, &f->t[1],  ));
    TIDE_TRY(f, TIDE_SPAWN(fails_after_catch, NULL, &f->t[2], .rc = 0));
    TIDE_AWAIT_CATCH(f, tide_join(f->t[0], NULL), f->rc[0]);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[1], NULL), f->rc[1]);
    TIDE_AWAIT_CATCH(f, tide_join(f->t[2], NULL), f->rc[2]);
    TH_EQ_INT(f->rc[0], E_VALUE);
    TH_EQ_INT(f->rc[1], E_VALUE);
    TH_EQ_INT(f->rc[2], TIDE_EINVAL);
    for (int i = 0; i < 3; i++) {
        const char *msg = tide_task_message(f->t[i]);
        TH_EQ_STR(msg ? msg : "(none)", "(none)");
    }
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

/* The cycle half: a child re-raising the very error its parent handles
 * (same code, same text). No cycle can form in C; what is left to check is
 * that the round trip gives that error back and disturbs nothing. */
struct handles_and_rethrows {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status handles_and_rethrows(void *frame)
{
    struct handles_and_rethrows *h = frame;
    TIDE_BEGIN(h);
    TIDE_THROW_MSG(h, E_KEY, "a");
    TIDE_FINALLY(h);
    TIDE_TRY(h, TIDE_SPAWN(th_child, NULL, &h->t, .err = TIDE_ERROR(h),
                           .msg = TIDE_ERROR_MESSAGE(h)));
    TIDE_AWAIT_CATCH(h, tide_join(h->t, NULL), h->rc);
    TH_EQ_INT(h->rc, E_KEY);
    TH_EQ_STR(tide_error_message(), "a");
    TH_EQ_STR(TIDE_ERROR_MESSAGE(h), "a");
    tide_task_release(h->t);
    TIDE_END(h);
}

struct task05_rethrow {
    TIDE_FRAME;
    tide_task *t;
    int rc;
};

static tide_status task05_rethrow(void *frame)
{
    struct task05_rethrow *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(handles_and_rethrows, NULL, &f->t, .rc = 0));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, E_KEY);
    TH_EQ_STR(tide_task_message(f->t), "a");
    TIDE_FINALLY(f);
    tide_task_release(f->t);
    TIDE_END(f);
}

/* ---- TASK-06: pending tasks at destruction; failed spawns -------------- */

/* Garbage collection has no C meaning: the nearest is tide_loop_destroy()
 * with tasks still pending. A second, never-run loop with its own counting
 * allocator shows the report and that nothing is left behind. */
struct counting {
    size_t live;
    int fail; /* refuse every allocation */
};

static void *counting_alloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size)
{
    struct counting *c = ud;
    if (new_size == 0) {
        if (ptr)
            c->live -= old_size;
        free(ptr);
        return NULL;
    }
    if (c->fail)
        return NULL;
    void *p = realloc(ptr, new_size);
    if (p)
        c->live += new_size - (ptr ? old_size : 0);
    return p;
}

static void log_destroyed(tide_loop *loop, const char *context, int err,
                          const char *message, tide_task *task, void *arg)
{
    (void)loop;
    (void)err;
    (void)message;
    (void)arg;
    TH_EQ_STR(context, "task was destroyed but it is pending");
    TH_CHECK(task != NULL);
    if (task) {
        TH_CHECK(!tide_task_is_done(task));
        th_log("destroyed:%s", tide_task_name(task));
    }
}

struct task06_destroy {
    TIDE_FRAME;
    struct counting mem;
    tide_loop *other;
    tide_task *kept;
};

static tide_status task06_destroy(void *frame)
{
    struct task06_destroy *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_create(counting_alloc, &f->mem, &f->other));
    tide_loop_set_exception_handler(f->other, log_destroyed, NULL);
    TIDE_TRY(f, tide_loop_spawn(f->other, th_child,
                                &(struct th_child){.tag = "ran"},
                                sizeof(struct th_child), "orphan", &f->kept));
    TIDE_TRY(f, tide_loop_spawn(f->other, th_child,
                                &(struct th_child){.tag = "ran"},
                                sizeof(struct th_child), NULL, NULL));
    TH_EQ_INT(tide_loop_task_count(f->other), 2);
    /* the loop frees the held handle too */
    TH_EQ_INT(tide_loop_destroy(f->other), 0);
    f->other = NULL;
    f->kept = NULL;
    TH_EQ_INT(f->mem.live, 0);
    /* creation order; neither body ever ran */
    TH_LOG_IS("destroyed:orphan destroyed:Task-2");
    TIDE_FINALLY(f);
    tide_task_release(f->kept);
    tide_loop_destroy(f->other);
    TIDE_END(f);
}

/* The first call_soon failing becomes a spawn failing for memory: nothing
 * is created, so there is nothing to report later. */
struct task06_nomem {
    TIDE_FRAME;
    struct counting mem;
    tide_loop *other;
    tide_task *t;
};

static tide_status task06_nomem(void *frame)
{
    struct task06_nomem *f = frame;
    struct th_child fr = {.tag = "ran"};
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_loop_create(counting_alloc, &f->mem, &f->other));
    tide_loop_set_exception_handler(f->other, log_destroyed, NULL);
    f->mem.fail = 1;
    f->t = tide_current_task();
    TH_EQ_INT(tide_loop_spawn(f->other, th_child, &fr, sizeof fr, "x", &f->t),
              TIDE_ENOMEM);
    TH_CHECK(f->t == NULL);
    TH_EQ_INT(tide_loop_task_count(f->other), 0);
    f->mem.fail = 0;
    TH_EQ_INT(tide_loop_destroy(f->other), 0);
    f->other = NULL;
    TH_EQ_INT(f->mem.live, 0);
    /* on the running loop: a size that cannot be allocated */
    f->t = tide_current_task();
    TH_EQ_INT(tide_spawn(th_child, &fr, SIZE_MAX, NULL, &f->t), TIDE_ENOMEM);
    TH_CHECK(f->t == NULL);
    TH_EQ_INT(tide_loop_task_count(tide_running_loop()), 1);
    TIDE_YIELD(f);
    TH_LOG_IS(""); /* no report, no task body */
    TIDE_FINALLY(f);
    tide_loop_destroy(f->other);
    TIDE_END(f);
}

/* Started tasks still waiting when the run stops (on a timer, on another
 * task, on a gather) are freed by the harness's tide_loop_destroy; its
 * leak check fails the case if anything stays behind. */
struct gatherer {
    TIDE_FRAME;
    tide_task *const *target;
};

static tide_status gatherer(void *frame)
{
    struct gatherer *g = frame;
    TIDE_BEGIN(g);
    TIDE_AWAIT(g, tide_gather(g->target, 1, 0, NULL, NULL));
    th_log("gathered");
    TIDE_END(g);
}

struct task06_stopped {
    TIDE_FRAME;
    tide_task *t[3];
};

static tide_status task06_stopped(void *frame)
{
    struct task06_stopped *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(th_child, "sleeper", &f->t[0], .tag = "woke",
                           .delay = 100));
    TIDE_TRY(f, TIDE_SPAWN(joiner, NULL, &f->t[1], .tag = "joined",
                           .target = &f->t[0]));
    TIDE_TRY(f, TIDE_SPAWN(gatherer, NULL, NULL, .target = &f->t[0]));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_loop_stop(tide_running_loop()));
    TIDE_FINALLY(f);
    for (int i = 0; i < 3; i++)
        tide_task_release(f->t[i]);
    TIDE_END(f);
}

static void task06_stopped_after(tide_loop *loop, tide_task *main, int err)
{
    TH_EQ_INT(err, TIDE_ESTOPPED);
    TH_CHECK(tide_task_is_done(main));
    TH_EQ_INT(tide_loop_task_count(loop), 3);
    TH_LOG_IS(""); /* nobody woke */
}

/* The loop keeps freed task blocks for the next spawns of their size
 * (alloc.c): a released task's block is taken again (with a fresh frame),
 * the blocks kept are not memory the program retains, and a task of
 * another size takes none of them. Under the sweep, a spawn failing halfway
 * through a round leaves nothing behind. */
struct task07_reuse {
    TIDE_FRAME;
    tide_task *t[20];
    uintptr_t old[20];
    size_t base;
    void *value;
    int i, round;
};

static int task07_was_freed(const struct task07_reuse *f, const void *p)
{
    for (int i = 0; i < 20; i++)
        if (f->old[i] == (uintptr_t)p)
            return 1;
    return 0;
}

static tide_status task07_reuse(void *frame)
{
    struct task07_reuse *f = frame;
    struct th_child child = {.value = &f->base};
    TIDE_BEGIN(f);
    f->base = th_live_bytes();
    for (f->round = 0; f->round < 3; f->round++) {
        for (f->i = 0; f->i < 20; f->i++)
            TIDE_TRY(f, tide_spawn(th_child, &child, sizeof child, NULL,
                                   &f->t[f->i]));
        if (f->round > 0) /* every block came back from the cache */
            for (f->i = 0; f->i < 20; f->i++)
                TH_CHECK(task07_was_freed(f, f->t[f->i]));
        for (f->i = 0; f->i < 20; f->i++) {
            f->value = NULL;
            TIDE_AWAIT(f, tide_join(f->t[f->i], &f->value));
            TH_CHECK(f->value == &f->base); /* the frame given, copied */
        }
        for (f->i = 0; f->i < 20; f->i++) {
            f->old[f->i] = (uintptr_t)f->t[f->i];
            tide_task_release(f->t[f->i]);
            f->t[f->i] = NULL;
        }
        TH_EQ_INT(th_live_bytes(), f->base);
    }
    /* a task of another size takes none of them */
    TIDE_TRY(f, TIDE_SPAWN(th_child, "named", &f->t[0]));
    TH_CHECK(!task07_was_freed(f, f->t[0]));
    TIDE_AWAIT(f, tide_join(f->t[0], NULL));
    TIDE_FINALLY(f);
    for (f->i = 0; f->i < 20; f->i++)
        tide_task_release(f->t[f->i]);
    TIDE_END(f);
}

static const th_case cases[] = {
    TH_CASE_AFTER("TASK-01 spawned tasks start in creation order after the "
                  "creator yields",
                  task01_order, NULL, TH_OOM),
    TH_CASE("TASK-01 a task spawned by a running task starts after those "
            "already ready",
            task01_nested),
    TH_CASE_AFTER("TASK-02 a NULL fn, NULL frame or short frame is "
                  "TIDE_EINVAL, twice alike; outside a loop TIDE_ENOLOOP",
                  task02_einval, task02_einval_after, 0),
    TH_CASE_AFTER("TASK-02 default names are Task-<n>, given names are "
                  "copied",
                  task02_names, NULL, TH_OOM),
    TH_CASE_AFTER("TASK-02 tide_task_set_name copies the name, any time; "
                  "NULL gives back the default",
                  task02_set_name, NULL, TH_OOM),
    TH_CASE("TASK-02 a hand-written coroutine without the macros is "
            "accepted",
            task02_handmade),
    TH_CASE_AFTER("TASK-03 the current task is the running one after every "
                  "resume",
                  task03_interleave, task03_interleave_after, 0),
    TH_CASE_AFTER("TASK-03 no current task in a callback or outside the loop",
                  task03_outside, task03_outside_after, 0),
    TH_CASE_AFTER("TASK-04 the value comes back from tide_join and "
                  "tide_task_result; pending is TIDE_ESTATE",
                  task04_value, NULL, TH_OOM),
    TH_CASE_AFTER("TASK-04 the error and its message come back from "
                  "tide_join, tide_task_result and tide_task_error",
                  task04_error, NULL, TH_OOM),
    TH_CASE("TASK-04 every awaiter of a task gets its value, in the order "
            "they began waiting",
            task04_awaiters),
    TH_CASE_AFTER("TASK-04 tide_join on itself is TIDE_ESELF, on NULL "
                  "TIDE_EINVAL, outside a task TIDE_ENOLOOP",
                  task04_badjoin, task04_badjoin_after, 0),
    TH_CASE("TASK-05 a caught failure awaited while handling an error leaves "
            "that error and its message intact",
            task05_chain),
    TH_CASE("TASK-05 an await in the cleanup of an error keeps that error's "
            "message",
            task05_cleanup_await),
    TH_CASE("TASK-05 a new error raised while handling another carries "
            "its own message, not the handled one's",
            task05_new_error),
    TH_CASE("TASK-05 a child re-raising the handled error gives it back "
            "unchanged",
            task05_rethrow),
    TH_CASE("TASK-06 a pending task at tide_loop_destroy is reported and "
            "freed",
            task06_destroy),
    TH_CASE("TASK-06 a spawn that runs out of memory leaves nothing behind",
            task06_nomem),
    TH_CASE_AFTER("TASK-06 started tasks still waiting when the loop is "
                  "destroyed are freed",
                  task06_stopped, task06_stopped_after, TH_EXPECT_ERROR),
    TH_CASE_AFTER("TASK-07 a released task's block serves the next spawn of "
                  "its size, and the blocks kept are not the program's",
                  task07_reuse, NULL, TH_OOM),
};
TH_MAIN(cases)

/*
 * Items without a C meaning: none as a whole. Parts translated above:
 * TypeError for a non-coroutine (TASK-02), __traceback__ (TASK-04),
 * __context__ and its cycle (TASK-05), garbage collection (TASK-06).
 */
