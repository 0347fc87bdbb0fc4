/*
 * test_host.c - host calls (tide_host_call) and HTTP (tide_http_fetch).
 *
 * Three groups of cases, chosen by the environment:
 *  - always: argument checks, and what this host does without any help:
 *    TIDE_ENOTSUP with a message on native and WASI; on Emscripten an
 *    unknown function and an unparsable URL;
 *  - TIDE_TEST_JS=1 (Emscripten, run by tests/js/host.test.mjs and the browser
 *    test with the functions of tests/support/host-fixtures.mjs registered):
 *    results, rejections, synchronous throws, cancellation and timeouts
 *    aborting the JS side, the loop waiting for the host;
 *  - TIDE_TEST_HTTP=<base URL> (Emscripten, with tests/support/http-server.mjs):
 *    requests against a local server that delays, fails, drops and hangs.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- always -------------------------------------------------------------- */

static int outside_rc;
static int call_outside_task(void *arg)
{
    (void)arg;
    char *res = NULL;
    /* tide-lint: ignore awaitable-outside-await (on purpose) */
    outside_rc = tide_host_call("echo", NULL, &res).tide__rc;
    return 0;
}

struct bad_args {
    TIDE_FRAME;
    int rc;
    char *res;
    tide_http_response *resp;
    tide_http_request req;
    tide_http_header hdr;
};
static tide_status bad_args(void *frame)
{
    struct bad_args *f = frame;
    TIDE_BEGIN(f);
    outside_rc = 0;
    TIDE_TRY(f, tide_call_soon(tide_running_loop(), call_outside_task, NULL,
                               NULL));
    TIDE_YIELD(f);
    TH_EQ_INT(outside_rc, TIDE_ENOLOOP);

    TIDE_AWAIT_CATCH(f, tide_host_call(NULL, NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "no function name"));
    TIDE_AWAIT_CATCH(f, tide_host_call("", "1", NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);

    TIDE_AWAIT_CATCH(f, tide_http_fetch(NULL, &f->resp), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_http_get(NULL, &f->resp), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "no URL"));
    TIDE_AWAIT_CATCH(f, tide_http_get("http://127.0.0.1/", NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    f->req = (tide_http_request){.url = "http://127.0.0.1/", .n_headers = 1};
    TIDE_AWAIT_CATCH(f, tide_http_fetch(&f->req, &f->resp), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    f->hdr = (tide_http_header){"x-test", NULL};
    f->req.headers = &f->hdr;
    TIDE_AWAIT_CATCH(f, tide_http_fetch(&f->req, &f->resp), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "NULL name or value"));
    f->req = (tide_http_request){.url = "http://127.0.0.1/", .body_len = 3};
    TIDE_AWAIT_CATCH(f, tide_http_fetch(&f->req, &f->resp), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(f->resp == NULL && f->res == NULL);

    /* NULL is harmless everywhere */
    TH_EQ_INT(tide_http_status(NULL), 0);
    TH_CHECK(tide_http_status_text(NULL) == NULL);
    TH_CHECK(tide_http_url(NULL) == NULL);
    TH_CHECK(tide_http_header_get(NULL, "x") == NULL);
    TH_EQ_INT(tide_http_header_count(NULL), 0);
    TH_EQ_INT(tide_http_header_at(NULL, 0, NULL, NULL), TIDE_EINVAL);
    size_t len = 7;
    TH_CHECK(tide_http_body(NULL, &len) == NULL && len == 0);
    tide_http_response_free(NULL);
    tide_host_free(NULL);
    TIDE_END(f);
}

/* What this host does with no embedder help at all. Every failure here is
 * immediate: no loop iteration passes. */
struct this_host {
    TIDE_FRAME;
    int rc;
    uint64_t iters;
    char *res;
    tide_http_response *resp;
};
static tide_status this_host(void *frame)
{
    struct this_host *f = frame;
    TIDE_BEGIN(f);
    f->iters = tide_loop_iteration_count(tide_running_loop());
    f->res = (char *)"untouched";
    TIDE_AWAIT_CATCH(f, tide_host_call("no_such_function", "[1]", &f->res),
                     f->rc);
    TH_CHECK(f->res == NULL);
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iters);
#ifdef __EMSCRIPTEN__
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "no host function "
                                               "'no_such_function'"));
    TH_CHECK(th_contains(tide_error_message(), "functions option of start()"));
    TH_EQ_INT(tide_http_is_supported(), 1);
    if (!th_oom_active()) {
        /* not a URL, even relative to a page: fetch() rejects it without
         * touching any network */
        TIDE_AWAIT_CATCH(f, tide_http_get("http://[not-a-url", &f->resp),
                         f->rc);
        TH_EQ_INT(f->rc, TIDE_EHOST);
        TH_CHECK(tide_error_message() != NULL);
        TH_CHECK(f->resp == NULL);
        tide_http_response_free(f->resp);
    }
#else
    if (f->rc != TIDE_ENOMEM || !th_oom_active()) {
        TH_EQ_INT(f->rc, TIDE_ENOTSUP);
        TH_EQ_STR(tide_strerror(f->rc), "not supported on this host");
        TH_CHECK(th_contains(tide_error_message(), "need a JavaScript host"));
    }
    TH_EQ_INT(tide_http_is_supported(), 0);
    TIDE_AWAIT_CATCH(f, tide_http_get("http://127.0.0.1/", &f->resp), f->rc);
    if (f->rc != TIDE_ENOMEM || !th_oom_active()) {
        TH_EQ_INT(f->rc, TIDE_ENOTSUP);
        TH_CHECK(th_contains(tide_error_message(), "fetch()"));
        TH_CHECK(th_contains(tide_error_message(), "has no outbound HTTP"));
    }
    TH_CHECK(f->resp == NULL);
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iters);
#endif
    TIDE_END(f);
}

