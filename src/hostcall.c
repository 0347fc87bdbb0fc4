/*
 * hostcall.c - awaiting the host: the life of a host operation (see
 * hostcall.h) and tide_host_call, a C task awaiting a JS async function.
 *
 * A cancelled task stops waiting at once, as an asyncio task awaiting a
 * future does: the host is told to abort (the JS function's AbortSignal
 * fires) and to forget the operation, so whatever the JS side does later
 * is dropped. Waiting for the JS side to acknowledge would let a function
 * that ignores its signal hold a cancelled task (and a timeout) forever.
 */
#include "hostcall.h"

#include <stdalign.h>
#include <stdio.h>
#include <string.h>

/* ---- blocks that remember their allocator -------------------------------- */

typedef struct owned {
    tide__mem mem;
    size_t size;
    max_align_t data[]; /* the caller's bytes, suitably aligned */
} owned;

void *tide__owned_alloc(tide_loop *L, size_t size)
{
    if (size > SIZE_MAX - sizeof(owned))
        return NULL;
    tide__mem mem;
    owned *o = tide__mem_alloc(L, sizeof(owned) + size, &mem);
    if (!o)
        return NULL;
    o->mem = mem;
    o->size = sizeof(owned) + size;
    return o->data;
}

void tide__owned_free(void *p)
{
    if (!p)
        return;
    owned *o = TIDE__CONTAINER(p, owned, data);
    tide__mem mem = o->mem;
    tide__mem_free(&mem, o, o->size);
}

void tide_host_free(char *result_json)
{
    tide__owned_free(result_json);
}

/* ---- operations ------------------------------------------------------------ */

char *tide__hostop_text(tide__hostop *op, size_t len)
{
    if (len >= SIZE_MAX - sizeof(owned))
        return NULL;
    char *p = tide__owned_alloc(op->loop, len + 1);
    if (!p)
        return NULL;
    p[len] = 0;
    tide__owned_free(op->text);
    op->text = p;
    return p;
}

static void op_set_text(tide__hostop *op, const char *text)
{
    size_t len = strlen(text);
    char *p = tide__hostop_text(op, len);
    if (p)
        memcpy(p, text, len);
}

static void op_free(tide__hostop *op)
{
    tide__owned_free(op->text);
    if (op->response)
        tide__http_response_discard(op);
    tide__free(op->loop, op, sizeof *op);
}

/* The host side stops counting as pending work. */
static void op_stop(tide__hostop *op, int state)
{
    if (op->state == TIDE__OP_RUNNING)
        op->loop->host_pending--;
    op->state = state;
}

void tide__hostop_settle(tide__hostop *op, int status)
{
    if (op->state != TIDE__OP_RUNNING)
        return; /* the host forgot it on abort; this cannot happen */
    tide_loop *L = op->loop;
    op_stop(op, TIDE__OP_SETTLED);
    if (status >= 0 && op->kind == TIDE__OP_HTTP) {
        status = op->response ? tide__http_response_finish(op->response)
                              : TIDE_EHOST;
        if (status < 0)
            op_set_text(op, "malformed response from the host");
    }
    tide__msg *msg = NULL;
    if (status < 0 && op->text && op->text[0])
        msg = tide__msg_new(L, op->text); /* out of memory: no text */
    tide__wake(op->task, status, msg); /* requests a turn if idle */
    tide__msg_unref(L, msg);
}

static int op_cancel(tide_task *t, tide__msg *msg)
{
    tide__hostop *op = t->wait.on.obj;
    if (op->state != TIDE__OP_RUNNING)
        return 0; /* settled: the wake-up is queued, the step cancels */
    op_stop(op, TIDE__OP_ABORTED);
    tide__host_op_abort(op, msg ? msg->text : NULL);
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

/* After the await: hand the outcome over, unless the task was cancelled
 * after the host had settled (the result is then dropped, as a future's
 * result is when the task awaiting it is cancelled before it runs). */
static int op_resume(tide_task *t, int status)
{
    tide__hostop *op = t->wait.on.obj;
    if (status >= 0) {
        if (op->kind == TIDE__OP_CALL) {
            if (op->out) {
                *(char **)op->out = op->text;
                op->text = NULL;
            }
        } else {
            *(tide_http_response **)op->out = op->response;
            op->response = NULL;
        }
    }
    op_free(op);
    return status;
}

static void op_drop(tide_task *t)
{
    tide__hostop *op = t->wait.on.obj;
    if (op->state == TIDE__OP_RUNNING) {
        op_stop(op, TIDE__OP_ABORTED);
        tide__host_op_abort(op, "the loop was destroyed");
    }
    op_free(op);
}

static tide_task *op_describe(tide_task *t, char *buf, size_t n)
{
    tide__hostop *op = t->wait.on.obj;
    snprintf(buf, n, "%s", op->label);
    return NULL;
}

static const tide__wait_ops call_ops = {
    .what = "host call",
    .cancel = op_cancel,
    .resume = op_resume,
    .drop = op_drop,
    .describe = op_describe,
};
static const tide__wait_ops http_ops = {
    .what = "http",
    .cancel = op_cancel,
    .resume = op_resume,
    .drop = op_drop,
    .describe = op_describe,
};

/* Allocate an operation for the current task t. */
static tide__hostop *op_new(tide_task *t, int kind, void *out)
{
    tide__hostop *op = tide__alloc(t->loop, sizeof *op);
    if (!op)
        return NULL;
    memset(op, 0, sizeof *op);
    op->loop = t->loop;
    op->task = t;
    op->kind = kind;
    op->out = out;
    return op;
}

/* Start op (already set up) through `rc` = the host's start result. */
static int op_started(tide_task *t, tide__hostop *op, int rc)
{
    if (rc < 0) {
        op->state = TIDE__OP_NEW; /* not counted: undo op_running */
        op->loop->host_pending--;
        tide__set_message(t, op->text && op->text[0] ? op->text : NULL);
        op_free(op);
        return rc;
    }
    t->wait.on.obj = op;
    return tide__suspend(t, op->kind == TIDE__OP_CALL ? &call_ops : &http_ops,
                         NULL);
}

/* Mark op running before the host starts it: the host may only settle it
 * from a later JS job, but it must already be counted then. */
static void op_running(tide__hostop *op)
{
    op->state = TIDE__OP_RUNNING;
    op->loop->host_pending++;
}

static int host_call(const char *name, const char *arg_json,
                     char **result_json)
{
    int err;
    tide_task *t = tide__current_for_await(&err, "tide_host_call");
    if (!t)
        return err;
    if (result_json)
        *result_json = NULL;
    if (!name || !name[0]) {
        tide__set_message(t, "tide_host_call: no function name");
        return TIDE_EINVAL;
    }
    tide__hostop *op = op_new(t, TIDE__OP_CALL, result_json);
    if (!op)
        return TIDE_ENOMEM;
    snprintf(op->label, sizeof op->label, "host call '%s'", name);
    op_running(op);
    return op_started(t, op, tide__host_call_start(op, name, arg_json));
}

tide_await tide_host_call(const char *name, const char *arg_json,
                          char **result_json)
{
    return tide__aw(host_call(name, arg_json, result_json));
}

int tide__http_start(tide_task *t, const tide_http_request *req,
                     tide_http_response **out, size_t max_body)
{
    tide__hostop *op = op_new(t, TIDE__OP_HTTP, out);
    if (!op)
        return TIDE_ENOMEM;
    op->max_body = max_body;
    snprintf(op->label, sizeof op->label, "%s %s",
             req->method ? req->method : "GET", req->url);
    op_running(op);
    return op_started(t, op, tide__host_http_start(op, req));
}