/* An unsupported call raises like any error: the task fails with it and
 * its message (what tide_main prints). */
struct raises { TIDE_FRAME; char *res; };
static tide_status raises(void *frame)
{
    struct raises *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("no_such_function", NULL, &f->res));
    TH_CHECK(0); /* not reached */
    TIDE_END(f);
}
static void raises_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
#ifdef __EMSCRIPTEN__
    TH_EQ_INT(err, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_task_message(main), "no_such_function"));
#else
    TH_EQ_INT(err, TIDE_ENOTSUP);
    TH_CHECK(th_contains(tide_task_message(main), "JavaScript host"));
#endif
}

static const th_case common_cases[] = {
    TH_CASE("HOST-01 bad arguments; NULL handles; outside a task",
            bad_args),
    TH_CASE_AFTER("HOST-02 what this host does alone (ENOTSUP off the web)",
                  this_host, NULL, TH_OOM),
    TH_CASE_AFTER("HOST-03 an unsupported call raises with its message",
                  raises, raises_after, TH_EXPECT_ERROR),
};

/* ---- TIDE_TEST_JS: calls into tests/support/host-fixtures.mjs ------------------- */

/* The JS log of aborted signals, as JSON text (freed by the caller). */
struct aborts { TIDE_FRAME; char *log; };
static tide_status aborts(void *frame)
{
    struct aborts *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("aborts", NULL, &f->log));
    TIDE_RETURN(f, f->log);
    TIDE_END(f);
}

struct js_results {
    TIDE_FRAME;
    int rc;
    char *res;
};
static tide_status js_results(void *frame)
{
    struct js_results *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("echo", "{\"a\":[1,2.5,\"x\"],\"b\":null}",
                                 &f->res));
    TH_EQ_STR(f->res, "{\"a\":[1,2.5,\"x\"],\"b\":null}");
    tide_host_free(f->res);
    f->res = NULL;
    /* a synchronous function's return value counts as resolved */
    TIDE_AWAIT(f, tide_host_call("add", " {\"a\": 2, \"b\": 3} ", &f->res));
    TH_EQ_STR(f->res, "5");
    tide_host_free(f->res);
    f->res = NULL;
    TIDE_AWAIT(f, tide_host_call("nothing", NULL, &f->res));
    TH_EQ_STR(f->res, "null");
    tide_host_free(f->res);
    f->res = NULL;
    TIDE_AWAIT(f, tide_host_call("echo", NULL, &f->res)); /* undefined in */
    TH_EQ_STR(f->res, "null");
    tide_host_free(f->res);
    f->res = NULL;
    TIDE_AWAIT(f, tide_host_call("tick", "\"h\xc3\xa9llo\"", &f->res));
    TH_EQ_STR(f->res, "\"h\xc3\xa9llo \xe2\x9c\x93\"");
    tide_host_free(f->res);
    f->res = NULL;
    TIDE_AWAIT(f, tide_host_call("echo", "[]", NULL)); /* result dropped */
    TIDE_FINALLY(f);
    tide_host_free(f->res);
    TIDE_END(f);
}

struct js_failures {
    TIDE_FRAME;
    int rc;
    uint64_t iters;
    char *res;
};
static tide_status js_failures(void *frame)
{
    struct js_failures *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT_CATCH(f, tide_host_call("reject", "\"boom\"", &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_EQ_STR(tide_error_message(), "boom");
    TH_CHECK(f->res == NULL);

    /* a synchronous throw fails at once, without a loop iteration */
    f->iters = tide_loop_iteration_count(tide_running_loop());
    TIDE_AWAIT_CATCH(f, tide_host_call("throws", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_EQ_STR(tide_error_message(), "host function 'throws' threw: kaboom");
    TH_EQ_INT(tide_loop_iteration_count(tide_running_loop()), f->iters);

    TIDE_AWAIT_CATCH(f, tide_host_call("nope", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "no host function 'nope'"));
    TIDE_AWAIT_CATCH(f, tide_host_call("echo", "{nope", &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_CHECK(th_contains(tide_error_message(), "not valid JSON"));
    /* inherited names are not functions of the registry */
    TIDE_AWAIT_CATCH(f, tide_host_call("toString", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);

    TIDE_AWAIT_CATCH(f, tide_host_call("bigint", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_CHECK(th_contains(tide_error_message(), "not JSON-serialisable"));
    TIDE_AWAIT_CATCH(f, tide_host_call("cycle", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_CHECK(th_contains(tide_error_message(), "not JSON-serialisable"));
    TIDE_AWAIT_CATCH(f, tide_host_call("function", NULL, &f->res), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_CHECK(th_contains(tide_error_message(), "returned a function"));
    TH_CHECK(f->res == NULL);

    /* an error raised by an await carries the JS message out of the task */
    TIDE_AWAIT(f, tide_host_call("reject", "\"the end\"", &f->res));
    TIDE_END(f);
}
static void js_failures_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    TH_EQ_INT(err, TIDE_EHOST);
    TH_EQ_STR(tide_task_message(main), "the end");
}

/* A call that only ends when its signal aborts. */
struct waits_forever { TIDE_FRAME; const char *fn, *tag; char *res; };
static tide_status waits_forever(void *frame)
{
    struct waits_forever *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call(f->fn, f->tag, &f->res));
    TH_CHECK(0); /* never resolves */
    TIDE_FINALLY(f);
    tide_host_free(f->res);
    TIDE_END(f);
}

struct js_cancel {
    TIDE_FRAME;
    int rc;
    tide_task *child;
    tide_timeout *tmo;
    char *res;
    struct aborts log;
};
static tide_status js_cancel(void *frame)
{
    struct js_cancel *f = frame;
    TIDE_BEGIN(f);
    /* cancel: the task stops waiting at once, the signal aborts */
    TIDE_TRY(f, TIDE_SPAWN(waits_forever, "c6", &f->child, .fn = "forever",
                           .tag = "\"c6\""));
    TIDE_YIELD(f); /* the child starts its call */
    TH_EQ_STR(tide_task_awaiting(f->child), "host call");
    TH_EQ_INT(tide_task_cancel(f->child, "stop it"), 1);
    TIDE_AWAIT_CATCH(f, tide_join(f->child, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "stop it");
    tide_task_release(f->child);
    f->child = NULL;

    /* a timeout scope cancels the same way */
    TIDE_TRY(f, tide_timeout_enter(0.05, &f->tmo));
    TIDE_AWAIT_CATCH(f, tide_host_call("forever", "\"c7\"", &f->res), f->rc);
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_CHECK(f->res == NULL);

    /* a function that ignores its signal cannot hold the task: its late
     * result (while we wait below) is dropped */
    TIDE_TRY(f, TIDE_SPAWN(waits_forever, "c8", &f->child, .fn = "stubborn",
                           .tag = "\"c8\""));
    TIDE_YIELD(f);
    tide_task_cancel(f->child, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->child, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_AWAIT(f, tide_host_call("delay", "30", &f->res));
    TH_EQ_STR(f->res, "30");

    /* the JS side saw every abort, with the cancel message */
    f->log = (struct aborts){0};
    TIDE_AWAIT_CALL(f, aborts, &f->log);
    TH_CHECK(th_contains(f->log.log, "\"c6: the Tide task awaiting this was "
                                     "cancelled: stop it\""));
    TH_CHECK(th_contains(f->log.log, "\"c7: the Tide task awaiting this was "
                                     "cancelled"));
    TH_CHECK(th_contains(f->log.log, "\"c8: "));
    TIDE_FINALLY(f);
    tide_host_free(f->log.log);
    tide_host_free(f->res);
    tide_timeout_destroy(f->tmo);
    tide_task_release(f->child);
    TIDE_END(f);
}

/* The result arrives, but the task is cancelled before it runs: it gets
 * TIDE_ECANCELLED and the result is freed (no leak), as in asyncio. */
struct gated { TIDE_FRAME; char *res; };
static tide_status gated(void *frame)
{
    struct gated *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("gate", "\"child\"", &f->res));
    TH_CHECK(0); /* cancelled before it could see the result */
    TIDE_FINALLY(f);
    TH_CHECK(f->res == NULL);
    TIDE_END(f);
}
struct js_late_cancel {
    TIDE_FRAME;
    int rc;
    tide_task *child;
    char *res;
};
static tide_status js_late_cancel(void *frame)
{
    struct js_late_cancel *f = frame;
    TIDE_BEGIN(f);
    /* both calls settle in one JS job, ours first: we run first */
    TIDE_TRY(f, TIDE_SPAWN(gated, "gated", &f->child));
    TIDE_AWAIT(f, tide_host_call("gate", "\"main\"", &f->res));
    TH_EQ_STR(f->res, "\"main\"");
    TH_EQ_STR(tide_task_state(f->child), "ready"); /* woken, not resumed */
    tide_task_cancel(f->child, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->child, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_FINALLY(f);
    tide_host_free(f->res);
    tide_task_release(f->child);
    TIDE_END(f);
}

/* Nothing ready, no timer: the loop waits for the host (no deadlock), and
 * concurrent calls complete independently. */
struct delayed { TIDE_FRAME; const char *ms; char *res; int value; };
static tide_status delayed(void *frame)
{
    struct delayed *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("delay", f->ms, &f->res));
    f->value = atoi(f->res);
    tide_host_free(f->res);
    TIDE_RETURN(f, (void *)(intptr_t)f->value);
    TIDE_END(f);
}
struct js_waits {
    TIDE_FRAME;
    tide_task *tasks[6];
    void *values[6];
    char *res;
};
static tide_status js_waits(void *frame)
{
    struct js_waits *f = frame;
    static const char *ms[6] = {"25", "5", "15", "0", "20", "10"};
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_host_call("delay", "20", &f->res));
    TH_EQ_STR(f->res, "20");
    for (int i = 0; i < 6; i++)
        TIDE_TRY(f, TIDE_SPAWN(delayed, NULL, &f->tasks[i], .ms = ms[i]));
    TIDE_AWAIT(f, tide_gather(f->tasks, 6, 0, f->values, NULL));
    for (int i = 0; i < 6; i++)
        TH_EQ_INT((intptr_t)f->values[i], atoi(ms[i]));
    TIDE_FINALLY(f);
    for (int i = 0; i < 6; i++)
        tide_task_release(f->tasks[i]);
    tide_host_free(f->res);
    TIDE_END(f);
}

/* The loop stops and is destroyed while a call is outstanding: the call is
 * aborted and freed (tests/js/host.test.mjs checks the JS side saw "c10"). */
struct js_drop { TIDE_FRAME; tide_task *child; };
static tide_status js_drop(void *frame)
{
    struct js_drop *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(waits_forever, "c10", &f->child, .fn = "forever",
                           .tag = "\"c10\""));
    tide_task_release(f->child);
    TIDE_YIELD(f);
    tide_loop_stop(tide_running_loop());
    TIDE_AWAIT(f, tide_sleep(INFINITY));
    TIDE_END(f);
}
static void js_drop_after(tide_loop *loop, tide_task *main, int err)
{
    (void)loop;
    (void)main;
    TH_EQ_INT(err, TIDE_ESTOPPED);
}

static const th_case js_cases[] = {
    TH_CASE_AFTER("JS-01 results come back as JSON", js_results, NULL,
                  TH_OOM),
    TH_CASE_AFTER("JS-02 rejection, synchronous throw, unknown name, bad "
                  "JSON both ways", js_failures, js_failures_after,
                  TH_EXPECT_ERROR),
    TH_CASE_AFTER("JS-03 cancel and timeout abort the signal", js_cancel,
                  NULL, TH_REAL_CLOCK),
    TH_CASE("JS-04 cancelled after the result arrived: dropped",
            js_late_cancel),
    TH_CASE_AFTER("JS-05 the loop waits for the host; concurrent calls",
                  js_waits, NULL, TH_REAL_CLOCK),
    TH_CASE_AFTER("JS-06 destroying the loop aborts outstanding calls",
                  js_drop, js_drop_after, TH_EXPECT_ERROR),
};

/* ---- TIDE_TEST_HTTP: requests to tests/support/http-server.mjs ------------------ */

static char base[256];
static char *url(char *buf, size_t n, const char *path)
{
    snprintf(buf, n, "%s%s", base, path);
    return buf;
}

struct http_basics {
    TIDE_FRAME;
    int rc;
    char u[320];
    tide_http_response *r;
    tide_http_request req;
    tide_http_header hdrs[2];
};
static tide_status http_basics(void *frame)
{
    struct http_basics *f = frame;
    const char *name, *value;
    size_t len;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_http_get(url(f->u, sizeof f->u, "/api/json"), &f->r));
    TH_EQ_INT(tide_http_status(f->r), 200);
    TH_EQ_STR(tide_http_status_text(f->r), "OK");
    TH_EQ_STR(tide_http_url(f->r), f->u);
    TH_CHECK(th_contains(tide_http_header_get(f->r, "Content-Type"),
                         "application/json"));
    TH_EQ_STR(tide_http_header_get(f->r, "X-TIDE"), "yes");
    TH_CHECK(tide_http_header_get(f->r, "x-missing") == NULL);
    TH_CHECK(tide_http_header_count(f->r) >= 2);
    TH_EQ_INT(tide_http_header_at(f->r, 0, &name, &value), 0);
    TH_CHECK(name && value);
    TH_EQ_INT(tide_http_header_at(f->r, tide_http_header_count(f->r), &name,
                                  &value), TIDE_EINVAL);
    TH_EQ_STR(tide_http_body(f->r, &len), "{\"hello\":\"world\"}");
    TH_EQ_INT(len, 17);
    tide_http_response_free(f->r);
    f->r = NULL;

    /* method, headers and body go out; the server echoes them */
    f->hdrs[0] = (tide_http_header){"X-Test", "abc"};
    f->hdrs[1] = (tide_http_header){"Content-Type", "text/plain"};
    f->req = (tide_http_request){.method = "POST",
                                 .url = url(f->u, sizeof f->u, "/api/echo"),
                                 .headers = f->hdrs, .n_headers = 2,
                                 .body = "payload \xc3\xbc\0!", .body_len = 12};
    TIDE_AWAIT(f, tide_http_fetch(&f->req, &f->r));
    TH_EQ_INT(tide_http_status(f->r), 200);
    TH_EQ_STR(tide_http_body(f->r, NULL),
              "{\"method\":\"POST\",\"test\":\"abc\",\"length\":12,"
              "\"body\":\"payload \xc3\xbc\\u0000!\"}");
    tide_http_response_free(f->r);
    f->r = NULL;

    /* an error status is a response, not an error */
    TIDE_AWAIT(f, tide_http_get(url(f->u, sizeof f->u, "/api/status/500"),
                                &f->r));
    TH_EQ_INT(tide_http_status(f->r), 500);
    TH_EQ_STR(tide_http_status_text(f->r), "Internal Server Error");
    TH_EQ_STR(tide_http_body(f->r, NULL), "status 500");
    tide_http_response_free(f->r);
    f->r = NULL;

    /* redirects are followed; the URL says where we ended up */
    TIDE_AWAIT(f, tide_http_get(url(f->u, sizeof f->u, "/api/redirect"),
                                &f->r));
    TH_EQ_INT(tide_http_status(f->r), 200);
    TH_CHECK(th_contains(tide_http_url(f->r), "/api/json"));
    tide_http_response_free(f->r);
    f->r = NULL;

    /* HEAD: an empty body is still a C string */
    f->req = (tide_http_request){.method = "HEAD",
                                 .url = url(f->u, sizeof f->u, "/api/json")};
    TIDE_AWAIT(f, tide_http_fetch(&f->req, &f->r));
    TH_EQ_INT(tide_http_status(f->r), 200);
    TH_EQ_STR(tide_http_body(f->r, &len), "");
    TH_EQ_INT(len, 0);
    TIDE_FINALLY(f);
    tide_http_response_free(f->r);
    TIDE_END(f);
}

struct http_faults {
    TIDE_FRAME;
    int rc;
    char u[320];
    tide_http_response *r;
    tide_timeout *tmo;
};
static tide_status http_faults(void *frame)
{
    struct http_faults *f = frame;
    size_t len;
    TIDE_BEGIN(f);
    /* connection dropped before any response */
    TIDE_AWAIT_CATCH(f, tide_http_get(url(f->u, sizeof f->u, "/api/drop"),
                                      &f->r), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_CHECK(tide_error_message() && tide_error_message()[0]);
    TH_CHECK(f->r == NULL);
    /* dropped halfway through the body */
    TIDE_AWAIT_CATCH(f, tide_http_get(url(f->u, sizeof f->u,
                                          "/api/drop-body"), &f->r), f->rc);
    TH_EQ_INT(f->rc, TIDE_EHOST);
    TH_CHECK(th_contains(tide_error_message(), "body"));
    /* a slow body arrives whole */
    TIDE_AWAIT(f, tide_http_get(url(f->u, sizeof f->u, "/api/slow"), &f->r));
    TH_EQ_STR(tide_http_body(f->r, &len), "chunk0chunk1chunk2chunk3");
    tide_http_response_free(f->r);
    f->r = NULL;
    /* a server that never answers: the timeout fires and aborts it */
    TIDE_TRY(f, tide_timeout_enter(0.2, &f->tmo));
    TIDE_AWAIT_CATCH(f, tide_http_get(url(f->u, sizeof f->u,
                                          "/api/hang/h-timeout"), &f->r),
                     f->rc);
    TH_EQ_INT(tide_timeout_exit(f->tmo, f->rc), TIDE_ETIMEDOUT);
    tide_timeout_destroy(f->tmo);
    f->tmo = NULL;
    /* headers arrive, then the body stalls: the timeout covers the body */
    TIDE_TRY(f, tide_timeout_enter(0.2, &f->tmo));
    TIDE_AWAIT_CATCH(f, tide_http_get(url(f->u, sizeof f->u,
                                          "/api/stall/h-stall"), &f->r),
                     f->rc);
    TH_EQ_INT(tide_timeout_exit(f->tmo, f->rc), TIDE_ETIMEDOUT);
    TH_CHECK(f->r == NULL);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    tide_http_response_free(f->r);
    TIDE_END(f);
}

struct http_limits {
    TIDE_FRAME;
    int rc;
    char u[320];
    tide_http_response *r;
    tide_http_request req;
};
static tide_status http_limits(void *frame)
{
    struct http_limits *f = frame;
    size_t len;
    TIDE_BEGIN(f);
    /* announced by Content-Length: refused before reading */
    f->req = (tide_http_request){.url = url(f->u, sizeof f->u,
                                            "/api/big?n=5000"),
                                 .max_body = 4096};
    TIDE_AWAIT_CATCH(f, tide_http_fetch(&f->req, &f->r), f->rc);
    TH_EQ_INT(f->rc, TIDE_ENOMEM);
    TH_CHECK(th_contains(tide_error_message(), "exceeds the limit of 4096 "
                                               "bytes"));
    TH_CHECK(f->r == NULL);
    /* streamed without a length: refused once the limit is passed */
    f->req.url = url(f->u, sizeof f->u, "/api/big?n=5000&chunked=1");
    TIDE_AWAIT_CATCH(f, tide_http_fetch(&f->req, &f->r), f->rc);
    TH_EQ_INT(f->rc, TIDE_ENOMEM);
    TH_CHECK(th_contains(tide_error_message(), "exceeds the limit"));
    /* exactly the limit is fine */
    f->req.url = url(f->u, sizeof f->u, "/api/big?n=4096&chunked=1");
    TIDE_AWAIT(f, tide_http_fetch(&f->req, &f->r));
    tide_http_body(f->r, &len);
    TH_EQ_INT(len, 4096);
    tide_http_response_free(f->r);
    f->r = NULL;
    /* the default limit (TIDE_HTTP_MAX_BODY) is far above that */
    TIDE_AWAIT(f, tide_http_get(url(f->u, sizeof f->u,
                                    "/api/big?n=300000"), &f->r));
    tide_http_body(f->r, &len);
    TH_EQ_INT(len, 300000);
    TIDE_FINALLY(f);
    tide_http_response_free(f->r);
    TIDE_END(f);
}

struct getter { TIDE_FRAME; const char *url; tide_http_response *r; };
static tide_status getter(void *frame)
{
    struct getter *f = frame;
    TIDE_BEGIN(f);
    TIDE_AWAIT(f, tide_http_get(f->url, &f->r));
    TH_CHECK(0); /* cancelled first */
    TIDE_FINALLY(f);
    tide_http_response_free(f->r);
    TIDE_END(f);
}
struct http_cancel {
    TIDE_FRAME;
    int rc;
    char u[320];
    tide_task *child;
};
static tide_status http_cancel(void *frame)
{
    struct http_cancel *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, TIDE_SPAWN(getter, "getter", &f->child,
                           .url = url(f->u, sizeof f->u,
                                      "/api/stall/h-cancel")));
    TIDE_AWAIT(f, tide_sleep(0.15)); /* headers in, body stalled */
    TH_EQ_STR(tide_task_awaiting(f->child), "http");
    tide_task_cancel(f->child, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->child, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TIDE_FINALLY(f);
    tide_task_release(f->child);
    TIDE_END(f);
}

static const th_case http_cases[] = {
    TH_CASE_AFTER("HTTP-01 GET, POST with headers and body, 500, redirect, "
                  "HEAD", http_basics, NULL, TH_OOM),
    TH_CASE_AFTER("HTTP-02 dropped connections, slow body, hanging server "
                  "(timeout)", http_faults, NULL, TH_REAL_CLOCK),
    TH_CASE("HTTP-03 body size limit", http_limits),
    TH_CASE_AFTER("HTTP-04 cancelling the task aborts the request",
                  http_cancel, NULL, TH_REAL_CLOCK),
};

/* ---- main: the groups the environment asks for ------------------------- */

int main(void)
{
    static th_case cases[sizeof common_cases / sizeof common_cases[0] +
                         sizeof js_cases / sizeof js_cases[0] +
                         sizeof http_cases / sizeof http_cases[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof common_cases / sizeof common_cases[0]; i++)
        cases[n++] = common_cases[i];
    const char *js = getenv("TIDE_TEST_JS");
    if (js && js[0] == '1')
        for (size_t i = 0; i < sizeof js_cases / sizeof js_cases[0]; i++)
            cases[n++] = js_cases[i];
    const char *http = getenv("TIDE_TEST_HTTP");
    if (http && http[0]) {
        snprintf(base, sizeof base, "%s", http);
        for (size_t i = 0; i < sizeof http_cases / sizeof http_cases[0]; i++)
            cases[n++] = http_cases[i];
    }
    return th_main(cases, n);
}
